"""Familias (``.fam``) case files: :func:`read_fam` reads one into forensic_match's objects."""

from forensic_match.familias.reader import (
    FamiliasCase,
    FamiliasDVI,
    FamiliasFamily,
    read_fam,
)

__all__ = ["FamiliasCase", "FamiliasDVI", "FamiliasFamily", "read_fam"]
