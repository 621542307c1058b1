"""A non-editable install works: the bundled tables and examples travel inside the wheel.

The wheel is built from this checkout, installed with ``--no-deps`` into a fresh virtual
environment that sees the test environment's packages (numpy, numba, polars...) through a
``.pth`` line placed after its own site-packages, and run from a folder outside the repository:
``forensic-match demo`` and a ``search`` of the bundled example records with the default
frequency table.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Building the wheel fetches the build backend from PyPI (build isolation): slow, and online.
pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    build = tmp_path_factory.mktemp("build")
    # Build from a copy, so that the build leaves nothing (build/, egg-info) in the checkout.
    src = build / "src"
    ignore = ("__pycache__", ".venv", ".git", "*.egg-info", ".pytest_cache", ".hypothesis",
              "build", ".benchmarks")
    import shutil

    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(*ignore))
    done = _run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                 "--quiet", "-w", str(dist), str(src)], cwd=build)
    assert done.returncode == 0, done.stderr
    (path,) = dist.glob("forensic_match-*.whl")
    return path


def test_wheel_carries_the_bundled_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("fbi2015_sw_hispanic.csv", "fbi2015_sw_hispanic.counts.csv",
                 "fbi2015_sw_hispanic.SOURCE.md", "nist1036_hisp.csv"):
        assert f"forensic_match/data/frequencies/{name}" in names
    for name in ("demo_mp_parents.json", "programme_small.json", "records/pedigrees.csv",
                 "records/relatives.csv", "records/pm_genotypes.csv",
                 "records/pm_samples.csv"):
        assert f"forensic_match/data/examples/{name}" in names
    for name in ("env.py", "script.py.mako", "versions/0001_initial.py"):
        assert f"forensic_match/store/migrations/{name}" in names
    for name in ("base.html", "report.html", "dashboard.html", "style.css"):
        assert f"forensic_match/reports/templates/{name}" in names


@pytest.mark.slow     # a fresh environment compiles every kernel: `make test-slow`, .ci/run
def test_installed_wheel_runs_demo_and_search(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    done = _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    python = env_dir / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"], cwd=tmp_path).stdout.strip())
    # The test environment's packages, after the new environment's own: the wheel wins.
    here = sysconfig.get_paths()["purelib"]
    (site / "zz_test_env.pth").write_text(here + "\n")
    done = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                 "--quiet", "--disable-pip-version-check", str(wheel)], cwd=tmp_path)
    if done.returncode != 0 and "no such option: --python" in done.stderr:
        pytest.skip("pip too old for --python")
    assert done.returncode == 0, done.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba-cache")

    where = _run([str(python), "-c", "import forensic_match, forensic_match.frequencies as f;"
                  "print(forensic_match.__file__); print(len(f.available_frequencies()))"],
                 cwd=work, env=env)
    assert where.returncode == 0, where.stderr
    location, count = where.stdout.split()
    assert Path(location).is_relative_to(env_dir), location
    assert int(count) == 9

    cli = str(env_dir / "bin" / "forensic-match")
    demo = _run([cli, "demo"], cwd=work, env=env)
    assert demo.returncode == 0, demo.stderr
    assert "Total LR = " in demo.stdout and "proposed identifications" in demo.stdout

    records = Path(location).parent / "data" / "examples" / "records"
    search = _run([cli, "search", "--quiet", "--pedigrees", str(records / "pedigrees.csv"),
                   "--relatives", str(records / "relatives.csv"),
                   "--pm", str(records / "pm_genotypes.csv"),
                   "--samples", str(records / "pm_samples.csv"), "--out", "results"],
                  cwd=work, env=env)
    assert search.returncode == 0, search.stderr
    assert (work / "results" / "identifications.csv").is_file()
    assert (work / "results" / "run.json").is_file()

    # The store's migrations travel in the wheel: the schema is created from outside the
    # repository.
    upgrade = _run([cli, "store", "upgrade", "cases.db"], cwd=work, env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    from forensic_match.store.database import head_revision

    assert f"upgraded from revision (empty) to {head_revision()}" in upgrade.stdout
    verify = _run([cli, "store", "verify", "cases.db"], cwd=work, env=env)
    assert verify.returncode == 0 and "audit log intact: 0 entries" in verify.stdout
