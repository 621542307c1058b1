"""What staff meet reviewing a store over months (an outside check, 2026-12-07: a
3,000-family programme over 7 nights worked through the CLI): a rejected pair the engine
identifies again, the dashboard's flagged rows, wrong usage of the review-side commands."""
from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from store_helpers import small_dataset_dict

from forensic_match.cases import case_from_dict
from forensic_match.store import CaseStore, run_store, schema


def test_a_judged_rejection_is_kept_out_of_the_next_run(tmp_path: Path) -> None:
    """A pair rejected on its merits and identified again by the next run on the same data
    was listed nowhere (an outside check, 2026-12-07), then named in a warning while the
    engine went on taking the body for that person (2026-12-07 to 12-08). Since 2026-12-08
    the run passes the judged rejections to ``identify``, which keeps the pair out of its
    decision and says so, with the pair's LR now; reopening the rejection lifts it."""
    import warnings

    from forensic_match.errors import ForensicMatchWarning

    store = CaseStore(str(tmp_path / "cases.db"))
    ds = case_from_dict(small_dataset_dict())
    run_store(store, ds, min_markers=8)
    store.add_user("ana", ["reviewer"], actor="admin")
    store.add_user("berta", ["approver"], actor="admin")
    first = min(store.proposals(), key=lambda p: p["proposal_id"])
    pid = first["proposal_id"]
    store.act(pid, "review", actor="ana", reason="looked at it")
    store.act(pid, "reject", actor="berta", reason="the body's age excludes him")
    before = len(store.proposals())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = run_store(store, ds, min_markers=8)
    assert len(store.proposals()) == before and summary.counts["new_proposals"] == 0
    assert "rejected_identified_again" not in summary.counts
    said = [str(w.message) for w in caught if issubclass(w.category, ForensicMatchWarning)
            and "rejected in review" in str(w.message)]
    assert len(said) == 1 and said[0].startswith("1 pair rejected in review was kept out")
    assert f"{first['pm']} -> {first['missing']} of {first['family_id']} (log10 LR " in said[0]
    assert any("rejected in review" in w["message"] for w in store.run_warnings())
    with store.reading() as conn:
        runs = conn.execute(sa.select(schema.runs.c.inputs).order_by(
            schema.runs.c.started_at)).scalars().all()
    assert json.loads(runs[-1])["rejected_proposals"] == [pid]
    assert "rejected_proposals" not in json.loads(runs[0])
    # reopened: the pair is weighed again, and its proposal is the reopened one
    store.act(pid, "reopen", actor="ana", reason="the age estimate was revised")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = run_store(store, ds, min_markers=8)
    assert summary.counts["new_proposals"] == 0 and len(store.proposals()) == before
    assert not any("rejected in review" in str(w.message) for w in caught)
    assert store.verify().ok
    store.close()


def test_wrong_usage_of_the_review_side_commands_is_named(tmp_path: Path) -> None:
    """A mistyped run id read as an empty result or a raw traceback, a report into a folder
    that does not exist was a traceback, and a cut head read as "the log was rewritten"
    (an outside check, 2026-12-07)."""
    from click.testing import CliRunner

    from forensic_match.cli import main

    db = str(tmp_path / "cases.db")
    with CaseStore(db) as store:
        run_store(store, case_from_dict(small_dataset_dict()), min_markers=8)
        head = store.verify().head
    runner = CliRunner()
    for command in ("changes", "held", "family-level", "warnings"):
        out = runner.invoke(main, ["store", command, db, "--run", "R-nope"])
        assert out.exit_code == 1, (command, out.output)
        assert "has no run 'R-nope'; its newest: 2" in out.output, (command, out.output)
    out = runner.invoke(main, ["store", "export", db, str(tmp_path / "nofolder" / "x.json")])
    assert out.exit_code == 1 and "folder" in out.output and "does not exist" in out.output
    out = runner.invoke(main, ["store", "verify", db, "--head", head[:12]])
    assert out.exit_code == 1
    assert f"head '{head[:12]}' is not a whole audit head (64 hexadecimal" in out.output
    assert runner.invoke(main, ["store", "verify", db, "--head", head]).exit_code == 0


def test_the_dashboard_does_not_count_rejected_proposals_as_waiting(tmp_path: Path) -> None:
    from forensic_match.reports.render import dashboard_context
    from forensic_match.store.records import flag_proposal

    store = CaseStore(str(tmp_path / "cases.db"))
    run_store(store, case_from_dict(small_dataset_dict()), min_markers=8)
    store.add_user("ana", ["reviewer"], actor="admin")
    store.add_user("berta", ["approver"], actor="admin")
    first, second = sorted(p["proposal_id"] for p in store.proposals())[:2]
    store.act(first, "review", actor="ana", reason="looked at it")
    store.act(first, "reject", actor="berta", reason="not him")
    with store.transaction() as conn:     # a later flag on the rejected and a live one
        for pid in (first, second):
            flag_proposal(conn, pid, "not proposed again by run R: a test", actor="admin")
    context = dashboard_context(store, language="en")
    assert context["flagged"] == 1
    assert [x["proposal_id"] for x in context["waiting"]] == [
        p["proposal_id"] for p in store.proposals() if p["state"] != "rejected"]
    store.close()
