"""Placements resting on one reference: how many, and how many are wrong.

Usage::

    python benchmarks/single_reference_placements.py                  # 1,000 households
    python benchmarks/single_reference_placements.py --households 300 --seeds 1
    python benchmarks/single_reference_placements.py --scenarios grave

For each scenario of ``benchmarks/validation.py`` named and each seed, runs ``identify`` at
its defaults (DNA only, the validation's markers) and counts the individual proposals and
family-level rows, right or wrong against the simulated truth, by the number of typed members
of the family they place the body in (relatives with a profile and direct references, as
:func:`~forensic_match.dvi.family_check.typed_members` counts them: 1, or 2 and more), and by
the family's reference error (``reference_errors``: swap, duplicate, non-paternity; ``none``).
What ``identify(min_references=2)`` would hold back is the rows of the first group.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import validation  # noqa: E402

from forensic_match.dvi.family_check import typed_members  # noqa: E402
from forensic_match.dvi.identify import identify  # noqa: E402


def count(scenario: str, households: int, seed: int) -> tuple[Counter, Counter]:
    """(families by typed members, placements by (kind, typed, right, error)) of one run;
    typed members are capped at 2 ("2" means two or more)."""
    markers = validation.analysis_markers()
    prog = validation.SCENARIOS[scenario].simulate(households, seed, markers)
    ds = prog.dataset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = identify(ds.am, ds.pm, markers)
    truth = {r["pm"]: r for r in prog.truth.iter_rows(named=True)}
    typed = {f: min(n, 2) for f, n in typed_members(ds.am).items()}
    error = validation._error_kinds(prog)
    out: Counter = Counter()
    for r in res.identifications.iter_rows(named=True):
        ok = all(truth[f]["missing"] == r["missing"]
                 for f in validation._split(r["fragments"] or r["pm"]))
        out[("proposal", typed[r["family"]], ok, error[r["family"]])] += 1
    for r in res.family_level.iter_rows(named=True):
        ok = all(truth[f]["family"] == r["family"]
                 and truth[f].get("relation") != validation.LIVING
                 for f in validation._split(r["fragments"] or r["pm"]))
        out[("family level", typed[r["family"]], ok, error[r["family"]])] += 1
    return Counter(typed.values()), out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scenarios", nargs="+", default=["reference_errors", "grave"],
                        choices=sorted(validation.SCENARIOS))
    args = parser.parse_args(argv)
    print("| scenario | seed | families with 1 / 2+ typed | placement | typed | right | "
          "wrong (by the family's error) |")
    print("|---|---:|---|---|---:|---:|---|")
    for scenario in args.scenarios:
        for seed in args.seeds:
            families, placed = count(scenario, args.households, seed)
            for kind in ("proposal", "family level"):
                for n in (1, 2):
                    right = sum(v for (k, t, ok, _), v in placed.items()
                                if (k, t, ok) == (kind, n, True))
                    wrong = Counter({e: v for (k, t, ok, e), v in placed.items()
                                     if (k, t, ok) == (kind, n, False)})
                    words = ", ".join(f"{e} {v}" for e, v in sorted(wrong.items())) or "-"
                    print(f"| {scenario} | {seed} | {families[1]} / {families[2]} | {kind} | "
                          f"{'1' if n == 1 else '2+'} | {right} | {sum(wrong.values())} "
                          f"({words}) |", flush=True)


if __name__ == "__main__":
    main()
