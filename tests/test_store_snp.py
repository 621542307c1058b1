"""Dense SNP data in the case store: nightly runs with ``snp``, the versioned SNP calls, what
proposals and candidates keep, re-review on changed calls or SNP configuration, the command
line, the migration and the PostgreSQL variant (``docs/store.md``, "Linked SNPs")."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from snp_tables import snp_lines
from store_helpers import store_target, wipe  # noqa: F401  (store_target: a fixture)

from forensic_match.cases import case_from_dict
from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.errors import InputError
from forensic_match.linked import load_force_panel
from forensic_match.linked.scores import SnpData, SnpScores
from forensic_match.linked.simulate import simulate_programme_snps
from forensic_match.store import CaseStore, run_store, schema
from forensic_match.store.database import StoreError
from forensic_match.store.snp import decode_calls, encode_calls, panel_layout

CHROMS = ("17", "18", "19", "20", "21", "22")
#: The decision of these tests: a closed list and no undrawn relatives of the references, so
#: that cousins' SNPs identify (as tests/test_cli_solve_snp.py).
DECIDE = {"min_markers": 8, "closed": True, "reference_kin": 0.0}
SNP_OPTIONS = {"fst": 0.01}


@pytest.fixture(scope="module")
def programme(markers) -> dict:
    """16 families whose one reference is a first cousin of the missing person, 16 bodies,
    SNP calls of the cousins and the bodies on chromosomes 17-22 of the FORCE panel (10% of
    the bodies' calls missing)."""
    panel = load_force_panel()
    panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c in CHROMS])
    prog = simulate_programme(16, 16, markers=markers, seed=5, shapes=["cousin"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    snp = simulate_programme_snps(prog, panel, np.random.default_rng(6), pm_missing=0.1)
    return {"data": prog.dataset.to_dict(), "snp": snp, "panel": panel}


def _part(snp: SnpData, pm: list[str] | None = None, families: list[str] | None = None
          ) -> SnpData:
    """``snp`` with only these PM samples' and families' calls (all when ``None``)."""
    return SnpData(snp.panel, {k: v for k, v in snp.pm.items() if pm is None or k in pm},
                   {k: v for k, v in snp.references.items()
                    if families is None or k in families}, snp.map_source)


def _direct(data: dict, snp: SnpData, **options) -> dict[tuple[str, str, str], dict]:
    ds = case_from_dict(data)
    res = identify(ds.am, ds.pm, ds.markers, theta=ds.theta, snp=snp,
                   snp_options=options.pop("snp_options", SNP_OPTIONS), **(DECIDE | options))
    return {(r["pm"], r["family"], r["missing"]): r
            for r in res.identifications.iter_rows(named=True)}


def _proposals(store: CaseStore, run_id: str) -> dict[tuple[str, str, str], dict]:
    p, s = schema.proposals, schema.proposal_snp
    with store.reading() as conn:
        rows = conn.execute(sa.select(p, s.c.log10_lr.label("snp_log10_lr"), s.c.method,
                                      s.c.n_references, s.c.best_reference, s.c.relationship)
                            .join(s, s.c.proposal_id == p.c.proposal_id, isouter=True)
                            .where(p.c.run_id == run_id)).mappings().all()
    return {(r["pm"], r["family_id"], r["missing"]): dict(r) for r in rows}


def _identifications(summary_run: str, store: CaseStore) -> int:
    with store.reading() as conn:
        counts = conn.execute(sa.select(schema.runs.c.counts)
                              .where(schema.runs.c.run_id == summary_run)).scalar_one()
    return json.loads(counts)["identifications"]


def _run(store: CaseStore, data: dict, snp: SnpData | None, **options):
    extra = {} if snp is None else {"snp": snp,
                                    "snp_options": options.pop("snp_options", SNP_OPTIONS)}
    return run_store(store, case_from_dict(data), **extra, **(DECIDE | options))


def _check_proposals(store: CaseStore, run_id: str, direct: dict) -> dict:
    got = _proposals(store, run_id)
    assert got, "the night proposes identifications"
    for key, row in got.items():
        want = direct[key]
        assert row["log10_lr"] == pytest.approx(want["log10_lr"], rel=1e-9, abs=1e-12)
        assert row["posterior"] == pytest.approx(want["posterior"], rel=1e-9, abs=1e-15)
        assert row["snp_log10_lr"] == pytest.approx(want["snp_log10_lr"], rel=1e-9, abs=1e-12)
        assert row["method"] == want["snp_method"]
    return got


@pytest.fixture(scope="module")
def nights(programme: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Night 1: every family and body with STR, the cousins' SNP calls and half the bodies'.
    Night 2: the other half of the bodies' SNP calls and nothing else. Night 3: nothing new
    (the stored calls only)."""
    data, snp = programme["data"], programme["snp"]
    ids = sorted(snp.pm)
    first, second = ids[::2], ids[1::2]
    path = tmp_path_factory.mktemp("snp_nights") / "cases.db"
    out: dict = {"path": path, "first": first, "second": second, "panel": snp.panel}
    with CaseStore(path) as store:
        out["runs"] = [_run(store, data, _part(snp, first)),
                       _run(store, data, _part(snp, second, families=[])),
                       _run(store, data, SnpData(snp.panel))]
    out["direct"] = [_direct(data, _part(snp, first)), _direct(data, snp)]
    return out


def test_two_nights_store_the_snp_lrs_that_identify_computes(nights: dict,
                                                              programme: dict) -> None:
    runs, direct = nights["runs"], nights["direct"]
    with CaseStore(nights["path"]) as store:
        one = _check_proposals(store, runs[0].run_id, direct[0])
        # night 2 decides as one run over all the SNP data would: its identifications are
        # identify's over everything, and it proposes exactly those not proposed before
        two = _proposals(store, runs[1].run_id)
        assert runs[1].counts["identifications"] == len(direct[1])
        for key in direct[1]:
            if key not in two:
                assert key in one and one[key]["log10_lr"] == pytest.approx(
                    direct[1][key]["log10_lr"], rel=1e-9)
        _check_proposals(store, runs[1].run_id, direct[1])
        # the SNPs of the second half of the bodies identify more of them
        assert len(direct[1]) >= 6 and len(one) < len(direct[1]) == len(set(one) | set(two))
        assert all(r["method"] == "pair (exact)" for r in [*one.values(), *two.values()]
                   if r["snp_log10_lr"] != 0)
        # the proposals rest on the SNP calls they used
        with store.reading() as conn:
            b = schema.proposal_basis
            basis = conn.execute(sa.select(b.c.ref_id, b.c.version).where(
                b.c.kind == "snp")).all()
        assert basis and all(v == 1 for _, v in basis)
        fragments = {k[0] for k in [*one, *two]}
        assert {ref for ref, _ in basis} >= fragments
        # the SNP part names the cousin
        for (_pm, fid, _mp), row in [*one.items(), *two.items()]:
            if row["snp_log10_lr"] != 0:
                assert row["n_references"] == 1 and row["relationship"] == "first cousins"
                assert row["best_reference"] in programme["snp"].references[fid]
        assert store.verify().ok


def _with_snp(store: CaseStore, run_id: str) -> list[tuple[Any, ...]]:
    """A run's candidates with their SNP parts, as the run ranked them."""
    found = store.run_candidates(run_id)
    snp = {(r["pm"], r["rank"]): r for r in found["snp"]}
    return [(r["pm"], r["rank"], r["family_id"], r["missing"], r["log10_lr"],
             snp[(r["pm"], r["rank"])]["log10_lr"], snp[(r["pm"], r["rank"])]["method"],
             snp[(r["pm"], r["rank"])]["n_references"]) for r in found["candidates"]]


def test_an_unchanged_snp_night_changes_nothing(nights: dict) -> None:
    two, three = nights["runs"][1], nights["runs"][2]
    assert three.counts["new_proposals"] == 0 and three.counts["flagged"] == 0
    assert not any(three.counts.get(f"candidates_{k}") for k in
                   ("new", "stronger", "weaker", "withdrawn"))
    assert three.counts["identifications"] == two.counts["identifications"]
    assert three.counts["new_versions"] == 0
    with CaseStore(nights["path"]) as store, store.reading() as conn:
        assert _with_snp(store, two.run_id) == _with_snp(store, three.run_id)
        # the unchanged night wrote no candidate row: its lists are night 2's, kept
        c = schema.candidates
        assert conn.execute(sa.select(sa.func.count()).select_from(c).where(
            c.c.run_id == three.run_id)).scalar_one() == 0
        runs = {r.run_id: r for r in conn.execute(sa.select(schema.runs)).all()}
    inputs = [json.loads(runs[r.run_id].inputs)["snp_calls"] for r in nights["runs"]]
    assert [i["new_versions"] for i in inputs] == [16 + len(nights["first"]),
                                                   len(nights["second"]), 0]
    assert inputs[1]["versions_sha256"] == inputs[2]["versions_sha256"] != \
        inputs[0]["versions_sha256"]
    config = json.loads(runs[three.run_id].config)["snp"]
    assert config["options"]["fst"] == 0.01 and config["options"]["pm_error"] == 0.01
    assert config["panel"]["snps"] == len(nights["panel"])
    assert config["layout_sha256"] == panel_layout(nights["panel"])[1]


def test_candidates_carry_their_snp_part(nights: dict, programme: dict,
                                         tmp_path: Path) -> None:
    """Each candidate's SNP row is the SnpScores result of its pair, computed here on its
    own, and the candidate's log10 LR is STR + SNP."""
    data, snp = programme["data"], programme["snp"]
    ds = case_from_dict(data)
    fams = {f.id: f for f in ds.am}
    samples = {s.id: s for s in ds.pm}
    run = nights["runs"][2].run_id
    with CaseStore(nights["path"]) as store:
        rows = [SimpleNamespace(pm=r[0], family_id=r[2], missing=r[3], log10_lr=r[4],
                                snp=r[5], method=r[6], n_references=r[7])
                for r in _with_snp(store, run)]
    assert len(rows) == 80 and sum(r.snp != 0 for r in rows) > 40
    with CaseStore(tmp_path / "str.db") as store:
        str_run = _run(store, data, None, cache=False)
        with store.reading() as conn:
            c = schema.candidates
            str_only = {(r.pm, r.family_id, r.missing): r.log10_lr for r in conn.execute(
                sa.select(c).where(c.c.run_id == str_run.run_id))}
    both = [r for r in rows if (r.pm, r.family_id, r.missing) in str_only]
    assert len(both) > 20
    for r in both:
        assert r.log10_lr - r.snp == pytest.approx(str_only[(r.pm, r.family_id, r.missing)],
                                                   rel=1e-9, abs=1e-9)
    for r in rows[:12]:
        want = SnpScores([(r.family_id, r.missing)], [fams[r.family_id]],
                         [samples[r.pm]], snp, warn=False, **SNP_OPTIONS).result(0, 0)
        assert r.snp == pytest.approx(want.log10_lr, rel=1e-9, abs=1e-12)
        assert (r.method, r.n_references) == (want.method, want.n_references)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.integers(-1, 2), max_size=60), st.data())
def test_calls_round_trip_and_are_read_by_name(codes: list[int], data) -> None:
    """Stored calls read on another panel (a subset in another order, some alleles swapped,
    SNPs the stored layout lacks, one with other alleles) equal a lookup by SNP name."""
    from forensic_match.store.snp import _on_panel, _recode

    arr = np.array(codes, dtype=np.int8)
    assert np.array_equal(decode_calls(encode_calls(arr)), arr)
    stored = [[f"rs{k}", "A", "G"] for k in range(len(codes))]
    by_name = {m[0]: c for m, c in zip(stored, codes)}
    names = data.draw(st.lists(st.sampled_from([f"rs{k}" for k in range(80)]), unique=True))
    wanted, expect = [], []
    for name in names:
        how = data.draw(st.sampled_from(["same", "swapped", "other"]))
        wanted.append([name, *{"same": ("A", "G"), "swapped": ("G", "A"),
                               "other": ("C", "T")}[how]])
        c = by_name.get(name, -1)
        expect.append(-1 if how == "other" or c < 0 else 2 - c if how == "swapped" else c)
    got = _on_panel(arr, _recode(stored, wanted))
    assert got.dtype == np.int8 and got.tolist() == expect


def _retyped(snp: SnpData, family: str, flips: int = 400) -> SnpData:
    """``snp`` with ``flips`` calls of the family's reference changed (homozygote <-> other
    homozygote), as a lab's re-typing that found errors would."""
    (ind, codes), = snp.references[family].items()
    new = codes.copy()
    where = np.flatnonzero(new != 1)[:flips]
    new[where] = np.where(new[where] == 0, 2, np.where(new[where] == 2, 0, -1))
    return SnpData(snp.panel, {}, {family: {ind: new}}, snp.map_source)


def test_a_retyped_reference_flags_its_proposals(nights: dict, programme: dict,
                                                 tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(nights["path"], path)
    data, snp = programme["data"], programme["snp"]
    with CaseStore(path) as store:
        props = _proposals(store, nights["runs"][0].run_id)
        (pm, fid, mp) = sorted(k for k, r in props.items() if r["snp_log10_lr"] > 0)[0]
        (ind,) = snp.references[fid]
        summary = _run(store, data, _retyped(snp, fid))
        assert summary.counts["flagged"] == 1
        with store.reading() as conn:
            p = schema.proposals
            row = conn.execute(sa.select(p).where(p.c.pm == pm, p.c.family_id == fid,
                                                  p.c.run_id == nights["runs"][0].run_id)
                               ).mappings().one()
            versions = conn.execute(sa.select(schema.snp_calls.c.version).where(
                schema.snp_calls.c.sample_id == f"{fid}/{ind}")).scalars().all()
        assert row["needs_review"]
        assert row["stale_reason"] == (f"SNP calls of '{fid}/{ind}' changed (version 1 -> 2) "
                                       f"after this proposal")
        assert sorted(versions) == [1, 2]
        # the night's LRs are identify's on the new calls
        retyped = SnpData(snp.panel, snp.pm, {**snp.references,
                                               fid: _retyped(snp, fid).references[fid]})
        direct = _direct(data, retyped)
        again = _proposals(store, summary.run_id)
        assert set(again) <= {(pm, fid, mp)}
        if again:
            _check_proposals(store, summary.run_id, direct)
        # reviewed again, the old proposal still cannot be approved on the old calls
        store.add_user("ana", ["reviewer"], actor="admin")
        store.add_user("berta", ["approver"], actor="admin")
        if row["state"] != "pending":
            store.act(row["proposal_id"], "reopen", actor="berta", reason="retyped")
        store.act(row["proposal_id"], "review", actor="ana", reason="checked")
        with pytest.raises(StoreError, match=f"rests on version 1 of the SNP calls of sample "
                                             f"'{fid}/{ind}', and version 2 is stored"):
            store.act(row["proposal_id"], "approve", actor="berta", reason="fine")
        assert store.verify().ok


def test_a_changed_snp_configuration_flags_for_rereview(nights: dict, programme: dict,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(nights["path"], path)
    data, snp = programme["data"], programme["snp"]
    with CaseStore(path) as store:
        with store.reading() as conn:
            before = conn.execute(sa.select(sa.func.count()).select_from(schema.proposals)
                                  .where(schema.proposals.c.needs_review == sa.false())
                                  ).scalar_one()
        fst = _run(store, data, SnpData(snp.panel), snp_options={"fst": 0.02})
        assert fst.counts["flagged_configuration"] == before > 0
        with store.reading() as conn:
            reasons = set(conn.execute(sa.select(schema.proposals.c.stale_reason).where(
                schema.proposals.c.needs_review == sa.true())).scalars())
        assert all(r.endswith("SNP option fst changed (0.01 -> 0.02)") for r in reasons)
        # the same pairs proposed again at fst 0.02, with identify's LRs
        _check_proposals(store, fst.run_id, _direct(data, snp, snp_options={"fst": 0.02}))
        # a panel of fewer chromosomes reads the stored calls by SNP name
        panel = snp.panel.subset([m.name for m, c in zip(snp.panel.markers, snp.panel.chrom)
                                  if c in ("20", "21", "22")])
        sub = _run(store, data, SnpData(panel), snp_options={"fst": 0.02})
        assert sub.counts["flagged_configuration"] > 0
        with store.reading() as conn:
            reason = conn.execute(sa.select(schema.proposals.c.stale_reason).where(
                schema.proposals.c.run_id == fst.run_id)).scalars().first()
        assert "SNP panel (markers, frequencies or positions) changed" in reason
        keep = [panel_layout(snp.panel)[0].index([m.name, *map(str, m.alleles)])
                for m in panel.markers]
        cut = SnpData(panel, {k: v[keep] for k, v in snp.pm.items()},
                      {f: {i: v[keep] for i, v in m.items()}
                       for f, m in snp.references.items()})
        _check_proposals(store, sub.run_id, _direct(data, cut, snp_options={"fst": 0.02}))
        # switching SNPs off flags the SNP proposals
        off = _run(store, data, None)
        assert off.counts["flagged_configuration"] > 0
        with store.reading() as conn:
            reason = conn.execute(sa.select(schema.proposals.c.stale_reason).where(
                schema.proposals.c.run_id == sub.run_id)).scalars().first()
        assert reason.endswith("linked SNPs no longer weighed")
        assert store.verify().ok


def test_bad_snp_input_stores_nothing(nights: dict, programme: dict, tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(nights["path"], path)
    data, snp = programme["data"], programme["snp"]
    some = next(iter(snp.pm.values()))
    (fid, members), = list(snp.references.items())[:1]
    fam = next(f for f in data["am"] if f["family"] == fid)
    bad = [(SnpData(snp.panel, {"PM9999": some}), "SNP calls of PM sample 'PM9999': no such "
                                                  "PM sample"),
           (SnpData(snp.panel, {}, {"F9999": {"X": some}}), "no such family"),
           (SnpData(snp.panel, {}, {fid: {"nobody": some}}), "not an individual"),
           (SnpData(snp.panel, {}, {fid: {fam["missing"][0]: some}}), "a missing person")]
    with CaseStore(path) as store:
        head = store.verify().head
        for data_, message in bad:
            with pytest.raises(InputError, match=message):
                _run(store, data, data_)
            assert store.verify().head == head
        with pytest.raises(InputError, match="snp_options need SNP data"):
            _run(store, data, None, snp_options={"fst": 0.1})
        with pytest.raises(InputError, match="unknown options"):
            _run(store, data, SnpData(snp.panel), snp_options={"theta": 0.1})
        assert store.verify().head == head


def test_verify_finds_snp_rows_changed_behind_the_log(nights: dict, tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(nights["path"], path)
    with CaseStore(path) as store:
        with store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE proposal_snp SET log10_lr = log10_lr + 1 "
                                 "WHERE proposal_id = (SELECT min(proposal_id) FROM "
                                 "proposal_snp)"))
            conn.execute(sa.text("UPDATE snp_calls SET calls = replace(calls, '2', '0') "
                                 "WHERE sample_id = (SELECT min(sample_id) FROM snp_calls)"))
            conn.execute(sa.text("DELETE FROM candidate_snp WHERE rank = 5"))
        report = store.verify()
    text = "\n".join(report.problems)
    assert not report.ok
    assert "proposal_snp row" in text and "snp_calls row" in text
    assert "candidates" in text


def test_the_snp_tables_migrate_down_and_up_with_the_data(nights: dict,
                                                          tmp_path: Path) -> None:
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
        proposals = conn.execute(sa.select(sa.func.count()).select_from(schema.proposals)
                                 ).scalar_one()
    downgrade_store(engine, "0003")   # rebuilds tables on SQLite: foreign keys off
    assert current_revision(engine) == "0003"
    with engine.connect() as conn:
        assert not {"snp_calls", "snp_layouts", "proposal_snp", "candidate_snp"} & \
            set(sa.inspect(conn).get_table_names())
    engine.dispose()
    with CaseStore(path) as store:   # opening upgrades
        assert current_revision(store.engine) == head_revision()
        with store.reading() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(schema.proposals)
                                ).scalar_one() == proposals
            assert conn.execute(sa.select(sa.func.count()).select_from(schema.snp_calls)
                                ).scalar_one() == 0


def test_run_command_takes_solves_snp_options(programme: dict, tmp_path: Path) -> None:
    """``run --store`` with the SNP tables as ``solve`` reads them: the same proposals and
    SNP LRs as ``run_store`` on the same data; the inputs' sha256 recorded; model options
    without SNP data refused."""
    from click.testing import CliRunner

    from forensic_match.cli import main
    from forensic_match.store.runs import _sha256_file

    data, snp = programme["data"], programme["snp"]
    panel = snp.panel
    dataset = tmp_path / "night.json"
    dataset.write_text(json.dumps(data))
    refs = ["family,sample,marker,allele1,allele2"]
    for fid, members in snp.references.items():
        for ident, codes in members.items():
            refs += snp_lines(codes, panel, ident, fid)
    pms = ["sample,marker,allele1,allele2"]
    for sample, codes in snp.pm.items():
        pms += snp_lines(codes, panel, sample)
    (tmp_path / "refs.csv").write_text("\n".join(refs) + "\n")
    (tmp_path / "pm.csv").write_text("\n".join(pms) + "\n")
    config = tmp_path / "lab.toml"
    config.write_text("[identify]\nclosed = true\n")
    db = tmp_path / "cli.db"
    base = ["run", str(dataset), "--store", str(db), "--no-tables", "-q", "--config",
            str(config)]
    refused = CliRunner().invoke(main, [*base, "--snp-fst", "0.01"])
    assert refused.exit_code == 1
    assert "--snp-fst: need --snp-references, --snp-pm or --snp" in refused.output
    res = CliRunner().invoke(main, [*base, "--snp-references", str(tmp_path / "refs.csv"),
                                    "--snp-pm", str(tmp_path / "pm.csv"), "--snp-chromosomes",
                                    ",".join(CHROMS), "--snp-fst", "0.01"])
    assert res.exit_code == 0, res.output
    with CaseStore(db) as store, store.reading() as conn:
        (run,) = conn.execute(sa.select(schema.runs)).mappings().all()
        got = _proposals(store, run["run_id"])
    inputs = json.loads(run["inputs"])["snp"]
    assert inputs["pm"]["sha256"] == _sha256_file(tmp_path / "pm.csv")
    assert inputs["references"]["sha256"] == _sha256_file(tmp_path / "refs.csv")
    with CaseStore(tmp_path / "api.db") as store:
        api = run_store(store, case_from_dict(data), snp=snp, snp_options=SNP_OPTIONS,
                        cache=False, min_markers=8, closed=True)
        want = _proposals(store, api.run_id)
    assert got.keys() == want.keys() and len(got) > 0
    for key, row in got.items():
        for col in ("log10_lr", "posterior", "snp_log10_lr"):
            assert row[col] == pytest.approx(want[key][col], rel=1e-9, abs=1e-15)
    again = CliRunner().invoke(main, [*base, "--snp", "--snp-chromosomes", ",".join(CHROMS),
                                      "--snp-fst", "0.01"])
    assert again.exit_code == 0, again.output
    with CaseStore(db) as store, store.reading() as conn:
        counts = [json.loads(c) for c in conn.execute(
            sa.select(schema.runs.c.counts).order_by(schema.runs.c.started_at)).scalars()]
    assert counts[1]["new_proposals"] == 0 and counts[1]["flagged"] == 0


def test_a_snp_run_on_every_backend(programme: dict,
                                    store_target: str) -> None:  # noqa: F811 - fixture
    """The SNP tables written and verified on SQLite and, with ``FM_STORE_URL``, on
    PostgreSQL (``make test-postgres``)."""
    data = copy.deepcopy(programme["data"])
    with CaseStore(store_target) as store:
        run = run_store(store, case_from_dict(data), snp=programme["snp"],
                        snp_options=SNP_OPTIONS, cache=False, **DECIDE)
        assert store.verify().ok
        _check_proposals(store, run.run_id, _direct(data, programme["snp"]))
        with store.reading() as conn:
            n = [conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                 for t in (schema.snp_calls, schema.candidate_snp)]
    assert n == [16 + len(programme["snp"].pm), 80]
    if "://" in store_target:
        wipe(store_target)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_report_of_an_snp_identification_states_it(nights: dict, programme: dict,
                                                        language: str) -> None:
    """The report shows the SNP part (LR, method, references, the best one) and checks its
    STR markers' table against the STR part only (no false "differs" warning)."""
    from forensic_match.reports import render_report
    from forensic_match.reports.render import report_context

    markers = case_from_dict(programme["data"]).markers
    with CaseStore(nights["path"]) as store:
        props = _proposals(store, nights["runs"][0].run_id)
        (pm, fid, _mp), row = next((k, r) for k, r in props.items()
                                   if r["snp_log10_lr"] > 0)
        html = render_report(store, row["proposal_id"], language=language, markers=markers)
        ctx = report_context(store, row["proposal_id"], language=language, markers=markers)
    assert not ctx["differs"]
    assert ctx["recomputed"].log10_total == pytest.approx(
        row["log10_lr"] - row["snp_log10_lr"], abs=1e-6)
    heading = {"en": "Linked SNPs (dense autosomal)",
               "es": "SNP ligados (autosómicos densos)"}[language]
    assert heading in html and 'id="snp-combined"' in html
    assert row["best_reference"] in html and "first cousins" in html
    assert "pair (exact)" in html
