"""mtDNA: the usual notation, comparison over the overlap, heteroplasmy, C-tracts, the LR."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.errors import InputError
from forensic_match.lineage.data import LineageData
from forensic_match.lineage.lr import mt_lr
from forensic_match.lineage.mtdna import (
    IUPAC,
    PARSONS_1997_RATE,
    MitotypeDatabase,
    MtComparison,
    compare_mitotypes,
    parse_mitotype,
    site_probabilities,
    transmission_probability,
    tree_mitotype_probability,
)

HV = [[16024, 16569], [1, 576]]


def mt(variants, ranges=None):
    return parse_mitotype({"range": ranges or HV, "variants": variants}, sample="S")


def test_usual_notation_is_read():
    m = mt(["T16189C", "73G", "315.1C", "315.2C", "249d", "523-524DEL", "152del"])
    assert m.substitutions == {16189: "C", 73: "G"}
    assert mt(["16189Y"]).substitutions == {16189: "CT"}
    assert m.insertions == {(315, 1): "C", (315, 2): "C"}
    assert sorted(m.deletions) == [152, 249, 523, 524]
    assert len(m.positions) == (16569 - 16024 + 1) + 576


@pytest.mark.parametrize(("variant", "message"), [
    ("249D", "D is also the IUPAC code"),
    ("16189Z", "is not in the usual notation"),
    ("600G", "is outside the read ranges"),
    ("8281-8289d", "is outside the read ranges"),
])
def test_bad_variants_are_refused_naming_sample_and_variant(variant, message):
    with pytest.raises(InputError, match=f"file 'x.json', sample 'PM3': variant '{variant}'.*"
                                         f"{message}"):
        parse_mitotype({"range": HV, "variants": [variant]}, sample="PM3", where="file 'x.json'")


@pytest.mark.parametrize("ranges", [[[600, 500]], [[0, 10]], [[1, 16570]], "all"])
def test_bad_ranges_are_refused(ranges):
    with pytest.raises(InputError, match="sample 'S'"):
        parse_mitotype({"range": ranges, "variants": []}, sample="S")


def test_comparison_is_over_the_overlap_only():
    a = mt(["16189C", "16311C", "73G"], [[16024, 16365], [73, 340]])
    b = mt(["16189C", "16519C", "73G", "499A"])
    c = compare_mitotypes(a, b)
    assert c.sites == (16365 - 16024 + 1) + (340 - 73 + 1)
    assert c.differences == ("16311: C/rCRS",)


def test_heteroplasmy_is_compatible_with_either_base():
    assert compare_mitotypes(mt(["16189Y"]), mt(["16189C"])).differences == ()
    assert compare_mitotypes(mt(["16189Y"]), mt([])).differences == ()
    assert compare_mitotypes(mt(["16189Y"]), mt([])).heteroplasmic == (16189,)
    assert compare_mitotypes(mt(["16189Y"]), mt(["16189R"])).differences == \
        ("16189: CT/AG",)
    assert compare_mitotypes(mt(["16189C"]), mt(["16189T"])).differences == ("16189: C/T",)


@pytest.mark.parametrize(("ref", "pm", "factor"), [
    # (reference's call at 16093, PM's call, the site's factor from same s and other o)
    ("16093C", "16093Y", lambda s, o: s + o),             # PM C/T, reference C
    ([], "16093Y", lambda s, o: s + o),                   # rCRS (T) taken to be among C/T
    ("16093Y", "16093C", lambda s, o: (s + o) / 2),       # reference C or T, PM C
    ("16093Y", [], lambda s, o: (s + o) / 2),
    ("16093Y", "16093Y", lambda s, o: s + o),             # (2 s + 2 o) / 2
    ("16093Y", "16093M", lambda s, o: (s + 3 * o) / 2),   # C/T against A/C: C shared
    ("16093Y", "16093R", lambda s, o: 2 * o),             # C/T against A/G: none shared
    ("16093C", "16093R", lambda s, o: 2 * o),
    ("16093R", "16093C", lambda s, o: o),
    ("16093Y", "16093B", lambda s, o: (2 * s + 4 * o) / 2),
    ("16093d", "16093Y", lambda s, o: 2 * o),             # a deletion is a state of its own
    ("16093C", "16093A", lambda s, o: o),                 # no heteroplasmy: as before
    ("16093C", "16093C", lambda s, o: s),
])
@pytest.mark.parametrize("meioses", [1, 3])
def test_heteroplasmy_is_a_coarsened_observation_by_hand(ref, pm, factor, meioses):
    """P(PM | reference) over 16090-16099 (10 sites, one with the calls given): the 9 others
    unchanged, times the site's factor ``(c s + (n_r n_p - c) o) / n_r`` (``docs/lineage.md``,
    section 4), in the pairwise formula and on the one-reference tree alike."""
    rng = [[16090, 16099]]
    a = mt([ref] if isinstance(ref, str) else ref, rng)
    b = mt([pm] if isinstance(pm, str) else pm, rng)
    s, o = site_probabilities(PARSONS_1997_RATE, meioses)
    want = s ** 9 * factor(s, o)
    got = transmission_probability(compare_mitotypes(a, b), meioses=meioses)
    assert got == pytest.approx(want, rel=1e-12)
    chain = ["M", *(f"a{i}" for i in range(1, meioses)), "R"]
    tree, _ = tree_mitotype_probability({**dict(zip(chain, chain[1:])), "R": None},
                                        {"M": b, "R": a}, "M")
    assert tree == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("ref", ["16093Y", "16093W", "16093K", "16093B", "16093H", "16093N",
                                 "16093C"])
def test_a_heteroplasmic_reference_gives_a_distribution_over_the_pm_base(ref):
    """Summed over what the PM sample can show at 16093 (no variant, i.e. the rCRS base T, or
    one of A, C, G), the probability given a (heteroplasmic) reference is 1: the summed
    observation keeps the numerator a distribution (the resolved one of earlier versions
    gave s for each compatible base, more than 1 in total)."""
    rng = [[16093, 16093]]
    a = mt([ref], rng)
    assert len(IUPAC[ref[-1]]) == 1 or "T" in IUPAC[ref[-1]]   # rCRS T among them (rule)
    total = sum(transmission_probability(compare_mitotypes(a, mt(v, rng)), meioses=2)
                for v in ([], ["16093A"], ["16093C"], ["16093G"]))
    assert total == pytest.approx(1.0, rel=1e-12)


def test_c_tract_length_variants_are_ignored_other_indels_count():
    a = mt(["309.1C", "315.1C", "16193.1C", "573.1C", "310d"])
    c = compare_mitotypes(a, mt(["315.1C", "315.2C"]))
    assert c.differences == ()
    assert set(c.ignored) == {"309.1C", "315.2C", "16193.1C", "573.1C", "310d"}
    c = compare_mitotypes(mt(["249d", "523-524d", "455.1T"]), mt([]))
    assert c.differences == ("249: -/rCRS", "455.1: T/-", "523: -/rCRS", "524: -/rCRS")


def test_site_probabilities_by_hand():
    same, other = site_probabilities(0.001, 1)
    assert same == pytest.approx(0.999, rel=1e-12) and other == pytest.approx(0.001 / 3)
    same, other = site_probabilities(0.001, 3)
    assert same == pytest.approx(0.25 + 0.75 * (1 - 0.004 / 3) ** 3, rel=1e-12)
    assert same + 3 * other == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("meioses", [1, 4, 9])
def test_transmission_is_a_proper_distribution_over_configurations(meioses):
    sites = 12
    total = sum(math.comb(sites, d) * 3**d
                * transmission_probability(MtComparison(sites, ("x",) * d, (), ()),
                                           meioses=meioses, rate=0.01)
                for d in range(sites + 1))
    assert total == pytest.approx(1.0, rel=1e-12)


def test_database_counts_only_entries_that_read_the_compared_region():
    db = MitotypeDatabase.from_dict({"name": "toy", "mitotypes": [
        {"range": HV, "variants": ["16189C", "73G"]},
        {"range": HV, "variants": ["16189Y", "73G", "315.1C"]},
        {"range": HV, "variants": ["73G"]},
        {"range": [[16024, 16365]], "variants": ["16189C"]},
    ]})
    pm = mt(["16189C", "73G"])
    assert db.matches(pm, pm.positions) == (2, 3)
    assert db.matches(pm, range(16024, 16366)) == (3, 4)


def test_mt_lr_by_hand_for_a_maternal_cousin():
    db = MitotypeDatabase.from_dict({"name": "toy", "mitotypes": [
        {"range": HV, "variants": ["16189C", "73G"]},
        {"range": HV, "variants": ["73G", "263G"]},
        {"range": HV, "variants": ["263G"]},
    ]})
    data = LineageData(mt_database=db)
    ref = mt(["16189C", "73G", "309.1C"])
    pm = mt(["16189C", "73G"], [[16024, 16400], [1, 400]])
    r = mt_lr(pm, ref, 4, data, reference_id="F1_AU", missing="F1_MP")
    sites = (16400 - 16024 + 1) + 400
    same, _ = site_probabilities(PARSONS_1997_RATE, 4)
    assert r.numerator == pytest.approx(same**sites, rel=1e-12)
    assert r.frequency.value == pytest.approx(2 / 4)
    assert r.lr == pytest.approx(same**sites / 0.5, rel=1e-12)
    assert r.compared == (f"{sites} sites",) and r.differences == ()
    assert "maternal line" in r.hypotheses and "'toy'" in r.hypotheses
    one_off = mt_lr(mt(["16189C", "73G", "16311C"]), ref, 4, data)
    assert one_off.differences == ("16311: rCRS/C",)
    assert 0 < one_off.lr < r.lr


# --- the database count against its definition -----------------------------------------------

_SITES = [300, 303, 305, 309, 310, 315, 320, 16185, 16189, 16190, 16200, 16210]
_RANGES = [[[290, 330], [16180, 16215]], [[300, 330], [16180, 16215]],
           [[290, 312], [16185, 16215]], [[290, 330]], [[16180, 16215]]]


@st.composite
def _mitotypes(draw: st.DrawFn) -> object:
    ranges = draw(st.sampled_from(_RANGES))
    inside = [p for p in _SITES if any(a <= p <= b for a, b in ranges)]
    variants = []
    for p in draw(st.lists(st.sampled_from(inside), unique=True, max_size=5)) if inside else []:
        kind = draw(st.sampled_from(["A", "C", "Y", "R", "d", ".1C", ".2T"]))
        variants.append(f"{p}{kind}" if not kind.startswith(".") else f"{p}{kind}")
    return parse_mitotype({"range": ranges, "variants": variants})


@given(_mitotypes(), st.lists(_mitotypes(), max_size=12), _mitotypes())
@settings(max_examples=150, deadline=None)
def test_database_count_equals_comparing_every_entry_over_the_region(pm, entries, ref):
    """``matches`` compares each entry once and restricts to the region; the definition
    compares each entry over the region (C-tracts, heteroplasmy, indels, partial reads)."""
    region = ref.positions & pm.positions
    db = MitotypeDatabase("toy", tuple(entries))
    readers = [e for e in entries if region <= e.positions]
    x = sum(compare_mitotypes(pm, e, region=region).n_differences == 0 for e in readers)
    assert db.matches(pm, region) == (x, len(readers))
    assert db.matches(pm, region) == (x, len(readers))   # from the cache
