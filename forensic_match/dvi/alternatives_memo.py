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
from dataclasses import dataclass, field
from pathlib import Path

from forensic_match.cases import Family
from forensic_match.dvi.memo_file import read_entries, save_entries

#: Raised whenever :func:`~forensic_match.decide.alternatives.relative_alternatives` or
#: :func:`~forensic_match.dvi.compile.row_key` change what they give for a family: it
#: enters every digest, so memos of the earlier rule are not used.
RULES = "alternatives-3"

#: The earlier values of :data:`RULES` (a memo of one of them is drawn again without a
#: warning: :func:`~forensic_match.dvi.memo_file.read_entries`).
EARLIER_RULES = ("alternatives-1", "alternatives-2")

#: (person, relation, drawn, sex, row key) of one alternative.
Entry = tuple[str, str, bool, str, str]


def family_digest(family: Family, panel_digest: str, theta: float) -> str:
    """sha256 of everything a family's relative alternatives and their row keys are made of:
    its id, pedigree, missing persons (in order), typed profiles, who is typed on Y-STRs or
    mtDNA (a typed sibling's child is drawn for them too), the panel's
    :func:`~forensic_match.markers.markers_digest`, theta and :data:`RULES`."""
    canon = {"family": family.id, "pedigree": sorted(family.pedigree.records()),
             "missing": list(family.missing),
             "genotypes": {i: {m: list(g) for m, g in sorted(p.items())}
                           for i, p in sorted(family.genotypes.items())},
             "lineage_typed": sorted(set(family.ystr) | set(family.mtdna)),
             "markers": panel_digest, "theta": repr(float(theta)), "rules": RULES}
    return hashlib.sha256(json.dumps(canon, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class AlternativesMemo:
    """Per :func:`family_digest`, the family's alternatives in order, as :data:`Entry`."""

    entries: dict[str, list[Entry]] = field(default_factory=dict)


#: The entries' columns in the file (:mod:`~forensic_match.dvi.memo_file`).
_COLUMNS = (("person", "text"), ("relation", "text"), ("drawn", "bool"), ("sex", "text"),
            ("key", "text"))


def save_alternatives_memo(path: str | Path, memo: AlternativesMemo) -> None:
    """Write ``memo`` to ``path`` (numpy ``.npz``, no pickled objects) with the sha256 of its
    content; written to a temporary file, then renamed, so a crash never leaves a
    half-written file."""
    save_entries(path, RULES, memo.entries, _COLUMNS)


def load_alternatives_memo(path: str | Path | None) -> AlternativesMemo:
    """The memo written by :func:`save_alternatives_memo`, or an empty one: an absent file,
    or a memo of other rules (:data:`EARLIER_RULES`: an upgrade), gives an empty memo; an
    unreadable or inconsistent one, or one whose content does not match its sha256, a
    :class:`~forensic_match.errors.CacheWarning` and an empty memo."""
    return AlternativesMemo(read_entries(path, RULES, _COLUMNS, "relative alternatives' memo",  # type: ignore[arg-type]
                                         earlier=EARLIER_RULES))


__all__ = ["EARLIER_RULES", "RULES", "AlternativesMemo", "family_digest", "load_alternatives_memo",
           "save_alternatives_memo"]
