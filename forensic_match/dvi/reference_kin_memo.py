"""What a family's references' relatives are, kept from one identification to the next.

Every round and every stored night, each family in play had the undrawn relatives of its
references drawn again (:func:`~forensic_match.decide.alternatives.reference_kin`) and the
id of each one's row hashed (:func:`~forensic_match.dvi.compile.observed_row_keys`) only to
find its row in the last night's file of those rows (``tables.reference_kin.npz``). Both are
functions of the family's content, the references whose relatives are drawn, the
observation models of the degraded bodies the family is conditioned on, the panel and theta.
A :class:`ReferenceKinMemo` keeps, per such content (:func:`reference_kin_digest`), the
relatives (person, relation, reference, drawn or not, sex) and their row ids; a family whose
digest is in the memo and whose rows are all in the last night's file (by those ids) takes
them from there with no drawing and no hashing of its extended pedigree
(:class:`~forensic_match.dvi.reference_kin.ReferenceKinTables`).

A memo cannot give a wrong row: the digest covers everything the relatives and their ids are
made from, and a row is found by its id, as before. The file is that of
:mod:`~forensic_match.dvi.memo_file` (written to a temporary file and renamed, with the
sha256 of its content); a damaged file gives a
:class:`~forensic_match.errors.CacheWarning` and is ignored (``docs/store.md``, "Nightly
reuse of the searches").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forensic_match.cases import Family
from forensic_match.decide.alternatives import lineage_typed
from forensic_match.dvi.compile import observation_models
from forensic_match.dvi.memo_file import read_entries, save_entries

#: Raised whenever :func:`~forensic_match.decide.alternatives.reference_kin` or
#: :func:`~forensic_match.dvi.compile.observed_row_keys` (or the
#: :func:`~forensic_match.dvi.compile.row_key` it hashes) change what they give for a
#: family: it enters every digest, so memos of the earlier rule are not used.
RULES = "reference-kin-3"

#: The earlier values of :data:`RULES`: a memo written under one of them before memo files
#: recorded their rules (2026-12-07) is recognised by its sha256 and drawn again without a
#: warning; later files say their rules, so a new value need not be added here.
EARLIER_RULES = ("reference-kin-1", "reference-kin-2")

#: (person, relation, reference, drawn, sex, row id) of one relative of a reference.
Entry = tuple[str, str, str, bool, str, str]

#: The entries' columns in the file (:mod:`~forensic_match.dvi.memo_file`).
_COLUMNS = (("person", "text"), ("relation", "text"), ("reference", "text"),
            ("drawn", "bool"), ("sex", "text"), ("key", "text"))


def reference_kin_digest(family: Family, references: Sequence[str],
                         observation: Mapping[str, Any] | None, panel_digest: str,
                         theta: float, *, lines: bool = True) -> str:
    """sha256 of everything the relatives of a family's references and their row ids are
    made of: the family's id, pedigree, missing persons (in order) and typed profiles, the
    references (in the order given), the observation models of its degraded members, the
    panel's :func:`~forensic_match.markers.markers_digest`, theta, :data:`RULES` and, with
    ``lines`` (an identification with lineage markers), who is typed on Y-STRs and on mtDNA
    (a reference's relatives on his lines are drawn for them).

    Examples
    --------
    >>> from forensic_match.pedigree import Pedigree
    >>> ped = Pedigree.from_records([("GF", None, None, "M"), ("GM", None, None, "F"),
    ...                              ("FA", "GF", "GM", "M"), ("UN", "GF", "GM", "M"),
    ...                              ("MO", None, None, "F"), ("MP", "FA", "MO", "M")])
    >>> fam = Family("F1", ped, ["MP"], {"UN": {}})
    >>> a = reference_kin_digest(fam, ["UN"], None, "panel", 0.0)
    >>> a == reference_kin_digest(fam, ["UN"], {}, "panel", 0.0)
    True
    >>> a == reference_kin_digest(fam, ["UN", "MO"], None, "panel", 0.0)
    False
    """
    canon = {"family": family.id, "pedigree": sorted(family.pedigree.records()),
             "missing": list(family.missing),
             "genotypes": {i: {m: list(g) for m, g in sorted(p.items())}
                           for i, p in sorted(family.genotypes.items())},
             "references": list(references), "observation": observation_models(observation),
             "markers": panel_digest, "theta": repr(float(theta)), "rules": RULES,
             "lineage_typed": [sorted(ids) for ids in lineage_typed(family)] if lines
             else None}
    return hashlib.sha256(json.dumps(canon, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class ReferenceKinMemo:
    """Per :func:`reference_kin_digest`, the family's references' relatives in drawing
    order, as :data:`Entry`."""

    entries: dict[str, list[Entry]] = field(default_factory=dict)


def save_reference_kin_memo(path: str | Path, memo: ReferenceKinMemo) -> None:
    """Write ``memo`` to ``path`` (numpy ``.npz``, no pickled objects) with the sha256 of its
    content; written to a temporary file, then renamed, so a crash never leaves a
    half-written file."""
    save_entries(path, RULES, memo.entries, _COLUMNS)


def load_reference_kin_memo(path: str | Path | None) -> ReferenceKinMemo:
    """The memo written by :func:`save_reference_kin_memo`, or an empty one: an absent file,
    or a memo of other rules (:data:`EARLIER_RULES`: an upgrade), gives an empty memo; an
    unreadable or inconsistent one, or one whose content does not match its sha256, a
    :class:`~forensic_match.errors.CacheWarning` and an empty memo."""
    return ReferenceKinMemo(read_entries(path, RULES, _COLUMNS, "references' relatives' memo",  # type: ignore[arg-type]
                                         earlier=EARLIER_RULES))


__all__ = ["EARLIER_RULES", "RULES", "ReferenceKinMemo", "load_reference_kin_memo",
           "reference_kin_digest", "save_reference_kin_memo"]
