"""Several mtDNA references on one maternal line: the per-site peeling
(:func:`tree_site_likelihood`, :func:`tree_mitotype_probability`) against a brute-force sum over
the unobserved ancestors' bases, its one-reference case against the pairwise formula, closed
forms, and its use by ``lineage_lr``."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.lineage.data import LineageData
from forensic_match.lineage.lines import line_tree
from forensic_match.lineage.lr import lineage_lr, mt_lr
from forensic_match.lineage.mtdna import (
    IUPAC,
    MitotypeDatabase,
    compare_mitotypes,
    parse_mitotype,
    site_probabilities,
    transmission_probability,
    tree_mitotype_probability,
    tree_site_likelihood,
)

# Oracles -----------------------------------------------------------------------------------


def brute_site(parent: dict, observed: dict, rate: float) -> float:
    """max over the bases of each ``*`` node (a C-tract length variant, resolved to the base
    that fits) of the sum over the bases each other observation is compatible with (one, or
    those of a heteroplasmy: a coarsened observation) and over every unobserved node's base
    of 1/4 x the product over edges of the one-meiosis Jukes-Cantor probabilities; bases are
    the real letters A, C, G, T."""
    same, other = site_probabilities(rate, 1)
    nodes = sorted(parent)
    wild = sorted(n for n in observed if observed[n] == "*")
    fixed = sorted(n for n in observed if observed[n] != "*")
    best = 0.0
    for chosen in itertools.product("ACGT", repeat=len(wild)):
        total = 0.0
        for resolved in itertools.product(*(sorted(observed[n]) for n in fixed)):
            states = {**dict(zip(fixed, resolved, strict=True)),
                      **dict(zip(wild, chosen, strict=True))}
            free = [n for n in nodes if n not in states]
            for combo in itertools.product("ACGT", repeat=len(free)):
                base = {**states, **dict(zip(free, combo, strict=True))}
                term = 1.0
                for n in nodes:
                    up = parent[n]
                    if up is None:
                        term *= 0.25
                    else:
                        term *= same if base[n] == base[up] else other
                total += term
        best = max(best, total)
    return best


def brute_mitotype(parent: dict, mts: dict, target: str, rate: float) -> float:
    """The mitotype probability from :func:`brute_site` per position (substitutions and
    heteroplasmies only): no variant is the rCRS base, taken as the best of the bases no one
    shows as a substitution, separately in numerator and denominator."""
    refs = [n for n in mts if n != target]
    region = mts[target].positions & frozenset().union(*(mts[n].positions for n in refs))
    memo: dict = {}

    def site(observed: dict) -> float:
        key = tuple(sorted(observed.items()))
        if key not in memo:
            memo[key] = unmemoised(observed)
        return memo[key]

    def unmemoised(observed: dict) -> float:
        taken = {o for o in observed.values() if o != "r" and len(o) == 1}
        if "r" not in observed.values():
            return brute_site(parent, observed, rate)
        return max(brute_site(parent, {n: (b if o == "r" else o) for n, o in observed.items()},
                              rate) for b in "ACGT" if b not in taken)

    prob = 1.0
    for pos in sorted(region):
        obs = {n: m.substitutions.get(pos, "r") for n, m in mts.items() if pos in m.positions}
        prob *= site(obs) / site({n: o for n, o in obs.items() if n != target})
    return prob


# Strategies --------------------------------------------------------------------------------

@st.composite
def trees(draw, max_nodes: int = 6) -> dict:
    """A rooted tree on nodes n0..n(k-1), each node's mother an earlier node."""
    k = draw(st.integers(2, max_nodes))
    return {f"n{i}": (None if i == 0 else f"n{draw(st.integers(0, i - 1))}")
            for i in range(k)}


OBS = st.sampled_from(["A", "C", "G", "T", "CT", "AG", "ACG", "ACGT", "*"])


@st.composite
def observed_trees(draw) -> tuple[dict, dict]:
    parent = draw(trees())
    nodes = sorted(parent)
    chosen = draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=len(nodes),
                           unique=True))
    return parent, {n: draw(OBS) for n in chosen}


@settings(max_examples=150, deadline=None)
@given(observed_trees(), st.floats(1e-4, 0.3))
def test_site_peeling_agrees_with_brute_force(case: tuple[dict, dict], rate: float) -> None:
    parent, observed = case
    same, other = site_probabilities(rate, 1)
    assert tree_site_likelihood(parent, observed, same=same, other=other) == pytest.approx(
        brute_site(parent, observed, rate), rel=1e-9, abs=1e-15)


@settings(max_examples=100, deadline=None)
@given(trees(), st.floats(1e-4, 0.3), st.data())
def test_site_probabilities_sum_to_one_over_the_target_base(parent: dict, rate: float,
                                                            data: st.DataObject) -> None:
    """The numerator is a distribution over what the target can show: summed over the
    target's four bases, L(target, refs) / L(refs) is 1, whatever the tree and the references,
    heteroplasmic references included (their observations are summed, not resolved)."""
    same, other = site_probabilities(rate, 1)
    nodes = sorted(parent)
    target = data.draw(st.sampled_from(nodes))
    refs = data.draw(st.lists(st.sampled_from([n for n in nodes if n != target]), min_size=1,
                              unique=True))
    obs = {n: data.draw(st.sampled_from(["A", "C", "G", "T", "CT", "AG", "ACG", "ACGT"]))
           for n in refs}
    den = tree_site_likelihood(parent, obs, same=same, other=other)
    total = sum(tree_site_likelihood(parent, {**obs, target: b}, same=same, other=other)
                for b in "ACGT") / den
    assert total == pytest.approx(1.0, rel=1e-12)


def test_a_deletion_is_a_state_of_its_own() -> None:
    """``-`` behaves as a base no one else shows (renaming states changes nothing)."""
    same, other = site_probabilities(0.02, 1)
    parent = {"M": "MO", "MO": "GM", "A": "GM", "GM": None}
    for obs in ({"M": "-", "MO": "C", "A": "-"}, {"M": "T", "MO": "-", "A": "CT"}):
        renamed = {n: o.replace("-", "G") for n, o in obs.items()}
        assert tree_site_likelihood(parent, obs, same=same, other=other) == \
            tree_site_likelihood(parent, renamed, same=same, other=other)


# Mitotypes ---------------------------------------------------------------------------------

POSITIONS = (16129, 16189, 16223, 16311, 73, 150, 263, 310)
SUBS = st.sampled_from(["A", "C", "G", "T", "Y", "R"])


@st.composite
def mitotypes(draw, indels: bool = True):
    ranges = draw(st.sampled_from([[[16024, 16569], [1, 576]], [[16100, 16400], [60, 340]],
                                   [[16024, 16365]], [[1, 576]]]))
    inside = [p for p in POSITIONS if any(a <= p <= b for a, b in ranges)]
    variants = []
    for p in draw(st.lists(st.sampled_from(inside), unique=True)) if inside else []:
        kind = draw(st.sampled_from(["sub", "sub", "del", "ins"] if indels else ["sub"]))
        if kind == "sub":
            variants.append(f"{p}{draw(SUBS)}")
        elif kind == "del":
            variants.append(f"{p}d")
        else:
            variants.append(f"{p}.1{draw(st.sampled_from(['A', 'C', 'M']))}")
    return parse_mitotype({"range": ranges, "variants": variants})


@settings(max_examples=150, deadline=None)
@given(mitotypes(), mitotypes(), st.integers(1, 5), st.floats(1e-5, 0.05))
def test_one_reference_is_the_pairwise_formula(pm, ref, meioses: int, rate: float) -> None:
    """On a line with one reference ``meioses`` away the tree gives exactly today's pairwise
    probability, heteroplasmies, deletions (in and outside the C-tracts) and insertions
    included, over the same region."""
    chain = ["M", *(f"a{i}" for i in range(1, meioses)), "R"]   # R: M's maternal ancestor
    parent = {**dict(zip(chain, chain[1:])), "R": None}
    cmp = compare_mitotypes(ref, pm)
    prob, region = tree_mitotype_probability(parent, {"M": pm, "R": ref}, "M", rate=rate)
    assert region == pm.positions & ref.positions
    want = transmission_probability(cmp, meioses=meioses, rate=rate) if cmp.sites else 1.0
    assert prob == pytest.approx(want, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(mitotypes(indels=False), min_size=3, max_size=3), st.floats(1e-4, 0.05),
       st.sampled_from(["sisters", "aunt", "grandmother"]))
def test_mitotype_tree_agrees_with_brute_force(mts: list, rate: float, shape: str) -> None:
    """PM and two references on small lines: the product over positions of the peeled site
    ratios equals the brute-force sum over the unobserved ancestors' bases (1e-9)."""
    parent = {"sisters": {"M": "MO", "S1": "MO", "S2": "MO", "MO": None},
              "aunt": {"M": "MO", "MO": "GM", "S1": "GM", "S2": "S1", "GM": None},
              "grandmother": {"M": "MO", "MO": "S1", "S2": "S1", "S1": None}}[shape]
    typed = dict(zip(("M", "S1", "S2"), mts, strict=True))
    if not typed["M"].positions & (typed["S1"].positions | typed["S2"].positions):
        return
    prob, _ = tree_mitotype_probability(parent, typed, "M", rate=rate)
    assert prob == pytest.approx(brute_mitotype(parent, typed, "M", rate), rel=1e-9)


def test_two_sisters_closed_form() -> None:
    """M and two maternal sisters (mother untyped), all without variants over L sites: per
    site ``(s^3 + 3 o^3) / (s^2 + 3 o^2)`` (sum over the mother's base)."""
    rate = 0.01
    s, o = site_probabilities(rate, 1)
    mt = parse_mitotype({"range": [[16024, 16123]], "variants": []})
    parent = {"M": "MO", "S1": "MO", "S2": "MO", "MO": None}
    prob, region = tree_mitotype_probability(parent, {"M": mt, "S1": mt, "S2": mt}, "M",
                                             rate=rate)
    assert len(region) == 100
    assert prob == pytest.approx(((s ** 3 + 3 * o ** 3) / (s ** 2 + 3 * o ** 2)) ** 100,
                                 rel=1e-12)
    # one sister alone: the pairwise two meioses
    alone, _ = tree_mitotype_probability(parent, {"M": mt, "S1": mt}, "M", rate=rate)
    assert alone == pytest.approx(site_probabilities(rate, 2)[0] ** 100, rel=1e-12)
    assert prob > alone   # an agreeing second sister adds support


def test_a_reference_above_a_typed_mother_adds_nothing() -> None:
    """The grandmother's mitotype says nothing more once the mother's is known (no
    heteroplasmy): the mother separates her from M on the tree."""
    m = parse_mitotype({"range": [[16024, 16365]], "variants": ["16189C", "16311C"]})
    mo = parse_mitotype({"range": [[16024, 16365]], "variants": ["16189C"]})
    gm = parse_mitotype({"range": [[16024, 16365]], "variants": ["16223T"]})
    parent = {"M": "MO", "MO": "GM", "GM": None}
    both, _ = tree_mitotype_probability(parent, {"M": m, "MO": mo, "GM": gm}, "M", rate=0.01)
    mother, _ = tree_mitotype_probability(parent, {"M": m, "MO": mo}, "M", rate=0.01)
    assert both == pytest.approx(mother, rel=1e-12)


def test_a_reference_reading_elsewhere_extends_the_region() -> None:
    """A relative who read HV2 only adds the HV2 positions the PM read; the nearer one who
    read HV1 only keeps her positions; each is missing where she did not read."""
    pm = parse_mitotype({"range": [[16024, 16365], [73, 340]], "variants": ["16189C", "263G"]})
    mo = parse_mitotype({"range": [[16024, 16365]], "variants": ["16189C"]})
    aunt = parse_mitotype({"range": [[73, 340]], "variants": ["263G"]})
    ped_tree = {"M": "MO", "MO": "GM", "AU": "GM", "GM": None}
    prob, region = tree_mitotype_probability(ped_tree, {"M": pm, "MO": mo, "AU": aunt}, "M",
                                             rate=0.001)
    assert region == pm.positions
    hv1, _ = tree_mitotype_probability(ped_tree, {"M": pm, "MO": mo}, "M", rate=0.001)
    hv2, _ = tree_mitotype_probability(ped_tree, {"M": pm, "AU": aunt}, "M", rate=0.001)
    assert prob == pytest.approx(hv1 * hv2, rel=1e-12)   # disjoint sites: independent
    assert hv2 == pytest.approx(site_probabilities(0.001, 3)[0] ** 268, rel=1e-12)


def test_bad_trees_and_observations_are_refused() -> None:
    from forensic_match.errors import InputError

    same, other = site_probabilities(0.01, 1)
    with pytest.raises(InputError, match="not on the tree"):
        tree_site_likelihood({"M": None}, {"X": "A"}, same=same, other=other)
    with pytest.raises(InputError, match="need the target and a reference"):
        mt = parse_mitotype({"range": [[1, 10]], "variants": []})
        tree_mitotype_probability({"M": None}, {"M": mt}, "M")
    assert set(IUPAC["N"]) == set("ACGT")


# lineage_lr --------------------------------------------------------------------------------

def _family():
    from forensic_match.cases import Family
    from forensic_match.pedigree import Pedigree

    ped = Pedigree.from_records([("GF", None, None, "M"), ("GM", None, None, "F"),
                                 ("FA", None, None, "M"), ("MO", "GF", "GM", "F"),
                                 ("AU", "GF", "GM", "F"), ("UF", None, None, "M"),
                                 ("CO", "UF", "AU", "F"), ("MP", "FA", "MO", "M")])
    mts = {"MO": parse_mitotype({"range": [[16024, 16365]], "variants": ["16189C", "16223T"]}),
           "CO": parse_mitotype({"range": [[16024, 16569], [1, 576]],
                                 "variants": ["16189C", "16223T", "263G", "73G"]})}
    return Family("F", ped, ["MP"], {}, mtdna=mts)


def _data() -> LineageData:
    entries = [{"range": [[16024, 16569], [1, 576]], "variants": v} for v in
               (["16223T", "263G", "73G"], ["16189C", "16223T", "263G", "73G"], ["263G"],
                ["16189C", "263G", "73G"], ["16311C", "263G"])]
    return LineageData(mt_database=MitotypeDatabase.from_dict({"name": "toy",
                                                               "mitotypes": entries}))


def test_lineage_lr_uses_every_maternal_relative() -> None:
    """A typed mother (HV1 only) and a maternal cousin (full control region): the mtDNA LR's
    numerator is the tree probability over the PM's positions read by either, its frequency
    counts over the same positions, and ``joint`` says so; with ``references="nearest"`` or
    the mother alone it is today's pairwise LR against the mother, exactly."""
    from forensic_match.cases import PMSample

    fam, data = _family(), _data()
    pm = PMSample("PM", "M", {}, mtdna=parse_mitotype(
        {"range": [[16024, 16569], [1, 576]], "variants": ["16189C", "16223T", "263G", "73G"]}))
    res = lineage_lr(pm, fam, "MP", data).mtdna
    assert res is not None and res.joint and res.reference == "MO"
    assert res.other_references == ("CO",) and "CO on the same line" in res.hypotheses
    tree = line_tree(fam.pedigree, ["MP", "MO", "CO"], "mtDNA")
    num, region = tree_mitotype_probability(tree, {"MP": pm.mtdna, **fam.mtdna}, "MP")
    assert res.numerator == num and region == pm.mtdna.positions
    x, n = data.mt_database.matches(pm.mtdna, region)
    assert (res.frequency.count, res.frequency.size) == (x, n) == (1, 5)
    assert res.lr == pytest.approx(num / ((x + 1) / (n + 1)), rel=1e-12)
    nearest = lineage_lr(pm, fam, "MP", data, references="nearest").mtdna
    alone = mt_lr(pm.mtdna, fam.mtdna["MO"], 1, data, reference_id="MO", missing="MP",
                  other_references=("CO",))
    assert nearest == alone and not nearest.joint
    fam.mtdna.pop("CO")
    assert lineage_lr(pm, fam, "MP", data).mtdna == mt_lr(
        pm.mtdna, fam.mtdna["MO"], 1, data, reference_id="MO", missing="MP")


def test_no_overlap_with_any_maternal_relative_is_noted() -> None:
    """A PM sample read only where neither the mother nor the cousin was read: no mtDNA LR,
    and the note names every relative compared (the nearest alone with one)."""
    from forensic_match.cases import PMSample

    fam, data = _family(), _data()
    fam.mtdna["CO"] = parse_mitotype({"range": [[16024, 16365]], "variants": ["16189C"]})
    pm = PMSample("PM", "M", {}, mtdna=parse_mitotype({"range": [[1, 576]],
                                                       "variants": ["263G"]}))
    res = lineage_lr(pm, fam, "MP", data)
    assert res.mtdna is None
    assert "mtDNA: no position read in both the PM sample and any of ['CO', 'MO']" in res.notes
    fam.mtdna.pop("CO")
    assert "mtDNA: no position read in both the PM sample and 'MO'" in \
        lineage_lr(pm, fam, "MP", data).notes
