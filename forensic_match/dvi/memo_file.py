"""Files of per-digest entries kept beside a run's tables: what a family's drawn alternatives
are, by the sha256 of the family's content (the relative alternatives' memo,
:mod:`~forensic_match.dvi.alternatives_memo`, and the references' relatives' memo,
:mod:`~forensic_match.dvi.reference_kin_memo`).

A file maps each digest to a list of entries, tuples of text and booleans of a fixed shape
(``columns``). It is an ``.npz`` of :mod:`~forensic_match.dvi.npz_file` (written to a
temporary name and renamed; no pickled objects): ``start`` (int64, where each digest's
entries begin), one bool array per boolean column, and each text column (the digests
``families`` first) as its UTF-8 bytes end to end (``<name>/utf8``) with the end of each
value (``<name>/end``): exact for any text, where numpy's fixed-width strings drop trailing
NULs. Its metadata carry the tag (the memo's rules version, ``rules``) and the sha256 of
the tag and every array; :func:`load_entries` raises on any damage or mismatch, and
:class:`OtherRules` for a memo written under another rules version, which
:func:`read_entries` takes as no memo without a word: a software upgrade that changes a
memo's rules is not damage (outside check h_fix, note 10: the first run after an upgrade
warned that the memo's "content does not match its sha256").
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from forensic_match.dvi.npz_file import arrays_sha256, load_npz, save_npz
from forensic_match.errors import CacheWarning

#: (name, kind) of each value of an entry, in order; kind is ``"text"`` or ``"bool"``.
Columns = Sequence[tuple[str, str]]


def pack_text(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Text as its UTF-8 bytes end to end and the end of each value."""
    parts = [v.encode() for v in values]
    ends = np.cumsum([len(b) for b in parts], dtype=np.int64) if parts \
        else np.zeros(0, dtype=np.int64)
    return np.frombuffer(b"".join(parts), dtype=np.uint8).copy(), ends.astype(np.int64)


def unpack_text(data: np.ndarray, ends: np.ndarray) -> list[str]:
    """The values :func:`pack_text` packed; inconsistent ends raise ``ValueError``."""
    if ends.size and (np.any(np.diff(ends) < 0) or ends[0] < 0 or ends[-1] != data.size):
        raise ValueError("inconsistent text")
    raw = data.tobytes()
    starts = [0, *ends.tolist()[:-1]]
    return [raw[a:b].decode() for a, b in zip(starts, ends.tolist())]


def _names(columns: Columns) -> list[str]:
    texts = ["families", *(n for n, k in columns if k == "text")]
    return ["start", *(n for n, k in columns if k == "bool"),
            *(f"{t}/{part}" for t in texts for part in ("utf8", "end"))]


def _arrays(entries: Mapping[str, Sequence[tuple[Any, ...]]],
            columns: Columns) -> dict[str, np.ndarray]:
    digests = sorted(entries)
    rows = [e for d in digests for e in entries[d]]
    sizes = [len(entries[d]) for d in digests]
    out = {"start": np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)}
    out["families/utf8"], out["families/end"] = pack_text(digests)
    for j, (name, kind) in enumerate(columns):
        if kind == "bool":
            out[name] = np.array([bool(e[j]) for e in rows], dtype=bool)
        else:
            out[f"{name}/utf8"], out[f"{name}/end"] = pack_text([e[j] for e in rows])
    return {name: out[name] for name in _names(columns)}


class OtherRules(ValueError):
    """A memo written under another rules version (``rules``) than the one read."""

    def __init__(self, rules: str, tag: str) -> None:
        super().__init__(f"written under rules {rules!r}, not {tag!r}")
        self.rules = rules


def save_entries(path: str | Path, tag: str, entries: Mapping[str, Sequence[tuple[Any, ...]]],
                 columns: Columns) -> None:
    """Write ``entries`` (digest -> list of tuples shaped as ``columns``) to ``path`` with
    ``tag`` and the sha256 of ``tag`` and its arrays."""
    arrays = _arrays(entries, columns)
    save_npz(path, arrays, {"sha256": arrays_sha256(tag, arrays, _names(columns)),
                            "rules": tag})


def load_entries(path: str | Path, tag: str, columns: Columns, *,
                 earlier: Sequence[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """The entries :func:`save_entries` wrote with the same ``tag`` and ``columns``.

    Raises
    ------
    OtherRules
        The file was written under another tag: the one it records, or, for a file written
        before tags were recorded (2026-12-07), one of ``earlier`` (the memo's earlier rules
        versions) that its sha256 matches.
    ValueError, OSError, KeyError, zipfile.BadZipFile
        A file that cannot be read, whose content does not match its sha256 or whose arrays
        disagree.
    """
    names = _names(columns)
    recorded = load_npz(path, [])[1].get("rules")
    if recorded is not None and recorded != tag:
        raise OtherRules(str(recorded), tag)
    arrays, meta = load_npz(path, names)
    if arrays_sha256(tag, arrays, names) != meta["sha256"]:
        for rules in () if recorded is not None else earlier:
            if arrays_sha256(rules, arrays, names) == meta["sha256"]:
                raise OtherRules(rules, tag)
        raise ValueError("content does not match its sha256")
    digests = unpack_text(arrays["families/utf8"], arrays["families/end"])
    start = arrays["start"]
    n = int(start[-1]) if start.size else -1
    values: list[list[Any]] = []
    for name, kind in columns:
        got = arrays[name].tolist() if kind == "bool" else \
            unpack_text(arrays[f"{name}/utf8"], arrays[f"{name}/end"])
        if len(got) != n:
            raise ValueError("inconsistent lengths")
        values.append(got)
    if start.size != len(digests) + 1 or start[0] != 0 or np.any(np.diff(start) < 0):
        raise ValueError("inconsistent lengths")
    rows = list(zip(*values)) if values else [() for _ in range(n)]
    starts = start.tolist()
    return {d: rows[starts[f]:starts[f + 1]] for f, d in enumerate(digests)}


__all__ = ["Columns", "OtherRules", "load_entries", "pack_text", "read_entries",
           "save_entries", "unpack_text"]


def read_entries(path: str | Path | None, tag: str, columns: Columns, what: str, *,
                 earlier: Sequence[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """:func:`load_entries`, or none: an absent file (or ``None``), or a memo written under
    another rules version (``tag`` recorded, or one of ``earlier``), gives none quietly (an
    upgrade's first run computes it again, as if there were none: the tag enters every
    entry's digest, so no entry of it would be used); an unreadable or inconsistent one, or
    one whose content does not match its sha256, a
    :class:`~forensic_match.errors.CacheWarning` naming the file and ``what`` it holds, and
    none (a derived file: what it held is computed again)."""
    if path is None or not Path(path).exists():
        return {}
    try:
        return load_entries(path, tag, columns, earlier=earlier)
    except OtherRules:
        return {}
    except Exception as exc:  # noqa: BLE001 - any damage to a derived file means recomputing
        warnings.warn(f"file {str(path)!r}: {what} could not be read "
                      f"({type(exc).__name__}: {exc}); drawing them again", CacheWarning,
                      stacklevel=3)
        return {}
