"""Distinctive evidence for blocks of (compiled row, body) pairs: dental charts, features,
implants and personal effects, as tables a kernel sums without Python per pair.

The pieces are those of :func:`~forensic_match.evidence.combine.evidence_lr` (and so of
:func:`~forensic_match.evidence.dental.dental_lr`, :func:`~forensic_match.evidence.features.
feature_lr`, :func:`~forensic_match.evidence.features.implant_lr` and :func:`~forensic_match.
evidence.features.effects_lr`), rearranged so that everything that depends on the missing
person alone is computed once per record:

- **dental**: the years between the AM chart and the disappearance belong to the record, so
  each charted tooth gets a row of five log10 LRs, one per comparable PM entry (sound,
  filled, crowned, missing; ``present`` and ``missing_pm``, which have the same likelihood).
  A body is a vector of PM entry codes per tooth; a pair is the sum over the teeth charted
  on both sides, in tooth order, capped above at ``Population.dental_cap``;
- **features, implant kinds, effects**: each item of the record is a code with a log10 LR
  when found on the body and one when looked for and not found; a body is a status per code
  (found, absent, unknown). Features sum freely, implants are capped above, effects held
  within ``[-log10 cap, log10 cap]``. An effect counts as absent only on a body whose
  effects were inventoried (it has some);
- **a body with implants of its own**: the serial numbers need the matching of
  :func:`~forensic_match.evidence.features.implant_lr`; those pairs (records with implants
  against bodies with implants, rare) are computed one by one at build time.

Only registered rows carry distinctive evidence (a relative's LR is 1: his teeth are not
the missing person's). A test checks every pair against ``evidence_lr``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from forensic_match.evidence.combine import Population, _chart_years
from forensic_match.evidence.dental import (
    STATES,
    DentalPopulation,
    _am_prior,
    _pm_likelihood,
    transition_matrices,
)
from forensic_match.evidence.features import (
    EFFECT_FREQUENCY,
    EFFECT_RETAINED,
    FEATURE_FALSE_POSITIVE,
    FEATURE_FREQUENCY,
    _binary_lrs,
    _p,
    implant_lr,
)
from forensic_match.evidence.records import FDI_TEETH, AMRecord, PMFindings

#: Tooth positions of the tables: every FDI code, ascending.
TEETH = tuple(sorted(FDI_TEETH))
_TOOTH_INDEX = {t: i for i, t in enumerate(TEETH)}
#: PM dental entries with a likelihood: the four states, then present / missing_pm.
_PM_CODES = (*STATES, "present")
_PM_CODE = {**{s: i for i, s in enumerate(STATES)}, "present": 4, "missing_pm": 4}
#: Pieces of the items, in ``item_piece`` order (the kernel knows 2 as the effects).
_PIECES = ("features", "implants", "effects")


@dataclass(frozen=True)
class DistinctiveTables:
    """Per-record and per-body tables of the distinctive pieces (module docstring).

    Build with :meth:`build`; :meth:`add_block` adds the pieces of many rows to a block of
    scores, :meth:`pair` gives one pair's four pieces (log10, 0.0 where not compared).

    Attributes
    ----------
    row_slot : numpy.ndarray
        Per compiled row, the slot of its record among the records with distinctive
        evidence, -1 for none.
    dental_ptr, dental_tooth, dental_table : numpy.ndarray
        Per slot ``s``, entries ``dental_ptr[s]:dental_ptr[s + 1]``: a tooth position (index
        in :data:`TEETH`) and the log10 LR for each PM entry code (sound, filled, crowned,
        missing, present; column 5, not comparable, is 0.0).
    dental_by_tooth : numpy.ndarray
        ``(len(TEETH), n_bodies)`` int8 PM entry code of each body's tooth.
    dental_cap : float
        log10 of the dental cap (``inf``: none).
    item_ptr, item_code, item_piece, item_value : numpy.ndarray
        Per slot, its features, implant kinds and effects: the code's row of
        ``status_by_code``, the piece (0 features, 1 implants, 2 effects) and the log10 LR per
        status (unknown 0.0, found, absent).
    status_by_code : numpy.ndarray
        ``(n_codes, n_bodies)`` int8 status (unknown, found, absent) of each code on each body.
    effects_bound : float
        log10 of the effects cap (the effects' sum is held within plus or minus it).
    extra_ptr, extra_body, extra_log10 : numpy.ndarray
        Per slot, the implant pieces against bodies with implants (computed one by one).
    n_bodies : int
    """

    row_slot: np.ndarray
    n_bodies: int
    dental_ptr: np.ndarray
    dental_tooth: np.ndarray
    dental_table: np.ndarray
    dental_by_tooth: np.ndarray
    dental_cap: float
    item_ptr: np.ndarray
    item_code: np.ndarray
    item_piece: np.ndarray
    item_value: np.ndarray
    status_by_code: np.ndarray
    effects_bound: float
    extra_ptr: np.ndarray
    extra_body: np.ndarray
    extra_log10: np.ndarray

    @classmethod
    def build(cls, rows: Sequence[tuple[str, str]], records: Mapping[str, AMRecord | None],
              bodies: Sequence[PMFindings], registered: np.ndarray, population: Population,
              ) -> DistinctiveTables:
        """Tables for compiled ``rows`` (``(family, person)``) against ``bodies``.

        Parameters
        ----------
        rows : sequence of (family, person)
        records : mapping
            ``{person: AMRecord}``.
        bodies : sequence of PMFindings
        registered : numpy.ndarray of bool
            Per row, whether it is a registered missing person's row (only those carry
            distinctive evidence).
        population : Population
        """
        from forensic_match.evidence._distinctive_numba import ABSENT, FOUND, NOT_COMPARABLE

        pop = population
        dental_pop = pop.dental or DentalPopulation.default()
        slots: dict[str, int] = {}
        row_slot = np.full(len(rows), -1, dtype=np.int64)
        chosen: list[AMRecord] = []
        for i, (_, person) in enumerate(rows):
            rec = records.get(person) if registered[i] else None
            if rec is None or not _distinctive(rec):
                continue
            if rec.id not in slots:
                slots[rec.id] = len(chosen)
                chosen.append(rec)
            row_slot[i] = slots[rec.id]

        # Dental: per record, its comparable teeth with a log10 LR per PM entry.
        likes = np.array([_pm_likelihood(entry, pop.dental_error) for entry in _PM_CODES]).T
        d_ptr, d_tooth, d_rows = [0], [], []
        # The years from each chart to the disappearance; their transition matrices at once.
        spans = [_chart_years(rec, pop) if rec.dental is not None and rec.dental.teeth
                 else None for rec in chosen]
        intervals = {t: k for k, t in enumerate(dict.fromkeys(t for t in spans
                                                               if t is not None))}
        steps = transition_matrices(list(intervals))
        for rec, span in zip(chosen, spans):
            if span is not None:
                step = steps[intervals[span]]
                teeth, priors, freqs = [], [], []
                for tooth in sorted(rec.dental.teeth):
                    freq = dental_pop.of(tooth)
                    prior = _am_prior(rec.dental.teeth[tooth], freq)
                    if prior is not None:
                        teeth.append(_TOOTH_INDEX[tooth])
                        priors.append(prior)
                        freqs.append(freq)
                if teeth:
                    # As dental_lr, per tooth and PM entry: (prior @ step @ like) / (freq @ like).
                    ratio = (np.array(priors) @ step @ likes) / (np.array(freqs) @ likes)
                    d_tooth.extend(teeth)
                    d_rows.append(np.log10(ratio))
            d_ptr.append(len(d_tooth))
        dental_by_tooth = np.full((len(TEETH), len(bodies)), NOT_COMPARABLE, dtype=np.int8)
        for k, f in enumerate(bodies):
            if f.dental is not None:
                for tooth, state in f.dental.teeth.items():
                    dental_by_tooth[_TOOTH_INDEX[tooth], k] = _PM_CODE.get(state, NOT_COMPARABLE)

        # Items: (piece, code) rows of status_by_code; per record its items.
        codes: dict[tuple[str, str], int] = {}
        i_ptr, i_code, i_piece, i_value = [0], [], [], []

        def item(piece: str, code: str, found: float, absent: float) -> None:
            i_code.append(codes.setdefault((piece, code), len(codes)))
            i_piece.append(_PIECES.index(piece))
            i_value.append((0.0, found, absent))

        for rec in chosen:
            for feature in rec.features:
                f = _p(feature.frequency if feature.frequency is not None
                       else FEATURE_FREQUENCY, f"frequency of feature {feature.code!r}")
                found, absent = _binary_lrs(f, pop.feature_detect, FEATURE_FALSE_POSITIVE)
                item("features", feature.code, math.log10(found), math.log10(absent))
            if rec.implants:
                found, absent = _binary_lrs(FEATURE_FREQUENCY, pop.feature_detect,
                                            FEATURE_FALSE_POSITIVE)
                for implant in rec.implants:
                    # Implants found on a body are the one-by-one pairs below; "found" here is
                    # the kind written among a body's features (with no implant recorded).
                    item("implants", implant.kind, math.log10(found), math.log10(absent))
            for effect in rec.effects:
                f = _p(effect.frequency if effect.frequency is not None
                       else EFFECT_FREQUENCY, f"frequency of effect {effect.code!r}")
                r = _p(effect.retained if effect.retained is not None else EFFECT_RETAINED,
                       f"retained probability of effect {effect.code!r}")
                item("effects", effect.code, math.log10(r / f), math.log10((1 - r) / (1 - f)))
            i_ptr.append(len(i_code))
        status_by_code = np.zeros((len(codes), len(bodies)), dtype=np.int8)
        for k, f in enumerate(bodies):
            found_codes, absent_codes = set(f.features), set(f.features_absent)
            kinds = {i.kind for i in f.implants}     # a feature code may name an implant kind
            effect_codes = {e.code for e in f.effects}
            for (piece, code), c in codes.items():
                if piece == "features":
                    status = FOUND if code in found_codes or code in kinds else \
                        ABSENT if code in absent_codes else 0
                elif piece == "implants":
                    status = 0 if f.implants else FOUND if code in found_codes else \
                        ABSENT if code in absent_codes else 0
                else:  # an effect is absent only from a body whose effects were inventoried
                    status = FOUND if code in effect_codes else ABSENT if f.effects else 0
                status_by_code[c, k] = status

        # Records with implants against bodies with implants: one by one.
        e_ptr, e_body, e_log = [0], [], []
        with_implants = [k for k, f in enumerate(bodies) if f.implants]
        for rec in chosen:
            for k in with_implants if rec.implants else ():
                f = bodies[k]
                r = implant_lr(rec.implants, f.implants, f.features_absent, f.features,
                               coincidence=pop.serial_coincidence, detect=pop.feature_detect,
                               cap=pop.implant_cap)
                if r.matched or r.absent or r.exclusion:
                    e_body.append(k)
                    e_log.append(math.log10(r.lr))
            e_ptr.append(len(e_body))

        cap = math.inf if pop.dental_cap is None else math.log10(pop.dental_cap)
        table = np.zeros((len(d_tooth), len(_PM_CODES) + 1))  # last column: not comparable
        if d_rows:
            table[:, :-1] = np.concatenate(d_rows)
        return cls(row_slot, len(bodies), np.array(d_ptr, dtype=np.int64),
                   np.array(d_tooth, dtype=np.int64), table,
                   dental_by_tooth, cap, np.array(i_ptr, dtype=np.int64),
                   np.array(i_code, dtype=np.int64), np.array(i_piece, dtype=np.int8),
                   np.array(i_value, dtype=np.float64).reshape(-1, 3), status_by_code,
                   math.log10(pop.effects_cap), np.array(e_ptr, dtype=np.int64),
                   np.array(e_body, dtype=np.int64), np.array(e_log, dtype=np.float64))

    @property
    def empty(self) -> bool:
        """No row has distinctive evidence."""
        return not bool(np.any(self.row_slot >= 0))

    def add_block(self, rows: np.ndarray, out: np.ndarray,
                  columns: np.ndarray | None = None) -> None:
        """``out[i, j] +=`` the distinctive log10 LR of row ``rows[i]`` against body ``j``
        (against body ``columns[j]`` when given)."""
        from forensic_match.evidence._distinctive_numba import distinctive_rows

        if self.empty or not self.n_bodies:
            return
        by_tooth, status, extra = self.dental_by_tooth, self.status_by_code, self.extra_body
        if columns is not None:
            columns = np.asarray(columns, dtype=np.int64)
            by_tooth = np.ascontiguousarray(by_tooth[:, columns])
            status = np.ascontiguousarray(status[:, columns])
            at = np.full(self.n_bodies, -1, dtype=np.int64)
            at[columns] = np.arange(columns.size)
            extra = at[extra]
        distinctive_rows(np.ascontiguousarray(rows, dtype=np.int64), self.row_slot,
                         self.dental_ptr, self.dental_tooth, self.dental_table,
                         by_tooth, self.dental_cap, self.item_ptr, self.item_code,
                         self.item_piece, self.item_value, status,
                         self.effects_bound, self.extra_ptr, extra,
                         self.extra_log10, out)

    def pair(self, row: int, body: int) -> dict[str, float]:
        """log10 ``dental``, ``features``, ``implants``, ``effects`` of one pair (0.0 where
        not compared): the kernel's sum, piece by piece."""
        from forensic_match.evidence._distinctive_numba import NOT_COMPARABLE, UNKNOWN

        out = dict.fromkeys(("dental", "features", "implants", "effects"), 0.0)
        slot = int(self.row_slot[row])
        if slot < 0:
            return out
        lo, hi = self.dental_ptr[slot], self.dental_ptr[slot + 1]
        codes = self.dental_by_tooth[self.dental_tooth[lo:hi], body]
        if np.any(codes != NOT_COMPARABLE):
            total = 0.0
            for e, c in zip(range(lo, hi), codes):
                total += float(self.dental_table[e, c])
            out["dental"] = min(total, self.dental_cap)
        lo, hi = self.item_ptr[slot], self.item_ptr[slot + 1]
        for e in range(lo, hi):
            status = int(self.status_by_code[self.item_code[e], body])
            if status != UNKNOWN:
                out[_PIECES[self.item_piece[e]]] += float(self.item_value[e, status])
        out["effects"] = min(max(out["effects"], -self.effects_bound), self.effects_bound)
        lo, hi = self.extra_ptr[slot], self.extra_ptr[slot + 1]
        for k in range(lo, hi):
            if self.extra_body[k] == body:
                out["implants"] += float(self.extra_log10[k])
        return out


def _distinctive(rec: AMRecord) -> bool:
    return bool((rec.dental is not None and rec.dental.teeth) or rec.features
                or rec.implants or rec.effects)
