"""The case store on a real SQLite file (and on ``FM_STORE_URL`` when set): migrations,
profile versions, the review state machine with four eyes and reasons, the audit chain and
its verification against tampering, identities kept out of exports, the re-review flag."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from helpers import fragment
from store_helpers import (
    change_dataset,
    fragment_joined_after_approval,
    small_dataset_dict,
    store_target,  # noqa: F401 - fixture
    write_small_dataset,
)

from forensic_match.cases import case_from_dict
from forensic_match.cli import main
from forensic_match.errors import ForensicMatchWarning
from forensic_match.store import (
    CaseStore,
    StoreError,
    create_store_engine,
    current_revision,
    head_revision,
    run_store,
    upgrade_store,
)
from forensic_match.store.audit import GENESIS, canonical_json, chain_hash
from forensic_match.store.schema import metadata

NAME = "Juan Pérez Quispe"


def _dataset(**change: Any) -> Any:
    data = small_dataset_dict()
    if change:
        change_dataset(data, **change)
    return case_from_dict(data)


@pytest.fixture
def store(store_target: str) -> Any:  # noqa: F811
    s = CaseStore(store_target)
    yield s
    s.close()


@pytest.fixture
def run_done(store: CaseStore) -> CaseStore:
    """A store after one run on the small dataset, with a reviewer, an approver and a user
    holding both roles."""
    run_store(store, _dataset(), min_markers=8)
    store.add_user("ana", ["reviewer"], actor="admin")
    store.add_user("berta", ["approver"], actor="admin")
    store.add_user("carla", ["reviewer", "approver"], actor="admin")
    return store


def _raw(store: CaseStore, sql: str, **params: Any) -> Any:
    with store.engine.connect() as conn:
        out = conn.execute(sa.text(sql), params)
        rows = out.all() if out.returns_rows else None
        conn.commit()
    return rows


# Migrations ----------------------------------------------------------------------------------

def test_migrations_create_the_schema_from_empty_and_are_idempotent(store_target: str,  # noqa: F811
                                                                    ) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_store_engine(store_target)
    assert current_revision(engine) is None
    assert upgrade_store(engine) == (None, head_revision())
    assert upgrade_store(engine) == (head_revision(), head_revision())
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        # The migration builds exactly the tables, columns, keys and indexes of schema.py.
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        head = conn.execute(sa.text("SELECT seq, hash FROM audit_head")).all()
    engine.dispose()
    assert tables == set(metadata.tables) | {"alembic_version"}
    assert diff == []
    assert head == [(0, GENESIS)]


def test_store_is_one_sqlite_file_in_wal_mode(tmp_path: Path) -> None:
    with CaseStore(tmp_path / "cases.db") as store:
        assert _raw(store, "PRAGMA journal_mode")[0][0] == "wal"
        assert _raw(store, "PRAGMA foreign_keys")[0][0] == 1
    assert (tmp_path / "cases.db").is_file()


def test_upgrade_command_creates_then_reports_up_to_date(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    first = CliRunner().invoke(main, ["store", "upgrade", db])
    assert first.exit_code == 0, first.output
    assert f"upgraded from revision (empty) to {head_revision()}" in first.output
    again = CliRunner().invoke(main, ["store", "upgrade", db])
    assert again.exit_code == 0
    assert f"already at revision {head_revision()}" in again.output


def test_a_store_behind_the_schema_is_refused_without_upgrade(tmp_path: Path) -> None:
    engine = create_store_engine(tmp_path / "old.db")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    with pytest.raises(StoreError, match=f"schema revision None, this version needs "
                                         f"{head_revision()}"):
        CaseStore(tmp_path / "old.db", upgrade=False)
    result = CliRunner().invoke(main, ["store", "verify", str(tmp_path / "old.db")])
    assert result.exit_code == 1
    assert "forensic-match store upgrade" in result.output


@pytest.mark.parametrize("command", [["proposals"], ["verify"], ["export", "OUT"],
                                     ["report", "1", "--out", "OUT"],
                                     ["dashboard", "--out", "OUT"]])
def test_a_mistyped_store_path_is_refused_and_no_file_is_made(tmp_path: Path,
                                                             command: list[str]) -> None:
    """Reading commands opened the path, which made an empty file, and then advised 'store
    upgrade', which made it an empty store ("audit log intact: 0 entries"; an outside check,
    2026-12-06)."""
    db = tmp_path / "cses.db"
    rest = [str(tmp_path / "out") if x == "OUT" else x for x in command[1:]]
    result = CliRunner().invoke(main, ["store", command[0], str(db), *rest])
    assert result.exit_code != 0
    assert "no case store at" in result.output and "check the path" in result.output
    assert not db.exists()
    with pytest.raises(StoreError, match="no case store at"):
        CaseStore(db, upgrade=False)
    assert not db.exists()
    db.touch()      # an empty file, as the old commands left
    with pytest.raises(StoreError, match="is not a case store"):
        CaseStore(db, upgrade=False)


def test_empty_listings_say_so_on_stderr(tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")
    assert CliRunner().invoke(main, ["store", "upgrade", db]).exit_code == 0
    for command, words in ((["proposals"], "no proposals"),
                           (["proposals", "--state", "approved"], "no approved proposals"),
                           (["held"], "nothing held back"), (["warnings"], "no warnings kept"),
                           (["family-level"], "no body placed at family level")):
        result = CliRunner().invoke(main, ["store", command[0], db, *command[1:]])
        assert result.exit_code == 0, result.output
        assert result.stdout == "" and words in result.stderr


# Profile versions ----------------------------------------------------------------------------

def test_a_changed_profile_is_a_new_version_and_the_old_one_is_kept(store: CaseStore) -> None:
    first = store.ingest(_dataset(), actor="lab")
    assert ("profile", "PM0066", 1) in first.new_versions
    assert ("family", "F0055", 1) in first.new_versions
    again = store.ingest(_dataset(), actor="lab")
    assert again.new_versions == [] and again.unchanged == len(first.new_versions)

    with pytest.warns(ForensicMatchWarning, match=re.escape(
            "relative sample 'F0055/F0055_C1': its new version (version 2) leaves out what "
            "version 1 had: 1 typed marker ('TH01')")):
        changed = store.ingest(_dataset(pm="PM0066", relative=("F0055", "F0055_C1")),
                               actor="lab")
    assert sorted(changed.new_versions) == [("profile", "F0055/F0055_C1", 2),
                                            ("profile", "PM0066", 2)]
    versions = store.profile_versions("PM0066")
    assert [v["version"] for v in versions] == [1, 2]
    old, new = (v["content"]["genotypes"]["TH01"] for v in versions)
    assert old == [g for g in small_dataset_dict()["pm"] if g["id"] == "PM0066"][0][
        "genotypes"]["TH01"]
    assert new == ["6", "9.3"]
    assert "TH01" not in store.profile_versions("F0055/F0055_C1")[1]["content"]["genotypes"]
    # The store's dataset is the newest version of everything.
    ds = store.dataset(_dataset().markers)
    pm = {s.id: s for s in ds.pm}
    assert pm["PM0066"].genotypes["TH01"] == ("6", "9.3")
    fam = {f.id: f for f in ds.am}["F0055"]
    assert "TH01" not in fam.genotypes["F0055_C1"]
    assert store.verify().ok


@pytest.mark.parametrize("where", ["family", "person"])
def test_an_id_holding_the_stores_separator_is_refused(store: CaseStore, where: str) -> None:
    """The store keys persons and relatives' samples as family/person: family 'F0055/X' with
    person 'C1' and family 'F0055' with person 'X/C1' were one stored person, the second
    family's profile written as a new version of the first's. Refused, nothing stored."""
    data = small_dataset_dict()
    fam = next(f for f in data["am"] if f["family"] == "F0055")
    if where == "family":
        fam["family"] = "F0055/X"
        says = "family 'F0055/X': a family id cannot hold '/'"
    else:
        old = fam["missing"][0]
        fam["missing"] = ["X/" + old]
        for rec in fam["pedigree"]:
            for key in ("id", "father", "mother"):
                if rec.get(key) == old:
                    rec[key] = "X/" + old
        says = f"family 'F0055', person 'X/{old}': a person id cannot hold '/'"
    with pytest.raises(StoreError, match=fragment(says, "rename")):
        store.ingest(case_from_dict(data), actor="lab")
    assert store.export()["families"] == []


def test_a_new_id_that_differs_from_a_stored_one_only_in_case_is_warned(
        store: CaseStore) -> None:
    """'pm0066' on a later night beside the stored 'PM0066' (or a family 'f0055') is most
    likely one body typed two ways: kept as two, with a warning naming both."""

    store.ingest(_dataset(), actor="lab")
    data = small_dataset_dict()
    sample = next(p for p in data["pm"] if p["id"] == "PM0066")
    data["pm"] = [dict(sample, id="pm0066")]
    fam = next(f for f in data["am"] if f["family"] == "F0055")
    data["am"] = [dict(fam, family="f0055")]
    with pytest.warns(ForensicMatchWarning) as said:
        store.ingest(case_from_dict(data), actor="lab")
    messages = [str(w.message) for w in said]
    assert any(m.startswith("PM sample 'pm0066' is new to the store, which holds 'PM0066'")
               for m in messages), messages
    assert any(m.startswith("family 'f0055' is new to the store, which holds 'F0055'")
               for m in messages), messages


def test_a_family_version_that_leaves_out_typed_relatives_is_warned(store: CaseStore) -> None:
    """A night's pedigree table sent without its relatives' table made new family versions
    with no typed relatives, whose stored profiles were then not used, without a word."""

    store.ingest(_dataset(), actor="lab")
    data = small_dataset_dict()
    fam = next(f for f in data["am"] if f["family"] == "F0055")
    typed = sorted(fam["genotypes"])
    fam["genotypes"] = {}
    with pytest.warns(ForensicMatchWarning, match=fragment(
            "family 'F0055': its new version (version 2) leaves out "
            f"{len(typed)} of the {len(typed)} typed relatives of version 1 "
            f"({', '.join(map(repr, typed))})", "run again with them")):
        summary = store.ingest(case_from_dict(data), actor="lab")
    assert ("family", "F0055", 2) in summary.new_versions
    # the relatives back: version 3, with the one warning that it equals version 1 (which
    # is what an old file sent again after a correction would look like)
    with pytest.warns(ForensicMatchWarning, match="record of family 'F0055': the data sent "
                                                  "equals version 1, which version 2 "
                                                  "replaced; stored as version 3"):
        store.ingest(_dataset(), actor="lab")
    # A pedigree table without its antemortem columns (age, date and place missing).
    data = small_dataset_dict()
    fam = next(f for f in data["am"] if f["family"] == "F0055")
    fam["info"] = {}
    with pytest.warns(ForensicMatchWarning, match=re.escape(
            "family 'F0055': its new version (version 4) leaves out antemortem records of "
            "version 3 ('F0055_MP1': 'age', 'date_missing', 'place_missing'; 'F0055_MP2': "
            "'age', 'date_missing', 'place_missing')")):
        store.ingest(case_from_dict(data), actor="lab")


def test_a_profile_version_that_loses_markers_or_pm_data_is_warned(store: CaseStore) -> None:
    """A night's genotype table sent without its samples' table made new PM versions with no
    sex (no sex filter), no site, dropout 0 (other LRs) and no PM records, and a re-typing on
    another kit sent alone replaced a profile's markers, each without a word."""

    store.ingest(_dataset(), actor="lab")
    data = small_dataset_dict()
    sample = next(p for p in data["pm"] if p["id"] == "PM0066")
    sample.update(sex="U", site="", dropout=0.0, info={})
    with pytest.warns(ForensicMatchWarning, match=fragment(
            "PM sample 'PM0066': its new version (version 2) leaves out what version 1 had: "
            "sex 'F'; site 'G0010'; dropout 0.19963", "records 'age_max', 'age_min', "
            "'date_recovered', 'district'", "run again with its samples' table")):
        store.ingest(case_from_dict(data), actor="lab")
    # A re-typing on another kit sent alone: the profile's new version has only its markers.
    n_pm = len(sample["genotypes"]) - ("TH01" in sample["genotypes"])
    sample["genotypes"] = {"TH01": ["6", "7"]}
    fam = next(f for f in data["am"] if f["family"] == "F0055")
    relative = sorted(fam["genotypes"])[0]
    n_rel = len(fam["genotypes"][relative]) - 1
    fam["genotypes"][relative] = {"TH01": fam["genotypes"][relative]["TH01"]}
    with pytest.warns(ForensicMatchWarning) as said:
        store.ingest(case_from_dict(data), actor="lab")
    messages = [str(w.message) for w in said]
    assert any(m.startswith("PM sample 'PM0066': its new version (version 3) leaves out what "
                            f"version 2 had: {n_pm} typed markers") for m in messages), messages
    assert any(m.startswith(f"relative sample 'F0055/{relative}': its new version (version "
                            f"2) leaves out what version 1 had: {n_rel} typed markers")
               and m.endswith("run again with the earlier markers")
               for m in messages), messages


def test_a_runs_warnings_are_kept_with_it(store: CaseStore, tmp_path: Path) -> None:
    """A nightly run is often unattended: its warnings (here a family's new version without
    its typed relatives) are stored with the run, audited, listed by 'store warnings', and
    still given to the caller."""
    run_store(store, _dataset(), min_markers=8)
    data = small_dataset_dict()
    next(f for f in data["am"] if f["family"] == "F0055")["genotypes"] = {}
    with pytest.warns(ForensicMatchWarning, match="family 'F0055': its new version"):
        summary = run_store(store, case_from_dict(data), min_markers=8)
    kept = store.run_warnings(summary.run_id)
    assert [(r["seq"], r["kind"]) for r in kept][:1] == [(1, "ForensicMatchWarning")]
    assert any(r["message"].startswith("family 'F0055': its new version (version 2) leaves "
                                       "out") for r in kept)
    assert all(r["run_id"] == summary.run_id for r in kept)
    assert store.verify().ok
    assert "run_warnings" in store.export()
    if store.url.startswith("sqlite"):
        db = store.url.removeprefix("sqlite:///")
        result = CliRunner().invoke(main, ["store", "warnings", db, "--run", summary.run_id])
        assert result.exit_code == 0, result.output
        assert f"{summary.run_id}    1 ForensicMatchWarning: family 'F0055'" in result.output
        _raw(store, "UPDATE run_warnings SET message = 'nothing to see' WHERE seq = 1")
        assert any(p.startswith(f"run_warnings row {summary.run_id}|1: differs")
                   for p in store.verify().problems)


def test_a_proposal_a_later_run_holds_back_is_flagged_once(run_done: CaseStore) -> None:
    """A stored proposal whose pair a later run holds back (here: min_references above the
    families' four typed members) is flagged for re-review with the hold's reason, whatever
    its state; a reviewer who clears the flag is not asked again for the same reason."""
    store = run_done
    props = store.proposals()
    assert len(props) == 2 and not any(p["needs_review"] for p in props)
    store.act(props[0]["proposal_id"], "review", actor="ana", reason="looks right")
    store.act(props[0]["proposal_id"], "approve", actor="berta", reason="agreed")
    held = run_store(store, _dataset(), min_markers=8, min_references=5)
    assert held.counts["flagged_held"] == 2 and held.counts["identifications"] == 0
    now = {p["proposal_id"]: p for p in store.proposals()}
    for p in props:
        got = now[p["proposal_id"]]
        assert got["needs_review"]
        assert got["stale_reason"].startswith(
            f"held back by run {held.run_id}: too few references to check the family's data "
            f"(family {p['family_id']}: 4 typed members, min_references 5")
    assert now[props[0]["proposal_id"]]["state"] == "approved"
    # flagged already: the next run does not flag again
    again = run_store(store, _dataset(), min_markers=8, min_references=5)
    assert "flagged_held" not in again.counts
    # reviewed again (the flag cleared), then the same hold: not asked again
    pid = props[1]["proposal_id"]
    store.act(pid, "review", actor="ana", reason="second reference requested from the lab",
              clear_flag=True)
    third = run_store(store, _dataset(), min_markers=8, min_references=5)
    assert "flagged_held" not in third.counts
    assert not next(p for p in store.proposals() if p["proposal_id"] == pid)["needs_review"]
    # without the rule nothing is held, nothing flagged
    plain = run_store(store, _dataset(), min_markers=8)
    assert "flagged_held" not in plain.counts and plain.counts["held_back"] == 0
    assert store.verify().ok


def _registered_twice(data: dict[str, Any], fid: str, new: str) -> None:
    """Add a copy of family ``fid`` under the id ``new`` (its persons renamed): the same
    family registered a second time, by another relative or office."""
    import copy

    fam = copy.deepcopy(next(f for f in data["am"] if f["family"] == fid))

    def renamed(x: str | None) -> str | None:
        return None if x is None else x.replace(fid, new)

    fam["family"] = new
    fam["pedigree"] = [{**p, "id": renamed(p["id"]), "father": renamed(p["father"]),
                        "mother": renamed(p["mother"])} for p in fam["pedigree"]]
    fam["missing"] = [renamed(m) for m in fam["missing"]]
    fam["genotypes"] = {renamed(k): v for k, v in fam["genotypes"].items()}
    fam["info"] = {renamed(k): v for k, v in (fam.get("info") or {}).items()}
    data["am"].append(fam)


def test_an_approved_pair_a_later_run_does_not_propose_is_flagged_once(run_done: CaseStore
                                                                       ) -> None:
    """A run decides every body again on the newest data; a stored proposal whose pair it no
    longer proposes is flagged, even when the proposal's own data did not change. Here the
    approved identification's family is registered a second time (a copy under another
    id): the body now fits two missing persons equally, neither is proposed, and the
    approved proposal, which before stayed approved without a word, is flagged with what the
    run did and the body's candidates now. A reviewer who clears the flag is not asked again
    for the same reason; an unchanged night flags nothing."""
    store = run_done
    props = store.proposals()
    approved = next(p for p in props if p["family_id"] == "F0055")
    other = next(p for p in props if p["family_id"] != "F0055")
    store.act(approved["proposal_id"], "review", actor="ana", reason="LR and posterior hold")
    store.act(approved["proposal_id"], "approve", actor="berta", reason="agreed")
    same = run_store(store, _dataset(), min_markers=8)
    assert "flagged_unproposed" not in same.counts
    data = small_dataset_dict()
    _registered_twice(data, "F0055", "F0955")
    # (and the body that fits both registrations, placed in neither, is named)
    with pytest.warns(ForensicMatchWarning, match=r"perhaps one family registered twice, .*"
                                                  r"F0055 and F0955 \(4 typed members"), \
            pytest.warns(ForensicMatchWarning, match=r"bodies fit registered missing persons "
                                                     r"of two or more families .*F0055_MP1"):
        night = run_store(store, case_from_dict(data), min_markers=8)
    assert night.counts["flagged_unproposed"] == 1
    assert any("F0055 and F0955" in w["message"] for w in store.run_warnings(night.run_id))
    now = {p["proposal_id"]: p for p in store.proposals()}
    got = now[approved["proposal_id"]]
    assert got["state"] == "approved" and got["needs_review"]
    assert got["stale_reason"].startswith(
        f"not proposed again by run {night.run_id}: no proposal for PM PM0066,PM0086 or for "
        f"F0055/F0055_MP1: the pair's joint posterior is below the threshold now")
    assert re.search(r"PM PM0066's candidates now: F0(0|9)55/F0(0|9)55_MP1 \(log10 LR "
                     r"\d+\.\d\), F0(0|9)55/F0(0|9)55_MP1", got["stale_reason"])
    assert not now[other["proposal_id"]]["needs_review"]   # still proposed
    # the same night again: flagged already; cleared by a reviewer: not asked again
    warnings.simplefilter("ignore", ForensicMatchWarning)    # the registration warned above
    assert "flagged_unproposed" not in run_store(store, case_from_dict(data),
                                                 min_markers=8).counts
    store.act(approved["proposal_id"], "reopen", actor="berta",
              reason="the body fits a second registration")
    store.act(approved["proposal_id"], "review", actor="ana",
              reason="the second registration is the same family; merging the cases",
              clear_flag=True)
    assert "flagged_unproposed" not in run_store(store, case_from_dict(data),
                                                 min_markers=8).counts
    assert store.verify().ok


def test_what_a_run_held_back_is_kept_with_it(store: CaseStore) -> None:
    """A run that holds back proposals (here: every family's, as a typed child with a
    stranger's profile is added under one of its typed relatives, so its references
    contradict its pedigree) stores what it held and why, audited, listed by 'store held'."""
    from forensic_match.simulate import random_profile

    first = run_store(store, _dataset(), min_markers=8)
    assert first.counts["identifications"] >= 1
    assert store.run_held(first.run_id) == []
    data = small_dataset_dict()
    markers = case_from_dict(data).markers
    for k, fam in enumerate(data["am"]):
        parent = sorted(fam["genotypes"])[0]
        sex = next(p["sex"] for p in fam["pedigree"] if p["id"] == parent)
        partner, child = f"{fam['family']}_XP", f"{fam['family']}_XC"
        fam["pedigree"] += [
            {"id": partner, "father": None, "mother": None, "sex": "F" if sex == "M" else "M"},
            {"id": child, "father": parent if sex == "M" else partner,
             "mother": partner if sex == "M" else parent, "sex": "M"}]
        fam["genotypes"][child] = {m: list(g) for m, g in
                                   random_profile(markers, seed=k).items()}
    with pytest.warns(ForensicMatchWarning, match="contradict their pedigrees"):
        summary = run_store(store, case_from_dict(data), min_markers=8)
    assert summary.counts["identifications"] == 0
    held = store.run_held(summary.run_id)
    assert len(held) >= first.counts["identifications"]
    assert [r["seq"] for r in held] == list(range(1, len(held) + 1))
    assert all(r["reason"].startswith("references contradict the family's pedigree")
               and f"{r['family_id']}_XC" in r["reason"] for r in held)
    assert any(r["missing"] is not None and r["log10_lr"] > 4 for r in held)
    assert store.verify().ok
    assert len(store.export()["run_held"]) == len(held)
    # the report of a proposal of the first run says what the newest run did instead
    from forensic_match.reports.render import report_context

    first_id = next(p["proposal_id"] for p in store.proposals() if p["run_id"] == first.run_id)
    for language, words in (("en", "The newest run ("), ("es", "La corrida más reciente (")):
        newest = report_context(store, first_id, language=language, markers=markers)["newest"]
        assert newest["kind"] == "held" and str(newest["text"]).startswith(words)
        assert summary.run_id in newest["text"] and "XC" in newest["text"]
    row = next(r for r in held if r["missing"] is not None)
    events = [e["detail"] for e in store.trace(row["pm"]) if e["event"] == "held back"]
    assert len(events) == sum(r["pm"] == row["pm"] for r in held)
    assert f"run {summary.run_id}: {row['pm']} -> {row['missing']} of {row['family_id']}: " \
           f"{row['reason']}" in events
    if store.url.startswith("sqlite"):
        db = store.url.removeprefix("sqlite:///")
        result = CliRunner().invoke(main, ["store", "held", db, "--run", summary.run_id])
        assert result.exit_code == 0, result.output
        assert result.output.count(summary.run_id) == len(held)
        assert "references contradict the family's pedigree" in result.output
        _raw(store, "UPDATE run_held SET reason = 'nothing to see' WHERE seq = 1")
        assert any(p.startswith(f"run_held row {summary.run_id}|1: differs")
                   for p in store.verify().problems)


def test_a_failed_runs_warnings_are_kept_too(store: CaseStore,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import forensic_match.store.runs as runs

    def failing(*_args: object, **_kwargs: object) -> None:
        warnings.warn("a warning before the failure", ForensicMatchWarning, stacklevel=2)
        raise RuntimeError("the identification broke")

    monkeypatch.setattr(runs, "_identify", failing)
    with pytest.warns(ForensicMatchWarning, match="a warning before the failure"), \
            pytest.raises(RuntimeError, match="the identification broke"):
        run_store(store, _dataset(), min_markers=8)
    (run,) = store.export()["runs"]
    assert run["status"] == "failed"
    assert [(r["seq"], r["message"]) for r in store.run_warnings(run["run_id"])] == \
        [(1, "a warning before the failure")]
    assert store.verify().ok


def test_a_pedigree_change_is_a_new_family_version(store: CaseStore) -> None:
    store.ingest(_dataset(), actor="lab")
    data = small_dataset_dict()
    fam = next(f for f in data["am"] if f["family"] == "F0021")
    fam["info"]["F0021_MP1"]["age"] = 55
    summary = store.ingest(case_from_dict(data), actor="lab")
    assert summary.new_versions == [("family", "F0021", 2)]
    rows = _raw(store, "SELECT version, content FROM family_versions WHERE family_id = 'F0021' "
                       "ORDER BY version")
    assert [r[0] for r in rows] == [1, 2]
    assert json.loads(rows[0][1])["info"]["F0021_MP1"]["age"] == 54


# Runs ----------------------------------------------------------------------------------------

def test_a_run_records_provenance_candidates_and_proposals(run_done: CaseStore) -> None:
    (run,) = _raw(run_done, "SELECT status, software_version, config_sha256, "
                            "frequencies_sha256, counts, finished_at, inputs, config FROM runs")
    assert run[0] == "finished" and run[1] and len(run[2]) == 64 and len(run[3]) == 64
    assert run[5] is not None
    inputs = json.loads(run[6])
    assert inputs["dataset"]["id"] == "store_small"
    assert inputs["store"]["families"] == 3 and len(inputs["store"]["versions_sha256"]) == 64
    # what the last bits depend on besides inputs and configuration (not in the config hash:
    # another machine is no reason to review a decision again)
    import numba
    import numpy

    env = inputs["environment"]
    assert env["numpy"] == numpy.__version__ and env["numba_threads"] == numba.get_num_threads()
    assert env["processor"] and "environment" not in json.loads(run[7])
    assert json.loads(run[7])["identify"] == {"min_markers": 8}
    # the defaults the run filled in for what it did not give, for later versions to compare
    from forensic_match.store.configuration import defaults_in_force

    assert json.loads(run[7])["defaults"] == defaults_in_force()
    assert json.loads(run[7])["defaults"]["identify"]["relatives"] == 1.0
    counts = json.loads(run[4])
    assert counts["identifications"] == 2 and counts["new_proposals"] == 2
    assert counts["candidates"] == _raw(run_done, "SELECT COUNT(*) FROM candidates")[0][0] > 0
    # Every PM sample's ranking as first compiled, identified samples included.
    best = _raw(run_done, "SELECT pm, family_id, missing FROM candidates WHERE rank = 1 "
                          "ORDER BY pm")
    assert [r[0] for r in best] == sorted(["PM0001", "PM0002", "PM0066", "PM0086", "PM0136",
                                           "PM0143"])
    assert ("PM0066", "F0055", "F0055_MP1") in best and ("PM0143", "F0021", "F0021_MP1") in best
    props = run_done.proposals()
    assert {(p["pm"], p["missing"]) for p in props} == {
        ("PM0066,PM0086", "F0055_MP1"), ("PM0136,PM0143", "F0021_MP1")}
    assert all(p["state"] == "pending" and not p["needs_review"] for p in props)
    basis = _raw(run_done, "SELECT kind, ref_id, version FROM proposal_basis "
                           "WHERE proposal_id = :p ORDER BY kind, ref_id",
                 p=props[0]["proposal_id"])
    fam = props[0]["family_id"]
    assert ("family", fam, 1) in basis
    assert {r[1] for r in basis if r[0] == "profile"} >= set(props[0]["pm"].split(","))
    assert any(r[1].startswith(f"{fam}/") for r in basis if r[0] == "profile")
    # The same data again: the run finishes, and proposes nothing new.
    second = run_store(run_done, _dataset(), min_markers=8)
    assert second.counts["new_proposals"] == 0 and len(run_done.proposals()) == 2
    assert run_done.verify().ok


# Review --------------------------------------------------------------------------------------

def test_review_then_approve_by_another_person(run_done: CaseStore) -> None:
    pid = run_done.proposals()[0]["proposal_id"]
    assert run_done.act(pid, "review", actor="ana", reason="profiles and pedigree checked")[
        "state"] == "reviewed"
    row = run_done.act(pid, "approve", actor="berta", reason="agree: LR and posterior hold")
    assert row["state"] == "approved" and row["reviewer"] == "ana"
    steps = _raw(run_done, "SELECT actor, action, from_state, to_state, reason FROM reviews "
                           "ORDER BY review_id")
    assert steps == [("ana", "review", "pending", "reviewed", "profiles and pedigree checked"),
                     ("berta", "approve", "reviewed", "approved",
                      "agree: LR and posterior hold")]


def test_four_eyes_the_reviewer_cannot_approve_or_reject(run_done: CaseStore) -> None:
    pid = run_done.proposals()[0]["proposal_id"]
    run_done.act(pid, "review", actor="carla", reason="checked")
    for action in ("approve", "reject"):
        with pytest.raises(StoreError, match=r"'carla' reviewed it and cannot also "
                                             rf"{action} it \(four-eyes rule\)"):
            run_done.act(pid, action, actor="carla", reason="looks right")
    assert run_done.proposals()[0]["state"] == "reviewed"
    assert run_done.act(pid, "reject", actor="berta", reason="C2 is not the child")[
        "state"] == "rejected"


def test_roles_reasons_and_states_are_enforced(run_done: CaseStore) -> None:
    pid = run_done.proposals()[0]["proposal_id"]
    with pytest.raises(StoreError, match="review needs a reason"):
        run_done.act(pid, "review", actor="ana", reason="  ")
    with pytest.raises(StoreError, match="'berta' .*may not review; it needs the role "
                                         "reviewer"):
        run_done.act(pid, "review", actor="berta", reason="checked")
    with pytest.raises(StoreError, match="'dora' is not a user of the store"):
        run_done.act(pid, "review", actor="dora", reason="checked")
    with pytest.raises(StoreError, match="is pending; approve applies to reviewed proposals"):
        run_done.act(pid, "approve", actor="berta", reason="fine")
    with pytest.raises(StoreError, match="unknown action 'hit'"):
        run_done.act(pid, "hit", actor="berta", reason="fine")
    with pytest.raises(StoreError, match="no proposal 999"):
        run_done.act(999, "review", actor="ana", reason="checked")
    with pytest.raises(StoreError, match="roles must be some of reviewer, approver"):
        run_done.add_user("eva", ["admin"], actor="admin")
    assert _raw(run_done, "SELECT COUNT(*) FROM reviews")[0][0] == 0
    assert run_done.proposals()[0]["state"] == "pending"


def test_a_decision_can_be_reopened_and_decided_again(run_done: CaseStore) -> None:
    pid = run_done.proposals()[0]["proposal_id"]
    run_done.act(pid, "review", actor="ana", reason="checked")
    run_done.act(pid, "reject", actor="berta", reason="fragments doubtful")
    with pytest.raises(StoreError, match="reopen needs a reason"):
        run_done.act(pid, "reopen", actor="berta", reason="")
    row = run_done.act(pid, "reopen", actor="berta", reason="fragments confirmed by anthropology")
    assert row["state"] == "pending" and row["reviewer"] is None
    run_done.act(pid, "review", actor="carla", reason="checked again")
    # ana reviewed the first round only; she is no approver, but carla is now the reviewer.
    with pytest.raises(StoreError, match="four-eyes"):
        run_done.act(pid, "approve", actor="carla", reason="fine")
    assert run_done.act(pid, "approve", actor="berta", reason="fine")["state"] == "approved"
    assert run_done.verify().ok


def test_review_commands(run_done: CaseStore) -> None:
    db = run_done.url.removeprefix("sqlite:///")
    if run_done.url.startswith("sqlite"):
        pid = str(run_done.proposals()[0]["proposal_id"])
        run = CliRunner()
        ok = run.invoke(main, ["store", "review", db, pid, "review", "--as", "ana",
                               "--reason", "checked"])
        assert ok.exit_code == 0 and f"proposal {pid}: reviewed" in ok.output
        bad = run.invoke(main, ["store", "review", db, pid, "approve", "--as", "ana",
                                "--reason", "fine"])
        assert bad.exit_code == 1 and "not also approve" not in bad.output
        assert "may not approve" in bad.output
        listed = run.invoke(main, ["store", "proposals", db, "--state", "reviewed"])
        assert listed.exit_code == 0 and "reviewed" in listed.output
        user = run.invoke(main, ["store", "user", db, "dora", "--role", "approver", "--as",
                                 "admin"])
        assert user.exit_code == 0 and "user dora: approver" in user.output


# Audit chain ---------------------------------------------------------------------------------

def test_chain_formula() -> None:
    entry = {"seq": 1, "at": "t", "actor": "a", "action": "create", "entity": "users",
             "key": "ana", "data": {"row": {"user_id": "ana"}}}
    import hashlib

    expected = hashlib.sha256((GENESIS + canonical_json(entry)).encode()).hexdigest()
    assert chain_hash(GENESIS, entry) == expected
    assert canonical_json({"b": [1.5, None], "a": "é"}) == '{"a":"é","b":[1.5,null]}'


def test_verify_passes_on_an_untouched_store(run_done: CaseStore) -> None:
    pid = run_done.proposals()[0]["proposal_id"]
    run_done.act(pid, "review", actor="ana", reason="checked")
    report = run_done.verify()
    assert report.ok and report.first_broken is None and report.problems == []
    assert report.entries == _raw(run_done, "SELECT MAX(seq) FROM audit_log")[0][0]
    actions = {r[0] for r in _raw(run_done, "SELECT DISTINCT action FROM audit_log")}
    assert actions >= {"create", "new_version", "start", "finish", "propose", "review"}


def test_verify_names_the_tampered_audit_entry(run_done: CaseStore) -> None:
    seq = _raw(run_done, "SELECT MIN(seq) FROM audit_log WHERE entity = 'proposals'")[0][0]
    _raw(run_done, "UPDATE audit_log SET data = REPLACE(data, 'pending', 'approved') "
                   "WHERE seq = :s", s=seq)
    report = run_done.verify()
    assert not report.ok and report.first_broken == seq
    assert report.problems[0].startswith(f"audit entry {seq} (propose proposals ")
    assert "does not hash to its stored hash" in report.problems[0]
    if run_done.url.startswith("sqlite"):
        out = CliRunner().invoke(main, ["store", "verify", run_done.url.removeprefix(
            "sqlite:///")])
        assert out.exit_code == 1
        assert f"first broken link at entry {seq}" in out.output


def test_verify_names_a_row_changed_behind_the_log(run_done: CaseStore) -> None:
    pid = run_done.proposals()[0]["proposal_id"]
    _raw(run_done, "UPDATE proposals SET state = 'approved' WHERE proposal_id = :p", p=pid)
    report = run_done.verify()
    assert not report.ok and report.first_broken is None  # the chain itself is intact
    assert any(p.startswith(f"proposals row {pid}: differs from its image in audit entry")
               and "(columns state)" in p for p in report.problems)


def test_verify_finds_changed_profiles_candidates_deleted_and_added_rows(
        run_done: CaseStore) -> None:
    _raw(run_done, "UPDATE profiles SET content = REPLACE(content, '\"15\"', '\"16\"') "
                   "WHERE sample_id = 'PM0066'")
    _raw(run_done, "UPDATE candidates SET log10_lr = log10_lr + 1 WHERE rank = 1")
    _raw(run_done, "DELETE FROM reviews")  # none yet: nothing to find
    _raw(run_done, "INSERT INTO users (user_id, roles, created_at) VALUES "
                   "('mallory', 'approver', 'x')")
    problems = run_done.verify().problems
    assert any(p.startswith("profiles row PM0066|1: differs") for p in problems)
    assert any(p.startswith("candidates of run ") for p in problems)
    assert any(p.startswith("users row mallory: not in the audit log") for p in problems)


def test_verify_finds_entries_cut_from_the_end_or_the_middle(run_done: CaseStore) -> None:
    last = _raw(run_done, "SELECT MAX(seq) FROM audit_log")[0][0]
    _raw(run_done, "DELETE FROM audit_log WHERE seq = :s", s=last)
    report = run_done.verify()
    assert not report.ok and report.first_broken == last
    assert any("audit head points at entry" in p for p in report.problems)
    _raw(run_done, "DELETE FROM audit_log WHERE seq = 5")
    assert run_done.verify().first_broken == 6


# Identities ----------------------------------------------------------------------------------

def test_identities_are_left_out_of_exports_unless_asked(run_done: CaseStore,
                                                         tmp_path: Path) -> None:
    run_done.set_identity("F0055/F0055_MP1", NAME, actor="registry",
                          details={"dni": "40123456"})
    plain = json.dumps(run_done.export(), default=str)
    assert NAME not in plain and "40123456" not in plain
    assert "identities" not in run_done.export()
    full = run_done.export(identities=True)
    assert full["identities"][0]["name"] == NAME
    assert full["identities"][0]["details"] == {"dni": "40123456"}
    # The audit log keeps a hash of the identity row, never the name.
    assert not any(NAME in r[0] for r in _raw(run_done, "SELECT data FROM audit_log"))
    assert run_done.verify().ok
    _raw(run_done, "UPDATE identities SET name = 'Someone Else'")
    assert any(p.startswith("identities row F0055/F0055_MP1: differs")
               for p in run_done.verify().problems)
    with pytest.raises(StoreError, match="no person 'nobody'"):
        run_done.set_identity("nobody", NAME, actor="registry")
    if run_done.url.startswith("sqlite"):
        _raw(run_done, "UPDATE identities SET name = :n", n=NAME)
        db = run_done.url.removeprefix("sqlite:///")
        out = tmp_path / "export.json"
        assert CliRunner().invoke(main, ["store", "export", db, str(out)]).exit_code == 0
        assert NAME not in out.read_text(encoding="utf-8")
        assert CliRunner().invoke(main, ["store", "export", db, str(out),
                                         "--identities"]).exit_code == 0
        assert NAME in out.read_text(encoding="utf-8")


def test_the_streamed_export_is_the_export(run_done: CaseStore, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """``write_export`` (the CLI's, batch by batch) writes what ``export()`` holds, with
    identities only when asked, and never leaves a half-written file."""
    import forensic_match.store.export as export

    run_done.set_identity("F0055/F0055_MP1", NAME, actor="registry")
    monkeypatch.setattr(export, "BATCH_ROWS", 3)  # many batches in every table
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "export.json"
    for identities in (False, True):
        counts = run_done.write_export(out, identities=identities)
        written = json.loads(out.read_text(encoding="utf-8"))
        expected = json.loads(json.dumps(run_done.export(identities=identities), default=str))
        assert written == expected
        assert counts == {k: len(v) for k, v in expected.items() if isinstance(v, list)}
        assert counts["candidates"] > 3 and (NAME in out.read_text(encoding="utf-8")) == identities
    before = out.read_bytes()

    def broken(rows: Any) -> Any:
        yield next(iter(rows))
        raise OSError("disk full")

    real = export.table_rows
    monkeypatch.setattr(export, "table_rows", lambda conn, table: broken(real(conn, table)))
    with pytest.raises(OSError, match="disk full"):
        run_done.write_export(out)
    assert out.read_bytes() == before and list(out.parent.iterdir()) == [out]
    monkeypatch.setattr(export, "table_rows", real)
    # two exports to one file at once: each writes a file of its own, the last replaces it
    import threading

    done: list[Any] = []
    threads = [threading.Thread(target=lambda: done.append(run_done.write_export(out)))
               for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(done) == 2 and json.loads(out.read_text(encoding="utf-8")) == \
        json.loads(json.dumps(run_done.export(), default=str))
    assert list(out.parent.iterdir()) == [out]


def test_a_reading_connection_holds_one_snapshot(run_done: CaseStore) -> None:
    """What one ``reading()`` sees does not change when another connection commits meanwhile
    (PostgreSQL's default isolation gave each query its own snapshot: an export could hold the
    tables before a run's commit and the audit head after it)."""
    with run_done.reading() as conn:
        users = conn.execute(sa.text("SELECT count(*) FROM users")).scalar_one()
        head = conn.execute(sa.text("SELECT seq FROM audit_head")).scalar_one()
        run_done.add_user("dora", ["reviewer"], actor="admin")  # commits on its own connection
        assert conn.execute(sa.text("SELECT count(*) FROM users")).scalar_one() == users
        assert conn.execute(sa.text("SELECT seq FROM audit_head")).scalar_one() == head
    with run_done.reading() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM users")).scalar_one() == users + 1


def test_identities_are_imported_from_a_table_all_or_nothing(run_done: CaseStore,
                                                             tmp_path: Path) -> None:
    """The institution's register as a CSV: ids as the store keeps them or a family column
    beside the person's id, other columns as details; one bad row changes nothing."""
    from forensic_match.errors import InputError

    table = tmp_path / "registro.csv"
    table.write_text("familia,persona,nombre,DNI,nacimiento\n"
                     f"F0055,F0055_MP1,{NAME},40123456,1961-03-02\n"
                     "F0055,F0055_C1,María Quispe,,\n", encoding="utf-8")
    assert run_done.import_identities(table, actor="registry") == {"created": 2,
                                                                   "replaced": 0}
    rows = {r["person_id"]: r for r in run_done.export(identities=True)["identities"]}
    assert rows["F0055/F0055_MP1"]["name"] == NAME
    assert rows["F0055/F0055_MP1"]["details"] == {"DNI": "40123456", "nacimiento": "1961-03-02"}
    assert rows["F0055/F0055_C1"]["details"] == {}
    assert not any(NAME in r[0] for r in _raw(run_done, "SELECT data FROM audit_log"))
    assert run_done.verify().ok

    def refused(text: str, says: str) -> None:
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=fragment(str(bad), says)):
            run_done.import_identities(bad, actor="registry")
        after = {r["person_id"]: r for r in run_done.export(identities=True)["identities"]}
        assert after == rows  # nothing written

    refused("person_id,name\nF0055/F0055_MP1,Otro Nombre\nF0055/f0055_c1,X\n",
            "line 3, person 'F0055/f0055_c1': no such person in the store (similar: "
            "'F0055/F0055_C1')")
    refused("person_id,name\nF0055/F0055_MP1,Otro\nF0055/F0055_MP1,Otro\n",
            "line 3, person 'F0055/F0055_MP1': the person is given twice (first at file")
    refused("person_id,name\nF0055/F0055_MP1,\n", "line 2, person 'F0055/F0055_MP1': no name")
    refused("person_id,nombre,name\nF0055/F0055_MP1,A,B\n",
            "columns 2, 3 ('nombre', 'name') all name the name; keep one")
    refused("person_id,name,DNI,dni\nF0055/F0055_MP1,A,1,2\n",
            "columns 3, 4 ('DNI', 'dni') have the same name")
    refused("who,name\nF0055/F0055_MP1,A\n", "no 'person id' column")
    # A second import replaces, and the command line says how many, never a name.
    if run_done.url.startswith("sqlite"):
        db = run_done.url.removeprefix("sqlite:///")
        again = tmp_path / "again.csv"
        again.write_text(f"person_id,name\nF0055/F0055_MP1,{NAME} de Ríos\n", encoding="utf-8")
        result = CliRunner().invoke(main, ["store", "identities", db, str(again), "--as", "reg"])
        assert result.exit_code == 0, result.output
        assert result.output == f"identities from {again}: 0 created, 1 replaced\n"
        bad = tmp_path / "bad.csv"
        bad.write_text("person_id,name\nnobody,A\n", encoding="utf-8")
        result = CliRunner().invoke(main, ["store", "identities", db, str(bad), "--as", "reg"])
        assert result.exit_code == 1
        assert "line 2, person 'nobody': no such person in the store" in result.output


# Re-review -----------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [{"pm": "PM0066"}, {"relative": ("F0055", "F0055_C2")}])
def test_a_decision_on_data_that_changed_is_flagged_for_re_review(run_done: CaseStore,
                                                                  change: dict) -> None:
    prop = next(p for p in run_done.proposals() if p["family_id"] == "F0055")
    other = next(p for p in run_done.proposals() if p["family_id"] != "F0055")
    pid = prop["proposal_id"]
    run_done.act(pid, "review", actor="ana", reason="checked")
    run_done.act(pid, "approve", actor="berta", reason="agree")
    with warnings.catch_warnings():  # the relative's re-typing leaves out TH01: warned
        warnings.simplefilter("ignore", ForensicMatchWarning)
        summary = run_done.ingest(_dataset(**change), actor="lab")
    assert summary.flagged == [pid]
    row = next(p for p in run_done.proposals() if p["proposal_id"] == pid)
    sample = "PM0066" if "pm" in change else "F0055/F0055_C2"
    assert row["state"] == "approved" and row["needs_review"]
    assert row["stale_reason"] == (f"profile of sample {sample!r} changed (version 1 -> 2) "
                                   f"after this proposal")
    assert not next(p for p in run_done.proposals()
                    if p["proposal_id"] == other["proposal_id"])["needs_review"]
    # A flagged decision is reopened and reviewed again; on the old data it stays flagged
    # (its LR and posterior are the old data's: shown as current, they misled) and cannot be
    # approved, only rejected; the next run proposes the pair again on the new data, and
    # that proposal is approved.
    run_done.act(pid, "reopen", actor="berta", reason="new profile version")
    reviewed = run_done.act(pid, "review", actor="carla",
                            reason="checked against the new profile")
    assert reviewed["state"] == "reviewed" and reviewed["needs_review"]
    assert reviewed["stale_reason"] == (f"rests on version 1 of the profile of sample "
                                        f"{sample!r}, and version 2 is stored: reject it (the "
                                        f"next run proposes the pair on the newest data if it "
                                        f"holds)")
    with pytest.raises(StoreError, match=f"proposal {pid} .* rests on version 1 of the "
                                         f"profile of sample '{sample}', and version 2 is "
                                         f"stored: approve the proposal a run makes"):
        run_done.act(pid, "approve", actor="berta", reason="still holds")
    assert run_done.act(pid, "reject", actor="berta", reason="superseded")["state"] == \
        "rejected"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ForensicMatchWarning)
        run_store(run_done, _dataset(**change), min_markers=8)
    (new,) = [p for p in run_done.proposals() if p["family_id"] == "F0055"
              and p["proposal_id"] != pid]
    run_done.act(new["proposal_id"], "review", actor="ana", reason="checked")
    assert run_done.act(new["proposal_id"], "approve", actor="berta",
                        reason="holds on the new data")["state"] == "approved"
    assert run_done.verify().ok


def test_a_flagged_proposal_cannot_be_approved_before_review_again(run_done: CaseStore) -> None:
    pid = next(p for p in run_done.proposals() if p["family_id"] == "F0055")["proposal_id"]
    run_done.act(pid, "review", actor="ana", reason="checked")
    run_done.ingest(_dataset(pm="PM0086"), actor="lab")
    # (its data changed: reviewing it again would not help, so the refusal says what does)
    with pytest.raises(StoreError, match="rests on version 1 of the profile of sample "
                                         "'PM0086', and version 2 is stored: approve the "
                                         "proposal a run makes on the newest data"):
        run_done.act(pid, "approve", actor="berta", reason="fine")
    # The next run proposes the pair again on the new data, as a new pending proposal.
    summary = run_store(run_done, _dataset(pm="PM0086"), min_markers=8)
    assert summary.counts["flagged"] == 0  # flagged at the ingest above already
    news = [p for p in run_done.proposals() if p["family_id"] == "F0055" and
            p["proposal_id"] != pid]
    assert len(news) == 1 and news[0]["state"] == "pending" and not news[0]["needs_review"]


def test_a_proposal_on_data_another_run_replaced_meanwhile_is_flagged(
        store: CaseStore, store_target: str) -> None:  # noqa: F811
    """Two runs on one store: while the first identifies, the second stores a new version of
    a PM profile. The first run's proposal on the old version is flagged in its finishing
    transaction (the second run's ingest could not see it): before, it was stored pending and
    unflagged, and no later run pointed at it."""
    other = CaseStore(store_target)
    changed = []

    def meanwhile(line: str) -> None:
        if " compiled " in line and not changed:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ForensicMatchWarning)
                changed.append(other.ingest(_dataset(pm="PM0066"), actor="lab"))

    try:
        summary = run_store(store, _dataset(), min_markers=8, say=meanwhile)
    finally:
        other.close()
    assert changed and changed[0].flagged == []   # nothing proposed yet when it ingested
    prop = next(p for p in store.proposals() if p["family_id"] == "F0055")
    assert prop["needs_review"]
    assert prop["stale_reason"] == (f"profile of sample 'PM0066' changed (version 1 -> 2) "
                                    f"while run {summary.run_id} computed this proposal")
    assert summary.counts["flagged_superseded"] == 1
    others = [p for p in store.proposals() if p["family_id"] != "F0055"]
    assert others and not any(p["needs_review"] for p in others)
    assert store.verify().ok


def test_a_body_approved_as_one_person_cannot_be_approved_as_another(
        run_done: CaseStore) -> None:
    """A family registered twice (F9055, a copy of F0055 with the body's profile as a direct
    reference): the run proposes the body approved as F0055's missing person for F9055's
    too. Before, both could be approved and nothing said so."""
    first = next(p for p in run_done.proposals() if p["family_id"] == "F0055")
    run_done.act(first["proposal_id"], "review", actor="ana", reason="checked")
    run_done.act(first["proposal_id"], "approve", actor="berta", reason="agree")
    data = small_dataset_dict()
    body = first["pm"].split(",")[0]
    twin = json.loads(json.dumps(next(f for f in data["am"] if f["family"] == "F0055"))
                      .replace("F0055", "F9055"))
    twin["references"] = {first["missing"].replace("F0055", "F9055"):
                          next(s for s in data["pm"] if s["id"] == body)["genotypes"]}
    data["am"].append(twin)
    with pytest.warns(ForensicMatchWarning, match=r"perhaps one family registered twice, .*"
                                                  r"F0055 and F9055"):
        run_store(run_done, case_from_dict(data), min_markers=8)
    second = next(p for p in run_done.proposals() if p["family_id"] == "F9055")
    run_done.act(second["proposal_id"], "review", actor="ana", reason="checked the reference")
    with pytest.raises(StoreError, match=f"PM sample '{body}' is already identified as "
                                         f"{first['missing']} of F0055 \\(approved proposal "
                                         f"{first['proposal_id']}\\); one body is one person"):
        run_done.act(second["proposal_id"], "approve", actor="berta", reason="agree")
    run_done.act(first["proposal_id"], "reopen", actor="berta", reason="registered twice")
    assert run_done.act(second["proposal_id"], "approve", actor="berta",
                        reason="the reference decides")["state"] == "approved"


def test_a_person_approved_with_one_body_cannot_be_approved_with_another(
        run_done: CaseStore) -> None:
    """The laboratory finds that an approved body's profile was another sample's: the body is
    re-typed and the person's true profile comes as a new sample, which the next run proposes
    for the same person. Before, both were approved, and the programme counted the person
    twice with two bodies (an outside check, 2026-12-06)."""
    first = next(p for p in run_done.proposals() if p["family_id"] == "F0055")
    run_done.act(first["proposal_id"], "review", actor="ana", reason="checked")
    run_done.act(first["proposal_id"], "approve", actor="berta", reason="agree")
    data = small_dataset_dict()
    body = first["pm"].split(",")[0]
    mine = next(s for s in data["pm"] if s["id"] == body)
    stranger = next(s for s in data["pm"] if s["id"] != body)
    data["pm"].append({**json.loads(json.dumps(mine)), "id": "PM9000"})
    mine["genotypes"] = json.loads(json.dumps(stranger["genotypes"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ForensicMatchWarning)
        run_store(run_done, case_from_dict(data), min_markers=8)
    # the new sample joins the body's other fragment: a new proposal of the same person
    second = next(p for p in run_done.proposals()
                  if p["family_id"] == "F0055" and "PM9000" in p["pm"].split(","))
    run_done.act(second["proposal_id"], "review", actor="ana", reason="the new sample")
    with pytest.raises(StoreError, match=re.escape(
            f"{first['missing']} of F0055 is already identified with PM sample(s) "
            f"{first['pm']} (approved proposal {first['proposal_id']}); one person is one "
            f"body, approved once")):
        run_done.act(second["proposal_id"], "approve", actor="berta", reason="agree")
    assert next(p for p in run_done.proposals()
                if p["proposal_id"] == first["proposal_id"])["needs_review"]
    run_done.act(first["proposal_id"], "reopen", actor="berta", reason="sample re-typed")
    assert run_done.act(second["proposal_id"], "approve", actor="berta",
                        reason="the new typing")["state"] == "approved"


def test_a_whole_body_supersedes_the_approved_proposal_of_its_first_fragment(
        store: CaseStore) -> None:
    """A body approved on its first fragment; a later night joins the second and proposes
    the whole body; the first proposal's "one body" flag is cleared and it is approved
    again. Before, the whole body's approval was refused for good ("one person is one
    body"), it stayed "reviewed" with nothing listing it, and the second fragment of an
    identified person was identified nowhere (an outside check, h_months: 13 bodies in two
    stores over 24 and 22 nights). Now its listing and --flagged say what its approval
    does, and approving it supersedes the first fragment's proposal, audited."""
    part, whole = fragment_joined_after_approval(store)
    listed = CliRunner().invoke(main, ["store", "proposals", store.url, "--flagged"])
    assert listed.exit_code == 0, listed.output
    (line,) = listed.output.splitlines()
    assert line.split()[:3] == [str(whole), "reviewed", "PM0066,PM0086"]
    assert line.endswith(f"SUPERSEDES ON APPROVAL: approved proposal {part} (PM0066, part of "
                         f"this body)")
    everything = CliRunner().invoke(main, ["store", "proposals", store.url]).output
    assert f"PART OF A LARGER BODY: proposal {whole} (PM0066,PM0086, reviewed) proposes the " \
           f"whole body; approving it supersedes this one" in everything
    said = CliRunner().invoke(main, ["store", "review", store.url, str(whole), "approve",
                                     "--as", "berta", "--reason", "the whole body"])
    assert said.exit_code == 0, said.output
    assert said.output.splitlines() == [
        f"proposal {whole}: approved",
        f"proposal {part}: superseded (PM0066, part of the body of proposal {whole})"]
    now = {p["proposal_id"]: p for p in store.proposals()}
    assert now[whole]["state"] == "approved" and not now[whole]["needs_review"]
    assert now[part]["state"] == "superseded" and not now[part]["needs_review"]
    step = _raw(store, "select actor, action, from_state, to_state, reason from reviews "
                       "where proposal_id = :p order by review_id desc", p=part)[0]
    assert tuple(step[:4]) == ("berta", "supersede", "approved", "superseded")
    assert step[4] == (f"superseded by proposal {whole} (PM0066,PM0086, the whole body of "
                       f"which PM0066 is part), approved by berta: the whole body")
    assert _raw(store, "select action from audit_log where entity = 'proposals' and "
                       "entity_key = :k order by seq desc", k=str(part))[0][0] == "supersede"
    listed = CliRunner().invoke(main, ["store", "proposals", store.url])
    assert f"SUPERSEDED: by proposal {whole} (PM0066,PM0086), the whole body" in listed.output
    assert CliRunner().invoke(main, ["store", "proposals", store.url, "--flagged"]).output \
        == "no flagged proposals\n"
    # one person, one approved proposal; the next night flags neither
    assert [p["proposal_id"] for p in store.proposals(state="approved")
            if p["family_id"] == "F0055"] == [whole]
    night = run_store(store, _dataset(), min_markers=8)
    assert "flagged_unproposed" not in night.counts
    # the partial one can come back only by a reopen, and is then blocked by the whole
    store.act(part, "reopen", actor="berta", reason="checking the first fragment again")
    blocked = CliRunner().invoke(main, ["store", "proposals", store.url, "--flagged"]).output
    assert f"BLOCKED: F0055_MP1 of F0055 is approved with PM sample(s) PM0066,PM0086 " \
           f"(proposal {whole}); one person is one body: reopen one of the two" in blocked
    assert store.verify().ok


def test_a_review_that_cannot_clear_a_flag_says_it_stays(run_done: CaseStore) -> None:
    """A reviewed proposal on data no longer the newest keeps its flag, by design; with
    --clear-flag the CLI printed a plain "proposal 2: reviewed" (an outside check, h_months:
    7 such reviews in two stores). It says the flag stays, and why."""
    store = run_done
    pid = next(p["proposal_id"] for p in store.proposals() if "PM0066" in p["pm"])
    run_store(store, _dataset(pm="PM0066"), min_markers=8)
    said = CliRunner().invoke(main, ["store", "review", store.url, str(pid), "review", "--as",
                                     "ana", "--reason", "read the flag", "--clear-flag"])
    assert said.exit_code == 0, said.output
    assert said.output.strip() == (
        f"proposal {pid}: reviewed; the re-review flag stays (--clear-flag clears no flag on "
        f"data no longer the newest): rests on version 1 of the profile of sample 'PM0066', "
        f"and version 2 is stored: reject it (the next run proposes the pair on the newest "
        f"data if it holds); it cannot be approved")
    assert next(p for p in store.proposals() if p["proposal_id"] == pid)["needs_review"]

def test_a_pm_sample_typed_at_no_marker_is_refused_before_anything_is_stored(
        run_done: CaseStore) -> None:
    """A dataset's PM sample with no typing was stored, then its run failed on it, and so did
    every later run (an outside check, 2026-12-06). It is refused at ingest now, before
    anything is written; the next night without it runs."""
    def stored() -> tuple[int, int]:
        return (len(_raw(run_done, "select * from profiles")),
                len(_raw(run_done, "select * from runs")))

    before = stored()
    data = small_dataset_dict()
    data["pm"][0]["genotypes"] = {}
    with pytest.raises(StoreError, match=f"PM sample {data['pm'][0]['id']!r}: no typed marker "
                                         f"of the dataset's panel; nothing is stored"):
        run_store(run_done, case_from_dict(data), min_markers=8)
    assert stored() == before and run_done.verify().ok
    summary = run_store(run_done, _dataset(), min_markers=8)
    assert summary.counts["new_versions"] == 0 and stored()[1] == before[1] + 1


def test_an_old_file_sent_again_is_warned_about(run_done: CaseStore) -> None:
    """A re-typing (version 2), then the first night's file sent again: version 1's content
    comes back as version 3, undoing the correction; before, without a word."""
    run_store(run_done, _dataset(pm="PM0066"), min_markers=8)
    with pytest.warns(ForensicMatchWarning, match="profile of sample 'PM0066': the data sent "
                                                  "equals version 1, which version 2 replaced"):
        run_store(run_done, _dataset(), min_markers=8)
    assert [v["version"] for v in run_done.profile_versions("PM0066")] == [1, 2, 3]
    # where the reviewer reads: the flags of the proposals on versions 2 and 3 say it (the
    # new one looked like any pending proposal: an outside check, 2026-12-07)
    said = "version 3 is the same data as version 1, which version 2 replaced: an older file"
    on = {p["proposal_id"]: p for p in run_done.proposals() if "PM0066" in p["pm"]}
    flagged = [p for p in on.values() if p["needs_review"] and said in p["stale_reason"]]
    assert {p["state"] for p in flagged} == {"pending"} and len(flagged) >= 2, on
    assert any(p["stale_reason"].startswith("rests on profile of sample 'PM0066' version 3")
               for p in flagged)
    listed = CliRunner().invoke(main, ["store", "proposals", run_done.url, "--flagged"])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert sorted(int(x.split()[0]) for x in lines) == sorted(
        p["proposal_id"] for p in run_done.proposals() if p["needs_review"])
    assert all("RE-REVIEW: " in x for x in lines)
    with warnings.catch_warnings():   # the same data once more: nothing new, no warning
        warnings.simplefilter("error", ForensicMatchWarning)
        assert run_store(run_done, _dataset(), min_markers=8).counts["new_versions"] == 0


def test_a_user_name_differing_only_in_case_or_spaces_is_refused(run_done: CaseStore) -> None:
    # 'carla' reviewing and 'Carla' approving passed the four-eyes rule
    with pytest.raises(StoreError, match="the store has the user 'carla'"):
        run_done.add_user("Carla", ["approver"], actor="carla")
    with pytest.raises(StoreError, match="no spaces around it"):
        run_done.add_user("carla ", ["approver"], actor="carla")


def test_run_command_writes_to_the_store(tmp_path: Path) -> None:
    path = write_small_dataset(tmp_path / "ds.json")
    db = str(tmp_path / "run.db")
    out = CliRunner().invoke(main, ["run", str(path), "--store", db, "--quiet"])
    assert out.exit_code == 0, out.output
    with CaseStore(db, upgrade=False) as store:
        assert len(store.proposals()) == 2 and store.verify().ok
    ok = CliRunner().invoke(main, ["store", "verify", db])
    assert ok.exit_code == 0 and "audit log intact" in ok.output


def test_a_configuration_setting_what_a_dataset_run_does_not_use_is_refused(
        tmp_path: Path) -> None:
    """With a dataset file, the configuration's frequency table, mutation model and theta
    were dropped without a word (the same settings as flags were refused); now refused,
    nothing stored. Decision settings still apply."""
    path = write_small_dataset(tmp_path / "ds.json")
    db = tmp_path / "run.db"
    config = tmp_path / "lab.toml"
    config.write_text('[frequencies]\ntable = "nist1036_cauc"\n[search]\ntheta = 0.01\n')
    out = CliRunner().invoke(main, ["run", str(path), "--store", str(db), "--quiet",
                                    "--config", str(config)])
    assert out.exit_code == 1
    assert "lab.toml' sets frequencies, theta, which a run on a dataset does not use" in \
        out.output
    assert not db.exists()
    config.write_text("[identify]\nclosed = true\n")
    ok = CliRunner().invoke(main, ["run", str(path), "--store", str(db), "--quiet",
                                   "--config", str(config)])
    assert ok.exit_code == 0, ok.output


def test_concurrent_writers_keep_one_chain(store_target: str) -> None:  # noqa: F811
    import threading

    with CaseStore(store_target) as first:
        first.ingest(_dataset(), actor="lab")
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            with CaseStore(store_target) as store:
                for k in range(15):
                    store.add_user(f"user{worker}_{k}", ["reviewer"], actor=f"admin{worker}")
                    store.set_identity("F0021/F0021_MP1", f"Name {worker} {k}",
                                       actor=f"registry{worker}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with CaseStore(store_target) as store:
        report = store.verify()
        assert report.ok, report.problems
        seqs = [r[0] for r in _raw(store, "SELECT seq FROM audit_log ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))
        assert _raw(store, "SELECT COUNT(*) FROM users")[0][0] == 45


def test_the_trace_of_a_sample(run_done: CaseStore, tmp_path: Path) -> None:
    pid = next(p for p in run_done.proposals() if p["family_id"] == "F0055")["proposal_id"]
    run_done.act(pid, "review", actor="ana", reason="checked")
    run_done.ingest(_dataset(pm="PM0066"), actor="lab")
    events = run_done.trace("PM0066")
    assert [e["event"] for e in events] == ["profile version", "candidates", "proposal",
                                            "review", "profile version",
                                            "flagged for re-review"]
    assert "on profile version 1; now reviewed, flagged for re-review" in events[2]["detail"]
    assert events[3]["detail"] == f"proposal {pid} by ana (pending -> reviewed): checked"
    assert "changed (version 1 -> 2)" in events[5]["detail"]
    relative = [e["event"] for e in run_done.trace("F0055/F0055_C1")]
    assert relative == ["profile version", "proposal", "review", "flagged for re-review"]
    with pytest.raises(StoreError, match="no sample 'PM9999'"):
        run_done.trace("PM9999")
    if run_done.url.startswith("sqlite"):
        out = CliRunner().invoke(main, ["store", "trace", run_done.url.removeprefix(
            "sqlite:///"), "PM0066"])
        assert out.exit_code == 0 and "flagged for re-review" in out.output


def test_verify_checks_heads_written_down_earlier(run_done: CaseStore) -> None:
    head = run_done.verify().head
    run_done.add_user("dora", ["approver"], actor="admin")
    assert run_done.verify(heads=[head]).ok
    # Rewrite the log consistently from entry 2 on: the chain verifies by itself, but
    # no longer passes through the head kept outside.
    rows = _raw(run_done, "SELECT seq, at, actor, action, entity, entity_key, data, prev_hash "
                          "FROM audit_log ORDER BY seq")
    prev = rows[1][7]
    from forensic_match.store.audit import chain_hash as rehash

    for seq, at, actor, action, entity, key, data, _ in rows[1:]:
        actor = "mallory" if seq == 2 else actor
        entry = {"seq": seq, "at": at, "actor": actor, "action": action, "entity": entity,
                 "key": key, "data": json.loads(data)}
        digest = rehash(prev, entry)
        _raw(run_done, "UPDATE audit_log SET actor = :a, prev_hash = :p, hash = :h "
                       "WHERE seq = :s", a=actor, p=prev, h=digest, s=seq)
        prev = digest
    _raw(run_done, "UPDATE audit_head SET hash = :h", h=prev)
    assert run_done.verify().ok
    report = run_done.verify(heads=[head])
    assert not report.ok
    assert report.problems == [f"head {head} written down earlier is not in the chain: the "
                               f"log was rewritten or replaced since"]
    if run_done.url.startswith("sqlite"):
        out = CliRunner().invoke(main, ["store", "verify", run_done.url.removeprefix(
            "sqlite:///"), "--head", head])
        assert out.exit_code == 1 and f"head {head} written down earlier" in out.output


def test_an_excel_register_is_read_as_the_sheet_shows_it(run_done: CaseStore,
                                                         tmp_path: Path) -> None:
    """A register kept in Excel: a date cell was kept as ``1965-02-11 00:00:00``, and a DNI
    typed as a number had lost its leading zero (08123456 is the number 8123456) without a
    word (an outside check, 2026-12-08). The date is now kept as the sheet shows it; the
    lost zeros cannot be restored from the file, and a warning names the column."""
    import datetime as dt

    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "registro.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    when = book.add_format({"num_format": "yyyy-mm-dd"})
    for col, head in enumerate(("familia", "persona", "nombre", "DNI", "nacimiento")):
        sheet.write(0, col, head)
    for row, (person, dni) in enumerate((("F0055_MP1", 8123456), ("F0055_C1", 40123456)), 1):
        sheet.write(row, 0, "F0055")
        sheet.write(row, 1, person)
        sheet.write(row, 2, NAME)
        sheet.write_number(row, 3, dni)
        sheet.write_datetime(row, 4, dt.datetime(1965, 2, 11), when)
    book.close()
    with pytest.warns(ForensicMatchWarning, match=r"column 'DNI': numbers of 7 and 8 digits; "
                                                  r"a spreadsheet drops the leading zeros"):
        run_done.import_identities(path, actor="registry")
    rows = {r["person_id"]: r for r in run_done.export(identities=True)["identities"]}
    assert rows["F0055/F0055_MP1"]["details"] == {"DNI": "8123456", "nacimiento": "1965-02-11"}
