"""The search against its floor: a bare gather kernel over the same compiled tables.

Usage::

    python benchmarks/search_floor.py --missing 5000 --pm 10000 [--checkout DIR] [--runs 3]

The yardstick, :func:`bare_gather`, is the least any search must do: for every compiled row
and PM sample, one table gather per typed marker and their sum (a degraded sample's marker is
read at one genotype: its homozygote for a single allele seen with dropout, the first allowed
genotype otherwise), and each row's maximum so that nothing is optimised away. It takes the
samples' positions ready-made (no encoding), keeps no per-sample ranking, no LR sums, no pairs
above a threshold, no sex filter. :func:`forensic_match.dvi.search.search_samples` is timed
whole (encoding, scoring, merging, the result tables). For samples with single alleles seen
with dropout a second, fairer floor is timed beside it, :func:`bare_dropout`: the same
gathers for complete markers and, per dropout marker, the two reads and the product the
search needs (``ratio_to_dropout_floor``); the headline ratio stays against
:func:`bare_gather`.

Data: ``simulate_programme(MISSING, PM)`` on the 23 markers of ``fbi2015_sw_hispanic`` with
the equal mutation model and one missing person per family, as ``programme.py scale``; the
*realistic* samples are the simulator's (10 % of bodies in fragments, dropout per sample
uniform in [0, 0.3], 0-20 % of markers lost, 10 % of sexes unknown); the *complete* samples are
the same programme drawn with no dropout, no marker loss and no fragments. Tables and samples
are cached in ``--cache`` (default ``/tmp``) so that two checkouts time the same inputs.

Both are timed in CPU seconds of this process (``time.process_time``: the numba threads'
time included), alternately, best of ``--runs``, because the machine is shared. Prints one
JSON line.
"""

from __future__ import annotations

import argparse
import json
import pickle
import platform
import sys
import time
from pathlib import Path

import numba
import numpy as np
from numba import prange


@numba.njit(parallel=True, cache=True, nogil=True)
def bare_gather(table, rows, pos, n_typed, row_max):
    """``row_max[b] = max_s Σ_{j < n_typed[s]} table[rows[b], pos[s, j]]`` (parallel over
    rows)."""
    n_s = n_typed.size
    for b in prange(rows.size):
        row = table[rows[b]]
        best = -np.inf
        for s in range(n_s):
            acc = 0.0
            for j in range(n_typed[s]):
                acc += row[pos[s, j]]
            if acc > best:
                best = acc
        row_max[b] = best


@numba.njit(parallel=True, cache=True, nogil=True)
def bare_dropout(table, sums, rows, n_e, e_pos, n_d, d_a, d_c, row_max, row_lin):
    """The second floor, for degraded samples: per row and sample the gathers of the
    complete markers and the product of the single-allele dropout sums
    ``c1 sums[a, 0] + c2 sums[a, 1]`` (two reads and a product per such marker, as the
    search must do); ``row_max[b]`` / ``row_lin[b]`` the row's largest sum and product."""
    n_s = n_e.size
    for b in prange(rows.size):
        row = table[rows[b]]
        alle = sums[rows[b]]
        best = -np.inf
        best_lin = 0.0
        for s in range(n_s):
            acc = 0.0
            for j in range(n_e[s]):
                acc += row[e_pos[s, j]]
            lin = 1.0
            for j in range(n_d[s]):
                a = d_a[s, j]
                lin *= d_c[s, j, 0] * alle[a, 0] + d_c[s, j, 1] * alle[a, 1]
            best = max(best, acc)
            best_lin = max(best_lin, lin)
        row_max[b] = best
        row_lin[b] = best_lin


def floor_positions(enc) -> tuple[np.ndarray, np.ndarray]:
    """Dense per-sample gather positions of the typed markers (see the module docstring)."""
    n_s, n_m = enc.pos.shape
    pos = np.zeros((n_s, n_m), dtype=np.int64)
    n = np.zeros(n_s, dtype=np.int64)
    for s in range(n_s):
        for k in range(n_m):
            p = enc.pos[s, k]
            if p == -1:
                continue
            if p == -2:
                p = enc.drop_idx[s, k, 0]
            elif p <= -3:
                e = -(p + 3)
                p = enc.unc_pos[enc.unc_ptr[e]] if enc.unc_ptr[e + 1] > enc.unc_ptr[e] else 0
            pos[s, n[s]] = p
            n[s] += 1
    return pos, n


def dropout_arrays(enc) -> tuple[np.ndarray, ...]:
    """The samples' complete-marker positions and single-allele dropout parameters, as the
    search kernel reads them (``n_e, e_pos, n_d, d_a, d_c``); a general uncertain marker
    (several fragments, drop-in) is read as one gather, as :func:`floor_positions` does."""
    from forensic_match.dvi._search_numba import compact

    drop_w = enc.drop_w if enc.drop_w.size else np.zeros(enc.pos.shape + (2,))
    n_e, e_pos, n_d, _, d_a, d_c, n_g, g_e = compact(enc.pos, enc.drop_idx, drop_w)
    for s in np.flatnonzero(n_g).tolist():
        for j in range(n_g[s]):
            e = g_e[s, j]
            lo, hi = enc.unc_ptr[e], enc.unc_ptr[e + 1]
            e_pos[s, n_e[s]] = enc.unc_pos[lo] if hi > lo else 0
            n_e[s] += 1
    return n_e, e_pos, n_d, d_a, d_c


def inputs(n_missing: int, n_pm: int, seed: int, cache: Path):
    """(compiled tables, complete samples, realistic samples), built once and cached."""
    from forensic_match.dvi.compile import CompiledTables, compile_families
    from forensic_match.dvi.identify import prepare_panel
    from forensic_match.dvi.simulate import simulate_programme
    from forensic_match.frequencies import load_frequencies
    from forensic_match.mutation import Mutation, MutationModel

    stem = cache / f"search_floor_{n_missing}_{n_pm}_{seed}"
    tables, samples = stem.with_suffix(".npz"), stem.with_suffix(".pkl")
    if tables.exists() and samples.exists():
        with samples.open("rb") as f:
            complete, realistic = pickle.load(f)
        return CompiledTables.load(tables), complete, realistic
    db = load_frequencies("fbi2015_sw_hispanic")
    mutation = Mutation(female=MutationModel("equal", rate=0.0005),
                        male=MutationModel("equal", rate=0.002))
    markers = db.markers_for(db.markers, mutation=mutation)
    unrelated = min(0.95, max(0.1, 1.0 - 0.6 * n_missing / n_pm))
    common = {"markers": markers, "seed": seed, "missing_per_family": {1: 1.0},
              "unrelated": unrelated}
    real = simulate_programme(n_missing, n_pm, **common).dataset
    full = simulate_programme(n_missing, n_pm, dropout_range=(0.0, 0.0), marker_loss=0.0,
                              fragments=0.0, **common).dataset
    panel = prepare_panel(markers, real.am, real.pm + full.pm)
    compiled = compile_families(real.am, panel, workers=1)
    compiled.save(tables)
    with samples.open("wb") as f:
        pickle.dump((full.pm, real.pm), f)
    return compiled, full.pm, real.pm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--missing", type=int, default=5000)
    ap.add_argument("--pm", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--checkout", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--cache", default="/tmp")
    a = ap.parse_args()
    sys.path.insert(0, a.checkout)
    import forensic_match
    from forensic_match.dvi.search import encode_samples, search_samples

    if not forensic_match.__file__.startswith(a.checkout):
        raise SystemExit(f"imported {forensic_match.__file__}, not from {a.checkout}")
    compiled, complete, realistic = inputs(a.missing, a.pm, a.seed, Path(a.cache))
    rows = np.arange(len(compiled.rows), dtype=np.int64)
    out = {"checkout": a.checkout, "missing": len(rows), "pm": a.pm,
           "markers": len(compiled.markers)}
    for name, samples in (("complete", complete), ("realistic", realistic)):
        enc = encode_samples(samples, compiled.markers, compiled.offsets)
        pos, n = floor_positions(enc)
        row_max = np.empty(rows.size)
        bare_gather(compiled.log10_lr, rows[:2], pos, n, row_max[:2])  # JIT warm-up
        search_samples(compiled, samples[:20])
        drop = dropout_arrays(enc)
        row_lin = np.empty(rows.size)
        bare_dropout(compiled.log10_lr, compiled.allele_sums, rows[:2], *drop, row_max[:2],
                     row_lin[:2])
        bare, bare_d, full = [], [], []
        for _ in range(a.runs):
            t = time.process_time()
            bare_gather(compiled.log10_lr, rows, pos, n, row_max)
            bare.append(time.process_time() - t)
            t = time.process_time()
            search_samples(compiled, samples)
            full.append(time.process_time() - t)
            if drop[2].any():  # samples with dropout markers: the second floor too
                t = time.process_time()
                bare_dropout(compiled.log10_lr, compiled.allele_sums, rows, *drop, row_max,
                             row_lin)
                bare_d.append(time.process_time() - t)
        out[name] = {"bare_cpu_s": [round(x, 3) for x in bare],
                     "search_cpu_s": [round(x, 3) for x in full],
                     "ratio_best": round(min(full) / min(bare), 2),
                     "markers_per_sample": round(float(n.mean()), 2)}
        if bare_d:
            out[name]["bare_dropout_cpu_s"] = [round(x, 3) for x in bare_d]
            out[name]["ratio_to_dropout_floor"] = round(min(full) / min(bare_d), 2)
    out["machine"] = f"{platform.machine()}, numba {numba.__version__}, numpy {np.__version__}"
    out["load_avg"] = [round(x, 2) for x in __import__("os").getloadavg()]
    out["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
