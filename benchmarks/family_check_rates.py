"""Error rates of the reference-consistency rule of :mod:`forensic_match.dvi.family_check`.

For each stated relationship (parent-child, full siblings, half siblings, grandparent,
uncle-nephew, first cousins) the script simulates ``--n`` pairs of relatives on the stated
pedigree, puts the two into a :class:`~forensic_match.cases.Family` with that pedigree (no
other typed member) and runs :func:`~forensic_match.dvi.family_check.check_families`. It does
the same for pairs that are not as stated:

- *unrelated*: the two genotypes drawn independently (a swap of one sample with another
  family's, or a person who is not who the family says);
- *half siblings*, for a stated full-sibling pair (a non-paternity or a different father).

For a stated parent-child or half-sibling pair the next more distant relationship is
"unrelated", the first case. A pair is *flagged* at threshold ``t`` when its log10 LR is
below ``-log10 t`` (``t = 100`` is :data:`~forensic_match.dvi.family_check.CONTRADICTED_LR`)
or its verdict is ``identical profiles``; at ``t = 100`` the script checks that this is
exactly the module's own verdict.

Three runs: data simulated with the analysis model (the 23 markers of
``fbi2015_sw_hispanic``, equal mutation, female 0.0005, male 0.002: ``analysis_markers``
of ``benchmarks/validation.py``); data simulated with a one-step stepwise model
(``onestep_markers``: rates drawn per marker, female 0.0005-0.001, male 0.002-0.003) and
analysed with ``equal``; data whose founders share a subpopulation (``founders_theta`` 0.02,
one subpopulation per pair: the two unrelated people of a swap come from the same one)
analysed at theta 0. The linking lines are paternal and the linking people male (the
pedigree helpers' defaults): the male mutation rate is the higher, so mutations flag true
pairs at least as often as through a mother.

Usage (prints markdown tables)::

    NUMBA_NUM_THREADS=1 python benchmarks/family_check_rates.py
    python benchmarks/family_check_rates.py --n 2000 --runs equal theta --seed 3
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from scipy.stats import beta

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.validation import analysis_markers  # noqa: E402
from forensic_match.cases import Family  # noqa: E402
from forensic_match.dvi.family_check import CONTRADICTED_LR, check_families  # noqa: E402
from forensic_match.dvi.scenarios import onestep_markers  # noqa: E402
from forensic_match.markers import Marker  # noqa: E402
from forensic_match.pedigree import (  # noqa: E402
    Pedigree,
    avuncular,
    first_cousins,
    full_siblings,
    grandparent,
    half_siblings,
    parent_child,
    unrelated,
)
from forensic_match.simulate import simulate_profiles  # noqa: E402

THRESHOLDS = (10.0, 100.0, 1000.0)
RUNS = ("equal", "onestep", "theta")
RUN_TEXT = {"equal": "simulated and analysed with equal",
            "onestep": "simulated with one-step stepwise, analysed with equal",
            "theta": "founders simulated with theta {theta}, analysed at theta 0"}


@dataclass(frozen=True)
class Stated:
    """A relationship as a family's pedigree states it, and the truths simulated for it."""

    label: str
    pedigree: Pedigree
    pair: tuple[str, str]
    #: ``(label, pedigree, its ids of the pair)`` of each truth that is not the stated one.
    others: tuple[tuple[str, Pedigree, tuple[str, str]], ...] = ()


def stated_relationships() -> list[Stated]:
    """The six stated relationships, each with "unrelated" and any nearer alternative."""
    swap = ("unrelated", None)
    out = []
    for label, ped, pair, distant in (
            ("parent-child", parent_child(), ("AF", "C"), None),
            ("full siblings", full_siblings(), ("S1", "S2"),
             ("half siblings", half_siblings(ids=("S1", "S2")), ("S1", "S2"))),
            ("half siblings", half_siblings(), ("H1", "H2"), None),
            ("grandparent-grandchild", grandparent(), ("GP", "GC"), None),
            ("uncle-nephew", avuncular(), ("U", "N"), None),
            ("first cousins", first_cousins(), ("C1", "C2"), None)):
        others = [(swap[0], unrelated(list(pair)), pair)]
        if distant is not None:
            others.append(distant)
        out.append(Stated(label, ped, pair, tuple(others)))
    return out


def simulate_pairs(stated: Stated, truth: Pedigree, truth_pair: tuple[str, str], n: int,
                   markers: Sequence[Marker], rng: np.random.Generator,
                   founders_theta: float) -> list[Family]:
    """``n`` families with ``stated``'s pedigree whose two typed members are drawn as
    ``truth_pair`` of ``truth``."""
    missing = next(x for x in stated.pedigree.ids if x not in stated.pair)
    families = []
    for k in range(n):
        prof = simulate_profiles(truth, markers, seed=rng, typed=truth_pair,
                                 founders_theta=founders_theta)
        genotypes = {s: prof[t] for s, t in zip(stated.pair, truth_pair, strict=True)}
        families.append(Family(f"F{k}", stated.pedigree, [missing], genotypes))
    return families


def pair_results(families: Sequence[Family], markers: Sequence[Marker]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """log10 LRs and "identical profiles" flags of the families' one pair each, checking the
    module's verdict against the threshold rule at :data:`CONTRADICTED_LR`."""
    checks = check_families(families, markers)
    if checks.height != len(families):
        raise RuntimeError(f"{checks.height} pairs checked for {len(families)} families")
    lr = checks["log10_lr"].to_numpy()
    verdict = checks["verdict"].to_numpy()
    identical = verdict == "identical profiles"
    expected = np.where(identical, "identical profiles",
                        np.where(lr < -math.log10(CONTRADICTED_LR), "contradicted",
                                 "consistent"))
    if not np.array_equal(verdict, expected):
        raise RuntimeError("check_families' verdicts differ from the threshold rule")
    return lr, identical


def flagged(lr: np.ndarray, identical: np.ndarray, threshold: float) -> int:
    """Pairs flagged at ``threshold``: LR below 1/threshold, or identical profiles."""
    return int(np.sum((lr < -math.log10(threshold)) | identical))


def upper_95(k: int, n: int) -> float:
    """One-sided Clopper-Pearson 95% upper bound of a rate seen ``k`` times in ``n``."""
    return 1.0 if k >= n else float(beta.ppf(0.95, k + 1, n - k))


def quantile(lr: np.ndarray, q: float) -> float:
    """An order statistic (no interpolation, so -inf stays -inf)."""
    return float(np.quantile(lr, q, method="inverted_cdf"))


def _percent(x: float) -> str:
    """Two decimals from 1%, three significant digits below (a bound of 0.015% does not
    print as 0.01%, nor 99.98% as 100%)."""
    return f"{100 * x:.2f}%" if x >= 0.01 else f"{100 * x:.3g}%"


def _rate(k: int, n: int, *, bound: bool) -> str:
    text = f"{k} ({_percent(k / n)}"
    return text + (f", ≤ {_percent(upper_95(k, n))})" if bound else ")")


def run(name: str, n: int, seed: int, theta: float) -> tuple[str, float]:
    """The markdown of one run, and its CPU seconds."""
    analysis = analysis_markers()
    simulated = onestep_markers(analysis, seed=seed) if name == "onestep" else analysis
    founders_theta = theta if name == "theta" else 0.0
    start = time.process_time()
    truth_rows, other_rows = [], []
    heads = " | ".join(f"LR < 1/{t:g}" for t in THRESHOLDS)
    for i, stated in enumerate(stated_relationships()):
        cases = [(stated.label, stated.pedigree, stated.pair), *stated.others]
        for j, (label, ped, pair) in enumerate(cases):
            rng = np.random.default_rng([seed, RUNS.index(name), i, j])
            fams = simulate_pairs(stated, ped, pair, n, simulated, rng, founders_theta)
            lr, identical = pair_results(fams, analysis)
            ks = [flagged(lr, identical, t) for t in THRESHOLDS]
            if j == 0:
                truth_rows.append(
                    f"| {stated.label} | {n} | {quantile(lr, 0.001):.2f} | "
                    f"{quantile(lr, 0.01):.2f} | "
                    + " | ".join(_rate(k, n, bound=True) for k in ks) + " |")
            else:
                other_rows.append(
                    f"| {stated.label} | {label} | {n} | {quantile(lr, 0.5):.2f} | "
                    f"{quantile(lr, 0.99):.2f} | "
                    + " | ".join(_rate(k, n, bound=False) for k in ks) + " |")
    cpu = time.process_time() - start
    text = RUN_TEXT[name].format(theta=theta)
    lines = [f"### Run `{name}`: {text}", "",
             "False flags: pairs that truly are as stated (count, rate, one-sided 95% "
             "Clopper-Pearson upper bound).", "",
             f"| stated and true | pairs | log10 LR 0.1% | 1% | {heads} |",
             "|---|---|---|---|---|---|---|", *truth_rows, "",
             "Power: pairs stated as the first column, truly the second.", "",
             f"| stated | truly | pairs | log10 LR median | 99% | {heads} |",
             "|---|---|---|---|---|---|---|---|", *other_rows, "",
             f"CPU {cpu:.0f} s.", ""]
    return "\n".join(lines), cpu


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out + (" (with uncommitted changes)" if dirty else "")


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), model)
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="pairs per stated relationship "
                        "and truth (default 5000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS))
    parser.add_argument("--theta", type=float, default=0.02,
                        help="founders' theta of the run 'theta' (default 0.02)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Commit {_commit()}, {now}, {_machine()}; {args.n} pairs per row, seed "
          f"{args.seed}.")
    print()
    warm = np.random.default_rng(0)
    for stated in stated_relationships():  # compile the kernels outside the timed runs
        pair_results(simulate_pairs(stated, stated.pedigree, stated.pair, 1,
                                    analysis_markers(), warm, 0.0), analysis_markers())
    total = 0.0
    for name in args.runs:
        text, cpu = run(name, args.n, args.seed, args.theta)
        total += cpu
        print(text, flush=True)
    print(f"Total CPU {total:.0f} s.")


if __name__ == "__main__":
    main()
