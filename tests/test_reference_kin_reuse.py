"""The decision rounds' reuse of the search of the references' relatives (``identify``'s
``_Rounds.reference_kin`` through ``_search_relatives_again``) against searching every row
every round: the same identifications, family-level proposals and posteriors in every
round.

The programme: ``simulate_programme``'s single-distant-reference shapes (a cousin, an uncle
or a half sibling typed), whose rows are the same every round, and households whose father
and son are missing, with the mother and two children typed and the father's nephew typed
(a distant reference: the father's nephew, the son's first cousin): the father is identified
in the first round, and the next round searches his family's references' relatives again,
conditioned on him."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forensic_match.cases import Family, PMSample
from forensic_match.decide.alternatives import distant_references
from forensic_match.dvi import identify as identify_module
from forensic_match.dvi.identify import identify
from forensic_match.dvi.reference_kin import ReferenceKinTables
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.dvi.table_parts import PartedTables, load_tables
from forensic_match.pedigree import Pedigree
from forensic_match.simulate import simulate_profiles

HOUSEHOLD = [("GF", None, None, "M"), ("GM", None, None, "F"), ("MP1", "GF", "GM", "M"),
             ("SB", "GF", "GM", "F"), ("SBP", None, None, "M"), ("NE", "SBP", "SB", "M"),
             ("SP", None, None, "F"), ("C1", "MP1", "SP", "F"), ("C2", "MP1", "SP", "M"),
             ("MP2", "MP1", "SP", "M")]


def _programme(markers: list) -> tuple[list[Family], list[PMSample]]:
    prog = simulate_programme(30, 30, markers=markers, seed=5,
                              shapes=["cousin", "uncle", "half_sibling"],
                              missing_per_family=(1, 2), fragments=0.0)
    families, samples = list(prog.dataset.am), list(prog.dataset.pm)
    ped = Pedigree.from_records(HOUSEHOLD)
    for k in range(4):
        prof = simulate_profiles(ped, markers, seed=100 + k)
        families.append(Family(f"H{k}", ped, ["MP1", "MP2"],
                               {r: prof[r] for r in ("SP", "C1", "C2", "NE")}))
        samples += [PMSample(f"H{k}_MP{j}", "M", prof[f"MP{j}"]) for j in (1, 2)]
    return families, samples


def _runs(monkeypatch: pytest.MonkeyPatch, families: list, samples: list, markers: list,
          ) -> tuple[list, list, list]:
    """identify() with the reuse and without: results, each round's decisions, and per
    reusing call of the references' relatives (reused or not, families whose rows were
    replaced)."""
    calls: list[tuple[bool, int]] = []
    search_again = identify_module._search_relatives_again
    decide = identify_module.decide

    def counted(memo, keys, stacked, tables, *args, **kwargs):  # type: ignore[no-untyped-def]
        out = search_again(memo, keys, stacked, tables, *args, **kwargs)
        if isinstance(tables, ReferenceKinTables):
            replaced = [f for f, k in keys.items() if f in memo.keys and memo.keys[f] != k]
            calls.append((out is not None, len(replaced)))
        return out

    results, decisions = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        monkeypatch.setattr(identify_module, "_search_relatives_again", counted)
        for reuse in (True, False):
            monkeypatch.setattr(identify_module, "REUSE_REFERENCE_KIN_SEARCH", reuse)
            rounds: list = []

            def recorded(*args, _rounds=rounds, **kwargs):  # type: ignore[no-untyped-def]
                out = decide(*args, **kwargs)
                _rounds.append(out)
                return out

            monkeypatch.setattr(identify_module, "decide", recorded)
            results.append(identify(families, samples, markers))
            decisions.append(rounds)
    return results, decisions, calls


def _close(x: np.ndarray, y: np.ndarray) -> bool:
    return bool(((x == y) | (np.abs(x - y) <= 1e-9 * np.abs(y))).all())


def _near(x: Any, y: Any) -> bool:
    """Posteriors within 1e-9."""
    return x.len() == y.len() and (x.len() == 0 or (x - y).abs().max() < 1e-9)


def _same_decision(x: Any, y: Any) -> None:
    """One round's posteriors agree: the pairs, the relatives, the references' relatives
    (some drawn) and each body's open set and references' relatives."""
    for name, keys in (("pairs", ["pm", "family", "missing"]),
                       ("alternatives", ["pm", "family", "person"]),
                       ("reference_kin", ["pm", "family", "person"])):
        fx, fy = getattr(x, name).sort(keys), getattr(y, name).sort(keys)
        assert fx.select(keys).equals(fy.select(keys)), name
        assert _near(fx["posterior"], fy["posterior"]), name
        assert _close(fx["log10_lr"].to_numpy(), fy["log10_lr"].to_numpy()), name
    assert x.reference_kin.height > 0
    bx, by = x.bodies.sort("pm"), y.bodies.sort("pm")
    assert bx["pm"].equals(by["pm"])
    for col in ("p_open", "p_reference_kin"):
        assert _near(bx[col], by[col]), col


def _same(reused: Any, full: Any) -> None:
    """identify's results agree: identifications, family level, the last decision."""
    a, b = reused.identifications, full.identifications
    assert a.select("pm", "family", "missing", "rule", "round").equals(
        b.select("pm", "family", "missing", "rule", "round"))
    assert _near(a["posterior"], b["posterior"])
    for col in ("log10_lr", "alternative_lr", "second_lr"):
        assert _close(a[col].to_numpy(), b[col].to_numpy()), col
    assert reused.family_level.select("pm", "family", "candidates").equals(
        full.family_level.select("pm", "family", "candidates"))
    assert _near(reused.family_level["posterior"], full.family_level["posterior"])
    _same_decision(reused.decision, full.decision)


def test_the_references_relatives_search_reused_between_rounds_decides_the_same(
        monkeypatch: pytest.MonkeyPatch, markers: list) -> None:
    families, samples = _programme(markers)
    assert all(distant_references(f) for f in families)
    (reused, full), (rounds_reused, rounds_full), calls = _runs(monkeypatch, families,
                                                                samples, markers)
    # the reuse served a round in which a household's rows were replaced (conditioned on
    # its identified father), and searched in full without it (no call)
    assert any(ok and replaced for ok, replaced in calls), calls
    assert len(calls) == len(rounds_reused) - 1
    first = reused.identifications.filter(reused.identifications["round"] == 1)
    assert set(first.filter(first["missing"] == "MP1")["family"].to_list()) & \
        {f"H{k}" for k in range(4)}
    _same(reused, full)
    assert reused.family_level.height > 0
    # every round's posteriors
    assert len(rounds_reused) == len(rounds_full) >= 2
    for x, y in zip(rounds_reused, rounds_full):
        _same_decision(x, y)


def _retyped(family: Family) -> Family:
    """The family with one marker of its first distant reference removed."""
    who = distant_references(family)[0]
    profile = dict(family.genotypes[who])
    profile.pop(sorted(profile)[0])
    return dataclasses.replace(family, genotypes={**family.genotypes, who: profile})


def test_stored_nights_reuse_the_last_nights_search_of_the_references_relatives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, markers: list) -> None:
    """Two nights into a store, with the nightly reuse and without: the second brings new
    families and bodies and re-types a distant reference. Its first search of the
    references' relatives reuses the first night's, the retyped family's old rows taken
    from the first night's file of those rows, the unchanged families' relatives and row
    ids come from the first night's memo of them (not drawn again), and both nights decide
    as searching everything in every round does; so does a third store whose memo was
    damaged between the nights (a CacheWarning, every family drawn again)."""
    from helpers import damaged_npz

    from forensic_match.cases import DviDataset
    from forensic_match.dvi.search_reuse import NightSearches
    from forensic_match.store import CaseStore, run_store
    from forensic_match.store import runs as runs_module

    families, samples = _programme(markers)
    ds = DviDataset("kin_nights", markers, families, samples)
    later = {families[k].id for k in (3, 7)}
    target = families[0]
    nights = [dataclasses.replace(ds, am=[f for f in families if f.id not in later],
                                  pm=samples[:-4]),
              dataclasses.replace(ds, am=[_retyped(target), *(f for f in families
                                                              if f.id in later)],
                                  pm=samples[-4:])]
    seen: list = []
    searches: list[tuple[str, Any]] = []
    identify_run = runs_module._identify
    search = NightSearches.search

    def capture(*args: Any, **kwargs: Any) -> Any:
        out = identify_run(*args, **kwargs)
        seen.append(out[0])
        return out

    def spied(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        res = search(self, name, *args, **kwargs)
        searches.append((name, res.parameters.get("reuse")))
        return res

    memo_use: list[tuple[int, int]] = []   # per night: families from the memo, in it
    save_memo = identify_module._save_kin_memo

    def counted(path: Path, tables: Any) -> None:
        memo_use.append((tables.from_memo, len(tables.noted)))
        save_memo(path, tables)

    monkeypatch.setattr(runs_module, "_identify", capture)
    monkeypatch.setattr(NightSearches, "search", spied)
    monkeypatch.setattr(identify_module, "_save_kin_memo", counted)
    results = {}
    for mode in ("reuse", "damaged", "full"):
        reuse = mode != "full"
        # without: every search in full, the references' relatives' in every round too
        monkeypatch.setattr(identify_module, "REUSE_REFERENCE_KIN_SEARCH", reuse)
        (tmp_path / mode).mkdir()
        memo_use.clear()
        memo_file = tmp_path / mode / "cases.db.tables" / "tables.reference_kin_memo.npz"
        with CaseStore(tmp_path / mode / "cases.db") as store, \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for n, night in enumerate(nights):
                searches.clear()
                if n == 1 and mode == "damaged":
                    memo_file.write_bytes(damaged_npz(memo_file, "key/utf8.npy")[0])
                run_store(store, night, min_markers=8, reuse_searches=reuse)
        damaged = [w for w in caught if "references' relatives' memo" in str(w.message)]
        assert len(damaged) == (mode == "damaged")
        results[mode] = list(seen[-2:])
        if mode == "reuse":
            kin = [r for name, r in searches if name == "reference_kin"]
            kin_file = load_tables(tmp_path / mode / "cases.db.tables" /
                                   "tables.reference_kin.npz")
            # An index over the first night's piece and the second's, which holds only the
            # rows the first night's did not (the re-typed and new families').
            assert isinstance(kin_file, PartedTables) and len(kin_file.files) == 2
            assert 0 < len(kin_file.pieces[1].rows) < len(kin_file.rows)
            # night 2: every family of night 1 still in play and not re-typed from the memo
            assert memo_use[0][0] == 0 and 0 < memo_use[1][0] < memo_use[1][1], memo_use
        if mode == "damaged":
            assert memo_use[1][0] == 0, memo_use
        assert memo_file.exists() == reuse
    assert kin and kin[0] and kin[0]["removed_rows"] > 0 and kin[0]["kept_rows"] > 0, kin
    for mode in ("reuse", "damaged"):
        for got, want in zip(results[mode], results["full"]):
            _same(got, want)
