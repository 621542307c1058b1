"""What a family's relative alternatives are, kept from one identification to the next.

Every night, each family in play had its relative alternatives drawn again
(:func:`~forensic_match.decide.alternatives.relative_alternatives`) and the row key of each
alternative hashed (:func:`~forensic_match.dvi.compile.row_key`) only to find its row in the
last night's tables. Both are functions of the family's content, the panel and theta. An
:class:`AlternativesMemo` keeps, per family content (:func:`family_digest`), the
alternatives (person, relation, drawn or not, sex) and their row keys; a family whose digest
is in the memo and whose rows are all in the last night's tables (by those keys) takes them
from there with no drawing and no hashing of its extended pedigree.

A memo cannot give a wrong row: the digest covers everything the alternatives and their row
keys are made from, and a row is found by its key, as before. It is written to a temporary
file and renamed, carries the sha256 of its content, and a damaged file gives a
:class:`~forensic_match.errors.CacheWarning` and is ignored (``docs/store.md``, "Nightly
reuse of the searches").
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forensic_match.cases import Family
from forensic_match.dvi.npz_file import arrays_sha256, load_npz, save_npz
from forensic_match.errors import CacheWarning

#: Raised whenever :func:`~forensic_match.decide.alternatives.relative_alternatives` or
#: :func:`~forensic_match.dvi.compile.row_key` change what they give for a family: it
#: enters every digest, so memos of the earlier rule are not used.
RULES = "alternatives-1"

#: (person, relation, drawn, sex, row key) of one alternative.
Entry = tuple[str, str, bool, str, str]


def family_digest(family: Family, panel_digest: str, theta: float) -> str:
    """sha256 of everything a family's relative alternatives and their row keys are made of:
    its id, pedigree, missing persons (in order), typed profiles, the panel's
    :func:`~forensic_match.markers.markers_digest`, theta and :data:`RULES`."""
    canon = {"family": family.id, "pedigree": sorted(family.pedigree.records()),
             "missing": list(family.missing),
             "genotypes": {i: {m: list(g) for m, g in sorted(p.items())}
                           for i, p in sorted(family.genotypes.items())},
             "markers": panel_digest, "theta": repr(float(theta)), "rules": RULES}
    return hashlib.sha256(json.dumps(canon, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class AlternativesMemo:
    """Per :func:`family_digest`, the family's alternatives in order, as :data:`Entry`."""

    entries: dict[str, list[Entry]] = field(default_factory=dict)


_TEXT = ("families", "person", "relation", "sex", "key")
_ARRAYS = ("start", "drawn", *(f"{t}/{part}" for t in _TEXT for part in ("utf8", "end")))


def _pack(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Text as its UTF-8 bytes end to end and the end of each value (exact for any text,
    where numpy's fixed-width strings drop trailing NULs)."""
    parts = [v.encode() for v in values]
    ends = np.cumsum([len(b) for b in parts], dtype=np.int64) if parts \
        else np.zeros(0, dtype=np.int64)
    return np.frombuffer(b"".join(parts), dtype=np.uint8).copy(), ends.astype(np.int64)


def _unpack(data: np.ndarray, ends: np.ndarray) -> list[str]:
    if ends.size and (np.any(np.diff(ends) < 0) or ends[0] < 0 or ends[-1] != data.size):
        raise ValueError("inconsistent text")
    raw = data.tobytes()
    starts = [0, *ends.tolist()[:-1]]
    return [raw[a:b].decode() for a, b in zip(starts, ends.tolist())]


def _arrays(memo: AlternativesMemo) -> dict[str, np.ndarray]:
    digests = sorted(memo.entries)
    rows = [e for d in digests for e in memo.entries[d]]
    sizes = [len(memo.entries[d]) for d in digests]
    out = {"start": np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64),
           "drawn": np.array([e[2] for e in rows], dtype=bool)}
    columns = {"families": digests, "person": [e[0] for e in rows],
               "relation": [e[1] for e in rows], "sex": [e[3] for e in rows],
               "key": [e[4] for e in rows]}
    for name, values in columns.items():
        out[f"{name}/utf8"], out[f"{name}/end"] = _pack(values)
    return out


def _digest(arrays: dict[str, np.ndarray]) -> str:
    return arrays_sha256(RULES, arrays, _ARRAYS)


def save_alternatives_memo(path: str | Path, memo: AlternativesMemo) -> None:
    """Write ``memo`` to ``path`` (numpy ``.npz``, no pickled objects) with the sha256 of its
    content; written to a temporary file, then renamed, so a crash never leaves a
    half-written file."""
    arrays = _arrays(memo)
    save_npz(path, arrays, {"sha256": _digest(arrays)})


def load_alternatives_memo(path: str | Path | None) -> AlternativesMemo:
    """The memo written by :func:`save_alternatives_memo`, or an empty one: an absent file
    gives an empty memo; an unreadable or inconsistent one, or one whose content does not
    match its sha256, a :class:`~forensic_match.errors.CacheWarning` and an empty memo."""
    if path is None or not Path(path).exists():
        return AlternativesMemo()
    try:
        arrays, meta = load_npz(path, _ARRAYS)
        if _digest(arrays) != meta["sha256"]:
            raise ValueError("content does not match its sha256")
        text = {t: _unpack(arrays[f"{t}/utf8"], arrays[f"{t}/end"]) for t in _TEXT}
        start = arrays["start"]
        n = arrays["drawn"].size
        if start.size != len(text["families"]) + 1 or start[0] != 0 or start[-1] != n or \
                np.any(np.diff(start) < 0) or \
                any(len(text[k]) != n for k in ("person", "relation", "sex", "key")):
            raise ValueError("inconsistent lengths")
        rows = list(zip(text["person"], text["relation"], arrays["drawn"].tolist(),
                        text["sex"], text["key"]))
        starts = start.tolist()
        return AlternativesMemo({d: rows[starts[f]:starts[f + 1]]
                                 for f, d in enumerate(text["families"])})
    except Exception as exc:  # noqa: BLE001 - any damage to a derived file means recomputing
        warnings.warn(f"file {str(path)!r}: relative alternatives' memo could not be read "
                      f"({type(exc).__name__}: {exc}); drawing them again", CacheWarning,
                      stacklevel=2)
        return AlternativesMemo()


__all__ = ["RULES", "AlternativesMemo", "family_digest", "load_alternatives_memo",
           "save_alternatives_memo"]
