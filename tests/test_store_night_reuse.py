"""Nights that reuse the last night's searches (``run_store(reuse_searches=True)``, the
default) against the same nights searching everything (``reuse_searches=False``): every
night's identifications, family-level proposals, stored proposals and candidate changes are
the same, posteriors to 1e-12 relative. The nights bring new references, new PM samples, a
re-typed relative and a re-typed PM sample, and a run killed during its identification; a
damaged memo file is ignored with a warning. At the identification level (hypothesis),
random sequences of nights that add, change and withdraw families and samples give the same
decisions with and without the memos."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import programme_with_panel

from forensic_match.cases import DviDataset, Family, PMSample
from forensic_match.dvi import identify as identify_module
from forensic_match.dvi.fragments import SameSourceMemo
from forensic_match.dvi.identify import identify
from forensic_match.dvi.search_reuse import load_memos
from forensic_match.errors import CacheWarning
from forensic_match.store import CaseStore, run_store
from forensic_match.store import runs as runs_module

RETYPED_FAMILY, RETYPED_PM = "F0055", "PM0066"




def _retyped_family(family: Family, k: int = 0) -> Family:
    who = sorted(family.genotypes)[k % len(family.genotypes)]
    profile = dict(family.genotypes[who])
    profile.pop(sorted(profile)[0])
    return dataclasses.replace(family, genotypes={**family.genotypes, who: profile})


def _retyped_sample(sample: PMSample, k: int = 0) -> PMSample:
    genotypes = dict(sample.genotypes)
    genotypes.pop(sorted(genotypes)[k % len(genotypes)])
    return dataclasses.replace(sample, genotypes=genotypes)


def _nights() -> list[DviDataset]:
    ds = programme_with_panel()
    fams = {f.id: f for f in ds.am}
    pms = {p.id: p for p in ds.pm}
    am, pm = list(ds.am), list(ds.pm)
    return [
        dataclasses.replace(ds, am=am[:100], pm=pm[:75]),
        dataclasses.replace(ds, am=am[100:150], pm=pm[75:110]),
        dataclasses.replace(ds, am=[_retyped_family(fams[RETYPED_FAMILY])],
                            pm=[_retyped_sample(pms[RETYPED_PM])]),
        dataclasses.replace(ds, am=am[150:], pm=pm[110:]),
    ]


class Killed(Exception):
    """Stands for SIGKILL during a run's identification (the process ends there)."""


def _run_nights(folder: Path, reuse: bool, monkeypatch: pytest.MonkeyPatch,
                nights: list[DviDataset] | None = None, **weigh: Any) -> list[dict[str, Any]]:
    """Run the nights into a fresh store; the fourth is killed once during its decisions and
    run again. Per finished night: identify's result, the stored proposals, the changes."""
    seen: list[Any] = []
    original = runs_module._identify

    def capture(*args: Any, **kwargs: Any) -> Any:
        out = original(*args, **kwargs)
        seen.append(out[0])
        return out

    monkeypatch.setattr(runs_module, "_identify", capture)
    drawn = [0]
    draw = identify_module.relative_alternatives

    def counted(family: Family) -> Any:
        drawn[0] += 1
        return draw(family)

    monkeypatch.setattr(identify_module, "relative_alternatives", counted)
    out = []
    with CaseStore(folder / "cases.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n, night in enumerate(_nights() if nights is None else nights):
            if n == 3:
                real = identify_module.decide

                def dies(*args: Any, **kwargs: Any) -> Any:
                    raise Killed

                monkeypatch.setattr(identify_module, "decide", dies)
                with pytest.raises(Killed):
                    run_store(store, night, min_markers=8, reuse_searches=reuse, **weigh)
                monkeypatch.setattr(identify_module, "decide", real)
            drawn[0] = 0
            summary = run_store(store, night, min_markers=8, reuse_searches=reuse, **weigh)
            proposals = sorted(
                (p["pm"], p["family_id"], p["missing"], p["rule"], p["basis_sha256"],
                 p["log10_lr"], p["posterior"], p["state"], p["needs_review"])
                for p in store.proposals())
            changes = sorted((c["pm"], c["family"], c["missing"], c["change"],
                              c["log10_lr"], c["previous_log10_lr"])
                             for c in store.changes(summary.run_id))
            out.append({"result": seen[-1], "proposals": proposals, "changes": changes,
                        "counts": summary.counts, "drawn": drawn[0]})
    return out


#: The searches a night keeps: the scout, the first round, the relative alternatives, the
#: references' relatives (a family in play with a distant reference) and the candidates ...
MEMOS = {"scout", "round", "relatives", "reference_kin", "candidates"}
#: ... and the same searches of each later round (``round.2``, ...).
LATER = ("round", "relatives", "reference_kin")


def kept_memos(path: Path) -> set[str]:
    """The names of the memos kept in ``path``, the later rounds' checked and left out."""
    names = set(load_memos(path))
    later = {n for n in names if "." in n}
    assert all(n.split(".")[0] in LATER and int(n.split(".")[1]) >= 2 for n in later), later
    return names - later

#: Posteriors and LRs agree to this relative difference ...
RELATIVE = 1e-12
#: ... or, for posteriors near zero (1e-37 and the like, whose last digits follow the LR
#: sums' rounding through the matching's folding), to this absolute one.
ABSOLUTE = 1e-15


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= RELATIVE * abs(b) or \
            (abs(b) < 1e-3 and abs(a - b) <= ABSOLUTE)
    return a == b


def _all_close(u: np.ndarray, v: np.ndarray) -> bool:
    return bool(all(_close(float(a), float(b)) for a, b in zip(u, v)))


def assert_same_decisions(got: Any, want: Any) -> None:
    """identify's results agree: identifications, family level, every posterior (1e-12)."""
    keys = ["pm", "family", "missing", "rule", "round", "fragments", "alternative",
            "n_markers", "n_inconsistent"]
    a, b = got.identifications, want.identifications
    assert a.select(keys).equals(b.select(keys))
    for col in ("posterior", "log10_lr", "lr", "second_lr", "alternative_lr"):
        assert all(_close(x, y) for x, y in zip(a[col].to_list(), b[col].to_list())), col
    fa, fb = got.family_level, want.family_level
    assert fa.select("pm", "family", "fragments").equals(fb.select("pm", "family", "fragments"))
    assert all(_close(x, y) for x, y in zip(fa["posterior"].to_list(),
                                             fb["posterior"].to_list()))
    for name, key in (("pairs", ["pm", "family", "missing"]),
                      ("alternatives", ["pm", "family", "person"]),
                      ("families", ["pm", "family"]), ("bodies", ["pm"])):
        x, y = getattr(got.decision, name).sort(key), getattr(want.decision, name).sort(key)
        assert x.select(key).equals(y.select(key)), name
        for col in x.columns:
            if x[col].dtype.is_float():
                u, v = x[col].to_numpy(), y[col].to_numpy()
                assert _all_close(u, v), (name, col)
    assert got.held_back.equals(want.held_back)


def _assert_same_nights(on: list[dict[str, Any]], off: list[dict[str, Any]]) -> None:
    """Night by night: the same decisions, stored proposals and candidate changes."""
    assert len(on) == len(off) == 4
    for n, (a, b) in enumerate(zip(on, off)):
        assert_same_decisions(a["result"], b["result"])
        assert len(a["proposals"]) == len(b["proposals"])
        for x, y in zip(a["proposals"], b["proposals"]):
            assert all(_close(u, v) for u, v in zip(x, y)), (n, x, y)
        assert len(a["changes"]) == len(b["changes"])
        for x, y in zip(a["changes"], b["changes"]):
            assert all(_close(u, v) for u, v in zip(x, y)), (n, x, y)


def test_nights_with_reuse_equal_nights_without(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    on = _run_nights(tmp_path / "on", True, monkeypatch)
    off = _run_nights(tmp_path / "off", False, monkeypatch)
    _assert_same_nights(on, off)
    for n, (a, b) in enumerate(zip(on, off)):
        for k in ("identifications", "new_proposals", "candidates", "compiled_families",
                  *(f"candidates_{c}" for c in runs_module.CHANGES)):
            assert a["counts"].get(k) == b["counts"].get(k), (n, k)
    # The nights after the first reused searches; without reuse nothing was kept.
    assert all(a["result"].counts["searches_reused"] > 0 for a in on[1:])
    assert "searches_reused" not in off[1]["result"].counts
    # Unchanged families' relative alternatives came from the memo, not drawn again.
    assert all(a["drawn"] < b["drawn"] for a, b in zip(on[1:], off[1:]))
    for name in ("tables.search.npz", "tables.conditioned.npz", "tables.pairs.npz",
                 "tables.alternatives.npz"):
        assert (tmp_path / "on" / "cases.db.tables" / name).exists()
        assert not (tmp_path / "off" / "cases.db.tables" / name).exists()
    assert on[-1]["proposals"] and any(c[3] == "withdrawn" for c in on[2]["changes"])


def test_a_cut_memo_or_table_file_is_ignored_and_closed(tmp_path: Path) -> None:
    """A file cut short (a disk full, a copy interrupted) gives a CacheWarning and no
    unclosed file (pytest turns a ResourceWarning into an error)."""
    import gc

    from forensic_match.dvi.identify import _load_cache
    from forensic_match.dvi.search_reuse import save_memos

    ds = programme_with_panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        identify(ds.am[:20], ds.pm[:15], ds.markers, min_markers=8,
                 cache=tmp_path / "tables.npz", search_memos=(memos := {}))
    save_memos(tmp_path / "tables.search.npz", memos)
    for name in ("tables.npz", "tables.search.npz"):
        path = tmp_path / name
        whole = path.read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    with pytest.warns(CacheWarning, match="search memos could not be read"):
        assert load_memos(tmp_path / "tables.search.npz") == {}
    with pytest.warns(CacheWarning, match="compiled tables could not be read"):
        assert _load_cache(tmp_path / "tables.npz") is None
    gc.collect()


def test_a_damaged_memo_file_is_ignored(tmp_path: Path) -> None:
    ds = programme_with_panel()
    nights = [dataclasses.replace(ds, am=ds.am[:60], pm=ds.pm[:50]),
              dataclasses.replace(ds, am=ds.am[60:70], pm=ds.pm[50:60])]
    with CaseStore(tmp_path / "cases.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_store(store, nights[0], min_markers=8)
        memo_file = tmp_path / "cases.db.tables" / "tables.search.npz"
        assert kept_memos(memo_file) == MEMOS
        data = bytearray(memo_file.read_bytes())
        data[len(data) // 2] ^= 0xFF
        memo_file.write_bytes(bytes(data))
    with pytest.warns(CacheWarning, match="search memos could not be read"):
        assert load_memos(memo_file) == {}
    with CaseStore(tmp_path / "cases.db") as store:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            damaged = run_store(store, nights[1], min_markers=8)
        assert damaged.counts["identifications"] >= 0
        assert kept_memos(memo_file) == MEMOS
    with CaseStore(tmp_path / "other.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_store(store, nights[0], min_markers=8, reuse_searches=False)
        full = run_store(store, nights[1], min_markers=8, reuse_searches=False)
    assert {k: v for k, v in damaged.counts.items() if k.startswith("candidates")} == \
        {k: v for k, v in full.counts.items() if k.startswith("candidates")}
    assert damaged.counts["identifications"] == full.counts["identifications"]


@st.composite
def night_sequences(draw: st.DrawFn) -> list[tuple[list[Family], list[PMSample]]]:
    ds = programme_with_panel()
    am, pm = ds.am[:60], ds.pm[:45]
    fams = sorted(draw(st.sets(st.integers(0, len(am) - 1), min_size=35, max_size=45)))
    samples = sorted(draw(st.sets(st.integers(0, len(pm) - 1), min_size=30, max_size=38)))
    changed_f: dict[int, int] = {}
    changed_s: dict[int, int] = {}
    out = [([am[i] for i in fams], [pm[i] for i in samples])]
    for _ in range(2):
        fams = sorted((set(fams) - draw(st.sets(st.sampled_from(fams), max_size=2)))
                      | draw(st.sets(st.integers(0, len(am) - 1), max_size=4)))
        samples = sorted((set(samples) - draw(st.sets(st.sampled_from(samples), max_size=2)))
                         | draw(st.sets(st.integers(0, len(pm) - 1), max_size=4)))
        for i in draw(st.sets(st.sampled_from(fams), max_size=2)):
            changed_f[i] = changed_f.get(i, 0) + 1
        for i in draw(st.sets(st.sampled_from(samples), max_size=2)):
            changed_s[i] = changed_s.get(i, 0) + 1
        out.append(([_retyped_family(am[i], changed_f[i]) if i in changed_f else am[i]
                     for i in fams],
                    [_retyped_sample(pm[i], changed_s[i]) if i in changed_s else pm[i]
                     for i in samples]))
    return out


@pytest.mark.slow
@settings(deadline=None, max_examples=4, suppress_health_check=[HealthCheck.too_slow])
@given(night_sequences())
def test_random_nights_decide_alike_with_and_without_memos(nights: list) -> None:
    import tempfile

    markers = programme_with_panel().markers
    memos: dict = {}
    pairs = SameSourceMemo()
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cache_file = Path(tmp) / "tables.npz"
        for am, pm in nights:
            got = identify(am, pm, markers, min_markers=8, cache=cache_file,
                           search_memos=memos, same_source_memo=pairs)
            want = identify(am, pm, markers, min_markers=8)
            assert_same_decisions(got, want)


def test_the_command_line_switch(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from store_helpers import write_small_dataset

    from forensic_match.cli import main

    data = write_small_dataset(tmp_path / "small.json")
    db = str(tmp_path / "cases.db")
    memo_file = tmp_path / "cases.db.tables" / "tables.search.npz"
    runner = CliRunner()
    off = runner.invoke(main, ["run", str(data), "--store", db, "--no-search-reuse", "-q"])
    assert off.exit_code == 0, off.output
    assert (tmp_path / "cases.db.tables" / "tables.npz").exists() and not memo_file.exists()
    on = runner.invoke(main, ["run", str(data), "--store", db, "-q"])
    assert on.exit_code == 0, on.output
    assert kept_memos(memo_file) == MEMOS
    with CaseStore(db) as store:
        assert store.changes() == []


# 23 s of the default run's 15-minute budget on the 2-core machine: in `make test-slow`
@pytest.mark.slow
def test_evidence_nights_take_the_kept_rows(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Nights that weigh the AM/PM evidence search everything, but take the compiled rows
    kept beside the tables (relative alternatives by family content, conditioned rows and
    the references' relatives by id): the same decisions as nights that keep nothing."""
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    on = _run_nights(tmp_path / "on", True, monkeypatch, evidence=True)
    off = _run_nights(tmp_path / "off", False, monkeypatch, evidence=True)
    _assert_same_nights(on, off)
    assert on[-1]["proposals"]
    # No search was reused (evidence), but the rows' files were kept and read. (The
    # evidence draws each family's alternatives again for its relatives' models.)
    assert all("searches_reused" not in a["result"].counts for a in on)
    assert not (tmp_path / "on" / "cases.db.tables" / "tables.search.npz").exists()
    for name in ("tables.conditioned.npz", "tables.alternatives.npz",
                 "tables.reference_kin.npz"):
        assert (tmp_path / "on" / "cases.db.tables" / name).exists()
        assert not (tmp_path / "off" / "cases.db.tables" / name).exists()



def _small_nights() -> list[DviDataset]:
    """The nights of :func:`_nights` over the programme's families of at most six persons
    (the exact theta correction of the larger ones costs seconds each)."""
    ds = programme_with_panel()
    am = [f for f in ds.am if len(f.pedigree) <= 6]
    pm = list(ds.pm)
    return [
        dataclasses.replace(ds, am=am[:60], pm=pm[:60]),
        dataclasses.replace(ds, am=am[60:100], pm=pm[60:100]),
        dataclasses.replace(ds, am=[_retyped_family(am[1])], pm=[_retyped_sample(pm[1])]),
        dataclasses.replace(ds, am=am[100:], pm=pm[100:]),
    ]


# 68 s of the default run's 15-minute budget on the 2-core machine: in `make test-slow`
@pytest.mark.slow
def test_theta_nights_take_the_kept_rows(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With theta the nights keep and take the conditioned rows and the references'
    relatives' rows too (their theta denominators with them): the same decisions as nights
    that keep nothing, and fewer families compiled."""
    from forensic_match.dvi import reference_kin as reference_kin_module

    compiled = [0]
    for module in (identify_module, reference_kin_module):
        def counted(*args: Any, _real: Any = module.compile_rows, **kwargs: Any) -> Any:
            compiled[0] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, "compile_rows", counted)
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    on = _run_nights(tmp_path / "on", True, monkeypatch, _small_nights(), theta=0.02)
    compiled_on, compiled[0] = compiled[0], 0
    off = _run_nights(tmp_path / "off", False, monkeypatch, _small_nights(), theta=0.02)
    _assert_same_nights(on, off)
    # Families' rows compiled one at a time (conditioned, the references' relatives): the
    # kept ones were taken instead.
    assert compiled_on < compiled[0]
    assert on[-1]["proposals"]
    assert all(a["result"].parameters["theta"] == 0.02 for a in on)
    for name in ("tables.conditioned.npz", "tables.reference_kin.npz"):
        assert (tmp_path / "on" / "cases.db.tables" / name).exists()
        assert not (tmp_path / "off" / "cases.db.tables" / name).exists()


def test_an_unchanged_night_searches_nothing_again(tmp_path: Path) -> None:
    """The rounds after the first start from the same round of the last night: a night on
    the same data finds nothing new, changed or gone in any search (before, every later
    round searched again what the first round's identifications had changed)."""
    ds = programme_with_panel()
    am, pm = ds.am, ds.pm
    memos: dict = {}
    pairs = SameSourceMemo()
    cache_file = tmp_path / "tables.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = identify(am, pm, ds.markers, min_markers=8, cache=cache_file,
                         search_memos=memos, same_source_memo=pairs)
        # identifications in the first round, so a second round searched
        assert first.identifications.height > 0
        assert {"round.2", "relatives.2", "reference_kin.2"} <= set(memos)
        again = identify(am, pm, ds.markers, min_markers=8, cache=cache_file,
                         search_memos=memos, same_source_memo=pairs)
    assert again.counts["searches_reused"] >= 7
    assert again.counts["searches_unchanged"] == again.counts["searches_reused"]
    assert first.counts["searches_unchanged"] == 0
    assert_same_decisions(again, first)
