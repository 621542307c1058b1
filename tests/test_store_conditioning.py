"""Proposals made "after conditioning" rest on other proposals (outside check h_print, F2), and
a night of pedigrees alone (F6).

The grave is the checker's case in small: a whole family (father, mother, son, daughter) killed
together and buried in one grave G4, with the father's mother and a surviving daughter typed,
two other families and an unrelated body; a closed list (``relatives=0``), as the checker ran
it. The father's and the mother's bodies are identified in round 1; the children's bodies in
round 2, on the family with the parents' bodies as typed members, so that their LRs rest on
proposals 1 and 2.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from forensic_match.cases import load_case
from forensic_match.cli import main
from forensic_match.dvi.identify import identify
from forensic_match.errors import InputError
from forensic_match.reports.render import render_report
from forensic_match.reports.stored_text import flag_reason
from forensic_match.store import CaseStore, run_store, schema
from forensic_match.store.conditioning import conditioning_of
from forensic_match.store.database import StoreError

SOURCE = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "programme_small.json"


def grave_dataset(seed: int = 1) -> dict[str, Any]:
    """The grave world (seed 1: two bodies identified in round 1, two in round 2)."""
    markers = json.loads(SOURCE.read_text())["markers"]
    rng = random.Random(seed)

    def founder() -> dict[str, list[str]]:
        return {m["name"]: sorted(rng.choices(m["alleles"], weights=m["frequencies"], k=2),
                                  key=float) for m in markers}

    def child(fa: dict[str, list[str]], mo: dict[str, list[str]]) -> dict[str, list[str]]:
        return {k: sorted([rng.choice(fa[k]), rng.choice(mo[k])], key=float) for k in fa}

    def degrade(g: dict[str, list[str]], d: float) -> dict[str, list[str]]:
        out = {}
        for k, (a, b) in g.items():
            if a == b:
                if rng.random() >= d * d:
                    out[k] = [a, a]
            else:
                ka, kb = rng.random() >= d, rng.random() >= d
                if ka or kb:
                    out[k] = [a, b] if ka and kb else [a, a] if ka else [b, b]
        return out

    def person(i: str, fa: str | None = None, mo: str | None = None,
               sex: str = "M") -> dict[str, Any]:
        return {"id": i, "father": fa, "mother": mo, "sex": sex}

    gf, gm = founder(), founder()
    mp1, mp2 = child(gf, gm), founder()
    mp3, mp4, s1 = child(mp1, mp2), child(mp1, mp2), child(mp1, mp2)
    am = [{"family": "F05", "pedigree": [
        person("F05_GF"), person("F05_GM", sex="F"), person("F05_MP1", "F05_GF", "F05_GM"),
        person("F05_MP2", sex="F"), person("F05_MP3", "F05_MP1", "F05_MP2"),
        person("F05_MP4", "F05_MP1", "F05_MP2", "F"), person("F05_S1", "F05_MP1", "F05_MP2", "F")],
        "missing": ["F05_MP1", "F05_MP2", "F05_MP3", "F05_MP4"],
        "genotypes": {"F05_GM": gm, "F05_S1": s1}}]
    pm = [{"id": f"G4-0{i}", "sex": sex, "site": "G4", "dropout": 0.05,
           "genotypes": degrade(g, 0.05)}
          for i, (g, sex) in enumerate([(mp1, "M"), (mp2, "F"), (mp3, "M"), (mp4, "F")], 1)]
    for f in ("F01", "F02"):
        fa, mo = founder(), founder()
        am.append({"family": f, "pedigree": [person(f"{f}_FA"), person(f"{f}_MO", sex="F"),
                                             person(f"{f}_MP1", f"{f}_FA", f"{f}_MO")],
                   "missing": [f"{f}_MP1"], "genotypes": {f"{f}_FA": fa, f"{f}_MO": mo}})
    pm.append({"id": "G9-99", "sex": "M", "site": "G9", "dropout": 0.05,
               "genotypes": degrade(founder(), 0.05)})
    return {"kind": "dvi", "id": "grave", "markers": markers, "theta": 0.0, "pm": pm,
            "am": am}


@pytest.fixture(scope="module")
def grave(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The store after one closed-list run on the grave, with a reviewer and an approver."""
    folder = tmp_path_factory.mktemp("grave")
    data = folder / "grave.json"
    data.write_text(json.dumps(grave_dataset()))
    db = folder / "cases.db"
    with CaseStore(db) as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")        # the closed list's and the run's warnings
        run_store(store, load_case(data), dataset_path=data, relatives=0)
        store.add_user("ana", ["reviewer"], actor="admin")
        store.add_user("berta", ["approver"], actor="admin")
    return db, data


@pytest.fixture()
def store(grave: tuple[Path, Path], tmp_path: Path) -> Any:
    copy = tmp_path / "cases.db"
    shutil.copy(grave[0], copy)
    with CaseStore(copy) as s:
        yield s


def _pid(store: CaseStore, pm: str) -> int:
    return next(p["proposal_id"] for p in store.proposals() if p["pm"] == pm)


def test_identify_names_the_bodies_a_later_round_was_conditioned_on(
        grave: tuple[Path, Path]) -> None:
    ds = load_case(grave[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = identify(ds.am, ds.pm, ds.markers, relatives=0).identifications
    rows = {r["pm"]: r for r in found.iter_rows(named=True)}
    assert {p: (r["round"], r["conditioned_on"]) for p, r in rows.items()} == {
        "G4-01": (1, None), "G4-02": (1, None),
        "G4-03": (2, "G4-01,G4-02"), "G4-04": (2, "G4-01,G4-02")}
    assert rows["G4-04"]["rule"] == "posterior after conditioning"
    # what rests on them: without the mother's body, the daughter's LR is far lower
    without = [s for s in ds.pm if s.id != "G4-02"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = identify(ds.am, without, ds.markers, relatives=0).identifications
    lower = alone.filter(alone["pm"] == "G4-04")["log10_lr"].to_list()
    assert all(x < rows["G4-04"]["log10_lr"] - 3 for x in lower)


def test_each_proposal_records_the_proposals_its_lr_rests_on(store: CaseStore,
                                                             grave: tuple[Path, Path]) -> None:
    father, mother = _pid(store, "G4-01"), _pid(store, "G4-02")
    with store.reading() as conn:
        got = {p["pm"]: [(c["pm"], c["missing"], c["conditioning_proposal_id"], c["state"])
                         for c in conditioning_of(conn, p["proposal_id"])]
               for p in store.proposals()}
    rests = [("G4-01", "F05_MP1", father, "pending"), ("G4-02", "F05_MP2", mother, "pending")]
    assert got == {"G4-01": [], "G4-02": [], "G4-03": rests, "G4-04": rests}
    assert store.verify().ok
    assert len(store.export()["proposal_conditioning"]) == 4
    # an unchanged night proposes nothing new and records nothing more
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_store(store, load_case(grave[1]), dataset_path=grave[1], relatives=0)
    assert len(store.export()["proposal_conditioning"]) == 4 and store.verify().ok


@pytest.mark.parametrize("language,words", [
    ("es", ("propuesta n.º 1, pendiente de revisión", "En H1 y en H2 la familia incluye")),
    ("en", ("proposal no. 1, pending review", "In H1 and in H2 the family also includes"))])
def test_the_report_names_the_bodies_and_proposals_its_lr_rests_on(
        store: CaseStore, grave: tuple[Path, Path], language: str,
        words: tuple[str, str]) -> None:
    markers = load_case(grave[1]).markers
    page = render_report(store, _pid(store, "G4-04"), language=language, markers=markers)
    summary = page.split('id="summary-conditioned">')[1].split("</p>")[0]
    assert "G4-01" in summary and "G4-02" in summary and "F05_MP2" in summary
    assert words[0] in summary and words[1] in page
    assert 'id="conditioning-open"' in page          # neither is approved
    assert page.count('class="conditioning-row"') == 2
    assert 'data-proposal="2" data-state="pending"' in page
    # a round-1 proposal rests on no other
    first = render_report(store, _pid(store, "G4-01"), language=language, markers=markers)
    assert "summary-conditioned" not in first and 'id="conditioning"' not in first


def test_approval_waits_for_the_proposals_it_rests_on_and_a_rejection_flags_it(
        store: CaseStore) -> None:
    father, mother = _pid(store, "G4-01"), _pid(store, "G4-02")
    son, daughter = _pid(store, "G4-03"), _pid(store, "G4-04")
    store.act(daughter, "review", actor="ana", reason="perfiles revisados")
    with pytest.raises(StoreError, match=rf"proposal {father} \(G4-01 as F05_MP1\) is "
                                         rf"pending; proposal {mother} \(G4-02 as F05_MP2\) "
                                         r"is pending: approve those first"):
        store.act(daughter, "approve", actor="berta", reason="de acuerdo")
    for pid in (father, mother):
        store.act(pid, "review", actor="ana", reason="revisado")
        store.act(pid, "approve", actor="berta", reason="de acuerdo")
    assert store.act(daughter, "approve", actor="berta", reason="de acuerdo")["state"] == \
        "approved"
    # the anthropologist doubts the mother's body: both children's proposals are flagged
    done = store.act(mother, "reopen", actor="ana", reason="la antropóloga duda de G4-02")
    assert done["flagged_dependents"] == [son, daughter]
    row = next(p for p in store.proposals() if p["proposal_id"] == daughter)
    assert row["state"] == "approved" and row["needs_review"]
    assert row["stale_reason"].startswith(f"proposal {mother}, on which this proposal's LR "
                                          f"was conditioned, was reopened by ana")
    store.act(mother, "review", actor="ana", reason="revisado de nuevo")
    store.act(mother, "reject", actor="berta", reason="G4-02 no es F05_MP2")
    row = next(p for p in store.proposals() if p["proposal_id"] == daughter)
    assert "was rejected by berta" in row["stale_reason"]
    assert str(flag_reason(row["stale_reason"], "es")) == (
        f"la propuesta {mother}, sobre la que se condicionó el LR de esta propuesta, fue "
        f"rechazada por berta, y el LR de esta propuesta se calculó con los restos G4-02 como "
        f"F05_MP2 de la familia F05, un miembro de su familia; motivo dado: «G4-02 no es "
        f"F05_MP2»")
    with store.reading() as conn:
        log = schema.audit_log
        entries = [json.loads(d)["conditioning"] for (d,) in conn.execute(
            sa.select(log.c.data).where(log.c.action == "flag_rereview",
                                        log.c.entity_key == str(daughter)).order_by(log.c.seq))]
    assert entries == [{"proposal_id": mother, "action": "reopen"},
                       {"proposal_id": mother, "action": "reject"}]
    # reviewed again, it still cannot be approved on a rejected mother
    store.act(daughter, "reopen", actor="ana", reason="revisar")
    store.act(daughter, "review", actor="ana", reason="visto", clear_flag=True)
    with pytest.raises(StoreError, match=rf"proposal {mother} \(G4-02 as F05_MP2\) is "
                                         r"rejected: approve those first; a rejected one"):
        store.act(daughter, "approve", actor="berta", reason="de acuerdo")
    assert store.verify().ok


def test_a_proposal_made_before_the_record_says_it_is_not_recorded(
        grave: tuple[Path, Path], tmp_path: Path) -> None:
    # a proposal of schema 0007 kept no conditioning: its "after conditioning" report says so
    copy = tmp_path / "old.db"
    shutil.copy(grave[0], copy)
    engine = sa.create_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM proposal_conditioning"))
    engine.dispose()
    with CaseStore(copy, upgrade=False) as old:
        page = render_report(old, _pid(old, "G4-04"), language="en",
                             markers=load_case(grave[1]).markers)
    assert "which ones was not recorded" in page and 'id="conditioning"' not in page


def test_a_night_of_pedigrees_alone_finishes_with_nothing_to_identify(tmp_path: Path) -> None:
    # families registered before any exhumation or typing (h_print F6: "need at least one
    # array to concatenate" and a failed run)
    pedigrees = tmp_path / "ped_only.csv"
    pedigrees.write_text("family,id,father,mother,sex,missing\nF01,F01_FA,,,M,\n"
                         "F01,F01_MO,,,F,\nF01,F01_MP1,F01_FA,F01_MO,M,yes\n")
    db = str(tmp_path / "po.db")
    result = CliRunner().invoke(main, ["run", "--store", db, "--pedigrees", str(pedigrees),
                                       "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "nothing to identify yet: the store holds no PM sample" in result.output
    with CaseStore(db) as store, store.reading() as conn:
        runs = conn.execute(sa.select(schema.runs.c.status, schema.runs.c.error)).all()
        assert runs == [("finished", None)]
        assert store.proposals() == [] and store.verify().ok


def test_identify_on_an_empty_panel_says_so() -> None:
    # (a raw "need at least one array to concatenate" before)
    ds = load_case(SOURCE)
    untyped = [dataclasses.replace(f, genotypes={}, references={}) for f in ds.am[:2]]
    with pytest.raises(InputError, match="no markers to compare on"):
        identify(untyped, [], [])


def test_a_superseded_proposal_stands_only_while_its_whole_body_is_approved(
        store: CaseStore, grave: tuple[Path, Path], tmp_path: Path) -> None:
    """The father's body approved, the children's proposals resting on it; a second fragment
    of his body joins it on a later night, and approving the whole body supersedes the first
    proposal. When the whole body's proposal was then reopened and rejected, the children's
    stayed approved and unflagged, and a pending one could be approved: the superseded
    proposal counted as approved by itself (an outside check, 2026-12-08)."""
    father, mother = _pid(store, "G4-01"), _pid(store, "G4-02")
    son, daughter = _pid(store, "G4-03"), _pid(store, "G4-04")
    for pid in (father, mother, daughter):
        store.act(pid, "review", actor="ana", reason="revisado")
        store.act(pid, "approve", actor="berta", reason="de acuerdo")
    data = json.loads(grave[1].read_text())
    first = next(p for p in data["pm"] if p["id"] == "G4-01")
    kept = dict(sorted(first["genotypes"].items())[::2])
    data["pm"].append(dict(first, id="G4-01b", genotypes=kept))
    night = tmp_path / "night2.json"
    night.write_text(json.dumps(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_store(store, load_case(night), dataset_path=night, relatives=0)
    whole = _pid(store, "G4-01,G4-01b")
    store.act(whole, "review", actor="ana", reason="el cuerpo entero")
    store.act(whole, "approve", actor="berta", reason="de acuerdo")
    states = {p["proposal_id"]: p for p in store.proposals()}
    assert states[father]["state"] == "superseded"
    assert states[daughter]["state"] == "approved" and not states[daughter]["needs_review"]
    with store.reading() as conn:
        rows = {c["conditioning_proposal_id"]: c for c in conditioning_of(conn, daughter)}
    assert rows[father]["superseded_by"] == whole and rows[father]["stands"]
    store.act(son, "review", actor="ana", reason="revisado")
    done = store.act(whole, "reopen", actor="ana", reason="dudas sobre G4-01b")
    assert done["flagged_dependents"] == [son, daughter]
    store.act(whole, "review", actor="ana", reason="revisado")
    store.act(whole, "reject", actor="berta", reason="G4-01b no es del padre")
    states = {p["proposal_id"]: p for p in store.proposals()}
    assert states[daughter]["needs_review"] and states[son]["needs_review"]
    store.act(son, "reopen", actor="ana", reason="revisar")
    store.act(son, "review", actor="ana", reason="visto", clear_flag=True)
    with pytest.raises(StoreError, match=rf"proposal {father} \(G4-01 as F05_MP1\) is "
                                         r"superseded, and no approved proposal of the whole "
                                         r"body holds it"):
        store.act(son, "approve", actor="berta", reason="de acuerdo")
    assert store.verify().ok


def test_a_retyped_or_withdrawn_conditioning_body_flags_what_rests_on_it(
        store: CaseStore, grave: tuple[Path, Path], tmp_path: Path) -> None:
    """The children's LRs were conditioned on the father's body G4-01; his sample re-typed (a
    new profile version) flagged his own proposal only, and the children's, computed with
    his old profile, stayed approvable (named as left until 2026-12-08). Now they are
    flagged too, naming the body and the change; so is a withdrawal."""
    father, son, daughter = (_pid(store, pm) for pm in ("G4-01", "G4-03", "G4-04"))
    data = json.loads(grave[1].read_text())
    first = next(p for p in data["pm"] if p["id"] == "G4-01")
    first["genotypes"] = dict(sorted(first["genotypes"].items())[1:])   # a marker less
    night = tmp_path / "night2.json"
    night.write_text(json.dumps(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_store(store, load_case(night), dataset_path=night, relatives=0)
    states = {p["proposal_id"]: p for p in store.proposals()}
    assert states[father]["needs_review"]
    for pid in (son, daughter):
        assert states[pid]["needs_review"], pid
        assert states[pid]["stale_reason"] == (
            f"profile of sample 'G4-01' of body G4-01 (proposal {father}), on which this "
            f"proposal's LR was conditioned, changed (version 1 -> 2)")
    assert store.verify().ok


def test_a_withdrawn_conditioning_body_flags_what_rests_on_it(store: CaseStore) -> None:
    father, son = _pid(store, "G4-01"), _pid(store, "G4-03")
    store.withdraw_sample("G4-01", actor="lab", reason="muestra contaminada")
    states = {p["proposal_id"]: p for p in store.proposals()}
    assert states[father]["needs_review"] and states[son]["needs_review"]
    assert "of body G4-01 (proposal" in states[son]["stale_reason"]
    assert states[son]["stale_reason"].endswith("withdrawn (version 1 -> 2)")
    assert store.verify().ok
