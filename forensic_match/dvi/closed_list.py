"""What a closed list does not weigh: an unregistered relative who fits a proposed body better.

A closed list (dvir's model: ``identify(closed=True)``, ``relatives=0``, ``solve --closed``)
assumes that every victim is registered, so a body is one of the listed missing persons or
nobody. Where the grave holds an unregistered relative of a missing person whose own body was
not recovered, the closed list identifies the relative as the missing person: an outside check
(2026-12-07, fifth session: ``docs/validation.md``) had the missing son's only reference his
brother and their unregistered father in the grave; the father was identified as the son at
posterior 0.99965 to 1 - 4e-10 in 12 of 12 worlds, with no word, while the open analysis of
the same data rated the father (or the brother's child) 2.4 to 3,332 times as likely.

:func:`unregistered_fits` compares, for each proposal of a closed-list run, the body's STR LR
for the proposed missing person with its LR for each of the family's relative alternatives
(:func:`~forensic_match.decide.alternatives.relative_alternatives`: the people the pedigree
draws or implies who are not registered), both compiled on the family extended by them and
conditioned on its other identifications. Where an alternative fits at least
:data:`CLOSED_LIST_RATIO` times as well, the data themselves say the list may not be closed,
and the proposal is cautioned. A tie (an unregistered full brother against the parents:
ratio 1) says nothing about the list and is not cautioned: only the list's being closed
tells them apart, which is what a closed list assumes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forensic_match.cases import Family
from forensic_match.decide.alternatives import relative_alternatives
from forensic_match.markers import Marker

#: A closed-list proposal is cautioned when an unregistered relative fits its body at least
#: this many times as well as the proposed missing person on the STR markers. A factor of 2
#: is above the ties that only mutation rates break (a half sibling against a grandparent
#: differ by about 1 %) and below the smallest ratio the outside check met (2.4).
CLOSED_LIST_RATIO = 2.0
#: ... and at least this many times as well where the missing person's fit needs a mutation
#: (a marker inconsistent without one): the ratio then rests on the mutation model, not on
#: the list. A sibling of the only typed parent fits that marker with no mutation, her father
#: through a male meiosis at four times the female rate; a second outside check (2026-12-07)
#: had 25 of 57 right identifications with one such mutation cautioned at a factor of 2
#: (2.8 to 16.4 times), none at 100, while the unregistered relatives it missed none of.
CLOSED_LIST_RATIO_MUTATION = 100.0


def unregistered_fits(accepted: Sequence[Mapping[str, Any]],
                      family_of: Callable[[str, str], tuple[Family, Any]],
                      bodies: Mapping[str, Any], panel: Sequence[Marker], *,
                      sex_filter: bool, min_markers: int,
                      ) -> dict[tuple[str, str], tuple[str, float, float, int,
                                                      tuple[tuple[str, float], ...]]]:
    """Per proposal (body, family) of ``accepted`` (direct-reference matches left out), the
    best-fitting relative alternative of the family when it fits the body at least
    :data:`CLOSED_LIST_RATIO` times as well as the proposed missing person
    (:data:`CLOSED_LIST_RATIO_MUTATION` times where the missing person's fit needs a
    mutation), STR markers only, without theta, and the other alternatives that fit within
    a factor of :data:`CLOSED_LIST_RATIO` of it.

    Parameters
    ----------
    accepted : sequence of mapping
        Proposals with ``pm``, ``family``, ``missing`` and ``rule``.
    family_of : callable
        ``(family id, missing person) -> (family, observation models)``: the family as the
        pair is judged on (conditioned on its other identifications), and the observation
        models of the degraded bodies it is conditioned on (or ``None``).
    bodies : mapping
        Body (or PM sample) by id.
    panel : sequence of Marker
    sex_filter, min_markers
        As for the search (theta is not used: the two hypotheses are of one family, which
        theta moves alike).

    Returns
    -------
    dict
        ``(relation, log10 LR of the alternative, log10 LR of the missing person, markers
        inconsistent with the missing person without a mutation, tied)``; ``tied``: the
        ``(relation, log10 LR)`` of the other alternatives (one per relation, best first)
        whose fit is within a factor of :data:`CLOSED_LIST_RATIO` of the best one's. With a
        brother the only reference, his father and his child fit a body alike (a parent or
        a child of him: they differ by the male and female mutation rates only); the
        caution named the one that came first, "a nephew or niece", where the body was the
        father (an outside check, 2026-12-07: 49.4 against 47.7 times as well).
    """
    from forensic_match.dvi.compile import CompiledTables, compile_rows
    from forensic_match.dvi.search import search_samples

    out: dict[tuple[str, str], tuple[str, float, float, int,
                                     tuple[tuple[str, float], ...]]] = {}
    for rec in accepted:
        if rec.get("rule") == "direct reference":
            continue
        family, observation = family_of(rec["family"], rec["missing"])
        alts = relative_alternatives(family)
        if not alts.alternatives:
            continue
        ext = alts.family
        persons = [rec["missing"], *(a.person for a in alts.alternatives)]
        # (without theta: the check compares two hypotheses of one family, which theta moves
        # alike; with it, each proposal's extended family took 3.5-10 s to compile)
        rows = compile_rows(ext, persons, panel, theta=0.0, observation=observation)
        tables = CompiledTables.stack(panel, [(family.id, p) for p in persons], rows,
                                      [ext.pedigree.sex_of(p) for p in persons], 0.0)
        res = search_samples(tables, [bodies[rec["pm"]]], top=len(persons),
                             threshold=math.inf, sex_filter=sex_filter,
                             min_markers=min_markers)
        found = res.by_sample
        lr = dict(zip(found["missing"].to_list(),
                      zip(found["log10_lr"].to_list(), found["n_inconsistent"].to_list())))
        own, own_bad = lr.get(rec["missing"], (-math.inf, 0))
        fits = [(*lr[a.person], a.relation) for a in alts.alternatives
                if a.person in lr and math.isfinite(lr[a.person][0])]
        if not fits:
            continue
        # best first; ties on the value in the order the alternatives are drawn
        fits.sort(key=lambda f: -f[0])
        value, bad, relation = fits[0]
        needs = CLOSED_LIST_RATIO_MUTATION if own_bad else CLOSED_LIST_RATIO
        if value - own >= math.log10(needs):
            tied: dict[str, float] = {}
            for v, _, rel in fits[1:]:
                if rel != relation and value - v < math.log10(CLOSED_LIST_RATIO):
                    tied.setdefault(rel, v)
            out[(rec["pm"], rec["family"])] = (relation, value, own, int(own_bad),
                                               tuple(tied.items()))
    return out


def times_as_well(log10_ratio: float) -> str:
    """How many times as well, in words of three digits, from the log10 of the ratio of two
    fits (capped at 1e300)."""
    return f"{10.0 ** min(log10_ratio, 300.0):.3g}"


def closed_list_caution(relation: str, log10_alternative: float, log10_own: float,
                        missing: str, inconsistent: int = 0,
                        tied: Sequence[tuple[str, float]] = ()) -> str:
    """The caution a proposal of a closed list carries (:func:`unregistered_fits`); read
    back by :func:`read_closed_list_caution`.

    Examples
    --------
    >>> text = closed_list_caution("nephew or niece of MP", 7.88, 6.19, "MP",
    ...                            tied=[("father of MP", 7.87)])
    >>> text[:74]
    'closed list: an unregistered nephew or niece of MP fits this body 49 times'
    >>> "within a factor of 2 of it an unregistered father of MP (47.9 times" in text
    True
    """
    mutation = (f"; {missing}'s fit needs a mutation at {inconsistent} "
                f"marker{'s' if inconsistent != 1 else ''}" if inconsistent else "")
    also = ""
    if tied:
        also = (f", and within a factor of {CLOSED_LIST_RATIO:g} of it " + " or ".join(
            f"an unregistered {rel} ({times_as_well(v - log10_own)} times as well, "
            f"log10 LR {v:.2f})"
            for rel, v in tied))
    these = "those persons" if tied else "that person"
    return (f"closed list: an unregistered {relation} fits this body "
            f"{times_as_well(log10_alternative - log10_own)} times as well "
            f"as {missing} on the STR markers (log10 LR {log10_alternative:.2f} against "
            f"{log10_own:.2f}{mutation}){also}; the list does not hold {these} and a closed "
            f"list does not weigh them, so the data say the list may not be closed: weigh "
            f"unregistered relatives (the default, not --closed or relatives=0) before "
            f"approving")


@dataclass(frozen=True)
class ClosedListCaution:
    """A closed-list caution read back from a stored reason (:func:`read_closed_list_caution`).

    Attributes
    ----------
    missing : str
        The proposed missing person.
    relatives : tuple of (str, float)
        The unregistered relatives that fit the body better, best first: the relation as
        the engine words it (``"father of F07_MP1"``) and how many times as well as the
        missing person it fits.
    log10_own : float
        The missing person's log10 LR on the STR markers.
    inconsistent : int
        Markers at which the missing person's fit needs a mutation.
    text : str
        The caution as written (up to "before approving").
    """

    missing: str
    relatives: tuple[tuple[str, float], ...]
    log10_own: float
    inconsistent: int
    text: str

    @property
    def ratio(self) -> float:
        """How many times as well as the missing person the best relative fits."""
        return self.relatives[0][1]

    def short(self) -> str:
        """One line for listings: ``"an unregistered nephew or niece of F07_MP1 (49.4 times
        as well) or father of F07_MP1 (47.7 times) fits the body better than F07_MP1 (STR
        markers); weigh unregistered relatives before approving"``."""
        who = " or ".join(f"{rel} ({_plain(r)} times{' as well' if i == 0 else ''})"
                          for i, (rel, r) in enumerate(self.relatives))
        return (f"an unregistered {who} fits the body better than {self.missing} (STR "
                f"markers); weigh unregistered relatives before approving")


def _plain(x: float) -> str:
    """Three significant digits, without an exponent below a million (3,460, not 3.46e+03)."""
    return f"{float(f'{x:.3g}'):,.0f}" if 1e3 <= x < 1e6 else f"{x:.3g}"


_CAUTION = re.compile(
    r"closed list: an unregistered (?P<rel>[^()]+?) fits this body (?P<ratio>\S+) times as "
    r"well as (?P<missing>\S+) on the STR markers \(log10 LR (?P<alt>\S+) against "
    r"(?P<own>[^;)]+)(?:; \S+ fit needs a mutation at (?P<bad>\d+) markers?)?\)"
    r"(?:, and within a factor of \S+ of it (?P<tied>[^;]+))?; .*?before approving", re.S)
_TIED = re.compile(r"an unregistered (?P<rel>[^()]+?) \((?P<ratio>\S+) times as well, "
                   r"log10 LR \S+\)")


def read_closed_list_caution(reason: str | None) -> ClosedListCaution | None:
    """The closed-list caution of an engine reason (:func:`closed_list_caution`), or
    ``None`` when the reason has none. Reads the wording of stores made before the tied
    relatives were named (one relative) too.

    Examples
    --------
    >>> c = read_closed_list_caution(
    ...     "LR 1.54e+06 over 23 markers; closed list: an unregistered nephew or niece of "
    ...     "F07_MP1 fits this body 49.4 times as well as F07_MP1 on the STR markers (log10 LR "
    ...     "7.88 against 6.19); the list does not hold that person and a closed list does "
    ...     "not weigh them, so the data say the list may not be closed: weigh unregistered "
    ...     "relatives (the default, not --closed or relatives=0) before approving")
    >>> c.relatives, c.missing
    ((('nephew or niece of F07_MP1', 49.4),), 'F07_MP1')
    """
    if not reason or "closed list: " not in reason:
        return None
    m = _CAUTION.search(reason)
    if m is None:
        return None
    relatives = [(m["rel"], float(m["ratio"]))]
    if m["tied"]:
        relatives += [(t["rel"], float(t["ratio"])) for t in _TIED.finditer(m["tied"])]
    return ClosedListCaution(m["missing"], tuple(relatives), float(m["own"]),
                             int(m["bad"] or 0), m.group(0))


__all__ = ["CLOSED_LIST_RATIO", "CLOSED_LIST_RATIO_MUTATION", "ClosedListCaution",
           "closed_list_caution", "read_closed_list_caution", "times_as_well",
           "unregistered_fits"]
