"""Programme-scale search on linked SNPs (``forensic_match.linked.programme``): speed, and the
error of the approximation for several references against the exact family LR.

Usage::

    python benchmarks/linked_programme.py speed [--families 5000 --pm 1000 --true 100]
    python benchmarks/linked_programme.py approx [--families 100]

``speed``: ``--families`` families of one 16-person pedigree (paternal grandparents, an uncle
and his daughter, the mother's parents and sister, ...), each with two typed references drawn
from uncle, first cousin, grandmother and maternal aunt (FORCE panel, 1% error, 30% missing);
``--pm`` PM samples, the first ``--true`` of them the missing persons of the first families,
the others unrelated. Prints the CPU seconds of each step (plan, screen, linked LRs, segments)
and whether each true PM ranks its family first.
``approx``: for families with a paternal and a maternal reference typed (``--references``,
default the uncle UN and the aunt AU; CO and MC are the first cousins on either side), the
exact family log10 LR and the approximations ``branches`` (sum of the two pairwise log10 LRs)
and ``best`` (the larger) for the true missing person and for an unrelated PM sample; prints
the distribution of the difference.
"""

from __future__ import annotations

import argparse
import math
import platform
import time

import numpy as np

from forensic_match.linked import load_force_panel
from forensic_match.linked.programme import SnpFamily, search_programme
from forensic_match.linked.simulate import degrade, drop_genes
from forensic_match.pedigree import Pedigree

FAMILY = [("GF", None, None, "M"), ("GM", None, None, "F"), ("FA", "GF", "GM", "M"),
          ("UN", "GF", "GM", "M"), ("AW", None, None, "F"), ("CO", "UN", "AW", "F"),
          ("MGF", None, None, "M"), ("MGM", None, None, "F"), ("MO", "MGF", "MGM", "F"),
          ("AU", "MGF", "MGM", "F"), ("AH", None, None, "M"), ("MC", "AH", "AU", "M"),
          ("MP", "FA", "MO", "M")]


def _families(panel, rng, n, typed_sets, error, missing):
    ped = Pedigree.from_records(FAMILY)
    fams, mps = [], []
    for k in range(n):
        haps = drop_genes(ped, panel, rng)
        typed = typed_sets[k % len(typed_sets)]
        refs = {r: degrade(haps[r], panel.freq_a1, rng, error=error, missing=missing)
                for r in typed}
        fams.append(SnpFamily(f"F{k:05d}", ped, ("MP",), refs))
        mps.append(degrade(haps["MP"], panel.freq_a1, rng, error=error, missing=missing))
    return fams, mps


def _unrelated(panel, rng, n, error, missing):
    return [degrade((rng.random((2, len(panel))) < panel.freq_a1).astype(np.int8),
                    panel.freq_a1, rng, error=error, missing=missing) for _ in range(n)]


def speed(args: argparse.Namespace) -> None:
    panel = load_force_panel()
    rng = np.random.default_rng(args.seed)
    sets = [("UN", "CO"), ("GM", "AU"), ("CO", "AU"), ("UN", "GM")]
    t0 = time.process_time()
    fams, mps = _families(panel, rng, args.families, sets, args.error, args.missing)
    pm = np.stack(mps[:args.true] + _unrelated(panel, rng, args.pm - args.true, args.error,
                                               args.missing))
    ids = [f"PM{k:05d}" for k in range(args.pm)]
    t1 = time.process_time()
    w0 = time.perf_counter()
    res = search_programme(panel, fams, ids, pm, pm_error=args.error,
                           reference_error=args.error, screen_threshold=args.threshold,
                           top=args.top)
    w1 = time.perf_counter()
    best = res.by_pm.filter(res.by_pm["rank"] == 1)
    found = dict(zip(best["pm"], best["family"]))
    right = sum(found.get(f"PM{k:05d}") == f"F{k:05d}" for k in range(args.true))
    methods = res.candidates["method"].value_counts().sort("method").rows()
    print(f"{platform.node()}: {args.pm} PM x {args.families} families "
          f"({sum(len(f.references) for f in fams)} references), {len(panel)} SNPs, screen "
          f">= {args.threshold:g}; simulation {t1 - t0:.1f} s CPU; search {w1 - w0:.1f} s "
          f"wall, CPU by step {res.parameters['cpu_seconds']}; {res.candidates.height} "
          f"candidates {methods}; true PM ranked first: {right}/{args.true}")


def approx(args: argparse.Namespace) -> None:
    panel = load_force_panel()
    rng = np.random.default_rng(args.seed)
    typed = tuple(args.references.split(","))
    fams, mps = _families(panel, rng, args.families, [typed], args.error, args.missing)
    others = _unrelated(panel, rng, args.families, args.error, args.missing)
    kw = {"pm_error": args.error, "reference_error": args.error,
          "screen_threshold": -math.inf, "min_snps": 0, "segments": False}
    rows: dict[str, list[tuple[float, float, float]]] = {"true": [], "unrelated": []}
    screens: dict[str, list[float]] = {"true": [], "unrelated": []}
    for fam, mp, other in zip(fams, mps, others):
        pm = np.stack([mp, other])
        exact = search_programme(panel, [fam], ["true", "unrelated"], pm, **kw)
        for who in rows:
            row = exact.candidates.filter(exact.candidates["pm"] == who)
            e = row["log10_lr"][0]
            pair = exact.pairs.filter(exact.pairs["pm"] == who)["log10_lr"]
            # paternal and maternal references: independent branches, branches = sum,
            # best = max
            rows[who].append((e, float(pair.sum()), float(pair.max())))
            screens[who].append(row["screen_log10_lr"][0])
    print(f"{platform.node()}: {args.families} families, {' and '.join(typed)} typed, "
          f"{len(panel)} SNPs, {args.error:.0%} error, {args.missing:.0%} missing, seed "
          f"{args.seed}\n")
    print("| PM | approximation | median exact log10 LR | median approx - exact | 5% | 95% | "
          "max | P(approx > exact) |")
    print("|---|---|---|---|---|---|---|---|")
    for who, vals in rows.items():
        e, branches, best = np.array(vals).T
        for name, a in (("branches", branches), ("best", best)):
            d = a - e
            print(f"| {who} | {name} | {np.median(e):.2f} | {np.median(d):+.3f} | "
                  f"{np.quantile(d, 0.05):+.3f} | {np.quantile(d, 0.95):+.3f} | "
                  f"{d.max():+.3f} | {np.mean(d > 0):.2f} |")
    exact_true = np.array(rows["true"])[:, 0]
    scr_true, scr_unrel = np.array(screens["true"]), np.array(screens["unrelated"])
    print("\nScreen (the best reference's unlinked log10 LR) of the family candidates: true "
          "candidates with exact LR >= 1e4 that a threshold would drop, and unrelated ones "
          "it passes:\n")
    print("| threshold | true lost | unrelated passed |")
    print("|---|---|---|")
    found = exact_true >= 4
    for t in (0.0, 1.0, 2.0, 3.0):
        lost = np.sum(found & (scr_true < t)) / max(found.sum(), 1)
        print(f"| {t:g} | {lost:.3f} ({found.sum()} with LR >= 1e4) | "
              f"{np.mean(scr_unrel >= t):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["speed", "approx"])
    parser.add_argument("--families", type=int, default=5000)
    parser.add_argument("--pm", type=int, default=1000)
    parser.add_argument("--true", type=int, default=100)
    parser.add_argument("--threshold", type=float, default=1.0)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--error", type=float, default=0.01)
    parser.add_argument("--missing", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--references", default="UN,AU",
                        help="approx: one paternal and one maternal reference (UN uncle, CO "
                             "cousin; AU aunt, MC cousin)")
    args = parser.parse_args()
    (speed if args.what == "speed" else approx)(args)


if __name__ == "__main__":
    main()
