"""Conflict-grave scenarios: reproducibility, the ground truth (checked against the pedigrees
by an independent kinship routine), registration and reference pedigrees, Mendelian
transmission, village substructure, and the markers handed to the analysis."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import polars as pl
import pytest

from forensic_match.dvi.scenarios import (
    REFERENCE_ERRORS,
    RELATIONS,
    GraveScenario,
    onestep_markers,
    simulate_grave_scenario,
)
from forensic_match.dvi.simulate import SimulatedProgramme
from forensic_match.errors import InputError
from forensic_match.markers import Marker


@pytest.fixture(scope="module")
def panel(markers: list[Marker]) -> list[Marker]:
    return markers[:6]


@pytest.fixture(scope="module")
def scenario(panel: list[Marker]) -> GraveScenario:
    return simulate_grave_scenario(120, markers=panel, seed=3)


def mendelian(panel: list[Marker]) -> list[Marker]:
    return [m.with_mutation(None) for m in panel]


class Kinship:
    """Kinship coefficients from the people table by the classical recursion
    (phi(a, b) = (phi(a, father_b) + phi(a, mother_b)) / 2 for b not an ancestor of a)."""

    def __init__(self, sc: GraveScenario) -> None:
        p = sc.people
        self.parents = {x: (f, m) for x, f, m in zip(p["person"], p["father"], p["mother"])
                        if f is not None}
        self.depth: dict[str, int] = {}
        self.memo: dict[tuple[str, str], float] = {}

    def generation(self, x: str) -> int:
        if x not in self.depth:
            pa = self.parents.get(x)
            self.depth[x] = 0 if pa is None else 1 + max(map(self.generation, pa))
        return self.depth[x]

    def __call__(self, a: str, b: str) -> float:
        if a == b:
            return 0.5
        if self.generation(a) > self.generation(b):
            a, b = b, a
        key = (a, b)
        if key not in self.memo:
            pa = self.parents.get(b)
            self.memo[key] = 0.0 if pa is None else 0.5 * (self(a, pa[0]) + self(a, pa[1]))
        return self.memo[key]


KINSHIP = {"father": 1 / 4, "mother": 1 / 4, "child": 1 / 4, "full sibling": 1 / 4,
           "half sibling": 1 / 8, "grandparent": 1 / 8, "grandchild": 1 / 8, "uncle": 1 / 8,
           "aunt": 1 / 8, "nephew": 1 / 8, "niece": 1 / 8, "first cousin": 1 / 16,
           "spouse": 0.0}


# --- reproducibility and shape ---------------------------------------------------------------


def test_same_seed_same_scenario(panel: list[Marker]) -> None:
    a = simulate_grave_scenario(40, markers=panel, seed=7)
    b = simulate_grave_scenario(40, markers=panel, seed=7)
    c = simulate_grave_scenario(40, markers=panel, seed=8)
    assert a.dataset.to_dict() == b.dataset.to_dict()
    assert a.truth.equals(b.truth) and a.people.equals(b.people)
    assert a.families.equals(b.families) and a.genotypes == b.genotypes
    assert not a.truth.equals(c.truth)


def test_is_a_simulated_programme(scenario: GraveScenario) -> None:
    assert isinstance(scenario, SimulatedProgramme)
    assert scenario.truth.columns[:6] == ["pm", "body", "family", "missing", "person",
                                          "relation"]
    assert set(scenario.truth["pm"]) == {s.id for s in scenario.dataset.pm}
    assert set(scenario.families["family"]) == {f.id for f in scenario.dataset.am}
    # Graves hold relatives that nobody registered, and households nobody registered.
    assert (scenario.truth["relation"] != "").sum() > 10
    registered = {f.id for f in scenario.dataset.am}
    unregistered = {f for f in scenario.truth["family"] if f is not None} - registered
    assert unregistered
    assert scenario.truth.filter(scenario.truth["family"].is_in(list(unregistered)))[
        "missing"].null_count() == scenario.truth.filter(
            scenario.truth["family"].is_in(list(unregistered))).height


def test_bad_options(panel: list[Marker]) -> None:
    with pytest.raises(InputError, match="p_registered"):
        simulate_grave_scenario(5, markers=panel, seed=1, p_registered=1.5)
    other = [Marker(m.name, m.alleles[:-1], m.frequencies[:-1] / m.frequencies[:-1].sum())
             for m in panel]
    with pytest.raises(InputError, match="simulate_markers"):
        simulate_grave_scenario(5, markers=panel, seed=1, simulate_markers=other)
    with pytest.raises(InputError, match="reference_mix"):
        simulate_grave_scenario(5, markers=panel, seed=1, reference_mix={"grandma": 1.0})


# --- truth -----------------------------------------------------------------------------------


def test_every_found_missing_person_has_exactly_its_body(scenario: GraveScenario) -> None:
    truth, people = scenario.truth, scenario.people
    body_of = dict(zip(people["person"], people["body"]))
    dead = dict(zip(people["person"], people["dead"]))
    registered = {m: f.id for f in scenario.dataset.am for m in f.missing}
    bodies_of: dict[str, set[str]] = {}
    for r in truth.iter_rows(named=True):
        assert body_of[r["person"]] == r["body"]
        if r["missing"] is not None:
            assert r["missing"] == r["person"] and registered[r["missing"]] == r["family"]
            assert r["relation"] == ""
            bodies_of.setdefault(r["missing"], set()).add(r["body"])
        else:
            assert r["person"] not in registered
    assert all(len(b) == 1 for b in bodies_of.values())
    found = {m for m in registered if body_of[m] is not None}
    assert set(bodies_of) == found and len(found) > 50
    assert all(dead[m] for m in registered)
    # One body per person, fragments sharing it.
    assert truth.group_by("body").agg(pl.col("person").n_unique())["person"].max() == 1


def test_relations_agree_with_kinship(scenario: GraveScenario) -> None:
    check_relations(scenario)


def check_relations(scenario: GraveScenario, unnamed_below: float = 1 / 16) -> None:
    """Every truth relation is the nearest by kinship coefficients of the people table; an
    unnamed body's nearest kinship is below ``unnamed_below``."""
    kin = Kinship(scenario)
    people = {r["person"]: r for r in scenario.people.iter_rows(named=True)}
    missing_of = {f.id: f.missing for f in scenario.dataset.am}
    seen: Counter[str] = Counter()
    for r in scenario.truth.unique("body").iter_rows(named=True):
        x, fam = r["person"], r["family"]
        if r["missing"] is not None or fam not in missing_of:
            assert r["relation"] == ""
            continue
        closest = max(kin(x, m) for m in missing_of[fam])
        if r["relation"] == "":
            assert closest < unnamed_below
            continue
        rel, m = r["relation"].split(" of ")
        seen[rel] += 1
        assert rel in RELATIONS and m in missing_of[fam]
        assert kin(x, m) == pytest.approx(KINSHIP[rel])
        assert closest == pytest.approx(KINSHIP[rel])  # nearest relation
        px, pm = people[x], people[m]
        if rel in ("father", "mother"):
            assert pm[rel] == x
        if rel == "child":
            assert m in (px["father"], px["mother"])
        if rel == "full sibling":
            assert (px["father"], px["mother"]) == (pm["father"], pm["mother"])
        if rel in ("father", "uncle", "nephew"):
            assert px["sex"] == "M"
        if rel == "spouse":
            kids = {p for p, q in people.items()
                    if {q["father"], q["mother"]} == {x, m}}
            assert kids
    assert seen["full sibling"] and seen["child"] and (seen["father"] or seen["mother"])


def test_scenario_relation_method(scenario: GraveScenario) -> None:
    kin = Kinship(scenario)
    p = scenario.people.filter(scenario.people["family"].is_not_null())
    for x, m in combinations(p["person"].to_list()[:40], 2):
        rel = scenario.relation(x, m)
        if rel and rel != "spouse":
            assert kin(x, m) == pytest.approx(KINSHIP[rel])


def test_sample_sex_is_the_persons(scenario: GraveScenario) -> None:
    sex = dict(zip(scenario.people["person"], scenario.people["sex"]))
    person = dict(zip(scenario.truth["pm"], scenario.truth["person"]))
    recorded = Counter()
    for s in scenario.dataset.pm:
        assert s.sex in ("U", sex[person[s.id]])
        recorded[s.sex != "U"] += 1
    assert recorded[True] > 5 * recorded[False] > 0


# --- what the families report ----------------------------------------------------------------


def test_pedigrees_draw_what_the_family_reported(scenario: GraveScenario) -> None:
    people = {r["person"]: r for r in scenario.people.iter_rows(named=True)}
    for fam in scenario.dataset.am:
        ped = fam.pedigree
        assert ped.is_connected()
        assert fam.missing and fam.genotypes
        for m in fam.missing:
            assert m in ped and people[m]["dead"] and people[m]["missing"]
        for t, profile in fam.genotypes.items():
            assert t in ped and not people[t]["dead"] and people[t]["typed"]
            assert profile == scenario.genotypes[t]
        for x, fa, mo, sex in ped.records():
            assert people[x]["family"] == fam.id and people[x]["sex"] == sex
            # Drawn parents are the true parents; founders may be drawn without theirs.
            assert fa is None or (fa, mo) == (people[x]["father"], people[x]["mother"])
            # Unregistered dead appear only as untyped people who connect the others.
            if people[x]["dead"] and x not in fam.missing:
                assert x not in fam.genotypes and ped.children(x)


def test_single_reference_and_shapes(panel: list[Marker]) -> None:
    sc = simulate_grave_scenario(80, markers=panel, seed=4, single_reference=True)
    assert all(len(f.genotypes) == 1 for f in sc.dataset.am)
    full = simulate_grave_scenario(80, markers=panel, seed=4)
    assert max(len(f.genotypes) for f in full.dataset.am) > 1
    assert len(set(full.families["shape"])) >= 6


def test_registration_rate(panel: list[Marker]) -> None:
    counts = []
    for p in (0.3, 0.9):
        sc = simulate_grave_scenario(150, markers=panel, seed=5, p_registered=p)
        dead = int(sc.people.filter(sc.people["family"].is_not_null())["dead"].sum())
        counts.append(int(sc.people["missing"].sum()) / dead)
    # Registered and searchable: below p (in-laws, households without references), rising
    # with p.
    assert counts[0] < 0.3 and 0.6 < counts[1] < 0.9


# --- genetics --------------------------------------------------------------------------------


def test_mendelian_without_mutation(panel: list[Marker]) -> None:
    sc = simulate_grave_scenario(80, markers=mendelian(panel), seed=6)
    g = sc.genotypes
    trios = [(x, f, m) for x, f, m in zip(sc.people["person"], sc.people["father"],
                                          sc.people["mother"]) if f is not None]
    assert len(trios) > 300
    for x, f, m in trios:
        for marker in panel:
            a, b = g[x][marker.name]
            assert (a in g[f][marker.name] and b in g[m][marker.name]) or \
                (b in g[f][marker.name] and a in g[m][marker.name]), (x, marker.name)
    for body, profile in sc.profiles.items():
        person = sc.truth.filter(sc.truth["body"] == body)["person"][0]
        assert profile == g[person]


def test_the_mendel_check_sees_mutations(panel: list[Marker]) -> None:
    wild = onestep_markers(panel, female=(0.3, 0.3), male=(0.3, 0.3))
    sc = simulate_grave_scenario(40, markers=panel, seed=6, simulate_markers=wild)
    g = sc.genotypes
    bad = sum(not ((a in g[f][k] and b in g[m][k]) or (b in g[f][k] and a in g[m][k]))
              for x, f, m in zip(sc.people["person"], sc.people["father"], sc.people["mother"])
              if f is not None for k in g[x] for a, b in [g[x][k]])
    assert bad > 50


def _identity_by_state(sc: GraveScenario, marker: str) -> tuple[float, float]:
    """P(two founder alleles are the same) within a village and across villages."""
    p = sc.people.filter(sc.people["father"].is_null())
    alleles: dict[str, list[str]] = {}
    for x, v in zip(p["person"], p["village"]):
        alleles.setdefault(v, []).extend(sc.genotypes[x][marker])
    within = across = n_within = n_across = 0
    counts = {v: Counter(a) for v, a in alleles.items()}
    sizes = {v: len(a) for v, a in alleles.items()}
    for v, c in counts.items():
        within += sum(k * (k - 1) for k in c.values())
        n_within += sizes[v] * (sizes[v] - 1)
    for v, w in combinations(counts, 2):
        across += sum(k * counts[w][a] for a, k in counts[v].items())
        n_across += sizes[v] * sizes[w]
    return within / n_within, across / n_across


def test_villages_share_allele_frequencies(panel: list[Marker]) -> None:
    gaps = {}
    for theta in (0.0, 0.05):
        sc = simulate_grave_scenario(200, markers=mendelian(panel), seed=9, theta=theta,
                                     village_size=(10, 20))
        assert sc.dataset.theta == 0.0
        gaps[theta] = np.mean([np.subtract(*_identity_by_state(sc, m.name)) for m in panel])
    # Within-village identity exceeds across-village identity by about theta (1 - sum p^2).
    assert abs(gaps[0.0]) < 0.01
    assert 0.02 < gaps[0.05] < 0.08


def test_dataset_carries_the_analysis_markers(panel: list[Marker]) -> None:
    sim = onestep_markers(panel, seed=2)
    assert all(m.mutation.male.model == "onestep" for m in sim)
    assert all(0.002 <= m.mutation.male.rate <= 0.003 and
               0.0005 <= m.mutation.female.rate <= 0.001 for m in sim)
    sc = simulate_grave_scenario(30, markers=panel, seed=2, simulate_markers=sim)
    assert sc.dataset.markers == panel
    assert {m.mutation.male.model for m in sc.dataset.markers} == {"equal"}
    assert "onestep" in sc.dataset.extra["simulation"]["parameters"]["simulate_mutation"]


# --- reference-sample errors ------------------------------------------------------------------

ERROR_RATES = {"swap": 0.15, "duplicate": 0.15, "non_paternity": 0.15}


@pytest.fixture(scope="module")
def clean(panel: list[Marker]) -> GraveScenario:
    return simulate_grave_scenario(400, markers=mendelian(panel), seed=12)


@pytest.fixture(scope="module")
def erroneous(panel: list[Marker]) -> GraveScenario:
    return simulate_grave_scenario(400, markers=mendelian(panel), seed=12,
                                   reference_errors=ERROR_RATES)


def errors_of(sc: GraveScenario, kind: str) -> list[dict]:
    return sc.reference_errors.filter(pl.col("kind") == kind).to_dicts()


def test_no_reference_errors_changes_nothing(panel: list[Marker]) -> None:
    plain = simulate_grave_scenario(60, markers=panel, seed=7)
    for none in (None, {}):
        sc = simulate_grave_scenario(60, markers=panel, seed=7, reference_errors=none)
        assert sc.dataset.to_dict() == plain.dataset.to_dict()
        assert sc.truth.equals(plain.truth) and sc.people.equals(plain.people)
        assert sc.families.equals(plain.families) and sc.genotypes == plain.genotypes
        assert sc.reference_errors.is_empty()
        assert sc.reference_errors.columns == ["family", "person", "kind", "other"]
    with pytest.raises(InputError, match="reference_errors"):
        simulate_grave_scenario(5, markers=panel, seed=1, reference_errors={"mixup": 0.1})
    with pytest.raises(InputError, match="reference_errors"):
        simulate_grave_scenario(5, markers=panel, seed=1,
                                reference_errors={"swap": 0.6, "duplicate": 0.6})


def test_reference_errors_leave_the_rest_alone(clean: GraveScenario,
                                               erroneous: GraveScenario) -> None:
    assert erroneous.truth.drop("relation").equals(clean.truth.drop("relation"))
    assert erroneous.families.equals(clean.families)
    wrong = set(erroneous.reference_errors["family"])
    # The error draws change only the families they name (a non-paternity reference's
    # descendants are of its own household).
    for a, b in zip(erroneous.dataset.am, clean.dataset.am, strict=True):
        assert a.id == b.id and a.pedigree.records() == b.pedigree.records()
        assert (a.genotypes == b.genotypes) == (a.id not in wrong), a.id
    assert [s.id for s in erroneous.dataset.pm] == [s.id for s in clean.dataset.pm]
    extra = erroneous.reference_errors["kind"].value_counts()
    assert len(extra) == 3
    params = erroneous.dataset.extra["simulation"]["parameters"]
    assert params["reference_errors"] == ERROR_RATES


def test_reference_error_rates(erroneous: GraveScenario) -> None:
    fams = erroneous.dataset.am
    errs = erroneous.reference_errors
    assert errs.group_by("family").len()["len"].max() <= 2  # a swap's one row, or one error
    fits = {"swap": len(fams),
            "duplicate": sum(len(f.genotypes) >= 2 for f in fams),
            "non_paternity": sum(any(f.pedigree.parents(t) for t in f.genotypes)
                                 for f in fams)}
    for kind in REFERENCE_ERRORS:
        n = fits[kind]
        k = errs.filter(pl.col("kind") == kind)["family"].n_unique()
        sd = (n * ERROR_RATES[kind] * (1 - ERROR_RATES[kind])) ** 0.5
        assert n > 150 and abs(k - n * ERROR_RATES[kind]) < 4 * sd, (kind, k, n)


def test_swapped_profiles_are_the_other_familys(erroneous: GraveScenario) -> None:
    filed = {f.id: f.genotypes for f in erroneous.dataset.am}
    sex = dict(zip(erroneous.people["person"], erroneous.people["sex"]))
    swaps = errors_of(erroneous, "swap")
    assert len(swaps) > 20 and len(swaps) % 2 == 0
    partner = {r["family"]: r for r in swaps}
    assert len(partner) == len(swaps)  # each family in one swap at most
    for r in swaps:
        other = partner[r["other"]]
        assert other["other"] == r["family"]
        assert filed[r["family"]][r["person"]] == erroneous.genotypes[other["person"]]
        assert filed[r["family"]][r["person"]] != erroneous.genotypes[r["person"]]
        assert sex[r["person"]] == sex[other["person"]]


def test_duplicate_profiles_are_identical(erroneous: GraveScenario) -> None:
    filed = {f.id: f.genotypes for f in erroneous.dataset.am}
    dups = errors_of(erroneous, "duplicate")
    assert len(dups) > 20
    for r in dups:
        g = filed[r["family"]]
        assert r["other"] != r["person"] and r["other"] in g
        assert g[r["person"]] == g[r["other"]] == erroneous.genotypes[r["other"]]
        assert g[r["person"]] != erroneous.genotypes[r["person"]]


def test_non_paternity_follows_biology(clean: GraveScenario, erroneous: GraveScenario,
                                       panel: list[Marker]) -> None:
    fams = {f.id: f for f in erroneous.dataset.am}
    people = {r["person"]: r for r in erroneous.people.iter_rows(named=True)}
    stated = dict(zip(clean.people["person"], clean.people["father"]))
    g = erroneous.genotypes
    cases = errors_of(erroneous, "non_paternity")
    assert len(cases) > 20
    excluded = 0
    for r in cases:
        t, fam = r["person"], fams[r["family"]]
        fa, mo = fam.pedigree.parents(t)  # type: ignore[misc]
        assert fa == stated[t]
        outsider = people[t]["father"]
        assert outsider == f"{r['family']}_NP{t.split('_')[1]}" and outsider != fa
        assert people[t]["mother"] == mo
        assert not people[outsider]["dead"] and people[outsider]["body"] is None
        assert all(outsider not in f.pedigree for f in fams.values())
        assert fam.genotypes[t] == g[t]
        excluded += any(not set(g[t][k]) & set(g[fa][k]) for k in g[t])
        assert erroneous.relation(t, outsider) == "child"
        assert erroneous.relation(t, fa) != "child"
    assert excluded > len(cases) / 2
    # Every child of the people table (bodies, references, outsiders' children) obeys
    # Mendel with its biological parents.
    for x, p in people.items():
        if p["father"] is not None:
            for k, (a, b) in g[x].items():
                f, m = g[p["father"]][k], g[p["mother"]][k]
                assert (a in f and b in m) or (b in f and a in m), (x, k)
    for body, profile in erroneous.profiles.items():
        assert profile == g[erroneous.truth.filter(pl.col("body") == body)["person"][0]]
    # The truth's relations are the biological ones, and some differ from the stated ones.
    # (The half uncle of a missing person, kinship 1/16, has no name in RELATIONS.)
    check_relations(erroneous, unnamed_below=1 / 8)
    assert not erroneous.truth["relation"].equals(clean.truth["relation"])


# --- the validation harness scores what it is given --------------------------------------------


def test_harness_scores_a_relative_as_false(scenario: GraveScenario) -> None:
    from types import SimpleNamespace

    from benchmarks.validation import Score, score, upper_bound

    truth = scenario.truth.unique("body", keep="first", maintain_order=True)
    right = truth.filter(pl.col("missing").is_not_null()).head(5)
    sibs = truth.filter(pl.col("relation").str.starts_with("full sibling of ")).head(3)
    rows = [(r["pm"], r["family"], r["missing"], 0.9999) for r in right.iter_rows(named=True)]
    rows += [(r["pm"], r["family"], r["relation"].split(" of ")[1], 0.9999)
             for r in sibs.iter_rows(named=True)]
    ids = pl.DataFrame(rows, schema=["pm", "family", "missing", "posterior"], orient="row")
    fam = pl.DataFrame({"pm": [sibs["pm"][0]], "family": [sibs["family"][0]],
                        "candidates": [f"{sibs['relation'][0].split(' of ')[1]} (0.5); "
                                       "an unregistered full sibling (0.5)"],
                        "posterior": [0.9999], "fragments": [sibs["pm"][0]]})
    out = Score()
    score(scenario, SimpleNamespace(identifications=ids.with_columns(
        pl.col("pm").alias("fragments")), family_level=fam), out)
    assert (out.proposals, out.true, out.false) == (8, 5, 3)
    assert out.false_as == Counter({"unregistered full sibling": 3})
    assert (out.family_right, out.family_candidate, out.family_relative) == (1, 0, 1)
    assert upper_bound(0, 100) == pytest.approx(1 - 0.05 ** (1 / 100))


def test_harness_scores_reference_errors(erroneous: GraveScenario) -> None:
    from types import SimpleNamespace

    from benchmarks.validation import ErrorScore, score_errors

    truth = erroneous.truth.unique("body", keep="first", maintain_order=True)
    kind = dict(zip(erroneous.reference_errors["family"], erroneous.reference_errors["kind"]))
    found = truth.filter(pl.col("missing").is_not_null())
    swapped = found.filter(pl.col("family").is_in([f for f, k in kind.items() if k == "swap"]))
    clean = found.filter(~pl.col("family").is_in(list(kind)))
    # A true proposal in a swapped family; the same body proposed as a missing person of
    # another family (false), and placed there at family level (wrong).
    a, b = swapped.row(0, named=True), clean.row(0, named=True)
    other = next(f for f in erroneous.dataset.am if f.id == b["family"])
    ids = pl.DataFrame({"pm": [a["pm"], a["pm"]], "family": [a["family"], other.id],
                        "missing": [a["missing"], other.missing[0]]})
    fam = pl.DataFrame({"pm": [a["pm"]], "family": [other.id]})
    dup = next(f for f, k in kind.items() if k == "duplicate")
    checks = pl.DataFrame({"family": [dup, other.id, dup], "verdict": [
        "identical profiles", "contradicted", "consistent"]})
    held = pl.DataFrame({"pm": [b["pm"], a["pm"]], "family": [b["family"]] * 2,
                         "missing": [b["missing"]] * 2,
                         "held_back": ["references contradict the pedigree", "same-source"]})
    out = ErrorScore()
    score_errors(erroneous, SimpleNamespace(identifications=ids, family_level=fam,
                                            family_checks=checks, held_back=held), out)
    assert out.families["swap"] == len(errors_of(erroneous, "swap"))
    assert out.families["none"] == len(erroneous.dataset.am) - len(kind)
    assert (out.true, out.false) == (Counter({"swap": 1}), Counter({"none": 1}))
    assert out.family_wrong == Counter({"none": 1}) and not out.family_right
    assert out.flagged == Counter({"duplicate": 1, "none": 1}) and out.checked == 1
    assert (out.held, out.held_true, out.held_false) == (1, 1, 0)
    # Without family_checks (identify before the check), nothing is flagged or checked.
    out = ErrorScore()
    score_errors(erroneous, SimpleNamespace(identifications=ids, family_level=None), out)
    assert out.checked == 0 and not out.flagged and out.any()


def test_references_in_pm_are_added_after_the_samples_with_their_truth(
        clean: GraveScenario, panel: list[Marker]) -> None:
    sc = simulate_grave_scenario(400, markers=mendelian(panel), seed=12, reference_in_pm=0.1)
    n = len(clean.dataset.pm)
    # the scenario before them is untouched
    assert [s.id for s in sc.dataset.pm[:n]] == [s.id for s in clean.dataset.pm]
    assert all(a.genotypes == b.genotypes for a, b in zip(sc.dataset.pm, clean.dataset.pm))
    assert sc.truth.head(n).equals(clean.truth)
    extra = sc.truth.slice(n)
    assert extra.height == len(sc.dataset.pm) - n
    # about a tenth of the registered families
    assert 0.05 * len(sc.dataset.am) < extra.height < 0.15 * len(sc.dataset.am)
    assert set(extra["relation"]) == {"living reference"}
    assert extra["missing"].is_null().all()
    fams = {f.id: f for f in sc.dataset.am}
    by_id = {s.id: s for s in sc.dataset.pm}
    for r in extra.iter_rows(named=True):
        ref = fams[r["family"]].genotypes[r["person"]]
        sample = by_id[r["pm"]]
        # what the sample shows is the reference's profile, degraded
        for m, g in sample.genotypes.items():
            assert set(a for a in g if a is not None) <= set(ref[m]), (r["pm"], m)
        assert r["body"].startswith("L")
    with pytest.raises(InputError, match="reference_in_pm"):
        simulate_grave_scenario(5, markers=panel, seed=1, reference_in_pm=1.5)
