"""Writing a night's relatives table: in full (``CompiledTables.save_rows``) against as an
appended piece and an index (``table_parts.save_parted``), on a saved tables file.

    python benchmarks/table_parts_write.py TABLES.npz [--changed 430] [--out DIR]

Reads ``TABLES.npz`` (a ``tables.relatives.npz`` a run left; read only, mapped), then times,
in CPU and wall seconds: (1) the full write of every row; (2) the first write as pieces (the
base: a full write); (3) a night that drops ``--changed`` rows and adds as many new ones
(copies of other rows under new keys, as lone rows) written in full and (4) as an appended
piece. Checks that the table read back from the pieces equals the full write, bit for bit.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from forensic_match.dvi.compile import CompiledTables
from forensic_match.dvi.table_parts import PartedTables, load_tables, save_parted


def _timed(f, *args, **kwargs):  # noqa: ANN001, ANN202
    t, c = time.perf_counter(), time.process_time()
    out = f(*args, **kwargs)
    return out, round(time.perf_counter() - t, 2), round(time.process_time() - c, 2)


def _same(a: CompiledTables, b: CompiledTables) -> bool:
    names = ("log10_lr", "consistent", "log10_likelihood", "allele_sums", "denominator",
             "denominator_sums", "row_theta", "offsets")
    return all(getattr(a, n).tobytes() == getattr(b, n).tobytes() for n in names) and \
        (a.rows, a.sex, a.keys) == (b.rows, b.sex, b.keys)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tables", type=Path)
    ap.add_argument("--changed", type=int, default=430)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    src, load_s, load_cpu = _timed(CompiledTables.load, a.tables)
    n = len(src.rows)
    out: dict = {"rows": n, "file_mb": round(a.tables.stat().st_size / 1e6, 1),
                 "load": [load_s, load_cpu]}
    folder = Path(tempfile.mkdtemp(prefix="parts-", dir=a.out))
    try:
        every = [(src, r) for r in range(n)]
        args = (src.markers, every, list(src.rows), list(src.sex), list(src.keys), src.theta)
        _, *out["full_write"] = _timed(CompiledTables.save_rows, folder / "full.npz", *args)
        index = folder / "t.npz"
        counts, *out["base_write"] = _timed(save_parted, index, *args)
        out["base_counts"] = counts
        old = load_tables(index)
        assert isinstance(old, PartedTables)
        rng = np.random.default_rng(1)
        dropped = set(rng.choice(n, a.changed, replace=False).tolist())
        kept = [r for r in range(n) if r not in dropped]
        donors = rng.choice(n, a.changed, replace=False).tolist()
        picks = [(old, r) for r in kept] + [old.row(r) for r in donors]
        rows = [old.rows[r] for r in kept] + [(f"new{i}", "x") for i in range(a.changed)]
        sex = [old.sex[r] for r in kept] + [old.sex[r] for r in donors]
        keys = [old.keys[r] for r in kept] + [f"new-key-{i}" for i in range(a.changed)]
        night = (old.markers, picks, rows, sex, keys, old.theta)
        _, *out["night_full_write"] = _timed(CompiledTables.save_rows, folder / "full2.npz",
                                             *night)
        counts, *out["night_appended"] = _timed(save_parted, index, *night, previous=old)
        out["night_counts"] = counts
        back, *out["load_pieces"] = _timed(load_tables, index)
        assert isinstance(back, PartedTables)
        out["equal_to_full_write"] = _same(back.tables(), CompiledTables.load(
            folder / "full2.npz"))
        out["piece_mb"] = {p.name: round(p.stat().st_size / 1e6, 1)
                           for p in sorted(folder.glob("t.part-*.npz"))}
    finally:
        shutil.rmtree(folder)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
