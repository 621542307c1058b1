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
from collections.abc import Callable, Mapping, Sequence
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
                      ) -> dict[tuple[str, str], tuple[str, float, float, int]]:
    """Per proposal (body, family) of ``accepted`` (direct-reference matches left out), the
    best-fitting relative alternative of the family when it fits the body at least
    :data:`CLOSED_LIST_RATIO` times as well as the proposed missing person
    (:data:`CLOSED_LIST_RATIO_MUTATION` times where the missing person's fit needs a
    mutation), STR markers only, without theta.

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
        inconsistent with the missing person without a mutation)``.
    """
    from forensic_match.dvi.compile import CompiledTables, compile_rows
    from forensic_match.dvi.search import search_samples

    out: dict[tuple[str, str], tuple[str, float, float, int]] = {}
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
        value, bad, relation = max(fits, key=lambda f: f[0])
        needs = CLOSED_LIST_RATIO_MUTATION if own_bad else CLOSED_LIST_RATIO
        if value - own >= math.log10(needs):
            out[(rec["pm"], rec["family"])] = (relation, value, own, int(own_bad))
    return out


def closed_list_caution(relation: str, log10_alternative: float, log10_own: float,
                        missing: str, inconsistent: int = 0) -> str:
    """The caution a proposal of a closed list carries (:func:`unregistered_fits`)."""
    ratio = 10.0 ** min(log10_alternative - log10_own, 300.0)
    mutation = (f"; {missing}'s fit needs a mutation at {inconsistent} "
                f"marker{'s' if inconsistent != 1 else ''}" if inconsistent else "")
    return (f"closed list: an unregistered {relation} fits this body {ratio:.3g} times as well "
            f"as {missing} on the STR markers (log10 LR {log10_alternative:.2f} against "
            f"{log10_own:.2f}{mutation}); the list does not hold that person and a closed list "
            f"does not weigh them, so the data say the list may not be closed: weigh "
            f"unregistered relatives (the default, not --closed or relatives=0) before "
            f"approving")


__all__ = ["CLOSED_LIST_RATIO", "CLOSED_LIST_RATIO_MUTATION", "closed_list_caution",
           "unregistered_fits"]
