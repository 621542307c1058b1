"""Write docs/benchmarks.md from a pytest-benchmark JSON file.

Usage: ``python benchmarks/report.py RESULTS.json`` (``make bench`` does this).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Goals from the issue "The exact kinship likelihood engine": at least 25x faster than the
# established R implementation (pedprobr): 2.9 ms for a trio (124 us per marker) and 313 us per
# marker for an 8-person cousin pedigree with 3 typed.
GOALS_US_PER_MARKER = {"trio": 5.0, "family12": 12.0, "cousin_loop": 12.0}
PEER_US_PER_MARKER = {"trio": 124.0, "cousin_loop": 313.0}


def main(path: str) -> None:
    data = json.loads(Path(path).read_text())
    machine = data["machine_info"]
    lines = ["# Benchmarks", "",
             "Written by `benchmarks/report.py` from `make bench` (pytest-benchmark); the "
             "numbers are the median of many rounds after a warm-up call that compiles the "
             "kernels. Every call goes through the public API, encoding of the profiles "
             "included.", "",
             f"- date: {data['datetime'][:19]} UTC",
             f"- machine: {machine.get('cpu', {}).get('brand_raw', machine.get('processor'))}, "
             f"{machine.get('cpu', {}).get('count', '?')} cores, "
             f"{machine['system']} {machine['release']}",
             f"- Python {machine['python_version']}",
             "- command: `make bench`", "",
             "## Pedigree likelihood, 23 markers (fbi2015_sw_hispanic)", "",
             "| benchmark | model | median per call | per marker | goal per marker | peer (R) per "
             "marker | speed-up over peer |",
             "|---|---|---|---|---|---|---|"]
    for b in data["benchmarks"]:
        info = b["extra_info"]
        med = b["stats"]["median"] * 1e6
        per = med / info["markers"]
        shape = info["shape"]
        goal = GOALS_US_PER_MARKER.get(shape) if info["model"] == "equal" and \
            "posterior" not in shape else None
        peer = PEER_US_PER_MARKER.get(shape)
        lines.append(f"| {shape} | {info['model']} | {med:,.0f} µs | {per:,.1f} µs | "
                     f"{'' if goal is None else f'< {goal:g} µs'} | "
                     f"{'' if peer is None else f'{peer:g} µs'} | "
                     f"{'' if peer is None else f'{peer / per:,.0f}x'} |")
    lines += ["", "Shapes: `trio` = father, mother, child, all typed; `family12` = three "
              "generations, 12 people, 4 typed (grandmother, mother, sister, paternal cousin), "
              "missing person untyped; `cousin_loop` = a child of first cousins (9 people, "
              "a loop), 3 typed. The peer figures were measured by the issue's author for a "
              "trio and for an 8-person cousin pedigree with 3 typed; `cousin_loop` is the "
              "closest shape here.",
              "", "`equal` is lumpable (alleles nobody shows merge into one), `stepwise` is "
              "not, so untyped individuals carry every allele of the marker (up to 50 for "
              "SE33): that is the cost shown."]
    out = ROOT / "docs" / "benchmarks.md"
    text = out.read_text() if out.exists() else ""
    marker = "<!-- likelihood benchmarks end -->"
    rest = text.split(marker, 1)[1] if marker in text else ""
    out.write_text("\n".join(lines) + "\n" + marker + rest)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "benchmarks" / "results.json"))
