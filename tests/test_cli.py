"""The ``forensic-match`` command: ``lr``, ``demo``, ``--version``, and a lazy import.

Error handling of ``lr`` (bad files next to good ones) is in ``test_bad_input.py``; agreement
with the reference values through the command line in ``test_reference.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import forensic_match
from forensic_match import Marker
from forensic_match.cases import KinshipCase, load_case, save_case
from forensic_match.cli import main
from forensic_match.pedigree import parent_child, unrelated

DEMO = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "demo_mp_parents.json"

TH01 = Marker("TH01", ["6", "7", "9.3"], [0.2, 0.3, 0.5])
D3 = Marker("D3S1358", ["14", "15", "16"], [0.2, 0.3, 0.5])


def duo_case(case_id: str, genotypes: dict) -> KinshipCase:
    return KinshipCase(case_id, [TH01, D3], parent_child(), unrelated(["AF", "C"]), genotypes)


@pytest.fixture()
def case_files(tmp_path: Path) -> list[Path]:
    # duo1: LR 1 / (2 p_6) = 2.5 at TH01 and 1 / (4 p_15) at D3S1358.
    # duo2: an exclusion at TH01 (no mutation model): LR 0, log10 LR -inf.
    cases = [duo_case("duo1", {"AF": {"TH01": ("6", "6"), "D3S1358": ("14", "15")},
                               "C": {"TH01": ("6", "7"), "D3S1358": ("15", "16")}}),
             duo_case("duo2", {"AF": {"TH01": ("6", "6")}, "C": {"TH01": ("7", "9.3")}})]
    paths = []
    for c in cases:
        path = tmp_path / f"{c.id}.json"
        save_case(c, path)
        paths.append(path)
    return paths


def invoke(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_lr_prints_one_json_object_per_case(case_files: list[Path]) -> None:
    result = invoke("lr", *map(str, case_files))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["duo1", "duo2"]
    for r in records:
        assert set(r) == {"id", "lr_total", "log10_lr_total", "lr_per_marker"}

    duo1, duo2 = records
    assert duo1["lr_per_marker"] == {"TH01": pytest.approx(2.5, rel=1e-12),
                                     "D3S1358": pytest.approx(1 / 1.2, rel=1e-12)}
    assert duo1["lr_total"] == pytest.approx(2.5 / 1.2, rel=1e-12)
    solved = load_case(case_files[0]).solve()
    assert duo1["lr_total"] == solved.lr_total
    assert duo1["log10_lr_total"] == solved.log10_lr_total

    # JSON has no -inf: an exclusion prints LR 0 and a null log10 LR.
    assert duo2["lr_total"] == 0.0
    assert duo2["log10_lr_total"] is None
    assert duo2["lr_per_marker"] == {"TH01": 0.0, "D3S1358": 1.0}


def test_lr_provenance(case_files: list[Path]) -> None:
    plain = invoke("lr", "--no-provenance", str(case_files[0]))
    assert "provenance" not in json.loads(plain.stdout)

    result = invoke("lr", "--provenance", str(case_files[0]))
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    prov = record["provenance"]
    assert prov["version"] == forensic_match.__version__
    assert prov["parameters"]["theta"] == 0.0
    want = load_case(case_files[0]).solve().provenance
    assert prov["frequencies_sha256"] == want["frequencies_sha256"]
    assert prov["profiles_sha256"] == want["profiles_sha256"]


def test_lr_needs_a_case() -> None:
    result = CliRunner().invoke(main, ["lr"])
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_demo_prints_every_marker_and_the_total() -> None:
    names = [m["name"] for m in json.loads(DEMO.read_text())["markers"]]
    assert len(names) == 23
    result = invoke("demo")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Total LR" in out
    solved = load_case(DEMO).solve()
    lines = out.splitlines()
    for name in names:
        # Names may contain a space ("Penta E"): find the row by its prefix.
        rows = [line for line in lines if line.startswith(name + " ")]
        assert len(rows) == 1, f"marker {name!r} printed {len(rows)} times by the demo"
        assert rows[0].split()[-1] == f"{solved.lr_per_marker[name]:.4g}", rows[0]
    assert f"log10 LR = {solved.log10_lr_total:.3f}" in out


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert forensic_match.__version__ in result.stdout


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "lr" in result.stdout and "demo" in result.stdout


def test_console_script_runs_as_a_module(case_files: list[Path]) -> None:
    out = subprocess.run([sys.executable, "-m", "forensic_match.cli", "lr", str(case_files[0])],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["id"] == "duo1"


def test_import_is_lazy_and_fast() -> None:
    # A fresh interpreter, so that what other tests imported does not count. Importing the
    # package must not import numba (which would mean compiling kernels, or at least loading
    # LLVM); the time bound is generous: the real criterion is sys.modules.
    code = ("import json, sys, time\n"
            "t = time.perf_counter()\n"
            "import forensic_match\n"
            "elapsed = time.perf_counter() - t\n"
            "print(json.dumps({'elapsed': elapsed,"
            " 'numba': sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'llvmlite')),"
            " 'kernels': 'forensic_match.likelihood._kernels' in sys.modules}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    assert report["numba"] == [], "import forensic_match imported numba"
    assert report["kernels"] is False
    assert report["elapsed"] < 2.0
