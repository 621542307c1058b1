"""Store runs with antemortem/postmortem evidence, and the migration that keeps it.

A simulated programme with non-DNA records (age, stature, sex, places and dates) is run with
``evidence=True``: each proposal's DNA LR, evidence LR and pieces are stored, audited and
shown in its report; a store made by the first schema is upgraded with its data, and its
audit chain still verifies.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa

from forensic_match.dvi.simulate import simulate_programme
from forensic_match.errors import InputError
from forensic_match.evidence import scoring
from forensic_match.frequencies import load_frequencies
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.store import CaseStore, run_store
from forensic_match.store.database import (
    _alembic_config,
    create_store_engine,
    current_revision,
    head_revision,
)


@pytest.fixture(scope="module")
def programme() -> object:
    db = load_frequencies("fbi2015_sw_hispanic")
    mutation = Mutation(female=MutationModel("equal", rate=0.0005),
                        male=MutationModel("equal", rate=0.002))
    markers = db.markers_for(db.markers, mutation=mutation)
    return simulate_programme(60, 60, markers=markers, seed=5, evidence=True).dataset


def _lr_total(page: str) -> float:
    return float(re.search(r'id="lr-total" data-log10-lr="([^"]+)"', page).group(1))


def _evidence_rows(store: CaseStore) -> list[dict]:
    with store.reading() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT p.proposal_id, p.log10_lr, e.dna_log10_lr, e.evidence_log10_lr, e.pieces, "
            "e.place_prior FROM proposals p JOIN proposal_evidence e "
            "ON e.proposal_id = p.proposal_id")).mappings()]


def test_a_run_with_evidence_stores_each_proposals_parts(programme: object,
                                                         tmp_path: Path) -> None:
    with CaseStore(tmp_path / "cases.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = run_store(store, programme, min_markers=8, evidence=True)
        rows = _evidence_rows(store)
        proposals = store.proposals()
        assert summary.counts["new_proposals"] == len(proposals) > 0
        assert len(rows) == len(proposals)
        for r in rows:
            # The proposal's LR is DNA x evidence.
            assert r["log10_lr"] == pytest.approx(r["dna_log10_lr"] + r["evidence_log10_lr"],
                                                  abs=1e-9)
            assert r["place_prior"] is None
        assert any(r["pieces"] and abs(r["evidence_log10_lr"]) > 0.01 for r in rows)
        with store.reading() as conn:
            (config,) = conn.execute(sa.text("SELECT config FROM runs")).one()
        model = scoring.RELATIVE_EVIDENCE_MODEL
        assert f'"evidence":{{"place_prior":false,"relative_model":{model}}}' in config
        assert store.verify().ok
        # A row changed behind the log's back is found.
        with store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE proposal_evidence SET evidence_log10_lr = 9 "
                                 "WHERE proposal_id = :p"), {"p": rows[0]["proposal_id"]})
        problems = store.verify().problems
        assert any("proposal_evidence row" in p and "evidence_log10_lr" in p
                   for p in problems), problems


def test_without_evidence_nothing_is_stored_and_the_place_prior_needs_it(
        programme: object, tmp_path: Path) -> None:
    with CaseStore(tmp_path / "cases.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match="place_prior needs evidence"):
            run_store(store, programme, place_prior=True)
        run_store(store, programme, min_markers=8)
        assert store.proposals() and _evidence_rows(store) == []


def test_the_report_shows_dna_and_evidence_apart(programme: object, tmp_path: Path) -> None:
    pytest.importorskip("jinja2")
    from forensic_match.reports import render_dashboard, render_report
    from forensic_match.reports.render import format_log10, report_context

    with CaseStore(tmp_path / "cases.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_store(store, programme, min_markers=8, evidence=True)
        row = max(_evidence_rows(store), key=lambda r: abs(r["evidence_log10_lr"]))
        assert abs(row["evidence_log10_lr"]) > 0.5
        ctx = report_context(store, row["proposal_id"], language="en",
                             markers=programme.markers)
        html = render_report(store, row["proposal_id"], language="en",
                             markers=programme.markers)
        es = render_report(store, row["proposal_id"], language="es",
                           markers=programme.markers)
        dash = render_dashboard(store, language="en")
        rows = {r["proposal_id"]: r for r in _evidence_rows(store)}
    # The dashboard's LR is each report's, the DNA LR; the combined one (DNA x evidence, what
    # the decision used) has its own column: 5 of 8 proposals of an outside check showed the
    # combined LR as "LR" there and the DNA LR as "LR" in the report (2026-12-07).
    shown = {int(a): float(b) for a, b in re.findall(
        r'class="waiting-row" data-proposal="(\d+)" data-log10-lr="([^"]+)"', dash)}
    assert shown and all(v == rows[k]["dna_log10_lr"] for k, v in shown.items())
    assert sum(abs(rows[k]["evidence_log10_lr"]) > 0.05 for k in shown) > 0
    assert "<th>DNA LR</th>" in dash and "<th>Combined LR (DNA × other information)</th>" in dash
    assert _lr_total(html) == row["dna_log10_lr"]
    # the pieces in Spanish words and numbers ("sex 1.26" was left in English)
    pieces = re.search(r'<dd class="evidence-pieces">(.*?)</dd>', es).group(1)
    assert "sexo" in pieces or "edad" in pieces or "estatura" in pieces, pieces
    assert not re.search(r"\d\.\d", pieces) and 'lang="en"' not in pieces, pieces
    # The markers' LRs add up to the stored DNA part (not to DNA x evidence): no warning.
    assert not ctx["differs"]
    assert ctx["stored_total"] == format_log10(row["dna_log10_lr"], "en")
    assert ctx["recomputed"].log10_total == pytest.approx(row["dna_log10_lr"], abs=1e-6)
    assert ctx["evidence_lr"]["pieces"] == row["pieces"]
    assert 'class="evidence-lr-value"' in html and 'class="combined-lr"' in html
    assert "Weight of the other information" in html


def test_a_first_schema_store_is_upgraded_with_its_data(programme: object,
                                                        tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    engine = create_store_engine(path)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
    assert current_revision(engine) == "0001"
    engine.dispose()
    # The first schema's store, filled by this version's code minus the new table: a run
    # without evidence writes nothing there.
    with CaseStore(path) as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert current_revision(store.engine) == head_revision()
        run_store(store, programme, min_markers=8)
        assert store.verify().ok
        n = len(store.proposals())
    assert n > 0 and not math.isnan(n)


@pytest.mark.filterwarnings("ignore::forensic_match.errors.FragmentFindingsWarning")
def test_a_new_relatives_evidence_model_flags_the_evidence_runs_decisions(
        programme: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proposals of an evidence run recorded under an older relatives' evidence model (runs
    recorded without one are version 1) are flagged by the first evidence run under the
    current one, with the change named; the next run flags nothing. Runs without evidence
    do not carry the version."""
    from forensic_match.store.configuration import lr_configuration

    now = scoring.RELATIVE_EVIDENCE_MODEL
    with CaseStore(tmp_path / "cases.db") as store:
        with monkeypatch.context() as m:
            m.setattr(scoring, "RELATIVE_EVIDENCE_MODEL", 1)
            first = run_store(store, programme, min_markers=8, evidence=True)
        assert first.counts["new_proposals"] > 0
        second = run_store(store, programme, min_markers=8, evidence=True)
        assert second.counts["flagged_configuration"] == first.counts["new_proposals"]
        reasons = {p["stale_reason"] for p in store.proposals()
                   if p["run_id"] == first.run_id}
        assert reasons == {f"configuration changed after this proposal (run {first.run_id} "
                           f"-> run {second.run_id}): relatives' evidence model changed "
                           f"(version 1 -> {now}: {scoring.RELATIVE_EVIDENCE_MODELS[now]})"}
        third = run_store(store, programme, min_markers=8, evidence=True)
        assert third.counts["flagged"] == 0 and third.counts["new_proposals"] == 0
        assert store.verify().ok
    old = lr_configuration({"identify": {}, "evidence": {"place_prior": True}}, "ab" * 32)
    assert old["evidence"] == {"place_prior": True, "relative_model": 1,
                               "place_coordinates": None}
    assert lr_configuration({"identify": {}}, "ab" * 32)["evidence"] is None


def test_the_place_prior_takes_the_runs_coordinates(programme: object,
                                                    tmp_path: Path) -> None:
    """The store keeps no coordinates: a run with the place prior takes the dataset's
    district_coordinates (the command line's --place-coordinates). A place code of the
    night's records without coordinates is refused before anything is stored; the run
    records the table's digest, and a changed table flags the proposals for re-review."""
    import copy

    coords = programme.extra["district_coordinates"]
    bare = copy.copy(programme)
    bare.extra = {k: v for k, v in programme.extra.items() if k != "district_coordinates"}
    moved = copy.copy(programme)
    moved.extra = dict(programme.extra)
    moved.extra["district_coordinates"] = {k: [v[0] + 0.3, v[1]] for k, v in coords.items()}
    with CaseStore(tmp_path / "cases.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match="has no coordinates.*nothing was stored"):
            run_store(store, bare, min_markers=8, evidence=True, place_prior=True)
        with store.reading() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM runs")).scalar() == 0
        first = run_store(store, programme, min_markers=8, evidence=True, place_prior=True)
        assert first.counts["new_proposals"] > 0
        rows = _evidence_rows(store)
        assert rows and all(r["place_prior"] is not None for r in rows)
        with store.reading() as conn:
            (config,) = conn.execute(sa.text("SELECT config FROM runs")).one()
        assert '"place_coordinates":"' in config
        again = run_store(store, programme, min_markers=8, evidence=True, place_prior=True)
        assert again.counts["flagged"] == 0
        second = run_store(store, moved, min_markers=8, evidence=True, place_prior=True)
        assert second.counts["flagged_configuration"] >= first.counts["new_proposals"]
        reasons = {p["stale_reason"] for p in store.proposals()
                   if p["run_id"] == first.run_id}
        assert all("place coordinates changed" in r for r in reasons), reasons
        assert store.verify().ok



def test_evidence_not_applied_is_not_called_lr_1(programme: object, tmp_path: Path) -> None:
    """A direct-reference identification in an evidence run: the evidence is computed but not
    applied (its pieces "not applied to a direct reference (sex 1.26, ...)"), and the report
    said "multiplying it by the weight of the other information (LR 1,00)" with "LR 1,00"
    beside "sex 1.26" (an outside check, 2026-12-07). It now says that no other information
    was weighed, and why, in both languages, and shows no LR 1 and no combined LR."""
    pytest.importorskip("jinja2")
    from forensic_match.cases import case_from_dict
    from forensic_match.reports import render_report

    with CaseStore(tmp_path / "first.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_store(store, programme, min_markers=8, evidence=True)
        chosen = store.proposals()[1]
    # the missing person's toothbrush, typed: a direct reference with the body's profile
    data = programme.to_dict()
    family = next(f for f in data["am"] if f["family"] == chosen["family_id"])
    body = next(p for p in data["pm"] if p["id"] == chosen["pm"])
    family["references"] = {chosen["missing"]: body["genotypes"]}
    with CaseStore(tmp_path / "cases.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_store(store, case_from_dict(data), min_markers=8, evidence=True)
        pid = next(p["proposal_id"] for p in store.proposals()
                   if p["rule"] == "direct reference")
        row = next(r for r in _evidence_rows(store) if r["proposal_id"] == pid)
        pages = {lang: render_report(store, pid, language=lang, markers=programme.markers)
                 for lang in ("es", "en")}
    assert row["pieces"].startswith("not applied to a direct reference (sex ")
    assert row["evidence_log10_lr"] == 0.0
    said = {"es": "No se sopesó ninguna otra información (no genética): no se aplica a una "
                  "comparación con una referencia directa. Al sopesar el resultado del ADN",
            "en": "No other (non-genetic) information was weighed: it is not applied to a "
                  "comparison with a direct reference. Weighing the DNA result"}
    for lang, page in pages.items():
        summary = re.search(r'<p id="summary-posterior">(.*?)</p>', page, re.S).group(1)
        assert summary.startswith(said[lang]), summary
        assert "LR 1" not in summary
        assert re.search(r'<dd class="evidence-lr-value">(.*?)</dd>', page).group(1) == \
            {"es": "no se sopesó", "en": "not weighed"}[lang]
        assert 'class="combined-lr"' not in page
        intro = re.search(r'<p id="evidence-intro">(.*?)</p>', page, re.S).group(1)
        assert {"es": "pero no en esta propuesta", "en": "but not in this proposal"}[lang] \
            in intro
    # a pair whose evidence was weighed keeps its sentence with the evidence LR
    with CaseStore(tmp_path / "cases.db") as store:
        other = next(r for r in _evidence_rows(store) if r["evidence_log10_lr"] > 0.5)
        page = render_report(store, other["proposal_id"], language="es",
                             markers=programme.markers)
    assert "Al multiplicarlo por el peso de la otra información (no genética, LR " in page
    assert 'class="combined-lr"' in page
