"""Excess homozygosity among the references: a sign that the programme's population is
structured and theta is needed.

Unrelated people of one isolated community share alleles more often than the frequency table
says, so a kinship LR computed at theta 0 overstates the evidence for pairs of the same
community (an outside check's village worlds, 2026-12-07: at F_ST 0.03-0.05 and with cousin
marriages, unrelated same-village pairs passed LR 1e4 5-22 times as often as the 1/t bound
allows; at theta 0.03 within it). The same structure leaves its trace in each person's own
genotypes: pooled over communities (Wahlund 1928) or inbred, people are homozygous more
often than Hardy-Weinberg on the table predicts. The references (living relatives typed in a
laboratory, no allele loss) show it best. Over markers ``m`` with ``n_m`` typed references,
``O_m`` of them homozygous and ``E_m = Σ_a p_a²`` the table's expected homozygosity, the
pooled estimate

``F = Σ_m (O_m - n_m E_m) / Σ_m n_m (1 - E_m)``

is the fixation index of the references against the table (Weir 1996, *Genetic Data Analysis
II*, ch. 3; ``F`` counts substructure, inbreeding and a table from another population alike).
Its binomial standard error is ``sqrt(Σ_m n_m h_m (1 - h_m)) / Σ_m n_m (1 - E_m)`` with
``h_m = E_m + F (1 - E_m)``. :func:`warn_substructure` warns when ``F`` exceeds the run's
theta (and 0.01) by more than three standard errors: the LRs then need a theta at least
``F``. Nothing is changed: the warning names the estimate and what to do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from forensic_match.cases import Family
from forensic_match.dvi.homozygosity import expected_homozygosity
from forensic_match.markers import Marker

#: Fewest typed reference genotypes for an estimate (a small programme's F is noise).
MIN_GENOTYPES = 500
#: F below this is not warned about, whatever its precision.
MIN_F = 0.01
#: Standard errors F must exceed theta by.
SE_MARGIN = 3.0


@dataclass(frozen=True)
class ExcessHomozygosity:
    """The references' excess homozygosity against the table (module doc)."""

    f: float
    se: float
    genotypes: int
    persons: int


def reference_homozygosity(families: Sequence[Family], markers: Sequence[Marker]
                           ) -> ExcessHomozygosity | None:
    """``F`` of the families' typed relatives and direct references against ``markers``'
    frequencies (module doc), or ``None`` when no genotype counts."""
    expected = expected_homozygosity(markers)
    counts: dict[str, list[int]] = {m.name: [0, 0] for m in markers}
    persons = 0
    for fam in families:
        for profiles in (fam.genotypes, fam.references):
            for profile in profiles.values():
                typed = False
                for name, g in profile.items():
                    if name not in counts or g is None or g[0] is None or g[1] is None:
                        continue
                    counts[name][0] += 1
                    counts[name][1] += g[0] == g[1]
                    typed = True
                persons += typed
    num = den = 0.0
    parts = []
    for name, (n, homo) in counts.items():
        if n == 0:
            continue
        e = expected[name]
        num += homo - n * e
        den += n * (1.0 - e)
        parts.append((n, e))
    if den <= 0.0:
        return None
    f = num / den
    var = 0.0
    for n, e in parts:
        h = min(1.0, max(0.0, e + f * (1.0 - e)))  # a marker's homozygosity at this F
        var += n * h * (1.0 - h)
    return ExcessHomozygosity(f, math.sqrt(var) / den, sum(n for n, _ in parts), persons)


def warn_substructure(families: Sequence[Family], markers: Sequence[Marker],
                      theta: float) -> ExcessHomozygosity | None:
    """Warn (:class:`~forensic_match.errors.ForensicMatchWarning`) when the references are
    more homozygous than the table allows at ``theta`` (module doc); returns the estimate."""
    import warnings

    from forensic_match.errors import ForensicMatchWarning

    h = reference_homozygosity(families, markers)
    if h is None or h.genotypes < MIN_GENOTYPES:
        return h
    if h.f > max(theta, MIN_F) and h.f - SE_MARGIN * h.se > theta:
        warnings.warn(
            f"the references ({h.persons} typed relatives, {h.genotypes} genotypes) are more "
            f"often homozygous than the frequency table predicts: F = {h.f:.3f} (standard "
            f"error {h.se:.3f}) against theta {theta:g}. The programme's population is "
            f"structured (isolated communities, marriages among relatives) or the table is of "
            f"another population, and LRs computed at theta {theta:g} overstate kinship "
            f"between unrelated people of one community; run with theta at least "
            f"{max(h.f, 0.01):.2f} (docs/configuration.md, 'Theta')",
            ForensicMatchWarning, stacklevel=3)
    return h


__all__ = ["ExcessHomozygosity", "reference_homozygosity", "warn_substructure"]
