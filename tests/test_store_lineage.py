"""Lineage markers (Y-STR, mtDNA) in the case store: nightly runs with ``lineage``, what the
proposals and candidates keep, the run's provenance, and the schema migration."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_lineage_simulate import _mt_pool, _population

from forensic_match.cases import case_from_dict
from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.lineage.lr import lineage_lr
from forensic_match.lineage.simulate import add_lineage
from forensic_match.store import CaseStore, run_store, schema
from forensic_match.store.runs import lineage_provenance


@pytest.fixture(scope="module")
def programme(markers) -> dict:
    """12 families whose references are the spouse and children of a missing parent (a son
    shares a missing man's Y line at one meiosis, every child a missing woman's mitotype),
    12 bodies, with Y haplotypes and mitotypes dropped down the pedigrees; as JSON, so that
    each night can be cut from it."""
    prog = simulate_programme(12, 12, markers=markers, seed=3, shapes=["spouse_children"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    add_lineage(prog, population=_population(), mitotypes=_mt_pool(60, 2), seed=4,
                database_size=300)
    return prog.dataset.to_dict()


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
    assert config["lineage"] == lineage_provenance(nights["lineage"], 1.0, {})
    assert config["lineage"]["y_method"] == "count"
    assert config["lineage"]["y_database"]["name"] == "simulated"
    assert config["lineage"]["y_database"]["haplotypes"] == 300
    assert config["lineage"]["mt_database"]["name"] == "simulated"
    db = nights["lineage"].to_dict()["ystr"]["database"]
    text = json.dumps(db, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert config["lineage"]["y_database"]["sha256"] == hashlib.sha256(
        text.encode()).hexdigest()
