"""The screen of ``SnpScores`` (``identify(snp=...)``): CPU time of ``SnpScores.block`` with and
without it, how far the screened-out pairs' stand-in is from their linked LR, how much the
LR sums per body move, and whether identify decides otherwise.

A simulated programme (``simulate_programme``, the default family shapes: parents, siblings,
half siblings, nephews, cousin and aunt..., one or two missing persons per family, 20%
unrelated bodies, one fragment each) with SNP calls on the FORCE panel
(``simulate_programme_snps``: ``--error`` genotype error on both sides, ``--missing`` PM
missing calls). The rows are the families' missing persons (and, with ``--alternatives``, the
relative alternatives of the decisions on each family extended by them). ``SnpScores.block``
over every row against every body, each from an empty cache (so the emission and screen tables
are built in each), CPU seconds (``time.process_time``), once with ``screen_threshold=-inf``
(every pair by the HMM: before) and once with ``--threshold`` (after).

For each screened-out pair: log10 (stand-in / linked LR) for the stand-in used (the unlinked
limit of the pair's method) and for log10 LR 0 (a neutral value), by the truth of the pair
(the body is the row's person, another person of the row's family, or of no family in the
programme's pedigrees) and by the hypothesis's degree (the closest scored reference's degree to
the row's person). LR sums: per body, the sum over the missing-person rows of
10^(log10 LR_STR + log10 LR_SNP) (what the search's sums add), with the exact linked LR for
every pair and with each stand-in (the used one, 0, and -inf: the pair dropped).
With ``--identify``: identify(snp=...) at -inf and at ``--threshold`` (its own CPU seconds),
its identifications, family-level proposals and held-back bodies compared.

    NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python -m benchmarks.snp_screen \\
        --families 200 --bodies 200 --seed 1
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from collections import defaultdict

import numpy as np

from forensic_match.decide.alternatives import relative_alternatives
from forensic_match.dvi.compile import compile_families
from forensic_match.dvi.identify import identify, prepare_panel
from forensic_match.dvi.search import search_samples
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.linked import load_force_panel
from forensic_match.linked.programme import SubstructureWarning
from forensic_match.linked.scores import SnpCache, SnpScores
from forensic_match.linked.simulate import simulate_programme_snps

from .cases import markers as bench_markers


def _quantiles(x: np.ndarray) -> str:
    if x.size == 0:
        return "| 0 | | | | | |"
    q = np.quantile(x, [0.5, 0.95, 0.99])
    return (f"| {x.size} | {q[0]:.3f} | {q[1]:.3f} | {q[2]:.3f} | {x.max():.3f} | "
            f"{(x > 1).mean():.4f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=200)
    ap.add_argument("--bodies", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threshold", type=float, default=1.0)
    ap.add_argument("--error", type=float, default=0.01)
    ap.add_argument("--missing", type=float, default=0.3)
    ap.add_argument("--fst", type=float, default=0.01)
    ap.add_argument("--chromosomes", default="", help="comma-separated subset of the panel")
    ap.add_argument("--alternatives", action="store_true",
                    help="score the relative alternatives' rows too")
    ap.add_argument("--identify", action="store_true",
                    help="also compare identify()'s decisions at -inf and --threshold")
    ap.add_argument("--screened-only", action="store_true",
                    help="time the screened block only (no run without the screen)")
    args = ap.parse_args()
    warnings.simplefilter("ignore", SubstructureWarning)
    panel = load_force_panel()
    if args.chromosomes:
        keep = set(args.chromosomes.split(","))
        panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c in keep])
    prog = simulate_programme(args.families, args.bodies, markers=bench_markers("equal"),
                              seed=args.seed, missing_per_family=(1, 2), fragments=0.0,
                              unrelated=0.2)
    snp = simulate_programme_snps(prog, panel, np.random.default_rng(args.seed + 1000),
                                  pm_error=args.error, reference_error=args.error,
                                  pm_missing=args.missing)
    ds = prog.dataset
    families, rows, kind = [], [], []
    for fam in ds.am:
        if args.alternatives:
            ext = relative_alternatives(fam)
            families.append(ext.family)
            rows += [(fam.id, m) for m in fam.missing]
            rows += [(fam.id, a.person) for a in ext.alternatives]
            kind += ["missing"] * len(fam.missing) + ["alternative"] * len(ext.alternatives)
        else:
            families.append(fam)
            rows += [(fam.id, m) for m in fam.missing]
            kind += ["missing"] * len(fam.missing)
    samples = list(ds.pm)
    truth = {r["pm"]: (r["family"], r["missing"]) for r in prog.truth.iter_rows(named=True)}
    print(f"{platform.node()}, {platform.machine()}, {time.strftime('%Y-%m-%d %H:%M')}; "
          f"{len(panel)} SNPs, {len(ds.am)} families, {len(rows)} rows, {len(samples)} bodies, "
          f"error {args.error}, PM missing {args.missing}, fst {args.fst}, seed {args.seed}")
    opts = {"fst": args.fst, "pm_error": args.error, "reference_error": args.error}
    every = np.arange(len(rows))
    blocks, objs, cpu = {}, {}, {}
    runs = (args.threshold,) if args.screened_only else (-np.inf, args.threshold)
    for t in runs:
        t0 = time.process_time()
        obj = SnpScores(rows, families, samples, snp, cache=SnpCache(), warn=False,
                        screen_threshold=t, **opts)
        blocks[t] = obj.block(every)
        cpu[t] = time.process_time() - t0
        objs[t] = obj
    # the screen alone (vectors and their products), against one body and against all (the
    # difference: the products), tables built before
    screen_cpu = []
    for calls in ("one", "all"):
        probe = SnpScores(rows, families, samples, snp, cache=objs[runs[-1]].cache, warn=False,
                          screen_threshold=args.threshold, **opts)
        live = [int(r) for r in every if probe._plan[int(r)][2] is None]
        codes = probe._calls[:1] if calls == "one" else probe._calls
        t0 = time.process_time()
        for c0 in range(0, len(live), 64):
            probe._screen_rows(live[c0:c0 + 64], codes)
        screen_cpu.append(time.process_time() - t0)
    cpu_screen = screen_cpu[1]
    per_row = screen_cpu[0] / max(len(live), 1)
    per_product = (screen_cpu[1] - screen_cpu[0]) / max(len(live) * (len(probe._calls) - 1), 1)
    n_pairs = len(live) * len(probe._typed)
    print(f"\nscored pairs (SNP data on both sides, a related reference): {n_pairs} of "
          f"{len(rows) * len(samples)}")
    print("\n| screen_threshold | CPU s (block) | ms per scored pair | pairs by method |")
    print("|---|---|---|---|")
    for t in runs:
        print(f"| {t} | {cpu[t]:.1f} | {1e3 * cpu[t] / max(n_pairs, 1):.3f} | "
              f"{objs[t].cache.pairs_by_method()} |")
    print(f"\nof which the screen alone (vectors of {len(live)} rows, products): "
          f"{cpu_screen:.1f} CPU s, {1e6 * cpu_screen / max(n_pairs, 1):.1f} us per scored pair; "
          f"per row (its vectors) {1e3 * per_row:.2f} ms, per (row, body) product "
          f"{1e6 * per_product:.2f} us")
    if args.screened_only:
        return
    exact, screened = blocks[-np.inf], blocks[args.threshold]
    got = objs[args.threshold]
    diffs: dict[str, list[float]] = defaultdict(list)
    zero: dict[str, list[float]] = defaultdict(list)
    mask = np.zeros(exact.shape, dtype=bool)
    typed = np.array(got._typed, dtype=np.int64)
    for c0 in range(0, len(live), 64):
        part = live[c0:c0 + 64]
        for r, (_, passed, _) in zip(part, got._screen_rows(part, got._calls)):
            mask[r, typed[~passed]] = True
    for i in every:
        for j, s in enumerate(samples):
            if not mask[i, j]:
                continue
            fid, person = rows[i]
            tf, tm = truth.get(s.id, (None, None))
            cls = ("the row's person" if (tf, tm) == (fid, person) and kind[i] == "missing"
                   else "relative (same family)" if tf == fid else "unrelated")
            degrees = [link.degree for link in got._plan[i][1] if link.degree is not None]
            deg = f"degree {min(degrees)}" if degrees else "degree ?"
            d = screened[i, j] - exact[i, j]
            keys = [f"{kind[i]} rows, {cls}", f"{kind[i]} rows, {deg}", "all"]
            if max(exact[i, j], screened[i, j]) >= -2:
                keys.append("all, linked or stand-in log10 LR >= -2")
            for key in keys:
                diffs[key].append(d)
                zero[key].append(-exact[i, j])
    print(f"\nscreened out: {int(mask.sum())} pairs; their linked log10 LR: max "
          f"{exact[mask].max() if mask.any() else float('nan'):.3f}; stand-in max "
          f"{screened[mask].max() if mask.any() else float('nan'):.3f}")
    for name, table in (("unlinked limit of the method (used)", diffs),
                        ("log10 LR 0", zero)):
        print(f"\nstand-in: {name}; |log10 stand-in - log10 linked LR| over screened pairs")
        print("\n| pairs | n | median | 95% | 99% | max | share > 1 |")
        print("|---|---|---|---|---|---|---|")
        for key in sorted(table):
            print(f"| {key} " + _quantiles(np.abs(np.array(table[key]))))
        signed = np.array(table["all"])
        if signed.size:
            print(f"\nsigned (stand-in - linked): median {np.median(signed):.3f}, share of "
                  f"stand-ins above the linked LR {(signed > 0).mean():.3f}")
    # LR sums per body over the missing-person rows, STR + SNP
    compiled = compile_families(ds.am, prepare_panel(ds.markers, ds.am, ds.pm))
    pairs = search_samples(compiled, ds.pm, threshold=-np.inf, sex_filter=False).pairs
    str_lr = {(p, f, m): v for p, f, m, v in
              pairs.select("pm", "family", "missing", "log10_lr").iter_rows()}
    main_rows = [i for i in every if kind[i] == "missing"]
    strs = np.array([[str_lr.get((s.id, *rows[i]), -np.inf) for s in samples]
                     for i in main_rows])
    ex, sc, mk = exact[main_rows], screened[main_rows], mask[main_rows]
    variants = {"unlinked limit (used)": sc, "log10 LR 0": np.where(mk, 0.0, ex),
                "-inf (pair dropped)": np.where(mk, -np.inf, ex)}
    ln10 = np.log(10.0)

    def log10_sum(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.logaddexp.reduce(x * ln10, axis=0) / ln10

    base = log10_sum(strs + ex)
    print("\nLR sums per body over the missing-person rows (STR + SNP): the change "
          "|sum with stand-in - sum with the linked LR everywhere| / max(1, the latter) "
          "(a posterior weighs the sum against terms of order 1: the open set, "
          "unrelated), and log10 (with / without) over the bodies whose sum is >= 1\n")
    print("| stand-in | bodies | median change | max change | bodies with sum >= 1 | "
          "max abs log10 ratio there |")
    print("|---|---|---|---|---|---|")
    for name, val in variants.items():
        alt = log10_sum(strs + val)
        with np.errstate(over="ignore", invalid="ignore"):
            change = np.where(base >= 0, np.abs(10.0 ** (alt - base) - 1.0),
                              np.abs(10.0 ** alt - 10.0 ** base))
            change = np.where(np.isneginf(alt) & np.isneginf(base), 0.0, change)
        big = base >= 0
        ratio = np.abs(alt[big] - base[big]) if big.any() else np.zeros(1)
        print(f"| {name} | {base.size} | {np.median(change):.2e} | {change.max():.2e} | "
              f"{int(big.sum())} | {ratio.max():.2e} |")
    if args.identify:
        out, secs = {}, {}
        for t in (-np.inf, args.threshold):
            t0 = time.process_time()
            out[t] = identify(ds.am, ds.pm, ds.markers, snp=snp,
                              snp_options={**opts, "screen_threshold": t})
            secs[t] = time.process_time() - t0
        a, b = out[-np.inf], out[args.threshold]
        keys = ["pm", "family", "missing"]
        same = [a.identifications.select(keys).sort(keys).equals(
                    b.identifications.select(keys).sort(keys)),
                a.family_level.select("pm", "family").sort("pm", "family").equals(
                    b.family_level.select("pm", "family").sort("pm", "family")),
                a.held_back.height == b.held_back.height]
        post = np.abs(a.identifications.sort(keys)["posterior"].to_numpy()
                      - b.identifications.sort(keys)["posterior"].to_numpy()) \
            if same[0] else np.array([np.nan])
        print(f"\nidentify: CPU s {secs[-np.inf]:.1f} (-inf) vs {secs[args.threshold]:.1f} "
              f"({args.threshold}); identifications {a.identifications.height} vs "
              f"{b.identifications.height}, family level {a.family_level.height} vs "
              f"{b.family_level.height}, held back {a.held_back.height} vs "
              f"{b.held_back.height}; same identifications {same[0]}, same family-level "
              f"{same[1]}, same held-back count {same[2]}; max |posterior change| "
              f"{post.max():.2e}")
        print(f"pairs by method (threshold {args.threshold}): "
              f"{b.parameters['snp']['pairs_by_method']}")


if __name__ == "__main__":
    main()
