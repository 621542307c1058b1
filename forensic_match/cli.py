"""The ``forensic-match`` command.

``forensic-match lr CASE.json [CASE.json ...]`` prints one JSON object per case;
``forensic-match demo`` runs a worked missing-person case on bundled data.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import click

from forensic_match.errors import ForensicMatchError


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _lr_record(case_id: str, result: Any) -> dict[str, Any]:
    return {"id": case_id, "lr_total": _finite(result.lr_total),
            "log10_lr_total": _finite(result.log10_lr_total),
            "lr_per_marker": {k: _finite(v) for k, v in result.lr_per_marker.items()}}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="forensic_match")
def main() -> None:
    """Identify human remains by DNA kinship likelihood ratios."""


@main.command("lr")
@click.argument("cases", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--provenance/--no-provenance", default=False,
              help="Add package version, parameters and input hashes to each record.")
def lr_command(cases: tuple[str, ...], provenance: bool) -> None:
    """Kinship LR of each CASE.json (H1 against H2), one JSON object per line."""
    from forensic_match.cases import KinshipCase, load_case

    failed = False
    for path in cases:
        try:
            case = load_case(path)
            if not isinstance(case, KinshipCase):
                raise ForensicMatchError(f"file {path!r}: not a kinship case (kind "
                                         f"{case.kind!r}); use 'forensic-match solve'")
        except ForensicMatchError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        try:
            result = case.solve()
        except ForensicMatchError as exc:
            # load_case names the file in its messages; the engine never sees the file name.
            click.echo(f"error: file {path!r}: {exc}", err=True)
            failed = True
            continue
        record = _lr_record(case.id, result)
        if provenance:
            record["provenance"] = result.provenance
        click.echo(json.dumps(record, allow_nan=False))
    if failed:
        sys.exit(1)


@main.command("demo")
def demo_command() -> None:
    """A worked case: a missing person and both parents, 23 markers (bundled example)."""
    from forensic_match.cases import load_case

    path = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "demo_mp_parents.json"
    case = load_case(path)
    result = case.solve()
    click.echo(f"Case {case.id}: {case.description}")
    click.echo("H1: the remains (MP) are the child of the typed father F and mother M")
    click.echo("H2: MP is unrelated to them\n")
    click.echo(f"{'marker':<10} {'MP':>11} {'F':>11} {'M':>11} {'LR':>12}")
    geno = case.genotypes
    for name, lr in result.lr_per_marker.items():
        cells = ["/".join(str(a) for a in geno.get(i, {}).get(name, ("-",))) for i in
                 ("MP", "F", "M")]
        click.echo(f"{name:<10} {cells[0]:>11} {cells[1]:>11} {cells[2]:>11} {lr:>12.4g}")
    click.echo(f"\nTotal LR = {result.lr_total:.6g}  (log10 LR = {result.log10_lr_total:.3f})")
    prior = 1.0 / 1000
    post = prior * result.lr_total / (prior * result.lr_total + 1 - prior)
    complement = (1 - prior) / (prior * result.lr_total + 1 - prior)
    shown = f"{post:.6f}" if complement > 1e-6 else f"1 - {complement:.2g}"
    click.echo(f"Posterior probability of identity with a prior of 1/1000: {shown}")
    click.echo(f"Frequencies: {case.extra.get('frequencies', 'case file')}; "
               f"sha256 {result.provenance['frequencies_sha256'][:16]}")


if __name__ == "__main__":  # pragma: no cover
    main()
