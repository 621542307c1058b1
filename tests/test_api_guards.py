"""What a geneticist scripting the Python API meets (an outside check, 2026-12-07): marker
names spelled otherwise than the panel's, a panel without mutation models, an off-ladder call
in code, the H2 of related references, a dropout column under another name, a sample the
samples table leaves out. No LR may change without a word."""
from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

from forensic_match.cases import Family, PMSample
from forensic_match.dvi.identify import _share, identify
from forensic_match.dvi.records import read_pm_samples
from forensic_match.errors import (
    ForensicMatchWarning,
    IgnoredMarkerWarning,
    InputError,
    MarkerError,
)
from forensic_match.frequencies import load_frequencies
from forensic_match.kinship import kinship_lr
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree, missing_person_family, unrelated
from forensic_match.simulate import simulate_profiles


def _respelt(profile: dict, old: str, new: str) -> dict:
    return {(new if k == old else k): v for k, v in profile.items()}


@pytest.fixture(scope="module")
def case(markers: list[Marker]) -> tuple[Family, PMSample, dict]:
    ped = missing_person_family("MP", relatives={"F": "father", "M": "mother"})
    truth = simulate_profiles(ped, markers, seed=8)
    family = Family("FAM", ped, ["MP"], {i: truth[i] for i in ("F", "M")})
    return family, PMSample("B1", "M", dict(truth["MP"])), truth


def _lr(res: object) -> float:
    by_sample = res.search.by_sample  # type: ignore[attr-defined]
    return float(by_sample.filter(by_sample["family"] == "FAM")["log10_lr"][0])


def test_a_marker_spelt_otherwise_is_read_under_the_panels_spelling(
        markers: list[Marker], case: tuple) -> None:
    """A reference typed ``VWA`` against a ``vWA`` panel was left out of the LR silently
    (log10 10.23 -> 9.45); it is the panel's vWA, and the LR is the same."""
    family, body, _ = case
    assert "vWA" in [m.name for m in markers]
    want = identify([family], [body], markers)
    genotypes = {k: _respelt(v, "vWA", "VWA") for k, v in family.genotypes.items()}
    respelt = Family(family.id, family.pedigree, family.missing, genotypes)
    sample = PMSample(body.id, body.sex, _respelt(body.genotypes, "vWA", "V_W_A"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = identify([respelt], [sample], markers)
    assert _lr(got) == pytest.approx(_lr(want), rel=1e-12)
    # kinship_lr alike
    h1 = family.pedigree
    h2 = h1.with_unrelated("MP")
    plain = {**family.genotypes, "MP": body.genotypes}
    odd = {**genotypes, "MP": sample.genotypes}
    assert kinship_lr(h1, h2, markers, odd).lr_total == \
        pytest.approx(kinship_lr(h1, h2, markers, plain).lr_total, rel=1e-12)


def test_a_marker_the_panel_lacks_is_named_once(markers: list[Marker], case: tuple) -> None:
    family, body, _ = case
    sample = PMSample(body.id, body.sex, _respelt(body.genotypes, "D21S11", "D21"))
    with pytest.warns(IgnoredMarkerWarning, match=r"1 profiles have markers that are not among "
                                                  r"the markers analysed .* PM sample 'B1' "
                                                  r"\(D21\)"):
        identify([family], [sample], markers)
    # left out on purpose: no word
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        identify([family], [sample], markers, ignore_markers=["d21"])


def test_two_spellings_of_one_marker_are_refused(markers: list[Marker], case: tuple) -> None:
    family, body, _ = case
    both = PMSample(body.id, body.sex, {**body.genotypes, "VWA": body.genotypes["vWA"]})
    with pytest.raises(InputError, match=r"PM sample 'B1': markers 'vWA' and 'VWA' are both "
                                         r"marker 'vWA'"):
        identify([family], [both], markers)
    db = load_frequencies("fbi2015_sw_hispanic")
    with pytest.raises(MarkerError, match=r"markers 'VWA' and 'vWA' are one marker"):
        db.markers_for(["VWA", "TH01", "vWA"])
    with pytest.raises(MarkerError, match=r"markers 'TH01' and 'TH01' are one marker"):
        db.markers_for(["TH01", "TH01"])
    twice = [*markers, Marker("VWA", list(markers[0].alleles), list(markers[0].frequencies))]
    with pytest.raises(InputError, match=r"markers 'vWA' and 'VWA' are one marker under two "
                                         r"spellings"):
        kinship_lr(trio_h1 := family.pedigree, trio_h1.with_unrelated("MP"), twice,
                   {"F": family.genotypes["F"]})


def test_what_is_not_a_list_of_markers_or_a_genotype_is_named(markers: list[Marker],
                                                                case: tuple) -> None:
    family, body, _ = case
    db = load_frequencies("fbi2015_sw_hispanic")
    with pytest.raises(InputError, match=r"markers must be a list of Marker, got FrequencyDB: "
                                         r"use db.markers_for"):
        identify([family], [body], db)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"got an item 'TH01' \(str\)"):
        kinship_lr(family.pedigree, family.pedigree.with_unrelated("MP"), ["TH01"],
                   {"F": {"TH01": ("6", "7")}})
    h1 = family.pedigree
    with pytest.raises(InputError, match=r"sample 'F', marker 'TH01': genotype None is not a "
                                         r"pair of alleles"):
        kinship_lr(h1, h1.with_unrelated("MP"), markers, {"F": {"TH01": None}})
    with pytest.raises(InputError, match=r"sample 'MP', marker 'TH01': 'OL' is an off-ladder "
                                         r"call, not an allele name; give None"):
        kinship_lr(h1, h1.with_unrelated("MP"), markers,
                   {"F": family.genotypes["F"], "MP": {"TH01": ("7", "OL")}})


def test_a_panel_without_mutation_models_is_warned_about(case: tuple) -> None:
    family, body, _ = case
    db = load_frequencies("fbi2015_sw_hispanic")
    with pytest.warns(ForensicMatchWarning, match=r"23 of the 23 markers have no mutation "
                                                  r"model .* makes his family impossible"):
        identify([family], [body], db.markers_for(db.markers))


def test_with_unrelated_keeps_the_references_related() -> None:
    """H2 for a father and a brother as references: the missing person unrelated, the two
    still father and son. Making all three founders adds the references' own father-son LR
    to the missing person's (the README's pattern, right only for two parents)."""
    db = load_frequencies("fbi2015_sw_hispanic")
    markers = db.markers_for(["D3S1358", "vWA", "TH01", "FGA", "D8S1179"])
    h1 = missing_person_family("MP", relatives={"F": "father", "B": "full_sibling"})
    truth = simulate_profiles(h1, markers, seed=2)
    profiles = {i: truth[i] for i in ("F", "B", "MP")}
    right = kinship_lr(h1, h1.with_unrelated("MP"), markers, profiles).lr_total
    founders = kinship_lr(h1, unrelated(["F", "B", "MP"], ["M", "M", "M"]), markers,
                          profiles).lr_total
    refs = {i: truth[i] for i in ("F", "B")}
    father_son = Pedigree.from_records([("F", None, None, "M"), ("X", None, None, "F"),
                                        ("B", "F", "X", "M")])
    between = kinship_lr(father_son, unrelated(["F", "B"], ["M", "M"]), markers, refs).lr_total
    assert math.log10(founders) == pytest.approx(math.log10(right * between), abs=1e-9)
    assert between > 1.0
    # with two parents the two H2 agree, as the README prints
    trio = missing_person_family("MP", relatives={"F": "father", "M": "mother"})
    t = simulate_profiles(trio, markers, seed=3)
    prof = {i: t[i] for i in ("F", "M", "MP")}
    assert kinship_lr(trio, trio.with_unrelated("MP"), markers, prof).lr_total == \
        pytest.approx(kinship_lr(trio, unrelated(["F", "M", "MP"], ["M", "F", "M"]), markers,
                                 prof).lr_total, rel=1e-12)


def _pm(tmp_path: Path, samples: str) -> tuple[Path, Path]:
    genotypes = tmp_path / "pm.csv"
    genotypes.write_text("sample,marker,allele1,allele2\nPM1,TH01,6,7\nPM2,TH01,7,7\n")
    table = tmp_path / "samples.csv"
    table.write_text(samples)
    return genotypes, table


def test_a_dropout_column_under_another_name(tmp_path: Path) -> None:
    genotypes, table = _pm(tmp_path, "sample,Dropout probability\nPM1,0.1\nPM2,\n")
    pm = read_pm_samples(genotypes, samples_path=table)
    assert [s.dropout for s in pm] == [0.1, 0.0]
    genotypes, table = _pm(tmp_path, "sample,drop-out (est.)\nPM1,0.1\nPM2,0.2\n")
    with pytest.raises(InputError, match=r"samples.csv.*column 'drop-out \(est.\)' looks like a "
                                         r"dropout column but is not read as one"):
        read_pm_samples(genotypes, samples_path=table)


def test_a_sample_the_samples_table_leaves_out_is_named(tmp_path: Path) -> None:
    genotypes, table = _pm(tmp_path, "sample,dropout\nPM1,0.2\n")
    with pytest.warns(ForensicMatchWarning, match=r"samples table .*samples.csv' has no row for "
                                                  r"1 typed PM samples \('PM2'\): each is read "
                                                  r"with dropout 0"):
        pm = read_pm_samples(genotypes, samples_path=table)
    assert [s.dropout for s in pm] == [0.2, 0.0]


@pytest.mark.parametrize(("p", "text"), [(0.99947, "0.99947"), (0.99949, "0.99949"),
                                         (0.99950, "0.9995"), (0.4919, "0.4919"),
                                         (0.999499999, "0.999499999"), (1.0, "1.0000")])
def test_a_share_below_the_threshold_never_reads_as_at_it(p: float, text: str) -> None:
    assert _share(p, 0.9995) == text


def test_pm_dropout_is_given_to_the_samples_that_declare_none(markers: list[Marker],
                                                              case: tuple) -> None:
    """``identify(pm_dropout=)`` does what the command line's ``pm_dropout`` does: a sample
    declaring no dropout is read with it, a sample declaring its own keeps it, and the value
    is recorded in the parameters."""
    import dataclasses

    family, body, _ = case
    het = next(m for m, g in body.genotypes.items() if g[0] != g[1])
    lost = dataclasses.replace(body, genotypes={**body.genotypes,
                                                het: (body.genotypes[het][0],) * 2})
    own = dataclasses.replace(lost, dropout=0.2)
    got = identify([family], [lost], markers, pm_dropout=0.05)
    want = identify([family], [dataclasses.replace(lost, dropout=0.05)], markers)
    plain = identify([family], [lost], markers)
    assert _lr(got) == _lr(want) != _lr(plain)
    assert _lr(identify([family], [own], markers, pm_dropout=0.05)) == \
        _lr(identify([family], [own], markers))
    assert got.parameters["pm_dropout"] == 0.05 and "pm_dropout" not in plain.parameters
    for bad in (-0.1, 1.0, math.nan):
        with pytest.raises(InputError, match="pm_dropout must lie in"):
            identify([family], [lost], markers, pm_dropout=bad)
