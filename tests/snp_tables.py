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


def vcf_text(panel, samples, field="PL"):
    """A VCF with one FORMAT ``field`` (GL or PL) per sample of ``samples`` (``{id: genotype
    likelihoods (SNPs, 3) by copies of the panel's allele 1}``); REF is the panel's allele 1
    at even SNPs and its allele 2 at odd ones, so both orders are read; all-ones rows are
    written as missing (``.``)."""
    import math

    names = list(samples)
    lines = ["##fileformat=VCFv4.2"]
    lines += [f"##contig=<ID={c}>" for c in dict.fromkeys(panel.chrom)]
    kind = "Float" if field == "GL" else "Integer"
    lines.append(f'##FORMAT=<ID={field},Number=G,Type={kind},Description="likelihoods">')
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                            "FORMAT", *names]))
    for i, m in enumerate(panel.markers):
        ref, alt = m.alleles if i % 2 == 0 else m.alleles[::-1]
        cells = []
        for ident in names:
            like = samples[ident][i]
            if like[0] == like[1] == like[2]:
                cells.append(".")
                continue
            # VCF order REF/REF, REF/ALT, ALT/ALT in copies of the panel's allele 1
            ordered = [like[2], like[1], like[0]] if i % 2 == 0 else list(like)
            top = max(ordered)
            logs = [math.log10(x / top) if x > 0 else -math.inf for x in ordered]
            cells.append(",".join(f"{v:.8f}" for v in logs) if field == "GL" else
                         ",".join(str(min(round(-10 * v), 10 ** 6)) for v in logs))
        lines.append("\t".join([str(panel.chrom[i]), str(int(panel.mb[i] * 1e6) + 1), m.name,
                                ref, alt, ".", ".", ".", field, *cells]))
    return "\n".join(lines) + "\n"
