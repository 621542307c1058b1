"""A decision made under a configuration that later changed is flagged for re-review: two
nights on a real store with a new allele frequency table, a different theta, a changed Y
haplotype database; an unchanged configuration flags nothing; the compiled tables and the
searches kept between nights follow a new frequency table (``docs/store.md``, "Re-review")."""

from __future__ import annotations

import copy
import json
import math
import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from store_helpers import (
    programme_with_panel,
    small_dataset_dict,
    store_target,  # noqa: F401 - fixture
)

from forensic_match.cases import case_from_dict
from forensic_match.dvi.identify import identify
from forensic_match.markers import markers_digest
from forensic_match.store import CaseStore, StoreError, run_store, schema
from forensic_match.store import runs as store_runs
from forensic_match.store.configuration import (
    configuration_sha256,
    defaults_in_force,
    describe_changes,
    lr_configuration,
    panel_digests,
)

#: The marker whose frequencies the second night's table changes.
MARKER = "TH01"


def _new_table(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with a new frequency table: the two commonest alleles of TH01 swap their
    frequencies (the same alleles and mutation models)."""
    out = copy.deepcopy(data)
    marker = next(m for m in out["markers"] if m["name"] == MARKER)
    f = marker["frequencies"]
    i, j = sorted(range(len(f)), key=lambda k: -f[k])[:2]
    f[i], f[j] = f[j], f[i]
    return out


@pytest.fixture
def store(store_target: str) -> Any:  # noqa: F811
    s = CaseStore(store_target)
    s.add_user("ana", ["reviewer"], actor="admin")
    s.add_user("berta", ["approver"], actor="admin")
    yield s
    s.close()


def _proposals(store: CaseStore) -> dict[int, dict[str, Any]]:
    return {p["proposal_id"]: p for p in store.proposals()}


def _basis(store: CaseStore, pid: int) -> list[tuple[str, str, int]]:
    b = schema.proposal_basis
    with store.reading() as conn:
        return sorted(tuple(r) for r in conn.execute(
            sa.select(b.c.kind, b.c.ref_id, b.c.version).where(b.c.proposal_id == pid)))


def _lr_digest(store: CaseStore, run_id: str) -> str:
    r = schema.runs
    with store.reading() as conn:
        row = conn.execute(sa.select(r.c.config, r.c.frequencies_sha256)
                           .where(r.c.run_id == run_id)).one()
    return configuration_sha256(lr_configuration(json.loads(row.config),
                                                 row.frequencies_sha256))


def _flag_entries(store: CaseStore) -> list[dict[str, Any]]:
    log = schema.audit_log
    with store.reading() as conn:
        rows = conn.execute(sa.select(log.c.entity_key, log.c.data)
                            .where(log.c.action == "flag_rereview").order_by(log.c.seq)).all()
    return [{"key": k} | json.loads(d) for k, d in rows]


def test_a_new_frequency_table_flags_every_decision_and_proposes_again(
        store: CaseStore) -> None:
    data1 = small_dataset_dict()
    data2 = _new_table(data1)
    ds1, ds2 = case_from_dict(data1), case_from_dict(data2)
    first = run_store(store, ds1, min_markers=8)
    approved, reviewed = sorted(_proposals(store))
    assert first.counts["new_proposals"] == 2
    store.act(approved, "review", actor="ana", reason="profiles and pedigree checked")
    store.act(approved, "approve", actor="berta", reason="LR and posterior hold")
    store.act(reviewed, "review", actor="ana", reason="profiles and pedigree checked")
    old = _proposals(store)

    second = run_store(store, ds2, min_markers=8)
    assert second.counts["flagged_configuration"] == 2 and second.counts["flagged"] == 2
    assert second.counts["new_versions"] == 0  # the data did not change
    now = _proposals(store)
    want = (f"configuration changed after this proposal (run {first.run_id} -> run "
            f"{second.run_id}): allele frequency table changed (markers sha256 "
            f"{markers_digest(ds1.markers)[:12]}.. -> {markers_digest(ds2.markers)[:12]}..)")
    for pid, state in ((approved, "approved"), (reviewed, "reviewed")):
        assert now[pid]["state"] == state and now[pid]["needs_review"]
        assert now[pid]["stale_reason"] == want
        assert now[pid]["log10_lr"] == old[pid]["log10_lr"]  # kept as decided
    with pytest.raises(StoreError, match="flagged for re-review .*allele frequency table "
                                         "changed.*reopen it"):
        store.act(reviewed, "approve", actor="berta", reason="fine")
    entries = _flag_entries(store)
    assert [int(e["key"]) for e in entries] == [approved, reviewed]
    assert all(e["configuration"] == {"from": _lr_digest(store, first.run_id),
                                      "to": _lr_digest(store, second.run_id)}
               for e in entries)

    # The night proposes both pairs again, with the LRs of the new table.
    assert second.counts["new_proposals"] == 2
    direct = identify(ds2.am, ds2.pm, ds2.markers, min_markers=8, theta=ds2.theta)
    by_pair = {(",".join(sorted((r["fragments"] or r["pm"]).split(","))), r["family"],
                r["missing"]): r for r in direct.identifications.iter_rows(named=True)}
    news = {pid: p for pid, p in now.items() if pid not in old}
    assert len(news) == 2
    for pid, p in news.items():
        assert p["state"] == "pending" and not p["needs_review"]
        r = by_pair[(p["pm"], p["family_id"], p["missing"])]
        assert p["log10_lr"] == pytest.approx(r["log10_lr"], rel=1e-12)
        (before,) = [o for o in old.values() if o["pm"] == p["pm"]]
        assert not math.isclose(p["log10_lr"], before["log10_lr"], rel_tol=1e-9)
        assert ("configuration", _lr_digest(store, second.run_id), 1) in _basis(store, pid)
        # The same data versions as the first proposal; only the configuration differs.
        assert [b for b in _basis(store, pid) if b[0] != "configuration"] == \
            [b for b in _basis(store, before["proposal_id"]) if b[0] != "configuration"]

    # The report of a new proposal names the configuration it rests on.
    from forensic_match.reports import render_report

    page = render_report(store, max(news), language="en", markers=ds2.markers)
    assert f'id="prov-lr-config" class="hash">{_lr_digest(store, second.run_id)}<' in page

    # A third night on the same configuration flags and proposes nothing.
    third = run_store(store, ds2, min_markers=8)
    assert third.counts["flagged"] == 0 and third.counts["new_proposals"] == 0
    assert _proposals(store) == now
    # The flagged decision is reopened and reviewed again; then it may be approved.
    store.act(approved, "reopen", actor="berta", reason="new frequency table")
    store.act(approved, "review", actor="ana", reason="checked against the new table",
              clear_flag=True)
    assert not store.act(approved, "approve", actor="berta", reason="holds")["needs_review"]
    # Cleared by a reviewer, it is not flagged again while the configuration stays.
    fourth = run_store(store, ds2, min_markers=8)
    assert fourth.counts["flagged"] == 0 and not _proposals(store)[approved]["needs_review"]
    assert store.verify().ok


def test_a_different_theta_flags_and_a_decision_gate_does_not(store: CaseStore) -> None:
    data = small_dataset_dict()
    # F0145 (no identification) takes seconds to compile under theta > 0.
    data["am"] = [f for f in data["am"] if f["family"] != "F0145"]
    ds = case_from_dict(data)
    first = run_store(store, ds, min_markers=8)
    # Thresholds decide whether a pair is proposed, not its LR or posterior: no flag.
    gate = run_store(store, ds, min_markers=8, posterior_threshold=0.999, threshold=1e5)
    assert gate.counts["flagged"] == 0 and gate.counts["new_proposals"] == 0
    second = run_store(store, ds, min_markers=8, theta=0.01)
    assert second.counts["flagged_configuration"] == 2
    for p in _proposals(store).values():
        if p["run_id"] == first.run_id:
            assert p["stale_reason"] == (
                f"configuration changed after this proposal (run {first.run_id} -> run "
                f"{second.run_id}): theta (subpopulation correction) changed (0.0 -> 0.01)")
        else:
            assert p["run_id"] == second.run_id and not p["needs_review"]
    assert second.counts["new_proposals"] == 2
    # Back to theta 0: the first night's proposals are flagged already; the second night's
    # are flagged now (they were computed under theta 0.01).
    third = run_store(store, ds, min_markers=8)
    assert third.counts["flagged_configuration"] == 2
    assert {p["run_id"] for p in _proposals(store).values() if p["needs_review"]} == \
        {first.run_id, second.run_id}
    # Back to theta 0, whose proposals exist: nothing proposed again.
    assert third.counts["new_proposals"] == 0
    assert store.verify().ok


def test_proposals_made_before_the_basis_held_the_configuration(
        store: CaseStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store whose proposals' basis is their data alone (as before this rule): an unchanged
    configuration neither proposes them again nor flags them; a new table flags them."""
    data = small_dataset_dict()
    with monkeypatch.context() as m:
        m.setattr(store_runs, "_with_configuration", lambda basis, _item: basis)
        first = run_store(store, case_from_dict(data), min_markers=8)
    assert all(b[0] != "configuration" for pid in _proposals(store)
               for b in _basis(store, pid))
    same = run_store(store, case_from_dict(data), min_markers=8)
    assert same.counts["new_proposals"] == 0 and same.counts["flagged"] == 0
    new = run_store(store, case_from_dict(_new_table(data)), min_markers=8)
    assert new.counts["flagged_configuration"] == 2 and new.counts["new_proposals"] == 2
    assert all(p["needs_review"] == (p["run_id"] == first.run_id)
               for p in _proposals(store).values())
    assert store.verify().ok


def test_a_configuration_replaced_before_the_rule_is_caught_up(
        store: CaseStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A night on a new table run by software without the rule flags nothing; the first run
    with it flags the proposals made under the old table (they were never told)."""
    data = small_dataset_dict()
    first = run_store(store, case_from_dict(data), min_markers=8)
    with monkeypatch.context() as m:
        m.setattr(store_runs, "flag_configuration_change", lambda *_a, **_k: [])
        old_software = run_store(store, case_from_dict(_new_table(data)), min_markers=8)
    assert old_software.counts["flagged"] == 0 and old_software.counts["new_proposals"] == 2
    now = run_store(store, case_from_dict(_new_table(data)), min_markers=8)
    assert now.counts["flagged_configuration"] == 2 and now.counts["new_proposals"] == 0
    for p in _proposals(store).values():
        assert p["needs_review"] == (p["run_id"] == first.run_id)
        if p["needs_review"]:
            assert p["stale_reason"].startswith(
                f"configuration changed after this proposal (run {first.run_id} -> run "
                f"{now.run_id}): allele frequency table changed")
    assert store.verify().ok


def test_a_changed_y_database_flags_a_lineage_decision(markers: list, tmp_path: Path) -> None:
    from test_store_lineage import lineage_programme

    data = lineage_programme(markers)
    changed = copy.deepcopy(data)
    haplotypes = changed["lineage"]["ystr"]["database"]["haplotypes"]
    del haplotypes[: len(haplotypes) // 10]
    ds1, ds2 = case_from_dict(data), case_from_dict(changed)
    with CaseStore(tmp_path / "cases.db") as store:
        first = run_store(store, ds1, min_markers=8, lineage=ds1.lineage)
        same = run_store(store, ds1, min_markers=8, lineage=ds1.lineage)
        assert same.counts["flagged"] == 0 and same.counts["new_proposals"] == 0
        second = run_store(store, ds2, min_markers=8, lineage=ds2.lineage)
        r = schema.runs
        with store.reading() as conn:
            configs = {run: json.loads(c) for run, c in conn.execute(
                sa.select(r.c.run_id, r.c.config))}
        y1 = configs[first.run_id]["lineage"]["y_database"]["sha256"]
        y2 = configs[second.run_id]["lineage"]["y_database"]["sha256"]
        assert y1 != y2
        flagged = [p for p in store.proposals() if p["needs_review"]]
        assert len(flagged) == first.counts["new_proposals"] == \
            second.counts["flagged_configuration"] > 0
        assert {p["stale_reason"] for p in flagged} == {
            f"configuration changed after this proposal (run {first.run_id} -> run "
            f"{second.run_id}): Y haplotype database changed ('simulated' sha256 "
            f"{y1[:12]}.. -> 'simulated' sha256 {y2[:12]}..)"}
        # Lineage markers switched off: the second night's proposals are flagged.
        third = run_store(store, ds2, min_markers=8)
        assert third.counts["flagged_configuration"] == second.counts["new_proposals"]
        assert all(p["stale_reason"].endswith("lineage markers (Y-STR, mtDNA) no longer "
                                              "weighed")
                   for p in store.proposals() if p["run_id"] == second.run_id)
        assert store.verify().ok


# What counts ----------------------------------------------------------------------------------

def _recorded(config: dict[str, Any], markers: list[Any]) -> dict[str, Any]:
    return {"config": config | {"markers": panel_digests(markers)},
            "frequencies_sha256": markers_digest(markers)}


def test_what_counts_as_a_configuration_change() -> None:
    from forensic_match.markers import Marker
    from forensic_match.mutation import Mutation, MutationModel

    ds = programme_with_panel()
    panel = list(ds.markers[:3])
    base = {"identify": {"min_markers": 8}, "theta_dataset": 0.0}
    same = _recorded(base, panel)
    # Engineering, decision gates, the reading of tables and the config file's own bytes
    # do not count; a default given explicitly is the default.
    for other in ({"identify": {"min_markers": 8, "threshold": 1e6, "margin": 10,
                                "posterior_threshold": 0.99, "undisputed": True,
                                "max_rounds": 3}},
                  {"identify": {"min_markers": 8, "sex_filter": True}, "theta_dataset": 0},
                  {"config_sha256": "0" * 64, "reading": {"decimal_comma": True},
                   "frequencies_file_sha256": "1" * 64, "pm_dropout": 0.1}):
        assert describe_changes(same, _recorded(base | other, panel)) == []
        assert configuration_sha256(lr_configuration(**same)) == configuration_sha256(
            lr_configuration(**_recorded(base | other, panel)))
    m = panel[0]
    mutated = [Marker(m.name, m.alleles, m.frequencies,
                      Mutation(female=MutationModel("equal", rate=0.01),
                               male=MutationModel("equal", rate=0.02))), *panel[1:]]
    changes = describe_changes(same, _recorded(base, mutated))
    assert len(changes) == 1 and changes[0].startswith("mutation models changed")
    assert describe_changes(same, _recorded(
        {"identify": {"min_markers": 6, "prior_registered": 0.3, "closed": True},
         "theta_dataset": 0.0, "evidence": {"place_prior": False}}, panel)) == [
        "closed-disaster model (flat prior, no relative alternatives) changed "
        "(False -> True)",
        "minimum number of markers compared changed (8 -> 6)",
        "prior that a body is a registered missing person changed (None -> 0.3)",
        "AM/PM evidence now weighed with the DNA (it was not)"]
    # a lineage option a run did not give is lineage_lr's default: y_theta 0 given
    # explicitly (as the command line now records it) is no change; 0.02 is
    lin = base | {"lineage": {"kin": 1.0, "y_method": "count", "options": {}}}
    given = base | {"lineage": {"kin": 1.0, "y_method": "count",
                                "options": {"y_method": "count", "y_theta": 0.0,
                                            "mt_theta": 0.0}}}
    assert describe_changes(_recorded(lin, panel), _recorded(given, panel)) == []
    theta = base | {"lineage": {"kin": 1.0, "y_method": "count",
                                "options": {"y_method": "count", "y_theta": 0.02,
                                            "mt_theta": 0.01}}}
    assert describe_changes(_recorded(lin, panel), _recorded(theta, panel)) == [
        "lineage option mt_theta changed (0.0 -> 0.01)",
        "lineage option y_theta changed (0.0 -> 0.02)"]


def test_a_changed_default_counts_as_the_change_it_is() -> None:
    """A run records the defaults it filled in (``defaults_in_force``): a later software
    whose default of an option the runs did not give differs (the weight of unregistered
    relatives, the Y theta) flags the earlier runs' proposals with that change, while a run
    recorded before defaults were recorded compares as if this software's were its own."""
    ds = programme_with_panel()
    panel = list(ds.markers[:3])
    lineage = {"kin": 1.0, "y_method": "count", "options": {"y_method": "count"}}
    now = defaults_in_force()
    old = _recorded({"identify": {"min_markers": 8}, "theta_dataset": 0.0,
                     "lineage": lineage, "defaults": now}, panel)
    later = copy.deepcopy(now)
    later["identify"]["relatives"] = 0.5
    later["lineage"]["y_theta"] = 0.02
    new = _recorded({"identify": {"min_markers": 8}, "theta_dataset": 0.0,
                     "lineage": lineage, "defaults": later}, panel)
    assert describe_changes(old, new) == [
        "prior weight of unregistered relatives changed (1.0 -> 0.5)",
        "lineage option y_theta changed (0.0 -> 0.02)"]
    unrecorded = _recorded({"identify": {"min_markers": 8}, "theta_dataset": 0.0,
                            "lineage": lineage}, panel)
    assert describe_changes(unrecorded, old) == []
    # an option given explicitly is what it says, whatever the defaults
    given = _recorded({"identify": {"min_markers": 8, "relatives": 0.5}, "theta_dataset": 0.0,
                       "lineage": lineage, "defaults": now}, panel)
    assert describe_changes(given, new) == ["lineage option y_theta changed (0.0 -> 0.02)"]


def test_a_new_frequency_table_recompiles_the_tables_kept_between_nights(
        tmp_path: Path) -> None:
    """The compiled tables and the searches kept between nights are keyed by the panel: a new
    frequency table compiles every family again, and the night's candidates are those of a
    run that keeps nothing."""
    full = programme_with_panel().to_dict()
    data = {k: full[k] for k in ("kind", "id", "markers", "theta")} | {
        "am": full["am"][:12], "pm": full["pm"][:10]}
    ds1, ds2 = case_from_dict(data), case_from_dict(_new_table(data))

    def candidates(store: CaseStore, run_id: str) -> list[tuple[Any, ...]]:
        return [(r["pm"], r["rank"], r["family_id"], r["missing"], r["log10_lr"])
                for r in store.run_candidates(run_id)["candidates"]]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with CaseStore(tmp_path / "nightly.db") as store:
            first = run_store(store, ds1, min_markers=8)
            second = run_store(store, ds2, min_markers=8)
            third = run_store(store, ds2, min_markers=8)
            got = candidates(store, second.run_id)
            unchanged = candidates(store, third.run_id)
            before = candidates(store, first.run_id)
        with CaseStore(tmp_path / "fresh.db") as fresh:
            ref = run_store(fresh, ds2, min_markers=8, cache=False, reuse_searches=False)
            want = candidates(fresh, ref.run_id)
    assert (first.counts["compiled_families"], second.counts["compiled_families"],
            third.counts["compiled_families"]) == (12, 12, 0)
    assert got == want == unchanged
    assert got != before  # the new table moved some LRs


def test_run_command_flags_decisions_when_the_datasets_table_changes(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from forensic_match.cli import main

    data = small_dataset_dict()
    night1, night2 = tmp_path / "night1.json", tmp_path / "night2.json"
    night1.write_text(json.dumps(data), encoding="utf-8")
    night2.write_text(json.dumps(_new_table(data)), encoding="utf-8")
    db = str(tmp_path / "cases.db")
    runner = CliRunner()
    assert runner.invoke(main, ["run", str(night1), "--store", db, "-q"]).exit_code == 0
    out = runner.invoke(main, ["run", str(night2), "--store", db])
    assert out.exit_code == 0, out.output
    assert "2 proposals flagged for re-review (2 for a changed configuration)" in out.output
    assert "2 new proposals, 2 flagged for re-review" in out.output
    listed = runner.invoke(main, ["store", "proposals", db])
    flagged = [line for line in listed.output.splitlines() if "RE-REVIEW" in line]
    assert len(flagged) == 2
    assert all("allele frequency table changed (markers sha256" in line for line in flagged)
    assert runner.invoke(main, ["store", "verify", db]).exit_code == 0


def test_a_new_decision_model_flags_the_decisions_of_the_old_one(
        store: CaseStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proposals of a run recorded under an older decision model (here: version 1, the model
    before distant references' relatives were drawn in every run; runs recorded without a
    version are version 1) are flagged by the first run under the current one, which
    proposes the pairs again; the next run flags nothing."""
    from forensic_match.decide.priors import DECISION_MODEL, DECISION_MODELS

    ds = case_from_dict(small_dataset_dict())
    with monkeypatch.context() as m:
        m.setattr(store_runs, "DECISION_MODEL", 1)
        first = run_store(store, ds, min_markers=8)
    assert first.counts["new_proposals"] == 2
    second = run_store(store, ds, min_markers=8)
    assert second.counts["flagged_configuration"] == 2
    assert second.counts["new_versions"] == 0 and second.counts["new_proposals"] == 2
    want = (f"configuration changed after this proposal (run {first.run_id} -> run "
            f"{second.run_id}): decision model changed (version 1 -> {DECISION_MODEL}: "
            f"{DECISION_MODELS[DECISION_MODEL]})")
    assert [p["stale_reason"] for p in _proposals(store).values()
            if p["run_id"] == first.run_id] == [want, want]
    third = run_store(store, ds, min_markers=8)
    assert third.counts["flagged"] == 0 and third.counts["new_proposals"] == 0
    # a run that recorded no version is version 1
    assert lr_configuration({"identify": {}}, "ab" * 32)["decision_model"] == 1
    assert store.verify().ok
