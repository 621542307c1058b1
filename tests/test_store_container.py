"""Runs in a container (an outside check, h_pg F4, 2026-12-08): every run is pid 1 on the
same host name, so a killed run's pid is the next run's own, and the next run took it for
itself and left it ``running`` for ever (the dashboard too). Runs on SQLite and, with
``FM_STORE_URL`` set, on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from store_helpers import small_dataset_dict, store_target  # noqa: F401 - fixture

import forensic_match.store.runs as runs
from forensic_match.cases import case_from_dict
from forensic_match.store import CaseStore, run_store

ROOT = Path(__file__).resolve().parents[1]

#: A night's run in a process that is "pid 1" (as in a container) and is killed while it
#: identifies, leaving its run ``running``.
KILLED = """
import json, os, signal, sys
import forensic_match.store.runs as runs
from forensic_match.cases import case_from_dict
from forensic_match.store import CaseStore, run_store
own = os.getpid()
os.getpid = lambda: 1
runs._identify = lambda *args, **kwargs: os.kill(own, signal.SIGKILL)
with open(sys.argv[2], encoding="utf-8") as f:
    data = json.load(f)
run_store(CaseStore(sys.argv[1]), case_from_dict(data), min_markers=8, cache=False)
"""


def _killed_run_as_pid_1(target: str, data: dict[str, Any], tmp_path: Path) -> None:
    dataset = tmp_path / "night.json"
    dataset.write_text(json.dumps(data), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    proc = subprocess.run([sys.executable, "-c", KILLED, target, str(dataset)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def test_a_killed_run_with_the_next_runs_pid_is_marked_failed(
        store_target: str, monkeypatch: Any, tmp_path: Path) -> None:  # noqa: F811
    data = small_dataset_dict()
    _killed_run_as_pid_1(store_target, data, tmp_path)
    with CaseStore(store_target) as store, store.reading() as conn:
        killed = conn.execute(sa.text("SELECT run_id, status, host, pid FROM runs")).all()
    assert [(s, h, p) for _, s, h, p in killed] == [("running", socket.gethostname(), 1)]
    monkeypatch.setattr(runs.os, "getpid", lambda: 1)       # the next night: pid 1 again
    seen: list[list[str]] = []
    original = runs._identify

    def checking(*args: Any, **kwargs: Any) -> Any:
        # while this run computes, its own row is 'running' with its pid: not abandoned
        with store.transaction() as conn:
            seen.append(runs.abandon_stale_runs(conn))
        return original(*args, **kwargs)

    monkeypatch.setattr(runs, "_identify", checking)
    with CaseStore(store_target) as store:
        summary = run_store(store, case_from_dict(data), min_markers=8, cache=False)
        assert summary.status == "finished" and summary.counts["abandoned"] == 1
        assert seen == [[]]
        with store.reading() as conn:
            rows = dict(conn.execute(sa.text("SELECT run_id, status FROM runs")).all())
            error = conn.execute(sa.text("SELECT error FROM runs WHERE run_id = :r"),
                                 {"r": killed[0][0]}).scalar()
        assert rows == {killed[0][0]: "failed", summary.run_id: "finished"}
        assert error.startswith(f"interrupted: process 1 on {socket.gethostname()} ended "
                                f"before the run finished")
        assert store.verify().ok
