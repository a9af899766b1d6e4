"""One list of measure columns with a unit and a definition for each."""

from __future__ import annotations

from vtract.measures import MEASURE_COLUMNS, MEASURE_TABLE, measure_table_markdown


def test_every_column_has_a_unit_matching_its_suffix():
    assert MEASURE_COLUMNS[:2] == ["frame", "time_s"]
    assert len(set(MEASURE_COLUMNS)) == len(MEASURE_COLUMNS)
    for col in MEASURE_COLUMNS[2:]:
        unit, definition = MEASURE_TABLE[col]
        assert col.endswith("_mm2") == (unit == "mm^2")
        assert col.endswith("_mm") == (unit == "mm")
        assert len(definition) > 20


def test_phantom_uses_the_same_columns():
    import vtract.phantom

    assert vtract.phantom.MEASURE_COLUMNS is MEASURE_COLUMNS


def test_markdown_table_lists_every_column():
    md = measure_table_markdown()
    assert all(f"`{c}`" in md for c in MEASURE_COLUMNS)
