"""The zh-hans catalog is complete for every string the code marks for translation."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

CATALOG = Path("locale/zh_Hans/LC_MESSAGES/django.po")
SKIP = {".venv", ".data", "node_modules", ".git", "test-artifacts", "tests", "static"}


def _msgids(path):
    text = path.read_text(encoding="utf-8")
    ids = set()
    for block in re.findall(r'^msgid ((?:".*"\n)+)', text, flags=re.M):
        ids.add("".join(re.findall(r'"(.*)"', block)))
    ids.discard("")
    return ids


def test_catalog_compiles_with_nothing_untranslated_or_fuzzy():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOG)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


def test_catalog_covers_every_marked_string(tmp_path):
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    shutil.copytree(base, copy, ignore=lambda directory, names: SKIP & set(names))
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    missing = _msgids(copy / CATALOG) - _msgids(base / CATALOG)
    assert missing == set(), f"run `make makemessages` and translate: {sorted(missing)}"
