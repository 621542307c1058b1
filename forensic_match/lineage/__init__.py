"""Lineage markers: Y-STR haplotypes along the paternal line, mtDNA along the maternal line.

:mod:`~forensic_match.lineage.lines` finds who shares a missing person's lines and how many
meioses apart; :mod:`~forensic_match.lineage.ystr` and :mod:`~forensic_match.lineage.mtdna`
read, compare and transmit haplotypes and mitotypes; :mod:`~forensic_match.lineage.frequency`
and :mod:`~forensic_match.lineage.disclap` estimate their population frequencies;
:mod:`~forensic_match.lineage.lr` makes the LR of a PM sample against a missing person and
combines it with the autosomal LR; :class:`LineageScores` feeds it to the search. Models,
formulas, sources and assumptions: ``docs/lineage.md``.
"""

from forensic_match.lineage.data import LineageData, MitotypeDatabase, YDatabase
from forensic_match.lineage.disclap import DiscLapFit, fit_disclap, select_disclap
from forensic_match.lineage.frequency import (
    HaplotypeFrequency,
    brenner_kappa,
    clopper_pearson_upper,
    count_frequency,
)
from forensic_match.lineage.lines import LineageLink, lineage_links
from forensic_match.lineage.lr import (
    LineageLR,
    LineageResult,
    check_lineage_options,
    combine_log10_lr,
    lineage_frame,
    lineage_lr,
    lineage_lrs,
    mt_lr,
    y_lr,
)
from forensic_match.lineage.mtdna import (
    Mitotype,
    compare_mitotypes,
    merge_mitotypes,
    parse_mitotype,
    parse_mitotypes,
    tree_mitotype_probability,
)
from forensic_match.lineage.scores import LineageScores
from forensic_match.lineage.ystr import YMarker, compare_haplotypes, parse_haplotype

__all__ = [
    "DiscLapFit", "HaplotypeFrequency", "LineageData", "LineageLR", "LineageLink",
    "LineageResult", "LineageScores", "Mitotype", "MitotypeDatabase", "YDatabase", "YMarker",
    "brenner_kappa", "check_lineage_options", "clopper_pearson_upper", "combine_log10_lr",
    "compare_haplotypes",
    "compare_mitotypes", "count_frequency", "fit_disclap", "lineage_frame", "lineage_links",
    "lineage_lr",
    "lineage_lrs", "merge_mitotypes", "mt_lr", "parse_haplotype", "parse_mitotype",
    "parse_mitotypes", "select_disclap", "tree_mitotype_probability",
    "y_lr",
]
