"""The ``.npz`` files a run keeps beside its tables (compiled tables, search, same-source and
relative-alternative memos): written whole or not at all, read without pickles and, where the
layout allows, without copying.

A file is written to a temporary name of this process (``<name>.<pid>.tmp.npz``, which
``store.runs`` sweeps up after a killed run) and renamed over the old one, so a crash never
leaves half a file and two processes saving at once each rename a whole one. Its JSON
metadata travels as the array ``meta``. Members are stored uncompressed, each padded (an
extra field of the zip local header) so that its array data starts at a multiple of 64 bytes
in the file; a member may be written from blocks (:class:`Blocks`) without first being
assembled in memory.

Reading maps the file into memory copy-on-write (``mmap``, ``MAP_PRIVATE``) and returns each
stored, aligned member as an array over the map: nothing is copied until it is read, and
writing into a loaded array changes this process's copy, never the file. Every member's
CRC-32 is checked against the zip directory first, so a damaged or cut file raises as
``numpy.load`` did. Compressed or unaligned members (files written before this layout) are
copied out. Assumption (Linux/POSIX): a file is replaced only by rename, never rewritten or
truncated in place while a run has it mapped; the map keeps the old file's data alive after
the rename (docs/store.md, "Nightly reuse of the searches").
"""

from __future__ import annotations

import hashlib
import io
import json
import mmap
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: Array data of every member written here starts at a multiple of this many bytes.
ALIGN = 64
#: Header id of the zip extra field that pads a member's local header (ids not assigned in
#: the zip APPNOTE are skipped by readers).
_PAD_ID = 0x4E46
#: Bytes of the zip64 extra field ``zipfile`` adds to a local header written with
#: ``force_zip64``.
_ZIP64_EXTRA = 20


@dataclass(frozen=True)
class Blocks:
    """An array to write given as blocks along its first axis: the member holds
    ``numpy.concatenate(blocks)`` of dtype ``dtype`` and shape ``shape``, written block by
    block."""

    dtype: np.dtype
    shape: tuple[int, ...]
    blocks: Sequence[np.ndarray]


def save_npz(path: str | Path, arrays: dict[str, np.ndarray | Blocks],
             meta: dict[str, Any]) -> None:
    """Write ``arrays`` and ``meta`` (JSON) to ``path`` atomically."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
    members = dict(arrays)
    members["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    try:
        with open(tmp, "wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                for name, value in members.items():
                    _write_member(zf, handle, name, value)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)


def _write_member(zf: zipfile.ZipFile, handle: Any, name: str,
                  value: np.ndarray | Blocks) -> None:
    if isinstance(value, Blocks):
        dtype, shape, blocks = np.dtype(value.dtype), tuple(value.shape), value.blocks
    else:
        array = np.asarray(value)
        dtype, shape, blocks = array.dtype, array.shape, [array.reshape((1, *array.shape))
                                                          if array.ndim == 0 else array]
    if dtype.hasobject:
        raise ValueError(f"array {name!r}: object arrays are not written")
    header = io.BytesIO()
    descr = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
             "shape": shape}
    try:
        np.lib.format.write_array_header_1_0(header, descr)
    except ValueError:
        header = io.BytesIO()
        np.lib.format.write_array_header_2_0(header, descr)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = len(header.getvalue()) + nbytes
    # The .npy header is padded to a multiple of 64 bytes, so aligning the member's start
    # aligns its data.
    start = handle.tell() + 30 + len(info.filename.encode()) + 4 + _ZIP64_EXTRA
    pad = -start % ALIGN
    info.extra = struct.pack("<HH", _PAD_ID, pad) + bytes(pad)
    written = 0
    with zf.open(info, "w", force_zip64=True) as out:
        out.write(header.getvalue())
        for block in blocks:
            block = np.ascontiguousarray(block)
            if block.dtype != dtype or (shape and block.shape[1:] != shape[1:]):
                raise ValueError(f"array {name!r}: a block of dtype {block.dtype} and shape "
                                 f"{block.shape} in an array of {dtype} and {shape}")
            out.write(block.reshape(-1).view(np.uint8))
            written += block.nbytes
    if written != nbytes:
        raise ValueError(f"array {name!r}: blocks hold {written} bytes, shape {shape} "
                         f"needs {nbytes}")


def load_npz(path: str | Path, names: Iterable[str] | None = None,
             ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays ``names`` (all but ``meta`` when ``None``) and the metadata of a file
    written by :func:`save_npz`; a missing array or a damaged file raises."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY) if size else None
        with zipfile.ZipFile(handle) as zf:
            stored = {i.filename: i for i in zf.infolist()}
            keys = [k[:-4] for k in stored if k.endswith(".npy") and k != "meta.npy"] \
                if names is None else list(names)
            arrays = {k: _read_member(zf, mapped, stored, k, path) for k in keys}
            meta = json.loads(_read_member(zf, mapped, stored, "meta", path).tobytes().decode())
    return arrays, meta


def _read_member(zf: zipfile.ZipFile, mapped: mmap.mmap | None,
                 stored: dict[str, zipfile.ZipInfo], name: str, path: str | Path,
                 ) -> np.ndarray:
    info = stored.get(f"{name}.npy")
    if info is None:
        raise KeyError(f"{name} is not a file in the archive {str(path)!r}")
    if mapped is None or info.compress_type != zipfile.ZIP_STORED:
        with zf.open(info) as member:
            return np.lib.format.read_array(member, allow_pickle=False)
    at = info.header_offset
    if mapped[at:at + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"member {info.filename}: bad local header")
    name_len, extra_len = struct.unpack("<HH", mapped[at + 26:at + 30])
    start = at + 30 + name_len + extra_len
    end = start + info.file_size
    if end > len(mapped):
        raise zipfile.BadZipFile(f"member {info.filename}: cut short")
    view = memoryview(mapped)
    try:
        if zlib.crc32(view[start:end]) != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    finally:
        view.release()
    head = io.BytesIO(mapped[start:min(end, start + 65536 + 16)])
    version = np.lib.format.read_magic(head)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(head)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(head)
    else:
        with zf.open(info) as member:
            return np.lib.format.read_array(member, allow_pickle=False)
    if dtype.hasobject:
        raise ValueError(f"member {info.filename}: object arrays are not read")
    data = start + head.tell()
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if data + nbytes != end:
        raise ValueError(f"member {info.filename}: {end - data} bytes of data, shape "
                         f"{shape} of {dtype} needs {nbytes}")
    order = "F" if fortran else "C"
    array = np.ndarray(shape, dtype, buffer=mapped, offset=data, order=order)
    return array if data % max(dtype.alignment, 1) == 0 else array.copy(order="K")


def arrays_sha256(prefix: str, arrays: dict[str, np.ndarray], names: Iterable[str]) -> str:
    """sha256 of ``prefix`` and, in the order of ``names``, each array's name, dtype, shape
    and bytes."""
    h = hashlib.sha256(prefix.encode())
    for name in names:
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()
