"""The lineage validation harness (``benchmarks/lineage_validation.py``) records what the
pooled false-rate tables are built from: each programme's counts, seed and commit, and only the
analyses that ran."""

from __future__ import annotations

import json
import sys

from benchmarks import lineage_validation


def test_lineage_only_runs_are_recorded_and_pooled_without_the_analyses_skipped(
        tmp_path, monkeypatch, capsys):
    out = tmp_path / "val.jsonl"
    monkeypatch.setattr(sys, "argv", [
        "lineage_validation", "--families", "12", "--bodies", "12", "--seed", "1", "2",
        "--shapes", "cousin", "uncle", "--villages", "2", "--lineage-only",
        "--json", str(out)])
    lineage_validation.main()
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["seed"] for r in records] == [1, 2]
    for r in records:
        assert "commit" in r
        assert [(x["relatives"], x["lineage"]) for x in r["runs"]] == [(1.0, True),
                                                                         (0.0, True)]
        assert r["bodies"]["all"] == r["bodies"].get("cousin", 0) + r["bodies"].get("uncle", 0)
    capsys.readouterr()
    table = lineage_validation.summarise(str(out))
    rows = [line for line in table.splitlines() if line.startswith("| open") or
            line.startswith("| closed")]
    assert rows and all("| yes |" in line for line in rows)
    bodies = sum(r["bodies"]["all"] for r in records)
    assert any(line.startswith(f"| open (relative alternatives) | yes | all | {bodies:,} |")
               for line in rows)
    assert "2 runs (seeds 1, 2)" in table
