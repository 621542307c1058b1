"""A ``forensic-match run --store`` killed (SIGKILL) at random moments leaves the store
consistent: as before the run, or with the run marked unfinished and nothing of its results
written; the next run marks it failed and completes the work.

Each trial starts a real subprocess on a real SQLite file and kills it: at a random moment of
the whole run, or at a random moment inside its first write transaction (run row, dataset
versions) or its second (candidates, proposals, run finished). The driver below, not the
package, adds 2 ms to every SQL statement, so that the transactions last long enough to be
hit, and prints a line at each ``BEGIN IMMEDIATE`` and commit, so that the test knows where
the kill landed (it asserts that some kills landed inside each transaction).
Trials alternate between two versions of the dataset (one PM profile re-typed), so every run
that gets past its first transaction writes a new profile version and flags proposals.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from store_helpers import write_small_dataset

from forensic_match.store import CaseStore

ROOT = Path(__file__).resolve().parents[1]
TRIALS = 21
SEED = 20261204

DRIVER = """
import sys, time
from sqlalchemy import event
from sqlalchemy.engine import Engine

@event.listens_for(Engine, "before_cursor_execute")
def _slow(conn, cursor, statement, *args):
    if statement.startswith("BEGIN IMMEDIATE"):
        print("fm-test: begin-write", file=sys.stderr, flush=True)
    time.sleep(0.002)

@event.listens_for(Engine, "commit")
def _commit(conn):
    print("fm-test: commit", file=sys.stderr, flush=True)

from forensic_match.cli import main
main(sys.argv[1:])
"""


class _Run:
    """A run subprocess whose standard-error lines are timed as they arrive."""

    def __init__(self, dataset: Path, db: Path) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(ROOT), os.environ.get("PYTHONPATH", "")]))
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-c", DRIVER, "run", str(dataset), "--store", str(db)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append((time.perf_counter() - self.start, line.rstrip()))

    def seen(self, text: str, nth: int = 1) -> float | None:
        times = [t for t, line in list(self.lines) if text in line]
        return times[nth - 1] if len(times) >= nth else None

    def wait_for(self, text: str, nth: int = 1, timeout: float = 120) -> float | None:
        end = time.perf_counter() + timeout
        while time.perf_counter() < end and self.proc.poll() is None:
            t = self.seen(text, nth)
            if t is not None:
                return t
            time.sleep(0.002)
        return self.seen(text, nth)

    def inside(self) -> int:
        """The write transaction (1 or 2) that was open when the process died, else 0."""
        lines = [line for _, line in self.lines]
        begins = sum("fm-test: begin-write" in x for x in lines)
        commits = sum("fm-test: commit" in x for x in lines)
        return begins if begins > commits else 0

    def kill_at(self, t: float) -> None:
        delay = self.start + t - time.perf_counter()
        if delay > 0:
            try:
                self.proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                pass
        self.proc.kill()  # SIGKILL: no handler, no cleanup
        self.finish()

    def finish(self) -> int:
        code = self.proc.wait(timeout=300)
        self._reader.join(timeout=10)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        return code


def _rows(store: CaseStore, sql: str) -> list[Any]:
    with store.reading() as conn:
        return conn.execute(sa.text(sql)).all()


def _check_consistent(db: Path) -> dict[str, str]:
    """Every invariant the store must keep whatever moment a run died; returns run statuses."""
    with CaseStore(db, upgrade=False) as store:
        report = store.verify()
        assert report.ok, report.problems
        runs = {r[0]: r for r in _rows(store, "SELECT run_id, status, counts, pid FROM runs")}
        for run_id, status, counts, pid in runs.values():
            n_cand = _rows(store, f"SELECT COUNT(*) FROM candidates WHERE run_id = '{run_id}'")
            n_prop = _rows(store, f"SELECT COUNT(*) FROM proposals WHERE run_id = '{run_id}'")
            # rows a run closed, and its place in the order the candidates are read in
            n_closed = _rows(store, f"SELECT COUNT(*) FROM candidates WHERE until_run_id = "
                                    f"'{run_id}'")
            placed = _rows(store, f"SELECT COUNT(*) FROM run_order WHERE run_id = '{run_id}'")
            if status == "finished":
                c = json.loads(counts)
                # a run writes the lists that changed; its candidates are the rows valid at it
                assert (n_cand[0][0], n_prop[0][0], placed[0][0]) == \
                    (c["candidate_rows_written"], c["new_proposals"], 1)
                assert len(store.run_candidates(run_id)["candidates"]) == c["candidates"]
            else:
                assert status in ("running", "failed")
                assert (n_cand[0][0], n_prop[0][0], n_closed[0][0], placed[0][0]) == \
                    (0, 0, 0, 0), run_id
            if status == "running":
                assert not _alive(pid)
        # Versions are written with their run's row, in one transaction: no orphans.
        for table in ("profiles", "family_versions"):
            orphans = _rows(store, f"SELECT COUNT(*) FROM {table} WHERE run_id IS NOT NULL "
                                   f"AND run_id NOT IN (SELECT run_id FROM runs)")
            assert orphans[0][0] == 0
        versions = _rows(store, "SELECT sample_id, version, sha256 FROM profiles "
                                "ORDER BY sample_id, version")
        by_sample: dict[str, list[tuple[int, str]]] = {}
        for sid, v, sha in versions:
            by_sample.setdefault(sid, []).append((v, sha))
        for sid, vs in by_sample.items():
            assert [v for v, _ in vs] == list(range(1, len(vs) + 1)), sid
            assert all(a[1] != b[1] for a, b in zip(vs, vs[1:])), sid
        return {r[0]: r[1] for r in runs.values()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_run_killed_at_random_moments_leaves_the_store_consistent(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    datasets = [write_small_dataset(tmp_path / "a.json"),
                write_small_dataset(tmp_path / "b.json", {"pm": "PM0066"})]
    db = tmp_path / "nightly.db"
    # Two complete runs first: the store exists, and the phases' timings are measured on the
    # second (the first also creates the schema and warms the caches).
    for dataset in (datasets[0], datasets[1]):
        ref = _Run(dataset, db)
        assert ref.finish() == 0, ref.lines
    # Each write transaction: from its BEGIN IMMEDIATE to the commit after it.
    tx = []
    for k in (1, 2):
        begin = ref.seen("fm-test: begin-write", k)
        commit = next(t for t, line in ref.lines if "fm-test: commit" in line and t >= begin)
        tx.append(commit - begin)
    t_end = ref.lines[-1][0]
    _check_consistent(db)
    outcomes: dict[str, int] = {"before": 0, "unfinished": 0, "finished": 0}
    inside = {1: 0, 2: 0}
    for trial in range(TRIALS):
        before = set(_check_consistent(db))
        run = _Run(datasets[trial % 2], db)
        phase = trial % 3
        if phase == 0:      # anywhere in the run
            run.kill_at(rng.uniform(0.0, t_end))
        else:               # inside write transaction 1 (run row, dataset) or 2 (results)
            begin = run.wait_for("fm-test: begin-write", phase)
            run.kill_at((begin or 0.0) + rng.uniform(0.0, 1.2 * tx[phase - 1]))
        if run.inside():
            inside[run.inside()] += 1
        statuses = _check_consistent(db)
        new = set(statuses) - before
        assert len(new) <= 1
        if not new:
            outcomes["before"] += 1
        else:
            outcomes["finished" if statuses[new.pop()] == "finished" else "unfinished"] += 1
    print(f"\n{TRIALS} kills (seed {SEED}): {outcomes}; inside write transaction 1: "
          f"{inside[1]}, 2: {inside[2]}")
    assert outcomes["unfinished"] >= 1 and inside[1] >= 1 and inside[2] >= 1
    # The next run completes the work: interrupted runs are marked failed, proposals exist
    # for the newest data.
    last = _Run(datasets[0], db)
    assert last.finish() == 0, last.lines
    statuses = _check_consistent(db)
    assert "running" not in statuses.values()
    with CaseStore(db, upgrade=False) as store:
        failed = _rows(store, "SELECT error FROM runs WHERE status = 'failed'")
        assert all(e[0].startswith("interrupted: process ") for e in failed)
        assert len(failed) == outcomes["unfinished"]
        # the two datasets alternate PM0066's profile, so a version repeats an older one
        # after a newer replaced it: such a proposal is flagged as resting on an older file
        # sent again, rightly (since 2026-12-07)
        current = {(p["pm"], p["missing"]) for p in store.proposals()
                   if not p["needs_review"] or "is the same data as version" in
                   (p["stale_reason"] or "")}
        assert current >= {("PM0066,PM0086", "F0055_MP1"), ("PM0136,PM0143", "F0021_MP1")}
