"""How the case store grows night by night (``docs/store.md``, "Candidates kept as
intervals"): the bundled programme (200 families, 150 PM samples) fed over several nights,
then nights with nothing new.

Night 1 brings every family and the first 90 PM samples; nights 2 to 5 bring 15 new PM
samples each; night 6 re-types a typed relative of one family; the remaining nights bring the
same file again (nothing new). After each night: the candidate rows the run wrote, the rows of
``candidates`` (and its lineage and SNP tables) in all, the audit entries, the store's size on
disk (after a WAL checkpoint) and the CPU seconds of ``verify``. Runs on any version of the
store (it reads the tables by SQL only), so the same command measures before and after.

    PYTHONPATH=. python benchmarks/store_growth.py --nights 10 --dir /tmp/growth
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
import time
import warnings
from pathlib import Path

from forensic_match.cases import load_case
from forensic_match.dvi.identify import prepare_panel
from forensic_match.store import CaseStore, run_store

PROGRAMME = Path(__file__).resolve().parents[1] / "forensic_match" / "data" / "examples" / \
    "programme_small.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nights", type=int, default=10)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    db = args.dir / "cases.db"
    for p in args.dir.glob("cases.db*"):
        if p.is_file():
            p.unlink()
    ds = load_case(PROGRAMME)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = dataclasses.replace(ds, markers=prepare_panel(ds.markers, ds.am, ds.pm))
    pm = sorted(ds.pm, key=lambda s: s.id)
    retyped = ds.am[0]
    who = sorted(retyped.genotypes)[0]
    genotypes = dict(retyped.genotypes)
    genotypes[who] = {k: v for k, v in genotypes[who].items() if k != sorted(genotypes[who])[0]}
    retyped = dataclasses.replace(retyped, genotypes=genotypes)
    rows = []
    for night in range(1, args.nights + 1):
        shown = min(len(pm), 90 + 15 * (min(night, 5) - 1))
        am = [retyped, *ds.am[1:]] if night >= 6 else ds.am
        tonight = dataclasses.replace(ds, am=am, pm=pm[:shown])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with CaseStore(db) as store:
                summary = run_store(store, tonight, min_markers=8, say=lambda _: None)
                t0 = time.process_time()
                assert store.verify().ok
                verify_cpu = time.process_time() - t0
        con = sqlite3.connect(db)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        written = con.execute("SELECT COUNT(*) FROM candidates WHERE run_id = ?",
                              (summary.run_id,)).fetchone()[0]
        total = sum(con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                    for t in ("candidates", "candidate_lineage", "candidate_snp"))
        entries = con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        con.close()
        row = {"night": night, "pm_samples": shown,
               "candidates": summary.counts["candidates"], "rows_written": written,
               "candidate_rows": total, "audit_entries": entries,
               "bytes": db.stat().st_size, "verify_cpu_s": round(verify_cpu, 3)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    (args.dir / "growth.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
