"""Joining fragments into bodies on a night: every pair compared, against the pairs of
unchanged samples taken from last night's memo.

Usage::

    python benchmarks/same_source_night.py --missing 2000 --pm 10000 --new-pm 100

Simulates a programme (as ``nightly.py``), compares the first ``--pm`` samples with a memo
(last night), then all ``--pm + --new-pm`` samples twice, alternately in full and from the
memo (``--repeat`` times each), checks that both give the same table and prints one JSON
line with the CPU seconds (``time.process_time``; the kernel's threads counted) of each.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from programme import panel  # noqa: E402

from forensic_match.dvi.fragments import SameSourceMemo, same_source_pairs  # noqa: E402
from forensic_match.dvi.identify import SUSPECT_LOG10, prepare_panel  # noqa: E402
from forensic_match.dvi.simulate import simulate_programme  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--missing", type=int, default=2000)
    ap.add_argument("--pm", type=int, default=10000)
    ap.add_argument("--new-pm", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    total = a.pm + a.new_pm
    unrelated = min(0.95, max(0.1, 1.0 - 0.6 * a.missing / total))
    prog = simulate_programme(a.missing, total, markers=panel(), seed=a.seed,
                              missing_per_family={1: 1.0}, unrelated=unrelated)
    ds = prog.dataset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        markers = prepare_panel(ds.markers, ds.am, ds.pm)
    ds = dataclasses.replace(ds, markers=markers)
    options = {"threshold": SUSPECT_LOG10}
    last_night = SameSourceMemo()
    same_source_pairs(ds.pm[:a.pm], markers, memo=last_night, **options)
    same_source_pairs(ds.pm[:50], markers, **options)  # compiles the kernels
    same_source_pairs(ds.pm[:50], markers, memo=SameSourceMemo(), **options)
    out: dict = {"run": "same_source_night", "samples": total, "new": a.new_pm,
                 "machine": platform.platform(), "date": time.strftime("%Y-%m-%d %H:%M"),
                 "full_cpu_s": [], "memo_cpu_s": [], "load": []}
    for _ in range(a.repeat):
        for name in ("full", "memo"):
            memo = copy.deepcopy(last_night) if name == "memo" else None
            cpu = time.process_time()
            pairs = same_source_pairs(ds.pm, markers, memo=memo, **options)
            out[f"{name}_cpu_s"].append(round(time.process_time() - cpu, 2))
            out["load"].append(round(os.getloadavg()[0], 1))
            if name == "full":
                want = pairs
            elif not pairs.equals(want):
                raise AssertionError("the pairs from the memo differ from the full comparison")
    out["pairs"] = want.height
    print(json.dumps(out))


if __name__ == "__main__":
    main()
