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

from forensic_match.decide.posterior import posterior_text
from forensic_match.decide.priors import LINEAGE_KIN_WEIGHT, REFERENCE_KIN_WEIGHT
from forensic_match.errors import ForensicMatchError, finite_json


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _lr_record(case_id: str, result: Any) -> dict[str, Any]:
    record = {"id": case_id, "lr_total": _finite(result.lr_total),
              "log10_lr_total": _finite(result.log10_lr_total),
              "lr_per_marker": {k: _finite(v) for k, v in result.lr_per_marker.items()}}
    chromosomes = getattr(result, "log10_lr_per_chromosome", None)
    if chromosomes is not None:  # linked markers (docs/linked.md, "Linked kinship cases")
        record["log10_lr_per_chromosome"] = {k: _finite(v) for k, v in chromosomes.items()}
    return record


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="forensic_match")
def main() -> None:
    """Identify human remains by DNA kinship likelihood ratios."""


@main.command("lr")
@click.argument("cases", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--provenance/--no-provenance", default=False,
              help="Add package version, parameters and input hashes to each record.")
@click.option("--h1", "h1", default=None, metavar="NAME",
              help="Familias .fam files: the one pedigree to compare (default: every pedigree "
                   "other than the reference).")
@click.option("--h2", "h2", default=None, metavar="NAME",
              help="Familias .fam files: the reference pedigree, the LR's denominator "
                   "(default: the last pedigree relating only the typed persons every "
                   "pedigree relates, e.g. none, or a typed mother and her child; if there "
                   "is none, the last pedigree).")
def lr_command(cases: tuple[str, ...], provenance: bool, h1: str | None, h2: str | None
               ) -> None:
    """Kinship LR of each CASE.json (H1 against H2), one JSON object per line.

    A Familias file (CASE.fam) gives one line per pedigree against a reference pedigree
    (--h1, --h2; docs/familias.md), with the pedigrees' names in ``h1`` and ``h2``.
    """
    from forensic_match.cases import KinshipCase, load_case

    say = _Messages(quiet=False)
    failed = False
    for path in cases:
        try:
            if _is_fam(path):
                with say.collect("lr"):
                    questions = _fam_kinship(path, h1, h2)
            else:
                if h1 is not None or h2 is not None:
                    raise ForensicMatchError(f"file {path!r}: --h1 and --h2 choose pedigrees "
                                             f"of Familias .fam files; a JSON case has its own "
                                             f"H1 and H2")
                case = load_case(path)
                if not isinstance(case, KinshipCase):
                    raise ForensicMatchError(f"file {path!r}: not a kinship case (kind "
                                             f"{case.kind!r}); use 'forensic-match solve'")
                questions = [(case, None)]
        except ForensicMatchError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        for case, names in questions:
            try:
                with say.collect("lr"):
                    result = case.solve()
            except ForensicMatchError as exc:
                # load_case names the file in its messages; the engine never sees the file name.
                click.echo(f"error: file {path!r}: {exc}", err=True)
                failed = True
                continue
            record = _lr_record(case.id, result)
            if names is not None:
                record = {"id": record["id"], "h1": names[0], "h2": names[1],
                          **{k: v for k, v in record.items() if k != "id"}}
            if provenance:
                record["provenance"] = result.provenance
            click.echo(json.dumps(record, allow_nan=False))
    if failed:
        sys.exit(1)


def _is_fam(path: str) -> bool:
    return path.lower().endswith(".fam")


def _fam_kinship(path: str, h1: str | None, h2: str | None) -> list[tuple[Any, tuple[str, str]]]:
    """The kinship cases of a Familias file, each with its (h1, h2) pedigree names; says on
    stderr which pedigrees were compared and that dropout settings are not applied."""
    from forensic_match.familias import read_fam
    from forensic_match.familias.convert import kinship_cases, reference_rule

    case = read_fam(path)
    if not case.pedigrees and case.dvi is not None:
        raise ForensicMatchError(f"file {path!r}: only a [DVI] section, no pedigrees; use "
                                 f"'forensic-match solve'")
    questions = kinship_cases(case, h1=h1, h2=h2)
    rule = "--h2" if h2 is not None else reference_rule(case)[1]
    click.echo(f"{path}: LR of {[q.extra['h1'] for q in questions]} against "
               f"{questions[0].extra['h2']!r} ({rule})", err=True)
    dropout = any(v > 0 for v in case.dropout.values()) and case.dropout_persons
    advanced = case.settings.get("Advanced/Direct/Identity", {}).get("Dropout", "0")
    if dropout or _nonzero(advanced):
        click.echo(f"warning: {path}: Familias dropout settings are read but not applied; "
                   f"these LRs assume no dropout (docs/familias.md)", err=True)
    return [(q, (q.extra["h1"], q.extra["h2"])) for q in questions]


def _fam_dataset(path: str, pedigree: str | None, missing_prefix: str) -> Any:
    """The identification dataset of a Familias file's [DVI] section."""
    from forensic_match.familias import read_fam
    from forensic_match.familias.convert import dvi_dataset

    case = read_fam(path)
    if case.dvi is None:
        raise ForensicMatchError(f"file {path!r}: no [DVI] section; use 'forensic-match lr'")
    advanced = case.settings.get("Advanced/Direct/Identity", {}).get("Dropout", "0")
    if _nonzero(advanced) or (case.dropout_persons and any(case.dropout.values())):
        click.echo(f"warning: {path}: Familias dropout settings are read but not applied; "
                   f"these LRs assume no dropout (docs/familias.md)", err=True)
    return dvi_dataset(case, pedigree=pedigree, missing_prefix=missing_prefix)


def _nonzero(text: str) -> bool:
    try:
        return float(text) != 0.0
    except ValueError:
        return bool(text.strip())


#: The bundled examples, package data (``datasets/examples`` links to them in the repository).
EXAMPLES = Path(__file__).resolve().parent / "data" / "examples"



def _print_identifications(result: Any) -> None:
    ids = result.identifications
    click.echo(f"{ids.height} proposed identifications:\n")
    for r in ids.iter_rows(named=True):
        frags = r["fragments"].split(",")
        body = r["pm"] if len(frags) == 1 else f"{r['pm']} (fragments {', '.join(frags)})"
        click.echo(f"  {body} -> {r['missing']} of family {r['family']}  [{r['rule']}]")
        click.echo(f"      {r['reason']}")
    checks = result.family_checks
    if checks is not None and checks.height:
        bad = checks.filter(checks["verdict"].is_in(["contradicted", "identical profiles"]))
        click.echo(f"\nReferences checked against their pedigrees: {checks.height} pairs of "
                   f"typed relatives in {checks['family'].n_unique()} families, "
                   f"{bad['family'].n_unique()} with a contradicted pair (a contradicted "
                   f"family's proposals are held back).")


@main.command("demo")
@click.option("--workers", default=1, show_default=True, help="Processes for compiling.")
def demo_command(workers: int) -> None:
    """Worked examples on bundled data: one kinship case, then a whole programme.

    First a missing person with both parents typed (23 markers, LR per marker); then the
    blind search and identification of the bundled synthetic programme (200 families, 150 PM
    samples), checked against its ground truth.
    """
    with _Messages(quiet=False).collect("demo"):
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
                   f"cannot tell which of its missing persons, or an unregistered relative "
                   f"of theirs, each is (antemortem data can):")
        for r in fam.head(5).iter_rows(named=True):
            click.echo(f"  {r['pm']} -> family {r['family']}: {r['candidates']} "
                       f"(posterior for the family {posterior_text(r['posterior'])})")
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


#: The H2 population of the evidence LRs (``solve`` and ``search``).
_evidence_population = click.option(
    "--evidence-population", type=click.Choice(["peru", "register"]), default="peru",
    show_default=True,
    help="With --evidence: the victim population of the H2 denominators: the documented "
         "Peruvian table, or the ages and sexes of this run's own register of missing persons "
         "(docs/evidence.md, 'The register as the population').")


_place_coordinates = click.option(
    "--place-coordinates", type=click.Path(dir_okay=False), default=None, metavar="FILE",
    help="With --place-prior: a table of the place codes of disappearance and recovery with "
         "their coordinates (columns place, lat, lon; CSV, Excel or Parquet; in Peru e.g. "
         "the UBIGEO district centroids). It replaces the dataset's district_coordinates "
         "(docs/place-prior.md).")


def _with_place_coordinates(ds: Any, path: str | None, place_prior: bool) -> None:
    """Put the coordinates of ``--place-coordinates FILE`` into the dataset (its
    ``district_coordinates``, which the place prior reads)."""
    if path is None:
        return
    if not place_prior:
        raise ForensicMatchError("--place-coordinates needs --place-prior")
    from forensic_match.evidence.place import read_place_coordinates

    ds.extra["district_coordinates"] = {k: list(v)
                                        for k, v in read_place_coordinates(path).items()}


def _lineage_decision(f: Any) -> Any:
    """How lineage markers are weighed, for the commands that use them."""
    for option in reversed([
        click.option("--lineage-kin", type=click.FloatRange(min=0.0),
                     default=LINEAGE_KIN_WEIGHT, show_default=True,
                     help="With lineage markers: prior weight of an unrecorded kinsman of each "
                          "family's lineages (a man of the patrilineage outside the pedigree), "
                          "against one missing person; he shares the Y haplotype, so only "
                          "autosomal evidence sets the missing person above him "
                          "(docs/decisions.md). 0 lets a lineage match stand in for autosomal "
                          "evidence."),
        click.option("--y-frequencies",
                     type=click.Choice(["count", "count_upper", "kappa", "disclap"]),
                     default="count",
                     show_default=True,
                     help="With lineage markers: Y haplotype frequencies by counting in the "
                          "database ((x+1)/(N+1)), its Clopper-Pearson upper bound, "
                          "Brenner's kappa, or a discrete Laplace mixture fitted to the "
                          "database, its number of clusters by BIC (docs/lineage.md)."),
        click.option("--y-theta", type=click.FloatRange(0.0, 1.0, max_open=True),
                     default=0.0, show_default=True,
                     help="With lineage markers: subpopulation correction of the Y match "
                          "probability, theta + (1 - theta) f for the reference's haplotype "
                          "(docs/lineage.md); a village's common patrilineage should not "
                          "count as a rare haplotype."),
        click.option("--mt-theta", type=click.FloatRange(0.0, 1.0, max_open=True),
                     default=0.0, show_default=True,
                     help="With lineage markers: subpopulation correction of the mtDNA match "
                          "probability, as --y-theta for the reference's mitotype "
                          "(docs/lineage.md).")]):
        f = option(f)
    return f


def _snp_model(prefix: str = "") -> Any:
    """The options of the linked-SNP model (panel, map, substructure, error model, limits of
    the exact family computation), named ``--{prefix}panel`` etc.: ``snp-search`` uses them
    bare, ``solve`` with the prefix ``snp-`` (its other options are about STR markers).
    Their parameters are named ``{prefix}panel_path``, ``{prefix}fst``... (``-`` as ``_``)."""
    name = prefix.replace("-", "_")

    def opt(flag: str, param: str, **kwargs: Any) -> Any:
        return click.option(f"--{prefix}{flag}", f"{name}{param}", **kwargs)

    def decorate(f: Any) -> Any:
        for option in reversed([
            opt("panel", "panel_path", type=click.Path(dir_okay=False), default=None,
                help="SNP panel (chrom,marker,mb,a1,a2,freq_a1,cm_male,cm_female)  [default: "
                     "the bundled FORCE panel, as in ../shared/snp]"),
            opt("map", "map_path", type=click.Path(dir_okay=False), default=None,
                help="Sex-specific genetic map (chrom,mb,cm_male,cm_female): the panel's cM "
                     "positions are interpolated from it  [default: the panel's own cM "
                     "columns]"),
            opt("chromosomes", "chromosomes", default=None, metavar="LIST",
                help="Use only these chromosomes of the panel (comma-separated)."),
            opt("fst", "fst", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.0,
                show_default=True,
                help="Coancestry of founder genes under both hypotheses (Balding-Nichols "
                     "F_ST, the forensic theta; docs/linked.md)."),
            opt("pm-error", "pm_error", type=click.FloatRange(0.0, 1.0, max_open=True),
                default=0.01, show_default=True,
                help="Genotype error probability of the PM samples."),
            opt("reference-error", "reference_error",
                type=click.FloatRange(0.0, 1.0, max_open=True), default=0.01,
                show_default=True, help="Genotype error probability of the references."),
            opt("pm-dropout", "pm_dropout", type=click.FloatRange(0.0, 1.0, max_open=True),
                default=0.0, show_default=True,
                help="Allele dropout probability of the PM samples."),
            opt("min-snps", "min_snps", type=click.IntRange(min=0), default=100,
                show_default=True,
                help="PM samples typed at fewer SNPs are not compared on SNPs (snp-search "
                     "lists them in its not_searched table); missing calls carry no "
                     "information."),
            opt("approximation", "approximation", type=click.Choice(["branches", "best"]),
                default="branches", show_default=True,
                help="Several references beyond the exact family computation's limits: "
                     "product over independent branches of each branch's best LR, or the "
                     "best single reference (docs/linked.md)."),
            opt("family-max-persons", "family_max_persons", type=click.IntRange(min=1),
                default=4, show_default=True,
                help="Exact family LR with at most this many typed persons."),
            opt("family-max-bits", "family_max_bits", type=click.IntRange(min=0, max=20),
                default=12, show_default=True,
                help="Exact family LR with at most this many free meioses."),
            opt("skip-uncomputable", "skip_uncomputable", is_flag=True,
                help="Leave out (with a warning) a reference whose relationship to a missing "
                     "person the linked model cannot compute, instead of stopping.")]):
            f = option(f)
        return f
    return decorate


#: The options of :func:`_snp_model` that are options of ``SnpScores`` as they are.
SNP_SCORE_OPTIONS = ("fst", "pm_error", "reference_error", "pm_dropout", "min_snps",
                     "approximation", "family_max_persons", "family_max_bits",
                     "skip_uncomputable")


def _lineage_options(y_frequencies: str, y_theta: float, mt_theta: float = 0.0
                     ) -> dict[str, Any]:
    """``lineage_lr``'s options from :func:`_lineage_decision`'s (one place for every
    command that takes them)."""
    return {"y_method": y_frequencies, "y_theta": y_theta, "mt_theta": mt_theta}


def _with_y_fit(lineage: Any, y_frequencies: str) -> Any:
    """The lineage data, with a discrete Laplace fit of its Y database when the Y
    frequencies are ``disclap`` and it has none."""
    if y_frequencies == "disclap" and lineage.disclap is None:
        lineage.fit_disclap()
    return lineage


#: Said in every ``solve`` output: dvir's tables assume a closed list (an outside check,
#: 2026-12-07: in 6 of 12 worlds with an unregistered relative's body the best joint
#: assignment gave him the missing person's place, at 0.72 to 0.9987, and nothing said the
#: tables assume that every victim is registered).
_CLOSED_TABLES_NOTE = (
    "undisputed, joint and dviSolve tables (am_table, pm_table) are dvir's closed-list "
    "analysis: every body is a listed missing person or nobody, and no unregistered "
    "relative is weighed; where the grave may hold victims the list does not (relatives "
    "killed together), read the identifications and family_level, which weigh them (unless "
    "--closed)")


@main.command("solve")
@click.argument("dataset", type=click.Path(dir_okay=False))
@click.option("--max-solutions", default=20, show_default=True,
              help="Joint solutions listed, best first.")
@click.option("--closed", is_flag=True,
              help="A closed disaster as dvir models it: flat prior over assignments and no "
                   "unregistered relative as an alternative. Only where every victim is "
                   "registered: an unregistered relative in the grave is then proposed as "
                   "the missing person (cautioned where he fits better).")
@click.option("--undisputed", "require_undisputed", is_flag=True,
              help="Proposals must also meet dvir's undisputed rule (LR >= 1e4 and 1e4 x "
                   "every competitor).")
@click.option("--max-assignments", default=1_000_000, show_default=True,
              help="Joint analysis: a connected component with more possible assignments is "
                   "not enumerated (named in the notes); above it in all, the best solutions "
                   "are found without listing every combination. dviSolve's joint of one "
                   "family is skipped above min(this, its maxAssign 1e5).")
@click.option("--max-pairs", default=20_000, show_default=True,
              help="Above this many sex-compatible pairs the pairwise list is left out of the "
                   "output (with a note); the LRs are still computed and used.")
@click.option("--tables", "show_tables", is_flag=True,
              help="Print dviSolve's AM and PM tables as readable text instead of the JSON.")
@click.option("--evidence", "use_evidence", is_flag=True,
              help="Use the dataset's antemortem and postmortem fields (age, stature, sex "
                   "morphology, dental, features, implants, effects; docs/evidence.md) in the "
                   "identifications. Off by default: the fields' error model (e.g. the "
                   "coverage of an age interval) must be the one docs/evidence.md states.")
@click.option("--place-prior", is_flag=True,
              help="With the evidence, also the place-and-date prior (docs/place-prior.md).")
@_place_coordinates
@_evidence_population
@click.option("--pedigree", "fam_pedigree", default=None, metavar="NAME",
              help="Familias .fam files: the pedigree of every DVI family to use (default: "
                   "each family's one pedigree not called 'Reference pedigree', as dvir).")
@click.option("--missing-prefix", default="Missing", show_default=True,
              help="Familias .fam files: the missing persons of a DVI family are the members "
                   "of its pedigree whose name begins with this (as dvir).")
@click.option("--pm-dropout", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.0,
              show_default=True,
              help="Per-allele dropout given to every PM sample the dataset gives none (a "
                   "Familias file gives none): every table then reads their lone alleles as "
                   "possible dropout. 0 as dvir, which has no dropout; 'search' and 'run' use "
                   "0.05 (docs/configuration.md).")
@click.option("--lineage", "use_lineage", is_flag=True,
              help="Add the Y-STR and mtDNA LRs of the dataset's lineage data (docs/lineage.md) "
                   "to the identifications' scores. Off by default.")
@_lineage_decision
@click.option("--snp-references", type=click.Path(dir_okay=False), default=None,
              help="SNP genotypes of the families' typed relatives: long form family,sample,"
                   "marker,allele1,allele2 (CSV, TSV, Parquet, Excel; family and sample as in "
                   "the dataset). With --snp-pm, the identifications add the linked-SNP LR "
                   "(docs/linked.md).")
@click.option("--snp-pm", type=click.Path(dir_okay=False), default=None,
              help="SNP genotypes of the PM samples (long form sample,marker,allele1,allele2 "
                   "or a VCF with GT calls; ids as the dataset's PM samples).")
@click.option("--reference-kin", type=click.FloatRange(min=0.0), default=REFERENCE_KIN_WEIGHT,
              show_default=True,
              help="Prior weight of each undrawn relative (child, sibling, nephew, in-law "
                   "cousin) of a distant reference (no parent, child or full sibling of a "
                   "missing person) and, with SNPs, of an SNP-typed reference: a person "
                   "outside the family (docs/decisions.md, 'Relatives of a reference'). 0 "
                   "lets a reference's own relative be placed as the missing person.")
@_snp_model("snp-")
def solve_command(dataset: str, max_solutions: int, closed: bool, require_undisputed: bool,
                  max_assignments: int, max_pairs: int, show_tables: bool,
                  use_evidence: bool, place_prior: bool, place_coordinates: str | None,
                  fam_pedigree: str | None,
                  missing_prefix: str, pm_dropout: float, use_lineage: bool,
                  lineage_kin: float,
                  y_frequencies: str, evidence_population: str = "peru", y_theta: float = 0.0,
                  mt_theta: float = 0.0,
                  snp_references: str | None = None, snp_pm: str | None = None,
                  reference_kin: float = REFERENCE_KIN_WEIGHT, **snp_model: Any) -> None:
    """Solve an identification DATASET.json, or the [DVI] section of a Familias DATASET.fam
    (docs/familias.md); print pairwise LRs, undisputed, joint, dviSolve's AM and PM tables,
    proposed identifications and family-level proposals as one JSON object.

    Pairwise LRs come from the compiled tables (docs/matching.md), computed once and shared
    by the undisputed list, the joint analysis (per connected component, docs/joint.md) and
    the dviSolve tables (``am_table``, ``pm_table``: dvir 3.4's conclusions,
    docs/dvisolve.md); the exact engine computes what the tables cannot (theta, families
    conditioned on identified profiles, joint likelihoods). The identifications are those
    of the programme pipeline (``docs/decisions.md``): joint posteriors with unregistered
    relatives and the open set as alternatives, priors from the dataset (or ``--closed``),
    every proposal at posterior >= 0.9995; each table row says in its ``forensic_match``
    column whether the pipeline agrees with dvir's conclusion. With ``--evidence`` the
    dataset's antemortem and postmortem fields enter the identifications; dvir's tables and
    the pairwise LRs stay DNA only. With ``--lineage`` the identifications also use the Y-STR
    and mtDNA data (``lineage``, ``pm[].ystr/mtdna``, ``am[].ystr/mtdna``, lab-export Y rows);
    the other outputs stay autosomal. With ``--snp-references`` and ``--snp-pm`` they also
    use the linked-SNP LR of the families' SNP-typed relatives (docs/linked.md, the
    ``--snp-*`` options as ``snp-search``'s), and the undrawn relatives of those references
    as people outside the family (``--reference-kin``, which also weighs the relatives of
    distant references without SNPs); the JSON gains ``snp`` (panel, map, model, inputs'
    sha256).
    """
    import dataclasses

    from forensic_match.cases import DviDataset, load_case, with_dropout
    from forensic_match.dvi.dvisolve import compiled_tables, dvi_solve
    from forensic_match.dvi.identify import identify
    from forensic_match.dvi.joint import (
        FixedPairsImpossible,
        joint_solutions,
        pairwise_lr_matrix,
        undisputed,
    )

    notes: list[str] = []
    messages = _Messages(quiet=False)
    try:
        with messages.collect("solve"):
            if _is_fam(dataset):
                ds = _fam_dataset(dataset, fam_pedigree, missing_prefix)
                notes.extend(f"familias: {n}" for n in ds.extra["notes"])
            elif fam_pedigree is not None or missing_prefix != "Missing":
                raise ForensicMatchError(f"file {dataset!r}: --pedigree and --missing-prefix "
                                         f"apply to Familias .fam files")
            else:
                ds = load_case(dataset, linked=True)
            if not isinstance(ds, DviDataset):
                raise ForensicMatchError(f"file {dataset!r}: not an identification dataset; "
                                         f"use 'forensic-match lr'")
            if pm_dropout > 0:
                # a second, degraded bone of one body was listed as his sibling (an outside
                # check, 2026-12-07: solve had no dropout for a .fam's samples)
                given = [s.id for s in ds.pm if not s.dropout]
                ds = dataclasses.replace(ds, pm=with_dropout(ds.pm, pm_dropout))
                notes.append(f"pm dropout {pm_dropout:g} given to {len(given)} PM samples "
                             f"with none (--pm-dropout); dvir has no dropout, so the tables "
                             f"may differ from its own where a sample shows a lone allele")
            if ds.theta > 0:
                notes.append(f"theta {ds.theta:g}: the pairwise, undisputed, joint and "
                             f"dviSolve tables evaluate each family and each PM sample on "
                             f"its own, as dvir does, so an unrelated PM sample is not in the "
                             f"family's urn and an LR resting on shared alleles is larger "
                             f"than with one urn (not conservative); the identifications put "
                             f"family and sample in one urn (docs/joint.md)")
            pw = pairwise_lr_matrix(ds, compiled=True)
            n_pairs = pw.height  # one row per sex-compatible pair
            und = undisputed(pw, dataset=ds, compiled=True)
            pairwise = []
            if n_pairs <= max_pairs:
                pairwise = pw.select("pm", "missing", "lr", "inconsistent_markers").to_dicts()
            else:
                notes.append(f"pairwise: not listed, {n_pairs} sex-compatible pairs (more "
                             f"than --max-pairs {max_pairs}); computed and used")
            und_rows = [{"pm": r["pm"], "missing": r["missing"], "lr": r["lr"]}
                        for r in und.iter_rows(named=True)]
            try:
                joint = joint_solutions(ds, max_solutions=max_solutions,
                                        max_assignments=max_assignments, compiled=True)
            except FixedPairsImpossible as exc:
                # dvir's undisputed rule fixes each pair on its own LR (a parent and a
                # child of one family have the same LR): the pairs it fixed can be impossible
                # together. The joint tables are then not computed; the identifications
                # below do not rest on them (an outside check: the whole command stopped).
                joint = None
                notes.append(f"joint: not computed: {exc}; the pairs dvir's undisputed rule "
                             f"fixed are impossible together, so at least one of them (and "
                             f"the 'undisputed' table) is wrong; the identifications do not "
                             f"rest on them")
            skipped = [] if joint is None else joint.options.get("not_enumerated", [])
            if skipped:
                notes.append(f"joint: {len(skipped)} PM samples in components of more than "
                             f"--max-assignments {max_assignments} possible assignments were "
                             f"not enumerated and are unassigned in the solutions: "
                             f"{', '.join(skipped[:10])}{' ...' if len(skipped) > 10 else ''}")
            joint_rows = [] if joint is None else [
                {"assignment": {k: v for k, v in a.items() if k not in skipped},
                 "loglik": r["loglik"], "lr": r["lr"], "posterior": r["posterior"]}
                for a, r in zip(joint.assignments, joint.solutions.iter_rows(named=True))]
            if any(r["loglik"] is None for r in joint_rows):
                notes.append("joint: an assignment with loglik null is impossible on its "
                             "family's pedigree (the pairs dvir's undisputed rule fixed are "
                             "impossible together): its lr and posterior do not mean "
                             "anything")
            solved = dvi_solve(ds, max_assign=min(100_000, max_assignments))
            notes.extend(f"dviSolve: {n}" for n in solved.notes)
            _with_place_coordinates(ds, place_coordinates, place_prior)
            evidence = _dataset_evidence(ds, use_evidence, place_prior, notes,
                                         evidence_population)
            lineage = None
            if use_lineage:
                if not ds.lineage:
                    raise ForensicMatchError(f"--lineage: file {dataset!r} has no 'lineage' "
                                             f"data (Y-STR panel and databases)")
                lineage = _with_y_fit(ds.lineage, y_frequencies)
                notes.append("lineage: Y-STR and mtDNA LRs added to the identifications' "
                             "scores (docs/lineage.md); pairwise, joint and dviSolve tables "
                             "are autosomal only; an unrecorded kinsman of each compared "
                             f"lineage weighs {lineage_kin:g} missing persons "
                             "(docs/decisions.md)")
            if ds.snp is not None:
                snp, snp_options, note = _dataset_snp(ds, snp_references, snp_pm, snp_model)
                notes.append(f"{note}; pairwise, joint and dviSolve tables are on the other "
                             f"markers only (docs/linked.md)")
            else:
                snp, snp_options = _solve_snp(snp_references, snp_pm, snp_model, notes)
            result = identify(ds.am, ds.pm, ds.markers, min_markers=1, theta=ds.theta,
                              closed=closed, undisputed=require_undisputed,
                              reuse=compiled_tables(ds), evidence=evidence, lineage=lineage,
                              lineage_kin=lineage_kin,
                              lineage_options=_lineage_options(y_frequencies, y_theta, mt_theta),
                              snp=snp, snp_options=snp_options, reference_kin=reference_kin)
    except ForensicMatchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    am_table, pm_table = _compare_with_pipeline(solved, result)
    if show_tables:
        click.echo(f"dviSolve (dvir 3.4 rules) on {ds.id}: AM table\n")
        click.echo(_text_table(am_table))
        click.echo("\nPM table\n")
        click.echo(_text_table(pm_table))
        for note in notes:
            click.echo(f"\nnote: {note}")
        return
    keep = ("pm", "family", "missing", "lr", "posterior", "rule", "round", "n_markers",
            "second_lr", "alternative", "alternative_lr", "fragments", "theta", "reason")
    if evidence is not None:
        keep += ("dna_lr", "evidence_lr", "evidence")
    if lineage is not None:
        keep += ("lineage_log10_lr",)
    if snp is not None:
        keep += ("snp_log10_lr", "snp_method")
    out = {
        "id": ds.id,
        "pairwise": pairwise,
        "undisputed": und_rows,
        "joint": joint_rows,
        "am_table": am_table,
        "pm_table": pm_table,
        "identifications": [{k: r[k] for k in keep}
                            for r in result.identifications.iter_rows(named=True)],
        "family_level": result.family_level.to_dicts(),
        "held_back": result.held_back.to_dicts(),
        "family_checks": result.family_checks.to_dicts(),
        "living_matches": result.living_matches.to_dicts(),
        "priors": result.parameters["priors"],
        "notes": notes + [_CLOSED_TABLES_NOTE],
        "warnings": [f"{w['kind']}: {w['message']}" for w in messages.warnings]}
    if snp is not None:
        inputs = {"dataset": {"path": dataset, "sha256": _sha256_file(dataset)}} \
            if ds.snp is not None else \
            {name: {"path": path, "sha256": _sha256_file(path)}
             for name, path in (("references", snp_references), ("pm", snp_pm))}
        out["snp"] = {**result.parameters["snp"], "inputs": inputs}
    click.echo(json.dumps(finite_json(out), allow_nan=False))


def _solve_snp(references: str | None, pm: str | None, model: dict[str, Any],
               notes: list[str]) -> tuple[Any, dict[str, Any] | None]:
    """``solve``'s SNP data (``SnpData``) and ``SnpScores`` options from its ``--snp-*``
    options, or ``(None, None)`` without SNP tables; refuses one table without the other and
    model options without tables."""
    if references is None and pm is None:
        _refuse_snp_model(model, "need --snp-references and --snp-pm")
        return None, None
    if references is None or pm is None:
        raise ForensicMatchError("--snp-references and --snp-pm are given together (the "
                                 "families' SNP-typed relatives and the PM samples' calls)")
    snp, options = _snp_tables(references, pm, model)
    notes.append(f"snp: linked-SNP LRs of {sum(len(v) for v in snp.references.values())} "
                 f"SNP-typed references in {len(snp.references)} families against "
                 f"{len(snp.pm)} PM samples, panel {len(snp.panel)} SNPs, fst "
                 f"{options['fst']:g}, added to the identifications' scores (docs/linked.md); "
                 f"pairwise, joint and dviSolve tables are STR only")
    return snp, options


def _dataset_snp(ds: Any, references: str | None, pm: str | None, model: dict[str, Any],
                 ) -> tuple[Any, dict[str, Any], str]:
    """``solve``'s and ``run``'s SNP data from a dataset's linked markers (``"linkage":
    "map"``) and the ``SnpScores`` options: the ``--snp-*`` model options, the dataset's
    ``genotype_error`` for the errors (refusing an ``--snp-*-error`` option that contradicts
    it), and no ``--snp-references``/``--snp-pm`` or panel options (the dataset has its
    own); and a note saying what was taken."""
    if references is not None or pm is not None:
        raise ForensicMatchError("--snp-references/--snp-pm: the dataset carries its own "
                                 "linked markers (\"linkage\": \"map\"); give one or the other")
    given = set(_given_options(model))
    panel = sorted(given & {"snp_panel_path", "snp_map_path", "snp_chromosomes"})
    if panel:
        raise ForensicMatchError(f"{', '.join(_flag(k) for k in panel)}: the dataset's linked "
                                 f"markers have their own positions")
    options = {k: model[f"snp_{k}"] for k in SNP_SCORE_OPTIONS}
    for key, value in ds.snp_options.items():
        if f"snp_{key}" in given and model[f"snp_{key}"] != value:
            raise ForensicMatchError(f"{_flag(f'snp_{key}')} {model[f'snp_{key}']:g}: the "
                                     f"dataset's genotype_error gives {value:g}")
        options[key] = value
    snp = ds.snp
    note = (f"snp: the dataset's {len(snp.panel)} linked markers (\"linkage\": \"map\") "
            f"taken as SNP data: {sum(len(v) for v in snp.references.values())} SNP-typed "
            f"references in {len(snp.references)} families against {len(snp.pm)} PM "
            f"samples, pm_error {options['pm_error']:g}, reference_error "
            f"{options['reference_error']:g}"
            f"{'' if ds.snp_options else ' (the engine defaults: no genotype_error)'}, "
            f"fst {options['fst']:g}")
    return snp, options, note


def _refuse_snp_model(model: dict[str, Any], need: str) -> None:
    """Refuse ``--snp-*`` model options given without SNP data (nothing would use them)."""
    given = _given_options(model)
    if given:
        raise ForensicMatchError(f"{', '.join(_flag(k) for k in given)}: {need}")


def _given_options(model: dict[str, Any]) -> list[str]:
    """The parameters of ``model`` the user gave (not left at their defaults), in order."""
    ctx = click.get_current_context()
    return [k for k in model
            if ctx.get_parameter_source(k) is not click.core.ParameterSource.DEFAULT]


def _flag(name: str) -> str:
    """The command-line flag of parameter ``name`` (``snp_panel_path`` -> ``--snp-panel``)."""
    return f"--{name.replace('_', '-').replace('-path', '')}"


def _snp_tables(references: str | None, pm: str | None, model: dict[str, Any]
                ) -> tuple[Any, dict[str, Any]]:
    """The ``SnpData`` of the ``--snp-*`` panel and map with the calls of the files given
    (either may be absent), and the ``SnpScores`` options."""
    import numpy as np

    from forensic_match.linked.genotypes import read_snp_reference_genotypes, read_snp_samples
    from forensic_match.linked.scores import SnpData

    panel, map_source, full = _snp_panel(model["snp_panel_path"], model["snp_map_path"],
                                         model["snp_chromosomes"])
    keys: list[tuple[str, str]] = []
    codes: Any = np.zeros((0, len(panel)), dtype=np.int8)
    pm_ids: list[str] = []
    pm_codes: Any = np.zeros((0, len(panel)), dtype=np.int8)
    if references is not None:
        keys, codes = read_snp_reference_genotypes(references, full)
        codes = _on_panel(codes, full, panel)
    if pm is not None:
        pm_ids, pm_codes = read_snp_samples(pm, full)
        pm_codes = _on_panel(pm_codes, full, panel)
    snp = SnpData.from_codes(panel, pm_ids, pm_codes, keys, codes, map_source=map_source)
    return snp, {k: model[f"snp_{k}"] for k in SNP_SCORE_OPTIONS}


def _dataset_evidence(ds: Any, use: bool, place: bool, notes: list[str],
                      population: str = "peru") -> Any:
    """The dataset's AM/PM evidence for ``identify`` (``None``: not asked for), saying in
    ``notes`` how much of it there is; ``population`` "register" takes the H2 ages and sexes
    from the dataset's register (``Population.from_register``), "peru" the default table."""
    if not use:
        if place or population != "peru":
            raise ForensicMatchError(("--place-prior" if place else "--evidence-population")
                                     + " needs --evidence")
        return None
    from forensic_match.evidence import PERU, Evidence

    evidence = Evidence.from_dataset(ds, place=place,
                                     population="register" if population == "register"
                                     else PERU)
    if population == "register":
        notes.append(f"evidence: H2 population from the register ({evidence.population.ages.source}"
                     f"; male fraction {evidence.population.male_fraction:.3f})")
    recorded = sum(_recorded(r, ("id", "family", "sex", "sources", "extra"))
                   for r in evidence.records.values())
    found = sum(_recorded(f, ("id", "dna_sex", "sources", "extra"))
                for f in evidence.findings.values())
    if not (recorded or found):
        raise ForensicMatchError("--evidence: the dataset has no antemortem or postmortem "
                                 "fields beyond the sexes")
    notes.append(f"evidence: antemortem fields of {recorded} of {len(evidence.records)} "
                 f"missing persons and postmortem findings of {found} of "
                 f"{len(evidence.findings)} samples used in the identifications"
                 + (", with the place-and-date prior" if place else "")
                 + " (docs/evidence.md)")
    return evidence


def _recorded(record: Any, ignore: tuple[str, ...]) -> bool:
    """Whether a record has any field set beyond ``ignore`` (a default is not set)."""
    from dataclasses import fields

    for f in fields(record):
        if f.name in ignore:
            continue
        value = getattr(record, f.name)
        if value not in (None, "", "U") and value != [] and value != {}:
            return True
    return False


#: dviSolve conclusions that identify a sample as a missing person.
_DVIR_IDENTIFIES = ("Undisputed", "Match (GLR)")


def _compare_with_pipeline(solved: Any, result: Any,
                           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """dviSolve's tables with a ``forensic_match`` column: whether the identification
    pipeline (its own rules, docs/decisions.md) proposes the same, per row."""
    by_pm: dict[str, dict[str, Any]] = {}
    for r in result.identifications.iter_rows(named=True):
        for frag in (r["fragments"] or r["pm"]).split(","):
            by_pm[frag] = r
    by_mp = {r["missing"]: r for r in by_pm.values()}
    fam_level = {}
    for r in result.family_level.iter_rows(named=True):
        for frag in (r.get("fragments") or r["pm"]).split(","):
            fam_level[frag] = r["family"]

    def verdict(dvir_pair: tuple[str, str] | None, fm: dict[str, Any] | None,
                sample: str | None) -> str:
        if fm is not None:
            mine = (fm["pm"] if sample is None else sample, fm["missing"])
            text = f"identifies {mine[0]} = {mine[1]} (posterior {fm['posterior']:.6g})"
            if dvir_pair is not None and (dvir_pair[0] == mine[0] or sample is not None) \
                    and dvir_pair[1] == mine[1]:
                return f"same: {text}"
            return f"differs: {text}"
        who = sample if sample is not None else (dvir_pair[0] if dvir_pair else None)
        extra = f" (family level: {fam_level[who]})" if who in fam_level else ""
        if dvir_pair is not None:
            return f"differs: no identification at posterior 0.9995{extra}"
        return f"same: no identification{extra}"

    am = []
    for r in solved.am_table:
        pair = (r["Sample"], r["Missing"]) if r["Conclusion"] in _DVIR_IDENTIFIES else None
        am.append({**r, "forensic_match": verdict(pair, by_mp.get(r["Missing"]), None)})
    pm = []
    for r in solved.pm_table:
        pair = (r["Sample"], r["Missing"]) if r["Conclusion"] in _DVIR_IDENTIFIES else None
        pm.append({**r, "forensic_match": verdict(pair, by_pm.get(r["Sample"]), r["Sample"])})
    return am, pm


def _text_table(rows: list[dict[str, Any]]) -> str:
    """Rows as aligned text columns (numbers to 4 significant digits, NA as '-')."""
    if not rows:
        return "(empty)"
    cols = list(rows[0])

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    cells = [[cell(r[c]) for c in cols] for r in rows]
    width = [max(len(c), *(len(x[k]) for x in cells)) for k, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, width)).rstrip()]
    lines += ["  ".join(x.ljust(w) for x, w in zip(r, width)).rstrip() for r in cells]
    return "\n".join(lines)


#: Prefix of the hidden folder a run writes into before swapping it in (``.fm-<out>.<pid>.*``)
#: and of the previous output kept during the swap (``.fm-old-<out>``).
TMP_PREFIX = ".fm-"


def _pid_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _clean_stale(target: Path) -> list[Path]:
    """Remove what a run killed while writing ``target`` left behind; return what went.

    A temporary folder ``.fm-<name>.<pid>.*`` whose process is gone is removed; a kept previous
    output ``.fm-old-<name>`` is put back if ``target`` is missing (killed between the two
    renames), removed otherwise.
    """
    import shutil

    removed = []
    parent = target.parent
    if not parent.is_dir():
        return removed
    for path in parent.glob(f"{TMP_PREFIX}{target.name}.*"):
        pid = path.name[len(TMP_PREFIX) + len(target.name) + 1:].split(".")[0]
        if path.is_dir() and pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    old = parent / f"{TMP_PREFIX}old-{target.name}"
    if old.is_dir():
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
        else:
            old.replace(target)
    return removed


def _umask() -> int:
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_outputs(tables: dict[str, Any], texts: dict[str, str], target: Path) -> None:
    """Write the output files into ``target``: built in a hidden sibling folder, then swapped
    in by renames, so that ``target`` is always either the old complete output or the new.
    The folder gets the permissions of any new folder (the umask), not mkdtemp's 0700."""
    import os
    import shutil
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{target.name}.{os.getpid()}.",
                                dir=target.parent))
    old = target.with_name(f"{TMP_PREFIX}old-{target.name}")
    try:
        for name, frame in tables.items():
            if name.endswith(".parquet"):
                frame.write_parquet(tmp / name)
            else:
                frame.write_csv(tmp / name)
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8")
        tmp.chmod(0o777 & ~_umask())
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


class _Messages:
    """Progress messages and warnings of a command, on standard error.

    Each warning is one line, ``warning: <kind>: <message>``, and is kept for the warnings
    table of the output; ``quiet`` silences everything but errors.
    """

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.warnings: list[dict[str, str]] = []
        self._seen: set[tuple[str, str]] = set()

    def step(self, text: str) -> None:
        if not self.quiet:
            click.echo(text, err=True)

    def warn(self, kind: str, message: str, step: str) -> None:
        if (kind, message) in self._seen:
            return
        self._seen.add((kind, message))
        self.warnings.append({"step": step, "kind": kind, "message": message})
        if not self.quiet:
            click.echo(f"warning: {kind}: {message}", err=True)

    def collect(self, step: str) -> Any:
        """Context manager: warnings issued inside become clean lines, tagged with ``step``."""
        import contextlib
        import warnings

        messages = self

        @contextlib.contextmanager
        def catching() -> Any:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                warnings.filterwarnings("ignore", category=DeprecationWarning)
                try:
                    yield
                finally:
                    for w in caught:
                        messages.warn(w.category.__name__, " ".join(str(w.message).split()),
                                      step)
        return catching()

    def table(self) -> Any:
        import polars as pl

        return pl.DataFrame(self.warnings, schema={"step": pl.Utf8, "kind": pl.Utf8,
                                                   "message": pl.Utf8})


def _not_searched(samples: Any, panel: Any, min_markers: int) -> tuple[list[Any], Any]:
    """The PM samples that can be searched, and a table of those that cannot, with the reason.

    A sample typed at no marker of the panel cannot be scored at all; one typed at fewer than
    ``min_markers`` is scored against no missing person (every pair needs that many).
    """
    import polars as pl

    from forensic_match.cases import typed_at

    names = [m.name for m in panel]
    keep, rows = [], []
    for s in samples:
        typed = typed_at(s.genotypes, names)
        if not typed:
            other = sorted(m for m, g in s.genotypes.items() if g and g[0] is not None)
            rows.append({"pm": s.id, "n_markers": 0, "reason": (
                "typed at no marker of the panel" +
                (f" (its markers {', '.join(other)} are not analysed)" if other else
                 " (no typed marker)"))})
            continue
        keep.append(s)
        if len(typed) < min_markers:
            rows.append({"pm": s.id, "n_markers": len(typed), "reason": (
                f"typed at {len(typed)} marker{'s' if len(typed) != 1 else ''} of the panel, "
                f"fewer than min_markers = {min_markers}: compared with no missing person "
                f"(lower --min-markers to search it)")})
    return keep, pl.DataFrame(rows, schema={"pm": pl.Utf8, "n_markers": pl.Int64,
                                            "reason": pl.Utf8})


def _sha256_file(path: str | None) -> str | None:
    import hashlib

    if path is None or not Path(path).is_file():
        return None
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _load_table(cfg: Any, *, normalise_alleles: bool = False) -> Any:
    from forensic_match.frequencies import available_frequencies, load_frequencies, read_frequencies

    if cfg.frequencies.strip().lower() in available_frequencies():
        db = load_frequencies(cfg.frequencies, min_frequency=cfg.min_frequency)
        if cfg.n_individuals is not None:
            from forensic_match.frequencies import FrequencyDB

            db = FrequencyDB({m: db[m] for m in db}, name=db.name, source=db.source,
                             n_individuals=cfg.n_individuals, min_frequency=cfg.min_frequency)
        return db
    return read_frequencies(cfg.frequencies, min_frequency=cfg.min_frequency,
                            n_individuals=cfg.n_individuals, normalise_alleles=normalise_alleles)


def _lab_tables(required: bool) -> Any:
    """The options naming the laboratory's tables (``search``: required; ``run``: each night
    brings what it has)."""
    def apply(f: Any) -> Any:
        for option in reversed([
            click.option("--pedigrees", required=required, type=click.Path(dir_okay=False),
                         help="Table family,id,father,mother,sex,missing."),
            click.option("--relatives", required=required, type=click.Path(dir_okay=False),
                         help="Genotypes of the typed relatives (long or CE-export "
                              "layout)."),
            click.option("--references", type=click.Path(dir_okay=False),
                         help="Direct references: profiles of missing persons from personal "
                              "effects or stored samples, sample id = the missing person's "
                              "id (layout as --relatives; docs/records.md)."),
            click.option("--pm", "pm_path", required=required,
                         type=click.Path(dir_okay=False), help="Genotypes of the PM samples."),
            click.option("--samples", type=click.Path(dir_okay=False),
                         help="PM sample table: sample,sex,site,dropout,...")]):
            f = option(f)
        return f
    return apply


def _table_reading(f: Any) -> Any:
    """The options of reading the laboratory's tables and of the frequency table and model."""
    for option in reversed([
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="Run configuration (TOML): frequencies, mutation models, theta, "
                          "dropout, thresholds, markers to ignore. See "
                          "docs/configuration.md."),
        click.option("--frequencies", default=None,
                     help="A bundled table name or a frequency file (CSV long or ladder, a "
                          "Familias .fam file or Familias' list layout; "
                          "docs/frequencies.md)  [default: the configuration's, "
                          "fbi2015_sw_hispanic]"),
        click.option("--mutation", type=click.Choice(["stepwise", "onestep", "equal",
                                                      "proportional", "none"]),
                     help="Mutation model of every marker, with the configured rates  "
                          "[default: stepwise, male 0.002, female 0.0005 per meiosis]"),
        click.option("--decimal-comma", is_flag=True,
                     help="Read an allele written 9,3 as 9.3 (docs/records.md)."),
        click.option("--normalise-alleles", is_flag=True,
                     help="Read 7.0 as 7, 9.30 as 9.3, 07 as 7 (docs/records.md)."),
        click.option("--single-allele", type=click.Choice(["homozygote", "partial"]),
                     default="homozygote", show_default=True,
                     help="A lone call in the first allele column: a homozygote a/a, or one "
                          "allele known and the other not."),
        click.option("--sex-codes", type=click.Choice(["MF", "HM"]), default=None,
                     help="Sex letters: M/F (read when not given), or Spanish H (hombre) / M "
                          "(mujer).")]):
        f = option(f)
    return f


def _configuration(config_path: str | None, frequencies: str | None, mutation: str | None,
                   **changes: Any) -> Any:
    """The run configuration: the file's (or the defaults), with the command line's
    changes."""
    import dataclasses

    from forensic_match.config import RunConfig, read_config, resolve_table

    cfg = read_config(config_path) if config_path else RunConfig()
    if frequencies is not None:
        # A table file as an absolute path: the run's config.toml, read back from its own
        # folder, would otherwise look for it there (and its hash would not pin the file).
        frequencies = resolve_table(frequencies, Path.cwd())
    cfg = cfg.replace(frequencies=frequencies, **changes)
    if mutation is not None:
        cfg = cfg.replace(mutation=dataclasses.replace(cfg.mutation, model=mutation),
                          marker_mutation={})
    return cfg


@main.command("search")
@_lab_tables(required=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the result tables (created; replaced only when complete).")
@_table_reading
@click.option("--workers", default=1, show_default=True, help="Processes for compiling.")
@click.option("--min-markers", type=int, default=None,
              help="Pairs compared on fewer markers are not considered  [default: the "
                   "configuration's, 8]")
@click.option("--theta", type=float, default=None,
              help="Subpopulation correction (proposed LRs recomputed exactly)  [default: "
                   "the configuration's, 0]")
@click.option("--cache", type=click.Path(dir_okay=False),
              help="Compiled tables kept between runs (.npz): unchanged families are not "
                   "compiled again.")
@click.option("--evidence", "use_evidence", is_flag=True,
              help="Weigh the antemortem columns of --pedigrees and the postmortem columns of "
                   "--samples too (LR = DNA x evidence; docs/evidence.md).")
@click.option("--place-prior", is_flag=True,
              help="With --evidence: weigh pairs by where and when the person disappeared and "
                   "the body was found (docs/place-prior.md).")
@_place_coordinates
@_evidence_population
@click.option("--lineage", "lineage_path", type=click.Path(dir_okay=False), default=None,
              help="A JSON file with the Y-STR panel (per-locus mutation rates) and the Y and "
                   "mtDNA databases (the 'lineage' object of FORMAT.md): the Y rows of the "
                   "tables are then weighed with the autosomal markers (docs/lineage.md). "
                   "Without it Y rows are set aside.")
@_lineage_decision
@click.option("--rejected", "rejected_path", type=click.Path(dir_okay=False, exists=True),
              default=None,
              help="A CSV of pairs a review rejected (columns pm, family, missing; pm one PM "
                   "sample or a body's samples joined by commas): each is kept out of the "
                   "decision (docs/decisions.md, 'Pairs a review rejected').")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only (no progress, no "
              "warnings on screen; warnings are still written to warnings.csv).")
def search_command(pedigrees: str, relatives: str, references: str | None, pm_path: str,
                   samples: str | None, out_dir: str, config_path: str | None,
                   frequencies: str | None, mutation: str | None, workers: int,
                   min_markers: int | None,
                   theta: float | None, cache: str | None, use_evidence: bool,
                   place_prior: bool, place_coordinates: str | None,
                   lineage_path: str | None, lineage_kin: float,
                   y_frequencies: str, quiet: bool, decimal_comma: bool,
                   normalise_alleles: bool, single_allele: str, sex_codes: str | None,
                   evidence_population: str = "peru", y_theta: float = 0.0,
                   mt_theta: float = 0.0, rejected_path: str | None = None) -> None:
    """Blind search and identification on your files; writes ranked candidate tables.

    The output folder holds the candidate tables, the proposed identifications, the near
    misses (pairs that would match but for one or two markers), the PM samples that could
    not be searched and why, the warnings, the complete configuration (config.toml) and a
    provenance record (run.json: version, hashes of the configuration, the frequency table
    and every input file).
    """
    import datetime
    import time

    say = _Messages(quiet)
    started = time.time()
    target = Path(out_dir)
    try:
        for path in _clean_stale(target):
            say.step(f"removed {path}, left by an interrupted run")
        cfg = _configuration(config_path, frequencies, mutation, min_markers=min_markers,
                             theta=theta)
        reading = {"decimal_comma": decimal_comma, "normalise_alleles": normalise_alleles,
                   "single_allele": single_allele, "sex_codes": sex_codes}
        if place_prior and not use_evidence:
            raise ForensicMatchError("--place-prior needs --evidence")
        if place_coordinates is not None and not place_prior:
            raise ForensicMatchError("--place-coordinates needs --place-prior")
        if evidence_population != "peru" and not use_evidence:
            raise ForensicMatchError("--evidence-population needs --evidence")
        lineage = None
        if lineage_path is not None:
            from forensic_match.lineage.data import LineageData

            lineage = _with_y_fit(LineageData.from_file(lineage_path), y_frequencies)
        result, extra = _run_search(cfg, say, pedigrees=pedigrees, relatives=relatives,
                                    references=references,
                                    pm_path=pm_path, samples=samples, workers=workers,
                                    cache=cache, reading=reading, use_evidence=use_evidence,
                                    place_prior=place_prior,
                                    place_coordinates=place_coordinates,
                                    evidence_population=evidence_population,
                                    lineage=None if lineage is None else
                                    {"lineage": lineage, "lineage_kin": lineage_kin,
                                     "lineage_options": _lineage_options(y_frequencies,
                                                                         y_theta, mt_theta)},
                                    rejected=None if rejected_path is None
                                    else _rejected_pairs(rejected_path))
    except (ForensicMatchError, ImportError) as exc:
        click.echo(f"error: {' '.join(str(exc).split())}", err=True)
        sys.exit(1)
    from forensic_match import __version__

    run = {"command": "forensic-match search", "forensic_match_version": __version__,
           "python": sys.version.split()[0],
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "seconds": round(time.time() - started, 3),
           "config_sha256": cfg.sha256, "config_file": config_path,
           "reading": reading,
           "config_file_sha256": _sha256_file(config_path),
           "frequencies": extra["db"].name, "frequencies_sha256": extra["db"].sha256,
           "unknown_allele_frequency": extra["db"].min_frequency,
           "markers": [m.name for m in extra["panel"]],
           "mutation": {m.name: (m.mutation.to_record() if m.mutation else None)
                        for m in extra["panel"]},
           "inputs": {name: {"path": path, "sha256": _sha256_file(path)}
                      for name, path in (("pedigrees", pedigrees), ("relatives", relatives),
                                         ("references", references),
                                         ("pm", pm_path), ("samples", samples),
                                         ("cache", cache), ("lineage", lineage_path),
                                         ("place_coordinates", place_coordinates),
                                         ("rejected", rejected_path))
                      if path is not None},
           "counts": {"families": extra["n_families"], "pm_samples": extra["n_pm"],
                      "not_searched": extra["not_searched"].height,
                      "identifications": result.identifications.height,
                      "near_misses": extra["near"].height, "warnings": len(say.warnings)},
           "parameters": finite_json(result.parameters)}
    tables = {"identifications.csv": result.identifications,
              "family_level.csv": result.family_level, "held_back.csv": result.held_back,
              "family_checks.csv": result.family_checks,
              "living_matches.csv": result.living_matches, "bodies.csv": result.bodies,
              "candidates_by_sample.csv": result.search.by_sample,
              "candidates_by_missing.csv": result.search.by_missing,
              "pairs.csv": result.search.pairs, "near_misses.csv": extra["near"],
              "not_searched.csv": extra["not_searched"], "warnings.csv": say.table()}
    texts = {"parameters.json": json.dumps(finite_json(result.parameters)),
             "config.toml": cfg.to_toml(),
             "run.json": json.dumps(finite_json(run), indent=2, allow_nan=False) + "\n"}
    say.step(f"writing {len(tables) + len(texts)} files to {target}/")
    try:
        _write_outputs(tables, texts, target)
    except OSError as exc:
        click.echo(f"error: cannot write results to {str(target)!r}: {exc}", err=True)
        sys.exit(1)
    if not quiet:
        _print_identifications(result)
        near, skipped = extra["near"], extra["not_searched"]
        click.echo(f"\n{near.height} near misses (pairs with LR >= {cfg.near_miss_lr:g} but "
                   f"for 1-{cfg.near_miss_max_markers} inconsistent markers): near_misses.csv")
        for r in near.head(5).iter_rows(named=True):
            click.echo(f"  {r['pm']} ~ {r['missing']} of family {r['family']}: LR "
                       f"{r['lr_without']:.3g} without {r['inconsistent_markers']}")
        click.echo(f"{skipped.height} PM samples not searched: not_searched.csv")
        for r in skipped.head(5).iter_rows(named=True):
            click.echo(f"  {r['pm']}: {r['reason']}")
        if say.warnings:
            click.echo(f"{len(say.warnings)} warnings: warnings.csv")
        click.echo(f"\nTables written to {target}/ (configuration sha256 "
                   f"{cfg.sha256[:16]})")


@main.command("snp-search")
@click.option("--pedigrees", required=True, type=click.Path(dir_okay=False),
              help="Table family,id,father,mother,sex,missing (as 'search' reads it).")
@click.option("--references", required=True, type=click.Path(dir_okay=False),
              help="SNP genotypes of the typed relatives: long form sample,marker,allele1,"
                   "allele2 (optional family column; CSV, TSV, Parquet, Excel) or a VCF with "
                   "GT calls.")
@click.option("--pm", "pm_path", required=True, type=click.Path(dir_okay=False),
              help="SNP genotypes of the PM samples (long form or VCF).")
@click.option("--pm-likelihoods", type=click.Choice(["auto", "GL", "PL"]), default=None,
              help="Read the PM VCF's genotype likelihoods (FORMAT GL or PL; auto: GL where "
                   "present, else PL) instead of its GT calls, for low-coverage sequencing: "
                   "they replace the PM observation model (--pm-error is mixed in, "
                   "--pm-dropout must be 0; docs/linked.md).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the result tables (created; replaced only when complete).")
@_snp_model()
@click.option("--screen-threshold", type=float, default=1.0, show_default=True,
              help="A candidate gets the linked LR when one of its references' screen "
                   "(unlinked log10 LR) reaches this.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True,
              help="Candidates kept per PM sample and per missing person.")
@click.option("--no-segments", is_flag=True, help="Do not decode shared segments.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv",
              show_default=True, help="Format of the result tables.")
@click.option("--sex-codes", type=click.Choice(["MF", "HM"]), default="MF", show_default=True,
              help="Sex letters of the pedigree table: M/F, or Spanish H (hombre) / M (mujer).")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
def snp_search_command(pedigrees: str, references: str, pm_path: str,
                       pm_likelihoods: str | None, out_dir: str, panel_path: str | None,
                       map_path: str | None, chromosomes: str | None,
                       fst: float, pm_error: float, reference_error: float, pm_dropout: float,
                       min_snps: int, screen_threshold: float, top: int, approximation: str,
                       family_max_persons: int, family_max_bits: int, no_segments: bool,
                       skip_uncomputable: bool, fmt: str, sex_codes: str, quiet: bool
                       ) -> None:
    """Search every PM sample against every SNP-typed reference of every family (linked SNPs).

    Each reference's hypothesis is its relationship to the missing person in the family
    pedigree; a screen (unlinked LR) picks the candidates, which get the linked LR (inheritance
    HMM on the genetic map; exact over several references of a family within the limits, else
    the stated approximation). PM samples are calls, or with --pm-likelihoods the genotype
    likelihoods of a VCF (low-coverage sequencing). Writes the best candidates per PM sample
    and per missing person, every candidate, every pairwise score, the references with their
    relationships, the PM samples not searched, the warnings and parameters.json (fst, panel
    digest, map source, input hashes). Method: docs/linked.md.
    """
    import datetime
    import time

    say = _Messages(quiet)
    started = time.time()
    target = Path(out_dir)
    try:
        for path in _clean_stale(target):
            say.step(f"removed {path}, left by an interrupted run")
        with say.collect("read"):
            panel, map_source, full = _snp_panel(panel_path, map_path, chromosomes)
            from forensic_match.dvi.records import read_pedigrees
            from forensic_match.errors import InputError
            from forensic_match.linked.genotypes import (
                is_vcf,
                read_snp_reference_genotypes,
                read_snp_samples,
                read_vcf_genotype_likelihoods,
            )
            from forensic_match.linked.programme import search_programme, snp_families

            peds = read_pedigrees(pedigrees, sex_codes=sex_codes)  # type: ignore[arg-type]
            keys, codes = read_snp_reference_genotypes(references, full)
            families = snp_families(peds, keys, _on_panel(codes, full, panel), file=references)
            if pm_likelihoods is None:
                pm_ids, pm_codes = read_snp_samples(pm_path, full)
            elif not is_vcf(pm_path):
                raise InputError(f"file {pm_path!r}: --pm-likelihoods reads a VCF (.vcf, "
                                 f".vcf.gz, .vcf.bgz, .bcf)")
            else:
                pm_ids, pm_codes = read_vcf_genotype_likelihoods(pm_path, full,
                                                                 pm_likelihoods)
            pm_codes = _on_panel(pm_codes, full, panel)
        n_refs = sum(len(f.references) for f in families)
        say.step(f"read {len(families)} families ({n_refs} typed references), {len(pm_ids)} "
                 f"PM samples; panel {len(panel)} SNPs")
        with say.collect("search"):
            res = search_programme(panel, families, list(pm_ids), pm_codes, pm_error=pm_error,
                                   reference_error=reference_error, pm_dropout=pm_dropout,
                                   fst=fst, screen_threshold=screen_threshold, top=top,
                                   min_snps=min_snps, approximation=approximation,
                                   family_max_persons=family_max_persons,
                                   family_max_bits=family_max_bits, segments=not no_segments,
                                   skip_uncomputable=skip_uncomputable)
    except (ForensicMatchError, ImportError) as exc:
        click.echo(f"error: {' '.join(str(exc).split())}", err=True)
        sys.exit(1)
    from forensic_match import __version__

    params = {"command": "forensic-match snp-search", "forensic_match_version": __version__,
              "python": sys.version.split()[0],
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                  timespec="seconds"),
              "seconds": round(time.time() - started, 3),
              **res.parameters, "pm_likelihoods": pm_likelihoods,
              "panel": {"source": panel.source, "snps": len(panel),
                        "chromosomes": list(panel.chromosomes),
                        "sha256": _panel_digest(panel),
                        "file_sha256": _sha256_file(panel.source)},
              "map_source": map_source, "map_sha256": _sha256_file(map_path),
              "inputs": {name: {"path": path, "sha256": _sha256_file(path)}
                         for name, path in (("pedigrees", pedigrees),
                                            ("references", references), ("pm", pm_path))},
              "counts": {"families": len(families), "references": n_refs,
                         "pm_samples": len(pm_ids), "not_searched": res.not_searched.height,
                         "candidates": res.candidates.height, "pairs": res.pairs.height,
                         "pm_without_candidates": len(pm_ids) - res.not_searched.height
                         - res.candidates["pm"].n_unique(),
                         "warnings": len(say.warnings)}}
    ext = "." + fmt
    tables = {f"candidates_by_sample{ext}": res.by_pm,
              f"candidates_by_missing{ext}": res.by_missing,
              f"candidates{ext}": res.candidates, f"pairs{ext}": res.pairs,
              f"references{ext}": res.references, f"not_searched{ext}": res.not_searched,
              f"warnings{ext}": say.table()}
    texts = {"parameters.json": json.dumps(finite_json(params), indent=2, allow_nan=False)
             + "\n"}
    try:
        _write_outputs(tables, texts, target)
    except OSError as exc:
        click.echo(f"error: cannot write results to {str(target)!r}: {exc}", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(f"{res.candidates.height} candidates (PM sample, missing person) passed the "
                   f"screen; best per PM sample:")
        for r in res.by_pm.filter(res.by_pm["rank"] == 1).head(10).iter_rows(named=True):
            click.echo(f"  {r['pm']} -> {r['missing']} of family {r['family']}: log10 LR "
                       f"{r['log10_lr']:.2f} [{r['method']}; best reference "
                       f"{r['best_reference']}, {r['relationship']}]")
        without = params["counts"]["pm_without_candidates"]
        if without:
            click.echo(f"{without} searched PM samples have no candidate at screen log10 LR >= "
                       f"{screen_threshold:g}.")
        click.echo(f"Tables written to {target}/")


def _snp_panel(panel_path: str | None, map_path: str | None, chromosomes: str | None
               ) -> tuple[Any, str, Any]:
    """The SNP panel (bundled FORCE panel by default), its cM positions from ``map_path`` if
    given, restricted to ``chromosomes``; where the map came from; and the panel before that
    restriction, to read the genotype files with (:func:`_on_panel`): the SNPs of the
    chromosomes left out are the panel's, not unknown markers to warn about."""
    import dataclasses

    from forensic_match.linked import load_force_panel, read_genetic_map, read_panel

    panel = full = load_force_panel() if panel_path is None else read_panel(panel_path)
    if chromosomes:
        from forensic_match.linked.panel import chromosome_label

        wanted = [chromosome_label(c) for c in chromosomes.split(",") if c.strip()]
        unknown = sorted(set(wanted) - set(panel.chromosomes))
        if unknown:
            raise ForensicMatchError(f"--chromosomes: {unknown} are not chromosomes of panel "
                                     f"{panel.source!r} ({', '.join(panel.chromosomes)})")
        panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom)
                              if c in wanted])
    if map_path is None:
        from forensic_match.linked.panel import _data

        bundled = panel_path is None or \
            _sha256_file(panel_path) == _sha256_file(str(_data("force_panel.csv")))
        source = (f"cM columns of the panel file {panel.source!r}" +
                  (" (the FORCE panel as bundled: deCODE 2019 sex-specific map, Halldorsson et "
                   "al. 2019, Science 363:eaau1043, as thinned in ibdsim2 2.3.2)"
                   if bundled else ""))
        return panel, source, full
    gmap = read_genetic_map(map_path)
    male, female = panel.cm_male.copy(), panel.cm_female.copy()
    for c in panel.chromosomes:
        if c not in gmap.chromosomes:
            raise ForensicMatchError(f"map {map_path!r} has no chromosome {c!r} of the panel")
        at = panel.chrom == c
        male[at], female[at] = gmap.positions(
            c, panel.mb[at], [m.name for m, k in zip(panel.markers, at) if k])
    panel = dataclasses.replace(panel, cm_male=male, cm_female=female)
    return (panel, f"interpolated from map file {map_path!r} at the panel's Mb positions",
            full)


def _on_panel(codes: Any, full: Any, panel: Any) -> Any:
    """Genotype ``codes`` read on panel ``full`` (samples first, markers second), restricted
    to the markers of ``panel`` (a subset of ``full``, in its order)."""
    if full is panel:
        return codes
    return codes[:, [full.index[m.name] for m in panel.markers]]


def _panel_digest(panel: Any) -> str:
    """sha256 of the panel's markers (names, alleles, frequencies) and positions."""
    from forensic_match.linked.panel import panel_digest

    return panel_digest(panel)


def _reading_table(db: Any, cfg: Any) -> Any:
    """The table the records are read against: ``db``, and a placeholder for each marker the
    configuration ignores that ``db`` lacks, so that a laboratory's files typing it are read
    (its rows kept as data, never in the panel) rather than refused as a marker not in the
    table, which ignore_markers was meant to allow (an outside check, 2026-12-07)."""
    from forensic_match.dvi.records import lineage_marker
    from forensic_match.frequencies import FrequencyDB

    # A Y- or X-STR is set aside as lineage data by the readers anyway: a stand-in would make
    # it autosomal, and its Y alleles would no longer tell the sex rule the body is male (an
    # outside review, 2026-12-07).
    absent = [n for n in cfg.ignore_markers if n not in db and lineage_marker(n) is None]
    if not absent:
        return db
    tables = {m: db[m] for m in db.markers} | {n: (("0",), [1.0]) for n in absent}
    return FrequencyDB(tables, name=db.name, n_individuals=db.n_individuals,
                       min_frequency=db.min_frequency)


def _read_tables(cfg: Any, say: _Messages, *, pedigrees: str | None, relatives: str | None,
                 pm_path: str | None, samples: str | None, reading: dict[str, Any],
                 every_marker: bool = False, references: str | None = None,
                 ) -> tuple[Any, list[Any], list[Any], list[Any]]:
    """The frequency table, families, PM samples and marker panel (with the configuration's
    mutation models) of a run on the lab's tables. The panel is the table's markers that the
    records type, less those the configuration ignores, extended by the alleles the records
    show; with ``every_marker``, every marker of the table not ignored, as in the table (a
    store run extends it by what the whole store shows)."""
    from forensic_match.cases import typed_markers
    from forensic_match.dvi.identify import prepare_panel
    from forensic_match.dvi.records import read_families, read_pm_samples

    say.step("reading the frequency table and the records ...")
    with say.collect("read"):
        db = _load_table(cfg, normalise_alleles=reading.get("normalise_alleles", False))
        known = _reading_table(db, cfg)
        families = read_families(pedigrees, relatives, references_path=references,
                                 markers=known, **reading) if pedigrees is not None else []
        pm = read_pm_samples(pm_path, samples_path=samples, markers=known, **reading) \
            if pm_path is not None else []
    present = typed_markers(families, pm)
    # A marker ignored because the table lacks it, while the records type it, is no mistake.
    for name in cfg.unused_marker_entries([*db.markers, *present]):
        say.warn("ConfigWarning", f"configuration names marker {name!r}, which is not in "
                 f"frequency table {db.name!r}", "read")
    names = [n for n in db.markers if (every_marker or n in present) and not cfg.ignores(n)]
    n_missing = sum(len(f.missing) for f in families)
    typed = sum(1 for n in names if n in present)
    panel_said = (f"{typed} of the table's {len(names)} markers typed in these records"
                  if every_marker else f"{len(names)} markers in the panel")
    say.step(f"read {len(families)} families ({n_missing} missing persons), {len(pm)} PM "
             f"samples; {panel_said}; frequencies {db.name} "
             f"(unknown alleles {db.min_frequency:.4g})")
    with say.collect("prepare"):
        markers = db.markers_for(names)
        panel = cfg.with_mutation(markers if every_marker else
                                  prepare_panel(markers, families, pm), lumpable=cfg.theta > 0)
    return db, families, pm, panel


def _run_search(cfg: Any, say: _Messages, *, pedigrees: str, relatives: str, pm_path: str,
                samples: str | None, workers: int, cache: str | None,
                reading: dict[str, Any], use_evidence: bool = False,
                place_prior: bool = False, lineage: dict[str, Any] | None = None,
                evidence_population: str = "peru",
                place_coordinates: str | None = None,
                references: str | None = None,
                rejected: list[tuple[str, str, str]] | None = None) -> tuple[Any, dict]:
    """Read, prepare the panel, identify (with ``lineage``: identify's lineage options),
    find near misses; every step's warnings collected."""
    from forensic_match.cases import with_dropout
    from forensic_match.dvi.identify import identify
    from forensic_match.dvi.near_miss import near_misses

    db, families, pm, panel = _read_tables(cfg, say, pedigrees=pedigrees, relatives=relatives,
                                           pm_path=pm_path, samples=samples, reading=reading,
                                           references=references)
    n_missing = sum(len(f.missing) for f in families)
    searchable, not_searched = _not_searched(pm, panel, cfg.min_markers)
    if not_searched.height:
        say.step(f"{not_searched.height} PM samples cannot be searched or are below "
                 f"min_markers = {cfg.min_markers}: see not_searched.csv")
    searchable = with_dropout(searchable, cfg.pm_dropout)
    if not searchable:
        raise ForensicMatchError(f"file {pm_path!r}: no PM sample is typed at a marker of the "
                                 f"panel ({', '.join(m.name for m in panel) or 'empty'})")
    compiling = (f"{n_missing} missing persons (tables from the cache {cache!r}; only what "
                 f"it lacks compiled)" if cache is not None and Path(cache).exists() else
                 f"compiling {n_missing} missing persons")
    say.step(f"{compiling} and searching {len(searchable)} PM samples "
             f"({cfg.mutation.model} mutation model) ...")
    with say.collect("search"):
        evidence = None
        if use_evidence:
            from forensic_match.cases import DviDataset

            notes: list[str] = []
            ds = DviDataset(id=f"{pedigrees} and {samples or pm_path}", markers=panel,
                            pm=searchable, am=families)
            _with_place_coordinates(ds, place_coordinates, place_prior)
            evidence = _dataset_evidence(ds, True, place_prior, notes, evidence_population)
            for note in notes:
                say.step(note)
        result = identify(families, searchable, panel, workers=workers,
                          progress=not say.quiet, min_markers=cfg.min_markers,
                          theta=cfg.theta, cache=cache, evidence=evidence,
                          rejected=rejected or [], **(lineage or {}),
                          **_decision_options(cfg))
    say.step("looking for near misses ...")
    with say.collect("near misses"):
        near = near_misses(result.compiled, families, searchable, panel,
                           lr=cfg.near_miss_lr, max_markers=cfg.near_miss_max_markers,
                           min_markers=cfg.min_markers, sex_filter=cfg.sex_filter)
        near = _mark_identified(near, result.identifications)
    return result, {"db": db, "panel": panel, "near": near, "not_searched": not_searched,
                    "n_families": len(families), "n_pm": len(pm)}


def _rejected_pairs(path: str) -> list[tuple[str, str, str]]:
    """The pairs of a ``--rejected`` CSV (columns pm, family, missing, as text); a missing
    column or an empty cell is refused, naming the file and the row."""
    import polars as pl

    try:
        table = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise ForensicMatchError(f"file {path!r}: cannot be read as a CSV table: {exc}") from exc
    table = table.rename({c: c.strip().lower() for c in table.columns})
    lacking = [c for c in ("pm", "family", "missing") if c not in table.columns]
    if lacking:
        raise ForensicMatchError(f"file {path!r}: no column {', '.join(lacking)} (a table of "
                                 f"rejected pairs needs pm, family, missing)")
    out = []
    for row, r in enumerate(table.select("pm", "family", "missing").iter_rows(), start=2):
        if not all(v is not None and v.strip() for v in r):
            raise ForensicMatchError(f"file {path!r}, row {row}: an empty pm, family or "
                                     f"missing cell ({', '.join(repr(v) for v in r)})")
        out.append((r[0], r[1], r[2]))
    return out


def _mark_identified(near: Any, ids: Any) -> Any:
    """Add ``identified``: whether the pair is among the proposed identifications."""
    import polars as pl

    proposed = {(frag, r["family"], r["missing"]) for r in ids.iter_rows(named=True)
                for frag in (r["fragments"] or r["pm"]).split(",")}
    flags = [(r["pm"], r["family"], r["missing"]) in proposed
             for r in near.iter_rows(named=True)]
    return near.with_columns(pl.Series("identified", flags, dtype=pl.Boolean))


@main.group("store")
def store_group() -> None:
    """The case store: schema upgrade, audit verification, review, export (docs/store.md).

    DB is a file (SQLite, the default) or a SQLAlchemy URL
    (postgresql+psycopg://user@host/db).
    """


def _open_store(db: str, *, upgrade: bool = False) -> Any:
    from forensic_match.store import CaseStore

    try:
        return CaseStore(db, upgrade=upgrade)
    except ForensicMatchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def _with_store(db: str, call: Any) -> Any:
    """Open the store at ``db``, return ``call(store)`` and close it; an error of the
    project's (a refused action, a store behind the schema...) is printed and exits 1."""
    store = _open_store(db)
    try:
        return call(store)
    except ForensicMatchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        store.close()


@store_group.command("upgrade")
@click.argument("db")
def store_upgrade_command(db: str) -> None:
    """Create the store DB or migrate it to this version's schema (idempotent)."""
    from forensic_match.store import create_store_engine, upgrade_store
    from forensic_match.store.database import opening, shown_url

    engine = create_store_engine(db)
    try:
        with opening(db):
            before, after = upgrade_store(engine)
    except ForensicMatchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"store {shown_url(db)}: schema already at revision {after}")
    else:
        click.echo(f"store {shown_url(db)}: schema upgraded from revision "
                   f"{before or '(empty)'} to {after}")


@store_group.command("verify")
@click.argument("db")
@click.option("--head", "heads", multiple=True,
              help="A head hash printed by an earlier verify and kept outside the store: the "
                   "chain must pass through it (repeatable).")
def store_verify_command(db: str, heads: tuple[str, ...]) -> None:
    """Recompute the audit chain and check every audited row; exit 1 naming the first broken
    link and every row changed behind the log's back."""
    report = _with_store(db, lambda store: store.verify(heads=heads))
    if report.ok:
        click.echo(f"audit log intact: {report.entries} entries, head {report.head}")
        return
    if report.first_broken is not None:
        click.echo(f"audit log BROKEN: first broken link at entry {report.first_broken}",
                   err=True)
    for line in report.problems:
        click.echo(f"  {line}", err=True)
    sys.exit(1)


@store_group.command("export")
@click.argument("db")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--identities", is_flag=True,
              help="Include names and personal data (left out unless asked).")
def store_export_command(db: str, out: str, identities: bool) -> None:
    """Write the store's content to OUT (JSON, one row a line), pseudonymous unless
    --identities; read in batches from one snapshot of the store, so that a store of any
    size exports in little memory."""
    _writable(out)
    counts = _with_store(db, lambda store: store.write_export(out, identities=identities))
    from forensic_match.store.database import shown_url

    click.echo(f"exported {shown_url(db)} to {out}: {sum(counts.values()):,} rows"
               + (" (with identities)" if identities else ""))


@store_group.command("user")
@click.argument("db")
@click.argument("user")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["reviewer", "approver"]), help="Repeat for several roles.")
@click.option("--as", "actor", required=True, help="Who makes the change (audit log).")
def store_user_command(db: str, user: str, roles: tuple[str, ...], actor: str) -> None:
    """Create USER with roles, or replace their roles."""
    _with_store(db, lambda store: store.add_user(user, list(roles), actor=actor))
    click.echo(f"user {user}: {', '.join(sorted(set(roles)))}")


def _none_said(rows: list[Any], words: str, run_id: str | None) -> None:
    """Say on stderr that a listing is empty (stdout keeps one line per row, for scripts)."""
    if not rows:
        click.echo(words + (f" for run {run_id}" if run_id else ""), err=True)


@store_group.command("warnings")
@click.argument("db")
@click.option("--run", "run_id", default=None, help="One run's (default: every run's).")
def store_warnings_command(db: str, run_id: str | None) -> None:
    """The warnings kept with the runs, one per line: run, number, kind, message (a nightly
    run's warnings are stored with it, as well as printed)."""
    rows = _with_store(db, lambda store: store.run_warnings(run_id))
    _none_said(rows, "no warnings kept", run_id)
    for r in rows:
        click.echo(f"{r['run_id']} {r['seq']:>4} {r['kind']}: {r['message']}")


@store_group.command("held")
@click.argument("db")
@click.option("--run", "run_id", default=None, help="One run's (default: every run's).")
def store_held_command(db: str, run_id: str | None) -> None:
    """What the runs held back rather than proposed, one per line: run, number, PM sample,
    family and missing person (or "family level"), log10 LR, and why (a family whose
    references contradict its pedigree, a body whose DNA is a living relative's, a possible
    second fragment of a body already identified)."""
    rows = _with_store(db, lambda store: store.run_held(run_id))
    _none_said(rows, "nothing held back", run_id)
    for r in rows:
        who = r["missing"] if r["missing"] is not None else "family level"
        lr = "" if r["log10_lr"] is None else f" log10 LR {r['log10_lr']:.2f}"
        click.echo(f"{r['run_id']} {r['seq']:>4} {r['pm']} -> {who} of family "
                   f"{r['family_id']}{lr}: {r['reason']}")


@store_group.command("family-level")
@click.argument("db")
@click.option("--run", "run_id", default=None, help="One run's (default: every run's).")
def store_family_level_command(db: str, run_id: str | None) -> None:
    """The bodies the runs placed in a family without saying who in it, one per line: run,
    number, body (its fragments), family, the family's posterior (its unregistered
    relatives' share), best log10 LR, and the candidates with their posteriors. Not
    proposals: antemortem data or more references must say who."""
    rows = _with_store(db, lambda store: store.run_family_level(run_id))
    _none_said(rows, "no body placed at family level", run_id)
    for r in rows:
        lr = "" if r["best_log10_lr"] is None else f", best log10 LR {r['best_log10_lr']:.2f}"
        click.echo(f"{r['run_id']} {r['seq']:>4} {r['pm']} ({r['fragments']}) -> family "
                   f"{r['family_id']}: posterior {posterior_text(r['posterior'])} (relatives "
                   f"{r['relatives_posterior']:.4f}){lr}; {r['candidates']}"
                   + (f"; CAUTION: {r['caution']}" if r["caution"] else ""))


@store_group.command("identities")
@click.argument("db")
@click.argument("table", type=click.Path(dir_okay=False))
@click.option("--as", "actor", required=True, help="Who makes the change (audit log).")
def store_identities_command(db: str, table: str, actor: str) -> None:
    """Record the names and personal data of stored persons from TABLE (CSV, TSV, Excel or
    Parquet): a person-id column (person_id, person, id), a name column (name, nombre) and
    any other columns as details. All rows or none: a row whose person is not stored, or
    without a name, changes nothing. Names stay out of the audit log, exports and reports
    unless asked (--identities)."""
    from forensic_match.store.identities import identities_summary

    counts = _with_store(db, lambda store: store.import_identities(table, actor=actor))
    click.echo(f"identities from {table}: {identities_summary(counts)}")


#: How ``store proposals`` labels each kind of :func:`~forensic_match.store.review.body_notes`.
BODY_NOTE_LABELS = {"blocked_person": "BLOCKED", "blocked_body": "BLOCKED",
                    "supersedes": "SUPERSEDES ON APPROVAL", "larger": "PART OF A LARGER BODY",
                    "superseded_by": "SUPERSEDED"}


@store_group.command("proposals")
@click.argument("db")
@click.option("--state", type=click.Choice(["pending", "reviewed", "approved", "rejected",
                                            "superseded"]),
              help="Only the proposals in this state (default: all).")
@click.option("--flagged", is_flag=True,
              help="Only what needs attention: the proposals flagged for re-review that are "
                   "not rejected or superseded, those whose approval another approved "
                   "proposal blocks or that would supersede one, and those awaiting approval "
                   "with a closed-list caution.")
def store_proposals_command(db: str, state: str | None, flagged: bool) -> None:
    """List the proposals (id, state, flag, pair, LR, posterior), one per line."""
    from forensic_match.dvi.closed_list import read_closed_list_caution
    from forensic_match.store.review import body_notes

    def read(store: Any) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
        from forensic_match.store.review import list_proposals, rejections

        with store.reading() as conn:
            return list_proposals(conn), rejections(conn)

    every, rejects = _with_store(db, read)
    cautions = {r["proposal_id"]: read_closed_list_caution(r["engine_reason"]) for r in every}
    # one body, one person: a proposal that approved ones block (an outside check,
    # 2026-12-08: 13 whole bodies blocked for good by the approval of their first fragment,
    # listed as plain "reviewed" and not under --flagged)
    notes = body_notes(every)
    rows = [r for r in every if (state is None or r["state"] == state) and
            (not flagged or (r["needs_review"] and r["state"] not in ("rejected", "superseded"))
             or any(n["kind"] in ("blocked_person", "blocked_body", "supersedes")
                    for n in notes.get(r["proposal_id"], ()))
             # (a closed-list caution awaiting approval: its approval is refused without
             # --despite-caution, yet it was not listed here; an outside check, 2026-12-08)
             or (r["state"] in ("pending", "reviewed")
                 and cautions[r["proposal_id"]] is not None))]
    said = " ".join(w for w in ("flagged" if flagged else "", state or "") if w)
    _none_said(rows, f"no {said} proposals" if said else "no proposals", None)
    # Earlier rejected proposals of the same person: a pair proposed again on later data
    # showed its rejection only in its report and the trace (an outside check, 2026-12-06).
    # "On a re-review flag" only when the proposal was flagged when it was rejected (its
    # data withdrawn or superseded): a judged rejection a later night flagged was called so,
    # from its current flag (an outside check, 2026-12-07).
    rejected: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
    for r in every:
        if r["state"] == "rejected":
            on_flag = rejects[r["proposal_id"]]["on_flag"]
            rejected.setdefault((r["family_id"], r["missing"]), []).append(
                (r["proposal_id"],
                 f"{r['proposal_id']}{' (on a re-review flag)' if on_flag else ''}", r["pm"]))
    for r in rows:
        flag = ""
        if r["state"] == "rejected" and r["needs_review"]:
            how = rejects[r["proposal_id"]]
            flag = (f"  REJECTED ON A FLAG: {how['flag']}" if how["on_flag"] else
                    "  REJECTED (judged; the rejection stands)")
            if how["flagged_after"]:
                flag += f"; FLAGGED AFTER THE REJECTION: {how['flagged_after']}"
        elif r["needs_review"]:
            flag = "  RE-REVIEW: " + r["stale_reason"]
        for n in notes.get(r["proposal_id"], ()):
            flag += f"  {BODY_NOTE_LABELS[n['kind']]}: {n['words']}"
        # another body's rejection said so (an outside check, h_rej, 2026-12-08: the father's
        # body read "REJECTED BEFORE: proposal 5", which had been the uncle's body)
        before = [text + ("" if set(pm.split(",")) & set(r["pm"].split(","))
                          else f" (another body: {pm})")
                  for i, text, pm in rejected.get((r["family_id"], r["missing"]), [])
                  if i < r["proposal_id"]]
        if before:
            flag += (f"  REJECTED BEFORE: proposal{'s' if len(before) > 1 else ''} "
                     f"{', '.join(before)} of the same person (see the report)")
        # a closed list's caution was in the stored reason only (an outside check,
        # 2026-12-08: a wrong body listed with no mark)
        caution = cautions[r["proposal_id"]]
        if caution is not None:
            flag += f"  CLOSED-LIST CAUTION: {caution.short()}"
        click.echo(f"{r['proposal_id']:>6} {r['state']:<9} {r['pm']} -> {r['missing']} of "
                   f"{r['family_id']}  log10 LR {r['log10_lr']:.2f}  posterior "
                   f"{posterior_text(r['posterior'])}{flag}")


@store_group.command("trace")
@click.argument("db")
@click.argument("sample")
def store_trace_command(db: str, sample: str) -> None:
    """The history of SAMPLE: profile versions, runs that ranked it, placed its body in a
    family without saying who or held a pair of it back, proposals resting on it, their
    review steps and re-review flags, oldest first."""
    events = _with_store(db, lambda store: store.trace(sample))
    for e in events:
        click.echo(f"{e['at'][:19]}  {e['event']:<22} {e['detail']}")


@store_group.command("changes")
@click.argument("db")
@click.option("--run", "run_id", default=None, help="A finished run (default: the newest).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def store_changes_command(db: str, run_id: str | None, fmt: str) -> None:
    """What a run's candidates changed against the run before it: new, stronger, weaker,
    withdrawn (unchanged candidates are not listed)."""
    rows = _with_store(db, lambda store: store.changes(run_id))
    if fmt == "json":
        for row in rows:
            click.echo(json.dumps(finite_json(row), allow_nan=False))
        return
    if rows:
        click.echo(f"run {rows[0]['run_id']} against {rows[0]['previous_run'] or 'no run'}")
        click.echo(_text_table([{k: r[k] for k in ("pm", "family", "missing", "change",
                                                   "previous_log10_lr", "log10_lr")}
                                for r in rows]))
    else:
        click.echo("no candidate changed")


@store_group.command("review")
@click.argument("db")
@click.argument("proposal", type=int)
@click.argument("action", type=click.Choice(["review", "approve", "reject", "reopen"]))
@click.option("--as", "actor", required=True, help="The user acting (needs the role).")
@click.option("--reason", required=True, help="Why (required for every action).")
@click.option("--clear-flag", "clear_flag", is_flag=True,
              help="review: the proposal is flagged for re-review, its reason was read, and "
                   "this review clears the flag (refused without it).")
@click.option("--despite-caution", "despite_caution", is_flag=True,
              help="approve: the proposal carries a closed-list caution (an unregistered "
                   "relative fits the body better), it was weighed, and the approval stands "
                   "(refused without it; the audit log records the caution).")
def store_review_command(db: str, proposal: int, action: str, actor: str, reason: str,
                         clear_flag: bool, despite_caution: bool) -> None:
    """Move PROPOSAL through review: review, approve, reject, reopen (four eyes: the
    approver is not the reviewer)."""
    from forensic_match.dvi.closed_list import read_closed_list_caution

    states = _with_store(db, lambda store: {p["proposal_id"]: p for p in store.proposals()})
    before = states.get(proposal)
    row = _with_store(db, lambda store: store.act(proposal, action, actor=actor,
                                                  reason=reason, clear_flag=clear_flag,
                                                  despite_caution=despite_caution))
    cleared = before is not None and before["needs_review"] and not row["needs_review"]
    # a review of a proposal on superseded data keeps its flag: said, not a plain "reviewed"
    # (an outside check, 2026-12-08: 7 such reviews given --clear-flag printed "reviewed")
    kept = action == "review" and row["needs_review"]
    why = " (--clear-flag clears no flag on data no longer the newest)" if clear_flag else ""
    click.echo(f"proposal {proposal}: {row['state']}"
               + (f" (re-review flag cleared: {before['stale_reason']})" if cleared else "")
               + (f"; the re-review flag stays{why}: {row['stale_reason']}; it cannot be "
                  f"approved" if kept else ""))
    if action == "reject":
        from forensic_match.store.review import judged_rejections

        pair = f"{row['pm']} -> {row['missing']} of {row['family_id']}"
        def judged(store: Any) -> list[tuple[int, str, str, str]]:
            with store.reading() as conn:
                return judged_rejections(conn)

        kept_out = _with_store(db, judged)
        mine = set(row["pm"].split(","))
        # the earlier live proposals of the pair it keeps out with it (h_rej, 2026-12-08)
        also = [f"proposal {o['proposal_id']} ({o['state']}, {o['pm']})"
                for o in states.values() if o["proposal_id"] < proposal
                and (o["family_id"], o["missing"]) == (row["family_id"], row["missing"])
                and o["state"] in ("pending", "reviewed", "approved")
                and mine & set(o["pm"].split(","))]
        click.echo(f"later runs keep {pair} out of their decision (reopen the proposal to "
                   f"weigh it again)" + (f"; so the engine no longer proposes the pair of "
                                         f"{', '.join(also)}" if also else "")
                   if any(r[0] == proposal for r in kept_out) else
                   f"later runs still weigh {pair} (a rejection on a re-review flag, a later "
                   f"proposal of the pair stands, or its data changed since)")
    if row["flagged_dependents"]:
        click.echo("flagged for re-review, their LR conditioned on this proposal's body: "
                   + ", ".join(f"proposal {d}" for d in row["flagged_dependents"]))
    for part in row["superseded_parts"]:
        click.echo(f"proposal {part}: superseded ({states[part]['pm']}, part of the body of "
                   f"proposal {proposal})")
    caution = read_closed_list_caution(row["engine_reason"])
    if caution is not None and action in ("review", "approve"):
        said = "approved despite it" if action == "approve" else "approval needs " \
            "--despite-caution"
        click.echo(f"CLOSED-LIST CAUTION ({said}): {caution.short()}")


@store_group.command("withdraw")
@click.argument("db")
@click.argument("item")
@click.option("--family", "family", is_flag=True,
              help="ITEM is a family (its only missing person found alive, a second "
                   "registration retired, a case closed), not a sample.")
@click.option("--as", "actor", required=True, help="Who withdraws it (audit log).")
@click.option("--reason", required=True, help="Why (kept with the version and the flags).")
def store_withdraw_command(db: str, item: str, family: bool, actor: str, reason: str) -> None:
    """Withdraw ITEM: a PM sample (recalled by the laboratory, a duplicate, not a body), a
    relative's profile FAMILY/PERSON or a direct reference FAMILY/PERSON/reference (consent
    revoked, a sample swap), or with --family a family. Later runs do not use it, its
    proposals are flagged for re-review and cannot be approved, and a night's file that
    sends it again is not stored (docs/store.md, "Withdrawing a sample or a family").
    Nothing is deleted; 'store reinstate' brings it back."""
    if family:
        flagged = _with_store(db, lambda store: store.withdraw_family(item, actor=actor,
                                                                      reason=reason))
        what = f"family {item}"
    else:
        flagged = _with_store(db, lambda store: store.withdraw_sample(item, actor=actor,
                                                                      reason=reason))
        what = f"sample {item}"
    click.echo(f"{what}: withdrawn; {len(flagged)} proposal{'s' if len(flagged) != 1 else ''} "
               f"flagged for re-review" + (f" ({', '.join(map(str, flagged))})" if flagged else ""))


@store_group.command("reinstate")
@click.argument("db")
@click.argument("item")
@click.option("--family", "family", is_flag=True, help="ITEM is a family, not a sample.")
@click.option("--as", "actor", required=True, help="Who reinstates it (audit log).")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
def store_reinstate_command(db: str, item: str, family: bool, actor: str, reason: str) -> None:
    """Bring withdrawn ITEM (a sample, or with --family a family) back with the content it
    had: the next run uses it again."""
    if family:
        version = _with_store(db, lambda store: store.reinstate_family(item, actor=actor,
                                                                       reason=reason))
        click.echo(f"family {item}: reinstated as version {version}")
        return
    version = _with_store(db, lambda store: store.reinstate_sample(item, actor=actor,
                                                                   reason=reason))
    click.echo(f"sample {item}: reinstated as profile version {version}")


@store_group.command("report")
@click.argument("db")
@click.argument("proposal", type=int)
@click.option("--lang", "language", type=click.Choice(["es", "en"]), default="es",
              show_default=True, help="Language of the report.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The HTML file to write.")
@click.option("--identities", is_flag=True,
              help="Put names from the identities table into the report (codes only unless "
                   "asked).")
@click.option("--markers", "markers_file", type=click.Path(dir_okay=False),
              help="A dataset (JSON) with the run's markers and frequencies; default: the "
                   "dataset file the run records.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="For a run on the laboratory's tables: its configuration (TOML), as given "
                   "to 'run'.")
@click.option("--frequencies", default=None,
              help="For a run on the laboratory's tables: its --frequencies, as given to 'run'.")
@click.option("--mutation", type=click.Choice(["stepwise", "onestep", "equal",
                                              "proportional", "none"]),
              help="For a run on the laboratory's tables: its --mutation, as given to 'run'.")
def store_report_command(db: str, proposal: int, language: str, out: str, identities: bool,
                         markers_file: str | None, config_path: str | None,
                         frequencies: str | None, mutation: str | None) -> None:
    """Write the print-ready HTML report of PROPOSAL (docs/reports.md): propositions, LR per
    marker and in total with its verbal equivalent, pedigree, posterior and prior,
    limitations, provenance.

    The per-marker LRs need the run's markers: the dataset file the run records (or
    --markers), or for a run on the laboratory's tables the --config, --frequencies and
    --mutation it was given; a table whose hash is not the run's is refused.
    """
    from forensic_match.reports import render_report

    _writable(out)
    store = _open_store(db)
    try:
        markers = None
        lab = any(x is not None for x in (config_path, frequencies, mutation))
        if markers_file is not None and lab:
            raise ForensicMatchError("give --markers (a dataset) or the laboratory run's "
                                     "--config/--frequencies/--mutation, not both")
        if markers_file is not None:
            from forensic_match.cases import load_case

            markers = load_case(markers_file).markers
        elif lab:
            markers = _run_panel(_configuration(config_path, frequencies, mutation))
        else:
            markers = _recorded_panel(store, proposal)
        html = render_report(store, proposal, language=language, identities=identities,
                             markers=markers)
    except ForensicMatchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        store.close()
    _write_text(out, html)
    click.echo(f"proposal {proposal}: report ({language}) written to {out}"
               + (" (with identities)" if identities else ""))


@store_group.command("dashboard")
@click.argument("db")
@click.option("--lang", "language", type=click.Choice(["es", "en"]), default="es",
              show_default=True, help="Language of the page.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The HTML file to write.")
def store_dashboard_command(db: str, language: str, out: str) -> None:
    """Write the programme's dashboard (HTML): proposals by state, those waiting for review,
    LR distributions, the last runs. Codes only, never names."""
    from forensic_match.reports import render_dashboard

    _writable(out)
    html = _with_store(db, lambda store: render_dashboard(store, language=language))
    _write_text(out, html)
    click.echo(f"dashboard ({language}) written to {out}")


def _recorded_panel(store: Any, proposal: int) -> list[Any] | None:
    """The markers of the run of ``proposal`` on the laboratory's tables, from what it
    recorded: its frequency table's name, its configuration file (while it is unchanged) and
    the mutation model whose markers have the run's digest (``--mutation`` is recorded
    only in that digest). ``None`` for a run that records a dataset file (the report reads
    it) or no table. A report of a run given no --frequencies (the default table) asked for
    them (an outside check, h_pg F8, 2026-12-08); one that cannot be rebuilt says which
    options and values to give."""
    import json

    import sqlalchemy as sa

    from forensic_match.markers import markers_digest
    from forensic_match.store import schema

    with store.reading() as conn:
        run = conn.execute(sa.select(schema.runs).join(
            schema.proposals, schema.proposals.c.run_id == schema.runs.c.run_id).where(
            schema.proposals.c.proposal_id == proposal)).mappings().first()
    if run is None:
        return None
    inputs, config = json.loads(run["inputs"]), json.loads(run["config"])
    table = config.get("frequencies")
    if (inputs.get("dataset") or {}).get("path") or not table:
        return None
    given = f"--frequencies {table}"
    config_path = None
    if "config" in inputs:
        config_path, digest = inputs["config"]["path"], inputs["config"]["sha256"]
        given = f"--config {config_path} {given}"
        if _sha256_file(config_path) != digest:
            state = "changed" if Path(config_path).is_file() else "gone"
            raise ForensicMatchError(
                f"run {run['run_id']} was given the configuration {config_path!r} (sha256 "
                f"{digest[:16]}...), which is {state}: give that configuration's --config, "
                f"with --frequencies {table} and the --mutation given to the run, if any")
    for mutation in (None, "stepwise", "onestep", "equal", "proportional", "none"):
        markers = _run_panel(_configuration(config_path, table, mutation))
        if markers_digest(markers) == run["frequencies_sha256"]:
            return markers
    raise ForensicMatchError(
        f"run {run['run_id']} used the frequency table {table!r}, but with none of the "
        f"mutation models do its markers have the run's sha256 "
        f"({run['frequencies_sha256'][:16]}...): give {given} and the --mutation given to the "
        f"run, or --markers DATASET.json")


def _run_panel(cfg: Any) -> list[Any]:
    """The markers a run on the laboratory's tables starts from (``run_store`` then keeps
    those some stored profile types and extends them): every marker of the configured
    frequency table that the configuration does not ignore, with its mutation models, as
    :func:`_read_tables` builds them with ``every_marker``. A table's labels are rewritten in
    canonical form (a run on a table that needs it had ``--normalise-alleles``, or was refused;
    on a canonical table nothing changes)."""
    table = _load_table(cfg, normalise_alleles=True)
    names = [n for n in table.markers if not cfg.ignores(n)]
    return cfg.with_mutation(table.markers_for(names), lumpable=cfg.theta > 0)


def _writable(out: str) -> None:
    """Refuse, before any work, an output file whose folder does not exist (a report, the
    dashboard, an export: it was a raw traceback after the work: an outside check,
    2026-12-07)."""
    folder = Path(out).parent
    if not folder.is_dir():
        click.echo(f"error: cannot write {out!r}: folder {str(folder)!r} does not exist",
                   err=True)
        sys.exit(1)


def _write_text(out: str, text: str) -> None:
    """Write ``text`` to ``out`` through a temporary file of its own (never a half-written
    page, also when two commands write ``out`` at once)."""
    import os
    import tempfile

    path = Path(out)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        Path(name).replace(path)
    finally:
        Path(name).unlink(missing_ok=True)


@main.command("run")
@click.argument("dataset", required=False, type=click.Path(dir_okay=False))
@click.option("--store", "db", required=True,
              help="The case store: a file (SQLite) or a SQLAlchemy URL; created or upgraded.")
@_lab_tables(required=False)
@_table_reading
@click.option("--min-markers", type=int, default=None,
              help="Pairs compared on fewer markers are not considered  [default: the "
                   "configuration's, 8]")
@click.option("--workers", default=1, show_default=True, help="Processes for compiling.")
@click.option("--tables", "tables_dir", type=click.Path(file_okay=False), default=None,
              help="Directory of the compiled tables kept between runs (default: DB.tables "
                   "beside a SQLite store; none for a server).")
@click.option("--no-tables", is_flag=True,
              help="Compile every family, keep no tables (a full run).")
@click.option("--no-search-reuse", is_flag=True,
              help="Search every body against every row, as if no earlier run were kept "
                   "(default: search only what changed since the last run; docs/store.md).")
@click.option("--evidence", "use_evidence", is_flag=True,
              help="Weigh the stored antemortem records and postmortem findings too (LR = DNA "
                   "x evidence; docs/evidence.md).")
@click.option("--place-prior", is_flag=True,
              help="With --evidence: weigh pairs by where and when the person disappeared and "
                   "the body was found (docs/place-prior.md).")
@_place_coordinates
@click.option("--lineage", "lineage_path", type=click.Path(dir_okay=False), default=None,
              help="A JSON file with the Y-STR panel (per-locus mutation rates) and the Y and "
                   "mtDNA databases (the 'lineage' object of FORMAT.md, bare or inside a "
                   "dataset: DATASET.json itself will do): the stored Y haplotypes and "
                   "mitotypes are then weighed with the autosomal markers, and each proposal "
                   "and candidate keeps its lineage LRs (docs/lineage.md, docs/store.md). "
                   "Without it nothing lineage is used or stored.")
@_lineage_decision
@click.option("--snp-references", type=click.Path(dir_okay=False), default=None,
              help="Tonight's SNP genotypes of the families' typed relatives (as 'solve' reads "
                   "them): stored as new versions where they changed, and the store's SNP "
                   "calls are weighed with the STR markers (docs/linked.md, docs/store.md).")
@click.option("--snp-pm", type=click.Path(dir_okay=False), default=None,
              help="Tonight's SNP genotypes of the PM samples (as 'solve' reads them; each a "
                   "PM sample of the store or of tonight's records).")
@click.option("--snp", "use_snp", is_flag=True,
              help="Weigh the SNP calls stored by earlier runs on a night that brings none "
                   "(--snp-references or --snp-pm imply it). Without any of the three no SNP "
                   "data are used or stored.")
@_snp_model("snp-")
@click.option("--as", "actor", default="forensic-match", show_default=True,
              help="Who runs it (audit log).")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
def run_command(dataset: str | None, db: str, pedigrees: str | None, relatives: str | None,
                references: str | None, pm_path: str | None, samples: str | None,
                config_path: str | None, frequencies: str | None, mutation: str | None,
                decimal_comma: bool,
                normalise_alleles: bool, single_allele: str, sex_codes: str | None,
                min_markers: int | None, workers: int, tables_dir: str | None,
                no_tables: bool, no_search_reuse: bool, use_evidence: bool,
                place_prior: bool, place_coordinates: str | None,
                lineage_path: str | None, lineage_kin: float,
                y_frequencies: str, actor: str, quiet: bool, y_theta: float = 0.0,
                mt_theta: float = 0.0, snp_references: str | None = None,
                snp_pm: str | None = None, use_snp: bool = False, **snp_model: Any) -> None:
    """Store tonight's records in the case store (new versions where changed), identify on
    the store's newest data, and record the run's candidates and proposals.

    The records are DATASET.json, or the laboratory's tables (--pedigrees with --relatives,
    --pm with --samples; a night may bring any of them) read as 'forensic-match search'
    reads them, with the frequency table, mutation models, thresholds and priors of
    --config. Families whose data, markers and theta are unchanged since an earlier run are
    not compiled again (--tables). With --lineage FILE the stored Y-STR and mtDNA data
    enter the identification as in 'search --lineage'. With --snp-references, --snp-pm or
    --snp, tonight's SNP calls are stored and every stored SNP call is weighed as in
    'solve --snp-references --snp-pm' (the --snp-* model options are solve's); a
    DATASET.json with linked markers ("linkage": "map") brings its SNP calls itself, as
    'solve' reads them (docs/linked.md). Proposals
    made under another frequency table, mutation models, theta, priors, lineage databases
    or options, SNP panel, map or model, or evidence setting are flagged for re-review,
    with the reason, and proposed again. A run killed at any point leaves the store as it
    was or with the run unfinished; the next run marks it failed and does the work
    (docs/store.md).
    """
    from forensic_match.cases import DviDataset, load_case, with_dropout
    from forensic_match.store import run_store
    from forensic_match.store.runs import CHANGES

    say = _Messages(quiet)
    tables_given = any(p is not None for p in (pedigrees, relatives, references, pm_path,
                                               samples))
    try:
        cfg = _configuration(config_path, frequencies, mutation, min_markers=min_markers)
        if dataset is not None and tables_given:
            raise ForensicMatchError("give DATASET.json or the laboratory's tables "
                                     "(--pedigrees, --relatives, --pm, --samples), not both")
        if dataset is None and not tables_given:
            raise ForensicMatchError("nothing to run on: give DATASET.json or the laboratory's "
                                     "tables (--pedigrees, --relatives, --pm, --samples)")
        for name, path in (("--relatives", relatives), ("--references", references)):
            if path is not None and pedigrees is None:
                raise ForensicMatchError(f"{name} needs --pedigrees (the families they "
                                         f"belong to)")
        if samples is not None and pm_path is None:
            raise ForensicMatchError("--samples needs --pm (the PM profiles)")
        if place_prior and not use_evidence:
            raise ForensicMatchError("--place-prior needs --evidence")
        options = {"min_markers": cfg.min_markers}
        provenance: dict[str, Any] = {}
        if dataset is not None:
            if frequencies is not None or mutation is not None:
                raise ForensicMatchError(f"file {dataset!r}: a dataset carries its own "
                                         f"markers; --frequencies and --mutation are for the "
                                         f"laboratory's tables")
            ds = load_case(dataset, linked=True)
            if not isinstance(ds, DviDataset):
                raise ForensicMatchError(f"file {dataset!r}: not an identification dataset")
            if config_path is not None:
                _refuse_table_settings(cfg, config_path, dataset)
                options |= _decision_options(cfg)
        else:
            reading = {"decimal_comma": decimal_comma, "normalise_alleles": normalise_alleles,
                       "single_allele": single_allele, "sex_codes": sex_codes}
            table, families, pm, panel = _read_tables(
                cfg, say, pedigrees=pedigrees, relatives=relatives, pm_path=pm_path,
                samples=samples, reading=reading, every_marker=True, references=references)
            pm = with_dropout(pm, cfg.pm_dropout)
            ds = DviDataset(id="laboratory-tables", markers=panel, pm=pm, am=families,
                            theta=cfg.theta)
            options |= _decision_options(cfg)
            provenance = {
                "config": {"config_sha256": cfg.sha256, "reading": reading,
                           "frequencies": table.name, "frequencies_file_sha256": table.sha256,
                           "pm_dropout": cfg.pm_dropout},
                "inputs": {name: {"path": path, "sha256": _sha256_file(path)}
                           for name, path in (("pedigrees", pedigrees),
                                              ("relatives", relatives),
                                              ("references", references), ("pm", pm_path),
                                              ("samples", samples),
                                              ("config", config_path)) if path is not None}}
        lineage: dict[str, Any] = {}
        given = [f"--{name.replace('_', '-')}"
                 for name in ("lineage_kin", "y_frequencies", "y_theta", "mt_theta")
                 if click.get_current_context().get_parameter_source(name)
                 is not click.core.ParameterSource.DEFAULT]
        if lineage_path is None and given:
            raise ForensicMatchError(f"{' and '.join(given)} need --lineage FILE (the Y-STR "
                                     f"panel and the lineage databases)")
        if lineage_path is not None:
            from forensic_match.lineage.data import LineageData

            lineage = {"lineage": _with_y_fit(LineageData.from_file(lineage_path),
                                              y_frequencies),
                       "lineage_kin": lineage_kin,
                       "lineage_options": _lineage_options(y_frequencies, y_theta,
                                                           mt_theta)}
            provenance.setdefault("inputs", {})["lineage"] = {
                "path": lineage_path, "sha256": _sha256_file(lineage_path)}
        snp: dict[str, Any] = {}
        if ds.snp is not None:  # the dataset's linked markers
            data, snp_options, note = _dataset_snp(ds, snp_references, snp_pm, snp_model)
            say.step(f"note: {note}")
            snp = {"snp": data, "snp_options": snp_options}
            provenance.setdefault("inputs", {})["snp"] = {
                "dataset": {"path": dataset, "sha256": _sha256_file(dataset)}}
        elif snp_references is None and snp_pm is None and not use_snp:
            _refuse_snp_model(snp_model, "need --snp-references, --snp-pm or --snp")
        else:
            data, snp_options = _snp_tables(snp_references, snp_pm, snp_model)
            snp = {"snp": data, "snp_options": snp_options}
            provenance.setdefault("inputs", {})["snp"] = {
                name: {"path": path, "sha256": _sha256_file(path)}
                for name, path in (("references", snp_references), ("pm", snp_pm),
                                   ("panel", snp_model["snp_panel_path"]),
                                   ("map", snp_model["snp_map_path"])) if path is not None}
        _with_place_coordinates(ds, place_coordinates, place_prior)
        if place_coordinates is not None:
            provenance.setdefault("inputs", {})["place_coordinates"] = {
                "path": place_coordinates, "sha256": _sha256_file(place_coordinates)}
        store = _open_store(db, upgrade=True)
        try:
            with say.collect("run"):
                summary = run_store(store, ds, actor=actor, dataset_path=dataset,
                                    workers=workers, say=say.step,
                                    cache=False if no_tables else tables_dir or True,
                                    reuse_searches=not no_search_reuse,
                                    typed_markers_only=dataset is None,
                                    evidence=use_evidence, place_prior=place_prior,
                                    provenance=provenance,
                                    reading_warnings=[(w["kind"], w["message"])
                                                      for w in say.warnings],
                                    **lineage, **snp, **options)
        finally:
            store.close()
    except ForensicMatchError as exc:
        click.echo(f"error: {' '.join(str(exc).split())}", err=True)
        sys.exit(1)
    if not quiet:
        moved = ", ".join(f"{summary.counts.get('candidates_' + k, 0)} {k}" for k in CHANGES)
        # every kind of flag the run raised (data, configuration, held back, not proposed
        # again, superseded meanwhile): the first alone read "0 flagged" when an approved
        # proposal had been flagged as not proposed again (an outside check, 2026-12-06)
        flagged = sum(summary.counts.get(k, 0) for k in ("flagged", "flagged_held",
                                                         "flagged_unproposed",
                                                         "flagged_superseded"))
        held = summary.counts.get("held_back", 0)
        new = summary.counts["new_proposals"]
        click.echo(f"run {summary.run_id} finished: {new} new proposal{'s' if new != 1 else ''}"
                   f", {flagged} flagged for re-review, {held} held back; "
                   f"candidates {moved}; {summary.counts['compiled_families']} of "
                   f"{summary.counts['families']} families compiled")
        if not summary.counts["families"]:
            # a night of PM tables alone on a new store ran and said "0 of 0" (an outside
            # check, 2026-12-07): nothing was compared, which is worth a sentence
            click.echo("no family is stored yet: the PM samples were stored and compared with "
                       "no one; send the pedigree and relatives' tables (--pedigrees, "
                       "--relatives)", err=True)


#: Settings of a run configuration that apply to the laboratory's tables only: a dataset
#: carries its own markers (frequencies, mutation models) and theta.
_TABLE_SETTINGS = ("frequencies", "min_frequency", "n_individuals", "mutation",
                   "marker_mutation", "theta", "ignore_markers", "pm_dropout")


def _refuse_table_settings(cfg: Any, config_path: str, dataset: str) -> None:
    """Refuse a configuration that sets what a dataset run does not use (before, they were
    dropped without a word, where the same settings as flags are refused)."""
    from forensic_match.config import RunConfig

    default = RunConfig()
    given = [name for name in _TABLE_SETTINGS if getattr(cfg, name) != getattr(default, name)]
    if given:
        raise ForensicMatchError(f"file {config_path!r} sets {', '.join(given)}, which a run on "
                                 f"a dataset does not use: file {dataset!r} carries its own "
                                 f"markers and theta; these settings are for the laboratory's "
                                 f"tables (remove them, or use a configuration without them)")


def _decision_options(cfg: Any) -> dict[str, Any]:
    """``identify``'s options from a run configuration (theta comes with the dataset)."""
    return {"threshold": cfg.threshold, "margin": cfg.margin,
            "posterior_threshold": cfg.posterior_threshold,
            "prior_registered": cfg.prior_registered, "relatives": cfg.relatives,
            "closed": cfg.closed, "undisputed": cfg.undisputed, "sex_filter": cfg.sex_filter,
            # given only when it holds anything: runs with the default record what they did
            **({"min_references": cfg.min_references} if cfg.min_references != 1 else {}),
            **({"ignore_markers": list(cfg.ignore_markers)} if cfg.ignore_markers else {}),
            **({"dna_led": False} if not cfg.dna_led else {})}


if __name__ == "__main__":  # pragma: no cover
    main()
