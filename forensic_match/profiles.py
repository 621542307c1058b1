"""DNA profiles: genotypes of typed individuals and samples, and how each was observed.

A genotype is a pair of allele labels ``("14", "15")``; a homozygote is ``("14", "14")``; a
partial genotype ``("14", None)`` says that one allele is 14 and the other is unknown. An
untyped marker is simply absent. Profiles are held as ``{individual: {marker: (a, b)}}``.

Degraded samples carry an :class:`Observation` model: per-allele dropout probability ``d`` and
drop-in probability ``c``; then ``("14", "14")`` means "only 14 was seen".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forensic_match.errors import GenotypeError, where

Genotype = tuple[str, "str | None"]
Profiles = dict[str, dict[str, Genotype]]

_MISSING = {"", "NA", "NAN", "NONE", "NULL", "-", "?"}


def cell_text(value: Any) -> str:
    """A table cell as an allele label or text: spreadsheet floats become labels (10.0 ->
    "10", 9.3 -> "9.3"), NaN and None become "", strings are stripped."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN from a spreadsheet cell
            return ""
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value).strip()


def _allele(value: Any) -> str | None:
    text = cell_text(value)
    return None if text.upper() in _MISSING else text


def parse_genotype(value: Any, *, sample: str | None = None, marker: str | None = None,
                   file: str | None = None, line: int | None = None) -> Genotype | None:
    """Read one genotype.

    Accepts a pair ``["14", "15"]`` (``None`` for an unknown second allele), a single allele
    (read as a homozygous call), or a string ``"14/15"``, ``"14,15"`` or ``"14 15"``.

    Returns
    -------
    tuple or None
        ``(a, b)`` with ``b`` possibly ``None``; ``None`` when the marker is untyped.

    Raises
    ------
    GenotypeError
        Three or more alleles, or an unreadable value; the message names the location.

    Examples
    --------
    >>> parse_genotype("9.3/10")
    ('9.3', '10')
    >>> parse_genotype(["14", None])
    ('14', None)
    """
    loc = where(file=file, line=line, sample=sample, marker=marker)
    if isinstance(value, str):
        text = value.strip()
        for sep in ("/", ",", ";", " "):
            if sep in text:
                parts: list[Any] = [p for p in text.split(sep) if p.strip() != ""]
                break
        else:
            parts = [text]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    elif value is None:
        return None
    elif isinstance(value, (int, float)):
        parts = [value]
    else:
        raise GenotypeError(f"{loc}: cannot read genotype {value!r}")
    alleles = [_allele(p) for p in parts]
    if len(alleles) > 2:
        raise GenotypeError(f"{loc}: genotype {value!r} has {len(alleles)} alleles; a genotype "
                            f"has at most two (mixtures are not supported)")
    if len(alleles) == 0 or all(a is None for a in alleles):
        return None
    if len(alleles) == 1:
        return (alleles[0], alleles[0])  # type: ignore[return-value]
    a, b = alleles
    if a is None:
        a, b = b, None
    return (a, b)  # type: ignore[return-value]


def parse_profiles(data: Mapping[str, Mapping[str, Any]], *, file: str | None = None) -> Profiles:
    """Read ``{individual: {marker: genotype}}``, dropping untyped markers."""
    if not isinstance(data, Mapping):
        raise GenotypeError(f"{where(file=file)}: genotypes must map individuals to "
                            f"{{marker: genotype}}, got {type(data).__name__}")
    out: Profiles = {}
    for sample, markers in data.items():
        if not isinstance(markers, Mapping):
            raise GenotypeError(f"{where(file=file, sample=str(sample))}: expected "
                                f"{{marker: genotype}}, got {markers!r}")
        prof: dict[str, Genotype] = {}
        for marker, value in markers.items():
            g = parse_genotype(value, sample=str(sample), marker=str(marker), file=file)
            if g is not None:
                prof[str(marker)] = g
        out[str(sample)] = prof
    return out


@dataclass(frozen=True)
class Observation:
    """How a sample's alleles were observed.

    Parameters
    ----------
    dropout : float
        Probability ``d`` that each allele copy fails to show. A true heterozygote a/b is
        seen as a/b with (1-d)^2 and as a alone with d(1-d); a true a/a is seen as a with
        1-d^2.
    dropin : float
        Probability ``c`` that one spurious allele appears; it is allele ``z`` with
        probability ``c * p_z``.
    """

    dropout: float = 0.0
    dropin: float = 0.0

    def __post_init__(self) -> None:
        for name in ("dropout", "dropin"):
            v = getattr(self, name)
            if not 0.0 <= v < 1.0:
                raise GenotypeError(f"{name} probability must lie in [0, 1), got {v}")

    @property
    def exact(self) -> bool:
        """True when what was seen is the genotype (no dropout, no drop-in)."""
        return self.dropout == 0.0 and self.dropin == 0.0


EXACT = Observation()
