"""The study's pseudonymisation key: its format, the rules it must meet, its fingerprint.

**Format.** A key file holds the key itself: the file's bytes with surrounding whitespace
removed are the HMAC-SHA256 key, used as they are (not decoded). ``spinepair new-key PATH``
writes 32 random bytes (:mod:`secrets`) as 64 lowercase hex characters and a newline; a key
from an environment variable is its value, stripped, encoded as UTF-8. The bundled demo key
(``config/demo.key``) is read the same way, so the demo's pseudonyms never change.

**Rules** (``pseudonymisation.demo: false``): at least :data:`MIN_KEY_BYTES` bytes holding at
least :data:`MIN_DISTINCT_BYTES` distinct values (no placeholder such as ``aaaa…``); not the
demo key's content, wherever it lies; a key file readable by no one but its owner
(``mode & 0o077 == 0``) and outside the project folder (the workflow's folder and the study's
working folder, where it could be committed or copied with the study). Each refusal is one
:class:`~spinepair.errors.ConfigError` line saying what to do.

**Fingerprint.** ``HMAC-SHA256(key, "spinepair/key-fingerprint/v1")``, first 16 hex
characters: one fixed message under the key, so it tells keys apart and reveals nothing
about the key (computing it needs the key; it is no pseudonym, whose messages hold a colon).
It is written into every site's ``validation.json`` (``key_fingerprint``) and the Parquet
key-value metadata of every ingested table (:data:`FINGERPRINT_META`); it is a param of every
ingest job (a new key reruns every site) and pooling refuses sites whose fingerprints differ.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from spinepair.errors import ConfigError

MIN_KEY_BYTES = 32
# A key of 32+ bytes with fewer distinct byte values is a placeholder ("aaaa…", "0101…"), not
# random: 64 random hex characters hold fewer than 10 distinct ones with probability < 1e-11.
MIN_DISTINCT_BYTES = 10
NEW_KEY_BYTES = 32
FINGERPRINT_LABEL = b"spinepair/key-fingerprint/v1"
FINGERPRINT_META = b"spinepair.key_fingerprint"  # Parquet key-value metadata key
# SHA-256 of the bundled demo key (config/demo.key, stripped): its content is refused for a
# real study wherever the file lies, without the package needing the file itself.
DEMO_KEY_SHA256 = "f7c76b5774add5044176a62f3adcc759b8ead17e9b4daca63b88384020124a6e"
NEW_KEY_HINT = "make a new key with `spinepair new-key PATH` (outside the project folder)"


def fingerprint(key: bytes) -> str:
    """The key's fingerprint: first 16 hex chars of HMAC-SHA256 of a fixed label under it."""
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def is_demo_key(key: bytes) -> bool:
    """Whether ``key`` (stripped) is the bundled demo key's content."""
    return hmac.compare_digest(hashlib.sha256(key.strip()).hexdigest(), DEMO_KEY_SHA256)


def _inside(path: Path, folders: Iterable[str | os.PathLike]) -> Path | None:
    """The first of ``folders`` that ``path`` (resolved) lies in, or None."""
    resolved = path.resolve()
    for folder in folders:
        root = Path(folder).resolve()
        if resolved == root or root in resolved.parents:
            return root
    return None


def _check_strength(key: bytes, source: str) -> None:
    if is_demo_key(key):
        raise ConfigError(
            f"pseudonymisation: {source} holds the bundled demo key: the demo key cannot be "
            f"used with demo: false; {NEW_KEY_HINT}"
        )
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(
            f"pseudonymisation: {source} holds {len(key)} bytes of key; at least "
            f"{MIN_KEY_BYTES} are required: {NEW_KEY_HINT}"
        )
    if len(set(key)) < MIN_DISTINCT_BYTES:
        raise ConfigError(
            f"pseudonymisation: {source} holds only {len(set(key))} distinct characters: a "
            f"placeholder, not a random key; {NEW_KEY_HINT}"
        )


def read_key_file(path: Path, demo: bool, project_dirs: Iterable = ()) -> bytes:
    """The key in ``path`` (stripped), refused (ConfigError) when it breaks a rule."""
    if not path.is_file():
        raise ConfigError(
            f"pseudonymisation key file not found: {path}"
            + ("" if demo else f"; {NEW_KEY_HINT} and name it in pseudonymisation.key_file")
        )
    if not demo:
        root = _inside(path, project_dirs)
        if root is not None:
            raise ConfigError(
                f"pseudonymisation key file {path} is inside the project folder {root}, where "
                f"it could be committed or shared with the study; move it out, or {NEW_KEY_HINT}"
            )
    key = path.read_bytes().strip()
    if not key:
        raise ConfigError(f"pseudonymisation key file is empty: {path}")
    if not demo:
        _check_strength(key, f"key file {path}")
        mode = path.stat().st_mode & 0o777
        if os.name == "posix" and mode & 0o077:
            raise ConfigError(
                f"pseudonymisation key file {path} is readable by others (mode {mode:04o}): "
                f"run `chmod 600 {path}`, or {NEW_KEY_HINT}"
            )
    return key


def read_key_env(name: str, demo: bool) -> bytes:
    """The key in environment variable ``name`` (stripped), refused when it breaks a rule."""
    key = os.environ.get(name, "").strip().encode()
    if not key:
        raise ConfigError(f"environment variable {name} with the pseudonymisation key is not set")
    if not demo:
        _check_strength(key, f"environment variable {name}")
    return key


def load_study_key(cfg: Mapping, project_dirs: Iterable[str | os.PathLike] = ()) -> bytes:
    """The key the config's ``pseudonymisation`` section names, checked by its rules.

    ``key_file`` wins over ``key_env``; relative paths are relative to the working folder.
    ``project_dirs``: folders a real study's key file must not lie in.
    """
    demo = bool(cfg.get("demo", False))
    key_file, key_env = cfg.get("key_file"), cfg.get("key_env")
    if key_file is not None:
        return read_key_file(Path(key_file), demo, project_dirs)
    if key_env is not None:
        return read_key_env(key_env, demo)
    if demo:
        raise ConfigError(
            "no pseudonymisation key configured: give a key file or an environment variable"
        )
    raise ConfigError(
        "pseudonymisation: no key configured; set pseudonymisation.key_file or "
        f"pseudonymisation.key_env (the demo key is only for demo: true); {NEW_KEY_HINT}"
    )


PROJECT_MARKERS = ("Snakefile", "workflow/Snakefile", ".git", "config/config.yaml")


def project_root(start: str | os.PathLike) -> Path | None:
    """The project folder around ``start``: the nearest folder (``start`` or above) holding a
    Snakefile, a ``.git`` or a ``config/config.yaml``; None when there is none."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return None


def new_key(path: str | os.PathLike, project_dirs: Iterable[str | os.PathLike] = ()) -> str:
    """Write a new random key to ``path`` (mode 0600, never over an existing file; missing
    folders made with mode 0700) and return its fingerprint. Refused (ConfigError) inside
    ``project_dirs`` or over an existing file."""
    path = Path(path)
    root = _inside(path, project_dirs)
    if root is not None:
        raise ConfigError(
            f"new-key: {path} is inside the project folder {root}; choose a path outside it "
            "(e.g. ~/.spinepair/<study>.key)"
        )
    text = secrets.token_bytes(NEW_KEY_BYTES).hex().encode() + b"\n"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new folder: owner only
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"new-key: {path} exists; a key is never overwritten") from None
    except OSError as exc:
        raise ConfigError(f"new-key: cannot create {path}: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, text)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
    return fingerprint(text.strip())


def parquet_fingerprint(path: str | os.PathLike) -> str | None:
    """The key fingerprint in a Parquet file's key-value metadata (None when there is none)."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    value = meta.get(FINGERPRINT_META)
    return value.decode() if value is not None else None


def check_same_key(fingerprints: Mapping[str, str | None], expected: str | None = None) -> None:
    """Refuse to pool sites pseudonymised with different keys (or not with ``expected``).

    ``fingerprints``: site -> key fingerprint of its ingested tables (None: none recorded).
    """
    shown = ", ".join(f"{site}={fp or 'none'}" for site, fp in fingerprints.items())
    found = set(fingerprints.values())
    if len(found) > 1:
        raise ConfigError(
            f"sites pseudonymised with different keys cannot be pooled ({shown}): rerun the "
            "ingest of every site with the study's one key (snakemake --forcerun ingest)"
        )
    if expected is not None and found and found != {expected}:
        raise ConfigError(
            f"sites were pseudonymised with another key than the configured one (fingerprint "
            f"{expected}; {shown}): rerun the ingest of every site (snakemake --forcerun ingest)"
        )


def check_pooled_sites(patient_tables: Iterable[str | os.PathLike], expected: str | None) -> None:
    """Refuse to pool the sites whose ingested ``patients.parquet`` files are given (one per
    site folder) unless all carry the fingerprint ``expected`` (see :func:`check_same_key`)."""
    check_same_key(
        {Path(p).parent.name: parquet_fingerprint(p) for p in dict.fromkeys(patient_tables)},
        expected,
    )
