"""SNP genotype tables in long form: one row per sample and marker.

Columns (names compared without case, spaces or underscores): ``sample``, ``marker``,
``allele1``, ``allele2``. An empty allele pair is a missing call, a lone allele is read as
homozygous (dropout, as elsewhere in forensic_match). Alleles are matched to the panel's
labels as written: no strand flipping (a ``T/G`` call at an ``A/C`` SNP is refused).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from forensic_match.errors import GenotypeError, IgnoredMarkerWarning, InputError
from forensic_match.linked.panel import SnpPanel, panel_name
from forensic_match.profiles import file_id
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
    if is_vcf(path):
        samples, codes = read_vcf_genotypes(path, panel)
        return tuple((None, s) for s in samples), codes
    return _read_long(path, panel, family=True)


def is_vcf(path: str | Path) -> bool:
    """Whether the file name ends as a VCF or BCF does."""
    name = str(path).lower()
    return name.endswith((".vcf", ".vcf.gz", ".vcf.bgz", ".bcf"))


def read_snp_samples(path: str | Path, panel: SnpPanel) -> tuple[tuple[str, ...], np.ndarray]:
    """Call codes of a long-form table (:func:`read_snp_genotypes`) or a VCF
    (:func:`read_vcf_genotypes`), by the file name's ending."""
    if is_vcf(path):
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
        sample = file_id(row[col["sample"]].strip(), table.loc(number))
        marker = row[col["marker"]].strip()
        fam = (file_id(row[fam_col].strip(), table.loc(number)) or None) \
            if fam_col is not None else None
        if not sample or not marker:
            raise InputError(f"{table.loc(number)}: empty sample or marker")
        marker = panel_name(marker)
        if not family:  # a body typed at no panel SNP is listed as not searched, not lost
            samples.setdefault((fam, sample), len(samples))
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
            if a in NO_CALL_TOKENS and a not in labels:
                raise GenotypeError(f"{table.loc(number, sample=sample, marker=marker)}: allele "
                                    f"{a!r}: a missing call is written as empty cells (both "
                                    f"alleles), not {a!r}, which is not read as one (beside an "
                                    f"allele it would make a homozygote)")
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


#: How other tools write a missing SNP call (PLINK's 0, a dash, VCF's dot, N, NA): refused
#: with a message saying that a missing call is empty cells.
NO_CALL_TOKENS = frozenset({"0", "00", "-", "--", ".", "N", "NN", "NA", "?"})


def _open_vcf(path: str | Path) -> tuple[str, Any]:
    """The file name and an open cyvcf2 reader, or an :class:`InputError`."""
    try:
        from cyvcf2 import VCF
    except ImportError:
        raise InputError("reading VCF files needs cyvcf2: pip install 'forensic_match[vcf]'"
                         ) from None
    loc = str(path)
    if not Path(path).is_file():
        raise InputError(f"file {loc!r}: no such file")
    try:
        return loc, VCF(loc)
    except (OSError, ValueError) as err:
        raise InputError(f"file {loc!r}: not a readable VCF ({err})") from None


def _vcf_samples(loc: str, vcf: Any) -> tuple[str, ...]:
    """The sample names of an open VCF, read as the tables' ids (:func:`file_id`: normal form
    C; a name holding UTF-8 read as Windows-1252 or an invisible character is refused, and
    the file closed)."""
    try:
        # the sample columns follow the nine fixed ones of the #CHROM header line
        return tuple(file_id(s, f"file {loc!r}, #CHROM header line, column {k + 10}")
                     for k, s in enumerate(vcf.samples))
    except InputError:
        vcf.close()
        raise


def _panel_variants(loc: str, vcf: Any, panel: SnpPanel) -> Iterator[tuple[int, Any]]:
    """``(panel index, variant)`` of every variant of the panel, matched by ID (the rs
    number; positions are not used: the panel is on GRCh37, many files on GRCh38). A panel
    marker seen twice is an :class:`InputError`; variants not in the panel are counted and
    reported in one :class:`IgnoredMarkerWarning` at the end. Closes the file."""
    seen: set[int] = set()
    ignored = 0
    for var in vcf:
        m = panel.index.get(panel_name(var.ID or ""))
        if m is None:
            ignored += 1
            continue
        if m in seen:
            raise InputError(f"file {loc!r}, marker {var.ID!r}: the variant appears twice")
        seen.add(m)
        yield m, var
    vcf.close()
    if ignored:
        warnings.warn(f"file {loc!r}: {ignored} variants are not in the panel and are ignored",
                      IgnoredMarkerWarning, stacklevel=3)


def _foreign_allele(loc: str, sample: str, marker: str, allele: str,
                    labels: tuple[str, ...]) -> GenotypeError:
    return GenotypeError(f"file {loc!r}, sample {sample!r}, marker {marker!r}, allele "
                         f"{allele!r}: not one of the SNP's alleles {labels} (strands are not "
                         f"flipped)")


def read_vcf_genotypes(path: str | Path, panel: SnpPanel) -> tuple[tuple[str, ...], np.ndarray]:
    """Read the GT calls of a VCF (plain or bgzipped) into call codes, with cyvcf2.

    Variants are matched to the panel by their ID (the rs number); positions are not used
    (the panel is on GRCh37, many files are on GRCh38). Each called allele must be one of
    the panel's two labels (no strand flipping); a call with one allele missing (``0/.``) or
    a haploid call is read as homozygous, ``./.`` as missing. Genotype likelihoods (GL, PL)
    are read by :func:`read_vcf_genotype_likelihoods`.

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
    loc, vcf = _open_vcf(path)
    samples = _vcf_samples(loc, vcf)
    codes = np.full((len(samples), len(panel)), -1, dtype=np.int8)
    for m, var in _panel_variants(loc, vcf, panel):
        alleles = [var.REF, *var.ALT]
        labels = panel.markers[m].alleles
        for s, gt in enumerate(var.genotypes):
            called = [alleles[a] for a in gt[:-1] if a >= 0]
            if not called:
                continue
            for a in called:
                if a not in labels:
                    raise _foreign_allele(loc, samples[s], var.ID, a, labels)
            if len(called) == 1:
                called = called * 2
            codes[s, m] = sum(a == labels[0] for a in called)
    return samples, codes


#: Symbolic ALT alleles that stand for any allele not listed (VCF 4.2 section 5.5: ``<*>``;
#: gVCF ``<NON_REF>``).
UNSPECIFIED_ALLELES = ("<*>", "<NON_REF>")
#: htslib's encodings of a missing value and of the end of a shorter vector.
_FLOAT_MISSING, _FLOAT_END = 0x7F800001, 0x7F800002
_INT_MISSING, _INT_END = -(2 ** 31), -(2 ** 31) + 1


def read_vcf_genotype_likelihoods(path: str | Path, panel: SnpPanel, field: str = "auto"
                                  ) -> tuple[tuple[str, ...], np.ndarray]:
    """Read the genotype likelihoods (FORMAT GL or PL) of a VCF (plain or bgzipped).

    GL is ``log10 P(reads | genotype)``, PL is ``-10 log10`` of it rounded to an integer and
    shifted so that the best genotype has 0 (VCF 4.2 specification, section 1.4.2), one
    value per unordered genotype in the order ``F(j/k) = k (k + 1) / 2 + j`` of the alleles
    REF = 0, ALT1 = 1, ... (for a biallelic site: REF/REF, REF/ALT, ALT/ALT). Variants are
    matched to the panel by ID as in :func:`read_vcf_genotypes`, and REF/ALT to the panel's
    two allele labels (no strand flipping): the values of the genotypes of the panel's two
    alleles are taken, ordered by copies of the panel's allele 1 (so swapped when the REF is
    its allele 2). An unspecified ALT (``<*>``, ``<NON_REF>``) stands for a panel allele the
    site does not list.

    Parameters
    ----------
    path : str or Path
    panel : SnpPanel
    field : {"auto", "GL", "PL"}
        ``auto``: a sample's GL where it has them at a variant, else its PL.

    Returns
    -------
    samples : tuple of str
    likelihoods : numpy.ndarray of float64, shape (samples, markers, 3)
        ``P(data | 0, 1, 2 copies of the panel's allele 1)`` up to a factor per sample and
        SNP (the largest is 1), which cancels in every LR; all ones (uninformative) for a SNP
        not in the file, a variant without the field, or a missing value (``.``).

    Raises
    ------
    InputError
        As :func:`read_vcf_genotypes` (cyvcf2 missing, an unreadable file, a marker seen
        twice); a field the header does not define; a sample whose values are not one per
        genotype of the site (e.g. haploid), partly missing, NaN, GL above 0 or PL below 0,
        or 0 for every genotype of the SNP; a sample whose most likely genotype carries an
        allele that is not one of the SNP's two, or with values at a site that lists only
        one of them (:class:`GenotypeError`). Messages name file, sample and marker.

    Notes
    -----
    PL ``0,30,30`` (REF/REF the most likely) becomes ``[1e-3, 1e-3, 1]`` when REF is the
    panel's allele 1 (0, 1, 2 copies of it: ALT/ALT, REF/ALT, REF/REF), ``[1, 1e-3, 1e-3]``
    when REF is its allele 2. Sources and model: ``docs/linked.md``, "Genotype likelihoods".
    """
    if field not in ("auto", "GL", "PL"):
        raise InputError(f"field must be 'auto', 'GL' or 'PL', not {field!r}")
    loc, vcf = _open_vcf(path)
    defined = {h["ID"] for h in vcf.header_iter() if h["HeaderType"] == "FORMAT"}
    wanted = ("GL", "PL") if field == "auto" else (field,)
    if not defined & set(wanted):
        vcf.close()
        raise InputError(f"file {loc!r}: the header defines no FORMAT "
                         f"{' or '.join(wanted)} (genotype likelihoods)")
    samples = _vcf_samples(loc, vcf)
    out = np.ones((len(samples), len(panel), 3))
    for m, var in _panel_variants(loc, vcf, panel):
        todo = np.ones(len(samples), dtype=bool)
        for name in wanted:
            raw = var.format(name) if name in defined else None
            if raw is not None:
                like, has = _site_likelihoods(loc, samples, var, panel.markers[m].alleles,
                                              name, raw)
                out[todo & has, m] = like[todo & has]
                todo &= ~has
    return samples, out


def _site_likelihoods(loc: str, samples: tuple[str, ...], var: Any, labels: tuple[str, ...],
                      name: str, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (samples, 3) likelihoods of one variant's GL or PL values ``raw`` and which
    samples have values."""
    alleles = [var.REF, *var.ALT]
    n_gen = len(alleles) * (len(alleles) + 1) // 2
    unlisted = [a for a in labels if a not in alleles]
    # the panel allele each of the site's alleles stands for (itself if foreign)
    meaning = [unlisted[0] if a in UNSPECIFIED_ALLELES and len(unlisted) == 1 else a
               for a in alleles]
    if name == "GL":
        bits = raw.view(np.uint32)
        missing, end = bits == _FLOAT_MISSING, bits == _FLOAT_END
        log10 = raw.astype(np.float64)
    else:
        missing, end = raw == _INT_MISSING, raw == _INT_END
        log10 = -raw.astype(np.float64) / 10.0
    here = ~(missing | end)
    out = np.ones((len(samples), 3))
    for s in np.flatnonzero(here.any(axis=1)):
        place = f"file {loc!r}, sample {samples[s]!r}, marker {var.ID!r}: {name}"
        if here[s].sum() != n_gen or not here[s, :n_gen].all():
            shown = ",".join("." if missing[s, k] else f"{raw[s, k]:g}"
                             for k in range(raw.shape[1]) if not end[s, k])
            raise InputError(f"{place} {shown!r} is not one value for each of the {n_gen} "
                             f"genotypes of alleles {alleles} (haploid or partly missing "
                             f"values are not read)")
        values = log10[s, :n_gen]
        if np.isnan(values).any() or (values > 0).any():
            rule = ("log10 probabilities (<= 0, not NaN)" if name == "GL"
                    else "non-negative integers")
            raise InputError(f"{place} {raw[s, :n_gen].tolist()}: values must be {rule}")
        best = int(np.argmax(values))
        k = (math.isqrt(8 * best + 1) - 1) // 2
        for a in (meaning[best - k * (k + 1) // 2], meaning[k]):
            if a not in labels:
                raise _foreign_allele(loc, samples[s], var.ID, a, labels)
        if any(a not in meaning for a in labels):
            lost = next(a for a in labels if a not in meaning)
            raise GenotypeError(f"{place}: the site lists alleles {alleles}, not the SNP's "
                                f"allele {lost!r}, so the genotypes with it have no value")
        i1, i2 = meaning.index(labels[0]), meaning.index(labels[1])
        picked = values[[_genotype_index(i2, i2), _genotype_index(i1, i2),
                         _genotype_index(i1, i1)]]
        top = picked.max()
        if top == -math.inf:
            raise InputError(f"{place} {raw[s, :n_gen].tolist()}: probability 0 for every "
                             f"genotype of the SNP's alleles {labels}")
        out[s] = 10.0 ** (picked - top)
    return out, here.any(axis=1)


def _genotype_index(j: int, k: int) -> int:
    """Position of the unordered genotype j/k in a VCF Number=G field (VCF 4.2, 1.4.2)."""
    j, k = min(j, k), max(j, k)
    return k * (k + 1) // 2 + j
