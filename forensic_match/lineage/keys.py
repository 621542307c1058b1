"""The keys of the lineage objects of a dataset (``docs/case-format.md``, "Lineage markers"),
and a key written another way than the one read.

A key read case- or punctuation-sensitively, written another way (``"mtDNA"`` for ``"mtdna"``,
``"Y-STR"`` for ``"ystr"``, ``"variant"`` for ``"variants"``), was left alone without a word:
the data it held was absent from every LR, or a panel value fell back to a default
(``docs/lineage.md``, "Dataset fields read").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from forensic_match.errors import InputError


def fold(key: str) -> str:
    """``key`` lower-case without punctuation or spaces: ``"Y-STR"`` -> ``"ystr"``."""
    return re.sub(r"[^a-z0-9]", "", key.lower())


def meant_key(key: str, known: Iterable[str], *, loose: bool = False) -> str | None:
    """The key of ``known`` that ``key`` was probably meant to be, or ``None``.

    Always: the same key after :func:`fold` (``"mtDNA"``, ``"Y_STR"``) or nearly so
    (``"variant"``, ``"ranges"``: a similarity ratio of 0.85 or more). With ``loose`` also a
    key containing or contained in it after folding (``"mutation_rate"`` -> ``"rate"``) or
    similar at 0.6 (``"copy"`` -> ``"copies"``): for objects whose every key is read.

    Examples
    --------
    >>> meant_key("Y-STR", ["ystr", "mtdna"]), meant_key("notes", ["ystr", "mtdna"])
    ('ystr', None)
    >>> meant_key("mutation_rate", ["name", "copies", "rate"], loose=True)
    'rate'
    """
    folded = {fold(k): k for k in sorted(known)}
    f = fold(key)
    if f in folded:
        return folded[f]
    close = difflib.get_close_matches(f, list(folded), n=1, cutoff=0.85)
    if close:
        return folded[close[0]]
    if not loose or not f:
        return None
    inside = [k for k in folded if len(k) >= 3 and (k in f or f in k)]
    if inside:
        return folded[max(inside, key=len)]
    close = difflib.get_close_matches(f, list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def check_keys(obj: Any, known: Iterable[str], where: str, *, strict: bool = False) -> None:
    """Refuse a key of ``obj`` (a JSON object) that is not in ``known`` but is one of them
    written another way (:func:`meant_key`); with ``strict`` refuse every key not in
    ``known``, suggesting the one meant when there is one.

    Raises
    ------
    InputError
        Naming ``where``, the key and the key meant.
    """
    if not isinstance(obj, Mapping):
        return
    known = tuple(known)
    for key in obj:
        if not isinstance(key, str) or key in known:
            continue
        meant = meant_key(key, known, loose=strict)
        if meant is None and not strict:
            continue
        hint = f"did you mean {meant!r}?" if meant is not None else \
            f"the keys read are {', '.join(map(repr, known))}"
        raise InputError(f"{where}: key {key!r} is not read; {hint}")
