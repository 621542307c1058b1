"""Exact pedigree likelihoods (variable elimination with numba kernels)."""

from forensic_match.likelihood.engine import (
    OTHER,
    GenotypePosterior,
    genotype_posterior,
    log10_likelihood,
    pedigree_likelihood,
    prepare_markers,
)

__all__ = ["OTHER", "GenotypePosterior", "genotype_posterior", "log10_likelihood",
           "pedigree_likelihood", "prepare_markers"]
