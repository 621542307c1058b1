"""Pairwise LRs, undisputed identifications and joint solutions against the peer (dvir 3.4.2).

Every ``../shared/reference/dvi/*.json`` but the simulated ``scaling_*`` programmes is checked
in full: pairwise LRs (1e-9 relative), the ``undisputed`` list (pairs and LRs, 1e-9), and the
listed joint solutions in order (assignment; loglik, lr, posterior to 1e-6 relative).
``scaling_10x10`` and ``scaling_30x30`` have no joint expectations; their pairwise LRs and
undisputed lists are checked. Conventions found on these data are in ``docs/joint.md``.

The peer breaks ties (log-likelihoods equal after rounding to 10 decimals) alphabetically by
assignment, which this implementation reproduces; the comparison still treats rows of equal
log-likelihood (1e-9) as a set, so that rounding noise at the 10th decimal cannot flip it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from forensic_match.cases import DviDataset, load_case
from forensic_match.dvi.joint import (
    RANK_DECIMALS,
    AssignmentLimitError,
    joint_solutions,
    pairwise_lr_matrix,
    undisputed,
)

RTOL_PAIRWISE = 1e-9
RTOL_JOINT = 1e-6
SCALING_CHECKED = ("scaling_10x10", "scaling_30x30")


def _close(got: float, want: float, rtol: float) -> bool:
    return got == want or math.isclose(got, want, rel_tol=rtol)


@pytest.fixture(scope="module")
def datasets(reference_dir: Path) -> dict[str, DviDataset]:
    paths = sorted((reference_dir / "dvi").glob("*.json"))
    out = {}
    for path in paths:
        if path.stem.startswith("scaling_") and path.stem not in SCALING_CHECKED:
            continue
        ds = load_case(path)
        assert isinstance(ds, DviDataset)
        out[path.stem] = ds
    assert len(out) >= 12
    return out


@pytest.fixture(scope="module")
def pairwise(datasets: dict[str, DviDataset]) -> dict[str, pl.DataFrame]:
    return {name: pairwise_lr_matrix(ds) for name, ds in datasets.items()}


@pytest.fixture(scope="module")
def joints(datasets: dict[str, DviDataset]) -> dict[str, Any]:
    return {name: joint_solutions(ds, max_solutions=len(ds.expected["joint"]))
            for name, ds in datasets.items() if ds.expected.get("joint")}


def test_pairwise_lrs_equal_reference(datasets: dict[str, DviDataset],
                                      pairwise: dict[str, pl.DataFrame]) -> None:
    failures = []
    for name, ds in datasets.items():
        table = pairwise[name]
        ref = ds.expected["pairwise"]
        # Same pairs in the same order: exactly the sex-compatible ones.
        got_pairs = list(zip(table["pm"].to_list(), table["missing"].to_list()))
        if got_pairs != [(r["pm"], r["missing"]) for r in ref]:
            failures.append(f"{name}: pairs differ from the reference's")
            continue
        for r, lr, log10 in zip(ref, table["lr"].to_list(), table["log10_lr"].to_list()):
            if not _close(lr, r["lr"], RTOL_PAIRWISE):
                failures.append(f"{name} {r['pm']}~{r['missing']}: {lr!r} != {r['lr']!r}")
            if r["lr"] > 0 and not math.isclose(log10, math.log10(r["lr"]), abs_tol=1e-9):
                failures.append(f"{name} {r['pm']}~{r['missing']}: log10 {log10!r}")
            if r["lr"] == 0 and log10 != -math.inf:
                failures.append(f"{name} {r['pm']}~{r['missing']}: log10 of an exclusion")
        # An exclusion without mutation has an inconsistent marker; a positive LR under
        # Mendelian transmission has none.
        no_mut = all(m.mutation is None for m in ds.markers)
        for row in table.iter_rows(named=True):
            if no_mut and (row["lr"] == 0) != (row["inconsistent_markers"] > 0):
                failures.append(f"{name} {row['pm']}~{row['missing']}: inconsistent_markers")
    assert not failures, "\n".join(failures[:20])


def test_undisputed_equal_reference(datasets: dict[str, DviDataset],
                                    pairwise: dict[str, pl.DataFrame]) -> None:
    failures = []
    for name, ds in datasets.items():
        want = [(r["pm"], r["missing"], r["lr"]) for r in ds.expected.get("undisputed", [])]
        for mode, table in (("dataset", undisputed(pairwise[name], dataset=ds)),
                            ("table", undisputed(pairwise[name]))):
            got = list(zip(table["pm"].to_list(), table["missing"].to_list(),
                           table["lr"].to_list()))
            if [g[:2] for g in got] != [w[:2] for w in want]:
                failures.append(f"{name} ({mode}): {got} != {want}")
            elif not all(_close(g[2], w[2], RTOL_PAIRWISE) for g, w in zip(got, want)):
                failures.append(f"{name} ({mode}): LRs {got} != {want}")
    assert not failures, "\n".join(failures)


def _tie_groups(logliks: list[float]) -> list[list[int]]:
    groups: list[list[int]] = []
    for k, ll in enumerate(logliks):
        if groups and math.isclose(ll, logliks[groups[-1][0]], rel_tol=0, abs_tol=1e-9):
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def test_joint_solutions_reproduce_reference(datasets: dict[str, DviDataset],
                                             joints: dict[str, Any]) -> None:
    assert len(joints) >= 11
    failures = []
    for name, res in joints.items():
        ref = datasets[name].expected["joint"]
        rows = list(res.solutions.iter_rows(named=True))
        if len(rows) != len(ref):
            failures.append(f"{name}: {len(rows)} solutions, reference lists {len(ref)}")
            continue
        assert [r["assignment"] for r in rows] == res.assignments
        for group in _tie_groups([r["loglik"] for r in ref]):
            want = sorted(str(sorted(ref[k]["assignment"].items())) for k in group)
            got = sorted(str(sorted(rows[k]["assignment"].items())) for k in group)
            if want != got:
                failures.append(f"{name} ranks {group[0] + 1}-{group[-1] + 1}: assignments "
                                f"differ")
        for k, (r, g) in enumerate(zip(ref, rows)):
            for key in ("loglik", "lr", "posterior"):
                if not _close(g[key], r[key], RTOL_JOINT):
                    failures.append(f"{name} rank {k + 1} {key}: {g[key]!r} != {r[key]!r}")
    assert not failures, "\n".join(failures[:20])


def test_joint_tie_order_is_the_peers(datasets: dict[str, DviDataset],
                                      joints: dict[str, Any]) -> None:
    """Exact order, ties included (alphabetical by assignment, unassigned last)."""
    for name, res in joints.items():
        ref = [r["assignment"] for r in datasets[name].expected["joint"]]
        assert res.assignments == ref, name
        # The documented rule on our own output.
        names = sorted({m for a in res.assignments for m in a.values() if m is not None})
        rank = {m: k for k, m in enumerate(names)}
        keys = [(-round(ll, RANK_DECIMALS),
                 tuple(rank.get(m, len(names)) if m is not None else len(names)
                       for m in a.values()))
                for ll, a in zip(res.solutions["loglik"].to_list(), res.assignments)]
        assert keys == sorted(keys), name


def test_joint_peer_conventions(datasets: dict[str, DviDataset],
                                joints: dict[str, Any]) -> None:
    # Mutation is switched off in the consistent families of datasets with mutation models.
    assert joints["planecrash"].mutation_disabled == ["F1", "F2", "F3", "F4", "F5"]
    assert joints["example1"].mutation_disabled == []
    # The undisputed fixed by the joint are found with mutation off: their LRs differ from
    # the reference's undisputed list (mutation as given) in planecrash.
    fixed = joints["planecrash"].undisputed
    assert fixed["pm"].to_list() == ["V6", "V2", "V4"]
    ref = {r["pm"]: r["lr"] for r in datasets["planecrash"].expected["undisputed"]}
    assert all(not _close(lr, ref[pm], 1e-6) for pm, lr in fixed.select("pm", "lr").rows())
    # With one missing person per family, lr (times the undisputed LRs) is the exact joint LR.
    sol = joints["planecrash"].solutions
    assert np.allclose(sol["log10_lr"], sol["log10_lr_full"], rtol=0, atol=1e-9)
    # In grave (one family, five undisputed) the peer's lr is not the exact joint LR.
    sol = joints["grave"].solutions
    assert sol["log10_lr_full"][0] - sol["log10_lr"][0] > 4
    # Undisputed pairs have pairing probability 1 (the posterior is conditional on them).
    for name in ("planecrash", "grave"):
        res = joints[name]
        for pm, mp in res.undisputed.select("pm", "missing").rows():
            rows = res.pairing.filter(pl.col("pm") == pm).select("missing", "probability")
            assert rows.rows() == [(mp, 1.0)], name


def test_full_enumeration_is_exact(datasets: dict[str, DviDataset]) -> None:
    """Without fixing undisputed: LR vs nobody identified, posteriors over all assignments."""
    for name in ("icmp", "grave", "planecrash", "symmetricSibs"):
        res = joint_solutions(datasets[name], fix_undisputed=False, max_solutions=None)
        sol = res.solutions
        assert sol.height == res.n_assignments
        assert math.isclose(sol["posterior"].sum(), 1.0, rel_tol=1e-12)
        null = sol.filter(pl.col("n_identified") == 0)
        assert null["lr"].to_list() == [1.0]
        assert np.allclose(sol["loglik"], sol["loglik_full"], rtol=0, atol=1e-12)
        assert np.allclose(sol["log10_lr"], (sol["loglik"] - res.loglik_null) / math.log(10),
                           rtol=0, atol=1e-9)
        # Pairing probabilities: sums of posteriors; each sample's row sums to 1.
        pairing = res.pairing
        sums = pairing.group_by("pm").agg(pl.col("probability").sum())
        assert np.allclose(sums["probability"], 1.0, rtol=0, atol=1e-12)
        for row in pairing.iter_rows(named=True):
            direct = sum(p for a, p in zip(res.assignments, sol["posterior"].to_list())
                         if a[row["pm"]] == row["missing"])
            assert math.isclose(direct, row["probability"], rel_tol=1e-9, abs_tol=1e-300)
        # The same top assignment as the peer's ranking.
        assert res.assignments[0] == datasets[name].expected["joint"][0]["assignment"]


def test_scaling_joint_and_limit(datasets: dict[str, DviDataset]) -> None:
    ds = datasets["scaling_10x10"]
    res = joint_solutions(ds)
    # The undisputed identifications leave only pairs of LR 0: one solution, the truth.
    assert res.best() == ds.extra["truth"]
    assert res.solutions["posterior"].to_list() == [1.0]
    exact = joint_solutions(ds, fix_undisputed=False, max_solutions=1)
    assert exact.best() == ds.extra["truth"]
    # Independent components (samples joined to the families of their candidates) are
    # enumerated separately: above max_assignments combinations in all, the best ones are
    # found without listing the rest, in the same order and with the same values.
    full = joint_solutions(ds, fix_undisputed=False, max_solutions=20)
    best = joint_solutions(ds, fix_undisputed=False, max_solutions=20, max_assignments=50)
    assert full.options["components"] > 1 and full.options["not_enumerated"] == []
    assert best.n_assignments == full.n_assignments > 50
    assert best.assignments == full.assignments
    for key in ("loglik", "posterior", "lr"):
        assert np.allclose(best.solutions[key], full.solutions[key], rtol=1e-12, atol=0)
    assert np.allclose(best.pairing["probability"], full.pairing["probability"],
                       rtol=1e-12, atol=1e-300)
    assert best.pairing.select("pm", "missing").rows() == \
        full.pairing.select("pm", "missing").rows()


def test_component_above_the_limit_is_not_enumerated(datasets: dict[str, DviDataset],
                                                     ) -> None:
    """A single component with more possible assignments than max_assignments is not
    enumerated (never a refusal): its samples are listed in ``not_enumerated``, appear
    unassigned in the solutions, and have no pairing rows."""
    ds = datasets["icmp"]
    res = joint_solutions(ds, fix_undisputed=False, max_assignments=50)
    assert res.options["not_enumerated"] == [s.id for s in ds.pm]
    assert res.solutions.height == 1 and res.assignments[0] == dict.fromkeys(
        s.id for s in ds.pm)
    assert res.pairing.height == 0
    with pytest.raises(AssignmentLimitError):
        from forensic_match.dvi.joint import _enumerate, _Likelihoods, _Problem
        _enumerate(_Problem.initial(ds), _Likelihoods(ds), 50)


def test_pm_dropout_is_used(datasets: dict[str, DviDataset]) -> None:
    """A PM sample's dropout enters its likelihoods: example2's V1 = M2 exclusion (a
    homozygote where the family needs another allele) becomes possible."""
    ds = datasets["example2"]
    degraded = replace(ds, pm=[replace(s, dropout=0.1) if s.id == "V1" else s for s in ds.pm])
    before = pairwise_lr_matrix(ds).filter(pl.col("pm") == "V1")["lr"].to_list()
    after = pairwise_lr_matrix(degraded).filter(pl.col("pm") == "V1")["lr"].to_list()
    assert before[1] == 0 and after[1] > 0
    assert joint_solutions(degraded).n_assignments > joint_solutions(ds).n_assignments
