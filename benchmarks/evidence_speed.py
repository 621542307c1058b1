"""Time of the AM/PM evidence scores at Peru scale (22,295 missing persons x 10,000 bodies).

Random records drawn like the simulator's: every registered person with a sex, most with an
age, 70% with a stature; per person the relatives the grave issue adds (an implied sibling of
unknown sex, a child, both parents), so the rows are registered persons and relatives mixed.
Bodies: DNA and morphological sex, an age interval or an estimate, 70% a stature. The build
(precomputed tables) is timed once for every row; ``block`` on blocks of ``--block`` rows,
extrapolated to the registered persons (the search's 22,295 rows) and to every row.

``--distinctive`` adds the distinctive evidence at the simulator's rates
(``forensic_match.dvi.simulate.EvidenceModel``): 10% of missing persons aged 12 or more with a
dental chart of the 28 permanent teeth, 3.5% with a reported feature, 0.5% with an implant
(half with a serial number); 80% of bodies with a PM chart (each tooth observed with
probability 0.8), half of the bodies looked over for features (the ten feature codes and the
nail listed absent unless found).

    .venv/bin/python -m benchmarks.evidence_speed            # Peru scale
    .venv/bin/python -m benchmarks.evidence_speed --distinctive
    .venv/bin/python -m benchmarks.evidence_speed --persons 3000 --bodies 2000
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from forensic_match.dvi.simulate import FEATURE_CODES, PERMANENT_TEETH
from forensic_match.evidence import AMRecord, PMFindings
from forensic_match.evidence.dental import STATES, _default_population
from forensic_match.evidence.records import DentalChart, Feature, Implant
from forensic_match.evidence.scoring import EvidenceScores, relative_model


def _mouth(rng: np.random.Generator, observed: float) -> DentalChart:
    freq = _default_population().frequencies
    return DentalChart({t: STATES[int(rng.choice(4, p=freq[t]))] for t in PERMANENT_TEETH
                        if rng.random() < observed})


def add_distinctive(rng: np.random.Generator, records: dict, bodies: list) -> None:
    """The distinctive evidence at the simulator's rates (module docstring)."""
    for rec in records.values():
        if (rec.age is None or rec.age >= 12) and rng.random() < 0.1:
            rec.dental = _mouth(rng, 1.0)
        if rng.random() < 0.035:
            rec.features = [Feature(str(rng.choice(FEATURE_CODES)))]
        if rng.random() < 0.005:
            rec.implants = [Implant("femoral_nail",
                                    f"SN{rng.integers(10**7)}" if rng.random() < 0.5 else "")]
    for body in bodies:
        if rng.random() < 0.8:
            body.dental = _mouth(rng, 0.8)
        if rng.random() < 0.5:
            body.features_absent = [*FEATURE_CODES, "femoral_nail"]


def random_programme(rng: np.random.Generator, n_persons: int, n_bodies: int):
    rows, records, alternatives = [], {}, {}
    for i in range(n_persons):
        fam, person = f"F{i}", f"F{i}_M"
        sex = "M" if rng.random() < 0.79 else "F"
        age = None if rng.random() < 0.05 else float(rng.integers(1, 80))
        stature = float(rng.normal(163 if sex == "M" else 151, 7)) if rng.random() < 0.7 \
            else None
        rec = AMRecord(person, sex=sex, age=age, stature_cm=stature)
        records[person] = rec
        rows.append((fam, person))
        for relation, rel_sex in (("full sibling", "U"), ("child", "U"), ("father", "M"),
                                  ("mother", "F")):
            key = (fam, f"{person}/{relation}")
            rows.append(key)
            alternatives[key] = relative_model(rec, f"{relation} of {person}", rel_sex)
    bodies = []
    for j in range(n_bodies):
        t = float(rng.uniform(1, 80))
        fields: dict = {}
        if rng.random() < 0.5:
            se = 1.0 + 0.1 * t
            fields |= {"age_estimate": t + se * float(rng.standard_normal()), "age_se": se}
        else:
            half = 2.0 + 0.2 * t
            fields |= {"age_min": max(0.0, round(t - half)), "age_max": round(t + half),
                       "age_coverage": 0.95}
        if rng.random() < 0.7:
            fields |= {"stature_cm": float(rng.normal(160, 8)), "stature_sd": 3.5}
        bodies.append(PMFindings(f"P{j}", dna_sex=str(rng.choice(["M", "F", "U"])),
                                 sex_morphology=str(rng.choice(["M", "F", "U"])), **fields))
    return rows, records, alternatives, bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=22295)
    parser.add_argument("--bodies", type=int, default=10000)
    parser.add_argument("--block", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--distinctive", action="store_true",
                        help="add dental charts, features and implants (module docstring)")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    rows, records, alternatives, bodies = random_programme(rng, args.persons, args.bodies)
    if args.distinctive:
        add_distinctive(rng, records, bodies)
    registered = np.array([i for i, (_, p) in enumerate(rows) if p in records])
    relatives = np.array([i for i, (_, p) in enumerate(rows) if p not in records])

    # Compile the kernels on a small case first: their time is not the search's.
    small = EvidenceScores.build(rows[:10], records, bodies[:10], alternatives=alternatives)
    small.block(np.arange(10))

    t0 = time.perf_counter()
    scores = EvidenceScores.build(rows, records, bodies, alternatives=alternatives)
    build = time.perf_counter() - t0
    print(f"build: {len(rows):,} rows ({len(registered):,} registered, {len(relatives):,} "
          f"relatives; {scores.age_table.shape[0]} age models) x {args.bodies:,} bodies: "
          f"{build:.2f} s")

    rates = []
    for name, pool in (("registered", registered), ("relatives", relatives)):
        block_rows = pool[:args.block]
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            out = scores.block(block_rows)
            times.append(time.perf_counter() - t0)
        best = min(times)
        per_pair = best / out.size
        rates.append(per_pair)
        print(f"block, {name}: {len(block_rows):,} rows x {args.bodies:,} bodies in "
              f"{best:.3f} s ({per_pair * 1e9:.2f} ns a pair); {pool.size:,} rows: "
              f"{per_pair * pool.size * args.bodies:.2f} s")
    print(f"Peru scale, 22,295 rows x 10,000 bodies: build {build:.2f} s + block "
          f"{max(rates) * 22295 * 10000:.2f} s (at the slower rate)")


if __name__ == "__main__":
    main()
