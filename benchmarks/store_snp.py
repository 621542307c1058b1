"""Case-store nights with linked SNPs against ``identify(snp=...)`` alone (CPU seconds).

Usage::

    NUMBA_NUM_THREADS=1 python benchmarks/store_snp.py --families 40 [--db /tmp/snp.db]

Simulates ``--families`` families whose one reference is a first cousin and as many bodies,
SNP calls on the whole FORCE panel (10% of the bodies' calls missing), and times (after one
identification to compile the kernels): ``identify(snp=...)`` directly; a store night with
all the data; an unchanged night on the stored calls; a night without SNPs (which flags the
SNP proposals). Prints the stored calls' size per sample (``docs/store.md``, "Linked SNPs").
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.frequencies import load_frequencies
from forensic_match.linked import load_force_panel
from forensic_match.linked.scores import SnpData
from forensic_match.linked.simulate import simulate_programme_snps
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.store import CaseStore, run_store, schema

DECIDE = {"min_markers": 8, "closed": True, "reference_kin": 0.0}
SNP = {"fst": 0.01}


def _cpu(f):
    t = time.process_time()
    out = f()
    return time.process_time() - t, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", type=int, default=40)
    parser.add_argument("--db", default="/tmp/fm_store_snp.db")
    args = parser.parse_args()
    db = load_frequencies("fbi2015_sw_hispanic")
    markers = db.markers_for(db.markers, mutation=Mutation(
        female=MutationModel("equal", rate=0.0005), male=MutationModel("equal", rate=0.002)))
    panel = load_force_panel()
    n = args.families
    prog = simulate_programme(n, n, markers=markers, seed=5, shapes=["cousin"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    snp = simulate_programme_snps(prog, panel, np.random.default_rng(6), pm_missing=0.1)
    ds = prog.dataset
    identify(ds.am, ds.pm, ds.markers, theta=ds.theta, snp=snp, snp_options=SNP, **DECIDE)
    t, res = _cpu(lambda: identify(ds.am, ds.pm, ds.markers, theta=ds.theta, snp=snp,
                                   snp_options=SNP, **DECIDE))
    print(f"identify(snp=...) {n} x {n}, {len(panel)} SNPs: {t:.2f} CPU-s, "
          f"{res.identifications.height} identifications")
    path = Path(args.db)
    for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        f.unlink(missing_ok=True)
    shutil.rmtree(f"{path}.tables", ignore_errors=True)
    with CaseStore(path) as store:
        t, s = _cpu(lambda: run_store(store, ds, snp=snp, snp_options=SNP, **DECIDE))
        print(f"night 1 (all data): {t:.2f} CPU-s, {s.counts['new_proposals']} proposals")
        t, s = _cpu(lambda: run_store(store, ds, snp=SnpData(panel), snp_options=SNP,
                                      **DECIDE))
        moved = sorted(k for k in s.counts if k.startswith("candidates_"))
        print(f"night 2 (unchanged, stored calls): {t:.2f} CPU-s, "
              f"{s.counts['new_proposals']} proposals, candidate changes {moved}")
        t, s = _cpu(lambda: run_store(store, ds, **DECIDE))
        print(f"night 3 (no SNPs): {t:.2f} CPU-s, {s.counts['flagged_configuration']} "
              f"proposals flagged")
        with store.reading() as conn:
            rows, chars = conn.execute(sa.select(
                sa.func.count(), sa.func.sum(sa.func.length(schema.snp_calls.c.calls)))).one()
            audit = conn.execute(sa.select(sa.func.sum(sa.func.length(
                schema.audit_log.c.data))).where(schema.audit_log.c.entity == "snp_calls")
                                 ).scalar()
    print(f"snp_calls: {rows} rows, {chars / rows:.0f} characters per sample, audit images "
          f"{audit / rows:.0f} characters per sample; store file {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
