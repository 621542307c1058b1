"""A store run's candidates and proposals take their lineage and SNP scores from
``identify``'s (``IdentificationResult.score_caches``) instead of computing them again: the
same stored rows as computing them, and no pair scored twice (``docs/store.md``, "Linked
SNPs" and "Lineage markers")."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from test_lineage_simulate import _mt_pool, _population
from test_store_snp import CHROMS, DECIDE, SNP_OPTIONS

import forensic_match.dvi.identify as identify_module
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.lineage import lr as lineage_lr_module
from forensic_match.lineage.fast import LineageCache, RowScorer
from forensic_match.lineage.simulate import add_lineage
from forensic_match.linked import load_force_panel
from forensic_match.linked.programme import CandidateScorer
from forensic_match.linked.scores import SnpData, SnpScores
from forensic_match.linked.simulate import simulate_programme_snps
from forensic_match.store import CaseStore, run_store, schema


def _panel():
    panel = load_force_panel()
    return panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c in CHROMS])


def _snp_programme(markers, fragments: float, seed: int = 5):
    """12 families whose one reference is a first cousin, 12 PM samples (``fragments`` of
    the bodies in two or three), SNP calls on chromosomes 17-22 (10% of the PM calls
    missing)."""
    prog = simulate_programme(12, 12, markers=markers, seed=seed, shapes=["cousin"],
                              missing_per_family=(1, 1), fragments=fragments, unrelated=0.2)
    snp = simulate_programme_snps(prog, _panel(), np.random.default_rng(6), pm_missing=0.1)
    return prog.dataset, snp


def _lineage_programme(markers, fragments: float):
    """10 families referenced by a missing parent's spouse and children, 10 bodies
    (``fragments`` of them in pieces), Y haplotypes and mitotypes dropped down the
    pedigrees."""
    prog = simulate_programme(10, 10, markers=markers, seed=3, shapes=["spouse_children"],
                              missing_per_family=(1, 1), fragments=fragments, unrelated=0.2)
    add_lineage(prog, population=_population(), mitotypes=_mt_pool(60, 2), seed=4,
                database_size=300)
    return prog.dataset


def _without_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the store compute every score itself (as before identify kept its scores)."""
    real = identify_module.identify

    def identify(*args, **kwargs):
        res = real(*args, **kwargs)
        res.score_caches = None
        return res

    monkeypatch.setattr(identify_module, "identify", identify)


def _stored(path, **kwargs) -> dict:
    """A fresh store's run on the data: its candidates with their lineage and SNP rows, and
    its proposals with theirs."""
    with CaseStore(path) as store:
        run = run_store(store, **kwargs).run_id
        out = {}
        with store.reading() as conn:
            for table in (schema.candidates, schema.candidate_lineage, schema.candidate_snp):
                cols = [c for c in table.c if c.name != "run_id"]
                out[table.name] = sorted(tuple(r) for r in conn.execute(
                    sa.select(*cols).where(table.c.run_id == run)))
            p = schema.proposals
            pid = {r.proposal_id: (r.pm, r.family_id, r.missing, r.log10_lr, r.posterior,
                                   r.rule, r.engine_reason)
                   for r in conn.execute(sa.select(p).where(p.c.run_id == run))}
            out["proposals"] = sorted(pid.values())
            for table in (schema.proposal_lineage, schema.proposal_snp):
                out[table.name] = sorted(
                    (pid[r[0]], *r[1:]) for r in conn.execute(sa.select(*table.c)))
    return out


def _joined(ds, **options) -> list:
    """The bodies of several fragments that ``identify`` forms of ``ds``."""
    res = identify_module.identify(ds.am, ds.pm, ds.markers, theta=ds.theta, **options)
    return [b for b in res.score_caches.bodies if len(b.fragments) > 1]


def test_snp_candidates_and_proposals_the_same_with_and_without_the_reuse(
        markers, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bodies of several fragments whose first fragment is typed at fewer SNPs than
    another: identify keys the body's score (its best fragment's) by the first fragment's
    id, and the store scores that PM sample on its own calls all the same."""
    ds, snp = _snp_programme(markers, fragments=0.6, seed=6)
    joined = _joined(ds, snp=snp, snp_options=SNP_OPTIONS, **DECIDE)
    assert len(joined) == 4
    pm = dict(snp.pm)
    for body in joined:
        first = pm[body.id].copy()
        first[np.arange(first.size) % 3 == 0] = -1
        pm[body.id] = first
    snp = SnpData(snp.panel, pm, snp.references, snp.map_source)
    body_calls = snp.for_bodies(joined).pm
    assert all(not np.array_equal(body_calls[b.id], pm[b.id]) for b in joined)
    kwargs = {"dataset": ds, "snp": snp, "snp_options": SNP_OPTIONS} | DECIDE
    reused = _stored(tmp_path / "reused.db", **kwargs)
    _without_caches(monkeypatch)
    computed = _stored(tmp_path / "computed.db", **kwargs)
    assert reused["candidate_snp"] and reused["proposal_snp"]
    assert {r[0] for r in reused["candidate_snp"]} >= {b.id for b in joined}
    assert reused == computed
    # the joined bodies' first fragments' own scores, not their bodies'
    rows = [(f.id, m) for f in ds.am for m in f.missing]
    ranked = {(r[0], r[1]): r for r in reused["candidates"]}
    for pm_id, rank, *snp_row in reused["candidate_snp"]:
        if pm_id in {b.id for b in joined}:
            fam, missing = ranked[(pm_id, rank)][2:4]
            own = SnpScores(rows, ds.am, ds.pm, snp, warn=False, **SNP_OPTIONS).result(
                rows.index((fam, missing)), [s.id for s in ds.pm].index(pm_id))
            assert snp_row[:2] == [own.log10_lr, own.method]


def test_lineage_candidates_and_proposals_the_same_with_and_without_the_reuse(
        markers, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bodies of several fragments whose first fragment has no Y haplotype (another has):
    identify scores the body on the other's, the store the PM sample on its own lines."""
    ds = _lineage_programme(markers, fragments=0.5)
    joined = _joined(ds, lineage=ds.lineage, min_markers=8)
    assert joined
    by_id = {s.id: s for s in ds.pm}
    for body in joined:
        if any(f.ystr for f in body.fragments[1:]) and by_id[body.id].ystr:
            by_id[body.id].ystr = None
            break
    else:
        pytest.fail("no joined body with a Y haplotype on a later fragment")
    kwargs = {"dataset": ds, "lineage": ds.lineage, "min_markers": 8}
    reused = _stored(tmp_path / "reused.db", **kwargs)
    _without_caches(monkeypatch)
    computed = _stored(tmp_path / "computed.db", **kwargs)
    assert reused["candidate_lineage"] and reused["proposal_lineage"]
    assert reused == computed


class _Count:
    """Counts the calls of one function (a method, or a module's function)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner, name: str) -> None:
        self.n = 0
        real = getattr(owner, name)

        def counted(*args, **kwargs):
            self.n += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)


def test_a_store_run_scores_no_snp_pair_that_identify_scored(
        markers, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The linked (HMM) computations of a store night are identify's: none for the
    candidates or the proposals (each one more without the reuse)."""
    ds, snp = _snp_programme(markers, fragments=0.0)
    hmm = _Count(monkeypatch, CandidateScorer, "candidate")
    identify_module.identify(ds.am, ds.pm, ds.markers, theta=ds.theta, snp=snp,
                             snp_options=SNP_OPTIONS, **DECIDE)
    alone, hmm.n = hmm.n, 0
    kwargs = {"dataset": ds, "snp": snp, "snp_options": SNP_OPTIONS} | DECIDE
    stored = _stored(tmp_path / "reused.db", **kwargs)
    assert alone > 0 and hmm.n == alone
    hmm.n = 0
    _without_caches(monkeypatch)
    assert _stored(tmp_path / "computed.db", **kwargs) == stored
    linked = sum(1 for r in stored["candidate_snp"] if not r[3].startswith(("screen", "none")))
    assert linked > 0 and hmm.n > alone + linked


def test_a_store_run_scores_no_lineage_row_that_identify_scored(
        markers, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows a store night scores on lineage markers are identify's (each missing
    person's and relative alternative's once), and its proposals' lines are identify's
    results (one ``lineage_lr`` per identification, in identify)."""
    ds = _lineage_programme(markers, fragments=0.0)
    rows = _Count(monkeypatch, RowScorer, "row")
    full = _Count(monkeypatch, lineage_lr_module, "lineage_lr")
    res = identify_module.identify(ds.am, ds.pm, ds.markers, theta=ds.theta,
                                   lineage=ds.lineage, min_markers=8)
    alone, rows.n = rows.n, 0
    identified = sum(1 for r in res.identifications.iter_rows(named=True)
                     if r["rule"] != "direct reference")
    assert identified > 0 and full.n == identified
    full.n = 0
    kwargs = {"dataset": ds, "lineage": ds.lineage, "min_markers": 8}
    stored = _stored(tmp_path / "reused.db", **kwargs)
    assert stored["proposal_lineage"]
    assert alone > 0 and rows.n == alone
    assert full.n == identified
    rows.n = full.n = 0
    _without_caches(monkeypatch)
    assert _stored(tmp_path / "computed.db", **kwargs) == stored
    assert rows.n >= alone + len({(f.id, m) for f in ds.am for m in f.missing})
    assert full.n == 2 * identified


def test_caches_without_samples_leave_the_original_as_it_was() -> None:
    """``without`` gives the left-out samples new (empty) columns and drops their results,
    and the original cache keeps its own."""
    cache = LineageCache()
    cache.record(("F1", "M1"), "A", 1.5, True)
    cache.record(("F1", "M1"), "B", -2.0, True)
    cache.results[("F1", "M1", "B")] = "B's result"
    cache.results[("F1", "M1", "A")] = "A's result"
    other = cache.without(["B"])
    assert other.results == {("F1", "M1", "A"): "A's result"}
    vals, comp = other.row(("F1", "M1"))
    a, b = other.column_of(["A", "B"])
    assert vals[a] == 1.5 and comp[a] and np.isnan(vals[b]) and not comp[b]
    other.record(("F1", "M1"), "B", 7.0, False)
    other.record(("F1", "M1"), "C", 3.0, True)
    vals, comp = cache.row(("F1", "M1"))
    assert vals.tolist() == [1.5, -2.0] and comp.tolist() == [True, True]
    assert cache.results[("F1", "M1", "B")] == "B's result"
    assert other.row(("F1", "M1"))[0][other.column_of(["B", "C"])].tolist() == [7.0, 3.0]


def test_an_snp_cache_copy_shares_the_limits_budget() -> None:
    """``SnpCache.without`` shares the rows' limits with the original, so the copy may keep
    only the bytes the original has not used: together they keep at most ``keep_bytes``."""
    from forensic_match.linked.scores import SnpCache

    cache = SnpCache(keep_bytes=1000)
    cache.limits[("v", "MP")] = np.zeros(50)  # 400 bytes
    cache.kept_bytes = 400
    cache.results[("v", "MP", "A")] = "A's"
    cache.results[("v", "MP", "B")] = "B's"
    other = cache.without(["B"])
    assert other.limits is cache.limits
    assert (other.keep_bytes, other.kept_bytes) == (600, 0)
    assert other.results == {("v", "MP", "A"): "A's"}
    assert (cache.keep_bytes, cache.kept_bytes) == (1000, 400)
