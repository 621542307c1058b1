"""Profiles' marker names against the markers analysed.

Marker names are compared as :func:`~forensic_match.frequencies.marker_key` compares them
(case, spaces, ``_`` and ``-`` ignored: ``VWA`` is ``vWA``, ``Penta D`` is ``PENTA_D``), as
the frequency tables and the file readers do. A profile built in code with another spelling
than the panel's was silently left out of the likelihood (an outside check, 2026-12-07: a
relative's ``VWA`` against a ``vWA`` panel moved a body's log10 LR from 10.23 to 9.45, with no
word); it is now read under the panel's spelling, and a marker the panel does not hold at
all is named in a warning.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from forensic_match.errors import InputError
from forensic_match.frequencies import marker_key
from forensic_match.markers import Marker
from forensic_match.profiles import OFF_LADDER


def check_panel(markers: Sequence[Any]) -> dict[str, str]:
    """``{marker key: the panel's spelling}`` of ``markers``, after checking that each is a
    :class:`~forensic_match.markers.Marker` and that no two name one marker.

    Raises
    ------
    InputError
        An item is not a Marker (a frequency table or a name was passed), or two markers
        are one marker under two spellings (both named).
    """
    if isinstance(markers, Mapping) or not isinstance(markers, Sequence):
        raise InputError(f"markers must be a list of Marker, got {type(markers).__name__}: "
                         f"use db.markers_for(names, mutation=...) of a frequency table")
    by_key: dict[str, str] = {}
    for m in markers:
        if not isinstance(m, Marker):
            raise InputError(f"markers must be a list of Marker, got an item {m!r} "
                             f"({type(m).__name__}): use db.markers_for(names, mutation=...) "
                             f"of a frequency table")
        key = marker_key(m.name)
        if key in by_key:
            raise InputError(f"markers {by_key[key]!r} and {m.name!r} are one marker under "
                             f"two spellings (or listed twice): list it once")
        by_key[key] = m.name
    return by_key


def aligned(profile: Mapping[str, Any], by_key: Mapping[str, str], label: str, *,
            exact: frozenset[str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """``profile`` with its markers under the panel's spelling (``by_key`` from
    :func:`check_panel`), and the markers it has that the panel does not hold.

    Raises
    ------
    InputError
        Two markers of the profile are one panel marker (``VWA`` and ``vWA``), or a genotype
        is not a pair of allele names (``None`` where a pair is due, an ``"OL"`` call).
    """
    out: dict[str, Any] = {}
    spelt: dict[str, str] = {}
    extra = []
    exact = frozenset(by_key.values()) if exact is None else exact
    for name, g in profile.items():
        panel = name if name in exact else by_key.get(marker_key(name))
        if panel is None:
            extra.append(str(name))
            continue
        if panel in spelt:
            raise InputError(f"{label}: markers {spelt[panel]!r} and {name!r} are both marker "
                             f"{panel!r}; keep one")
        spelt[panel] = str(name)
        out[panel] = _genotype(g, label, panel)
    return out, extra


def _genotype(g: Any, label: str, marker: str) -> Any:
    if type(g) is tuple:        # the common case, checked cheaply
        for a in g:
            if a is not None and (type(a) is not str or
                                  (len(a) <= 4 and a.strip().upper() == OFF_LADDER)):
                break
        else:
            return g
    if isinstance(g, str) or not isinstance(g, Iterable):
        raise InputError(f"{label}, marker {marker!r}: genotype {g!r} is not a pair of "
                         f"alleles; give (a, b), (a, None) for one allele seen, or leave the "
                         f"marker out when untyped")
    for a in g:
        if a is not None and str(a).strip().upper() == OFF_LADDER:
            raise InputError(f"{label}, marker {marker!r}: {a!r} is an off-ladder call, not an "
                             f"allele name; give None for it (an allele not named), as the "
                             f"file readers do, or the allele's designation when sized")
    return g


def same_profile(profile: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether :func:`aligned` left ``profile`` as it was (same keys, same genotypes)."""
    return len(profile) == len(new) and all(k in profile and profile[k] is v
                                            for k, v in new.items())


def aligned_records(markers: Sequence[Any], families: Sequence[Any], samples: Sequence[Any],
                    *, meant: Iterable[str] = ()) -> tuple[list[Any], list[Any], list[str]]:
    """The families (typed relatives and direct references) and PM samples with their
    profiles under the panel's spelling (:func:`aligned`; an unchanged record is returned
    itself), and, per record with markers the panel does not hold other than those
    ``meant`` to be left out, ``"label (markers)"``."""
    import dataclasses

    by_key = check_panel(markers)
    exact = frozenset(by_key.values())      # the panel's own spellings: no key to compute
    left_out = {marker_key(m) for m in meant}
    ignored: list[str] = []

    def one(prof: Mapping[str, Any], label: str) -> dict[str, Any]:
        new, extra = aligned(prof, by_key, label, exact=exact)
        extra = [m for m in extra if marker_key(m) not in left_out]
        if extra:
            ignored.append(f"{label} ({', '.join(extra)})")
        return new

    def profiles(owner: str, group: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
        out = {ident: one(prof, f"{owner}, {ident!r}") for ident, prof in group.items()}
        return None if all(same_profile(group[i], new) for i, new in out.items()) else out

    fams = []
    for fam in families:
        genotypes = profiles(f"family {fam.id!r}", fam.genotypes)
        references = profiles(f"family {fam.id!r} direct reference", fam.references)
        if genotypes is None and references is None:
            fams.append(fam)
            continue
        fams.append(dataclasses.replace(
            fam, genotypes=fam.genotypes if genotypes is None else genotypes,
            references=fam.references if references is None else references))
    out = []
    for s in samples:
        new = one(s.genotypes, f"PM sample {s.id!r}")
        out.append(s if same_profile(s.genotypes, new) else dataclasses.replace(s, genotypes=new))
    return fams, out, ignored
