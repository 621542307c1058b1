"""Candidates kept as intervals of runs (migration 0009, ``docs/store.md``, "Candidates kept as
intervals"): a run writes only the PM samples whose lists changed and closes the lists it
replaces; each run's candidates read back, hash and change as when every run wrote them all.

Nights on three families and six PM samples of the bundled programme: the data, the same data
again (nothing new), a re-typed PM sample, a withdrawn one. Before migration 0009 every night
wrote every sample's list (the unchanged night as many rows as the first).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import change_dataset, small_dataset_dict, store_target  # noqa: F401

from forensic_match.cases import case_from_dict
from forensic_match.store import CaseStore, run_store, schema
from forensic_match.store.candidates import (
    candidate_hashes,
    candidates_sha256,
    run_candidates,
    write_candidates,
)

#: The columns of each table as every run wrote and hashed them before migration 0009.
FIRST = {"candidates": ("run_id", "pm", "rank", "family_id", "missing", "log10_lr",
                        "n_markers", "n_inconsistent"),
         "lineage": ("run_id", "pm", "rank", "line", "log10_lr", "reference", "meioses"),
         "snp": ("run_id", "pm", "rank", "log10_lr", "method", "n_references",
                 "best_reference", "relationship")}


def _plain_sha256(run_id: str, parts: dict[str, list[dict[str, Any]]]) -> str:
    """The first schema's formula with json and hashlib alone: the rows (``run_id`` first)
    by pm and rank (and line), a dict of the parts only when lineage or SNP rows exist."""
    def listed(name: str) -> list[list[Any]]:
        return [[run_id] + [r[k] for k in FIRST[name][1:]] for r in sorted(parts[name], key=_at)]

    value: Any = listed("candidates")
    others = {k: listed(k) for k in ("lineage", "snp") if parts.get(k)}
    if others:
        value = {"candidates": value, **others}
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _at(row: dict[str, Any]) -> tuple[Any, ...]:
    return row["pm"], row["rank"], row.get("line", "")


def _rows(store: CaseStore, sql: str) -> list[Any]:
    with store.reading() as conn:
        return conn.execute(sa.text(sql)).all()


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("intervals") / "cases.db"
    data = small_dataset_dict()
    retyped = small_dataset_dict()
    change_dataset(retyped, pm="PM0001")
    runs = []
    with CaseStore(path) as store:
        for night in (data, data, retyped):
            runs.append(run_store(store, case_from_dict(night), min_markers=8))
        store.withdraw_sample("PM0002", actor="lab", reason="contaminated extraction")
        # the laboratory's next file leaves the recalled sample out
        retyped["pm"] = [p for p in retyped["pm"] if p["id"] != "PM0002"]
        runs.append(run_store(store, case_from_dict(retyped), min_markers=8))
    return {"path": path, "runs": runs}


def test_an_unchanged_night_writes_no_candidate_row(nights: dict[str, Any]) -> None:
    first, same = nights["runs"][:2]
    with CaseStore(nights["path"]) as store:
        one, two = store.run_candidates(first.run_id), store.run_candidates(same.run_id)
        assert same.counts["candidates"] == first.counts["candidates"] == \
            len(two["candidates"]) > 10
        assert same.counts["candidate_rows_written"] == 0
        assert [r | {"run_id": same.run_id} for r in one["candidates"]] == two["candidates"]
        assert _rows(store, f"SELECT COUNT(*) FROM candidates WHERE run_id = "
                            f"'{same.run_id}'")[0][0] == 0
        assert store.changes(same.run_id) == []
        # the run's hash is the first schema's, over its whole list
        (stored,) = _rows(store, f"SELECT candidates_sha256 FROM runs WHERE run_id = "
                                 f"'{same.run_id}'")
        assert stored[0] == _plain_sha256(same.run_id, two)
        assert store.verify().ok


def test_a_changed_night_writes_and_closes_only_the_changed_lists(
        nights: dict[str, Any]) -> None:
    """The re-typed PM0001's list is written again and the old one closed by the run; every
    other list stays the first night's rows; each run still reads what it ranked."""
    first, same, retyped, withdrawn = nights["runs"]
    with CaseStore(nights["path"]) as store:
        before = store.run_candidates(same.run_id)["candidates"]
        after = store.run_candidates(retyped.run_id)["candidates"]
        moved = {r["pm"] for r in store.changes(retyped.run_id)}
        assert moved == {"PM0001"}
        assert {r["pm"] for r in after if r["log10_lr"] != next(
            (b["log10_lr"] for b in before if (b["pm"], b["rank"]) == (r["pm"], r["rank"])),
            None)} == {"PM0001"}
        written = _rows(store, f"SELECT DISTINCT pm FROM candidates WHERE run_id = "
                               f"'{retyped.run_id}'")
        closed = _rows(store, f"SELECT DISTINCT run_id, pm FROM candidates WHERE "
                              f"until_run_id = '{retyped.run_id}'")
        assert written == [("PM0001",)] and closed == [(first.run_id, "PM0001")]
        assert retyped.counts["candidate_rows_written"] == \
            sum(r["pm"] == "PM0001" for r in after)
        # the withdrawn sample's list is closed, its candidates listed withdrawn
        last = store.run_candidates(withdrawn.run_id)["candidates"]
        assert "PM0002" not in {r["pm"] for r in last}
        assert withdrawn.counts["candidate_rows_written"] == 0
        assert {(r["pm"], r["change"]) for r in store.changes(withdrawn.run_id)} == \
            {("PM0002", "withdrawn")}
        assert _rows(store, f"SELECT DISTINCT pm FROM candidates WHERE until_run_id = "
                            f"'{withdrawn.run_id}'") == [("PM0002",)]
        # 4 runs' lists in the rows of the first night and the re-typed sample's second list
        (n,) = _rows(store, "SELECT COUNT(*) FROM candidates")[0]
        assert n == first.counts["candidates"] + retyped.counts["candidate_rows_written"]
        trace = [e["detail"] for e in store.trace("PM0001") if e["event"] == "candidates"]
        assert [t.split(":")[0] for t in trace] == [f"run {r.run_id}" for r in nights["runs"]]
        assert store.verify().ok


@pytest.mark.parametrize("tamper, named", [
    ("UPDATE candidates SET until_run_id = NULL WHERE until_run_id IS NOT NULL",
     "candidates of run"),
    ("UPDATE candidates SET log10_lr = log10_lr + 1 WHERE until_run_id IS NOT NULL",
     "candidates of run"),
    ("DELETE FROM run_order WHERE seq = 2", "candidates of run"),
    ("UPDATE run_order SET seq = seq + 10 WHERE seq = 3", "run_order"),
])
def test_verify_names_intervals_changed_behind_the_log(nights: dict[str, Any], tmp_path: Path,
                                                       tamper: str, named: str) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(nights["path"], path)
    with CaseStore(path) as store:
        assert store.verify().ok
        with store.transaction() as conn:
            conn.execute(sa.text(tamper))
        report = store.verify()
    assert not report.ok and any(named in p for p in report.problems), report.problems


def test_the_migration_carries_every_runs_candidates_over(nights: dict[str, Any],
                                                          tmp_path: Path) -> None:
    """Down to 0008 the store holds every run's whole list under the run's id, as the code
    before migration 0009 wrote it (each run's rows hash to its candidates_sha256 by the
    first schema's formula); up again, every run reads the same list, the rows are those of
    the distinct lists, and the store verifies."""
    from forensic_match.store.database import (
        create_store_engine,
        current_revision,
        downgrade_store,
        head_revision,
    )

    path = tmp_path / "copy.db"
    shutil.copy(nights["path"], path)
    with CaseStore(path) as store:
        lists = {r.run_id: store.run_candidates(r.run_id) for r in nights["runs"]}
        (kept,) = _rows(store, "SELECT COUNT(*) FROM candidates")[0]
    engine = create_store_engine(path)
    downgrade_store(engine, "0008")     # (through 0010's, which rebuilds tables on SQLite)
    assert current_revision(engine) == "0008"
    with engine.connect() as conn:
        assert "run_order" not in sa.inspect(conn).get_table_names()
        for run in nights["runs"]:
            raw = [dict(r) for r in conn.execute(sa.text(
                f"SELECT * FROM candidates WHERE run_id = '{run.run_id}' "
                f"ORDER BY pm, rank")).mappings()]
            assert len(raw) == run.counts["candidates"]
            assert raw == lists[run.run_id]["candidates"]
            (sha,) = conn.execute(sa.text(f"SELECT candidates_sha256 FROM runs WHERE run_id = "
                                          f"'{run.run_id}'")).one()
            assert sha == _plain_sha256(run.run_id, {"candidates": raw})
        (n,) = conn.execute(sa.text("SELECT COUNT(*) FROM candidates")).one()
        assert n == sum(r.counts["candidates"] for r in nights["runs"]) > kept
    engine.dispose()
    with CaseStore(path) as store:   # opening upgrades
        assert current_revision(store.engine) == head_revision()
        assert {r.run_id: store.run_candidates(r.run_id) for r in nights["runs"]} == lists
        assert _rows(store, "SELECT COUNT(*) FROM candidates")[0][0] == kept
        assert store.verify().ok


def test_a_run_on_every_backend(store_target: str) -> None:  # noqa: F811
    """Two nights of the same data and a re-typed one (SQLite, and PostgreSQL with
    ``FM_STORE_URL``): the unchanged night writes nothing, each run reads its list, verify
    passes."""
    data, retyped = small_dataset_dict(), small_dataset_dict()
    change_dataset(retyped, pm="PM0001")
    with CaseStore(store_target) as store:
        runs = [run_store(store, case_from_dict(x), min_markers=8, cache=False)
                for x in (data, data, retyped)]
        assert [r.counts["candidate_rows_written"] == 0 for r in runs] == [False, True, False]
        for r in runs:
            got = store.run_candidates(r.run_id)
            assert len(got["candidates"]) == r.counts["candidates"]
            with store.reading() as conn:
                (sha,) = conn.execute(sa.select(schema.runs.c.candidates_sha256).where(
                    schema.runs.c.run_id == r.run_id)).one()
            assert sha == _plain_sha256(r.run_id, got)
        assert store.verify().ok


_cell = st.tuples(st.sampled_from(["F1", "F2", "Ñ3"]), st.sampled_from(["M1", "M2"]),
                  st.sampled_from([1.5, 2.25, -3.0, 7.0]), st.integers(8, 9))
_lists = st.dictionaries(st.sampled_from(["PM1", "PM2", "pm2", "PM/3", "PM-0001", "PM_0002"]),
                         st.tuples(st.lists(_cell, min_size=1, max_size=3),
                                   st.sampled_from([(), ("Y",), ("Y", "mtDNA")]),
                                   st.booleans()), max_size=4)


@settings(deadline=None, max_examples=60)
@given(st.lists(_lists, min_size=1, max_size=6))
def test_each_runs_hash_is_the_first_schemas_over_its_whole_list(nights_lists: list) -> None:
    """Random nights of lists (samples coming, changing, going; lineage and SNP rows on and
    off) written by ``write_candidates``: each run reads back exactly what it wrote, its
    ``candidates_sha256`` is the first schema's formula over that, and ``verify``'s hashes
    (each row read once) are the same."""
    engine = sa.create_engine("sqlite://")
    schema.metadata.create_all(engine)
    wrote = {}
    with engine.begin() as conn:
        for i, lists in enumerate(nights_lists):
            run = f"r{i}"
            conn.execute(schema.runs.insert().values(
                run_id=run, software_version="x", status="finished", config="{}",
                config_sha256="0" * 64, frequencies_sha256="0" * 64, inputs="{}", host="h",
                pid=1, started_at=f"2026-12-0{i}", timings="{}", counts="{}"))
            parts: dict[str, list[dict[str, Any]]] = {"candidates": [], "lineage": [],
                                                      "snp": []}
            for pm, (cells, lines, snp) in lists.items():
                for rank, (fam, mp, lr, n) in enumerate(cells, start=1):
                    key = {"run_id": run, "pm": pm, "rank": rank}
                    parts["candidates"].append(key | {"family_id": fam, "missing": mp,
                                                      "log10_lr": lr, "n_markers": n,
                                                      "n_inconsistent": 0})
                    parts["lineage"] += [key | {"line": line, "log10_lr": lr / 2,
                                                "reference": f"{fam}/R", "meioses": 1}
                                         for line in lines]
                    if snp:
                        parts["snp"].append(key | {"log10_lr": 0.5, "method": "exact pair",
                                                   "n_references": 1,
                                                   "best_reference": None,
                                                   "relationship": None})
            write_candidates(conn, run, parts["candidates"], lineage=parts["lineage"],
                             snp=parts["snp"])
            wrote[run] = parts
        hashes, problems = candidate_hashes(conn)
        assert problems == []
        for run, parts in wrote.items():
            got = run_candidates(conn, run)
            for name in parts:
                assert sorted(got[name], key=_at) == sorted(parts[name], key=_at)
            assert candidates_sha256(conn, run) == hashes[run] == _plain_sha256(run, parts)
    engine.dispose()
