"""Time of the 23-marker pedigree likelihood and of a missing person's genotype posterior.

Run with ``make bench``; the numbers go to docs/benchmarks.md. Every benchmark calls the
public API (encoding of the profiles included) after a warm-up call that compiles the kernels.
"""

from __future__ import annotations

import pytest

from benchmarks.cases import case
from forensic_match.likelihood import genotype_posterior, pedigree_likelihood


@pytest.mark.parametrize("model", ["equal", "stepwise"])
@pytest.mark.parametrize("shape", ["trio", "family12", "cousin_loop"])
def test_likelihood(benchmark, shape: str, model: str) -> None:
    ped, markers, profiles = case(shape, model)
    pedigree_likelihood(ped, markers, profiles)
    benchmark.extra_info.update(markers=len(markers), shape=shape, model=model)
    values = benchmark(pedigree_likelihood, ped, markers, profiles)
    assert (values > 0).all()


@pytest.mark.parametrize("model", ["equal", "stepwise"])
def test_missing_person_posterior(benchmark, model: str) -> None:
    ped, markers, profiles = case("family12", model)
    genotype_posterior(ped, markers, profiles, "MP")
    benchmark.extra_info.update(markers=len(markers), shape="family12 posterior of MP",
                                model=model)
    posts = benchmark(genotype_posterior, ped, markers, profiles, "MP")
    assert all(abs(p.matrix.sum() - 1) < 1e-12 for p in posts)
