"""Familias (``.fam``) case files: :func:`read_fam` reads one into forensic_match's objects,
:func:`write_fam` writes one back."""

from forensic_match.familias.reader import (
    FamiliasCase,
    FamiliasDVI,
    FamiliasFamily,
    read_fam,
)
from forensic_match.familias.writer import write_fam

__all__ = ["FamiliasCase", "FamiliasDVI", "FamiliasFamily", "read_fam", "write_fam"]
