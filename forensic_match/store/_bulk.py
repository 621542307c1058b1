"""Helpers of the store's bulk steps (first load, read-back, verify)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off while a bulk step builds many objects, on again
    afterwards if it was on.

    A first load writes, a run reads and ``verify`` checks hundreds of thousands of rows; the
    collector's repeated scans of the growing heap doubled the read-back at Peru scale
    (``docs/store.md``). Nested and concurrent pauses are counted, so the last one out
    restores the collector. Memory is not at risk: these objects hold no reference cycles,
    and whatever has cycles is collected once the collector is back.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()
