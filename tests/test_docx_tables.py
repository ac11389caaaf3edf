"""Word tables: the .docx re-read with python-docx holds the rendered cells, the arm headers
with N, the footnote markers as superscripts, the subscripts, and the ARD's numbers."""

from __future__ import annotations

import pytest
from docx import Document

from spinepair.analysis.ard import one
from spinepair.analysis.tables import fmt_p
from spinepair.report.publish import write_table
from spinepair.report.richtext import pretty
from tests.test_tables import analysed, rendered


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    out = tmp_path_factory.mktemp("docx")
    tables = rendered()
    for name, table in tables.items():
        write_table(table, out / name)
    return tables, {name: Document(str(out / f"{name}.docx")) for name in tables}


def grid(doc):
    return [[c.text for c in row.cells] for row in doc.tables[0].rows]


def test_every_cell_as_rendered(docs):
    tables, documents = docs
    for name, table in tables.items():
        cells = grid(documents[name])
        body = cells[2:] if table.spanners else cells[1:]
        assert len(body) == len(table.rows)
        for got, (values, marks) in zip(body, zip(table.rows.values.tolist(), table.row_marks())):
            expected = [pretty(v) for v in values]  # subscripts are run formatting
            at = 1 if not values[0] and table.rows.columns[1] == "Level" else 0
            expected[at] += ",".join(marks)
            assert got == expected


def test_headers_and_spanners(docs):
    _, documents = docs
    t1 = grid(documents["table1"])
    assert t1[0][:4] == ["Variable", "Level", "SRS (n = 6)", "RT (n = 6)"]
    t3 = grid(documents["table3"])
    assert t3[0][1:5] == ["SRS (n = 6)"] * 4  # merged spanner cell
    assert t3[1][1:5] == ["Any", "Grade 1", "Grade 2", "Grade ≥3"]


def test_cells_carry_the_ard_numbers(docs):
    _, documents = docs
    ard = analysed().ard
    rows = {r[0]: r for r in grid(documents["table1"])[1:] if r[0]}
    age = next(v for k, v in rows.items() if k.startswith("Age, years"))
    assert age[5] == fmt_p(one(ard, "table1", "age_years", "p")["value"])
    est = one(ard, "table1", "age_years", "estimate")
    assert age[4] == f"{est['value']:.1f} ({est['lower']:.1f}, {est['upper']:.1f})"
    # R: t.test(c(50,62,71,45,58,66), c(52,60,70,49,61,63), paired=TRUE) -> p 0.6884,
    # mean difference -0.5, 95% CI -3.504 to 2.504
    assert age[4] == "-0.5 (-3.5, 2.5)" and age[5] == "0.688"


def test_markers_superscript_and_subscript_runs(docs):
    _, documents = docs
    doc = documents["table1"]
    runs = [
        r for row in doc.tables[0].rows for c in row.cells for p in c.paragraphs for r in p.runs
    ]
    assert any(r.font.superscript and "a" in r.text.split(",") for r in runs)
    assert any(r.font.subscript and r.text == "2/10" for r in runs)  # nBED, Gy2/10
    notes = [p.text for p in doc.paragraphs]
    assert notes[0].startswith("Table 1.")
    assert any(n.startswith("a Paired t-test") for n in notes)
