"""Lineage LRs of a PM sample against a missing person, read from a dataset and a lab export,
and their combination with the autosomal LR."""

from __future__ import annotations

import copy
import json
import math
import warnings

import pytest
from helpers import write

from forensic_match.cases import Family, PMSample, case_from_dict, load_case, save_case
from forensic_match.dvi.records import read_pm_samples
from forensic_match.errors import InputError, LineageMarkerWarning
from forensic_match.frequencies import load_frequencies
from forensic_match.lineage import combine_log10_lr, lineage_frame, lineage_lr, lineage_lrs
from forensic_match.lineage.lines import line_tree
from forensic_match.lineage.mtdna import PARSONS_1997_RATE, site_probabilities
from forensic_match.lineage.ystr import step_distribution, tree_locus_probability

HV = [[16024, 16569], [1, 576]]
UN_Y = {"DYS391": ["10"], "DYS576": ["18"], "DYS385": ["11", "14"]}
AU_MT = {"range": HV, "variants": ["73G", "263G", "16189C"]}

DATASET = {
    "kind": "dvi", "id": "lineage_toy",
    "markers": [{"name": "TH01", "alleles": ["6", "7"], "frequencies": [0.5, 0.5],
                 "mutation": None}],
    "lineage": {
        "ystr": {"markers": [{"name": "DYS391", "copies": 1, "rate": 0.0025},
                             {"name": "DYS576", "copies": 1, "rate": 0.0143},
                             {"name": "DYS385", "copies": 2, "rate": 0.0041}],
                 "database": {"name": "ytoy", "haplotypes": [
                     {"DYS391": ["10"], "DYS576": ["18"], "DYS385": ["11", "14"]},
                     {"DYS391": ["11"], "DYS576": ["18"], "DYS385": ["13", "14"]},
                     {"DYS391": ["10"], "DYS576": ["17"], "DYS385": ["11", "15"]},
                     {"DYS391": ["10"], "DYS576": ["19"], "DYS385": ["12", "14"]}]}},
        "mtdna": {"database": {"name": "mttoy", "mitotypes": [
            {"range": HV, "variants": ["73G", "263G", "16189C"]},
            {"range": HV, "variants": ["73G", "263G"]},
            {"range": HV, "variants": ["263G", "16519C"]}]}}},
    "pm": [{"id": "PM1", "sex": "M", "genotypes": {"TH01": ["6", "7"]},
            "ystr": {"DYS391": ["10"], "DYS576": ["18"], "DYS385": ["14", "11"]},
            "mtdna": {"range": HV, "variants": ["73G", "263G", "16189C", "315.1C"]},
            "bone": "femur"}],
    "am": [{"family": "F1", "missing": ["MP"],
            "pedigree": [
                {"id": "GF", "father": None, "mother": None, "sex": "M"},
                {"id": "GM", "father": None, "mother": None, "sex": "F"},
                {"id": "FA", "father": "GF", "mother": "GM", "sex": "M"},
                {"id": "UN", "father": "GF", "mother": "GM", "sex": "M"},
                {"id": "MGF", "father": None, "mother": None, "sex": "M"},
                {"id": "MGM", "father": None, "mother": None, "sex": "F"},
                {"id": "MO", "father": "MGF", "mother": "MGM", "sex": "F"},
                {"id": "AU", "father": "MGF", "mother": "MGM", "sex": "F"},
                {"id": "MP", "father": "FA", "mother": "MO", "sex": "M"}],
            "genotypes": {"UN": {"TH01": ["6", "6"]}},
            "ystr": {"UN": UN_Y},
            "mtdna": {"AU": AU_MT}}],
}


def _y_numerator(meioses: int) -> float:
    return (step_distribution(0.0025, meioses)[2 * meioses]
            * step_distribution(0.0143, meioses)[2 * meioses]
            * step_distribution(0.0041 / 2, meioses)[2 * meioses] ** 2)


def test_dataset_lineage_lr_by_hand():
    ds = case_from_dict(DATASET)
    res = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage)
    assert (res.y.reference, res.y.meioses) == ("UN", 3)
    assert res.y.numerator == pytest.approx(_y_numerator(3), rel=1e-12)
    assert res.y.frequency.value == pytest.approx(2 / 5)
    assert res.y.lr == pytest.approx(_y_numerator(3) / 0.4, rel=1e-12)
    assert (res.mtdna.reference, res.mtdna.meioses) == ("AU", 3)
    sites = (16569 - 16024 + 1) + 576
    same, _ = site_probabilities(PARSONS_1997_RATE, 3)
    assert res.mtdna.numerator == pytest.approx(same**sites, rel=1e-12)
    assert res.mtdna.frequency.value == pytest.approx(2 / 4)
    assert res.mtdna.set_aside == {"315.1C": "C-tract length variant, ignored"}
    assert res.log10_lr == pytest.approx(math.log10(res.y.lr) + math.log10(res.mtdna.lr))
    assert combine_log10_lr(2.5, res) == pytest.approx(2.5 + res.log10_lr)
    assert res.notes == ()


def test_no_line_no_lr_with_the_reason():
    data = copy.deepcopy(DATASET)
    data["am"][0]["pedigree"][-1]["sex"] = "F"
    ds = case_from_dict(data)
    res = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage)
    assert res.y is None and res.mtdna is not None
    assert res.notes == ("Y: the missing person 'MP' is a woman",)
    data = copy.deepcopy(DATASET)
    data["am"][0]["ystr"] = {"GM": UN_Y}      # a woman's "Y" data is not a paternal reference
    del data["am"][0]["mtdna"]
    ds = case_from_dict(data)
    res = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage)
    assert res.y is None and res.mtdna is None and res.log10_lr == 0.0
    assert res.notes == ("Y: no relative typed for Y-STRs is on the missing person's paternal "
                         "line", "mtDNA: no relative typed for mtDNA is on the missing "
                         "person's maternal line")


def test_nearest_reference_and_the_others_on_the_line():
    data = copy.deepcopy(DATASET)
    data["am"][0]["ystr"]["GF"] = UN_Y
    ds = case_from_dict(data)
    near = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage, references="nearest")
    assert (near.y.reference, near.y.meioses, near.y.other_references) == ("GF", 2, ("UN",))
    assert not near.y.joint and near.y.numerator == pytest.approx(_y_numerator(2), rel=1e-12)
    # the uncle hangs below the grandfather: given GF he says nothing more about MP
    both = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage)
    assert both.y.joint and "with UN on the same line" in both.y.hypotheses
    assert both.y.numerator == pytest.approx(near.y.numerator, rel=1e-12)


def test_a_brother_and_a_cousin_enter_the_y_numerator_jointly():
    data = copy.deepcopy(DATASET)
    data["am"][0]["pedigree"] += [{"id": "BR", "father": "FA", "mother": "MO", "sex": "M"},
                                  {"id": "UW", "father": None, "mother": None, "sex": "F"},
                                  {"id": "CO", "father": "UN", "mother": "UW", "sex": "M"}]
    data["am"][0]["ystr"] = {"BR": UN_Y, "CO": UN_Y}
    ds = case_from_dict(data)
    near = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage, references="nearest")
    both = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage)
    assert (both.y.reference, both.y.meioses, both.y.other_references) == ("BR", 2, ("CO",))
    tree = line_tree(ds.am[0].pedigree, ["MP", "BR", "CO"], "Y")
    want = 1.0
    for locus, rate, copies in (("DYS391", 0.0025, 1), ("DYS576", 0.0143, 1),
                                ("DYS385", 0.0041, 2)):
        obs = {"MP": ds.pm[0].ystr[locus], "BR": tuple(UN_Y[locus]), "CO": tuple(UN_Y[locus])}
        want *= tree_locus_probability(tree, obs, "MP", rate=rate, copies=copies)
    assert both.y.numerator == pytest.approx(want, rel=1e-12)
    assert both.y.numerator > near.y.numerator       # an agreeing cousin adds support
    with pytest.raises(InputError, match="references must be 'all' or 'nearest'"):
        lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage, references="some")


def test_dataset_round_trip_keeps_lineage_and_unknown_keys(tmp_path):
    ds = case_from_dict(DATASET)
    path = tmp_path / "ds.json"
    save_case(ds, path)
    again = load_case(path)
    assert again.pm[0].ystr == ds.pm[0].ystr and again.pm[0].mtdna == ds.pm[0].mtdna
    assert again.am[0].ystr == ds.am[0].ystr and again.am[0].mtdna == ds.am[0].mtdna
    assert again.lineage.to_dict() == DATASET["lineage"]
    assert json.loads(path.read_text())["pm"][0]["ystr"]["DYS385"] == ["11", "14"]
    one = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage)
    two = lineage_lr(again.pm[0], again.am[0], "MP", again.lineage)
    assert one.log10_lr == two.log10_lr
    results = lineage_lrs(again)
    assert [r.pm for r in results] == ["PM1"]
    frame = lineage_frame(results)
    assert frame.select("pm", "missing", "y_reference", "y_meioses", "mt_reference",
                        "mt_meioses", "y_method", "mt_database").row(0) == \
        ("PM1", "MP", "UN", 3, "AU", 3, "count", "mttoy")
    assert frame["log10_lr"][0] == pytest.approx(one.log10_lr)


def test_mtdna_records_listed_per_read_range_load_merge_and_save_as_one(tmp_path):
    """``pm[].mtdna`` and ``am[].mtdna`` given as one record per read range (HV1+ and HV2+)
    give the LR of the one-record dataset; ``save_case`` writes the merged mitotype as one
    record, which loads back to the same LR."""
    data = copy.deepcopy(DATASET)
    pm_mt, au_mt = data["pm"][0]["mtdna"], data["am"][0]["mtdna"]["AU"]

    def split(record: dict) -> list[dict]:
        hv1 = [v for v in record["variants"] if int(v.split(".")[0].rstrip("ACGTd")) > 576]
        return [{"range": [[1, 576]], "variants": [v for v in record["variants"]
                                                   if v not in hv1]},
                {"range": [[16024, 16569]], "variants": hv1}]

    data["pm"][0]["mtdna"] = split(pm_mt)
    data["am"][0]["mtdna"] = {"AU": split(au_mt)[::-1]}
    whole, parts = case_from_dict(DATASET), case_from_dict(data)
    assert parts.pm[0].mtdna.positions == whole.pm[0].mtdna.positions
    one = lineage_lr(whole.pm[0], whole.am[0], "MP", whole.lineage)
    two = lineage_lr(parts.pm[0], parts.am[0], "MP", parts.lineage)
    assert two.mtdna.lr == one.mtdna.lr and two.mtdna.differences == one.mtdna.differences
    path = tmp_path / "ds.json"
    save_case(parts, path)
    saved = json.loads(path.read_text())
    assert saved["pm"][0]["mtdna"] == {"range": [[1, 576], [16024, 16569]],
                                       "variants": whole.pm[0].mtdna.notation()}
    again = load_case(path)
    assert lineage_lr(again.pm[0], again.am[0], "MP", again.lineage).mtdna.lr == one.mtdna.lr


def test_bad_lineage_input_names_file_family_and_sample(tmp_path):
    data = copy.deepcopy(DATASET)
    data["am"][0]["ystr"] = {"XX": UN_Y}
    path = write(tmp_path, "bad.json", json.dumps(data))
    with pytest.raises(InputError, match="file '.*bad.json', family 'F1': ystr of 'XX', who is "
                                         "not in the pedigree"):
        load_case(path)
    data = copy.deepcopy(DATASET)
    data["pm"][0]["ystr"]["DYS391"] = ["OL"]
    path = write(tmp_path, "bad2.json", json.dumps(data))
    with pytest.raises(InputError, match="bad2.json.*sample 'PM1': locus 'DYS391': allele 'OL'"):
        load_case(path)
    data = copy.deepcopy(DATASET)
    data["lineage"]["ystr"]["markers"].append({"name": "DYS999"})
    with pytest.raises(InputError, match="marker 'DYS999' has no 'rate'"):
        case_from_dict(data)


def test_y_rows_of_a_lab_export_are_read_not_refused(tmp_path):
    path = write(tmp_path, "fusion.txt",
                 "Sample Name\tMarker\tAllele 1\tAllele 2\n"
                 "PM9\tAMEL\tX\tY\n"
                 "PM9\tTH01\t6\t9.3\n"
                 "PM9\tDYS391\t10\t\n"
                 "PM9\tDYS576\t18\t\n"
                 "PM9\tDYS385a/b\t11\t14\n"
                 "PM9\tDXS10135\t20\t\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineageMarkerWarning)
        (pm,) = read_pm_samples(path, markers=load_frequencies("fbi2015_sw_hispanic"))
    ds = case_from_dict(DATASET)
    res = lineage_lr(pm, ds.am[0], "MP", ds.lineage)
    assert res.y.compared == ("DYS385", "DYS391", "DYS576")
    assert res.y.lr == pytest.approx(_y_numerator(3) / 0.4, rel=1e-12)
    assert res.notes == ("mtDNA: the PM sample has no mtDNA data",)


def test_relatives_y_rows_from_a_lab_export_count_as_references():
    ds = case_from_dict(DATASET)
    fam = ds.am[0]
    lab = Family(fam.id, fam.pedigree, fam.missing, fam.genotypes,
                 lineage={"FA": {"DYS391": ["10"], "DYS576": ["18"], "DYS385a/b": ["11", "14"],
                                 "DXS10135": ["20"]}})
    pm = PMSample("PMx", "M", {}, ystr=ds.pm[0].ystr)
    res = lineage_lr(pm, lab, "MP", ds.lineage)
    assert (res.y.reference, res.y.meioses) == ("FA", 1)
    assert res.y.numerator == pytest.approx(_y_numerator(1), rel=1e-12)


def test_lineage_data_survive_the_case_store(tmp_path):
    from forensic_match.store import CaseStore

    ds = case_from_dict(DATASET)
    store = CaseStore(str(tmp_path / "cases.db"))
    try:
        first = store.ingest(ds, actor="lab")
        again = store.ingest(case_from_dict(DATASET), actor="lab")
        back = store.dataset(ds.markers)
    finally:
        store.close()
    assert sorted(first.new_versions) == [("family", "F1", 1), ("profile", "F1/UN", 1),
                                          ("profile", "PM1", 1)]
    assert again.new_versions == [] and again.unchanged == 3   # same data, nothing new
    assert back.pm[0].ystr == ds.pm[0].ystr and back.pm[0].mtdna == ds.pm[0].mtdna
    assert back.am[0].ystr == ds.am[0].ystr and back.am[0].mtdna == ds.am[0].mtdna
    back.lineage = ds.lineage
    assert lineage_lr(back.pm[0], back.am[0], "MP", ds.lineage).log10_lr == \
        lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage).log10_lr


def test_an_off_ladder_y_call_in_a_lab_export_leaves_that_locus_out_with_a_warning():
    ds = case_from_dict(DATASET)
    pm = PMSample("PM9", "M", {}, info={"lineage": {"DYS391": ["10"], "DYS576": ["OL"],
                                                     "DYS385a/b": ["11", "14"]}})
    with pytest.warns(LineageMarkerWarning, match="sample 'PM9': Y locus 'DYS576' has an "
                                                  "off-ladder call"):
        res = lineage_lr(pm, ds.am[0], "MP", ds.lineage)
    assert res.y.compared == ("DYS385", "DYS391")
    bad = PMSample("PM8", "M", {}, info={"lineage": {"DYS391": ["10,0"]}})
    with pytest.raises(InputError, match="sample 'PM8': locus 'DYS391': allele '10,0'"):
        lineage_lr(bad, ds.am[0], "MP", ds.lineage)


def _assert_theta_corrected(lr_of, pm, ref, data, same: bool, theta: float = 0.05):
    """``lr_of(..., theta=theta)`` (``y_lr`` or ``mt_lr``, 2 meioses) has the denominator
    theta [same] + (1 - theta) f and the plain numerator; theta 0 is the plain LR. Returns
    the corrected result."""
    plain = lr_of(pm, ref, 2, data)
    got = lr_of(pm, ref, 2, data, theta=theta)
    want = (theta if same else 0.0) + (1.0 - theta) * plain.frequency.value
    assert got.frequency.value == pytest.approx(want, rel=1e-12)
    assert got.numerator == plain.numerator
    assert got.lr == pytest.approx(plain.numerator / want, rel=1e-12)
    assert f"theta = {theta:g}" in got.frequency.description
    assert lr_of(pm, ref, 2, data, theta=0.0).lr == plain.lr
    return got


def test_y_theta_is_the_haploid_balding_nichols_match_probability():
    """With ``y_theta``, the Y LR's denominator is theta + (1 - theta) f when the PM haplotype
    is the nearest reference's at every compared locus and (1 - theta) f when it differs
    (Buckleton, Krawczak & Weir 2011); the numerator is unchanged; theta 0 is the plain
    frequency; theta outside [0, 1) is refused before any work."""
    from forensic_match.lineage.data import LineageData, YDatabase
    from forensic_match.lineage.lr import check_lineage_options, y_lr
    from forensic_match.lineage.ystr import YMarker

    data = LineageData((YMarker("DYS391", 1, 0.01), YMarker("DYS19", 1, 0.02)),
                       YDatabase("toy", tuple({"DYS391": (a,), "DYS19": (b,)}
                                              for a, b in (("10", "14"), ("11", "15"),
                                                           ("10", "15"), ("12", "13")))))
    ref = {"DYS391": ("10",), "DYS19": ("14",)}
    for pm, same in ((dict(ref), True), ({"DYS391": ("11",), "DYS19": ("14",)}, False)):
        _assert_theta_corrected(y_lr, pm, ref, data, same)
    # the numerator is at most 1, so theta caps the Y LR of a match at 1 / theta
    for meioses in (1, 3, 6):
        assert y_lr(ref, ref, meioses, data, theta=0.05).lr <= 1.0 / 0.05
    for bad in (1.0, -0.1, "0.1", True):
        with pytest.raises(InputError, match="y_theta"):
            check_lineage_options(data, {"y_theta": bad})


def test_mt_theta_is_the_haploid_balding_nichols_match_probability():
    """With ``mt_theta``, the mtDNA LR's denominator is theta + (1 - theta) f when the PM
    mitotype shows no difference from the nearest reference's over the sites both read (a
    fitting heteroplasmy is none) and (1 - theta) f otherwise; the numerator is unchanged;
    ``lineage_lr(mt_theta=...)`` passes it on; theta outside [0, 1) is refused."""
    from forensic_match.lineage.data import LineageData
    from forensic_match.lineage.lr import check_lineage_options, mt_lr
    from forensic_match.lineage.mtdna import MitotypeDatabase, parse_mitotype

    def mito(*variants):
        return parse_mitotype({"range": [[16024, 16365]], "variants": list(variants)})

    data = LineageData(mt_database=MitotypeDatabase("toy", (
        mito("16189C"), mito("16189C", "16311C"), mito(), mito("16223T"))))
    ref = mito("16189C")
    for pm, same in ((mito("16189C"), True), (mito("16189Y"), True),
                     (mito("16189C", "16311C"), False)):
        theta = _assert_theta_corrected(mt_lr, pm, ref, data, same)
        assert ("PM mitotype being the reference's" if same
                else "PM mitotype differing") in theta.frequency.description
    for bad in (1.0, -0.1, "0.1", True):
        with pytest.raises(InputError, match="mt_theta"):
            check_lineage_options(data, {"mt_theta": bad})
