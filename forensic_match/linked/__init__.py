"""Kinship with dense linked SNPs: panels with a genetic map, the pairwise inheritance HMM,
relationship pedigrees, gene-dropping simulation and the programme-scale search
(``docs/linked.md``)."""

from forensic_match.linked.family import (
    FamilyProcess,
    family_log_likelihood,
    family_process,
    linked_pedigree_lr,
)
from forensic_match.linked.genotypes import (
    read_snp_genotypes,
    read_snp_reference_genotypes,
    read_snp_samples,
    read_vcf_genotype_likelihoods,
    read_vcf_genotypes,
)
from forensic_match.linked.infer import ibd_posterior, relationship_lrs, shared_segments
from forensic_match.linked.pair import (
    LinkedResult,
    PairProcess,
    genotype_codes,
    linked_kinship_lr,
    pair_log_likelihood,
    pair_process,
)
from forensic_match.linked.panel import (
    GeneticMap,
    SnpPanel,
    load_decode_map,
    load_force_panel,
    panel_from_markers,
    read_genetic_map,
    read_panel,
)
from forensic_match.linked.programme import (
    ProgrammeSearch,
    SnpFamily,
    describe_relationship,
    search_programme,
    snp_families,
)
from forensic_match.linked.relationships import RELATIONSHIPS, Relationship, relationship_pedigree

__all__ = ["FamilyProcess", "GeneticMap", "LinkedResult", "PairProcess", "ProgrammeSearch",
           "RELATIONSHIPS", "Relationship", "SnpFamily", "SnpPanel", "describe_relationship",
           "family_log_likelihood", "family_process", "genotype_codes", "ibd_posterior",
           "linked_kinship_lr", "linked_pedigree_lr",
           "load_decode_map", "load_force_panel", "pair_log_likelihood", "pair_process",
           "panel_from_markers", "read_genetic_map", "read_panel", "read_snp_genotypes",
           "read_snp_reference_genotypes", "read_snp_samples",
           "read_vcf_genotype_likelihoods", "read_vcf_genotypes",
           "relationship_lrs", "relationship_pedigree", "search_programme", "shared_segments",
           "snp_families"]
