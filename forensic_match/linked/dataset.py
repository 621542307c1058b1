"""Identification datasets whose markers are partly linked (FORMAT.md ``"linkage": "map"``).

The identification pipeline scores STR markers as independent and takes linked SNPs as SNP
data (``identify(snp=...)``, ``docs/linked.md``). :func:`split_linked` turns a dataset that
carries both in one marker list into that form: the positioned markers (biallelic SNPs)
become a :class:`~forensic_match.linked.scores.SnpData` (the PM samples' calls and the
families' typed relatives' calls), and the dataset keeps the other markers only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from forensic_match.errors import InputError


def split_linked(ds: Any, positions: Mapping[str, Mapping[str, Any]],
                 genotype_error: Mapping[str, float], src: str, file: str | None = None,
                 ) -> Any:
    """``ds`` (a :class:`~forensic_match.cases.DviDataset`) with its positioned markers moved
    into ``ds.snp`` and ``genotype_error`` into ``ds.snp_options`` (``pm_error``,
    ``reference_error``); ``src`` names the dataset in messages, ``file`` its path (named
    in the call readers' messages).

    Raises
    ------
    InputError
        A linked marker the SNP model cannot take (not biallelic, a mutation model); no
        independent marker left; SNP calls of a direct reference (personal effects: the SNP
        model compares relatives only); ``genotype_error`` naming nobody typed, or differing
        among the PM samples or among the references (the SNP scores take one error for
        each).
    """
    from forensic_match.linked.case import linked_markers
    from forensic_match.linked.pair import genotype_codes
    from forensic_match.linked.panel import panel_from_markers
    from forensic_match.linked.scores import SnpData

    linked, free = linked_markers(ds.markers, positions)
    if not free:
        raise InputError(f"{src}: every marker is linked: the identification needs independent "
                         f"(STR) markers; search SNPs alone with 'forensic-match snp-search'")
    panel = panel_from_markers(linked, positions)
    names = set(panel.index)

    def strs(profile: Mapping[str, Any]) -> dict[str, Any]:
        return {k: g for k, g in profile.items() if k not in names}

    pm_codes = {s.id: genotype_codes(panel, s.genotypes, sample=s.id, file=file)
                for s in ds.pm if names & set(s.genotypes)}
    references: dict[str, dict[str, Any]] = {}
    for fam in ds.am:
        for ident, profile in fam.references.items():
            if names & set(profile):
                raise InputError(f"{src}: family {fam.id!r}: direct reference of {ident!r} has "
                                 f"SNP calls; the SNP model compares relatives only")
        typed = {i: genotype_codes(panel, p, sample=i, file=file)
                 for i, p in fam.genotypes.items() if names & set(p)}
        if typed:
            references[fam.id] = typed
    pm = [dataclasses.replace(s, genotypes=strs(s.genotypes)) for s in ds.pm]
    am = [dataclasses.replace(f, genotypes={i: strs(p) for i, p in f.genotypes.items()})
          for f in ds.am]
    return dataclasses.replace(ds, markers=free, pm=pm, am=am,
                               snp=SnpData(panel, pm_codes, references),
                               snp_options=_error_options(genotype_error, pm_codes, references,
                                                          src))


def _error_options(genotype_error: Mapping[str, float], pm: Mapping[str, Any],
                   references: Mapping[str, Mapping[str, Any]], src: str) -> dict[str, float]:
    """``pm_error`` and ``reference_error`` from FORMAT.md's per-person ``genotype_error``
    (a person not listed has 0); empty when the dataset gives none (the engine's defaults)."""
    if not genotype_error:
        return {}
    refs = {i for members in references.values() for i in members}
    unknown = sorted(set(genotype_error) - set(pm) - refs)
    if unknown:
        raise InputError(f"{src}: genotype_error names {unknown}, typed at no linked marker")
    out = {}
    for key, ids, what in (("pm_error", sorted(pm), "PM samples"),
                           ("reference_error", sorted(refs), "references")):
        values = {float(genotype_error.get(i, 0.0)) for i in ids}
        if len(values) > 1:
            raise InputError(f"{src}: genotype_error differs among the {what} "
                             f"({sorted(values)}); the SNP scores take one error for all "
                             f"{what}")
        if values:
            out[key] = values.pop()
    return out


__all__ = ["split_linked"]
