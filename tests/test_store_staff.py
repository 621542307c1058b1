"""What staff meet reviewing a store over months (an outside check, 2026-12-07: a
3,000-family programme over 7 nights worked through the CLI): a rejected pair the engine
identifies again, the dashboard's flagged rows, wrong usage of the review-side commands."""
from __future__ import annotations

from pathlib import Path

from store_helpers import small_dataset_dict

from forensic_match.cases import case_from_dict
from forensic_match.store import CaseStore, run_store


def test_a_rejected_pair_identified_again_on_the_same_data_is_named(tmp_path: Path) -> None:
    """A pair rejected (say on a "not proposed again" flag, its cause later gone) and
    identified again by a run on the same data was listed nowhere (an outside check,
    2026-12-07). The rejection stands, and the run names it in a warning kept with it."""
    import warnings

    from forensic_match.errors import ForensicMatchWarning

    store = CaseStore(str(tmp_path / "cases.db"))
    ds = case_from_dict(small_dataset_dict())
    run_store(store, ds, min_markers=8)
    store.add_user("ana", ["reviewer"], actor="admin")
    store.add_user("berta", ["approver"], actor="admin")
    pid = min(p["proposal_id"] for p in store.proposals())
    store.act(pid, "review", actor="ana", reason="looked at it")
    store.act(pid, "reject", actor="berta", reason="not supported now")
    before = len(store.proposals())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = run_store(store, ds, min_markers=8)
    assert len(store.proposals()) == before and summary.counts["new_proposals"] == 0
    said = [str(w.message) for w in caught if issubclass(w.category, ForensicMatchWarning)
            and "rejected on the same data" in str(w.message)]
    assert len(said) == 1 and said[0].startswith("1 pair this run identifies was rejected")
    assert f"proposal {pid} (" in said[0] and "reopen the proposal" in said[0]
    assert summary.counts["rejected_identified_again"] == 1
    assert any("rejected on the same data" in w["message"]
               for w in store.run_warnings())
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
