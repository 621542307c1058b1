"""The identification commands: ``solve`` (against the reference datasets), ``search`` (on
the example record tables; bad input leaves no output behind and never harms a previous
result) and ``demo``."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner, Result

from forensic_match.cli import _CLOSED_TABLES_NOTE, main

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "datasets" / "examples" / "records"
OUTPUTS = ["bodies.csv", "candidates_by_missing.csv", "candidates_by_sample.csv", "config.toml",
           "family_checks.csv", "family_level.csv", "held_back.csv", "identifications.csv",
           "living_matches.csv", "near_misses.csv", "not_searched.csv", "pairs.csv",
           "parameters.json", "run.json", "warnings.csv"]
RTOL = 1e-8


def invoke(*args: str, catch: bool = False) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=catch)


def _close(got: float | None, want: float) -> bool:
    return got == want or (got is not None and math.isclose(got, want, rel_tol=RTOL))


# --- solve ---------------------------------------------------------------------------------------


def _datasets(reference_dir: Path) -> list[Path]:
    paths = [p for p in sorted((reference_dir / "dvi").glob("*.json"))
             if not p.stem.startswith("scaling_")]
    assert len(paths) >= 10
    return paths


def test_solve_agrees_with_reference(reference_dir: Path) -> None:
    failures = []
    for path in _datasets(reference_dir):
        # The reference datasets are closed disasters, as dvir models them.
        result = invoke("solve", str(path), "--closed")
        assert result.exit_code == 0, (path.name, result.stderr)
        out = json.loads(result.stdout)
        expected = json.loads(path.read_text())
        ref = expected["expected"]
        name = path.stem
        assert set(out) == {"id", "pairwise", "undisputed", "joint", "am_table", "pm_table",
                            "identifications", "family_level", "held_back", "family_checks",
                            "living_matches", "priors", "notes", "warnings"}, name
        # the reference datasets' references agree with their pedigrees, no body is a living
        # relative's DNA, and nothing is held back
        assert {r["verdict"] for r in out["family_checks"]} <= {"consistent"}, name
        assert out["living_matches"] == [] and out["held_back"] == [], name
        want = ref["dvisolve"]
        for table in ("am_table", "pm_table"):
            assert len(out[table]) == len(want[table]), (name, table)
            for g, w in zip(out[table], want[table]):
                assert all(g[k] == w[k] or _close(g[k], w[k]) for k in w), (name, g, w)
                assert g["forensic_match"].startswith(("same: ", "differs: ")), (name, g)
        assert out["priors"]["relatives"] == 0 and out["notes"] == [_CLOSED_TABLES_NOTE]
        # dvir's closed reference disasters: no proposal an unregistered relative fits better
        assert not any("may not be closed" in w for w in out["warnings"]), name
        assert out["id"] == expected["id"]

        got_pairs = [(r["pm"], r["missing"]) for r in out["pairwise"]]
        if got_pairs != [(r["pm"], r["missing"]) for r in ref["pairwise"]]:
            failures.append(f"{name}: pairwise pairs differ")
        for g, w in zip(out["pairwise"], ref["pairwise"]):
            if not _close(g["lr"], w["lr"]):
                failures.append(f"{name} {w['pm']}~{w['missing']}: {g['lr']} != {w['lr']}")
            assert (g["lr"] == 0) <= (g["inconsistent_markers"] > 0), (name, g)

        und = [(r["pm"], r["missing"]) for r in out["undisputed"]]
        if und != [(r["pm"], r["missing"]) for r in ref["undisputed"]]:
            failures.append(f"{name}: undisputed {und} != {ref['undisputed']}")
        for g, w in zip(out["undisputed"], ref["undisputed"]):
            if not _close(g["lr"], w["lr"]):
                failures.append(f"{name} undisputed {w['pm']}: {g['lr']} != {w['lr']}")

        if ref.get("joint"):
            want = next(r for r in ref["joint"] if r["rank"] == 1)
            if out["joint"][0]["assignment"] != want["assignment"]:
                failures.append(f"{name}: joint {out['joint'][0]['assignment']} != "
                                f"{want['assignment']}")
            if not math.isclose(out["joint"][0]["loglik"], want["loglik"], rel_tol=1e-6):
                failures.append(f"{name}: loglik {out['joint'][0]['loglik']}")
            assert 1 <= len(out["joint"]) <= 20

        pms = {s["id"] for s in expected["pm"]}
        for r in out["identifications"]:
            assert r["pm"] in pms and r["posterior"] is not None, (name, r)
            assert r["rule"] in ("posterior", "posterior after conditioning"), (name, r)
            assert r["posterior"] >= 0.9995, (name, r)
            assert r["reason"].startswith("LR "), (name, r)
        # On these files every undisputed pair of the peer's rule reaches the joint posterior
        # 0.9995 under the closed prior, and every proposal is in the peer's best assignment.
        proposed = {(r["pm"], r["missing"]) for r in out["identifications"]}
        assert set(und) <= proposed, name
        if ref.get("joint"):
            best = next(r for r in ref["joint"] if r["rank"] == 1)["assignment"]
            assert all(best.get(pm) == mp for pm, mp in proposed), name
    assert not failures, "\n".join(failures[:20])


def test_solve_answers_for_a_programme(tmp_path: Path) -> None:
    """A programme above --max-pairs still gets everything but the pairwise list (with a
    note): undisputed, joint per component, dviSolve tables, identifications and
    family-level proposals under the programme's priors (relatives as alternatives)."""
    from forensic_match.dvi.simulate import simulate_programme
    from forensic_match.frequencies import load_frequencies
    from forensic_match.mutation import Mutation, MutationModel

    db = load_frequencies("fbi2015_sw_hispanic")
    markers = db.markers_for(db.markers, mutation=Mutation(
        female=MutationModel("equal", rate=0.0005), male=MutationModel("equal", rate=0.002)))
    prog = simulate_programme(60, 45, markers=markers, seed=3)
    path = tmp_path / "programme.json"
    prog.save(path)
    result = invoke("solve", str(path), "--max-pairs", "100", "--max-assignments", "5000")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["pairwise"] == [] and out["joint"]
    assert "not listed" in out["notes"][0] and "--max-pairs 100" in out["notes"][0]
    n_missing = sum(len(f["missing"]) for f in json.loads(path.read_text())["am"])
    assert len(out["am_table"]) == n_missing and len(out["pm_table"]) == 45
    for r in out["pm_table"]:
        if r["Conclusion"] in ("Undisputed", "Match (GLR)"):
            assert prog.pm_to_missing[r["Sample"]] == r["Missing"], r
    assert out["priors"]["relatives"] == 1.0 and out["priors"]["source"] == "programme"
    truth = prog.pm_to_missing
    assert out["identifications"] or out["family_level"]
    for r in out["identifications"]:
        assert all(truth[f] == r["missing"] for f in r["fragments"].split(","))
        assert r["posterior"] >= 0.9995
    for r in out["family_level"]:
        assert all((truth[f] or "").startswith(r["family"] + "_")
                   for f in r["fragments"].split(","))


def test_solve_tables_flag(reference_dir: Path) -> None:
    result = invoke("solve", str(reference_dir / "dvi" / "planecrash.json"), "--tables")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith("dviSolve (dvir 3.4 rules) on planecrash: AM table")
    assert "PM table" in text and "Undisputed" in text and "forensic_match" in text
    lines = text.splitlines()
    assert any(line.startswith("V7 ") and "Excluded" in line and "No compatible pairings"
               in line for line in lines)


def test_solve_max_solutions(reference_dir: Path) -> None:
    path = reference_dir / "dvi" / "example1.json"
    out = json.loads(invoke("solve", str(path), "--max-solutions", "3").stdout)
    assert len(out["joint"]) == 3
    assert [r["loglik"] for r in out["joint"]] == sorted((r["loglik"] for r in out["joint"]),
                                                          reverse=True)


def test_solve_goes_on_when_the_undisputed_pairs_are_impossible_together() -> None:
    """dvir's undisputed rule fixes each pair on its own LR: in this grave (an outside
    check's world, 2026-12-07) it fixed an unregistered mother's body as her own missing
    child (parent and child have the same LR), and the three pairs it fixed are impossible
    together. The whole command stopped there; the joint tables are now left out with a
    note, and the rest (the identifications) is given."""
    out = CliRunner().invoke(main, ["solve", str(ROOT / "tests" / "data" /
                                                 "solve_impossible_undisputed.json")])
    assert out.exit_code == 0, out.output
    record = json.loads(out.stdout)
    assert record["joint"] == []
    (note,) = [n for n in record["notes"] if n.startswith("joint: not computed")]
    assert "'PM010092' as 'F0012-I00257'" in note and "at least one of them" in note
    assert "identifications" in record and "family_level" in record


def test_solve_refuses_a_kinship_case(tmp_path: Path) -> None:
    case = ROOT / "datasets" / "examples" / "demo_mp_parents.json"
    result = invoke("solve", str(case))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and "not an identification dataset" in \
        result.stderr and str(case) in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = invoke("solve", str(bad))
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert str(bad) in result.stderr


# --- search --------------------------------------------------------------------------------------


def search_args(out: Path, *, pm: Path | None = None, relatives: Path | None = None,
                frequencies: str | None = None) -> list[str]:
    args = ["search", "--pedigrees", str(RECORDS / "pedigrees.csv"),
            "--relatives", str(relatives or RECORDS / "relatives.csv"),
            "--pm", str(pm or RECORDS / "pm_genotypes.csv"),
            "--samples", str(RECORDS / "pm_samples.csv"), "--out", str(out)]
    if frequencies is not None:
        args += ["--frequencies", frequencies]
    return args


def run_good(out: Path) -> Result:
    # Warnings (an allele absent from the table...) are lines on stderr and rows of
    # warnings.csv, not Python warnings (tests/test_cli.py).
    result = invoke(*search_args(out))
    assert result.exit_code == 0, result.stderr
    return result


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".fm-"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_search_writes_the_tables(tmp_path: Path) -> None:
    out = tmp_path / "results" / "run1"  # parents are created
    result = run_good(out)
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    assert f"Tables written to {out}/" in result.stdout
    assert "proposed identifications" in result.stdout
    assert leftovers(out.parent) == []
    ids = pl.read_csv(out / "identifications.csv")
    assert ids.columns == ["pm", "family", "missing", "lr", "log10_lr", "posterior", "rule",
                           "round", "n_markers", "n_inconsistent", "second_lr",
                           "alternative", "alternative_lr", "fragments", "conditioned_on",
                           "theta", "reason"]
    for name in ("candidates_by_sample.csv", "candidates_by_missing.csv", "pairs.csv"):
        table = pl.read_csv(out / name)
        assert {"pm", "family", "missing", "log10_lr", "lr", "n_markers"} <= set(table.columns)
    params = json.loads((out / "parameters.json").read_text())
    assert params["threshold"] == 1e4 and params["margin"] == 1e4
    assert params["posterior_threshold"] == 0.9995 and params["theta"] == 0.0
    assert params["priors"]["source"] == "programme" and params["priors"]["relatives"] == 1.0


def test_search_replaces_a_previous_result(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_good(out)
    (out / "stale.txt").write_text("from an older run")
    run_good(out)
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    assert leftovers(tmp_path) == []


def _duplicate_row(tmp_path: Path) -> Path:
    lines = (RECORDS / "pm_genotypes.csv").read_text().splitlines(keepends=True)
    bad = tmp_path / "pm_dup.csv"
    bad.write_text("".join(lines[:4] + [lines[3]] + lines[4:]))  # PM-001 TH01 twice
    return bad


def _unknown_marker(tmp_path: Path) -> Path:
    text = (RECORDS / "relatives.csv").read_text()
    bad = tmp_path / "relatives_bad.csv"
    bad.write_text(text + "F1-FA,D99S999,10,11\n")
    return bad


@pytest.mark.parametrize("case", ["duplicate", "unknown_marker", "missing_file",
                                  "bad_frequencies"])
def test_search_bad_input_leaves_nothing(tmp_path: Path, case: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    out = work / "results"
    if case == "duplicate":
        bad = _duplicate_row(tmp_path)
        args, words = search_args(out, pm=bad), ["line 5", "second row"]
    elif case == "unknown_marker":
        bad = _unknown_marker(tmp_path)
        args, words = search_args(out, relatives=bad), ["D99S999", "marker not in"]
    elif case == "missing_file":
        bad = tmp_path / "nowhere.csv"
        args, words = search_args(out, pm=bad), ["no such file"]
    else:
        bad = tmp_path / "freqs.csv"
        bad.write_text("not,a\nfrequency,table\n")
        args, words = search_args(out, frequencies=str(bad)), []
    result = invoke(*args, "--quiet")
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("error: "), result.stderr
    assert f"file {str(bad)!r}" in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(work.iterdir()) == []  # no output folder, no temporary .fm-* folder


def test_failed_run_keeps_the_previous_result(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_good(out)
    before = snapshot(out)
    result = invoke(*search_args(out, pm=_duplicate_row(tmp_path)), "--quiet")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert snapshot(out) == before
    result = invoke(*search_args(out, relatives=_unknown_marker(tmp_path)), "--quiet")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_failure_while_writing_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    """A failure after the temporary folder exists (disk full) removes it and leaves the
    previous result as it was."""
    out = tmp_path / "out"
    run_good(out)
    before = snapshot(out)
    real = pl.DataFrame.write_csv

    def failing(self: pl.DataFrame, file: object = None, **kw: object) -> object:
        if str(file).endswith("pairs.csv"):
            raise OSError(28, "No space left on device")
        return real(self, file, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.DataFrame, "write_csv", failing)
    result = invoke(*search_args(out), catch=True)
    assert result.exit_code == 1
    assert "error: cannot write results to" in result.output
    assert "No space left on device" in result.output
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_search_on_a_copy_of_the_records(tmp_path: Path) -> None:
    """Relative paths and an --out next to the inputs."""
    data = tmp_path / "data"
    shutil.copytree(RECORDS, data)
    result = CliRunner().invoke(main, [
        "search", "--pedigrees", str(data / "pedigrees.csv"),
        "--relatives", str(data / "relatives.csv"), "--pm", str(data / "pm_genotypes.csv"),
        "--out", str(data / "out")], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (data / "out").iterdir()) == OUTPUTS
    assert leftovers(data) == []


# --- demo ----------------------------------------------------------------------------------------


def test_demo() -> None:
    result = invoke("demo")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "Total LR = " in text
    assert "proposed identifications" in text
    assert "Against the simulation's ground truth" in text
    summary = text[text.index("Against the simulation's ground truth"):]
    assert " 0 false" in summary
    # The kinship part comes first, then the programme.
    assert text.index("Total LR") < text.index("proposed identifications")
    n = int(text.split(" proposed identifications")[0].split()[-1])
    correct = int(summary.split(":")[1].split(" correct")[0])
    assert n == correct > 0


def test_search_keeps_compiled_tables_between_runs(tmp_path: Path) -> None:
    """--cache: the first run writes the compiled tables, the second reads them and gives the
    same candidates (a nightly run recompiles only families whose data changed)."""
    from forensic_match.dvi.table_parts import load_tables

    cache = tmp_path / "tables.npz"
    outputs, said = [], []
    for k in range(2):
        out = tmp_path / f"out{k}"
        result = invoke(*search_args(out), "--min-markers", "1", "--cache", str(cache))
        assert result.exit_code == 0, result.stderr
        outputs.append((out / "candidates_by_sample.csv").read_text())
        said.append(result.stderr)
    assert outputs[0] == outputs[1]
    # The second run says it takes the tables from the cache, not that it compiles them all.
    assert "compiling 4 missing" in said[0] and "tables from the cache" not in said[0]
    assert "tables from the cache" in said[1] and "compiling 4 missing" not in said[1]
    tables = load_tables(cache)
    assert len(tables.rows) == len(tables.keys) > 0


def test_solve_evidence_flag(tmp_path: Path) -> None:
    """A grave scenario with AM/PM fields: with ``--evidence`` the identifications carry the
    evidence (and a note says so); without it the DNA-only pipeline; dvir's tables and the
    pairwise LRs are DNA only either way; ``--place-prior`` needs ``--evidence``."""
    from forensic_match.cases import save_case
    from forensic_match.dvi.scenarios import simulate_grave_scenario
    from forensic_match.frequencies import load_frequencies

    db = load_frequencies("fbi2015_sw_hispanic")
    prog = simulate_grave_scenario(12, markers=db.markers_for(db.markers), seed=3,
                                   evidence=True)
    path = tmp_path / "grave.json"
    save_case(prog.dataset, path)
    # (--max-assignments: dviSolve's exhaustive joint tables, DNA only and tested elsewhere,
    # took most of a minute here)
    limit = ("--max-assignments", "2000")
    with_ev = invoke("solve", str(path), "--evidence", *limit)
    assert with_ev.exit_code == 0, with_ev.stderr
    out = json.loads(with_ev.stdout)
    assert any(n.startswith("evidence: antemortem fields of") for n in out["notes"])
    assert out["identifications"]
    for row in out["identifications"]:
        assert math.isclose(row["lr"], row["dna_lr"] * row["evidence_lr"], rel_tol=1e-9)
        assert row["evidence"]
    without = json.loads(invoke("solve", str(path), *limit).stdout)
    assert not any(n.startswith("evidence:") for n in without["notes"])
    assert all("evidence_lr" not in r for r in without["identifications"])
    # dvir's tables and the pairwise LRs stay DNA only (the forensic_match column follows
    # the pipeline, which the evidence changes).
    assert out["pairwise"] == without["pairwise"]
    for table in ("am_table", "pm_table"):
        assert [{k: v for k, v in r.items() if k != "forensic_match"} for r in out[table]] \
            == [{k: v for k, v in r.items() if k != "forensic_match"} for r in without[table]]
    refused = invoke("solve", str(path), "--place-prior")
    assert refused.exit_code == 1 and "--place-prior needs --evidence" in refused.stderr
    refused = invoke("solve", str(path), "--evidence-population", "register")
    assert refused.exit_code == 1 and "--evidence-population needs --evidence" in refused.stderr
    # The register as the H2 population: a note says so, the identifications' evidence LRs
    # are those of Population.from_register over the dataset's AM records.
    register = invoke("solve", str(path), "--evidence", "--evidence-population", "register",
                      *limit)
    assert register.exit_code == 0, register.stderr
    got = json.loads(register.stdout)
    assert any(n.startswith("evidence: H2 population from the register") for n in got["notes"])
    from forensic_match.evidence import Evidence

    ev = Evidence.from_dataset(prog.dataset, population="register")
    compared = 0
    for row in got["identifications"]:
        if row["pm"] in ev.findings and row["missing"] in ev.records:
            scores = ev.scores([(row["family"], row["missing"])], [ev.findings[row["pm"]]])
            assert math.isclose(math.log10(row["evidence_lr"]),
                                float(scores.block(np.array([0]))[0, 0]), abs_tol=1e-9)
            compared += 1
    assert compared > 0


def test_search_with_evidence_from_the_record_tables(tmp_path: Path) -> None:
    """--evidence weighs the AM columns of the pedigree table and the PM columns of the sample
    table: each pair's log10 LR is DNA + evidence, both kept; a stature without its standard
    error is refused naming the file, sample and field."""
    samples = RECORDS / "pm_samples.csv"   # statures with their standard error
    rows = samples.read_text().splitlines()
    at = rows[0].split(",").index("stature_sd")
    no_sd = tmp_path / "pm_samples.csv"
    no_sd.write_text("\n".join(",".join(c for k, c in enumerate(r.split(",")) if k != at)
                               for r in rows) + "\n")
    out = tmp_path / "out"
    args = ["search", "--pedigrees", str(RECORDS / "pedigrees.csv"),
            "--relatives", str(RECORDS / "relatives.csv"),
            "--pm", str(RECORDS / "pm_genotypes.csv"), "--samples", str(samples),
            "--out", str(out), "--min-markers", "4"]
    result = invoke(*args, "--evidence")
    assert result.exit_code == 0, result.stderr
    assert "evidence: antemortem fields of" in result.stderr
    cand = pl.read_csv(out / "candidates_by_sample.csv")
    assert {"dna_log10_lr", "evidence_log10_lr"} <= set(cand.columns)
    both = cand.filter(pl.col("dna_log10_lr").is_finite())
    assert both.height > 0
    assert (both["log10_lr"] - both["dna_log10_lr"] - both["evidence_log10_lr"]).abs().max() \
        < 1e-9
    assert (both["evidence_log10_lr"].abs() > 0).any()
    params = json.loads((out / "parameters.json").read_text())
    assert params["evidence"]["findings"] == 4
    # Without a standard error the stature estimate cannot be weighed: refused, nothing kept.
    bad = invoke(*[a if a != str(samples) else str(no_sd) for a in args]
                 [:-4] + ["--out", str(tmp_path / "bad"), "--min-markers", "4", "--evidence"])
    assert bad.exit_code == 1 and "stature_sd" in bad.stderr and "PM-001" in bad.stderr
    assert "pm_samples.csv" in bad.stderr and not (tmp_path / "bad").exists()
    lone = invoke(*args[:-4], "--out", str(tmp_path / "x"), "--place-prior")
    assert lone.exit_code == 1 and "--place-prior needs --evidence" in lone.stderr
    lone = invoke(*args[:-4], "--out", str(tmp_path / "x"), "--evidence-population", "register")
    assert lone.exit_code == 1 and "--evidence-population needs --evidence" in lone.stderr
    register = invoke(*args[:-4], "--out", str(tmp_path / "reg"), "--min-markers", "4",
                      "--evidence", "--evidence-population", "register")
    assert register.exit_code == 0, register.stderr
    assert "H2 population from the register" in register.stderr
    population = json.loads((tmp_path / "reg" / "parameters.json").read_text())["evidence"][
        "population"]
    assert "the register's" in population and "the register's" not in params["evidence"][
        "population"]


def test_search_place_prior_with_a_coordinates_table(tmp_path: Path) -> None:
    """The record tables name places (Accomarca, ...), not coordinates: --place-prior needs
    --place-coordinates, a table place,lat,lon; with it the pairs are weighed by the prior
    (the identifications' inputs record the table), without it the error names the person
    and the place, and the table alone is refused."""
    rows = (RECORDS / "pm_samples.csv").read_text().splitlines()
    sd = [rows[0] + ",district"] + [r + ",Accomarca" for r in rows[1:]]
    samples = tmp_path / "pm_samples.csv"
    samples.write_text("\n".join(sd) + "\n")
    coords = tmp_path / "districts.csv"
    coords.write_text("place,lat,lon\nAccomarca,-13.80,-74.10\nLucanamarca,-14.06,-74.25\n"
                      "Putis,-12.72,-74.25\n")
    args = ["search", "--pedigrees", str(RECORDS / "pedigrees.csv"),
            "--relatives", str(RECORDS / "relatives.csv"),
            "--pm", str(RECORDS / "pm_genotypes.csv"), "--samples", str(samples),
            "--min-markers", "4", "--evidence"]
    missing = invoke(*args, "--out", str(tmp_path / "a"), "--place-prior")
    assert missing.exit_code == 1
    assert "place 'Accomarca' has no coordinates" in missing.stderr
    assert "--place-coordinates" in missing.stderr
    lone = invoke(*args, "--out", str(tmp_path / "b"), "--place-coordinates", str(coords))
    assert lone.exit_code == 1 and "--place-coordinates needs --place-prior" in lone.stderr
    plain = invoke(*args, "--out", str(tmp_path / "c"))
    placed = invoke(*args, "--out", str(tmp_path / "d"), "--place-prior",
                    "--place-coordinates", str(coords))
    assert plain.exit_code == 0 and placed.exit_code == 0, placed.stderr
    run = json.loads((tmp_path / "d" / "run.json").read_text())
    assert run["inputs"]["place_coordinates"]["path"] == str(coords)
    # The prior moves the evidence of the pairs (every body was found in Accomarca: the
    # persons who disappeared there gain, the others lose), never the DNA part.
    key = ["pm", "family", "missing"]
    a = pl.read_csv(tmp_path / "c" / "pairs.csv").select(*key, "dna_log10_lr",
                                                          "evidence_log10_lr")
    b = pl.read_csv(tmp_path / "d" / "pairs.csv").select(*key, "dna_log10_lr",
                                                          "evidence_log10_lr")
    both = a.join(b, on=key, suffix="_placed")
    assert both.height > 0
    assert (both["dna_log10_lr"] - both["dna_log10_lr_placed"]).abs().max() < 1e-12
    assert (both["evidence_log10_lr"] - both["evidence_log10_lr_placed"]).abs().max() > 0.01


def _direct_reference_tables(folder: Path) -> dict[str, Path]:
    """Lab tables of one family (a mother typed, her missing son untyped) with the son's
    direct reference (a toothbrush) and his body, typed at 20 markers of the default
    frequency table."""
    from forensic_match.frequencies import load_frequencies

    rng = np.random.default_rng(5)
    db = load_frequencies("fbi2015_sw_hispanic")
    names = list(db.markers)[:20]
    folder.mkdir()

    def draw(name: str) -> str:
        alleles, freqs = db[name]
        return str(rng.choice(alleles, p=freqs / freqs.sum()))

    mother = {m: (draw(m), draw(m)) for m in names}
    son = {m: (mother[m][0], draw(m)) for m in names}
    paths = {k: folder / f"{k}.csv" for k in ("pedigrees", "relatives", "references", "pm")}
    paths["pedigrees"].write_text("family,id,father,mother,sex,missing\n"
                                  "FX,FX-FA,,,M,0\nFX,FX-MO,,,F,0\n"
                                  "FX,FX-MP,FX-FA,FX-MO,M,1\n", encoding="utf-8")
    for key, sample, profile in (("relatives", "FX-MO", mother),
                                 ("references", "FX-MP", son), ("pm", "PM-9", son)):
        rows = "".join(f"{sample},{m},{a},{b}\n" for m, (a, b) in profile.items())
        paths[key].write_text("sample,marker,allele1,allele2\n" + rows, encoding="utf-8")
    return paths


def test_search_takes_direct_references(tmp_path: Path) -> None:
    """--references: the missing son's profile from his toothbrush identifies his body by the
    same-source comparison (rule 'direct reference'), which his mother alone cannot reach;
    the file is an input of run.json. Without it the body stays below the threshold."""
    paths = _direct_reference_tables(tmp_path / "records")
    base = ["search", "--pedigrees", str(paths["pedigrees"]), "--relatives",
            str(paths["relatives"]), "--pm", str(paths["pm"])]
    out = tmp_path / "with"
    result = invoke(*base, "--references", str(paths["references"]), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    ids = pl.read_csv(out / "identifications.csv")
    assert ids.select("pm", "missing", "rule").rows() == [("PM-9", "FX-MP", "direct reference")]
    run = json.loads((out / "run.json").read_text())
    assert run["inputs"]["references"]["path"] == str(paths["references"])
    without = tmp_path / "without"
    result = invoke(*base, "--out", str(without))
    assert result.exit_code == 0, result.stderr
    assert "direct reference" not in (without / "identifications.csv").read_text()
    # A reference of a person who is not a missing person of the family is refused.
    paths["references"].write_text("sample,marker,allele1,allele2\nFX-XX,TH01,6,7\n",
                                   encoding="utf-8")
    result = invoke(*base, "--references", str(paths["references"]), "--out",
                    str(tmp_path / "bad"))
    assert result.exit_code == 1 and "FX-XX" in result.stderr
    assert not (tmp_path / "bad").exists()


def test_a_store_run_takes_direct_references(tmp_path: Path) -> None:
    """run --references stores the reference as a sample of kind 'reference' and proposes
    the body by it; a reference without --pedigrees is refused."""
    import sqlalchemy as sa

    paths = _direct_reference_tables(tmp_path / "records")
    db = tmp_path / "cases.db"
    result = invoke("run", "--store", str(db), "--pedigrees", str(paths["pedigrees"]),
                    "--relatives", str(paths["relatives"]), "--references",
                    str(paths["references"]), "--pm", str(paths["pm"]), "--no-tables", "-q")
    assert result.exit_code == 0, result.stderr
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        kinds = dict(conn.execute(sa.text("SELECT sample_id, kind FROM samples")).all())
        proposals = conn.execute(sa.text("SELECT pm, missing FROM proposals")).all()
        inputs = json.loads(conn.execute(sa.text("SELECT inputs FROM runs")).scalar_one())
    engine.dispose()
    assert kinds["FX/FX-MP/reference"] == "reference"
    assert [tuple(p) for p in proposals] == [("PM-9", "FX-MP")]
    assert inputs["references"]["path"] == str(paths["references"])
    result = invoke("run", "--store", str(db), "--references", str(paths["references"]))
    assert result.exit_code == 1
    assert "--references needs --pedigrees" in result.stderr


def test_an_allele_missing_from_the_table_weighs_the_same_in_search_and_in_a_store_run(
        tmp_path: Path) -> None:
    """The store's read-back rebuilt the markers from their JSON, which has no field for the
    table's unknown-allele frequency (5/(2N), 0.01196 for this table), so a store run gave
    such an allele 0.001 while 'search' (and the report) gave 0.01196: one pair, two LRs."""
    import sqlalchemy as sa

    paths = _direct_reference_tables(tmp_path / "records")
    lines = paths["relatives"].read_text(encoding="utf-8").splitlines()
    sample, marker, _, b = lines[1].split(",")
    lines[1] = f"{sample},{marker},41.3,{b}"  # the mother's untransmitted allele
    paths["relatives"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    tables = ["--pedigrees", str(paths["pedigrees"]), "--relatives", str(paths["relatives"]),
              "--pm", str(paths["pm"])]
    out = tmp_path / "out"
    result = invoke("search", *tables, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert "added with frequency 0.01196" in result.stderr
    searched = pl.read_csv(out / "candidates_by_sample.csv").row(0, named=True)
    db = tmp_path / "cases.db"
    result = invoke("run", "--store", str(db), *tables, "--no-tables")
    assert result.exit_code == 0, result.stderr
    assert "added with frequency 0.01196" in result.stderr
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT pm, missing, log10_lr FROM candidates")).one()
    engine.dispose()
    assert (stored[0], stored[1]) == (searched["pm"], searched["missing"])
    assert math.isclose(stored[2], searched["log10_lr"], rel_tol=1e-12)


def test_a_store_run_keeps_the_warnings_of_reading_its_tables(tmp_path: Path) -> None:
    """A night's reading warnings were printed only (lost with --quiet): a samples table
    that leaves out a typed sample is said at reading, and the store keeps it with the run
    (an outside check, 2026-12-07)."""
    import sqlalchemy as sa

    paths = _direct_reference_tables(tmp_path / "records")
    samples = tmp_path / "samples.csv"
    samples.write_text("sample,site\n", encoding="utf-8")
    db = tmp_path / "cases.db"
    result = invoke("run", "--store", str(db), "--pedigrees", str(paths["pedigrees"]),
                    "--relatives", str(paths["relatives"]), "--pm", str(paths["pm"]),
                    "--samples", str(samples), "--no-tables", "-q")
    assert result.exit_code == 0, result.stderr
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        kept = [m for (m,) in conn.execute(sa.text("SELECT message FROM run_warnings "
                                                   "ORDER BY seq"))]
    engine.dispose()
    assert kept and "has no row for 1 typed PM samples" in kept[0], kept


def test_solve_says_its_tables_are_not_one_urn_at_theta(reference_dir: Path,
                                                        tmp_path: Path) -> None:
    """At theta > 0 the pairwise, undisputed, joint and dviSolve tables evaluate each family
    and each PM sample on its own (as dvir): not conservative against one urn, which an
    outside check found on Familias' DVI example; the notes say so (docs/joint.md)."""
    data = json.loads((reference_dir / "dvi" / "planecrash.json").read_text())
    data["theta"] = 0.02
    data.pop("expected", None)
    path = tmp_path / "theta.json"
    path.write_text(json.dumps(data))
    result = invoke("solve", str(path), "--closed")
    assert result.exit_code == 0, result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert any(n.startswith("theta 0.02: the pairwise, undisputed, joint and dviSolve tables "
                            "evaluate each family and each PM sample on its own") for n in notes)
    plain = json.loads(invoke("solve", str(reference_dir / "dvi" / "planecrash.json"),
                              "--closed").stdout)["notes"]
    assert not any(n.startswith("theta") for n in plain)
