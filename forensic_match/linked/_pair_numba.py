"""Forward algorithm of the pairwise inheritance hidden Markov model (plain arrays only).

The state is an integer whose bits are the free meioses; a transition is a product of
commuting two-state flips: each free bit ``b`` flips with the recombination fraction of its
parent's sex, and each founder symmetry flips the bits of ``mask`` together.
"""

from __future__ import annotations

import math

import numpy as np

from forensic_match.accelerate import jit


@jit
def _flip(f: np.ndarray, mask: np.int64, t: float) -> None:
    """``f[x] <- (1 - t) f[x] + t f[x ^ mask]`` in place (pairs visited once)."""
    for x in range(f.size):
        y = x ^ mask
        if y > x:
            a = f[x]
            b = f[y]
            f[x] = (1.0 - t) * a + t * b
            f[y] = (1.0 - t) * b + t * a


@jit
def _transition(f: np.ndarray, theta: np.ndarray, bit_sex: np.ndarray, sym_sex: np.ndarray,
                sym_mask: np.ndarray) -> None:
    """Apply one interval's transition (a product of commuting symmetric flips) in place."""
    for s in range(sym_sex.size):
        t = theta[sym_sex[s]]
        if t > 0.0:
            _flip(f, sym_mask[s], t)
    for b in range(bit_sex.size):
        t = theta[bit_sex[b]]
        if t > 0.0:
            _flip(f, np.int64(1) << b, t)


@jit
def forward_log_likelihood(pattern: np.ndarray, emission: np.ndarray, theta: np.ndarray,
                           bit_sex: np.ndarray, sym_sex: np.ndarray, sym_mask: np.ndarray,
                           ) -> float:
    """Natural log of the likelihood of the observations along all markers.

    pattern : int64 (S,) emission column of each state
    emission : float64 (n, P) emission of each marker and column
    theta : float64 (n, 2) recombination fraction (male, female) from marker i-1 to i
        (0.5 at the first marker of a chromosome)
    bit_sex, sym_sex : int64 sex (0 male, 1 female) of each free bit / founder symmetry
    sym_mask : int64 bits flipped together by each founder symmetry
    """
    n_states = pattern.size
    f = np.full(n_states, 1.0 / n_states)
    total = 0.0
    for i in range(emission.shape[0]):
        if i > 0:
            _transition(f, theta[i], bit_sex, sym_sex, sym_mask)
        c = 0.0
        for x in range(n_states):
            f[x] *= emission[i, pattern[x]]
            c += f[x]
        if not c > 0.0:
            return -math.inf
        for x in range(n_states):
            f[x] /= c
        total += math.log(c)
    return total


@jit
def _drop(true: int, call: int, d: float) -> float:
    """P(call | true genotype) under allele dropout (a lone allele is called homozygous)."""
    if true == 1:
        return (1.0 - d) ** 2 if call == 1 else d * (1.0 - d)
    return 1.0 - d * d if call == true else 0.0


@jit
def _mix_error(p: float, error: float, like: np.ndarray) -> None:
    """``like[t] <- (1 - error) like[t] + error sum_g P_HW(g) like[g]`` in place: with
    probability ``error`` the data came from a genotype drawn from the population."""
    population = (1.0 - p) ** 2 * like[0] + 2.0 * p * (1.0 - p) * like[1] + p * p * like[2]
    for t in range(3):
        like[t] = (1.0 - error) * like[t] + error * population


@jit
def _observation(p: float, call: int, error: float, d: float, out: np.ndarray) -> None:
    """``out[t] = P(call | true t)``: with probability ``error`` the genotype is replaced by a
    Hardy-Weinberg draw before dropout; a missing call (-1) has likelihood 1."""
    if call < 0:
        out[:] = 1.0
        return
    for t in range(3):
        out[t] = _drop(t, call, d)
    _mix_error(p, error, out)


@jit
def observation_likelihoods(freq: np.ndarray, codes: np.ndarray, error: float, d: float
                            ) -> np.ndarray:
    """``out[i, t] = P(call i | true genotype t)`` of call codes (see :func:`_observation`),
    shape (n, 3): the likelihood form of a person's calls."""
    out = np.empty((codes.size, 3))
    for i in range(codes.size):
        _observation(freq[i], codes[i], error, d, out[i])
    return out


@jit
def mixed_likelihoods(freq: np.ndarray, like: np.ndarray, error: float) -> np.ndarray:
    """Genotype likelihoods (n, 3) with the genotype error of :func:`_mix_error`; a marker
    whose three likelihoods are equal (no information) is left as it is."""
    out = like.copy()
    if error == 0.0:
        return out
    for i in range(like.shape[0]):
        if not (like[i, 0] == like[i, 1] and like[i, 1] == like[i, 2]):
            _mix_error(freq[i], error, out[i])
    return out


@jit
def founder_weight(p: float, bits: int, blocks: int, fst: float) -> float:
    """Probability that the distinct genes ``0 .. blocks - 1`` carry allele 1 where ``bits``
    has a 1 and allele 2 elsewhere: independent draws of frequency ``p`` (``fst`` 0), else
    the Balding-Nichols urn drawing them in order."""
    w = 1.0
    n1 = 0
    for j in range(blocks):
        if fst == 0.0:
            w *= p if (bits >> j) & 1 else 1.0 - p
        elif (bits >> j) & 1:
            w *= (n1 * fst + (1.0 - fst) * p) / (1.0 + (j - 1) * fst)
            n1 += 1
        else:
            w *= ((j - n1) * fst + (1.0 - fst) * (1.0 - p)) / (1.0 + (j - 1) * fst)
    return w


@jit
def _pattern_emission(p: float, la: np.ndarray, lb: np.ndarray, pattern: np.ndarray,
                      fst: float) -> float:
    """``sum over the alleles of the pattern's distinct genes of P(alleles) la[g_A] lb[g_B]``
    (the Balding-Nichols urn of :func:`emission_rows` when ``fst`` > 0)."""
    blocks = 0
    for j in range(4):
        blocks = max(blocks, pattern[j] + 1)
    s = 0.0
    for bits in range(1 << blocks):
        w = founder_weight(p, bits, blocks, fst)
        ca = ((bits >> pattern[0]) & 1) + ((bits >> pattern[1]) & 1)
        cb = ((bits >> pattern[2]) & 1) + ((bits >> pattern[3]) & 1)
        s += w * la[ca] * lb[cb]
    return s


@jit
def emission_rows(freq: np.ndarray, first: np.ndarray, second: np.ndarray, error: np.ndarray,
                  dropout: np.ndarray, patterns: np.ndarray, fst: float) -> np.ndarray:
    """Emission of every marker under every identity pattern, shape (n, P).

    freq : float64 (n,) frequency of allele 1; first, second : int64 (n,) call codes
    error, dropout : float64 (2,) per person; patterns : int64 (P, 4) restricted growth
    strings of the pair's genes; fst : the coancestry of distinct founder genes (their alleles
    are drawn in turn from the Balding-Nichols urn: the j-th, after n_a of j earlier draws
    were a, is a with probability ``(n_a F + (1 - F) p_a) / (1 + (j - 1) F)``; 0: independent).
    """
    n = freq.size
    n_pat = patterns.shape[0]
    rows = np.empty((n, n_pat))
    la = np.empty(3)
    lb = np.empty(3)
    for i in range(n):
        p = freq[i]
        _observation(p, first[i], error[0], dropout[0], la)
        _observation(p, second[i], error[1], dropout[1], lb)
        for k in range(n_pat):
            rows[i, k] = _pattern_emission(p, la, lb, patterns[k], fst)
    return rows


@jit
def likelihood_rows(freq: np.ndarray, first: np.ndarray, second: np.ndarray,
                    patterns: np.ndarray, fst: float) -> np.ndarray:
    """Emission of every marker under every identity pattern from the two persons'
    likelihoods ``first[i, t] = P(data at marker i | t copies of allele 1)`` (n, 3): the same
    sum as :func:`emission_rows` with the observation model replaced by the likelihoods."""
    n = freq.size
    n_pat = patterns.shape[0]
    rows = np.empty((n, n_pat))
    for i in range(n):
        for k in range(n_pat):
            rows[i, k] = _pattern_emission(freq[i], first[i], second[i], patterns[k], fst)
    return rows


@jit
def gather_rows(table: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Emission rows looked up in a table (n, 4, 4, P) by call code + 1 of both persons."""
    n = first.size
    rows = np.empty((n, table.shape[3]))
    for i in range(n):
        rows[i] = table[i, first[i] + 1, second[i] + 1]
    return rows


@jit
def compress(rows: np.ndarray, theta: np.ndarray,
             ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """The informative markers' emissions, the recombination fractions between them, the log
    of the constant factor of the others and the panel index of each informative marker.

    A marker whose emission is the same for every pattern is dropped: the flips across it
    compose as ``1 - 2 theta = (1 - 2 theta_1)(1 - 2 theta_2)``.
    """
    n, n_pat = rows.shape
    emis = np.empty((n, n_pat))
    th = np.empty((n, 2))
    index = np.empty(n, dtype=np.int64)
    q0 = 1.0
    q1 = 1.0
    constant = 0.0
    kept = 0
    for i in range(n):
        if i > 0:
            q0 *= 1.0 - 2.0 * theta[i, 0]
            q1 *= 1.0 - 2.0 * theta[i, 1]
        hi = -1.0
        lo = math.inf
        for k in range(n_pat):
            hi = max(hi, rows[i, k])
            lo = min(lo, rows[i, k])
        if hi - lo > 1e-13 * hi:
            emis[kept, :] = rows[i]
            index[kept] = i
            if kept == 0:
                th[kept, 0] = 0.5
                th[kept, 1] = 0.5
            else:
                th[kept, 0] = 0.5 * (1.0 - q0)
                th[kept, 1] = 0.5 * (1.0 - q1)
            q0 = 1.0
            q1 = 1.0
            kept += 1
        else:
            constant += np.log(hi)
    return emis[:kept], th[:kept], constant, index[:kept]


@jit
def prepare_emissions(freq: np.ndarray, first: np.ndarray, second: np.ndarray,
                      error: np.ndarray, dropout: np.ndarray, patterns: np.ndarray,
                      theta: np.ndarray, fst: float,
                      ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """:func:`emission_rows` then :func:`compress`."""
    return compress(emission_rows(freq, first, second, error, dropout, patterns, fst), theta)


@jit
def posterior_shared(pattern: np.ndarray, emission: np.ndarray, theta: np.ndarray,
                     bit_sex: np.ndarray, sym_sex: np.ndarray, sym_mask: np.ndarray,
                     weight: np.ndarray) -> np.ndarray:
    """Posterior expectation of ``weight[pattern]`` at each marker (forward-backward; the
    transition operators are symmetric, so the backward pass applies the same ones)."""
    n = emission.shape[0]
    n_states = pattern.size
    fwd = np.empty((n, n_states))
    f = np.full(n_states, 1.0 / n_states)
    for i in range(n):
        if i > 0:
            _transition(f, theta[i], bit_sex, sym_sex, sym_mask)
        c = 0.0
        for x in range(n_states):
            f[x] *= emission[i, pattern[x]]
            c += f[x]
        for x in range(n_states):
            f[x] /= c
        fwd[i] = f
    out = np.empty(n)
    b = np.ones(n_states)
    for i in range(n - 1, -1, -1):
        num = 0.0
        den = 0.0
        for x in range(n_states):
            w = fwd[i, x] * b[x]
            num += w * weight[pattern[x]]
            den += w
        out[i] = num / den
        if i > 0:
            c = 0.0
            for x in range(n_states):
                b[x] *= emission[i, pattern[x]]
                c += b[x]
            for x in range(n_states):
                b[x] /= c
            _transition(b, theta[i], bit_sex, sym_sex, sym_mask)
    return out
