"""One exception hierarchy for everything forensic_match refuses to do.

Every message names what a user needs to find the problem: the file and line, the
sample or individual, the marker and the allele, whichever apply.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any


class ForensicMatchError(Exception):
    """Base class of all errors raised by forensic_match."""


class InputError(ForensicMatchError, ValueError):
    """Malformed input: a file, a table row, a JSON case, a genotype."""


class PedigreeError(InputError):
    """An impossible pedigree: unknown or duplicate ids, wrong-sex parents, cycles."""


class MarkerError(InputError):
    """A problem with a marker: frequencies, alleles or its mutation model."""


class GenotypeError(InputError):
    """A genotype that cannot be read or does not fit its marker."""


class ThetaLimitError(InputError):
    """The exact theta correction of a pedigree would need more quadrature points than
    allowed (many founders and many distinct alleles at one marker)."""


class ForensicMatchWarning(UserWarning):
    """Base class of warnings: input used under a stated rule rather than refused."""


class UnknownAlleleWarning(ForensicMatchWarning):
    """An allele seen in a profile but absent from the frequency database."""


class IgnoredMarkerWarning(ForensicMatchWarning):
    """A profile has markers that are not among the markers analysed."""


class NormalisationWarning(ForensicMatchWarning):
    """Frequencies were rescaled to sum to 1 at the caller's request."""


class UnknownSizeWarning(ForensicMatchWarning):
    """A frequency table read from a file gives no number of individuals (N) and the caller
    gave neither N nor a minimum frequency: alleles absent from it get
    ``DEFAULT_MIN_FREQUENCY`` (0.001) rather than 5 / (2N)."""


class ThetaFallbackWarning(ForensicMatchWarning):
    """Rows of families whose exact theta correction exceeds the engine's limits were
    compiled with theta 0 (their ``theta`` column says so)."""


class CacheWarning(ForensicMatchWarning):
    """A file of compiled tables could not be read: its rows are compiled again."""


class FamiliasWarning(ForensicMatchWarning):
    """A Familias ``.fam`` file was read under a stated rule (``docs/familias.md``), e.g. a
    stepwise model replaced by ``equal`` for a marker with a non-numeric allele."""


class FragmentFindingsWarning(ForensicMatchWarning):
    """The AM/PM findings of a body's fragments contradict each other (those findings are
    not weighed): ``forensic_match.evidence.body_findings``."""


class LineageMarkerWarning(ForensicMatchWarning):
    """Y- or X-chromosome markers in a genotype table were set aside for lineage matching."""


def show_id(name: str) -> str:
    """``repr`` of an id, with its code points as well when it is not plain ASCII, so that two
    ids that print alike ("José" with a combined or a combining accent, a Latin or a Cyrillic
    "e") look different in an error message."""
    return repr(name) if name.isascii() else f"{name!r} ({ascii(name)})"


def where(*, file: object = None, line: object = None, sample: object = None,
          marker: object = None, allele: object = None) -> str:
    """Format the location of a problem, e.g. ``"file 'a.csv', line 12, marker 'TH01'"``."""
    parts = []
    for name, value in (("file", file), ("line", line), ("sample", sample),
                        ("marker", marker), ("allele", allele)):
        if value is not None:
            parts.append(f"{name} {value!r}" if isinstance(value, str) else f"{name} {value}")
    return ", ".join(parts)


def plain_text(text: str) -> str:
    """``text`` stripped, in compatibility form, without accents: "Varón " -> "Varon"."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def folded_id(name: str) -> str:
    """``name`` without case, accents or Unicode form: ids equal here but not as written are
    most likely one id typed two ways."""
    return plain_text(name).casefold()


#: Letters of the Cyrillic and Greek scripts drawn like Latin ones, as a keyboard layout or a
#: copy from another system leaves them in an id ("РМ-001" with a Cyrillic Р and М).
_LOOKALIKE_LETTERS = str.maketrans("АВЕКМНОРСТХаеорсухіІјЈѕЅԁΑΒΕΖΗΙΚΜΝΟΡΤΥΧο",
                                   "ABEKMHOPCTXaeopcyxiIjJsSdABEZHIKMNOPTYXo")


def lookalike_id(name: str) -> str:
    """``name`` as :func:`folded_id` folds it, with Cyrillic and Greek letters that look
    Latin read as Latin, every dash (``-``, U+2010, an en dash...), ``_`` and space read as
    one ``-``, and runs of them as one: "PM-001", "pm-001", "PM 001", "PM‐001" (U+2010) and
    "PM--001" are one id here. Ids of one file equal here but not as written are one id typed
    two ways, whose rows would otherwise be read as two samples or families."""
    text = folded_id(name.translate(_LOOKALIKE_LETTERS))
    out: list[str] = []
    for c in text:
        if c.isspace() or c in "_\u2212" or unicodedata.category(c) == "Pd":
            if not out or out[-1] != "-":
                out.append("-")
        else:
            out.append(c)
    return "".join(out)


def similar_ids(name: str, ids: Iterable[str]) -> str:
    """A hint naming ids that differ from ``name`` only in case, accents or Unicode form
    (:func:`folded_id`), shown with their code points (the usual cause of an id that looks
    right but is not found), or "" when there are none."""
    key = folded_id(name)
    near = [show_id(i) for i in ids if i != name and folded_id(i) == key]
    return f" (similar: {', '.join(near)})" if near else ""


def finite_json(value: Any) -> Any:
    """``value`` (nested dicts, lists and tuples) with every non-finite float as ``None``:
    JSON has no infinity or NaN, and ``json.dumps(..., allow_nan=False)`` refuses them."""
    import math

    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


def strict_json(text: str, source: str) -> Any:
    """Parse JSON text, refusing an object that gives one key twice.

    Python's ``json`` keeps the last of two equal keys without a word: a case with
    ``"theta": 0, "theta": 0.3`` was read at theta 0.3, a second ``"genotypes"`` of a PM
    sample replaced the first, a second ``"missing"`` list dropped the family's other missing
    persons. ``source`` names the file in the error.

    Raises
    ------
    InputError
        Malformed JSON (with line and column), or a key given twice in one object (with the
        key and the object's keys).
    """
    import json

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                keys = ", ".join(repr(k) for k, _ in items[:8])
                raise InputError(f"{source}: key {key!r} given twice in one object (keys "
                                 f"{keys}{', ...' if len(items) > 8 else ''}); JSON readers "
                                 f"would keep the last one only: keep one")
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}, line {exc.lineno}, column {exc.colno}: malformed JSON: "
                         f"{exc.msg}") from exc
