"""Agreement with the independent implementation's values in ../shared/reference/kinship.

Every case is solved through the library and through the command line; likelihood ratios
must agree to 1e-9 relative (per marker and in total).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from forensic_match.cases import KinshipCase, load_case, save_case

RTOL = 1e-9


def _kinship_cases(reference_dir: Path) -> list[Path]:
    cases = sorted((reference_dir / "kinship").glob("*.json"))
    assert cases, f"no kinship cases in {reference_dir / 'kinship'}"
    return cases


def _close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=RTOL, abs_tol=0.0) or got == want


def test_every_kinship_case_agrees(reference_dir: Path) -> None:
    failures = []
    for path in _kinship_cases(reference_dir):
        case = load_case(path)
        assert isinstance(case, KinshipCase)
        result = case.solve()
        want = case.expected
        if not _close(result.lr_total, want["lr_total"]):
            failures.append(f"{case.id}: LR {result.lr_total!r} != {want['lr_total']!r}")
        assert math.isclose(result.log10_lr_total, want["log10_lr_total"], abs_tol=1e-9)
        got_markers = result.lr_per_marker
        assert set(got_markers) == set(want["lr_per_marker"])
        for marker, value in want["lr_per_marker"].items():
            if not _close(got_markers[marker], value):
                failures.append(f"{case.id}/{marker}: {got_markers[marker]!r} != {value!r}")
    assert not failures, "\n".join(failures)


def test_lumping_does_not_change_reference_values(reference_dir: Path) -> None:
    for name in ("C25.json", "C26.json", "C18.json"):
        case = load_case(reference_dir / "kinship" / name)
        lumped = case.solve(lump=True)
        full = case.solve(lump=False)
        assert math.isclose(lumped.lr_total, full.lr_total, rel_tol=1e-10), case.id
        assert _close(full.lr_total, case.expected["lr_total"]), case.id


def test_command_line_gives_the_same_numbers(reference_dir: Path) -> None:
    paths = _kinship_cases(reference_dir)
    out = subprocess.run([sys.executable, "-m", "forensic_match.cli", "lr", *map(str, paths)],
                         capture_output=True, text=True, check=True)
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == len(paths)
    for path, rec in zip(paths, records):
        want = json.loads(path.read_text())["expected"]
        assert rec["id"] == path.stem
        assert _close(rec["lr_total"], want["lr_total"]), rec["id"]
        for marker, value in want["lr_per_marker"].items():
            assert _close(rec["lr_per_marker"][marker], value), (rec["id"], marker)


def test_cases_survive_a_save_and_load(reference_dir: Path, tmp_path: Path) -> None:
    for path in _kinship_cases(reference_dir)[:: 4]:
        case = load_case(path)
        save_case(case, tmp_path / "copy.json")
        again = load_case(tmp_path / "copy.json")
        assert isinstance(again, KinshipCase)
        assert again.h1 == case.h1 and again.h2 == case.h2
        assert again.genotypes == case.genotypes
        assert again.solve().lr_total == pytest.approx(case.solve().lr_total, rel=1e-15)
