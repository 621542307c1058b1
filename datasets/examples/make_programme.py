"""Regenerate the bundled synthetic programme ``programme_small.json`` (deterministic seed).

About 200 reference families and 150 PM samples over the 23 markers of the FBI 2015 Southwest
Hispanic table, with an equal mutation model (female 0.0005, male 0.002), made by
:func:`forensic_match.dvi.simulate.simulate_programme`; the ground truth is in the file's
``"truth"`` key. Run with ``.venv/bin/python datasets/examples/make_programme.py``.
"""

from __future__ import annotations

from pathlib import Path

from forensic_match.dvi.simulate import SimulatedProgramme, simulate_programme
from forensic_match.frequencies import load_frequencies
from forensic_match.mutation import Mutation, MutationModel

HERE = Path(__file__).resolve().parents[2] / "forensic_match" / "data" / "examples"
TABLE = "fbi2015_sw_hispanic"
SEED = 2026


def programme_small() -> SimulatedProgramme:
    """The bundled programme: 200 families, 150 PM samples, seed 2026."""
    db = load_frequencies(TABLE)
    mutation = Mutation(female=MutationModel("equal", rate=0.0005),
                        male=MutationModel("equal", rate=0.002))
    markers = db.markers_for(db.markers, mutation=mutation)
    prog = simulate_programme(
        200, 150, markers=markers, seed=SEED, name="programme_small",
        description=f"Small synthetic missing-persons programme for examples and tests; "
                    f"{TABLE} frequencies (Moretti et al. 2016, FSI Genet 25:175), equal "
                    f"mutation model (female 0.0005, male 0.002).")
    prog.dataset.extra["frequencies"] = f"{TABLE} (Moretti et al. 2016, FSI Genet 25:175)"
    return prog


if __name__ == "__main__":
    prog = programme_small()
    out = HERE / "programme_small.json"
    prog.save(out)
    print(f"wrote {out}: {len(prog.dataset.am)} families, {len(prog.dataset.pm)} PM samples, "
          f"{prog.truth['missing'].is_not_null().sum()} from missing persons")
