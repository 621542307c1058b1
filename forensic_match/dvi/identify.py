"""From ranked candidates to proposed identifications, with the reasoning for each.

A short pipeline over :mod:`forensic_match.decide` (``docs/decisions.md``):

1. fragments of one body are joined (same-source LR); direct references (personal effects)
   are compared with the bodies;
2. every missing person's LR table is compiled and every body searched against it;
3. each family whose missing persons have a candidate body is extended by the relatives its
   pedigree draws or implies (an unregistered brother, the father, a child), whose tables are
   compiled and searched the same way;
4. the joint posterior of every candidate pair under a one-to-one model with those relatives
   and the open set as alternatives (:func:`forensic_match.decide.decisions.decide`), with
   priors set from the programme (:func:`forensic_match.decide.priors.programme_priors`);
5. pairs whose posterior reaches ``posterior_threshold`` are proposed (every rule, direct
   references included, needs it); their families are conditioned on the identified bodies
   and the rest is decided again, until nothing changes;
6. bodies whose family is certain but not who in it they are (a missing son or his
   unregistered brother) are listed at family level, with the alternatives named.

With ``evidence`` (AM records and PM findings) every LR of steps 2-5 is the DNA LR times the
sex, age and stature evidence LR, the relatives' from their relative models
(``docs/evidence.md``, "In the identification").
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from forensic_match.cases import Family, PMSample, check_family_records, with_dropout
from forensic_match.decide.alternatives import AlternativeSet, relative_alternatives
from forensic_match.decide.decisions import Decision, decide
from forensic_match.decide.posterior import posterior_text
from forensic_match.decide.priors import (
    LINEAGE_KIN_WEIGHT,
    REFERENCE_KIN_WEIGHT,
    RELATIVES_WEIGHT,
    Priors,
    programme_priors,
)
from forensic_match.dvi.alternatives_memo import (
    AlternativesMemo,
    Entry,
    load_alternatives_memo,
)
from forensic_match.dvi.compile import (
    CompiledRow,
    CompiledTables,
    compile_families,
    compile_rows,
    warn_kept_fallback,
)
from forensic_match.dvi.family_check import (
    check_families,
    contradicted_families,
    load_check_memo,
    questionable_families,
    save_check_memo,
    typed_members,
    warn_registered_twice,
    warn_unconnected,
)
from forensic_match.dvi.fragments import (
    SAME_SOURCE_LOG10,
    Body,
    SameSourceMemo,
    bodies_from_pairs,
    load_same_source_memo,
    same_source_pairs,
    save_same_source_memo,
    split_conflicts,
)
from forensic_match.dvi.homozygosity import DropoutScreen, undeclared_dropout
from forensic_match.dvi.living import living_matches
from forensic_match.dvi.picked_tables import PickedTables
from forensic_match.dvi.rejected import rejected_entries, rejected_keys, warn_kept_out
from forensic_match.dvi.search import SearchResult, search_samples
from forensic_match.dvi.substructure import warn_substructure
from forensic_match.errors import (
    CacheWarning,
    ForensicMatchWarning,
    IgnoredMarkerWarning,
    InputError,
    ThetaFallbackWarning,
)
from forensic_match.marker_names import aligned_records
from forensic_match.markers import Marker
from forensic_match.profiles import Observation

if TYPE_CHECKING:
    from forensic_match.dvi.reference_kin import ReferenceKinTables
    from forensic_match.dvi.reference_kin_memo import ReferenceKinMemo
    from forensic_match.dvi.search_reuse import NightSearches, SearchMemo
    from forensic_match.evidence.records import PMFindings
    from forensic_match.evidence.scoring import Evidence
    from forensic_match.lineage.data import LineageData
    from forensic_match.linked.scores import SnpData


@dataclass
class ScoreCaches:
    """The lineage and linked-SNP scores an identification computed, kept for a caller that
    scores some of the same pairs again (the case store ranks every PM sample's candidates
    on the tables as first compiled and stores each proposal's lines: ``store/runs.py``).

    A score depends on the row's family and person, the sample's lineage data or SNP calls,
    and the data and options, never on the DNA tables (a family conditioned on an identified
    body is not conditioned on its lineage data or SNP calls), so a pair is looked up by ids:
    the row ``(family, person)`` and the body's id.

    Attributes
    ----------
    bodies : list of Body
        The bodies the PM samples were joined into. A body is named after its first
        fragment and scored on its first Y haplotype and mitotype and on its fragment typed
        at the most SNPs: a body of one fragment is scored exactly as that PM sample, a body
        of several is not (:meth:`joined`).
    lineage : LineageCache or None
        With ``lineage``: every (row, body) lineage score of every round
        (:class:`~forensic_match.lineage.fast.LineageCache`), and the full results of the
        identified pairs (``identifications.lineage_log10_lr``).
    snp : SnpCache or None
        With ``snp``: the linked results of every pair that passed the screen in any round,
        the screened results of the identified pairs, the rows' plans and the scorer's tables
        (:class:`~forensic_match.linked.scores.SnpCache`).
    """

    bodies: list[Body] = field(default_factory=list)
    lineage: Any = None
    snp: Any = None

    def joined(self) -> set[str]:
        """The ids of the bodies of several fragments: a score kept under such an id is the
        body's, not that of the PM sample of the same id."""
        return {b.id for b in self.bodies if len(b.fragments) > 1}


@dataclass
class IdentificationResult:
    """Proposed identifications and the evidence behind them.

    Attributes
    ----------
    identifications : polars.DataFrame
        pm, family, missing, lr, log10_lr, posterior, rule, round, n_markers, n_inconsistent,
        second_lr (best competitor in the body's row or the missing person's column),
        alternative and alternative_lr (the strongest relative alternative in the same
        family), fragments, conditioned_on, exact, reason (ending with a caution when the
        family's typed members make a stated relationship questionable, ``family_checks``).
        ``conditioned_on`` names, by their ids separated by commas, the identified bodies
        (of direct matches and earlier rounds, in the order they were identified) that the
        family's rows were conditioned on as typed members when the pair was decided; null
        when none: its LR rests on those identifications as well as on the family's own
        data. With
        ``evidence``: also ``dna_lr`` and ``evidence_lr`` (``lr`` is their product) and
        ``evidence``, the evidence pieces' LRs in words ("sex 2.1, age 4.3, stature 1.2,
        dental 1e+04"). With a place prior
        (``Evidence.place``) also ``place_prior``, the factor that weighed the pair in the
        decision (a prior, not an LR: ``lr`` stays DNA x evidence); ``second_lr`` and
        ``alternative_lr`` are then the competitors' prior-weighted scores.
    search : SearchResult
        The final round's ranked candidates.
    parameters : dict
    family_level : polars.DataFrame
        Bodies not identified individually whose family is certain: the posterior summed over
        the family's still-missing persons and its relative alternatives reaches
        ``posterior_threshold`` (a missing son or his unregistered brother, two missing
        brothers with the same references: DNA cannot say which; antemortem data can).
        Columns pm, family, candidates (each with its posterior, options apart by "; "),
        posterior, relatives_posterior, best_lr (the strongest option's LR as the search
        ranked it: with ``evidence``, DNA x non-DNA evidence, and for a relative his
        existence weight too), fragments, caution (null, or the caution of a family whose
        typed members make a stated relationship questionable).
    held_back : polars.DataFrame
        Proposals withheld, with the reason: the body's DNA matches a living relative at
        least as strongly (``living_matches``), the family's typed members contradict its
        pedigree (``family_checks``), fewer of them are typed than ``min_references``, or
        the body may be a fragment of a body already identified in the same family
        (same-source log10 LR >= 4); a family-level row held for the first three has
        ``missing`` null and ``lr`` its best LR.
    decision : Decision
        The last round's posteriors of every hypothesis (pairs, alternatives, families).
    counts : dict
        The work done: ``families``, ``compiled_families`` (families whose tables were
        compiled, not taken from ``cache``/``reuse``), ``relative_families`` (families whose
        relative alternatives were searched) and ``compiled_relative_families`` (of those,
        compiled rather than taken from the cache).
    score_caches : ScoreCaches or None
        With ``lineage`` or ``snp``: the scores computed, by row and body, for a caller that
        scores the same pairs again.
    family_checks : polars.DataFrame
        Each pair of a family's typed members against the relationship its pedigree states
        (:func:`~forensic_match.dvi.family_check.check_families`).
    living_matches : polars.DataFrame
        PM samples whose DNA matches a typed (living) relative's profile
        (:func:`~forensic_match.dvi.living.living_matches`); a proposal of such a body that
        matches the missing person no more strongly is in ``held_back``.
    bodies : polars.DataFrame
        One row per body: body (its id, that of its first sample), samples (every PM sample
        joined into it), counted_once (samples with the same calls as another of the body,
        counted once), n_markers (markers of the panel typed in any sample), sex, outcome
        (``identified``, ``family level``, ``held back`` or ``none``), family and missing
        (of the identification or the family-level row). Which samples are one body, and
        what became of every body, in one table.
    """

    identifications: Any
    search: SearchResult
    compiled: CompiledTables
    parameters: dict[str, Any] = field(default_factory=dict)
    family_level: Any = None
    held_back: Any = None
    decision: Decision | None = None
    counts: dict[str, int] = field(default_factory=dict)
    score_caches: ScoreCaches | None = None
    family_checks: Any = None
    living_matches: Any = None
    bodies: Any = None


def prepare_panel(markers: Sequence[Marker], families: Sequence[Family],
                  samples: Sequence[PMSample], *, min_frequency: float | None = None,
                  ) -> list[Marker]:
    """The markers extended by every allele a family (its typed relatives and direct
    references) or PM sample shows (warning for each), at ``min_frequency`` or each marker's
    own unknown-allele frequency (5/(2N) of its table)."""
    from forensic_match.likelihood import prepare_markers

    # In this order (the relatives', the references', the bodies'): an added allele is named
    # by the first sample that shows it and added in the order first seen.
    profiles: dict[str, Any] = {f"{fam.id}/{ident}": prof for fam in families
                                for ident, prof in fam.genotypes.items()}
    profiles.update({f"{fam.id}/{ident}/reference": prof for fam in families
                     for ident, prof in fam.references.items()})
    profiles.update({s.id: s.genotypes for s in samples})
    return prepare_markers(markers, profiles, min_frequency=min_frequency)


#: Same-source log10 LR from which two bodies are suspected to be one person: such a pair is
#: never proposed as two members of one family (a fragment of an identified body would
#: otherwise look like that person's sibling once the family is conditioned on it).
SUSPECT_LOG10 = 4.0


def _suspect_bodies(pairs: Any, body_of: dict[str, str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for a, b, v in pairs.select("pm1", "pm2", "log10_lr").iter_rows():
        ba, bb = body_of[a], body_of[b]
        if ba != bb:
            out.setdefault(ba, {})[bb] = max(v, out.get(ba, {}).get(bb, -np.inf))
            out.setdefault(bb, {})[ba] = max(v, out.get(bb, {}).get(ba, -np.inf))
    return out


def _screen(new: list[dict[str, Any]], accepted: list[dict[str, Any]],
            suspects: dict[str, dict[str, float]], flags: list[dict[str, Any]],
            families_held: Mapping[str, str], living: Mapping[str, tuple[float, str]],
            undeclared: DropoutScreen | None) -> list[dict[str, Any]]:
    """Hold back a body that may be the same person as a body already given to its family,
    every proposal of a family held for its references (``families_held``: its typed members
    contradict its pedigree, or fewer are typed than ``min_references`` asks), a body
    whose DNA matches a living relative at least as strongly as the proposed missing
    person, and a body recorded without dropout whose homozygosity says it has some
    (``undeclared``, :class:`~forensic_match.dvi.homozygosity.DropoutScreen`)."""
    by_family: dict[str, set[str]] = {}
    for rec in accepted:
        by_family.setdefault(rec["family"], set()).add(rec["pm"])
    out = []
    for rec in new:
        partners = suspects.get(rec["pm"], {})
        clash = [b for b in by_family.get(rec["family"], ()) if b in partners]
        why = _data_reason(living, families_held, undeclared, rec["pm"], rec["family"],
                           float(rec["log10_lr"]), rec["missing"])
        if why is None and clash:
            why = (f"same-source log10 LR {partners[clash[0]]:.1f} with {clash[0]}, already "
                   f"identified in family {rec['family']}")
        if why is not None:
            _hold(flags, rec, why)
            continue
        by_family.setdefault(rec["family"], set()).add(rec["pm"])
        out.append(rec)
    return out


def _hold(flags: list[dict[str, Any]], rec: dict[str, Any], why: str) -> None:
    """Hold back the proposal ``rec`` with the reason ``why``, once per pair (a pair held in
    one round comes back in the next)."""
    if not any((f["pm"], f["family"], f["missing"]) == (rec["pm"], rec["family"], rec["missing"])
               for f in flags):
        flags.append({**rec, "held_back": why})


#: How a held-back proposal of a family whose typed members contradict its pedigree begins.
_CONTRADICTED = "references contradict the family's pedigree"

#: How a held-back proposal of a family with fewer typed members than ``min_references``
#: begins.
_FEW = "too few references to check the family's data"

#: How a held-back proposal of a body recorded without dropout but showing it begins.
_UNDECLARED = "excess homozygosity"

#: How a held-back proposal of a body whose DNA matches a living relative begins.
_LIVING = "the body's DNA matches a living relative's profile"


def _families_held(contradicted: Mapping[str, str], typed: Mapping[str, int],
                   min_references: int) -> dict[str, str]:
    """``{family: reason}`` of the families whose placements are held for their references:
    their typed members contradict their pedigrees (``contradicted``), or fewer of them are
    typed (``typed``) than ``min_references``."""
    out = {f: f"{_CONTRADICTED} (family {f}: {why})" for f, why in contradicted.items()}
    for f, n in typed.items():
        if n < min_references and f not in out:
            out[f] = (f"{_FEW} (family {f}: {n} typed member{'s' if n != 1 else ''}, "
                      f"min_references {min_references}: a sample filed under the wrong "
                      f"family cannot be seen from within it; type a second reference)")
    return out


def _data_reason(living: Mapping[str, tuple[float, str]], families_held: Mapping[str, str],
                 undeclared: DropoutScreen | None, body: str, family: str,
                 log10_lr: float, missing: str | None = None) -> str | None:
    """The reason to hold back a placement of ``body`` in ``family`` with ``log10_lr`` for
    what the data checks found, else ``None``: the body's same-source log10 LR with a typed
    relative is at least ``log10_lr``, the body looks degraded but was recorded without
    dropout (``undeclared``, judged against ``missing``, or at family level the family's
    most inbred missing person), or the family is held for its references
    (:func:`_families_held`)."""
    got = living.get(body)
    if got is not None and got[0] >= log10_lr:
        return (f"{_LIVING} ({got[1]}: same-source log10 LR {got[0]:.1f}, against "
                f"{log10_lr:.1f} as this missing person; contamination, a reference "
                f"sample filed as postmortem, the relative's identical twin, or the relative "
                f"himself killed later? If he is among the dead, register him as missing with "
                f"his reference profile as a direct reference)")
    found = None if undeclared is None else undeclared.held(body, family, missing)
    if found is not None:
        return f"{_UNDECLARED}: {found.words()}"
    return families_held.get(family)


def _living_by_body(living: Any, body_of: Mapping[str, str]) -> dict[str, tuple[float, str]]:
    """Each body's strongest match with a living relative: (log10 LR, words naming it)."""
    out: dict[str, tuple[float, str]] = {}
    for r in living.iter_rows(named=True):
        body = body_of.get(r["pm"])
        if body is None:
            continue
        if body not in out or r["log10_lr"] > out[body][0]:
            out[body] = (r["log10_lr"], f"sample {r['pm']} and {r['person']}, a typed "
                                        f"relative of family {r['family']}")
    return out


#: Id prefix of direct references (personal effects) in the same-source comparison.
REF_PREFIX = "\u0000ref:"


def _reference_samples(families: Sequence[Family]) -> list[tuple[PMSample, str, str]]:
    """Direct references as samples to compare with the PM samples: (sample, family, missing)."""
    out = []
    for fam in families:
        for m, prof in fam.references.items():
            out.append((PMSample(f"{REF_PREFIX}{fam.id}:{m}", fam.sex_of(m), dict(prof)),
                        fam.id, m))
    return out


def _direct_pairs_under_theta(pairs: Any, samples: Sequence[PMSample],
                              panel: Sequence[Marker], theta: float) -> Any:
    """The pairs of a body and a direct reference with their same-source log10 LR under
    ``theta`` (:mod:`~forensic_match.dvi.same_source_theta`): the pairs were found without
    it, which overstated a match by about 10^2 at theta 0.02 on 23 markers (an outside check,
    2026-12-07); the identifications are scored under the run's theta as the kinship ones
    are."""
    import polars as pl

    from forensic_match.dvi.same_source_theta import same_source_log10

    by_id = {s.id: s for s in samples}
    scores = [same_source_log10(by_id[a], by_id[b], panel, theta)[0]
              for a, b in pairs.select("pm1", "pm2").iter_rows()]
    return pairs.with_columns(pl.Series("log10_lr", scores, dtype=pl.Float64))


def _direct_matches(pairs: Any, references: list[tuple[PMSample, str, str]],
                    body_of: dict[str, str], threshold: float, priors: Priors,
                    posterior_threshold: float) -> list[dict[str, Any]]:
    """Bodies matching a missing person's direct reference as the same source."""
    owner = {ref.id: (fam, m) for ref, fam, m in references}
    best: dict[tuple[str, str, str], dict[str, Any]] = {}
    for a, b, v, n in pairs.select("pm1", "pm2", "log10_lr", "n_markers").iter_rows():
        ref, sample = (a, b) if a in owner else (b, a)
        if v < threshold or sample in owner or priors.posterior(
                10.0 ** min(v, 308.0), 10.0 ** min(v, 308.0)) < posterior_threshold:
            continue
        fam, m = owner[ref]
        key = (body_of[sample], fam, m)
        if key not in best or v > best[key]["log10_lr"]:
            lr = 10.0 ** min(v, 308.0)
            best[key] = {"pm": key[0], "family": fam, "missing": m, "lr": lr, "log10_lr": v,
                         "posterior": priors.posterior(lr, lr),
                         "rule": "direct reference", "round": 0, "n_markers": n,
                         "n_inconsistent": 0, "second_lr": 0.0, "alternative": "",
                         "alternative_lr": 0.0}
    # One body per missing person: a second body matching the same reference is a fragment
    # that was not joined, or a contamination; keep the strongest and flag nothing here.
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in sorted(best.values(), key=lambda r: -r["log10_lr"]):
        chosen.setdefault((rec["family"], rec["missing"]), rec)
    return list(chosen.values())


def identify(families: Sequence[Family], samples: Sequence[PMSample],
             markers: Sequence[Marker], *, posterior_threshold: float = 0.9995,
             prior_registered: float | None = None,
             prior_not_in_database: float | None = None,
             relatives: float = RELATIVES_WEIGHT, closed: bool = False,
             lineage_kin: float = LINEAGE_KIN_WEIGHT,
             reference_kin: float = REFERENCE_KIN_WEIGHT, undisputed: bool = False,
             threshold: float = 1e4, margin: float = 1e4, theta: float = 0.0,
             min_markers: int = 8, sex_filter: bool = True, max_rounds: int = 10,
             same_source: float | None = None, workers: int = 1,
             cache: str | Path | None = None, progress: bool = False,
             evidence: Evidence | tuple[Any, Any] | None = None,
             reuse: CompiledTables | None = None,
             lineage: LineageData | None = None,
             lineage_options: dict[str, Any] | None = None,
             snp: SnpData | None = None, snp_options: dict[str, Any] | None = None,
             search_memos: dict[str, SearchMemo] | None = None,
             same_source_memo: SameSourceMemo | None = None,
             min_references: int = 1, dna_led: bool = True,
             ignore_markers: Iterable[str] = (), pm_dropout: float = 0.0,
             rejected: Iterable[Sequence[str]] | Any = (),
             ) -> IdentificationResult:
    """Blind search and joint identification of PM samples against reference families.

    Parameters
    ----------
    families, samples : sequences of Family and PMSample
        Taken in the order of their ids (as the case store reads them), and a body's
        fragments too, so that the result does not depend on the order given
        (``docs/decisions.md``, "The same figures on every run").
    markers : sequence of Marker
        The panel; alleles absent from it are added with a warning (see
        :func:`prepare_panel`).
    posterior_threshold : float
        Posterior a pair needs to be proposed, whatever the rule (ICMP: 99.95%).
    prior_registered : float, optional
        Prior probability that a body is one of the registered missing persons; default from
        the programme, ``min(0.5, missing persons / bodies)``
        (:func:`~forensic_match.decide.priors.programme_priors`).
    prior_not_in_database : float, optional
        The same prior stated the other way round (``1 - prior_registered``); give one of the
        two.
    relatives : float
        Prior weight of each unregistered relative a family's pedigree draws or implies
        (:func:`~forensic_match.decide.alternatives.relative_alternatives`), against one
        registered missing person; 0 for a closed list of victims.
    closed : bool
        A closed disaster as dvir models it: flat prior over assignments (a body is "nobody"
        with the weight of any one missing person) and no relative alternatives
        (:meth:`~forensic_match.decide.priors.Priors.flat`); overrides the three priors above
        and ``lineage_kin``.
    lineage_kin : float
        With ``lineage``: prior weight of an unrecorded kinsman of each missing person's
        lineages (a man of his patrilineage, a person of his matriline, outside the
        pedigree), against one registered missing person
        (:data:`~forensic_match.decide.priors.LINEAGE_KIN_WEIGHT`). He shares the line, so
        his lineage LR is the missing person's and his autosomal LR 1: only autosomal (and
        AM/PM) evidence can set the missing person above him. 0 lets a lineage match stand
        in for autosomal evidence (a closed list of victims).
    reference_kin : float
        Prior weight of each undrawn relative of a typed reference (a child, full sibling,
        nephew of the reference, a first cousin through its in-law parent:
        :func:`~forensic_match.decide.alternatives.reference_kin`), against one registered
        missing person (:data:`~forensic_match.decide.priors.REFERENCE_KIN_WEIGHT`): of
        every family's distant references
        (:func:`~forensic_match.decide.alternatives.distant_references`: no parent, child or
        full sibling of a missing person) for every body, and with ``snp`` of its close
        SNP-typed references for the bodies typed on SNPs. Scored with STR, SNP and lineage
        markers on the family extended by him, and no member of the family (his posterior
        counts for neither an identification nor a family-level placement). 0 lets a
        distant reference's match stand for the missing person himself (the model before
        2026-12-05 in runs without SNPs).
    undisputed : bool
        Also require dvir's undisputed rule (LR >= ``threshold`` and >= ``margin`` times every
        competitor in the body's row and the missing person's column): the closed-disaster
        practice. Off by default; never a way around the posterior threshold.
    threshold, margin : float
        The undisputed rule's parameters (dvir's defaults).
    theta : float
        Subpopulation correction (Balding-Nichols). Every table (missing persons, their
        relative alternatives, families conditioned on identified bodies) is compiled exactly
        under it, so ranking, LR sums, posteriors and reported LRs all carry it
        (:func:`~forensic_match.dvi.compile.compile_missing`). Costs far more than theta 0
        (``docs/benchmarks.md``).
    min_markers : int
        Pairs compared on fewer markers are not considered; bodies typed at fewer markers
        of the panel (all fragments together) are named in one warning (they can have no
        candidate).
    sex_filter : bool
        Drop pairs whose known sexes differ.
    max_rounds : int
        Bound on the conditioning rounds.
    same_source : float, optional
        log10 same-source LR from which PM samples are joined into one body (default
        :data:`~forensic_match.dvi.fragments.SAME_SOURCE_LOG10`). Pairs from
        :data:`SUSPECT_LOG10` up are never given to one family as two people.
    workers : int
        Processes for compiling.
    cache : path, optional
        File of compiled tables (``.npz``). Rows whose family data and markers are unchanged
        are taken from it instead of being compiled again; it is then rewritten with this
        run's tables (before any conditioning), ready for the next night's run.
    reuse : CompiledTables, optional
        Tables already compiled for these families on this panel (e.g. by
        :func:`~forensic_match.dvi.dvisolve.compiled_pairs`): rows whose family data, markers
        and theta are unchanged are copied, not compiled again (as with ``cache``).
    progress : bool
        Progress bars on standard error.
    evidence : Evidence or (records, findings), optional
        Non-DNA AM/PM evidence (:class:`~forensic_match.evidence.scoring.Evidence`, or the
        pair ``({missing id: AMRecord}, {PM sample id: PMFindings})``). Every pair's LR in
        the search and the decisions is then ``LR_DNA x LR_evidence`` (sex, age, stature,
        and, where both sides recorded them, dental chart, features, implants and effects;
        DNA and non-DNA evidence taken as independent given who the body is), times the
        place-and-date prior factor when ``Evidence.place`` is set, and the
        relative alternatives take their relative models' evidence and prior weight
        (``docs/evidence.md``, "In the identification"), in every round. A body of several
        fragments weighs its fragments' findings joined field by field
        (:func:`~forensic_match.evidence.body_findings.findings_for_bodies`; contradictions
        are not weighed and named in a ``FragmentFindingsWarning``). Direct-reference
        matches are not combined with it. ``None`` (default): DNA only, exactly as without
        the option.
    lineage : LineageData, optional
        Y-STR panel and lineage databases (``DviDataset.lineage``): every pair's score, the
        registered missing persons' and their relative alternatives' alike, then also adds
        the lineage log10 LR of the body's Y haplotype and mitotype against the family's
        (:func:`~forensic_match.lineage.lr.lineage_lr`; lineage and autosomal markers
        independent given the hypotheses, ``docs/lineage.md``). The identifications gain a
        ``lineage_log10_lr`` column. A Y match supports the patrilineage, not the man: an
        unregistered brother drawn as an alternative shares it, and only autosomal (and
        AM/PM) evidence separates them. ``None`` (default): no lineage markers, exactly as
        without the option.
    lineage_options : dict, optional
        Options of :func:`~forensic_match.lineage.lr.lineage_lr` (``y_method``,
        ``references``, ...).
    snp : SnpData, optional
        Dense SNP calls of PM samples and references with their panel and genetic map
        (:class:`~forensic_match.linked.scores.SnpData`): every pair's score in every round,
        the relative alternatives' included (on the family extended by each), adds the
        linked-SNP log10 LR of the body being that person in the family pedigree against
        unrelated, on the family's SNP-typed references
        (:class:`~forensic_match.linked.scores.SnpScores`: exact pairwise or family
        likelihood, else a stated approximation, for the pairs whose unlinked screen
        reaches ``screen_threshold``, default 1; the others keep their unlinked LR; 0 where
        the body or the family has no SNP data). STR and SNP markers are taken as
        independent given the hypotheses (``docs/linked.md``, "Combination with STR
        evidence"). A body of several fragments uses the fragment typed at the most SNPs.
        The identifications gain ``snp_log10_lr`` and ``snp_method``; ``parameters["snp"]``
        names the panel (sha256), map, fst, error model, options and screen threshold.
        With ``fst`` 0 and references of degree 3 or more a
        :class:`~forensic_match.linked.programme.SubstructureWarning` is given.
    snp_options : dict, optional
        Options of :class:`~forensic_match.linked.scores.SnpScores` (``fst``, ``pm_error``,
        ``reference_error``, ``pm_dropout``, ``approximation``, ``min_snps``,
        ``screen_threshold`` (``-inf``: the linked LR for every pair), ...).
    search_memos : dict, optional
        The memos of an earlier identification's searches
        (:class:`~forensic_match.dvi.search_reuse.SearchMemo` by name, e.g. last night's:
        :func:`~forensic_match.dvi.search_reuse.load_memos`), read and replaced in place by
        this one's. The searches (bodies against the missing persons, in every round,
        against the relative alternatives and against the references' relatives) then
        search only what changed since
        (:func:`~forensic_match.dvi.search_reuse.search_reusing`): the same candidates and
        decisions as without, LR sums within rounding (``docs/store.md``, "Nightly reuse of
        the searches"). Rows removed since the memos are found in ``reuse``/``cache``'s
        tables; where they are not, that search is done in full. With ``evidence``,
        ``lineage`` or ``snp`` the searches are done in full, but the compiled rows' memos
        below are used all the same (give ``{}``). ``None`` (default): every search in
        full. With ``cache`` too, each family's relative alternatives and their rows are
        taken from the earlier identification's memo beside ``cache`` where the family's
        content is unchanged (:mod:`~forensic_match.dvi.alternatives_memo`), and the
        references' relatives' rows from the earlier identification's file of them beside
        ``cache`` where their ids (content hashes) are unchanged, with the relatives and
        their ids from its memo of them where the family's content, references and
        observation models are unchanged (:mod:`~forensic_match.dvi.reference_kin_memo`).
    same_source_memo : SameSourceMemo, optional
        An earlier identification's same-source comparisons of the PM samples and direct
        references (:class:`~forensic_match.dvi.fragments.SameSourceMemo`, e.g. last
        night's: :func:`~forensic_match.dvi.fragments.load_same_source_memo`), read and
        replaced in place by this one's: only pairs with a new or changed sample are
        compared, with the same pairs and scores as without
        (:func:`~forensic_match.dvi.fragments.same_source_pairs`). ``None`` (default): every
        pair is compared.

    min_references : int
        Typed members (relatives' reference samples and direct references) a family needs
        for its proposals and family-level rows; those of a family with fewer go to
        ``held_back`` with the reason. 1 (default) holds nothing for it. With 2, no
        placement rests on a single reference, which no check can see to be another
        family's sample (``docs/decisions.md``, "A single reference"; on simulated graves
        with 5 % of families' references swapped, 10 of 83 family-level rows resting on
        one reference were wrong, none of 805 resting on more: ``docs/validation.md``).
    dna_led : bool
        With ``evidence``: hold back (``held_back``, "evidence-led: ...") a proposal whose
        family's DNA weight alone (the body's DNA LRs with the family's candidates) is below
        ``W0 t / (1 - t)``, the weight at which DNA alone would place the body in the family
        against the open set (``W0`` the open set's weight, ``t`` the posterior threshold):
        the family is then chosen by the non-DNA evidence, which findings of another body or
        another person's records would make wrong (default; ``docs/decisions.md``,
        "DNA-led"). ``False`` lets the evidence carry the family.
    ignore_markers : iterable of str
        Markers the profiles type but ``markers`` leaves out on purpose (the command line's
        ``ignore_markers``): not warned about. Profiles' markers are matched to ``markers``
        ignoring case, spaces, ``_`` and ``-`` (``VWA`` is ``vWA``: read under the panel's
        spelling); any other marker not among ``markers`` is named in one
        :class:`~forensic_match.errors.IgnoredMarkerWarning` (left out of every LR: a
        misspelt name would hide an exclusion). A panel without mutation models draws a
        warning too (one mutation would make a missing person's family impossible).
    pm_dropout : float
        Per-allele dropout probability given to every PM sample that declares none (dropout
        0), as the command line's ``pm_dropout`` (0.05 there;
        :func:`~forensic_match.cases.with_dropout`). 0 (default) takes the samples as given:
        two bones of one body that lost different alleles then exclude each other and are
        not joined (``docs/records.md``). Recorded in ``parameters`` when not 0.
    rejected : iterable of (pm, family, missing), or a DataFrame with those columns
        Pairs a review rejected on their merits (``pm`` one PM sample id, or a body's
        fragments joined by commas): each is ruled out (weight 0 in every round's joint
        posterior) for any body holding one of its PM samples, so it is neither proposed
        nor conditioned on (:mod:`~forensic_match.dvi.rejected`; ``docs/decisions.md``,
        "Pairs a review rejected"). Those that name no body or missing person of this call
        are named in a warning; those kept out are named in another, with their LR now.
        Recorded in ``parameters["rejected"]`` when any is given.

    Returns
    -------
    IdentificationResult

    Examples
    --------
    >>> from forensic_match.evidence.scoring import Evidence
    >>> res = identify(ds.am, ds.pm, ds.markers,
    ...                evidence=Evidence.from_dataset(ds))  # doctest: +SKIP
    >>> res.identifications.select("missing", "dna_lr", "evidence_lr")  # doctest: +SKIP
    """
    import polars as pl

    if same_source is None:
        same_source = SAME_SOURCE_LOG10
    if prior_registered is not None and prior_not_in_database is not None:
        raise InputError("give prior_registered or prior_not_in_database, not both")
    if prior_not_in_database is not None:
        prior_registered = 1.0 - prior_not_in_database
    if not 0.5 <= posterior_threshold < 1.0:
        raise InputError(f"posterior_threshold must lie in [0.5, 1), got {posterior_threshold}")
    if isinstance(min_references, bool) or not isinstance(min_references, int) or \
            min_references < 1:
        raise InputError(f"min_references must be a whole number, 1 or more, got "
                         f"{min_references!r}")
    samples = with_dropout(samples, pm_dropout)
    rejected = rejected_entries(rejected)
    check_family_records(families)
    # In the order of their ids, as the case store reads them: the figures then do not depend
    # on the order of the input, to the last bit (docs/decisions.md, "The same figures on
    # every run"; reversing the families moved posteriors by up to 1.4e-11 and the order in
    # which two options of 0.5 are listed)
    families = sorted(families, key=lambda f: f.id)
    samples = sorted(samples, key=lambda s: s.id)
    families, samples, ignored = aligned_records(markers, families, samples,
                                                 meant=ignore_markers)
    _warn_ignored(ignored)
    evidence = _as_evidence(evidence)
    if evidence is not None:
        _warn_sex_records(families, evidence)
    if lineage is not None:
        from forensic_match.lineage.data import check_y_haplotypes
        from forensic_match.lineage.lr import check_lineage_options

        check_lineage_options(lineage, lineage_options or {})
        check_y_haplotypes(lineage, families, samples)
    panel = prepare_panel(markers, families, samples)
    if not panel:
        # (a raw "need at least one array to concatenate" from deep in the comparison before)
        raise InputError("identify: no markers to compare on (the panel is empty): give the "
                         "frequency table's markers")
    _warn_no_mutation(panel)
    warn_registered_twice(families)
    warn_unconnected(families)
    warn_substructure(families, panel, theta)
    references = _reference_samples(families)
    everything = list(samples) + [ref for ref, _, _ in references]
    all_pairs = same_source_pairs(everything, panel,
                                  threshold=min(SUSPECT_LOG10, same_source),
                                  memo=same_source_memo)
    is_ref = pl.col("pm1").str.starts_with(REF_PREFIX) | \
        pl.col("pm2").str.starts_with(REF_PREFIX)
    pairs = all_pairs.filter(~is_ref)
    bodies, split = split_conflicts(bodies_from_pairs(samples, pairs, threshold=same_source),
                                    panel, threshold=same_source)
    _warn_split(split)
    _warn_duplicates(bodies)
    excluded = rejected_keys(rejected, bodies, [(f.id, m) for f in families
                                                for m in f.missing]) if rejected else set()
    if evidence is not None:
        _warn_fragment_contradictions(bodies, evidence)
    body_of = {f.id: b.id for b in bodies for f in b.fragments}
    _warn_few_markers(bodies, panel, min_markers)
    suspects = _suspect_bodies(pairs, body_of)
    living_memo = None if cache is None else load_same_source_memo(_living_cache(cache))
    living = living_matches(samples, families, panel, threshold=SAME_SOURCE_LOG10,
                            memo=living_memo)
    if living_memo is not None:
        save_same_source_memo(_living_cache(cache), living_memo)
    living_of = _living_by_body(living, body_of)
    _warn_living(living)
    undeclared = undeclared_dropout(samples, panel, body_of, theta=theta,
                                    families={f.id: f for f in families})
    _warn_undeclared(undeclared)
    previous = reuse if reuse is not None else _load_cache(cache)
    compiled = compile_families(families, panel, workers=workers, progress=progress,
                                reuse=previous, theta=theta)
    night = None
    if snp is not None:
        snp = _prepare_snp(snp, families, bodies, snp_options)
    if search_memos is not None and evidence is None and lineage is None and snp is None:
        from forensic_match.dvi.search_reuse import NightSearches

        night = NightSearches(search_memos)
        for stray in [k for k in search_memos if k.startswith("_")]:
            del search_memos[stray]
    _warn_theta_fallback(compiled)
    check_memo = None if cache is None else load_check_memo(_family_checks_cache(cache))
    checks = check_families(families, panel, theta=compiled.theta, memo=check_memo)
    if check_memo is not None:
        save_check_memo(_family_checks_cache(cache), check_memo)
    contradicted = contradicted_families(checks)
    families_held = _families_held(
        contradicted, typed_members(families) if min_references > 1 else {}, min_references)
    questionable = questionable_families(checks)
    _warn_contradicted(contradicted, questionable)
    if cache is not None:
        from forensic_match.dvi.table_parts import save_compiled

        # Saved before any conditioning changes rows in place (the tables are this call's
        # own arrays: compile_families copies reused rows into new ones). Only the rows
        # compiled now are written, beside the pieces ``previous`` was read from.
        save_compiled(cache, compiled, previous)
    n_missing = len(compiled.rows)
    priors = Priors.flat(max(1, n_missing), max(1, len(bodies))) if closed else \
        programme_priors(max(1, n_missing), max(1, len(bodies)),
                         registered=prior_registered, relatives=relatives,
                         lineage_kin=lineage_kin, reference_kin=reference_kin)
    fam_by_id = {f.id: f for f in families}
    row_of = {key: r for r, key in enumerate(compiled.rows)}
    sample_by_id: dict[str, Body] = {b.id: b for b in bodies}
    flags: list[dict[str, Any]] = []
    accepted: list[dict[str, Any]] = []
    remaining: list[Body] = list(bodies)
    active = np.ones(n_missing, dtype=bool)
    conditioned: dict[str, dict[str, PMSample]] = {}
    relatives_cache = _RelativeTables(
        panel, workers, compiled.theta, reuse=_load_cache(_relatives_cache(cache)),
        memo=None if cache is None or search_memos is None
        else load_alternatives_memo(_alternatives_cache(cache)))
    row_ids = list(compiled.keys)
    # The compiled rows' memos (conditioned rows and the references' relatives by id, their
    # drawing by content) serve whenever memos are given: rows are DNA tables, the same
    # with evidence, lineage or SNPs, whose searches are nevertheless done in full. With
    # theta, rows taken that fell back to theta 0 at some marker give the warning their
    # compiling gave (compile.warn_kept_fallback).
    if search_memos is not None and cache is not None:
        relatives_cache.conditioned = _RowsById(
            panel, compiled.theta, _load_cache(_conditioned_cache(cache)))
    kin_rows = kin_drawn = None
    if search_memos is not None and cache is not None:
        from forensic_match.dvi.reference_kin_memo import load_reference_kin_memo

        # The references' relatives' rows of the last identification, by id: taken instead
        # of compiled, and the rows its searches lost since; and what its families'
        # references' relatives were, by content: taken instead of drawn.
        kin_rows = _RowsById(panel, compiled.theta,
                             _load_cache(_reference_kin_cache(cache)))
        kin_drawn = load_reference_kin_memo(_reference_kin_memo_cache(cache))
    if night is not None:
        night.keep_rows(compiled, row_ids)
        if previous is not None:
            night.keep_rows(previous, previous.keys)
        if relatives_cache.reuse is not None:
            night.keep_rows(relatives_cache.reuse, relatives_cache.reuse.keys)
        if kin_rows is not None and kin_rows.reuse is not None:
            night.keep_rows(kin_rows.reuse, kin_rows.reuse.keys)
        kept_conditioned = getattr(relatives_cache.conditioned, "reuse", None)
        if kept_conditioned is not None:
            # the last identification's conditioned rows: a later round that starts from
            # its same round finds there the rows it no longer has
            night.keep_rows(kept_conditioned, kept_conditioned.keys)
    direct_pairs = all_pairs.filter(is_ref)
    if compiled.theta > 0 and direct_pairs.height:
        direct_pairs = _direct_pairs_under_theta(direct_pairs, everything, panel,
                                                 compiled.theta)
    direct = _direct_matches(direct_pairs, references, body_of, same_source,
                             priors, posterior_threshold)
    # A same-source match with the person's own reference is not held for homozygosity: a
    # lost allele would have excluded it (the reference shows both), so its homozygous
    # markers are the person's own.
    direct = _screen(direct, accepted, suspects, flags, families_held, living_of, None)
    direct = [r for r in direct if (r["pm"], r["family"], r["missing"]) not in excluded]
    touched: set[str] = set()
    for rec in direct:
        r = row_of[(rec["family"], rec["missing"])]
        if not active[r] or rec["pm"] not in {b.id for b in remaining}:
            continue
        accepted.append(rec)
        active[r] = False
        conditioned.setdefault(rec["family"], {})[rec["missing"]] = \
            sample_by_id[rec["pm"]].best
        touched.add(rec["family"])
        remaining = [b for b in remaining if b.id != rec["pm"]]
    _recondition(compiled, fam_by_id, conditioned, touched, row_of, active, panel,
                 night=night, row_ids=row_ids, store=relatives_cache.conditioned)
    rounds = _Rounds(compiled, fam_by_id, conditioned, relatives_cache, priors, panel,
                     sex_filter=sex_filter, min_markers=min_markers,
                     pairs_from=np.log10(threshold), bodies=sample_by_id, evidence=evidence,
                     lineage=lineage, lineage_options=lineage_options, snp=snp,
                     snp_options=snp_options, night=night, row_ids=row_ids,
                     kin_rows=kin_rows, kin_drawn=kin_drawn, excluded=excluded)
    res: SearchResult | None = None
    decision: Decision | None = None
    for round_no in range(1, max_rounds + 1):
        if not remaining or not active.any():
            break
        res, decision = rounds.decide(remaining, active)
        if round_no == 1 and excluded:
            warn_kept_out(excluded, {(r["pm"], r["family"], r["missing"]): r["log10_lr"]
                                     for r in decision.pairs.iter_rows(named=True)},
                          {b.id: ",".join(f.id for f in b.fragments) for b in bodies})
        if round_no == 1 and priors.relatives == 0:
            _warn_closed_list(decision, accepted, fam_by_id)
        new = _proposals(decision, res, round_no, posterior_threshold,
                         (threshold, margin) if undisputed else None)
        new = _screen(new, accepted, suspects, flags, families_held, living_of, undeclared)
        if evidence is not None and dna_led:
            new = _dna_led(new, decision, evidence, sample_by_id, priors, posterior_threshold,
                           flags)
        if not new:
            break
        elsewhere = _other_family_fits(decision, [(r["pm"], r["family"]) for r in new])
        for rec in new:
            rec["other_family"] = elsewhere.get((rec["pm"], rec["family"]))
        for rec in new:
            # the identified bodies this round's family rows were conditioned on (direct
            # matches and earlier rounds): the proposal's LR rests on them (h_print F2)
            rec["conditioned_on"] = ",".join(a["pm"] for a in accepted
                                             if a["family"] == rec["family"]) or None
        touched = set()
        for rec in new:
            accepted.append(rec)
            active[row_of[(rec["family"], rec["missing"])]] = False
            conditioned.setdefault(rec["family"], {})[rec["missing"]] = \
                sample_by_id[rec["pm"]].best
            touched.add(rec["family"])
        taken = {rec["pm"] for rec in new}
        remaining = [s for s in remaining if s.id not in taken]
        _recondition(compiled, fam_by_id, conditioned, touched, row_of, active, panel,
                     night=night, row_ids=row_ids, store=relatives_cache.conditioned)
        decision = None
    if decision is None and remaining and active.any():
        res, decision = rounds.decide(remaining, active)
    family_level = _family_level(decision, {r["pm"] for r in accepted}, posterior_threshold,
                                 sample_by_id) if decision is not None \
        else _family_level_empty()
    family_level, held_families = _hold_families(family_level, families_held, living_of,
                                                 undeclared)
    if evidence is not None and dna_led and decision is not None:
        rows_of: dict[str, list[int]] = {}
        for (family, _), r in row_of.items():
            if active[r]:
                rows_of.setdefault(family, []).append(r)
        family_level, led = _dna_led_families(family_level, decision, evidence, sample_by_id,
                                              priors, posterior_threshold, compiled, rows_of,
                                              sex_filter, min_markers, relatives_cache,
                                              fam_by_id, conditioned)
        held_families += led
    family_level = _with_level_caution(family_level, questionable,
                                       _one_parent_two_bodies(family_level, decision),
                                       _same_source_in_family(family_level, accepted,
                                                              suspects),
                                       _other_family_fits(decision, zip(
                                           family_level["pm"].to_list(),
                                           family_level["family"].to_list())))
    flags.extend(held_families)
    _warn_between_families(decision, {r["pm"] for r in accepted}
                           | set(family_level["pm"].to_list()) | {f["pm"] for f in flags})
    # per proposal: its body fits another family's missing person; under a closed list, an
    # unregistered relative of its family fits it better (compared on the STR markers: not
    # in runs that weighed lineage markers or linked SNPs, which the comparison would omit)
    cautions = {(rec["pm"], rec["family"]): c for rec in accepted
                if (c := rec.pop("other_family", None))}
    if priors.relatives == 0 and accepted and lineage is None and snp is None:
        for key, caution in _closed_list_fits(accepted, fam_by_id, conditioned, sample_by_id,
                                              panel, sex_filter, min_markers).items():
            cautions[key] = "; ".join(c for c in (cautions.get(key), caution) if c)
    for rec in accepted:
        rec["fragments"] = ",".join(f.id for f in sample_by_id[rec["pm"]].fragments)
    table = pl.DataFrame(accepted, schema={
        "pm": pl.Utf8, "family": pl.Utf8, "missing": pl.Utf8, "lr": pl.Float64,
        "log10_lr": pl.Float64, "posterior": pl.Float64, "rule": pl.Utf8, "round": pl.Int64,
        "n_markers": pl.Int64, "n_inconsistent": pl.Int64, "second_lr": pl.Float64,
        "alternative": pl.Utf8, "alternative_lr": pl.Float64, "fragments": pl.Utf8,
        "conditioned_on": pl.Utf8})
    table = table.with_columns(pl.Series("theta", [
        float(compiled.row_theta[row_of[(r["family"], r["missing"])]])
        for r in table.iter_rows(named=True)], dtype=pl.Float64),
                               pl.Series("reason", [_reason(r, threshold, margin, priors)
                                                    for r in table.iter_rows(named=True)]))
    if evidence is not None:
        table = _with_evidence(table, evidence, sample_by_id)
    if lineage is not None:
        # a direct reference's LR is its same-source comparison: no lineage LR (null)
        table = table.with_columns(pl.Series("lineage_log10_lr", [
            None if r["rule"] == "direct reference" else
            rounds.lineage_log10(r["family"], r["missing"], sample_by_id[r["pm"]], fam_by_id)
            for r in table.iter_rows(named=True)], dtype=pl.Float64))
    if snp is not None:
        found = [rounds.snp_result(r["family"], r["missing"], sample_by_id[r["pm"]])
                 for r in table.iter_rows(named=True)]
        table = table.with_columns(
            pl.Series("snp_log10_lr", [f.log10_lr for f in found], dtype=pl.Float64),
            pl.Series("snp_method", [f.method for f in found], dtype=pl.Utf8))
    table = _with_caution(table, questionable, cautions)
    held = pl.DataFrame([{k: r[k] for k in ("pm", "family", "missing", "lr", "held_back")}
                         for r in flags],
                        schema={"pm": pl.Utf8, "family": pl.Utf8, "missing": pl.Utf8,
                                "lr": pl.Float64, "held_back": pl.Utf8})
    parameters = {"posterior_threshold": posterior_threshold, "undisputed": undisputed,
                  "threshold": threshold, "margin": margin, "theta": theta,
                  "min_markers": min_markers, "sex_filter": sex_filter,
                  "priors": priors.to_dict()}
    if min_references != 1:  # recorded when it holds anything (earlier results unchanged)
        parameters["min_references"] = min_references
    if pm_dropout != 0:
        parameters["pm_dropout"] = pm_dropout
    if rejected:
        parameters["rejected"] = [list(k) for k in rejected]
    if evidence is not None:
        parameters["dna_led"] = dna_led
    if lineage is not None:
        parameters["lineage"] = {
            "y_database": None if lineage.y_database is None else lineage.y_database.name,
            "mt_database": None if lineage.mt_database is None else lineage.mt_database.name,
            "y_loci": [m.name for m in lineage.markers], "options": dict(lineage_options or {})}
    if snp is not None:
        parameters["snp"] = rounds.snp_parameters()
    if evidence is not None:
        parameters["evidence"] = {"records": len(evidence.records),
                                  "findings": len(evidence.findings),
                                  "population": repr(evidence.population)}
    if cache is not None:
        relatives_cache.save(_relatives_cache(cache), _alternatives_cache(cache))
        if relatives_cache.conditioned is not None:
            relatives_cache.conditioned.save(_conditioned_cache(cache))
        if kin_rows is not None:
            kin_rows.save(_reference_kin_cache(cache))
            _save_kin_memo(_reference_kin_memo_cache(cache), rounds.kin_tables)
    counts = {"families": len(families), "compiled_families": len(compiled.compiled_families),
              "relative_families": len(relatives_cache.families),
              "compiled_relative_families": len(relatives_cache.compiled_families)}
    if night is not None:
        counts["searches_reused"] = sum(bool(v) for v in night.reused.values())
        # searches that found nothing new, changed or gone since the memo they used (the
        # last search of each name)
        counts["searches_unchanged"] = sum(
            bool(v) and not any(v[k] for k in ("new_samples", "gone_samples", "changed_rows",
                                               "removed_rows"))
            for v in night.reused.values())
    return IdentificationResult(
        table.sort(["round", "log10_lr"], descending=[False, True], maintain_order=True),
        res if res is not None else search_samples(compiled, bodies, top=TOP),
        compiled, parameters, family_level, held, decision, counts,
        ScoreCaches(list(bodies), rounds.lineage_cache if lineage is not None else None,
                    rounds.snp_cache) if lineage is not None or snp is not None else None,
        checks, living, _bodies_table(bodies, table, family_level, held, panel))


def _bodies_table(bodies: Sequence[Body], table: Any, family_level: Any, held: Any,
                  panel: Sequence[Marker]) -> Any:
    """:attr:`IdentificationResult.bodies`."""
    import polars as pl

    outcome: dict[str, tuple[str, str | None, str | None]] = {}
    for r in held.iter_rows(named=True):
        outcome.setdefault(r["pm"], ("held back", r["family"], r["missing"]))
    for r in family_level.iter_rows(named=True):
        outcome[r["pm"]] = ("family level", r["family"], None)
    for r in table.iter_rows(named=True):
        outcome[r["pm"]] = ("identified", r["family"], r["missing"])
    names = [m.name for m in panel]
    rows = []
    for b in bodies:
        once = [d.id for d, _ in b.counted_once]
        what, family, missing = outcome.get(b.id, ("none", None, None))
        rows.append({"body": b.id, "samples": ",".join(f.id for f in b.fragments),
                     "counted_once": ",".join(once) or None,
                     "n_markers": b.typed_markers(names),
                     "sex": b.sex, "outcome": what, "family": family, "missing": missing})
    return pl.DataFrame(rows, schema={
        "body": pl.Utf8, "samples": pl.Utf8, "counted_once": pl.Utf8, "n_markers": pl.Int64,
        "sex": pl.Utf8, "outcome": pl.Utf8, "family": pl.Utf8, "missing": pl.Utf8})


def _as_evidence(evidence: Evidence | tuple[Any, Any] | None) -> Evidence | None:
    """``identify``'s ``evidence`` argument as an :class:`Evidence` (or ``None``)."""
    if evidence is None:
        return None
    from forensic_match.evidence.scoring import Evidence

    if isinstance(evidence, Evidence):
        return evidence
    if isinstance(evidence, tuple) and len(evidence) == 2:
        return Evidence(*evidence)
    raise InputError("evidence must be an Evidence or a pair (AM records by missing person, "
                     f"PM findings by sample), got {type(evidence).__name__}")


def _warn_fragment_contradictions(bodies: Sequence[Body], evidence: Evidence) -> None:
    """One warning naming the bodies whose fragments' AM/PM findings contradict each other
    (:func:`~forensic_match.evidence.body_findings.merge_findings`: such a field is not
    weighed)."""
    from forensic_match.errors import FragmentFindingsWarning
    from forensic_match.evidence.body_findings import fragment_contradictions

    found = fragment_contradictions(bodies, evidence.findings)
    if found:
        warnings.warn(FragmentFindingsWarning(
            f"{len(found)} bodies of several fragments have findings that contradict each "
            f"other from one fragment to another; those findings are not weighed (one of the "
            f"records is wrong: for the anthropologist to reconcile): "
            + _first_five(found, "the PM findings")),
            stacklevel=3)


def _warn_sex_records(families: Sequence[Family], evidence: Evidence) -> None:
    """One warning naming the missing persons whose AM record gives another sex than their
    family's pedigree: the search keeps to the pedigree's sex and the evidence weighs the
    record's, so that a man recorded as a woman in one and a man in the other has his own
    body named "an unregistered full sibling" (an outside check, 2026-12-07: 25 of 45 such
    bodies at 0.99 or more, with no word)."""
    found = []
    for fam in families:
        for m in fam.missing:
            rec = evidence.records.get(m)
            drawn = fam.sex_of(m)
            if rec is not None and rec.sex in ("M", "F") and drawn in ("M", "F") and \
                    rec.sex != drawn and rec.family in ("", fam.id):
                found.append(f"{m} of family {fam.id} (pedigree {drawn}, AM record {rec.sex})")
    if found:
        warnings.warn(ForensicMatchWarning(
            f"{len(found)} missing persons have another sex in their AM record than in their "
            f"family's pedigree: the search keeps to the pedigree's and the evidence weighs "
            f"the record's, so that one of them is wrong and his own body may be named his "
            f"unregistered sibling; correct the one that is wrong: "
            + _first_five(found, "the AM records")), stacklevel=3)


def _pair_log10s(recs: Sequence[Mapping[str, Any]], evidence: Evidence,
                 bodies: Mapping[str, Body]) -> list[tuple[float, float, float, str]]:
    """Per proposal: (log10 DNA LR, log10 evidence LR, log10 place prior factor, the
    evidence in words). The search score (``log10_lr``) is log10 (LR_DNA x LR_evidence x
    place prior factor)."""
    from forensic_match.evidence.scoring import findings_for_bodies

    scores = evidence.scores([(r["family"], r["missing"]) for r in recs],
                             findings_for_bodies([bodies[r["pm"]] for r in recs],
                                                 evidence.findings))
    out = []
    for i, r in enumerate(recs):
        e = float(sum(scores.pieces(i, i).values()))
        f = scores.prior_log10(i, i)
        out.append((r["log10_lr"] - e - f, e, f, evidence.describe(scores, i, i)))
    return out


def _dna_led(new: list[dict[str, Any]], decision: Decision, evidence: Evidence,
             bodies: Mapping[str, Body], priors: Priors, threshold: float,
             flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hold back a proposal whose family the DNA alone does not carry: the body's DNA LRs
    with the family's candidates below ``W0 t / (1 - t)`` (``W0`` the open set's weight, ``t``
    the posterior threshold), the weight at which DNA alone would place the body in the
    family against the open set. The non-DNA evidence then decides whose family the body is,
    and findings of another body or another person's records would give a family a body the
    DNA does not point to (an outside check, 2026-12-06: DNA LRs of 0.0036 to 116 carried by
    an implant or a dental chart; ``docs/decisions.md``, "DNA-led"). The family's DNA weight:
    :func:`_family_dna`."""
    need = _dna_need(priors, threshold)
    keys = {(r["pm"], r["family"]) for r in new if r["rule"] != "direct reference"}
    if not keys:
        return new
    weight, split = _family_dna(keys, decision, evidence, bodies, priors)
    out = []
    for rec in new:
        key = (rec["pm"], rec["family"])
        if rec["rule"] == "direct reference" or weight[key] >= need:
            out.append(rec)
            continue
        d, e, _, words = split[(rec["pm"], rec["family"], rec["missing"])]
        _hold(flags, rec, (
            f"{_EVIDENCE_LED}: DNA LR {10.0 ** d:.3g} (the family's candidates together "
            f"{weight[key]:.3g}) alone would not place the body in family {rec['family']} "
            f"against the open set (it needs {need:.3g}); the posterior rests on the non-DNA "
            f"evidence (LR {10.0 ** min(e, 308.0):.3g}: {words}), which findings or records of "
            f"another person would make wrong; more DNA references, or a check that these "
            f"findings are this body's, must decide"))
    return out


def _dna_need(priors: Priors, threshold: float) -> float:
    """The DNA weight at which DNA alone would place a body in a family against the open
    set at posterior ``threshold``: ``W0 t / (1 - t)``, the bar of the DNA-led rule for
    proposals and family-level rows alike."""
    return priors.open_weight * threshold / (1.0 - threshold)


def _family_dna(keys: set[tuple[str, str]], decision: Decision, evidence: Evidence,
                bodies: Mapping[str, Body], priors: Priors,
                dna_only: Mapping[tuple[str, str], dict[str, float]] | None = None,
                relative_dna: Mapping[tuple[str, str], list[float]] | None = None,
                ) -> tuple[dict[tuple[str, str], float],
                           dict[tuple[str, str, str], tuple[float, float, float, str]]]:
    """The DNA weight of each (body, family) of ``keys``, and the split of the round's listed
    pairs behind it (:func:`_pair_log10s`, by (body, family, missing person)).

    The weight is the sum of the body's DNA LRs with the family's missing persons listed in
    the round (each pair's search score less its evidence and place prior parts; with
    ``dna_only``, ``{(body, family): {missing person: log10 DNA LR}}``, also those not
    listed) and, weighted as the priors weigh them, its listed relative alternatives: with
    ``relative_dna`` (``{(body, family): [log10 DNA LR]}``, :func:`_relative_dna`) their DNA
    LRs, else their scores each counted at most at the family's best registered DNA LR
    (their scores hold their relative models' evidence, not taken apart then)."""
    import polars as pl

    listed = [r for r in decision.pairs.filter(pl.col("pm").is_in([p for p, _ in keys]))
              .iter_rows(named=True) if (r["pm"], r["family"]) in keys]
    split = {(r["pm"], r["family"], r["missing"]): part
             for r, part in zip(listed, _pair_log10s(listed, evidence, bodies), strict=True)}
    dna: dict[tuple[str, str], dict[str, float]] = {key: {} for key in keys}
    for (pm, family, missing), (d, *_) in split.items():
        dna[(pm, family)][missing] = d
    for key, found in (dna_only or {}).items():
        for missing, d in found.items():
            dna[key].setdefault(missing, d)
    alts: dict[tuple[str, str], list[float]] = {}
    if relative_dna is None:
        for r in decision.alternatives.iter_rows(named=True):
            if (r["pm"], r["family"]) in keys:
                alts.setdefault((r["pm"], r["family"]), []).append(float(r["log10_lr"]))
    weight = {}
    for key in keys:
        cap = 308.0 if relative_dna is not None else max(dna[key].values(), default=-math.inf)
        found = alts.get(key, []) if relative_dna is None else relative_dna.get(key, [])
        weight[key] = sum(10.0 ** min(d, 308.0) for d in dna[key].values()) + \
            priors.relatives * sum(10.0 ** min(a, cap, 308.0) for a in found)
    return weight, split


def _relative_dna(keys: set[tuple[str, str]], decision: Decision, evidence: Evidence,
                  bodies: Mapping[str, Body], tables: _RelativeTables,
                  fam_by_id: Mapping[str, Family],
                  conditioned: dict[str, dict[str, PMSample]],
                  ) -> dict[tuple[str, str], list[float]]:
    """The DNA part of the decision's relative alternatives of each (body, family) of
    ``keys``: each alternative's score less its relative model's evidence, place prior and
    prior weight ``existence`` (``Evidence.relative_scores`` on the family as the last round
    extended it). The DNA part keeps the lineage and linked-SNP LRs the score holds."""
    from forensic_match.decide.alternatives import AlternativeSet
    from forensic_match.evidence.scoring import findings_for_bodies

    alts = [r for r in decision.alternatives.iter_rows(named=True)
            if (r["pm"], r["family"]) in keys]
    if not alts:
        return {}
    names: list[tuple[str, str]] = []
    sets: list[AlternativeSet] = []
    for fid in sorted({r["family"] for r in alts}):
        fam = _conditioned_family(fam_by_id[fid], conditioned)
        found = tables.tables(fam, _observations(conditioned, fid) or None)[0]
        if found:
            sets.append(AlternativeSet(tables.extended(fam), tuple(found)))
            names += [(fid, a.person) for a in found]
    row = {name: i for i, name in enumerate(names)}
    pms = sorted({r["pm"] for r in alts})
    col = {pm: j for j, pm in enumerate(pms)}
    scores = evidence.relative_scores(names, sets, findings_for_bodies(
        [bodies[pm] for pm in pms], evidence.findings))
    block = scores.block(np.arange(len(names), dtype=np.int64))
    out: dict[tuple[str, str], list[float]] = {}
    for r in alts:
        i = row.get((r["family"], r["person"]))
        if i is None:  # not one of the family's alternatives now: its DNA is not known
            continue
        out.setdefault((r["pm"], r["family"]), []).append(
            float(r["log10_lr"]) - float(block[i, col[r["pm"]]]))
    return out


def _dna_led_families(family_level: Any, decision: Decision, evidence: Evidence,
                      bodies: Mapping[str, Body], priors: Priors, threshold: float,
                      compiled: CompiledTables, rows_of: Mapping[str, list[int]],
                      sex_filter: bool, min_markers: int, relatives: _RelativeTables,
                      fam_by_id: Mapping[str, Family],
                      conditioned: dict[str, dict[str, PMSample]],
                      ) -> tuple[Any, list[dict[str, Any]]]:
    """The family-level rows whose family the DNA alone does not carry (the rule of
    :func:`_dna_led`), moved to held-back rows (``missing`` null, ``lr`` the row's best LR):
    a family placement, like an identification, is not made by non-DNA evidence. The
    family's DNA weight (:func:`_family_dna`) counts every one of its missing persons still
    in the search (``rows_of``: family -> active compiled rows), searched on DNA alone for
    the body, not only those the round listed, and its relative alternatives' DNA LRs
    (:func:`_relative_dna`): a family-level row often rests on a relative (an unregistered
    father or brother of the missing person)."""
    if family_level.height == 0:
        return family_level, []
    import polars as pl

    keys = set(zip(family_level["pm"].to_list(), family_level["family"].to_list()))
    wanted: dict[str, set[str]] = {}
    for pm, family in keys:
        wanted.setdefault(pm, set()).add(family)
    dna_only: dict[tuple[str, str], dict[str, float]] = {key: {} for key in keys}
    # A few bodies per search (each against its families' rows only; the pairs of a body
    # with another body's families are dropped): one search per body cost 7 ms a row.
    pms = sorted(wanted)
    for start in range(0, len(pms), FAMILY_LEVEL_CHUNK):
        chunk = pms[start:start + FAMILY_LEVEL_CHUNK]
        rows = np.array(sorted({r for pm in chunk for f in wanted[pm]
                                for r in rows_of.get(f, ())}), dtype=np.int64)
        if not rows.size:
            continue
        res = search_samples(compiled, [bodies[pm] for pm in chunk], top=int(rows.size),
                             threshold=-np.inf, sex_filter=sex_filter, min_markers=min_markers,
                             active=rows)
        for pm, family, missing, lr in zip(res.pairs["pm"].to_list(),
                                           res.pairs["family"].to_list(),
                                           res.pairs["missing"].to_list(),
                                           res.pairs["log10_lr"].to_list()):
            if (pm, family) in dna_only and lr == lr:
                dna_only[(pm, family)][missing] = float(lr)
    weight, _ = _family_dna(keys, decision, evidence, bodies, priors, dna_only,
                            _relative_dna(keys, decision, evidence, bodies, relatives,
                                          fam_by_id, conditioned))
    need = _dna_need(priors, threshold)
    keep, held = [], []
    for r in family_level.iter_rows(named=True):
        w = weight[(r["pm"], r["family"])]
        keep.append(w >= need)
        if w < need:
            held.append({"pm": r["pm"], "family": r["family"], "missing": None,
                         "lr": r["best_lr"], "held_back": (
                             f"{_EVIDENCE_LED}: the DNA LRs of the family's candidates together "
                             f"{w:.3g} alone would not place the body in family {r['family']} "
                             f"against the open set (it needs {need:.3g}); the family's "
                             f"posterior {posterior_text(r['posterior'])} rests on the non-DNA "
                             f"evidence, "
                             f"which findings or records of another person would make wrong; "
                             f"a further DNA reference of the family, or a reviewer's check "
                             f"that these findings are this body's, must decide; family "
                             f"level: {r['candidates']}")})
    if not held:
        return family_level, []
    return family_level.filter(pl.Series(keep, dtype=pl.Boolean)), held


#: Bodies searched together for the family-level DNA-led rule (:func:`_dna_led_families`).
FAMILY_LEVEL_CHUNK = 64

#: How a held-back proposal that the non-DNA evidence alone carries begins.
_EVIDENCE_LED = "evidence-led"


def _with_evidence(table: Any, evidence: Evidence, bodies: dict[str, Body]) -> Any:
    """The identifications with ``dna_lr``, ``evidence_lr`` and the evidence in words; the
    reason says how the LR splits."""
    import polars as pl

    recs = table.rows(named=True)
    dna, ev, text, reason, prior, lr = [], [], [], [], [], []
    for r, (d, e, f, words) in zip(recs, _pair_log10s(recs, evidence, bodies), strict=True):
        if r["rule"] == "direct reference":
            dna.append(r["lr"])
            ev.append(1.0)
            prior.append(1.0)
            lr.append(r["log10_lr"])
            text.append(f"not applied to a direct reference ({words})")
            reason.append(r["reason"])
            continue
        dna.append(10.0 ** min(d, 308.0))
        ev.append(10.0 ** min(e, 308.0))
        prior.append(10.0 ** min(f, 308.0))
        lr.append(d + e)
        text.append(words)
        reason.append(_split_lead(r, d + e, dna[-1], ev[-1], words))
    out = table.with_columns(pl.Series("reason", reason, dtype=pl.Utf8),
                             pl.Series("dna_lr", dna, dtype=pl.Float64),
                             pl.Series("evidence_lr", ev, dtype=pl.Float64),
                             pl.Series("evidence", text, dtype=pl.Utf8))
    if evidence.place is None:
        return out
    # With a place prior the decision weighed prior x LR: report the LR and the prior apart.
    return out.with_columns(pl.Series("log10_lr", lr, dtype=pl.Float64),
                            pl.Series("lr", [10.0 ** min(v, 308.0) for v in lr],
                                      dtype=pl.Float64),
                            pl.Series("place_prior", prior, dtype=pl.Float64))


def _split_lead(r: Mapping[str, Any], log10_lr: float, dna: float, ev: float,
                words: str) -> str:
    """The proposal's reason with its LR split where it is first stated: "LR 3.1e+07 = DNA
    LR 2.4e+03 over 23 markers x non-DNA evidence LR 1.3e+04 (sex 1.9, dental 1e+04)", so
    that no reader takes the whole LR for the markers' (the place prior, a prior, is named
    among the words, not in the LR)."""
    lead = f"LR {r['lr']:.3g} over {r['n_markers']} markers"
    split = (f"LR {10.0 ** min(log10_lr, 308.0):.3g} = DNA LR {dna:.3g} over "
             f"{r['n_markers']} markers x non-DNA evidence LR {ev:.3g} ({words})")
    if r["reason"].startswith(lead):
        return split + r["reason"][len(lead):]
    return f"{r['reason']}; {split}"


#: Candidates kept per body and per missing person in each round's search.
TOP = 5
#: A family's relatives are compiled and searched when one of its missing persons has a
#: candidate body with at least this log10 LR (weaker families cannot reach a decision).
RELATIVES_FROM_LOG10 = 1.0
#: The search of the relative alternatives lists, beside each body's :data:`TOP` best rows,
#: every row of log10 LR at least this (its ``pairs``): a family's weight for a body is the
#: sum of its rows listed either way (:func:`~forensic_match.decide.decisions.decide`), so
#: that a family with more than :data:`TOP` alternatives fitting a body alike (a typed
#: parent's father, sibling, child, ...) is not cut to its best five. Each row left out is
#: below LR 100 and counts for the open set instead (conservative). An outside check
#: (2026-12-07, fifth session) lost 20 right family-level rows to the cut.
RELATIVES_PAIRS_LOG10 = 2.0


class _Rounds:
    """One decision round: search the bodies left, search the relatives of the families in
    play, decide."""

    def __init__(self, compiled: CompiledTables, fam_by_id: dict[str, Family],
                 conditioned: dict[str, dict[str, PMSample]], relatives: _RelativeTables,
                 priors: Priors, panel: Sequence[Marker], *, sex_filter: bool,
                 min_markers: int, pairs_from: float, bodies: dict[str, Body],
                 evidence: Evidence | None = None, lineage: LineageData | None = None,
                 lineage_options: dict[str, Any] | None = None,
                 snp: SnpData | None = None, snp_options: dict[str, Any] | None = None,
                 night: NightSearches | None = None, row_ids: list[str] | None = None,
                 kin_rows: _RowsById | None = None,
                 kin_drawn: ReferenceKinMemo | None = None,
                 excluded: set[tuple[str, str, str]] | None = None) -> None:
        self.compiled, self.fam_by_id, self.conditioned = compiled, fam_by_id, conditioned
        self.excluded = excluded or set()
        self.night, self.row_ids = night, row_ids
        self.round_no = 0
        self.relatives, self.priors, self.panel = relatives, priors, panel
        self.sex_filter, self.min_markers = sex_filter, min_markers
        self.pairs_from, self.bodies = pairs_from, bodies
        self.evidence = evidence
        self.in_play: set[str] | None = None
        self.lineage, self.lineage_options = lineage, dict(lineage_options or {})
        from forensic_match.lineage.fast import LineageCache

        self.lineage_cache = LineageCache()
        self.snp, self.snp_options = snp, dict(snp_options or {})
        self.snp_cache: Any = None
        if snp is not None:
            from forensic_match.linked.scores import SnpCache

            self.snp_cache = SnpCache()
        self.kin_tables: Any = None
        # The last round's search of the references' relatives (DNA alone), for the next;
        # with ``night``, whether one was searched (the first from the last night's).
        self.kin_memo: _RelativeSearchMemo | None = None
        self.kin_searched = False
        self.kin_rows, self.kin_drawn = kin_rows, kin_drawn
        self.distant: dict[str, list[str]] = {}   # distant_references per family

    def snp_scores(self, rows: list[tuple[str, str]], families: Sequence[Family],
                   remaining: list[Body], also: Any) -> Any:
        """``also`` with the linked-SNP log10 LRs of ``rows`` against the bodies added (or
        ``also`` itself without SNP data). The SubstructureWarning was given once, by
        :func:`_prepare_snp`."""
        if self.snp is None:
            return also
        from forensic_match.linked.scores import SnpScores

        return SnpScores(rows, families, remaining, self.snp, also=also, cache=self.snp_cache,
                         warn=False, **self.snp_options)

    def snp_result(self, fid: str, mid: str, body: Body) -> Any:
        """The :class:`~forensic_match.linked.scores.SnpResult` of one identified pair."""
        scores = self.snp_scores([(fid, mid)], [self.fam_by_id[fid]], [body], None)
        return scores.result(0, 0)

    def snp_parameters(self) -> dict[str, Any]:
        """The SNP panel, map, fst, error model and options, and how many pairs were scored
        by each method (every round, relative alternatives included; screened-out pairs
        counted per row as in the round that screened out the most)."""
        out = self.snp_scores([], [], [], None).parameters()
        out["pairs_by_method"] = self.snp_cache.pairs_by_method()
        return out

    def lineage_scores(self, rows: list[tuple[str, str]], families: Sequence[Family],
                       remaining: list[Body], also: Any) -> Any:
        """``also`` with the lineage log10 LRs of ``rows`` against the bodies added (or
        ``also`` itself without lineage data)."""
        if self.lineage is None:
            return also
        from forensic_match.lineage.scores import LineageScores

        return LineageScores(rows, families, [_lineage_sample(b) for b in remaining],
                             self.lineage, also=also, cache=self.lineage_cache,
                             **self.lineage_options)

    def warn_lineage_exclusions(self, remaining: list[Body], rows: np.ndarray,
                                scout: SearchResult | None) -> None:
        """Warn about each body's best candidates by autosomal LR (``scout``'s, or a search
        of DNA alone) that lineage markers alone exclude though they would reach the pairs'
        threshold without the loci that exclude them
        (:func:`~forensic_match.lineage.scores.excluded_by_lineage`): such a pair is
        otherwise in no output."""
        from forensic_match.lineage.scores import excluded_by_lineage

        if scout is None:
            scout = search_samples(self.compiled, remaining, top=TOP, threshold=np.inf,
                                   sex_filter=self.sex_filter, min_markers=self.min_markers,
                                   active=rows)
        scores = self.lineage_scores(self.compiled.rows, list(self.fam_by_id.values()),
                                     remaining, None)
        excluded_by_lineage(scout.by_sample, scores, threshold=self.pairs_from)

    def lineage_log10(self, fid: str, mid: str, body: Body, fam_by_id: dict[str, Family]
                      ) -> float:
        """The lineage log10 LR of one identified pair (for the table)."""
        from forensic_match.lineage.lr import lineage_lr

        key = (fid, mid, body.id)
        results = self.lineage_cache.results
        if key not in results:
            assert self.lineage is not None
            results[key] = lineage_lr(_lineage_sample(body), fam_by_id[fid], mid,
                                      self.lineage, **self.lineage_options)
        return float(results[key].log10_lr)

    def decide(self, remaining: list[Body], active: np.ndarray,
               ) -> tuple[SearchResult, Decision]:
        rows = np.flatnonzero(active)
        scores, found = None, None
        if self.evidence is not None:
            from forensic_match.evidence.scoring import findings_for_bodies

            found = findings_for_bodies(remaining, self.evidence.findings)
            scores = self.evidence.scores(self.compiled.rows, found)
        scores = self.lineage_scores(self.compiled.rows, list(self.fam_by_id.values()),
                                     remaining, scores)
        scores = self.snp_scores(self.compiled.rows, list(self.fam_by_id.values()),
                                 remaining, scores)
        self.round_no += 1
        night = self.night if scores is None else None
        scout = None
        if self.in_play is None:
            # Families whose relatives may be among the bodies: found without the sex
            # filter too, since a woman's body can be the unregistered sister of a missing man.
            self.in_play = set()
            if self.priors.relatives > 0:
                scout_options = {"top": TOP, "threshold": np.inf, "sex_filter": False,
                                 "min_markers": self.min_markers, "active": rows}
                scout = search_samples(self.compiled, remaining, **scout_options) \
                    if night is None else \
                    night.search("scout", self.compiled, remaining, self.row_ids,
                                 **scout_options)
                self.in_play = _families_in_play(scout)
        options = {"top": TOP, "threshold": self.pairs_from, "sex_filter": self.sex_filter,
                   "min_markers": self.min_markers, "active": rows}
        if night is None:
            res = search_samples(self.compiled, remaining, evidence=scores, **options)
        elif self.round_no == 1:
            res = night.search("round", self.compiled, remaining, self.row_ids,
                               also=("_round",), **options)
        else:
            res = night.search("_round", self.compiled, remaining, self.row_ids,
                               kept=f"round.{self.round_no}", **options)
        if self.lineage is not None and self.round_no == 1:
            self.warn_lineage_exclusions(remaining, rows, scout)
        # With evidence, the scout above (DNA alone) and the combined scores both bring
        # families into play.
        self.in_play |= _families_in_play(res)
        alt_res, relations = _search_relatives(self.in_play, self.relatives, self.fam_by_id,
                                               self.conditioned, remaining, self.priors,
                                               self.sex_filter, self.min_markers,
                                               None if self.evidence is None or found is None
                                               else (self.evidence, found),
                                               rounds=self if self.lineage is not None
                                               or self.snp is not None else None,
                                               night=night, round_no=self.round_no)
        kin = self.lineage_kin(remaining) \
            if self.lineage is not None and self.priors.lineage_kin > 0 else None
        return res, decide(res, alt_res, relations, self.priors, lineage_kin=kin,
                           reference_kin=self.reference_kin(remaining),
                           excluded=self.excluded)

    def reference_kin(self, remaining: list[Body]) -> tuple[Any, Any] | None:
        """The bodies searched against the undrawn relatives of the references of the
        families in play (``docs/decisions.md``, "Relatives of a reference"), scored as the
        relative alternatives are (STR, lineage and linked SNPs on the extended family; AM/PM
        evidence aside: he has no AM record), with their relations: the relatives of each
        family's distant references
        (:func:`~forensic_match.decide.alternatives.distant_references`, whatever they are
        typed on) against every body, and with SNP data those of its other (close)
        SNP-typed references against the bodies scored on SNPs (typed at ``min_snps`` calls
        or more). ``None`` with weight 0 or when nobody is drawn. Without lineage and SNP
        data (DNA on STRs alone) a round searches only the rows of families whose state
        changed since the last round (:func:`_search_relatives_again`), or, with
        ``night``, what changed since the last night's and this night's earlier rounds
        (``NightSearches``; :data:`REUSE_REFERENCE_KIN_SEARCH`)."""
        if self.priors.reference_kin <= 0 or not self.in_play:
            return None
        from forensic_match.decide.alternatives import distant_references
        from forensic_match.dvi.reference_kin import ReferenceKinTables, stack_reference_kin
        from forensic_match.linked.scores import MIN_SNPS

        for fid in self.in_play - self.distant.keys():
            self.distant[fid] = distant_references(self.fam_by_id[fid])
        refs = {fid: set(self.distant[fid]) for fid in self.in_play}
        only = None
        if self.snp is not None:
            # the close SNP-typed references' relatives: against the bodies scored on SNPs
            least = int(self.snp_options.get("min_snps", MIN_SNPS))
            snp_pm = self.snp.pm
            allowed = np.array([b.id in snp_pm and int((snp_pm[b.id] >= 0).sum()) >= least
                                for b in remaining], dtype=bool)
            close = {fid: set(self.snp.references.get(fid, {})) - refs[fid]
                     for fid in self.in_play}
            for fid in self.in_play:
                refs[fid] |= close[fid]
            only = ({fid: c for fid, c in close.items() if c}, allowed)
        if not remaining:
            return None
        if self.kin_tables is None:
            self.kin_tables = ReferenceKinTables(self.panel, self.compiled.theta,
                                                 kept=self.kin_rows, memo=self.kin_drawn,
                                                 workers=self.relatives.workers,
                                                 lines=self.lineage is not None)
        families = [(_conditioned_family(self.fam_by_id[fid], self.conditioned),
                     sorted(refs[fid]), _observations(self.conditioned, fid) or None)
                    for fid in sorted(self.in_play) if refs[fid]]
        # DNA on STRs alone needs no extended families (nor draws them: docs/store.md).
        scores = None if self.snp is None and self.lineage is None else \
            (lambda rows, ext: self.snp_scores(rows, ext, remaining, self.lineage_scores(
                rows, ext, remaining, None)))
        self.kin_tables.prepare(families)       # compiled over the worker processes
        kin = stack_reference_kin(families, self.kin_tables, scores=scores, only=only)
        memo, self.kin_memo = self.kin_memo, None
        if kin.tables is None:
            return None
        options = {"top": TOP, "threshold": np.inf, "sex_filter": self.sex_filter,
                   "min_markers": self.min_markers}
        res = None
        if kin.evidence is None and REUSE_REFERENCE_KIN_SEARCH and self.night is not None:
            # The first round from the last night's search, later rounds from the round
            # before (this round's rows are kept for the next: a conditioned family's old
            # rows are its removed rows).
            ids: list[str] = []
            for fam, refs_of, observation in families:
                alts, sexes, rows = self.kin_tables.entry(fam, refs_of, observation)
                fam_ids = self.kin_tables.ids(fam, refs_of, observation)
                self.night.add_rows(fam_ids, [(fam.id, a.person) for a in alts], rows, sexes)
                ids += fam_ids
            first, self.kin_searched = not self.kin_searched, True
            res = self.night.search("reference_kin" if first else "_reference_kin",
                                    kin.tables, remaining, ids,
                                    also=("_reference_kin",) if first else (),
                                    kept=None if first else f"reference_kin.{self.round_no}",
                                    **options)
        elif kin.evidence is None and REUSE_REFERENCE_KIN_SEARCH:
            # DNA alone: the rows of families whose state is unchanged score every body as
            # they did last round; only the changed families' rows are searched.
            if memo is not None:
                res = _search_relatives_again(memo, kin.states, kin.tables, self.kin_tables,
                                              remaining, self.sex_filter, self.min_markers)
            if res is None:
                res = search_samples(kin.tables, remaining, **options)
            self.kin_memo = _RelativeSearchMemo(dict(kin.states), res)
        else:
            res = search_samples(kin.tables, remaining, evidence=kin.evidence, **options)
        return res, kin.relations

    def lineage_kin(self, remaining: list[Body]) -> dict[str, float]:
        """Per body, the weight of the unrecorded kinsmen of the families' lineages
        (``docs/decisions.md``, "Kinsmen of a lineage"): one kinsman per family, whose
        lineage LR is the largest among the family's members compared with the body on a
        line (its missing persons and relative alternatives, in any round so far); summed
        over the families. A family with no line compared adds nothing (its kinsmen are in
        the open set)."""
        ids = [b.id for b in remaining]
        return dict(zip(ids, self.lineage_cache.kin_weights(ids).tolist(), strict=True))


def _prepare_snp(snp: SnpData, families: Sequence[Family], bodies: Sequence[Body],
                 options: dict[str, Any] | None) -> SnpData:
    """The SNP data checked against the families, its PM calls keyed by body, and the
    SubstructureWarning (given here once, not in every round)."""
    from forensic_match.linked.scores import SnpScores

    snp.check(families)
    snp = snp.for_bodies(bodies)
    rows = [(f.id, m) for f in families for m in f.missing]
    SnpScores(rows, families, [], snp, **dict(options or {}))
    return snp


def _lineage_sample(body: Body) -> PMSample:
    """The body as one sample for lineage markers: the first Y haplotype and the first
    mitotype among its fragments (fragments of one body share them)."""
    from forensic_match.lineage.data import pm_mitotype, pm_y_haplotype

    y = next((h for f in body.fragments if (h := pm_y_haplotype(f)) is not None), None)
    mt = next((m for f in body.fragments if (m := pm_mitotype(f)) is not None), None)
    return dataclasses.replace(body.best, id=body.id, ystr=y, mtdna=mt)


def _warn_theta_fallback(compiled: CompiledTables) -> None:
    """One :class:`ThetaFallbackWarning` naming the families compiled without their theta."""
    if compiled.theta <= 0:
        return
    fallen = sorted({compiled.rows[r][0] for r in np.flatnonzero(compiled.row_theta
                                                               < compiled.theta)})
    if fallen:
        shown = ", ".join(fallen[:10]) + (f" and {len(fallen) - 10} more" if len(fallen) > 10
                                          else "")
        warnings.warn(f"theta {compiled.theta:g}: in {len(fallen)} families the exact "
                      f"correction of some markers would exceed the engine's limits; those "
                      f"markers are compiled with theta 0 and the rows say theta 0: {shown}",
                      ThetaFallbackWarning,
                      stacklevel=3)


def _relatives_cache(cache: str | Path | None) -> Path | None:
    """The file of the relative alternatives' tables that goes with ``cache``."""
    if cache is None:
        return None
    cache = Path(cache)
    return cache.with_name(cache.name.removesuffix(".npz") + ".relatives.npz")


def _alternatives_cache(cache: str | Path) -> Path:
    """The file of the relative alternatives' memo (per family content, its alternatives
    and their row keys) that goes with ``cache``."""
    cache = Path(cache)
    return cache.with_name(cache.name.removesuffix(".npz") + ".alternatives.npz")


def _conditioned_cache(cache: str | Path) -> Path:
    """The file of rows compiled on families conditioned on identified bodies (their
    missing persons' and their relative alternatives') that goes with ``cache``."""
    cache = Path(cache)
    return cache.with_name(cache.name.removesuffix(".npz") + ".conditioned.npz")


def _family_checks_cache(cache: str | Path) -> Path:
    """The file of the family checks' memo (per family content, its rows:
    :func:`~forensic_match.dvi.family_check.check_families`) that goes with ``cache``."""
    cache = Path(cache)
    return cache.with_name(cache.name.removesuffix(".npz") + ".family_checks.npz")


def _living_cache(cache: str | Path) -> Path:
    """The file of the living relatives' same-source memo that goes with ``cache``."""
    cache = Path(cache)
    return cache.with_name(cache.name.removesuffix(".npz") + ".living.npz")


def _reference_kin_cache(cache: str | Path) -> Path:
    """The file of the references' relatives' rows (by id: :meth:`~forensic_match.dvi.
    reference_kin.ReferenceKinTables.ids`) that goes with ``cache``."""
    cache = Path(cache)
    return cache.with_name(cache.name.removesuffix(".npz") + ".reference_kin.npz")


def _reference_kin_memo_cache(cache: str | Path) -> Path:
    """The file of the references' relatives' memo (per family content, its references'
    relatives and their row ids: :mod:`~forensic_match.dvi.reference_kin_memo`) that goes
    with ``cache``."""
    cache = Path(cache)
    return cache.with_name(cache.name.removesuffix(".npz") + ".reference_kin_memo.npz")


def _save_kin_memo(path: Path, tables: ReferenceKinTables | None) -> None:
    """Keep the references' relatives' memo for the next identification (none when no
    family's were drawn: their rows' file is gone too)."""
    from forensic_match.dvi.reference_kin_memo import save_reference_kin_memo

    if tables is None:
        path.unlink(missing_ok=True)
    else:
        save_reference_kin_memo(path, tables.memo_now())


class _RowsById:
    """Rows by id (a hash of everything each is compiled from), from an earlier
    identification's file (``reuse``, used only on the same panel and theta) and this
    one's; :meth:`save` writes the rows this one used. Two such files: the rows compiled on
    families conditioned on identified bodies (:func:`_conditioned_id`,
    :meth:`_RelativeTables._conditioned_ids`), and the references' relatives' rows
    (:meth:`~forensic_match.dvi.reference_kin.ReferenceKinTables.ids`). Each is kept as
    pieces and an index (:func:`~forensic_match.dvi.table_parts.save_parted`): the rows
    taken from ``reuse`` (and handed back to :meth:`keep` as taken) are referenced in its
    pieces, only the others are written."""

    def __init__(self, panel: Sequence[Marker], theta: float,
                 reuse: CompiledTables | None) -> None:
        from forensic_match.markers import markers_digest

        self.panel, self.theta = tuple(panel), theta
        self.rows: dict[str, tuple[tuple[str, str], Any, str]] = {}
        self.used: list[str] = []
        self.reuse = reuse if reuse is not None and reuse.theta == theta and \
            len(reuse.keys) == len(reuse.rows) and \
            markers_digest(reuse.markers) == markers_digest(self.panel) else None
        self.index = {k: r for r, k in enumerate(self.reuse.keys)} \
            if self.reuse is not None else {}
        # The rows :meth:`take` gave from ``reuse``: id -> (its row there, the row given).
        self._taken: dict[str, tuple[int, CompiledRow]] = {}

    def has(self, ids: list[str]) -> bool:
        """Whether :meth:`take` would give the rows of ``ids`` (nothing taken)."""
        return all(i in self.rows or (self.reuse is not None and i in self.index)
                   for i in ids)

    def take(self, ids: list[str]) -> list[CompiledRow] | None:
        """The rows of ``ids`` if all were compiled before, else ``None``."""
        out = []
        taken = {}
        for i in ids:
            if i in self.rows:
                out.append(self.row(i))
            elif i in self.index and self.reuse is not None:
                row = self.reuse.row(self.index[i])
                taken[i] = (self.index[i], row)
                out.append(row)
            else:
                return None
        self._taken.update(taken)
        return out

    def row(self, i: str) -> CompiledRow:
        """The row of a kept id."""
        where = self.rows[i][1]
        if isinstance(where, CompiledRow):
            return where
        table, r = where
        return table.row(r)

    def keep(self, ids: list[str], names: list[tuple[str, str]], rows: Sequence[CompiledRow],
             sexes: list[str]) -> None:
        for i, name, row, sex in zip(ids, names, rows, sexes):
            if i not in self.rows:
                # A row given by :meth:`take` from ``reuse`` (the same object) is kept as
                # where it is there, so that :meth:`save` does not write it again.
                taken = self._taken.get(i)
                where: Any = (self.reuse, taken[0]) if taken is not None and \
                    taken[1] is row else row
                self.rows[i] = (name, where, sex)
                self.used.append(i)

    def save(self, path: Path) -> None:
        from forensic_match.dvi.table_parts import remove_parted, save_parted

        if not self.used:
            remove_parted(path)
            return
        parts = [self.rows[i] for i in self.used]
        save_parted(path, self.panel, [p[1] for p in parts], [p[0] for p in parts],
                    [p[2] for p in parts], list(self.used), self.theta, previous=self.reuse)


def _load_cache(path: str | Path | None) -> Any:
    """Tables saved by an earlier run (``CompiledTables``, or ``PartedTables`` for tables
    kept as pieces: :mod:`~forensic_match.dvi.table_parts`), or ``None`` (absent, or
    unreadable, a piece missing or damaged: then a
    :class:`~forensic_match.errors.CacheWarning` and everything is compiled again; the
    cache holds only what can be recomputed)."""
    from forensic_match.dvi.table_parts import load_tables

    if path is None or not Path(path).exists():
        return None
    try:
        return load_tables(path)
    except Exception as exc:  # noqa: BLE001 - any damage to a derived file means recompiling
        warnings.warn(f"file {str(path)!r}: compiled tables could not be read "
                      f"({type(exc).__name__}: {exc}); compiling again", CacheWarning,
                      stacklevel=3)
        return None


def _state_key(family: Family) -> tuple[str, tuple[str, ...]]:
    """A family's state for its relative alternatives: its id and who is typed in it (a
    conditioned family gains the identified bodies as typed members)."""
    return family.id, tuple(sorted(family.genotypes))


class _RelativeTables:
    """Compiled tables of families' relative alternatives, cached by family state (in
    memory for one identification; with ``reuse``, rows of an earlier run whose
    :func:`~forensic_match.dvi.compile.row_key` still matches are copied, not compiled; with
    ``memo`` too, a family whose content the memo holds takes its alternatives and their
    rows from it and ``reuse`` without drawing or hashing them again:
    :mod:`~forensic_match.dvi.alternatives_memo`)."""

    def __init__(self, panel: Sequence[Marker], workers: int = 1, theta: float = 0.0, *,
                 reuse: CompiledTables | None = None,
                 memo: AlternativesMemo | None = None) -> None:
        from forensic_match.markers import markers_digest

        self.panel = tuple(panel)
        self.panel_digest = markers_digest(self.panel)
        self.workers, self.theta = workers, theta
        self.reuse = reuse
        self.memo = memo
        self.kept: dict[str, list[Entry]] = {}
        # Rows taken from ``reuse``: (name, row of reuse, sex, key).
        self.taken: list[tuple[tuple[str, str], int, str, str]] = []
        self._reuse_rows: dict[str, int] | None = None
        self.cache: dict[tuple[str, tuple[str, ...]], tuple[Any, ...]] = {}
        # Beside each cache entry, where its rows are (:meth:`picks`).
        self.sources: dict[tuple[str, tuple[str, ...]], list[Any]] = {}
        self.search_memo: _RelativeSearchMemo | None = None
        self.conditioned: _RowsById | None = None
        self.parts: list[CompiledTables] = []
        self.families: set[str] = set()
        self.compiled_families: set[str] = set()

    def save(self, path: str | Path | None, memo_path: str | Path | None = None) -> None:
        """Write the rows prepared in this identification, and the earlier run's rows of the
        families not prepared now (same panel and theta), for the next run's ``reuse``;
        with ``memo_path`` and a memo, the alternatives of the families whose rows are
        written there."""
        from forensic_match.dvi.alternatives_memo import save_alternatives_memo
        from forensic_match.dvi.table_parts import save_parted
        from forensic_match.markers import markers_digest

        if path is None:
            return
        names: list[tuple[str, str]] = []
        picks: list[tuple[CompiledTables, int]] = []
        sexes: list[str] = []
        keys: list[str] = []
        seen: set[str] = set()

        def add(name: tuple[str, str], table: CompiledTables, r: int, sex: str,
                key: str) -> None:
            if key not in seen:
                seen.add(key)
                names.append(name)
                picks.append((table, r))
                sexes.append(sex)
                keys.append(key)

        now = {name[0] for part in self.parts for name in part.rows} | \
            {name[0] for name, *_ in self.taken}
        for part in self.parts:
            for r, (name, key) in enumerate(zip(part.rows, part.keys)):
                add(name, part, r, part.sex[r], key)
        old = self.reuse
        for name, r, sex, key in self.taken:
            assert old is not None
            add(name, old, r, sex, key)
        if old is not None and old.theta == self.theta and old.keys and \
                markers_digest(old.markers) == self.panel_digest:
            for r, (name, key) in enumerate(zip(old.rows, old.keys)):
                if name[0] not in now:
                    add(name, old, r, old.sex[r], key)
        if not picks:
            return
        # Only the rows not already in the file's pieces are written (docs/store.md).
        save_parted(path, self.panel, picks, names, sexes, keys, self.theta,
                    previous=self.reuse)
        if memo_path is not None and self.memo is not None:
            # This identification's families, and the earlier memo's whose rows are kept.
            entries = {d: e for d, e in self.memo.entries.items()
                       if all(x[4] in seen for x in e)}
            entries.update(self.kept)
            save_alternatives_memo(memo_path, AlternativesMemo(entries))

    def _take(self, family: Family) -> tuple[Any, ...] | None:
        """The cache entry of ``family`` from the memo and ``reuse``, or ``None`` when the
        memo does not hold its content or a row is not in ``reuse``."""
        from forensic_match.decide.alternatives import Alternative
        from forensic_match.dvi.alternatives_memo import family_digest

        reuse = self.reuse
        if self.memo is None or reuse is None or reuse.theta != self.theta or \
                len(reuse.keys) != len(reuse.rows):
            return None
        digest = family_digest(family, self.panel_digest, self.theta)
        entries = self.memo.entries.get(digest)
        if entries is None:
            return None
        if self._reuse_rows is None:
            self._reuse_rows = {k: r for r, k in enumerate(reuse.keys)}
        at = [self._reuse_rows.get(e[4]) for e in entries]
        if any(r is None for r in at):
            return None
        rows = [reuse.row(r) for r in at if r is not None]
        alts = [Alternative(family.id, e[0], e[1], e[2]) for e in entries]
        self.kept[digest] = entries
        for e, r in zip(entries, at):
            assert r is not None
            self.taken.append(((family.id, e[0]), r, e[3], e[4]))
        if entries:
            self.families.add(family.id)
        self.sources[_state_key(family)] = [(reuse, r) for r in at]
        return (tuple(alts), [e[3] for e in entries], rows, None, [e[4] for e in entries])

    def prepare(self, families: Sequence[Family]) -> None:
        """Compile the alternatives of every family not cached yet, in one batch over the
        worker processes (families conditioned on degraded bodies go through
        :meth:`tables`, which carries their observation models)."""
        from forensic_match.dvi.alternatives_memo import family_digest

        todo = {}
        for f in families:
            key = _state_key(f)
            if key in self.cache:
                continue
            entry = self._take(f)
            if entry is not None:
                self.cache[key] = entry
            else:
                todo[key] = (f, relative_alternatives(f))
        if not todo:
            return
        ext = [alts.family for _, alts in todo.values() if alts.alternatives]
        compiled = compile_families(ext, self.panel, workers=self.workers, theta=self.theta,
                                    reuse=self.reuse) if ext else None
        if compiled is not None:
            self.parts.append(compiled)
            self.families.update(f.id for f in ext)
            self.compiled_families.update(compiled.compiled_families)
        r = 0
        for key, (fam, alts) in todo.items():
            rows, ids, picks = [], [], []
            for _ in alts.alternatives:
                assert compiled is not None
                rows.append(compiled.row(r))
                ids.append(compiled.keys[r])
                picks.append((compiled, r))
                r += 1
            sexes = [alts.family.pedigree.sex_of(a.person) for a in alts.alternatives]
            self.cache[key] = (alts.alternatives, sexes, rows, alts.family, ids)
            self.sources[key] = picks
            if self.memo is not None:
                self.kept[family_digest(fam, self.panel_digest, self.theta)] = [
                    (a.person, a.relation, a.drawn, sx, i)
                    for a, sx, i in zip(alts.alternatives, sexes, ids)]

    def tables(self, family: Family, observation: dict[str, Any] | None,
               ) -> tuple[Any, ...]:
        key = _state_key(family)
        if key not in self.cache:
            alts = relative_alternatives(family)
            ext = alts.family
            persons = [a.person for a in alts.alternatives]
            sexes = [ext.pedigree.sex_of(p) for p in persons]
            ids = self._conditioned_ids(ext, persons, observation) \
                if self.conditioned is not None else None
            rows = None if ids is None else self.conditioned.take(ids)
            if rows is None:
                rows = compile_rows(ext, persons, self.panel, theta=self.theta,
                                    observation=observation)
            else:
                warn_kept_fallback(ext, persons, self.panel, rows, theta=self.theta,
                                   observation=observation)
            if ids is not None:
                self.conditioned.keep(ids, [(family.id, p) for p in persons], rows, sexes)
            self.cache[key] = (alts.alternatives, sexes, rows, ext, ids)
            self.sources[key] = list(rows)
        return self.cache[key][:3]

    def stacked(self, states: Sequence[tuple[str, tuple[str, ...]]]) -> CompiledTables | None:
        """The rows of the family states ``states`` (:func:`_state_key`, prepared before),
        stacked in that order; ``None`` when they have none."""
        names: list[tuple[str, str]] = []
        rows: list[Any] = []
        sexes: list[str] = []
        for key in states:
            alts, sex, fam_rows = self.cache[key][:3]
            names += [(key[0], a.person) for a in alts]
            rows += list(fam_rows)
            sexes += list(sex)
        return CompiledTables.stack(self.panel, names, rows, sexes, self.theta) if rows \
            else None

    def picks(self, family: Family) -> list[Any]:
        """Where the family's alternatives' rows are (after :meth:`tables`), for
        :meth:`CompiledTables.gather`: ``(tables, row)`` for a row of compiled or reused
        tables, the row itself for one compiled alone."""
        return list(self.sources[_state_key(family)])

    def _conditioned_ids(self, ext: Family, persons: list[str],
                         observation: dict[str, Any] | None) -> list[str]:
        """Ids of rows compiled by :meth:`tables`: the row key of the extended family and
        person, and the observation models of its degraded members."""
        from forensic_match.dvi.compile import observed_row_keys

        return observed_row_keys(ext, persons, self.panel_digest, self.theta, observation)

    def ids(self, family: Family, observation: dict[str, Any] | None) -> list[str]:
        """Ids of the family's alternatives' rows (after :meth:`tables`): their row keys,
        or, for rows compiled by :meth:`tables`, keys that hash the observation models
        too."""
        entry = self.cache[_state_key(family)]
        if entry[4] is None:
            ids = self._conditioned_ids(entry[3], [a.person for a in entry[0]], observation)
            self.cache[_state_key(family)] = (*entry[:4], ids)
            return ids
        return list(entry[4])

    def extended(self, family: Family) -> Family:
        """The family extended by its alternatives (after :meth:`tables`; drawn now for a
        family taken from the memo)."""
        entry = self.cache[_state_key(family)]
        if entry[3] is None:
            entry = (*entry[:3], relative_alternatives(family).family, entry[4])
            self.cache[_state_key(family)] = entry
        return entry[3]


def _families_in_play(res: SearchResult) -> set[str]:
    """Families with a candidate body of log10 LR >= :data:`RELATIVES_FROM_LOG10`."""
    import polars as pl

    strong = pl.concat([res.by_sample.select("family", "log10_lr"),
                        res.by_missing.select("family", "log10_lr")]) \
        .filter(pl.col("log10_lr") >= RELATIVES_FROM_LOG10)
    return set(strong["family"].to_list())


def _search_relatives(in_play: set[str], tables: _RelativeTables,
                      fam_by_id: dict[str, Family],
                      conditioned: dict[str, dict[str, PMSample]], remaining: list[Body],
                      priors: Priors, sex_filter: bool, min_markers: int,
                      evidence: tuple[Evidence, list[PMFindings | None]] | None = None,
                      rounds: _Rounds | None = None, night: NightSearches | None = None,
                      round_no: int = 1,
                      ) -> tuple[SearchResult | None, dict[tuple[str, str], str]]:
    """Search the bodies against the relative alternatives of the families in play; with
    ``evidence`` (and the bodies' findings) each relative's score adds his relative model's
    evidence and prior weight (``Evidence.relative_scores``); with ``rounds`` (which hold
    lineage data or SNP data) his lineage and linked-SNP LRs on the family extended by him;
    with ``night`` the first search reuses an earlier identification's (``search_memos``),
    a later one the round before or the same round (``round_no``) of the earlier
    identification, whichever leaves less to search."""
    if priors.relatives <= 0:
        return None, {}
    names: list[tuple[str, str]] = []
    sexes: list[str] = []
    parts: list[CompiledRow] = []
    relations: dict[tuple[str, str], str] = {}
    sets: list[AlternativeSet] = []
    tables.prepare([_conditioned_family(fam_by_id[fid], conditioned) for fid in sorted(in_play)
                    if not _observations(conditioned, fid)])
    keys: dict[str, tuple[str, tuple[str, ...]]] = {}
    row_ids: list[str] = []
    picks: list[Any] = []
    for fid in sorted(in_play):
        fam = _conditioned_family(fam_by_id[fid], conditioned)
        keys[fid] = _state_key(fam)
        alts, sex, rows = tables.tables(fam, _observations(conditioned, fid) or None)
        if night is not None:
            row_ids += tables.ids(fam, _observations(conditioned, fid) or None)
        picks += tables.picks(fam)
        if alts and (evidence is not None or rounds is not None):
            sets.append(AlternativeSet(tables.extended(fam), tuple(alts)))
        for a, sx, row in zip(alts, sex, rows):
            names.append((fid, a.person))
            sexes.append(sx)
            parts.append(row)
            relations[(fid, a.person)] = a.relation
    if not parts:
        return None, relations
    # Left in the tables the rows came from: a search reads the rows it needs, block by
    # block (a night that reuses the last night's search reads few or none).
    stacked = PickedTables(tables.panel, names, picks, sexes, tables.theta)
    if evidence is None and rounds is None and REUSE_RELATIVE_SEARCH:
        memo = tables.search_memo
        if night is not None:
            # The first round from the last night's search, later rounds from the round
            # before (the rows of this round are kept for the next: conditioned families'
            # old rows are its removed rows).
            night.add_rows(row_ids, names, parts, sexes)
            first = memo is None
            res = night.search("relatives" if first else "_relatives", stacked, remaining,
                               row_ids, also=("_relatives",) if first else (),
                               kept=None if first else f"relatives.{round_no}", top=TOP,
                               threshold=RELATIVES_PAIRS_LOG10, sex_filter=sex_filter,
                               min_markers=min_markers)
        else:
            res = _search_relatives_again(memo, keys, stacked, tables, remaining, sex_filter,
                                          min_markers, threshold=RELATIVES_PAIRS_LOG10) \
                if memo is not None else None
        if res is None:
            res = search_samples(stacked, remaining, top=TOP, threshold=RELATIVES_PAIRS_LOG10,
                                 sex_filter=sex_filter, min_markers=min_markers)
        tables.search_memo = _RelativeSearchMemo(keys, res)
        return res, relations
    scores = None if evidence is None else \
        evidence[0].relative_scores(stacked.rows, sets, evidence[1])
    if rounds is not None:  # each adds nothing without its data
        extended = [a.family for a in sets]
        scores = rounds.snp_scores(stacked.rows, extended, remaining, rounds.lineage_scores(
            stacked.rows, extended, remaining, scores))
    return search_samples(stacked, remaining, top=TOP, threshold=RELATIVES_PAIRS_LOG10,
                          sex_filter=sex_filter, min_markers=min_markers,
                          evidence=scores), relations


#: Reuse the previous round's search of the relative alternatives for the families whose
#: state did not change (``_search_relatives_again``); ``False`` searches every row every
#: round (the reference the reuse is tested against).
REUSE_RELATIVE_SEARCH = True
#: The same for the search of the references' relatives (``_Rounds.reference_kin``).
REUSE_REFERENCE_KIN_SEARCH = True


@dataclass
class _RelativeSearchMemo:
    """The last round's search of a kind of alternatives (the relative alternatives, or the
    references' relatives): each in-play family's state key and the result (per body: LR
    sum over every row, best rows)."""

    keys: Mapping[str, Hashable]
    result: SearchResult


class _StackedStates(Protocol):
    """Tables of alternatives cached by family state (:class:`_RelativeTables`,
    :class:`~forensic_match.dvi.reference_kin.ReferenceKinTables`)."""

    def stacked(self, states: Any) -> CompiledTables | None: ...


def _search_relatives_again(memo: _RelativeSearchMemo, keys: Mapping[str, Hashable],
                            stacked: CompiledTables, tables: _StackedStates,
                            remaining: list[Body], sex_filter: bool, min_markers: int,
                            threshold: float = np.inf) -> SearchResult | None:
    """This round's search of a kind of alternatives (rows ``stacked``, family by family, of
    the families of ``keys``, whose state keys they are) from the last round's, searching
    only the rows of families whose state changed (conditioned on a body since, or new in
    play); ``tables`` gives the changed families' last rows (:meth:`_RelativeTables.stacked`
    for the relative alternatives, ``ReferenceKinTables.stacked`` for the references'
    relatives). Only for searches without evidence scores (DNA alone).

    Per body, ``LR sum = last sum - the changed families' old rows + their new rows``. The
    subtraction is exact to rounding while the removed part is at most half the last sum;
    a body where it is more, or whose last best rows held a changed family's row, is searched
    again against every unchanged row (so its best rows are exact too). The pairs at or
    above ``threshold`` (the search's): the last round's of unchanged families and bodies
    not searched again, and those of the new searches. Returns ``None`` (search everything)
    when nothing can be reused."""
    import polars as pl

    changed = {fid for fid, k in keys.items() if memo.keys.get(fid) != k}
    removed = {fid for fid in changed if fid in memo.keys}
    if len(changed) == len(keys):
        return None
    row_family = np.array([r[0] for r in stacked.rows], dtype=object)
    is_changed = np.isin(row_family, list(changed))
    opts = {"top": TOP, "threshold": threshold, "sex_filter": sex_filter,
            "min_markers": min_markers}
    frames, pair_frames = [], []
    new_sum = {p: 0.0 for p in (b.id for b in remaining)}
    if is_changed.any():
        new = search_samples(stacked, remaining, active=np.flatnonzero(is_changed), **opts)
        new_sum = dict(zip(new.samples["pm"].to_list(), new.samples["lr_sum"].to_list()))
        frames.append(new.by_sample)
        pair_frames.append(new.pairs)
    old_sum = {p: 0.0 for p in new_sum}
    old_tables = tables.stacked([memo.keys[fid] for fid in sorted(removed)]) if removed \
        else None
    if old_tables is not None:
        old = search_samples(old_tables, remaining, **opts)
        old_sum = dict(zip(old.samples["pm"].to_list(), old.samples["lr_sum"].to_list()))
    last = memo.result
    last_sum = dict(zip(last.samples["pm"].to_list(), last.samples["lr_sum"].to_list()))
    hit = set(last.by_sample.filter(pl.col("family").is_in(list(removed)))["pm"].to_list())
    total: dict[str, float] = {}
    redo = []
    for body in remaining:
        p = body.id
        before, gone = last_sum.get(p), old_sum[p]
        if before is None or p in hit or not (math.isfinite(before) and math.isfinite(gone)) \
                or gone > 0.5 * before:
            redo.append(body)
        else:
            total[p] = before - gone + new_sum[p]
    reused = [b.id for b in remaining if b.id in total]  # bodies not searched again
    kept = last.by_sample.filter(pl.col("pm").is_in(reused))
    frames.append(kept)
    if redo:
        same = search_samples(stacked, redo, active=np.flatnonzero(~is_changed), **opts)
        for p, v in zip(same.samples["pm"].to_list(), same.samples["lr_sum"].to_list()):
            total[p] = v + new_sum[p]
        frames.append(same.by_sample)
        pair_frames.append(same.pairs)
    pair_frames.append(last.pairs.filter(
        pl.col("pm").is_in(reused) &
        pl.col("family").is_in([fid for fid in keys if fid not in changed])))
    pairs = pl.concat([f.select(last.pairs.columns) for f in pair_frames]) \
        .sort(["log10_lr", "pm", "family", "missing"], descending=[True, False, False, False])
    # The best rows per body, ties broken by row order as the full search breaks them.
    order = {name: r for r, name in enumerate(stacked.rows)}
    cols = last.by_sample.columns
    merged = pl.concat([f.select(cols) for f in frames])
    merged = merged.with_columns(pl.Series("_row", [
        order[(f, m)] for f, m in zip(merged["family"].to_list(), merged["missing"].to_list())]))
    by_sample = merged.sort(["pm", "log10_lr", "_row"], descending=[False, True, False]) \
        .group_by("pm", maintain_order=True).head(TOP) \
        .with_columns(pl.col("log10_lr").rank("ordinal", descending=True).over("pm")
                      .cast(pl.Int64).alias("rank")).drop("_row").sort(["pm", "rank"])
    typed = dict(zip(last.samples["pm"].to_list(), last.samples["n_typed"].to_list()))
    ids = [b.id for b in remaining]
    samples = pl.DataFrame({"pm": ids, "lr_sum": [total[p] for p in ids],
                            "n_typed": [typed.get(p, 0) for p in ids]},
                           schema=last.samples.schema)
    empty = last.by_missing.clear()
    return SearchResult(by_sample, empty, pairs, samples,
                        dict(last.parameters, reused=True, rows=len(stacked.rows)))


def _proposals(decision: Decision, res: SearchResult, round_no: int, posterior_threshold: float,
               undisputed: tuple[float, float] | None) -> list[dict[str, Any]]:
    """Pairs whose joint posterior reaches the threshold (and, if asked, dvir's rule)."""
    import polars as pl

    pairs = decision.pairs
    sure = pairs.filter(pl.col("posterior") >= posterior_threshold) \
        .sort("posterior", descending=True, maintain_order=True)
    if sure.height == 0:
        return []
    best_alt: dict[tuple[str, str], tuple[str, float]] = {}
    # the best alternative of each pair; of equal LRs the first relation in words, so that
    # the one named does not depend on the order of the input
    for r in decision.alternatives.sort(["lr", "relation"], descending=[True, False],
                                        maintain_order=True).iter_rows(named=True):
        best_alt.setdefault((r["pm"], r["family"]), (r["relation"], r["lr"]))
    out = []
    taken_pm: set[str] = set()
    taken_mp: set[tuple[str, str]] = set()
    for r in sure.iter_rows(named=True):
        key = (r["family"], r["missing"])
        if r["pm"] in taken_pm or key in taken_mp:
            continue
        row = pairs.filter((pl.col("pm") == r["pm"]) & ((pl.col("family") != r["family"]) |
                                                       (pl.col("missing") != r["missing"])))
        col = pairs.filter((pl.col("family") == r["family"]) &
                           (pl.col("missing") == r["missing"]) & (pl.col("pm") != r["pm"]))
        second = max(row["lr"].max() or 0.0, col["lr"].max() or 0.0)
        if undisputed is not None:
            t, m = undisputed
            if not (r["lr"] >= t and r["lr"] >= m * second):
                continue
        alt, alt_lr = best_alt.get((r["pm"], r["family"]), ("", 0.0))
        kind = "undisputed" if undisputed is not None else "posterior"
        out.append({"pm": r["pm"], "family": r["family"], "missing": r["missing"],
                    "lr": r["lr"], "log10_lr": r["log10_lr"], "posterior": r["posterior"],
                    "rule": kind if round_no == 1 else f"{kind} after conditioning",
                    "round": round_no, "n_markers": r["n_markers"],
                    "n_inconsistent": r["n_inconsistent"], "second_lr": float(second),
                    "alternative": alt, "alternative_lr": float(alt_lr)})
        taken_pm.add(r["pm"])
        taken_mp.add(key)
    return out


def _conditioned_family(fam: Family, conditioned: dict[str, dict[str, PMSample]],
                        skip: str | None = None) -> Family:
    extra = {m: s.genotypes for m, s in conditioned.get(fam.id, {}).items() if m != skip}
    if not extra:
        return fam
    return dataclasses.replace(fam, genotypes={**fam.genotypes, **extra})


def _observations(conditioned: dict[str, dict[str, PMSample]], fid: str,
                  skip: str | None = None) -> dict[str, Observation]:
    """Observation models of the degraded bodies family ``fid`` is conditioned on (all but
    ``skip``): their single-allele calls must not read as homozygotes."""
    return {m: Observation(dropout=b.dropout) for m, b in conditioned.get(fid, {}).items()
            if m != skip and b.dropout > 0}


def _recondition(compiled: CompiledTables, fam_by_id: dict[str, Family],
                 conditioned: dict[str, dict[str, PMSample]], touched: set[str],
                 row_of: dict[tuple[str, str], int], active: np.ndarray,
                 panel: Sequence[Marker], *, night: NightSearches | None = None,
                 row_ids: list[str] | None = None, store: _RowsById | None = None,
                 ) -> None:
    """Recompile the still-missing persons of families that gained an identified member
    (with ``night``, the replaced rows are kept for it and ``row_ids`` updated: the new id
    hashes the family's row key and the bodies it is conditioned on; with ``store``, rows
    of those ids compiled before are taken from it, and the rows used are kept in it)."""
    for fid in touched:
        fam = _conditioned_family(fam_by_id[fid], conditioned)
        todo = [m for m in fam.missing if active[row_of[(fid, m)]]]
        ids = [_conditioned_id(compiled.keys[row_of[(fid, m)]], conditioned.get(fid, {}))
               for m in todo] if store is not None else None
        observation = _observations(conditioned, fid) or None
        rows = None if ids is None else store.take(ids)
        if rows is None:
            rows = compile_rows(fam, todo, panel, theta=compiled.theta,
                                observation=observation)
        else:
            warn_kept_fallback(fam, todo, panel, rows, theta=compiled.theta,
                               observation=observation)
        if ids is not None:
            store.keep(ids, [(fid, m) for m in todo], rows,
                       [compiled.sex[row_of[(fid, m)]] if compiled.sex else "U"
                        for m in todo])
        for k, (m, row) in enumerate(zip(todo, rows)):
            r = row_of[(fid, m)]
            if night is not None and row_ids is not None:
                night.retire(row_ids[r], compiled, r)
                row_ids[r] = _conditioned_id(compiled.keys[r], conditioned.get(fid, {})) \
                    if ids is None else ids[k]
            compiled.set_row(r, row)


def _conditioned_id(key: str, bodies: dict[str, PMSample]) -> str:
    """Id of a row compiled from the family of row key ``key`` conditioned on ``bodies``
    (by missing person): everything the conditioned row adds to the row key (the bodies'
    genotypes and dropout)."""
    import hashlib

    from forensic_match.dvi.search_reuse import sample_key

    text = key + "".join(f"|{m}:{sample_key(b)}" for m, b in sorted(bodies.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def _warn_contradicted(contradicted: Mapping[str, str], questionable: Mapping[str, str]
                       ) -> None:
    """One warning naming the families whose typed members contradict their pedigrees, and
    one naming those whose members make a stated relationship questionable."""
    def named(families: Mapping[str, str]) -> str:
        return _first_five([f"family {f}: {why}" for f, why in families.items()],
                           "family_checks")

    if contradicted:
        warnings.warn(ForensicMatchWarning(
            f"{len(contradicted)} families' typed members contradict their pedigrees (a "
            f"sample filed under the wrong family or person, a stated relationship that is "
            f"not the biological one?); their proposals are held back until the data are "
            f"corrected: {named(contradicted)}"), stacklevel=3)
    if questionable:
        warnings.warn(ForensicMatchWarning(
            f"{len(questionable)} families' typed members make a stated relationship "
            f"questionable (LR against unrelated below 1/100, not below 1/1000: up to 0.2 % of "
            f"correctly stated second-degree pairs fall so low); their proposals stand, their "
            f"data deserve a look: {named(questionable)}"), stacklevel=3)


#: How the caution on a proposal of a family with a questionable pair begins.
_QUESTIONABLE = "caution: the family's references make a stated relationship questionable"


def _caution(questionable: Mapping[str, str], family: str) -> str | None:
    """The caution for a placement in ``family`` when it has a questionable pair of typed
    members (naming the pair), else ``None``."""
    if family not in questionable:
        return None
    return (f"{_QUESTIONABLE} ({questionable[family]}; LR against unrelated below 1/100): "
            f"check those references before approving")


def _with_caution(table: Any, questionable: Mapping[str, str],
                  by_pair: Mapping[tuple[str, str], str] | None = None) -> Any:
    """The identifications with a caution at the end of the reason of each proposal whose
    family has a questionable pair of typed members, and those of ``by_pair`` per
    (body, family): its body fits a registered missing person of another family strongly
    (:func:`_other_family_fits`), or, under a closed list, an unregistered relative fits it
    better (:func:`_closed_list_fits`). The proposal stands; its reviewer reads why the data
    deserve a look before approving."""
    by_pair = by_pair or {}
    if not (questionable or by_pair) or not table.height:
        return table
    import polars as pl

    reasons = []
    for r in table.iter_rows(named=True):
        words = [c for c in (_caution(questionable, r["family"]),
                             by_pair.get((r["pm"], r["family"]))) if c]
        reasons.append("; ".join([r["reason"], *words]))
    return table.with_columns(pl.Series("reason", reasons, dtype=pl.Utf8))


def _with_level_caution(family_level: Any, questionable: Mapping[str, str],
                        *by_row: Mapping[tuple[str, str], str]) -> Any:
    """The family-level rows with a ``caution`` column: the caution of a family with a
    questionable pair of typed members (:func:`_caution`) and those of ``by_row`` per (body,
    family) (a body placed as the same parent as another body,
    :func:`_one_parent_two_bodies`; a body that fits another family's missing person,
    :func:`_other_family_fits`), else null."""
    import polars as pl

    cautions = []
    for pm, family in zip(family_level["pm"].to_list(), family_level["family"].to_list()):
        words = [c for c in (_caution(questionable, family),
                             *(extra.get((pm, family)) for extra in by_row)) if c]
        cautions.append("; ".join(words) if words else None)
    return family_level.with_columns(pl.Series("caution", cautions, dtype=pl.Utf8))


#: A proposed or placed body that fits a registered missing person of *another* family with
#: an LR of 10^6 or more is cautioned (:func:`_other_family_fits`). Unrelated pairs reach 10^4
#: at about 5e-6 (``docs/validation.md``, "Unrelated-pair LR tail"), falling about 6-fold a
#: decade: at 10^6 about 1 placed body in 400 of a Peru-sized register by chance.
OTHER_FAMILY_LOG10 = 6.0


def _strong_pairs(decision: Decision | None) -> dict[str, dict[str, tuple[float, str]]]:
    """Per body and family, the strongest (log10 LR, missing person) of the decision's pairs
    at 10^:data:`OTHER_FAMILY_LOG10` or more."""
    strong: dict[str, dict[str, tuple[float, str]]] = {}
    if decision is None:
        return strong
    pairs = decision.pairs
    for pm, fam, m, lg in zip(pairs["pm"].to_list(), pairs["family"].to_list(),
                              pairs["missing"].to_list(), pairs["log10_lr"].to_list()):
        if lg is not None and lg >= OTHER_FAMILY_LOG10 and \
                lg > strong.setdefault(pm, {}).get(fam, (-math.inf, ""))[0]:
            strong[pm][fam] = (lg, m)
    return strong


def _other_family_fits(decision: Decision | None, keys: Iterable[tuple[str, str]]
                       ) -> dict[tuple[str, str], str]:
    """Per (body, family) of ``keys``, a caution when the body fits a registered missing
    person of another family with an LR of at least 10^:data:`OTHER_FAMILY_LOG10`, naming the
    strongest. One household registered twice and unlinked (a man registered by his wife, and
    drawn untyped as the father in his parents' registration of his child), or relatives
    registered apart: the body then fits both, and the family where he is an unregistered
    relative can take him from the one where he is registered (an outside check, 2026-12-07:
    every such man was placed as "an unregistered father" in the other registration, none
    proposed where he was registered)."""
    strong = _strong_pairs(decision)
    out = {}
    for pm, family in keys:
        others = [(lg, fam, m) for fam, (lg, m) in strong.get(pm, {}).items() if fam != family]
        if others:
            lg, fam, m = max(others)
            out[(pm, family)] = (
                f"the body also fits {m} of family {fam}, a registered missing person, with "
                f"LR {10.0 ** lg:.2g}: the two families may be one household registered twice "
                f"or relatives registered apart; check whether someone of this family is {m} "
                f"and, if so, draw both in one pedigree")
    return out


def _warn_between_families(decision: Decision | None, placed: set[str]) -> None:
    """One warning naming the bodies proposed, placed and held nowhere that fit registered
    missing persons of two or more families with an LR of 10^:data:`OTHER_FAMILY_LOG10` or
    more each: one person registered twice (by his mother and by his wife, with no reference
    in common) splits his posterior between the two and may be placed in neither, silently
    (an outside check, 2026-12-07: 26 of 50 such men, each at LR 1e4 to 1e14 in both)."""
    found = [f"{pm} (" + "; ".join(f"{m} of {fam}, LR {10.0 ** lg:.2g}" for fam, (lg, m)
                                   in sorted(fams.items(), key=lambda kv: -kv[1][0])) + ")"
             for pm, fams in sorted(_strong_pairs(decision).items())
             if pm not in placed and len(fams) >= 2]
    if found:
        warnings.warn(ForensicMatchWarning(
            f"{len(found)} bodies fit registered missing persons of two or more families with "
            f"LR {10.0 ** OTHER_FAMILY_LOG10:.0e} or more each and are proposed and placed in "
            f"none: one person or household registered twice, or relatives registered apart? "
            f"Draw them in one pedigree: " + _first_five(found, "candidates_by_sample")),
            stacklevel=3)


def _closed_list_fits(accepted: Sequence[Mapping[str, Any]], fam_by_id: Mapping[str, Family],
                      conditioned: dict[str, dict[str, PMSample]], bodies: Mapping[str, Body],
                      panel: Sequence[Marker], sex_filter: bool,
                      min_markers: int) -> dict[tuple[str, str], str]:
    """Under a closed list, per proposal (body, family) that an unregistered relative of the
    family fits better than the proposed missing person (twice as well, or 100 times where
    the missing person's fit needs a mutation: :mod:`~forensic_match.dvi.closed_list`), its
    caution, and one warning naming them."""
    from forensic_match.dvi.closed_list import (
        closed_list_caution,
        times_as_well,
        unregistered_fits,
    )

    found = unregistered_fits(
        accepted, lambda fid, m: (_conditioned_family(fam_by_id[fid], conditioned, skip=m),
                                  _observations(conditioned, fid, skip=m) or None),
        bodies, panel, sex_filter=sex_filter, min_markers=min_markers)
    missing = {(r["pm"], r["family"]): r["missing"] for r in accepted}
    if found:
        named = [f"{pm} as {missing[(pm, fam)]} of {fam} (" + ", or ".join(
                     f"an unregistered {r}: {times_as_well(v - o)} times as well"
                     for r, v in ((rel, a), *tied)) + ")"
                 for (pm, fam), (rel, a, o, _, tied) in sorted(found.items())]
        # "1 bodies" until 2026-12-08 (an outside check)
        bodies_that = "1 body that" if len(found) == 1 else f"{len(found)} bodies that"
        warnings.warn(ForensicMatchWarning(
            f"a closed list (relatives weight 0) proposes {bodies_that} an "
            f"unregistered relative of the family fits better than the missing person "
            f"proposed: the data say the list may not be closed; weigh relatives (the "
            f"default) before approving: " + _first_five(named, "identifications' reasons")),
            stacklevel=3)
    return {key: closed_list_caution(rel, a, o, missing[key], bad, tied)
            for key, (rel, a, o, bad, tied) in found.items()}


def _warn_closed_list(decision: Decision, accepted: Sequence[Mapping[str, Any]],
                      fam_by_id: Mapping[str, Family]) -> None:
    """Under a closed list (relatives weight 0), one warning naming the families that more
    bodies fit (a missing person of theirs at LR 10^:data:`OTHER_FAMILY_LOG10` or more, or
    identified by a direct reference) than they have missing persons: the surplus bodies are
    relatives of the missing the list does not hold (or samples of one person too poorly typed
    to be joined), and a closed list proposes such a relative as the missing person (an
    outside check, 2026-12-07: 7 to 14 false proposals at posterior ~1 in worlds whose graves
    held unregistered brothers)."""
    fit: dict[str, set[str]] = {}
    for rec in accepted:
        fit.setdefault(rec["family"], set()).add(rec["pm"])
    for pm, fams in _strong_pairs(decision).items():
        for family in fams:
            fit.setdefault(family, set()).add(pm)
    found = [f"{family} ({len(bodies)} bodies, {len(fam_by_id[family].missing)} missing: "
             f"{', '.join(sorted(bodies)[:4])}{', ...' if len(bodies) > 4 else ''})"
             for family, bodies in sorted(fit.items())
             if len(bodies) > len(fam_by_id[family].missing)]
    if found:
        warnings.warn(ForensicMatchWarning(
            f"a closed list (relatives weight 0), yet {len(found)} families are fitted by more "
            f"bodies than they have missing persons (LR {10.0 ** OTHER_FAMILY_LOG10:.0e} or "
            f"more): the surplus bodies are relatives of the missing whom the list does not "
            f"hold, or samples of one person not joined, and a closed list may propose a "
            f"relative as the missing person; weigh relatives (the default) or check these "
            f"families: " + _first_five(found, "pairs")),
            stacklevel=3)


def _same_source_in_family(family_level: Any, accepted: Sequence[Mapping[str, Any]],
                           suspects: Mapping[str, Mapping[str, float]]
                           ) -> dict[tuple[str, str], str]:
    """Per family-level row (body, family), a caution when the body may be the same person
    as a body identified in that family or placed in it by another row (same-source log10
    LR :data:`SUSPECT_LOG10` or more, below the join threshold): a poorly typed bone of an
    identified man was listed as his own "unregistered full sibling" (an outside check,
    2026-12-07). A proposal of such a body is held back (:func:`_screen`)."""
    given: dict[str, dict[str, str]] = {}
    for rec in accepted:
        given.setdefault(rec["family"], {})[rec["pm"]] = \
            f"identified as {rec['missing']} in this family"
    for pm, family in zip(family_level["pm"].to_list(), family_level["family"].to_list()):
        given.setdefault(family, {}).setdefault(pm, "placed in this family")
    out = {}
    for pm, family in zip(family_level["pm"].to_list(), family_level["family"].to_list()):
        partners = suspects.get(pm, {})
        clash = sorted((-partners[b], b) for b in given.get(family, {}) if b != pm and
                       b in partners)
        if clash:
            v, b = -clash[0][0], clash[0][1]
            out[(pm, family)] = (f"same-source log10 LR {v:.1f} with body {b}, "
                                 f"{given[family][b]}: it may be another sample of the same "
                                 f"person, not a relative")
    return out


#: Relative alternatives that are one person: a missing person's father or mother (or parent
#: of unknown sex); siblings and children stand for as many unregistered people as there are.
_ONE_PERSON = ("father of ", "mother of ", "parent of ")


def _one_parent_two_bodies(family_level: Any, decision: Decision | None
                           ) -> dict[tuple[str, str], str]:
    """Per family-level row (body, family), a caution when the body's likeliest option is
    a missing person's unregistered parent and another body of the run is placed as the same
    parent (posterior 0.5 or more each): one person is one body, so at most one of them is
    that parent; the other is most likely a relative of his the pedigree does not draw (an
    outside check, 2026-12-07: a man drawn untyped to link a missing child and his brother in
    the grave were both listed as him at 1.0000)."""
    if decision is None or family_level.height == 0:
        return {}
    placed = set(zip(family_level["pm"].to_list(), family_level["family"].to_list()))
    alts = decision.alternatives
    bodies: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for pm, family, person, relation, p in zip(
            alts["pm"].to_list(), alts["family"].to_list(), alts["person"].to_list(),
            alts["relation"].to_list(), alts["posterior"].to_list()):
        if (pm, family) in placed and p is not None and p >= 0.5 and \
                (relation or "").startswith(_ONE_PERSON):
            bodies.setdefault((family, person), []).append((pm, relation))
    out = {}
    for (family, _), found in bodies.items():
        if len({pm for pm, _ in found}) < 2:
            continue
        for pm, relation in found:
            others = sorted({o for o, _ in found if o != pm})
            out[(pm, family)] = (f"body {', '.join(others)} is also placed as the same person "
                                 f"(an unregistered {relation}): one person is one body, so "
                                 f"at most one of them is; the other is most likely a relative "
                                 f"of his the pedigree does not draw (a brother)")
    return out


def _hold_families(family_level: Any, families_held: Mapping[str, str],
                   living: Mapping[str, tuple[float, str]],
                   undeclared: DropoutScreen | None,
                   ) -> tuple[Any, list[dict[str, Any]]]:
    """The family-level rows of families held for their references (``families_held``), of
    bodies matching a living relative at least as strongly as the row's best LR, and of
    bodies with undeclared dropout (``undeclared``), moved to held-back rows (``missing``
    null, ``lr`` the row's best LR)."""
    keep, held = [], []
    for r in family_level.iter_rows(named=True):
        best = math.log10(r["best_lr"]) if r["best_lr"] > 0 else -math.inf
        why = _data_reason(living, families_held, undeclared, r["pm"], r["family"], best)
        if why is None:
            keep.append(True)
            continue
        keep.append(False)
        held.append({"pm": r["pm"], "family": r["family"], "missing": None,
                     "lr": r["best_lr"], "held_back": f"{why}; family level: {r['candidates']}"})
    if not held:
        return family_level, []
    import polars as pl

    return family_level.filter(pl.Series(keep, dtype=pl.Boolean)), held


def _first_five(items: Sequence[str], table: str, *, total: int | None = None) -> str:
    """The first five of ``items`` joined by "; ", and how many more (of ``total``, default
    all of ``items``) are in ``table``."""
    more = (len(items) if total is None else total) - min(5, len(items))
    return "; ".join(items[:5]) + (f"; and {more} more ({table})" if more else "")


def _warn_no_mutation(panel: Sequence[Marker]) -> None:
    """One warning when markers of the panel carry no mutation model: a single mutation
    between a missing person and a parent or child reference then makes the true family
    impossible (LR 0), and the body's candidates lose it without a word (an outside check,
    2026-12-07: ``db.markers_for(names)`` without ``mutation=`` is Mendelian; the command
    line's default is stepwise)."""
    bare = [m.name for m in panel if m.mutation is None]
    if bare:
        warnings.warn(ForensicMatchWarning(
            f"{len(bare)} of the {len(panel)} markers have no mutation model "
            f"({', '.join(bare[:5])}{', ...' if len(bare) > 5 else ''}): one mutation between "
            f"a missing person and a parent or child reference makes his family impossible "
            f"(LR 0); give the markers one (db.markers_for(names, mutation=...); the "
            f"command line uses stepwise by default)"), stacklevel=3)


def _warn_ignored(ignored: Sequence[str]) -> None:
    """One warning naming the profiles with markers the panel does not hold
    (:func:`~forensic_match.marker_names.aligned_records`): they are left out of every LR."""
    if ignored:
        warnings.warn(IgnoredMarkerWarning(
            f"{len(ignored)} profiles have markers that are not among the markers analysed "
            f"and are left out of every LR (a name the frequency table does not know, or a "
            f"marker left out of the panel on purpose): " + _first_five(ignored, "their "
            "records")), stacklevel=3)


def _warn_split(notes: Sequence[str]) -> None:
    """One warning for the bodies of single linkage whose samples cannot be one person,
    split (:func:`~forensic_match.dvi.fragments.split_conflicts`)."""
    if notes:
        warnings.warn(ForensicMatchWarning(
            f"{len(notes)} groups of PM samples joined by their same-source LRs hold two "
            f"samples that cannot be one person and were split: " + _first_five(
                list(notes), "the input")), stacklevel=3)


def _warn_duplicates(bodies: Sequence[Body]) -> None:
    """One warning naming the samples counted once because another sample of their body
    has the same calls at every marker
    (:func:`~forensic_match.dvi.fragments.distinct_fragments`)."""
    pairs = [f"{d.id} = {o.id}" for b in bodies for d, o in b.counted_once]
    if pairs:
        warnings.warn(ForensicMatchWarning(
            f"{len(pairs)} PM samples have the same calls at every marker as another sample "
            f"of their body and are counted once in its DNA likelihood (one extract entered "
            f"twice, two samples of one body that agree, or, from two skeletons, identical "
            f"twins, whom DNA cannot tell apart): " + _first_five(pairs, "bodies.csv")),
            stacklevel=3)


def _warn_few_markers(bodies: Sequence[Body], panel: Sequence[Marker],
                      min_markers: int) -> None:
    """One warning naming the bodies typed at fewer than ``min_markers`` markers of the panel
    (every fragment together): no pair of theirs is compared, so they can have no candidate.
    The command line lists them in ``not_searched``; a Python caller was not told (an
    outside check, 2026-12-06)."""
    names = [m.name for m in panel]
    few = [(b.id, n) for b in bodies if (n := b.typed_markers(names)) < min_markers]
    if few:
        warnings.warn(ForensicMatchWarning(
            f"{len(few)} bodies are typed at fewer than min_markers = {min_markers} markers "
            f"of the panel and are not searched: " + _first_five(
                [f"{b} ({n} markers)" for b, n in few], "the input")), stacklevel=3)


def _warn_undeclared(undeclared: DropoutScreen | None) -> None:
    """One warning naming the bodies recorded without dropout whose homozygosity says they
    have some (their proposals and family-level rows are held back)."""
    if not undeclared:
        return
    findings = undeclared.findings()
    warnings.warn(ForensicMatchWarning(
        f"{len(findings)} bodies recorded without dropout show more homozygous markers "
        f"than their population gives (allelic dropout not declared?); their proposals "
        f"(but a match with their own direct reference) and family-level rows are held "
        f"back, except in a family whose pedigree makes the candidate inbred enough to "
        f"explain it: " + _first_five(
            [f"body {body}, {found.short()}" for body, found in findings.items()],
            "held_back")), stacklevel=3)


def _warn_living(living: Any) -> None:
    """One warning naming the PM samples whose DNA matches a typed relative's profile."""
    if living.height == 0:
        return
    warnings.warn(ForensicMatchWarning(
        f"{living.height} PM samples match the profile of a typed relative, who is alive "
        f"(DNA of a reference in a postmortem sample, a reference sample filed as "
        f"postmortem, an identical twin of the relative, or the relative killed after giving "
        f"his sample: then register him as missing with that profile as a direct "
        f"reference); a proposal of such a body that does not match its missing person "
        f"more strongly is held back: "
        + _first_five([f"{r['pm']} ~ {r['person']} of family {r['family']} (same-source "
                       f"log10 LR {r['log10_lr']:.1f})"
                       for r in living.head(5).iter_rows(named=True)], "living_matches",
                      total=living.height)), stacklevel=3)


def _family_level_empty() -> Any:
    import polars as pl

    return pl.DataFrame(schema={"pm": pl.Utf8, "family": pl.Utf8, "candidates": pl.Utf8,
                                "posterior": pl.Float64, "relatives_posterior": pl.Float64,
                                "best_lr": pl.Float64, "fragments": pl.Utf8})


def _family_level(decision: Decision, identified: set[str], posterior_threshold: float,
                  bodies: dict[str, Body]) -> Any:
    """Bodies whose family is certain although who in it is not: the family's missing persons
    and its relatives together reach the threshold."""
    import polars as pl

    fams = decision.families.filter((pl.col("posterior") >= posterior_threshold) &
                                    ~pl.col("pm").is_in(list(identified)))
    if fams.height == 0:
        return _family_level_empty()
    wanted = set(zip(fams["pm"].to_list(), fams["family"].to_list()))

    def by_pair(frame: Any, name: str) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
        # The rows of each wanted (body, family), in the frame's order: one pass over the
        # frame, not one filter per body (thousands a night at Peru scale).
        out: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        for row in zip(frame["pm"].to_list(), frame["family"].to_list(),
                       frame[name].to_list(), frame["posterior"].to_list(),
                       frame["lr"].to_list()):
            if row[:2] in wanted:
                out.setdefault(row[:2], []).append(row[2:])
        return out

    pairs = by_pair(decision.pairs, "missing")
    relatives = by_pair(decision.alternatives, "relation")
    rows = []
    for r in fams.iter_rows(named=True):
        mine = pairs.get((r["pm"], r["family"]), [])
        alts = relatives.get((r["pm"], r["family"]), [])
        options = [(p, m) for m, p, _ in mine]
        options += [(p, f"an unregistered {rel}") for rel, p, _ in alts]
        # best first; options equal to 12 digits (a tie: a sibling and his unregistered full
        # sibling) by name, not by their last bits
        options = [o for o in sorted(options, key=lambda o: (-round(o[0], 12), o[1]))
                   if o[0] >= 1e-4]
        best = max(max((lr for *_, lr in mine), default=0.0) or 0.0,
                   max((lr for *_, lr in alts), default=0.0) or 0.0)
        rows.append({"pm": r["pm"], "family": r["family"],
                     # "; " between options: relations hold " or " ("uncle or aunt")
                     "candidates": "; ".join(f"{name} ({_share(p, posterior_threshold)})"
                                             for p, name in options),
                     "posterior": r["posterior"],
                     # summed as polars sums a column, so the figure is unchanged
                     "relatives_posterior": float(pl.Series([p for _, p, _ in alts],
                                                            dtype=pl.Float64).sum()),
                     "best_lr": float(best),
                     "fragments": ",".join(f.id for f in bodies[r["pm"]].fragments)})
    return pl.DataFrame(rows, schema=_family_level_empty().schema).sort("pm")


def _share(p: float, threshold: float) -> str:
    """An option's posterior on a family-level row: 4 decimals, or as many more as keep a
    posterior below the proposal threshold from reading as at or above it (0.99947 was
    "0.9995" on an unproposed row: an outside check, 2026-12-07)."""
    for digits in range(4, 10):
        text = f"{p:.{digits}f}"
        if p >= threshold or float(text) < threshold:
            return text
    return text


def _reason(r: dict[str, Any], threshold: float, margin: float, priors: Priors) -> str:
    if r["rule"] == "direct reference":
        # the prior too, which the report states (an outside check, 2026-12-07: a direct
        # reference's report said the prior was "not stated by the software")
        return (f"same-source LR {r['lr']:.3g} over {r['n_markers']} markers with the direct "
                f"reference (personal effects) of {r['missing']}; posterior "
                f"{posterior_text(r['posterior'])}; {priors.describe()}")
    competitor = (f"best competing body or missing person LR {r['second_lr']:.3g}"
                  if r["second_lr"] > 0 else "no competing candidate")
    weighed = priors.relatives > 0
    if not weighed:     # a closed list: no relative alternative was drawn, let alone weighed
        relative = "unregistered relatives NOT weighed (a closed list, relatives weight 0)"
    elif r["alternative"]:
        relative = (f"strongest relative alternative: an unregistered {r['alternative']}, LR "
                    f"{r['alternative_lr']:.3g}")
    else:
        relative = "no relative alternative with LR above 1"
    against = ("the other bodies, the other missing persons, the family's relatives and the "
               "open set" if weighed else
               "the other bodies, the other missing persons and the open set")
    text = (f"LR {r['lr']:.3g} over {r['n_markers']} markers ({r['n_inconsistent']} "
            f"inconsistent without mutation); joint posterior "
            f"{posterior_text(r['posterior'])} against {against}; {competitor}; {relative}; "
            f"{priors.describe()}")
    if r["rule"].startswith("undisputed"):
        text += f"; dvir's rule met: LR >= {threshold:g} and >= {margin:g} x every competitor"
    if r["rule"].endswith("after conditioning"):
        text += "; after conditioning the family on earlier identifications"
    return text
