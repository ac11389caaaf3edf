"""Inputs are what they claim (security issue 20, probes 3 and 5 and the extras).

Source paths stay inside the site's raw folder (refused when the spec is loaded; a link
out of the folder is refused at ingest, never read); a file changed while it is read stops
the site (``file_changed``); an unreadable file is one ``readable`` failure, never a
traceback; what was read is recorded (size, SHA-256, modification time).

Tests run as root, where ``chmod 000`` does not stop a read: the unreadable file is a
folder named like the data file, a FIFO (which would block a reader forever) and, simulated,
a PermissionError from the read itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from spinepair.errors import ConfigError, IngestError
from spinepair.ingest import sources
from spinepair.ingest.extract import Extract, read_export
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.spec import load_site_spec
from spinepair.synth.render import render_site
from tests.helpers.strategies import small_truth
from tests.helpers.workflow import ROOT

SPEC = ROOT / "config" / "sites" / "C.yaml"
SECRET = "TOP-SECRET-LINE-of-the-outside-file"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    raw = tmp_path_factory.mktemp("pristine") / "C"
    render_site(small_truth("C"), "cp949_csv", raw)
    return raw


@pytest.fixture
def site(rendered, tmp_path):
    """A copy of site C's export in ``tmp/raw/C`` and a secret file outside it."""
    raw = tmp_path / "raw" / "C"
    raw.mkdir(parents=True)
    for f in rendered.iterdir():
        (raw / f.name).write_bytes(f.read_bytes())
    (tmp_path / "secret.key").write_text(f"{SECRET}\nmore\n")
    return raw


def _spec_with_path(tmp_path, path: str) -> Path:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    spec["sources"][0]["path"] = path
    out = tmp_path / "spec.yaml"
    out.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return out


def _failed(raw, spec=SPEC, settings=None) -> IngestError:
    with pytest.raises(IngestError) as err:
        ingest_site(spec, raw, "C", b"k", settings=settings)
    return err.value


@pytest.mark.parametrize(
    "path",
    ["../../secret.key", "sub/../../x.csv", "/etc/passwd", "\\\\server\\share\\x.csv", "C:/x.csv"],
)
def test_spec_refuses_paths_leaving_the_raw_folder(tmp_path, path):
    spec = _spec_with_path(tmp_path, path)
    with pytest.raises(ConfigError) as err:
        load_site_spec(spec)
    text = str(err.value)
    assert str(spec) in text and "sources/0/path" in text and "line " in text
    assert "NotImplementedError" not in text


def test_relative_paths_inside_are_accepted():
    assert sources.pattern_problem("sub/C_*.csv") is None
    assert sources.pattern_problem("**/*.csv") is None


def test_symlink_out_of_the_raw_folder_is_refused_and_never_read(site, tmp_path, monkeypatch):
    target = site / "C_pain.csv"
    target.unlink()
    target.symlink_to(tmp_path / "secret.key")
    opened = []
    real_open = sources.Watch.__init__

    def spy(self, path):
        opened.append(Path(path).name)
        real_open(self, path)

    monkeypatch.setattr(sources.Watch, "__init__", spy)
    err = _failed(site)
    fails = [f for f in err.failures if f["file"] == "C_pain.csv"]
    assert [f["check"] for f in fails] == ["confined"]
    assert "C_pain.csv" not in opened
    shown = str(err) + json.dumps(err.report, ensure_ascii=False)
    assert SECRET not in shown and "secret.key" not in shown
    assert "C_pain.csv" in str(err)


def test_symlink_inside_the_raw_folder_is_read(site):
    (site / "C_pain.csv").rename(site / "elsewhere.txt")
    (site / "C_pain.csv").symlink_to(site / "elsewhere.txt")
    res = ingest_site(SPEC, site, "C", b"k")
    assert res.report["status"] == "ok"


def test_raw_files_and_export_size_stay_inside(site, tmp_path):
    (site / "C_pain.csv").unlink()
    (site / "C_pain.csv").symlink_to(tmp_path / "secret.key")
    found = sources.confined_files(site, ["C_*.csv"])
    assert str(site / "C_pain.csv") not in found and str(site / "C_rt.csv") in found


def test_file_changed_during_read_stops_the_site(site, monkeypatch):
    """Probe 3: a file still being written while read (simulated: the read appends)."""
    real = sources.Watch.read_bytes

    def growing(self):
        data = real(self)
        if self.path.name == "C_imaging.csv":
            with open(self.path, "ab") as f:  # the copy goes on after the read
                f.write(data.splitlines(keepends=True)[-1])
        return data

    monkeypatch.setattr(sources.Watch, "read_bytes", growing)
    err = _failed(site)
    fails = [f for f in err.failures if f["check"] == "file_changed"]
    assert [f["file"] for f in fails] == ["C_imaging.csv"]
    assert err.report["status"] == "failed"


def test_file_changed_during_streamed_read_stops_the_site(site, monkeypatch):
    """The same in a site read in blocks (large-site path): the hash is of the blocks."""
    from spinepair.ingest import textstream

    real = textstream._blocks

    def growing(path, block_bytes, watch=None, scan=None):
        for i, block in enumerate(real(path, block_bytes, watch, scan)):
            if i == 0 and Path(path).name == "C_imaging.csv":
                os.utime(path, ns=(1, 1))  # touched by a writer
            yield block

    monkeypatch.setattr(textstream, "_blocks", growing)
    ex, added, dropped = Extract(), [], []
    spec = load_site_spec(SPEC)
    read_export(spec, site, "C", ex, lambda r, s, f: added.append(r), dropped.append, 256)
    assert {f.file for f in ex.failures if f.check == "file_changed"} == {"C_imaging.csv"}
    assert "C_imaging.csv" in added and dropped == ["C_imaging.csv"]  # rows given back


def test_report_records_what_was_read(site):
    res = ingest_site(SPEC, site, "C", b"k")
    for name, info in res.report["files"].items():
        data = (site / name).read_bytes()
        assert info["bytes"] == len(data)
        assert info["sha256"] == hashlib.sha256(data).hexdigest()
        assert info["mtime"].endswith("+00:00")


def test_folder_named_like_the_file_is_one_readable_failure(site):
    (site / "C_pain.csv").unlink()
    (site / "C_pain.csv").mkdir()
    err = _failed(site)
    fails = [f for f in err.failures if f["file"] == "C_pain.csv"]
    assert [f["check"] for f in fails] == ["readable"]
    assert "Traceback" not in str(err)


def test_fifo_is_refused_without_opening_it(site):
    (site / "C_pain.csv").unlink()
    os.mkfifo(site / "C_pain.csv")
    err = _failed(site)  # opening the FIFO would block forever
    assert [f["check"] for f in err.failures if f["file"] == "C_pain.csv"] == ["readable"]


def test_permission_error_is_one_readable_failure(site, monkeypatch):
    real = sources.Watch.read_bytes

    def denied(self):
        if self.path.name == "C_pain.csv":
            self.path.open("rb").close()
            raise sources.unreadable(PermissionError(13, "Permission denied"))
        return real(self)

    monkeypatch.setattr(sources.Watch, "read_bytes", denied)
    err = _failed(site)
    fails = [f for f in err.failures if f["file"] == "C_pain.csv"]
    assert [f["check"] for f in fails] == ["readable"]
    assert "Permission denied" in fails[0]["detail"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file")
def test_chmod_000_is_one_readable_failure(site):
    (site / "C_pain.csv").chmod(0)
    err = _failed(site)
    assert [f["check"] for f in err.failures if f["file"] == "C_pain.csv"] == ["readable"]


def test_check_site_cli_prints_no_traceback_for_an_outside_link(site, tmp_path):
    (site / "C_pain.csv").unlink()
    (site / "C_pain.csv").symlink_to(tmp_path / "secret.key")
    out = tmp_path / "profile"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "spinepair.cli",
            "check-site",
            "C",
            "--spec",
            str(SPEC),
            "--raw",
            str(site),
            "--out",
            str(out),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    text = proc.stdout + proc.stderr
    assert "Traceback" not in text and SECRET not in text
    assert "confined" in text


def test_check_site_never_opens_a_workbook_linked_from_outside(tmp_path, monkeypatch):
    """check-site lists a workbook's sheets: never of one a link brings in from outside."""
    import shutil

    import python_calamine

    from spinepair.ingest import profile as profiling

    raw = tmp_path / "B"
    raw.mkdir()
    outside = tmp_path / "elsewhere.xlsx"
    shutil.copy(ROOT / "data" / "demo" / "B" / "B_spine_registry.xlsx", outside)
    (raw / "B_spine_registry.xlsx").symlink_to(outside)
    opened = []
    monkeypatch.setattr(profiling, "sheet_names", lambda path: opened.append(path) or [])
    monkeypatch.setattr(
        python_calamine.CalamineWorkbook, "from_path", lambda p: opened.append(p) or 1 / 0
    )
    spec = ROOT / "config" / "sites" / "B.yaml"
    profile = profiling.profile_site(spec, raw, "B")
    assert not opened and profile["files"] == []
    assert {f["check"] for f in profile["failures"]} == {"confined"}
