"""How far multiplying an STR LR by a linked-SNP LR is from the exact joint LR, when the STR
loci lie among the SNPs.

For pairs of a relationship (true relatives and unrelated pairs), gene dropping on one
genetic map that holds the FORCE SNPs *and* the 23 STR loci of ``fbi2015_sw_hispanic`` (at
their GRCh37 positions, ``forensic_match/data/snp/str_loci_grch37.csv``; cM interpolated from
the deCODE 2019 map), then three log10 LRs of the relationship against unrelated:

* ``joint``: one inheritance HMM along every chromosome over SNPs and STR loci together
  (exact under the model: no STR mutation, no STR typing error; the STR emission under each
  identity pattern of the four genes is the sum over the blocks' alleles, as for SNPs);
* ``product``: the SNP HMM's LR times the unlinked STR LR (each locus alone, kappa
  weights), the combination ``identify(snp=...)`` makes;
* the same two with the SNPs within ``--window`` cM (sex-averaged) of an STR locus dropped.

Printed: the median, the 5/95/99% quantiles and the maximum of ``product - joint`` (log10),
and the share of pairs whose product crosses LR 1e4 while the joint LR does not, and the
other way round; then the share of pairs at log10 LR >= 0, 1, 2 under each (for unrelated
pairs the tail that ``P(LR >= t) <= 1/t`` bounds for the joint LR).
Pairs that an STR locus excludes (no mutation modelled here: LR 0 either way) are counted
apart. The joint HMM also links the STR loci among themselves (vWA and D12S391 lie ~11 cM
apart), which the product, like the STR engine, ignores.

    .venv/bin/python -m benchmarks.snp_str_linkage --pairs 150 --seed 1
    .venv/bin/python -m benchmarks.snp_str_linkage --pairs 500 --seed 2 \
        --relationships "first cousins" avuncular
"""

from __future__ import annotations

import argparse
import csv
from itertools import product

import numpy as np

from forensic_match.frequencies import load_frequencies
from forensic_match.linked import RELATIONSHIPS, SnpPanel, load_decode_map, load_force_panel
from forensic_match.linked.pair import _PATTERN_ARRAY, _unrelated_process, pair_process
from forensic_match.linked.panel import _data
from forensic_match.linked.simulate import degrade, drop_labels
from forensic_match.markers import Marker


def str_loci() -> list[tuple[str, str, float]]:
    """(marker, chromosome, Mb GRCh37) of the bundled STR loci."""
    with open(_data("str_loci_grch37.csv"), encoding="utf-8") as fh:
        return [(r["marker"], r["chrom"], float(r["mb"])) for r in csv.DictReader(fh)]


def joint_panel(snps: SnpPanel, loci: list[tuple[str, str, float]]) -> tuple[SnpPanel, np.ndarray]:
    """The SNP panel with the STR loci inserted in genome order (as placeholder biallelic
    markers: only their positions are used), and the panel index of each STR locus."""
    gmap = load_decode_map()
    rows = [(c, mb, cm, cf, m, False) for m, c, mb, cm, cf in
            zip(snps.markers, snps.chrom, snps.mb, snps.cm_male, snps.cm_female)]
    for name, chrom, mb in loci:
        male, female = gmap.positions(chrom, np.array([mb]))
        # keep the panel's cM order: an STR takes its neighbours' cM where interpolation and
        # the panel's rounding disagree
        rows.append((chrom, mb, float(male[0]), float(female[0]),
                     Marker(f"STR:{name}", ("1", "2"), [0.5, 0.5]), True))
    order = {c: k for k, c in enumerate(snps.chromosomes)}
    rows.sort(key=lambda r: (order[r[0]], r[1]))
    cm_m = np.array([r[2] for r in rows])
    cm_f = np.array([r[3] for r in rows])
    chrom = np.array([r[0] for r in rows])
    for arr in (cm_m, cm_f):
        for i in range(1, arr.size):
            if chrom[i] == chrom[i - 1] and arr[i] < arr[i - 1]:
                arr[i] = arr[i - 1]
    panel = SnpPanel(tuple(r[4] for r in rows), chrom, np.array([r[1] for r in rows]),
                     cm_m, cm_f, "FORCE + STR loci")
    return panel, np.array([i for i, r in enumerate(rows) if r[5]])


def str_emission(freq: dict[str, float], ga: tuple[str, str], gb: tuple[str, str],
                 patterns: np.ndarray) -> np.ndarray:
    """P(genotypes of A and B | identity pattern) at one STR locus, for each pattern."""
    alleles = sorted(set(ga) | set(gb))
    want_a, want_b = sorted(ga), sorted(gb)
    out = np.zeros(len(patterns))
    for k, pat in enumerate(patterns):
        blocks = int(max(pat)) + 1
        total = 0.0
        for assign in product(alleles, repeat=blocks):
            if sorted((assign[pat[0]], assign[pat[1]])) == want_a and \
                    sorted((assign[pat[2]], assign[pat[3]])) == want_b:
                total += float(np.prod([freq[a] for a in assign]))
        out[k] = total
    return out


def main() -> None:
    from forensic_match.linked._pair_numba import (
        compress,
        emission_rows,
        forward_log_likelihood,
    )

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--relationships", nargs="+",
                    default=["half siblings", "avuncular", "first cousins"])
    ap.add_argument("--error", type=float, default=0.01)
    ap.add_argument("--missing", type=float, default=0.3)
    ap.add_argument("--window", type=float, default=5.0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    snps = load_force_panel()
    loci = str_loci()
    panel, at_str = joint_panel(snps, loci)
    is_str = np.zeros(len(panel), dtype=bool)
    is_str[at_str] = True
    db = load_frequencies("fbi2015_sw_hispanic")
    strs = {m.name: m for m in db.markers_for(db.markers)}
    freqs = [dict(zip(strs[name].alleles, strs[name].frequencies)) for name, _, _ in loci]
    avg = (panel.cm_male + panel.cm_female) / 2
    near = np.zeros(len(panel), dtype=bool)
    for i in at_str:
        near |= (panel.chrom == panel.chrom[i]) & (np.abs(avg - avg[i]) <= args.window)
    near &= ~is_str
    print(f"{(~is_str).sum()} SNPs, {is_str.sum()} STR loci; {near.sum()} SNPs within "
          f"{args.window:g} cM of an STR locus; SNP error {args.error}, missing {args.missing}; "
          f"{args.pairs} pairs each, seed {args.seed}")
    print("relationship | pairs | SNPs | median product - joint | 5% | 95% | 99% | max | "
          "product >= 1e4 > joint | joint >= 1e4 > product")
    theta_all = np.ascontiguousarray(panel.theta)
    for rel_name in args.relationships:
        rel = RELATIONSHIPS[rel_name]
        ped = rel.pedigree()
        h1 = pair_process(ped, "A", "B")
        h0 = _unrelated_process("A", "B")
        for truth in ("related", "unrelated"):
            diffs: dict[str, list[float]] = {"all": [], "thinned": []}
            cross: dict[str, list[tuple[bool, bool]]] = {"all": [], "thinned": []}
            excluded = {"all": 0, "thinned": 0}
            values: dict[str, list[tuple[float, float]]] = {"all": [], "thinned": []}
            for _ in range(args.pairs):
                if truth == "related":
                    lab = drop_labels(ped, panel, rng)
                    la, lb = lab["A"], lab["B"]
                else:
                    la = drop_labels(ped, panel, rng)["A"]
                    lb = drop_labels(ped, panel, rng)["A"] + int(la.max()) + 1
                genes = int(max(la.max(), lb.max())) + 1
                snp_alleles = (rng.random((genes, len(panel))) < panel.freq_a1).astype(np.int8)
                cols = np.arange(len(panel))
                ha, hb = snp_alleles[la, cols], snp_alleles[lb, cols]
                ca = degrade(ha, panel.freq_a1, rng, error=args.error, missing=args.missing)
                cb = degrade(hb, panel.freq_a1, rng, error=args.error)
                ca[is_str] = -1
                cb[is_str] = -1
                str_gt = []
                for k, i in enumerate(at_str):
                    names = list(freqs[k])
                    p = np.array([freqs[k][a] for a in names])
                    draw = {g: names[j] for g, j in zip(
                        sorted(set(la[:, i]) | set(lb[:, i])),
                        rng.choice(len(names), size=len(set(la[:, i]) | set(lb[:, i])), p=p))}
                    str_gt.append(((draw[la[0, i]], draw[la[1, i]]),
                                   (draw[lb[0, i]], draw[lb[1, i]])))
                for name, keep in (("all", np.ones(len(panel), dtype=bool)),
                                   ("thinned", ~near)):
                    out = {}
                    for label, proc in (("h1", h1), ("h0", h0)):
                        pats = _PATTERN_ARRAY[proc.used]
                        rows = emission_rows(panel.freq_a1, ca.astype(np.int64),
                                             cb.astype(np.int64),
                                             np.array([args.error, args.error]),
                                             np.zeros(2), pats, 0.0)
                        str_rows = np.array([str_emission(freqs[k], *str_gt[k], pats)
                                             for k in range(len(at_str))])
                        weights = np.bincount(proc.column, minlength=proc.used.size) \
                            / proc.n_states
                        str_unlinked = float(np.log(str_rows @ weights).sum())
                        rows_joint = rows.copy()
                        rows_joint[at_str] = str_rows

                        def ll(r: np.ndarray, keep_rows: np.ndarray, proc=proc) -> float:
                            em, th, const, _ = compress(np.ascontiguousarray(r[keep_rows]),
                                                        _theta_of(panel, keep_rows, theta_all))
                            if em.shape[0] == 0:
                                return float(const)
                            return float(const) + forward_log_likelihood(
                                proc.column, em, th, proc.bit_sex, proc.sym_sex, proc.sym_mask)

                        out[label] = (ll(rows_joint, keep), ll(rows, keep & ~is_str)
                                      + str_unlinked)
                    joint = (out["h1"][0] - out["h0"][0]) / np.log(10)
                    prod_ = (out["h1"][1] - out["h0"][1]) / np.log(10)
                    if not np.isfinite(joint):  # an STR exclusion (no mutation): both -inf
                        excluded[name] += 1
                        continue
                    diffs[name].append(prod_ - joint)
                    values[name].append((prod_, joint))
                    cross[name].append((prod_ >= 4 > joint, joint >= 4 > prod_))
            for name in ("all", "thinned"):
                d = np.array(diffs[name])
                c = np.array(cross[name]).reshape(-1, 2)
                if d.size == 0:
                    print(f"{rel_name} ({truth}) | 0 (+{excluded[name]} excluded) | all "
                          f"excluded by an STR locus")
                    continue
                print(f"{rel_name} ({truth}) | {len(d)} (+{excluded[name]} excluded) | "
                      f"{'all' if name == 'all' else f'without {near.sum()} near STRs'} | "
                      f"{np.median(d):+.3f} | {np.quantile(d, 0.05):+.3f} | "
                      f"{np.quantile(d, 0.95):+.3f} | {np.quantile(d, 0.99):+.3f} | "
                      f"{d.max():+.3f} | {c[:, 0].mean():.3f} | "
                      f"{c[:, 1].mean():.3f}", flush=True)
                v = np.array(values[name])
                print("    share with log10 LR >= 0, 1, 2 (product; joint): "
                      + ", ".join(f"{(v[:, 0] >= k).mean():.3f}; {(v[:, 1] >= k).mean():.3f}"
                                  for k in (0, 1, 2)), flush=True)


def _theta_of(panel: SnpPanel, keep: np.ndarray, theta_all: np.ndarray) -> np.ndarray:
    """Recombination fractions between consecutive kept markers (composed over the dropped:
    ``1 - 2 theta = prod (1 - 2 theta_k)``), 0.5 at each chromosome's first kept marker."""
    idx = np.flatnonzero(keep)
    out = np.empty((idx.size, 2))
    one_minus = 1.0 - 2.0 * theta_all
    prev = -1
    for j, i in enumerate(idx):
        if prev < 0 or panel.chrom[i] != panel.chrom[prev]:
            out[j] = 0.5
        else:
            out[j] = (1.0 - np.prod(one_minus[prev + 1:i + 1], axis=0)) / 2.0
        prev = i
    return np.ascontiguousarray(out)


if __name__ == "__main__":
    main()
