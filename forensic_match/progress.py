"""Progress bars for long runs (tqdm), shown on standard error."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def progress_bar(items: Iterable[T] | None, *, desc: str, unit: str, **options: Any) -> Any:
    """Wrap ``items`` in a tqdm progress bar (disabled when stderr is not a terminal)."""
    from tqdm.auto import tqdm

    options.setdefault("disable", None)
    options.setdefault("mininterval", 0.5)
    return tqdm(items, desc=desc, unit=unit, **options)
