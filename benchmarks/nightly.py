"""A nightly run against the case store, against the full run that filled it.

Usage::

    python benchmarks/nightly.py --missing 22295 --pm 10000 --new-pm 100 --changed 50 \
        [--evidence [--place]] [--theta 0.02]

A programme is simulated (one missing person per family, as ``programme.py scale``); the
first run stores every family and ``--pm`` PM samples in a fresh SQLite store and identifies
(everything compiled); the second, the night, brings ``--new-pm`` new PM samples and
``--changed`` families with a re-typed relative (one marker of their first typed relative no
longer typed). The frequency table already holds every allele of the programme, as an
institution's table does once its new alleles are added (a new allele would recompile every
family: ``docs/store.md``). Prints one JSON line: each run's wall time and its parts
(ingest, identify, write), families compiled, and the night's time as a fraction of the full
run's. ``--compare-reuse`` runs the night twice on the same store and tables (a copy without
reusing the last run's searches, then the store with it: ``run_store(reuse_searches=)``),
``--profile-night`` profiles the night(s). ``--save-full DIR`` keeps the store and tables
after the full run, and ``--night-from DIR`` runs only the night from such a copy (to compare
two versions' nights on one full run; ``--prime`` runs the full run's data once more
before the night, so that each version's night follows a run of its own). ``--evidence``
simulates AM records and PM findings and weighs them with the DNA (``run --evidence``),
``--place`` adds the place-and-date prior (``--place-prior``, the programme's district
coordinates coming with every run).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import os
import platform
import pstats
import resource
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from programme import panel  # noqa: E402

from forensic_match.dvi.identify import prepare_panel  # noqa: E402
from forensic_match.dvi.simulate import simulate_programme  # noqa: E402
from forensic_match.store import CaseStore, run_store  # noqa: E402


def _retyped(family):  # noqa: ANN001, ANN202 - a benchmark helper
    who = sorted(family.genotypes)[0]
    genotypes = dict(family.genotypes)
    profile = dict(genotypes[who])
    profile.pop(sorted(profile)[0])
    genotypes[who] = profile
    return dataclasses.replace(family, genotypes=genotypes)


def nightly(n_missing: int, n_pm: int, new_pm: int, changed: int, workers: int, seed: int,
            folder: Path, profile_night: bool = False, reuse_searches: bool = True,
            compare: bool = False, profile_file: Path | None = None,
            save_full: Path | None = None, night_from: Path | None = None,
            prime: bool = False, profile_cpu: bool = False, profile_full: bool = False,
            full_only: bool = False, reference_kin: float | None = None,
            evidence: bool = False, place: bool = False, theta: float = 0.0) -> dict:
    markers = panel()
    total_pm = n_pm + new_pm
    unrelated = min(0.95, max(0.1, 1.0 - 0.6 * n_missing / total_pm))
    prog = simulate_programme(n_missing, total_pm, markers=markers, seed=seed,
                              missing_per_family={1: 1.0}, unrelated=unrelated,
                              evidence=evidence)
    ds = prog.dataset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full_panel = prepare_panel(ds.markers, ds.am, ds.pm)
    ds = dataclasses.replace(ds, markers=full_panel)
    first = dataclasses.replace(ds, pm=ds.pm[:n_pm])
    # The night: new samples, and re-typed relatives in families spread over the register.
    step = max(1, len(ds.am) // max(1, changed))
    retyped = [_retyped(f) for f in ds.am[::step][:changed]]
    night = dataclasses.replace(ds, am=retyped, pm=ds.pm[n_pm:])
    out: dict = {"run": "nightly", "missing": n_missing, "families": len(ds.am),
                 "pm_first": len(first.pm), "pm_new": len(night.pm),
                 "families_changed": len(retyped), "workers": workers,
                 "reuse_searches": reuse_searches,
                 "machine": platform.platform(), "date": time.strftime("%Y-%m-%d")}
    extra: dict = {} if reference_kin is None else {"reference_kin": reference_kin}
    if extra:
        out["reference_kin"] = reference_kin
    if theta > 0:
        # The Balding-Nichols correction in compile and decisions (run --theta).
        extra["theta"] = theta
        out["theta"] = theta
    if evidence:
        # The simulated AM records and PM findings weighed with the DNA (run --evidence), and
        # with --place the place-and-date prior (the programme's district coordinates).
        extra |= {"evidence": True, "place_prior": place}
        out |= {"evidence": True, "place_prior": place}

    def one(store: CaseStore, name: str, data, reuse: bool) -> None:  # noqa: ANN001
        profiler = None
        if profile_night and name != "full" or profile_full and name == "full":
            # cProfile's default clock is wall time, which the other jobs' load inflates;
            # with --profile-cpu the main process's CPU time (time.process_time).
            profiler = cProfile.Profile(time.process_time) if profile_cpu else \
                cProfile.Profile()
        t = time.perf_counter()
        cpu = time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.time()
        if profiler is not None:
            profiler.enable()
        summary = run_store(store, data, workers=workers, min_markers=8,
                            reuse_searches=reuse, **extra)
        if profiler is not None:
            profiler.disable()
            print(f"--- {name}", file=sys.stderr)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative") \
                .print_stats("forensic_match", 30)
            if profile_file is not None:
                profiler.dump_stats(f"{profile_file}.{name}")
        wall = time.perf_counter() - t
        cpu = time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU seconds of the worker processes that ended during the run (compile workers).
        cpu_workers = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        out[name] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                     "cpu_workers_s": round(cpu_workers, 1),
                     "load": round(os.getloadavg()[0], 1),
                     **{k: round(v, 1) for k, v in summary.timings.items()},
                     "compiled_families": summary.counts["compiled_families"],
                     "compiled_relative_families":
                         summary.counts["compiled_relative_families"],
                     "searches_reused": summary.counts.get("searches_reused", 0),
                     "identifications": summary.counts["identifications"],
                     "changes": {k: summary.counts.get(f"candidates_{k}", 0)
                                 for k in ("new", "stronger", "weaker", "withdrawn")}}
        if store.tables_dir is not None:
            # What the run wrote into the tables directory (files it created or replaced).
            stats = {p.name: p.stat() for p in store.tables_dir.iterdir() if p.is_file()}
            out[name]["tables_written_mb"] = round(sum(
                st.st_size for st in stats.values() if st.st_mtime >= started) / 1e6, 1)
            out[name]["relatives_files_mb"] = {
                n: round(st.st_size / 1e6, 1) for n, st in sorted(stats.items())
                if n.startswith("tables.relatives")}
            out[name]["missing_tables_files_mb"] = {
                n: round(st.st_size / 1e6, 1) for n, st in sorted(stats.items())
                if n == "tables.npz" or n.startswith("tables.part-")}

    def copy_state(src: Path, dst: Path) -> None:
        dst.mkdir(parents=True, exist_ok=True)
        for part in ("cases.db", "cases.db-wal", "cases.db-shm"):
            if (src / part).exists():
                shutil.copy(src / part, dst / part)
        shutil.copytree(src / "cases.db.tables", dst / "cases.db.tables", dirs_exist_ok=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if night_from is not None:
            # The full run's store and tables, kept by an earlier --save-full (same options).
            copy_state(night_from, folder)
            saved = json.loads((night_from / "full.json").read_text())
            out["full"] = saved["full"]
            out["full_from"] = str(night_from)
        else:
            with CaseStore(folder / "cases.db") as store:
                one(store, "full", first, reuse_searches)
            if save_full is not None:
                copy_state(folder, save_full)
                (save_full / "full.json").write_text(json.dumps({"full": out["full"]}))
        if full_only:
            return _finish(out, None)
        if compare:
            # The same store and tables twice: tonight without reuse, then with it.
            other = folder / "without"
            other.mkdir()
            for part in ("cases.db", "cases.db-wal", "cases.db-shm"):
                if (folder / part).exists():
                    shutil.copy(folder / part, other / part)
            shutil.copytree(folder / "cases.db.tables", other / "cases.db.tables")
            with CaseStore(other / "cases.db") as store:
                one(store, "night_without_reuse", night, False)
        if prime:
            # The full run's data again (nothing new): this version's memos are then made
            # from the full run's state, whichever version made it.
            with CaseStore(folder / "cases.db") as store:
                one(store, "unchanged_night", first, reuse_searches)
        with CaseStore(folder / "cases.db") as store:
            one(store, "night", night, reuse_searches)
    return _finish(out, "night")


def _finish(out: dict, night: str | None) -> dict:
    if night is not None:
        out["night_fraction_of_full"] = round(out[night]["wall_s"] / out["full"]["wall_s"], 3)
        out["night_cpu_fraction_of_full"] = round(out[night]["cpu_s"] / out["full"]["cpu_s"],
                                                  3)
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["peak_mb_workers"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--missing", type=int, default=2000)
    ap.add_argument("--pm", type=int, default=1000)
    ap.add_argument("--new-pm", type=int, default=100)
    ap.add_argument("--changed", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--profile-night", action="store_true",
                    help="Profile the night's run (cProfile, top 30 by cumulative time, on "
                         "standard error; its wall time then includes the profiler's cost).")
    ap.add_argument("--profile-cpu", action="store_true",
                    help="With --profile-night or --profile-full, time the profile by "
                         "the process's CPU seconds (time.process_time), not wall time.")
    ap.add_argument("--profile-file", type=Path, default=None,
                    help="With --profile-night or --profile-full, also dump each "
                         "profiled run's profile to PROFILE_FILE.<run> (pstats format).")
    ap.add_argument("--profile-full", action="store_true",
                    help="Profile the full run (as --profile-night the nights).")
    ap.add_argument("--full-only", action="store_true",
                    help="Stop after the full run (no night).")
    ap.add_argument("--reference-kin", type=float, default=None,
                    help="The references' relatives' prior weight (identify's "
                         "reference_kin; default the engine's): 0 runs without them, to "
                         "measure what they cost.")
    ap.add_argument("--save-full", type=Path, default=None,
                    help="Copy the store and tables after the full run to this folder "
                         "(with the full run's figures), for --night-from.")
    ap.add_argument("--night-from", type=Path, default=None,
                    help="Skip the full run: start the night from a --save-full folder "
                         "(made with the same options), e.g. to compare two versions' "
                         "nights on one full run.")
    ap.add_argument("--prime", action="store_true",
                    help="Before the night, run the full run's data again (an unchanged "
                         "night, reported as unchanged_night).")
    ap.add_argument("--no-reuse-searches", dest="reuse_searches", action="store_false",
                    help="Search everything every night (run_store(reuse_searches=False)).")
    ap.add_argument("--compare-reuse", action="store_true",
                    help="After the full run, run the night on a copy of the store and "
                         "tables without reuse, then on the store with it.")
    ap.add_argument("--evidence", action="store_true",
                    help="Simulate AM records and PM findings and weigh them (run --evidence).")
    ap.add_argument("--theta", type=float, default=0.0,
                    help="subpopulation correction of both runs (identify's theta)")
    ap.add_argument("--place", action="store_true",
                    help="With --evidence, the place-and-date prior too (run --place-prior).")
    ap.add_argument("--dir", type=Path, default=None,
                    help="Folder for the store (default: a temporary one, removed after).")
    a = ap.parse_args()

    def run(folder: Path) -> dict:
        return nightly(a.missing, a.pm, a.new_pm, a.changed, a.workers, a.seed, folder,
                       a.profile_night, a.reuse_searches, a.compare_reuse, a.profile_file,
                       a.save_full, a.night_from, a.prime, a.profile_cpu, a.profile_full,
                       a.full_only, a.reference_kin, a.evidence, a.place, a.theta)

    if a.dir is not None:
        a.dir.mkdir(parents=True, exist_ok=True)
        result = run(a.dir)
    else:
        with tempfile.TemporaryDirectory(prefix="fm-nightly-") as tmp:
            result = run(Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
