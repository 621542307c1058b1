"""Time of one pairwise linked-SNP likelihood over the 3,930 FORCE SNPs, per relationship.

Usage::

    python benchmarks/linked_speed.py [--repeats 200]

Each row times :func:`~forensic_match.linked.pair_log_likelihood` (emissions, compression of
uninformative markers and the forward pass; call codes prepared), computing the emissions or
looking them up in an ``emission_table`` built once, on one simulated pair with
1% genotype error and 30% missing calls, after a warm-up call that compiles the kernels. The
figure is the median over ``--repeats`` calls (wall time; the machine may be shared).
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from forensic_match.linked import RELATIONSHIPS, load_force_panel, pair_log_likelihood
from forensic_match.linked.pair import _unrelated_process, emission_table, pair_process
from forensic_match.linked.simulate import simulate_pair


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    panel = load_force_panel()
    rng = np.random.default_rng(1)
    print(f"{platform.node()}, {platform.processor() or platform.machine()}, "
          f"{len(panel)} SNPs, median of {args.repeats} calls\n")
    print("| hypothesis | states | ms per pair | ms per pair, emission table |")
    print("|---|---|---|---|")
    names = ["unrelated", "parent-child", "full siblings", "first cousins", "second cousins",
             "first cousins twice removed"]
    for name in names:
        ped = RELATIONSHIPS[name if name != "unrelated" else "full siblings"].pedigree()
        proc = _unrelated_process("A", "B") if name == "unrelated" else \
            pair_process(ped, "A", "B")
        a, b = simulate_pair(ped, "A", "B", panel, rng, error=0.01, missing=0.3)
        pair_log_likelihood(proc, panel, a, b, error=(0.01, 0.01))
        table = emission_table(proc, panel, error=(0.01, 0.01))
        pair_log_likelihood(proc, panel, a, b, table=table)
        times, fast = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            pair_log_likelihood(proc, panel, a, b, error=(0.01, 0.01))
            t1 = time.perf_counter()
            pair_log_likelihood(proc, panel, a, b, table=table)
            times.append(t1 - t0)
            fast.append(time.perf_counter() - t1)
        print(f"| {name} | {proc.n_states} | {1e3 * np.median(times):.3f} | "
              f"{1e3 * np.median(fast):.3f} |")


if __name__ == "__main__":
    main()
