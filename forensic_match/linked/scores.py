"""Linked-SNP LRs as scores for the search and the identification: the ``evidence`` hook of
:func:`forensic_match.dvi.search.search_samples` and the ``snp`` argument of
:func:`forensic_match.dvi.identify.identify`.

For a compiled row (a family's missing person, or a relative alternative on the family
extended by him) and a PM sample typed on SNPs, the score is the log10 LR of "the sample is
that person in the family pedigree" against "unrelated to the family" on the family's
SNP-typed references, computed as :func:`~forensic_match.linked.programme.search_programme`
computes a candidate (exact pairwise HMM for one reference, exact Lander-Green family
likelihood within limits, else a stated approximation; the method is kept per pair), after a
screen: every pair is first scored with the unlinked limit (every marker unlinked) of its
references' relationships and of its method, a matrix product over all pairs of a block; the
HMM is run only for pairs whose screen reaches ``screen_threshold``, and the others keep the
unlinked value (``docs/linked.md``, "Screen of the pairs"). STR and SNP markers are taken as
independent given the hypotheses, so the search adds the log10 LRs (``docs/linked.md``,
"Combination with STR evidence"). A pair with no SNP data on either side scores 0. ``also``
chains another evidence object (lineage, AM/PM).
"""

from __future__ import annotations

import hashlib
from collections import Counter, OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forensic_match.errors import InputError
from forensic_match.linked.family import family_process
from forensic_match.linked.pair import check_fst, pair_process
from forensic_match.linked.panel import SnpPanel, panel_digest
from forensic_match.linked.programme import (
    APPROXIMATIONS,
    METHODS,
    CandidateScorer,
    SnpFamily,
    _branches,
    _check_probability,
    _Link,
    _plan,
    trimmed_pedigree,
    warn_substructure,
)
from forensic_match.linked.relationships import RELATIONSHIPS

#: ``method`` of a pair that got no SNP score (log10 LR 0), by reason.
NOT_SCORED = {"pm": "none: the PM sample is not typed on SNPs (or at fewer than min_snps)",
              "family": "none: no SNP-typed reference in the family",
              "unrelated": "none: no SNP-typed reference related to the person in the pedigree",
              "typed": "none: the person is an SNP-typed reference himself (direct "
                       "comparison not done on SNPs)"}
#: ``method`` of a pair that the screen left out: its log10 LR is the unlinked limit of the
#: method the HMM would have used (``docs/linked.md``, "Screen of the pairs").
SCREENED = ("screen: unlinked LR below the screen threshold (log10 LR: the unlinked limit of "
            "the pair's method)")
#: Default ``screen_threshold`` (log10), as :func:`~forensic_match.linked.search_programme`'s.
SCREEN_THRESHOLD = 1.0
#: Relationships whose unlinked LR between a body and each SNP-typed reference of a family
#: also lets the body's pairs with every row of that family through the screen: one per
#: kappa of degrees 1-3 (``docs/linked.md``, "Screen of the pairs": a body related to a
#: reference otherwise than the row says gets a high linked LR and a low unlinked one).
KIN_SCREEN = ("parent-child", "full siblings", "half siblings", "first cousins")
#: The screen and its stand-in in words (``parameters``).
SCREEN_RULE = ("a pair gets the linked (HMM) LR when the unlinked log10 LR of one of its "
               "references' relationships, or the unlinked limit of its method, or the "
               "unlinked LR of the body against any SNP-typed reference of the family as "
               "parent-child, full siblings, half siblings or first cousins, reaches "
               "screen_threshold; otherwise its log10 LR is that unlinked limit (pair: the "
               "reference's unlinked LR; exact family: the family likelihood with every marker "
               "unlinked; branches/best: the same combination of the references' unlinked "
               "LRs); -inf: no screen")
#: Fewest SNP calls of a PM sample that is scored (``min_snps``).
MIN_SNPS = 100
#: A screen entry of -inf (a marker impossible under the hypothesis) is written as this, so
#: that a call indicator of 0 times it gives 0 in the matrix product; a sum below a tenth of
#: it is read back as -inf.
_IMPOSSIBLE = -1e200
#: Rows screened together (their vectors, 4 x SNPs x 8 bytes per link, are held at once).
SCREEN_ROWS = 64
#: Bytes of exact-family rows' unlinked limits (3 x SNPs x 8 bytes per row) an
#: :class:`SnpCache` keeps for later rounds (``SnpCache.keep_bytes``); rows beyond it are
#: rebuilt when scored again (``docs/linked.md``, "Kept across rounds").
KEEP_BYTES = 2 ** 31
#: Families' references-alone denominators of the unlinked limit kept (the rows of one
#: family are screened together, so a few suffice).
KEEP_DENOMINATORS = 64
#: The observation model of SNP calls (FORMAT.md ``genotype_error``; ``docs/linked.md``).
ERROR_MODEL = ("genotype error: with probability e a call's true genotype is replaced by a "
               "Hardy-Weinberg draw (pm_error for PM samples, reference_error for "
               "references); allele dropout pm_dropout on PM samples; missing calls missing "
               "at random")


def _codes(panel: SnpPanel, codes: Any, what: str) -> np.ndarray:
    arr = np.asarray(codes)
    if arr.shape != (len(panel),):
        raise InputError(f"{what}: call codes for the {len(panel)} SNPs of panel "
                         f"{panel.source!r} expected, got shape {arr.shape}")
    if arr.size and (not np.issubdtype(arr.dtype, np.integer) or arr.min() < -1
                     or arr.max() > 2):
        raise InputError(f"{what}: call codes must be integers -1 (missing), 0, 1 or 2, got "
                         f"{arr.dtype} from {arr.min()} to {arr.max()}")
    return arr.astype(np.int8)


@dataclass(frozen=True, eq=False)
class SnpData:
    """SNP calls of an identification: the panel, the PM samples' and the references' calls.

    Attributes
    ----------
    panel : SnpPanel
    pm : dict
        ``{PM sample id: call codes}`` (panel order, copies of allele 1, -1 missing; from
        :func:`~forensic_match.linked.read_snp_samples`).
    references : dict
        ``{family id: {individual id: call codes}}`` of the SNP-typed relatives (ids of the
        family pedigree; not missing persons).
    map_source : str
        Where the panel's cM positions come from (provenance); empty: the panel file's cM
        columns (the bundled FORCE panel's are the deCODE 2019 map, ``docs/linked.md``).

    Raises
    ------
    InputError
        Call codes of the wrong length or outside -1..2, naming the sample.
    """

    panel: SnpPanel
    pm: Mapping[str, np.ndarray] = field(default_factory=dict)
    references: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)
    map_source: str = ""

    def __post_init__(self) -> None:
        pm = {k: _codes(self.panel, v, f"PM sample {k!r}") for k, v in self.pm.items()}
        refs = {fid: {r: _codes(self.panel, v, f"family {fid!r}, reference {r!r}")
                      for r, v in members.items()}
                for fid, members in self.references.items()}
        object.__setattr__(self, "pm", pm)
        object.__setattr__(self, "references", refs)

    @classmethod
    def from_codes(cls, panel: SnpPanel, pm_ids: Sequence[str], pm_codes: np.ndarray,
                   reference_keys: Sequence[tuple[str, str]], reference_codes: np.ndarray, *,
                   map_source: str = "") -> SnpData:
        """From the arrays of :func:`~forensic_match.linked.read_snp_samples` and
        :func:`~forensic_match.linked.read_snp_reference_genotypes` (keys ``(family, id)``,
        the family given)."""
        if len(set(pm_ids)) != len(pm_ids):
            raise InputError("PM samples appear more than once in the SNP calls")
        refs: dict[str, dict[str, np.ndarray]] = {}
        for (fid, ident), row in zip(reference_keys, np.asarray(reference_codes)):
            if fid is None:
                raise InputError(f"SNP reference {ident!r}: no family (give a family column)")
            if ident in refs.setdefault(fid, {}):
                raise InputError(f"SNP reference {ident!r} of family {fid!r} appears twice")
            refs[fid][ident] = row
        return cls(panel, dict(zip(pm_ids, np.asarray(pm_codes))), refs, map_source)

    def check(self, families: Sequence[Any]) -> None:
        """Refuse references of an unknown family, of no individual of its pedigree, or that
        are its missing persons (``InputError`` naming family and reference)."""
        by_id = {f.id: f for f in families}
        for fid, members in self.references.items():
            if fid not in by_id:
                raise InputError(f"SNP references of family {fid!r}: no such family")
            for ident in members:
                if ident not in by_id[fid].pedigree:
                    raise InputError(f"family {fid!r}, SNP reference {ident!r}: not an "
                                     f"individual of the family pedigree")
                if ident in by_id[fid].missing:
                    raise InputError(f"family {fid!r}, SNP reference {ident!r}: a missing "
                                     f"person; a direct reference is not searched on SNPs")

    def for_bodies(self, bodies: Sequence[Any]) -> SnpData:
        """The same data with PM calls keyed by body id: of a body's fragments (``fragments``,
        each with ``id``) the one typed at the most SNPs (first on ties)."""
        pm = {}
        for body in bodies:
            typed = [(int((self.pm[f.id] >= 0).sum()), -k, f.id)
                     for k, f in enumerate(body.fragments) if f.id in self.pm]
            if typed:
                pm[body.id] = self.pm[max(typed)[2]]
        return SnpData(self.panel, pm, self.references, self.map_source)

    def describe(self) -> dict[str, Any]:
        """The panel and map for ``parameters`` (source, SNP count, chromosomes, sha256)."""
        return {"panel": {"source": self.panel.source, "snps": len(self.panel),
                          "chromosomes": list(self.panel.chromosomes),
                          "sha256": panel_digest(self.panel)},
                "map_source": self.map_source or f"cM columns of the panel file "
                                                 f"{self.panel.source!r}",
                "pm_samples": len(self.pm),
                "references": sum(len(v) for v in self.references.values())}


@dataclass(frozen=True)
class SnpResult:
    """The SNP score of one (row, PM sample) pair: ``log10_lr`` (0 when not scored),
    ``method`` (:data:`~forensic_match.linked.programme.METHODS`, :data:`SCREENED` or
    :data:`NOT_SCORED`), ``n_references`` used and the ``best_reference`` (for a screened
    pair: by its unlinked LR) with its ``relationship``."""

    log10_lr: float
    method: str
    n_references: int = 0
    best_reference: str | None = None
    relationship: str | None = None


@dataclass(frozen=True, eq=False)
class _Stack:
    """Screen vectors of some rows, as multiplied with the PM calls: float64 (V, (3 + shift)
    n) (``shift`` 0: the missing-call columns, all 0, left out) and per row its first
    vector, its count and the positions of its family's references' kin vectors."""

    vectors: np.ndarray
    shift: int
    layout: list[tuple[int, int, list[int]]]


@dataclass(frozen=True, eq=False)
class _RowScreen:
    """How a row is screened: the method the HMM would use (key of ``METHODS``), the scored
    links (sorted by reference, last first: ties of the best go to the last reference, as in
    :meth:`~forensic_match.linked.programme.CandidateScorer.candidate`) and, for
    ``branches``, the links' positions grouped by branch."""

    method: str
    links: list[_Link]
    groups: list[list[int]]


@dataclass
class SnpCache:
    """What :class:`SnpScores` keeps between score objects (the rounds of an
    identification): the linked results of the pairs that passed the screen, per row the
    number of pairs screened out (the most in one call: later rounds score fewer bodies), the
    plan of each (family pedigree, person) and the scorer (emission tables, screen tables,
    family processes, PM log likelihoods); for the screen, per row how it is screened
    (``screens``) and, up to ``keep_bytes``, an exact-family row's unlinked limit
    (``limits``; ``built`` counts how often each row's limit was built); and the results of
    screened pairs asked for one by one (``asked``, :meth:`SnpScores.result`: the case
    store's candidates and proposals). Pairs are keyed by (family variant, person, sample
    id): a sample id names one sample's calls (see :meth:`without`).

    Rows are keyed by their SNP family (``variants``: the family id, its pedigree and a
    digest of its references' calls, so a family whose pedigree or SNP references changed is
    another variant and takes nothing kept for the old one) and person. One cache serves
    score objects of one panel and one set of options (refused otherwise)."""

    results: dict[tuple[str, str, str], SnpResult] = field(default_factory=dict)
    screened: dict[tuple[str, str], int] = field(default_factory=dict)
    plans: dict[tuple[str, str], tuple[SnpFamily, list[_Link], str | None]] = \
        field(default_factory=dict)
    variants: dict[tuple[str, tuple[Any, ...], str], str] = field(default_factory=dict)
    scorer: CandidateScorer | None = None
    kin_links: list[_Link] = field(default_factory=list)
    screens: dict[tuple[str, str], _RowScreen] = field(default_factory=dict)
    limits: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    built: Counter[tuple[str, str]] = field(default_factory=Counter)
    keep_bytes: int = field(default_factory=lambda: KEEP_BYTES)
    kept_bytes: int = 0
    denominators: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict)
    solo: np.ndarray | None = None
    options: tuple[Any, ...] | None = None
    asked: dict[tuple[str, str, str], SnpResult] = field(default_factory=dict)

    def without(self, ids: Collection[str]) -> SnpCache:
        """A cache for score objects of the same data and options whose samples of ``ids``
        have other calls than this cache's samples of the same ids (the case store's PM
        samples against ``identify``'s bodies, which are named after their first fragment):
        what depends on no sample (plans, family variants, the rows' screens and limits, the
        references' denominators, the scorer's tables and family processes) is shared, the
        pairs and own likelihoods of the other samples are copied, those of ``ids`` left out.
        This cache is left as it is."""
        drop = set(ids)
        return SnpCache(
            results={k: v for k, v in self.results.items() if k[2] not in drop},
            screened=dict(self.screened), plans=self.plans, variants=self.variants,
            scorer=None if self.scorer is None else self.scorer.without(drop),
            kin_links=self.kin_links, screens=self.screens, limits=self.limits,
            built=Counter(self.built),
            # the limits are shared: the copy may keep only what this cache has not used
            keep_bytes=max(0, self.keep_bytes - self.kept_bytes), kept_bytes=0,
            denominators=self.denominators, solo=self.solo,
            options=self.options,
            asked={k: v for k, v in self.asked.items() if k[2] not in drop})

    def pairs_by_method(self) -> dict[str, int]:
        """How many pairs were scored by each method: the linked ones, and :data:`SCREENED`
        (summed over rows)."""
        out = Counter(r.method for r in self.results.values())
        if any(self.screened.values()):
            out[SCREENED] = sum(self.screened.values())
        return dict(sorted(out.items()))


class SnpScores:
    """Linked-SNP log10 LRs of compiled rows against PM samples (bodies).

    Parameters
    ----------
    rows : sequence of (family id, person id)
        The compiled rows, in order (``CompiledTables.rows``): missing persons, or relative
        alternatives (ids of the extended pedigree).
    families : sequence of Family
        The families of those rows (extended by the alternatives for alternative rows); only
        ``id``, ``pedigree`` are read.
    samples : sequence
        The samples searched (objects with ``id``), in the order given to the search; their
        calls are ``data.pm[id]``.
    data : SnpData
    also : object, optional
        Another evidence object (``block(rows)``) added in (lineage, AM/PM).
    cache : SnpCache, optional
        Shared between score objects of the same panel and options (the rounds of an
        identification): the linked results, plans and the screen's per-row parts are
        kept in it. ``InputError`` when it was used with another panel or options.
    warn : bool
        Warn (:class:`~forensic_match.linked.programme.SubstructureWarning`) when ``fst`` is
        0 and some scored pairs are relatives of degree 3 or more.
    pm_error, reference_error, pm_dropout, fst, approximation, family_max_persons,
    family_max_bits, skip_uncomputable
        As :func:`~forensic_match.linked.search_programme`.
    min_snps : int
        PM samples typed at fewer SNPs score 0.
    screen_threshold : float
        A pair gets the linked LR when the unlinked log10 LR of one of its references, or the
        unlinked limit of its method, or the body's unlinked LR against one of the family's
        SNP-typed references as one of :data:`KIN_SCREEN`, reaches this; otherwise it keeps
        the unlinked limit of its method (method :data:`SCREENED`). ``-inf``: every pair
        gets the linked LR.

    Examples
    --------
    >>> scores = SnpScores(compiled.rows, families, bodies, data, fst=0.01)  # doctest: +SKIP
    >>> search_samples(compiled, bodies, evidence=scores).pairs  # doctest: +SKIP
    """

    def __init__(self, rows: Sequence[tuple[str, str]], families: Sequence[Any],
                 samples: Sequence[Any], data: SnpData, *, also: Any = None,
                 cache: SnpCache | None = None, warn: bool = True, pm_error: float = 0.01,
                 reference_error: float = 0.01, pm_dropout: float = 0.0, fst: float = 0.0,
                 approximation: str = "branches", family_max_persons: int = 4,
                 family_max_bits: int = 12, min_snps: int = MIN_SNPS,
                 skip_uncomputable: bool = False,
                 screen_threshold: float = SCREEN_THRESHOLD) -> None:
        if approximation not in APPROXIMATIONS:
            raise InputError(f"approximation must be one of {APPROXIMATIONS}, not "
                             f"{approximation!r}")
        self.options = {"pm_error": _check_probability(pm_error, "pm_error"),
                        "reference_error": _check_probability(reference_error,
                                                              "reference_error"),
                        "pm_dropout": _check_probability(pm_dropout, "pm_dropout"),
                        "fst": check_fst(fst), "approximation": approximation,
                        "family_max_persons": int(family_max_persons),
                        "family_max_bits": int(family_max_bits)}
        self.min_snps, self.skip_uncomputable = int(min_snps), skip_uncomputable
        self.screen_threshold = float(screen_threshold)
        if np.isnan(self.screen_threshold) or self.screen_threshold == np.inf:
            raise InputError(f"screen_threshold must be a number or -inf, got "
                             f"{screen_threshold!r}")
        self.rows = list(rows)
        fams = {f.id: f for f in families}
        missing = sorted({fid for fid, _ in self.rows} - set(fams))
        if missing:
            raise InputError(f"SNP scores: families {missing} of the compiled rows were not "
                             f"given")
        self.data, self.also = data, also
        self.cache = SnpCache() if cache is None else cache
        agreed = (tuple(sorted(self.options.items())), self.skip_uncomputable)
        if self.cache.scorer is None:
            self.cache.scorer = CandidateScorer(data.panel, **self.options)
            self.cache.options = (agreed, panel_digest(data.panel))
        elif self.cache.options is None or self.cache.options[0] != agreed or (
                self.cache.scorer.panel is not data.panel
                and panel_digest(data.panel) != self.cache.options[1]):
            raise InputError("an SnpCache is shared only by SNP score objects of one panel "
                             "and one set of options (pm_error, reference_error, pm_dropout, "
                             "fst, approximation, family limits, skip_uncomputable)")
        self._digests: dict[str, str] = {}
        self.samples = list(samples)
        self._typed = [j for j, s in enumerate(self.samples)
                       if s.id in data.pm and int((data.pm[s.id] >= 0).sum()) >= self.min_snps]
        self._plan = [self._plan_row(fams[fid], person) for fid, person in self.rows]
        self._calls = np.stack([data.pm[self.samples[j].id] for j in self._typed]) \
            if self._typed else np.zeros((0, len(data.panel)), dtype=np.int8)
        self._recent: dict[int, np.ndarray] = {}
        self._single: dict[int, _Stack] = {}
        if warn:
            warn_substructure([link for _, links, _ in self._plan for link in links],
                              self.options["fst"], stacklevel=3)

    def _references_digest(self, fid: str) -> str:
        """sha256 of a family's SNP references (ids and call codes)."""
        if fid not in self._digests:
            h = hashlib.sha256()
            for ident, codes in sorted(self.data.references.get(fid, {}).items()):
                h.update(ident.encode() + b"\0" + codes.tobytes())
            self._digests[fid] = h.hexdigest()
        return self._digests[fid]

    def _plan_row(self, family: Any, person: str) -> tuple[SnpFamily, list[_Link], str | None]:
        """The SNP family of a row (its pedigree, the person as the one missing, the
        references), the scored links and, when the row scores 0, why."""
        refs = self.data.references.get(family.id, {})
        key = (family.id, tuple(family.pedigree.records()), self._references_digest(family.id))
        if key not in self.cache.variants:
            k = sum(1 for fid, _, _ in self.cache.variants if fid == family.id)
            self.cache.variants[key] = family.id if k == 0 else f"{family.id}~{k}"
        vid = self.cache.variants[key]
        if (vid, person) not in self.cache.plans:
            fam = SnpFamily(vid, family.pedigree, (person,), dict(refs))
            reason: str | None = None
            links: list[_Link] = []
            if not refs:
                reason = "family"
            elif person in refs:
                reason = "typed"
            else:
                links = [link for link in _plan([fam], self.skip_uncomputable)[0]
                         if link.process is not None]
                reason = None if links else "unrelated"
            self.cache.plans[(vid, person)] = (fam, links, reason)
        return self.cache.plans[(vid, person)]

    def result(self, row: int, sample: int) -> SnpResult:
        """The :class:`SnpResult` of one pair: the linked one (computed once, then kept), or
        the screen's when the pair is screened out (this pair screened alone; kept too, in
        ``cache.asked``)."""
        fam, links, reason = self._plan[row]
        ident = self.samples[sample].id
        if sample not in self._typed:
            return SnpResult(0.0, NOT_SCORED["pm"])
        if reason is not None:
            return SnpResult(0.0, NOT_SCORED[reason])
        key = (fam.id, self.rows[row][1], ident)
        if key not in self.cache.results and key in self.cache.asked:
            return self.cache.asked[key]
        if key not in self.cache.results and self.screen_threshold > -np.inf:
            value, passed, best = self._screen_stacked(
                [row], self._stack_one(row), self.data.pm[ident][None].astype(np.int8))[0]
            if not passed[0]:
                self.cache.asked[key] = self._screened(row, float(value[0]), int(best[0]))
                return self.cache.asked[key]
        return self._linked(row, sample)

    def _linked(self, row: int, sample: int) -> SnpResult:
        """The linked (HMM) result of a scored pair, kept in the cache."""
        fam, links, _ = self._plan[row]
        person = self.rows[row][1]
        ident = self.samples[sample].id
        key = (fam.id, person, ident)
        if key not in self.cache.results:
            assert self.cache.scorer is not None
            method, value, scores = self.cache.scorer.candidate(
                ident, self.data.pm[ident], fam, person, links)
            best = max(links, key=lambda link: (scores[link.reference], link.reference))
            self.cache.results[key] = SnpResult(float(value), METHODS[method], len(links),
                                                best.reference, best.relationship)
        return self.cache.results[key]

    def _screened(self, row: int, value: float, best: int) -> SnpResult:
        link = self._screen_of(row).links[best]
        return SnpResult(value, SCREENED, len(self._plan[row][1]), link.reference,
                         link.relationship)

    def _screen_of(self, row: int) -> _RowScreen:
        fam, links, _ = self._plan[row]
        key = (fam.id, self.rows[row][1])
        if key not in self.cache.screens:
            assert self.cache.scorer is not None
            method = self.cache.scorer.method(fam, self.rows[row][1])
            ordered = sorted(links, key=lambda link: link.reference, reverse=True)
            groups: list[list[int]] = []
            if method == "branches":
                pos = {link.reference: k for k, link in enumerate(ordered)}
                groups = [[pos[r] for r in g]
                          for g in _branches(fam.pedigree, [link.reference for link in links])]
            self.cache.screens[key] = _RowScreen(method, ordered, groups)
        return self.cache.screens[key]

    def _vectors(self, row: int) -> np.ndarray:
        """The row's screen vectors, float64 (k [+ 1], 4 n): per scored link (in
        ``_RowScreen.links`` order) and, for an exact-family row, the family's unlinked
        limit; column ``c * n + m`` the log10 LR of PM call ``c - 1`` at marker ``m``. The
        last :data:`SCREEN_ROWS` rows' are kept (a pair's :meth:`result` after its block)."""
        if row in self._recent:
            return self._recent[row]
        vec = self._build_vectors(row)
        if len(self._recent) >= SCREEN_ROWS:
            del self._recent[next(iter(self._recent))]
        self._recent[row] = vec
        return vec

    def _build_vectors(self, row: int) -> np.ndarray:
        from forensic_match.linked._screen_numba import screen_vector

        fam, _, _ = self._plan[row]
        screen = self._screen_of(row)
        scorer = self.cache.scorer
        assert scorer is not None
        n = len(self.data.panel)
        k = len(screen.links)
        vec = np.empty((k + (screen.method == "family"), 4 * n))
        for i, link in enumerate(screen.links):
            screen_vector(scorer.screen_table(link), fam.references[link.reference],
                          _IMPOSSIBLE, vec[i])
        if screen.method == "family":
            vec[k, :n] = 0.0
            vec[k, n:] = self._limit(row).reshape(3 * n)
            vec[k, n:][vec[k, n:] == -np.inf] = _IMPOSSIBLE
        return vec

    def _limit(self, row: int) -> np.ndarray:
        """An exact-family row's unlinked limit (:meth:`_family_limit`), built once and kept
        in the cache while the kept limits fit in ``keep_bytes`` (else built again when the
        row is scored again)."""
        fam = self._plan[row][0]
        key = (fam.id, self.rows[row][1])
        if key in self.cache.limits:
            return self.cache.limits[key]
        limit = self._family_limit(fam, key[1])
        self.cache.built[key] += 1
        if self.cache.kept_bytes + limit.nbytes <= self.cache.keep_bytes:
            self.cache.limits[key] = limit
            self.cache.kept_bytes += limit.nbytes
        return limit

    def _family_limit(self, fam: SnpFamily, person: str) -> np.ndarray:
        """float64 (3, n): ``log10 [sum_u w_u E_u(c, refs) / (sum_u w'_u E'_u(refs) P(c))]``
        per marker for PM call ``c`` = 0, 1, 2: the exact family likelihood of the PM sample
        as ``person`` with every marker unlinked (``w``: the share of inheritance states with
        identity pattern ``u``; primed: the references alone) over the references' and the
        PM's own, as :meth:`~forensic_match.linked.programme.CandidateScorer.candidate`
        divides the linked one. A missing PM call gives exactly 0 (the PM's genes summed
        out leave the references' likelihood), the row left out here. The references'
        denominator is kept per family variant (the last :data:`KEEP_DENOMINATORS`), the
        PM's own per cache."""
        from forensic_match.linked._family_numba import family_emission_rows

        scorer = self.cache.scorer
        assert scorer is not None
        ex = scorer.exact_family(fam, person)
        assert ex is not None
        proc = ex[0]
        refs = sorted(fam.references)
        freq, fst, n = self.data.panel.freq_a1, scorer.fst, len(self.data.panel)
        ref_calls = np.stack([fam.references[r] for r in refs]).astype(np.int64)
        k = len(refs)

        def mixed(process: Any, calls: np.ndarray, error: list[float],
                  dropout: list[float]) -> np.ndarray:
            w = np.bincount(process.column, minlength=len(process.patterns)) \
                / process.n_states
            return family_emission_rows(freq, calls, np.array(error), np.array(dropout),
                                        process.patterns, fst) @ w

        dens = self.cache.denominators
        if fam.id in dens:
            dens.move_to_end(fam.id)
        else:
            alone = family_process(trimmed_pedigree(fam.pedigree, refs), refs)
            dens[fam.id] = mixed(alone, ref_calls, [scorer.reference_error] * k, [0.0] * k)
            if len(dens) > KEEP_DENOMINATORS:
                dens.popitem(last=False)
        den = dens[fam.id]
        if self.cache.solo is None:
            self.cache.solo = np.stack([
                mixed(scorer.solo, np.full((1, n), c, dtype=np.int64), [scorer.pm_error],
                      [scorer.pm_dropout]) for c in (0, 1, 2)])
        out = np.empty((3, n))
        for c in (0, 1, 2):
            pm = np.full((1, n), c, dtype=np.int64)
            num = mixed(proc, np.vstack([pm, ref_calls]), [scorer.pm_error]
                        + [scorer.reference_error] * k, [scorer.pm_dropout] + [0.0] * k)
            with np.errstate(divide="ignore"):
                out[c] = np.log10(num / (den * self.cache.solo[c]))
        return out

    def _kin_vectors(self, codes: np.ndarray) -> np.ndarray:
        """float64 (len(KIN_SCREEN), 4 n): the unlinked log10 LR of a body against a
        reference (call codes ``codes``) as each relationship of :data:`KIN_SCREEN`."""
        from forensic_match.linked._screen_numba import screen_vector

        scorer = self.cache.scorer
        assert scorer is not None
        if not self.cache.kin_links:
            for name in KIN_SCREEN:
                proc = pair_process(RELATIONSHIPS[name].pedigree(), "A", "B")
                self.cache.kin_links.append(_Link(
                    "", "A", "B", name, RELATIONSHIPS[name].degree, proc,
                    proc.pattern_weights))
        vec = np.empty((len(KIN_SCREEN), 4 * len(self.data.panel)))
        for i, link in enumerate(self.cache.kin_links):
            screen_vector(scorer.screen_table(link), codes, _IMPOSSIBLE, vec[i])
        return vec

    def _screen_rows(self, rows: Sequence[int], calls: np.ndarray
                     ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per row of ``rows`` (all scored): the stand-in log10 LR of each of ``calls``' PM
        samples, whether it passes the screen, and its best link (by unlinked LR)."""
        return self._screen_stacked(rows, self._stack(rows), calls)

    def _stack_one(self, row: int) -> _Stack:
        """The screen vectors of one row alone (:meth:`result`), kept for the last
        :data:`SCREEN_ROWS` rows: the pairs of a row screened one by one then share them."""
        if row not in self._single:
            if len(self._single) >= SCREEN_ROWS:
                del self._single[next(iter(self._single))]
            self._single[row] = self._stack([row])
        return self._single[row]

    def _stack(self, rows: Sequence[int]) -> _Stack:
        """The screen vectors of ``rows`` (all scored) and of their families' references'
        kin screen, as :meth:`_screen_stacked` multiplies them."""
        parts: list[np.ndarray] = []
        kin_at: dict[tuple[str, str], int] = {}
        layout: list[tuple[int, int, list[int]]] = []
        width = 0
        for r in rows:
            own = self._vectors(r)
            parts.append(own)
            start, width = width, width + own.shape[0]
            fam = self._plan[r][0]
            kin = []
            for ref in sorted(fam.references):
                if (fam.id, ref) not in kin_at:
                    kin_at[(fam.id, ref)] = width
                    parts.append(self._kin_vectors(fam.references[ref]))
                    width += len(KIN_SCREEN)
                kin.append(kin_at[(fam.id, ref)])
            layout.append((start, own.shape[0], kin))
        n = len(self.data.panel)
        shift = 1 if any(np.any(part[:, :n]) for part in parts) else 0
        # One copy: the kept columns of every part, side by side (contiguous).
        return _Stack(np.concatenate([part[:, (1 - shift) * n:] for part in parts]), shift,
                      layout)

    def _screen_stacked(self, rows: Sequence[int], stack: _Stack, calls: np.ndarray
                        ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """:meth:`_screen_rows` with the rows' vectors stacked (:meth:`_stack`)."""
        from forensic_match.linked._screen_numba import vector_scores_blocked

        scores = vector_scores_blocked(stack.vectors, calls, stack.shift)
        scores[scores < _IMPOSSIBLE / 10] = -np.inf
        out = []
        for r, (start, count, kin) in zip(rows, stack.layout):
            s = scores[:, start:start + count]
            screen = self._screen_of(r)
            k = len(screen.links)
            top = s[:, :k].max(axis=1)
            if screen.method == "family":
                value = s[:, k]
            elif screen.method == "branches":
                value = sum(s[:, g].max(axis=1) for g in screen.groups)
            else:  # pair: one link; best: the best link
                value = top
            related = np.max([scores[:, c:c + len(KIN_SCREEN)].max(axis=1) for c in kin],
                             axis=0)
            passed = (np.maximum(np.maximum(top, value), related) >= self.screen_threshold)
            out.append((value, passed, s[:, :k].argmax(axis=1)))
        return out

    def block(self, rows: np.ndarray) -> np.ndarray:
        """log10 SNP LR (plus ``also``'s) of ``rows`` against every sample."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((rows.size, len(self.samples)))
        live = [i for i, r in enumerate(rows.tolist()) if self._plan[r][2] is None]
        if self.screen_threshold == -np.inf:
            for i in live:
                for j in self._typed:
                    out[i, j] = self._linked(int(rows[i]), j).log10_lr
        elif self._typed:
            typed = np.array(self._typed, dtype=np.int64)
            for c0 in range(0, len(live), SCREEN_ROWS):
                part = live[c0:c0 + SCREEN_ROWS]
                for i, (value, passed, _) in zip(
                        part, self._screen_rows([int(rows[i]) for i in part], self._calls)):
                    r = int(rows[i])
                    out[i, typed] = value
                    for j in typed[passed].tolist():
                        out[i, j] = self._linked(r, j).log10_lr
                    key = (self._plan[r][0].id, self.rows[r][1])
                    self.cache.screened[key] = max(self.cache.screened.get(key, 0),
                                                   int((~passed).sum()))
        if self.also is not None:
            out += np.asarray(self.also.block(rows), dtype=np.float64)
        return out

    def parameters(self) -> dict[str, Any]:
        """Panel, map, fst, error model and options (for ``parameters``)."""
        return {**self.data.describe(), **self.options, "min_snps": self.min_snps,
                "skip_uncomputable": self.skip_uncomputable,
                "screen_threshold": self.screen_threshold, "screen": SCREEN_RULE,
                "error_model": ERROR_MODEL,
                "combination": "log10 LR_STR + log10 LR_SNP: STR and SNP markers independent "
                               "given the hypotheses (docs/linked.md)"}
