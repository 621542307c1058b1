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


def untyped_ancestry(records: list, ident: str, sex: str, depth: int) -> None:
    """Append to ``records`` the pedigree records of ``ident`` and its full ancestry
    ``depth`` generations back (``ident + "f"``, ``ident + "m"``, ...), parents first: a
    binary tree whose ``2^depth`` founders each pass one allele down."""
    if depth == 0:
        records.append((ident, None, None, sex))
        return
    untyped_ancestry(records, ident + "f", "M", depth - 1)
    untyped_ancestry(records, ident + "m", "F", depth - 1)
    records.append((ident, ident + "f", ident + "m", sex))
