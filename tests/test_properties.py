"""Properties of the exact likelihood that hold for every pedigree, marker and profile.

See DESIGN.md, "Correctness": LR = 1 for identical hypotheses, untyped founders and relatives
change nothing, lumping is exact where claimed, zero mutation rate is Mendelian, labels and
orders change nothing.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import LUMPABLE_MODELS, THETAS, Case, cases

from forensic_match.kinship import kinship_lr
from forensic_match.likelihood import genotype_posterior, pedigree_likelihood
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import Pedigree

REL = 1e-12
THETA_REL = 1e-9

_settings = settings(deadline=None, max_examples=150,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                            HealthCheck.data_too_large])

#: theta = 0 half of the time, else in [1e-8, 0.3).
_thetas = st.one_of(st.just(0.0), THETAS)

# Bigger markers than the oracle allows: these tests only call the engine.
_cases = cases(mutation=True, dropout=True, max_markers=3, max_alleles=7,
               sized_for_oracle=False)


def _likelihood(case: Case, *, pedigree: Pedigree | None = None, markers=None,  # noqa: ANN001
                profiles=None, observation=None, theta: float = 0.0,  # noqa: ANN001
                lump: bool = True) -> np.ndarray:
    return pedigree_likelihood(pedigree or case.pedigree, markers or case.markers,
                               case.profiles if profiles is None else profiles, theta=theta,
                               observation=case.observation if observation is None
                               else observation, lump=lump)


def assert_allclose(got: np.ndarray, want: np.ndarray, rel: float) -> None:
    assert got.shape == want.shape
    for g, w in zip(got, want):
        assert math.isclose(g, w, rel_tol=rel, abs_tol=1e-300), f"{got} != {want}"


# --- kinship LR --------------------------------------------------------------------------------

@_settings
@given(_cases, _thetas, st.data())
def test_lr_is_one_for_identical_hypotheses(case: Case, theta: float,
                                            data: st.DataObject) -> None:
    """H1 == H2 (the same object, or the same pedigree listed in another order): LR = 1."""
    lik = _likelihood(case, theta=theta)
    assume(np.all(lik > 0))
    order = data.draw(st.permutations(case.pedigree.records()))
    for h2 in (case.pedigree, Pedigree.from_records(order)):
        res = kinship_lr(case.pedigree, h2, case.markers, case.profiles, theta=theta,
                         observation=case.observation)
        assert_allclose(res.likelihood_h1, lik, REL)
        np.testing.assert_allclose(res.log10_lr_per_marker, 0.0, rtol=0, atol=1e-12)
        assert math.isclose(res.lr_total, 1.0, rel_tol=1e-11)


# --- untyped individuals -----------------------------------------------------------------------

@st.composite
def untyped_additions(draw, records):  # noqa: ANN001, ANN201
    """1-3 new untyped people: founders, children of existing couples, or a new partner and a
    child with an existing person (and, in turn, their descendants)."""
    people = [(r[0], r[3]) for r in records]
    added = []
    for k in range(draw(st.integers(1, 3))):
        males = [i for i, s in people if s == "M"]
        females = [i for i, s in people if s == "F"]
        kind = draw(st.sampled_from(["founder", "child", "partner_child"]))
        new = f"new{k}"
        if kind == "child" and males and females:
            rec = (new, draw(st.sampled_from(males)), draw(st.sampled_from(females)),
                   draw(st.sampled_from(["M", "F", "U"])))
            added.append(rec)
        elif kind == "partner_child" and (males or females):
            parent, sex = draw(st.sampled_from([p for p in people if p[1] in "MF"]))
            partner = (f"{new}_partner", None, None, "F" if sex == "M" else "M")
            fa, mo = (parent, partner[0]) if sex == "M" else (partner[0], parent)
            added.append(partner)
            people.append((partner[0], partner[3]))
            rec = (new, fa, mo, draw(st.sampled_from(["M", "F", "U"])))
            added.append(rec)
        else:
            rec = (new, None, None, draw(st.sampled_from(["M", "F"])))
            added.append(rec)
        people.append((rec[0], rec[3]))
    return added


@_settings
@given(_cases, _thetas, st.data())
def test_untyped_relatives_change_nothing(case: Case, theta: float,
                                          data: st.DataObject) -> None:
    """Untyped founders and untyped relatives without typed descendants sum out to 1 (with
    theta too: the Balding-Nichols urn is consistent under marginalisation)."""
    extra = data.draw(untyped_additions(case.records))
    bigger = Pedigree.from_records(case.pedigree.records() + extra)
    rel = REL if theta == 0.0 else THETA_REL
    assert_allclose(_likelihood(case, pedigree=bigger, theta=theta),
                    _likelihood(case, theta=theta), rel)
    assert_allclose(_likelihood(case, pedigree=bigger, theta=theta, lump=False),
                    _likelihood(case, theta=theta), rel)


# --- lumping and mutation ----------------------------------------------------------------------

@_settings
@given(cases(mutation=st.sampled_from([False, LUMPABLE_MODELS]), dropout=True,
             max_markers=3, max_alleles=7, sized_for_oracle=False), _thetas)
def test_lumping_is_exact(case: Case, theta: float) -> None:
    """No mutation, equal and proportional models: merging unseen alleles changes nothing."""
    rel = REL if theta == 0.0 else THETA_REL
    assert_allclose(_likelihood(case, theta=theta, lump=True),
                    _likelihood(case, theta=theta, lump=False), rel)


def _zero_rate(marker: Marker, model: str) -> Marker:
    return marker.with_mutation(Mutation(female=MutationModel(model, rate=0.0),
                                         male=MutationModel(model, rate=0.0)))


@_settings
@given(cases(mutation=False, dropout=True, max_markers=3, max_alleles=7,
             sized_for_oracle=False),
       st.sampled_from(["equal", "proportional", "stepwise", "onestep"]), st.booleans())
def test_zero_mutation_rate_is_mendelian(case: Case, model: str, lump: bool) -> None:
    mendelian = _likelihood(case, lump=lump)
    zero = _likelihood(case, markers=[_zero_rate(m, model) for m in case.markers], lump=lump)
    assert_allclose(zero, mendelian, REL)


# --- labels and orders -------------------------------------------------------------------------

@_settings
@given(_cases, _thetas, st.data())
def test_relabelling_and_reordering_change_nothing(case: Case, theta: float,
                                                   data: st.DataObject) -> None:
    """New ids and another order of the records: same likelihoods and posteriors."""
    ids = list(case.pedigree.ids)
    new_names = data.draw(st.permutations([f"p{k}" for k in range(len(ids))]))
    name = dict(zip(ids, new_names))
    order = data.draw(st.permutations(case.pedigree.records()))
    renamed = Pedigree.from_records(
        [(name[i], name.get(f) if f else None, name.get(m) if m else None, s)
         for i, f, m, s in order])
    profiles = {name[i]: prof for i, prof in case.profiles.items()}
    observation = {name[i]: obs for i, obs in case.observation.items()}
    rel = REL if theta == 0.0 else THETA_REL
    base = _likelihood(case, theta=theta)
    assert_allclose(_likelihood(case, pedigree=renamed, profiles=profiles,
                                observation=observation, theta=theta), base, rel)
    assume(np.all(base > 0))
    target = data.draw(st.sampled_from(ids))
    want = genotype_posterior(case.pedigree, case.markers, case.profiles, target, theta=theta,
                              observation=case.observation)
    got = genotype_posterior(renamed, case.markers, profiles, name[target], theta=theta,
                             observation=observation)
    for g, w in zip(got, want):
        assert g.alleles == w.alleles
        np.testing.assert_allclose(g.matrix, w.matrix, rtol=rel, atol=1e-15)


@_settings
@given(_cases, _thetas, st.data())
def test_reordering_markers_permutes_results(case: Case, theta: float,
                                             data: st.DataObject) -> None:
    perm = data.draw(st.permutations(range(len(case.markers))))
    base = _likelihood(case, theta=theta)
    got = _likelihood(case, markers=[case.markers[i] for i in perm], theta=theta)
    assert_allclose(got, base[list(perm)], REL if theta == 0.0 else THETA_REL)


# --- ranges ------------------------------------------------------------------------------------

@_settings
@given(_cases, _thetas, st.booleans(), st.data())
def test_posterior_sums_to_one(case: Case, theta: float, lump: bool,
                               data: st.DataObject) -> None:
    """Typed or untyped target; its normalising constant is the pedigree likelihood."""
    lik = _likelihood(case, theta=theta)
    assume(np.all(lik > 0))
    target = data.draw(st.sampled_from(list(case.pedigree.ids)))
    posts = genotype_posterior(case.pedigree, case.markers, case.profiles, target, theta=theta,
                               observation=case.observation, lump=lump)
    rel = REL if theta == 0.0 else THETA_REL
    for post, value in zip(posts, lik):
        assert math.isclose(post.likelihood, value, rel_tol=rel)
        assert post.matrix.shape == (len(post.alleles), len(post.alleles))
        assert np.all(post.matrix >= 0.0)
        assert math.isclose(post.matrix.sum(), 1.0, rel_tol=0, abs_tol=1e-12)


@_settings
@given(_cases, _thetas, st.booleans())
def test_likelihood_is_a_probability(case: Case, theta: float, lump: bool) -> None:
    lik = _likelihood(case, theta=theta, lump=lump)
    assert np.all(np.isfinite(lik))
    assert np.all(lik >= 0.0)
    assert np.all(lik <= 1.0 + 1e-12)


# --- mutation on untyped transmissions ---------------------------------------------------------

def test_mutation_acts_on_transmissions_from_untyped_parents() -> None:
    """GP and GM are 10/10, their untyped son P has a child GC = 11/12 with MO = 12/12.

    GC's paternal allele needs a mutation, on GP/GM -> P or on P -> GC (P untyped). With F and
    M the female and male matrices, P's allele x reaches GC with T[x] = ((M M)[10, x] +
    (F M)[10, x]) / 2, so L = p10^4 p12^2 (T[11] F[12, 12] + T[12] F[12, 11]) (GC ordered
    11|12 or 12|11). Without mutation the likelihood is 0.
    """
    ped = Pedigree.from_records([("GP", None, None, "M"), ("GM", None, None, "F"),
                                 ("P", "GP", "GM", "M"), ("MO", None, None, "F"),
                                 ("GC", "P", "MO", "F")])
    profiles = {"GP": {"TH": ("10", "10")}, "GM": {"TH": ("10", "10")},
                "MO": {"TH": ("12", "12")}, "GC": {"TH": ("11", "12")}}
    alleles = ("10", "11", "12", "13", "14")
    freqs = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    plain = Marker("TH", alleles, freqs)
    assert pedigree_likelihood(ped, [plain], profiles)[0] == 0.0
    for model in ("equal", "proportional", "stepwise", "onestep"):
        mut = Mutation(female=MutationModel(model, rate=0.01), male=MutationModel(model,
                                                                                  rate=0.03))
        marker = plain.with_mutation(mut)
        f, m = marker.matrices
        p10, p12 = freqs[0], freqs[2]
        t = 0.5 * ((m @ m)[0] + (f @ m)[0])
        want = p10 ** 4 * p12 ** 2 * (t[1] * f[2, 2] + t[2] * f[2, 1])
        for lump in (True, False):
            got = pedigree_likelihood(ped, [marker], profiles, lump=lump)[0]
            assert got > 0.0
            assert math.isclose(got, want, rel_tol=REL), (model, lump, got, want)
