"""The ``spinepair`` command line: ``spinepair check-site SITE`` profiles one site's export
with its spec (see :mod:`spinepair.ingest.profile`), without Snakemake; ``spinepair new-key
PATH`` writes a new study key (see :mod:`spinepair.keys`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

from spinepair.errors import ConfigError
from spinepair.ingest.profile import profile_site, render_text, write_profile
from spinepair.keys import new_key, project_root


def _check_site(args: argparse.Namespace) -> int:
    config = yaml.safe_load(Path(args.config).read_text(encoding="utf-8")) or {}
    # relative paths of the config are relative to the working directory, as for Snakemake
    spec = Path(args.spec or Path(config.get("site_specs", "config/sites")) / f"{args.site}.yaml")
    raw = Path(args.raw or Path(config.get("raw_root", "data/demo")) / args.site)
    out = args.out or Path(config.get("results_dir", "results")) / "check-site"
    study = config.get("study", {})
    arms = [study[k] for k in ("index_arm", "comparator_arm") if k in study]
    settings = (config.get("ingest") or {}) | ({"arms": arms} if arms else {})
    start = time.perf_counter()
    try:
        profile = profile_site(spec, raw, args.site, settings=settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(render_text(profile, shown=args.show))
    js, page = write_profile(profile, out)
    print(f"profile written to {js} and {page} ({time.perf_counter() - start:.1f} s)")
    return 1 if profile["n_failures"] else 0


def _new_key(args: argparse.Namespace) -> int:
    """``spinepair new-key PATH``: a new random study key, private to its owner."""
    try:
        root = project_root(Path.cwd())
        fp = new_key(args.path, [root] if root is not None else [])
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    path = Path(args.path).resolve()
    print(f"new pseudonymisation key written to {path} (mode 0600)")
    print(f"key fingerprint: {fp}")
    print(
        "use it in the study config:\n"
        "  pseudonymisation:\n"
        "    demo: false\n"
        f"    key_file: {path}\n"
        "keep a backup in a safe place: without this key the pseudonyms cannot be reproduced, "
        "and a new key re-pseudonymises every site"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="spinepair", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    cs = sub.add_parser("check-site", help="profile one site's export with its spec")
    cs.add_argument("site", help="site code, e.g. A")
    cs.add_argument(
        "--config",
        default="config/config.yaml",
        help="the study config (run from "
        "the study's folder: its relative paths are relative to it)",
    )
    cs.add_argument("--spec", help="the site spec (default: <site_specs>/<site>.yaml)")
    cs.add_argument("--raw", help="the site's raw export folder (default: <raw_root>/<site>)")
    cs.add_argument(
        "--out", help="folder for the JSON and HTML (default: <results_dir>/check-site)"
    )
    cs.add_argument("--show", type=int, default=20, help="failures printed (the JSON has all)")
    nk = sub.add_parser(
        "new-key", help="write a new random pseudonymisation key (mode 0600) to PATH"
    )
    nk.add_argument("path", help="the key file to create, outside the project folder")
    args = ap.parse_args(argv)
    if args.command == "new-key":
        return _new_key(args)
    return _check_site(args)


if __name__ == "__main__":
    sys.exit(main())
