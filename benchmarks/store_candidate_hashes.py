"""What ``verify`` pays for the runs' candidates (``docs/store.md``, "Candidates kept as
intervals"): a synthetic store of N runs over S PM samples (5 candidates each), a fraction of
the samples' lists changing each night, written by ``write_candidates``; then the same store
taken down to schema 0008 (every run's whole list under its id, as the code before migration
0009 stored it).

Prints the rows of each layout, the file sizes, and the CPU seconds of every run's candidates
hash: here by ``candidate_hashes`` (each row read once), and, with ``--old PATH`` (a checkout
of the code before, e.g. the main worktree), by that code's ``candidates_sha256`` run by run on
the 0008 copy, in a subprocess.

    PYTHONPATH=. python benchmarks/store_candidate_hashes.py --runs 60 --samples 2000 \\
        --dir /tmp/hashes --old /work/main
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

OLD = """
import json, sys, time
import sqlalchemy as sa
from forensic_match.store.audit import candidates_sha256
engine = sa.create_engine("sqlite:///" + sys.argv[1])
with engine.connect() as conn:
    runs = [r[0] for r in conn.execute(sa.text("SELECT run_id FROM runs ORDER BY run_id"))]
    t0 = time.process_time()
    hashes = {r: candidates_sha256(conn, r) for r in runs}
    print(json.dumps({"cpu_s": time.process_time() - t0, "hashes": hashes}))
"""


def main() -> None:
    from alembic import command

    from forensic_match.store import CaseStore, schema
    from forensic_match.store.candidates import candidate_hashes, write_candidates
    from forensic_match.store.database import _alembic_config, create_store_engine

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--changed", type=float, default=0.02)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--old", type=Path, default=None)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    new, old = args.dir / "intervals.db", args.dir / "per_run.db"
    for p in (new, old):
        p.unlink(missing_ok=True)
    rng = random.Random(1)
    lists = {f"PM{i:05d}": [(f"F{rng.randrange(20000):05d}", rng.uniform(-5, 25))
                            for _ in range(5)] for i in range(args.samples)}
    with CaseStore(new) as store, store.transaction() as conn:
        for n in range(args.runs):
            run = f"R{n:04d}"
            conn.execute(schema.runs.insert().values(
                run_id=run, software_version="bench", status="finished", config="{}",
                config_sha256="0" * 64, frequencies_sha256="0" * 64, inputs="{}", host="h",
                pid=1, started_at=f"2026-01-01T00:00:{n:06d}", timings="{}", counts="{}"))
            for pm in rng.sample(sorted(lists), int(args.changed * args.samples) if n else 0):
                lists[pm] = sorted(((f, x + rng.uniform(-1, 1)) for f, x in lists[pm]),
                                   key=lambda c: -c[1])
            rows = [{"run_id": run, "pm": pm, "rank": k, "family_id": f, "missing": f + "_MP1",
                     "log10_lr": x, "n_markers": 20, "n_inconsistent": 0}
                    for pm, cands in lists.items() for k, (f, x) in enumerate(cands, start=1)]
            write_candidates(conn, run, rows)
    shutil.copy(new, old)
    engine = create_store_engine(old)
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0008")
    engine.dispose()
    with CaseStore(new) as store, store.reading() as conn:
        t0 = time.process_time()
        hashes, problems = candidate_hashes(conn)
        cpu = time.process_time() - t0
        rows = conn.execute(sa.text("SELECT COUNT(*) FROM candidates")).scalar()
    assert not problems, problems
    engine = create_store_engine(old)
    with engine.connect() as conn:
        old_rows = conn.execute(sa.text("SELECT COUNT(*) FROM candidates")).scalar()
    engine.dispose()
    out = {"runs": args.runs, "samples": args.samples, "changed": args.changed,
           "rows": rows, "bytes": new.stat().st_size, "hash_cpu_s": round(cpu, 3),
           "per_run_rows": old_rows, "per_run_bytes": old.stat().st_size}
    if args.old is not None:
        env = dict(os.environ, PYTHONPATH=str(args.old))
        done = subprocess.run([sys.executable, "-c", OLD, str(old.resolve())], env=env,
                              check=True, cwd=args.old,
                              capture_output=True, text=True)
        before = json.loads(done.stdout)
        out["per_run_hash_cpu_s_before"] = round(before["cpu_s"], 3)
        out["same_hashes"] = before["hashes"] == hashes
    print(json.dumps(out))


if __name__ == "__main__":
    main()
