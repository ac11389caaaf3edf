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


class SealedWriter(io.RawIOBase):
    """A new file written encrypted (a sink for :func:`pyarrow.ipc.new_stream`)."""

    def __init__(self, path: str | os.PathLike):
        super().__init__()
        nonce = os.urandom(NONCE_BYTES)
        self._file = open(Path(path), "xb")  # noqa: SIM115 (closed by close())
        self._file.write(nonce)
        self._encrypt = _cipher(nonce).encryptor()
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self._file.write(self._encrypt.update(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        if not self.closed:
            self._file.flush()

    def close(self) -> None:
        if not self.closed:
            self._file.write(self._encrypt.finalize())
            self._file.close()
        super().close()


class SealedReader(io.RawIOBase):
    """A file written by :class:`SealedWriter`, read decrypted from its start."""

    def __init__(self, path: str | os.PathLike):
        super().__init__()
        self._file = open(Path(path), "rb")  # noqa: SIM115 (closed by close())
        self._decrypt = _cipher(self._file.read(NONCE_BYTES)).decryptor()
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._decrypt.update(self._file.read(len(buffer)))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()
