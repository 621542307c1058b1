"""The discrete Laplace mixture model of Y-STR haplotype frequencies.

Andersen, Eriksen & Morling (2013), J Theor Biol 329:39-51: a population of Y haplotypes is a
mixture of clusters (think of haplogroups); within cluster ``j`` the loci are independent and
locus ``k`` deviates from the cluster's central allele ``y_jk`` by ``d`` repeats with the
discrete Laplace probability

    f(d; p) = (1 - p) / (1 + p) * p**|d|,      0 < p < 1,

so that ``P(h) = sum_j tau_j prod_k f(h_k - y_jk; p_jk)``. As in the authors' R package
``disclapmix``, the dispersions follow ``log p_jk = omega_j + beta_k`` (``model="additive"``);
``model="free"`` lets every ``p_jk`` be its own parameter. Fitted by EM: the E step gives each
haplotype's cluster probabilities ``v_ij``; the M step sets ``tau_j`` to the mean of ``v_ij``,
each ``y_jk`` to the ``v``-weighted median of locus ``k`` (the maximiser for fixed ``p``) and
the ``p_jk`` by weighted maximum likelihood. With one cluster the MLE is closed:
``y_k`` the median and ``p_k = (sqrt(1 + m_k**2) - 1) / m_k`` with ``m_k`` the mean absolute
deviation from it (from E|D| = 2p / (1 - p**2)).

Only single-copy loci with whole repeat numbers enter the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forensic_match.errors import InputError


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
        Log-likelihood of the data at the fit.
    iterations : int
    n : int
        Number of haplotypes fitted.
    model : str
        ``"additive"`` or ``"free"``.
    """

    loci: tuple[str, ...]
    centers: np.ndarray
    tau: np.ndarray
    dispersion: np.ndarray
    loglik: float
    iterations: int
    n: int
    model: str

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
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return int(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


def _additive_dispersion(w: np.ndarray, s: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Maximise sum_jk w_jk [log(1-p) - log(1+p)] + s_jk log p over log p_jk = omega_j +
    beta_k (beta_0 = 0), from ``start``."""
    from scipy.optimize import minimize

    c, loc = w.shape
    logp0 = np.log(np.clip(start, 1e-6, 1 - 1e-6))
    omega0 = logp0[:, 0]
    beta0 = (logp0 - omega0[:, None]).mean(axis=0)[1:]

    def unpack(theta: np.ndarray) -> np.ndarray:
        beta = np.concatenate([[0.0], theta[c:]])
        return theta[:c, None] + beta[None, :]

    def negll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = unpack(theta)
        if np.any(eta >= 0):
            return 1e300, np.zeros_like(theta)
        p = np.exp(eta)
        ll = np.sum(w * (np.log1p(-p) - np.log1p(p)) + s * eta)
        # d/d eta of w[log(1-p) - log(1+p)] + s eta = -2 w p / (1 - p^2) + s
        g = -2 * w * p / (1 - p * p) + s
        grad = np.concatenate([g.sum(axis=1), g.sum(axis=0)[1:]])
        return -ll, -grad

    res = minimize(negll, np.concatenate([omega0, beta0]), jac=True, method="L-BFGS-B")
    return np.exp(unpack(res.x))


def fit_disclap(haplotypes: np.ndarray, clusters: int, *, loci: tuple[str, ...] | None = None,
                init_centers: np.ndarray | None = None, model: str = "additive",
                iterations: int = 500, tol: float = 1e-9, seed: int = 0) -> DiscLapFit:
    """Fit a discrete Laplace mixture by EM.

    Parameters
    ----------
    haplotypes : array of int, (n, loci)
        Repeat numbers of single-copy loci, one row per haplotype (no missing values).
    clusters : int
    loci : tuple of str, optional
        Column names.
    init_centers : array of int, (clusters, loci), optional
        Starting central haplotypes; default: the commonest haplotype, then repeatedly the
        haplotype farthest (L1) from the centers chosen, ties to the earliest row; with
        ``seed`` != 0 a random choice of distinct rows.
    model : {"additive", "free"}
    iterations, tol
        At most ``iterations`` EM steps; stop when the log-likelihood gains less than ``tol``.

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
    n, nloc = x.shape
    if not 1 <= clusters <= n:
        raise InputError(f"discrete Laplace: clusters must be between 1 and {n}, got {clusters}")
    loci = tuple(loci) if loci is not None else tuple(f"locus{k + 1}" for k in range(nloc))
    if init_centers is not None:
        centers = np.array(init_centers, dtype=np.int64).reshape(clusters, nloc)
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
    tau = np.full(clusters, 1.0 / clusters)
    v = np.zeros((n, clusters))
    v[np.arange(n), np.abs(x[:, None, :] - centers[None]).sum(axis=2).argmin(axis=1)] = 1.0
    p = np.full((clusters, nloc), 0.3)
    last = -np.inf
    done = 0
    for step in range(1, iterations + 1):
        done = step
        # M step
        tau = v.mean(axis=0)
        keep = tau > 0
        for j in range(clusters):
            if tau[j] > 0:
                for k in range(nloc):
                    centers[j, k] = _weighted_median(x[:, k], v[:, j])
        d = np.abs(x[:, None, :] - centers[None, :, :])
        w = np.repeat(v.sum(axis=0)[:, None], nloc, axis=1)
        s = np.einsum("ij,ijk->jk", v, d)
        free = dispersion_from_mean_deviation(np.where(w > 0, s / np.where(w > 0, w, 1), 0))
        if model == "free" or clusters == 1:
            p = free
        else:
            p[keep] = _additive_dispersion(w[keep], s[keep], np.clip(free[keep], 0.01, 0.99))
        p = np.clip(p, 1e-12, 1 - 1e-12)
        # E step
        dens = _cluster_densities(x, centers, p) * tau[None, :]
        total = dens.sum(axis=1)
        loglik = float(np.log(total).sum())
        v = dens / total[:, None]
        if loglik - last < tol:
            break
        last = loglik
    return DiscLapFit(loci, centers, tau, p, loglik, done, n, model)
