"""Two runs of one store at once (cron overlap): a run never ranks its stored candidates on
the tables another run wrote (an outside check, 2026-12-07), and a locked SQLite store is
said to be so, not a traceback."""
from __future__ import annotations

import fcntl
import functools
from pathlib import Path
from typing import Any

import pytest
from store_helpers import small_dataset_dict

from forensic_match.cases import case_from_dict
from forensic_match.errors import ForensicMatchError
from forensic_match.store import CaseStore, run_store


def test_a_run_holds_its_tables_from_writing_to_reading_back(tmp_path: Path,
                                                             monkeypatch: Any) -> None:
    """While a run computes, the tables directory is locked: a second run waits for the
    first's tables instead of replacing them between its writing and reading them back."""
    import forensic_match.dvi.identify as identify_module

    store = CaseStore(str(tmp_path / "cases.db"))
    seen: list[bool] = []
    original = identify_module.identify

    @functools.wraps(original)          # (the store reads identify's defaults)
    def checking(*args: Any, **kwargs: Any) -> Any:
        lock = Path(kwargs["cache"]).parent / "run.lock"
        with open(lock, "a+") as other:     # another open file: as another process would
            try:
                fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                seen.append(False)
                fcntl.flock(other.fileno(), fcntl.LOCK_UN)
            except BlockingIOError:
                seen.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(identify_module, "identify", checking)
    run_store(store, case_from_dict(small_dataset_dict()), min_markers=8)
    assert seen == [True]
    # released when the run is done
    with open(tmp_path / "cases.db.tables" / "run.lock", "a+") as after:
        fcntl.flock(after.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    store.close()


def test_a_run_that_reads_back_other_tables_stores_nothing(tmp_path: Path,
                                                           monkeypatch: Any) -> None:
    """Should the tables file hold other rows than the run compiled, the run stops before
    storing candidates ranked on them."""
    import forensic_match.dvi.table_parts as parts

    store = CaseStore(str(tmp_path / "cases.db"))
    original = parts.load_tables

    def other(path: Any, *args: Any, **kwargs: Any) -> Any:
        tables = original(path, *args, **kwargs)
        if tables is not None and str(path).endswith("tables.npz"):
            tables.keys = list(reversed(tables.keys))
        return tables

    monkeypatch.setattr(parts, "load_tables", other)
    with pytest.raises(ForensicMatchError, match="holds other rows than this run compiled"):
        run_store(store, case_from_dict(small_dataset_dict()), min_markers=8)
    assert store.proposals() == []
    store.close()


def test_a_run_judges_only_the_proposals_resting_on_what_it_read(tmp_path: Path,
                                                                 monkeypatch: Any) -> None:
    """Of two overlapping runs, the one that read the store before the other stored a sample
    flagged the other's proposals on that sample "not proposed again" (an outside check,
    2026-12-07). A run that did not read a proposal's sample leaves the proposal alone."""
    import forensic_match.store.runs as runs

    store = CaseStore(str(tmp_path / "cases.db"))
    run_store(store, case_from_dict(small_dataset_dict()), min_markers=8)
    (first, *_) = store.proposals()
    unseen = first["pm"].split(",")[0]
    original = runs._identify

    def fewer(ds: Any, *args: Any, **kwargs: Any) -> Any:   # as if read before it was stored
        ds.pm = [s for s in ds.pm if s.id != unseen]
        return original(ds, *args, **kwargs)

    monkeypatch.setattr(runs, "_identify", fewer)
    night = run_store(store, case_from_dict(small_dataset_dict()), min_markers=8)
    assert "flagged_unproposed" not in night.counts
    again = {p["proposal_id"]: p for p in store.proposals()}[first["proposal_id"]]
    assert not again["needs_review"]
    store.close()


def test_a_review_clears_a_flag_only_when_it_says_so(tmp_path: Path) -> None:
    """A review prepared before a night flagged the proposal cleared a flag its reviewer
    never saw (an outside check, 2026-12-07). Now such a review is refused, naming the flag,
    until the reviewer says the flag was read; the command line says which flag it cleared."""
    from click.testing import CliRunner

    from forensic_match.cli import main
    from forensic_match.store import StoreError
    from forensic_match.store.flags import flag_proposal

    db = str(tmp_path / "cases.db")
    store = CaseStore(db)
    run_store(store, case_from_dict(small_dataset_dict()), min_markers=8)
    store.add_user("ana", ["reviewer"], actor="admin")
    pid = store.proposals()[0]["proposal_id"]
    with store.transaction() as conn:
        flag_proposal(conn, pid, "not proposed again by run R: a test", actor="nightly")
    with pytest.raises(StoreError, match=r"flagged for re-review \(not proposed again by run "
                                         r"R: a test\); a review clears the flag"):
        store.act(pid, "review", actor="ana", reason="profiles and pedigree checked")
    assert store.proposals()[0]["needs_review"]
    store.close()
    out = CliRunner().invoke(main, ["store", "review", db, str(pid), "review", "--as", "ana",
                                    "--reason", "read the flag; data hold", "--clear-flag"])
    assert out.exit_code == 0, out.output
    assert "(re-review flag cleared: not proposed again by run R: a test)" in out.output
    again = CaseStore(db)
    assert not again.proposals()[0]["needs_review"]
    again.close()


def test_a_busy_sqlite_store_is_said_to_be_busy(tmp_path: Path, monkeypatch: Any) -> None:
    """A write that waits longer than the busy timeout for another process's lock died with
    a raw 'database is locked' traceback (an outside check, 2026-12-07); it is now a
    StoreError that says so, and nothing is written."""
    import sqlite3

    import forensic_match.store.database as database
    from forensic_match.store import StoreError

    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.2)
    db = tmp_path / "cases.db"
    store = CaseStore(str(db))
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")               # another process holds the write lock
    try:
        with pytest.raises(StoreError, match=r"is busy: another process .* longer than the "
                                             r"0.2 s this one waits; nothing of this action"):
            store.add_user("ana", ["reviewer"], actor="admin")
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.add_user("ana", ["reviewer"], actor="admin")     # free again
    store.close()


def test_a_run_waits_again_for_a_busy_store_rather_than_lose_its_results(
        tmp_path: Path, monkeypatch: Any) -> None:
    """A run's finishing transaction that met another process's write lock past the busy
    timeout lost the night's computed results (left 'running'); it now tries again, and the
    run finishes once the lock is released."""
    import sqlite3
    import threading

    import forensic_match.store.database as database
    import forensic_match.store.runs as runs

    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.3)
    db = tmp_path / "cases.db"
    store = CaseStore(str(db))
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    original = runs._identify

    def then_locked(*args: Any, **kwargs: Any) -> Any:
        out = original(*args, **kwargs)
        # another process takes the write lock as the run is about to store its results,
        # and holds it for three of the run's waits
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(1.0, lambda: other.execute("ROLLBACK")).start()
        return out

    monkeypatch.setattr(runs, "_identify", then_locked)
    lines: list[str] = []
    summary = run_store(store, case_from_dict(small_dataset_dict()), min_markers=8,
                        say=lines.append)
    other.close()
    assert summary.status == "finished"
    assert any("the store is busy; trying to store the results again (2 of 10)" in line
               for line in lines), lines
    with store.reading() as conn:
        import sqlalchemy as sa

        assert conn.execute(sa.text("SELECT status FROM runs")).all() == [("finished",)]
        assert conn.execute(sa.text("SELECT COUNT(*) FROM candidates")).scalar() == \
            summary.counts["candidates"] > 0
    assert store.verify().ok
    store.close()

