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


#: The bundled examples, package data (``datasets/examples`` links to them in the repository).
EXAMPLES = Path(__file__).resolve().parent / "data" / "examples"


def _json_safe(value: Any) -> Any:
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _print_identifications(result: Any) -> None:
    ids = result.identifications
    click.echo(f"{ids.height} proposed identifications:\n")
    for r in ids.iter_rows(named=True):
        frags = r["fragments"].split(",")
        body = r["pm"] if len(frags) == 1 else f"{r['pm']} (fragments {', '.join(frags)})"
        click.echo(f"  {body} -> {r['missing']} of family {r['family']}  [{r['rule']}]")
        click.echo(f"      {r['reason']}")


@main.command("demo")
@click.option("--workers", default=1, show_default=True, help="Processes for compiling.")
def demo_command(workers: int) -> None:
    """Worked examples on bundled data: one kinship case, then a whole programme.

    First a missing person with both parents typed (23 markers, LR per marker); then the
    blind search and identification of the bundled synthetic programme (200 families, 150 PM
    samples), checked against its ground truth.
    """
    _demo_kinship()
    click.echo("\n" + "=" * 78 + "\n")
    _demo_programme(workers)


def _demo_programme(workers: int) -> None:
    from forensic_match.cases import load_case
    from forensic_match.dvi.identify import identify

    path = EXAMPLES / "programme_small.json"
    ds = load_case(path)
    truth = ds.extra.get("truth", {})
    click.echo(f"Programme {ds.id}: {len(ds.am)} reference families, "
               f"{sum(len(f.missing) for f in ds.am)} missing persons, {len(ds.pm)} PM samples")
    result = identify(ds.am, ds.pm, ds.markers, workers=workers)
    _print_identifications(result)
    ids = result.identifications
    correct = sum(all(truth.get(f) == r["missing"] for f in r["fragments"].split(","))
                  for r in ids.iter_rows(named=True))
    found = {b for b, m in truth.items() if m is not None}
    fam = result.family_level
    if fam.height:
        click.echo(f"\n{fam.height} more bodies belong with certainty to one family, but DNA "
                   f"cannot tell which of its missing persons (antemortem data can):")
        for r in fam.head(5).iter_rows(named=True):
            click.echo(f"  {r['pm']} -> family {r['family']}: {r['candidates']} "
                       f"(posterior for the family {r['posterior']:.6f})")
        if fam.height > 5:
            click.echo(f"  ... and {fam.height - 5} more")
    fam_ok = sum(all((truth.get(f) or "").startswith(r["family"] + "_")
                     for f in r["fragments"].split(",")) for r in fam.iter_rows(named=True))
    click.echo(f"\nAgainst the simulation's ground truth: {correct} correct, "
               f"{ids.height - correct} false identifications; family level {fam_ok} correct, "
               f"{fam.height - fam_ok} false; {len(found)} PM samples come from missing "
               f"persons.")


def _demo_kinship() -> None:
    from forensic_match.cases import load_case

    path = EXAMPLES / "demo_mp_parents.json"
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


@main.command("solve")
@click.argument("dataset", type=click.Path(dir_okay=False))
@click.option("--max-solutions", default=20, show_default=True,
              help="Joint solutions listed, best first.")
def solve_command(dataset: str, max_solutions: int) -> None:
    """Solve an identification DATASET.json; print pairwise LRs, undisputed, joint and
    proposed identifications as one JSON object."""
    from forensic_match.cases import DviDataset, load_case
    from forensic_match.dvi.identify import identify
    from forensic_match.dvi.joint import joint_solutions, pairwise_lr_matrix, undisputed

    try:
        ds = load_case(dataset)
        if not isinstance(ds, DviDataset):
            raise ForensicMatchError(f"file {dataset!r}: not an identification dataset; use "
                                     f"'forensic-match lr'")
        pw = pairwise_lr_matrix(ds)
        und = undisputed(pw, dataset=ds)
        joint = joint_solutions(ds, max_solutions=max_solutions)
        ids = identify(ds.am, ds.pm, ds.markers, min_markers=1, theta=ds.theta).identifications
    except ForensicMatchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    out = {
        "id": ds.id,
        "pairwise": [{"pm": r["pm"], "missing": r["missing"], "lr": r["lr"],
                      "inconsistent_markers": r["inconsistent_markers"]}
                     for r in pw.iter_rows(named=True)],
        "undisputed": [{"pm": r["pm"], "missing": r["missing"], "lr": r["lr"]}
                       for r in und.iter_rows(named=True)],
        "joint": [{"assignment": a, "loglik": r["loglik"], "lr": r["lr"],
                   "posterior": r["posterior"]}
                  for a, r in zip(joint.assignments, joint.solutions.iter_rows(named=True))],
        "identifications": [{"pm": r["pm"], "missing": r["missing"], "lr": r["lr"],
                             "posterior": r["posterior"], "rule": r["rule"]}
                            for r in ids.iter_rows(named=True)]}
    click.echo(json.dumps(_json_safe(out), allow_nan=False))


def _write_tables_atomically(result: Any, target: Path) -> None:
    """Write the result tables into ``target``: built in a hidden sibling folder, then swapped
    in by renames, so that ``target`` is always either the old complete output or the new."""
    import shutil
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".fm-", dir=target.parent))
    old = target.with_name(f".fm-old-{target.name}")
    try:
        result.identifications.write_csv(tmp / "identifications.csv")
        result.family_level.write_csv(tmp / "family_level.csv")
        result.held_back.write_csv(tmp / "held_back.csv")
        result.search.by_sample.write_csv(tmp / "candidates_by_sample.csv")
        result.search.by_missing.write_csv(tmp / "candidates_by_missing.csv")
        result.search.pairs.write_csv(tmp / "pairs.csv")
        (tmp / "parameters.json").write_text(json.dumps(_json_safe(result.parameters)))
        if target.exists():
            target.replace(old)
        tmp.replace(target)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        if old.exists() and not target.exists():
            old.replace(target)
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


@main.command("search")
@click.option("--pedigrees", required=True, type=click.Path(dir_okay=False),
              help="Table family,id,father,mother,sex,missing.")
@click.option("--relatives", required=True, type=click.Path(dir_okay=False),
              help="Genotypes of the typed relatives (long or CE-export layout).")
@click.option("--pm", "pm_path", required=True, type=click.Path(dir_okay=False),
              help="Genotypes of the PM samples.")
@click.option("--samples", type=click.Path(dir_okay=False),
              help="PM sample table: sample,sex,site,dropout,...")
@click.option("--frequencies", default="fbi2015_sw_hispanic", show_default=True,
              help="A bundled table name or a frequency file.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the result tables (created; replaced only when complete).")
@click.option("--workers", default=1, show_default=True)
@click.option("--min-markers", default=8, show_default=True,
              help="Pairs compared on fewer markers are not considered.")
@click.option("--theta", default=0.0, show_default=True,
              help="Subpopulation correction (proposed LRs recomputed exactly).")
@click.option("--cache", type=click.Path(dir_okay=False),
              help="Compiled tables kept between runs (.npz): unchanged families are not "
                   "compiled again.")
def search_command(pedigrees: str, relatives: str, pm_path: str, samples: str | None,
                   frequencies: str, out_dir: str, workers: int, min_markers: int,
                   theta: float, cache: str | None) -> None:
    """Blind search and identification on your files; writes ranked candidate tables."""

    from forensic_match.dvi.identify import identify
    from forensic_match.dvi.records import read_families, read_pm_samples
    from forensic_match.frequencies import available_frequencies, load_frequencies, read_frequencies

    try:
        db = load_frequencies(frequencies) if frequencies in available_frequencies() \
            else read_frequencies(frequencies)
        families = read_families(pedigrees, relatives, markers=db)
        pm = read_pm_samples(pm_path, samples_path=samples, markers=db)
        names = sorted({m for s in pm for m in s.genotypes} |
                       {m for f in families for p in f.genotypes.values() for m in p})
        markers = db.markers_for([n for n in db.markers if n in names])
        result = identify(families, pm, markers, workers=workers, progress=True,
                          min_markers=min_markers, theta=theta, cache=cache)
    except ForensicMatchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    target = Path(out_dir)
    try:
        _write_tables_atomically(result, target)
    except OSError as exc:
        click.echo(f"error: cannot write results to {str(target)!r}: {exc}", err=True)
        sys.exit(1)
    _print_identifications(result)
    click.echo(f"\nTables written to {target}/")


if __name__ == "__main__":  # pragma: no cover
    main()
