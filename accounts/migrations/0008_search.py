"""Search (kam.textsearch): its SQL functions; the pinyin of account and contact names, filled for the rows
there are; the search documents PostgreSQL keeps from them; their bigram indexes."""

import django.contrib.postgres.indexes
from django.db import migrations, models

import kam.textsearch


def fill_pinyin(apps, schema_editor):
    for name in ("Account", "Contact"):
        kam.textsearch.backfill_pinyin(apps.get_model("accounts", name))


def pinyin_field(label, initials=False):
    return kam.textsearch.PinyinField(initials=initials, source="name", verbose_name=label)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_list_indexes"),
    ]

    operations = [
        # the SQL functions of the search documents and of their indexes
        migrations.RunSQL(kam.textsearch.FUNCTIONS_SQL, kam.textsearch.DROP_FUNCTIONS_SQL),
        migrations.AddField("account", "name_pinyin", pinyin_field("name in pinyin")),
        migrations.AddField(
            "account", "name_initials", pinyin_field("name in pinyin initials", True)
        ),
        migrations.AddField("contact", "name_pinyin", pinyin_field("name in pinyin")),
        migrations.AddField(
            "contact", "name_initials", pinyin_field("name in pinyin initials", True)
        ),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop, elidable=True),
        migrations.AddField(
            model_name="account",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=kam.textsearch.SearchDocument(
                    "name",
                    "legal_name",
                    "credit_code",
                    "external_id",
                    models.Func(
                        models.F("tags"),
                        function="kam_search_array_text",
                        output_field=models.TextField(),
                    ),
                    "name_pinyin",
                    "name_initials",
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=kam.textsearch.SearchDocument(
                    "name",
                    "title",
                    "phone",
                    models.Func(
                        models.F("phone"),
                        models.Value("\\D"),
                        models.Value(""),
                        models.Value("g"),
                        function="regexp_replace",
                        output_field=models.TextField(),
                    ),
                    "email",
                    "name_pinyin",
                    "name_initials",
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddField(
            model_name="complaint",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=kam.textsearch.SearchDocument("description"),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="account",
            index=django.contrib.postgres.indexes.GinIndex(
                kam.textsearch.SearchGrams("search_text"), name="account_search_grams"
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=django.contrib.postgres.indexes.GinIndex(
                kam.textsearch.SearchGrams("search_text"), name="contact_search_grams"
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=django.contrib.postgres.indexes.GinIndex(
                kam.textsearch.SearchGrams("search_text"), name="complaint_search_grams"
            ),
        ),
    ]
