"""The discrete Laplace mixture model of Y-STR haplotype frequencies.

Andersen, Eriksen & Morling (2013), J Theor Biol 329:39-51: a population of Y haplotypes is a
mixture of clusters (think of haplogroups); within cluster ``j`` the loci are independent and
locus ``k`` deviates from the cluster's central allele ``y_jk`` by ``d`` repeats with the
discrete Laplace probability

    f(d; p) = (1 - p) / (1 + p) * p**|d|,      0 < p < 1,

so that ``P(h) = sum_j tau_j prod_k f(h_k - y_jk; p_jk)``. As in the authors' R package
``disclapmix``, the dispersions follow ``log p_jk = omega_j + beta_k`` (``model="additive"``);
``model="free"`` lets every ``p_jk`` be its own parameter. ``|d|`` is the sufficient statistic
and ``log p`` the natural parameter of an exponential family, so the weighted log-likelihood is
concave in ``(omega, beta)`` and Newton's method (the GLM's iteratively reweighted least squares
with the canonical link) finds its maximum. Fitted by EM: the E step gives each haplotype's
cluster probabilities ``v_ij``; the M step sets ``tau_j`` to the mean of ``v_ij`` and the
``p_jk`` by weighted maximum likelihood; the centres ``y_jk`` are ``v``-weighted medians (the
maximiser for fixed ``p``). With one cluster the MLE is closed: ``y_k`` the median and
``p_k = (sqrt(1 + m_k**2) - 1) / m_k`` with ``m_k`` the mean absolute deviation from it (from
E|D| = 2p / (1 - p**2)).

Two procedures (``docs/lineage.md`` section 3): ``"default"`` updates the centres inside every
M step and runs EM until the log-likelihood stops rising; ``"disclapmix"`` follows disclapmix
1.7.4: PAM initial centres, uniform initial ``v``, EM with the centres fixed until the largest
change of ``v`` falls below ``eps`` times the largest ``v``, then the centres moved to the
weighted medians and EM run again, until they stay. The second reproduces the package's
published fit of the ``danes`` data to the printed digits.

Only single-copy loci with whole repeat numbers enter the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from forensic_match.errors import InputError

PROCEDURES = ("default", "disclapmix")
_PAM_MAX_ROWS = 5000
# above this many rows the default start is farthest-first: PAM's n x n distances and swaps
# take about 0.6 CPU s at 2,000 rows and 9 s and 4 GB at 5,000 (10 loci, 5 clusters)
_PAM_DEFAULT_ROWS = 2000


def disclap_pmf(d: np.ndarray | int, p: np.ndarray | float) -> np.ndarray:
    """Discrete Laplace probability of a deviation ``d`` with dispersion ``p``.

    Examples
    --------
    >>> float(disclap_pmf(0, 0.5)), float(disclap_pmf(-2, 0.5))
    (0.3333333333333333, 0.08333333333333333)
    """
    p = np.asarray(p, dtype=float)
    return (1 - p) / (1 + p) * p ** np.abs(np.asarray(d))


def dispersion_from_mean_deviation(m: np.ndarray | float) -> np.ndarray:
    """The ``p`` whose discrete Laplace mean absolute deviation is ``m``:
    ``(sqrt(1 + m**2) - 1) / m`` (0 for ``m == 0``)."""
    m = np.asarray(m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(m > 0, (np.sqrt(1 + m * m) - 1) / np.where(m > 0, m, 1), 0.0)
    return out


@dataclass(frozen=True)
class DiscLapFit:
    """A fitted discrete Laplace mixture.

    Attributes
    ----------
    loci : tuple of str
        Locus keys, in the column order of ``centers`` and ``dispersion``.
    centers : numpy.ndarray of int, (clusters, loci)
    tau : numpy.ndarray, (clusters,)
    dispersion : numpy.ndarray, (clusters, loci)
        The ``p_jk``.
    loglik : float
        Log-likelihood of the data at ``(centers, dispersion, tau)``.
    iterations : int
        EM steps, over all EM runs.
    n : int
        Number of haplotypes fitted.
    model : str
        ``"additive"`` or ``"free"``.
    procedure : str
        ``"default"`` or ``"disclapmix"`` (:func:`fit_disclap`).
    center_moves : int
        Times the centres were moved between EM runs (``"disclapmix"``; 0 for ``"default"``,
        which moves them inside its M steps).
    converged : bool
        Whether the stopping rule was met before the iteration limit.
    """

    loci: tuple[str, ...]
    centers: np.ndarray
    tau: np.ndarray
    dispersion: np.ndarray
    loglik: float
    iterations: int
    n: int
    model: str
    procedure: str = "default"
    center_moves: int = 0
    converged: bool = True

    @property
    def parameters(self) -> int:
        """Number of parameters counted as disclapmix counts them: the centres
        (clusters x loci), the dispersions (``loci + clusters - 1`` additive, clusters x loci
        free) and the weights (clusters - 1)."""
        c, loc = self.centers.shape
        disp = loc + c - 1 if self.model == "additive" else c * loc
        return c * loc + disp + c - 1

    @property
    def bic(self) -> float:
        """Marginal BIC as disclapmix defines it: ``log(n * loci) * parameters - 2 loglik``
        (its penalty counts each locus of each haplotype as an observation)."""
        return float(np.log(self.n * self.centers.shape[1]) * self.parameters
                     - 2 * self.loglik)

    def to_dict(self) -> dict[str, Any]:
        """The fit as JSON-ready values (what a stored run records; :meth:`from_dict` reads
        it back to the same probabilities)."""
        return {"loci": list(self.loci), "centers": self.centers.tolist(),
                "tau": [float(t) for t in self.tau],
                "dispersion": [[float(p) for p in row] for row in self.dispersion],
                "loglik": self.loglik, "iterations": self.iterations, "n": self.n,
                "model": self.model, "procedure": self.procedure,
                "center_moves": self.center_moves, "converged": self.converged}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiscLapFit:
        """Read :meth:`to_dict`'s values back."""
        return cls(tuple(data["loci"]), np.array(data["centers"], dtype=np.int64),
                   np.array(data["tau"], dtype=float),
                   np.array(data["dispersion"], dtype=float), float(data["loglik"]),
                   int(data["iterations"]), int(data["n"]), data["model"],
                   data["procedure"], int(data["center_moves"]), bool(data["converged"]))

    def probability(self, haplotypes: np.ndarray,
                    loci: tuple[str, ...] | None = None) -> np.ndarray:
        """P(h) of each row of ``haplotypes`` (integer repeats, columns ``loci``, default all
        of the fit's loci); loci of the fit not listed are summed out (they factorise)."""
        cols = np.arange(len(self.loci)) if loci is None else \
            np.array([self.loci.index(k) for k in loci], dtype=int)
        x = np.atleast_2d(np.asarray(haplotypes))
        dens = _cluster_densities(x, self.centers[:, cols], self.dispersion[:, cols])
        return dens @ self.tau


def _cluster_densities(x: np.ndarray, centers: np.ndarray, p: np.ndarray) -> np.ndarray:
    """(n, clusters) products over loci of the discrete Laplace probabilities."""
    d = np.abs(x[:, None, :] - centers[None, :, :])
    logf = np.log1p(-p) - np.log1p(p) + d * np.log(np.maximum(p, 1e-300))
    return np.exp(logf.sum(axis=2))


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> int:
    """The smallest minimiser of ``sum_i weights_i |values_i - y|`` over the integers."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return int(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


def _weighted_centres(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The ``v``-weighted median of every locus for every cluster with weight."""
    c = v.shape[1]
    return np.array([[_weighted_median(x[:, k], v[:, j]) for k in range(x.shape[1])]
                     for j in range(c)], dtype=np.int64)


def _additive_dispersion(w: np.ndarray, s: np.ndarray, *, max_steps: int = 200) -> np.ndarray:
    """Maximise ``sum_jk w_jk [log(1-p_jk) - log(1+p_jk)] + s_jk log p_jk`` over
    ``log p_jk = omega_j + beta_k`` (``beta_0 = 0``) by Newton's method.

    ``w_jk`` is the weight of cluster ``j`` and ``s_jk`` its weighted sum of ``|d|`` at locus
    ``k``. With ``eta = log p`` the derivative of one term is ``s - w mu`` and the second
    derivative ``-w var``, where ``mu = 2p / (1 - p**2)`` (= E|D|) and
    ``var = dmu/deta = 2p (1 + p**2) / (1 - p**2)**2``. Steps are halved to keep every
    ``p < 1`` and the objective from falling. Stops when a full step moves no coordinate by
    1e-12 or the Newton decrement is below 1e-24 (a cluster or locus without any deviation
    has its ``p`` sent towards 0).
    """
    c, loc = w.shape

    def unpack(theta: np.ndarray) -> np.ndarray:
        return theta[:c, None] + np.concatenate([[0.0], theta[c:]])[None, :]

    def objective(eta: np.ndarray) -> float:
        p = np.exp(eta)
        return float(np.sum(w * (np.log1p(-p) - np.log1p(p)) + s * eta))

    theta = np.concatenate([np.full(c, -1.0), np.zeros(loc - 1)])
    eta = unpack(theta)
    value = objective(eta)
    for _ in range(max_steps):
        p = np.exp(eta)
        g = s - w * 2 * p / (1 - p * p)
        h = w * 2 * p * (1 + p * p) / (1 - p * p) ** 2
        grad = np.concatenate([g.sum(axis=1), g.sum(axis=0)[1:]])
        info = np.zeros((c + loc - 1, c + loc - 1))
        info[np.arange(c), np.arange(c)] = h.sum(axis=1)
        idx = c + np.arange(loc - 1)
        info[idx, idx] = h.sum(axis=0)[1:]
        info[:c, c:] = h[:, 1:]
        info[c:, :c] = h[:, 1:].T
        step = np.linalg.lstsq(info, grad, rcond=None)[0]
        decrement = float(grad @ step)
        t = 1.0
        while t > 1e-12:
            new_eta = unpack(theta + t * step)
            if np.all(new_eta < 0):
                new_value = objective(new_eta)
                if new_value >= value - 1e-12 * abs(value):
                    break
            t *= 0.5
        else:
            break
        theta = theta + t * step
        eta, value = new_eta, new_value
        if t == 1.0 and np.max(np.abs(step)) < 1e-12 or decrement < 1e-24:
            break
    return np.exp(eta)


def _dispersion(x: np.ndarray, centers: np.ndarray, v: np.ndarray, model: str) -> np.ndarray:
    """The M step's dispersions for clusters with weight (others keep 0.5)."""
    c, nloc = centers.shape
    d = np.abs(x[:, None, :] - centers[None, :, :])
    w = np.repeat(v.sum(axis=0)[:, None], nloc, axis=1)
    s = np.einsum("ij,ijk->jk", v, d)
    keep = w[:, 0] > 0
    p = np.full((c, nloc), 0.5)
    if model == "free" or c == 1:
        p[keep] = dispersion_from_mean_deviation(s[keep] / w[keep])
    else:
        p[keep] = _additive_dispersion(w[keep], s[keep])
    return np.clip(p, 1e-12, 1 - 1e-12)


def pam_medoids(x: np.ndarray, k: int) -> np.ndarray:
    """Partitioning around medoids on Manhattan distances: the rows of ``x`` chosen as the
    ``k`` medoids, in the cluster order of R's ``cluster::pam``.

    Kaufman & Rousseeuw (1990), *Finding Groups in Data*, ch. 2: BUILD adds, one at a time,
    the row that most reduces the total distance of all rows to their nearest medoid; SWAP then
    exchanges the (medoid, non-medoid) pair that reduces it most while any does. The ties
    follow ``cluster::pam`` (version 2.1, original algorithm): BUILD takes the last row among
    equal gains; SWAP the first non-medoid, then the first medoid, among equal reductions, and
    swaps only on a decrease larger than ``16 * machine epsilon * total``; clusters are
    numbered in the order their medoids first serve a row, each row served by its nearest
    medoid (the earliest among equals). disclapmix 1.7.4 starts from these medoids.

    Parameters
    ----------
    x : array of int, (n, loci)
        One row per haplotype (a haplotype seen m times is m rows).
    k : int
        Number of medoids, 1 <= k <= n.

    Returns
    -------
    numpy.ndarray of int, (k,)
        Row indices of the medoids.

    Examples
    --------
    >>> x = np.array([[10, 10], [10, 11], [20, 20], [21, 20], [10, 10]])
    >>> pam_medoids(x, 2).tolist()
    [0, 3]
    """
    x = np.asarray(x, dtype=np.int64)
    n = x.shape[0]
    if not 1 <= k <= n:
        raise InputError(f"PAM: k must be between 1 and {n}, got {k}")
    if n > _PAM_MAX_ROWS:
        raise InputError(f"PAM: {n} rows need {n}x{n} distances; at most {_PAM_MAX_ROWS} "
                         "rows (pass init_centers instead)")
    # Integer distances and sums: equal gains are equal exactly, so the tie rules decide
    # (float sums of 1.1 * max + 1 - d, in numpy's pairwise order, broke some ties by
    # rounding: a hypothesis example, 14 rows on one locus).
    dist = np.abs(x[:, None, :] - x[None, :, :]).sum(axis=2)
    big = 2 * int(dist.max()) + 1
    medoid = np.zeros(n, dtype=bool)
    nearest = np.full(n, big)
    for _ in range(k):
        gain = np.clip(nearest[None, :] - dist, 0, None).sum(axis=1)
        gain[medoid] = -1
        pick = n - 1 - int(np.argmax(gain[::-1]))
        medoid[pick] = True
        nearest = np.minimum(nearest, dist[pick])
    total = float(nearest.sum())
    while k > 1:
        rows = np.flatnonzero(medoid)
        ranked = np.sort(dist[rows], axis=0)
        first, second = ranked[0], ranked[1]
        change = np.empty((n, k), dtype=float)
        for col, i in enumerate(rows):
            served = dist[i] == first
            # each row j: its new nearest distance minus the old, were i replaced by h
            new = np.where(served[None, :], np.minimum(second[None, :], dist),
                           np.minimum(first[None, :], dist))
            change[:, col] = (new - first[None, :]).sum(axis=1)
        change[medoid] = np.inf
        h, col = np.unravel_index(int(np.argmin(change)), change.shape)
        best = float(change[h, col])
        if not best < -16 * np.finfo(float).eps * abs(total):
            break
        medoid[h], medoid[rows[col]] = True, False
        total += best
    rows = np.flatnonzero(medoid)
    serves = rows[np.argmin(dist[rows], axis=0)]
    serves[medoid] = np.flatnonzero(medoid)
    _, first_seen = np.unique(serves, return_index=True)
    return serves[np.sort(first_seen)]


def fit_disclap(haplotypes: np.ndarray, clusters: int, *, loci: tuple[str, ...] | None = None,
                init_centers: np.ndarray | None = None, model: str = "additive",
                procedure: str = "default", iterations: int | None = None,
                tol: float = 1e-9, eps: float = 0.001, seed: int = 0) -> DiscLapFit:
    """Fit a discrete Laplace mixture by EM.

    Parameters
    ----------
    haplotypes : array of int, (n, loci)
        Repeat numbers of single-copy loci, one row per haplotype (no missing values; a
        haplotype seen m times is m rows).
    clusters : int
    loci : tuple of str, optional
        Column names.
    init_centers : array of int, (clusters, loci), optional
        Starting central haplotypes. Default: the :func:`pam_medoids` rows (``"disclapmix"``
        with one cluster: the rounded medians, as disclapmix). For ``"default"`` with more than
        2,000 rows, where PAM is slow: the commonest haplotype, then repeatedly the haplotype
        farthest (L1) from the centres chosen, ties to the earliest row; with ``seed`` != 0 a
        random choice of distinct rows (any size).
    model : {"additive", "free"}
    procedure : {"default", "disclapmix"}
        ``"default"``: start from every row in its nearest centre's cluster, update the centres
        to the weighted medians in every M step, stop when the log-likelihood gains less than
        ``tol``. ``"disclapmix"`` (additive model only): the schedule of the R package
        disclapmix 1.7.4 (``disclapmix()`` with its defaults): uniform initial ``v`` and
        ``tau``; EM with the centres fixed, stopped when ``max|v_new - v_old|`` falls below
        ``eps`` times the previous ``max v``; then each centre moved to the smallest weighted
        median, and EM run again (the ``v`` kept) until no centre moves or two centres would
        coincide. The dispersions returned are the last M step's and ``tau`` the last E
        step's, as disclapmix returns them.
    iterations : int, optional
        At most this many EM steps (default 500); for ``"disclapmix"`` per EM run
        (default 100).
    tol, eps
        The two stopping rules above.
    seed : int

    Returns
    -------
    DiscLapFit

    Examples
    --------
    >>> x = np.array([[13], [13], [14], [12], [13], [15]])
    >>> fit = fit_disclap(x, 1)
    >>> int(fit.centers[0, 0]), round(float(fit.dispersion[0, 0]), 6)   # m = 4/6
    (13, 0.302776)
    """
    x = np.asarray(haplotypes)
    if x.ndim != 2 or x.shape[0] < 1 or not np.issubdtype(x.dtype, np.integer):
        raise InputError("discrete Laplace: haplotypes must be a 2-d integer array with rows")
    if model not in ("additive", "free"):
        raise InputError(f"discrete Laplace model must be 'additive' or 'free', not {model!r}")
    if procedure not in PROCEDURES:
        raise InputError(f"discrete Laplace procedure must be one of {PROCEDURES}, "
                         f"not {procedure!r}")
    if procedure == "disclapmix" and model != "additive":
        raise InputError("discrete Laplace: procedure 'disclapmix' fits the additive model "
                         "only (as the R package does)")
    n, nloc = x.shape
    if not 1 <= clusters <= n:
        raise InputError(f"discrete Laplace: clusters must be between 1 and {n}, got {clusters}")
    loci = tuple(loci) if loci is not None else tuple(f"locus{k + 1}" for k in range(nloc))
    x = x.astype(np.int64)
    if init_centers is not None:
        centers = np.array(init_centers, dtype=np.int64).reshape(clusters, nloc)
    elif procedure == "disclapmix" and clusters == 1:
        centers = np.round(np.median(x, axis=0)).astype(np.int64)[None, :]
    elif procedure == "disclapmix" or (not seed and n <= _PAM_DEFAULT_ROWS):
        centers = x[pam_medoids(x, clusters)].copy()
    elif seed:
        rows = np.unique(x, axis=0)
        pick = np.random.default_rng(seed).choice(len(rows), clusters, replace=False)
        centers = rows[pick].astype(np.int64)
    else:
        rows, counts = np.unique(x, axis=0, return_counts=True)
        chosen = [int(np.argmax(counts))]
        for _ in range(1, clusters):
            dist = np.abs(rows[:, None, :] - rows[chosen][None, :, :]).sum(axis=2).min(axis=1)
            chosen.append(int(np.argmax(dist)))
        centers = rows[chosen].astype(np.int64)
    if procedure == "disclapmix":
        return _fit_disclapmix(x, centers, loci, 100 if iterations is None else iterations, eps)
    return _fit_default(x, centers, loci, model, 500 if iterations is None else iterations, tol)


def _fit_default(x: np.ndarray, centers: np.ndarray, loci: tuple[str, ...], model: str,
                 iterations: int, tol: float) -> DiscLapFit:
    n = x.shape[0]
    clusters = centers.shape[0]
    v = np.zeros((n, clusters))
    v[np.arange(n), np.abs(x[:, None, :] - centers[None]).sum(axis=2).argmin(axis=1)] = 1.0
    last = -np.inf
    done = 0
    converged = False
    for step in range(1, iterations + 1):
        done = step
        tau = v.mean(axis=0)
        keep = tau > 0
        centers[keep] = _weighted_centres(x, v[:, keep])
        p = _dispersion(x, centers, v, model)
        dens = _cluster_densities(x, centers, p) * tau[None, :]
        total = dens.sum(axis=1)
        loglik = float(np.log(total).sum())
        v = dens / total[:, None]
        if loglik - last < tol:
            converged = True
            break
        last = loglik
    return DiscLapFit(loci, centers, tau, p, loglik, done, n, model, "default", 0, converged)


def _fit_disclapmix(x: np.ndarray, centers: np.ndarray, loci: tuple[str, ...],
                    iterations: int, eps: float) -> DiscLapFit:
    n = x.shape[0]
    clusters = centers.shape[0]
    if clusters == 1:
        iterations = 1
    v = np.full((n, clusters), 1.0 / clusters)
    tau = np.full(clusters, 1.0 / clusters)
    done = moves = 0
    converged = clusters == 1
    while True:
        last_max = 0.0
        for _ in range(iterations):
            done += 1
            p = _dispersion(x, centers, v, "additive")
            dens = _cluster_densities(x, centers, p) * tau[None, :]
            new_v = dens / dens.sum(axis=1)[:, None]
            change = float(np.max(np.abs(new_v - v)))
            v, tau = new_v, new_v.mean(axis=0)
            if last_max > 0 and change / last_max < eps:
                converged = True
                break
            last_max = float(np.max(v))
        moved = _weighted_centres(x, v)
        if np.array_equal(moved, centers) or len(np.unique(moved, axis=0)) < clusters:
            break
        centers = moved
        moves += 1
        converged = clusters == 1
    loglik = float(np.log(_cluster_densities(x, centers, p) @ tau).sum())
    return DiscLapFit(loci, centers, tau, p, loglik, done, n, "additive", "disclapmix", moves,
                      converged)


def select_disclap(haplotypes: np.ndarray, *, margin: int = 5,
                   **options: Any) -> list[DiscLapFit]:
    """Fits for 1, 2, ... clusters until the least marginal BIC lies at least ``margin``
    cluster counts below the largest tried (1 to 5 always), as disclapmix 1.7.4's
    ``disclapmix_adaptive`` chooses the number of clusters.

    Parameters
    ----------
    haplotypes : array of int, (n, loci)
    margin : int
    **options
        Passed to :func:`fit_disclap`.

    Returns
    -------
    list of DiscLapFit
        One per number of clusters, from 1; the chosen fit is ``min(fits, key=bic)``.

    Examples
    --------
    >>> x = np.array([[10, 20]] * 5 + [[11, 20], [14, 24], [14, 25], [15, 24]])
    >>> fits = select_disclap(x, margin=1)
    >>> [len(f.tau) for f in fits], len(min(fits, key=lambda f: f.bic).tau)
    ([1, 2, 3, 4, 5], 2)
    """
    if margin < 1:
        raise InputError(f"discrete Laplace: margin must be at least 1, got {margin}")
    n = np.asarray(haplotypes).shape[0]
    fits = [fit_disclap(haplotypes, k, **options) for k in range(1, min(5, n) + 1)]
    while len(fits) < n:
        best = int(np.argmin([f.bic for f in fits])) + 1
        if best <= len(fits) - margin:
            break
        fits.append(fit_disclap(haplotypes, len(fits) + 1, **options))
    return fits
