"""Relatives of a missing person who could be the body instead of them.

In graves where families died together, the body beside a missing son is often his brother,
father or son, and only some of the dead were reported missing. DNA from the parents cannot
tell two full brothers apart, so a body that matches a family may be the registered missing
person or an unregistered relative of theirs. The hypotheses for a body therefore include,
for every family (``docs/decisions.md``):

- every **untyped member drawn in the pedigree** who is not registered as missing (a father
  drawn to connect an uncle, a grandparent, a sibling drawn to connect a nephew);
- relatives the pedigree implies but does not draw: **another full sibling** of each missing
  person (one per sibship, of unknown sex), **both parents**
  of a missing person drawn without parents, and **a child** of each missing person of known
  sex (with an untyped other parent).

:func:`relative_alternatives` returns the family extended by those people, each to be compiled
like a missing person (:func:`forensic_match.dvi.compile.compile_missing`). Added people are
untyped and have no typed descendants, so they do not change the likelihood of anything the
family already holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from forensic_match.cases import Family
from forensic_match.pedigree import Pedigree

#: Separator between a missing person's id and the role of a person added for them.
ADDED = "/"


@dataclass(frozen=True)
class Alternative:
    """One person who could be a body instead of a registered missing person.

    Attributes
    ----------
    family : str
    person : str
        Id in the extended pedigree (:attr:`AlternativeSet.family`); added people are named
        ``"<missing id>/<role>"``.
    relation : str
        Nearest relation to a registered missing person, e.g. ``"full sibling of F1_C1"``.
    drawn : bool
        Whether the person is drawn in the family's own pedigree (else implied and added).
    """

    family: str
    person: str
    relation: str
    drawn: bool


@dataclass(frozen=True)
class AlternativeSet:
    """A family extended by its alternatives, ready to compile.

    Attributes
    ----------
    family : Family
        The family with the added people in its pedigree and ``missing`` set to the
        alternatives' ids (so that ``compile_families([family], ...)`` compiles them).
    alternatives : tuple of Alternative
    """

    family: Family
    alternatives: tuple[Alternative, ...]


def relation(ped: Pedigree, a: str, b: str) -> str | None:
    """What ``a`` is to ``b`` ("father", "full sibling", "uncle or aunt", ...), or ``None``
    when they are not related within two generations."""
    def par(x: str) -> tuple[str, ...]:
        p = ped.parents(x)
        return () if p is None else p

    pa, pb = par(a), par(b)
    if a in pb:
        return "father" if ped.sex_of(a) == "M" else "mother" if ped.sex_of(a) == "F" \
            else "parent"
    if b in pa:
        return "child"
    if pa and pb:
        shared = set(pa) & set(pb)
        if len(shared) == 2:
            return "full sibling"
        if shared:
            return "half sibling"
    if any(a in par(p) for p in pb):
        return "grandparent"
    if any(b in par(p) for p in pa):
        return "grandchild"
    if pa and any(set(pa) & set(par(p)) for p in pb if par(p)):
        return "uncle or aunt"
    if pb and any(set(pb) & set(par(p)) for p in pa if par(p)):
        return "nephew or niece"
    if any(set(par(p)) & set(par(q)) for p in pa for q in pb if par(p) and par(q)):
        return "first cousin"
    if set(ped.children(a)) & set(ped.children(b)):
        return "partner"
    return None


_ORDER = ("father", "mother", "parent", "full sibling", "child", "half sibling",
          "grandparent", "grandchild", "uncle or aunt", "nephew or niece", "first cousin",
          "partner")


def _describe(ped: Pedigree, person: str, missing: Sequence[str]) -> str:
    best: tuple[int, str, str] | None = None
    for m in missing:
        rel = relation(ped, person, m)
        if rel is not None:
            key = (_ORDER.index(rel), rel, m)
            if best is None or key < best:
                best = key
    if best is None:
        return f"untyped member {person} of the family"
    return f"{best[1]} of {best[2]}"


def relative_alternatives(family: Family) -> AlternativeSet:
    """The family's alternatives to its registered missing persons (see the module doc).

    Parameters
    ----------
    family : Family

    Returns
    -------
    AlternativeSet

    Examples
    --------
    >>> from forensic_match.pedigree import Pedigree
    >>> ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
    ...                              ("C1", "FA", "MO", "M")])
    >>> fam = Family("F1", ped, ["C1"], {"FA": {}, "MO": {}})
    >>> [a.relation for a in relative_alternatives(fam).alternatives]
    ['full sibling of C1', 'child of C1']
    """
    ped = family.pedigree
    typed = set(family.genotypes)
    missing = list(family.missing)
    records = ped.records()
    added: list[tuple[str, str | None, str | None, str]] = []
    given_parents: dict[str, tuple[str, str]] = {}
    for m in missing:
        if ped.parents(m) is None:
            fa, mo = f"{m}{ADDED}father", f"{m}{ADDED}mother"
            added += [(fa, None, None, "M"), (mo, None, None, "F")]
            given_parents[m] = (fa, mo)
    records = [(i, *given_parents[i], s) if i in given_parents else (i, f, mo, s)
               for i, f, mo, s in records]
    ext_parents = {i: (f, mo) for i, f, mo, _ in records if f is not None}
    sibships: dict[tuple[str, str], list[str]] = {}
    for m in missing:
        sibships.setdefault(ext_parents[m], []).append(m)  # type: ignore[arg-type]
    for parents, members in sibships.items():
        # Always, even beside a drawn untyped sibling: that one's sex is known, and an
        # unregistered sibling of the other sex is just as possible.
        added.append((f"{members[0]}{ADDED}sibling", parents[0], parents[1], "U"))
    for m in missing:
        sex = ped.sex_of(m)
        if sex == "U":
            continue
        partner = f"{m}{ADDED}partner"
        added.append((partner, None, None, "F" if sex == "M" else "M"))
        added.append((f"{m}{ADDED}child", m if sex == "M" else partner,
                      partner if sex == "M" else m, "U"))
    extended = Pedigree.from_records(records + added, source=ped.source)
    partners = {f"{m}{ADDED}partner" for m in missing}
    out = []
    for ident, *_ in records + added:
        if ident in typed or ident in missing or ident in partners:
            continue
        out.append(Alternative(family.id, ident, _describe(extended, ident, missing),
                               drawn=ident in ped))
    ext_family = dataclasses.replace(family, pedigree=extended,
                                     missing=[a.person for a in out], references={})
    return AlternativeSet(ext_family, tuple(out))


__all__ = ["ADDED", "Alternative", "AlternativeSet", "relation", "relative_alternatives"]
