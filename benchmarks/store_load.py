"""The case store's first load and its nightly read-back, without the identification.

Usage::

    python benchmarks/store_load.py --missing 2000 --pm 1000

A programme is simulated as ``nightly.py`` does (one missing person per family); its families
and PM samples are stored in a fresh SQLite store (one transaction, as a run's first
transaction does), the store is read back as every run reads it before identifying
(``store.records.read_latest``: the newest versions and the dataset built from them), the
same dataset is stored again (nothing changes), and the audit log is verified. Prints one JSON
line with wall and CPU seconds (``time.process_time``: SQLite works inside this process, so
its CPU time is counted; waiting for the disk is not) of each step, and the rows written.
``--url`` stores into an empty database of another backend (PostgreSQL: its server's CPU is
not counted, compare wall seconds).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import resource
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
from forensic_match.store import CaseStore  # noqa: E402

try:
    from forensic_match.store.records import read_latest
except ImportError:  # before 2026-12-04 a run read the versions, then the dataset (twice parsed)
    from forensic_match.store.records import latest_dataset, latest_versions

    def read_latest(conn, markers, *, id="store"):  # noqa: ANN001, ANN202, A002
        fams, profs = latest_versions(conn)
        return fams, profs, latest_dataset(conn, markers, id=id)


def _timed(step, out: dict, name: str):  # noqa: ANN001, ANN202 - a benchmark helper
    wall, cpu = time.perf_counter(), time.process_time()
    value = step()
    out[name] = {"wall_s": round(time.perf_counter() - wall, 2),
                 "cpu_s": round(time.process_time() - cpu, 2)}
    return value


def store_load(n_missing: int, n_pm: int, seed: int, folder: Path,
               url: str | None = None) -> dict:
    markers = panel()
    unrelated = min(0.95, max(0.1, 1.0 - 0.6 * n_missing / n_pm))
    prog = simulate_programme(n_missing, n_pm, markers=markers, seed=seed,
                              missing_per_family={1: 1.0}, unrelated=unrelated)
    ds = prog.dataset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = dataclasses.replace(ds, markers=prepare_panel(ds.markers, ds.am, ds.pm))
    out: dict = {"run": "store_load", "missing": n_missing, "families": len(ds.am),
                 "pm": len(ds.pm), "machine": platform.platform(),
                 "date": time.strftime("%Y-%m-%d %H:%M")}
    out["backend"] = "sqlite" if url is None else url.split(":", 1)[0]
    with CaseStore(url or folder / "cases.db") as store:
        summary = _timed(lambda: store.ingest(ds, actor="bench"), out, "ingest")
        out["new_versions"] = len(summary.new_versions)
        with store.reading() as conn:
            _, _, back = _timed(lambda: read_latest(conn, ds.markers), out, "read_back")
        out["read_back_families"], out["read_back_pm"] = len(back.am), len(back.pm)
        again = _timed(lambda: store.ingest(ds, actor="bench"), out, "ingest_unchanged")
        out["unchanged"] = again.unchanged
        report = _timed(store.verify, out, "verify")
        out["audit_entries"], out["verify_ok"] = report.entries, report.ok
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--missing", type=int, default=2000)
    ap.add_argument("--pm", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--url", default=None,
                    help="an empty database to store into (e.g. postgresql+psycopg://...) "
                         "instead of a fresh SQLite file; CPU seconds then leave out the "
                         "server's, so compare wall seconds")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fm-storeload-") as tmp:
        print(json.dumps(store_load(a.missing, a.pm, a.seed, Path(tmp), a.url)))


if __name__ == "__main__":
    main()
