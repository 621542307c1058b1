"""Bodies that are relatives of a family's single distant reference, not of its missing person:
how many does identify() place in the family, or identify as the missing person, with STR
alone and with STR + lineage markers (no SNPs)?

The programmes of ``benchmarks/snp_outside_kin.py`` (its ``build``: one missing person and one
typed reference per family, shape ``cousin``, ``uncle`` or ``half_sibling``, 20% unrelated
bodies, and for a fraction ``--kin`` of the families one undrawn relative of the reference
among the bodies, gene-dropped on the true pedigree), analysed without the SNP data, and
with Y haplotypes and mitotypes passed down the same true pedigrees: every family's true
pedigree (the outside relative included) gets founder Y haplotypes and mitotypes from the
populations of ``benchmarks/lineage_power.py`` (a six-cluster discrete Laplace Y population
over 15 loci with Ballantyne 2010 rates, mitotypes of 40 haplogroups; databases of 1,000), and
they are dropped with mutation by ``forensic_match.lineage.simulate.add_lineage`` (the
reference gets his, the missing person's body and the outside body theirs, an unrelated body
a man's or woman's of the population; no village structure). The lineage data is drawn from
its own generator (``seed + 3000``), so the STR data are those of the SNP benchmark's
programme of the same seed.

Each programme is analysed with STR alone and with STR + lineage markers, with the default
relative alternatives and with closed lists (``relatives`` 1 and 0), each with the
references' relatives as hypotheses and without (``reference_kin`` 1 and 0). Counted, per
analysis (``snp_outside_kin.count``): identifications and family-level proposals of the
missing persons' bodies (right) and of the outside bodies (false, by kind), and of unrelated
bodies; the counts of several seeds and shapes are pooled at the end.

    python -m benchmarks.str_outside_kin --families 200 --shapes cousin uncle half_sibling \\
        --seeds 1 2

``--programme N``: the price instead, on ``simulate_programme``'s default mix of family
shapes (N families, N PM samples; 30% of the families have only distant references:
half siblings, nephews, a cousin and an aunt), STR only, ``reference_kin`` 0 and 1: CPU of
identify() and the proposals right and wrong (``lineage_validation``'s count, through
fragments). With ``--compare-reuse`` each weight above 0 is run twice more, searching the
references' relatives in full every round and reusing the last round's search
(``identify.REUSE_REFERENCE_KIN_SEARCH``), with the CPU of those searches per round (and of
compiling their rows).

``--night N``: the price in a stored nightly run, ``benchmarks/nightly.py``'s full run and
night (N missing persons and N PM samples, then 100 new PM samples and 50 re-typed
families; one worker), with the CPU of each run's searches of the references' relatives.

    python -m benchmarks.str_outside_kin --programme 2000 --reference-kin 1 --compare-reuse
    python -m benchmarks.str_outside_kin --night 2000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections import Counter
from types import SimpleNamespace

import numpy as np
import polars as pl

from forensic_match.dvi.identify import identify
from forensic_match.evidence import Evidence
from forensic_match.lineage.simulate import add_lineage
from forensic_match.linked import load_force_panel

from .lineage_power import _mt_population, _y_population
from .lineage_validation import _commit, _count
from .snp_outside_kin import KINDS, build, count
from .validation import WRONG_EVIDENCE


def add_true_lineage(fams, samples, truth, true_peds, seed: int):
    """Y haplotypes and mitotypes dropped down each family's true pedigree: the families with
    their references' (``ystr``, ``mtdna``), the samples given theirs in place, and the
    :class:`~forensic_match.lineage.data.LineageData` (panel and databases).

    ``add_lineage`` is run on a stand-in programme whose families have the true pedigrees
    and whose truth names the outside body's person (``OUT``) as the person it is."""
    rng = np.random.default_rng(seed + 3000)
    shim_fams = [dataclasses.replace(f, pedigree=true_peds[f.id]) for f in fams]
    pms = list(truth)
    rows = [(fid, mid if kind == "missing" else ("OUT" if fid is not None else None))
            for fid, mid, kind in (truth[pm] for pm in pms)]
    frame = pl.DataFrame({"pm": pms, "body": pms, "family": [r[0] for r in rows],
                          "missing": [r[1] for r in rows]},
                         schema={"pm": pl.Utf8, "body": pl.Utf8, "family": pl.Utf8,
                                 "missing": pl.Utf8})
    by_id = {s.id: s for s in samples}
    shim = SimpleNamespace(dataset=SimpleNamespace(am=shim_fams,
                                                   pm=[by_id[pm] for pm in pms],
                                                   lineage=None),
                           truth=frame)
    add_lineage(shim, population=_y_population(rng), mitotypes=_mt_population(rng, 2000),
                seed=rng, database_size=1000)
    out = [dataclasses.replace(f, ystr=s.ystr, mtdna=s.mtdna)
           for f, s in zip(fams, shim_fams, strict=True)]
    return out, shim.dataset.lineage


class KinClock:
    """CPU of identify's searches of the references' relatives, per round (``rounds``:
    (seconds, of which compiling their rows)), while the ``with`` block lasts: wraps
    ``_Rounds.reference_kin`` and the ``compile_rows`` of ``dvi.reference_kin``."""

    def __enter__(self) -> KinClock:
        from forensic_match.dvi import identify as identify_module
        from forensic_match.dvi import reference_kin as kin_module

        self.rounds: list[tuple[float, float]] = []
        self._compile = 0.0
        self._saved = (identify_module._Rounds.reference_kin, kin_module.compile_rows)
        search, compile_rows = self._saved

        def timed_search(rounds, remaining):  # noqa: ANN001, ANN202 - a wrapper
            t, before = time.process_time(), self._compile
            out = search(rounds, remaining)
            self.rounds.append((time.process_time() - t, self._compile - before))
            return out

        def timed_compile(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a wrapper
            t = time.process_time()
            out = compile_rows(*args, **kwargs)
            self._compile += time.process_time() - t
            return out

        identify_module._Rounds.reference_kin = timed_search
        kin_module.compile_rows = timed_compile
        return self

    def __exit__(self, *exc: object) -> None:
        from forensic_match.dvi import identify as identify_module
        from forensic_match.dvi import reference_kin as kin_module

        identify_module._Rounds.reference_kin, kin_module.compile_rows = self._saved

    def describe(self) -> str:
        return "; ".join(f"round {k + 1} {a:.2f} s (compiling {c:.2f} s)"
                         for k, (a, c) in enumerate(self.rounds))


def programme_price(families: int, seed: int, weights: list[float],
                    compare_reuse: bool = False) -> None:
    """CPU and proposals of identify() on the default mix, per ``reference_kin`` weight."""
    from forensic_match.decide.alternatives import distant_references
    from forensic_match.dvi import identify as identify_module
    from forensic_match.dvi.simulate import simulate_programme

    from .cases import markers as bench_markers

    prog = simulate_programme(families, families, markers=bench_markers("equal"), seed=seed)
    ds = prog.dataset
    truth_family = dict(zip(prog.truth["pm"].to_list(), prog.truth["family"].to_list()))
    shape_of = dict(zip(prog.families["family"].to_list(), prog.families["shape"].to_list()))
    distant = sum(1 for f in ds.am if distant_references(f))
    print(f"programme: {families} families ({distant} with a distant reference), "
          f"{len(ds.pm)} PM samples, seed {seed}", flush=True)
    runs = [(kin, None) for kin in weights]
    if compare_reuse:
        runs += [(kin, reuse) for kin in weights if kin > 0 for reuse in (False, True)]
    for kin, reuse in runs:
        identify_module.REUSE_REFERENCE_KIN_SEARCH = reuse is not False
        with KinClock() as clock:
            t = time.process_time()
            res = identify(ds.am, ds.pm, ds.markers, reference_kin=kin)
            cpu = time.process_time() - t
        identify_module.REUSE_REFERENCE_KIN_SEARCH = True
        c = _count(res, prog.pm_to_missing, truth_family, shape_of)["all"]
        how = "" if reuse is None else (", reused" if reuse else ", in full")
        print(f"  reference_kin {kin:g}{how}: identifications right {c['id_right']} wrong "
              f"{c['id_wrong']}, family level right {c['fam_right']} wrong {c['fam_wrong']}, "
              f"hypotheses drawn for {res.decision.reference_kin['pm'].n_unique()} bodies"
              f" | CPU {cpu:.1f} s" + (f" | references' relatives: {clock.describe()}"
                                       if kin > 0 else ""), flush=True)


def night_price(families: int, seed: int) -> None:
    """``benchmarks/nightly.py``'s full run and night, with the CPU of each run's searches of
    the references' relatives."""
    import tempfile
    from pathlib import Path

    from . import nightly

    clocks: list[KinClock] = []
    run = nightly.run_store

    def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a wrapper
        with KinClock() as clock:
            out = run(*args, **kwargs)
        clocks.append(clock)
        return out

    nightly.run_store = timed
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = nightly.nightly(families, families, 100, 50, 1, seed, Path(tmp))
    finally:
        nightly.run_store = run
    for name, clock in zip(("full", "night"), clocks):
        print(f"  {name}: CPU {out[name]['cpu_s']} s (identify {out[name]['identify']} s, "
              f"load {out[name]['load']}), searches reused {out[name]['searches_reused']}, "
              f"identifications {out[name]['identifications']} | references' relatives: "
              f"{clock.describe()}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=200)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--shapes", nargs="+", default=["cousin", "uncle"], choices=sorted(KINDS))
    ap.add_argument("--kin", type=float, default=0.6,
                    help="fraction of families with an outside body")
    ap.add_argument("--relatives", type=float, nargs="+", default=[1.0, 0.0])
    ap.add_argument("--reference-kin", type=float, nargs="+", default=[0.0, 1.0])
    ap.add_argument("--analyses", nargs="+", default=["str", "lineage"],
                    choices=["str", "lineage"])
    ap.add_argument("--evidence", action="store_true",
                    help="simulate AM records and PM findings (the outside bodies' from their "
                         "own ages and sexes: snp_outside_kin.outside_findings) and analyse "
                         "with them")
    ap.add_argument("--evidence-wrong", action="store_true",
                    help="as --evidence, drawn from validation.WRONG_EVIDENCE")
    ap.add_argument("--place", action="store_true",
                    help="with --evidence: weigh pairs by the place-and-date prior too")
    ap.add_argument("--json", default=None, help="append one JSON line per programme")
    ap.add_argument("--programme", type=int, default=0, metavar="N",
                    help="measure the price on the default mix of N families instead")
    ap.add_argument("--compare-reuse", action="store_true",
                    help="with --programme: also search the references' relatives in full "
                         "every round and reusing the last round's")
    ap.add_argument("--night", type=int, default=0, metavar="N",
                    help="measure the price in a stored night of N families instead")
    args = ap.parse_args()
    if args.night:
        for seed in args.seeds:
            night_price(args.night, seed)
        return
    if args.programme:
        for seed in args.seeds:
            programme_price(args.programme, seed, args.reference_kin, args.compare_reuse)
        return
    panel = load_force_panel()   # build draws SNPs too: the same programme as snp_outside_kin
    world = WRONG_EVIDENCE if args.evidence_wrong else args.evidence
    pooled: dict[tuple, Counter] = {}
    bodies_all: Counter = Counter()
    for shape in args.shapes:
        for seed in args.seeds:
            fams, samples, markers, _, truth, true_peds, extra = build(
                args.families, shape, seed, args.kin, 0.01, 0.3, panel, evidence=world)
            evidence = Evidence.from_dataset(SimpleNamespace(
                id=f"{shape} seed {seed}", am=fams, pm=samples, extra=extra),
                place=args.place) if world else None
            lfams, lineage = add_true_lineage(fams, samples, truth, true_peds, seed)
            what = Counter(v[2] for v in truth.values())
            bodies_all.update({f"{shape} {k}": v for k, v in what.items()})
            print(f"families {args.families} ({shape}), seed {seed}; bodies "
                  f"{dict(sorted(what.items()))}", flush=True)
            runs = []
            for analysis in args.analyses:
                for relatives in args.relatives:
                    for kin in args.reference_kin:
                        t = time.process_time()
                        if analysis == "str":
                            res = identify(fams, samples, markers, relatives=relatives,
                                           reference_kin=kin, evidence=evidence)
                        else:
                            res = identify(lfams, samples, markers, relatives=relatives,
                                           reference_kin=kin, lineage=lineage,
                                           evidence=evidence)
                        cpu = time.process_time() - t
                        c = count(res, truth)
                        pooled.setdefault((shape, analysis, relatives, kin), Counter()).update(c)
                        runs.append({"analysis": analysis, "relatives": relatives,
                                     "reference_kin": kin, "cpu_seconds": round(cpu, 2),
                                     "counts": dict(c)})
                        print(f"  {analysis}, relatives {relatives:g}, reference_kin {kin:g}: "
                              + ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
                              + f" | CPU {cpu:.1f} s", flush=True)
            if args.json:
                with open(args.json, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"families": args.families, "shape": shape,
                                         "seed": seed, "kin": args.kin,
                                         "evidence": "wrong" if args.evidence_wrong
                                         else bool(args.evidence), "place": args.place,
                                         "commit": _commit(), "bodies": dict(what),
                                         "runs": runs}) + "\n")
    print("\npooled over seeds " + " ".join(map(str, args.seeds)) + "; bodies "
          + ", ".join(f"{k} {v}" for k, v in sorted(bodies_all.items())))
    for (shape, analysis, relatives, kin), c in pooled.items():
        print(f"{shape} | {analysis} | relatives {relatives:g} | reference_kin {kin:g} | "
              + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))


if __name__ == "__main__":
    main()
