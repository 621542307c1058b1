"""What a reviewer's rejections change: the harness's grave scenario identified, every false
proposal rejected by a reviewer who knows the truth, and the identification run again with
the rejections (``identify(rejected=...)``), until no false proposal is left or ``--runs``
runs were made (``docs/decisions.md``, "Pairs a review rejected").

    python benchmarks/rejections.py --families 1000 --seed 1 --relatives 0

Prints, per run: the pairs rejected so far, the proposals, true and false, the family-level
rows and how many are in the wrong household, and each false proposal; checks that no
rejected pair is proposed again. With ``--reject-true`` the reviewer errs: the first run's
true proposals are rejected as well, and the run repeated once (what wrong rejections
cost).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from validation import analysis_markers  # noqa: E402

from forensic_match.dvi.identify import identify  # noqa: E402
from forensic_match.dvi.scenarios import simulate_grave_scenario  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", type=int, default=300, help="households")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--relatives", type=float, default=None,
                    help="relative alternatives' weight (0: a closed list; default: "
                         "identify's)")
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--reject-true", action="store_true",
                    help="a reviewer who errs: the first run's true proposals are rejected "
                         "(and its false ones), then the run is repeated once")
    a = ap.parse_args(argv)
    prog = simulate_grave_scenario(a.families, markers=analysis_markers(), seed=a.seed)
    truth = {r["pm"]: r for r in prog.truth.iter_rows(named=True)}
    options = {} if a.relatives is None else {"relatives": a.relatives}
    rejected: list[tuple[str, str, str]] = []
    print(f"grave, {a.families} households, seed {a.seed}, relatives "
          f"{'default' if a.relatives is None else a.relatives:}")
    for run in range(1, a.runs + 1):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = identify(prog.dataset.am, prog.dataset.pm, prog.dataset.markers,
                           rejected=rejected, **options)
        false, true = [], []
        for r in res.identifications.iter_rows(named=True):
            pm = r["fragments"] or r["pm"]
            if (pm, r["family"], r["missing"]) in rejected:
                raise AssertionError(f"rejected pair proposed again: {pm} -> {r['missing']}")
            if not all(truth[f]["missing"] == r["missing"] for f in pm.split(",")):
                false.append((pm, r["family"], r["missing"], r["posterior"],
                              r["conditioned_on"]))
            else:
                true.append((pm, r["family"], r["missing"]))
        wrong_family = sum(
            not all(truth[f]["family"] == r["family"]
                    for f in (r["fragments"] or r["pm"]).split(","))
            for r in res.family_level.iter_rows(named=True))
        n = res.identifications.height
        print(f"run {run}: {len(rejected)} pairs rejected; {n} proposals, {n - len(false)} "
              f"true, {len(false)} false; {res.family_level.height} family-level rows "
              f"({wrong_family} in a wrong household); {time.perf_counter() - t0:.0f} s")
        for pm, family, missing, posterior, on in false:
            print(f"    false: {pm} -> {missing} of {family}, posterior {posterior:.7f}"
                  + (f", conditioned on {on}" if on else ""))
        if a.reject_true and run == 1:
            rejected += true
        elif a.reject_true or not false:
            break
        rejected += [(pm, family, missing) for pm, family, missing, _, _ in false]


if __name__ == "__main__":
    main()
