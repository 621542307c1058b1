"""The keys of the lineage objects of a dataset (``docs/case-format.md``, "Lineage markers"),
and a key written another way than the one read.

A key read case- or punctuation-sensitively, written another way (``"mtDNA"`` for ``"mtdna"``,
``"Y-STR"`` for ``"ystr"``, ``"variant"`` for ``"variants"``), was left alone without a word:
the data it held was absent from every LR, or a panel value fell back to a default
(``docs/lineage.md``, "Dataset fields read"). Such a key is refused; any other key is kept
and left alone, as before, and named in one warning (:func:`unread_keys`): a laboratory's
notes (``"kit"``, ``"source"``, ``"n_haplotypes"``) are not mistakes.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from forensic_match.errors import InputError, LineageMarkerWarning

#: Keys (after :func:`fold`) that are not another spelling of a key read but a known way of
#: getting one wrong, and the key meant: refused where that key is read. ``"rates"`` or
#: ``"mutation_rate"`` fell back to the Ballantyne default rate (DYS19 0.0023 -> 0.00437),
#: ``"copy": 2`` to one copy, ``"variant"`` made a sample rCRS, all without a word.
MISTAKES = {
    "rates": "rate", "mutationrate": "rate", "mutationrates": "rate", "mutrate": "rate",
    "mu": "rate", "copy": "copies", "ncopies": "copies", "copynumber": "copies",
    "variant": "variants", "ranges": "range", "haplotype": "haplotypes",
    "mitotype": "mitotypes", "marker": "markers", "loci": "markers", "db": "database",
}

#: While :func:`unread_keys` collects: ``{object: [keys not read, objects holding them]}``.
_UNREAD: ContextVar[dict[str, list[Any]] | None] = ContextVar("unread_lineage_keys",
                                                               default=None)


def fold(key: str) -> str:
    """``key`` lower-case without punctuation or spaces: ``"Y-STR"`` -> ``"ystr"``."""
    return re.sub(r"[^a-z0-9]", "", key.lower())


def meant_key(key: str, known: Iterable[str]) -> str | None:
    """The key of ``known`` that ``key`` was meant to be, or ``None``: the same key after
    :func:`fold` (``"mtDNA"``, ``"Y_STR"``, ``"Rate"``), or a known mistake for it
    (:data:`MISTAKES`: ``"variant"``, ``"mutation_rate"``, ``"copy"``). A key that only
    resembles one (``"n_haplotypes"``, ``"names"``, ``"rate_source"``) is not a mistake.

    Examples
    --------
    >>> meant_key("Y-STR", ["ystr", "mtdna"]), meant_key("notes", ["ystr", "mtdna"])
    ('ystr', None)
    >>> meant_key("mutation_rate", ["name", "copies", "rate"])
    'rate'
    >>> meant_key("n_haplotypes", ["name", "haplotypes"]) is None
    True
    """
    folded = {fold(k): k for k in sorted(known)}
    f = fold(key)
    if f in folded:
        return folded[f]
    meant = MISTAKES.get(f)
    return meant if meant in known else None


def check_keys(obj: Any, known: Iterable[str], where: str, *, kind: str | None = None
               ) -> None:
    """Refuse a key of ``obj`` (a JSON object) that is not in ``known`` but is one of them
    written another way (:func:`meant_key`). Other keys are left alone; with ``kind`` (what
    ``obj`` is, for an object whose every key is lineage data: ``"lineage.ystr.markers"``)
    they are named in the warning of the enclosing :func:`unread_keys`, or in a warning of
    their own outside one.

    Raises
    ------
    InputError
        Naming ``where``, the key and the key meant.
    """
    if not isinstance(obj, Mapping):
        return
    known = tuple(known)
    other = []
    for key in obj:
        if not isinstance(key, str) or key in known:
            continue
        meant = meant_key(key, known)
        if meant is not None:
            raise InputError(f"{where}: key {key!r} is not read; did you mean {meant!r}?")
        other.append(key)
    if not other or kind is None:
        return
    found = _UNREAD.get()
    if found is None:
        _warn_unread(where, {kind: [set(other), 1]}, stacklevel=3)
        return
    seen = found.setdefault(kind, [set(), 0])
    seen[0].update(other)
    seen[1] += 1


@contextmanager
def unread_keys(where: str) -> Iterator[None]:
    """Collect the keys :func:`check_keys` leaves alone while reading one file's lineage
    data, and name them all in one :class:`~forensic_match.errors.LineageMarkerWarning`
    when it is read (none when reading fails). Nested, the outermost collects."""
    if _UNREAD.get() is not None:
        yield
        return
    found: dict[str, list[Any]] = {}
    token = _UNREAD.set(found)
    try:
        yield
    finally:
        _UNREAD.reset(token)
    if found:
        _warn_unread(where, found, stacklevel=5)


def _warn_unread(where: str, found: Mapping[str, list[Any]], *, stacklevel: int) -> None:
    parts = []
    for kind, (keys, n) in found.items():
        parts.append(f"{', '.join(map(repr, sorted(keys)))} in "
                     f"{f'{n} entries of ' if n > 1 else ''}{kind}")
    warnings.warn(f"{where}: keys not read (kept, not used in any LR): {'; '.join(parts)}",
                  LineageMarkerWarning, stacklevel=stacklevel)
