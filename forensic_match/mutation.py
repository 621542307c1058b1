"""Mutation models: per-sex allele transition matrices for one marker.

A matrix ``M`` has rows for the parental allele and columns for the transmitted allele, in the
order of the marker's alleles; every row sums to 1. The definitions follow Familias and the R
package pedmut (Egeland, Kling & Mostad 2016, *Relationship Inference with Familias and R*,
ch. 2.4; Vigeland 2021, *Pedigree Analysis in R*, ch. 3); the formulas are in
``docs/methods.md``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from forensic_match.errors import MarkerError

ModelName = Literal["equal", "proportional", "stepwise", "onestep", "custom"]
MODELS: tuple[str, ...] = ("equal", "proportional", "stepwise", "onestep", "custom")


@dataclass(frozen=True)
class MutationModel:
    """The mutation model of one sex at one marker.

    Parameters
    ----------
    model : {"equal", "proportional", "stepwise", "onestep", "custom"}
        The family of the model.
    rate : float
        Total probability that a transmitted allele mutates (``equal``, ``proportional``,
        ``onestep``; for ``stepwise`` the rate of moves within a microvariant group).
    range : float
        ``stepwise`` only: the relative probability of each further step (0 < range < 1).
    rate2 : float
        ``stepwise`` only: the rate of moves between microvariant groups (e.g. 15 -> 15.3).
    matrix : array, optional
        ``custom`` only: the full transition matrix.

    Examples
    --------
    >>> m = MutationModel("equal", rate=0.002)
    >>> mutation_matrix(m, ["14", "15", "16"], [0.2, 0.3, 0.5])[0]
    array([0.998, 0.001, 0.001])
    """

    model: str
    rate: float = 0.0
    range: float = 0.5
    rate2: float = 0.0
    matrix: np.ndarray | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise MarkerError(f"unknown mutation model {self.model!r}; expected one of {MODELS}")
        if not 0.0 <= self.rate <= 1.0 or not 0.0 <= self.rate2 <= 1.0:
            raise MarkerError(f"mutation rates must lie in [0, 1], got rate={self.rate}, "
                              f"rate2={self.rate2}")
        if self.model == "stepwise" and not 0.0 < self.range < 1.0:
            raise MarkerError(f"stepwise range must lie in (0, 1), got {self.range}")
        if self.model == "custom":
            if self.matrix is None:
                raise MarkerError("a custom mutation model needs a matrix")
            object.__setattr__(self, "matrix", np.asarray(self.matrix, dtype=np.float64))

    def to_dict(self) -> dict[str, Any]:
        """The parameters as in the JSON case format."""
        if self.model == "stepwise":
            return {"rate": self.rate, "range": self.range, "rate2": self.rate2}
        return {"rate": self.rate}


@dataclass(frozen=True)
class Mutation:
    """A marker's mutation models for transmissions from mothers and from fathers.

    Examples
    --------
    >>> mut = Mutation.same(MutationModel("proportional", rate=0.001))
    >>> mut.female == mut.male
    True
    """

    female: MutationModel
    male: MutationModel
    #: Make both matrices stationary for the marker's frequencies by :func:`stabilize_pm`
    #: ("PM" transformation of Simonsson & Mostad 2016); JSON ``"transform": "PM"``.
    stationary: bool = False

    @classmethod
    def same(cls, model: MutationModel, *, stationary: bool = False) -> Mutation:
        """The same model for both sexes."""
        return cls(female=model, male=model, stationary=stationary)

    def matrices(self, alleles: list[str] | tuple[str, ...],
                 frequencies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(female, male) transition matrices over ``alleles``."""
        f = mutation_matrix(self.female, alleles, frequencies)
        m = mutation_matrix(self.male, alleles, frequencies)
        if self.stationary:
            f, m = stabilize_pm(f, frequencies), stabilize_pm(m, frequencies)
        return f, m

    @classmethod
    def from_dict(cls, spec: dict[str, Any] | None, *, marker: str = "") -> Mutation | None:
        """Read the ``mutation`` entry of the JSON case format (``None`` for no mutation)."""
        if spec is None:
            return None
        try:
            # a closed set of keys: "mutaton" or "rat" for "rate" read as no mutation at all
            unknown = set(spec) - {"model", "female", "male", "matrix_female", "matrix_male",
                                   "transform"}
            if unknown:
                raise ValueError(f"unknown key(s) {sorted(unknown)} (model, female, male, "
                                 f"matrix_female, matrix_male, transform)")
            model = spec["model"]
            models = []
            for sex in ("female", "male"):
                params = dict(spec.get(sex) or {})
                unknown = set(params) - {"rate", "range", "rate2"}
                if unknown:
                    raise ValueError(f"unknown key(s) {sorted(unknown)} of {sex!r} (rate, "
                                     f"range, rate2)")
                matrix = spec.get(f"matrix_{sex}") if model == "custom" else None
                models.append(MutationModel(model, rate=float(params.get("rate", 0.0)),
                                            range=float(params.get("range", 0.5)),
                                            rate2=float(params.get("rate2", 0.0)),
                                            matrix=matrix))
            transform = spec.get("transform")
            if transform not in (None, "PM"):
                raise ValueError(f"unknown transform {transform!r} (only 'PM')")
        except (KeyError, TypeError, ValueError) as exc:
            shown = repr(spec) if len(repr(spec)) <= 200 else \
                f"with keys {sorted(spec) if isinstance(spec, dict) else type(spec).__name__}"
            raise MarkerError(f"marker {marker!r}: malformed mutation model {shown}: {exc}") \
                from exc
        return cls(female=models[0], male=models[1], stationary=transform == "PM")

    def to_record(self) -> dict[str, Any]:
        """The models for provenance records and digests: the JSON case form where it exists
        (one model family for both sexes), else each sex's family and parameters (a Familias
        file may give the sexes different families), with a custom matrix's sha256."""
        if self.female.model == self.male.model and self.female.model != "custom":
            return self.to_dict()

        def one(model: MutationModel) -> dict[str, Any]:
            out: dict[str, Any] = {"model": model.model, **model.to_dict()}
            if model.matrix is not None:
                matrix = np.ascontiguousarray(model.matrix, dtype=np.float64)
                out["matrix_sha256"] = hashlib.sha256(matrix.tobytes()).hexdigest()
            return out

        return {"female": one(self.female), "male": one(self.male),
                "transform": "PM" if self.stationary else None}

    def to_dict(self, alleles: list[str] | tuple[str, ...] | None = None,
                frequencies: np.ndarray | None = None) -> dict[str, Any]:
        """The JSON case form; the matrices are written when alleles and frequencies are given."""
        if self.female.model != self.male.model:
            raise MarkerError("the JSON case format has one model family for both sexes; "
                              f"got {self.female.model!r} and {self.male.model!r}")
        out: dict[str, Any] = {"model": self.female.model, "female": self.female.to_dict(),
                               "male": self.male.to_dict()}
        if self.stationary:
            out["transform"] = "PM"
        if alleles is not None and frequencies is not None:
            f, m = self.matrices(alleles, frequencies)
            out["matrix_female"] = f.tolist()
            out["matrix_male"] = m.tolist()
        return out


def _numeric(alleles: list[str] | tuple[str, ...], model: str) -> np.ndarray:
    try:
        return np.array([float(a) for a in alleles])
    except ValueError as exc:
        raise MarkerError(f"the {model} mutation model needs numeric allele labels: {exc}") \
            from exc


def mutation_matrix(model: MutationModel, alleles: list[str] | tuple[str, ...],
                    frequencies: np.ndarray | list[float]) -> np.ndarray:
    """The transition matrix of ``model`` over ``alleles``.

    Parameters
    ----------
    model : MutationModel
    alleles : sequence of str
        Allele labels; ``stepwise`` and ``onestep`` need numeric labels ("9.3").
    frequencies : array
        Allele frequencies in the same order (``proportional`` uses them).

    Returns
    -------
    numpy.ndarray
        ``n x n`` matrix, rows the parental allele, columns the transmitted allele.
    """
    n = len(alleles)
    p = np.asarray(frequencies, dtype=np.float64)
    r = model.rate
    if model.model == "custom":
        m = np.array(model.matrix, dtype=np.float64)
        if m.shape != (n, n):
            raise MarkerError(f"custom mutation matrix has shape {m.shape}, expected {(n, n)}")
    elif n == 1:
        m = np.ones((1, 1))
    elif model.model == "equal":
        m = np.full((n, n), r / (n - 1))
        np.fill_diagonal(m, 1.0 - r)
    elif model.model == "proportional":
        if r == 0.0:
            return np.eye(n)
        alpha = r / float(np.sum(p * (1.0 - p)))
        if alpha > 1.0:
            raise MarkerError(f"proportional model: rate {r} is too high for these "
                              f"frequencies (alpha = {alpha:.4g} > 1)")
        m = np.tile(alpha * p, (n, 1))
        m[np.diag_indices(n)] = 1.0 - alpha + alpha * p
    elif model.model == "onestep":
        x = _numeric(alleles, "onestep")
        m = np.zeros((n, n))
        for i in range(n):
            neighbours = np.abs(x - x[i]) == 1.0
            k = int(neighbours.sum())
            if k:
                m[i, neighbours] = r / k
                m[i, i] = 1.0 - r
            else:
                m[i, i] = 1.0
    else:
        m = _stepwise(_numeric(alleles, "stepwise"), r, model.range, model.rate2)
    check_matrix(m)
    return m


def _stepwise(x: np.ndarray, rate: float, rng: float, rate2: float) -> np.ndarray:
    """Familias stepwise model with microvariant groups (alleles grouped by decimal part)."""
    n = len(x)
    group = np.round(x - np.floor(x), 3)
    m = np.zeros((n, n))
    for i in range(n):
        same = group == group[i]
        n_same = int(same.sum())
        for j in range(n):
            if i == j:
                if n_same == n:
                    m[i, j] = 1.0 - rate
                elif n_same == 1:
                    m[i, j] = 1.0 - rate2
                else:
                    m[i, j] = 1.0 - rate - rate2
            elif same[j]:
                m[i, j] = rng ** abs(x[i] - x[j])
            else:
                m[i, j] = rate2 / (n - n_same)
        same[i] = False
        if same.any():
            m[i, same] = m[i, same] / m[i, same].sum() * rate
    return m


def check_matrix(m: np.ndarray, *, tol: float = 1e-9) -> None:
    """Raise :class:`MarkerError` unless ``m`` is a square stochastic matrix."""
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise MarkerError(f"mutation matrix must be square, got shape {m.shape}")
    if np.any(m < 0) or not np.all(np.isfinite(m)):
        raise MarkerError("mutation matrix has negative or non-finite entries")
    bad = np.flatnonzero(np.abs(m.sum(axis=1) - 1.0) > tol)
    if bad.size:
        raise MarkerError(f"mutation matrix rows {bad.tolist()} do not sum to 1")


def is_lumpable(m: np.ndarray, keep: np.ndarray | list[int], *, tol: float = 1e-12) -> bool:
    """Whether merging every allele outside ``keep`` into one allele is exact.

    Strong lumpability (Kemeny & Snell 1960): every allele of the merged block must move to
    each kept allele with the same probability (and hence to the block with the same
    probability).

    Parameters
    ----------
    m : array
        Transition matrix over all alleles of the marker.
    keep : sequence of int
        Indices of the alleles kept separate (the ones seen in the data).
    """
    n = m.shape[0]
    mask = np.ones(n, dtype=bool)
    mask[np.asarray(keep, dtype=np.int64)] = False
    block = np.flatnonzero(mask)
    if block.size <= 1:
        return True
    kept = np.flatnonzero(~mask)
    sub = m[np.ix_(block, kept)]
    return bool(np.all(np.abs(sub - sub[0]) <= tol * np.maximum(1.0, np.abs(sub[0]))))


def lump_matrix(m: np.ndarray, keep: np.ndarray | list[int]) -> np.ndarray:
    """The matrix over ``keep`` plus one merged allele (last), assuming it is lumpable."""
    keep = np.asarray(keep, dtype=np.int64)
    n = m.shape[0]
    mask = np.ones(n, dtype=bool)
    mask[keep] = False
    block = np.flatnonzero(mask)
    k = keep.size
    out = np.empty((k + 1, k + 1))
    out[:k, :k] = m[np.ix_(keep, keep)]
    out[:k, k] = m[np.ix_(keep, block)].sum(axis=1)
    out[k, :k] = m[block[0], keep]
    out[k, k] = m[block[0], block].sum()
    return out


def is_stationary(m: np.ndarray, frequencies: np.ndarray, *, tol: float = 1e-12) -> bool:
    """Whether ``p M = p`` (the allele frequencies do not drift over generations)."""
    p = np.asarray(frequencies, dtype=np.float64)
    return bool(np.all(np.abs(p @ m - p) <= tol))


def stabilize_pm(m: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    """Stationary version of ``m`` by the closed-form "PM" method.

    Simonsson & Mostad (2016), *Stationary mutation models*, FSI Genetics 23:217-225
    (doi:10.1016/j.fsigen.2016.04.005), as in Familias and pedmut's ``makeStationary``.
    With ``v`` the stationary distribution of ``m`` (``v m = v``), the overall mutation rate
    ``R = 1 - sum_i p_i m_ii`` and ``d_i = R v_i / ((1 - sum_j m_jj v_j) p_i)``, the result is
    ``S = I + diag(d) (m - I)``. Then ``p S = p``, and ``S`` keeps the overall mutation rate
    of ``m`` under ``p``.

    Raises
    ------
    MarkerError
        When no such matrix exists (a diagonal entry would become negative).
    """
    p = np.asarray(frequencies, dtype=np.float64)
    n = m.shape[0]
    eye = np.eye(n)
    diag = np.diag(m)
    rate = 1.0 - float(np.sum(diag * p))
    if rate == 0.0 or np.array_equal(m, eye):
        # no mutation: the identity keeps every distribution (the rate is not exactly 0 when
        # the frequencies' float sum is not exactly 1)
        return eye
    system = m.T - eye
    system[n - 1, :] = 1.0
    rhs = np.zeros(n)
    rhs[n - 1] = 1.0
    try:
        v = np.linalg.solve(system, rhs)
    except np.linalg.LinAlgError:
        raise MarkerError("PM stabilisation needs a unique stationary distribution; this "
                          "mutation matrix has several (some alleles never reach others)") from None
    stay = 1.0 - float(np.sum(diag * v))
    if stay <= 0.0:
        raise MarkerError("PM stabilisation does not exist: the stationary distribution of the "
                          "mutation matrix sits on alleles that never mutate")
    d = rate * v / (stay * p)
    if np.any(d * (1.0 - diag) > 1.0):
        raise MarkerError("PM stabilisation does not exist for this matrix and these frequencies")
    return eye + d[:, None] * (m - eye)
