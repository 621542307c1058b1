"""The Python examples of README.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 3
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    result = namespace["result"]
    assert result.lr_total > 1  # the README case is a true trio
    assert namespace["post"].unordered()[("7", "9.3")] > 0.99  # < 1 only by mutation
    found = namespace["found"]
    assert found.identifications.height >= 3  # the bundled programme
    assert found.family_level.height > 20
    assert found.family_level["candidates"].str.contains("an unregistered").any()


def test_hand_written_validation_sections_stand_above_the_generated_part() -> None:
    """``benchmarks/validation.py`` rewrites everything below its marker line in
    ``docs/validation.md``: every hand-written section (a ``## `` heading) must stand above
    it, or a regeneration deletes it."""
    from benchmarks.validation import MARKER

    text = (Path(__file__).resolve().parents[1] / "docs" / "validation.md").read_text(
        encoding="utf-8")
    assert text.count(MARKER) == 1
    below = text[text.index(MARKER):]
    assert not re.findall(r"^## ", below, flags=re.MULTILINE)
