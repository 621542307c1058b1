"""dvir's ``dviSolve()`` conclusions (``forensic_match.dvi.dvisolve``).

The AM and PM tables of every reference dataset that carries ``expected.dvisolve`` (dvir 3.4.2
at its defaults) are reproduced exactly: the same rows, samples, missing persons, families,
conclusions and comments, LR and GLR to 1e-9 relative; with the compiled tables (the default)
and with the exact engine only.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from forensic_match.cases import DviDataset, Family, PMSample, load_case
from forensic_match.dvi.dvisolve import AM_COLUMNS, PM_COLUMNS, dvi_solve, relationship
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree

RTOL = 1e-9


def _same(got: object, want: object) -> bool:
    if isinstance(got, float) and isinstance(want, (int, float)) and not isinstance(want, bool):
        return got == want or math.isclose(got, want, rel_tol=RTOL)
    return got == want


def _differences(res: object, expected: dict) -> list[str]:
    out = []
    for name, got, want in (("am_table", res.am_table, expected["am_table"]),  # type: ignore
                            ("pm_table", res.pm_table, expected["pm_table"])):  # type: ignore
        if len(got) != len(want):
            out.append(f"{name}: {len(got)} rows, expected {len(want)}")
        for g, w in zip(got, want):
            bad = [k for k in w if not _same(g[k], w[k])]
            if bad:
                out.append(f"{name}: {bad} differ: got {g}, expected {w}")
    return out


def _reference_files(reference_dir: Path) -> list[Path]:
    paths = [p for p in sorted((reference_dir / "dvi").glob("*.json"))
             if "dvisolve" in json.loads(p.read_text()).get("expected", {})]
    assert len(paths) >= 14
    return paths


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "exact"])
def test_dvisolve_tables_reproduce_dvir(reference_dir: Path, compiled: bool) -> None:
    failures = []
    for path in _reference_files(reference_dir):
        if not compiled and path.stem == "scaling_100x100":
            continue  # 10,000 exact pairs: the compiled run covers it
        ds = load_case(path)
        res = dvi_solve(ds, compiled=compiled)
        assert res.parameters["compiled"] is (compiled and ds.theta == 0)
        failures += [f"{path.stem}: {d}" for d in _differences(res, ds.expected["dvisolve"])]
        assert res.notes == [], path.stem
    assert not failures, "\n".join(failures[:20])


def test_dvisolve_columns_and_frames(reference_dir: Path) -> None:
    res = dvi_solve(load_case(reference_dir / "dvi" / "symmetricSibs.json"))
    am, pm = res.frames()
    assert tuple(am.columns) == AM_COLUMNS and tuple(pm.columns) == PM_COLUMNS
    assert am.height == 5 and pm.height == 5
    assert set(pm["Conclusion"]) == {"Symmetric match", "Probable"}


# --- rules on small constructed datasets ----------------------------------------------------------

MARKER = Marker("M1", ("1", "2", "3", "4"), (0.25, 0.25, 0.25, 0.25))


def _family(fid: str, records: list, missing: list[str], genotypes: dict) -> Family:
    return Family(fid, Pedigree.from_records(records), missing, genotypes)


def test_nonidentifiable_missing_persons() -> None:
    """A missing person with no typed relative, directly or through other missing persons, is
    Nonidentifiable (dvir findNonidentifiable); the others are analysed."""
    f1 = _family("F1", [("FA", None, None, "M"), ("MO", None, None, "F"),
                        ("C", "FA", "MO", "M"), ("X", None, None, "M")],
                 ["C", "X"], {"FA": {"M1": ("1", "2")}})
    f2 = _family("F2", [("A", None, None, "M")], ["A"], {})
    ds = DviDataset("t", [MARKER], [PMSample("V1", "M", {"M1": ("1", "1")})], [f1, f2])
    res = dvi_solve(ds)
    rows = {r["Missing"]: r for r in res.am_table}
    assert rows["X"]["Conclusion"] == "Nonidentifiable"
    assert rows["X"]["Comment"] == "Unrelated to all references"
    assert rows["A"]["Conclusion"] == "Nonidentifiable"
    assert rows["A"]["Comment"] == "No references in family"
    assert rows["C"]["Conclusion"] == "Inconclusive" and rows["C"]["Sample"] == "V1"
    assert math.isclose(rows["C"]["LR"], 2.0)  # one paternal allele shared, p = 1/4


def test_exclusion_and_comments() -> None:
    """A pair with more than max_incomp incompatible markers is excluded; a sample with no
    pairing left is Excluded with dvir's comment."""
    markers = [Marker(f"M{k}", ("1", "2", "3", "4"), (0.25,) * 4) for k in range(6)]
    fam = _family("F1", [("FA", None, None, "M"), ("MO", None, None, "F"),
                         ("C", "FA", "MO", "M")], ["C"],
                  {"FA": {m.name: ("1", "1") for m in markers},
                   "MO": {m.name: ("2", "2") for m in markers}})
    good = PMSample("V1", "M", {m.name: ("1", "2") for m in markers})
    bad = PMSample("V2", "M", {m.name: ("3", "4") for m in markers})
    woman = PMSample("V3", "F", {m.name: ("1", "2") for m in markers})
    res = dvi_solve(DviDataset("t", markers, [good, bad, woman], [fam]))
    pm = {r["Sample"]: r for r in res.pm_table}
    assert pm["V2"]["Conclusion"] == "Excluded" and pm["V2"]["Comment"] == "6+ inconsistencies"
    assert pm["V3"]["Conclusion"] == "Excluded"
    assert pm["V3"]["Comment"] == "No compatible pairings"
    assert pm["V1"]["Conclusion"] == "Undisputed" and pm["V1"]["Comment"] == "Step 1"
    assert math.isclose(pm["V1"]["LR"], 8.0 ** 6)
    assert res.am_table[0]["Conclusion"] == "Undisputed"
    loose = dvi_solve(DviDataset("t", markers, [good, bad, woman], [fam]), max_incomp=6)
    # V2 is no longer excluded by its markers, but once V1 is undisputed it has no candidate
    # left: dvir's findUndisputed calls that Excluded too.
    v2 = {r["Sample"]: r for r in loose.pm_table}["V2"]
    assert (v2["Conclusion"], v2["Comment"]) == ("Excluded", "No compatible pairings")


def test_joint_skipped_above_max_assign(reference_dir: Path) -> None:
    ds = load_case(reference_dir / "dvi" / "icmp.json")
    res = dvi_solve(ds, max_assign=10)
    assert res.notes and "family F1: joint analysis skipped" in res.notes[0]
    am = {r["Missing"]: r for r in res.am_table}
    assert am["M8"]["Conclusion"] == "Undisputed"
    assert am["M1"]["Conclusion"] is None  # no AM conclusion, as dvir (formatSummary NA)
    pm = {r["Sample"]: r for r in res.pm_table}
    assert pm["V1"]["Conclusion"] in ("Inconclusive", "No match", "Probable", "Disputed")


def test_relationship_words() -> None:
    fam = _family("F", [("FA", None, None, "M"), ("MO", None, None, "F"),
                        ("S", "FA", "MO", "M"), ("D", "FA", "MO", "F"),
                        ("W", None, None, "F"), ("G", "S", "W", "M"),
                        ("O", None, None, "M"), ("H", "O", "MO", "M"),
                        ("U", None, None, "M")], [], {})
    assert relationship(fam, "S", "D") == "full siblings"
    assert relationship(fam, "S", "D", cap=True) == "Full siblings"
    assert relationship(fam, "FA", "S") == "father-son"
    assert relationship(fam, "S", "H") == "half siblings"
    assert relationship(fam, "D", "G") == "aunt-nephew"
    assert relationship(fam, "FA", "G") == "grandfather-grandson"
    assert relationship(fam, "S", "U") == "unrelated"


def test_compiled_counts_markers_where_the_references_need_mutation() -> None:
    """forrel's findExclusions counts a marker where the family's own data are impossible
    without mutation for every sample; the compiled path agrees with the exact engine."""
    from forensic_match.dvi.joint import pairwise_lr_matrix
    from forensic_match.mutation import Mutation, MutationModel

    mut = Mutation(female=MutationModel("equal", rate=0.01), male=MutationModel("equal",
                                                                              rate=0.01))
    markers = [Marker(f"M{k}", ("1", "2", "3", "4"), (0.25,) * 4, mutation=mut)
               for k in range(3)]
    fam = _family("F1", [("FA", None, None, "M"), ("MO", None, None, "F"),
                         ("C", "FA", "MO", "M"), ("S", "FA", "MO", "F")], ["C"],
                  {"FA": {m.name: ("1", "1") for m in markers},
                   "S": {"M0": ("3", "4"), "M1": ("1", "2"), "M2": ("1", "3")}})
    samples = [PMSample("V1", "M", {"M0": ("1", "2"), "M1": ("3", "4")}),
               PMSample("V2", "M", {"M1": ("1", "4"), "M2": ("1", "1")})]
    ds = DviDataset("t", markers, samples, [fam])
    exact = pairwise_lr_matrix(ds)
    fast = pairwise_lr_matrix(ds, compiled=True)
    assert exact["inconsistent_markers"].to_list() == [2, 1]
    assert fast["inconsistent_markers"].to_list() == exact["inconsistent_markers"].to_list()
    for a, b in zip(fast["lr"], exact["lr"]):
        assert math.isclose(a, b, rel_tol=RTOL)


def test_conditioned_pairs_agree_with_the_exact_engine(reference_dir: Path) -> None:
    """LRs after identified profiles are placed in a family (dvir's later undisputed steps)
    from tables compiled on the conditioned family equal the exact engine's."""
    from forensic_match.dvi.dvisolve import conditioned_pairs
    from forensic_match.dvi.joint import _Likelihoods

    ds = load_case(reference_dir / "dvi" / "grave.json")
    fam = ds.am[0]
    fixed = frozenset({("MP1", "V1"), ("MP3", "V3")})
    rest = [m for m in fam.missing if m not in ("MP1", "MP3")]
    fast = conditioned_pairs(ds, fam, fixed, rest, ds.markers)
    assert fast is not None
    lik = _Likelihoods(ds)
    for s in ds.pm:
        for m in rest:
            want = float(np.prod(lik.pair_ratios(fam, m, s.id, fixed)))
            assert math.isclose(fast[(s.id, m)], want, rel_tol=RTOL, abs_tol=1e-300), (s.id, m)
    # A placed sample with dropout enters with its observation model.
    from dataclasses import replace
    degraded = replace(ds, pm=[replace(s, dropout=0.2) if s.id == "V1" else s for s in ds.pm])
    fast = conditioned_pairs(degraded, fam, fixed, rest, ds.markers)
    lik = _Likelihoods(degraded)
    for s in ds.pm:
        for m in rest:
            want = float(np.prod(lik.pair_ratios(fam, m, s.id, fixed)))
            assert math.isclose(fast[(s.id, m)], want, rel_tol=RTOL, abs_tol=1e-300), (s.id, m)
