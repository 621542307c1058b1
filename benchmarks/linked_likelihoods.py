"""Power of the pairwise linked-SNP LR when the PM sample is sequenced at low coverage: genotype
likelihoods against hard calls made from the same reads, and the unrelated tail.

Usage::

    python benchmarks/linked_likelihoods.py --pairs 200 --unrelated 1000 --seed 1

For each relationship, pairs are gene-dropped through its pedigree (the default sexes of
:func:`~forensic_match.linked.relationship_pedigree`) on the FORCE panel with crossovers on the
deCODE 2019 map. The reference is typed as calls with genotype error ``--ref-error`` and
``--ref-missing`` missing calls. The PM sample is sequenced (:func:`~forensic_match.linked.
simulate.sequence_reads`): at each SNP a Poisson(depth) number of reads, each the wrong
allele with probability ``--seq-error``. It is analysed three ways: its genotype likelihoods
(the binomial read model) with the genotype error ``--pm-error`` mixed in; and hard calls
made from the same likelihoods (the most likely genotype, missing below a quality
``10 log10(best / second best)`` of 0 or ``--min-quality``), analysed with genotype error
``--pm-error`` as calls are. Unrelated pairs (independent founders) are scored against the
same relationship. The screen (the unlinked LR, what ``search_programme`` uses) is reported
too: of the related pairs with linked LR >= 1e4, how many the screen drops at thresholds
(log10) -1, 0 and 1, and the share of unrelated pairs that pass it. Markdown is printed;
``docs/validation.md`` holds a copy with the command.
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from datetime import datetime, timezone

import numpy as np

from forensic_match.linked import (
    RELATIONSHIPS,
    PairProcess,
    SnpPanel,
    load_force_panel,
    pair_log_likelihood,
)
from forensic_match.linked.pair import _unrelated_process, emission_table, pair_process
from forensic_match.linked.simulate import (
    call_genotypes,
    degrade,
    drop_genes,
    founder_haplotypes,
    sequence_reads,
)

LN10 = math.log(10.0)


def _lr(proc: PairProcess, tables: list[np.ndarray], panel: SnpPanel, free: SnpPanel,
        pm: np.ndarray, ref: np.ndarray, args: argparse.Namespace) -> tuple[float, float]:
    """(linked, unlinked: on ``free``, the panel without linkage) log10 LR of the PM data
    (likelihoods or calls) against the reference's calls."""
    unrel = _unrelated_process("A", "B")
    if pm.ndim == 2:
        err = (args.pm_error, args.ref_error)
        linked = (pair_log_likelihood(proc, panel, pm, ref, error=err)
                  - pair_log_likelihood(unrel, panel, pm, ref, error=err))
        screen = (pair_log_likelihood(proc, free, pm, ref, error=err)
                  - pair_log_likelihood(unrel, free, pm, ref, error=err))
    else:
        linked = (pair_log_likelihood(proc, panel, pm, ref, table=tables[0])
                  - pair_log_likelihood(unrel, panel, pm, ref, table=tables[1]))
        screen = (pair_log_likelihood(proc, free, pm, ref, table=tables[0])
                  - pair_log_likelihood(unrel, free, pm, ref, table=tables[1]))
    return linked / LN10, screen / LN10


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--relationships", nargs="+", default=["full siblings", "first cousins"])
    ap.add_argument("--depths", nargs="+", type=float, default=[1.0, 2.0])
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--unrelated", type=int, default=1000)
    ap.add_argument("--seq-error", type=float, default=0.01)
    ap.add_argument("--pm-error", type=float, default=0.01)
    ap.add_argument("--ref-error", type=float, default=0.01)
    ap.add_argument("--ref-missing", type=float, default=0.1)
    ap.add_argument("--min-quality", type=float, default=10.0)
    ap.add_argument("--screen-thresholds", nargs="+", type=float, default=[-1.0, 0.0, 1.0])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    panel = load_force_panel()
    free = panel.without_linkage()
    rng = np.random.default_rng(args.seed)
    unrel = _unrelated_process("A", "B")
    inputs = ["likelihoods", "calls (argmax)", f"calls (quality >= {args.min_quality:g})"]
    started = time.process_time()
    rows = []
    for name in args.relationships:
        ped = RELATIONSHIPS[name].pedigree()
        proc = pair_process(ped, "A", "B")
        tables = [emission_table(p, panel, error=(args.pm_error, args.ref_error))
                  for p in (proc, unrel)]

        for depth in args.depths:
            scores = {k: {"related": [], "unrelated": []} for k in inputs}
            for kind, count in (("related", args.pairs), ("unrelated", args.unrelated)):
                for _ in range(count):
                    if kind == "related":
                        haps = drop_genes(ped, panel, rng)
                        truth, ref_haps = haps["A"].sum(axis=0), haps["B"]
                    else:
                        truth = founder_haplotypes(panel.freq_a1, 2, rng).sum(axis=0)
                        ref_haps = founder_haplotypes(panel.freq_a1, 2, rng)
                    ref = degrade(ref_haps, panel.freq_a1, rng, error=args.ref_error,
                                  missing=args.ref_missing)
                    like, _ = sequence_reads(truth, rng, depth=depth, error=args.seq_error)
                    data = [like, call_genotypes(like),
                            call_genotypes(like, min_quality=args.min_quality)]
                    for key, pm in zip(inputs, data):
                        scores[key][kind].append(_lr(proc, tables, panel, free, pm, ref,
                                                              args))
            for key in inputs:
                rel = np.array(scores[key]["related"])
                un = np.array(scores[key]["unrelated"])
                strong = rel[:, 0] >= 4
                rows.append((name, depth, key, float(np.mean(strong)),
                             float(np.median(rel[:, 0])),
                             *[float(np.mean(un[:, 0] >= math.log10(t))) for t in (10, 100,
                                                                                   1000)],
                             float(un[:, 0].max()), int(strong.sum()),
                             [int(np.sum(strong & (rel[:, 1] < t)))
                              for t in args.screen_thresholds],
                             [float(np.mean(un[:, 1] >= t)) for t in args.screen_thresholds]))
    seconds = time.process_time() - started
    print(f"{datetime.now(timezone.utc):%Y-%m-%d}, {platform.python_version()}, seed "
          f"{args.seed}, {args.pairs} related and {args.unrelated} unrelated pairs per row, "
          f"sequencing error {args.seq_error}, PM genotype error {args.pm_error}, reference "
          f"error {args.ref_error} and {args.ref_missing:.0%} missing; {seconds:.0f} CPU-s\n")
    at = " / ".join(f"{t:g}" for t in args.screen_thresholds)
    print("| relationship | depth | PM input | power at 1e4 | median log10 LR | unrelated "
          "P(LR >= 10) | P(>= 100) | P(>= 1e3) | max unrelated log10 LR | screen drops of "
          f"the LR >= 1e4 @ {at} | unrelated passing screen @ {at} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (name, depth, key, power, med, t10, t100, t1000, top, strong, lost,
         passing) in rows:
        print(f"| {name} | {depth:g}x | {key} | {power:.3f} | {med:.2f} | {t10:.3f} | "
              f"{t100:.3f} | {t1000:.4f} | {top:.2f} | "
              f"{' / '.join(map(str, lost))} of {strong} | "
              f"{' / '.join(f'{p:.3f}' for p in passing)} |")


if __name__ == "__main__":
    main()
