"""Linked-SNP inputs an outside check (2026-12-06) found read in a way that changed an LR
without a word: chromosome labels written two ways, a chromosome in two blocks, a map that
does not cover the panel, profile names not on the panel, a body typed at no panel SNP."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import numpy as np
import pytest
from test_linked_case import _case

from forensic_match.cases import case_from_dict
from forensic_match.errors import GenotypeError, IgnoredMarkerWarning, InputError, MarkerError
from forensic_match.linked import RELATIONSHIPS, linked_kinship_lr, load_force_panel
from forensic_match.linked.genotypes import read_snp_samples
from forensic_match.linked.panel import GeneticMap, chromosome_label, read_panel

HEADER = "chrom,marker,mb,a1,a2,freq_a1,cm_male,cm_female\n"


def test_one_chromosome_written_two_ways_is_one_chromosome() -> None:
    """'chr1' beside '1' (or '01') in one case was two independent chromosomes: the LR
    moved (0.674 -> 0.687 in log10 in the checker's case). They are one label now."""
    want = case_from_dict(_case()).solve()
    data = copy.deepcopy(_case())
    for k, label in ((0, "chr1"), (1, "01"), (2, "1"), (3, "chr07")):
        data["markers"][k]["chrom"] = label
    got = case_from_dict(data).solve()
    assert got.chromosomes == want.chromosomes == ("1", "7")
    assert got.log10_lr_total == want.log10_lr_total
    assert [chromosome_label(c) for c in ("chr1", "CHR01", " 7 ", "X", "chrX")] == \
        ["1", "1", "7", "X", "chrX"]


def test_a_panel_with_one_chromosome_in_two_blocks_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    path.write_text(HEADER + "1,rs1,1.0,A,G,0.3,0.0,0.0\n2,rs2,1.0,A,G,0.3,0.0,0.0\n"
                    "chr1,rs3,5.0,A,G,0.3,10.0,12.0\n")
    with pytest.raises(InputError, match="marker 'rs3': chromosome 1 comes again after "
                                         "chromosome 2"):
        read_panel(path)


def test_a_chromosome_label_that_is_no_label_is_named(tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    path.write_text(HEADER + "1.0,rs1,1.0,A,G,0.3,0.0,0.0\n")
    with pytest.raises(MarkerError, match="chromosome '1.0' is not a chromosome label"):
        read_panel(path)


def test_a_map_that_does_not_cover_the_panel_is_refused() -> None:
    """Beyond its last point np.interp held the end's cM: every SNP there at one genetic
    position, completely linked over 100 Mb (LRs moved by 0.4-0.7 in log10)."""
    gmap = GeneticMap({"1": np.array([[0.5, 0.0, 0.0], [150.0, 160.0, 250.0]])}, "cut.csv")
    male, female = gmap.positions("1", np.array([0.5, 75.25, 150.0]))
    assert male.tolist() == [0.0, 80.0, 160.0] and female.tolist() == [0.0, 125.0, 250.0]
    with pytest.raises(InputError, match=r"map 'cut.csv', chromosome 1: marker 'rsB' at "
                                         r"200 Mb lies outside the map \(0.5-150 Mb; 2 "):
        gmap.positions("1", np.array([10.0, 200.0, 0.1]), ["rsA", "rsB", "rsC"])


def test_profile_names_not_on_the_panel_are_warned_about() -> None:
    """``linked_kinship_lr`` compared a profile written with other names on nothing (LR 1,
    '0 markers typed') without a word; now an IgnoredMarkerWarning names them, and an rs
    number written in capitals is read as the panel's."""
    panel = load_force_panel().subset(["rs9442372", "rs4648727"])
    sibs = RELATIONSHIPS["full siblings"].pedigree()
    profiles = {"A": {"rs9442372": ("G", "G")}, "B": {"rs9442372": ("G", "G")}}
    want = linked_kinship_lr(sibs, None, panel, profiles, first="A", second="B")
    renamed = {i: {"SNP_" + k: g for k, g in p.items()} for i, p in profiles.items()}
    with pytest.warns(IgnoredMarkerWarning, match=r"sample '[AB]'.*\['SNP_rs9442372'\]"):
        lost = linked_kinship_lr(sibs, None, panel, renamed, first="A", second="B")
    assert abs(lost.log10_lr) < 1e-12 and want.log10_lr > 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = linked_kinship_lr(sibs, None, panel, {i: {k.upper(): g for k, g in p.items()}
                                                      for i, p in profiles.items()},
                                  first="A", second="B")
    assert again.log10_lr == want.log10_lr


def test_a_body_typed_at_no_panel_snp_is_kept_and_rs_numbers_fold_case(tmp_path: Path) -> None:
    panel = load_force_panel().subset(["rs9442372", "rs4648727"])
    path = tmp_path / "pm.csv"
    path.write_text("sample,marker,allele1,allele2\nPM1,RS9442372,G,A\nPM2,chr1:12345,A,G\n")
    with pytest.warns(IgnoredMarkerWarning, match="chr1:12345"):
        ids, codes = read_snp_samples(path, panel)
    assert ids == ("PM1", "PM2")
    assert codes[0].tolist()[panel.index["rs9442372"]] == 1 and (codes[1] == -1).all()


@pytest.mark.parametrize("token", ["0", "-", "--", "NA"])
def test_a_no_call_written_as_a_token_is_refused_saying_so(tmp_path: Path, token: str) -> None:
    panel = load_force_panel().subset(["rs9442372"])
    path = tmp_path / "pm.csv"
    path.write_text(f"sample,marker,allele1,allele2\nPM1,rs9442372,{token},{token}\n")
    with pytest.raises(GenotypeError, match="a missing call is written as empty cells"):
        read_snp_samples(path, panel)
