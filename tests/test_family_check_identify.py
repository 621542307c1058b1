"""identify() and the family check: a family whose typed members contradict its pedigree has
its proposals held back, with the reason, and the run says so."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from forensic_match.cases import load_case
from forensic_match.dvi.identify import identify
from forensic_match.errors import ForensicMatchWarning
from forensic_match.simulate import random_profile

PROGRAMME = Path(__file__).resolve().parents[1] / "forensic_match" / "data" / "examples" / \
    "programme_small.json"


@pytest.fixture(scope="module")
def programme() -> tuple:
    ds = load_case(PROGRAMME)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForensicMatchWarning)
        clean = identify(ds.am, ds.pm, ds.markers)
    return ds, clean


def _with_stranger_child(ds: object, family_id: str, typed_at: int | None = None
                         ) -> tuple[list, str, str]:
    """The families with a typed child added under one of ``family_id``'s typed relatives,
    a child whose profile is a stranger's (typed at the first ``typed_at`` markers only, if
    given: fewer markers, a milder contradiction). The child is no ancestor of the missing
    persons, and his parent is typed, so their LRs do not change: only the check can see
    him."""
    out = []
    for fam in ds.am:
        if fam.id != family_id:
            out.append(fam)
            continue
        parent = sorted(fam.genotypes)[0]
        sex = fam.pedigree.sex_of(parent)
        partner, child = f"{family_id}_X_PARTNER", f"{family_id}_X_CHILD"
        rows = [(partner, None, None, "F" if sex == "M" else "M"),
                (child, parent if sex == "M" else partner,
                 partner if sex == "M" else parent, "M")]
        genotypes = dict(fam.genotypes)
        profile = random_profile(ds.markers, seed=7)
        shown = {m.name for m in ds.markers[:typed_at]}
        genotypes[child] = {k: v for k, v in profile.items() if k in shown}
        out.append(dataclasses.replace(fam, pedigree=fam.pedigree.add(rows),
                                       genotypes=genotypes))
    return out, parent, child


def test_a_clean_programme_has_no_contradicted_pair(programme: tuple) -> None:
    _, clean = programme
    checks = clean.family_checks
    assert checks.height > 0
    assert set(checks["verdict"]) <= {"consistent"}
    assert not clean.held_back["held_back"].str.starts_with("references").any()


def test_a_contradicted_family_has_its_proposal_held_back(programme: tuple) -> None:
    ds, clean = programme
    proposal = clean.identifications.filter(pl.col("rule") != "direct reference").row(
        0, named=True)
    fid = proposal["family"]
    families, parent, child = _with_stranger_child(ds, fid)
    with pytest.warns(ForensicMatchWarning, match=f"family {fid}: .*{child}"):
        res = identify(families, ds.pm, ds.markers)
    row = res.family_checks.filter((pl.col("family") == fid) & (pl.col("second") == child)
                                   & (pl.col("first") == parent)).row(0, named=True)
    assert row["verdict"] == "contradicted"
    assert row["log10_lr"] < -2
    assert row["relationship"] != "unrelated"
    # the proposal is not made, but kept with the reason
    assert res.identifications.filter(pl.col("family") == fid).height == 0
    held = res.held_back.filter((pl.col("family") == fid) & (pl.col("pm") == proposal["pm"])
                                & pl.col("missing").is_not_null())
    assert held["missing"].to_list() == [proposal["missing"]]
    assert held["held_back"][0].startswith("references contradict the family's pedigree")
    assert child in held["held_back"][0]
    # its LR is the clean run's: the added child cannot change it
    assert held["lr"][0] == pytest.approx(proposal["lr"], rel=1e-9)
    # the other families' proposals stand
    others = clean.identifications.filter(pl.col("family") != fid)
    assert others.select("pm", "family", "missing").sort("pm").equals(
        res.identifications.select("pm", "family", "missing").sort("pm"))
    # and no family-level row of the family is left standing
    assert res.family_level.filter(pl.col("family") == fid).height == 0


def test_a_questionable_familys_proposal_stands_with_a_caution(programme: tuple) -> None:
    # The stranger child typed at 8 markers only: his stated parent's LR against unrelated
    # falls between 1/1000 and 1/100 (log10 -2.13 with this programme's data).
    ds, clean = programme
    proposal = clean.identifications.filter(pl.col("rule") != "direct reference").row(
        0, named=True)
    fid = proposal["family"]
    families, parent, child = _with_stranger_child(ds, fid, typed_at=8)
    with pytest.warns(ForensicMatchWarning, match=f"questionable .*family {fid}: .*{child}"):
        res = identify(families, ds.pm, ds.markers)
    row = res.family_checks.filter((pl.col("first") == parent) & (pl.col("second") == child)
                                   & (pl.col("family") == fid)).row(0, named=True)
    assert row["verdict"] == "questionable"
    assert -3 <= row["log10_lr"] < -2
    # the proposal stands, as it was, its reason ending with the caution and the pair
    got = res.identifications.filter((pl.col("family") == fid)
                                     & (pl.col("pm") == proposal["pm"])).row(0, named=True)
    assert got["log10_lr"] == proposal["log10_lr"]
    assert got["reason"].startswith(proposal["reason"])
    caution = got["reason"][len(proposal["reason"]):]
    assert caution.startswith("; caution: the family's references make a stated relationship "
                              "questionable")
    assert f"{parent} and {child}" in caution and "before approving" in caution
    # every other family's proposals are as they were, with no caution (their posteriors
    # move in the last digits: the changed family's rows enter every body's sums)
    others = res.identifications.filter(pl.col("family") != fid).sort("pm")
    before = clean.identifications.filter(pl.col("family") != fid).sort("pm")
    assert others.drop("posterior").equals(before.drop("posterior"))
    assert np.allclose(others["posterior"], before["posterior"], rtol=1e-9, atol=0)
    assert not res.held_back["held_back"].str.starts_with("references").any()
    assert res.family_level["caution"].is_null().all()  # F0055 has no family-level row
    assert clean.family_level["caution"].is_null().all()


def test_a_questionable_familys_family_level_rows_stand_with_a_caution(
        programme: tuple) -> None:
    # F0023: a family-level family whose stranger child typed at 4 markers is questionable
    ds, clean = programme
    fid = "F0023"
    assert clean.family_level.filter(pl.col("family") == fid).height > 0
    families, parent, child = _with_stranger_child(ds, fid, typed_at=4)
    with pytest.warns(ForensicMatchWarning, match=f"questionable .*family {fid}: "):
        res = identify(families, ds.pm, ds.markers)
    assert set(res.family_checks.filter(pl.col("family") == fid)["verdict"]) == \
        {"consistent", "questionable"}
    level = res.family_level
    assert set(level.filter(pl.col("family") == fid)["pm"]) == \
        set(clean.family_level.filter(pl.col("family") == fid)["pm"])
    for r in level.iter_rows(named=True):
        assert (r["caution"] is not None) == (r["family"] == fid)
        if r["caution"] is not None:
            assert r["caution"].startswith("caution: the family's references make a stated "
                                           f"relationship questionable ({parent} and {child}")


def test_a_contradicted_familys_family_level_rows_are_held_back(programme: tuple) -> None:
    ds, clean = programme
    level = clean.family_level
    fid = level["family"][0]
    families, _, child = _with_stranger_child(ds, fid)
    with pytest.warns(ForensicMatchWarning, match="contradict"):
        res = identify(families, ds.pm, ds.markers)
    assert res.family_level.filter(pl.col("family") == fid).height == 0
    held = res.held_back.filter((pl.col("family") == fid) & pl.col("missing").is_null())
    assert set(held["pm"]) >= set(level.filter(pl.col("family") == fid)["pm"])
    assert all(t.startswith("references contradict") and "family level: " in t
               for t in held["held_back"])


def test_the_memo_gives_the_same_rows_and_checks_only_changed_families(
        programme: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from forensic_match.dvi import family_check

    ds, clean = programme
    memo: dict = {}
    first = family_check.check_families(ds.am, ds.markers, memo=memo)
    assert first.equals(family_check.check_families(ds.am, ds.markers))
    path = tmp_path / "checks.npz"
    family_check.save_check_memo(path, memo)
    loaded = family_check.load_check_memo(path)
    assert loaded == memo
    fid = clean.identifications["family"][0]
    families, _, _ = _with_stranger_child(ds, fid)
    checked = []
    original = family_check.check_family
    monkeypatch.setattr(family_check, "check_family",
                        lambda fam, *a, **k: checked.append(fam.id) or original(fam, *a, **k))
    again = family_check.check_families(families, ds.markers, memo=loaded)
    assert checked == [fid]
    assert again.equals(family_check.check_families(families, ds.markers))
    # the memo now holds this call's families only, the changed one by its new content
    assert len(loaded) == len(families)
    assert set(loaded) != set(memo)
    # and identify with a cache writes it and reads it back
    cache = tmp_path / "tables.npz"
    with pytest.warns(ForensicMatchWarning, match="contradict"):
        res = identify(families, ds.pm, ds.markers, cache=cache)
    assert (tmp_path / "tables.family_checks.npz").exists()
    checked.clear()
    with pytest.warns(ForensicMatchWarning, match="contradict"):
        res2 = identify(families, ds.pm, ds.markers, cache=cache)
    assert checked == []
    assert res2.family_checks.equals(res.family_checks)


def test_min_references_holds_the_placements_of_families_with_fewer_typed(
        programme: tuple) -> None:
    from forensic_match.dvi.family_check import typed_members
    from forensic_match.errors import InputError

    ds, clean = programme
    typed = typed_members(ds.am)
    # a bar that the clean run's proposals and family-level rows straddle
    placed = [typed[f] for f in clean.identifications["family"]] + \
        [typed[f] for f in clean.family_level["family"]]
    bar = sorted(placed)[len(placed) // 2] + 1
    few = {f for f, n in typed.items() if n < bar}
    res = identify(ds.am, ds.pm, ds.markers, min_references=bar)
    assert res.parameters["min_references"] == bar
    # what stands is the clean run's, less the placements in families with fewer typed
    for table, key in ((res.identifications, ["pm", "family", "missing"]),
                       (res.family_level, ["pm", "family"])):
        want = clean.identifications if "missing" in key else clean.family_level
        assert set(table["family"]).isdisjoint(few)
        assert set(table.select(key).rows()) <= set(want.select(key).rows())
    for r in clean.identifications.filter(pl.col("family").is_in(list(few))) \
            .iter_rows(named=True):
        got = res.held_back.filter((pl.col("pm") == r["pm"])
                                   & (pl.col("missing") == r["missing"]))
        assert got.height == 1
        why = got["held_back"][0]
        assert why.startswith(f"too few references to check the family's data (family "
                              f"{r['family']}: {typed[r['family']]} typed member")
        assert f"min_references {bar}" in why
    level = clean.family_level.filter(pl.col("family").is_in(list(few)))
    assert level.height > 0
    held = res.held_back.filter(pl.col("missing").is_null())
    assert set(level["pm"]) <= set(held["pm"])
    # 1, the default, holds nothing; the rule is checked
    assert "min_references" not in clean.parameters
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(InputError, match="min_references"):
            identify(ds.am[:3], ds.pm[:3], ds.markers, min_references=bad)
