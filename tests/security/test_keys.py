"""One key per study, proven: key rules, new-key, the fingerprint in every output, pooling."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import runpy
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from spinepair import cli
from spinepair.contracts.cdm import TABLE_NAMES
from spinepair.errors import ConfigError
from spinepair.ingest.pseudonym import load_site_key
from spinepair.ingest.spec import load_site_spec
from spinepair.jobs.jobio import write_parquet, write_parquet_parts
from spinepair.keys import (
    DEMO_KEY_SHA256,
    FINGERPRINT_LABEL,
    check_same_key,
    fingerprint,
    load_study_key,
    new_key,
    parquet_fingerprint,
)
from tests.helpers.workflow import ROOT, copy_project, dry_run, snakemake

DEMO_KEY = (ROOT / "config" / "demo.key").read_bytes()
GOOD = b"0123456789abcdef" * 4  # 64 bytes


def _key_file(folder: Path, content: bytes, mode: int = 0o600, name: str = "study.key") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    path.chmod(mode)
    return path


def _real(path, project=()) -> bytes:
    return load_study_key({"demo": False, "key_file": str(path), "key_env": None}, project)


# --- refusals (demo: false) ------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 31])
def test_short_key_refused(tmp_path, size):
    path = _key_file(tmp_path, b"k" * size)
    with pytest.raises(ConfigError, match=f"holds {size} bytes of key; at least 32") as err:
        _real(path)
    assert "spinepair new-key PATH" in str(err.value) and "\n" not in str(err.value)


def test_32_bytes_and_surrounding_whitespace(tmp_path):
    path = _key_file(tmp_path, b"\n  " + GOOD[:32] + b"  \n")
    assert _real(path) == GOOD[:32]


@pytest.mark.parametrize("placeholder", [b"x" * 32, b"01" * 40, b"abcdefghi" * 4])
def test_placeholder_key_refused(tmp_path, placeholder):
    path = _key_file(tmp_path, placeholder)
    with pytest.raises(ConfigError, match="distinct characters: a placeholder") as err:
        _real(path)
    assert "spinepair new-key PATH" in str(err.value)


def test_demo_key_content_at_another_path_refused(tmp_path):
    path = _key_file(tmp_path / "elsewhere", b"  " + DEMO_KEY.strip() + b"\r\n", name="my.key")
    with pytest.raises(ConfigError, match="demo key cannot be used with demo: false"):
        _real(path)
    assert hashlib.sha256(DEMO_KEY.strip()).hexdigest() == DEMO_KEY_SHA256


@pytest.mark.parametrize("mode", [0o666, 0o640, 0o604])
def test_key_readable_by_others_refused(tmp_path, mode):
    path = _key_file(tmp_path, GOOD, mode)
    with pytest.raises(ConfigError, match=rf"readable by others \(mode {mode:04o}\).*chmod 600"):
        _real(path)


def test_key_inside_the_project_refused(tmp_path):
    project = tmp_path / "study"
    path = _key_file(project / "config", GOOD)
    with pytest.raises(ConfigError, match="inside the project folder"):
        _real(path, [project])
    # also through a relative path or a symbolic link from outside
    link = tmp_path / "outside.key"
    link.symlink_to(path)
    with pytest.raises(ConfigError, match="inside the project folder"):
        _real(link, [project])
    assert _real(_key_file(tmp_path / "keys", GOOD), [project]) == GOOD


def test_env_key_rules(monkeypatch):
    cfg = {"demo": False, "key_file": None, "key_env": "SPINEPAIR_TEST_KEY"}
    monkeypatch.setenv("SPINEPAIR_TEST_KEY", "short")
    with pytest.raises(ConfigError, match="environment variable SPINEPAIR_TEST_KEY holds 5 bytes"):
        load_study_key(cfg)
    monkeypatch.setenv("SPINEPAIR_TEST_KEY", DEMO_KEY.decode())
    with pytest.raises(ConfigError, match="demo key cannot be used"):
        load_study_key(cfg)
    monkeypatch.setenv("SPINEPAIR_TEST_KEY", GOOD.decode() + "\n")
    assert load_study_key(cfg) == GOOD


def test_missing_key_refused(tmp_path):
    with pytest.raises(ConfigError, match="key file not found: .*spinepair new-key PATH"):
        _real(tmp_path / "nope.key")
    with pytest.raises(ConfigError, match="no key configured"):
        load_study_key({"demo": False, "key_file": None, "key_env": None})


def test_demo_true_keeps_the_demo_key_unchanged():
    key = load_site_key({"demo": True, "key_file": str(ROOT / "config" / "demo.key")}, [ROOT])
    assert key == DEMO_KEY.strip()


# --- new-key -----------------------------------------------------------------------------


def test_new_key_private_long_enough_and_never_overwritten(tmp_path):
    old = os.umask(0)  # the mode does not depend on the umask
    try:
        fp = new_key(tmp_path / "k1")
    finally:
        os.umask(old)
    path = tmp_path / "k1"
    assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_bytes()
    assert len(text.strip()) == 64 and len(bytes.fromhex(text.decode())) == 32
    assert _real(path) == text.strip()  # passes every rule
    assert fp == fingerprint(text.strip()) == fingerprint(_real(path))
    with pytest.raises(ConfigError, match="exists; a key is never overwritten"):
        new_key(path)
    assert path.read_bytes() == text
    assert new_key(tmp_path / "k2") != fp


def test_new_key_makes_a_private_folder(tmp_path):
    """The README's `spinepair new-key ~/.spinepair/mystudy.key` on a machine without it."""
    path = tmp_path / "home" / ".spinepair" / "mystudy.key"
    new_key(path)
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600 and len(_real(path)) == 64


def test_new_key_refuses_the_project_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert cli.main(["new-key", "config/study.key"]) == 2
    assert "inside the project folder" in capsys.readouterr().err
    assert not (ROOT / "config" / "study.key").exists()
    out = tmp_path / "keys" / "study.key"
    out.parent.mkdir()
    assert cli.main(["new-key", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"key fingerprint: {fingerprint(out.read_bytes().strip())}" in printed
    assert f"key_file: {out}" in printed


def test_fingerprint_reveals_nothing_derivable_without_the_key():
    fp = fingerprint(GOOD)
    assert fp == fingerprint(GOOD) and len(fp) == 16
    assert fp != fingerprint(GOOD[:-1] + b"X")
    without_key = [
        hashlib.sha256(FINGERPRINT_LABEL).hexdigest(),
        hmac.new(b"", FINGERPRINT_LABEL, hashlib.sha256).hexdigest(),
        hashlib.sha256(GOOD).hexdigest(),  # a plain hash of the key would be a key check
        GOOD.hex(),
    ]
    assert all(not h.startswith(fp) for h in without_key)
    assert fp not in GOOD.decode()


# --- the fingerprint in every ingested output, and pooling -------------------------------


def test_ingest_job_records_the_fingerprint(tmp_path, monkeypatch):
    """The real ingest job script on demo site A: validation.json and every table."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    key_path = _key_file(tmp_path / "keys", GOOD)
    pseudo = {"demo": False, "key_file": str(key_path), "key_env": None}
    fp = fingerprint(GOOD)
    out = tmp_path / "results" / "ingested" / "A"  # as the rule's outputs lie
    arms = [config["study"]["index_arm"], config["study"]["comparator_arm"]]
    sm = SimpleNamespace(
        wildcards=SimpleNamespace(site="A"),
        params=SimpleNamespace(
            spec=load_site_spec(str(ROOT / "config" / "sites" / "A.yaml"), arms=arms),
            raw_dir=str(ROOT / "data" / "demo" / "A"),
            pseudonymisation=pseudo,
            key_fingerprint=fp,
            spill_dir=str(tmp_path / "results" / ".spill"),
            ingest=config["ingest"],
            plausibility=config.get("plausibility", {}),
            arms=arms,
        ),
        output=SimpleNamespace(
            tables=[str(out / f"{t}.parquet") for t in TABLE_NAMES],
            report=str(out / "validation.json"),
            quarantine=str(out / "quarantine.parquet"),
        ),
        log=SimpleNamespace(main=str(tmp_path / "a.log"), report=str(tmp_path / "a.json")),
    )
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")  # the job's working folder: the key lies outside
    script = str(ROOT / "workflow" / "scripts" / "ingest.py")
    runpy.run_path(script, init_globals={"snakemake": sm})
    assert json.loads((out / "validation.json").read_text())["key_fingerprint"] == fp
    for name in [*TABLE_NAMES, "quarantine"]:
        assert parquet_fingerprint(out / f"{name}.parquet") == fp, name
    # a key that is not the one the workflow was planned with stops the job
    sm.params.key_fingerprint = "0" * 16
    with pytest.raises(SystemExit):
        runpy.run_path(script, init_globals={"snakemake": sm})
    assert "key changed since the workflow was planned" in (tmp_path / "a.log").read_text()


def test_parquet_metadata_kept_in_parts_and_beside_pandas(tmp_path):
    meta = {b"spinepair.key_fingerprint": b"abcd"}
    frames = [pd.DataFrame({"x": [1, 2]}), pd.DataFrame({"x": [3]})]
    write_parquet_parts(iter(frames), tmp_path / "parts.parquet", meta)
    write_parquet(frames[0], tmp_path / "one.parquet", meta)
    write_parquet(frames[0], tmp_path / "none.parquet")
    assert parquet_fingerprint(tmp_path / "parts.parquet") == "abcd"
    assert parquet_fingerprint(tmp_path / "one.parquet") == "abcd"
    assert parquet_fingerprint(tmp_path / "none.parquet") is None
    assert pd.read_parquet(tmp_path / "parts.parquet")["x"].tolist() == [1, 2, 3]


def test_pooling_refuses_sites_with_different_keys(tmp_path):
    paths = {}
    for site, key in (("A", GOOD), ("B", GOOD), ("C", b"another key of thirty-two bytes!!")):
        paths[site] = tmp_path / site / "patients.parquet"
        meta = {b"spinepair.key_fingerprint": fingerprint(key).encode()}
        write_parquet(pd.DataFrame({"patient_key": ["p"]}), paths[site], meta)
    found = {site: parquet_fingerprint(p) for site, p in paths.items()}
    check_same_key({s: found[s] for s in "AB"}, fingerprint(GOOD))  # one key: pooled
    with pytest.raises(ConfigError, match="different keys cannot be pooled") as err:
        check_same_key(found, fingerprint(GOOD))
    msg = str(err.value)
    assert f"A={fingerprint(GOOD)}" in msg and f"C={found['C']}" in msg and "\n" not in msg
    with pytest.raises(ConfigError, match="different keys.*B=none"):
        check_same_key({"A": found["A"], "B": None})
    with pytest.raises(ConfigError, match="another key than the configured one"):
        check_same_key({s: found[s] for s in "AB"}, fingerprint(b"k" * 32))


# --- the real workflow: checked at parse, every site reruns on a new key ----------------


@pytest.mark.workflow
def test_key_change_reruns_every_site_and_weak_keys_stop_the_dry_run(tmp_path):
    work = copy_project(tmp_path / "study")
    key = _key_file(tmp_path / "keys", hashlib.sha256(b"first").hexdigest().encode())
    overlay = tmp_path / "real.yaml"
    overlay.write_text(
        f"pseudonymisation: {{demo: false, key_file: {key}, key_env: null}}\nsites: [A, B]\n"
    )
    targets = [f"results/ingested/{s}/validation.json" for s in "AB"]
    snakemake(work, "--configfile", str(overlay), "--", *targets)
    assert dry_run(work, "--configfile", str(overlay), "--", *targets)[0] == {}
    key.write_bytes(hashlib.sha256(b"second").hexdigest().encode())  # same file, new content
    jobs, why = dry_run(work, "--configfile", str(overlay), "--", *targets)
    assert jobs == {"ingest": 2}
    assert why["params have changed since last execution"] == {"ingest"}

    for content, message in [
        (b"x", "holds 1 bytes of key; at least 32 are required"),
        (DEMO_KEY, "demo key cannot be used with demo: false"),
    ]:
        key.write_bytes(content)
        proc = snakemake(work, "-n", "--configfile", str(overlay), check=False)
        assert proc.returncode != 0
        assert message in proc.stderr and "spinepair new-key PATH" in proc.stderr
        assert "Traceback" not in proc.stderr
