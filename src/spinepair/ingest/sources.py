"""Which raw files a site's sources may read, and that each is read as it was.

Confinement: a source's ``path`` is a glob relative to the site's raw folder, without a
``..`` part and never absolute (:func:`pattern_problem`, refused when the spec is
loaded); each file it matches must lie, once its links are resolved, inside the resolved
raw folder, and be a regular file (:func:`matched`): a link leading out of the folder is
refused and never opened, and its target is never shown.

Integrity (:class:`Watch`): a file's size, modification time and SHA-256 are taken before
and after it is read (the hash of the bytes read, when ingest reads them itself; else
one streaming pass before and one after), so a file still being written, or changed
during the read, is a ``file_changed`` failure instead of a silently partial read. An
unreadable file (permissions, a directory or a FIFO named like a data file) is one
``readable`` failure naming it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from spinepair.ingest.readers import FileProblem

CHECKS = {
    "confined": "every file a source matches lies inside the site's raw folder",
    "file_changed": "every file is the same (size, modification time, SHA-256) before "
    "and after it is read",
}
_CHUNK = 4 * 2**20


def pattern_problem(pattern: str) -> str | None:
    """Why a source path may not be used (absolute, or with a ``..`` part); None if fine."""
    if not isinstance(pattern, str) or not pattern.strip():
        return "an empty path"
    if (
        pattern.startswith(("/", "\\", "~"))
        or PurePosixPath(pattern).is_absolute()
        or PureWindowsPath(pattern).drive
        or PureWindowsPath(pattern).is_absolute()
    ):
        return (
            f"{pattern!r} is an absolute path: a source path is a glob relative to the "
            "site's raw folder"
        )
    if ".." in re.split(r"[\\/]", pattern):
        return f"{pattern!r} has a '..' part: a source path may not leave the site's raw folder"
    return None


@dataclass(frozen=True)
class Refused:
    """A match that is not read: ``rel`` relative to the raw folder, the check and why."""

    rel: str
    check: str
    detail: str


def matched(raw_dir, pattern: str) -> tuple[list[Path], list[Refused]]:
    """The regular files inside the raw folder a source path matches (sorted), and the
    matches refused (a link out of the folder: ``confined``; a folder, pipe or device
    named like a file: ``readable``, never opened: a pipe would block). A path refused by
    :func:`pattern_problem` matches nothing."""
    raw_dir = Path(raw_dir)
    if pattern_problem(pattern):
        return [], []
    root = Path(os.path.realpath(raw_dir))
    files, refused = [], []
    for path in sorted(raw_dir.glob(pattern)):
        rel = path.relative_to(raw_dir).as_posix()
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(root):
            detail = "it leads (through a link) outside the site's raw folder: not read"
            refused.append(Refused(rel, "confined", detail))
            continue
        try:
            mode = os.stat(real).st_mode
        except OSError as exc:
            refused.append(Refused(rel, "readable", f"cannot be read: {_reason(exc)}"))
            continue
        if stat.S_ISDIR(mode):
            detail = "is a folder, not a file (named like a file of the export)"
            refused.append(Refused(rel, "readable", detail))
            continue
        if not stat.S_ISREG(mode):
            refused.append(Refused(rel, "readable", "is not a regular file (a pipe or device?)"))
            continue
        files.append(path)
    return files, refused


def confined_files(raw_dir, patterns) -> list[str]:
    """Every readable file the patterns match inside the raw folder (for Snakemake's
    inputs and the export size: read-only uses that must not look outside)."""
    found = set()
    for pattern in patterns:
        found.update(str(p) for p in matched(raw_dir, pattern)[0])
    return sorted(found)


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def unreadable(exc: OSError) -> FileProblem:
    """An OS error opening or reading a file as one ``readable`` failure (no traceback)."""
    return FileProblem("readable", None, f"the file cannot be read: {_reason(exc)}")


@dataclass(frozen=True)
class Stamp:
    bytes: int
    mtime_ns: int


def _stamp(path: Path) -> Stamp:
    st = os.stat(path)
    return Stamp(st.st_size, st.st_mtime_ns)


def file_hash(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class Watch:
    """One read of one file: stamp and hash before, during and after (module docstring).

    The reader reads through :meth:`read_bytes` or :meth:`update` (then the hash is of the
    bytes read); a file read by a library instead is hashed before (:meth:`hash_before`)
    and after. :meth:`verify` raises ``file_changed`` when anything differs."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.before = _stamp(self.path)
        except OSError as exc:
            raise unreadable(exc) from None
        self._hash = hashlib.sha256()
        self._read = 0
        self._before_hash: str | None = None

    def update(self, data: bytes) -> None:
        """Account for bytes the reader read from the file, in order."""
        self._hash.update(data)
        self._read += len(data)

    def read_bytes(self) -> bytes:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise unreadable(exc) from None
        self.update(data)
        return data

    def hash_before(self) -> None:
        try:
            self._before_hash = file_hash(self.path)
        except OSError as exc:
            raise unreadable(exc) from None

    def changed(self, complete: bool = True) -> str | None:
        """What changed since the read began (None: nothing); ``complete=False``: the read
        stopped early (a problem found), only the file's size, time and hash count."""
        try:
            after = _stamp(self.path)
        except OSError as exc:
            return f"it disappeared or became unreadable ({_reason(exc)})"
        if after != self.before:
            return (
                f"its size or modification time changed ({self.before.bytes:,} bytes -> "
                f"{after.bytes:,} bytes)"
            )
        if self._before_hash is None:
            if not complete:
                return None
            if self._read != self.before.bytes:
                return f"{self._read:,} bytes were read of {self.before.bytes:,}"
            self.sha256 = self._hash.hexdigest()
            return None
        now = file_hash(self.path)
        if now != self._before_hash:
            return "its content (SHA-256) changed"
        self.sha256 = now
        return None

    def problem(self, complete: bool = True) -> FileProblem | None:
        """The ``file_changed`` problem if the file changed (see :meth:`changed`), else None."""
        what = self.changed(complete)
        if what is None:
            return None
        return FileProblem(
            "file_changed",
            None,
            f"the file changed while it was read: {what} (still being copied or "
            "written?): copy the export again, complete, and rerun",
        )

    def verify(self) -> dict:
        """Raise ``file_changed`` if the file changed, else its record for the report."""
        problem = self.problem()
        if problem is not None:
            raise problem
        return self.record()

    def record(self) -> dict:
        mtime = dt.datetime.fromtimestamp(self.before.mtime_ns / 1e9, dt.UTC)
        return {
            "bytes": self.before.bytes,
            "sha256": self.sha256,
            "mtime": mtime.isoformat(timespec="microseconds"),
        }
