"""A night's write of the rows kept by id (``identify._RowsById``: the references' relatives'
rows, ``tables.reference_kin.npz``, and the conditioned families' rows), on a saved file.

    python benchmarks/rows_by_id_write.py TABLES.npz [--changed 300] [--nights 2]

Copies ``TABLES.npz`` (a full tables file or an index with its pieces) into a temporary
folder, then runs ``--nights`` nights as ``identify`` does: every id is taken from last
night's file (``take``) and kept (``keep``) but ``--changed`` of them, which are kept as
freshly compiled rows (copies, so they are other objects) under new ids; ``save`` writes the
night. Prints the CPU and wall seconds of each night's ``save`` (whatever this checkout's
``_RowsById`` does: run it from two checkouts to compare) and what it wrote.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from forensic_match.dvi.compile import CompiledRow
from forensic_match.dvi.identify import _load_cache, _RowsById


def _copy(row: CompiledRow) -> CompiledRow:
    return CompiledRow(*(x.copy() if isinstance(x, np.ndarray) else x for x in row))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tables", type=Path)
    ap.add_argument("--changed", type=int, default=300)
    ap.add_argument("--nights", type=int, default=2)
    a = ap.parse_args()
    out: dict = {"tables": str(a.tables), "changed": a.changed, "nights": []}
    with tempfile.TemporaryDirectory(prefix="fm-rowsbyid-", dir=a.tables.parent.parent) as tmp:
        folder = Path(tmp)
        stem = a.tables.name.removesuffix(".npz")
        for f in a.tables.parent.glob(f"{stem}*.npz"):
            shutil.copy(f, folder / f.name)
        path = folder / a.tables.name
        for night in range(a.nights):
            previous = _load_cache(path)
            panel = previous.markers
            kept = _RowsById(panel, previous.theta, previous)
            ids = list(previous.keys)
            rows = kept.take(ids)
            assert rows is not None
            step = max(1, len(ids) // max(1, a.changed))
            fresh = set(range(0, len(ids), step)[:a.changed])
            for r, (i, row) in enumerate(zip(ids, rows)):
                if r in fresh:
                    kept.keep([f"{i}-n{night}"], [previous.rows[r]], [_copy(row)],
                              [previous.sex[r]])
                else:
                    kept.keep([i], [previous.rows[r]], [row], [previous.sex[r]])
            before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
            t, c = time.perf_counter(), time.process_time()
            kept.save(path)
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            written = sum(p.stat().st_size for p in folder.iterdir()
                          if before.get(p.name) != p.stat().st_mtime_ns)
            out["nights"].append({"rows": len(ids), "save_cpu_s": round(cpu, 2),
                                  "save_wall_s": round(wall, 2),
                                  "written_mb": round(written / 1e6, 1)})
            del previous, kept, rows
    print(json.dumps(out))


if __name__ == "__main__":
    main()
