"""Long-form SNP genotype lines (``[family,]sample,marker,allele1,allele2``) of call codes, for
the tests that write SNP tables for the command line."""

from __future__ import annotations


def snp_lines(codes, panel, sample, family=None):
    """One CSV line per called SNP of ``codes`` (copies of the panel's allele 1; -1 missing)."""
    out = []
    for m, c in zip(panel.markers, codes):
        if c < 0:
            continue
        a1, a2 = m.alleles
        pair = (a1, a1) if c == 2 else (a1, a2) if c == 1 else (a2, a2)
        out.append(",".join(([family] if family else []) + [sample, m.name, *pair]))
    return out
