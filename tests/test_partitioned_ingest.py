"""A site read in blocks and checked in parts gives exactly what the whole site gives.

Every kind of damage of the broken-export corpus, in every export style, is ingested twice:
whole, and in three parts read in blocks of a tenth of the export (so that files, quoted
records and patients fall across blocks and parts). The failures, the validation report,
the tables and the quarantine must be equal.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from spinepair.errors import ConfigError, IngestError
from spinepair.ingest.checks.sitewide import quantile
from spinepair.ingest.partition import export_size, part_count
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.readers import FileProblem, csv_grid, decode
from spinepair.ingest.spec import load_site_spec
from spinepair.ingest.textstream import csv_chunks
from spinepair.jobs.jobio import write_parquet_parts
from tests.helpers.broken_corpus import KINDS, SITES, Raw, render_pristine

pytestmark = pytest.mark.filterwarnings("error::FutureWarning")
KEY = b"partition-key"
CASES = [(name, style) for name, (styles, _) in KINDS.items() for style in styles]
QUARANTINE_STYLE = {n: s[i % len(s)] for i, (n, (s, _)) in enumerate(KINDS.items())}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return render_pristine(tmp_path_factory.mktemp("pristine"))


def _size(raw: Raw) -> int:
    return export_size(load_site_spec(SITES / f"{raw.site}.yaml"), raw.dir)


def _outcome(raw: Raw, part_mb: float, quarantine: bool):
    settings = {
        "max_quarantine_share": 1.0,
        "plausibility": {"sentinel_min_values": 2},
        "part_mb": part_mb,
    }
    try:
        res = ingest_site(
            raw.spec_path, raw.dir, raw.site, KEY, quarantine=quarantine, settings=settings
        )
    except IngestError as err:
        return "fail", (str(err), err.failures), err.report, None, None
    except ConfigError as err:
        return "config", str(err), None, None, None
    return "ok", None, res.report, res.tables, res.quarantine


def _assert_same(whole, parts, what: str) -> None:
    assert whole[0] == parts[0], what
    assert whole[1] == parts[1], what
    assert whole[2] == parts[2], what
    if whole[0] == "ok":
        for table, frame in whole[3].items():
            pd.testing.assert_frame_equal(parts[3][table], frame, obj=f"{what} {table}")
        pd.testing.assert_frame_equal(parts[4], whole[4], obj=f"{what} quarantine")


@pytest.mark.parametrize(("name", "style"), CASES)
def test_parts_give_the_whole_site(name, style, pristine, tmp_path):
    raw = Raw(pristine[style], tmp_path, style)
    KINDS[name][1](raw)
    spec = load_site_spec(SITES / f"{raw.site}.yaml")
    part_mb = max(_size(raw), 1) / 2.5 / 2**20
    assert part_count(spec, raw.dir, part_mb) == (3 if _size(raw) else 1)
    modes = [False, True] if style == QUARANTINE_STYLE[name] else [False]
    for quarantine in modes:
        whole = _outcome(raw, 1e6, quarantine)
        parts = _outcome(raw, part_mb, quarantine)
        _assert_same(whole, parts, f"{name}/{style} quarantine={quarantine}")


def test_a_site_without_damage_in_parts(pristine, tmp_path):
    for style in pristine:
        raw = Raw(pristine[style], tmp_path / style, style)
        whole = _outcome(raw, 1e6, False)
        for k in (2, 5):
            parts = _outcome(raw, _size(raw) / (k - 0.5) / 2**20, False)
            assert whole[0] == "ok", style
            _assert_same(whole, parts, f"{style} in {k} parts")


@pytest.mark.parametrize("seed", range(20))
def test_quantile_from_counts_is_numpy_quantile(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    data = rng.choice(rng.normal(50, 20, size=int(rng.integers(1, 60))).round(1), size=n)
    values, counts = np.unique(data, return_counts=True)
    for q in (0.0, 0.5, 0.9, 0.99, 1.0):
        assert quantile(values, counts, q) == np.quantile(data, q)


QUOTED = (
    'id,note,dose\n1,"two\nlines",30\n2,plain,24\n3,"a ""quoted"" word",8\n'
    '4,"three\nline\nnote",20\n5,last,18\n'
)


@pytest.mark.parametrize("block", [1, 5, 13, 40, 1000])
def test_blocks_cut_only_between_records(block, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(QUOTED.encode())
    header, chunks = csv_chunks(path, "utf-8", ",", block, [])
    got = pd.concat([g for g, _ in chunks])
    want_header, want, _ = csv_grid(decode(QUOTED.encode(), "utf-8"), ",")
    assert header == want_header
    assert got.index.tolist() == want.index.tolist() == [2, 4, 5, 6, 9]
    assert got.fillna("").values.tolist() == want.fillna("").values.tolist()


def test_a_bad_byte_in_a_later_block_is_named_as_in_the_whole_file(tmp_path):
    data = ("id,name\n" + "".join(f"{i},n{i}\n" for i in range(1, 200))).encode()
    data = data[:1500] + b"\xff" + data[1500:]
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    with pytest.raises(FileProblem) as whole:
        decode(data, "utf-8")
    with pytest.raises(FileProblem) as parts:
        _, chunks = csv_chunks(path, "utf-8", ",", 64, [])
        list(chunks)
    assert (parts.value.row, parts.value.detail) == (whole.value.row, whole.value.detail)
    assert math.isfinite(parts.value.row)


def test_tables_written_part_after_part_read_back_as_the_whole_site(pristine, tmp_path):
    raw = Raw(pristine["long_eav"], tmp_path, "long_eav")
    whole = _outcome(raw, 1e6, False)[3]
    out = tmp_path / "out"
    settings = {"part_mb": _size(raw) / 2.5 / 2**20}
    res = ingest_site(
        raw.spec_path,
        raw.dir,
        raw.site,
        KEY,
        settings=settings,
        write=lambda t, frames: write_parquet_parts(frames, out / f"{t}.parquet"),
    )
    assert res.tables is None
    for table, frame in whole.items():
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{table}.parquet"), frame)
