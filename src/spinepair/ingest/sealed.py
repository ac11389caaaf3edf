"""Spill files sealed with a key that exists only in the memory of the process writing them.

A large site's parts are written to disk (:mod:`.partition`); each file is encrypted with
AES-256 in counter mode under :data:`KEY` (random, made when this module is imported, never
written anywhere) and a random 16-byte nonce at the start of the file. A spill left behind by
a killed ingest is unreadable ciphertext: no value of the export, identifier or clinical,
lies on disk in plain text. The files are read back by the same process; confidentiality is
what is asked of them (whoever could alter them could alter the code).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY = os.urandom(32)
NONCE_BYTES = 16


def _cipher(nonce: bytes) -> Cipher:
    return Cipher(algorithms.AES(KEY), modes.CTR(nonce))


class _Sealed(io.RawIOBase):
    """An open spill file and the position in its plain text (the nonce not counted)."""

    def __init__(self, path: str | os.PathLike, mode: str):
        super().__init__()
        self._file = open(Path(path), mode)  # noqa: SIM115 (closed by close())
        self._position = 0

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed and hasattr(self, "_file"):  # (an open that failed: nothing)
            self._finish()
            self._file.close()
        super().close()

    def _finish(self) -> None:
        """What is left to do before the file closes."""


class SealedWriter(_Sealed):
    """A new file written encrypted (a sink for :func:`pyarrow.ipc.new_stream`)."""

    def __init__(self, path: str | os.PathLike):
        super().__init__(path, "xb")
        nonce = os.urandom(NONCE_BYTES)
        self._file.write(nonce)
        self._encrypt = _cipher(nonce).encryptor()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self._file.write(self._encrypt.update(data))
        self._position += len(data)
        return len(data)

    def flush(self) -> None:
        if not self.closed:
            self._file.flush()

    def _finish(self) -> None:
        self._file.write(self._encrypt.finalize())


class SealedReader(_Sealed):
    """A file written by :class:`SealedWriter`, read decrypted from its start."""

    def __init__(self, path: str | os.PathLike):
        super().__init__(path, "rb")
        self._decrypt = _cipher(self._file.read(NONCE_BYTES)).decryptor()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._decrypt.update(self._file.read(len(buffer)))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)
