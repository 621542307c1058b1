"""Haplotype frequencies from a database of lineage haplotypes: counting, its upper bound, and
Brenner's kappa. (The discrete Laplace model is in :mod:`forensic_match.lineage.disclap`.)

Every result is a :class:`HaplotypeFrequency` that names its database and method, so that a
report can state them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from forensic_match.errors import InputError

#: Methods of :func:`count_frequency`.
COUNT_METHODS = ("count", "count_upper", "kappa")


@dataclass(frozen=True)
class HaplotypeFrequency:
    """A haplotype's frequency estimate and how it was obtained.

    Attributes
    ----------
    value : float
        The estimate used as P(haplotype | H2).
    method : str
        ``"count"``, ``"count_upper"``, ``"kappa"`` or ``"disclap"``.
    database : str
        Name of the database.
    count, size : int
        Times the haplotype was seen, over the database haplotypes typed at the compared loci
        (``size``); for ``"disclap"`` the size of the fitted database.
    description : str
        One sentence for a report.
    """

    value: float
    method: str
    database: str
    count: int
    size: int
    description: str


def clopper_pearson_upper(x: int, n: int, level: float = 0.95) -> float:
    """One-sided upper confidence bound of a proportion seen ``x`` times in ``n``
    (Clopper & Pearson 1934, Biometrika 26:404): the ``level`` quantile of
    Beta(x + 1, n - x); 1 when ``x == n``. For ``x == 0`` it is ``1 - (1 - level)**(1/n)``.

    Examples
    --------
    >>> round(clopper_pearson_upper(0, 100), 6) == round(1 - 0.05 ** (1 / 100), 6)
    True
    """
    from scipy.stats import beta

    if not 0 <= x <= n or n < 1:
        raise InputError(f"need 0 <= x <= n and n >= 1, got x={x}, n={n}")
    if x == n:
        return 1.0
    return float(beta.ppf(level, x + 1, n - x))


def brenner_kappa(counts: Sequence[int]) -> float:
    """Brenner's kappa: the fraction of a population sample made of singletons (types seen
    once): ``alpha_1 / n`` with ``alpha_1`` the number of singleton types and ``n`` the sample
    size (Brenner 2010, Forensic Sci Int Genet 4:281-291).

    Examples
    --------
    >>> brenner_kappa([1, 1, 1, 2, 5])   # 3 singletons among 10 haplotypes
    0.3
    """
    n = sum(counts)
    if n < 1:
        raise InputError("kappa of an empty database")
    return sum(1 for c in counts if c == 1) / n


def count_frequency(haplotype: Hashable, database: Sequence[Hashable], *, method: str = "count",
                    name: str = "", level: float = 0.95) -> HaplotypeFrequency:
    """Frequency of ``haplotype`` in ``database`` (a list of comparable keys).

    Methods
    -------
    ``"count"``: ``(x + 1) / (N + 1)``, the database augmented with the haplotype in question.
    ``"count_upper"``: the one-sided Clopper-Pearson upper bound at ``level`` of ``x`` in ``N``
    (:func:`clopper_pearson_upper`).
    ``"kappa"``: for a haplotype seen in the database, as ``"count"``; for a new one, Brenner's
    ``(1 - kappa) / n`` with ``n = N + 1`` and kappa the singleton fraction of the database
    augmented with the new haplotype (which is itself a singleton there).

    Examples
    --------
    >>> db = ["a", "a", "b", "c"]
    >>> count_frequency("a", db).value, count_frequency("z", db).value
    (0.6, 0.2)
    >>> count_frequency("z", db, method="kappa").value   # kappa = 3/5 in a, a, b, c, z
    0.08
    """
    counts = Counter(database)
    return frequency_from_count(counts.get(haplotype, 0), len(database), method=method,
                                name=name, level=level, type_counts=list(counts.values()))


def frequency_from_count(x: int, n: int, *, method: str = "count", name: str = "",
                         level: float = 0.95, type_counts: Sequence[int] | None = None
                         ) -> HaplotypeFrequency:
    """:func:`count_frequency` from the count ``x`` of the haplotype among ``n`` database
    haplotypes; ``"kappa"`` also needs ``type_counts``, the counts of every type in the
    database."""
    if method not in COUNT_METHODS:
        raise InputError(f"haplotype frequency method must be one of {COUNT_METHODS}, not "
                         f"{method!r}")
    if n < 1:
        raise InputError(f"database {name!r} has no haplotype typed at the compared loci")
    label = f"database {name!r}" if name else "the database"
    if method == "count" or (method == "kappa" and x > 0):
        value = (x + 1) / (n + 1)
        text = (f"seen {x} time{'s' if x != 1 else ''} in {n} haplotypes of {label}; "
                f"frequency (x+1)/(N+1) = {value:.4g}")
    elif method == "count_upper":
        value = clopper_pearson_upper(x, n, level)
        text = (f"seen {x} time{'s' if x != 1 else ''} in {n} haplotypes of {label}; "
                f"one-sided {level:.0%} Clopper-Pearson upper bound {value:.4g}")
    else:
        if type_counts is None:
            raise InputError("Brenner's kappa needs the counts of every database type")
        kappa = brenner_kappa([*type_counts, 1])
        if kappa >= 1:
            raise InputError(f"Brenner's kappa is 1 for {label} ({n} haplotypes, every one "
                             f"seen once): (1-kappa)/(N+1) would be 0, an infinite LR; use "
                             f"'count', 'count_upper' or the discrete Laplace model")
        value = (1 - kappa) / (n + 1)
        text = (f"not seen in {n} haplotypes of {label}; Brenner's kappa {kappa:.4g} of the "
                f"database with it added, (1-kappa)/(N+1) = {value:.4g}")
    return HaplotypeFrequency(value, method, name, x, n, text)
