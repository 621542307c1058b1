"""forensic_match: identify human remains by DNA kinship likelihood ratios.

Importing the package compiles nothing: numba kernels compile on first use.
"""

from forensic_match.errors import (
    ForensicMatchError,
    GenotypeError,
    InputError,
    MarkerError,
    PedigreeError,
)
from forensic_match.kinship import KinshipResult, kinship_lr
from forensic_match.likelihood import GenotypePosterior, genotype_posterior, pedigree_likelihood
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel, mutation_matrix
from forensic_match.pedigree import Pedigree
from forensic_match.profiles import Observation, parse_genotype


def load_case(path):  # type: ignore[no-untyped-def]
    """Read a case or dataset (see :func:`forensic_match.cases.load_case`)."""
    from forensic_match.cases import load_case as _load

    return _load(path)


def save_case(case, path):  # type: ignore[no-untyped-def]
    """Write a case or dataset as JSON (see :func:`forensic_match.cases.save_case`)."""
    from forensic_match.cases import save_case as _save

    return _save(case, path)


__version__ = "0.1.0"

__all__ = [
    "ForensicMatchError", "GenotypeError", "InputError", "MarkerError", "PedigreeError",
    "KinshipResult", "kinship_lr", "GenotypePosterior", "genotype_posterior",
    "pedigree_likelihood", "Marker", "Mutation", "MutationModel", "mutation_matrix",
    "Pedigree", "Observation", "parse_genotype", "load_case", "save_case", "__version__",
]
