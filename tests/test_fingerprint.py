"""Code fingerprints: a job reruns exactly when a module or schema its script uses changes.

The closure found by :mod:`spinepair.jobs.fingerprint` (read with ast) is checked against
Python's own :class:`modulefinder.ModuleFinder` (read from bytecode), and the schema files
against those the jobs really open during a run (an audit hook logs every open).
"""

import re
from modulefinder import ModuleFinder
from pathlib import Path

import pytest

from spinepair.jobs import fingerprint
from tests.helpers.workflow import ROOT, copy_project, dry_run, snakemake

FAKE_PACKAGE = {
    "__init__.py": "",
    "errors.py": '"""Raised when a table breaks schemas/other.yaml."""\n',
    "contracts/__init__.py": "",
    "contracts/cdm.py": 'SCHEMA = "schemas/cdm.yaml"\n',
    "contracts/stages.py": "from .cdm import SCHEMA\n\n\ndef load(name):\n    return name\n",
    "report/__init__.py": "from . import figures\n",
    "report/figures.py": "from ..errors import *\n",
    "report/tables.py": (
        "def table():\n    from spinepair.contracts import stages\n\n    return stages\n"
    ),
    "unused.py": "import spinepair.report.tables\n",
    "schemas/cdm.yaml": "a: 1\n",
    "schemas/pairs.yaml": "b: 1\n",
    "schemas/other.yaml": "c: 1\n",
}
FAKE_SCRIPT = (
    "import json\n"
    "from spinepair.report.tables import table\n\n\n"
    "def work():\n"
    '    return json.dumps(table().load("pairs.yaml"))\n'
)


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A small fake ``spinepair`` under tmp_path/src, and a job script importing from it."""
    pkg = tmp_path / "src" / "spinepair"
    for name, text in FAKE_PACKAGE.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    (tmp_path / "job.py").write_text(FAKE_SCRIPT)
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", pkg)
    return tmp_path


def found_by_modulefinder(script: Path, src: Path) -> set[Path]:
    """The spinepair source files (under src) Python's modulefinder sees a script import."""
    finder = ModuleFinder(path=[str(src)])
    finder.run_script(str(script))
    return {
        Path(module.__file__).resolve()
        for name, module in finder.modules.items()
        if name.split(".")[0] == "spinepair" and module.__file__
    }


def test_import_closure_of_a_small_package(fake):
    modules, schemas = fingerprint.import_closure(fake / "job.py")
    pkg = fake / "src" / "spinepair"
    # Parent packages, relative imports, an import inside a function, a package's
    # __init__ importing its submodule; unused.py imports the closure but is not in it.
    expected = [
        "__init__.py",
        "contracts/__init__.py",
        "contracts/cdm.py",
        "contracts/stages.py",
        "errors.py",
        "report/__init__.py",
        "report/figures.py",
        "report/tables.py",
    ]
    assert [p.relative_to(pkg).as_posix() for p in modules] == expected
    assert set(modules) == found_by_modulefinder(fake / "job.py", fake / "src")
    # Schemas named by a constant in the closure or the script; prose does not count.
    assert [p.name for p in schemas] == ["cdm.yaml", "pairs.yaml"]


def test_script_fingerprint_follows_its_closure(fake):
    pkg = fake / "src" / "spinepair"
    before = fingerprint.script_fingerprint(fake / "job.py")
    assert fingerprint.script_fingerprint(fake / "job.py") == before
    for untouched in ("unused.py", "schemas/other.yaml"):
        (pkg / untouched).write_text((pkg / untouched).read_text() + "# edited\n")
    assert fingerprint.script_fingerprint(fake / "job.py") == before
    for used in ("report/figures.py", "schemas/pairs.yaml"):
        original = (pkg / used).read_text()
        (pkg / used).write_text(original + "# edited\n")
        assert fingerprint.script_fingerprint(fake / "job.py") != before, used
        (pkg / used).write_text(original)
    assert fingerprint.script_fingerprint(fake / "job.py") == before


def test_job_script_closures_equal_modulefinder_and_never_reach_synth():
    scripts = sorted((ROOT / "workflow" / "scripts").glob("*.py"))
    assert scripts
    for script in scripts:
        modules, _ = fingerprint.import_closure(script)
        assert set(modules) == found_by_modulefinder(script, fingerprint.PACKAGE_DIR.parent)
        assert not [m for m in modules if "synth" in m.relative_to(fingerprint.PACKAGE_DIR).parts]


# --- workflow: the dry run plans exactly the rules whose scripts use an edited file ---

AUDIT_HOOK = """\
import os
import sys


def _log_schema_reads(event, args):
    if event == "open" and isinstance(args[0], (str, os.PathLike)):
        path = os.fspath(args[0])
        if "/.snakemake/scripts/" in sys.argv[0] and path.startswith({schemas!r}):
            with open({log!r}, "a", encoding="utf-8") as fh:
                fh.write(f"{{sys.argv[0]}}\\t{{path}}\\n")


sys.addaudithook(_log_schema_reads)
"""


@pytest.fixture(scope="module")
def audited_study(tmp_path_factory):
    """A fully run copy of the project whose jobs logged each schema file they opened."""
    workdir = copy_project(tmp_path_factory.mktemp("fingerprint"))
    hook = workdir / "src" / "sitecustomize.py"  # the jobs' PYTHONPATH is the copy's src/
    schemas = str(workdir / "src" / "spinepair" / "schemas") + "/"
    hook.write_text(AUDIT_HOOK.format(log=str(workdir / "schema_reads.tsv"), schemas=schemas))
    snakemake(workdir)
    hook.unlink()
    return workdir


def rule_scripts(workdir: Path) -> dict[str, Path]:
    """Rule -> its job script, from workflow/rules; each such rule fingerprints that script."""
    scripts = {}
    for path in (workdir / "workflow" / "rules").glob("*.smk"):
        # A rule's text runs up to the next rule (rules may sit indented under an `if`).
        for rule, body in re.findall(
            r"^\s*rule (\w+):\n(.*?)(?=^\s*rule |\Z)", path.read_text(), re.MULTILINE | re.DOTALL
        ):
            script = re.search(r'script:\s*"([^"]+)"', body)
            if script:
                assert re.search(rf'code=code\("{Path(script[1]).stem}"\)', body), rule
                scripts[rule] = (path.parent / script[1]).resolve()
    assert scripts
    return scripts


def schema_reads(workdir: Path, scripts: dict[str, Path]) -> dict[str, set[str]]:
    """Rule -> names of the schema files its jobs opened in the audited run."""
    rule_of = {script.stem: rule for rule, script in scripts.items()}
    reads: dict[str, set[str]] = {rule: set() for rule in scripts}
    for line in (workdir / "schema_reads.tsv").read_text().splitlines():
        job_script, path = line.split("\t")
        reads[rule_of[Path(job_script).name.split(".")[-2]]].add(Path(path).name)
    return reads


def rule_graph(workdir: Path) -> list[tuple[str, str]]:
    """The (upstream rule, downstream rule) edges of ``snakemake --rulegraph``."""
    dot = snakemake(workdir, "--rulegraph").stdout
    label = dict(re.findall(r"^\s*(\d+)\[label = \"(\w+)\"", dot, re.MULTILINE))
    return [(label[a], label[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", dot, re.MULTILINE)]


def downstream(edges: list[tuple[str, str]], rules: set[str]) -> set[str]:
    """The rules below rules in the rule graph (they rerun because their input changes)."""
    found, todo = set(), list(rules)
    while todo:
        rule = todo.pop()
        for a, b in edges:
            if a == rule and b not in found:
                found.add(b)
                todo.append(b)
    return found


def closure_schemas(workdir: Path, scripts: dict[str, Path]) -> dict[str, set[str]]:
    """Rule -> names of the schema files in its script's closure (the copy's library)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fingerprint, "PACKAGE_DIR", workdir / "src" / "spinepair")
        return {r: {p.name for p in fingerprint.import_closure(s)[1]} for r, s in scripts.items()}


@pytest.mark.workflow
def test_every_schema_a_job_opens_is_in_its_fingerprint(audited_study):
    scripts = rule_scripts(audited_study)
    opened = schema_reads(audited_study, scripts)
    assert "site.schema.yaml" in opened["ingest"]  # the audit hook saw the jobs' reads
    named = closure_schemas(audited_study, scripts)
    # A module may name a schema it reads only on some paths, so the closure may hold more.
    assert {rule: opened[rule] - named[rule] for rule in scripts} == {r: set() for r in scripts}


@pytest.mark.workflow
def test_editing_a_library_file_reruns_exactly_the_rules_using_it(audited_study):
    src = audited_study.resolve() / "src"
    scripts = rule_scripts(audited_study)
    edges = rule_graph(audited_study)
    modules = {rule: found_by_modulefinder(s, src) for rule, s in scripts.items()}
    schemas = closure_schemas(audited_study, scripts)
    synth = src / "spinepair" / "synth"
    assert not [m for used in modules.values() for m in used if m.is_relative_to(synth)]
    edited = [p for p in sorted((src / "spinepair").rglob("*.py")) if not p.is_relative_to(synth)]
    edited += sorted((src / "spinepair" / "schemas").glob("*.yaml"))
    wrong = {}
    for path in edited:
        original = path.read_bytes()
        path.write_bytes(original + b"\n# edited by test_fingerprint\n")
        try:
            jobs, reasons = dry_run(audited_study)
        finally:
            path.write_bytes(original)
        users = {r for r in scripts if path in modules[r] or path.name in schemas[r]}
        below = downstream(edges, users)
        changed = reasons.get("params have changed since last execution", set())
        # A job whose input is updated need not be listed as "params changed" too.
        if set(jobs) != users | below or not users - below <= changed <= users:
            wrong[path.relative_to(src).as_posix()] = {
                "users": users,
                "expected": users | below,
                "planned": set(jobs),
                "params changed": changed,
            }
    assert wrong == {}, wrong
    assert len(edited) > 40
    # Restored: nothing left to do.
    assert dry_run(audited_study)[0] == {}
