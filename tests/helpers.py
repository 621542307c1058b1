"""Small helpers shared by the record-reading tests."""

from __future__ import annotations

import re
from pathlib import Path


def fragment(*parts: str) -> str:
    """A ``match`` pattern requiring each literal part, in order."""
    return ".*".join(re.escape(p) for p in parts)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
