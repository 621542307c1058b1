"""Shared fixtures.

The reference values computed by an independent implementation live outside the repository,
in ``../shared/reference`` (next to the repository root). Tests that need them use the
``reference_dir`` fixture: it skips them, with the reason, when the folder is absent, unless
``FM_REQUIRE_REFERENCE=1`` is set (as in CI), when a missing folder is a failure.

Hypothesis profiles: the default explores new random examples on every run (where edge cases
are found during development); ``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``) draws the same
examples every time, so that CI judges the change, not the luck of the draw.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
REFERENCE_DIR = SHARED_DIR / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Path to ``../shared/reference``; skip (or fail under FM_REQUIRE_REFERENCE=1) if absent."""
    if REFERENCE_DIR.is_dir():
        return REFERENCE_DIR
    reason = f"reference values not found at {REFERENCE_DIR}"
    if os.environ.get("FM_REQUIRE_REFERENCE", "").strip() == "1":
        pytest.fail(f"{reason} and FM_REQUIRE_REFERENCE=1", pytrace=False)
    pytest.skip(f"{reason}; set FM_REQUIRE_REFERENCE=1 to make this an error")


@pytest.fixture(scope="module")
def markers() -> list:
    """The 23 markers of fbi2015_sw_hispanic with the equal mutation model of the bundled
    examples (female 0.0005, male 0.002)."""
    from forensic_match.frequencies import load_frequencies
    from forensic_match.mutation import Mutation, MutationModel

    db = load_frequencies("fbi2015_sw_hispanic")
    mutation = Mutation(female=MutationModel("equal", rate=0.0005),
                        male=MutationModel("equal", rate=0.002))
    return db.markers_for(db.markers, mutation=mutation)
