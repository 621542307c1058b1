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
