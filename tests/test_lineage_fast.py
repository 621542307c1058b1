"""The fast lineage scores (``lineage/fast.py``, through ``LineageScores.block``) against the
plain-Python oracle ``lineage_lr``, pair by pair."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_match.cases import case_from_dict
from forensic_match.errors import InputError
from forensic_match.lineage import lineage_lr
from forensic_match.lineage.fast import LineageCache
from forensic_match.lineage.scores import LineageScores

PANEL = [{"name": "DYS391", "copies": 1, "rate": 0.0025},
         {"name": "DYS576", "copies": 1, "rate": 0.0143},
         {"name": "DYS385", "copies": 2, "rate": 0.0041}]

# paternal line GF > FA, UN > MP, BR, CO (UN's son), HB (FA's son by another woman);
# maternal line MGM > MO, AU > MP, BR, SI, MC (AU's child)
PEDIGREE = [
    {"id": "GF", "father": None, "mother": None, "sex": "M"},
    {"id": "GM", "father": None, "mother": None, "sex": "F"},
    {"id": "FA", "father": "GF", "mother": "GM", "sex": "M"},
    {"id": "UN", "father": "GF", "mother": "GM", "sex": "M"},
    {"id": "UW", "father": None, "mother": None, "sex": "F"},
    {"id": "CO", "father": "UN", "mother": "UW", "sex": "M"},
    {"id": "MGF", "father": None, "mother": None, "sex": "M"},
    {"id": "MGM", "father": None, "mother": None, "sex": "F"},
    {"id": "MO", "father": "MGF", "mother": "MGM", "sex": "F"},
    {"id": "AU", "father": "MGF", "mother": "MGM", "sex": "F"},
    {"id": "AH", "father": None, "mother": None, "sex": "M"},
    {"id": "MC", "father": "AH", "mother": "AU", "sex": "F"},
    {"id": "OW", "father": None, "mother": None, "sex": "F"},
    {"id": "HB", "father": "FA", "mother": "OW", "sex": "M"},
    {"id": "MP", "father": "FA", "mother": "MO", "sex": "M"},
    {"id": "BR", "father": "FA", "mother": "MO", "sex": "M"},
    {"id": "SI", "father": "FA", "mother": "MO", "sex": "F"},
]
Y_MEN = ["GF", "FA", "UN", "CO", "HB"]
MT_KIN = ["MGM", "MO", "AU", "MC", "GF"]      # GF: typed but on no maternal line of MP

RANGES = [[[16024, 16200]], [[16100, 16260]], [[16024, 16260]], [[16150, 16260]]]
#: (position, variant): substitutions with heteroplasmies, deletions in and outside the
#: HV1 C-tract (16184-16193), insertions in and outside it.
VARIANTS = [(16060, "16060G"), (16060, "16060R"), (16060, "16060A"), (16129, "16129A"),
            (16129, "16129d"), (16129, "16129.1C"), (16129, "16129.1T"), (16172, "16172C"),
            (16172, "16172Y"), (16172, "16172T"), (16189, "16189C"), (16189, "16189Y"),
            (16189, "16189d"), (16193, "16193.1C"), (16223, "16223T"), (16223, "16223K"),
            (16223, "16223.1A"), (16250, "16250A")]


@st.composite
def y_haplotypes(draw):
    out = {}
    for name, copies in (("DYS391", 1), ("DYS576", 1), ("DYS385", 2), ("DYS999", 1)):
        kind = draw(st.sampled_from(["absent", "normal", "normal", "normal", "null", "dup"]))
        if kind == "absent":
            continue
        if kind == "null":
            out[name] = []
            continue
        n = copies + (1 if kind == "dup" else 0)
        out[name] = [f"{draw(st.integers(10, 13))}"
                     f"{draw(st.sampled_from(['', '', '', '.2']))}" for _ in range(n)]
    return out


@st.composite
def mitotypes(draw):
    ranges = draw(st.sampled_from(RANGES))
    inside = [(p, v) for p, v in VARIANTS if any(a <= p <= b for a, b in ranges)]
    chosen = draw(st.lists(st.sampled_from(inside), max_size=5,
                           unique_by=lambda pv: (pv[0], "." in pv[1])))
    # a deletion and a substitution at one position do not go together
    seen, variants = set(), []
    for p, v in chosen:
        kind = "ins" if "." in v else "site"
        if (p, kind) not in seen:
            seen.add((p, kind))
            variants.append(v)
    return {"range": ranges, "variants": variants}


@st.composite
def programmes(draw):
    y_typed = draw(st.lists(st.sampled_from(Y_MEN), unique=True, max_size=4))
    mt_typed = draw(st.lists(st.sampled_from(MT_KIN), unique=True, max_size=4))
    pms = []
    for k in range(draw(st.integers(1, 5))):
        pm = {"id": f"PM{k}", "sex": "M", "genotypes": {}}
        if draw(st.booleans()):
            pm["ystr"] = draw(y_haplotypes())
        if draw(st.booleans()):
            pm["mtdna"] = draw(mitotypes())
        pms.append(pm)
    ydb = draw(st.lists(y_haplotypes(), min_size=1, max_size=6))
    ydb += [pm["ystr"] for pm in pms if "ystr" in pm and draw(st.booleans())]
    mtdb = draw(st.lists(mitotypes(), min_size=1, max_size=6))
    mtdb += [pm["mtdna"] for pm in pms if "mtdna" in pm and draw(st.booleans())]
    data = {
        "kind": "dvi", "id": "fast",
        "markers": [{"name": "TH01", "alleles": ["6", "7"], "frequencies": [0.5, 0.5],
                     "mutation": None}],
        "lineage": {"ystr": {"markers": PANEL,
                             "database": {"name": "y", "haplotypes": ydb}},
                    "mtdna": {"database": {"name": "mt", "mitotypes": mtdb}}},
        "pm": pms,
        "am": [{"family": "F1", "missing": ["MP", "BR", "SI"], "pedigree": PEDIGREE,
                "genotypes": {},
                "ystr": {i: draw(y_haplotypes()) for i in y_typed},
                "mtdna": {i: draw(mitotypes()) for i in mt_typed}}],
    }
    options = {"y_method": draw(st.sampled_from(["count", "count_upper", "kappa"])),
               "mt_method": draw(st.sampled_from(["count", "count_upper"])),
               "references": draw(st.sampled_from(["all", "nearest"])),
               "y_theta": draw(st.sampled_from([0.0, 0.0, 0.03])),
               "mt_theta": draw(st.sampled_from([0.0, 0.0, 0.04]))}
    return data, options


def _oracle(ds, rows, options):
    fams = {f.id: f for f in ds.am}
    return np.array([[lineage_lr(s, fams[fid], mid, ds.lineage, **options).log10_lr
                      for s in ds.pm] for fid, mid in rows])


def _assert_same(fast, slow):
    """Equal to 1e-9 in log10; both -inf together. Below 1e-300 the oracle's products are
    subnormal floats (they lose digits, then become 0): only the sign of the difference from
    there is compared."""
    assert np.array_equal(np.isinf(fast), np.isinf(slow))
    normal = np.isfinite(slow) & (slow > -300)
    np.testing.assert_allclose(fast[normal], slow[normal], rtol=0, atol=1e-9)
    assert (fast[np.isfinite(slow) & ~normal] < -290).all()


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(programmes())
def test_fast_scores_equal_the_oracle(prog):
    raw, options = prog
    ds = case_from_dict(raw)
    rows = [("F1", m) for m in ("MP", "BR", "SI")]
    try:
        slow = _oracle(ds, rows, options)
    except InputError:
        with pytest.raises(InputError):
            LineageScores(rows, ds.am, ds.pm, ds.lineage, **options).block(np.arange(3))
        return
    fast = LineageScores(rows, ds.am, ds.pm, ds.lineage, **options).block(np.arange(3))
    _assert_same(fast, slow)


def test_fast_scores_by_hand_shapes():
    """Pinned cases: a PM sample that matches the uncle (Y) and the aunt (mtDNA) exactly, one
    with a heteroplasmy against the aunt's base, one with a C-tract length variant only."""
    hv = [[16024, 16260]]
    data = {
        "kind": "dvi", "id": "fast",
        "markers": [{"name": "TH01", "alleles": ["6", "7"], "frequencies": [0.5, 0.5],
                     "mutation": None}],
        "lineage": {"ystr": {"markers": PANEL, "database": {"name": "y", "haplotypes": [
            {"DYS391": ["10"], "DYS576": ["18"], "DYS385": ["11", "14"]},
            {"DYS391": ["11"], "DYS576": ["18"], "DYS385": ["11", "14"]}]}},
            "mtdna": {"database": {"name": "mt", "mitotypes": [
                {"range": hv, "variants": ["16223T"]}, {"range": hv, "variants": []}]}}},
        "pm": [{"id": "A", "sex": "M", "genotypes": {},
                "ystr": {"DYS391": ["10"], "DYS576": ["18"], "DYS385": ["14", "11"]},
                "mtdna": {"range": hv, "variants": ["16223T"]}},
               {"id": "B", "sex": "M", "genotypes": {},
                "mtdna": {"range": hv, "variants": ["16223Y"]}},
               {"id": "C", "sex": "M", "genotypes": {},
                "mtdna": {"range": hv, "variants": ["16223T", "16193.1C"]}}],
        "am": [{"family": "F1", "missing": ["MP"], "pedigree": PEDIGREE, "genotypes": {},
                "ystr": {"UN": {"DYS391": ["10"], "DYS576": ["18"], "DYS385": ["11", "14"]}},
                "mtdna": {"AU": {"range": hv, "variants": ["16223T"]}}}],
    }
    ds = case_from_dict(data)
    fast = LineageScores([("F1", "MP")], ds.am, ds.pm, ds.lineage).block(np.array([0]))
    slow = _oracle(ds, [("F1", "MP")], {})
    _assert_same(fast, slow)
    # the C-tract insertion is ignored: C scores as A's mtDNA line alone
    mt_of_a = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage).mtdna.log10_lr
    assert fast[0, 2] == pytest.approx(mt_of_a, abs=1e-12)
    assert fast[0, 1] < mt_of_a       # the heteroplasmy counts against, a little


def test_cache_is_shared_and_kin_weights_follow_the_results():
    """A second score object on the same cache reads the rows scored by the first; the kinsmen's
    weights are, per body, the sum over families of 10^(best log10 LR with a line compared)."""
    raw = {
        "kind": "dvi", "id": "fast",
        "markers": [{"name": "TH01", "alleles": ["6", "7"], "frequencies": [0.5, 0.5],
                     "mutation": None}],
        "lineage": {"ystr": {"markers": PANEL, "database": {"name": "y", "haplotypes": [
            {"DYS391": ["10"], "DYS576": ["18"], "DYS385": ["11", "14"]},
            {"DYS391": ["11"], "DYS576": ["17"], "DYS385": ["12", "14"]}]}}},
        "pm": [{"id": "A", "sex": "M", "genotypes": {},
                "ystr": {"DYS391": ["10"], "DYS576": ["18"], "DYS385": ["14", "11"]}},
               {"id": "B", "sex": "M", "genotypes": {},
                "ystr": {"DYS391": ["11"], "DYS576": ["17"], "DYS385": ["12", "14"]}},
               {"id": "C", "sex": "M", "genotypes": {}}],
        "am": [{"family": "F1", "missing": ["MP", "BR"], "pedigree": PEDIGREE, "genotypes": {},
                "ystr": {"UN": {"DYS391": ["10"], "DYS576": ["18"], "DYS385": ["11", "14"]}}},
               {"family": "F2", "missing": ["MP"], "pedigree": PEDIGREE, "genotypes": {},
                "ystr": {"CO": {"DYS391": ["11"], "DYS576": ["17"], "DYS385": ["12", "14"]}}}],
    }
    ds = case_from_dict(raw)
    rows = [("F1", "MP"), ("F1", "BR"), ("F2", "MP")]
    cache = LineageCache()
    first = LineageScores(rows, ds.am, ds.pm, ds.lineage, cache=cache).block(np.arange(3))
    later = LineageScores(rows, ds.am, ds.pm[::-1], ds.lineage, cache=cache)
    later._scorer = object()     # a row computed again would fail here
    np.testing.assert_array_equal(later.block(np.arange(3)), first[:, ::-1])
    slow = _oracle(ds, rows, {})
    _assert_same(first, slow)
    fams = {f.id: f for f in ds.am}
    expected = {}
    for s in ds.pm:
        best = {}
        for fid, mid in rows:
            res = lineage_lr(s, fams[fid], mid, ds.lineage)
            if res.y is not None or res.mtdna is not None:
                best[fid] = max(best.get(fid, -math.inf), res.log10_lr)
        expected[s.id] = sum(10.0 ** min(v, 308.0) for v in best.values())
    got = cache.kin_weights(["A", "B", "C"])
    assert got == pytest.approx([expected[i] for i in "ABC"], rel=1e-9)
    assert got[2] == 0.0


def test_disclap_and_simulated_programme_equal_the_oracle():
    """A simulated programme of every shape (several references on a line, villages), with
    discrete Laplace and count frequencies."""
    from benchmarks.cases import markers as bench_markers
    from benchmarks.lineage_power import _mt_population, _y_population
    from forensic_match.dvi.simulate import simulate_programme
    from forensic_match.lineage.simulate import add_lineage

    rng = np.random.default_rng(3)
    prog = simulate_programme(24, 20, markers=bench_markers("equal")[:3], seed=3,
                              missing_per_family=(1, 2), unrelated=0.2)
    add_lineage(prog, population=_y_population(rng), mitotypes=_mt_population(rng, 200),
                seed=rng, database_size=300, villages=4, lineages=3, generations=5)
    ds = prog.dataset
    ds.lineage.fit_disclap(3)
    rows = [(f.id, m) for f in ds.am for m in f.missing]
    for options in ({}, {"y_method": "disclap"}, {"y_theta": 0.05},
                    {"y_method": "disclap", "y_theta": 0.05}, {"mt_theta": 0.05},
                    {"mt_theta": 0.05, "references": "nearest"}):
        fast = LineageScores(rows, ds.am, ds.pm, ds.lineage, **options).block(
            np.arange(len(rows)))
        _assert_same(fast, _oracle(ds, rows, options))


def test_several_y_references_enter_jointly():
    """The missing man's grandfather and his half brother (through the father) on the Y line:
    the half brother tells about the father's haplotype, so the tree likelihood differs from
    the grandfather's alone, and the fast path gives the oracle's."""
    def hap(a, b, c):
        return {"DYS391": [a], "DYS576": [b], "DYS385": c}

    raw = {"kind": "dvi", "id": "fast",
           "markers": [{"name": "TH01", "alleles": ["6", "7"], "frequencies": [0.5, 0.5],
                        "mutation": None}],
           "lineage": {"ystr": {"markers": PANEL, "database": {"name": "y", "haplotypes": [
               hap("10", "11", ["11", "12"])]}}},
           "pm": [{"id": "A", "sex": "M", "genotypes": {},
                   "ystr": hap("11", "12", ["11", "12"])}],
           "am": [{"family": "F1", "missing": ["MP"], "pedigree": PEDIGREE, "genotypes": {},
                   "ystr": {"GF": hap("10", "11", ["11", "12"]),
                            "HB": hap("11", "12", ["11", "12"])}}]}
    ds = case_from_dict(raw)
    joint = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage)
    alone = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage, references="nearest")
    assert joint.y.joint and joint.y.log10_lr > alone.y.log10_lr + 3
    for options in ({}, {"references": "nearest"}, {"y_theta": 0.1}):
        fast = LineageScores([("F1", "MP")], ds.am, ds.pm, ds.lineage, **options).block(
            np.array([0]))
        _assert_same(fast, _oracle(ds, [("F1", "MP")], options))
