"""Y-STR haplotypes: reading, the step-mutation model over k meioses, frequencies, the Y LR."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.errors import InputError
from forensic_match.lineage.data import LineageData, YDatabase
from forensic_match.lineage.frequency import (
    brenner_kappa,
    clopper_pearson_upper,
    count_frequency,
)
from forensic_match.lineage.lr import y_lr
from forensic_match.lineage.ystr import (
    BALLANTYNE_2010_RATES,
    MULTISTEP_FRACTION,
    YMarker,
    compare_haplotypes,
    locus_probability,
    parse_haplotype,
    step_distribution,
    y_markers,
)

# --- reading -----------------------------------------------------------------------------------


def test_haplotype_merges_copy_rows_keeps_nulls_and_partial_repeats():
    h = parse_haplotype({"DYS385a": ["14"], "DYS385 b": "11", "DYS391": [10.0],
                         "DYS448": [], "DYS458": ["17.2"], "DYF387S1a/b": ["37", "35"]},
                        sample="PM1")
    assert h == {"DYS385": ("11", "14"), "DYS391": ("10",), "DYS448": (),
                 "DYS458": ("17.2",), "DYF387S1": ("35", "37")}


@pytest.mark.parametrize("bad", ["OL", "10,2", "x", "10.25"])
def test_unreadable_allele_is_refused_naming_sample_and_locus(bad):
    with pytest.raises(InputError, match=f"file 'a.json', sample 'PM7': locus 'DYS576': "
                                         f"allele '{bad}' is not a repeat number"):
        parse_haplotype({"DYS576": [bad]}, sample="PM7", where="file 'a.json'")


def test_marker_rates_come_from_the_data_or_the_cited_table_never_zero_by_default():
    ms = y_markers([{"name": "DYS391"}, {"name": "DYS385a/b", "copies": 2, "rate": 0.0041}])
    assert ms[0].rate == BALLANTYNE_2010_RATES["DYS391"] == 0.00323
    assert (ms[1].key, ms[1].copies, ms[1].rate) == ("DYS385", 2, 0.0041)
    with pytest.raises(InputError, match="marker 'DYS576' has no 'rate' and none is tabulated"):
        y_markers([{"name": "DYS576"}])
    with pytest.raises(InputError, match="marker 'DYS 19' listed twice"):
        y_markers([{"name": "DYS19"}, {"name": "DYS 19"}])


# --- the step model ----------------------------------------------------------------------------


def test_step_distribution_two_meioses_by_hand():
    mu, w = 0.01, 0.1
    d = step_distribution(mu, 2, multistep=w)
    one, two, stay = mu * (1 - w) / 2, mu * w / 2, 1 - mu
    # d = 0: stay twice, or +1 -1 either order, or +2 -2 either order
    assert d[4] == pytest.approx(stay**2 + 2 * one**2 + 2 * two**2, rel=1e-12)
    # d = +1: stay and +1 either order, or +2 then -1 either order
    assert d[5] == pytest.approx(2 * stay * one + 2 * two * one, rel=1e-12)
    assert d[8] == pytest.approx(two**2, rel=1e-12)
    assert d.sum() == pytest.approx(1.0, rel=1e-12)


def test_single_copy_one_step_over_two_meioses_by_hand():
    mu, w = 0.0074, MULTISTEP_FRACTION
    p = locus_probability(["14"], ["15"], rate=mu, copies=1, meioses=2)
    assert p == pytest.approx((1 - mu) * mu * (1 - w) + mu**2 * w * (1 - w) / 2, rel=1e-12)
    assert p > 0  # never an automatic exclusion on one step


def test_partial_repeat_parts_do_not_mutate_into_each_other():
    assert locus_probability(["17.2"], ["18.2"], rate=0.01, copies=1, meioses=1) > 0
    assert locus_probability(["17.2"], ["17"], rate=0.01, copies=1, meioses=1) == 0.0


def test_two_copy_locus_is_an_unordered_multiset_by_hand():
    mu, w = 0.004, MULTISTEP_FRACTION
    c = mu / 2
    q0, q1 = 1 - c, c * (1 - w) / 2
    assert locus_probability(["11", "14"], ["11", "15"], rate=mu, copies=2, meioses=1) == \
        pytest.approx(q0 * q1, rel=1e-12)
    # a homozygous reference: either copy may have moved
    assert locus_probability(["11", "11"], ["11", "12"], rate=mu, copies=2, meioses=1) == \
        pytest.approx(2 * q0 * q1, rel=1e-12)
    assert locus_probability(["11", "14"], ["11", "14"], rate=mu, copies=2, meioses=1) == \
        pytest.approx(q0 * q0 + q1 * 0, rel=1e-12)
    assert locus_probability([], [], rate=mu, copies=1, meioses=3) == 1.0


@settings(deadline=None, max_examples=60)
@given(ref=st.lists(st.sampled_from(["10", "11", "12", "13.2"]), min_size=1, max_size=2),
       rate=st.floats(0.0, 0.2), meioses=st.integers(0, 4), w=st.floats(0.0, 0.5))
def test_locus_probabilities_sum_to_one_over_all_pm_multisets(ref, rate, meioses, w):
    """The numerator is a proper distribution over PM observations: under H2 with the true
    population frequencies, E[LR] is exactly 1."""
    window: set[str] = set()
    for a in ref:
        whole, _, part = a.partition(".")
        for d in range(-2 * meioses, 2 * meioses + 1):
            window.add(f"{int(whole) + d}" + (f".{part}" if part else ""))
    total = 0.0
    for pm in itertools.combinations_with_replacement(sorted(window), len(ref)):
        total += locus_probability(sorted(ref), list(pm), rate=rate, copies=len(ref),
                                   meioses=meioses, multistep=w)
    assert total == pytest.approx(1.0, rel=1e-12)


def test_comparison_sets_aside_nulls_duplications_and_loci_without_a_rate():
    panel = [YMarker("DYS391", 1, 0.003), YMarker("DYS448", 1, 0.0004),
             YMarker("DYS19", 1, 0.004), YMarker("DYS385", 2, 0.004)]
    ref = {"DYS391": ("10",), "DYS448": (), "DYS19": ("14",), "DYS385": ("11", "14"),
           "DYS999": ("5",)}
    pm = {"DYS391": ("11",), "DYS448": ("19",), "DYS19": ("14", "15"), "DYS385": ("14", "11"),
          "DYS999": ("5",)}
    c = compare_haplotypes(ref, pm, panel, meioses=3)
    assert c.loci == ("DYS385", "DYS391")
    assert set(c.set_aside) == {"DYS448", "DYS19", "DYS999"}
    assert "copy numbers differ (0 against 1" in c.set_aside["DYS448"]
    assert "no mutation rate" in c.set_aside["DYS999"]
    assert c.differences == {"DYS391": (("10",), ("11",))}
    dist_1 = step_distribution(0.003, 3)
    dist_2 = step_distribution(0.002, 3)
    assert c.probability == pytest.approx(dist_1[7] * dist_2[6] ** 2, rel=1e-12)


# --- frequencies -------------------------------------------------------------------------------


def test_counting_bound_and_kappa_by_hand():
    db = ["A"] * 3 + ["B"] * 2 + ["C", "D", "E"]          # N = 8, singletons C, D, E
    assert count_frequency("A", db).value == pytest.approx(4 / 9)
    assert count_frequency("Z", db).value == pytest.approx(1 / 9)
    assert brenner_kappa([3, 2, 1, 1, 1]) == pytest.approx(3 / 8)
    # a new type: kappa of the database with it added = 4/9; (1 - 4/9) / 9
    assert count_frequency("Z", db, method="kappa").value == pytest.approx((5 / 9) / 9)
    assert count_frequency("A", db, method="kappa").value == pytest.approx(4 / 9)
    with pytest.raises(InputError, match="kappa is 1 for database 'all singletons'"):
        count_frequency("Z", ["a", "b", "c"], method="kappa", name="all singletons")
    up = count_frequency("Z", db, method="count_upper")
    assert up.value == pytest.approx(1 - 0.05 ** (1 / 8), rel=1e-12)
    assert "Clopper-Pearson" in up.description and up.count == 0 and up.size == 8


@pytest.mark.parametrize(("x", "n"), [(1, 10), (3, 50), (7, 7), (0, 1000)])
def test_clopper_pearson_upper_is_where_the_binomial_tail_is_five_percent(x, n):
    from scipy.stats import binom

    u = clopper_pearson_upper(x, n)
    if x == n:
        assert u == 1.0
    else:
        assert binom.cdf(x, n, u) == pytest.approx(0.05, rel=1e-9)


# --- the Y LR ----------------------------------------------------------------------------------


def _data() -> LineageData:
    panel = (YMarker("DYS391", 1, 0.003), YMarker("DYS576", 1, 0.014),
             YMarker("DYS385", 2, 0.004))
    db = YDatabase("toy", (
        {"DYS391": ("10",), "DYS576": ("18",), "DYS385": ("11", "14")},
        {"DYS391": ("10",), "DYS576": ("18",), "DYS385": ("11", "14")},
        {"DYS391": ("11",), "DYS576": ("17",), "DYS385": ("13", "14")},
        {"DYS391": ("10",), "DYS576": ("19",)},
    ))
    return LineageData(panel, db)


def test_y_lr_full_match_with_a_cousin_by_hand():
    ref = {"DYS391": ("10",), "DYS576": ("18",), "DYS385": ("11", "14")}
    r = y_lr(ref, ref, 4, _data(), reference_id="F1_CO", missing="F1_MP")
    c = 0.004 / 2
    q0_385 = step_distribution(c, 4)[8]
    num = step_distribution(0.003, 4)[8] * step_distribution(0.014, 4)[8] * q0_385**2
    assert r.numerator == pytest.approx(num, rel=1e-12)
    assert r.frequency.value == pytest.approx(3 / 4)          # x = 2 of N = 3 typed at all
    assert r.lr == pytest.approx(num / 0.75, rel=1e-12)
    assert "database 'toy'" in r.hypotheses and "4 meioses from F1_CO" in r.hypotheses


def test_y_lr_one_step_at_a_fast_locus_lowers_but_does_not_exclude():
    ref = {"DYS391": ("10",), "DYS576": ("18",)}
    pm = {"DYS391": ("10",), "DYS576": ("19",)}
    r = y_lr(pm, ref, 3, _data())
    assert 0 < r.lr < y_lr(ref, ref, 3, _data()).lr
    assert r.differences == ("DYS576: 18 -> 19",)
    assert r.frequency.count == 1 and r.frequency.size == 4
    assert math.isfinite(r.log10_lr)


def test_y_lr_needs_a_panel_and_a_database():
    with pytest.raises(InputError, match="no Y-STR panel"):
        y_lr({}, {}, 1, LineageData())
    with pytest.raises(InputError, match="fit the model first"):
        y_lr({"DYS391": ("10",)}, {"DYS391": ("10",)}, 1, _data(), method="disclap")


def test_y_lr_disclap_uses_only_the_loci_the_model_describes():
    data = _data()
    fit = data.fit_disclap(1)
    assert fit.loci == ("DYS391", "DYS576")
    ref = {"DYS391": ("10",), "DYS576": ("18",), "DYS385": ("11", "14")}
    r = y_lr(ref, ref, 1, data, method="disclap")
    assert r.compared == ("DYS391", "DYS576")
    assert "DYS385" in r.set_aside
    expected = max(fit.probability(np.array([[10, 18]]))[0], 1 / (4 + 1))
    assert r.frequency.value == pytest.approx(expected, rel=1e-12)
    assert r.frequency.method == "disclap"


def _clustered(n: int, seed: int, loci: int = 6) -> LineageData:
    """A database of ``n`` men drawn near one haplotype (repeats 12-14 at ``loci`` loci)."""
    rng = np.random.default_rng(seed)
    panel = tuple(YMarker(f"DYS{i}", 1, 0.004) for i in range(loci))
    rows = 13 + rng.integers(-1, 2, size=(n, loci)) * (rng.random((n, loci)) < 0.3)
    db = YDatabase("near", tuple({f"DYS{i}": (str(v),) for i, v in enumerate(r)}
                                 for r in rows.tolist()))
    return LineageData(panel, db)


def test_y_lr_disclap_frequency_is_floored_at_what_counting_gives_an_unseen_haplotype():
    """A haplotype far from every cluster gets a model frequency far below 1/(N+1) (the thin
    tails that placed an unrelated village man in a family, ``docs/lineage.md`` section 3);
    the frequency used is 1/(N+1), said so in the text, and the LR is then counting's."""
    data = _clustered(200, 1)
    fit = data.fit_disclap(1)
    far = {f"DYS{i}": ("20",) for i in range(6)}
    near = {**far, "DYS0": ("21",)}
    model = fit.probability(np.array([[20] * 6]))[0]
    assert model < 1e-12
    r = y_lr(far, near, 2, data, method="disclap")
    assert r.frequency.value == pytest.approx(1 / 201, rel=1e-12)
    assert "floored" in r.frequency.description and f"{model:.4g}" in r.frequency.description
    counted = y_lr(far, near, 2, data, method="count")
    assert r.lr == pytest.approx(counted.lr, rel=1e-12)
    centre = {f"DYS{i}": ("13",) for i in range(6)}
    inside = y_lr(centre, centre, 2, data, method="disclap")
    assert inside.frequency.value == pytest.approx(fit.probability(np.array([[13] * 6]))[0],
                                                   rel=1e-12)
    assert inside.frequency.value > 1 / 201 and "floored" not in inside.frequency.description


@settings(deadline=None, max_examples=40)
@given(st.integers(5, 60), st.integers(0, 2**32 - 1),
       st.lists(st.integers(5, 25), min_size=6, max_size=6))
def test_disclap_frequency_is_never_below_an_unseen_count(n, seed, haplotype):
    """Whatever the database and the haplotype, the frequency is the model's where that is
    at least 1/(N+1), and 1/(N+1) elsewhere: a discrete Laplace LR never exceeds what
    counting would give the same haplotype were it unseen."""
    data = _clustered(n, seed)
    fit = data.fit_disclap(1)
    loci = fit.loci
    rows = np.array([haplotype])
    got = data.disclap_frequency(rows, loci)[0]
    model = fit.probability(rows, loci)[0]
    assert got >= 1 / (n + 1)
    assert got == (model if model >= 1 / (n + 1) else 1 / (n + 1))


# --- several references on one line: the tree likelihood ---------------------------------------


def _brute_tree(parent, observed, target, rate, copies, w):
    """Oracle: sum over every value of every unobserved node (window wide enough) and every
    physical ordering of every observed multiset, flat root prior; ratio with and without the
    target."""
    from forensic_match.lineage.ystr import split_allele

    edges = sum(1 for p in parent.values() if p is not None)
    c = rate / copies
    q1 = {0: 1 - c, 1: c * (1 - w) / 2, -1: c * (1 - w) / 2, 2: c * w / 2, -2: c * w / 2}
    nodes = sorted(parent)

    def joint(obs):
        whole = [split_allele(a)[0] for v in obs.values() for a in v]
        window = range(min(whole) - 2 * edges - 2, max(whole) + 2 * edges + 3)
        total = 0.0
        orderings = [sorted(set(itertools.permutations(obs[n]))) for n in sorted(obs)]
        for combo in itertools.product(*orderings):
            assigned = dict(zip(sorted(obs), combo))
            term = 1.0
            for i in range(copies):
                if len({split_allele(assigned[n][i])[1] for n in assigned}) > 1:
                    term = 0.0
                    break
                fixed = {n: split_allele(assigned[n][i])[0] for n in assigned}
                free = [n for n in nodes if n not in fixed]
                s = 0.0
                for vals in itertools.product(window, repeat=len(free)):
                    val = fixed | dict(zip(free, vals))
                    s += math.prod(q1.get(val[n] - val[p], 0.0)
                                   for n, p in parent.items() if p is not None)
                term *= s
            total += term
        return total

    rest = {n: v for n, v in observed.items() if n != target}
    return joint(observed) / joint(rest)


COUSIN_TREE = {"GF": None, "FA": "GF", "UN": "GF", "MP": "FA", "CO": "UN"}


def test_tree_with_one_reference_is_the_pairwise_formula():
    from forensic_match.lineage.ystr import tree_locus_probability

    for pm, ref in ((["14"], ["15"]), (["14"], ["14"]), (["11", "14"], ["11", "15"]),
                    (["17.2"], ["18.2"])):
        got = tree_locus_probability(COUSIN_TREE, {"MP": pm, "CO": ref}, "MP", rate=0.01,
                                     copies=len(pm))
        want = locus_probability(ref, pm, rate=0.01, copies=len(pm), meioses=4)
        assert got == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize(("observed", "copies"), [
    ({"MP": ["14"], "UN": ["15"], "CO": ["15"]}, 1),
    ({"MP": ["14"], "UN": ["14"], "CO": ["16"]}, 1),
    ({"MP": ["14"], "FA": ["14"], "CO": ["13"]}, 1),
    ({"MP": ["11", "14"], "UN": ["11", "15"], "CO": ["12", "15"]}, 2),
    ({"MP": ["12", "12"], "UN": ["12", "13"], "CO": ["12", "13"]}, 2),
])
def test_tree_likelihood_agrees_with_brute_force(observed, copies):
    from forensic_match.lineage.ystr import tree_locus_probability

    for rate, w in ((0.05, 0.1), (0.2, MULTISTEP_FRACTION)):
        got = tree_locus_probability(COUSIN_TREE, observed, "MP", rate=rate, copies=copies,
                                     multistep=w)
        want = _brute_tree(COUSIN_TREE, observed, "MP", rate, copies, w)
        assert got == pytest.approx(want, rel=1e-9)


def test_a_second_reference_that_agrees_strengthens_one_that_disagrees_weakens():
    from forensic_match.lineage.ystr import tree_locus_probability

    one = tree_locus_probability(COUSIN_TREE, {"MP": ["14"], "CO": ["14"]}, "MP",
                                 rate=0.01, copies=1)
    agree = tree_locus_probability(COUSIN_TREE, {"MP": ["14"], "CO": ["14"], "UN": ["14"]},
                                   "MP", rate=0.01, copies=1)
    disagree = tree_locus_probability(COUSIN_TREE, {"MP": ["14"], "CO": ["14"], "UN": ["15"]},
                                      "MP", rate=0.01, copies=1)
    assert disagree < one < agree


def test_a_database_built_in_code_refuses_labels_that_are_not_repeat_numbers():
    """Haplotypes given to ``YDatabase`` directly (not through the readers) are checked too:
    a simulated "-1" once stopped a discrete Laplace fit with a bare ValueError."""
    good = {"DYS391": ("10",), "DYS576": ("18",)}
    with pytest.raises(InputError, match=r"'sim', haplotype 2, locus 'DYS576': allele '-1'"):
        YDatabase("sim", (good, {"DYS391": ("10",), "DYS576": ("-1",)}))
    with pytest.raises(InputError, match="haplotype 1, locus 'DYS391'"):
        YDatabase("sim", ({"DYS391": (10,)},))
    assert YDatabase("sim", (good, {"DYS391": ("10.2",)})).counts(["DYS391"])[1] == 2


@pytest.mark.parametrize("rows", [
    {"DYS385": ["11", "14"], "DYS385a": ["11"]},
    {"DYS385a/b": ["11", "14"], "DYS385b": ["14"]},
    {"DYS385a": ["11"], "DYS385 A": ["12"]},
    {"DYS19": ["14"], "DYS 19": ["14"]},
])
def test_one_locus_written_two_ways_is_refused(rows):
    """Rows that fold to one locus are merged only when they are its separate copies
    (``DYS385a``, ``DYS385b``). Before, ``DYS385`` beside ``DYS385a`` made three copies and
    ``DYS19`` beside ``DYS 19`` two: a duplication, set aside from every comparison without a
    word."""
    with pytest.raises(InputError, match="is given by the rows"):
        parse_haplotype(rows, sample="S1", where="file y.csv")
    assert parse_haplotype({"DYS385a": ["11"], "DYS385b": ["14"]}) == {"DYS385": ("11", "14")}
