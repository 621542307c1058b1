"""SNP genotype tables in long form: one row per sample and marker.

Columns (names compared without case, spaces or underscores): ``sample``, ``marker``,
``allele1``, ``allele2``. An empty allele pair is a missing call, a lone allele is read as
homozygous (dropout, as elsewhere in forensic_match). Alleles are matched to the panel's
labels as written: no strand flipping (a ``T/G`` call at an ``A/C`` SNP is refused).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from forensic_match.errors import GenotypeError, IgnoredMarkerWarning, InputError
from forensic_match.linked.panel import SnpPanel
from forensic_match.tables import read_table


def read_snp_genotypes(path: str | Path, panel: SnpPanel) -> tuple[tuple[str, ...], np.ndarray]:
    """Read a long-form SNP genotype table into call codes.

    Returns
    -------
    samples : tuple of str
        In order of first appearance.
    codes : numpy.ndarray of int8, shape (samples, markers)
        Copies of the panel's allele 1 (0, 1, 2), -1 for a missing call; markers in panel
        order.

    Raises
    ------
    InputError
        A missing column, a sample typed twice at a marker, or an allele that is not one of
        the SNP's two (:class:`GenotypeError`); the message names file, line, sample and
        marker. Markers not in the panel are skipped with an :class:`IgnoredMarkerWarning`.
    """
    keys, codes = _read_long(path, panel, family=False)
    return tuple(sample for _, sample in keys), codes


def read_snp_reference_genotypes(path: str | Path, panel: SnpPanel
                                 ) -> tuple[tuple[tuple[str | None, str], ...], np.ndarray]:
    """Read the SNP genotypes of typed relatives: a long-form table as
    :func:`read_snp_genotypes`, with an optional ``family`` column (so that families may reuse
    ids such as "father"), or a VCF (:func:`read_vcf_genotypes`, no family).

    Returns
    -------
    samples : tuple of (family or None, sample id)
    codes : numpy.ndarray of int8, shape (samples, markers)
    """
    if _is_vcf(path):
        samples, codes = read_vcf_genotypes(path, panel)
        return tuple((None, s) for s in samples), codes
    return _read_long(path, panel, family=True)


def _is_vcf(path: str | Path) -> bool:
    name = str(path).lower()
    return name.endswith((".vcf", ".vcf.gz", ".vcf.bgz", ".bcf"))


def read_snp_samples(path: str | Path, panel: SnpPanel) -> tuple[tuple[str, ...], np.ndarray]:
    """Call codes of a long-form table (:func:`read_snp_genotypes`) or a VCF
    (:func:`read_vcf_genotypes`), by the file name's ending."""
    if _is_vcf(path):
        return read_vcf_genotypes(path, panel)
    keys, codes = _read_long(path, panel, family=False)
    return tuple(sample for _, sample in keys), codes


def _read_long(path: str | Path, panel: SnpPanel, *, family: bool
               ) -> tuple[tuple[tuple[str | None, str], ...], np.ndarray]:
    table = read_table(path)
    col = {name: table.require(name, name) for name in ("sample", "marker", "allele1",
                                                       "allele2")}
    fam_col = table.column("family") if family else None
    samples: dict[tuple[str | None, str], int] = {}
    seen: dict[tuple[str | None, str, str], int] = {}
    calls: list[tuple[int, int, int]] = []
    ignored: dict[str, int] = {}
    for number, row in table.rows:
        sample, marker = row[col["sample"]].strip(), row[col["marker"]].strip()
        fam = (row[fam_col].strip() or None) if fam_col is not None else None
        if not sample or not marker:
            raise InputError(f"{table.loc(number)}: empty sample or marker")
        if marker not in panel.index:
            ignored.setdefault(marker, number)
            continue
        key = (fam, sample, marker)
        if key in seen:
            raise InputError(f"{table.loc(number, sample=sample, marker=marker)}: typed again "
                             f"(first on line {seen[key]})")
        seen[key] = number
        s = samples.setdefault((fam, sample), len(samples))
        alleles = [a for a in (row[col["allele1"]].strip(), row[col["allele2"]].strip()) if a]
        m = panel.index[marker]
        if not alleles:
            continue
        if len(alleles) == 1:
            alleles = alleles * 2
        labels = panel.markers[m].alleles
        for a in alleles:
            if a not in labels:
                raise GenotypeError(f"{table.loc(number, sample=sample, marker=marker)}: allele "
                                    f"{a!r} is not one of the SNP's alleles {labels} (strands "
                                    f"are not flipped)")
        calls.append((s, m, sum(a == labels[0] for a in alleles)))
    if ignored:
        names = sorted(ignored)
        warnings.warn(f"{table.loc()}: markers {names[:5]}{' ...' if len(names) > 5 else ''} "
                      f"({len(names)}) are not in the panel and are ignored",
                      IgnoredMarkerWarning, stacklevel=3)
    codes = np.full((len(samples), len(panel)), -1, dtype=np.int8)
    for s, m, c in calls:
        codes[s, m] = c
    return tuple(samples), codes


def read_vcf_genotypes(path: str | Path, panel: SnpPanel) -> tuple[tuple[str, ...], np.ndarray]:
    """Read the GT calls of a VCF (plain or bgzipped) into call codes, with cyvcf2.

    Variants are matched to the panel by their ID (the rs number); positions are not used
    (the panel is on GRCh37, many files are on GRCh38). Each called allele must be one of
    the panel's two labels (no strand flipping); a call with one allele missing (``0/.``) or
    a haploid call is read as homozygous, ``./.`` as missing. Genotype likelihoods (GL, PL)
    are not read.

    Returns
    -------
    samples : tuple of str
    codes : numpy.ndarray of int8, shape (samples, markers)
        Copies of the panel's allele 1, -1 missing; markers in panel order.

    Raises
    ------
    InputError
        cyvcf2 missing (install ``forensic_match[vcf]``), an unreadable file, a panel marker
        seen twice, or an allele that is not one of the SNP's (:class:`GenotypeError`, naming
        file, sample, marker and allele).
    """
    try:
        from cyvcf2 import VCF
    except ImportError:
        raise InputError("reading VCF files needs cyvcf2: pip install 'forensic_match[vcf]'"
                         ) from None
    loc = str(path)
    if not Path(path).is_file():
        raise InputError(f"file {loc!r}: no such file")
    try:
        vcf = VCF(loc)
    except (OSError, ValueError) as err:
        raise InputError(f"file {loc!r}: not a readable VCF ({err})") from None
    samples = tuple(vcf.samples)
    codes = np.full((len(samples), len(panel)), -1, dtype=np.int8)
    seen: set[int] = set()
    ignored = 0
    for var in vcf:
        m = panel.index.get(var.ID or "")
        if m is None:
            ignored += 1
            continue
        if m in seen:
            raise InputError(f"file {loc!r}, marker {var.ID!r}: the variant appears twice")
        seen.add(m)
        alleles = [var.REF, *var.ALT]
        labels = panel.markers[m].alleles
        for s, gt in enumerate(var.genotypes):
            called = [alleles[a] for a in gt[:-1] if a >= 0]
            if not called:
                continue
            for a in called:
                if a not in labels:
                    raise GenotypeError(f"file {loc!r}, sample {samples[s]!r}, marker "
                                        f"{var.ID!r}, allele {a!r}: not one of the SNP's "
                                        f"alleles {labels} (strands are not flipped)")
            if len(called) == 1:
                called = called * 2
            codes[s, m] = sum(a == labels[0] for a in called)
    vcf.close()
    if ignored:
        warnings.warn(f"file {loc!r}: {ignored} variants are not in the panel and are ignored",
                      IgnoredMarkerWarning, stacklevel=2)
    return samples, codes
