"""Kinship cases whose markers are linked (FORMAT.md "Linked markers": ``"linkage": "map"``).

A case with ``"linkage": "map"`` treats the markers that carry a genetic position
(``chrom``, ``mb``, ``cm_male``, ``cm_female``) as linked at those distances; the others stay
independent. The linked markers (biallelic SNPs) are computed by the exact inheritance-vector
likelihood of :func:`~forensic_match.linked.linked_pedigree_lr` (every person typed at one of
them, under each hypothesis; per-person ``genotype_error`` and dropout; theta as the
founders' coancestry ``fst``), chromosome by chromosome (unlinked to each other, so the
chromosomes' LRs multiply exactly); the independent markers by the exact pedigree likelihood
of :func:`~forensic_match.kinship.kinship_lr`. The two parts multiply: linked and unlinked
markers are taken as independent given the pedigree (an STR next to an SNP would break this;
``docs/linked.md``, assumption on STR-SNP linkage). Nothing is silently dropped: what the
linked model cannot take (a linked marker with more than two alleles or with a mutation model,
drop-in, genotype error on an unlinked marker) is refused, naming marker and person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forensic_match.errors import InputError, where
from forensic_match.markers import Marker


@dataclass(frozen=True)
class LinkedCaseResult:
    """The LR of a kinship case with linked markers.

    Attributes
    ----------
    unlinked : KinshipResult or None
        The independent markers' result (``None`` when every marker is linked).
    chromosomes : tuple of str
        The chromosomes of the linked markers, in the case's order.
    log10_lr_chromosome : numpy.ndarray
        log10 LR of each chromosome's linked markers (``inf`` / ``-inf`` where one
        hypothesis excludes).
    snps : tuple of int
        Linked markers per chromosome.
    provenance : dict
    """

    unlinked: Any
    chromosomes: tuple[str, ...]
    log10_lr_chromosome: np.ndarray
    snps: tuple[int, ...]
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def log10_lr_per_chromosome(self) -> dict[str, float]:
        """``{chromosome: log10 LR}`` of the linked markers."""
        return dict(zip(self.chromosomes, (float(x) for x in self.log10_lr_chromosome)))

    @property
    def lr_per_marker(self) -> dict[str, float]:
        """``{marker: LR}`` of the independent markers (linked markers have no LR of their
        own: see :attr:`log10_lr_per_chromosome`)."""
        return {} if self.unlinked is None else self.unlinked.lr_per_marker

    @property
    def log10_lr_total(self) -> float:
        """log10 LR of every marker: the independent markers' and the chromosomes'."""
        linked = float(np.sum(self.log10_lr_chromosome))
        return linked + (0.0 if self.unlinked is None else self.unlinked.log10_lr_total)

    @property
    def lr_total(self) -> float:
        """The total LR (``inf`` beyond the largest float: use log10)."""
        from forensic_match.kinship import lr_from_log10

        return lr_from_log10(self.log10_lr_total)

    @property
    def table(self) -> Any:
        """polars DataFrame: unit (a marker, or a chromosome's linked markers), kind
        (``unlinked`` / ``linked``), markers, log10_lr."""
        import polars as pl

        units = [] if self.unlinked is None else list(self.unlinked.markers)
        logs = [] if self.unlinked is None else list(self.unlinked.log10_lr_per_marker)
        return pl.DataFrame({
            "unit": units + [f"chr{c}" for c in self.chromosomes],
            "kind": ["unlinked"] * len(units) + ["linked"] * len(self.chromosomes),
            "markers": [1] * len(units) + list(self.snps),
            "log10_lr": [float(x) for x in logs] + [float(x) for x in
                                                     self.log10_lr_chromosome]})

    def to_dict(self) -> dict[str, Any]:
        return {"lr_total": self.lr_total, "log10_lr_total": self.log10_lr_total,
                "lr_per_marker": self.lr_per_marker,
                "log10_lr_per_chromosome": self.log10_lr_per_chromosome,
                "provenance": self.provenance}

    def __repr__(self) -> str:
        return (f"LinkedCaseResult(log10 LR={self.log10_lr_total:.4f}, "
                f"{sum(self.snps)} linked markers on {len(self.chromosomes)} chromosomes)")


def linked_case_lr(case: Any) -> LinkedCaseResult:
    """The LR of a kinship case (:class:`~forensic_match.cases.KinshipCase`) whose
    ``linkage`` is ``"map"``: its positioned markers linked, the others independent.

    Raises
    ------
    InputError
        A linked marker with other than two alleles or with a mutation model, drop-in, or a
        person with ``genotype_error`` typed at an independent marker (the unlinked engine
        has no genotype error model).
    """
    from forensic_match.kinship import _provenance, kinship_lr
    from forensic_match.linked.family import linked_pedigree_lr
    from forensic_match.linked.panel import panel_from_markers

    linked, free = linked_markers(case.markers, case.positions)
    names = {m.name for m in linked}
    erring = {i for i, e in case.genotype_error.items() if e > 0}
    for ident in sorted(erring):
        typed_free = sorted(set(case.genotypes.get(ident, {})) - names)
        if typed_free:
            raise InputError(f"{where(sample=ident, marker=typed_free[0])}: genotype_error is "
                             f"modelled on linked markers only (the independent markers' "
                             f"engine has none); remove it or give the marker a position")
    unlinked = None
    if free:
        free_names = {m.name for m in free}
        unlinked = kinship_lr(case.h1, case.h2, free,
                              {i: {k: g for k, g in p.items() if k in free_names}
                               for i, p in case.genotypes.items()},
                              theta=case.theta, observation=case.dropout or None)
    chromosomes: list[str] = []
    logs: list[float] = []
    snps: list[int] = []
    if linked:
        panel = panel_from_markers(linked, case.positions)
        for chrom in panel.chromosomes:
            on = [m.name for m, c in zip(panel.markers, panel.chrom) if c == chrom]
            part = panel.subset(on)
            profiles = {i: {k: g for k, g in p.items() if k in part.index}
                        for i, p in case.genotypes.items()}
            profiles = {i: p for i, p in profiles.items() if p}
            chromosomes.append(str(chrom))
            snps.append(len(on))
            if not profiles:
                logs.append(0.0)
                continue
            logs.append(linked_pedigree_lr(case.h1, case.h2, part, profiles,
                                           genotype_error=case.genotype_error,
                                           observation=case.dropout or None,
                                           fst=case.theta))
    prov = _provenance(case.markers, case.genotypes, theta=case.theta,
                       dropout=dict(case.dropout), genotype_error=dict(case.genotype_error),
                       linkage="map", linked_markers=len(linked),
                       linked_model="inheritance vectors (Lander-Green), Haldane map, no "
                                    "interference; chromosomes independent; linked and "
                                    "unlinked markers independent")
    return LinkedCaseResult(unlinked, tuple(chromosomes), np.array(logs, dtype=np.float64),
                            tuple(snps), prov)


def linked_markers(markers: Sequence[Marker], positions: Mapping[str, Any],
                   ) -> tuple[list[Marker], list[Marker]]:
    """``markers`` split into the linked ones (with a position) and the independent ones,
    in their order; a linked marker the linked model cannot take is refused
    (``InputError``: not a biallelic SNP, or a mutation model other than the identity)."""
    linked = [m for m in markers if m.name in positions]
    for m in linked:
        _check_linked_marker(m)
    return linked, [m for m in markers if m.name not in positions]


def _check_linked_marker(m: Marker) -> None:
    if len(m.alleles) != 2:
        raise InputError(f"{where(marker=m.name)}: a linked marker must be a biallelic SNP "
                         f"(the linked model has no multi-allelic markers); it has "
                         f"{len(m.alleles)} alleles: drop its position to treat it as "
                         f"independent")
    if m.mutation is not None and any(
            not np.array_equal(x, np.eye(2)) for x in m.mutation.matrices(m.alleles,
                                                                          m.frequencies)):
        raise InputError(f"{where(marker=m.name)}: a linked marker has a mutation model; the "
                         f"linked model has none (drop the model or the marker's position)")


__all__ = ["LinkedCaseResult", "linked_case_lr", "linked_markers"]
