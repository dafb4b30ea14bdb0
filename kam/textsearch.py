"""Finding things: the one definition of "matches" that the navbar search, every list's
``q`` and the API's ``search`` share.

A searchable model keeps a **search document**, ``search_text``: a column that
PostgreSQL computes (a stored generated column) from the fields people search by, plus
the pinyin of the name in full and as initials, folded (NFKC, lower case) so that
full-width letters and digits typed by a Chinese input method match too. The pinyin
columns are written by the model (``PinyinField.pre_save``, so every ``save()`` and
``bulk_create`` of a service keeps them) and by the set-based writers that bypass the
ORM (the bulk upsert, the bench seed), which call ``pinyin_keys`` themselves.

A query matches a row when every whitespace-separated term of the query is a substring
of the row's document: "华" and "华为" (a fragment of a Chinese name), "hw" (initials),
"huawei" (full pinyin), a fragment of a credit code, of a phone number (digits only,
whatever the separators) or of an e-mail.

Speed: each searchable table has a GIN index on the **bigrams** of its document
(``kam_search_grams``: every pair of adjacent characters, and every single non-ASCII
character). A term of one Chinese character or of two characters is answered by the
index alone, exactly; a longer term asks the index for rows holding all its bigrams and
PostgreSQL rechecks the substring with LIKE. It is core PostgreSQL (GIN over text
arrays), so the embedded server, which ships no contrib extensions, and any production
server behave alike; ``pg_trgm`` needs three characters and so cannot serve the most
common Chinese searches, two-character words (see the README, "Search").
"""

import re
import unicodedata
from functools import lru_cache

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce, StrIndex

#: CJK unified ideographs (with extension A and the compatibility block)
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
PHONE_LIKE = re.compile(r"^[\d\s\-+().]+$")
WHITESPACE = re.compile(r"\s+")
SEPARATORS = re.compile(r"[\s\-+().]")

#: the SQL functions the search columns and indexes use (created by the migration accounts 0008)
FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION kam_search_array_text(varchar[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(array_to_string($1, ' '), '');

CREATE OR REPLACE FUNCTION kam_search_grams(doc text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT COST 10000
    RETURN ARRAY(
        SELECT DISTINCT gram FROM (
            SELECT substr(word, i, 2) AS gram
            FROM regexp_split_to_table(doc, '\s+') AS word,
                 generate_series(1, char_length(word) - 1) AS i
            UNION ALL
            SELECT ch FROM regexp_split_to_table(doc, '') AS ch WHERE ascii(ch) > 127
        ) AS grams
    );
"""
#: the planner must know that computing a row's bigrams is dear (about 0.3 ms), or it reads
#: the table and computes them for every row instead of asking the index (640 ms for "华"
#: over 2,000 accounts, 20 ms with the index)
GRAMS_COST_SQL = "ALTER FUNCTION kam_search_grams(text) COST 10000"
DROP_FUNCTIONS_SQL = """
DROP FUNCTION IF EXISTS kam_search_grams(text);
DROP FUNCTION IF EXISTS kam_search_array_text(varchar[]);
"""


def fold(text) -> str:
    """Text as the search document holds it: NFKC (full-width to half-width), lower case."""
    return unicodedata.normalize("NFKC", str(text or "")).lower()


@lru_cache(maxsize=8192)
def pinyin_keys(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, without tones or spaces: 华为技术 → ("huaweijishu",
    "hwjs"); letters and digits among the characters stay as they are (华为 P60 → "huaweip60",
    "hwp60"). A name without Chinese characters has none: ("", "")."""
    text = fold(text)
    if not HAN.search(text):
        return "", ""
    from pypinyin import Style, lazy_pinyin  # its dictionaries load on first use

    full = WHITESPACE.sub("", "".join(lazy_pinyin(text)))
    initials = WHITESPACE.sub("", "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)))
    return full, initials


def pinyin_values(name: str) -> dict:
    """The pinyin columns of a row named ``name``, for writers that bypass the model."""
    full, initials = pinyin_keys(name or "")
    return {"name_pinyin": full, "name_initials": initials}


class PinyinField(models.TextField):
    """The pinyin of another column of the row (``source``), in full or as ``initials``,
    written on every ``save()`` and ``bulk_create``. A ``save(update_fields=…)`` that
    names the source must name this field too; writers in SQL use ``pinyin_values``."""

    def __init__(self, *args, source="name", initials=False, **kwargs):
        self.source = source
        self.initials = initials
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["initials"] = self.initials
        for key, value in (("blank", True), ("default", ""), ("editable", False)):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, "kam.textsearch.PinyinField", args, kwargs

    def pre_save(self, model_instance, add):
        full, initials = pinyin_keys(getattr(model_instance, self.source) or "")
        value = initials if self.initials else full
        setattr(model_instance, self.attname, value)
        return value


def _text(expression):
    if isinstance(expression, str):
        expression = F(expression)
    return Coalesce(Func(expression, template="(%(expressions)s)::text"), Value(""))


class SearchDocument(Func):
    """lower(normalize(part || ' ' || part …, NFKC)): the stored search document."""

    arg_joiner = " || ' ' || "
    template = "lower(normalize(%(expressions)s, NFKC))"
    output_field = models.TextField()

    def __init__(self, *parts):
        super().__init__(*[_text(part) for part in parts])


def array_text(field):
    """An array column as one space-separated text (tags)."""
    return Func(F(field), function="kam_search_array_text", output_field=models.TextField())


def digits(field):
    """Only the digits of a column: a phone number as people type a fragment of it."""
    return Func(
        F(field), Value(r"\D"), Value(""), Value("g"), function="regexp_replace",
        output_field=models.TextField(),
    )  # fmt: skip


class SearchGrams(Func):
    """The bigrams (and single non-ASCII characters) of a search document."""

    function = "kam_search_grams"
    output_field = ArrayField(models.TextField())


def search_fields(*parts):
    """The two stored generated columns of a searchable model: ``search_text``, the
    document, and ``search_grams``, its bigrams (PostgreSQL lets a generated column read
    only ordinary ones, hence the document's expression twice). The bigrams are stored,
    not computed in an expression index: a row that the visibility rule chooses first is
    then checked by reading its array, where computing its bigrams cost about 0.3 ms a
    row (a supervisor's '华' over 1,000 accounts: 280 ms)."""
    document = models.GeneratedField(
        expression=SearchDocument(*parts), output_field=models.TextField(), db_persist=True
    )
    grams = models.GeneratedField(
        expression=SearchGrams(SearchDocument(*parts)),
        output_field=ArrayField(models.TextField()),
        db_persist=True,
    )
    return document, grams


def search_index(name):
    """The GIN index on ``search_grams``; declare it in the model's Meta."""
    from django.contrib.postgres.indexes import GinIndex

    return GinIndex(fields=["search_grams"], name=name)


def search_terms(value) -> list[str]:
    """The terms of a query, folded: whitespace separates them, except in something that
    reads as a phone number ("138 0013-8000"), which is one term of its digits."""
    text = fold(value).strip()
    if not text:
        return []
    if PHONE_LIKE.match(text) and sum(ch.isdigit() for ch in text) >= 3:
        return [SEPARATORS.sub("", text)]
    return [term for term in dict.fromkeys(WHITESPACE.split(text)) if term]


def _grams(term: str) -> list[str]:
    if len(term) == 1:
        return [term] if ord(term) > 127 else []
    return list(dict.fromkeys(term[i : i + 2] for i in range(len(term) - 1)))


def search(queryset, value, *, path=""):
    """Rows of ``queryset`` whose search document (``<path>search_text``) holds every term
    of ``value``; all rows when it has no term."""
    terms = search_terms(value)
    if not terms:
        return queryset
    column = f"{path}search_text"
    grams = list(dict.fromkeys(gram for term in terms for gram in _grams(term)))
    condition = Q()
    for term in terms:
        if len(term) > 2 or not _grams(term):
            condition &= Q(**{f"{column}__contains": term})  # the index narrows, LIKE decides
    if grams:
        condition &= Q(**{f"{path}search_grams__contains": grams})
    return queryset.filter(condition)


def relevance(value, *, path=""):
    """An ordering expression: rows whose document holds the query's first term earlier
    (in the name, which comes first) before the others."""
    terms = search_terms(value)
    return StrIndex(f"{path}search_text", Value(terms[0] if terms else ""))


class SearchableQuerySet:
    """QuerySet mixin: ``Model.objects.search(q)``, the only definition of "matches"."""

    def search(self, value):
        return search(self, value)


def backfill_pinyin(model, *, source="name", full="name_pinyin", initials="name_initials"):
    """Write the pinyin columns of every row of ``model`` whose ``source`` holds Chinese
    characters (a data migration's step; rows without any keep ""). One UPDATE … FROM
    unnest per thousand rows."""
    from django.db import connections, router

    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    rows = model._default_manager.filter(**{f"{source}__regex": HAN.pattern}).values_list(
        "pk", source
    )
    batch = list(rows)
    for start in range(0, len(batch), 1000):
        chunk = batch[start : start + 1000]
        keys = [pinyin_keys(name) for _pk, name in chunk]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS t SET {full} = u.py_full, {initials} = u.py_initials "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS u(id, py_full, py_initials) "
                "WHERE t.id = u.id",
                [[pk for pk, _name in chunk], [k[0] for k in keys], [k[1] for k in keys]],
            )
