"""Scale and accuracy runs of the matching engine on simulated programmes.

Usage::

    python benchmarks/programme.py scale --missing 1000 --pm 10000
    python benchmarks/programme.py accuracy --families 2000 --pm 1500
    python benchmarks/programme.py evidence --missing 22295 --pm 10000 [--place]

``scale`` times compile (2 processes) and search, and reports peak memory (ru_maxrss of this
process and of the compile workers). ``accuracy`` runs the whole identification and checks the
proposals against the ground truth. Each prints one JSON line; ``make bench-programme``
collects them into docs/benchmarks.md. ``evidence`` measures what the AM/PM evidence adds to
the search (issue 8): the same programme simulated with AM records and PM findings, compiled
once, then searched with DNA alone and with DNA + evidence alternately (``--repeats`` pairs),
each timed in wall and CPU seconds of this process, the evidence's tables built inside the
timed part.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import markers as bench_markers  # noqa: E402

from forensic_match.dvi.compile import compile_families  # noqa: E402
from forensic_match.dvi.identify import identify, prepare_panel  # noqa: E402
from forensic_match.dvi.search import exact_pair_log10_lr, search_samples  # noqa: E402
from forensic_match.dvi.simulate import simulate_programme  # noqa: E402


def panel(model: str = "equal"):
    """The 23 markers of ``fbi2015_sw_hispanic`` with the benchmarks' ``equal`` (female
    0.0005, male 0.002 per meiosis) or Familias-style ``stepwise`` mutation (the same rates,
    range 0.1, microvariant rate 1e-6): ``benchmarks/cases.py``."""
    return bench_markers(model)


def peak_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_mb_main": round(own, 1), "peak_mb_worker": round(children, 1)}


def scale(n_missing: int, n_pm: int, workers: int, seed: int, model: str = "equal",
          theta: float = 0.0) -> dict:
    markers = panel(model)
    # About 1.0 missing person per family here, so that rows = the register's size.
    # Remains of at most ~60% of the register are found; the rest of the samples are unrelated.
    unrelated = min(0.95, max(0.1, 1.0 - 0.6 * n_missing / n_pm))
    prog = simulate_programme(n_missing, n_pm, markers=markers, seed=seed,
                              missing_per_family={1: 1.0}, unrelated=unrelated)
    ds = prog.dataset
    markers = prepare_panel(markers, ds.am, ds.pm)
    compile_families(ds.am[:20], markers, theta=theta)  # JIT warm-up (and numba cache)
    t = time.perf_counter()
    compiled = compile_families(ds.am, markers, workers=workers, theta=theta)
    t_compile = time.perf_counter() - t
    search_samples(compiled, ds.pm[:10])  # warm-up
    t = time.perf_counter()
    res = search_samples(compiled, ds.pm, top=5, threshold=4.0)
    t_search = time.perf_counter() - t
    # The same pairs by the exact pairwise likelihood (the way established tools work):
    # time a random sample of pairs and extrapolate.
    rng = np.random.default_rng(seed)
    fams = {f.id: f for f in ds.am}
    picks = [(compiled.rows[int(rng.integers(len(compiled.rows)))],
              ds.pm[int(rng.integers(len(ds.pm)))]) for _ in range(300)]
    exact_pair_log10_lr(fams[picks[0][0][0]], picks[0][0][1], picks[0][1], markers)
    t = time.perf_counter()
    for (fid, mp), sample in picks:
        exact_pair_log10_lr(fams[fid], mp, sample, markers)
    per_pair = (time.perf_counter() - t) / len(picks)
    n_pairs = len(compiled.rows) * len(ds.pm)
    return {"run": "scale", "missing": len(compiled.rows), "pm": len(ds.pm),
            "exact_pairwise_us_per_pair": round(per_pair * 1e6, 1),
            "exact_pairwise_all_pairs_s": round(per_pair * n_pairs),
            "speedup_search_vs_exact": round(per_pair * n_pairs / t_search),
            "speedup_compile_and_search_vs_exact": round(per_pair * n_pairs /
                                                         (t_search + t_compile)),
            "markers": len(markers), "model": model, "theta": theta, "workers": workers,
            "compile_s": round(t_compile, 2),
            "search_s": round(t_search, 2), "pairs_above_1e4": res.pairs.height,
            "table_kb_per_missing": round(compiled.nbytes_per_row / 1024, 1),
            "pairs_per_s": round(len(compiled.rows) * len(ds.pm) / t_search),
            **peak_mb()}


def evidence_cost(n_missing: int, n_pm: int, workers: int, seed: int, place: bool,
                  repeats: int) -> dict:
    """DNA search against DNA + AM/PM evidence search on one compiled programme."""
    from forensic_match.evidence.scoring import Evidence

    markers = panel()
    unrelated = min(0.95, max(0.1, 1.0 - 0.6 * n_missing / n_pm))
    prog = simulate_programme(n_missing, n_pm, markers=markers, seed=seed,
                              missing_per_family={1: 1.0}, unrelated=unrelated, evidence=True)
    ds = prog.dataset
    markers = prepare_panel(markers, ds.am, ds.pm)
    compiled = compile_families(ds.am, markers, workers=workers)
    ev = Evidence.from_dataset(ds, place=place)
    findings = [ev.findings.get(s.id) for s in ds.pm]
    small = ev.scores(compiled.rows, findings[:10])  # JIT warm-up of the evidence kernels
    search_samples(compiled, ds.pm[:10], evidence=small)
    search_samples(compiled, ds.pm[:10])

    def timed(with_evidence: bool) -> tuple[float, float, float, int]:
        w, c = time.perf_counter(), time.process_time()
        scores = ev.scores(compiled.rows, findings) if with_evidence else None
        built = time.perf_counter() - w
        res = search_samples(compiled, ds.pm, top=5, threshold=4.0, evidence=scores)
        return time.perf_counter() - w, time.process_time() - c, built, res.pairs.height

    runs: dict[str, list] = {"dna": [], "dna_evidence": []}
    for _ in range(repeats):
        for name, flag in (("dna", False), ("dna_evidence", True)):
            runs[name].append(timed(flag))
    best = {k: min(v) for k, v in runs.items()}
    records = sum(r is not None for r in ev.records.values())
    return {"run": "evidence", "missing": len(compiled.rows), "pm": len(ds.pm),
            "am_records": records, "pm_findings": sum(f is not None for f in findings),
            "place_prior": place, "workers": workers,
            **{f"{k}_wall_s": [round(x[0], 2) for x in v] for k, v in runs.items()},
            **{f"{k}_cpu_s": [round(x[1], 2) for x in v] for k, v in runs.items()},
            "evidence_build_s": [round(x[2], 2) for x in runs["dna_evidence"]],
            "pairs_above_1e4": {k: v[0][3] for k, v in runs.items()},
            "added_wall_s": round(best["dna_evidence"][0] - best["dna"][0], 2),
            "added_cpu_s": round(min(x[1] for x in runs["dna_evidence"])
                                 - min(x[1] for x in runs["dna"]), 2),
            **peak_mb()}


def accuracy(n_families: int, n_pm: int, workers: int, seed: int,
             relatives: float = 1.0) -> dict:
    markers = panel()
    prog = simulate_programme(n_families, n_pm, markers=markers, seed=seed)
    ds = prog.dataset
    truth = prog.pm_to_missing
    t = time.perf_counter()
    res = identify(ds.am, ds.pm, markers, workers=workers, relatives=relatives)
    elapsed = time.perf_counter() - t
    ids = res.identifications
    body = dict(zip(prog.truth["pm"].to_list(), prog.truth["body"].to_list()))
    identifiable_bodies = {body[p] for p, m in truth.items() if m is not None}
    correct = wrong = 0
    for r in ids.iter_rows(named=True):
        frags = r["fragments"].split(",")
        if all(truth.get(f) == r["missing"] for f in frags):
            correct += 1
        else:
            wrong += 1
    fam_ok = fam_bad = 0
    for r in res.family_level.iter_rows(named=True):
        frags = r["fragments"].split(",")
        if all((truth.get(f) or "").startswith(r["family"] + "_") for f in frags):
            fam_ok += 1
        else:
            fam_bad += 1
    return {"run": "accuracy", "relatives": relatives, "families": n_families,
            "missing": len(res.compiled.rows),
            "pm": len(ds.pm), "bodies_identifiable": len(identifiable_bodies),
            "proposed": ids.height, "correct": correct, "false": wrong,
            "identification_rate": round(correct / max(1, len(identifiable_bodies)), 4),
            "family_level_correct": fam_ok, "family_level_false": fam_bad,
            "held_back": res.held_back.height,
            "by_rule": dict(zip(*ids.group_by("rule").len().sort("rule").to_dict(
                as_series=False).values())),
            "seconds": round(elapsed, 1), **peak_mb()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", choices=["scale", "accuracy", "evidence"])
    ap.add_argument("--missing", type=int, default=1000)
    ap.add_argument("--families", type=int, default=2000)
    ap.add_argument("--pm", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--relatives", type=float, default=1.0,
                    help="identify(relatives=...): 0 for closed family lists")
    ap.add_argument("--model", choices=["equal", "stepwise"], default="equal",
                    help="scale: mutation model of the panel (see panel())")
    ap.add_argument("--theta", type=float, default=0.0, help="scale: theta of the compile")
    ap.add_argument("--place", action="store_true", help="evidence: with the place prior")
    ap.add_argument("--repeats", type=int, default=2, help="evidence: pairs of searches")
    a = ap.parse_args()
    if a.run == "scale":
        out = scale(a.missing, a.pm, a.workers, a.seed, a.model, a.theta)
    elif a.run == "evidence":
        out = evidence_cost(a.missing, a.pm, a.workers, a.seed, a.place, a.repeats)
    else:
        out = accuracy(a.families, a.pm, a.workers, a.seed, a.relatives)
    out["machine"] = f"{platform.processor() or platform.machine()}, {np.__version__}"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
