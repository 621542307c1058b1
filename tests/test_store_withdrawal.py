"""Withdrawing a PM sample from the case store (``forensic_match/store/withdrawal.py``), on a
real SQLite file and on ``FM_STORE_URL`` when set.

The small dataset's run proposes F0055_MP1 for the body of fragments PM0066 and PM0086. The
laboratory recalls PM0086: later runs must be the runs of a store that never held it, its
proposals flagged and never approvable, a night's file that still lists it must not bring it
back, and a reinstatement must give back exactly the profile it had.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from store_helpers import (
    small_dataset_dict,
    store_target,  # noqa: F401 - fixture
)

from forensic_match.cases import case_from_dict
from forensic_match.cli import main
from forensic_match.errors import ForensicMatchWarning
from forensic_match.store import CaseStore, StoreError, run_store
from forensic_match.store.schema import audit_head

RECALLED = "PM0086"
REASON = "recalled by the laboratory: contaminated extraction"


def _dataset(without: str | None = None) -> Any:
    data = small_dataset_dict()
    data["pm"] = [p for p in data["pm"] if p["id"] != without]
    return case_from_dict(data)


def _candidates(store: CaseStore, run_id: str) -> list[tuple[Any, ...]]:
    """The run's candidates as it ranked them (the rows valid at the run)."""
    return [(r["pm"], r["rank"], r["family_id"], r["missing"], r["log10_lr"], r["n_markers"],
             r["n_inconsistent"]) for r in store.run_candidates(run_id)["candidates"]]


def _head(store: CaseStore) -> tuple[Any, ...]:
    with store.reading() as conn:
        return tuple(conn.execute(sa.select(audit_head.c.seq, audit_head.c.hash)).one())


@pytest.fixture
def approved(store_target: str) -> Any:  # noqa: F811
    """A store after one run on the small dataset, F0055's proposal approved."""
    store = CaseStore(store_target)
    run_store(store, _dataset(), min_markers=8)
    store.add_user("ana", ["reviewer"], actor="admin")
    store.add_user("berta", ["approver"], actor="admin")
    pid = next(p for p in store.proposals() if p["family_id"] == "F0055")["proposal_id"]
    store.act(pid, "review", actor="ana", reason="checked")
    store.act(pid, "approve", actor="berta", reason="agree")
    yield store, pid
    store.close()


def test_a_withdrawn_sample_leaves_the_runs_and_its_proposals_are_flagged(
        approved: tuple, tmp_path: Path) -> None:
    store, pid = approved
    assert RECALLED in next(p for p in store.proposals() if p["proposal_id"] == pid)["pm"]
    assert store.withdraw_sample(RECALLED, actor="lab", reason=REASON) == [pid]
    row = next(p for p in store.proposals() if p["proposal_id"] == pid)
    assert row["state"] == "approved" and row["needs_review"]
    assert row["stale_reason"] == f"PM sample {RECALLED!r} withdrawn (version 1 -> 2) by lab: " \
                                  f"{REASON}"
    assert store.withdrawn_samples() == {RECALLED: {"reason": REASON, "by": "lab"}}
    # Reviewed again, it still cannot be approved: only rejected.
    store.act(pid, "reopen", actor="berta", reason="sample recalled")
    store.act(pid, "review", actor="ana", reason="looked at the recall")
    with pytest.raises(StoreError, match=f"PM sample '{RECALLED}' is withdrawn \\(by lab: "
                                         f"recalled.*\\); reject this proposal"):
        store.act(pid, "approve", actor="berta", reason="still holds")
    assert store.act(pid, "reject", actor="berta", reason="sample recalled")["state"] == \
        "rejected"
    # Tonight's file still lists the sample: not stored, said once, not searched.
    with pytest.warns(ForensicMatchWarning, match=f"PM sample '{RECALLED}' is withdrawn "
                                                  f"\\(by lab: recalled.*not stored"):
        night = run_store(store, _dataset(), min_markers=8)
    assert [v["version"] for v in store.profile_versions(RECALLED)] == [1, 2]
    assert night.counts["withdrawn_samples"] == 1 and night.counts["pm_samples"] == 5
    got = _candidates(store, night.run_id)
    assert got and not any(pm == RECALLED for pm, *_ in got)
    # The night is a run on a store that never held the sample.
    with CaseStore(tmp_path / "never.db") as never:
        once = run_store(never, _dataset(without=RECALLED), min_markers=8)
        assert got == _candidates(never, once.run_id)
        want = {(p["pm"], p["family_id"], p["missing"]) for p in never.proposals()}
    new = {(p["pm"], p["family_id"], p["missing"]) for p in store.proposals()
           if p["run_id"] == night.run_id}
    # (F0021's unchanged proposal is not made again: same pair, same basis.)
    assert night.counts["identifications"] == once.counts["identifications"] == len(want)
    assert new == want - {("PM0136,PM0143", "F0021", "F0021_MP1")}
    assert new == {("PM0066", "F0055", "F0055_MP1")}
    # Its earlier candidates are listed as gone; the trace says who withdrew it and why.
    gone = [c for c in store.changes(night.run_id) if c["pm"] == RECALLED]
    assert gone and {c["change"] for c in gone} == {"withdrawn"}
    events = [e for e in store.trace(RECALLED) if e["event"] == "withdrawn"]
    assert len(events) == 1 and events[0]["detail"].endswith(f"by lab: {REASON}")
    assert store.verify().ok


def test_a_reinstated_sample_has_the_profile_it_had_and_is_searched_again(
        approved: tuple) -> None:
    store, _ = approved
    with store.reading() as conn:  # the fixture's run: the yardstick
        run0 = conn.execute(sa.text("select run_id from runs order by started_at")).scalar()
    store.withdraw_sample(RECALLED, actor="lab", reason=REASON)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ForensicMatchWarning)
        run_store(store, _dataset(), min_markers=8)
    assert store.reinstate_sample(RECALLED, actor="lab", reason="re-extracted: clean") == 3
    assert store.withdrawn_samples() == {}
    versions = store.profile_versions(RECALLED)
    assert versions[2]["sha256"] == versions[0]["sha256"] != versions[1]["sha256"]
    # The same file again writes nothing and warns of nothing (no "older file" warning).
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForensicMatchWarning)
        back = run_store(store, _dataset(), min_markers=8)
    assert back.counts["new_versions"] == 0
    assert _candidates(store, back.run_id) == _candidates(store, run0)
    assert ("PM0066,PM0086", "F0055", "F0055_MP1") in {
        (p["pm"], p["family_id"], p["missing"]) for p in store.proposals()
        if p["run_id"] == back.run_id}
    # a reinstatement repeats the version before the withdrawal: no "older file sent
    # again" flag on the proposal it brings back
    assert not any("is the same data as version" in (p["stale_reason"] or "")
                   for p in store.proposals())
    assert [e["event"] for e in store.trace(RECALLED)
            if e["event"] in ("withdrawn", "reinstated")] == ["withdrawn", "reinstated"]
    assert store.verify().ok


@pytest.mark.parametrize(("sample", "reason", "message"), [
    ("PM9999", REASON, "no sample 'PM9999' in the store"),
    ("F0055", REASON, r"no sample 'F0055' in the store \(a family\? give --family\)"),
    (RECALLED, " ", "a withdrawal needs a reason of at least 3 characters"),
])
def test_a_withdrawal_that_cannot_be_is_refused_and_changes_nothing(
        approved: tuple, sample: str, reason: str, message: str) -> None:
    store, _ = approved
    before = _head(store)
    with pytest.raises(StoreError, match=message):
        store.withdraw_sample(sample, actor="lab", reason=reason)
    assert _head(store) == before
    with pytest.raises(StoreError, match=f"PM sample '{RECALLED}' is not withdrawn"):
        store.reinstate_sample(RECALLED, actor="lab", reason="by mistake")
    store.withdraw_sample(RECALLED, actor="lab", reason=REASON)
    after = _head(store)
    with pytest.raises(StoreError, match="is already withdrawn \\(version 2, by lab"):
        store.withdraw_sample(RECALLED, actor="ana", reason="again")
    assert _head(store) == after


def test_withdraw_and_reinstate_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "cases.db")
    with CaseStore(db) as store:
        run_store(store, _dataset(), min_markers=8)
    runner = CliRunner()
    out = runner.invoke(main, ["store", "withdraw", db, RECALLED, "--as", "lab", "--reason",
                               REASON])
    assert out.exit_code == 0, out.output
    # "1 proposal", not "1 proposals" (an outside check, 2026-12-07)
    assert out.output.strip() == f"sample {RECALLED}: withdrawn; 1 proposal flagged for " \
                                 f"re-review (1)"
    out = runner.invoke(main, ["store", "withdraw", db, RECALLED, "--as", "lab", "--reason",
                               REASON])
    assert out.exit_code == 1 and "is already withdrawn" in out.output
    out = runner.invoke(main, ["store", "reinstate", db, RECALLED, "--as", "lab", "--reason",
                               "re-extracted"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == f"sample {RECALLED}: reinstated as profile version 3"
    # a family, with --family
    out = runner.invoke(main, ["store", "withdraw", db, "F0055", "--family", "--as", "lab",
                               "--reason", "F0055_MP1 found alive"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("family F0055: withdrawn; ")
    out = runner.invoke(main, ["store", "reinstate", db, "F0055", "--family", "--as", "lab",
                               "--reason", "entered by mistake"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "family F0055: reinstated as version 3"


def test_the_new_proposal_after_a_rejection_is_listed_with_it(tmp_path: Path) -> None:
    """The body's rest (PM0066) proposed again after the pair with the recalled fragment was
    rejected: 'store proposals' names the earlier rejection on the new proposal's line (it
    was only in the report and the trace: an outside check, 2026-12-06)."""
    db = str(tmp_path / "cases.db")
    with CaseStore(db) as store:
        run_store(store, _dataset(), min_markers=8)
        store.add_user("ana", ["reviewer"], actor="admin")
        store.add_user("berta", ["approver"], actor="admin")
        pid = next(p for p in store.proposals() if p["family_id"] == "F0055")["proposal_id"]
        store.withdraw_sample(RECALLED, actor="lab", reason=REASON)
        store.act(pid, "review", actor="ana", reason="looked at the recall")
        store.act(pid, "reject", actor="berta", reason="sample recalled")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ForensicMatchWarning)
            run_store(store, _dataset(), min_markers=8)
        new = next(p for p in store.proposals() if p["pm"] == "PM0066")["proposal_id"]
    out = CliRunner().invoke(main, ["store", "proposals", db, "--state", "pending"])
    assert out.exit_code == 0, out.output
    (line,) = [x for x in out.output.splitlines() if x.split()[0] == str(new)]
    # rejected while flagged (the recall): said so, it was not judged wrong
    assert line.endswith(f"REJECTED BEFORE: proposal {pid} (on a re-review flag) of the same "
                         f"person (see the report)")
    assert not any("REJECTED BEFORE" in x for x in out.output.splitlines()
                   if x.split()[0] != str(new))
    # the rejected proposal itself: rejected on the flag it had then (the review's words for
    # the withdrawn version), which it still carries
    out = CliRunner().invoke(main, ["store", "proposals", db, "--state", "rejected"])
    (line,) = out.output.splitlines()
    assert f"REJECTED ON A FLAG: rests on version 1 of the profile of sample '{RECALLED}'" \
        in line and "FLAGGED AFTER" not in line, line


def test_a_withdrawn_samples_snp_calls_sent_again_are_not_stored(tmp_path: Path) -> None:
    """The night's SNP calls of a withdrawn sample were stored as a new version while its STR
    data were not (an outside check, 2026-12-07): a reinstatement would have brought back
    calls sent during the recall."""
    import numpy as np

    from forensic_match.dvi.simulate import simulate_programme
    from forensic_match.frequencies import load_frequencies
    from forensic_match.linked import load_force_panel
    from forensic_match.linked.scores import SnpData
    from forensic_match.linked.simulate import simulate_programme_snps
    from forensic_match.mutation import Mutation, MutationModel
    from forensic_match.store.schema import snp_calls

    db = load_frequencies("fbi2015_sw_hispanic")
    markers = db.markers_for(db.markers, mutation=Mutation(
        female=MutationModel("equal", rate=0.0005), male=MutationModel("equal", rate=0.002)))
    panel = load_force_panel()
    panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c == "22"])
    prog = simulate_programme(6, 6, markers=markers, seed=5, shapes=["cousin"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    snp = simulate_programme_snps(prog, panel, np.random.default_rng(6), pm_missing=0.1)
    options = {"min_markers": 8, "closed": True, "reference_kin": 0.0,
               "snp_options": {"fst": 0.01}}
    target = sorted(snp.pm)[0]
    changed = {k: v.copy() for k, v in snp.pm.items()}
    changed[target] = changed[target][::-1].copy()
    with CaseStore(tmp_path / "snp.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_store(store, prog.dataset, snp=snp, **options)
        store.withdraw_sample(target, actor="lab", reason=REASON)
        run_store(store, prog.dataset, snp=SnpData(snp.panel, changed, snp.references,
                                                   snp.map_source), **options)
        with store.reading() as conn:
            versions = conn.execute(sa.select(snp_calls.c.version)
                                    .where(snp_calls.c.sample_id == target)).scalars().all()
        assert versions == [1]
        assert store.verify().ok


def test_who_withdraws_is_named_and_an_id_typed_in_another_unicode_form_is_found(
        approved: tuple) -> None:
    """A blank actor was accepted (an audit entry by nobody); an accented id typed in NFD
    (as some terminals send it) was 'no sample' although stored ids are NFC."""
    import unicodedata

    store, pid = approved
    for actor in ("", " lab"):
        with pytest.raises(StoreError, match="give who acts"):
            store.withdraw_sample(RECALLED, actor=actor, reason=REASON)
    # Flagged already for another reason (a re-typed fragment), the proposal's flag now names
    # the withdrawal, and the withdrawal counts it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ForensicMatchWarning)
        data = small_dataset_dict()
        next(p for p in data["pm"] if p["id"] == "PM0066")["genotypes"]["TH01"] = ["6", "9.3"]
        store.ingest(case_from_dict(data), actor="lab")
    assert next(p for p in store.proposals() if p["proposal_id"] == pid)["needs_review"]
    assert store.withdraw_sample(RECALLED, actor="lab", reason=REASON) == [pid]
    row = next(p for p in store.proposals() if p["proposal_id"] == pid)
    assert row["stale_reason"].startswith(f"PM sample {RECALLED!r} withdrawn")
    assert store.verify().ok
    # An accented id: stored in NFC, withdrawn and traced by its NFD spelling.
    data = small_dataset_dict()
    data["pm"] = [dict(p, id="PMé0999") for p in data["pm"] if p["id"] == "PM0001"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ForensicMatchWarning)
        store.ingest(case_from_dict(data), actor="lab")
    nfd = unicodedata.normalize("NFD", "PMé0999")
    assert nfd != "PMé0999"
    store.withdraw_sample(nfd, actor="lab", reason=REASON)
    assert "PMé0999" in store.withdrawn_samples()
    assert any(e["event"] == "withdrawn" for e in store.trace(nfd))


def _without(family: str, relative: str | None = None) -> Any:
    """The small dataset without a family, or without one relative's profile in it."""
    data = small_dataset_dict()
    if relative is None:
        data["am"] = [f for f in data["am"] if f["family"] != family]
    else:
        fam = next(f for f in data["am"] if f["family"] == family)
        del fam["genotypes"][relative]
    return case_from_dict(data)


def _fresh_candidates(tmp_path: Path, dataset: Any) -> list[tuple[Any, ...]]:
    with CaseStore(tmp_path / "fresh.db") as fresh:
        return _candidates(fresh, run_store(fresh, dataset, min_markers=8).run_id)


def test_a_withdrawn_relative_leaves_her_family_and_its_proposals_are_flagged(
        approved: tuple, tmp_path: Path) -> None:
    """A relative revokes her consent: the runs read her family without her profile (as a
    store that never held it), the approval resting on it is flagged and cannot stand, and a
    night's file that lists her again does not bring her back."""
    store, pid = approved
    relative = "F0055/F0055_C2"
    flagged = store.withdraw_sample(relative, actor="lab", reason="consent revoked")
    assert flagged == [pid]
    row = next(p for p in store.proposals() if p["proposal_id"] == pid)
    assert row["needs_review"] and "relative sample 'F0055/F0055_C2' withdrawn" in \
        row["stale_reason"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        night = run_store(store, _dataset(), min_markers=8)
    assert any("relative sample 'F0055/F0055_C2' is withdrawn" in str(w.message)
               for w in caught)
    assert night.counts["withdrawn_relatives"] == 1 and night.counts["new_versions"] == 0
    assert _candidates(store, night.run_id) == \
        _fresh_candidates(tmp_path, _without("F0055", "F0055_C2"))
    store.act(pid, "reopen", actor="ana", reason="consent revoked")
    store.act(pid, "review", actor="ana", reason="looked at it")
    with pytest.raises(StoreError, match="sample 'F0055/F0055_C2' is withdrawn \\(by lab: "
                                         "consent revoked\\); reject this proposal"):
        store.act(pid, "approve", actor="berta", reason="agree")
    assert store.reinstate_sample(relative, actor="lab", reason="consent given again") == 3
    assert store.verify().ok


def test_a_withdrawn_family_is_searched_no_more(approved: tuple, tmp_path: Path) -> None:
    """A family's only missing person found alive, or a registration retired: the runs read
    the store without the family, its approval is flagged, a night's file that lists it is
    not stored, and reinstating gives back the record it had."""
    store, pid = approved
    assert store.withdraw_family("F0055", actor="lab", reason="F0055_MP1 found alive") == [pid]
    assert store.withdrawn_families() == {"F0055": {"reason": "F0055_MP1 found alive",
                                                    "by": "lab"}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        night = run_store(store, _dataset(), min_markers=8)
    assert any("family 'F0055' is withdrawn (by lab: F0055_MP1 found alive)" in
               str(w.message) for w in caught)
    assert night.counts["withdrawn_families"] == 1 and night.counts["families"] == 2
    assert _candidates(store, night.run_id) == _fresh_candidates(tmp_path, _without("F0055"))
    assert not any(p["family_id"] == "F0055" for p in store.proposals()
                   if p["run_id"] == night.run_id)
    with pytest.raises(StoreError, match="family 'F0055' is already withdrawn"):
        store.withdraw_family("F0055", actor="lab", reason="again")
    assert store.reinstate_family("F0055", actor="lab", reason="entered by mistake") == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForensicMatchWarning)
        back = run_store(store, _dataset(), min_markers=8)
    assert back.counts["new_versions"] == 0
    assert ("PM0066,PM0086", "F0055", "F0055_MP1") in {
        (p["pm"], p["family_id"], p["missing"]) for p in store.proposals()
        if p["run_id"] == back.run_id}
    with pytest.raises(StoreError, match="no family 'F9999'"):
        store.withdraw_family("F9999", actor="lab", reason="closed")
    assert store.verify().ok
