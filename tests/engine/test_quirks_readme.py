"""The README's quirk tables and engine/quirks.py name the same quirks.

A quirk renamed or added in the code without the README (or described in the
README but gone from the code) fails here, so the documentation cannot drift.
"""
import re
from pathlib import Path

from engine.quirks import QUIRKS

README = Path(__file__).resolve().parents[2] / "README.md"
NAME = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`")


def quirk_tables(text: str) -> list[list[str]]:
    """Every Markdown table whose header's first column is 'quirk' or 'quirk alone', as its rows."""
    tables, current = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            first = line.strip("|").split("|")[0].strip()
            if current is None and first in ("quirk", "quirk alone"):
                current = []
                tables.append(current)
            elif current is not None and not set(first) <= set("-: "):
                current.append(first)
        else:
            current = None
    return tables


def test_the_readme_has_the_definition_table_and_the_effect_table():
    tables = quirk_tables(README.read_text(encoding="utf-8"))
    assert len(tables) >= 2, "the README lost its quirk table(s)"


def test_every_quirk_the_readme_names_exists_and_every_quirk_is_described():
    tables = quirk_tables(README.read_text(encoding="utf-8"))
    definition = tables[0]
    described = [m for cell in definition for m in NAME.findall(cell)]
    assert sorted(described) == sorted(QUIRKS), (
        f"README quirk table {sorted(described)} != engine/quirks.py {sorted(QUIRKS)}")
    for table in tables[1:]:
        for cell in table:
            for name in NAME.findall(cell):
                assert name in QUIRKS, f"the README's effect table names {name!r}, which engine/quirks.py lacks"


def test_the_table_reader_finds_a_quirk_missing_from_the_code():
    """The check above can fail: a made-up row is reported."""
    text = "| quirk | spec |\n|---|---|\n| `off-by-one` | x |\n| `no-such-quirk` | y |\n\nend\n"
    names = [m for cell in quirk_tables(text)[0] for m in NAME.findall(cell)]
    assert names == ["off-by-one", "no-such-quirk"]
    assert "no-such-quirk" not in QUIRKS
