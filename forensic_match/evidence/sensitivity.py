"""Is a decision stable across the stated error ranges of the evidence model?

The non-DNA LRs rest on settings that are estimates (how often amelogenin or an
anthropologist gets the sex wrong, how far relatives misreport an age or a stature, how often a
dental chart is wrong, how often a healed fracture is seen on remains). :data:`RANGES` states,
for each such setting of :class:`~forensic_match.evidence.combine.Population`, a low and a high
value that the defaults could plausibly be wrong by. :func:`decision_stability` runs the whole
identification again with each setting at each end (one at a time, the others at their
values), and reports, per proposal of the run with the stated settings, whether it is proposed
in every one of those runs: a proposal that depends on one setting being right is *not stable*
and is named with the settings under which it falls.

Each run is a complete :func:`~forensic_match.dvi.identify.identify` (the compiled DNA tables
are shared through its ``cache``), so the check costs ``2 x len(ranges)`` runs: an opt-in
step for the proposals of a programme, not part of every search.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from forensic_match.errors import InputError
from forensic_match.evidence.combine import Population
from forensic_match.evidence.scoring import Evidence

#: Low and high value of each setting (the defaults and their sources: ``docs/evidence.md``).
#: Error rates from half to twice (or more) their defaults, spreads from three quarters to one
#: and a half, the reporting bias from none to twice.
RANGES: dict[str, tuple[float, float]] = {
    "dna_sex_error": (0.005, 0.03),
    "morphology_sex_error": (0.025, 0.15),
    "age_sd": (0.75, 1.5),
    "age_misreport": (0.05, 0.2),
    "age_misreport_sd": (3.75, 7.5),
    "age_gross_error": (0.01, 0.05),
    "reporting_bias": (0.0, 4.0),
    "reporting_sd": (3.0, 6.0),
    "stature_gross_error": (0.01, 0.05),
    "dental_error": (0.01, 0.05),
    "feature_detect": (0.6, 0.95),
}


@dataclass(frozen=True)
class Stability:
    """The result of :func:`decision_stability`.

    Attributes
    ----------
    table : polars.DataFrame
        One row per pair proposed in the run with the stated settings or in any varied run:
        ``pm``, ``missing``, ``proposed`` (with the stated settings), ``posterior`` (stated
        settings; null when not proposed), ``min_posterior`` (lowest over the runs that
        propose it), ``runs_proposed`` (of ``runs``), ``stable`` (proposed in the stated run
        and in every varied run), ``falls_under`` / ``rises_under`` (``setting=value``
        where a stated proposal is dropped / where an unstated pair is proposed).
    runs : int
        Varied runs (two per setting).
    settings : dict
        The ranges used.
    """

    table: pl.DataFrame
    runs: int
    settings: dict[str, tuple[float, float]]

    @property
    def unstable(self) -> pl.DataFrame:
        """The proposals of the stated run that are not stable."""
        return self.table.filter(pl.col("proposed") & ~pl.col("stable"))


def decision_stability(families: Sequence[Any], samples: Sequence[Any], markers: Sequence[Any],
                       evidence: Evidence, *,
                       ranges: Mapping[str, tuple[float, float]] | None = None,
                       **identify_options: Any) -> Stability:
    """Run :func:`~forensic_match.dvi.identify.identify` with ``evidence`` as stated and with
    each setting of ``ranges`` at its low and high value; say which proposals hold in all.

    Parameters
    ----------
    families, samples, markers
        As for ``identify``.
    evidence : Evidence
        The AM records and PM findings with the stated :class:`Population`.
    ranges : mapping, optional
        ``{Population setting: (low, high)}``; default :data:`RANGES`.
    **identify_options
        Passed to every ``identify`` run (the same in all); ``cache`` is set here.

    Returns
    -------
    Stability

    Notes
    -----
    A proposal carried by a dental chart of eight distinctive teeth stays a proposal whatever
    the chart error rate in 0.01-0.05, and falls when charts are wrong seven times in ten
    (``tests/test_evidence_sensitivity.py``).
    """
    from forensic_match.dvi.identify import identify

    ranges = dict(RANGES if ranges is None else ranges)
    fields = Population.__dataclass_fields__
    for name, (low, high) in ranges.items():
        if name not in fields:
            raise InputError(f"decision_stability: {name!r} is not a Population setting")
        if not low <= high:
            raise InputError(f"decision_stability: range of {name} must be (low, high), got "
                             f"{(low, high)!r}")
    if "cache" in identify_options:
        raise InputError("decision_stability sets identify's cache itself")
    with tempfile.TemporaryDirectory(prefix="fm-stability-") as tmp:
        cache = Path(tmp) / "tables.npz"

        def run(population: Population) -> dict[tuple[str, str], float]:
            varied = Evidence(evidence.records, evidence.findings, population, evidence.place)
            res = identify(families, samples, markers, evidence=varied, cache=cache,
                           **identify_options)
            return {(r["pm"], r["missing"]): float(r["posterior"])
                    for r in res.identifications.iter_rows(named=True)}

        stated = run(evidence.population)
        varied: list[tuple[str, dict[tuple[str, str], float]]] = []
        for name, ends in ranges.items():
            for value in ends:
                varied.append((f"{name}={value:g}",
                               run(evidence.population.with_(**{name: value}))))
    pairs = sorted(set(stated).union(*(v for _, v in varied)))
    rows = []
    for pair in pairs:
        held = [p for _, v in varied if (p := v.get(pair)) is not None]
        falls = [label for label, v in varied if pair not in v]
        rises = [label for label, v in varied if pair in v]
        proposed = pair in stated
        rows.append({
            "pm": pair[0], "missing": pair[1], "proposed": proposed,
            "posterior": stated.get(pair),
            "min_posterior": min(held + ([stated[pair]] if proposed else []), default=None),
            "runs_proposed": len(held), "stable": proposed and not falls,
            "falls_under": falls if proposed else [], "rises_under": [] if proposed else rises})
    schema = {"pm": pl.Utf8, "missing": pl.Utf8, "proposed": pl.Boolean,
              "posterior": pl.Float64, "min_posterior": pl.Float64, "runs_proposed": pl.Int64,
              "stable": pl.Boolean, "falls_under": pl.List(pl.Utf8),
              "rises_under": pl.List(pl.Utf8)}
    return Stability(pl.DataFrame(rows, schema=schema), len(varied), ranges)
