"""One date and time format per language (kam/formats): lists and tables read
2026-12-06 22:12 in both languages, prose dates in each language's own form; no template
spells a format of its own."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [("en", "2026-12-06 22:12", "6 Dec 2026"), ("zh-hans", "2026-12-06 22:12", "2026年12月6日")],
)
def test_each_language_has_one_format(language, short, long):
    moment = datetime(2026, 12, 6, 22, 12, tzinfo=UTC)
    with translation.override(language):
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == short
        assert date_format(moment, "SHORT_DATE_FORMAT") == short[:10]
        assert date_format(moment, "DATE_FORMAT") == long
        assert date_format(moment, "TIME_FORMAT") == "22:12"


def test_templates_use_the_named_formats():
    literal = re.compile(r"""\|date:["']([^"']+)["']""")
    allowed = {"c", "Y-m"}  # machine values (ISO for scripts, a month key) and month rows
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for fmt in literal.findall(path.read_text()):
            if not fmt.endswith("_FORMAT") and fmt not in allowed:
                found.append(f"{path.name}: {fmt}")
    assert found == []
