"""Bad input is refused with a clear error that names where the problem is.

Each test asserts the specific exception class and a message fragment that names the file,
hypothesis, sample, marker or allele concerned. Pedigree validation on its own (cycles, sexes,
duplicates from records and CSV) is in ``test_pedigree.py``; frequency tables in
``test_frequencies.py``; here the same problems arrive through a JSON case or ``kinship_lr``.
"""

from __future__ import annotations

import copy
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from forensic_match import Marker, Observation, Pedigree
from forensic_match.cases import load_case
from forensic_match.cli import main
from forensic_match.errors import (
    GenotypeError,
    InputError,
    PedigreeError,
    UnknownAlleleWarning,
)
from forensic_match.kinship import kinship_lr
from forensic_match.likelihood import pedigree_likelihood
from forensic_match.pedigree import parent_child, trio, unrelated


def fragment(text: str) -> str:
    """A ``match`` pattern for a literal piece of the message."""
    return re.escape(text)


MARKERS = [
    {"name": "TH01", "alleles": ["6", "7", "9.3"], "frequencies": [0.2, 0.3, 0.5],
     "mutation": None},
    {"name": "D3S1358", "alleles": ["14", "15", "16"], "frequencies": [0.2, 0.3, 0.5],
     "mutation": None},
]
TRIO = [{"id": "AF", "father": None, "mother": None, "sex": "M"},
        {"id": "MO", "father": None, "mother": None, "sex": "F"},
        {"id": "C", "father": "AF", "mother": "MO", "sex": "M"}]
UNRELATED = [{"id": "AF", "father": None, "mother": None, "sex": "M"},
             {"id": "MO", "father": None, "mother": None, "sex": "F"},
             {"id": "C", "father": None, "mother": None, "sex": "M"}]
GOOD: dict[str, Any] = {
    "kind": "kinship", "id": "good", "markers": MARKERS,
    "hypotheses": {"H1": {"pedigree": TRIO}, "H2": {"pedigree": UNRELATED}},
    "genotypes": {"AF": {"TH01": ["6", "6"], "D3S1358": ["14", "15"]},
                  "C": {"TH01": ["6", "7"], "D3S1358": ["15", "16"]}},
}
#: LR of GOOD: 1 / (2 p_6) at TH01 and 1 / (4 p_15) at D3S1358 (mother untyped).
GOOD_LR = 1 / (2 * 0.2) * 1 / (4 * 0.3)


def case(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data.update(copy.deepcopy(changes))
    return data


def write(tmp_path: Path, data: Any, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=1))
    return path


def where_file(path: Path) -> str:
    return f"file {str(path)!r}"


def test_the_good_case_is_good(tmp_path: Path) -> None:
    assert load_case(write(tmp_path, GOOD)).solve().lr_total == pytest.approx(GOOD_LR)


# --- the file itself ------------------------------------------------------------------------


def test_malformed_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '{"kind": "kinship",\n "id": "x",\n "markers": [1, 2,]\n}')
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}, line 3, column 19: malformed JSON")):
        load_case(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(InputError, match=fragment(f"{where_file(path)}: cannot read")):
        load_case(path)


def test_case_must_be_an_object(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="a case must be a JSON object"):
        load_case(write(tmp_path, [1, 2]))


# --- case structure -------------------------------------------------------------------------


def test_missing_hypotheses(tmp_path: Path) -> None:
    data = case()
    del data["hypotheses"]
    path = write(tmp_path, data)
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: 'hypotheses' must have H1 and H2")):
        load_case(path)


def test_missing_h2(tmp_path: Path) -> None:
    path = write(tmp_path, case(hypotheses={"H1": {"pedigree": TRIO}}))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: 'hypotheses' must have H1 and H2")):
        load_case(path)


def test_hypothesis_without_pedigree(tmp_path: Path) -> None:
    path = write(tmp_path, case(hypotheses={"H1": {"pedigree": TRIO}, "H2": {}}))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: each hypothesis needs a 'pedigree' list")):
        load_case(path)


def test_wrong_kind(tmp_path: Path) -> None:
    path = write(tmp_path, case(kind="paternity"))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: 'kind' must be 'kinship' or 'dvi', got 'paternity'")):
        load_case(path)


def test_no_markers(tmp_path: Path) -> None:
    path = write(tmp_path, case(markers=[]))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: 'markers' must be a non-empty list")):
        load_case(path)


# --- markers --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["x", None, [0.3]])
def test_non_numeric_frequency(tmp_path: Path, value: Any) -> None:
    markers = copy.deepcopy(MARKERS)
    markers[1]["frequencies"] = [0.2, value, 0.5]
    path = write(tmp_path, case(markers=markers))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: marker 2 ('D3S1358'): needs name, alleles and numeric "
            f"frequencies")):
        load_case(path)


def test_frequencies_not_summing_to_one_name_the_marker(tmp_path: Path) -> None:
    markers = copy.deepcopy(MARKERS)
    markers[1]["frequencies"] = [0.2, 0.3, 0.6]
    path = write(tmp_path, case(markers=markers))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: marker 'D3S1358': frequencies sum to 1.1, not 1")):
        load_case(path)


def test_malformed_mutation_names_the_marker(tmp_path: Path) -> None:
    markers = copy.deepcopy(MARKERS)
    markers[0]["mutation"] = {"model": "sideways", "female": {"rate": 0.001}}
    path = write(tmp_path, case(markers=markers))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: marker 'TH01': malformed mutation model")) as info:
        load_case(path)
    assert "unknown mutation model 'sideways'" in str(info.value)


# --- genotypes ------------------------------------------------------------------------------


@pytest.mark.parametrize("genotype", ["14/15/16", ["14", "15", "16"]])
def test_three_alleles_name_sample_and_marker(tmp_path: Path, genotype: Any) -> None:
    genotypes = copy.deepcopy(GOOD["genotypes"])
    genotypes["C"]["D3S1358"] = genotype
    path = write(tmp_path, case(genotypes=genotypes))
    with pytest.raises(GenotypeError, match=fragment(
            f"{where_file(path)}, sample 'C', marker 'D3S1358': genotype {genotype!r} has 3 "
            f"alleles")):
        load_case(path)


def test_three_alleles_given_to_kinship_lr() -> None:
    m = Marker("TH01", ["6", "7", "9.3"], [0.2, 0.3, 0.5])
    with pytest.raises(GenotypeError, match=fragment(
            "sample 'C', marker 'TH01': genotype ('6', '7', '9.3') does not have two alleles")):
        kinship_lr(parent_child(), unrelated(["AF", "C"]), [m],
                   {"C": {"TH01": ("6", "7", "9.3")}})


def test_genotype_of_a_marker_not_in_the_case(tmp_path: Path) -> None:
    genotypes = copy.deepcopy(GOOD["genotypes"])
    genotypes["C"]["VWA"] = ["16", "17"]
    path = write(tmp_path, case(genotypes=genotypes))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: sample 'C': marker 'VWA' is not among the case's markers")):
        load_case(path)


def test_genotypes_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, case(genotypes={"C": ["6", "7"]}))
    with pytest.raises(GenotypeError, match=fragment(
            f"{where_file(path)}, sample 'C': expected {{marker: genotype}}")):
        load_case(path)


def test_typed_individual_missing_from_one_hypothesis() -> None:
    m = Marker("TH01", ["6", "7", "9.3"], [0.2, 0.3, 0.5])
    with pytest.raises(InputError, match=fragment(
            "typed individual 'MO' is not in hypothesis H2")):
        kinship_lr(trio(), unrelated(["AF", "C"]), [m],
                   {"MO": {"TH01": ("6", "7")}, "C": {"TH01": ("6", "7")}})
    with pytest.raises(InputError, match=fragment(
            "typed individual 'X' is not in hypothesis H1")):
        kinship_lr(trio(), unrelated(["AF", "MO", "C", "X"]), [m], {"X": {"TH01": ("6", "7")}})


def test_typed_individual_missing_from_a_case_hypothesis(tmp_path: Path) -> None:
    h2 = [r for r in UNRELATED if r["id"] != "AF"]
    path = write(tmp_path, case(hypotheses={"H1": {"pedigree": TRIO}, "H2": {"pedigree": h2}}))
    with pytest.raises(InputError, match=fragment(
            "typed individual 'AF' is not in hypothesis H2")):
        load_case(path).solve()


# --- dropout and theta ----------------------------------------------------------------------


def test_dropout_for_someone_not_in_the_pedigree(tmp_path: Path) -> None:
    path = write(tmp_path, case(dropout={"X": 0.1}))
    with pytest.raises(InputError, match=fragment("dropout given for 'X', who is not in "
                                                  "hypothesis H1")):
        load_case(path).solve()
    m = Marker("TH01", ["6", "7"], [0.4, 0.6])
    with pytest.raises(InputError, match=fragment("dropout given for 'X', who is not in the "
                                                  "pedigree")):
        pedigree_likelihood(trio(), [m], {}, observation={"X": 0.1})


@pytest.mark.parametrize("d", [1.0, 1.5, -0.1])
def test_dropout_out_of_range_names_the_individual(tmp_path: Path, d: float) -> None:
    path = write(tmp_path, case(dropout={"C": d}))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: dropout of 'C' must lie in [0, 1), got {d}")):
        load_case(path)  # refused on reading, before any computing


def test_observation_out_of_range() -> None:
    with pytest.raises(GenotypeError, match=fragment("dropout probability must lie in [0, 1)")):
        Observation(dropout=1.0)
    with pytest.raises(GenotypeError, match=fragment("dropin probability must lie in [0, 1)")):
        Observation(dropin=-0.01)


def test_dropout_not_a_number(tmp_path: Path) -> None:
    path = write(tmp_path, case(dropout={"C": "high"}))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: dropout of 'C' must be a number, got 'high'")):
        load_case(path)


@pytest.mark.parametrize("theta", [1.0, 1.2, -0.01])
def test_theta_outside_unit_interval(tmp_path: Path, theta: float) -> None:
    path = write(tmp_path, case(theta=theta))
    with pytest.raises(InputError, match=fragment(f"theta must lie in [0, 1), got {theta}")):
        load_case(path).solve()
    m = Marker("TH01", ["6", "7"], [0.4, 0.6])
    with pytest.raises(InputError, match=fragment(f"theta must lie in [0, 1), got {theta}")):
        kinship_lr(trio(), unrelated(["AF", "MO", "C"]), [m], {}, theta=theta)


def test_theta_not_a_number(tmp_path: Path) -> None:
    path = write(tmp_path, case(theta="0.01%"))
    with pytest.raises(InputError, match=fragment(
            f"{where_file(path)}: theta must be a number, got '0.01%'")):
        load_case(path)


# --- unknown alleles: a warning and a finite result, never a crash ---------------------------


def test_unknown_allele_warns_and_gives_a_finite_lr(tmp_path: Path) -> None:
    genotypes = copy.deepcopy(GOOD["genotypes"])
    genotypes["C"]["TH01"] = ["6", "8"]
    path = write(tmp_path, case(genotypes=genotypes))
    with pytest.warns(UnknownAlleleWarning, match=fragment(
            "sample 'C', marker 'TH01', allele '8': allele not in the frequency database")):
        result = load_case(path).solve()
    assert math.isfinite(result.lr_total) and result.lr_total > 0
    # Child 6/8 of an AF 6/6 with an untyped mother is 1 / (2 p_6) with the rescaled p_6.
    p6 = 0.2 / 1.001
    assert result.lr_per_marker["TH01"] == pytest.approx(1 / (2 * p6), rel=1e-12)


def test_unknown_allele_in_pedigree_likelihood() -> None:
    m = Marker("TH01", ["6", "7"], [0.4, 0.6])
    with pytest.warns(UnknownAlleleWarning, match=fragment(
            "sample 'AF', marker 'TH01', allele '10.3'")):
        values = pedigree_likelihood(trio(), [m], {"AF": {"TH01": ("10.3", None)}})
    assert values.shape == (1,) and 0 < values[0] < 1


# --- pedigrees inside a case -----------------------------------------------------------------


def test_cycle_in_a_case_names_file_and_hypothesis(tmp_path: Path) -> None:
    h1 = copy.deepcopy(TRIO)
    h1[0].update(father="C", mother="MO")
    path = write(tmp_path, case(hypotheses={"H1": {"pedigree": h1},
                                            "H2": {"pedigree": UNRELATED}}))
    with pytest.raises(PedigreeError, match=fragment(
            f"{path}: H1, record 1: 'AF' is their own ancestor (cycle AF -> C -> AF)")):
        load_case(path)


def test_female_father_in_a_case_names_file_and_hypothesis(tmp_path: Path) -> None:
    h1 = copy.deepcopy(TRIO)
    h1[0]["sex"] = "F"
    path = write(tmp_path, case(hypotheses={"H1": {"pedigree": h1},
                                            "H2": {"pedigree": UNRELATED}}))
    with pytest.raises(PedigreeError, match=fragment(
            f"{path}: H1, record 3: father 'AF' of 'C' is female")):
        load_case(path)


def test_duplicate_id_in_a_case_names_file_and_hypothesis(tmp_path: Path) -> None:
    h2 = copy.deepcopy(UNRELATED) + [{"id": "AF", "sex": "M"}]
    path = write(tmp_path, case(hypotheses={"H1": {"pedigree": TRIO}, "H2": {"pedigree": h2}}))
    with pytest.raises(PedigreeError, match=fragment(
            f"{path}: H2, record 4: duplicate individual id 'AF'")):
        load_case(path)


def test_empty_pedigree(tmp_path: Path) -> None:
    path = write(tmp_path, case(hypotheses={"H1": {"pedigree": []},
                                            "H2": {"pedigree": UNRELATED}}))
    with pytest.raises(PedigreeError, match=fragment(f"{path}: H1: no individuals")):
        load_case(path)
    with pytest.raises(PedigreeError, match=fragment("pedigree: no individuals")):
        Pedigree.from_records([])


def test_pedigree_not_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, case(hypotheses={"H1": {"pedigree": TRIO},
                                            "H2": {"pedigree": {"id": "AF"}}}))
    with pytest.raises(InputError, match=fragment(
            f"{path}: H2: a pedigree must be a list of individuals")):
        load_case(path)


# --- impossible profiles --------------------------------------------------------------------


def test_profiles_impossible_under_both_hypotheses_name_the_marker(tmp_path: Path) -> None:
    # A mother 6/6 and her child 7/9.3: no hypothesis about the father explains it without
    # mutation.
    h2 = [{"id": "AF", "father": None, "mother": None, "sex": "M"},
          {"id": "X", "father": None, "mother": None, "sex": "M"},
          {"id": "MO", "father": None, "mother": None, "sex": "F"},
          {"id": "C", "father": "X", "mother": "MO", "sex": "M"}]
    genotypes = {"AF": {"TH01": ["7", "7"]}, "MO": {"TH01": ["6", "6"]},
                 "C": {"TH01": ["7", "9.3"], "D3S1358": ["14", "15"]}}
    path = write(tmp_path, case(hypotheses={"H1": {"pedigree": TRIO}, "H2": {"pedigree": h2}},
                                genotypes=genotypes))
    with pytest.raises(InputError, match=fragment(
            "markers ['TH01']: the profiles are impossible under both hypotheses")):
        load_case(path).solve()


# --- the command line -----------------------------------------------------------------------


def test_cli_reports_a_bad_file_and_still_solves_the_good_one(tmp_path: Path) -> None:
    bad = write(tmp_path, '{"kind": "kinship",\n "id": oops}', "bad.json")
    good = write(tmp_path, GOOD, "good.json")
    result = CliRunner().invoke(main, ["lr", str(bad), str(good)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert f"{where_file(bad)}, line 2" in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["id"] == "good"
    assert record["lr_total"] == pytest.approx(GOOD_LR)


def test_cli_names_the_file_of_an_error_found_while_solving(tmp_path: Path) -> None:
    bad = write(tmp_path, case(id="bad", theta=1.0), "bad.json")
    missing = tmp_path / "missing.json"
    good = write(tmp_path, GOOD, "good.json")
    result = CliRunner().invoke(main, ["lr", str(good), str(bad), str(missing)])
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors == [f"error: {where_file(bad)}: theta must lie in [0, 1), got 1.0",
                      f"error: {where_file(missing)}: cannot read: No such file or directory"]
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["good"]


def test_cli_refuses_a_dvi_dataset_for_lr(tmp_path: Path) -> None:
    dvi = write(tmp_path, {"kind": "dvi", "id": "d", "markers": MARKERS, "pm": [], "am": []},
                "dvi.json")
    result = CliRunner().invoke(main, ["lr", str(dvi)])
    assert result.exit_code == 1
    assert f"error: {where_file(dvi)}: not a kinship case (kind 'dvi')" in result.stderr


def test_cli_unknown_allele_warns_and_still_prints(tmp_path: Path) -> None:
    # A subprocess: the CLI must print the warning and the result, not turn it into an error.
    genotypes = copy.deepcopy(GOOD["genotypes"])
    genotypes["AF"]["TH01"] = ["6", "8"]
    path = write(tmp_path, case(genotypes=genotypes))
    out = subprocess.run([sys.executable, "-m", "forensic_match.cli", "lr", str(path)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "UnknownAlleleWarning" in out.stderr
    assert "sample 'AF', marker 'TH01', allele '8'" in out.stderr
    record = json.loads(out.stdout)
    assert record["lr_total"] > 0
