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
from forensic_match.likelihood import GenotypePosterior, genotype_posterior, pedigree_likelihood
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel, mutation_matrix
from forensic_match.pedigree import Pedigree
from forensic_match.profiles import Observation, parse_genotype

__version__ = "0.1.0"

__all__ = [
    "ForensicMatchError", "GenotypeError", "InputError", "MarkerError", "PedigreeError",
    "GenotypePosterior", "genotype_posterior", "pedigree_likelihood", "Marker", "Mutation",
    "MutationModel", "mutation_matrix", "Pedigree", "Observation", "parse_genotype",
    "__version__",
]
