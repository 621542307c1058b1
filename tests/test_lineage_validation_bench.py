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
        assert "commit" in r and r["evidence"] is False
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
    assert f"model: {lineage_validation.MODEL}" in table
    # runs recorded before the model was recorded are kept apart from these
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "model"}) + "\n"
                           for r in records) + out.read_text())
    table = lineage_validation.summarise(str(old))
    assert table.count("2 runs (seeds 1, 2)") == 2
    assert f"model: {lineage_validation.EARLIER_MODEL}" in table


def test_counts_carry_the_false_proposals_the_posteriors_expect():
    """Each proposal adds 1 - posterior to its kind's expected wrong count (all and its
    family's shape), beside the right / wrong counts the truth gives."""
    import polars as pl

    class Res:
        identifications = pl.DataFrame({"missing": ["M1"], "family": ["F1"],
                                        "fragments": ["P1"], "posterior": [0.9999]})
        family_level = pl.DataFrame({"family": ["F2", "F1"], "fragments": ["P2", "P3"],
                                     "posterior": [0.9996, 0.9998]})

    counts = lineage_validation._count(Res(), {"P1": "M1", "P2": "M9", "P3": "M3"},
                                       {"P1": "F1", "P2": "F2", "P3": "F9"},
                                       {"F1": "uncle", "F2": "cousin"})
    assert counts["all"]["id_right"] == 1 and counts["all"]["fam_right"] == 1
    assert counts["all"]["fam_wrong"] == 1
    assert abs(counts["all"]["id_expected_wrong"] - 1e-4) < 1e-12
    assert abs(counts["all"]["fam_expected_wrong"] - 6e-4) < 1e-12
    assert abs(counts["uncle"]["fam_expected_wrong"] - 2e-4) < 1e-12
    assert abs(counts["cousin"]["fam_expected_wrong"] - 4e-4) < 1e-12


def test_a_world_other_than_the_model_is_recorded_and_kept_apart(tmp_path, monkeypatch,
                                                                   capsys):
    """The departures of the simulated world (evidence, mutation, degraded PM lineage data)
    and the analysis's Y theta go into each run's record; the pooled tables keep such runs
    apart from the model's world and say how the world departed."""
    out = tmp_path / "val.jsonl"
    common = ["lineage_validation", "--families", "10", "--bodies", "10", "--seed", "3",
              "--shapes", "cousin", "uncle", "--villages", "2", "--lineage-only",
              "--json", str(out)]
    monkeypatch.setattr(sys, "argv", [*common, "--evidence"])
    lineage_validation.main()
    monkeypatch.setattr(sys, "argv", [
        *common, "--evidence-wrong", "--stepwise-data", "--y-rate-factor", "2",
        "--mt-rate-factor", "3", "--pm-y-loss", "0.1", "0.4", "--pm-mt-partial", "0.5",
        "--y-theta", "0.02", "--mt-theta", "0.01", "--matrilines", "2"])
    lineage_validation.main()
    capsys.readouterr()
    plain, wrong = [json.loads(line) for line in out.read_text().splitlines()]
    assert plain["world"] == {} and plain["y_theta"] == 0.0
    assert wrong["evidence"] is True and wrong["y_theta"] == 0.02
    assert wrong["mt_theta"] == 0.01 and wrong["matrilines"] == 2
    assert wrong["world"] == {"evidence_wrong": True, "stepwise_data": True,
                              "y_rate_factor": 2.0, "mt_rate_factor": 3.0,
                              "pm_y_loss": [0.1, 0.4], "pm_mt_partial": 0.5}
    table = lineage_validation.summarise(str(out))
    assert table.count("1 runs (seeds 3)") == 2
    assert ("world departs: AM/PM evidence from WRONG_EVIDENCE, autosomal data one-step "
            "stepwise, Y rates x2, mtDNA rate x3, PM Y loci lost 0.1-0.4, PM mitotypes HV1 "
            "only 50%") in table
    assert "Y theta 0.02; mtDNA theta 0.01; 2 matrilines per village" in table
