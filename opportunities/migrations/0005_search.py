"""Search (kam.textsearch): the pinyin of opportunity names and contract titles, filled
for the rows there are; the search documents PostgreSQL keeps; their bigram indexes."""

import django.contrib.postgres.indexes
from django.db import migrations, models

import kam.textsearch


def fill_pinyin(apps, schema_editor):
    kam.textsearch.backfill_pinyin(apps.get_model("opportunities", "Opportunity"))
    kam.textsearch.backfill_pinyin(
        apps.get_model("opportunities", "Contract"),
        source="title",
        full="title_pinyin",
        initials="title_initials",
    )


def pinyin_field(label, source, initials=False):
    return kam.textsearch.PinyinField(initials=initials, source=source, verbose_name=label)


def document(*parts):
    return models.GeneratedField(
        db_persist=True,
        expression=kam.textsearch.SearchDocument(*parts),
        output_field=models.TextField(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0004_lists"),
        ("accounts", "0008_search"),
    ]

    operations = [
        migrations.AddField("opportunity", "name_pinyin", pinyin_field("name in pinyin", "name")),
        migrations.AddField(
            "opportunity", "name_initials", pinyin_field("name in pinyin initials", "name", True)
        ),
        migrations.AddField("contract", "title_pinyin", pinyin_field("title in pinyin", "title")),
        migrations.AddField(
            "contract",
            "title_initials",
            pinyin_field("title in pinyin initials", "title", True),
        ),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop, elidable=True),
        migrations.AddField(
            "opportunity",
            "search_text",
            document("name", "competitors", "name_pinyin", "name_initials"),
        ),
        migrations.AddField(
            "contract",
            "search_text",
            document("number", "title", "title_pinyin", "title_initials"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=django.contrib.postgres.indexes.GinIndex(
                kam.textsearch.SearchGrams("search_text"), name="opportunity_search_grams"
            ),
        ),
        migrations.AddIndex(
            model_name="contract",
            index=django.contrib.postgres.indexes.GinIndex(
                kam.textsearch.SearchGrams("search_text"), name="contract_search_grams"
            ),
        ),
    ]
