"""The ``.npz`` files a run keeps beside its tables (compiled tables, search, same-source and
relative-alternative memos): written whole or not at all, read without pickles.

A file is written to a temporary name of this process (``<name>.<pid>.tmp.npz``, which
``store.runs`` sweeps up after a killed run) and renamed over the old one, so a crash never
leaves half a file and two processes saving at once each rename a whole one. Its JSON
metadata travels as the array ``meta``. Reading opens the file handle itself: numpy leaves its
own handle open when an archive is damaged.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np


def save_npz(path: str | Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write ``arrays`` and ``meta`` (JSON) to ``path`` atomically."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
    np.savez(tmp, **arrays, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    tmp.replace(path)


def load_npz(path: str | Path, names: Iterable[str] | None = None,
             ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays ``names`` (all but ``meta`` when ``None``) and the metadata of a file
    written by :func:`save_npz`; a missing array or a damaged file raises."""
    with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
        keys = [k for k in data.files if k != "meta"] if names is None else list(names)
        arrays = {k: data[k] for k in keys}
        meta = json.loads(data["meta"].tobytes().decode())
    return arrays, meta


def arrays_sha256(prefix: str, arrays: dict[str, np.ndarray], names: Iterable[str]) -> str:
    """sha256 of ``prefix`` and, in the order of ``names``, each array's name, dtype, shape
    and bytes."""
    h = hashlib.sha256(prefix.encode())
    for name in names:
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()
