"""The run configuration of ``forensic-match search`` (issue 7, point 1): mutation models by
default, near misses, and the configuration with its hash beside every output."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from forensic_match.cases import load_case
from forensic_match.cli import main
from forensic_match.config import (
    DEFAULT_MUTATION,
    MutationFallbackWarning,
    RunConfig,
    read_config,
)
from forensic_match.errors import ForensicMatchWarning, InputError
from forensic_match.frequencies import load_frequencies

DEMO = Path(__file__).resolve().parents[1] / "forensic_match" / "data" / "examples" / \
    "demo_mp_parents.json"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def mutated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Record tables of one family (father F and mother M typed at 23 markers, their son MP
    missing) and one PM sample: MP's own profile, except that the father's D3S1358 allele 16
    mutated to 17 (one step). Without a mutation model the true pair is impossible at
    D3S1358; its LR over the other 22 markers is about 1e16."""
    case = load_case(DEMO)
    geno = {k: dict(v) for k, v in case.genotypes.items()}
    assert geno["F"]["D3S1358"] == ("15", "16") and geno["M"]["D3S1358"] == ("15", "15")
    geno["MP"]["D3S1358"] = ("15", "17")
    folder = tmp_path_factory.mktemp("mutated")
    (folder / "pedigrees.csv").write_text("family,id,father,mother,sex,missing\n"
                                          "FAM,F,,,M,0\nFAM,M,,,F,0\nFAM,MP,F,M,M,1\n")
    lines = ["sample,marker,allele1,allele2"]
    lines += [f"{who},{m},{a},{b}" for who in ("F", "M") for m, (a, b) in geno[who].items()]
    (folder / "relatives.csv").write_text("\n".join(lines) + "\n")
    lines = ["sample,marker,allele1,allele2"]
    lines += [f"PM-1,{m},{a},{b}" for m, (a, b) in geno["MP"].items()]
    (folder / "pm.csv").write_text("\n".join(lines) + "\n")
    (folder / "closed.toml").write_text(CLOSED)
    return folder


#: With the parents as the only references, an unregistered brother of MP is as likely as MP
#: (``docs/decisions.md``): these tests declare the family's list closed, so that the
#: mutation model, their subject, decides whether MP is identified.
CLOSED = "[identify]\nrelatives = 0\n"


def search(folder: Path, out: Path, *extra: str, closed: bool = True) -> Result:
    if closed and "--config" not in extra:
        extra = (*extra, "--config", str(folder / "closed.toml"))
    result = invoke("search", "--pedigrees", str(folder / "pedigrees.csv"),
                    "--relatives", str(folder / "relatives.csv"), "--pm",
                    str(folder / "pm.csv"), "--out", str(out), *extra)
    assert result.exit_code == 0, result.stderr
    return result


def test_one_step_mutation_is_found_by_default(mutated: Path, tmp_path: Path) -> None:
    """Point 1: the default configuration has a stepwise mutation model, so the true match
    survives a one-step paternal mutation (it vanished from every table before)."""
    out = tmp_path / "out"
    search(mutated, out)
    ids = pl.read_csv(out / "identifications.csv")
    assert ids.select("pm", "family", "missing").rows() == [("PM-1", "FAM", "MP")]
    (row,) = ids.iter_rows(named=True)
    assert row["n_markers"] == 23 and row["n_inconsistent"] == 1
    assert row["lr"] > 1e10
    near = pl.read_csv(out / "near_misses.csv")
    assert near.select("pm", "missing", "inconsistent_markers", "identified").rows() == \
        [("PM-1", "MP", "D3S1358", True)]


def test_without_mutation_the_pair_is_a_near_miss(mutated: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = search(mutated, out, "--mutation", "none")
    assert pl.read_csv(out / "identifications.csv").height == 0
    near = pl.read_csv(out / "near_misses.csv")
    assert near.height == 1
    (row,) = near.iter_rows(named=True)
    assert (row["pm"], row["family"], row["missing"]) == ("PM-1", "FAM", "MP")
    assert row["inconsistent_markers"] == "D3S1358" and row["n_inconsistent"] == 1
    assert row["log10_lr"] is None or row["log10_lr"] == float("-inf")
    assert row["lr_without"] > 1e15 and row["identified"] is False
    assert "1 near misses" in result.stdout and "without D3S1358" in result.stdout
    run = json.loads((out / "run.json").read_text())
    assert run["mutation"]["D3S1358"] is None


def test_configuration_and_its_hash_are_written(mutated: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    search(mutated, out, closed=False)
    text = (out / "config.toml").read_bytes()
    run = json.loads((out / "run.json").read_text())
    assert run["config_sha256"] == hashlib.sha256(text).hexdigest() == RunConfig().sha256
    assert run["frequencies"] == "fbi2015_sw_hispanic"
    assert run["frequencies_sha256"] == load_frequencies("fbi2015_sw_hispanic").sha256
    assert run["inputs"]["pm"]["sha256"] == \
        hashlib.sha256((mutated / "pm.csv").read_bytes()).hexdigest()
    assert run["mutation"]["FGA"] == {"model": "stepwise",
                                      "female": {"rate": 0.0005, "range": 0.1, "rate2": 1e-6},
                                      "male": {"rate": 0.002, "range": 0.1, "rate2": 1e-6}}
    # The written configuration runs again as it is, with the same hash.
    again = tmp_path / "again"
    search(mutated, again, "--config", str(out / "config.toml"), closed=False)
    run2 = json.loads((again / "run.json").read_text())
    assert run2["config_sha256"] == run["config_sha256"]
    assert run2["config_file_sha256"] == hashlib.sha256(text).hexdigest()


def test_config_file_per_marker_models_and_ignored_markers(mutated: Path,
                                                          tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text('[frequencies]\ntable = "fbi2015_sw_hispanic"\nmin_frequency = 0.02\n\n'
                      '[mutation]\nmodel = "none"\n\n'
                      '[mutation.markers.FGA]\nmodel = "equal"\nmale_rate = 0.003\n\n'
                      '[search]\nignore_markers = ["d3s1358"]\nmin_markers = 20\n\n'
                      '[identify]\nthreshold = 1e6\nrelatives = 0\n')
    out = tmp_path / "out"
    search(mutated, out, "--config", str(config))
    ids = pl.read_csv(out / "identifications.csv")
    assert ids.select("pm", "missing", "n_markers", "n_inconsistent").rows() == \
        [("PM-1", "MP", 22, 0)]
    run = json.loads((out / "run.json").read_text())
    assert "D3S1358" not in run["markers"] and len(run["markers"]) == 22
    assert run["mutation"]["TH01"] is None
    assert run["mutation"]["FGA"]["model"] == "equal"
    assert run["mutation"]["FGA"]["male"] == {"rate": 0.003}
    assert run["mutation"]["FGA"]["female"] == {"rate": DEFAULT_MUTATION.female_rate}
    assert run["unknown_allele_frequency"] == 0.02
    assert run["parameters"]["threshold"] == 1e6 and run["parameters"]["min_markers"] == 20
    written = read_config(out / "config.toml")
    assert written.ignore_markers == ("d3s1358",) and written.min_frequency == 0.02


def test_command_line_options_override_the_file(mutated: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text('[mutation]\nmodel = "none"\n\n[search]\ntheta = 0.01\nmin_markers = 30\n')
    out = tmp_path / "out"
    search(mutated, out, "--config", str(config), "--min-markers", "5", "--theta", "0.02")
    cfg = read_config(out / "config.toml")
    assert (cfg.min_markers, cfg.theta) == (5, 0.02)


# --- reading configurations ---------------------------------------------------------------------


def test_defaults_round_trip() -> None:
    cfg = RunConfig()
    assert RunConfig.from_toml(cfg.to_toml()) == cfg
    assert cfg.mutation.model == "stepwise"
    assert (cfg.mutation.male_rate, cfg.mutation.female_rate) == (0.002, 0.0005)
    assert RunConfig.from_toml("") == cfg


def test_dna_led_is_read_and_written_only_when_off() -> None:
    assert RunConfig().dna_led is True and "dna_led" not in RunConfig().to_toml()
    off = RunConfig.from_toml("[identify]\ndna_led = false\n")
    assert off.dna_led is False and "dna_led = false" in off.to_toml()
    assert off.sha256 != RunConfig().sha256
    with pytest.raises(InputError, match="dna_led"):
        RunConfig.from_toml("[identify]\ndna_led = 0\n")


def test_min_references_is_read_written_and_hashed_only_when_set() -> None:
    # 1 (the default) is not written, so that every earlier configuration keeps its hash
    plain = RunConfig()
    assert "min_references" not in plain.to_toml()
    two = RunConfig.from_toml("[identify]\nmin_references = 2\n")
    assert two.min_references == 2 and "min_references = 2" in two.to_toml()
    assert RunConfig.from_toml(two.to_toml()) == two and two.sha256 != plain.sha256
    assert RunConfig.from_toml("[identify]\nmin_references = 1\n").sha256 == plain.sha256
    from forensic_match.cli import _decision_options

    assert "min_references" not in _decision_options(plain)
    assert _decision_options(two)["min_references"] == 2
    for bad in ("0", "1.5", "true"):
        with pytest.raises(InputError, match="identify.min_references"):
            RunConfig.from_toml(f"[identify]\nmin_references = {bad}\n")


def test_relative_table_path_is_taken_from_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "lab").mkdir()
    path = tmp_path / "lab" / "run.toml"
    path.write_text('[frequencies]\ntable = "freqs/table.csv"\n')
    assert read_config(path).frequencies == str(tmp_path / "lab" / "freqs" / "table.csv")


def test_a_table_path_given_relative_on_the_command_line_is_written_absolute(
        mutated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--frequencies lab/table.csv`` from the lab's folder: the run's ``config.toml`` holds
    the absolute path, so that reading it back from another folder finds the same file (it
    looked for it beside the config file; an outside check, 2026-12-06)."""
    import shutil

    from forensic_match import frequencies as freq_module

    (tmp_path / "lab").mkdir()
    table = Path(freq_module.__file__).parent / "data" / "frequencies" / \
        "fbi2015_sw_hispanic.csv"
    shutil.copy(table, tmp_path / "lab" / "table.csv")
    monkeypatch.chdir(tmp_path)
    search(mutated, tmp_path / "out", "--frequencies", "lab/table.csv", closed=False)
    written = read_config(tmp_path / "out" / "config.toml").frequencies
    assert written == str(tmp_path / "lab" / "table.csv")
    monkeypatch.chdir(tmp_path / "out")
    search(mutated, tmp_path / "again", "--config", str(tmp_path / "out" / "config.toml"),
           closed=False)
    first, again = (json.loads((tmp_path / d / "run.json").read_text())
                    for d in ("out", "again"))
    assert again["config_sha256"] == first["config_sha256"]
    assert again["frequencies_sha256"] == first["frequencies_sha256"]


@pytest.mark.parametrize(("text", "words"), [
    ("[serch]\ntheta = 0.01\n", ["unknown section [serch]"]),
    ("[search]\ntheta = 0.9\n", ["search.theta"]),
    ("[search]\nmin_marker = 3\n", ["unknown key(s) ['min_marker'] in [search]"]),
    ('[mutation]\nmodel = "stepwize"\n', ["'stepwize'", "stepwise"]),
    ("[mutation]\nmale_rate = 2\n", ["male_rate"]),
    ('[mutation.markers.FGA]\nrate = 0.1\n', ["[mutation.markers.FGA]", "'rate'"]),
    ("[search\n", ["not valid TOML"]),
])
def test_bad_configuration_names_file_and_key(tmp_path: Path, text: str,
                                              words: list[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_config(path)
    message = str(info.value)
    assert message.startswith(f"file {str(path)!r}: ")
    for word in words:
        assert word in message


def test_bad_configuration_in_the_cli_is_one_line(mutated: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[search]\nmin_markers = -1\n")
    result = CliRunner().invoke(main, [
        "search", "--pedigrees", str(mutated / "pedigrees.csv"), "--relatives",
        str(mutated / "relatives.csv"), "--pm", str(mutated / "pm.csv"), "--out",
        str(tmp_path / "out"), "--config", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: file {str(path)!r}: search.min_markers")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_non_numeric_labels_fall_back_to_proportional() -> None:
    with pytest.warns(ForensicMatchWarning, match="D18S51 '>27'"):   # a bin: not applied
        db = load_frequencies("fbi2015_se_hispanic")   # D18S51 has allele ">27"
    with pytest.warns(MutationFallbackWarning, match="D18S51.*'>27'"):
        d18, th01 = RunConfig().with_mutation(db.markers_for(["D18S51", "TH01"]))
    assert d18.mutation is not None and d18.mutation.male.model == "proportional"
    assert d18.mutation.male.rate == 0.002
    assert th01.mutation is not None and th01.mutation.male.model == "stepwise"
    assert d18.matrices is not None


def test_theta_uses_lumpable_models(mutated: Path, tmp_path: Path) -> None:
    """With theta the proposed pairs are recomputed exactly, which needs lumpable models:
    stepwise becomes proportional with the same rates (a warning says so), and the mutated
    pair is still identified."""
    out = tmp_path / "out"
    result = search(mutated, out, "--theta", "0.02")
    assert "warning: MutationFallbackWarning: theta > 0" in result.stderr
    ids = pl.read_csv(out / "identifications.csv")
    assert ids.select("pm", "missing", "theta").rows() == [("PM-1", "MP", 0.02)]
    run = json.loads((out / "run.json").read_text())
    assert run["mutation"]["D3S1358"]["model"] == "proportional"
    assert pl.read_csv(out / "warnings.csv")["kind"].to_list() == ["MutationFallbackWarning"]


def test_pm_dropout_default_is_applied(mutated: Path, tmp_path: Path) -> None:
    """A PM sample recorded with no dropout gets [search] pm_dropout: a complete profile then
    weighs less (its homozygous calls might hide a dropped allele)."""
    config = tmp_path / "run.toml"
    config.write_text("[search]\npm_dropout = 0.3\n\n" + CLOSED)
    plain, degraded = tmp_path / "plain", tmp_path / "degraded"
    search(mutated, plain)
    search(mutated, degraded, "--config", str(config))
    lr = [pl.read_csv(out / "identifications.csv")["log10_lr"][0] for out in (plain, degraded)]
    assert lr[1] < lr[0] - 0.5
    assert read_config(degraded / "config.toml").pm_dropout == 0.3
