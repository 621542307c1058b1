"""The decision rounds' reuse of the relative alternatives' search (``identify``'s
``_search_relatives_again``) against searching every row every round: the same
identifications, family-level proposals and posteriors, on a grave scenario (families killed
together, unregistered relatives among the bodies) and on the bundled programme."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from forensic_match.cases import load_case
from forensic_match.dvi import identify as identify_module
from forensic_match.dvi.identify import identify
from forensic_match.dvi.scenarios import simulate_grave_scenario
from forensic_match.frequencies import load_frequencies

PROGRAMME = Path(__file__).resolve().parents[1] / "forensic_match" / "data" / "examples" / \
    "programme_small.json"


def _both(monkeypatch: pytest.MonkeyPatch, am: list, pm: list, markers: list) -> tuple:
    calls = []
    original = identify_module._search_relatives_again

    def counted(*args: object, **kwargs: object) -> object:
        out = original(*args, **kwargs)
        if isinstance(args[3], identify_module._RelativeTables):  # not the references' kin
            calls.append(out is not None)
            if out is not None:
                _same_pairs(out, args, kwargs)
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        monkeypatch.setattr(identify_module, "_search_relatives_again", counted)
        reused = identify(am, pm, markers, min_markers=8)
        monkeypatch.setattr(identify_module, "REUSE_RELATIVE_SEARCH", False)
        full = identify(am, pm, markers, min_markers=8)
    return reused, full, calls


def _same_pairs(out: object, args: tuple, kwargs: dict) -> None:
    """A reused search lists the pairs a full search of its rows lists (at the relatives
    search's threshold), each once (a body searched again had its unchanged families' pairs
    listed twice, from the last round and from its new search, until decide's ``unique``)."""
    _, _, stacked, _, remaining, sex_filter, min_markers = args
    full = identify_module.search_samples(
        stacked, remaining, top=identify_module.TOP, threshold=kwargs["threshold"],
        sex_filter=sex_filter, min_markers=min_markers)
    keys = ["pm", "family", "missing"]
    got, want = out.pairs.sort(keys), full.pairs.sort(keys)  # type: ignore[attr-defined]
    assert got.select(keys).equals(want.select(keys))
    assert (got["log10_lr"] - want["log10_lr"]).abs().max() <= 1e-9 if got.height else True


def _same(reused: object, full: object) -> None:
    a, b = reused.identifications, full.identifications
    assert a.select("pm", "family", "missing", "rule", "round").equals(
        b.select("pm", "family", "missing", "rule", "round"))
    for col in ("posterior", "log10_lr", "alternative_lr", "second_lr"):
        x, y = a[col].to_numpy(), b[col].to_numpy()
        assert ((x == y) | (abs(x - y) <= 1e-9 * abs(y))).all(), col
    assert reused.family_level.select("pm", "family").equals(
        full.family_level.select("pm", "family"))
    pa = reused.decision.pairs.sort(["pm", "family", "missing"])
    pb = full.decision.pairs.sort(["pm", "family", "missing"])
    assert pa.select("pm", "family", "missing").equals(pb.select("pm", "family", "missing"))
    assert (pa["posterior"] - pb["posterior"]).abs().max() < 1e-9
    aa = reused.decision.alternatives.sort(["pm", "family", "person"])
    ab = full.decision.alternatives.sort(["pm", "family", "person"])
    assert aa.select("pm", "family", "person").equals(ab.select("pm", "family", "person"))
    assert (aa["posterior"] - ab["posterior"]).abs().max() < 1e-9


def test_reuse_on_a_grave_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    db = load_frequencies("fbi2015_sw_hispanic")
    markers = db.markers_for(db.markers)
    ds = simulate_grave_scenario(150, markers=markers, seed=4).dataset
    reused, full, calls = _both(monkeypatch, ds.am, ds.pm, ds.markers)
    assert reused.identifications.height > 0 and reused.family_level.height > 0
    assert any(calls), "no round reused the previous search"
    _same(reused, full)


def test_reuse_on_the_bundled_programme(monkeypatch: pytest.MonkeyPatch) -> None:
    ds = load_case(PROGRAMME)
    reused, full, calls = _both(monkeypatch, ds.am, ds.pm, ds.markers)
    assert any(calls)
    _same(reused, full)
