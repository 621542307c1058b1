"""Pairwise PM x missing-person LRs of ../shared/reference/dvi, by the exact engine.

For a PM sample V and a missing person M of family F:
``LR = P(F's data, V typed as M) / (P(F's data) P(V))``. The reference values come from the
established implementation (dvir); the issue asks for 1e-6 relative, the engine gives ~1e-12.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from forensic_match.cases import DviDataset, load_case
from forensic_match.likelihood import pedigree_likelihood
from forensic_match.pedigree import Pedigree

RTOL = 1e-9


def _pairwise_lrs(ds: DviDataset, pairs: list[dict]) -> list[float]:
    families = {m: f for f in ds.am for m in f.missing}
    samples = {s.id: s for s in ds.pm}
    base = {f.id: pedigree_likelihood(f.pedigree, ds.markers, f.genotypes, theta=ds.theta)
            for f in ds.am}
    alone: dict[str, np.ndarray] = {}
    out = []
    for rec in pairs:
        sample, family = samples[rec["pm"]], families[rec["missing"]]
        profiles = {**family.genotypes, rec["missing"]: sample.genotypes}
        joint = pedigree_likelihood(family.pedigree, ds.markers, profiles, theta=ds.theta)
        if sample.id not in alone:
            single = Pedigree.from_records([(sample.id, None, None, "U")])
            alone[sample.id] = pedigree_likelihood(single, ds.markers,
                                                   {sample.id: sample.genotypes},
                                                   theta=ds.theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(float(np.prod(joint / (base[family.id] * alone[sample.id]))))
    return out


def test_pairwise_lrs_agree_with_reference(reference_dir: Path) -> None:
    paths = sorted((reference_dir / "dvi").glob("*.json"))
    assert len(paths) >= 10
    failures, checked = [], 0
    for path in paths:
        ds = load_case(path)
        assert isinstance(ds, DviDataset)
        pairs = ds.expected["pairwise"]
        for rec, got in zip(pairs, _pairwise_lrs(ds, pairs)):
            checked += 1
            want = rec["lr"]
            if not (got == want or math.isclose(got, want, rel_tol=RTOL)):
                failures.append(f"{ds.id} {rec['pm']}~{rec['missing']}: {got!r} != {want!r}")
    assert checked > 10_000
    assert not failures, "\n".join(failures[:20])
