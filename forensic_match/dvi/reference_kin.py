"""The undrawn relatives of typed references as hypotheses for a body (``docs/decisions.md``,
"Relatives of a reference").

A single distant reference gives a body that is his relative a strong LR for "the missing
person", whether or not the body is related to the missing person: another first cousin of a
reference cousin (through the cousin's in-law parent), a child, sibling or nephew of the
reference (on SNPs; on STRs and lineage markers too, for the closer of them).
:func:`~forensic_match.decide.alternatives.reference_kin` draws them on the
family's pedigree; here each family in play is extended by them, compiled like a missing person
(STR tables), searched against the bodies with the same evidence as the relative alternatives
(linked SNPs on the extended pedigree, lineage markers), and handed to
:func:`~forensic_match.decide.decisions.decide` as people outside the family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forensic_match.cases import Family
from forensic_match.decide.alternatives import Alternative, AlternativeSet, reference_kin
from forensic_match.dvi.compile import (
    CompiledTables,
    compile_rows,
    observed_row_keys,
    warn_kept_fallback,
)
from forensic_match.dvi.picked_tables import PickedTables
from forensic_match.dvi.reference_kin_memo import Entry, ReferenceKinMemo, reference_kin_digest
from forensic_match.markers import Marker


class ReferenceKinTables:
    """Compiled rows of the references' relatives, cached by family state (:meth:`state`:
    the family id, who is typed in it and the references; a family conditioned on an
    identified body is compiled again).

    With ``kept`` (rows by id, e.g. an earlier identification's: an object with
    ``take(ids)``, the rows or ``None`` unless all are there, ``keep(ids, names, rows,
    sexes)`` and ``used``, the ids kept), a family whose rows' ids (:meth:`ids`) are all
    there takes them instead of compiling, and every family's rows are kept in it (``kept``
    also answers ``has(ids)``: whether :meth:`take` would give them). With
    ``memo`` too (an earlier identification's
    :class:`~forensic_match.dvi.reference_kin_memo.ReferenceKinMemo`), a family whose
    content (:func:`~forensic_match.dvi.reference_kin_memo.reference_kin_digest`) the memo
    holds takes its relatives and their ids from it, and their rows from ``kept``, without
    drawing or hashing them again; :meth:`memo_now` is the memo to keep for the next.

    :meth:`prepare` compiles the rows of many families at once over ``workers`` processes
    (:func:`~forensic_match.dvi.compile.compile_row_sets`); :meth:`entry` then gives the
    same relatives, rows (bit for bit), ids and kept rows as without it."""

    def __init__(self, panel: Sequence[Marker], theta: float = 0.0, *,
                 kept: Any = None, memo: ReferenceKinMemo | None = None,
                 workers: int = 1, lines: bool = True) -> None:
        from forensic_match.markers import markers_digest

        self.panel, self.theta = tuple(panel), theta
        self.digest = markers_digest(self.panel)
        self.kept = kept
        self.memo = memo
        self.workers = workers
        # draw the references' relatives on their Y and mtDNA lines (an identification with
        # lineage markers: reference_kin's ``lines``)
        self.lines = lines
        # By state, what :meth:`prepare` did ahead of :meth:`entry`: the content digest
        # (or None), the relatives drawn, and the rows compiled.
        self._digests: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str | None] = {}
        self._drawn: dict[tuple[str, tuple[str, ...], tuple[str, ...]], AlternativeSet] = {}
        self._compiled: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[Any]] = {}
        # (relatives, sexes, rows, extended family or None: drawn on demand)
        self.cache: dict[tuple[str, tuple[str, ...], tuple[str, ...]],
                         tuple[tuple[Alternative, ...], list[str], list[Any],
                               Family | None]] = {}
        self.row_ids: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[str]] = {}
        # This identification's memo entries, and how many families came from the memo.
        self.noted: dict[str, list[Entry]] = {}
        self.from_memo = 0

    @staticmethod
    def state(family: Family, references: Sequence[str]) -> tuple[str, tuple[str, ...],
                                                                  tuple[str, ...]]:
        """The family's state for its references' relatives (the cache key): its id, who is
        typed in it and the references."""
        return family.id, tuple(sorted(family.genotypes)), tuple(sorted(references))

    def entry(self, family: Family, references: Sequence[str],
              observation: dict[str, Any] | None = None,
              ) -> tuple[tuple[Alternative, ...], list[str], list[Any]]:
        """The family's references' relatives, their sexes and compiled rows (without the
        extended family: :meth:`extended`)."""
        key = self.state(family, references)
        if key not in self.cache:
            digest = self._digest(key, family, references, observation)
            if digest is None or not self._take(key, digest, family, references, observation):
                self._draw(key, digest, family, references, observation)
        return self.cache[key][:3]

    def prepare(self, families: Sequence[tuple[Family, Sequence[str],
                                               dict[str, Any] | None]]) -> None:
        """Draw the relatives of every family of ``families`` (family, references,
        observation) that :meth:`entry` would draw, and compile those whose rows are not
        kept in one batch over the worker processes; nothing is kept or noted yet:
        :meth:`entry` does that, family by family, as without this."""
        from forensic_match.dvi.compile import compile_row_sets

        jobs: list[tuple[Any, ...]] = []
        for family, references, observation in families:
            key = self.state(family, references)
            if key in self.cache or key in self._drawn:
                continue
            digest = self._digest(key, family, references, observation)
            if digest is not None and self._can_take(digest):
                continue
            alts = reference_kin(family, references, lines=self.lines)
            self._drawn[key] = alts
            persons = [a.person for a in alts.alternatives]
            if not persons:
                continue
            if self.kept is not None and self.kept.has(self._ids(key, alts, observation)):
                continue
            jobs.append((key, alts.family, persons, observation))
        rows = compile_row_sets([job[1:] for job in jobs], self.panel, theta=self.theta,
                                workers=self.workers)
        for job, fam_rows in zip(jobs, rows, strict=True):
            self._compiled[job[0]] = fam_rows

    def _digest(self, key: tuple[str, tuple[str, ...], tuple[str, ...]], family: Family,
                references: Sequence[str], observation: dict[str, Any] | None) -> str | None:
        """The family's content digest (once per state), or ``None`` without a memo or
        ``kept`` (keyed by content only where the rows can be taken by id too)."""
        if self.memo is None or self.kept is None:
            return None
        if key not in self._digests:
            self._digests[key] = reference_kin_digest(family, references, observation,
                                                      self.digest, self.theta,
                                                      lines=self.lines)
        return self._digests[key]

    def _can_take(self, digest: str) -> bool:
        """Whether :meth:`_take` would take the family of ``digest`` (without taking it)."""
        assert self.memo is not None and self.kept is not None
        got = self.memo.entries.get(digest)
        return got is not None and self.kept.has([e[5] for e in got])

    def tables(self, family: Family, references: Sequence[str],
               observation: dict[str, Any] | None = None,
               ) -> tuple[AlternativeSet, list[str], list[Any]]:
        """The family's set (extended family and hypotheses), their sexes and compiled rows."""
        alts, sexes, rows = self.entry(family, references, observation)
        return AlternativeSet(self.extended(family, references), alts), sexes, rows

    def extended(self, family: Family, references: Sequence[str]) -> Family:
        """The family extended by its references' relatives (after :meth:`entry`; drawn now
        for a family taken from the memo)."""
        key = self.state(family, references)
        alts, sexes, rows, ext = self.cache[key]
        if ext is None:
            ext = reference_kin(family, references, lines=self.lines).family
            self.cache[key] = (alts, sexes, rows, ext)
        return ext

    def _take(self, key: tuple[str, tuple[str, ...], tuple[str, ...]], digest: str,
              family: Family, references: Sequence[str],
              observation: dict[str, Any] | None) -> bool:
        """Whether the family's relatives, ids and rows came from the memo (entry
        ``digest``) and ``kept``."""
        assert self.memo is not None and self.kept is not None
        got = self.memo.entries.get(digest)
        if got is None:
            return False
        ids = [e[5] for e in got]
        rows = self.kept.take(ids) if ids else []
        if rows is None:
            return False
        alts = tuple(Alternative(family.id, e[0], e[1], drawn=e[3], reference=e[2])
                     for e in got)
        sexes = [e[4] for e in got]
        if any(row.theta < self.theta for row in rows):  # (drawn only for the warning)
            warn_kept_fallback(reference_kin(family, references, lines=self.lines).family,
                               [a.person for a in alts], self.panel, rows, theta=self.theta,
                               observation=observation)
        if ids:
            self.kept.keep(ids, [(family.id, a.person) for a in alts], rows, sexes)
        self.cache[key] = (alts, sexes, list(rows), None)
        self.row_ids[key] = ids
        self.noted[digest] = list(got)
        self.from_memo += 1
        return True

    def _draw(self, key: tuple[str, tuple[str, ...], tuple[str, ...]], digest: str | None,
              family: Family, references: Sequence[str],
              observation: dict[str, Any] | None) -> None:
        alts = self._drawn.pop(key, None)
        if alts is None:
            alts = reference_kin(family, references, lines=self.lines)
        persons = [a.person for a in alts.alternatives]
        sexes = [alts.family.pedigree.sex_of(p) for p in persons]
        ids = self._ids(key, alts, observation) \
            if self.kept is not None and persons else None
        rows = None if ids is None else self.kept.take(ids)
        compiled = self._compiled.pop(key, None)    # by prepare
        if rows is None:
            rows = compiled if compiled is not None else \
                compile_rows(alts.family, persons, self.panel, theta=self.theta,
                             observation=observation) if persons else []
        else:
            warn_kept_fallback(alts.family, persons, self.panel, rows, theta=self.theta,
                               observation=observation)
        if ids is not None:
            self.kept.keep(ids, [(family.id, p) for p in persons], rows, sexes)
        self.cache[key] = (alts.alternatives, sexes, list(rows), alts.family)
        if digest is not None:
            self.noted[digest] = [(a.person, a.relation, a.reference or "", a.drawn, sx, i)
                                  for a, sx, i in zip(alts.alternatives, sexes, ids or [])]

    def ids(self, family: Family, references: Sequence[str],
            observation: dict[str, Any] | None = None) -> list[str]:
        """Ids of the family's rows (after :meth:`entry`, with the same observation
        models): the row key of each relative on the extended family, hashing the
        observation models too (:func:`~forensic_match.dvi.compile.observed_row_keys`)."""
        key = self.state(family, references)
        if key not in self.row_ids:
            alts = AlternativeSet(self.extended(family, references), self.cache[key][0])
            return self._ids(key, alts, observation)
        return self.row_ids[key]

    def _ids(self, key: tuple[str, tuple[str, ...], tuple[str, ...]], alts: AlternativeSet,
             observation: dict[str, Any] | None) -> list[str]:
        if key not in self.row_ids:
            self.row_ids[key] = observed_row_keys(
                alts.family, [a.person for a in alts.alternatives], self.digest, self.theta,
                observation)
        return self.row_ids[key]

    def memo_now(self) -> ReferenceKinMemo:
        """The memo for the next identification: this one's families, and those of the
        earlier memo whose rows are all kept (``kept.used``) by this one."""
        used = set(self.kept.used) if self.kept is not None else set()
        entries = {d: e for d, e in (self.memo.entries.items() if self.memo else ())
                   if e and all(x[5] in used for x in e)}
        entries.update(self.noted)
        return ReferenceKinMemo(entries)

    def stacked(self, states: Sequence[tuple[str, tuple[str, ...], tuple[str, ...]]],
                ) -> CompiledTables | None:
        """The rows of the family states ``states`` (:meth:`state`, compiled before), stacked
        in that order; ``None`` when they have none."""
        names: list[tuple[str, str]] = []
        rows: list[Any] = []
        sexes: list[str] = []
        for key in states:
            alts, sex, fam_rows, _ = self.cache[key]
            names += [(key[0], a.person) for a in alts]
            rows += list(fam_rows)
            sexes += list(sex)
        return CompiledTables.stack(self.panel, names, rows, sexes, self.theta) if rows \
            else None


class _OnlyFor:
    """Evidence that rules out the pairs of some rows with some bodies (log10 LR ``-inf``:
    no candidate, nothing in the body's sum), plus ``also``'s scores."""

    def __init__(self, shut: np.ndarray, allowed: np.ndarray, also: Any) -> None:
        self.shut, self.allowed, self.also = shut, allowed, also

    def block(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        out = np.where(self.shut[rows][:, None] & ~self.allowed[None, :], -np.inf, 0.0)
        if self.also is not None:
            out = out + np.asarray(self.also.block(rows), dtype=np.float64)
        return out


@dataclass
class ReferenceKinRows:
    """The rows of the references' relatives of the families in play, ready to search.

    Attributes
    ----------
    tables : PickedTables or None
        The rows in order (family by family in the order given, each family's relatives in
        drawing order), left where they are; ``None`` when no family has such a relative.
    evidence : object or None
        The evidence of those rows against the bodies (``scores``' object, with the close
        SNP-typed references' rows shut off the bodies not typed on SNPs), or ``None``: DNA
        on STRs alone.
    relations : dict
        Each row's relation, by (family, person).
    states : dict
        Each family's state (:meth:`ReferenceKinTables.state`), by family id: the rows of a
        family whose state is unchanged are unchanged.
    """

    tables: PickedTables | None
    evidence: Any
    relations: dict[tuple[str, str], str]
    states: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]


def stack_reference_kin(families: Sequence[tuple[Family, Sequence[str],
                                                 dict[str, Any] | None]],
                        tables: ReferenceKinTables, *, scores: Any = None,
                        only: tuple[dict[str, set[str]], np.ndarray] | None = None,
                        ) -> ReferenceKinRows:
    """The rows of the references' relatives of ``families`` and their evidence, for
    :func:`~forensic_match.dvi.search.search_samples` (``evidence=rows.evidence``).

    Parameters
    ----------
    families : sequence of (Family, references, observation)
        Each family in play (conditioned on its identified bodies), the references whose
        relatives are drawn, and the observation models of its degraded typed members.
    tables : ReferenceKinTables
    scores : callable, optional
        ``scores(rows, extended families)``: the evidence object of those rows against the
        bodies (linked SNPs and lineage on the extended families), or ``None``. Without it
        (DNA on STRs alone) the extended families are not drawn (a family taken from the
        memo is not drawn at all).
    only : (dict, numpy.ndarray of bool), optional
        ``({family: references}, allowed)``: the relatives of those references are compared
        with the bodies where ``allowed`` (one flag per body searched) only (the close
        SNP-typed references, against the bodies typed on SNPs).

    Returns
    -------
    ReferenceKinRows
        ``tables`` ``None`` when no family has such a relative.
    """
    names: list[tuple[str, str]] = []
    sexes: list[str] = []
    rows: list[Any] = []
    extended: list[Family] = []
    relations: dict[tuple[str, str], str] = {}
    states: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
    shut: list[bool] = []
    for fam, refs, observation in families:
        states[fam.id] = tables.state(fam, refs)
        alts, sex, fam_rows = tables.entry(fam, refs, observation)
        if not alts:
            continue
        if scores is not None:
            extended.append(tables.extended(fam, refs))
        limited = set(only[0].get(fam.id, ()) if only else ())
        for a, sx, row in zip(alts, sex, fam_rows):
            names.append((fam.id, a.person))
            sexes.append(sx)
            rows.append(row)
            relations[(fam.id, a.person)] = a.relation
            shut.append(a.reference in limited)
    if not rows:
        return ReferenceKinRows(None, None, relations, states)
    # Left where they are (a night's kept rows are mapped pieces): searches read them.
    stacked = PickedTables(tables.panel, names, rows, sexes, tables.theta)
    evidence = None if scores is None else scores(stacked.rows, extended)
    if only is not None and any(shut):
        evidence = _OnlyFor(np.array(shut), np.asarray(only[1], dtype=bool), evidence)
    return ReferenceKinRows(stacked, evidence, relations, states)


__all__ = ["ReferenceKinRows", "ReferenceKinTables", "stack_reference_kin"]
