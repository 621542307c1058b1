"""identify() with lineage markers, on a small simulated programme of distant references."""

from __future__ import annotations

import dataclasses

import pytest
from helpers import lab_tables_with_y_rows
from test_lineage_simulate import _mt_pool, _population

from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.lineage.simulate import add_lineage


def test_lineage_markers_place_bodies_in_their_families_and_nothing_false(markers):
    """Distant references (half siblings, a nephew, an aunt and a cousin): lineage markers
    put more bodies in their family with certainty, but cannot tell the missing man from the
    unregistered brother the decision draws as an alternative (they share both lines), so
    they become family-level proposals, not individual identifications. The undrawn
    relatives of the distant references (``reference_kin``, on by default) take them all
    back: a child or sibling of the reference fits as well, and (lineage decision model 2) his
    relatives on his own lines (a brother's child, a paternal cousin) share his Y and
    mitotype as the missing person does."""
    prog = simulate_programme(40, 40, markers=markers, seed=21,
                              shapes=["half_siblings", "nephew", "cousin_aunt"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    add_lineage(prog, population=_population(), mitotypes=_mt_pool(60, 2), seed=22,
                database_size=300)
    ds = prog.dataset
    family_of = dict(zip(prog.truth["pm"].to_list(), prog.truth["family"].to_list()))
    plain = identify(ds.am, ds.pm, ds.markers)
    lin = identify(ds.am, ds.pm, ds.markers, lineage=ds.lineage)
    assert lin.parameters["lineage"]["y_database"] == "simulated"
    assert "lineage_log10_lr" in lin.identifications.columns
    bare = identify(ds.am, ds.pm, ds.markers, lineage=ds.lineage, reference_kin=0.0)
    # measured: 0 family-level proposals without lineage markers, 6 with them without the
    # references' relatives, 0 with them (2, both right, under lineage decision model 1); 0
    # individual
    assert plain.family_level.height == 0 and bare.family_level.height == 6
    assert lin.family_level.height == 0
    assert set(lin.family_level["pm"]) <= set(bare.family_level["pm"])
    for res in (plain, bare, lin):
        for r in res.family_level.iter_rows(named=True):
            assert family_of[r["pm"]] == r["family"]
            assert r["relatives_posterior"] > 0.05   # the brother is never ruled out
        for r in res.identifications.iter_rows(named=True):
            assert family_of[r["pm"]] == r["family"]


def test_solve_command_uses_lineage_on_request(tmp_path):
    import copy
    import json

    from click.testing import CliRunner
    from test_lineage_lr import DATASET

    from forensic_match.cli import main

    path = tmp_path / "ds.json"
    path.write_text(json.dumps(DATASET), encoding="utf-8")
    out = CliRunner().invoke(main, ["solve", str(path), "--lineage"])
    assert out.exit_code == 0, out.output
    notes = json.loads(out.stdout)["notes"]
    assert any(n.startswith("lineage: Y-STR and mtDNA LRs added") for n in notes)
    bare = copy.deepcopy(DATASET)
    del bare["lineage"]
    path.write_text(json.dumps(bare), encoding="utf-8")
    out = CliRunner().invoke(main, ["solve", str(path), "--lineage"])
    assert out.exit_code == 1 and "has no 'lineage' data" in out.output


def _uncle_case(markers, seed: int = 5):
    """A missing man whose only reference is his paternal uncle (autosomal STRs and a Y
    haplotype), and a body that is NOT the missing man: an unrelated man of the uncle's
    patrilineage (autosomally anyone, with the uncle's Y haplotype), as in a village of a few
    patrilineages. The Y database (20,000 haplotypes, none of them the uncle's) makes the Y
    LR of a match large."""
    import numpy as np

    from forensic_match.cases import Family, PMSample
    from forensic_match.lineage.data import LineageData, YDatabase
    from forensic_match.lineage.ystr import YMarker
    from forensic_match.pedigree import missing_person_family
    from forensic_match.simulate import simulate_profiles

    rng = np.random.default_rng(seed)
    loci = [f"DYS{400 + k}" for k in range(15)]
    panel = tuple(YMarker(name, 1, 0.002) for name in loci)
    uncle_y = {name: ("15",) for name in loci}
    database = []
    while len(database) < 20_000:
        h = {name: (str(int(v)),) for name, v in zip(loci, rng.integers(8, 23, len(loci)))}
        if h != uncle_y:
            database.append(h)
    data = LineageData(panel, YDatabase("toy", tuple(database)))
    ped = missing_person_family("MP", missing_sex="M", relatives={"U": "paternal_uncle"})
    truth = simulate_profiles(ped, markers, seed=seed)
    fam = Family("FAM", ped, ["MP"], {"U": truth["U"]})
    fam.ystr = {"U": uncle_y}
    stranger = simulate_profiles(missing_person_family("X", missing_sex="M", relatives={}),
                                 markers, seed=seed + 100)["X"]
    body = PMSample("kinsman", "M", dict(stranger))
    body.ystr = dict(uncle_y)
    return fam, body, data


def test_a_lineage_match_does_not_stand_in_for_autosomal_evidence(markers):
    """The village hazard (``docs/decisions.md``, "Kinsmen of a lineage"): a man of the
    missing man's patrilineage who is not in the pedigree shares the Y haplotype. Without the
    kinsman alternative (``lineage_kin=0``) the Y match alone places him in the family with
    posterior >= 0.9995 (a wrong body in the family's grave); with the default weight he is
    not placed, and (the uncle's undrawn relatives aside, ``reference_kin=0``) the pair's
    posterior is the closed form ``w / (w + W0 + rho Σ alt + kappa LR_Y)``."""
    import math

    from forensic_match.decide.alternatives import relative_alternatives
    from forensic_match.lineage.lr import lineage_lr

    fam, body, data = _uncle_case(markers)
    # (the uncle's nephew through a brother, drawn since lineage decision model 2, shares his Y
    # too: left out here to show the kinsman's part)
    bare = identify([fam], [body], markers, lineage=data, lineage_kin=0.0, reference_kin=0.0)
    assert bare.family_level.height == 1 and bare.family_level["family"][0] == "FAM"
    default = identify([fam], [body], markers, lineage=data)
    assert default.identifications.height == 0 and default.family_level.height == 0
    # the closed form of the kinsman alone: without the uncle's undrawn relatives
    # (``reference_kin``, tests/test_reference_kin.py), who take more of the body's mass
    res = identify([fam], [body], markers, lineage=data, reference_kin=0.0)
    assert res.identifications.height == 0 and res.family_level.height == 0
    assert res.parameters["priors"]["lineage_kin"] == 1.0
    assert default.decision.bodies["p_reference_kin"][0] > 0.0
    assert (default.decision.pairs["posterior"][0]
            <= res.decision.pairs["posterior"][0] + 1e-12)
    dec = res.decision
    pair = dec.pairs.row(0, named=True)
    # the kinsman's lineage LR: the largest among the family's members compared with the
    # body (the missing man, and the alternatives: his father, who is nearer the uncle, and
    # an unregistered brother)
    alts = relative_alternatives(fam)
    logs = [lineage_lr(body, fam, "MP", data).log10_lr] + [
        lineage_lr(body, alts.family, a.person, data).log10_lr for a in alts.alternatives]
    y = 10.0 ** max(logs)
    assert y > 1e4 and max(logs) > logs[0]
    alt = sum(dec.alternatives["lr"].to_list())
    w0 = res.parameters["priors"]["open_weight"]
    expected = pair["lr"] / (pair["lr"] + w0 + alt + y)
    assert pair["posterior"] == pytest.approx(expected, rel=1e-9)
    kin = dec.bodies["p_lineage_kin"][0]
    assert kin == pytest.approx(y / (pair["lr"] + w0 + alt + y), rel=1e-9)
    assert math.isclose(dec.bodies["p_open"][0] + kin + pair["posterior"]
                        + sum(dec.alternatives["posterior"].to_list()), 1.0, rel_tol=1e-9)



def _cousin_case(markers, seed: int):
    """A missing man A whose only reference is his paternal uncle U (STRs, a Y haplotype and
    a mitotype), and a body that is NOT A: C, the son of U's other brother (A's paternal
    first cousin, U's nephew on his Y line, with his own mother's mitotype)."""
    import numpy as np

    from forensic_match.cases import Family, PMSample
    from forensic_match.lineage.data import LineageData, YDatabase
    from forensic_match.lineage.mtdna import Mitotype, MitotypeDatabase
    from forensic_match.lineage.ystr import YMarker
    from forensic_match.pedigree import Pedigree
    from forensic_match.simulate import simulate_profiles

    loci = [f"DYS{400 + k}" for k in range(15)]
    line_y = {name: ("15",) for name in loci}
    rng = np.random.default_rng(1)
    database = []
    while len(database) < 2000:
        h = {name: (str(int(v)),) for name, v in zip(loci, rng.integers(8, 23, len(loci)))}
        if h != line_y:
            database.append(h)

    def mito(*pos: int) -> Mitotype:
        return Mitotype(((16024, 16365),), {p: "C" for p in pos})

    data = LineageData(tuple(YMarker(name, 1, 0.002) for name in loci),
                       YDatabase("toy", tuple(database)),
                       MitotypeDatabase("toy", tuple(mito(16024 + k, 16100 + k % 7)
                                                     for k in range(300))))
    drawn = [("GF", None, None, "M"), ("GM", None, None, "F"), ("F", "GF", "GM", "M"),
             ("U", "GF", "GM", "M"), ("W", None, None, "F"), ("A", "F", "W", "M")]
    world = Pedigree.from_records(drawn + [("U2", "GF", "GM", "M"), ("W2", None, None, "F"),
                                           ("C", "U2", "W2", "M")])
    truth = simulate_profiles(world, markers, seed=seed)
    fam = Family("FAM", Pedigree.from_records(drawn), ["A"], {"U": truth["U"]})
    fam.ystr, fam.mtdna = {"U": dict(line_y)}, {"U": mito(16223, 16290)}
    body = PMSample("C", "M", dict(truth["C"]))
    body.ystr, body.mtdna = dict(line_y), mito(16111, 16290)
    return fam, body, data


@pytest.mark.parametrize("seed", [2, 7])
def test_a_references_nephew_on_his_y_line_is_not_placed_as_the_missing_man(markers, seed):
    """Lineage decision model 2 (an outside check, 2026-12-07: 24 of 27 family-level rows of
    paternal-line worlds were the missing man's paternal cousins, listed as "him or his
    brother"): the uncle's nephew through a brother shares his Y, and is U's nephew exactly
    as A is. Before, U's only nephew drawn was a sister's child, whose mitotype the body's
    excluded, so nothing stood for what the body is and it was placed at family level as A
    or A's brother (these seeds: posterior 0.9995 and 0.99995). Now ``U/brothers_child``
    takes his share, and nobody is placed."""
    from forensic_match.decide.alternatives import reference_kin

    fam, body, data = _cousin_case(markers, seed)
    added = [a.person for a in reference_kin(fam, ["U"]).alternatives]
    assert added == ["U/child", "U/sibling", "U/nephew", "U/brothers_child", "U/y_cousin",
                     "U/mt_cousin"]
    res = identify([fam], [body], markers, lineage=data)
    assert res.identifications.height == 0 and res.family_level.height == 0
    kin = res.decision.reference_kin.sort("posterior", descending=True)
    assert kin["person"][0] == "U/brothers_child" and kin["posterior"][0] > 0.1
    # without lineage data, or in an identification without lineage markers, the uncle's
    # relatives are the model 4 ones (a brother's child is then a sister's child's class)
    plain = dataclasses.replace(fam, ystr={}, mtdna={})
    for kin in (reference_kin(plain, ["U"]), reference_kin(fam, ["U"], lines=False)):
        assert [a.person for a in kin.alternatives] == ["U/child", "U/sibling", "U/nephew"]


def test_a_missing_persons_child_has_no_relatives_drawn_on_his_lines(markers):
    """A surviving son as the only reference of his missing father: his brother's child and
    his cousins on his lines are the missing man's own grandchild and nephew, and drawn as
    "a reference's relatives" they took the father's placements (an outside check,
    2026-12-07: open-list rows 21 -> 10, closed-list identifications 38 -> 9); they are not
    drawn, as his sibling (the missing man's child) is not."""
    from forensic_match.cases import Family
    from forensic_match.decide.alternatives import reference_kin
    from forensic_match.pedigree import Pedigree

    fam, _, _ = _cousin_case(markers, 2)
    ped = Pedigree.from_records([("GF", None, None, "M"), ("GM", None, None, "F"),
                                 ("A", "GF", "GM", "M"), ("W", None, None, "F"),
                                 ("S", "A", "W", "M")])
    son = Family("SON", ped, ["A"], {"S": fam.genotypes["U"]})
    son.ystr, son.mtdna = {"S": fam.ystr["U"]}, {"S": fam.mtdna["U"]}
    assert [a.person for a in reference_kin(son, ["S"]).alternatives] == \
        [a.person for a in reference_kin(son, ["S"], lines=False).alternatives] == \
        ["S/child", "S/nephew", "S/cousin"]


def test_discrete_laplace_decides_as_counting_where_every_frequency_is_floored(markers):
    """The false placements of the validation (``docs/validation.md``, "Single distant
    references at scale"): a body whose Y haplotype differs from the uncle's by a mutation,
    both far from every cluster of the fit, was given a model frequency far below 1/(N+1),
    and the mismatch became strong support. With the floor the body's lineage LR and every
    posterior of the decision are those of counting frequencies (the haplotype is unseen),
    and the mismatch counts against the relationship."""
    import numpy as np

    from forensic_match.lineage.data import LineageData, YDatabase
    from forensic_match.lineage.lr import lineage_lr

    fam, body, data = _uncle_case(markers)
    loci = [m.key for m in data.markers]
    rng = np.random.default_rng(2)
    near = 12 + rng.integers(-1, 2, size=(2_000, len(loci))) * (rng.random((2_000, 15)) < .3)
    data = LineageData(data.markers, YDatabase("clustered", tuple(
        {k: (str(v),) for k, v in zip(loci, row, strict=True)} for row in near.tolist())))
    fit = data.fit_disclap(1)
    body.ystr = {**body.ystr, loci[0]: ("16",)}          # the uncle's haplotype, one step off
    model = fit.probability(np.array([[16] + [15] * 14]))[0]
    assert model < 1e-30                                 # the fit's tail, far below 1/2001
    res = {method: identify([fam], [body], markers, lineage=data,
                            lineage_options={"y_method": method})
           for method in ("disclap", "count")}
    lin = {m: lineage_lr(body, fam, "MP", data, y_method=m).y for m in res}
    assert lin["disclap"].frequency.value == pytest.approx(1 / 2001, rel=1e-12)
    assert lin["disclap"].log10_lr == pytest.approx(lin["count"].log10_lr, rel=1e-12)
    assert lin["disclap"].lr == pytest.approx(lin["disclap"].numerator * 2001, rel=1e-12)
    assert lin["disclap"].numerator / model > 1e40          # what the bare fit would give
    kin = {m: r.decision.bodies["p_lineage_kin"].to_list() for m, r in res.items()}
    post = {m: r.decision.pairs["posterior"].to_list() for m, r in res.items()}
    assert kin["disclap"] == pytest.approx(kin["count"], rel=1e-12)
    assert post["disclap"] == pytest.approx(post["count"], rel=1e-12)
    assert res["disclap"].family_level.height == res["count"].family_level.height == 0


def test_closed_lists_and_no_lineage_leave_the_kinsmen_out(markers):
    """``closed=True`` (dvir's flat prior) has no kinsman alternative, like no relatives;
    without lineage markers ``lineage_kin`` changes nothing."""
    fam, body, data = _uncle_case(markers)
    closed = identify([fam], [body], markers, lineage=data, closed=True)
    assert closed.parameters["priors"]["lineage_kin"] == 0.0
    assert closed.decision.bodies["p_lineage_kin"][0] == 0.0
    plain = identify([fam], [body], markers)
    again = identify([fam], [body], markers, lineage_kin=5.0)
    assert plain.decision.pairs["posterior"].to_list() == \
        again.decision.pairs["posterior"].to_list()


def test_solve_states_and_takes_the_kinsmen_weight(tmp_path):
    import json

    from click.testing import CliRunner
    from test_lineage_lr import DATASET

    from forensic_match.cli import main

    path = tmp_path / "ds.json"
    path.write_text(json.dumps(DATASET), encoding="utf-8")
    for weight in ("1", "0.25"):
        out = CliRunner().invoke(main, ["solve", str(path), "--lineage",
                                        "--lineage-kin", weight])
        assert out.exit_code == 0, out.output
        body = json.loads(out.stdout)
        assert body["priors"]["lineage_kin"] == float(weight)
        assert any(f"kinsman of each compared lineage weighs {float(weight):g}" in n
                   for n in body["notes"])
    out = CliRunner().invoke(main, ["solve", str(path), "--lineage", "--lineage-kin", "-1"])
    assert out.exit_code == 2


@pytest.mark.parametrize("option", ["y_theta", "mt_theta"])
def test_solve_takes_the_lineage_thetas(tmp_path, markers, option):
    """``--y-theta`` and ``--mt-theta`` reach the identifications' lineage LRs: each one's
    ``lineage_log10_lr`` is ``identify``'s with ``lineage_options={option: ...}`` on the
    same dataset, and lower than without (parent-child Y and mtDNA matches); 1 is refused
    by the option."""
    import json

    from click.testing import CliRunner

    from forensic_match.cases import load_case
    from forensic_match.cli import main

    prog = simulate_programme(20, 20, markers=markers, seed=3, shapes=["parents"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    add_lineage(prog, population=_population(), mitotypes=_mt_pool(60, 2), seed=4,
                database_size=300)
    path = tmp_path / "ds.json"
    prog.save(path)
    ds = load_case(str(path))
    got = {}
    for theta in (0.0, 0.2):
        flag = "--" + option.replace("_", "-")
        out = CliRunner().invoke(main, ["solve", str(path), "--closed", "--lineage",
                                        flag, str(theta)])
        assert out.exit_code == 0, out.output
        got[theta] = {(r["pm"], r["missing"]): r["lineage_log10_lr"]
                      for r in json.loads(out.stdout)["identifications"]}
        res = identify(ds.am, ds.pm, ds.markers, min_markers=1, theta=ds.theta, closed=True,
                       lineage=ds.lineage, lineage_options={option: theta})
        want = {(r["pm"], r["missing"]): r["lineage_log10_lr"]
                for r in res.identifications.iter_rows(named=True)}
        assert got[theta] == pytest.approx(want, rel=1e-12)
    both = set(got[0.0]) & set(got[0.2])
    assert both and any(got[0.2][k] < got[0.0][k] - 0.1 for k in both)
    out = CliRunner().invoke(main, ["solve", str(path), "--lineage", flag, "1"])
    assert out.exit_code == 2


def test_search_weighs_the_y_rows_of_the_lab_tables_with_a_lineage_file(tmp_path):
    """``forensic-match search --lineage FILE``: the Y rows of a relative and of a PM sample
    in the lab's tables are compared (the father typed on the Y panel of FILE); each pair's
    score is the autosomal log10 LR plus the lineage LR computed by the API on the same
    records, and the outputs state the lineage file and the kinsmen's weight."""
    import json
    import warnings

    import polars as pl
    from click.testing import CliRunner

    from forensic_match.cli import main
    from forensic_match.dvi.records import read_families, read_pm_samples
    from forensic_match.errors import LineageMarkerWarning
    from forensic_match.frequencies import load_frequencies
    from forensic_match.lineage.data import LineageData
    from forensic_match.lineage.lr import lineage_lr

    lab_tables_with_y_rows(tmp_path, as_dataset_key=True)
    args = ["search", "--pedigrees", str(tmp_path / "pedigrees.csv"),
            "--relatives", str(tmp_path / "relatives.csv"),
            "--pm", str(tmp_path / "pm_genotypes.csv"),
            "--samples", str(tmp_path / "pm_samples.csv"), "--min-markers", "3", "-q"]
    plain = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "plain")])
    lin = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "lin"),
                                    "--lineage", str(tmp_path / "lineage.json"),
                                    "--lineage-kin", "0.5"])
    assert plain.exit_code == 0 and lin.exit_code == 0, plain.output + lin.output

    def pair(out: str) -> dict:
        table = pl.read_csv(tmp_path / out / "candidates_by_sample.csv")
        return table.filter((pl.col("pm") == "PM-001") & (pl.col("missing") == "F1-MP")) \
            .row(0, named=True)

    db = load_frequencies("fbi2015_sw_hispanic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineageMarkerWarning)
        fam = next(f for f in read_families(tmp_path / "pedigrees.csv",
                                            tmp_path / "relatives.csv", markers=db)
                   if f.id == "F1")
        sample = next(s for s in read_pm_samples(tmp_path / "pm_genotypes.csv", markers=db)
                      if s.id == "PM-001")
    expected = lineage_lr(sample, fam, "F1-MP", LineageData.from_file(tmp_path / "lineage.json"))
    assert expected.y is not None and expected.y.meioses == 1 and expected.log10_lr > 0
    assert pair("lin")["log10_lr"] == pytest.approx(
        pair("plain")["log10_lr"] + expected.log10_lr, rel=1e-9)
    params = json.loads((tmp_path / "lin" / "parameters.json").read_text())
    assert params["lineage"]["y_database"] == "ytoy"
    assert params["priors"]["lineage_kin"] == 0.5
    run = json.loads((tmp_path / "lin" / "run.json").read_text())
    assert run["inputs"]["lineage"]["path"] == str(tmp_path / "lineage.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    out = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "x"), "--lineage", str(bad)])
    assert out.exit_code == 1 and "bad.json" in out.output and "no Y-STR panel" in out.output


def test_lineage_options_are_checked_before_any_work(markers):
    """Options that would stop a search half-way are refused at the start, with the reason:
    an unknown option, discrete Laplace without a fit, and Brenner's kappa on a database
    whose haplotypes are all distinct (kappa 1: an unseen haplotype would get frequency 0).
    Before, the kappa case stopped inside the search, after the tables were compiled."""
    from forensic_match.errors import InputError
    from forensic_match.lineage.data import LineageData, YDatabase

    fam, body, data = _uncle_case(markers)
    distinct = LineageData(data.markers, YDatabase("distinct", data.y_database.haplotypes[:50]))
    assert len(set(map(str, distinct.y_database.haplotypes))) == 50
    for options, message in (({"y_method": "kappa"}, "Brenner's kappa is 1"),
                             ({"y_method": "disclap"}, "needs a discrete Laplace fit"),
                             ({"y_methd": "count"}, "not options of lineage_lr"),
                             ({"mt_method": "kappa"}, "'count' or 'count_upper'")):
        with pytest.raises(InputError, match=message):
            identify([fam], [body], markers, lineage=distinct, lineage_options=options)
    shared = LineageData(data.markers, YDatabase("shared", (
        *distinct.y_database.haplotypes, distinct.y_database.haplotypes[0])))
    identify([fam], [body], markers, lineage=shared, lineage_options={"y_method": "kappa"})


def test_a_direct_reference_identification_carries_no_lineage_lr():
    """A body identified by the missing man's own reference sample (a toothbrush: the
    same-source LR) has no lineage LR in its row (null: its LR is the same-source
    comparison's), although his paternal half brother is typed on the Y line and shares the
    body's haplotype."""
    import dataclasses as dc

    from forensic_match.cases import Family, PMSample
    from forensic_match.frequencies import load_frequencies
    from forensic_match.lineage.data import LineageData, YDatabase
    from forensic_match.lineage.lr import lineage_lr
    from forensic_match.lineage.ystr import YMarker
    from forensic_match.pedigree import missing_person_family
    from forensic_match.simulate import degrade, simulate_profiles

    db = load_frequencies("fbi2015_sw_hispanic")
    markers = db.markers_for(db.markers)
    ped = missing_person_family("MP", relatives={"H": "half_sibling_paternal"})
    truth = simulate_profiles(ped, markers, seed=21)
    y = {"DYS391": ("10",), "DYS19": ("14",)}
    data = LineageData((YMarker("DYS391", 1, 0.003), YMarker("DYS19", 1, 0.003)),
                       YDatabase("toy", tuple({"DYS391": (a,), "DYS19": (b,)} for a, b in
                                              (("11", "15"), ("12", "13"), ("10", "15")))))
    fam = Family("F1", ped, ["MP"], {"H": truth["H"]}, ystr={"H": y})
    bone = PMSample("bone", "M", degrade(truth["MP"], dropout=0.2, seed=22), dropout=0.2,
                    ystr=y)
    direct = identify([dc.replace(fam, references={"MP": truth["MP"]})], [bone], markers,
                      lineage=data).identifications
    assert direct.height == 1 and direct["rule"][0] == "direct reference"
    assert direct["lineage_log10_lr"][0] is None
    # the pair's kinship lineage LR, which the row no longer shows, is there to be had
    assert lineage_lr(bone, fam, "MP", data).log10_lr > 0


def test_y_loci_outside_the_panel_are_named_once(markers):
    """A Y locus typed in the samples or references but absent from the panel has no rate and
    is not compared. Before, it dropped out of every comparison without a word (a locus the
    panel names differently from the lab's files lost in every pair); now identify warns once,
    counting the samples and references typed at it, and the LRs stay those of the panel."""
    import warnings

    from forensic_match.errors import LineageMarkerWarning

    fam, body, data = _uncle_case(markers)
    base = identify([fam], [body], markers, lineage=data)
    body.ystr = {**body.ystr, "DYS570": ("17",)}
    fam.ystr = {"U": {**fam.ystr["U"], "DYS570": ("18",), "DYS576": ("16",)}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = identify([fam], [body], markers, lineage=data)
    told = [str(w.message) for w in caught if issubclass(w.category, LineageMarkerWarning)
            and "not in the Y panel" in str(w.message)]
    assert len(told) == 1
    assert "DYS570 (1 PM samples, 1 references)" in told[0]
    assert "DYS576 (0 PM samples, 1 references)" in told[0]
    assert res.family_level.equals(base.family_level)
    assert res.identifications.equals(base.identifications)


def test_an_unreadable_y_haplotype_stops_identify_before_any_work(markers, monkeypatch):
    """Every Y haplotype is read at the start (``check_y_haplotypes``): a reference's lab rows
    naming one locus two ways stop the run before the tables are compiled, naming family,
    sample and rows, rather than in the middle of the search."""
    import forensic_match.dvi.identify as ident
    from forensic_match.errors import InputError

    fam, body, data = _uncle_case(markers)
    fam.lineage = {"U": {"DYS19": ["14"], "DYS 19": ["14"]}}

    def not_reached(*args, **kwargs):
        raise AssertionError("the tables were compiled")

    monkeypatch.setattr(ident, "compile_families", not_reached)
    with pytest.raises(InputError, match=r"family 'FAM', sample 'U': locus 'DYS19' is given "
                                         r"by the rows 'DYS19', 'DYS 19'"):
        identify([fam], [body], markers, lineage=data)

