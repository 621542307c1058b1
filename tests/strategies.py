"""Hypothesis strategies for small random kinship cases (sized for the oracle in oracle.py).

A case is a pedigree of 2 to 5 individuals (6 for a half-sibling mating, then with 2 alleles
only), one or more markers of 2 to 4 alleles (up to 7 for tests that do not call the oracle)
with random frequencies and optional mutation models (equal, proportional, stepwise, onestep;
female and male rates drawn separately), and profiles of a random subset of the individuals.
Profiles are mostly gene-dropped (so that likelihoods are usually positive) and sometimes
arbitrary (exclusions, mutations); some are partial or homozygous, some individuals have
dropout and drop-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import Pedigree
from forensic_match.profiles import Observation

#: Allele labels: numeric strings, including a microvariant, so stepwise and onestep work.
ALLELE_POOL = ("9", "10", "11", "12", "12.3", "13", "14")
MUTATION_MODELS = ("equal", "proportional", "stepwise", "onestep")
LUMPABLE_MODELS = ("equal", "proportional")
MAX_RATE = 0.2

#: Subpopulation corrections: (0, 0.3), down to 1e-8 (small theta once broke the quadrature).
THETAS = st.floats(1e-8, 0.3, exclude_max=True)

Record = tuple[str, "str | None", "str | None", str]


def max_alleles_for(n_individuals: int) -> int:
    """Largest marker the oracle enumerates quickly for a pedigree of this size.

    The oracle visits ``n_alleles ** (2 * n_individuals)`` joint genotypes; this keeps it at
    65,536 or fewer.
    """
    return {1: 4, 2: 4, 3: 4, 4: 4, 5: 3}.get(n_individuals, 2)


def _probabilities(low: float, high: float) -> st.SearchStrategy[float]:
    """0, or a value in [low, high].

    Tiny positive values are left out on purpose: a rate or dropout of 1e-310 makes the
    likelihood itself subnormal, where floating point keeps too few digits for 1e-12 checks.
    """
    return st.one_of(st.just(0.0), st.floats(low, high))


# --- pedigrees ---------------------------------------------------------------------------------

def _sib_mating() -> list[Record]:
    """A child of two full siblings."""
    return [("i0", None, None, "M"), ("i1", None, None, "F"), ("i2", "i0", "i1", "M"),
            ("i3", "i0", "i1", "F"), ("i4", "i2", "i3", "M")]


def _parent_offspring_mating() -> list[Record]:
    """A child of a father and his daughter."""
    return [("i0", None, None, "M"), ("i1", None, None, "F"), ("i2", "i0", "i1", "F"),
            ("i3", "i0", "i2", "F")]


def _half_sib_mating() -> list[Record]:
    """A child of two paternal half siblings (6 individuals)."""
    return [("i0", None, None, "M"), ("i1", None, None, "F"), ("i2", None, None, "F"),
            ("i3", "i0", "i1", "M"), ("i4", "i0", "i2", "F"), ("i5", "i3", "i4", "U")]


@st.composite
def random_records(draw: Any, min_size: int = 2, max_size: int = 5) -> list[Record]:
    """Records in topological order: each new person is a founder or a child of earlier ones."""
    n = draw(st.sampled_from(range(min_size, max_size + 1)))
    records: list[Record] = []
    for k in range(n):
        males = [r[0] for r in records if r[3] == "M"]
        females = [r[0] for r in records if r[3] == "F"]
        ident = f"i{k}"
        if males and females and draw(st.sampled_from([True, True, False])):
            father = draw(st.sampled_from(males))
            mother = draw(st.sampled_from(females))
            sex = draw(st.sampled_from(["M", "F", "U"]))
            records.append((ident, father, mother, sex))
        else:
            # Lean towards a couple, so that most pedigrees have children.
            sexes = ["M", "F"] + (["F"] if males and not females else []) \
                + (["M"] if females and not males else [])
            records.append((ident, None, None, draw(st.sampled_from(sexes))))
    return records


TEMPLATES = {"sib_mating": _sib_mating, "parent_offspring": _parent_offspring_mating,
             "half_sib_mating": _half_sib_mating}


@st.composite
def pedigree_records(draw: Any, max_size: int = 5, allow_six: bool = True,
                     templates_only: bool = False) -> list[Record]:
    """Records in topological order: random, or one of the looped / inbred templates."""
    names = [k for k, f in TEMPLATES.items() if len(f()) <= max_size
             or (allow_six and k == "half_sib_mating")]
    choice = draw(st.sampled_from(names if templates_only else ["random"] * 4 + names))
    if choice == "random":
        return draw(random_records(max_size=max_size))
    return TEMPLATES[choice]()


@st.composite
def shuffled(draw: Any, records: list[Record]) -> Pedigree:
    """The pedigree of ``records``, given to ``from_records`` in a random order."""
    order = draw(st.permutations(range(len(records))))
    return Pedigree.from_records([records[i] for i in order])


@st.composite
def pedigrees(draw: Any, max_size: int = 5) -> Pedigree:
    """Random small pedigrees, including loops and inbreeding."""
    return draw(shuffled(draw(pedigree_records(max_size=max_size, allow_six=False))))


# --- markers -----------------------------------------------------------------------------------

@st.composite
def frequencies(draw: Any, n: int) -> np.ndarray:
    """Random positive frequencies summing to 1 (to rounding)."""
    w = np.array(draw(st.lists(st.integers(1, 50), min_size=n, max_size=n)), dtype=np.float64)
    return w / w.sum()


@st.composite
def mutations(draw: Any, alleles: tuple[str, ...], freqs: np.ndarray,
              models: tuple[str, ...] = MUTATION_MODELS) -> Mutation:
    """One model family with its own rate for each sex (rates up to MAX_RATE)."""
    model = draw(st.sampled_from(models))
    cap = MAX_RATE
    if model == "proportional":
        # The proportional model exists only while alpha = rate / sum p(1-p) <= 1.
        cap = min(cap, 0.95 * float(np.sum(freqs * (1.0 - freqs))))
    rates = _probabilities(1e-4, cap)

    def one() -> MutationModel:
        if model == "stepwise":
            return MutationModel("stepwise", rate=draw(rates),
                                 range=draw(st.floats(0.1, 0.9)),
                                 rate2=draw(_probabilities(1e-4, 0.05)))
        return MutationModel(model, rate=draw(rates))

    return Mutation(female=one(), male=one())


@st.composite
def markers(draw: Any, *, name: str = "M1", min_alleles: int = 2, max_alleles: int = 4,
            mutation: bool | tuple[str, ...] = True) -> Marker:
    """A marker with numeric-string allele labels and optional mutation.

    ``mutation``: False for none, True for none or any model, or a tuple of model names (then
    always one of them).
    """
    n = draw(st.sampled_from(range(min_alleles, max(min_alleles, max_alleles) + 1)))
    alleles = tuple(sorted(draw(st.lists(st.sampled_from(ALLELE_POOL), min_size=n, max_size=n,
                                         unique=True)), key=float))
    freqs = draw(frequencies(n))
    mut = None
    if mutation is True:
        if draw(st.sampled_from([False, True, True])):
            mut = draw(mutations(alleles, freqs))
    elif mutation:
        mut = draw(mutations(alleles, freqs, models=tuple(mutation)))
    return Marker(name, alleles, freqs, mut)


# --- profiles ----------------------------------------------------------------------------------

def _gene_drop(draw: Any, records: list[Record], n_alleles: int) -> dict[str, tuple[int, int]]:
    """Mendelian genotypes (allele indices) for ``records`` in topological order (gene
    dropping; the profiles start from these so that most likelihoods are positive)."""
    true: dict[str, tuple[int, int]] = {}
    allele = st.integers(0, n_alleles - 1)
    for ident, father, mother, _ in records:
        if father is None:
            true[ident] = (draw(allele), draw(allele))
        else:
            true[ident] = (true[father][draw(st.integers(0, 1))],
                           true[mother][draw(st.integers(0, 1))])  # type: ignore[index]
    return true


@st.composite
def marker_profiles(draw: Any, records: list[Record], marker: Marker, *,
                    partial: bool = True, dropout: set[str] | None = None,
                    exclude: tuple[str, ...] = ()) -> dict[str, tuple[str, str | None]]:
    """Genotypes at one marker for a random subset of individuals.

    ``dropout``: individuals observed with dropout, whose observed genotype may have lost an
    allele (written a/a). ``exclude``: individuals left untyped.
    """
    n = len(marker)
    true = _gene_drop(draw, records, n)
    ids = [r[0] for r in records if r[0] not in exclude]
    typed = [i for i in ids if draw(st.sampled_from([True, True, False]))]
    out: dict[str, tuple[str, str | None]] = {}
    label = marker.alleles
    for ident in typed:
        a, b = true[ident]
        how = draw(st.sampled_from(["true", "true", "true", "random", "homozygous"]
                                   + (["partial"] if partial else [])))
        if how == "random":
            a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        elif how == "homozygous":
            b = a
        if how == "partial":
            # Both spellings of "one allele known": (a, None) and (None, a).
            pair = (label[a], None) if draw(st.booleans()) else (None, label[a])
            out[ident] = pair  # type: ignore[assignment]
            continue
        if dropout and ident in dropout and a != b and draw(st.booleans()):
            a = b = draw(st.sampled_from([a, b]))
        out[ident] = (label[a], label[b])
    return out


@st.composite
def observations(draw: Any, ids: list[str], *, dropin: bool = True,
                 ) -> dict[str, Observation | float]:
    """Dropout (and drop-in) for a random subset of ``ids``; some given as a bare float."""
    chosen = [i for i in ids if draw(st.booleans())]
    out: dict[str, Observation | float] = {}
    for ident in chosen:
        d = draw(_probabilities(1e-3, 0.5))
        c = draw(_probabilities(1e-3, 0.2)) if dropin else 0.0
        if c == 0.0 and draw(st.booleans()):
            out[ident] = d
        else:
            out[ident] = Observation(dropout=d, dropin=c)
    return out


# --- whole cases -------------------------------------------------------------------------------

@dataclass
class Case:
    """A small kinship case: what the engine and the oracle both take."""

    records: list[Record]          # topological order
    pedigree: Pedigree
    markers: list[Marker]
    profiles: dict[str, dict[str, tuple[str, str | None]]]
    observation: dict[str, Observation | float] = field(default_factory=dict)
    target: str | None = None

    def typed_at(self, marker: Marker) -> set[str]:
        return {i for i, prof in self.profiles.items() if marker.name in prof}


@st.composite
def cases(draw: Any, *, max_markers: int = 2, mutation: Any = True,
          dropout: bool = False, dropin: bool = True, partial: bool = True,
          allow_six: bool = True, untyped_target: bool = False,
          max_alleles: int = 4, templates_only: bool = False,
          sized_for_oracle: bool = True) -> Case:
    """A random case sized for the oracle.

    Parameters
    ----------
    max_markers : int
        Markers per case (each with its own typed subset).
    mutation : bool, tuple of str, or a strategy of these
        As for :func:`markers` (a strategy is drawn from once per case).
    dropout, dropin : bool
        Whether some individuals have dropout (and drop-in).
    partial : bool
        Whether some genotypes are partial ``(a, None)``.
    allow_six : bool
        Allow the 6-person half-sibling mating (with 2-allele markers).
    untyped_target : bool
        Pick a ``target`` individual and leave it untyped at every marker.
    max_alleles : int
        Upper bound on the alleles of a marker (also bounded by the pedigree size).
    templates_only : bool
        Only the looped / inbred templates.
    sized_for_oracle : bool
        Bound the alleles by the pedigree size (:func:`max_alleles_for`); ``False`` for tests
        that do not call the oracle.
    """
    if isinstance(mutation, st.SearchStrategy):
        mutation = draw(mutation)
    records = draw(pedigree_records(allow_six=allow_six, templates_only=templates_only))
    pedigree = draw(shuffled(records))
    ids = [r[0] for r in records]
    target = draw(st.sampled_from(ids)) if untyped_target else None
    exclude = (target,) if target is not None else ()
    observation = draw(observations([i for i in ids if i not in exclude], dropin=dropin)) \
        if dropout else {}
    n_markers = draw(st.integers(1, max_markers))
    limit = min(max_alleles, max_alleles_for(len(ids))) if sized_for_oracle else max_alleles
    marker_list = [draw(markers(name=f"M{k + 1}", max_alleles=limit, mutation=mutation))
                   for k in range(n_markers)]
    profiles: dict[str, dict[str, tuple[str, str | None]]] = {}
    for m in marker_list:
        for ident, g in draw(marker_profiles(records, m, partial=partial,
                                             dropout=set(observation),
                                             exclude=exclude)).items():
            profiles.setdefault(ident, {})[m.name] = g
    return Case(records, pedigree, marker_list, profiles, observation, target)
