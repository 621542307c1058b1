"""Distinctive evidence (dental, features, implants, effects) and the place-and-date prior in
the search and the decisions (issue 8).

- Oracle: ``EvidenceScores.block`` of registered rows equals the log10 of
  :func:`~forensic_match.evidence.combine.evidence_lr` on random records and findings, pair
  by pair, to 1e-9; ``pieces`` names the distinctive pieces; a relative row gets none of them.
- A missing son and his unregistered full brother in one grave, parents as references: an
  implant serial number or a dental chart recorded for the son makes the son's body
  identified at the default posterior threshold 0.9995, and the brother's body never.
- The place prior: :class:`PlaceFactors` is :meth:`PlacePrior.factor`; a body recovered
  before the son disappeared gets no proposal; the search's per-sample sums use the same
  factors as its pairs.
- ``evidence=None`` is unchanged.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from forensic_match.cases import Family, PMSample
from forensic_match.dvi.compile import compile_families
from forensic_match.dvi.identify import identify, prepare_panel
from forensic_match.dvi.search import search_samples
from forensic_match.evidence import AMRecord, Evidence, PMFindings
from forensic_match.evidence.combine import PERU, EvidenceLR, evidence_lr
from forensic_match.evidence.place import PlaceFactors, PlacePrior
from forensic_match.evidence.records import DentalChart, Effect, Feature, Implant
from forensic_match.evidence.scoring import DISTINCTIVE, EvidenceScores, relative_model
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree
from forensic_match.simulate import simulate_profiles

TOL = 1e-9
STATES = ("sound", "filled", "crowned", "missing")
TEETH = (11, 16, 21, 26, 36, 46, 31, 41)


# --- the oracle ----------------------------------------------------------------------------------


def _chart(rng: np.random.Generator, date: dt.date | None = None) -> DentalChart | None:
    if rng.random() < 0.4:
        return None
    teeth = rng.choice(TEETH, size=int(rng.integers(1, len(TEETH) + 1)), replace=False)
    return DentalChart({int(t): str(rng.choice(STATES)) for t in teeth}, date)


def _record(rng: np.random.Generator, k: int) -> AMRecord:
    missing = dt.date(1984, 1, 1) + dt.timedelta(days=int(rng.integers(0, 3000)))
    return AMRecord(
        f"M{k}", sex=str(rng.choice(["M", "F", "U"])),
        age=None if rng.random() < 0.2 else float(rng.uniform(5, 70)),
        date_missing=missing,
        stature_cm=None if rng.random() < 0.3 else float(rng.uniform(145, 180)),
        dental=_chart(rng, missing - dt.timedelta(days=int(rng.integers(0, 2000)))),
        features=[Feature(c, frequency=float(rng.choice([0.02, 0.1])))
                  for c in ("fracture:femur", "amputation:finger") if rng.random() < 0.3],
        implants=[Implant("hip", str(rng.choice(["AB1", "AB2", ""])))]
        if rng.random() < 0.2 else [],
        effects=[Effect(c, frequency=0.1, retained=0.5) for c in ("poncho:red", "ring:JQ")
                 if rng.random() < 0.3])


def _findings(rng: np.random.Generator, k: int) -> PMFindings:
    features = [c for c in ("fracture:femur", "amputation:finger") if rng.random() < 0.3]
    absent = [c for c in ("fracture:femur", "amputation:finger", "hip")
              if c not in features and rng.random() < 0.3]
    return PMFindings(
        f"B{k}", dna_sex=str(rng.choice(["M", "F", "U"])),
        age_estimate=float(rng.uniform(10, 70)), age_se=float(rng.uniform(1, 6)),
        stature_cm=None if rng.random() < 0.3 else float(rng.uniform(145, 180)),
        stature_sd=4.0, dental=_chart(rng), features=features, features_absent=absent,
        implants=[Implant("hip", str(rng.choice(["AB1", "AB2", ""])))]
        if rng.random() < 0.2 else [],
        effects=[Effect(c) for c in ("poncho:red", "ring:JQ") if rng.random() < 0.3])


def _assert_scores_are_evidence_lr(records: list[AMRecord], bodies: list[PMFindings],
                                   ) -> list[tuple[dict[str, float], EvidenceLR]]:
    """Every (record, body) pair: ``block`` equals log10 ``evidence_lr`` and each distinctive
    piece its own; returns the pairs' ``(pieces, evidence_lr result)``."""
    rows = [("F", r.id) for r in records]
    scores = EvidenceScores.build(rows, {r.id: r for r in records}, bodies)
    block = scores.block(np.arange(len(rows)))
    out = []
    for i, rec in enumerate(records):
        for j, body in enumerate(bodies):
            want = evidence_lr(rec, body)
            assert block[i, j] == pytest.approx(want.log10_lr, abs=TOL)
            pieces = scores.pieces(i, j)
            for name in DISTINCTIVE:
                assert pieces[name] == pytest.approx(math.log10(want.pieces[name]), abs=TOL)
            out.append((pieces, want))
    return out


ALL_STATES = ("sound", "filled", "crowned", "missing", "missing_pm", "present", "unerupted",
              "unknown")
ALL_TEETH = (*(10 * q + t for q in (1, 2, 3, 4) for t in range(1, 9)), 55, 61, 74, 83)


def _full_chart(rng: np.random.Generator, date: dt.date | None) -> DentalChart | None:
    """Every state on both sides, up to all 36 teeth (the cap is reached), sometimes no
    date (the default years)."""
    if rng.random() < 0.2:
        return None
    teeth = rng.choice(ALL_TEETH, size=int(rng.integers(0, len(ALL_TEETH) + 1)), replace=False)
    states = rng.choice(ALL_STATES, size=teeth.size,
                        p=[0.55, 0.1, 0.05, 0.1, 0.04, 0.08, 0.04, 0.04])
    return DentalChart({int(t): str(x) for t, x in zip(teeth, states)},
                       date if rng.random() < 0.7 else None)


@pytest.mark.parametrize("seed", [11, 12])
def test_distinctive_tables_equal_evidence_lr_on_every_entry(seed: int) -> None:
    """The per-record tables against the reference function on dental entries of every
    kind, capped sums, undated charts, several implants with serials and effects."""
    rng = np.random.default_rng(seed)
    records, bodies = [], []
    for k in range(20):
        rec = _record(rng, k)
        rec.dental = _full_chart(rng, rec.date_missing - dt.timedelta(days=400))
        if rng.random() < 0.3:
            rec.implants = [Implant("hip", "AB1"), Implant("pacemaker", str(rng.choice(
                ["P-77", ""])))]
        records.append(rec)
    for k in range(25):
        body = _findings(rng, k)
        body.dental = _full_chart(rng, None)
        if rng.random() < 0.3:
            body.implants = [Implant("pacemaker", str(rng.choice(["p77", "P78", ""])))]
            body.features_absent = [*body.features_absent, "hip"]
        bodies.append(body)
    # One mouth of restorations charted on both sides: far above the cap.
    records[0].dental = DentalChart({t: "filled" for t in ALL_TEETH[:32]}, dt.date(1983, 1, 1))
    bodies[0].dental = DentalChart({t: "filled" for t in ALL_TEETH[:32]})
    pairs = _assert_scores_are_evidence_lr(records, bodies)
    assert any(want.pieces["dental"] == PERU.dental_cap for _, want in pairs)  # cap reached


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_block_equals_evidence_lr_on_random_registered_pairs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    records = [_record(rng, k) for k in range(12)]
    bodies = [_findings(rng, k) for k in range(15)]
    pairs = _assert_scores_are_evidence_lr(records, bodies)
    distinctive = sum(any(pieces[n] != 0.0 for n in DISTINCTIVE) for pieces, _ in pairs)
    assert distinctive > 10  # the random records do meet


@pytest.mark.parametrize("am_as", ["implant", "feature"])
@pytest.mark.parametrize("pm_as", ["implant", "feature", "absent"])
def test_an_implant_kind_counts_however_either_side_wrote_it(am_as: str, pm_as: str) -> None:
    """An implant kind recorded as an implant on one side and as a feature code on the other
    counts as seen (or looked for and not seen) on both paths. Before an outside check
    (2026-12-06) only its absence counted, which held the piece below 1 on average."""
    kind = "hip_prosthesis"
    rec = AMRecord("M1", sex="M", implants=[Implant(kind)] if am_as == "implant" else [],
                   features=[Feature(kind)] if am_as == "feature" else [])
    body = PMFindings("B1", implants=[Implant(kind)] if pm_as == "implant" else [],
                      features=[kind] if pm_as == "feature" else [],
                      features_absent=[kind] if pm_as == "absent" else [])
    other = PMFindings("B2", features_absent=["fracture:femur"])
    (pieces, want), _ = _assert_scores_are_evidence_lr([rec], [body, other])
    if am_as == "implant" and pm_as == "implant":
        assert want.lr == pytest.approx(19.54, rel=1e-3)    # the kind found, no serial
    elif pm_as == "absent":
        assert want.lr < 1
    else:
        assert want.lr == pytest.approx(19.54, rel=1e-3), (am_as, pm_as)


def test_a_relative_gets_no_distinctive_evidence() -> None:
    son = AMRecord("SON", sex="M", age=20.0, implants=[Implant("hip", "AB123")],
                   dental=DentalChart({16: "filled", 36: "missing"}))
    body = PMFindings("B1", dna_sex="M", implants=[Implant("hip", "AB123")],
                      dental=DentalChart({16: "filled", 36: "missing"}))
    rows = [("F1", "SON"), ("F1", "BRO")]
    brother = relative_model(son, "full sibling of SON", "M")
    scores = EvidenceScores.build(rows, {"SON": son}, [body], alternatives={rows[1]: brother})
    assert scores.pieces(0, 0)["implants"] == pytest.approx(6.0)  # capped at 1e6
    assert scores.pieces(0, 0)["dental"] > 0
    assert all(scores.pieces(1, 0)[n] == 0.0 for n in DISTINCTIVE)
    assert scores.block(np.array([1]))[0, 0] == pytest.approx(sum(scores.pieces(1, 0).values()))


# --- the son and his unregistered brother --------------------------------------------------------

HOUSE = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
                               ("SON", "FA", "MO", "M"), ("BRO", "FA", "MO", "M")])
REGISTERED = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
                                    ("SON", "FA", "MO", "M")])
SON_TEETH = {16: "filled", 26: "filled", 36: "missing", 46: "crowned", 11: "sound",
             21: "sound", 31: "sound", 41: "sound"}
BRO_TEETH = {16: "sound", 26: "sound", 36: "sound", 46: "sound", 11: "sound", 21: "sound",
             31: "sound", 41: "sound"}


def _brothers(markers: list[Marker], seed: int, kind: str, *, son_recovered: str | None = None,
              place: bool = False) -> tuple[Family, list[PMSample], Evidence]:
    """Parents typed; the missing son (20) and his unregistered brother (about 35) in the
    grave; the son's AM record has an implant or a dental chart (``kind``), found on the son's
    body only (the brother's body: no implant where one was looked for, or his own chart)."""
    truth = simulate_profiles(HOUSE, markers, seed=seed)
    family = Family("F1", REGISTERED, ["SON"], {i: truth[i] for i in ("FA", "MO")})
    bodies = [PMSample("B1", "M", dict(truth["SON"])), PMSample("B2", "M", dict(truth["BRO"]))]
    son = AMRecord("SON", family="F1", sex="M", age=20.0, stature_cm=165.0,
                   date_missing=dt.date(1984, 5, 1), place_missing="D1")
    b1 = PMFindings("B1", dna_sex="M", sex_morphology="M", age_estimate=21.0, age_se=2.0,
                    stature_cm=166.0, stature_sd=3.0, district="D1",
                    date_recovered=dt.date.fromisoformat(son_recovered or "2005-07-01"))
    b2 = PMFindings("B2", dna_sex="M", sex_morphology="M", age_min=30.0, age_max=40.0,
                    stature_cm=170.0, stature_sd=3.0, district="D1",
                    date_recovered=dt.date(2005, 7, 1))
    if kind == "implant":
        son.implants.append(Implant("femoral_nail", "SN-4471-0932"))
        b1.implants.append(Implant("femoral_nail", "SN44710932"))
        b2.features_absent.append("femoral_nail")
    else:
        son.dental = DentalChart(dict(SON_TEETH), dt.date(1983, 6, 1))
        b1.dental = DentalChart(dict(SON_TEETH))
        b2.dental = DentalChart(dict(BRO_TEETH))
    prior = PlacePrior(["SON"], ["D1"], ["1984-05-01"], coordinates={"D1": (-13.2, -74.2)}) \
        if place else None
    return family, bodies, Evidence({"SON": son}, {"B1": b1, "B2": b2}, place=prior)


@pytest.mark.parametrize("kind", ["implant", "dental"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_distinctive_evidence_identifies_the_son_never_the_brother(
        markers: list[Marker], seed: int, kind: str) -> None:
    family, bodies, ev = _brothers(markers, seed, kind)
    dna = identify([family], bodies, markers)
    assert dna.identifications.height == 0  # DNA cannot tell the brothers apart
    res = identify([family], bodies, markers, evidence=ev)  # default threshold 0.9995
    ids = res.identifications
    assert ids.select("pm", "missing").rows() == [("B1", "SON")]
    r = ids.row(0, named=True)
    assert r["posterior"] >= 0.9995
    assert r["lr"] == pytest.approx(r["dna_lr"] * r["evidence_lr"], rel=1e-9)
    assert ("implants 1e+06" if kind == "implant" else "dental ") in r["evidence"]
    # The brother's body alone in the grave is never the son.
    alone = identify([family], bodies[1:], markers, evidence=ev, posterior_threshold=0.5)
    assert alone.identifications.height == 0


AUNT_ONLY = Pedigree.from_records([("GF", None, None, "M"), ("GM", None, None, "F"),
                                   ("MO", "GF", "GM", "F"), ("AUNT", "GF", "GM", "F"),
                                   ("FA", None, None, "M"), ("GIRL", "FA", "MO", "F")])


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_proposal_the_dna_does_not_carry_is_held_back(markers: list[Marker],
                                                        seed: int) -> None:
    """An unrelated body carrying a missing girl's findings (her implant's serial and her
    age: a commingled grave), her aunt the only reference. The evidence (LR about 3e7) carried
    such bodies to proposals with DNA LRs of 0.0036 to 10 before (an outside check,
    2026-12-06); now each is held back as evidence-led, naming the DNA LR it lacks."""
    truth = simulate_profiles(AUNT_ONLY, markers, seed=seed)
    stranger = simulate_profiles(AUNT_ONLY, markers, seed=1000 + seed)["GF"]
    family = Family("F1", AUNT_ONLY, ["GIRL"], {"AUNT": truth["AUNT"]})
    body = PMSample("B1", "U", dict(stranger))
    girl = AMRecord("GIRL", family="F1", sex="F", age=6.0, date_missing=dt.date(1985, 3, 1),
                    implants=[Implant("femoral_nail", "AB-0007-77")])
    found = PMFindings("B1", age_estimate=5.2, age_se=0.9,
                       implants=[Implant("femoral_nail", "AB 0007 77")])
    res = identify([family], [body], markers, evidence=Evidence({"GIRL": girl}, {"B1": found}))
    assert res.identifications.height == 0
    held, placed = res.held_back.sort("missing", nulls_last=True).iter_rows(named=True)
    assert (held["pm"], held["missing"]) == ("B1", "GIRL")
    assert held["held_back"].startswith("evidence-led: DNA LR ")
    assert "implants 1e+06" in held["held_back"]
    # Nor is the body placed in her family without saying who: the family-level row the
    # evidence made (family posterior >= 0.9995) is held back on the same rule.
    assert (placed["pm"], placed["family"], placed["missing"]) == ("B1", "F1", None)
    assert placed["held_back"].startswith("evidence-led: the DNA LRs of the family's ")
    assert placed["held_back"].endswith("family level: GIRL (1.0000)")
    assert res.family_level.height == 0
    # dna_led=False lets the evidence carry the family, as before the rule
    free = identify([family], [body], markers, dna_led=False,
                    evidence=Evidence({"GIRL": girl}, {"B1": found}))
    assert free.identifications.select("pm", "missing").rows() == [("B1", "GIRL")]
    assert free.identifications["dna_lr"][0] < 0.9995 / 0.0005
    # The girl's own body with the same findings: proposed only where her aunt's DNA alone
    # reaches W0 t / (1 - t) (W0 = 1 here: one missing person, one body), else held back
    # the same way; never dropped without a word.
    own = PMSample("B2", "F", dict(truth["GIRL"]))
    found2 = PMFindings("B2", age_estimate=5.2, age_se=0.9,
                        implants=[Implant("femoral_nail", "AB 0007 77")])
    res = identify([family], [own], markers, evidence=Evidence({"GIRL": girl}, {"B2": found2}))
    need = 0.9995 / 0.0005
    for r in res.identifications.iter_rows(named=True):
        assert r["dna_lr"] >= need
    for r in res.held_back.iter_rows(named=True):
        assert r["held_back"].startswith("evidence-led")
    proposals = res.held_back.filter(pl.col("missing").is_not_null())
    assert res.identifications.height + proposals.height == 1
    # a held proposal's family-level row is held back with it, never left in family_level
    assert res.family_level.height == 0
    assert res.held_back.height == 2 * proposals.height


def test_a_body_recovered_before_the_disappearance_gets_no_proposal(
        markers: list[Marker]) -> None:
    family, bodies, ev = _brothers(markers, 1, "implant", son_recovered="1983-12-31",
                                   place=True)
    res = identify([family], bodies, markers, evidence=ev)
    assert res.identifications.height == 0
    pairs = res.decision.pairs  # type: ignore[union-attr]
    assert pairs.filter(pl.col("pm") == "B1").height == 0 or \
        pairs.filter(pl.col("pm") == "B1")["posterior"].max() == 0.0
    # The same bodies with the body recovered after: identified, with the prior reported.
    family, bodies, ev = _brothers(markers, 1, "implant", place=True)
    ok = identify([family], bodies, markers, evidence=ev).identifications
    assert ok.select("pm", "missing").rows() == [("B1", "SON")]
    r = ok.row(0, named=True)
    assert r["place_prior"] == pytest.approx(1.0)
    assert "place prior x1" in r["evidence"]
    assert r["lr"] == pytest.approx(r["dna_lr"] * r["evidence_lr"], rel=1e-9)


def test_place_factors_are_the_prior_factors_and_average_one() -> None:
    coords = {"D1": (-13.16, -74.22), "D2": (-13.16, -74.0), "D3": (-12.0, -75.0)}
    prior = PlacePrior(["A", "B", "C", "D"], ["D1", "D2", None, "D3"],
                       ["1984-01-01", None, "1986-01-01", "1990-05-01"], coordinates=coords)
    places = ["D1", "D3", None, "D2", "D1"]
    dates = ["1985-06-30", "1991-01-01", None, "1983-01-01", "1980-01-01"]
    f = PlaceFactors(prior, places, dates)
    block = f.block(np.arange(4))
    for j, (p, d) in enumerate(zip(places, dates)):
        assert np.allclose(block[:, j], prior.factor(p, d), atol=1e-12)
    assert np.allclose(block.sum(axis=0), 4.0)  # the registered mass of every body is kept
    assert block[:, 4].tolist() == [0.0, 4.0, 0.0, 0.0]  # only B (no date) can be body 5
    dated = PlacePrior(["A", "B"], ["D1", "D2"], ["1984-01-01", "1985-01-01"],
                       coordinates=coords)
    assert np.all(PlaceFactors(dated, ["D1"], ["1980-01-01"]).block(np.arange(2)) == 0.0)
    assert np.all(f.block(np.array([-1])) == 1.0)


def test_search_sums_use_the_same_place_factors(markers: list[Marker]) -> None:
    family, bodies, ev = _brothers(markers, 2, "implant", place=True)
    panel = prepare_panel(markers, [family], bodies)
    compiled = compile_families([family], panel)
    scores = ev.scores(compiled.rows, [ev.findings[b.id] for b in bodies])
    res = search_samples(compiled, bodies, threshold=-math.inf, evidence=scores)
    for pm, got in zip(res.samples["pm"], res.samples["lr_sum"]):
        want = sum(10.0 ** v for v in res.pairs.filter(pl.col("pm") == pm)["log10_lr"])
        assert got == pytest.approx(want, rel=1e-9)
    row = 0
    assert scores.block(np.array([row]))[0, 0] == pytest.approx(
        sum(scores.pieces(row, 0).values()) + scores.prior_log10(row, 0), abs=TOL)


def test_evidence_none_is_unchanged(markers: list[Marker]) -> None:
    family, bodies, _ = _brothers(markers, 1, "implant")
    a = identify([family], bodies, markers)
    b = identify([family], bodies, markers, evidence=None)
    assert a.identifications.equals(b.identifications)
    assert a.family_level.equals(b.family_level)
    assert a.decision.pairs.equals(b.decision.pairs)  # type: ignore[union-attr]
