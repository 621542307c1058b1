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

import warnings

import numpy as np
import pytest

from forensic_match.cases import Family, PMSample
from forensic_match.decide.alternatives import distant_references
from forensic_match.dvi import identify as identify_module
from forensic_match.dvi.identify import identify
from forensic_match.dvi.reference_kin import ReferenceKinTables
from forensic_match.dvi.simulate import simulate_programme
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

    def counted(memo, keys, stacked, tables, *args):  # type: ignore[no-untyped-def]
        out = search_again(memo, keys, stacked, tables, *args)
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
    a, b = reused.identifications, full.identifications
    assert a.select("pm", "family", "missing", "rule", "round").equals(
        b.select("pm", "family", "missing", "rule", "round"))
    assert np.abs(a["posterior"].to_numpy() - b["posterior"].to_numpy()).max() < 1e-9
    for col in ("log10_lr", "alternative_lr", "second_lr"):
        assert _close(a[col].to_numpy(), b[col].to_numpy()), col
    assert reused.family_level.height > 0
    assert reused.family_level.select("pm", "family", "candidates").equals(
        full.family_level.select("pm", "family", "candidates"))
    assert np.abs(reused.family_level["posterior"].to_numpy()
                  - full.family_level["posterior"].to_numpy()).max() < 1e-9
    # every round's posteriors: the pairs, the relatives, the references' relatives, bodies
    assert len(rounds_reused) == len(rounds_full) >= 2
    for x, y in zip(rounds_reused, rounds_full):
        for name, keys in (("pairs", ["pm", "family", "missing"]),
                           ("alternatives", ["pm", "family", "person"]),
                           ("reference_kin", ["pm", "family", "person"])):
            fx, fy = getattr(x, name).sort(keys), getattr(y, name).sort(keys)
            assert fx.select(keys).equals(fy.select(keys)), name
            assert np.abs(fx["posterior"].to_numpy() - fy["posterior"].to_numpy()).max() \
                < 1e-9, name
            assert _close(fx["log10_lr"].to_numpy(), fy["log10_lr"].to_numpy()), name
        assert x.reference_kin.height > 0
        bx, by = x.bodies.sort("pm"), y.bodies.sort("pm")
        assert bx["pm"].equals(by["pm"])
        for col in ("p_open", "p_reference_kin"):
            assert np.abs(bx[col].to_numpy() - by[col].to_numpy()).max() < 1e-9, col
