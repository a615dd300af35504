"""An append-only file of named records: one ``write`` per record, read back whole.

A checkpoint keeps each succeeded task's result here. One file, appended to,
costs a write per task where a file per task cost a create, a rename and, when
the run succeeded whole, a delete (about half a millisecond per task on a
journaling file system). Each record is framed as three little-endian
``uint32`` (payload length, CRC-32 of name and payload, name length), then the
name in UTF-8, then the payload. A write cut short by a kill leaves a frame whose
length or CRC does not match: reading stops there, and :func:`mend` cuts the file
back to its last whole record before anything is appended after it.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

__all__ = ["Contents", "Journal", "frame", "mend", "read", "rewrite"]

_HEADER = struct.Struct("<III")


def frame(name: str, payload: bytes) -> bytes:
    """The bytes that store ``payload`` under ``name``."""
    key = name.encode("utf-8", "surrogatepass")
    crc = zlib.crc32(payload, zlib.crc32(key))
    return b"".join((_HEADER.pack(len(payload), crc, len(key)), key, payload))


@dataclass
class Contents:
    """What a journal holds: the last payload of each name, and where its whole records end."""

    records: dict[str, bytes] = field(default_factory=dict)
    #: whole records read (a name stored twice counts twice)
    frames: int = 0
    #: offset just after the last whole record
    end: int = 0
    #: size of the file: more than ``end`` when its last record was cut short
    size: int = 0


def read(path: Path) -> Contents:
    """Every whole record of the journal at ``path`` (none if there is no file)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Contents()
    contents = Contents(size=len(data))
    view, at, header = memoryview(data), 0, _HEADER.size
    while at + header <= len(data):
        length, crc, name_length = _HEADER.unpack_from(data, at)
        start = at + header
        stop = start + name_length + length
        if stop > len(data):
            break
        key, payload = view[start : start + name_length], view[start + name_length : stop]
        if zlib.crc32(payload, zlib.crc32(key)) != crc:
            break
        contents.records[bytes(key).decode("utf-8", "surrogatepass")] = bytes(payload)
        contents.frames += 1
        at = stop
    contents.end = at
    return contents


def mend(path: Path, contents: Contents) -> None:
    """Cut the journal back to its last whole record (a kill may have cut one short)."""
    if contents.size > contents.end:
        os.truncate(path, contents.end)


def rewrite(path: Path, records: dict[str, bytes]) -> None:
    """Replace the journal by one holding only ``records`` (readers see the old or the new)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.writelines(frame(name, payload) for name, payload in records.items())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Journal:
    """The journal at ``path``, open for appending between :meth:`open` and :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO | None = None

    def open(self) -> None:
        """Start appending (the file is created if need be); a handle still open is closed."""
        self.close()
        self._file = open(self.path, "ab")  # noqa: SIM115  # kept open for the whole run

    def append(self, name: str, payload: bytes) -> None:
        """Store ``payload`` under ``name``; it is in the file (a kill keeps it) on return."""
        if self._file is None:
            raise ValueError(f"journal {self.path} is not open")
        self._file.write(frame(name, payload))
        self._file.flush()

    def close(self) -> None:
        """Stop appending (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None
