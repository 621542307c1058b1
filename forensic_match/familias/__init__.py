"""Familias (``.fam``) case files: :func:`read_fam` reads one into forensic_match's objects,
:func:`write_fam` writes one back; :func:`kinship_cases` and :func:`dvi_dataset` turn one
into the questions ``forensic-match lr`` and ``solve`` answer."""

from forensic_match.familias.convert import dvi_dataset, kinship_cases, reference_pedigree
from forensic_match.familias.reader import (
    FamiliasCase,
    FamiliasDVI,
    FamiliasFamily,
    read_fam,
)
from forensic_match.familias.writer import write_fam

__all__ = ["FamiliasCase", "FamiliasDVI", "FamiliasFamily", "dvi_dataset", "kinship_cases",
           "read_fam", "reference_pedigree", "write_fam"]
