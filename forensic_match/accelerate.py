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


_blas_controller: Any = None


def one_blas_thread() -> Any:
    """A context in which the BLAS and LAPACK libraries loaded by numpy and scipy run on one
    thread (``threadpoolctl``); the previous limits come back on exit.

    For many small matrix routines called in a row. Measured (``docs/benchmarks.md``, "AM/PM
    evidence inside the Peru-scale search: the goal met"): scipy's ``expm`` of 787 4 x 4
    matrices took 2-6 s instead of 0.01-0.03 s right after a parallel numba kernel, the BLAS
    library's threads and numba's OpenMP threads, both waiting busily, sharing two cores.
    The limit is process-wide while the context lasts (other threads' BLAS calls run on one
    thread too).
    """
    global _blas_controller
    if _blas_controller is None:
        import scipy.linalg  # noqa: F401  (loads scipy's BLAS library, so it is limited too)
        from threadpoolctl import ThreadpoolController

        _blas_controller = ThreadpoolController()
    return _blas_controller.limit(limits=1, user_api="blas")


def environment() -> dict[str, object]:
    """What a run's last bits depend on besides its inputs and configuration: the versions
    of the numerical libraries, the processor, numba's threads and the BLAS libraries'
    threads (``docs/decisions.md``, "The same figures on every run").

    A run repeated on the same machine with the same threads gives the same figures to the
    last bit; with another number of threads or another processor, a body's LR sum over the
    rows (numba's blocks per thread) and the relatives' age likelihoods (a BLAS product)
    can differ in their last bits (about 1e-15 relative). Kept with each stored run
    (``runs.inputs["environment"]``), so that a figure asked for again can be told apart.
    """
    import platform

    import numba
    import numpy
    import polars
    import scipy
    from threadpoolctl import threadpool_info

    blas = sorted({(i.get("internal_api", ""), i.get("version") or "", i.get("num_threads", 0))
                   for i in threadpool_info() if i.get("user_api") == "blas"})
    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "numba": numba.__version__,
            "polars": polars.__version__, "machine": platform.machine(),
            "processor": _processor(), "numba_threads": numba.get_num_threads(),
            "blas": [{"library": lib, "version": version, "threads": threads}
                     for lib, version, threads in blas]}


def _processor() -> str:
    """The processor's model name (Linux ``/proc/cpuinfo``), else ``platform.processor()``."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
