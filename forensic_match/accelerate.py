"""The one place that decides how numba compiles forensic_match's kernels.

Kernels are compiled on first use, never at import. The on-disk cache (``cache=True``) is on by
default so that the command line and the test suite do not pay for compilation again; set
``FORENSIC_MATCH_NUMBA_CACHE=0`` to switch it off (cached kernels and several processes sharing
one cache folder have caused trouble elsewhere). ``NUMBA_CACHE_DIR`` moves the cache.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def _cache_enabled() -> bool:
    return os.environ.get("FORENSIC_MATCH_NUMBA_CACHE", "1").strip().lower() not in (
        "0", "false", "no", "off")


def jit(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``numba.njit`` with the project's options (nopython, cache as configured)."""
    import numba

    options.setdefault("cache", _cache_enabled())
    options.setdefault("nogil", True)
    if func is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(func)
