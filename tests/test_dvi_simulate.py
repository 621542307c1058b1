"""Synthetic programmes: reproducibility, composition, family shapes, ground truth, fragments,
Mendelian consistency, persistence, the bundled example and scale."""

from __future__ import annotations

import importlib.util
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from forensic_match.cases import DviDataset, load_case
from forensic_match.dvi.simulate import (
    DEFAULT_SHAPES,
    SimulatedProgramme,
    _draw_rows,
    _gene_drop,
    _Population,
    _row_cdf,
    load_programme,
    simulate_programme,
)
from forensic_match.errors import InputError
from forensic_match.likelihood import pedigree_likelihood
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "programme_small.json"


@pytest.fixture(scope="module")
def programme(markers: list[Marker]) -> SimulatedProgramme:
    return simulate_programme(400, 300, markers=markers, seed=11)


@pytest.fixture(scope="module")
def mendelian(markers: list[Marker]) -> SimulatedProgramme:
    return simulate_programme(300, 200, markers=markers, seed=12, mutation=False,
                              dropout_range=(0.0, 0.0), marker_loss=0.0)


def sample_body(prog: SimulatedProgramme) -> dict[str, str]:
    return dict(zip(prog.truth["pm"], prog.truth["body"]))


# --- reproducibility -------------------------------------------------------------------------


def test_same_seed_same_programme(markers: list[Marker]) -> None:
    a = simulate_programme(60, 40, markers=markers, seed=5)
    b = simulate_programme(60, 40, markers=markers, seed=5)
    assert a.to_dict() == b.to_dict()
    assert a.truth.equals(b.truth) and a.families.equals(b.families)
    c = simulate_programme(60, 40, markers=markers, seed=np.random.default_rng(5))
    assert c.to_dict()["pm"] == a.to_dict()["pm"]
    d = simulate_programme(60, 40, markers=markers, seed=6)
    assert d.to_dict()["pm"] != a.to_dict()["pm"]


def test_theta_programme_is_reproducible(markers: list[Marker]) -> None:
    a = simulate_programme(50, 30, markers=markers, seed=3, theta=0.02)
    b = simulate_programme(50, 30, markers=markers, seed=3, theta=0.02)
    assert a.to_dict() == b.to_dict()
    assert a.dataset.theta == 0.02
    assert a.to_dict()["pm"] != simulate_programme(50, 30, markers=markers, seed=3
                                                   ).to_dict()["pm"]


def test_simulate_markers_change_the_mutations_not_the_stated_panel(markers: list[Marker]
                                                                     ) -> None:
    """``simulate_markers`` gene-drop in a world with another mutation process: the same
    markers give the same programme; one-step stepwise ones give other genotypes over the
    same truth, and the dataset still states ``markers``."""
    from forensic_match.dvi.scenarios import onestep_markers

    plain = simulate_programme(40, 30, markers=markers, seed=7)
    assert simulate_programme(40, 30, markers=markers, seed=7,
                              simulate_markers=markers).to_dict() == plain.to_dict()
    # very high rates make the difference certain at this size
    wild = onestep_markers(markers, female=(0.2, 0.3), male=(0.2, 0.3), seed=1)
    other = simulate_programme(40, 30, markers=markers, seed=7, simulate_markers=wild)
    assert other.truth.equals(plain.truth)
    assert other.to_dict()["pm"] != plain.to_dict()["pm"]
    assert [m.mutation for m in other.dataset.markers] == [m.mutation for m in markers]
    short = [Marker(m.name, m.alleles[:-1], m.frequencies[:-1] / m.frequencies[:-1].sum())
             for m in markers]
    with pytest.raises(InputError, match="simulate_markers"):
        simulate_programme(5, 5, markers=markers, seed=1, simulate_markers=short)


# --- composition -----------------------------------------------------------------------------


def test_counts(programme: SimulatedProgramme) -> None:
    ds = programme.dataset
    assert len(ds.am) == 400 and len(ds.pm) == 300 and programme.truth.height == 300
    assert len({s.id for s in ds.pm}) == 300 and len({f.id for f in ds.am}) == 400
    assert programme.truth["pm"].to_list() == [s.id for s in ds.pm]
    bodies = programme.truth.group_by("body").agg(pl.len(), pl.col("missing").first())
    assert bodies["len"].max() <= 3 and (bodies["len"] > 1).sum() > 0
    # 10% of bodies are unrelated by default, the rest distinct missing persons.
    n_unrelated = bodies["missing"].null_count()
    assert n_unrelated == round(0.1 * bodies.height)
    found = bodies["missing"].drop_nulls()
    assert found.n_unique() == found.len()
    assert set(programme.profiles) == set(bodies["body"])


def test_missing_and_typed_per_family(programme: SimulatedProgramme) -> None:
    fams = programme.families
    assert fams["n_missing"].min() >= 1 and fams["n_missing"].max() <= 4
    assert fams["n_typed"].min() >= 1 and fams["n_typed"].max() <= 5
    per = Counter(fams["n_missing"].to_list())
    assert per[1] > per[2] > per[3] > 0 and per[4] > 0
    for fam in programme.dataset.am:
        assert len(fam.genotypes) >= 1 and set(fam.missing) == set(fam.info)
        assert not set(fam.missing) & set(fam.genotypes)
        assert all(len(p) == 23 for p in fam.genotypes.values())  # relatives complete
        assert fam.pedigree.is_connected()


def test_fraction_identifiable(markers: list[Marker]) -> None:
    prog = simulate_programme(100, 120, markers=markers, seed=2, fraction_identifiable=0.3)
    n_missing = sum(len(f.missing) for f in prog.dataset.am)
    found = prog.truth["missing"].drop_nulls().n_unique()
    assert found == round(0.3 * n_missing)
    assert prog.truth.filter(pl.col("missing").is_null()).height > 0


def test_missing_per_family_mapping(markers: list[Marker]) -> None:
    prog = simulate_programme(40, 20, markers=markers, seed=2, missing_per_family={2: 1.0})
    assert prog.families["n_missing"].unique().to_list() == [2]


def test_bad_parameters(markers: list[Marker]) -> None:
    with pytest.raises(InputError, match="not both"):
        simulate_programme(10, 5, markers=markers, seed=1, unrelated=0.2,
                           fraction_identifiable=0.5)
    with pytest.raises(InputError, match="lower n_pm or raise unrelated"):
        simulate_programme(5, 100, markers=markers, seed=1, missing_per_family=(1, 1))
    with pytest.raises(InputError, match="raise n_pm"):
        simulate_programme(50, 5, markers=markers, seed=1, fraction_identifiable=1.0)
    with pytest.raises(InputError, match="unknown family shapes"):
        simulate_programme(10, 5, markers=markers, seed=1, shapes=["parents", "twins"])
    with pytest.raises(InputError, match="dropout_range"):
        simulate_programme(10, 5, markers=markers, seed=1, dropout_range=(0.3, 0.1))
    with pytest.raises(InputError, match="no markers"):
        simulate_programme(10, 5, markers=[], seed=1)


# --- family shapes ---------------------------------------------------------------------------


def relationships(fam) -> set[str]:  # type: ignore[no-untyped-def]
    """How the typed relatives relate to the missing persons, in the shapes' words."""
    ped = fam.pedigree
    out = set()
    for m in fam.missing:
        mp = ped.parents(m)
        kids = set(ped.children(m))
        for r in fam.genotypes:
            rp = ped.parents(r)
            if mp is not None and r in mp:
                out.add("parent")
            elif r in kids:
                out.add("child")
            elif m in ped.children(r) or any(m in (ped.parents(k) or ())
                                             for k in ped.children(r)):
                out.add("spouse")
            elif mp is not None and rp is not None and rp == mp:
                out.add("full_sibling")
            elif mp is not None and rp is not None and len(set(rp) & set(mp)) == 1:
                out.add("half_sibling")
            elif rp is not None and mp is not None and ped.parents(rp[0]) == mp \
                    or rp is not None and mp is not None and ped.parents(rp[1]) == mp:
                out.add("nephew")
            elif mp is not None and rp is not None and any(
                    ped.parents(p) is not None and ped.parents(p) == rp for p in mp):
                out.add("aunt")
            elif rp is not None and mp is not None and any(
                    ped.parents(p) is not None and ped.parents(q) == ped.parents(p)
                    for p in mp for q in rp):
                out.add("cousin")
            elif rp is None:
                out.add("partner")  # a relative's partner, not related to the missing
            else:
                out.add("other")
    return out


EXPECTED = {"parents": {"parent"}, "parent_siblings": {"parent", "full_sibling"},
            "spouse_children": {"spouse", "child"}, "siblings": {"full_sibling"},
            "half_siblings": {"half_sibling"}, "nephew": {"nephew"},
            "cousin_aunt": {"aunt", "cousin"}}
# Also possible: a sibling typed beside both parents; a missing father's wife and children;
# a missing child's mother and siblings; the typed partner of a half sibling's or nephew's
# parent.
ALLOWED = {**EXPECTED, "parents": {"parent", "full_sibling"},
           "parent_siblings": {"parent", "full_sibling", "spouse", "child"},
           "spouse_children": {"spouse", "child", "parent", "full_sibling"},
           "half_siblings": {"half_sibling", "partner"}, "nephew": {"nephew", "partner"}}


def test_all_shapes_present_with_their_relatives(programme: SimulatedProgramme) -> None:
    shape_of = dict(zip(programme.families["family"], programme.families["shape"]))
    assert set(shape_of.values()) == set(DEFAULT_SHAPES)
    seen: dict[str, set[str]] = {s: set() for s in DEFAULT_SHAPES}
    for fam in programme.dataset.am:
        rel = relationships(fam)
        assert rel <= ALLOWED[shape_of[fam.id]], (fam.id, rel)
        seen[shape_of[fam.id]] |= rel
    for shape, words in EXPECTED.items():
        assert words <= seen[shape], (shape, seen[shape])


def test_missing_father_and_son(programme: SimulatedProgramme) -> None:
    """Some families search for a parent and a child together."""
    pairs = 0
    for fam in programme.dataset.am:
        for m in fam.missing:
            pairs += any(c in fam.missing for c in fam.pedigree.children(m))
    assert pairs > 0


def test_shapes_subset(markers: list[Marker]) -> None:
    prog = simulate_programme(30, 10, markers=markers, seed=4, shapes={"nephew": 1.0})
    assert prog.families["shape"].unique().to_list() == ["nephew"]
    assert all("nephew" in relationships(f) for f in prog.dataset.am)


# --- ground truth ----------------------------------------------------------------------------


def test_truth_is_consistent(programme: SimulatedProgramme) -> None:
    fams = {f.id: f for f in programme.dataset.am}
    samples = {s.id: s for s in programme.dataset.pm}
    unknown_sex = 0
    for pm, _body, family, missing in programme.truth.iter_rows():
        s = samples[pm]
        if missing is None:
            assert family is None
            continue
        fam = fams[family]
        assert missing in fam.missing and missing in fam.pedigree
        if s.sex == "U":
            unknown_sex += 1
        else:
            assert s.sex == fam.sex_of(missing)
    assert unknown_sex > 0


def test_unrelated_samples_have_no_truth(programme: SimulatedProgramme) -> None:
    t = programme.truth
    unrelated = t.filter(pl.col("missing").is_null())
    assert unrelated.height > 0 and unrelated["family"].null_count() == unrelated.height
    # An unrelated body is nobody's: none of its fragments has a truth.
    related_bodies = set(t.filter(pl.col("missing").is_not_null())["body"])
    assert not set(unrelated["body"]) & related_bodies
    assert all(programme.pm_to_missing[p] is None for p in unrelated["pm"])


def test_fragments_share_a_body_and_its_genotype(programme: SimulatedProgramme) -> None:
    samples = {s.id: s for s in programme.dataset.pm}
    groups = programme.truth.group_by("body").agg(pl.col("pm"), pl.col("missing").n_unique())
    multi = groups.filter(pl.col("pm").list.len() > 1)
    assert multi.height > 0 and (multi["missing"] == 1).all()
    for _body, pms, _ in multi.iter_rows():
        assert len({samples[p].site for p in pms}) == 1  # fragments come from one grave
        assert len({samples[p].dropout for p in pms}) == len(pms)  # degraded independently
    for pm, body in sample_body(programme).items():
        true = programme.profiles[body]
        for marker, (a, b) in samples[pm].genotypes.items():
            assert a in true[marker] and b in true[marker], (pm, marker)


def test_profiles_are_degraded(programme: SimulatedProgramme) -> None:
    samples = programme.dataset.pm
    assert all(0.0 <= s.dropout <= 0.3 and s.genotypes for s in samples)
    partial = sum(len(s.genotypes) < 23 for s in samples)
    assert partial > len(samples) / 2
    dropped = 0
    for s, body in zip(samples, programme.truth["body"]):
        true = programme.profiles[body]
        dropped += any(a == b and true[m][0] != true[m][1] for m, (a, b) in s.genotypes.items())
    assert dropped > 0


def test_graves_hold_several_bodies_some_commingled_families(
        programme: SimulatedProgramme) -> None:
    site = {s.id: s.site for s in programme.dataset.pm}
    t = programme.truth.with_columns(pl.col("pm").replace_strict(site).alias("site"))
    graves = t.group_by("site").agg(pl.col("body").n_unique(),
                                    pl.col("family").drop_nulls())
    assert graves["body"].max() >= 3 and graves["body"].mean() > 1.5
    commingled = [f for f in graves["family"].to_list()
                  if any(c > 1 for c in Counter(f).values())]
    assert commingled


def test_non_dna_placeholders(programme: SimulatedProgramme) -> None:
    for s in programme.dataset.pm:
        assert s.site.startswith("G") and s.info["age_min"] < s.info["age_max"]
        assert s.info["date_recovered"] >= "2002"
    for fam in programme.dataset.am:
        for m, rec in fam.info.items():
            assert "1980" <= rec["date_missing"] <= "2001" and 5 <= rec["age"] <= 65
            for c in fam.pedigree.children(m):
                if c in fam.info:
                    assert fam.info[c]["age"] < rec["age"]


def test_relatives_mendelian_with_true_missing_genotypes(
        mendelian: SimulatedProgramme, markers: list[Marker]) -> None:
    """Without mutation every family is consistent with the true genotypes of its found
    members (likelihood > 0 at every marker), and the samples are the complete bodies."""
    plain = [m.with_mutation(None) for m in markers]
    found: dict[str, dict[str, str]] = {}
    for _pm, body, family, missing in mendelian.truth.iter_rows():
        if missing is not None:
            found.setdefault(family, {})[missing] = body
    assert len(found) > 50
    for fam in mendelian.dataset.am:
        if fam.id not in found:
            continue
        profiles = dict(fam.genotypes)
        profiles.update({m: mendelian.profiles[b] for m, b in found[fam.id].items()})
        lik = pedigree_likelihood(fam.pedigree, plain, profiles)
        assert (lik > 0).all(), fam.id
    for s, body in zip(mendelian.dataset.pm, mendelian.truth["body"]):
        assert s.genotypes == mendelian.profiles[body]


# --- gene dropping ---------------------------------------------------------------------------


def test_draw_rows_follows_each_row() -> None:
    rng = np.random.default_rng(0)
    weights = np.array([[0.2, 0.0, 0.8], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    rows = np.repeat(np.arange(3), 100_000)
    drawn = _draw_rows(rng, _row_cdf(weights), rows)
    for r in range(3):
        freq = np.bincount(drawn[rows == r], minlength=3) / 100_000
        assert np.all(np.abs(freq - weights[r]) <= 5 * np.sqrt(weights[r] * (1 - weights[r])
                                                             / 100_000) + 1e-12)


def trios(n: int) -> _Population:
    father = np.full(3 * n, -1)
    mother = np.full(3 * n, -1)
    father[2::3] = np.arange(0, 3 * n, 3)
    mother[2::3] = np.arange(1, 3 * n, 3)
    return _Population(father, mother, np.repeat(np.arange(n), 3), n)


def test_gene_drop_founders_and_sex_specific_mutation() -> None:
    alleles = [str(a) for a in range(10)]
    freqs = np.linspace(1, 2, 10) / np.linspace(1, 2, 10).sum()
    only_male = Mutation(female=MutationModel("equal", rate=0.0),
                         male=MutationModel("equal", rate=0.3))
    m = Marker("M", alleles, freqs, only_male)
    n = 20_000
    lo, hi = _gene_drop(trios(n), [m], np.random.default_rng(1), theta=0.0, mutation=True)
    is_founder = np.arange(3 * n) % 3 < 2
    founders = np.concatenate([lo[is_founder, 0], hi[is_founder, 0]])
    freq = np.bincount(founders, minlength=10) / len(founders)
    assert np.all(np.abs(freq - freqs) <= 5 * np.sqrt(freqs * (1 - freqs) / len(founders)))
    child = {k: (lo[k::3, 0], hi[k::3, 0]) for k in range(3)}

    def shares(parent: int) -> np.ndarray:
        """Whether each child has an allele of its father (0) or mother (1)."""
        kid, par = child[2], child[parent]
        return ((kid[0] == par[0]) | (kid[0] == par[1]) | (kid[1] == par[0])
                | (kid[1] == par[1]))

    assert shares(1).all()  # no maternal mutation: the child always has a mother's allele
    # A paternal mutation (rate 0.3) to an allele neither parent has, or a mutated paternal
    # allele that is the mother's while the maternal one is not the father's: not rare.
    assert 0.02 < 1 - shares(0).mean() < 0.3
    lo0, hi0 = _gene_drop(trios(n), [m], np.random.default_rng(1), theta=0.0, mutation=False)
    child = {k: (lo0[k::3, 0], hi0[k::3, 0]) for k in range(3)}
    assert shares(0).all() and shares(1).all()


def test_gene_drop_theta_raises_homozygosity() -> None:
    m = Marker("M", [str(a) for a in range(8)], np.full(8, 1 / 8))
    n = 20_000
    pop = _Population(np.full(n, -1), np.full(n, -1), np.arange(n), n)
    homs = []
    for theta in (0.0, 0.2):
        lo, hi = _gene_drop(pop, [m], np.random.default_rng(2), theta=theta, mutation=False)
        homs.append(float((lo == hi).mean()))
    # P(homozygous) = theta + (1 - theta) * sum p^2 for one individual from its own urn.
    assert homs[0] == pytest.approx(1 / 8, abs=0.015)
    assert homs[1] == pytest.approx(0.2 + 0.8 / 8, abs=0.015)


# --- persistence -----------------------------------------------------------------------------


def test_save_and_load(programme: SimulatedProgramme, tmp_path: Path) -> None:
    path = tmp_path / "prog.json"
    programme.save(path)
    back = SimulatedProgramme.load(path)
    assert back.truth.equals(programme.truth)
    assert back.families.equals(programme.families)
    assert back.profiles == programme.profiles
    assert back.to_dict() == json.loads(path.read_text())
    for a, b in zip(back.dataset.pm, programme.dataset.pm):
        assert (a.id, a.sex, a.genotypes, a.site, a.dropout, a.info) == \
            (b.id, b.sex, b.genotypes, b.site, b.dropout, b.info)
    for a, b in zip(back.dataset.am, programme.dataset.am):
        assert (a.id, a.missing, a.genotypes, a.info) == (b.id, b.missing, b.genotypes, b.info)
        assert a.pedigree == b.pedigree
    data = json.loads(path.read_text())
    assert data["truth"] == programme.pm_to_missing
    plain = load_case(path)
    assert isinstance(plain, DviDataset) and "truth" in plain.extra


def test_truth_has_the_shape_of_the_reference_scaling_sets(reference_dir: Path,
                                                           programme: SimulatedProgramme
                                                           ) -> None:
    ref = json.loads((reference_dir / "dvi" / "scaling_10x10.json").read_text())
    ours = programme.to_dict()
    assert all(isinstance(k, str) and (v is None or isinstance(v, str))
               for truth in (ref["truth"], ours["truth"]) for k, v in truth.items())
    prog = load_programme(reference_dir / "dvi" / "scaling_10x10.json")
    assert prog.pm_to_missing == ref["truth"]
    assert prog.truth.filter(pl.col("missing").is_not_null())["family"].to_list() == \
        [f"F{k}" for k in range(1, 9)]


def test_load_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{")
    with pytest.raises(InputError, match="malformed JSON"):
        load_programme(path)
    data = json.loads(EXAMPLE.read_text())
    del data["truth"]
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="no 'truth'"):
        load_programme(path)


# --- the bundled example and scale -----------------------------------------------------------


def test_bundled_programme_is_reproducible() -> None:
    prog = load_programme(EXAMPLE)
    assert len(prog.dataset.am) == 200 and len(prog.dataset.pm) == 150
    desc = prog.dataset.description
    assert "fbi2015_sw_hispanic" in desc and "equal mutation model (female 0.0005, male 0.002)" \
        in desc
    spec = importlib.util.spec_from_file_location("make_programme",
                                                  EXAMPLE.parent / "make_programme.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.programme_small().to_dict() == json.loads(EXAMPLE.read_text())


def test_scale_2000_families_1000_samples(markers: list[Marker]) -> None:
    start = time.perf_counter()
    prog = simulate_programme(2000, 1000, markers=markers, seed=99)
    elapsed = time.perf_counter() - start
    assert len(prog.dataset.am) == 2000 and len(prog.dataset.pm) == 1000
    assert prog.truth["missing"].drop_nulls().n_unique() > 700
    assert elapsed < 10.0


def test_single_distant_reference_shapes(markers: list[Marker]) -> None:
    """``cousin``, ``half_sibling`` and ``uncle``: one typed relative of that kind, on the
    father's side in some families and the mother's in others (so that lineage markers
    reach the missing man through one line or the other)."""
    from forensic_match.lineage.lines import lineage_links

    words = {"cousin": "cousin", "half_sibling": "half_sibling", "uncle": "aunt"}
    for shape, word in words.items():
        prog = simulate_programme(40, 10, markers=markers, seed=6, shapes=[shape])
        lines = {"Y": 0, "mtDNA": 0}
        for fam in prog.dataset.am:
            assert len(fam.genotypes) == 1, (shape, fam.id)
            assert relationships(fam) == {word}, (shape, fam.id, relationships(fam))
            for m in fam.missing:
                for line in ("Y", "mtDNA") if fam.pedigree.sex_of(m) == "M" else ("mtDNA",):
                    lines[line] += bool(lineage_links(fam.pedigree, m, line,
                                                      among=fam.genotypes))
        assert lines["Y"] > 0 and lines["mtDNA"] > 0, (shape, lines)
