"""identify() with and without lineage markers on programmes of distantly referenced families.

A simulated programme (``simulate_programme``) whose families are all of the distant shapes
(half siblings, a nephew or niece, an aunt and a cousin), one missing person each, with Y
haplotypes and mitotypes added by ``lineage.simulate.add_lineage`` (a six-cluster discrete
Laplace Y population over 15 loci with Ballantyne 2010 rates, mitotypes of 40 haplogroups over
HV1 and HV2, databases of 1,000; ``--villages`` > 0 adds village patrilineages: every family
and unrelated body belongs to a village of 3 patrilineages, 5 generations deep; with
``--matrilines N`` its mitotypes come from N maternal lines of the village too). Counted
against the truth: individual identifications and family-level proposals, right and wrong,
for the default relative alternatives and for closed family lists (``relatives=0``), in all
and per family shape (a proposal counts under the shape of the family it names; the bodies of
missing persons under their own family's shape). ``--json FILE`` appends one JSON line per run
with every count, for tables over several seeds (``docs/validation.md``).

    .venv/bin/python -m benchmarks.lineage_validation --families 300 --bodies 300 --seed 1
    .venv/bin/python -m benchmarks.lineage_validation --families 300 --bodies 300 --villages 20
    .venv/bin/python -m benchmarks.lineage_validation --shapes cousin half_sibling uncle \
        --families 3000 --bodies 3000 --villages 20 --seed 1 --json val.jsonl
    .venv/bin/python -m benchmarks.lineage_validation --summarise val.jsonl

``--summarise`` pools the runs of a JSON-lines file into one markdown table per setting:
proposals (individual identifications plus family-level placements), right and wrong, the
one-sided 95% upper bound on the false rate (Clopper-Pearson; ``1 - 0.05^(1/N)``, about 3/N,
when none is wrong) and the rates per body of a missing person, in all and per shape.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from forensic_match.dvi.identify import identify
from forensic_match.dvi.scenarios import onestep_markers
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.lineage.mtdna import PARSONS_1997_RATE
from forensic_match.lineage.simulate import add_lineage, degrade_lineage

from .cases import markers as bench_markers
from .lineage_power import _mt_population, _y_population
from .validation import WRONG_EVIDENCE


def _count(res, truth_missing, truth_family, shape_of) -> dict[str, Counter]:
    """Per shape (and ``"all"``): identifications and family-level proposals, right and
    wrong, each counted under the shape of the family it names, and the number of wrong ones
    the proposals' posteriors expect (``*_expected_wrong``, the sum of 1 - posterior)."""
    out: dict[str, Counter] = {"all": Counter()}
    for table, key, truth, name in ((res.identifications, "missing", truth_missing, "id"),
                                    (res.family_level, "family", truth_family, "fam")):
        for r in table.iter_rows(named=True):
            ok = all(truth[f] == r[key] for f in r["fragments"].split(","))
            tag = f"{name}_{'right' if ok else 'wrong'}"
            for c in (out["all"], out.setdefault(shape_of[r["family"]], Counter())):
                c[tag] += 1
                # the false proposals the posteriors themselves expect: sum of 1 - posterior
                c[f"{name}_expected_wrong"] += 1.0 - r["posterior"]
    return out


#: The decision model the runs of this version analyse with, recorded with each run and kept
#: apart by ``--summarise`` (runs without it are of the model before 447a01c).
MODEL = "distant references' relatives as hypotheses (447a01c)"
#: The model of runs recorded without one.
EARLIER_MODEL = "references' relatives with SNP data only (before 447a01c)"


def _records_expected(run: dict) -> bool:
    """Whether a run's counts carry the posteriors' expected wrong proposals (runs appended
    before 2026-12-05 06:40 UTC do not)."""
    return any(k.endswith("_expected_wrong") for k in run["counts"].get("all", {})) or \
        not any(k.endswith(("_right", "_wrong")) for k in run["counts"].get("all", {}))


def _upper(wrong: int, n: int) -> float:
    """One-sided 95% upper bound on a proportion (Clopper-Pearson)."""
    from forensic_match.lineage.frequency import clopper_pearson_upper

    return clopper_pearson_upper(wrong, n, 0.95) if n else float("nan")


def _short(commit: str | None) -> str:
    return commit[:7] if commit else "unrecorded"


def summarise(path: str) -> str:
    """The markdown table of the runs in a ``--json`` file, pooled over seeds."""
    text = Path(path).read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    lines = []
    by_setting: dict[tuple, list] = {}
    for r in records:
        key = (r["families"], r["bodies_pm"], r["villages"], r.get("lineages", 3),
               r["y_method"], tuple(r["shapes"]), r.get("model", EARLIER_MODEL),
               r.get("evidence", False), r.get("y_theta", 0.0), r.get("mt_theta", 0.0),
               r.get("matrilines", 0), json.dumps(r.get("world", {}), sort_keys=True))
        by_setting.setdefault(key, []).append(r)
    for (families, pms, villages, lineages, method, shapes, model, evidence, y_theta,
         mt_theta, matrilines, world), runs in by_setting.items():
        departs = json.loads(world)
        seeds = sorted(r["seed"] for r in runs)
        lines.append(f"{len(runs)} runs (seeds {', '.join(map(str, seeds))}): {families} "
                     f"families, {pms} PM samples each, villages {villages} ({lineages} "
                     f"patrilineages each), Y frequencies "
                     f"{method}, shapes {' '.join(shapes)}; "
                     f"{'AM/PM evidence; ' if evidence else ''}"
                     f"{f'Y theta {y_theta:g}; ' if y_theta else ''}"
                     f"{f'mtDNA theta {mt_theta:g}; ' if mt_theta else ''}"
                     f"{f'{matrilines} matrilines per village; ' if matrilines else ''}"
                     f"{f'world departs: {_departs(departs)}; ' if departs else ''}"
                     f"model: {model}; "
                     f"{sum(r['cpu_seconds'] for r in runs):.0f} CPU-s in all; commits "
                     f"{', '.join(sorted({_short(r.get('commit')) for r in runs}))}")
        lines.append("")
        lines.append("| family list | lineage | shape | bodies of missing persons | proposals "
                     "| right | wrong | 95% upper bound, false rate | family level right "
                     "(rate) | identifications right (rate) | wrong expected by the "
                     "posteriors / observed (runs recording it) |")
        lines.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        shape_names = ["all", *sorted({k for r in runs for k in r["bodies"] if k != "all"})]
        for relatives in (1.0, 0.0):
            for lineage in (False, True):
                had = [r for r in runs if any(x["relatives"] == relatives
                                              and x["lineage"] == lineage for x in r["runs"])]
                if not had:     # not analysed so (--lineage-only)
                    continue
                for shape in shape_names:
                    bodies = sum(r["bodies"].get(shape, 0) for r in had)
                    c: Counter = Counter()
                    expected, observed, recorded = 0.0, 0, 0
                    for r in had:
                        for run in r["runs"]:
                            if run["relatives"] == relatives and run["lineage"] == lineage:
                                got = run["counts"].get(shape, {})
                                c.update(got)
                                if _records_expected(run):
                                    recorded += 1
                                    expected += got.get("id_expected_wrong", 0.0) + \
                                        got.get("fam_expected_wrong", 0.0)
                                    observed += got.get("id_wrong", 0) + got.get("fam_wrong", 0)
                    calibration = f"{expected:.2f} / {observed} ({recorded})" if recorded \
                        else "-"
                    right = c["id_right"] + c["fam_right"]
                    wrong = c["id_wrong"] + c["fam_wrong"]
                    n = right + wrong
                    bound = f"{_upper(wrong, n):.3f}" if n else "-"
                    lines.append(
                        f"| {'open (relative alternatives)' if relatives else 'closed'} | "
                        f"{'yes' if lineage else 'no'} | {shape} | {bodies:,} | {n} | {right} "
                        f"| {wrong} | {bound} | {c['fam_right']} "
                        f"({c['fam_right'] / max(bodies, 1):.2%}) | {c['id_right']} "
                        f"({c['id_right'] / max(bodies, 1):.2%}) | {calibration} |")
        lines.append("")
    return "\n".join(lines)


def _departs(world: dict) -> str:
    """A run's departures from the model's world in words."""
    words = {"evidence_wrong": lambda v: "AM/PM evidence from WRONG_EVIDENCE",
             "stepwise_data": lambda v: "autosomal data one-step stepwise",
             "y_rate_factor": lambda v: f"Y rates x{v:g}",
             "mt_rate_factor": lambda v: f"mtDNA rate x{v:g}",
             "pm_y_loss": lambda v: f"PM Y loci lost {v[0]:g}-{v[1]:g}",
             "pm_mt_partial": lambda v: f"PM mitotypes HV1 only {v:.0%}"}
    return ", ".join(say(world[k]) for k, say in words.items() if k in world)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=300)
    ap.add_argument("--bodies", type=int, default=300)
    ap.add_argument("--seed", type=int, nargs="+", default=[1],
                    help="one programme per seed, in one process")
    ap.add_argument("--lineage-only", action="store_true",
                    help="analyse with lineage markers only (skip the autosomal-only "
                         "analyses: about a third less CPU a programme)")
    ap.add_argument("--villages", type=int, default=0)
    ap.add_argument("--lineages", type=int, default=3,
                    help="patrilineages per village (--villages > 0); fewer: more unrelated "
                         "men share a family's Y line")
    ap.add_argument("--matrilines", type=int, default=0,
                    help="maternal lines per village (--villages > 0; default 0: mitotypes "
                         "of the population at large): unrelated villagers share a family's "
                         "mitotype more often than the database says")
    ap.add_argument("--shapes", nargs="+", default=["half_siblings", "nephew", "cousin_aunt"],
                    help="family shapes of simulate_programme (e.g. the single-reference "
                         "shapes cousin, half_sibling, uncle)")
    ap.add_argument("--y-method", default="count", choices=["count", "kappa", "disclap"],
                    help="Y haplotype frequency method of lineage_lr")
    ap.add_argument("--clusters", type=int, default=6,
                    help="clusters of the discrete Laplace fit (--y-method disclap)")
    ap.add_argument("--evidence", action="store_true",
                    help="simulate AM records and PM findings (simulate_programme(evidence="
                         "True), docs/simulation-evidence.md) and analyse with them "
                         "(identify(evidence=...))")
    world = ap.add_argument_group(
        "a world the analysis does not assume (docs/validation.md, \"Single distant "
        "references when the world differs from the model\")")
    world.add_argument("--evidence-wrong", action="store_true",
                       help="the AM/PM evidence drawn from validation.WRONG_EVIDENCE (biased "
                            "statures, understated age errors, wrong sexes and charts ...); "
                            "implies --evidence")
    world.add_argument("--stepwise-data", action="store_true",
                       help="autosomal genotypes gene-dropped with one-step stepwise mutation "
                            "(scenarios.onestep_markers), analysed with equal")
    world.add_argument("--y-rate-factor", type=float, default=WORLD_DEFAULTS["y_rate_factor"],
                       help="Y haplotypes mutate at this multiple of the panel's stated rates")
    world.add_argument("--mt-rate-factor", type=float,
                       default=WORLD_DEFAULTS["mt_rate_factor"],
                       help="mitotypes mutate at this multiple of the analysed rate "
                            "(Parsons 1997)")
    world.add_argument("--pm-y-loss", type=float, nargs=2, default=WORLD_DEFAULTS["pm_y_loss"],
                       metavar=("LO", "HI"),
                       help="each body's Y haplotype loses each locus with a probability "
                            "drawn in [LO, HI] (lineage.simulate.degrade_lineage)")
    world.add_argument("--pm-mt-partial", type=float, default=WORLD_DEFAULTS["pm_mt_partial"],
                       help="share of bodies whose mitotype is read over HV1 only")
    ap.add_argument("--y-theta", type=float, default=0.0,
                    help="analyse with this Y subpopulation correction (lineage_lr y_theta)")
    ap.add_argument("--mt-theta", type=float, default=0.0,
                    help="analyse with this mtDNA subpopulation correction (mt_theta)")
    ap.add_argument("--json", default=None,
                    help="append the counts of this run as one JSON line to this file")
    ap.add_argument("--summarise", default=None, metavar="FILE",
                    help="print the pooled table of the runs in a --json file and stop")
    args = ap.parse_args()
    args.evidence = args.evidence or args.evidence_wrong
    if args.summarise:
        print(summarise(args.summarise))
        return
    for seed in args.seed:
        run(args, seed)


#: The model's world: each departure option's value when the world departs from nothing
#: (the options' defaults).
WORLD_DEFAULTS = {"evidence_wrong": False, "stepwise_data": False, "y_rate_factor": 1.0,
                  "mt_rate_factor": 1.0, "pm_y_loss": [0.0, 0.0], "pm_mt_partial": 0.0}


def _world(args: argparse.Namespace) -> dict:
    """The ways the simulated world departs from the analysis (empty: the model's world)."""
    world = {k: getattr(args, k) for k in WORLD_DEFAULTS}
    return {k: v for k, v in world.items() if v != WORLD_DEFAULTS[k]}


def _commit() -> str | None:
    """The checkout's commit, for the record (None outside a git checkout)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def run(args: argparse.Namespace, seed: int) -> None:
    """One programme of ``seed``: simulate, analyse, print and (``--json``) append."""
    start_cpu = time.process_time()
    rng = np.random.default_rng(seed)
    markers = bench_markers("equal")
    world = _world(args)
    evidence_model = WRONG_EVIDENCE if args.evidence_wrong else args.evidence
    prog = simulate_programme(args.families, args.bodies, markers=markers, seed=seed,
                              shapes=args.shapes,
                              missing_per_family=(1, 1), unrelated=0.2,
                              evidence=evidence_model,
                              simulate_markers=onestep_markers(markers, seed=seed)
                              if args.stepwise_data else None)
    population = _y_population(rng)
    add_lineage(prog, population=population, mitotypes=_mt_population(rng, 2000),
                seed=rng, database_size=1000, villages=args.villages, lineages=args.lineages,
                generations=5, mt_rate=PARSONS_1997_RATE * args.mt_rate_factor,
                matrilines=args.matrilines,
                simulate_y_markers=[replace(m, rate=m.rate * args.y_rate_factor)
                                    for m in population.markers])
    if world.get("pm_y_loss") or world.get("pm_mt_partial"):
        # a stream of its own: the rest of the programme is that of the same seed undegraded
        degrade_lineage(prog, seed=np.random.default_rng([seed, 7]),
                        y_loss=tuple(args.pm_y_loss), mt_partial=args.pm_mt_partial)
    ds = prog.dataset
    if args.y_method == "disclap":
        ds.lineage.fit_disclap(args.clusters)
    evidence = None
    if args.evidence:
        from forensic_match.evidence import Evidence

        evidence = Evidence.from_dataset(ds)
    truth_missing = prog.pm_to_missing
    truth_family = dict(zip(prog.truth["pm"].to_list(), prog.truth["family"].to_list()))
    shape_of = dict(zip(prog.families["family"].to_list(), prog.families["shape"].to_list()))
    # bodies of missing persons (fragments of one body counted once), per family shape
    bodies: Counter = Counter()
    for _, fam in {(b, f) for b, f in zip(prog.truth["body"].to_list(),
                                             prog.truth["family"].to_list())
                      if f is not None}:
        bodies["all"] += 1
        bodies[shape_of[fam]] += 1
    found = sum(1 for m in truth_missing.values() if m is not None)
    print(f"families {args.families}, PM samples {args.bodies} ({found} of missing persons, "
          f"{bodies['all']} bodies), seed {seed}, villages {args.villages} ({args.lineages} "
          f"patrilineages each), Y frequencies "
          f"{args.y_method}, shapes {' '.join(args.shapes)}"
          + (", AM/PM evidence" if args.evidence else ""))
    print("relatives | lineage | shape | bodies of missing persons | identifications right | "
          "wrong | family level right | wrong | CPU seconds")
    runs = []
    for relatives in (1.0, 0.0):
        for lineage in (ds.lineage,) if args.lineage_only else (None, ds.lineage):
            t = time.process_time()
            res = identify(ds.am, ds.pm, ds.markers, relatives=relatives, lineage=lineage,
                           lineage_options={"y_method": args.y_method,
                                            "y_theta": args.y_theta,
                                            "mt_theta": args.mt_theta}, evidence=evidence)
            cpu = time.process_time() - t
            counts = _count(res, truth_missing, truth_family, shape_of)
            for shape in ["all", *sorted(k for k in bodies if k != "all")]:
                c = counts.get(shape, Counter())
                print(f"{relatives:g} | {'yes' if lineage else 'no'} | {shape} | "
                      f"{bodies[shape]} | {c['id_right']} | {c['id_wrong']} | "
                      f"{c['fam_right']} | {c['fam_wrong']} | "
                      f"{f'{cpu:.1f}' if shape == 'all' else '-'}")
            runs.append({"relatives": relatives, "lineage": lineage is not None,
                         "cpu_seconds": round(cpu, 2),
                         "counts": {k: dict(v) for k, v in counts.items()}})
    if args.json:
        record = {"families": args.families, "bodies_pm": args.bodies, "seed": seed,
                  "commit": _commit(), "model": MODEL, "evidence": args.evidence,
                  "villages": args.villages, "lineages": args.lineages,
                  "y_method": args.y_method, "y_theta": args.y_theta,
                  "mt_theta": args.mt_theta, "matrilines": args.matrilines, "world": world,
                  "shapes": args.shapes, "bodies": dict(bodies), "runs": runs,
                  "cpu_seconds": round(time.process_time() - start_cpu, 1)}
        with open(args.json, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
