"""Lineage log10 LRs of one missing person against many PM samples at once: the fast path of
:class:`~forensic_match.lineage.scores.LineageScores`.

:func:`~forensic_match.lineage.lr.lineage_lr` (one pair, plain Python) is the oracle; this
module computes the same log10 LR for a row (a missing person or relative alternative, with
the family's references fixed) against every sample, by splitting each likelihood into
pieces that depend on one locus or one position only (``docs/lineage.md``, "Speed"):

- **Y**: the numerator is a product over the compared loci of a factor that depends only on
  the PM sample's alleles at that locus (pairwise: :func:`~forensic_match.lineage.ystr.
  locus_probability`; several references: :func:`~forensic_match.lineage.ystr.
  tree_locus_probability`). The samples' allele tuples are coded per locus once, each row
  evaluates the factor once per distinct code (the oracle's own functions, cached by
  reference alleles, PM alleles, rate and meioses) and gathers it over the samples; the
  loci compared (bit mask per pair) give the frequency, computed once per (loci, sample) by
  the oracle's own frequency functions. Factors are multiplied in the oracle's order.
- **mtDNA, one reference**: :func:`~forensic_match.lineage.mtdna.compare_mitotypes` decides
  each position (with its insertion slots) from the two mitotypes' states there alone, so
  the differences ``d``, the coarsened sites and their factors are sums over positions:
  the sample's own variants against no variant (once per sample and reference ranges) plus,
  at the reference's variant positions, the change from that baseline; each position's
  contribution is ``compare_mitotypes`` itself on the one-position mitotypes.
- **mtDNA, several references**: the log of :func:`~forensic_match.lineage.mtdna.
  tree_mitotype_probability` is a sum over the positions of the region (and the insertion
  slots) of a per-position log ratio of tree likelihoods (its own cached ``_with_rcrs``):
  the value with nothing varying, plus the sample's own variants, plus the change at the
  references' variant positions.

A row this module cannot take (no database, an option it does not know, an error) is
computed pair by pair with the oracle, which raises the same errors.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any, get_args

import numpy as np

from forensic_match.errors import InputError
from forensic_match.lineage.data import (
    LineageData,
    family_mitotypes,
    family_y_haplotypes,
    pm_mitotype,
    pm_y_haplotype,
)
from forensic_match.lineage.frequency import frequency_from_count
from forensic_match.lineage.lines import line_tree, lineage_links
from forensic_match.lineage.lr import (
    OPTIONS,
    LineageResult,
    YMethod,
    lineage_lr,
    match_probability,
)
from forensic_match.lineage.mtdna import (
    Mitotype,
    _canonical,
    _ordered,
    _site_observation,
    _with_rcrs,
    compare_mitotypes,
    in_c_tract,
    site_probabilities,
)
from forensic_match.lineage.ystr import (
    _allele_sort,
    locus_probability,
    split_allele,
    tree_locus_probability,
)


class LineageCache:
    """Lineage scores computed so far, shared by the rounds of an identification.

    Per row ``(family id, missing id)``: the log10 LR against each sample scored (``nan``:
    not yet), and whether a line was compared (``compared``); full
    :class:`~forensic_match.lineage.lr.LineageResult` objects (with references, meioses and
    texts) only for the pairs asked for (``results``). Rows are keyed by ids, as the pair
    cache before it: a family id names one family's content during a run, and a sample id
    one sample's lineage data (see :meth:`without`).
    """

    def __init__(self) -> None:
        self.results: dict[tuple[str, str, str], LineageResult] = {}
        self.columns: dict[str, int] = {}
        self.width = 0  # columns in use (a sample left out by ``without`` leaves one unused)
        self.log10: dict[tuple[str, str], np.ndarray] = {}
        self.compared: dict[tuple[str, str], np.ndarray] = {}
        self.y_frequency: dict[tuple[Any, ...], float] = {}
        self.mt_frequency: dict[tuple[Any, ...], float] = {}

    def column_of(self, ids: Sequence[str]) -> np.ndarray:
        """The columns of sample ids (new ids get new columns)."""
        for i in ids:
            if i not in self.columns:
                self.columns[i] = self.width
                self.width += 1
        return np.array([self.columns[i] for i in ids], dtype=np.int64)

    def without(self, ids: Collection[str]) -> LineageCache:
        """A cache for score objects of the same data and options whose samples of ``ids``
        have other lineage data than this cache's samples of the same ids (the case store's
        PM samples against ``identify``'s bodies, which are named after their first
        fragment): the other samples' scores and results and the frequencies are taken over,
        ``ids`` get new (empty) columns. A row's arrays are shared until the new cache
        lengthens them (at once when ``ids`` holds a known sample): scores it enters in a
        shared array before that are of the same samples as this cache's."""
        out = LineageCache()
        drop = set(ids)
        out.results = {k: v for k, v in self.results.items() if k[2] not in drop}
        out.columns, out.width = dict(self.columns), self.width
        for i in sorted(drop & self.columns.keys()):
            out.columns[i] = out.width
            out.width += 1
        out.log10, out.compared = dict(self.log10), dict(self.compared)
        out.y_frequency, out.mt_frequency = self.y_frequency, self.mt_frequency
        return out

    def row(self, key: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
        """The arrays of a row, as long as the columns so far."""
        n = self.width
        vals = self.log10.get(key)
        if vals is None or vals.size < n:
            old = np.full(0, np.nan) if vals is None else vals
            vals = np.concatenate([old, np.full(n - old.size, np.nan)])
            comp = self.compared.get(key, np.zeros(0, dtype=bool))
            comp = np.concatenate([comp, np.zeros(n - comp.size, dtype=bool)])
            self.log10[key], self.compared[key] = vals, comp
        return self.log10[key], self.compared[key]

    def record(self, key: tuple[str, str], sample: str, log10: float, compared: bool) -> None:
        """Enter one pair's score."""
        col = int(self.column_of([sample])[0])
        vals, comp = self.row(key)
        vals[col], comp[col] = log10, compared

    def kin_weights(self, ids: Sequence[str]) -> np.ndarray:
        """Per sample of ``ids``, the sum over families of ``10 ** min(best, 308)``, ``best``
        the largest log10 LR among the family's rows scored against the sample with a line
        compared (``_Rounds.lineage_kin`` of ``identify``; families with none add 0)."""
        cols = self.column_of(ids)
        best: dict[str, np.ndarray] = {}
        for key, vals in self.log10.items():
            vals, comp = self.row(key)
            v = np.where(comp[cols], vals[cols], -np.inf)
            fam = key[0]
            best[fam] = v if fam not in best else np.maximum(best[fam], v)
        total = np.zeros(cols.size)
        for v in best.values():
            total += np.power(10.0, np.minimum(v, 308.0))
        return total


class RowScorer:
    """The samples of one search, coded once, and the lineage log10 LRs of rows against them.

    Parameters
    ----------
    samples : sequence of PMSample
    data : LineageData
    cache : LineageCache
        Frequencies by sample are kept there (they do not depend on the row's family).
    **options
        Options of :func:`~forensic_match.lineage.lr.lineage_lr`.
    """

    def __init__(self, samples: Sequence[Any], data: LineageData, cache: LineageCache,
                 **options: Any) -> None:
        self.samples = list(samples)
        self.data, self.cache = data, cache
        self.options = options
        self.known = set(options) <= set(OPTIONS)
        self.opt = {**OPTIONS, **options}
        self.ids = [s.id for s in self.samples]
        self.hy = [data.read_y(pm_y_haplotype(s)) for s in self.samples]
        self.hm = [pm_mitotype(s) for s in self.samples]
        self.typed = np.array([y is not None or m is not None
                               for y, m in zip(self.hy, self.hm, strict=True)], dtype=bool)
        self._y_ready = False
        self._mt_ready = False
        self._codes: dict[Any, tuple[np.ndarray, list[Any]]] = {}
        self._y_freq: dict[int, np.ndarray] = {}     # per locus mask, frequencies or NaN
        self._mt_info: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
        self._solo: dict[Any, tuple[np.ndarray, ...]] = {}
        # (locus index, reference alleles, meioses) -> (factor, used, differs) per allele code:
        # the one-reference Y factors, shared by every row with that reference allele and
        # distance
        self._y_factors: dict[tuple[int, tuple[str, ...], int],
                              tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        # (position, reference's state there, same, other) -> per state code the changes of
        # the pairwise mtDNA comparison against 'no variant' (shared by every reference with
        # that state)
        self._pair_deltas: dict[Any, tuple[np.ndarray, ...]] = {}
        self._tokens: tuple[np.ndarray, np.ndarray, list[tuple[str, int, str]]] | None = None

    # --- Y ------------------------------------------------------------------------------------

    def _y_encode(self) -> None:
        if self._y_ready:
            return
        self._y_ready = True
        self.loci = sorted(m.key for m in self.data.markers)
        self.panel = {m.key: m for m in self.data.markers}
        n = len(self.samples)
        self.has_y = np.array([h is not None for h in self.hy], dtype=bool)
        self.ycode = np.full((n, len(self.loci)), -1, dtype=np.int64)
        self.yalleles: list[list[tuple[str, ...]]] = []
        for li, key in enumerate(self.loci):
            seen: dict[tuple[str, ...], int] = {}
            for j, h in enumerate(self.hy):
                if h is not None and key in h:
                    self.ycode[j, li] = seen.setdefault(tuple(h[key]), len(seen))
            self.yalleles.append(list(seen))

    def _y_row(self, family: Any, missing: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(log10 Y LR, compared) over the samples, or ``None`` for the oracle."""
        n = len(self.samples)
        none = (np.zeros(n), np.zeros(n, dtype=bool))
        ped = family.pedigree
        if ped.sex_of(missing) == "F":
            return none
        refs = {i: self.data.read_y(h) for i, h in family_y_haplotypes(family).items()}
        links = lineage_links(ped, missing, "Y", among=sorted(refs))
        if not links:
            return none
        data, method = self.data, self.opt["y_method"]
        if not data.markers or data.y_database is None or \
                method not in get_args(YMethod) or \
                (method == "disclap" and data.disclap is None):
            return None
        self._y_encode()
        best = links[0]
        ref = refs[best.relative]
        rest = tuple(x.relative for x in links[1:])
        others = {i: refs[i] for i in rest} if self.opt["references"] == "all" else {}
        tree = line_tree(ped, [missing, *(x.relative for x in links)], "Y") if others else None
        model = set(data.disclap.loci) if method == "disclap" and data.disclap else set()
        multistep = self.opt["multistep"]
        num = np.ones(n)
        mask = np.zeros(n, dtype=np.int64)
        differs = np.zeros(n, dtype=bool)     # a compared locus differs from the reference's
        for li, key in enumerate(self.loci):
            if key not in ref:
                continue
            marker = self.panel[key]
            a = tuple(sorted(ref[key], key=_allele_sort))
            hit = None if tree is not None else self._y_factors.get((li, a, best.meioses))
            if hit is None:
                codes = self.yalleles[li]
                factor = np.ones(len(codes) + 1)
                used = np.zeros(len(codes) + 1, dtype=bool)
                other = np.zeros(len(codes) + 1, dtype=bool)
                for c, raw in enumerate(codes):
                    b = tuple(sorted(raw, key=_allele_sort))
                    other[c] = b != a
                    if len(a) != len(b):
                        continue
                    if method == "disclap" and not (
                            key in model and len(raw) == 1 and split_allele(raw[0])[1] == 0
                            and split_allele(a[0])[1] == 0):
                        continue
                    if tree is not None:
                        obs = {missing: raw, best.relative: ref[key]}
                        obs.update({i: h[key] for i, h in others.items()
                                    if key in h and len(h[key]) == len(raw)})
                        value = _tree_factor(tuple(sorted(tree.items(), key=_tree_key)),
                                             tuple(sorted(obs.items())), missing,
                                             marker.rate, marker.copies, multistep)
                        if math.isnan(value):   # the references alone impossible: set aside
                            continue
                        used[c] = True
                        factor[c] = value
                    else:
                        used[c] = True
                        factor[c] = locus_probability(a, b, rate=marker.rate,
                                                      copies=marker.copies,
                                                      meioses=best.meioses,
                                                      multistep=multistep)
                if tree is None:
                    self._y_factors[(li, a, best.meioses)] = (factor, used, other)
            else:
                factor, used, other = hit
            col = self.ycode[:, li]
            num *= factor[col]
            mask |= used[col].astype(np.int64) << li
            differs |= used[col] & other[col]
        compared = self.has_y & (mask != 0)
        freq = np.ones(n)
        for m in np.unique(mask[compared]).tolist():
            sel = np.flatnonzero(compared & (mask == m))
            freq[sel] = self._y_frequency(int(m), sel)
        theta = float(self.opt["y_theta"])
        if theta > 0:       # as lr.theta_corrected: given the reference's haplotype
            freq = match_probability(freq, theta, ~differs)
        with np.errstate(divide="ignore"):
            lr = num / freq
            out = np.where(lr > 0, np.log10(np.where(lr > 0, lr, 1.0)), -np.inf)
        return np.where(compared, out, 0.0), compared

    def _y_frequency(self, mask: int, sel: np.ndarray) -> np.ndarray:
        """The frequency of each selected sample's haplotype over the loci of ``mask``, as
        :func:`~forensic_match.lineage.lr.y_lr` computes it."""
        data, method = self.data, self.opt["y_method"]
        loci = [k for li, k in enumerate(self.loci) if mask >> li & 1]
        store = self.cache.y_frequency
        opt = (method, self.opt["level"], mask, tuple(loci))
        known = self._y_freq.get(mask)
        if known is None:           # this scorer's samples' frequencies over ``mask``, or NaN
            known = self._y_freq[mask] = np.full(len(self.samples), np.nan)
        out = known[sel]
        todo = []
        for t in np.flatnonzero(np.isnan(out)).tolist():
            hit = store.get((*opt, self.ids[sel[t]]))
            if hit is None:
                todo.append(t)
            else:
                out[t] = known[sel[t]] = hit
        if not todo:
            return out
        db = data.y_database
        assert db is not None
        if method == "disclap":
            assert data.disclap is not None
            rows = np.array([[split_allele(self.hy[sel[t]][k][0])[0] for k in loci]
                             for t in todo])
            values = data.disclap_frequency(rows, loci).tolist()
        else:
            counts, size = db.counts(loci)
            types = list(counts.values()) if method == "kappa" else None
            values = []
            for t in todo:
                h = self.hy[sel[t]]
                mine = tuple(tuple(sorted(h[k], key=split_allele)) for k in loci)
                values.append(frequency_from_count(counts.get(mine, 0), size, method=method,
                                                   name=db.name, level=self.opt["level"],
                                                   type_counts=types).value)
        for t, v in zip(todo, values, strict=True):
            out[t] = known[sel[t]] = v
            store[(*opt, self.ids[sel[t]])] = v
        return out

    # --- mtDNA --------------------------------------------------------------------------------

    def _mt_encode(self) -> None:
        if self._mt_ready:
            return
        self._mt_ready = True
        self.has_mt = np.array([m is not None for m in self.hm], dtype=bool)
        groups: dict[tuple[tuple[int, int], ...], int] = {}
        self.mt_group = np.full(len(self.samples), -1, dtype=np.int64)
        for j, m in enumerate(self.hm):
            if m is not None:
                self.mt_group[j] = groups.setdefault(m.ranges, len(groups))
        self.group_ranges = list(groups)
        self.group_positions = [self._positions(r) for r in self.group_ranges]
        # variant positions (substitution, deletion, insertion after it) -> samples there
        self.at: dict[int, list[int]] = {}
        for j, m in enumerate(self.hm):
            if m is None:
                continue
            for p in {*m.substitutions, *m.deletions, *(q for q, _ in m.insertions)}:
                self.at.setdefault(p, []).append(j)

    @staticmethod
    @functools.lru_cache(maxsize=256)
    def _positions(ranges: tuple[tuple[int, int], ...]) -> frozenset[int]:
        return frozenset(p for a, b in ranges for p in range(a, b + 1))

    def _reads(self, pos: int) -> np.ndarray:
        """Whether each sample reads ``pos`` (samples without mtDNA: no)."""
        ok = np.array([pos in g for g in self.group_positions] + [False], dtype=bool)
        return ok[self.mt_group]

    def _state_codes(self, kind: str, pos: Any) -> tuple[np.ndarray, list[Any]]:
        """Per sample, a code of its state at a position (``kind`` ``"pair"``: its
        substitution, deletion and insertions there, for the pairwise comparison; ``"site"``:
        its tree observation; ``"slot"``: its insertion at slot ``pos``): ``-1`` not read,
        ``0`` no variant, ``k`` the ``k``-th state of the list (the list's item 0 is the
        no-variant state)."""
        key = (kind, pos)
        hit = self._codes.get(key)
        if hit is not None:
            return hit
        where = pos[0] if kind == "slot" else pos
        codes = np.where(self._reads(where), 0, -1).astype(np.int64)
        blank = _pair_state(None, where) if kind == "pair" else ("r" if kind == "site" else "0")
        states: dict[Any, int] = {blank: 0}
        for j in self.at.get(where, ()):
            m = self.hm[j]
            assert m is not None
            if codes[j] < 0:
                continue
            if kind == "pair":
                s = _pair_state(m, where)
            elif kind == "site":
                s = _site_observation(m, where)
            else:
                s = m.insertions.get(pos, "0")
            codes[j] = states.setdefault(s, len(states))
        out = (codes, list(states))
        self._codes[key] = out
        return out

    def _mt_row(self, family: Any, missing: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(log10 mtDNA LR, compared) over the samples, or ``None`` for the oracle."""
        n = len(self.samples)
        none = (np.zeros(n), np.zeros(n, dtype=bool))
        refs = family_mitotypes(family)
        links = lineage_links(family.pedigree, missing, "mtDNA", among=sorted(refs))
        if not links:
            return none
        if self.data.mt_database is None or self.opt["mt_method"] not in ("count",
                                                                          "count_upper"):
            return None
        self._mt_encode()
        best = links[0]
        rest = tuple(x.relative for x in links[1:])
        others = {i: refs[i] for i in rest} if self.opt["references"] == "all" else {}
        if others:
            tree = line_tree(family.pedigree, [missing, *(x.relative for x in links)], "mtDNA")
            lognum, region_key = self._mt_tree(tree, {best.relative: refs[best.relative],
                                                      **others}, missing)
            differs = None
        else:
            lognum, region_key, differs = self._mt_pair(refs[best.relative], best.meioses)
        info, sites = self._mt_frequency(region_key)
        compared = self.has_mt & (sites > 0)
        theta = float(self.opt["mt_theta"])
        if theta > 0:       # as lr.mt_lr: given the nearest reference's mitotype
            if differs is None:
                differs = self._mt_pair(refs[best.relative], best.meioses)[2]
            info = np.log10(match_probability(np.power(10.0, info), theta, differs == 0))
        out = lognum - info
        return np.where(compared, out, 0.0), compared

    def _mt_frequency(self, region_key: Any) -> tuple[np.ndarray, np.ndarray]:
        """(log10 frequency, sites compared) per sample for the region of ``region_key``
        (``("pair", ranges)``: read by the reference and the sample; ``("tree", ranges...)``:
        read by the sample and at least one reference)."""
        hit = self._mt_info.get(region_key)
        if hit is not None:
            return hit
        db = self.data.mt_database
        assert db is not None
        method, level = self.opt["mt_method"], self.opt["level"]
        refs = frozenset().union(*(self._positions(r) for r in region_key[1:]))
        n = len(self.samples)
        logf, sites = np.zeros(n), np.zeros(n, dtype=np.int64)
        regions = [refs & g for g in self.group_positions]
        store = self.cache.mt_frequency
        for j, m in enumerate(self.hm):
            if m is None:
                continue
            region = regions[self.mt_group[j]]
            sites[j] = len(region)
            if not region:
                continue
            key = (method, level, region_key, self.ids[j])
            value = store.get(key)
            if value is None:
                x, size = db.matches(m, region)
                value = frequency_from_count(x, size, method=method, name=db.name,
                                             level=level).value
                store[key] = value
            logf[j] = math.log10(value)
        self._mt_info[region_key] = (logf, sites)
        return logf, sites

    def _tree_tokens(self) -> tuple[np.ndarray, np.ndarray, list[tuple[str, int, str]]]:
        """The samples' variants as tree observations: (sample of each, its index in the
        list of distinct ones, the distinct ``(kind, position, state)``: ``"site"`` for a
        substitution or deletion, ``"slot"`` for an insertion outside the C-tracts, by the
        position it follows)."""
        if self._tokens is None:
            owner, which = [], []
            index: dict[tuple[str, int, str], int] = {}
            for j, m in enumerate(self.hm):
                if m is None:
                    continue
                items = [("site", p, _site_observation(m, p))
                         for p in sorted({*m.substitutions, *m.deletions})]
                items += [("slot", p, bases) for (p, _), bases in sorted(m.insertions.items())
                          if not in_c_tract(p) and not in_c_tract(p + 1)]
                for it in items:
                    owner.append(j)
                    which.append(index.setdefault(it, len(index)))
            self._tokens = (np.array(owner, dtype=np.int64), np.array(which, dtype=np.int64),
                            list(index))
        return self._tokens

    def _mt_pair(self, ref: Mitotype, meioses: int) -> tuple[np.ndarray, Any, np.ndarray]:
        """log10 of :func:`~forensic_match.lineage.mtdna.transmission_probability` over the
        samples, for one reference ``meioses`` meioses away, the region's key and each
        sample's number of differences from the reference (those of
        :func:`~forensic_match.lineage.mtdna.compare_mitotypes`: a heteroplasmy sharing no
        state with the other side counts)."""
        key = ("pair", ref.ranges)
        same, other = site_probabilities(self.opt["mt_rate"], meioses)
        solo = self._solo.get((key, same, other))
        if solo is None:
            solo = self._pair_solo(ref, same, other)
            self._solo[(key, same, other)] = solo
        d, c, logf, z = (x.copy() for x in solo)
        for p in sorted({*ref.substitutions, *ref.deletions, *(q for q, _ in ref.insertions)}):
            codes, states = self._state_codes("pair", p)
            mine = _pair_state(ref, p)
            hit = self._pair_deltas.get((p, mine, same, other))
            if hit is None:
                dd, dc, dz = (np.zeros(len(states) + 1, dtype=np.int64) for _ in range(3))
                dl = np.zeros(len(states) + 1)
                for k, s in enumerate(states):
                    ad, ac = _pair_contribution(mine, s, p)
                    bd, bc = _pair_contribution(_pair_state(None, p), s, p) if k else (0, ())
                    dd[k], dc[k] = ad - bd, len(ac) - len(bc)
                    dz[k] = _unshared(ac) - _unshared(bc)
                    dl[k] = _coarse_log10(ac, same, other) - _coarse_log10(bc, same, other)
                self._pair_deltas[(p, mine, same, other)] = (dd, dc, dl, dz)
            else:
                dd, dc, dl, dz = hit
            d += dd[codes]
            c += dc[codes]
            logf += dl[codes]
            z += dz[codes]
        sites = self._sites(ref.ranges)
        plain = np.maximum(sites - d - c, 0)
        with np.errstate(divide="ignore", under="ignore"):
            num = np.power(same, plain.astype(float)) * np.power(other, d.astype(float)) \
                * np.power(10.0, logf)
            lognum = np.where(num > 0, np.log10(np.where(num > 0, num, 1.0)), -np.inf)
        return lognum, key, d + z

    def _sites(self, ranges: tuple[tuple[int, int], ...]) -> np.ndarray:
        """Per sample, the positions it reads within ``ranges``."""
        pos = self._positions(ranges)
        per = np.array([len(pos & g) for g in self.group_positions] + [0], dtype=np.int64)
        return per[self.mt_group]

    def _pair_solo(self, ref: Mitotype, same: float, other: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per sample, (differences, coarsened sites, log10 factor, coarsened sites sharing no
        state) of its own variants read by ``ref`` against no variant there."""
        n = len(self.samples)
        d, c, z = (np.zeros(n, dtype=np.int64) for _ in range(3))
        logf = np.zeros(n)
        blank_cache: dict[Any, tuple[int, int, float]] = {}
        for j, m in enumerate(self.hm):
            if m is None:
                continue
            for p in {*m.substitutions, *m.deletions, *(q for q, _ in m.insertions)}:
                if p not in ref.positions:
                    continue
                s = _pair_state(m, p)
                hit = blank_cache.get((p, s))
                if hit is None:
                    bd, bc = _pair_contribution(_pair_state(None, p), s, p)
                    hit = (bd, len(bc), _coarse_log10(bc, same, other), _unshared(bc))
                    blank_cache[(p, s)] = hit
                d[j] += hit[0]
                c[j] += hit[1]
                logf[j] += hit[2]
                z[j] += hit[3]
        return d, c, logf, z

    def _mt_tree(self, tree: Mapping[str, str | None], refs: Mapping[str, Mitotype],
                 target: str) -> tuple[np.ndarray, Any]:
        """log10 of :func:`~forensic_match.lineage.mtdna.tree_mitotype_probability` over the
        samples (each as ``target``), with the references ``refs`` on the line's tree."""
        n = len(self.samples)
        same, other = site_probabilities(self.opt["mt_rate"], 1)
        shape = tuple(sorted(tree.items(), key=_tree_key))
        _ordered(shape)
        names = sorted(refs)

        def log_ratio(observed: dict[str, str]) -> float:
            den = _with_rcrs(shape, _canonical({k: o for k, o in observed.items()
                                                if k != target}), same, other)
            if not den > 0:     # the references alone impossible: the oracle refuses
                raise _Fallback
            num = _with_rcrs(shape, _canonical(observed), same, other)
            r = num / den
            return math.log10(r) if r > 0 else -math.inf

        def readers(pos: int) -> tuple[str, ...]:
            return tuple(k for k in names if pos in refs[k].positions)

        @functools.cache
        def blank(who: tuple[str, ...], symbol: str) -> float:
            value = log_ratio(dict.fromkeys((*who, target), symbol))
            if not math.isfinite(value):
                raise _Fallback
            return value

        region_key = ("tree", *sorted({refs[k].ranges for k in names}))
        # the value with nothing varying, per group of samples' ranges
        cuts = sorted({x for k in names for a, b in refs[k].ranges for x in (a, b + 1)})
        base_group = []
        for g in self.group_positions:
            total = 0.0
            for lo, hi in zip(cuts, cuts[1:]):
                who = readers(lo)
                if not who:
                    continue
                inside = sum(1 for p in range(lo, hi) if p in g)
                if inside:
                    total += inside * blank(who, "r")
            base_group.append(total)
        base = np.array(base_group + [0.0])[self.mt_group]
        # the samples' own variants against the references' 'no variant': one value per
        # (position, state) of any sample, summed per sample
        toks = self._tree_tokens()
        vals = np.zeros(len(toks[2]))
        memo: dict[tuple[Any, ...], float] = {}
        for u, (kind, p, state) in enumerate(toks[2]):
            who = readers(p)
            if not who:
                continue
            symbol = "r" if kind == "site" else "0"
            hit = memo.get((symbol, who, state))
            if hit is None:
                hit = log_ratio({**dict.fromkeys(who, symbol), target: state}) \
                    - blank(who, symbol)
                memo[(symbol, who, state)] = hit
            vals[u] = hit
        solo = (np.bincount(toks[0], weights=vals[toks[1]], minlength=n),)
        lognum = base + solo[0]

        def correction(kind: str, key: Any, who: tuple[str, ...], seen: dict[str, str],
                       symbol: str) -> np.ndarray:
            # Per sample, the value at a reference's variant position (or insertion slot)
            # with the references' own observations ``seen``, less what the sample's state
            # was given above against the references' 'no variant' (``symbol``).
            codes, states = self._state_codes(kind, key)
            delta = np.zeros(len(states) + 1)
            for c, s in enumerate(states):
                own = 0.0 if c == 0 else \
                    log_ratio({**dict.fromkeys(who, symbol), target: s}) - blank(who, symbol)
                delta[c] = log_ratio({**seen, target: s}) - blank(who, symbol) - own
            return delta[codes]

        # the references' variant positions and insertion slots
        for p in sorted({q for k in names for q in (*refs[k].substitutions, *refs[k].deletions)}):
            who = readers(p)
            lognum = lognum + correction("site", p, who,
                                         {k: _site_observation(refs[k], p) for k in who}, "r")
        slots = sorted({s for k in names for s in refs[k].insertions
                        if not in_c_tract(s[0]) and not in_c_tract(s[0] + 1)})
        for slot in slots:
            who = readers(slot[0])
            lognum = lognum + correction("slot", slot, who,
                                         {k: refs[k].insertions.get(slot, "0") for k in who},
                                         "0")
        # the oracle multiplies the ratios: below the smallest float its product is 0
        return np.where(lognum < _LOG10_TINY, -np.inf, lognum), region_key

    # --- rows ---------------------------------------------------------------------------------

    def row(self, family: Any, missing: str) -> tuple[np.ndarray, np.ndarray]:
        """(log10 lineage LR, a line compared) of one row against every sample (0 and
        ``False`` for samples without lineage data)."""
        parts = None
        if self.known and self.opt["references"] in ("all", "nearest") \
                and missing in family.pedigree:
            try:
                y = self._y_row(family, missing)
                mt = self._mt_row(family, missing) if y is not None else None
            except (_Fallback, InputError):
                # the oracle, pair by pair, raises the error where it belongs
                y = mt = None
            if y is not None and mt is not None:
                parts = (y, mt)
        if parts is None:
            return self._oracle_row(family, missing)
        (ly, cy), (lm, cm) = parts
        log10 = np.where(cy, ly, 0.0) + np.where(cm, lm, 0.0)
        return np.where(self.typed, log10, 0.0), (cy | cm) & self.typed

    def _oracle_row(self, family: Any, missing: str) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.samples)
        log10, comp = np.zeros(n), np.zeros(n, dtype=bool)
        for j in np.flatnonzero(self.typed).tolist():
            res = lineage_lr(self.samples[j], family, missing, self.data, **self.options)
            self.cache.results[(family.id, missing, self.ids[j])] = res
            log10[j] = res.log10_lr
            comp[j] = res.y is not None or res.mtdna is not None
        return log10, comp


#: log10 of the smallest positive (subnormal) float64, 4.9e-324.
_LOG10_TINY = math.log10(5e-324)


class _Fallback(Exception):
    """A row the fast path leaves to the oracle (a degenerate tree likelihood)."""


def _tree_key(item: tuple[str, str | None]) -> tuple[str, str]:
    return item[0], item[1] or ""


@functools.lru_cache(maxsize=1 << 16)
def _tree_factor(tree: tuple[tuple[str, str | None], ...],
                 observed: tuple[tuple[str, tuple[str, ...]], ...], target: str, rate: float,
                 copies: int, multistep: float) -> float:
    return tree_locus_probability(dict(tree), dict(observed), target, rate=rate,
                                  copies=copies, multistep=multistep)


def _pair_state(m: Mitotype | None, pos: int) -> tuple[Any, ...]:
    """A mitotype's state at one position for the pairwise comparison: its substitution,
    whether it is deleted, and its insertions after the position."""
    if m is None:
        return (None, False, ())
    return (m.substitutions.get(pos), pos in m.deletions,
            tuple(sorted((i, b) for (q, i), b in m.insertions.items() if q == pos)))


@functools.lru_cache(maxsize=1 << 16)
def _pair_contribution(ref: tuple[Any, ...], pm: tuple[Any, ...], pos: int
                       ) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """(differences outside the coarsened sites, the coarsened sites as ``(n_r, n_p, c)``)
    of one position of a pairwise comparison: :func:`compare_mitotypes` itself on the two
    mitotypes cut down to that position (and its insertion slots)."""
    cmp = compare_mitotypes(_stub(ref, pos), _stub(pm, pos))
    d = cmp.n_differences - sum(1 for *_, c in cmp.coarse if c == 0)
    return d, tuple((n_r, n_p, c) for _, n_r, n_p, c in cmp.coarse)


def _unshared(coarse: tuple[tuple[int, int, int], ...]) -> int:
    """The coarsened sites at which the two sides share no state: differences, as
    :func:`compare_mitotypes` counts them (the subpopulation correction's "differ")."""
    return sum(1 for _, _, c in coarse if c == 0)


def _coarse_log10(coarse: tuple[tuple[int, int, int], ...], same: float, other: float
                  ) -> float:
    """log10 of the product of :func:`transmission_probability`'s coarsened-site factors
    ``(c same + (n_r n_p - c) other) / n_r``."""
    return sum(math.log10((c * same + (n_r * n_p - c) * other) / n_r) for n_r, n_p, c in coarse)


def _stub(state: tuple[Any, ...], pos: int) -> Mitotype:
    sub, deleted, ins = state
    return Mitotype(((pos, pos),), {pos: sub} if sub is not None else {},
                    frozenset({pos}) if deleted else frozenset(),
                    {(pos, i): b for i, b in ins})


__all__ = ["LineageCache", "RowScorer"]
