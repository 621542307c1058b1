"""The case store on a database server, as an outside check ran it beside SQLite on
PostgreSQL 15 (h_pg, 2026-12-08): a writer kept waiting by a client frozen inside its
transaction is told the store is busy after the same wait as on SQLite (F3), and a store's
URL is printed with its password hidden, a server that cannot be reached in one line (F6).
Runs on SQLite and, with ``FM_STORE_URL`` set, on PostgreSQL (``docs/store.md``)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from store_helpers import small_dataset_dict, store_target  # noqa: F401 - fixture

import forensic_match.store.database as database
from forensic_match.cases import case_from_dict
from forensic_match.cli import main
from forensic_match.store import CaseStore, StoreError, create_store_engine, run_store
from forensic_match.store.database import StoreBusy, shown_url


class _Stop(Exception):
    pass


def _connect_params(url: str) -> dict[str, Any]:
    """The parameters the engine of ``url`` hands to the driver, caught before it connects."""
    pytest.importorskip("psycopg")
    engine = create_store_engine(url)
    seen: dict[str, Any] = {}

    @sa.event.listens_for(engine, "do_connect")
    def _catch(_dialect: Any, _record: Any, _args: Any, kwargs: dict[str, Any]) -> None:
        seen.update(kwargs)
        raise _Stop

    with pytest.raises(_Stop):
        engine.connect()
    engine.dispose()
    return seen


def test_a_postgresql_store_bounds_its_waits_as_sqlite_does() -> None:
    """PostgreSQL's sessions wait for a lock as long as SQLite's busy timeout, end a session
    left idle inside a transaction, and keep TCP keepalives; options of the URL are kept
    (after ours, so that they win). Before: no setting at all, and a frozen client kept a
    writer waiting without limit."""
    seen = _connect_params("postgresql+psycopg://fm:pw@/cases?host=/nonexistent"
                           "&options=-c%20search_path%3Dfm")
    options = seen["options"]
    assert options.startswith(f"-c lock_timeout={int(database.BUSY_TIMEOUT * 1000)} "
                              f"-c idle_in_transaction_session_timeout="
                              f"{int(database.IDLE_IN_TRANSACTION_TIMEOUT * 1000)} "
                              f"-c tcp_keepalives_idle=60")
    assert options.endswith(" -c search_path=fm")
    assert database.IDLE_IN_TRANSACTION_TIMEOUT >= 1800
    assert (seen["keepalives"], seen["keepalives_idle"], seen["keepalives_interval"],
            seen["keepalives_count"]) == (1, 60, 10, 6)


def test_a_writer_kept_waiting_by_a_frozen_client_is_told_the_store_is_busy(
        store_target: str, monkeypatch: Any) -> None:  # noqa: F811
    """A client frozen inside its writing transaction (here: one that does not go on) holds
    the audit head's lock; another writer gives up after the busy timeout with StoreBusy,
    writing nothing, on every backend (PostgreSQL waited without limit)."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.5)
    frozen, other = CaseStore(store_target), CaseStore(store_target)
    outcome: list[Any] = []

    def add() -> None:
        try:
            other.add_user("dora", ["reviewer"], actor="admin")
            outcome.append("written")
        except StoreError as exc:
            outcome.append(exc)

    with frozen.transaction():
        waiting = threading.Thread(target=add, daemon=True)
        t0 = time.monotonic()
        waiting.start()
        waiting.join(timeout=30)
        waited = time.monotonic() - t0
    assert not waiting.is_alive(), "still waiting after 30 s"
    assert len(outcome) == 1 and isinstance(outcome[0], StoreBusy), outcome
    assert "is busy: another process (a run, a review) has held it for longer than the " \
           "0.5 s this one waits; nothing of this action was written" in str(outcome[0])
    assert waited < 10
    with other.reading() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM users")).scalar() == 0
    other.add_user("dora", ["reviewer"], actor="admin")     # free again
    assert other.verify().ok
    frozen.close()
    other.close()


def test_postgresql_ends_a_session_left_idle_inside_a_transaction(
        store_target: str, monkeypatch: Any) -> None:  # noqa: F811
    """The frozen client's session is ended by the server after the idle limit: its
    transaction is rolled back, the lock freed, and the others write again."""
    if not store_target.startswith("postgresql"):
        pytest.skip("a server's setting (SQLite has no sessions)")
    monkeypatch.setattr(database, "IDLE_IN_TRANSACTION_TIMEOUT", 1.0)
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 10.0)
    frozen, other = CaseStore(store_target), CaseStore(store_target)
    with pytest.raises(sa.exc.DBAPIError, match="idle-in-transaction timeout"):
        with frozen.transaction() as conn:
            frozen_write = conn.execute(sa.text("SELECT seq FROM audit_head")).scalar()
            time.sleep(2.5)                                  # frozen
            t0 = time.monotonic()
            other.add_user("dora", ["reviewer"], actor="admin")
            assert time.monotonic() - t0 < 1.0              # the lock was free
            conn.execute(sa.text("SELECT 1"))
    assert frozen_write == 0
    assert [u["user_id"] for u in other.export()["users"]] == ["dora"]
    assert other.verify().ok
    frozen.close()
    other.close()


def test_a_store_url_is_shown_with_its_password_hidden() -> None:
    assert shown_url("postgresql+psycopg://fm:S3cret-pw@db.example:5432/cases") == \
        "postgresql+psycopg://fm:***@db.example:5432/cases"
    assert shown_url("postgresql+psycopg://fm:p%40ss@/cases?host=/run/pg&port=5433") == \
        "postgresql+psycopg://fm:***@/cases?host=/run/pg&port=5433"
    assert shown_url("postgresql+psycopg://fm@/cases?password=S3cret&host=/run/pg") == \
        "postgresql+psycopg://fm@/cases?password=***&host=/run/pg"
    assert shown_url("postgresql+psycopg://fm@db/cases") == "postgresql+psycopg://fm@db/cases"
    assert shown_url("cases.db") == "cases.db"


def test_a_server_that_cannot_be_reached_is_one_line_naming_the_store(tmp_path: Path) -> None:
    """A server that is down (no socket in the directory) gave some 135 lines of SQLAlchemy
    traceback with the URL and its password; now one line, password hidden."""
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://fm:S3cret-pw@/cases?host={tmp_path}&port=55999"
    for args in (["store", "upgrade", url], ["store", "verify", url],
                 ["store", "export", url, str(tmp_path / "out.json")]):
        out = CliRunner().invoke(main, args)
        assert out.exit_code == 1, out.output
        assert out.output.count("\n") == 1 and "Traceback" not in out.output, out.output
        assert out.output.startswith(
            f"error: cannot open the store 'postgresql+psycopg://fm:***@/cases?host={tmp_path}"
            f"&port=55999': "), out.output
        assert "S3cret" not in out.output


def test_upgrade_and_export_print_the_url_without_its_password(
        store_target: str, tmp_path: Path) -> None:  # noqa: F811
    """`store upgrade` and `store export` printed the URL with its password (a cron job's
    mail). On PostgreSQL the test's URL is given a password (a server that trusts local
    connections ignores it)."""
    if not store_target.startswith("postgresql"):
        pytest.skip("a SQLite store has no password")
    user, rest = store_target.split("://", 1)[1].split("@", 1)
    url = f"postgresql+psycopg://{user}:S3cret-pw@{rest}"
    for args in (["store", "upgrade", url], ["store", "export", url,
                                             str(tmp_path / "out.json")]):
        out = CliRunner().invoke(main, args)
        assert out.exit_code == 0, out.output
        assert "S3cret" not in out.output and f"{user}:***@{rest}" in out.output, out.output


def test_the_run_says_where_its_families_came_from(
        store_target: str, tmp_path: Path, monkeypatch: Any) -> None:  # noqa: F811
    """A store on a server keeps no tables unless given a directory, so every night compiled
    every family, and the run's line said "(the others from the tables of earlier runs)"."""
    ds = case_from_dict(small_dataset_dict())

    def line(store: CaseStore, **options: Any) -> str:
        lines: list[str] = []
        run_store(store, ds, min_markers=8, say=lines.append, **options)
        return next(x for x in lines if "compiled" in x).split(": ", 1)[1]

    with CaseStore(store_target) as store:
        if store.tables_dir is None:
            server = store
        else:
            assert line(store) == "compiled 3 of 3 families"
            assert line(store) == "compiled 0 of 3 families (the others from the tables of " \
                                  "earlier runs)"
            assert line(store, cache=False) == "compiled 3 of 3 families (no tables kept: " \
                                               "--no-tables)"
            monkeypatch.setattr(CaseStore, "tables_dir", property(lambda self: None))
            server = store
        for _night in (1, 2):
            assert line(server) == (
                "compiled 3 of 3 families (a store on a server keeps no compiled tables by "
                "default, so every run compiles every family: give --tables DIR to keep them "
                "between runs)")
        assert line(server, cache=tmp_path / "tables") == "compiled 3 of 3 families"
        assert line(server, cache=tmp_path / "tables") == \
            "compiled 0 of 3 families (the others from the tables of earlier runs)"
