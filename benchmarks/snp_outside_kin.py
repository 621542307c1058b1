"""Bodies that are relatives of a family's single distant reference, not of its missing person:
how many does identify() with STR + linked SNPs place in the family?

The programme of ``benchmarks/snp_combination.py`` (one missing person and one typed
reference per family, ``cousin`` or ``uncle`` shape, 20% unrelated bodies, one fragment per
body), plus, for a fraction ``--kin`` of the families, one more body: an undrawn relative of
the reference, of a kind taken in turn from the shape's mix:

- ``cousin`` (the reference CO is the missing person's first cousin through the link parent
  UN/AU; CO's other parent UW/AH married in):
  ``inlaw_cousin`` a first cousin of CO through the in-law parent (a child of the in-law's
  sibling: no relative of the missing person), ``ref_child`` a child of CO with a new partner
  (first cousin once removed of the missing person), ``ref_sibling`` a full sibling of CO
  (the missing person's first cousin);
- ``uncle`` (the reference UN/AU is a full sibling of the missing person's parent):
  ``ref_child`` a child of the reference with a new partner (the missing person's first
  cousin), ``ref_sibling`` a full sibling of the reference (an undrawn uncle or aunt of the
  missing person), ``ref_nephew`` a child of a new full sibling of the reference (the missing
  person's first cousin: the reference's nephew, as the missing person is);
- ``half_sibling`` (the reference H1 shares one parent with the missing person; the other,
  HF/HM, married in): ``inlaw_cousin`` a first cousin of H1 through HF/HM (no relative of the
  missing person), ``ref_child`` a child of H1 (the missing person's half nephew or niece),
  ``ref_sibling`` a full sibling of H1 (the missing person's half sibling, as H1 is).

The true pedigree (family pedigree + the outside relative) is gene-dropped again, STR with the
markers' mutation models (``forensic_match.simulate.simulate_profiles``) and SNPs on the FORCE
panel with crossovers on the sex-specific map (``linked.simulate.drop_genes``); the reference's
STR profile is complete, the bodies' are degraded as the programme's (the sample's dropout,
marker loss uniform in 0-0.2); SNP calls with ``--error`` genotype error both sides and
``--missing`` PM missing calls. identify() sees only the family pedigree (which does not draw
the outside relative). Counted: identifications and family-level proposals of the missing
persons' bodies (right) and of the outside bodies (false), and of unrelated bodies.

    python -m benchmarks.snp_outside_kin --families 100 --shape cousin --seed 1
    python -m benchmarks.snp_outside_kin --families 100 --shape uncle --seed 1

Without SNPs, and with lineage markers passed down the same true pedigrees:
``benchmarks/str_outside_kin.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from collections import Counter

import numpy as np

from forensic_match.cases import PMSample
from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import EvidenceModel, simulate_programme
from forensic_match.linked import load_force_panel
from forensic_match.linked.programme import SubstructureWarning
from forensic_match.linked.scores import SnpData
from forensic_match.linked.simulate import degrade as degrade_snps
from forensic_match.linked.simulate import drop_genes
from forensic_match.pedigree import Pedigree
from forensic_match.simulate import degrade, simulate_profiles

from .cases import markers as bench_markers

KINDS = {"cousin": ("inlaw_cousin", "ref_child", "ref_sibling"),
         "uncle": ("ref_child", "ref_sibling", "ref_nephew"),
         "half_sibling": ("inlaw_cousin", "ref_child", "ref_sibling")}


def _other(sex: str) -> str:
    return "F" if sex == "M" else "M"


def outside_relative(ped: Pedigree, reference: str, kind: str, rng: np.random.Generator,
                     missing: str | None = None,
                     ) -> tuple[list[tuple[str, str | None, str | None, str]], str]:
    """The true pedigree's records with one undrawn relative of ``reference`` of ``kind``
    added, and the relative's id (``OUT``). ``inlaw_cousin`` goes through a parent of the
    reference drawn as a founder and no ancestor of ``missing`` (given)."""
    records = ped.records()
    added: list[tuple[str, str | None, str | None, str]] = []
    sex_out = "M" if rng.random() < 0.5 else "F"
    ref_sex = ped.sex_of(reference)
    parents = ped.parents(reference)
    if kind == "ref_child":
        added = [("OUT_P", None, None, _other(ref_sex)),
                 ("OUT", *((reference, "OUT_P") if ref_sex == "M" else ("OUT_P", reference)),
                  sex_out)]
    elif kind == "ref_sibling":
        assert parents is not None
        added = [("OUT", *parents, sex_out)]
    elif kind == "ref_nephew":
        assert parents is not None
        sib = "M" if rng.random() < 0.5 else "F"
        added = [("OUT_S", *parents, sib), ("OUT_SP", None, None, _other(sib)),
                 ("OUT", *(("OUT_S", "OUT_SP") if sib == "M" else ("OUT_SP", "OUT_S")),
                  sex_out)]
    elif kind == "inlaw_cousin":
        assert parents is not None
        above = ped.ancestors(missing) if missing is not None else set()
        inlaw = [p for p in parents if ped.parents(p) is None and p not in above]
        assert inlaw, "the cousin shape's reference has an in-law parent"
        p = inlaw[0]
        sib = "M" if rng.random() < 0.5 else "F"
        records = [(i, "OUT_GF", "OUT_GM", s) if i == p else (i, f, m, s)
                   for i, f, m, s in records]
        added = [("OUT_GF", None, None, "M"), ("OUT_GM", None, None, "F"),
                 ("OUT_S", "OUT_GF", "OUT_GM", sib), ("OUT_SP", None, None, _other(sib)),
                 ("OUT", *(("OUT_S", "OUT_SP") if sib == "M" else ("OUT_SP", "OUT_S")),
                  sex_out)]
    else:
        raise ValueError(kind)
    return records + added, "OUT"


def add_other_line(ped: Pedigree, mp: str) -> tuple[Pedigree, str]:
    """The family pedigree with a typed reference on the missing person's other line: a full
    sibling ``OA`` of his parent who does not link him to the first reference (that parent
    gets parents ``OGF``, ``OGM``)."""
    parents = ped.parents(mp)
    assert parents is not None
    other = next(p for p in parents if ped.parents(p) is None)
    records = [(i, "OGF", "OGM", s) if i == other else (i, f, m, s)
               for i, f, m, s in ped.records()]
    records += [("OGF", None, None, "M"), ("OGM", None, None, "F"), ("OA", "OGF", "OGM", "F")]
    return Pedigree.from_records(records), "OA"


def build(families: int, shape: str, seed: int, kin: float, error: float, missing: float,
          panel, other_line: bool = False, evidence: bool | EvidenceModel = False):
    """The programme with outside bodies: (dataset families, samples, markers, SnpData,
    truth {pm: (family, missing or None, kind)}, true pedigrees {family: Pedigree}: the
    family's with the outside relative added where it has one, the dataset's ``extra``:
    with evidence, the districts' coordinates for the place prior).

    With ``evidence`` (``True`` or an :class:`EvidenceModel`), the programme's AM records and
    PM findings are simulated (``simulate_programme(evidence=...)``) and each outside body
    gets PM findings of its own person (:func:`outside_findings`); they are drawn from their
    own generator, so the genotypes are those of the same seed without evidence."""
    markers = bench_markers("equal")
    prog = simulate_programme(families, families, markers=markers, seed=seed, shapes=[shape],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2,
                              evidence=evidence)
    rng = np.random.default_rng(seed + 2000)
    ds = prog.dataset
    p = panel.freq_a1
    truth: dict[str, tuple[str | None, str | None, str]] = {}
    pm_of_missing = {(r["family"], r["missing"]): r["pm"]
                     for r in prog.truth.iter_rows(named=True) if r["family"] is not None}
    samples = {s.id: s for s in ds.pm}
    for r in prog.truth.iter_rows(named=True):
        truth[r["pm"]] = (r["family"], r["missing"], "missing" if r["family"] else "unrelated")
    fams, refs, pm_snp, true_peds = [], {}, {}, {}
    kinds = KINDS[shape]
    n_out = 0
    outside: list[tuple[str, str, str, str, str, str | None]] = []
    for k, fam in enumerate(ds.am):
        (reference,) = sorted(fam.genotypes)
        (mp,) = fam.missing
        typed = [reference]
        if other_line:
            fam = dataclasses.replace(fam, pedigree=add_other_line(fam.pedigree, mp)[0])
            typed.append("OA")
        with_kin = rng.random() < kin
        if with_kin:
            kind = kinds[n_out % len(kinds)]
            n_out += 1
            records, out = outside_relative(fam.pedigree, reference, kind, rng, missing=mp)
            true_ped = Pedigree.from_records(records)
        else:
            kind, out, true_ped = None, None, fam.pedigree
        true_peds[fam.id] = true_ped
        str_profiles = simulate_profiles(true_ped, markers, seed=rng)
        haps = drop_genes(true_ped, panel, rng)
        fams.append(dataclasses.replace(fam, genotypes={r: str_profiles[r] for r in typed}))
        refs[fam.id] = {r: degrade_snps(haps[r], p, rng, error=error).astype(np.int8)
                        for r in typed}
        sid = pm_of_missing.get((fam.id, mp))
        if sid is not None:
            old = samples[sid]
            samples[sid] = dataclasses.replace(
                old, genotypes=_str_sample(str_profiles[mp], old.dropout, rng))
            pm_snp[sid] = degrade_snps(haps[mp], p, rng, error=error, missing=missing) \
                .astype(np.int8)
        if with_kin:
            sid = f"PMK{k + 1:04d}"
            dropout = float(rng.uniform(0.0, 0.3))
            sex = true_ped.sex_of(out)
            site = samples[pm_of_missing[(fam.id, mp)]].site \
                if (fam.id, mp) in pm_of_missing else f"GK{k + 1:04d}"
            samples[sid] = PMSample(sid, sex, _str_sample(str_profiles[out], dropout, rng),
                                    site=site, dropout=dropout)
            outside.append((sid, fam.id, mp, kind, sex, pm_of_missing.get((fam.id, mp))))
            pm_snp[sid] = degrade_snps(haps[out], p, rng, error=error, missing=missing) \
                .astype(np.int8)
            truth[sid] = (fam.id, None, kind)
    from forensic_match.linked.simulate import founder_haplotypes

    for sid, (_, _, what) in truth.items():
        if what == "unrelated":
            pm_snp[sid] = degrade_snps(founder_haplotypes(p, 2, rng), p, rng, error=error,
                                       missing=missing).astype(np.int8)
    snp = SnpData(panel, pm_snp, refs)
    if evidence and outside:
        outside_findings(prog, shape, samples, outside, evidence, seed)
    return fams, list(samples.values()), ds.markers, snp, truth, true_peds, ds.extra


#: Ages of the people of the outside-body programmes, in years, as uniform ranges: the
#: reference's age less the missing person's by family shape, and the outside relative's less
#: the reference's by kind (a generation is 18-35 years).
REFERENCE_AGE = {"cousin": (-12, 12), "uncle": (18, 35), "half_sibling": (-12, 12)}
OUTSIDE_AGE = {"ref_child": (-35, -18), "ref_sibling": (-12, 12), "ref_nephew": (-40, -15),
               "inlaw_cousin": (-12, 12)}


def outside_findings(prog, shape: str, samples: dict[str, PMSample],
                     outside: list[tuple[str, str, str, str, str, str | None]],
                     evidence: bool | EvidenceModel, seed: int) -> None:
    """PM findings for the outside bodies, in place, by the programme's evidence model
    (``simulate.py``'s ``_simulate_evidence``, as for an unregistered body).

    Each outside person died with the missing person (same date of death, in the same grave
    when his body was found, else a grave of his own in the family's district recovered in
    ``RECOVERY_YEARS``); his age is the missing person's true age at death plus
    :data:`REFERENCE_AGE` of the shape and :data:`OUTSIDE_AGE` of his kind (at least one
    year); his sex is his pedigree's."""
    from forensic_match.dvi.simulate import (
        RECOVERY_YEARS,
        _dates,
        _Districts,
        _evidence_model,
        _EvidenceInput,
        _simulate_evidence,
    )

    model = _evidence_model(evidence)
    assert model is not None and prog.evidence_truth is not None
    rng = np.random.default_rng([seed, 4000])
    truth = {r["person"]: r for r in prog.evidence_truth.iter_rows(named=True)
             if r["family"] is not None}
    records = {m: fam.info[m] for fam in prog.dataset.am for m in fam.missing}
    n_districts = max(int(c[1:]) for c in (
        [r["place_missing"] for r in truth.values()]
        + [s.info["district"] for s in samples.values() if s.info.get("district")]))
    districts = _Districts(n_districts, rng, model.district_spacing_km)
    ages, dates, graves, grave_dates = [], [], [], []
    for _, _, mp, kind, _, mp_sample in outside:
        t = truth[mp]
        age = t["age_death"] + rng.uniform(*REFERENCE_AGE[shape]) + rng.uniform(*OUTSIDE_AGE[kind])
        ages.append(max(1, int(age)))
        dates.append(t["date_death"])
        if mp_sample is not None:
            info = samples[mp_sample].info
            graves.append(int(info["district"][1:]) - 1)
            grave_dates.append(info["date_recovered"])
        else:
            graves.append(int(records[mp]["place_missing"][1:]) - 1)
            grave_dates.append(_dates(rng, RECOVERY_YEARS, 1)[0])
    n = len(outside)
    ev = _simulate_evidence(model, rng, districts, _EvidenceInput(
        person=[sid for sid, *_ in outside], family=[None] * n, body=[sid for sid, *_ in outside],
        registered=[False] * n, sex=[sex for *_, sex, _ in outside],
        age=np.array(ages, dtype=np.int64), date_missing=dates,
        home=np.array(graves, dtype=np.int64), sibship=[None] * n,
        sample_person=np.arange(n), sample_grave=np.arange(n),
        grave_district=np.array(graves, dtype=np.int64), grave_date=grave_dates))
    for (sid, *_), info in zip(outside, ev.pm, strict=True):
        samples[sid] = dataclasses.replace(samples[sid], info=info)


def _str_sample(profile, dropout: float, rng: np.random.Generator):
    out: dict = {}
    while not out:
        out = degrade(profile, dropout=dropout, seed=rng,
                      marker_loss=float(rng.uniform(0.0, 0.2)))
    return out


def count(res, truth) -> Counter:
    """Identifications and family-level proposals by what the body truly is."""
    c: Counter = Counter()
    for table, level in ((res.identifications, "id"), (res.family_level, "family")):
        for r in table.iter_rows(named=True):
            fid, mid, what = truth[r["pm"]]
            if what == "missing":
                ok = fid == r["family"] and (level == "family" or mid == r["missing"])
                c[f"{level} {'right' if ok else 'wrong (missing person)'}"] += 1
            else:
                c[f"{level} false ({what})"] += 1
    return c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", default="cousin", choices=sorted(KINDS))
    ap.add_argument("--kin", type=float, default=0.6,
                    help="fraction of families with an outside body")
    ap.add_argument("--error", type=float, default=0.01, help="SNP genotype error")
    ap.add_argument("--missing", type=float, default=0.3, help="PM missing-call rate")
    ap.add_argument("--fst", type=float, default=0.01)
    ap.add_argument("--relatives", type=float, nargs="+", default=[1.0, 0.0])
    ap.add_argument("--reference-kin", type=float, nargs="+", default=[0.0, 1.0],
                    help="identify's reference_kin weights (0: main's model before the "
                         "references' relatives were weighed)")
    ap.add_argument("--other-line", action="store_true",
                    help="a second typed reference on the missing person's other line (a "
                         "full sibling of his other parent)")
    ap.add_argument("--chromosomes", default="", help="comma-separated subset of the panel")
    args = ap.parse_args()
    panel = load_force_panel()
    if args.chromosomes:
        keep = set(args.chromosomes.split(","))
        panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c in keep])
    fams, samples, markers, snp, truth, _, _ = build(args.families, args.shape, args.seed, args.kin,
                                               args.error, args.missing, panel,
                                               other_line=args.other_line)
    what = Counter(v[2] for v in truth.values())
    print(f"families {args.families} ({args.shape}{', + other line' * args.other_line}), "
          f"seed {args.seed}; bodies "
          f"{dict(sorted(what.items()))}; SNPs {len(panel)}, error {args.error}, PM missing "
          f"{args.missing}, fst {args.fst}")
    for relatives in args.relatives:
        for kin in args.reference_kin:
            t = time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SubstructureWarning)
                res = identify(fams, samples, markers, relatives=relatives, snp=snp,
                               snp_options={"fst": args.fst}, reference_kin=kin)
            c = count(res, truth)
            print(f"relatives {relatives:g}, reference_kin {kin:g}: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
                  + f" | CPU {time.process_time() - t:.1f} s", flush=True)


if __name__ == "__main__":
    main()
