"""Lineage markers (Y-STR, mtDNA) in the case store: nightly runs with ``lineage``, what the
proposals and candidates keep, the run's provenance, and the schema migration."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from helpers import lab_tables_with_y_rows
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import store_target, wipe  # noqa: F401  (store_target: a fixture)
from test_lineage_simulate import _mt_pool, _population

from forensic_match.cases import case_from_dict
from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.lineage.lr import lineage_lr
from forensic_match.lineage.simulate import add_lineage
from forensic_match.store import CaseStore, run_store, schema
from forensic_match.store.runs import lineage_provenance

#: The columns of a candidate row as the first schema hashed them (``runs.candidates_sha256``).
FIRST_SCHEMA = ("run_id", "pm", "rank", "family_id", "missing", "log10_lr", "n_markers",
                "n_inconsistent")


def lineage_programme(markers: list) -> dict:
    """12 families whose references are the spouse and children of a missing parent (a son
    shares a missing man's Y line at one meiosis, every child a missing woman's mitotype),
    12 bodies, with Y haplotypes and mitotypes dropped down the pedigrees (database of 300
    simulated men and mitotypes, named "simulated"); as JSON, so that each night can be cut
    from it."""
    prog = simulate_programme(12, 12, markers=markers, seed=3, shapes=["spouse_children"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    add_lineage(prog, population=_population(), mitotypes=_mt_pool(60, 2), seed=4,
                database_size=300)
    return prog.dataset.to_dict()


@pytest.fixture(scope="module")
def programme(markers) -> dict:
    return lineage_programme(markers)


def _without_reference(data: dict, family: str, person: str) -> dict:
    """``data`` with one typed relative's profile, Y haplotype and mitotype taken away."""
    out = copy.deepcopy(data)
    fam = next(f for f in out["am"] if f["family"] == family)
    for key in ("genotypes", "ystr", "mtdna"):
        (fam.get(key) or {}).pop(person, None)
    return out


def _direct(data: dict) -> dict[tuple[str, str, str], dict]:
    """``identify`` run directly on ``data`` with its lineage data: identifications by pair."""
    ds = case_from_dict(data)
    res = identify(ds.am, ds.pm, ds.markers, lineage=ds.lineage, min_markers=8)
    return {(r["pm"], r["family"], r["missing"]): r
            for r in res.identifications.iter_rows(named=True)}


def _lineage_reference(data: dict, direct: dict) -> tuple[str, str]:
    """An identified missing man whose family has one typed son with a stored Y haplotype,
    and other typed relatives: without the son the family has no Y reference (night 1), with
    him one at one meiosis (night 2)."""
    fams = {f.id: f for f in case_from_dict(data).am}
    for _pm, fid, mp in sorted(direct):
        fam = fams[fid]
        if fam.pedigree.sex_of(mp) == "M" and len(fam.ystr) == 1 and len(fam.genotypes) > 2:
            (son,) = fam.ystr
            return fid, son
    raise AssertionError("no identified missing man with one Y-typed son")


def _proposal_lines(store: CaseStore, run_id: str) -> dict[tuple[str, str, str], dict]:
    p, lin = schema.proposals, schema.proposal_lineage
    with store.reading() as conn:
        rows = conn.execute(sa.select(p.c.pm, p.c.family_id, p.c.missing, p.c.log10_lr,
                                      lin.c.line, lin.c.log10_lr.label("line_log10_lr"),
                                      lin.c.reference, lin.c.meioses, lin.c.method,
                                      lin.c.database, lin.c.detail)
                            .join(lin, lin.c.proposal_id == p.c.proposal_id, isouter=True)
                            .where(p.c.run_id == run_id)).mappings().all()
    out: dict[tuple[str, str, str], dict] = {}
    for r in rows:
        entry = out.setdefault((r["pm"], r["family_id"], r["missing"]),
                               {"log10_lr": r["log10_lr"], "lines": {}})
        if r["line"] is not None:
            entry["lines"][r["line"]] = dict(r)
    return out


def _check_night(store: CaseStore, run_id: str, data: dict,
                 by_pair: dict[tuple[str, str, str], dict]) -> int:
    """Every proposal of the run carries the lineage LRs that ``identify`` run directly on the
    same data gives (``by_pair``: sum per proposal; per line ``lineage_lr``; 1e-9); returns the
    number of proposals with a lineage line."""
    ds = case_from_dict(data)
    stored = _proposal_lines(store, run_id)
    fams = {f.id: f for f in ds.am}
    pms = {s.id: s for s in ds.pm}
    with_lines = 0
    for key, entry in stored.items():
        r = by_pair[key]
        assert math.isclose(entry["log10_lr"], r["log10_lr"], rel_tol=1e-9)
        total = sum(x["line_log10_lr"] for x in entry["lines"].values())
        assert math.isclose(total, r["lineage_log10_lr"], rel_tol=1e-9, abs_tol=1e-12)
        res = lineage_lr(pms[key[0]], fams[key[1]], key[2], ds.lineage)
        for line, x in (("Y", res.y), ("mtDNA", res.mtdna)):
            if x is None:
                assert line not in entry["lines"]
                continue
            got = entry["lines"][line]
            assert math.isclose(got["line_log10_lr"], x.log10_lr, rel_tol=1e-9)
            assert (got["reference"], got["meioses"]) == (x.reference, x.meioses)
            assert (got["method"], got["database"]) == ("count", "simulated")
            assert json.loads(got["detail"])["hypotheses"] == x.hypotheses
        with_lines += bool(entry["lines"])
    return with_lines


@pytest.fixture(scope="module")
def nights(programme: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two nightly runs with lineage data on a SQLite store: night 1 lacks one family's only
    Y-typed son (his profile, Y haplotype and mitotype), night 2 brings him."""
    full = _direct(programme)
    fid, son = _lineage_reference(programme, full)
    night1 = _without_reference(programme, fid, son)
    path = str(tmp_path_factory.mktemp("lineage_store") / "cases.db")
    lineage = case_from_dict(programme).lineage
    runs = []
    with CaseStore(path) as store:
        for night in (night1, programme):
            ds = case_from_dict(night)
            ds.lineage = type(lineage)()   # the databases come with the run, not the night
            runs.append(run_store(store, ds, lineage=lineage, min_markers=8).run_id)
    return {"path": path, "runs": runs, "data": (night1, programme),
            "direct": (_direct(night1), full), "family": fid, "son": son,
            "lineage": lineage}


def test_two_nights_store_the_lineage_lrs_that_identify_computes(nights: dict) -> None:
    fid, son, runs = nights["family"], nights["son"], nights["runs"]
    with CaseStore(nights["path"]) as store:
        counts = [_check_night(store, run, data, direct)
                  for run, data, direct in zip(runs, nights["data"], nights["direct"])]
        first, second = (_proposal_lines(store, run) for run in runs)
        # measured: night 1 proposes 7 identifications, 6 with a lineage line; night 2 the
        # one its new reference brings (the others stand on unchanged data: not proposed again)
        assert (len(first), len(second), counts) == (7, 1, [6, 1])
        # night 1 could not identify the family's missing man (no son typed); night 2 brought
        # the son and with him the identification, with his Y haplotype at one meiosis
        assert not [k for k in first if k[1] == fid]
        (after,) = [e for k, e in second.items() if k[1] == fid]
        assert (after["lines"]["Y"]["reference"], after["lines"]["Y"]["meioses"]) == (son, 1)
        # the son's haplotype equals the body's and is not among the 300 of the database:
        # LR = prod over loci (1 - rate) / (1 / 301), by hand
        y = after["lines"]["Y"]
        detail = json.loads(y["detail"])
        assert detail["differences"] == [] and detail["frequency"]["count"] == 0
        hand = math.log10(math.prod(1 - m.rate for m in nights["lineage"].markers) * 301)
        assert y["line_log10_lr"] == pytest.approx(hand, rel=1e-12)
        assert len(detail["compared"]) == len(nights["lineage"].markers) == 15
        with store.reading() as conn:
            config = json.loads(conn.execute(sa.select(schema.runs.c.config).where(
                schema.runs.c.run_id == runs[1])).scalar_one())
        assert store.verify().ok
        exported = store.export()
    assert len(exported["proposal_lineage"]) == 7 and exported["candidate_lineage"]
    assert config["lineage"] == lineage_provenance(nights["lineage"], 1.0, {})
    assert config["lineage"]["y_method"] == "count"
    assert config["lineage"]["y_database"]["name"] == "simulated"
    assert config["lineage"]["y_database"]["haplotypes"] == 300
    assert config["lineage"]["mt_database"]["name"] == "simulated"
    db = nights["lineage"].to_dict()["ystr"]["database"]
    text = json.dumps(db, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert config["lineage"]["y_database"]["sha256"] == hashlib.sha256(
        text.encode()).hexdigest()


def _proposal_id(store: CaseStore, family: str) -> int:
    p = schema.proposals
    with store.reading() as conn:
        return int(conn.execute(sa.select(p.c.proposal_id).where(
            p.c.family_id == family)).scalar_one())


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_report_of_a_lineage_identification_states_it(nights: dict, language: str) -> None:
    from forensic_match.reports import render_report
    from forensic_match.reports.render import report_context

    fid, son = nights["family"], nights["son"]
    markers = case_from_dict(nights["data"][1]).markers
    with CaseStore(nights["path"]) as store:
        pid = _proposal_id(store, fid)
        html = render_report(store, pid, language=language, markers=markers)
        ctx = report_context(store, pid, language=language, markers=markers)
        lin = schema.proposal_lineage
        with store.reading() as conn:
            (row,) = conn.execute(sa.select(lin).where(lin.c.proposal_id == pid)).mappings()
    words = {
        "en": ["Lineage markers: Y chromosome and mitochondrial DNA",
               "Y chromosome (paternal line)",
               f"Between {fid}_MP1 and the relative compared, {son} (son), this line "
               "counts 1 parent-to-child step (meioses).",
               "database \u201csimulated\u201d describes, not related to",
               "counting in the database, the remains counted too",
               "is multiplied by the LR of the other markers",
               "inherited independently", "it replaces none of them",
               f"not that they are those of {fid}_MP1 in particular",
               "unregistered relative of the same line",
               "with the starting weight of 1 missing person."],
        "es": ["Marcadores de linaje: cromosoma Y y ADN mitocondrial",
               "Cromosoma Y (línea paterna)",
               f"Entre {fid}_MP1 y el familiar comparado, {son} (hijo), hay por esta "
               "línea 1 paso de padre o madre a hijo (meiosis).",
               "la base de datos «simulated», sin parentesco con",
               "conteo en la base de datos, contando también los restos",
               "se multiplica por el LR de los otros marcadores",
               "se heredan de forma independiente", "no reemplaza a ninguno",
               f"no que sean precisamente de {fid}_MP1",
               "un pariente de su línea que no está registrado",
               "con el peso inicial de 1 persona desaparecida."]}[language]
    # no "(s)" plurals, read aloud badly (an outside check, 2026-12-07)
    assert "(s)" not in html
    for text in words:
        assert text in html, text
    assert f'class="lineage-reference">{son} (' in html
    # the annex shows the Y haplotypes compared: the body's, then the relatives' (by id)
    ds = case_from_dict(nights["data"][1])
    fam = next(f for f in ds.am if f.id == fid)
    pm = next(s for s in ds.pm if s.id == _proposal_pm(nights, fid))
    cols = sorted(fam.genotypes)
    for locus, alleles in pm.ystr.items():
        cells = ["/".join(alleles)] + ["/".join(fam.ystr[i][locus]) if i in fam.ystr else "–"
                                       for i in cols]
        assert f"<tr><td>Y {locus}</td>" + "".join(f"<td>{c}</td>" for c in cells) in html
    assert "<tr><td>mtDNA</td>" in html
    # provenance: the run's lineage databases with their hashes and the method
    recorded = lineage_provenance(nights["lineage"], 1.0, {})
    for key, size in (("y_database", "300 haplotypes"), ("mt_database", "300 mitotypes")):
        said = {"en": f"simulated ({size}, count)",
                "es": f"simulated ({size.replace('types', 'tipos')}, método de frecuencia "
                      f"«count»)"}[language]
        assert f"{said} · {recorded[key]['sha256']}" in html
    # the engine's propositions, as recorded (LineageLR.hypotheses)
    hypotheses = json.loads(row["detail"])["hypotheses"]
    # "1 meiosis", not "1 meioses" (an outside check, 2026-12-07)
    assert hypotheses.startswith(f"H1: the PM sample is {fid}_MP1, 1 meiosis from {son}")
    assert json.dumps(hypotheses)[1:-1].replace("'", "&#39;") in html
    # the markers' table adds up to the autosomal part, not to autosomal x lineage
    proposal = next(iter(_proposal_lines_of(nights, fid)))
    assert not ctx["differs"]
    assert ctx["recomputed"].log10_total == pytest.approx(
        proposal["log10_lr"] - row["log10_lr"], abs=1e-6)


def _proposal_pm(nights: dict, family: str) -> str:
    with CaseStore(nights["path"]) as store, store.reading() as conn:
        return conn.execute(sa.select(schema.proposals.c.pm).where(
            schema.proposals.c.family_id == family)).scalar_one()


def _proposal_lines_of(nights: dict, family: str) -> list[dict]:
    with CaseStore(nights["path"]) as store:
        found = _proposal_lines(store, nights["runs"][1])
    return [e for k, e in found.items() if k[1] == family]


def test_a_run_without_lineage_data_stores_what_it_stored_before(nights: dict,
                                                                 tmp_path: Path) -> None:
    """No lineage rows, no lineage key in the configuration, candidates hashed as a plain list
    of rows (the formula of the first schema), ranked by the autosomal LR; and those LRs are
    the lineage run's candidates less their lineage lines."""
    from forensic_match.dvi.compile import compile_families
    from forensic_match.dvi.search import search_samples

    ds = case_from_dict(nights["data"][1])
    with CaseStore(str(tmp_path / "plain.db")) as store:
        run = run_store(store, ds, min_markers=8).run_id
        r = schema.runs
        with store.reading() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(
                schema.candidate_lineage)).scalar_one() == 0
            assert conn.execute(sa.select(sa.func.count()).select_from(
                schema.proposal_lineage)).scalar_one() == 0
            row = conn.execute(sa.select(r).where(r.c.run_id == run)).mappings().one()
            cand = store.run_candidates(run)["candidates"]
        assert store.verify().ok
    # "markers": the digests of the frequencies and of the mutation models apart
    # (store/configuration.py), "defaults": the defaults in force, whatever the run.
    assert set(json.loads(row["config"])) == {"identify", "theta_dataset", "markers",
                                              "decision_model", "defaults"}
    plain = json.dumps([[x[k] for k in FIRST_SCHEMA] for x in cand], sort_keys=True,
                       separators=(",", ":"), ensure_ascii=False)
    assert row["candidates_sha256"] == hashlib.sha256(plain.encode()).hexdigest()
    auto = search_samples(compile_families(ds.am, ds.markers), ds.pm, top=5,
                          min_markers=8).by_sample
    assert [(x["pm"], x["family_id"], x["missing"]) for x in cand] == \
        [(x["pm"], x["family"], x["missing"]) for x in auto.iter_rows(named=True)]
    by_pair = {(x["pm"], x["family_id"], x["missing"]): x["log10_lr"] for x in cand}
    with CaseStore(nights["path"]) as store:
        night = store.run_candidates(nights["runs"][1])
    lines_of: dict[tuple[str, int], float] = {}
    for x in night["lineage"]:
        lines_of[(x["pm"], x["rank"])] = lines_of.get((x["pm"], x["rank"]), 0.0) + x["log10_lr"]
    rows = [(x["pm"], x["family_id"], x["missing"], x["log10_lr"],
             lines_of.get((x["pm"], x["rank"]), 0.0)) for x in night["candidates"]]
    shared = [x for x in rows if (x[0], x[1], x[2]) in by_pair]
    assert len(shared) >= len(rows) // 2
    with_lines = 0
    for pm, fam, mp, total, lineage in shared:
        assert total - lineage == pytest.approx(by_pair[(pm, fam, mp)], rel=1e-9, abs=1e-9)
        with_lines += lineage != 0
    assert with_lines > 0


def test_the_lineage_tables_migrate_down_and_up_with_the_data(nights: dict,
                                                              tmp_path: Path) -> None:
    import shutil

    from forensic_match.store.database import (
        create_store_engine,
        current_revision,
        downgrade_store,
        head_revision,
    )

    path = tmp_path / "copy.db"
    shutil.copy(nights["path"], path)
    engine = create_store_engine(path)
    with engine.begin() as conn:
        before = {t: conn.execute(sa.select(sa.func.count()).select_from(
            schema.metadata.tables[t])).scalar_one()
            for t in ("proposal_lineage", "candidate_lineage", "proposals")}
    downgrade_store(engine, "0002")   # rebuilds tables on SQLite: foreign keys off
    assert current_revision(engine) == "0002"
    with engine.connect() as conn:
        assert "proposal_lineage" not in sa.inspect(conn).get_table_names()
    engine.dispose()
    with CaseStore(path) as store:   # opening upgrades
        assert current_revision(store.engine) == head_revision()
        with store.reading() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(
                schema.proposals)).scalar_one() == before["proposals"]
        assert before["proposal_lineage"] > 0 and before["candidate_lineage"] > 0


def test_run_command_takes_the_lineage_options(nights: dict, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from forensic_match.cli import main

    data = copy.deepcopy(nights["data"][1])
    data["pm"] = data["pm"][:4]
    dataset = tmp_path / "night.json"
    dataset.write_text(json.dumps(data), encoding="utf-8")
    db = str(tmp_path / "cli.db")
    out = CliRunner().invoke(main, ["run", str(dataset), "--store", db, "--lineage",
                                    str(dataset), "--y-frequencies", "count_upper",
                                    "--lineage-kin", "0.5", "-q"])
    assert out.exit_code == 0, out.output
    with CaseStore(db) as store, store.reading() as conn:
        row = conn.execute(sa.select(schema.runs)).mappings().one()
        lines = {r[0] for r in conn.execute(sa.select(schema.candidate_lineage.c.line))}
    config, inputs = json.loads(row["config"]), json.loads(row["inputs"])
    assert (config["lineage"]["y_method"], config["lineage"]["kin"]) == ("count_upper", 0.5)
    assert config["lineage"]["y_database"]["name"] == "simulated"
    assert inputs["lineage"] == {"path": str(dataset), "sha256": hashlib.sha256(
        dataset.read_bytes()).hexdigest()}
    assert lines <= {"Y", "mtDNA"} and lines
    bad = CliRunner().invoke(main, ["run", str(dataset), "--store", db, "--lineage",
                                    str(tmp_path / "absent.json")])
    assert bad.exit_code == 1 and "absent.json" in bad.output
    alone = CliRunner().invoke(main, ["run", str(dataset), "--store", db, "--y-frequencies",
                                      "kappa"])
    assert alone.exit_code == 1
    assert "--y-frequencies need --lineage FILE" in alone.output


def test_a_discrete_laplace_run_records_its_fit(programme: dict, tmp_path: Path) -> None:
    """y_method="disclap" needs a fit; the run records it (centres, weights, dispersions),
    and the fit read back from the record gives the Y lines' stored LRs again."""
    from forensic_match.errors import InputError
    from forensic_match.lineage.disclap import DiscLapFit
    from forensic_match.reports import render_report

    data = copy.deepcopy(programme)
    data["pm"] = data["pm"][:6]
    ds = case_from_dict(data)
    with CaseStore(str(tmp_path / "x.db")) as store:
        with pytest.raises(InputError, match="'disclap' needs a discrete Laplace fit"):
            run_store(store, ds, lineage=ds.lineage, lineage_options={"y_method": "disclap"})
        with pytest.raises(InputError, match="need lineage data"):
            run_store(store, ds, lineage_kin=0.5)
        fit = ds.lineage.fit_disclap(3)
        run = run_store(store, ds, lineage=ds.lineage, min_markers=8, cache=False,
                        lineage_options={"y_method": "disclap"}).run_id
        assert store.verify().ok
        with store.reading() as conn:
            config = json.loads(conn.execute(sa.select(schema.runs.c.config).where(
                schema.runs.c.run_id == run)).scalar_one())
            pid = conn.execute(sa.select(schema.proposal_lineage.c.proposal_id).where(
                schema.proposal_lineage.c.line == "Y")).scalars().first()
        lines = _proposal_lines(store, run)
        html = {language: render_report(store, pid, language=language, markers=ds.markers)
                for language in ("en", "es")}
    assert "discrete Laplace model fitted to the database" in html["en"]
    assert "modelo de Laplace discreto ajustado a la base de datos" in html["es"]
    recorded = config["lineage"]["disclap"]
    assert recorded["fit"] == fit.to_dict()
    assert recorded["sha256"] == hashlib.sha256(json.dumps(
        recorded["fit"], sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    again = DiscLapFit.from_dict(recorded["fit"])
    assert again.loci == fit.loci and again.n == 300
    np.testing.assert_array_equal(again.dispersion, fit.dispersion)
    ys = [(k, e["lines"]["Y"]) for k, e in lines.items() if "Y" in e["lines"]]
    assert ys and all(y["method"] == "disclap" for _, y in ys)
    ds.lineage.disclap = again
    for (pm, family, missing), y in ys:
        body = next(s for s in ds.pm if s.id == pm)
        fam = next(f for f in ds.am if f.id == family)
        res = lineage_lr(body, fam, missing, ds.lineage, y_method="disclap")
        assert res.y is not None and res.y.frequency.method == "disclap"
        assert y["line_log10_lr"] == pytest.approx(res.y.log10_lr, rel=1e-12)


def test_run_command_fits_the_discrete_laplace_model(programme: dict, tmp_path: Path) -> None:
    """``run --y-frequencies disclap`` fits the Y database (clusters by BIC) and records the
    fit: the same as LineageData.fit_disclap() on the same data (the fit is deterministic)."""
    from click.testing import CliRunner

    from forensic_match.cli import main

    data = copy.deepcopy(programme)
    data["pm"] = data["pm"][:4]
    dataset = tmp_path / "night.json"
    dataset.write_text(json.dumps(data), encoding="utf-8")
    db = str(tmp_path / "cli.db")
    out = CliRunner().invoke(main, ["run", str(dataset), "--store", db, "--lineage",
                                    str(dataset), "--y-frequencies", "disclap", "-q"])
    assert out.exit_code == 0, out.output
    with CaseStore(db) as store, store.reading() as conn:
        config = json.loads(conn.execute(sa.select(schema.runs.c.config)).scalar_one())
    assert config["lineage"]["y_method"] == "disclap"
    expected = case_from_dict(data).lineage.fit_disclap()
    assert config["lineage"]["disclap"]["fit"] == expected.to_dict()
    assert len(expected.tau) >= 1 and expected.procedure == "default"


def test_a_lineage_run_on_every_backend(programme: dict,
                                        store_target: str) -> None:  # noqa: F811 - fixture
    """The lineage tables written and verified on SQLite and, with ``FM_STORE_URL``, on
    PostgreSQL (``make test-postgres``)."""
    data = copy.deepcopy(programme)
    data["pm"] = data["pm"][:6]
    ds = case_from_dict(data)
    with CaseStore(store_target) as store:
        run_store(store, ds, lineage=ds.lineage, min_markers=8, cache=False)
        assert store.verify().ok
        with store.reading() as conn:
            n = [conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                 for t in (schema.proposal_lineage, schema.candidate_lineage)]
    assert n[0] > 0 and n[1] > 0
    if "://" in store_target:
        wipe(store_target)


def test_lab_tables_y_rows_stored_one_night_are_used_the_next(tmp_path: Path) -> None:
    """Families (with a father's Y rows) one night, PM samples (with Y rows) the next, from
    the lab's tables: the store's candidates equal ``search --lineage`` over all the tables at
    once, and the pair with Y data on both sides keeps its Y line (the father, one meiosis,
    the LR of ``lineage_lr`` on the same records)."""
    import warnings

    import polars as pl
    from click.testing import CliRunner

    from forensic_match.cli import main
    from forensic_match.dvi.records import read_families, read_pm_samples
    from forensic_match.errors import LineageMarkerWarning
    from forensic_match.frequencies import load_frequencies
    from forensic_match.lineage.data import LineageData
    from forensic_match.store.runs import latest_finished_run

    f = lab_tables_with_y_rows(tmp_path)
    families = ["--pedigrees", str(f["pedigrees"]), "--relatives", str(f["relatives"])]
    samples = ["--pm", str(f["pm_genotypes"]), "--samples", str(f["pm_samples"])]
    lineage = ["--lineage", str(f["lineage"]), "--lineage-kin", "0.5"]
    db = str(tmp_path / "cases.db")
    runner = CliRunner()
    for night in (families, samples):
        out = runner.invoke(main, ["run", "--store", db, *night, *lineage,
                                   "--min-markers", "3", "-q"])
        assert out.exit_code == 0, out.output
    searched = runner.invoke(main, ["search", *families, *samples, *lineage, "--out",
                                    str(tmp_path / "search"), "--min-markers", "3", "-q"])
    assert searched.exit_code == 0, searched.output
    want = pl.read_csv(tmp_path / "search" / "candidates_by_sample.csv").sort(["pm", "rank"])
    c, cl = schema.candidates, schema.candidate_lineage
    with CaseStore(db) as store, store.reading() as conn:
        run_id = latest_finished_run(conn)
        got = conn.execute(sa.select(c.c.pm, c.c.rank, c.c.family_id, c.c.missing,
                                     c.c.log10_lr).where(c.c.run_id == run_id)
                           .order_by(c.c.pm, c.c.rank)).all()
        lines = conn.execute(sa.select(cl.c.pm, c.c.missing, cl.c.line, cl.c.log10_lr,
                                       cl.c.reference, cl.c.meioses)
                             .join(c, sa.and_(c.c.run_id == cl.c.run_id, c.c.pm == cl.c.pm,
                                              c.c.rank == cl.c.rank))
                             .where(cl.c.run_id == run_id)).all()
        config = json.loads(conn.execute(sa.select(schema.runs.c.config).where(
            schema.runs.c.run_id == run_id)).scalar_one())
    assert len(got) == want.height > 0
    for g, w in zip(got, want.iter_rows(named=True)):
        assert tuple(g[:4]) == (w["pm"], w["rank"], w["family"], w["missing"])
        assert g[4] == pytest.approx(w["log10_lr"], rel=1e-12, abs=1e-12)
    freq = load_frequencies("fbi2015_sw_hispanic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineageMarkerWarning)
        fam = next(x for x in read_families(f["pedigrees"], f["relatives"], markers=freq)
                   if x.id == "F1")
        sample = next(s for s in read_pm_samples(f["pm_genotypes"], markers=freq)
                      if s.id == "PM-001")
    expected = lineage_lr(sample, fam, "F1-MP", LineageData.from_file(f["lineage"]))
    (line,) = [x for x in lines if (x[0], x[1]) == ("PM-001", "F1-MP")]
    assert tuple(line[2:3] + line[4:]) == ("Y", "F1-FA", 1)
    assert line[3] == pytest.approx(expected.y.log10_lr, rel=1e-12)
    assert len(lines) == 1   # no other pair has Y data on both sides
    assert (config["lineage"]["y_database"]["name"], config["lineage"]["kin"]) == ("ytoy", 0.5)


def test_evidence_and_lineage_together(programme: dict, tmp_path: Path) -> None:
    """``run --evidence --lineage``: the proposal's LR is autosomal x lineage x evidence; its
    DNA part (``proposal_evidence``) holds the lineage lines, and the report's markers, summed
    afresh by the exact engine, equal the DNA part less the lineage lines."""
    from forensic_match.reports.render import report_context

    ds = case_from_dict(programme)
    with CaseStore(str(tmp_path / "ev.db")) as store:
        run_store(store, ds, lineage=ds.lineage, evidence=True, min_markers=8)
        p, ev, lin = schema.proposals, schema.proposal_evidence, schema.proposal_lineage
        with store.reading() as conn:
            rows = conn.execute(
                sa.select(p.c.proposal_id, p.c.log10_lr, ev.c.dna_log10_lr,
                          ev.c.evidence_log10_lr,
                          sa.select(sa.func.coalesce(sa.func.sum(lin.c.log10_lr), 0.0))
                          .where(lin.c.proposal_id == p.c.proposal_id).scalar_subquery())
                .join(ev, ev.c.proposal_id == p.c.proposal_id)).all()
        assert len(rows) == 8 and sum(r[4] != 0 for r in rows) == 7   # measured
        for pid, total, dna, evidence, lineage in rows:
            assert total == pytest.approx(dna + evidence, rel=1e-9)
            ctx = report_context(store, pid, language="en", markers=ds.markers)
            assert not ctx["differs"]
            assert ctx["recomputed"].log10_total == pytest.approx(dna - lineage, abs=1e-6)


@pytest.mark.parametrize("change,found", [
    ("UPDATE proposal_lineage SET log10_lr = log10_lr + 1 WHERE line = 'Y'",
     "proposal_lineage row "),
    ("UPDATE proposal_lineage SET reference = 'someone' WHERE line = 'Y'",
     "proposal_lineage row "),
    ("DELETE FROM proposal_lineage WHERE line = 'Y'", "proposal_lineage row "),
    ("UPDATE candidate_lineage SET meioses = meioses + 1", "candidates of run "),
    ("DELETE FROM candidate_lineage", "candidates of run ")])
def test_verify_finds_lineage_rows_changed_behind_the_log(nights: dict, tmp_path: Path,
                                                          change: str, found: str) -> None:
    import shutil

    path = tmp_path / "copy.db"
    shutil.copy(nights["path"], path)
    with CaseStore(path) as store:
        assert store.verify().ok
        with store.transaction() as conn:
            conn.execute(sa.text(change))
        report = store.verify()
    assert not report.ok and report.first_broken is None
    assert any(p.startswith(found) for p in report.problems), report.problems


_ids = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
               max_size=8)
_floats = st.floats(allow_nan=False, width=64).map(lambda x: x + 0.0)  # SQLite keeps no -0.0


@settings(deadline=None, max_examples=40)
@given(cands=st.lists(st.tuples(_ids, _ids, _ids, _floats, st.integers(0, 40)),
                      max_size=6, unique_by=lambda c: c[0]),
       lines=st.lists(st.tuples(st.sampled_from(["Y", "mtDNA"]), _floats, _ids,
                                st.integers(1, 8)), max_size=2, unique_by=lambda x: x[0]))
def test_candidates_hash_is_the_first_schemas_without_lineage_rows(cands, lines) -> None:
    """A run's candidates hash: without lineage rows, the first schema's formula (sha256 of the
    plain list of rows) whatever the rows; with them, a hash of both that any change of a
    lineage row changes."""
    from forensic_match.store.audit import candidates_sha256

    engine = sa.create_engine("sqlite://")
    schema.metadata.create_all(engine)

    def value(x):
        return repr(x) if isinstance(x, float) and not math.isfinite(x) else x

    rows = [{"run_id": "r", "pm": pm, "rank": 1, "family_id": fam, "missing": mp,
             "log10_lr": lr, "n_markers": n, "n_inconsistent": 0}
            for pm, fam, mp, lr, n in cands]
    text = json.dumps(sorted([[value(r[k]) for k in FIRST_SCHEMA] for r in rows],
                             key=lambda r: r[1]),
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with engine.begin() as conn:
        # run "r" written as one run: its place in the order the candidates are read in
        conn.execute(schema.run_order.insert().values(run_id="r", seq=1))
        if rows:
            conn.execute(schema.candidates.insert(), rows)
        plain = candidates_sha256(conn, "r")
        assert plain == hashlib.sha256(text.encode("utf-8")).hexdigest()
        if rows and lines:
            conn.execute(schema.candidate_lineage.insert(), [
                {"run_id": "r", "pm": rows[0]["pm"], "rank": 1, "line": line,
                 "log10_lr": lr, "reference": ref, "meioses": k}
                for line, lr, ref, k in lines])
            with_lines = candidates_sha256(conn, "r")
            assert with_lines != plain
            conn.execute(schema.candidate_lineage.update().values(
                meioses=schema.candidate_lineage.c.meioses + 1))
            assert candidates_sha256(conn, "r") not in (plain, with_lines)
    engine.dispose()


def test_lab_tables_mtdna_rows_stored_one_night_are_used_the_next(tmp_path: Path) -> None:
    """Families with mothers' ``mtDNA`` rows one night, PM samples with theirs the next (lab
    tables): the stored candidates keep an mtDNA line for each pair with mitotypes on both
    sides, with the mother as reference at one meiosis and the LR of ``lineage_lr`` on the
    same records given as the dataset's JSON keys."""
    import dataclasses
    import warnings

    from click.testing import CliRunner
    from helpers import LAB_MITOTYPES

    from forensic_match.cli import main
    from forensic_match.dvi.records import read_families, read_pm_samples
    from forensic_match.errors import LineageMarkerWarning
    from forensic_match.frequencies import load_frequencies
    from forensic_match.lineage.data import LineageData, parse_pm_lineage
    from forensic_match.lineage.mtdna import parse_mitotype
    from forensic_match.store.runs import latest_finished_run

    f = lab_tables_with_y_rows(tmp_path, mtdna=True)
    db = str(tmp_path / "cases.db")
    lineage = ["--lineage", str(f["lineage"])]
    for night in (["--pedigrees", str(f["pedigrees"]), "--relatives", str(f["relatives"])],
                  ["--pm", str(f["pm_genotypes"]), "--samples", str(f["pm_samples"])]):
        out = CliRunner().invoke(main, ["run", "--store", db, *night, *lineage,
                                        "--min-markers", "3", "-q"])
        assert out.exit_code == 0, out.output
    c, cl = schema.candidates, schema.candidate_lineage
    with CaseStore(db) as store, store.reading() as conn:
        run_id = latest_finished_run(conn)
        lines = conn.execute(sa.select(cl.c.pm, c.c.missing, cl.c.line, cl.c.log10_lr,
                                       cl.c.reference, cl.c.meioses)
                             .join(c, sa.and_(c.c.run_id == cl.c.run_id, c.c.pm == cl.c.pm,
                                              c.c.rank == cl.c.rank))
                             .where((cl.c.run_id == run_id) & (cl.c.line == "mtDNA"))).all()
    freq = load_frequencies("fbi2015_sw_hispanic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineageMarkerWarning)
        fams = {x.id: x for x in read_families(f["pedigrees"], f["relatives"], markers=freq)}
        pm = {s.id: s for s in read_pm_samples(f["pm_genotypes"], markers=freq)}
    data = LineageData.from_file(f["lineage"])
    got = {(x[0], x[1]): x[2:] for x in lines}
    assert set(got) == {("PM-001", "F1-MP"), ("PM-002", "F2-MP")}
    for (sid, mid), (_, log10_lr, reference, meioses) in got.items():
        fam = fams[mid[:2]]
        as_json = dataclasses.replace(
            fam, mtdna={i: parse_mitotype(LAB_MITOTYPES[i]) for i in fam.mtdna})
        body = dataclasses.replace(
            pm[sid], mtdna=parse_pm_lineage({"mtdna": LAB_MITOTYPES[sid]}, sid, "x")[1])
        expected = lineage_lr(body, as_json, mid, data).mtdna
        assert (reference, meioses) == (f"{mid[:2]}-MO", 1)
        assert log10_lr == pytest.approx(expected.log10_lr, rel=1e-12)


def test_a_new_lineage_decision_model_flags_the_lineage_runs_decisions(
        programme: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proposals of a lineage run recorded under the lineage decision model before the
    relatives on a reference's lines were drawn (version 1; lineage runs recorded without a
    version are 1) are flagged by the first lineage run under the current one; runs without
    lineage markers record no lineage model and are not flagged by its change."""
    from forensic_match.decide import priors
    from forensic_match.store.configuration import lr_configuration

    ds = case_from_dict(programme)
    with CaseStore(str(tmp_path / "kin.db")) as store:
        with monkeypatch.context() as m:
            m.setattr(priors, "LINEAGE_KIN_MODEL", 1)
            first = run_store(store, ds, lineage=ds.lineage, min_markers=8)
        assert first.counts["new_proposals"] > 0
        second = run_store(store, ds, lineage=ds.lineage, min_markers=8)
        reasons = [p["stale_reason"] for p in store.proposals() if p["run_id"] == first.run_id]
        assert len(reasons) == first.counts["new_proposals"]
        assert all(f"lineage decision model changed (version 1 -> {priors.LINEAGE_KIN_MODEL}: "
                   f"{priors.LINEAGE_KIN_MODELS[priors.LINEAGE_KIN_MODEL]})" in r
                   for r in reasons)
        assert second.counts["flagged_configuration"] == len(reasons)
        from forensic_match.reports.stored_text import flag_reason

        # the model's description in Spanish too (it was left in English, lang="en")
        spanish = str(flag_reason(reasons[0], "es"))
        assert f"cambió el modelo de decisión de los marcadores de linaje (versión 1 → " \
               f"{priors.LINEAGE_KIN_MODEL}: una referencia tipificada en Y-STR" in spanish
        assert 'lang="en"' not in spanish
        (run,) = [r for r in store.export()["runs"] if r["run_id"] == second.run_id]
        assert run["config"]["lineage"]["kin_model"] == priors.LINEAGE_KIN_MODEL
    config = {"identify": {}, "lineage": {"kin": 1.0, "y_method": "count", "options": {}}}
    assert lr_configuration(config, "ab" * 32)["lineage"]["kin_model"] == 1
    assert lr_configuration({"identify": {}}, "ab" * 32)["lineage"] is None


#: A panel with single-copy loci whose entries do not state copies (and DYS391 without a
#: rate) and a database with a homozygous DYS385 written as one call.
TOY = {"ystr": {"markers": [{"name": "DYS19", "rate": 0.0023}, {"name": "DYS391"},
                            {"name": "DYS385", "copies": 2, "rate": 0.0041}],
                "database": {"name": "toy", "haplotypes": [
                    {"DYS19": ["14"], "DYS391": ["10"], "DYS385": ["14"]},
                    {"DYS19": ["15"], "DYS391": ["11"], "DYS385": ["13", "15"]},
                    {"DYS19": ["14"], "DYS391": ["10"], "DYS385": ["14", "14"]}]}}}


def test_the_panel_digest_is_main_s_for_an_unchanged_file() -> None:
    """Outside check h_fix, finding 2: to_dict now writes ``copies`` only where the panel
    stated it, and the run's panel digest, taken from it, moved for an unchanged file; every
    proposal of an upgraded store was flagged "Y-STR panel (loci, mutation rates) changed".
    The digest is main's again (b18a811, pinned: computed by its lineage_provenance on TOY),
    the loci that stated copies recorded beside it. The database as read did change (its lone
    DYS385 is read as the allele twice): its digest as written is main's."""
    from forensic_match.lineage.data import LineageData

    recorded = lineage_provenance(LineageData.from_dict(TOY), 1.0, {})
    assert recorded["y_markers"] == {
        "loci": ["DYS19", "DYS391", "DYS385"], "copies_stated": ["DYS385"],
        "sha256": "9bede607d3a876fc024f73bf040e22fe5acc3a142cc23150ebb5317d80d7aa01"}
    assert recorded["y_database"] == {
        "name": "toy", "haplotypes": 3, "read_by_copies": [["DYS385", "lone", 1]],
        "sha256": "9b18415ccf4a7974b6f2bbace24fb118f295cd0c797e3289ab61674d70e4a445",
        "written_sha256": "a4edc385115fd48da00f921d8f61e6fbb4b8c76b4d7c7b6c48d1c50c9249394c"}
    plain = copy.deepcopy(TOY)
    plain["ystr"]["database"]["haplotypes"][0]["DYS385"] = ["14", "14"]
    recorded = lineage_provenance(LineageData.from_dict(plain), 1.0, {})["y_database"]
    assert sorted(recorded) == ["haplotypes", "name", "sha256"]
    assert recorded["sha256"] == "9b18415ccf4a7974b6f2bbace24fb118f295cd0c797e3289ab61674d70e4a445"


def test_an_upgraded_store_is_told_only_what_changed(
        programme: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 2 on a store: the first night runs as main did (lineage decision model 1,
    nothing read by the panel's copy numbers), the second as now, on the same files: the
    panel whose single-copy entries give no ``copies`` is not said to have changed, and the
    database whose lone DYS385 calls are now read as the allele twice is said to be the same
    entries read otherwise, not "changed"; a third night on the same files flags nothing."""
    from forensic_match.decide import priors
    from forensic_match.errors import LineageMarkerWarning
    from forensic_match.lineage import data as lineage_data

    data = copy.deepcopy(programme)
    ystr = data["lineage"]["ystr"]
    for m in ystr["markers"]:
        del m["copies"]
    ystr["markers"].append({"name": "DYS385", "copies": 2, "rate": 0.0041})
    for k, h in enumerate(ystr["database"]["haplotypes"]):
        h["DYS385"] = ["14"] if k % 10 == 0 else ["13", "15"]
    with CaseStore(str(tmp_path / "up.db")) as store:
        with monkeypatch.context() as m:
            m.setattr(priors, "LINEAGE_KIN_MODEL", 1)
            m.setattr(lineage_data, "read_copies", lambda h, copies: (h, {}))
            ds = case_from_dict(data)
            first = run_store(store, ds, lineage=ds.lineage, min_markers=8)
        assert first.counts["new_proposals"] > 0
        ds = case_from_dict(data)
        with pytest.warns(LineageMarkerWarning, match="DYS385: a lone call read as the allele "
                                                      "on each of its 2 copies in 0 PM "
                                                      "samples, 0 references, 30 database"):
            second = run_store(store, ds, lineage=ds.lineage, min_markers=8)
        reasons = {p["stale_reason"].split("): ", 1)[1] for p in store.proposals()
                   if p["run_id"] == first.run_id}
        (config,) = [r["config"]["lineage"] for r in store.export()["runs"]
                     if r["run_id"] == second.run_id]
        db = config["y_database"]
        assert reasons == {
            f"Y haplotype database read otherwise ('simulated', the same entries as written, "
            f"sha256 {db['written_sha256'][:12]}.., now read by the panel's copy numbers: "
            f"every entry as written -> 30 entries at DYS385 with one call as the allele on "
            f"each copy, sha256 as read {db['written_sha256'][:12]}.. -> "
            f"{db['sha256'][:12]}..); "
            f"lineage decision model changed (version 1 -> {priors.LINEAGE_KIN_MODEL}: "
            f"{priors.LINEAGE_KIN_MODELS[priors.LINEAGE_KIN_MODEL]})"}
        with pytest.warns(LineageMarkerWarning, match="30 database entries"):
            third = run_store(store, ds, lineage=ds.lineage, min_markers=8)
        assert second.counts["flagged_configuration"] == first.counts["new_proposals"]
        assert third.counts["flagged_configuration"] == 0
