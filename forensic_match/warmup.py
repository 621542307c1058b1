"""Compile every numba kernel a first run needs, once, into the on-disk cache.

Kernels are compiled on first use (``forensic_match.accelerate``); a new installation would
otherwise spend its first ``forensic-match demo`` compiling (about 25 s on a 2-core machine
against 3 s warm, ``docs/benchmarks.md``). ``python -m forensic_match.warmup`` runs the demo's
two workloads quietly (a kinship case; the blind search and identification of the bundled
programme, with AM/PM evidence scored on it) so that the cache holds what they compile. The
Makefile runs it once after installing; after a plain ``pip install .`` run it by hand. The
cache files depend on the machine's CPU: they are built where they are used, never shipped.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent / "data" / "examples"


def warm_up() -> float:
    """Run the demo workloads without output; returns the seconds it took."""
    from forensic_match.cases import load_case
    from forensic_match.dvi.identify import identify
    from forensic_match.evidence import Evidence

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_case(EXAMPLES / "demo_mp_parents.json").solve()
        ds = load_case(EXAMPLES / "programme_small.json")
        identify(ds.am, ds.pm, ds.markers)
        identify(ds.am, ds.pm, ds.markers, evidence=Evidence.from_dataset(ds))
    return time.perf_counter() - start


def main() -> None:
    seconds = warm_up()
    print(f"forensic_match: kernels compiled and cached in {seconds:.0f} s")


if __name__ == "__main__":
    main()
