"""Shared fixtures.

The reference values computed by an independent implementation live outside the repository,
in ``../shared/reference`` (next to the repository root). Tests that need them use the
``reference_dir`` fixture: it skips them, with the reason, when the folder is absent, unless
``FM_REQUIRE_REFERENCE=1`` is set (as in CI), when a missing folder is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
