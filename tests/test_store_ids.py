"""Ids in the case store on every backend (an outside check on PostgreSQL 15, h_pg, F1,
2026-12-08): a body of several fragments with realistic laboratory ids, whose proposal joins
them into one value longer than an id column holds, and ids longer than the store keeps.
SQLite does not enforce a VARCHAR's length, so these run on SQLite and, with
``FM_STORE_URL`` set, on PostgreSQL (``docs/store.md``, "Tables")."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import sqlalchemy as sa
from helpers import fragment
from store_helpers import small_dataset_dict, store_target  # noqa: F401 - fixture

from forensic_match.cases import case_from_dict
from forensic_match.store import (
    CaseStore,
    StoreError,
    create_store_engine,
    current_revision,
    head_revision,
    run_store,
    schema,
)
from forensic_match.store.database import downgrade_store

#: A laboratory's fragment id: 37 characters, as a Peruvian exhumation numbers its bones.
LAB = "PE-AYA-HUA-1984-FOSA001-IND001-FRAG{:02d}"


def _six_fragments() -> dict[str, Any]:
    """The small dataset with PM0066 (F0055's missing man) as a body of six fragments with
    37-character laboratory ids: PM0066 and PM0086 as typed, and four more extracts of
    PM0066 (a femur, a tooth, ...), each missing another marker."""
    data = small_dataset_dict()
    first = next(p for p in data["pm"] if p["id"] == "PM0066")
    second = next(p for p in data["pm"] if p["id"] == "PM0086")
    first["id"], second["id"] = LAB.format(1), LAB.format(2)
    markers = sorted(first["genotypes"])
    for k in range(3, 7):
        extra = copy.deepcopy(first)
        extra["id"] = LAB.format(k)
        extra["genotypes"].pop(markers[k])
        data["pm"].append(extra)
    return data


def test_the_columns_of_joined_ids_are_text() -> None:
    """A proposal's PM samples (a body's fragments joined by ","), a conditioning row's, and
    an audit entry's key ("sample|version") are longer than one id: VARCHAR(200) made
    PostgreSQL refuse a body of 6 fragments of 37 characters (227) and fail every night."""
    for table, column in (("proposals", "pm"), ("proposal_conditioning", "pm"),
                          ("audit_log", "entity_key")):
        col = schema.metadata.tables[table].c[column]
        assert type(col.type) is sa.Text, (table, column, col.type)


def test_a_body_of_six_fragments_with_laboratory_ids_is_proposed(
        store_target: str) -> None:  # noqa: F811
    ds = case_from_dict(_six_fragments())
    fragments = ",".join(LAB.format(k) for k in range(1, 7))
    assert len(fragments) == 227
    with CaseStore(store_target) as store:
        for _night in (1, 2):      # the second night failed as the first did
            summary = run_store(store, ds, min_markers=8)
            assert summary.status == "finished"
        body = [p for p in store.proposals() if p["family_id"] == "F0055"]
        assert [(p["pm"], p["missing"]) for p in body] == [(fragments, "F0055_MP1")]
        assert store.verify().ok


def test_an_id_longer_than_the_store_keeps_is_refused_on_every_backend(
        store_target: str) -> None:  # noqa: F811
    """A 206-character PM sample id was stored on SQLite and failed the run's first
    transaction on PostgreSQL with a raw traceback; now both refuse it, naming it, before
    anything is stored."""
    long_pm = "PE-AYA-HUA-1984-" + "X" * 190
    long_family = "FAM-" + "Y" * 190          # 194: the family fits, its persons do not
    for change, words in (
            (lambda d: d["pm"][0].update(id=long_pm),
             ("a PM sample's id", "at most 200 characters (samples.sample_id)",
              "this one has 206", long_pm, "nothing is stored")),
            (lambda d: d["am"][0].update(family=long_family),
             (f"family {long_family!r}, person", "persons.person_id", "nothing is stored"))):
        data = small_dataset_dict()
        change(data)
        with CaseStore(store_target) as store:
            head = store.verify().head
            with pytest.raises(StoreError, match=fragment("dataset 'store_small'", *words)):
                run_store(store, case_from_dict(data), min_markers=8)
            assert store.verify().head == head
            with store.reading() as conn:
                assert conn.execute(sa.select(sa.func.count()).select_from(
                    schema.runs)).scalar_one() == 0


def test_the_joined_id_columns_migrate_down_and_up_with_the_data(
        store_target: str) -> None:  # noqa: F811
    """Migration 0010 carries the stored rows over (SQLite rebuilds the tables, PostgreSQL
    changes the type in place); a store whose proposals need the wider column cannot go
    back to 0009, and says why."""
    data = small_dataset_dict()      # without F0055's body, which comes the next night
    data["pm"] = [p for p in data["pm"] if p["id"] not in ("PM0066", "PM0086")]
    with CaseStore(store_target) as store:
        run_store(store, case_from_dict(data), min_markers=8)
        assert {p["pm"] for p in store.proposals()} == {"PM0136,PM0143"}
        before = store.export()
        head = store.verify().head
    engine = create_store_engine(store_target)
    downgrade_store(engine, "0009")
    assert current_revision(engine) == "0009"
    with engine.connect() as conn:
        types = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns("proposals")}
        assert isinstance(types["pm"], sa.String) and types["pm"].length == 200
    engine.dispose()
    with CaseStore(store_target) as store:          # opening upgrades
        assert current_revision(store.engine) == head_revision()
        assert store.export() == before
        assert store.verify().ok and store.verify().head == head
    with CaseStore(store_target) as store:
        run_store(store, case_from_dict(_six_fragments()), min_markers=8)
    engine = create_store_engine(store_target)
    with pytest.raises(RuntimeError, match=fragment("proposals.pm holds a value of 227",
                                                    "more than the 200 of revision 0009")):
        downgrade_store(engine, "0009")
    assert current_revision(engine) == head_revision()
    engine.dispose()
