"""The batched ingest of the case store writes exactly what the row-by-row ingest wrote.

``ingest_dataset`` buffers rows and their audit entries and writes them in multi-row inserts,
computing the hash chain in Python. Under a frozen (counting) clock the bundled programme
ingested both ways (``tests/store_oracle.py`` is the row-by-row reference) gives equal
stores: every table row for row, the audit log's hashes included; likewise a second ingest of
changed data that flags proposals for re-review. Contents, their sha256, the number of audit
entries and the chain are also checked against values computed here from the programme's
JSON with hashlib and json alone.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import store_oracle
from hypothesis import example, given, settings
from hypothesis import strategies as st
from store_helpers import PROGRAMME, change_dataset, small_dataset_dict
from store_oracle import ingest_per_row

import forensic_match.store.audit as audit
import forensic_match.store.records as records
from forensic_match.cases import case_from_dict, load_case
from forensic_match.errors import ForensicMatchWarning
from forensic_match.store import CaseStore, run_store, schema
from forensic_match.store._bulk import paused_gc
from forensic_match.store.audit import canonical_json, entry_text


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A clock that ticks one microsecond per reading, patched wherever the ingest reads the
    time; ``clock.reset()`` starts it again."""

    class Clock:
        def __init__(self) -> None:
            self.reset()

        def reset(self) -> None:
            self.n = 0

        def __call__(self) -> str:
            self.n += 1
            return f"2026-12-04T00:00:{self.n // 1_000_000:02d}.{self.n % 1_000_000:06d}+00:00"

    c = Clock()
    for module in (audit, records, store_oracle):
        monkeypatch.setattr(module, "now", c)
    yield c


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the store, in primary-key order."""
    engine = sa.create_engine(f"sqlite:///{db}")
    out = {}
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            out[table.name] = [tuple(r) for r in conn.execute(
                sa.select(table).order_by(*table.primary_key.columns))]
    engine.dispose()
    return out


def _ingest(db: Path, dataset: Any, how: str) -> Any:
    with CaseStore(db) as store, store.transaction() as conn:
        write = ingest_per_row if how == "per_row" else records.ingest_dataset
        return write(conn, dataset, actor="lab", run_id=None)


def _copy(src: Path, dst: Path) -> Path:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


@pytest.mark.parametrize("flush", [records.FLUSH_ENTRIES, 7])
def test_batched_ingest_writes_what_the_row_by_row_ingest_wrote(
        tmp_path: Path, clock: Any, flush: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "FLUSH_ENTRIES", flush)
    ds = load_case(PROGRAMME)
    with CaseStore(tmp_path / "a.db"), CaseStore(tmp_path / "b.db"):
        pass  # both created (migrations) before the clock starts
    clock.reset()
    old = _ingest(tmp_path / "a.db", ds, "per_row")
    clock.reset()
    new = _ingest(tmp_path / "b.db", ds, "batched")
    assert new == old
    a, b = _tables(tmp_path / "a.db"), _tables(tmp_path / "b.db")
    assert set(a) == set(b)
    for name in a:
        assert b[name] == a[name], name
    assert len(b["audit_log"]) == 2848 and len(b["profiles"]) == 638


@pytest.mark.parametrize("flush", [records.FLUSH_ENTRIES, 2])
def test_a_second_ingest_of_changed_data_flags_the_same_proposals_the_same_way(
        tmp_path: Path, clock: Any, flush: int, monkeypatch: pytest.MonkeyPatch) -> None:
    with CaseStore(tmp_path / "run.db") as store:
        run_store(store, case_from_dict(small_dataset_dict()), min_markers=8)
    data = small_dataset_dict()
    change_dataset(data, pm="PM0066", relative=("F0055", sorted(
        next(f for f in data["am"] if f["family"] == "F0055")["genotypes"])[0]))
    # and a new founder in F0055's pedigree: a new family version and a new person
    next(f for f in data["am"] if f["family"] == "F0055")["pedigree"].append(
        {"id": "F0055_NEW", "father": None, "mother": None, "sex": "F"})
    changed = case_from_dict(data)
    monkeypatch.setattr(records, "FLUSH_ENTRIES", flush)
    results = {}
    for how in ("per_row", "batched"):
        db = _copy(tmp_path / "run.db", tmp_path / f"{how}.db")
        clock.reset()
        if how == "per_row":  # the oracle (store_oracle.py) warns of nothing
            results[how] = _ingest(db, changed, how)
            continue
        with pytest.warns(ForensicMatchWarning, match="leaves out what version 1 had: 1 "
                                                      "typed marker"):
            results[how] = _ingest(db, changed, how)  # the re-typed relative lost TH01
    assert results["batched"] == results["per_row"]
    assert len(results["batched"].flagged) >= 1
    assert sorted(v[0] for v in results["batched"].new_versions) == \
        ["family", "profile", "profile"]
    a, b = _tables(tmp_path / "per_row.db"), _tables(tmp_path / "batched.db")
    for name in a:
        assert b[name] == a[name], name
    with CaseStore(tmp_path / "batched.db") as store:
        report = store.verify()
    assert report.ok, report.problems


def test_contents_hashes_and_chain_agree_with_an_independent_computation(
        tmp_path: Path) -> None:
    raw = json.loads(PROGRAMME.read_text(encoding="utf-8"))
    with CaseStore(tmp_path / "c.db") as store:
        store.ingest(load_case(PROGRAMME), actor="lab")
    tables = _tables(tmp_path / "c.db")

    def text(value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    profiles = {r[0]: r for r in tables["profiles"]}
    for s in raw["pm"][:20]:
        content = {"sex": s["sex"], "genotypes": dict(sorted(s["genotypes"].items())),
                   "site": s["site"], "dropout": s["dropout"], "info": s["info"]}
        row = profiles[s["id"]]
        assert row[1] == 1 and row[2] == text(content)
        assert row[3] == hashlib.sha256(text(content).encode()).hexdigest()
    fam = raw["am"][0]
    for ind, g in fam["genotypes"].items():
        row = profiles[f"{fam['family']}/{ind}"]
        assert row[3] == hashlib.sha256(text({"genotypes": g}).encode()).hexdigest()
    n_persons = sum(len(f["pedigree"]) for f in raw["am"])
    n_samples = sum(len(f["genotypes"]) for f in raw["am"]) + len(raw["pm"])
    assert (n_persons, n_samples) == (1172, 638)
    assert len(tables["audit_log"]) == 2 * len(raw["am"]) + n_persons + 2 * n_samples
    prev = "0" * 64
    for seq, at, actor, action, entity, key, data, prev_hash, digest in tables["audit_log"]:
        entry = {"seq": seq, "at": at, "actor": actor, "action": action, "entity": entity,
                 "key": key, "data": json.loads(data)}
        assert prev_hash == prev
        assert digest == hashlib.sha256((prev + text(entry)).encode()).hexdigest()
        prev = digest
    assert tables["audit_head"] == [(1, len(tables["audit_log"]), prev)]


_json_leaf = st.none() | st.booleans() | st.integers(-10**12, 10**12) | \
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
_json = st.recursive(_json_leaf, lambda inner: st.lists(inner, max_size=4) |
                     st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)


@settings(deadline=None, max_examples=200)
@given(seq=st.integers(1, 10**9), fields=st.lists(st.text(max_size=20), min_size=5,
                                                   max_size=5),
       data=st.dictionaries(st.text(max_size=8), _json, max_size=5))
def test_entry_text_is_the_canonical_json_of_the_entry(seq: int, fields: list[str],
                                                       data: dict[str, Any]) -> None:
    at, actor, action, entity, key = fields
    entry = {"seq": seq, "at": at, "actor": actor, "action": action, "entity": entity,
             "key": key, "data": data}
    assert entry_text(seq, at, actor, action, entity, key, canonical_json(data)) == \
        canonical_json(entry)


# Reading the store back -----------------------------------------------------------------------

_ALLELES = ["9", "9.3", "10", " 9", "9 ", "OL", "ol", "NA", "", "?", "7.0", "9,3", "x", None,
            7, 9.3, ["9"]]
_genotype = st.one_of(st.lists(st.sampled_from(_ALLELES), max_size=3),
                      st.tuples(st.sampled_from(_ALLELES), st.sampled_from(_ALLELES)),
                      st.sampled_from(["9/10", "9.3", "OL", None, 9, "9/10/11"]))
_profiles = st.dictionaries(st.sampled_from(["A", "B", "C"]), st.dictionaries(
    st.sampled_from(["M1", "M2", "OTHER"]), _genotype, max_size=3), max_size=3)


def _outcome(read: Any, data: Any) -> Any:
    try:
        return ("ok", read(data))
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return ("error", type(exc), str(exc))


@settings(deadline=None, max_examples=300)
@given(batches=st.lists(_profiles, min_size=1, max_size=4))
@example(batches=[{"A": {"M1": ["9", " 9"]}}, {"A": {"M1": ["9", "9 "]}}])
@example(batches=[{"A": {"M1": ["9", "OL"], "M2": ["ol", "9"]}}, {"B": {"M1": ["NA", "10"]}}])
@example(batches=[{"A": {"M1": ["9", "10"]}}, {"A": {"M1": ["9", "7.0"], "M2": ["x", "9"]}}])
def test_the_profile_reader_reads_and_refuses_as_parse_profiles_and_check_labels(
        batches: list[Any]) -> None:
    from forensic_match.cases import _check_labels, _ProfileReader
    from forensic_match.markers import Marker
    from forensic_match.profiles import parse_profiles

    markers = [Marker("M1", ["9", "9.3", "10"], [0.5, 0.3, 0.2]),
               Marker("M2", ["7", "9"], [0.5, 0.5])]

    def reference(data: Any) -> Any:
        out = parse_profiles(data, file="f.json")
        _check_labels(out, markers, "file 'f.json'")
        return out

    reader = _ProfileReader(markers, "f.json", "file 'f.json'")  # one reader: memo carried over
    for data in batches:
        assert _outcome(reader.profiles, data) == _outcome(reference, data)


def test_the_store_reads_back_what_was_ingested(tmp_path: Path) -> None:
    ds = load_case(PROGRAMME)
    with CaseStore(tmp_path / "c.db") as store:
        store.ingest(ds, actor="lab")
        back = store.dataset(ds.markers)
    original = ds.to_dict()
    again = back.to_dict()
    assert again["am"] == sorted(original["am"], key=lambda f: f["family"])
    assert again["pm"] == sorted(original["pm"], key=lambda s: s["id"])
    assert again["markers"] == original["markers"]
    assert all(type(g) is tuple for s in back.pm for g in s.genotypes.values())


def test_the_same_data_in_another_order_is_no_new_version(tmp_path: Path) -> None:
    """An export sorted another way (pedigree rows, missing persons, the two alleles of a
    genotype) stores nothing new and flags nothing; a real change among them still does."""
    data = small_dataset_dict()
    with CaseStore(tmp_path / "c.db") as store:
        store.ingest(case_from_dict(data), actor="lab")
        turned = json.loads(json.dumps(data))
        for fam in turned["am"]:
            fam["pedigree"].reverse()
            fam["missing"].reverse()
            for profile in fam["genotypes"].values():
                for g in profile.values():
                    g.reverse()
        for sample in turned["pm"]:
            for g in sample["genotypes"].values():
                g.reverse()
        again = store.ingest(case_from_dict(turned), actor="lab")
        assert again.new_versions == [] and again.unchanged > 0
        fam = turned["am"][0]
        person = sorted(fam["genotypes"])[0]
        marker = sorted(fam["genotypes"][person])[0]
        fam["genotypes"][person][marker] = ["99", "99"]
        changed = store.ingest(case_from_dict(turned), actor="lab")
        assert changed.new_versions == [("profile", f"{fam['family']}/{person}", 2)]


def test_a_content_changed_behind_the_log_stops_the_read_back(tmp_path: Path) -> None:
    with CaseStore(tmp_path / "c.db") as store:
        store.ingest(load_case(PROGRAMME), actor="lab")
        with store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE profiles SET content = replace(content, '\"15\"', "
                                 "'\"16\"') WHERE sample_id = 'PM0001'"))
        with pytest.raises(records.StoreError, match=r"profiles of sample 'PM0001', version 1: "
                           r"its content does not hash to its sha256"):
            store.dataset(load_case(PROGRAMME).markers)


def test_bulk_steps_pause_the_garbage_collector_and_restore_it() -> None:
    import gc

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # it was off: left off
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("an error inside")
    assert gc.isenabled()
