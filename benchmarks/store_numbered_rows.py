"""Writing a run's numbered rows (warnings, held rows, family-level rows) into the case store.

Usage::

    python benchmarks/store_numbered_rows.py            # 3,953 rows: a Peru night's family level
    python benchmarks/store_numbered_rows.py --rows 500 --url postgresql+psycopg://...

Makes a store (a temporary SQLite file, or ``--url``), runs the bundled small programme once so
that it holds a finished run, then writes ``--rows`` family-level rows for that run with the
store's own helper (one transaction, audited) and prints the CPU and wall seconds; the rows
are rolled back. ``verify`` is then run on the store to show the chain intact.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class _RolledBack(Exception):
    pass


def main(argv: list[str] | None = None) -> None:
    import sqlalchemy as sa

    from forensic_match.cases import load_case
    from forensic_match.store import CaseStore, run_store, schema
    from forensic_match.store.audit import lock_audit
    from forensic_match.store.runs import _keep_numbered

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3953)
    parser.add_argument("--url", default=None, help="a SQLAlchemy URL (default: SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = CaseStore(args.url or Path(tmp) / "cases.db")
        data = load_case(ROOT / "forensic_match" / "data" / "examples" / "programme_small.json")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_id = run_store(store, data, min_markers=8, cache=False).run_id
        rows = [{"pm": f"PM{k:06d}", "fragments": f"PM{k:06d}", "family_id": f"F{k:05d}",
                 "candidates": f"F{k:05d}_MP1 (0.5012) or F{k:05d}_MP2 (0.4987)",
                 "posterior": 0.99991, "relatives_posterior": 1e-4, "best_log10_lr": 9.5,
                 "caution": None} for k in range(args.rows)]
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            with store.transaction() as conn:
                lock_audit(conn)
                conn.execute(schema.run_family_level.delete().where(
                    schema.run_family_level.c.run_id == run_id))
                _keep_numbered(conn, schema.run_family_level, run_id, rows, actor="bench")
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                n = conn.execute(sa.select(sa.func.count()).select_from(
                    schema.run_family_level)).scalar_one()
                raise _RolledBack
        except _RolledBack:
            pass
        print(f"{args.rows} rows written and audited: {cpu:.2f} CPU-s, {wall:.2f} s wall "
              f"({n} rows in the transaction; rolled back); verify ok: {store.verify().ok}")
        store.close()


if __name__ == "__main__":
    main()
