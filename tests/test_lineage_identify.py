"""identify() with lineage markers, on a small simulated programme of distant references."""

from __future__ import annotations

from test_lineage_simulate import _mt_pool, _population

from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.lineage.simulate import add_lineage


def test_lineage_markers_place_bodies_in_their_families_and_nothing_false(markers):
    """Distant references (half siblings, a nephew, an aunt and a cousin): lineage markers
    put more bodies in their family with certainty, but cannot tell the missing man from the
    unregistered brother the decision draws as an alternative (they share both lines), so
    they become family-level proposals, not individual identifications."""
    prog = simulate_programme(40, 40, markers=markers, seed=21,
                              shapes=["half_siblings", "nephew", "cousin_aunt"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    add_lineage(prog, population=_population(), mitotypes=_mt_pool(60, 2), seed=22,
                database_size=300)
    ds = prog.dataset
    family_of = dict(zip(prog.truth["pm"].to_list(), prog.truth["family"].to_list()))
    plain = identify(ds.am, ds.pm, ds.markers)
    lin = identify(ds.am, ds.pm, ds.markers, lineage=ds.lineage)
    assert lin.parameters["lineage"]["y_database"] == "simulated"
    assert "lineage_log10_lr" in lin.identifications.columns
    # measured: 0 family-level proposals without lineage markers, 6 with them; 0 individual
    assert plain.family_level.height == 0 and lin.family_level.height == 6
    for res in (plain, lin):
        for r in res.family_level.iter_rows(named=True):
            assert family_of[r["pm"]] == r["family"]
            assert r["relatives_posterior"] > 0.05   # the brother is never ruled out
        for r in res.identifications.iter_rows(named=True):
            assert family_of[r["pm"]] == r["family"]


def test_solve_command_uses_lineage_on_request(tmp_path):
    import copy
    import json

    from click.testing import CliRunner
    from test_lineage_lr import DATASET

    from forensic_match.cli import main

    path = tmp_path / "ds.json"
    path.write_text(json.dumps(DATASET), encoding="utf-8")
    out = CliRunner().invoke(main, ["solve", str(path), "--lineage"])
    assert out.exit_code == 0, out.output
    notes = json.loads(out.output)["notes"]
    assert any(n.startswith("lineage: Y-STR and mtDNA LRs added") for n in notes)
    bare = copy.deepcopy(DATASET)
    del bare["lineage"]
    path.write_text(json.dumps(bare), encoding="utf-8")
    out = CliRunner().invoke(main, ["solve", str(path), "--lineage"])
    assert out.exit_code == 1 and "has no 'lineage' data" in out.output
