"""Pairs a review rejected, kept out of the decision (``forensic_match/dvi/rejected.py``;
``docs/decisions.md``, "Pairs a review rejected"; the store's side in
``tests/test_store_conditioning.py`` and ``tests/test_store_staff.py``)."""
from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_decide import oracle
from test_store_conditioning import grave_dataset

from forensic_match.cases import case_from_dict, load_case
from forensic_match.cli import main
from forensic_match.decide.decisions import LN10, decide
from forensic_match.decide.priors import Priors
from forensic_match.dvi.identify import identify
from forensic_match.errors import ForensicMatchWarning, InputError
from forensic_match.store import CaseStore, StoreError, run_store

# --- the decision ----------------------------------------------------------------------------


@st.composite
def searches(draw: st.DrawFn) -> tuple[int, int, list, list, set]:
    """Bodies B0.., missing persons M0.. of family F, listed pairs with log10 LRs, each body's
    LR sum over unlisted missing persons, and a set of rejected pairs."""
    n_s, n_m = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    pairs = draw(st.lists(st.tuples(st.integers(0, n_s - 1), st.integers(0, n_m - 1)),
                          min_size=1, max_size=8, unique=True))
    edges = [(s, m, draw(st.floats(-3, 12))) for s, m in pairs]
    extra = [draw(st.sampled_from([0.0, 0.5, 30.0])) for _ in range(n_s)]
    rejected = {(f"B{s}", "F", f"M{m}") for s, m in draw(st.lists(st.sampled_from(pairs),
                                                                   max_size=3))}
    return n_s, n_m, edges, extra, rejected


def _search(n_s: int, edges: list, extra: list) -> SimpleNamespace:
    rows = [{"pm": f"B{s}", "family": "F", "missing": f"M{m}", "lr": 10.0 ** v,
             "log10_lr": v, "n_markers": 15, "n_inconsistent": 0} for s, m, v in edges]
    listed = pl.DataFrame(rows)
    sums = [sum(10.0 ** v for s2, _, v in edges if s2 == s) + extra[s] for s in range(n_s)]
    return SimpleNamespace(by_sample=listed, by_missing=listed.head(0), pairs=listed,
                           samples=pl.DataFrame({"pm": [f"B{s}" for s in range(n_s)],
                                                 "lr_sum": sums}), parameters={})


@settings(deadline=None, max_examples=150)
@given(searches())
def test_rejected_pairs_get_posterior_0_and_the_rest_never_exceed_the_exact_model(
        problem: tuple) -> None:
    """The model with the rejected pairs impossible, enumerated: every reported posterior is
    at most its exact value there (equal where enumerated exactly), the rejected pairs' 0.
    A rejected pair's LR stays out of its body's free weight, as any listed pair's."""
    n_s, n_m, edges, extra, rejected = problem
    priors = Priors(0.5, 0.0, n_m, n_s, "user", 0.0, 0.0)
    got = decide(_search(n_s, edges, extra), None, {}, priors, excluded=rejected)
    post = {(r["pm"], r["missing"]): (r["posterior"], r["joint_exact"])
            for r in got.pairs.iter_rows(named=True)}
    kept = [(s, m, v * LN10) for s, m, v in edges if (f"B{s}", "F", f"M{m}") not in rejected]
    # the body's LRs over unlisted missing persons as decide finds them (the search's sum
    # less the listed pairs, rounding included): ``extra`` up to the sum's last bits
    sums = _search(n_s, edges, extra).samples["lr_sum"].to_list()
    listed = [0.0] * n_s
    for s, _, v in edges:
        listed[s] += float(np.power(10.0, v))
    free = [math.log(priors.open_weight + max(sums[s] - listed[s], 0.0)) for s in range(n_s)]
    want, _ = oracle(n_s, kept, free)
    for s, m, _ in edges:
        p, exact = post[(f"B{s}", f"M{m}")]
        if (f"B{s}", "F", f"M{m}") in rejected:
            assert p == 0.0
        else:
            assert p <= want[(s, m)] + 1e-12
            if exact:
                assert p == pytest.approx(want[(s, m)], rel=1e-9, abs=1e-12)


# --- identify ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def grave() -> object:
    """The conditioning tests' grave: a family (father, mother, two children) killed together,
    the father's mother and a surviving daughter typed, with two other families and an
    unrelated body (``tests/test_store_conditioning.py``)."""
    return case_from_dict(grave_dataset())


def _identify(ds: object, **options: object) -> tuple[pl.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = identify(ds.am, ds.pm, ds.markers, relatives=0,  # type: ignore[attr-defined]
                       **options)
    return res, [str(w.message) for w in caught if issubclass(w.category, ForensicMatchWarning)]


def test_a_rejected_body_is_neither_proposed_nor_conditioned_on(grave: object) -> None:
    """Rejecting the father's body G4-01: it is no longer proposed as F05_MP1, the children's
    rounds are decided without it (their proposals rest on the mother's body alone), and the
    warning names the pair with its LR now."""
    before, _ = _identify(grave)
    rows = {r["pm"]: r for r in before.identifications.iter_rows(named=True)}
    assert rows["G4-03"]["conditioned_on"] == "G4-01,G4-02"
    res, said = _identify(grave, rejected=[("G4-01", "F05", "F05_MP1")])
    ids = res.identifications
    assert ids.filter((pl.col("pm") == "G4-01") & (pl.col("missing") == "F05_MP1")).height == 0
    assert all("G4-01" not in (r["conditioned_on"] or "").split(",")
               for r in ids.iter_rows(named=True))
    pair = res.decision.pairs.filter((pl.col("pm") == "G4-01")  # type: ignore[union-attr]
                                     & (pl.col("missing") == "F05_MP1"))
    assert pair.height == 0 or pair["posterior"].max() == 0.0
    kept = [m for m in said if "rejected in review" in m]
    assert len(kept) == 1 and "G4-01 -> F05_MP1 of F05 (log10 LR " in kept[0]
    assert res.parameters["rejected"] == [["G4-01", "F05", "F05_MP1"]]
    # the other pairs of the grave are decided as before where they did not rest on G4-01
    assert {r["pm"]: r["missing"] for r in ids.iter_rows(named=True)}.items() <= \
        {p: r["missing"] for p, r in rows.items()}.items()


def test_a_rejection_holds_for_the_body_its_fragment_joined(grave: object) -> None:
    """A rejection of G4-01 holds for the body G4-01 + G4-01b (a fragment joined since)."""
    data = grave_dataset()
    first = next(p for p in data["pm"] if p["id"] == "G4-01")
    data["pm"].append(dict(first, id="G4-01b",
                           genotypes=dict(sorted(first["genotypes"].items())[::2])))
    res, said = _identify(case_from_dict(data), rejected=[("G4-01", "F05", "F05_MP1")])
    assert "F05_MP1" not in res.identifications["missing"].to_list()
    assert any("G4-01,G4-01b -> F05_MP1 of F05" in m for m in said)


def test_rejected_pairs_are_read_as_given_or_refused(grave: object) -> None:
    table = pl.DataFrame({"pm": ["G4-01"], "family": ["F05"], "missing": ["F05_MP1"]})
    res, _ = _identify(grave, rejected=table)
    assert "F05_MP1" not in res.identifications["missing"].to_list()
    res, said = _identify(grave, rejected=[("NO-SUCH", "F05", "F05_MP1"),
                                           ("G4-01", "F05", "F05_MP9")])
    assert any(m.startswith("2 rejected pairs name no PM sample or no missing person of this "
                            "run and rule nothing out: G4-01 -> F05_MP9 of F05; NO-SUCH")
               for m in said)
    assert "F05_MP1" in res.identifications["missing"].to_list()
    with pytest.raises(InputError, match=r"rejected pair 1: \('G4-01', 'F05'\) is not"):
        identify(grave.am, grave.pm, grave.markers,  # type: ignore[attr-defined]
                 rejected=[("G4-01", "F05")])
    with pytest.raises(InputError, match="lacks the column"):
        identify(grave.am, grave.pm, grave.markers,  # type: ignore[attr-defined]
                 rejected=table.drop("missing"))


# --- the store ---------------------------------------------------------------------------------


@contextmanager
def _grave_store(tmp_path: Path) -> Iterator[tuple[CaseStore, Callable[[], Any]]]:
    """A case store after one closed-list night on the conditioning tests' grave, with a
    reviewer (ana) and an approver (berta), and the night again as a call (its warnings
    silenced)."""
    data = tmp_path / "grave.json"
    data.write_text(json.dumps(grave_dataset()))
    ds = load_case(data)
    with CaseStore(tmp_path / "cases.db") as store:
        def night() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return run_store(store, ds, dataset_path=data, relatives=0)

        night()
        store.add_user("ana", ["reviewer"], actor="admin")
        store.add_user("berta", ["approver"], actor="admin")
        yield store, night


def test_a_store_run_keeps_a_judged_rejection_out_and_proposes_what_rested_on_it_again(
        tmp_path: Path) -> None:
    """The father's body rejected on its merits: the next run does not condition the family
    on it, so the children's proposals, whose LRs rested on it, are made again with the LR
    on the family without him (new pending proposals conditioned on the mother's body alone);
    the old ones stay flagged. Before, the engine conditioned on the rejected body again and
    the flagged proposals were the only ones, with LRs resting on a body the review refused
    (docs/store.md, "Rejections the engine knows")."""
    with _grave_store(tmp_path) as (store, night):
        by_pm = {p["pm"]: p for p in store.proposals()}
        father = by_pm["G4-01"]["proposal_id"]
        store.act(father, "review", actor="ana", reason="revisado")
        said = CliRunner().invoke(main, ["store", "review", str(tmp_path / "cases.db"),
                                         str(father), "reject", "--as", "berta", "--reason",
                                         "la dentadura no es la suya"])
        assert said.exit_code == 0, said.output
        assert "later runs keep G4-01 -> F05_MP1 of F05 out of their decision" in said.output
        dependents = sorted(p["proposal_id"] for p in store.proposals() if p["needs_review"])
        assert dependents == sorted(by_pm[p]["proposal_id"] for p in ("G4-03", "G4-04"))
        summary = night()
        after = store.proposals()
        new = [p for p in after if p["proposal_id"] > max(x["proposal_id"] for x in by_pm.values())]
        assert not any(p["pm"] == "G4-01" and p["missing"] == "F05_MP1" for p in new)
        assert summary.counts["new_proposals"] == len(new)
        with store.reading() as conn:
            from forensic_match.store.conditioning import conditioning_of

            for p in new:
                rested = [c["pm"] for c in conditioning_of(conn, p["proposal_id"])]
                assert "G4-01" not in rested
        remade = {p["pm"]: p for p in new}
        for pm in ("G4-03", "G4-04"):
            if pm in remade:     # made again on the family without the rejected body
                assert remade[pm]["log10_lr"] < by_pm[pm]["log10_lr"]
                assert remade[pm]["basis_sha256"] != by_pm[pm]["basis_sha256"]
        assert remade, "nothing proposed again without the rejected body"
        states = {p["proposal_id"]: p for p in after}
        assert all(states[d]["needs_review"] for d in dependents)
        assert store.verify().ok
        # a third night on the same data proposes nothing new
        third = night()
        assert third.counts["new_proposals"] == 0 and len(store.proposals()) == len(after)
        assert store.verify().ok


# --- the command line --------------------------------------------------------------------------


def test_search_takes_a_table_of_rejected_pairs(tmp_path: Path) -> None:
    """``forensic-match search --rejected FILE``: the pairs are kept out and recorded; a bad
    table is refused naming the file and the row, and nothing is written."""
    from test_cli_dvi import invoke, search_args

    # the example's samples are typed at 4-6 markers
    first = invoke(*search_args(tmp_path / "a"), "--min-markers", "4")
    assert first.exit_code == 0, first.stderr
    # (this small programme proposes nothing: the effect on proposals is tested above)
    cand = pl.read_csv(tmp_path / "a" / "candidates_by_sample.csv", infer_schema=False)
    top = cand.row(0, named=True)
    table = tmp_path / "rejected.csv"
    table.write_text(f"pm,family,missing\n{top['pm']},{top['family']},{top['missing']}\n")
    again = invoke(*search_args(tmp_path / "b"), "--min-markers", "4", "--rejected", str(table))
    assert again.exit_code == 0, again.stderr
    params = json.loads((tmp_path / "b" / "parameters.json").read_text())
    assert params["rejected"] == [[top["pm"], top["family"], top["missing"]]]
    run = json.loads((tmp_path / "b" / "run.json").read_text())
    assert run["inputs"]["rejected"]["path"] == str(table)
    assert "rejected in review was kept out of the decision" in again.stderr
    assert f"{top['pm']} -> {top['missing']} of {top['family']} (log10 LR" in again.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text(f"pm,family,missing\n{top['pm']},,{top['missing']}\n")
    refused = invoke(*search_args(tmp_path / "c"), "--min-markers", "4", "--rejected", str(bad))
    assert refused.exit_code == 1 and f"file {str(bad)!r}, row 2: an empty" in refused.stderr
    assert not (tmp_path / "c").exists()


def test_rejecting_the_proposal_a_pair_was_made_again_for_does_not_keep_the_pair_out(
        tmp_path: Path) -> None:
    """The children's approved proposals rested on the father's body, rejected since; the run
    made them again without it. Approving the new one is refused with the way out named;
    and rejecting the old one after clearing its flag (a judged rejection by its form) must
    not keep the pair out: a later proposal of the same body and person stands."""
    from forensic_match.store.review import judged_rejections

    with _grave_store(tmp_path) as (store, night):
        pid = {p["pm"]: p["proposal_id"] for p in store.proposals()}
        for pm in ("G4-01", "G4-02", "G4-03"):
            store.act(pid[pm], "review", actor="ana", reason="revisado")
            store.act(pid[pm], "approve", actor="berta", reason="de acuerdo")
        store.act(pid["G4-01"], "reopen", actor="ana", reason="dudas")
        store.act(pid["G4-01"], "review", actor="ana", reason="revisado")
        store.act(pid["G4-01"], "reject", actor="berta", reason="no es el padre")
        night()
        old = pid["G4-03"]
        new = max(p["proposal_id"] for p in store.proposals() if p["pm"] == "G4-03")
        assert new != old
        store.act(new, "review", actor="ana", reason="revisado")
        with pytest.raises(StoreError, match=rf"approved proposal {old} of the same body and "
                                             rf"person rests on proposal {pid['G4-01']} "
                                             rf"\(G4-01 as F05_MP1\), rejected since"):
            store.act(new, "approve", actor="berta", reason="de acuerdo")
        store.act(old, "reopen", actor="ana", reason="descansa en el cuerpo rechazado")
        store.act(old, "review", actor="ana", reason="visto el rechazo", clear_flag=True)
        store.act(old, "reject", actor="berta", reason="su LR descansaba en G4-01")
        store.act(new, "approve", actor="berta", reason="de acuerdo")
        with store.reading() as conn:
            assert [r[0] for r in judged_rejections(conn)] == [pid["G4-01"]]
        night()
        states = {p["proposal_id"]: p for p in store.proposals()}
        assert states[new]["state"] == "approved" and not states[new]["needs_review"]
        assert store.verify().ok


def test_rejecting_a_fragments_proposal_the_whole_body_replaced_keeps_nothing_out(
        tmp_path: Path) -> None:
    """An outside check (h_rej, 2026-12-08): a one-fragment proposal retired in favour of the
    whole body's (a second fragment joined it), its flag cleared and rejected "replaced by
    the whole-body proposal", kept the whole body out as that person the next night, and
    flagged its proposal. A later proposal of the person holding the rejected one's samples
    is the latest word: the rejection keeps nothing out."""
    from forensic_match.store.review import judged_rejections

    data = grave_dataset()
    path = tmp_path / "grave.json"
    path.write_text(json.dumps(data))
    first = next(p for p in data["pm"] if p["id"] == "G4-01")
    data["pm"].append(dict(first, id="G4-01b",
                           genotypes=dict(sorted(first["genotypes"].items())[::2])))
    night2 = tmp_path / "night2.json"
    night2.write_text(json.dumps(data))
    with CaseStore(tmp_path / "cases.db") as store:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_store(store, load_case(path), dataset_path=path, relatives=0)
            run_store(store, load_case(night2), dataset_path=night2, relatives=0)
        store.add_user("ana", ["reviewer"], actor="admin")
        store.add_user("berta", ["approver"], actor="admin")
        part = next(p for p in store.proposals() if p["pm"] == "G4-01")
        whole = next(p for p in store.proposals() if p["pm"] == "G4-01,G4-01b")
        store.act(part["proposal_id"], "review", actor="ana", reason="visto",
                  clear_flag=bool(part["needs_review"]))
        store.act(part["proposal_id"], "reject", actor="berta",
                  reason="replaced by the whole-body proposal")
        with store.reading() as conn:
            assert judged_rejections(conn) == []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_store(store, load_case(night2), dataset_path=night2, relatives=0)
        now = {p["proposal_id"]: p for p in store.proposals()}
        assert not now[whole["proposal_id"]]["needs_review"]
        assert store.verify().ok


def test_a_pair_a_later_rejection_keeps_out_is_flagged_naming_it(tmp_path: Path) -> None:
    """h_rej (2026-12-08): a live proposal whose pair a later judged rejection keeps out was
    flagged "not proposed again ... the joint posterior is below the threshold now (another
    body, family or identification competes ...)". The flag names the rejection. (The son's
    proposal conditioned on the father's body, its flag cleared after the father's
    rejection; the son's proposal made again without that body, rejected on its merits.)"""
    with _grave_store(tmp_path) as (store, night):
        pid = {p["pm"]: p["proposal_id"] for p in store.proposals()}
        store.act(pid["G4-01"], "review", actor="ana", reason="revisado")
        store.act(pid["G4-01"], "reject", actor="berta", reason="no es el padre")
        night()
        old = pid["G4-03"]
        new = max(p["proposal_id"] for p in store.proposals() if p["pm"] == "G4-03")
        store.act(old, "review", actor="ana", reason="visto el rechazo", clear_flag=True)
        store.act(new, "review", actor="ana", reason="revisado")
        store.act(new, "reject", actor="berta", reason="la dentadura no es la del hijo")
        night()
        now = next(p for p in store.proposals() if p["proposal_id"] == old)
        assert store.verify().ok
    assert now["needs_review"]
    assert "kept out of the decision by the rejection of a proposal of G4-03 -> F05_MP3" \
        in now["stale_reason"]
