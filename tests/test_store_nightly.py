"""Nightly matching against the case store: the bundled programme (200 families, 150 PM
samples) fed in three batches, against one run over all of it.

Night 1 brings a third of the families and PM samples; night 2 the second third and a
re-typed relative of a night-1 family; night 3 the rest. The third night's candidates must
equal those of a single run over everything, each night must compile only the families that
are new or changed, and each night's changes (new, stronger, weaker, withdrawn) must be what
the data did.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from forensic_match.cases import DviDataset, Family, load_case
from forensic_match.cli import main
from forensic_match.dvi.identify import prepare_panel
from forensic_match.dvi.table_parts import PartedTables, load_tables
from forensic_match.errors import CacheWarning
from forensic_match.store import CaseStore, run_store
from forensic_match.store.runs import CHANGES, latest_finished_run

PROGRAMME = Path(__file__).resolve().parents[1] / "forensic_match" / "data" / "examples" / \
    "programme_small.json"

#: The night-1 family whose typed relative is re-typed on night 2, and the two PM fragments
#: (night 1) of its missing person.
RETYPED = "F0055"
ITS_SAMPLES = ("PM0066", "PM0086")


@pytest.fixture(scope="module")
def programme() -> DviDataset:
    ds = load_case(PROGRAMME)
    assert isinstance(ds, DviDataset)
    # The institution's table already holds every allele of the programme, so that no night
    # brings an allele the table lacks (that changes the frequencies of its marker, and every
    # family is compiled again: tested below).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = prepare_panel(ds.markers, ds.am, ds.pm)
    return dataclasses.replace(ds, markers=panel)


def _retyped(family: Family) -> Family:
    """The family with its first typed relative typed again (a lab re-test that no longer
    gives one of the markers)."""
    who = sorted(family.genotypes)[0]
    genotypes = dict(family.genotypes)
    profile = dict(genotypes[who])
    dropped = sorted(profile)[0]
    profile.pop(dropped)
    genotypes[who] = profile
    return dataclasses.replace(family, genotypes=genotypes)


def _nights(ds: DviDataset) -> list[DviDataset]:
    """Thirds of the families and samples; the re-typed family and its samples on night 1."""
    first_am = sorted(ds.am, key=lambda f: f.id != RETYPED)
    first_pm = sorted(ds.pm, key=lambda s: s.id not in ITS_SAMPLES)
    third_am, third_pm = len(ds.am) // 3, len(ds.pm) // 3
    am = [first_am[:third_am], first_am[third_am:2 * third_am], first_am[2 * third_am:]]
    pm = [first_pm[:third_pm], first_pm[third_pm:2 * third_pm], first_pm[2 * third_pm:]]
    assert am[0][0].id == RETYPED
    retyped = _retyped(am[0][0])
    return [dataclasses.replace(ds, am=am[0], pm=pm[0]),
            dataclasses.replace(ds, am=[retyped, *am[1]], pm=pm[1]),
            dataclasses.replace(ds, am=am[2], pm=pm[2])]


def _candidates(store: CaseStore, run_id: str) -> list[tuple[Any, ...]]:
    """The run's candidates as it ranked them (the rows valid at the run)."""
    return [(r["pm"], r["rank"], r["family_id"], r["missing"], r["log10_lr"], r["n_markers"],
             r["n_inconsistent"]) for r in store.run_candidates(run_id)["candidates"]]


@pytest.fixture(scope="module")
def nightly(programme: DviDataset, tmp_path_factory: pytest.TempPathFactory,
            ) -> tuple[CaseStore, list[Any], list[DviDataset]]:
    path = tmp_path_factory.mktemp("nightly") / "cases.db"
    store = CaseStore(path)
    nights = _nights(programme)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = [run_store(store, night, min_markers=8) for night in nights]
    yield store, runs, nights
    store.close()


def test_each_night_compiles_only_new_and_changed_families(nightly: tuple) -> None:
    store, runs, nights = nightly
    assert store.tables_dir is not None and (store.tables_dir / "tables.npz").is_file()
    assert runs[0].counts["compiled_families"] == len(nights[0].am)
    # Night 2: its new families and the re-typed one; night 3: its new families.
    assert runs[1].counts["compiled_families"] == len(nights[1].am)
    assert runs[2].counts["compiled_families"] == len(nights[2].am)
    assert runs[2].counts["families"] == sum(len(n.am) for n in nights) - 1


def test_the_relatives_tables_grow_by_each_nights_new_rows(nightly: tuple) -> None:
    """Each night appends a piece of the rows not stored before; the first night's file is
    not written again (docs/store.md, "The relatives' tables as appended pieces")."""
    store = nightly[0]
    index = store.tables_dir / "tables.relatives.npz"
    tables = load_tables(index)
    assert isinstance(tables, PartedTables) and len(tables.files) >= 2
    assert {p.name for p in store.tables_dir.glob("tables.relatives.part-*.npz")} == \
        set(tables.files)
    stored = [k for piece in tables.pieces for k in piece.keys]
    assert len(stored) == len(set(stored)) >= len(tables.keys)
    assert set(tables.keys) <= set(stored)
    for r in range(0, len(tables.rows), 7):
        piece, at = tables.locate(r)
        assert piece.keys[at] == tables.keys[r] and piece.rows[at] == tables.rows[r]


def test_the_missing_persons_tables_grow_by_each_nights_compiled_rows(nightly: tuple) -> None:
    """``tables.npz`` is an index: each night adds a piece of the rows it compiled beside the
    first night's base, which is not written again (docs/store.md)."""
    store, runs, nights = nightly
    tables = load_tables(store.tables_dir / "tables.npz")
    assert isinstance(tables, PartedTables) and len(tables.files) == 3
    assert {p.name for p in store.tables_dir.glob("tables.part-*.npz")} == set(tables.files)
    # Piece n holds the rows night n compiled (the first night's: all of its families).
    for piece, run, night in zip(tables.pieces, runs, nights):
        assert len({name[0] for name in piece.rows}) == run.counts["compiled_families"]
        assert {name[0] for name in piece.rows} <= {f.id for f in night.am}
    assert len(tables.rows) == sum(len(f.missing) for n in nights for f in n.am) - \
        len(nights[1].am[0].missing)


def _run_losing_pieces(store: CaseStore, programme: DviDataset, pattern: str,
                       warning: str) -> tuple[Any, Any, int]:
    """A run on 40 families, then the same run after the table pieces matching ``pattern``
    were deleted (with a CacheWarning matching ``warning``): both runs and the number of
    pieces deleted."""
    ds = dataclasses.replace(programme, am=programme.am[:40], pm=programme.pm[:30])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = run_store(store, ds, min_markers=8)
    assert store.tables_dir is not None
    pieces = list(store.tables_dir.glob(pattern))
    for piece in pieces:
        piece.unlink()
    with pytest.warns(CacheWarning, match=warning):
        second = run_store(store, ds, min_markers=8)
    assert _candidates(store, second.run_id) == _candidates(store, first.run_id)
    assert store.changes(second.run_id) == []
    return first, second, len(pieces)


def test_a_missing_tables_piece_is_compiled_again(programme: DviDataset,
                                                  tmp_path: Path) -> None:
    with CaseStore(tmp_path / "cases.db") as store:
        first, second, lost = _run_losing_pieces(store, programme, "tables.part-*.npz",
                                                 r"tables\.npz'")
        assert lost == 1
        assert second.counts["compiled_families"] == first.counts["compiled_families"] == 40


def test_a_missing_relatives_piece_is_compiled_again(programme: DviDataset,
                                                    tmp_path: Path) -> None:
    with CaseStore(tmp_path / "cases.db") as store:
        first, second, lost = _run_losing_pieces(store, programme,
                                                 "tables.relatives.part-*.npz",
                                                 "tables.relatives.npz")
        assert lost > 0
        assert second.counts["compiled_relative_families"] == \
            first.counts["compiled_relative_families"] > 0


def test_the_third_night_equals_one_run_over_everything(nightly: tuple, programme: DviDataset,
                                                        tmp_path: Path) -> None:
    store, runs, nights = nightly
    everything = dataclasses.replace(
        programme, am=[nights[1].am[0] if f.id == RETYPED else f for f in programme.am])
    with CaseStore(tmp_path / "once.db") as once, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        single = run_store(once, everything, min_markers=8, cache=False)
        want = _candidates(once, single.run_id)
        proposals = {(p["pm"], p["family_id"], p["missing"]) for p in once.proposals()}
    got = _candidates(store, runs[2].run_id)
    assert len(got) == len(want) > 0
    assert got == want
    assert runs[2].counts["identifications"] == single.counts["identifications"]
    # Every identification of the single run is among the nightly store's proposals.
    assert proposals <= {(p["pm"], p["family_id"], p["missing"]) for p in store.proposals()}
    # The bodies placed at family level are kept with each run, the third night's as the
    # single run's (posteriors to the last digits the nights' LR sums allow).
    with CaseStore(tmp_path / "once.db", upgrade=False) as once:
        placed_once = once.run_family_level(single.run_id)
    placed = store.run_family_level(runs[2].run_id)
    assert len(placed) == runs[2].counts["family_level"] == single.counts["family_level"] > 0
    same = ("seq", "pm", "fragments", "family_id", "candidates")
    assert [[r[k] for k in same] for r in placed] == [[r[k] for k in same] for r in placed_once]
    for a, b in zip(placed, placed_once):
        assert math.isclose(a["posterior"], b["posterior"], rel_tol=1e-12)
        assert math.isclose(a["best_log10_lr"], b["best_log10_lr"], rel_tol=1e-12)


def test_the_bodies_placed_at_family_level_are_kept_with_the_run(
        programme: DviDataset, tmp_path: Path) -> None:
    """A store run keeps identify's family-level rows, in its order, audited, with their
    caution (here F0023's, whose added stranger child typed at 4 markers makes a stated
    relationship questionable): 'store family-level' lists them, the export has them,
    verify names a changed row."""
    from test_family_check_identify import _with_stranger_child

    from forensic_match.dvi.identify import identify

    families, _, _ = _with_stranger_child(programme, "F0023", typed_at=4)
    programme = dataclasses.replace(programme, am=families)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = identify(programme.am, programme.pm, programme.markers,
                        min_markers=8).family_level
        db = tmp_path / "cases.db"
        with CaseStore(db) as store:
            summary = run_store(store, programme, min_markers=8, cache=False)
    with CaseStore(db, upgrade=False) as store:
        got = store.run_family_level(summary.run_id)
        assert [r["seq"] for r in got] == list(range(1, want.height + 1))
        assert want.height > 10 and summary.counts["family_level"] == want.height
        for r, w in zip(got, want.iter_rows(named=True)):
            assert (r["pm"], r["fragments"], r["family_id"], r["candidates"]) == \
                (w["pm"], w["fragments"], w["family"], w["candidates"])
            assert r["posterior"] == w["posterior"] >= 0.9995
            assert r["relatives_posterior"] == w["relatives_posterior"]
            assert r["best_log10_lr"] == math.log10(w["best_lr"])
            assert r["caution"] == w["caution"]
            assert (r["caution"] is not None) == (r["family_id"] == "F0023")
        assert store.verify().ok
        assert store.export()["run_family_level"] == got
        for r in (got[0], next(r for r in got if r["caution"])):  # a sample's history has it
            (event,) = [e for e in store.trace(r["fragments"].split(",")[-1])
                        if e["event"] == "placed at family level"]
            assert f"body {r['pm']} (samples {r['fragments']}) in family {r['family_id']}" \
                in event["detail"] and event["detail"].endswith(
                    f"who in it not decided: {r['candidates']}"
                    + (f"; {r['caution']}" if r["caution"] else ""))
    result = CliRunner().invoke(main, ["store", "family-level", str(db), "--run",
                                       summary.run_id])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == want.height
    first = want.row(0, named=True)
    assert f" {first['pm']} ({first['fragments']}) -> family {first['family']}: " in lines[0]
    assert first["candidates"] in lines[0]
    assert sum("; CAUTION: caution: the family's references" in line
               for line in lines) == sum(r["family_id"] == "F0023" for r in got) > 0
    with CaseStore(db, upgrade=False) as store:
        with store.engine.connect() as conn:
            conn.execute(sa.text("UPDATE run_family_level SET family_id = 'F9999' "
                                 "WHERE seq = 2"))
            conn.commit()
        assert any(p.startswith(f"run_family_level row {summary.run_id}|2: differs")
                   for p in store.verify().problems)


def test_changes_between_nights_are_what_the_data_did(nightly: tuple) -> None:
    store, runs, nights = nightly
    first = store.changes(runs[0].run_id)
    assert {c["change"] for c in first} == {"new"} and first[0]["previous_run"] is None
    second = store.changes(runs[1].run_id)
    assert all(c["previous_run"] == runs[0].run_id for c in second)
    new_pm = {s.id for s in nights[1].pm}
    new_families = {f.id for f in nights[1].am[1:]}
    retyped = nights[1].am[0].id
    before = {(r[0], r[2], r[3]): r[4] for r in _candidates(store, runs[0].run_id)}
    after = {(r[0], r[2], r[3]): r[4] for r in _candidates(store, runs[1].run_id)}
    for c in second:
        key = (c["pm"], c["family"], c["missing"])
        if c["pm"] in new_pm:
            assert c["change"] == "new"
        if c["change"] in ("stronger", "weaker"):
            # Only the re-typed family's LRs can move for a sample seen before.
            assert c["family"] == retyped
            assert (c["log10_lr"] > c["previous_log10_lr"]) == (c["change"] == "stronger")
        if c["change"] == "new" and c["pm"] not in new_pm:
            # A sample seen before gains a new family's missing person, or the re-typed
            # family's, or one pushed up by them.
            assert key not in before
        if c["change"] == "withdrawn":
            assert key in before and key not in after
    listed = {(c["pm"], c["family"], c["missing"]) for c in second}
    for key in set(before) & set(after):
        moved = abs(after[key] - before[key]) > 1e-9
        assert moved == (key in listed), key
    assert any(c["family"] == retyped for c in second)
    assert any(c["family"] in new_families for c in second)
    counts = runs[1].counts
    assert sum(counts.get(f"candidates_{k}", 0) for k in CHANGES) == len(second)


def test_a_new_allele_recompiles_every_family(programme: DviDataset, tmp_path: Path) -> None:
    """An allele the frequency table lacks is added at the unknown-allele frequency and the
    marker's table rescaled: every family's LRs at that marker change, so all are compiled
    again (and said so)."""
    ds = dataclasses.replace(programme, am=programme.am[:12], pm=programme.pm[:10])
    with CaseStore(tmp_path / "cases.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = run_store(store, ds, min_markers=8)
        sample = dataclasses.replace(ds.pm[0], id="PMNEW", genotypes={
            **ds.pm[0].genotypes, "TH01": ("6", "13.3")})
        second = run_store(store, dataclasses.replace(ds, am=[], pm=[sample]), min_markers=8)
        third = run_store(store, dataclasses.replace(ds, am=[], pm=[]), min_markers=8)
    assert first.counts["compiled_families"] == 12
    assert second.counts["compiled_families"] == 12
    assert third.counts["compiled_families"] == 0


def test_damaged_tables_are_compiled_again_with_a_warning(programme: DviDataset,
                                                         tmp_path: Path) -> None:
    ds = dataclasses.replace(programme, am=programme.am[:12], pm=programme.pm[:10])
    with CaseStore(tmp_path / "cases.db") as store:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = run_store(store, ds, min_markers=8)
        tables = store.tables_dir
        assert tables is not None
        (tables / "tables.npz").write_bytes(b"not a zip file")
        with pytest.warns(CacheWarning, match="tables.npz"):
            second = run_store(store, ds, min_markers=8)
        assert second.counts["compiled_families"] == 12
        assert _candidates(store, second.run_id) == _candidates(store, first.run_id)
        assert store.changes(second.run_id) == []
        assert store.verify().ok


def test_run_and_changes_commands(programme: DviDataset, tmp_path: Path) -> None:
    import json

    ds = dataclasses.replace(programme, am=programme.am[:12], pm=programme.pm[:10])
    data = tmp_path / "night.json"
    data.write_text(json.dumps(ds.to_dict()), encoding="utf-8")
    db = str(tmp_path / "cases.db")
    runner = CliRunner()
    first = runner.invoke(main, ["run", str(data), "--store", db, "-q"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["run", str(data), "--store", db])
    assert again.exit_code == 0, again.output
    assert "0 of 12 families compiled" in again.output
    assert "0 new, 0 stronger, 0 weaker, 0 withdrawn" in again.output
    shown = runner.invoke(main, ["store", "changes", db])
    assert shown.exit_code == 0 and "no candidate changed" in shown.output
    with CaseStore(db) as store:
        assert store.changes() == []
        with store.reading() as conn:
            (first_run,) = conn.execute(sa.text(
                "SELECT run_id FROM runs ORDER BY started_at LIMIT 1")).one()
    listed = runner.invoke(main, ["store", "changes", db, "--run", first_run,
                                  "--format", "json"])
    assert listed.exit_code == 0
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert rows and {r["change"] for r in rows} == {"new"}
    full = runner.invoke(main, ["run", str(data), "--store", db, "--no-tables"])
    assert full.exit_code == 0 and "12 of 12 families compiled" in full.output
    assert "no family is stored yet" not in full.output
    # A first night of PM samples alone says that nothing was compared.
    alone = tmp_path / "pm_only.json"
    alone.write_text(json.dumps(dataclasses.replace(ds, am=[]).to_dict()), encoding="utf-8")
    pm_only = runner.invoke(main, ["run", str(alone), "--store", str(tmp_path / "new.db")])
    assert pm_only.exit_code == 0, pm_only.output
    assert "0 of 0 families compiled" in pm_only.output
    assert "no family is stored yet" in pm_only.output


def test_run_on_the_laboratory_tables_over_two_nights(tmp_path: Path) -> None:
    """Families one night, PM samples the next, from the lab's tables (as ``search`` reads
    them): the store's candidates are those of ``search`` over all the tables at once."""
    import json

    import polars as pl

    records = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "records"
    db = str(tmp_path / "cases.db")
    runner = CliRunner()
    families = ["--pedigrees", str(records / "pedigrees.csv"),
                "--relatives", str(records / "relatives.csv")]
    samples = ["--pm", str(records / "pm_genotypes.csv"),
               "--samples", str(records / "pm_samples.csv")]
    # The example PM samples are typed at 4-6 markers.
    first = runner.invoke(main, ["run", "--store", db, *families, "--min-markers", "4"])
    assert first.exit_code == 0, first.output
    assert "3 of 3 families compiled" in first.output
    second = runner.invoke(main, ["run", "--store", db, *samples, "--min-markers", "4"])
    assert second.exit_code == 0, second.output
    assert "0 of 3 families compiled" in second.output
    out = tmp_path / "search"
    searched = runner.invoke(main, ["search", *families, *samples, "--out", str(out),
                                    "--min-markers", "4", "-q"])
    assert searched.exit_code == 0, searched.output
    want = pl.read_csv(out / "candidates_by_sample.csv").sort(["pm", "rank"])
    with CaseStore(db) as store:
        with store.reading() as conn:
            run_id = latest_finished_run(conn)
        assert run_id is not None
        got = _candidates(store, run_id)
        with store.reading() as conn:
            config, inputs = conn.execute(sa.text(
                "SELECT config, inputs FROM runs WHERE run_id = :r"), {"r": run_id}).one()
    assert len(got) == want.height > 0
    for g, w in zip(got, want.iter_rows(named=True)):
        assert (g[0], g[1], g[2], g[3]) == (w["pm"], w["rank"], w["family"], w["missing"])
        assert g[4] == pytest.approx(w["log10_lr"], rel=1e-12, abs=1e-12)
    config, inputs = json.loads(config), json.loads(inputs)
    assert config["identify"]["min_markers"] == 4 and len(config["config_sha256"]) == 64
    assert config["frequencies"] == "fbi2015_sw_hispanic"
    assert set(inputs) >= {"pm", "samples", "dataset"} and len(inputs["pm"]["sha256"]) == 64


def test_run_refuses_unclear_input(tmp_path: Path, programme: DviDataset) -> None:
    records = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "records"
    db = str(tmp_path / "cases.db")
    runner = CliRunner()
    nothing = runner.invoke(main, ["run", "--store", db])
    assert nothing.exit_code == 1 and "nothing to run on" in nothing.output
    lone = runner.invoke(main, ["run", "--store", db,
                                "--relatives", str(records / "relatives.csv")])
    assert lone.exit_code == 1 and "--relatives needs --pedigrees" in lone.output
    data = tmp_path / "night.json"
    data.write_text("{}", encoding="utf-8")
    both = runner.invoke(main, ["run", str(data), "--store", db,
                                "--pm", str(records / "pm_genotypes.csv")])
    assert both.exit_code == 1 and "not both" in both.output
    assert not (tmp_path / "cases.db").exists()
