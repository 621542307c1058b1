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
  sex (with an untyped other parent);
- since decision model 4, **a child of each typed full sibling** of a missing person (his
  nephew or niece) and **another full sibling of each sibship of untyped members** that holds
  no missing and no typed person (the uncle of a missing child whose father is drawn only to
  link him): each fits a drawn or implied alternative exactly (a nephew stands to the sibling
  reference as the missing person's father does), so without them such a body was named as
  the wrong relative;
- since decision model 5, for a missing person whose only STR-typed parent is P (a mother
  as the only reference): **P's child by another partner** (the missing person's half
  sibling), **P's full sibling** (his uncle or aunt), **P's parents** when P is drawn as a
  founder (the grandparents), and **a child of a new sibling of P** (his first cousin). A
  sibling and a child of P stand to P alike at most markers, so P's brother in the grave was
  named as the missing child's sibling (:func:`typed_parents`).

:func:`relative_alternatives` returns the family extended by those people, each to be compiled
like a missing person (:func:`forensic_match.dvi.compile.compile_missing`). Added people are
untyped and have no typed descendants, so they do not change the likelihood of anything the
family already holds, except that P's added parents make P a non-founder: under a mutation
model whose stationary law is not the allele frequencies (``equal``), P's law then moves by
less than 1e-3 log10 per marker, as for a reference's in-law parents (:func:`reference_kin`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from forensic_match.cases import Family
from forensic_match.pedigree import Pedigree

#: Separator between a missing person's id and the role of a person added for them.
ADDED = "/"

#: A pedigree record: (id, father, mother, sex).
Record = tuple[str, str | None, str | None, str]


def _new_parents(person: str) -> tuple[str, str, list[Record]]:
    """New untyped founders ``person/father`` and ``person/mother``, and their records."""
    father, mother = f"{person}{ADDED}father", f"{person}{ADDED}mother"
    return father, mother, [(father, None, None, "M"), (mother, None, None, "F")]


def _child_with(parent: str, sex: str, partner: str, child: str) -> list[Record]:
    """The records of a new untyped partner ``partner`` of ``parent`` (whose sex is ``sex``,
    "M" or "F"; the partner's the other) and of their child ``child``, of unknown sex."""
    father, mother = (parent, partner) if sex == "M" else (partner, parent)
    return [(partner, None, None, "F" if sex == "M" else "M"), (child, father, mother, "U")]


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
    reference : str or None
        For a relative of a typed reference (:func:`reference_kin`), that reference's id;
        ``None`` for a relative of a missing person (:func:`relative_alternatives`).
    """

    family: str
    person: str
    relation: str
    drawn: bool
    reference: str | None = None


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
    added: list[Record] = []
    given_parents: dict[str, tuple[str, str]] = {}
    for m in missing:
        if ped.parents(m) is None:
            fa, mo, founders = _new_parents(m)
            added += founders
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
    added += _linking_siblings(family, sibships)
    siblings = sibling_references(family)
    records, linking = _typed_parent_kin(family, records, sibships, set(siblings), added)
    with_child = list(missing) + siblings
    for m in with_child:
        sex = ped.sex_of(m)
        if sex == "U":
            continue
        added += _child_with(m, sex, f"{m}{ADDED}partner", f"{m}{ADDED}child")
    extended = Pedigree.from_records(records + added, source=ped.source)
    partners = {f"{m}{ADDED}partner" for m in with_child} | linking
    out = []
    for ident, *_ in records + added:
        if ident in typed or ident in missing or ident in partners:
            continue
        out.append(Alternative(family.id, ident, _describe(extended, ident, missing),
                               drawn=ident in ped))
    ext_family = dataclasses.replace(family, pedigree=extended,
                                     missing=[a.person for a in out], references={})
    return AlternativeSet(ext_family, tuple(out))


def _typed(family: Family) -> set[str]:
    """Everyone typed on anything: STR profile, Y haplotype or mitotype."""
    return set(family.genotypes) | set(family.ystr) | set(family.mtdna)


def lineage_typed(family: Family) -> tuple[set[str], set[str]]:
    """Who in the family is typed on Y-STRs (the dataset's ``ystr`` or Y rows of a lab
    export) and who on mtDNA: :func:`reference_kin` draws a reference's relatives on his
    lines for them."""
    from forensic_match.dvi.records import lineage_marker

    y = set(family.ystr) | {i for i, calls in (family.lineage or {}).items()
                            if any(lineage_marker(m) == "Y" for m in calls)}
    return y, set(family.mtdna)


def sibling_references(family: Family) -> list[str]:
    """The family's typed references who are a missing person's full sibling: their children
    (the missing person's nephews and nieces) are relative alternatives
    (:func:`relative_alternatives`, since decision model 4). Such a child stands to the
    reference as the missing person's father does (parent and child share one allele either
    way), so with a sibling as the only reference, a nephew in the grave fits "an unregistered
    father of" the missing person exactly as well; without this option he was placed as the
    father (``docs/validation.md``, "Family-level rows that name the wrong relative")."""
    ped = family.pedigree
    missing = [m for m in family.missing if m in ped]
    return sorted(r for r in _typed(family) if r in ped and r not in missing
                  and any(relation(ped, r, m) == "full sibling" for m in missing))


def _linking_siblings(family: Family, sibships: dict[tuple[str, str], list[str]]
                      ) -> list[Record]:
    """Another full sibling of each sibship of drawn untyped members (a father drawn only to
    link a missing child to his parents) that holds no missing person (their sibling is
    drawn already) and nobody typed (a typed member's sibling is his relative,
    :func:`reference_kin`): the missing child's uncle or aunt fits his untyped father as well
    as a brother does (since decision model 4)."""
    ped = family.pedigree
    typed = _typed(family)
    missing = set(family.missing)
    by_parents: dict[tuple[str, str], list[str]] = {}
    for ident, fa, mo, _ in ped.records():
        if fa is not None and mo is not None:
            by_parents.setdefault((fa, mo), []).append(ident)
    out: list[Record] = []
    for parents, members in sorted(by_parents.items()):
        if parents in sibships or missing & set(members) or typed & set(members):
            continue
        out.append((f"{members[0]}{ADDED}sibling", parents[0], parents[1], "U"))
    return out


def typed_parents(family: Family) -> list[str]:
    """The family's STR-typed references who are the only STR-typed parent of a missing
    person: their other children, siblings, parents and nephews are relative alternatives
    (:func:`relative_alternatives`, since decision model 5). With a parent P as the only
    reference of a missing child, P's brother shares an allele with P at most markers, as
    P's child does, so he fitted "an unregistered full sibling of" the child (a sibling and a
    child of P stand to P alike where diversity is low); with no option for what he is, he
    was placed under that name (``docs/validation.md``, "A typed parent's relatives")."""
    ped = family.pedigree
    typed = set(family.genotypes)
    out = set()
    for m in family.missing:
        parents = [p for p in ped.parents(m) or () if p in typed]
        # (a missing person identified in an earlier round is typed too: his relatives are
        # drawn for him as a missing person)
        if len(parents) == 1 and parents[0] not in family.missing:
            out.add(parents[0])
    return sorted(out)


def _typed_parent_kin(family: Family, records: list[Record],
                      sibships: dict[tuple[str, str], list[str]], siblings: set[str],
                      added: list[Record]) -> tuple[list[Record], set[str]]:
    """Add to ``added``, for each of :func:`typed_parents` P: a child ``P/child`` of P with a
    new partner (the missing child's half sibling; P of known sex; drawn already when P is
    a missing person's sibling, one of ``siblings``: :func:`sibling_references`), a full
    sibling
    ``P/sibling`` (sex unknown) on P's parents, new founders ``P/father``, ``P/mother`` when
    P is drawn without parents (the missing child's grandparents, alternatives too), and a
    child ``P/cousin`` (the missing child's first cousin) of a new sibling of P's sex with a
    new partner. No ``P/sibling`` where P's sibship holds a missing person (his sibling is
    drawn already); neither sibling nor cousin where a parent of P is missing (they are his
    child and grandchild, and a sibling of P would be named "child of" him beside his own
    child alternative). Returns ``records`` with the parents given to P, and the ids of the
    people added only to link the half sibling and the cousin (no alternatives)."""
    ped = family.pedigree
    parents_of = {i: (f, mo) for i, f, mo, _ in records}
    given: dict[str, tuple[str, str]] = {}
    linking: set[str] = set()
    missing = set(family.missing)
    for p in typed_parents(family):
        sex = ped.sex_of(p)
        if sex != "U" and p not in siblings:  # (a sibling reference's child is drawn)
            # her child by another partner: the missing child's half sibling, who fits her
            # own parent exactly as well (parent and child are symmetric)
            other = f"{p}{ADDED}other_partner"
            added += _child_with(p, sex, other, f"{p}{ADDED}child")
            linking.add(other)
        fa, mo = parents_of[p]
        if {fa, mo} & missing:
            # (her sibling and nephew are a missing parent's child and grandchild: his
            # relatives, drawn for him, and named so)
            continue
        if fa is None or mo is None:
            fa, mo, founders = _new_parents(p)
            added += founders
            given[p] = parents_of[p] = (fa, mo)
        if (fa, mo) not in sibships:
            added.append((f"{p}{ADDED}sibling", fa, mo, "U"))
        if sex == "U":
            continue
        parent, partner = f"{p}{ADDED}cousins_parent", f"{p}{ADDED}cousins_parent_partner"
        _add_cousin(ped, parents_of, added, p, f"{p}{ADDED}cousin", parent, partner)
        linking |= {parent, partner}
    return ([(i, *given[i], s) if i in given else (i, f, mo, s) for i, f, mo, s in records],
            linking)


#: Relations of a reference to a missing person that make it a close reference
#: (:func:`distant_references`): first degree.
CLOSE = ("father", "mother", "parent", "child", "full sibling")


def distant_references(family: Family) -> list[str]:
    """The family's typed references (STR profiles, Y haplotypes or mitotypes) that are blood
    relatives of a missing person and first-degree relatives (parent, child, full sibling) of
    none, and those that are a missing person's child: the references whose undrawn relatives
    :func:`reference_kin` draws in runs without SNPs (``docs/decisions.md``, "Relatives of a
    reference"). A missing person's child is drawn since decision model 3 (2026-12-06): his
    own child (the missing person's grandchild) fits the missing person exactly as well when
    he is the only reference.

    Parameters
    ----------
    family : Family

    Returns
    -------
    list of str
        Sorted ids.

    Examples
    --------
    >>> ped = Pedigree.from_records([("GF", None, None, "M"), ("GM", None, None, "F"),
    ...                              ("FA", "GF", "GM", "M"), ("UN", "GF", "GM", "M"),
    ...                              ("MO", None, None, "F"), ("MP", "FA", "MO", "M")])
    >>> distant_references(Family("F1", ped, ["MP"], {"UN": {}, "MO": {}}))
    ['UN']
    """
    ped = family.pedigree
    missing = [m for m in family.missing if m in ped]
    typed = _typed(family)
    out = []
    for ref in sorted(typed):
        if ref not in ped or ref in missing:
            continue
        related = [m for m in missing if ped.related(ref, m)]
        roles = [relation(ped, ref, m) for m in related]
        # A missing person's child too (decision model 3): the child's own child, the missing
        # person's grandchild, stands to the reference as the missing person does (parent and
        # child share one allele either way), so one child reference cannot tell them apart.
        if related and (not any(r in CLOSE for r in roles) or "child" in roles):
            out.append(ref)
    return out


def _add_cousin(ped: Pedigree, parents_of: dict[str, tuple[str | None, str | None]],
                added: list[Record], p: str, cousin: str, sibling: str, partner: str) -> None:
    """Add to ``added`` a first cousin ``cousin`` of a child of ``p``: a child of a new
    sibling ``sibling`` of ``p`` (of ``p``'s sex) with a new partner ``partner``, on ``p``'s
    parents (new founders when ``p`` has none: recorded in ``parents_of``)."""
    if p not in {i for i, *_ in added} and parents_of.get(p, (None, None))[0] is None:
        fa, mo, founders = _new_parents(p)
        parents_of[p] = (fa, mo)
        added += founders
    gf, gm = parents_of[p]
    sib_sex = ped.sex_of(p) if ped.sex_of(p) != "U" else "F"
    added += [(sibling, gf, gm, sib_sex), *_child_with(sibling, sib_sex, partner, cousin)]


def reference_kin(family: Family, references: Sequence[str], *, lines: bool = True,
                  ) -> AlternativeSet:
    """Undrawn relatives of typed references who could be a body instead of the family's
    missing persons (``docs/decisions.md``, "Relatives of a reference").

    For every reference ``R`` in ``references`` that is a blood relative of a missing person,
    the family's pedigree is extended by

    - ``R/child``: a child of ``R`` with a new untyped partner ``R/partner`` (``R`` of known
      sex), unless ``R`` is a missing person's full sibling (the child is then the missing
      person's nephew or niece, a relative alternative: :func:`sibling_references`);
    - ``R/sibling``: a full sibling of ``R`` (unknown sex), on ``R``'s parents, added
      (``R/father``, ``R/mother``) when ``R`` is drawn without parents; left out when ``R``'s
      parents are a missing person's (he is then the missing person's sibling, a relative
      alternative already) or one of them is a missing person (he is then the missing
      person's child, a relative alternative too);
    - ``R/nephew``: a child of a new sister ``R/sister`` of ``R`` (with a new partner): the
      reference's nephew or niece, in the same relationship to ``R`` as a missing nephew;
    - ``R/cousin``: for each parent ``P`` of ``R`` drawn as a founder who is no ancestor of a
      missing person (an in-law), a first cousin of ``R`` through ``P``: a child of a new
      sibling of ``P``, on new parents of ``P``; no relative of the missing person;
    - since lineage decision model 2, for ``R`` typed on Y-STRs (:func:`lineage_typed`; not a
      woman): ``R/brothers_child``, a child of a new brother of ``R`` (the nephew who
      carries his Y, where ``R/nephew`` carries his mitotype), and ``R/y_cousin``, a child of
      a new brother of ``R``'s father when the father is no in-law (a relative of the missing
      person: the cousin shares ``R``'s Y line and is the missing person's relative too);
      for ``R`` typed on mtDNA, ``R/mt_cousin``, a child of a new sister of ``R``'s mother
      when she is no in-law. Without them, lineage markers placed a missing man's paternal
      cousins as "him or his brother" (``docs/decisions.md``). None of the three for a
      missing person's child (they are the missing person's grandchildren and nephews).

    Every added person is untyped and has no typed descendant, so the family's likelihood is
    unchanged (``P``'s added parents are untyped founders above a founder). The hypotheses are
    compiled like the missing persons (``family.missing`` of the result), and weighed by the
    decisions as people outside the family (:data:`~forensic_match.decide.priors.
    REFERENCE_KIN_WEIGHT`): their posterior counts for neither an identification nor a
    family-level placement.

    Parameters
    ----------
    family : Family
    references : sequence of str
        The typed references whose relatives are drawn (ids of the family pedigree).
    lines : bool
        Draw the relatives on the references' Y and mtDNA lines (``R/brothers_child``,
        ``R/y_cousin``, ``R/mt_cousin``) for the references typed on them. ``False`` for an
        identification without lineage markers: the line is then no evidence, and the
        brother's child is the sister's child's class (one row, ``R/nephew``).

    Returns
    -------
    AlternativeSet
        Empty (``alternatives == ()``) when no reference is related to a missing person.

    Examples
    --------
    >>> ped = Pedigree.from_records([("GF", None, None, "M"), ("GM", None, None, "F"),
    ...                              ("FA", "GF", "GM", "M"), ("UN", "GF", "GM", "M"),
    ...                              ("MO", None, None, "F"), ("MP", "FA", "MO", "M")])
    >>> fam = Family("F1", ped, ["MP"], {"UN": {}})
    >>> [a.person for a in reference_kin(fam, ["UN"]).alternatives]
    ['UN/child', 'UN/sibling', 'UN/nephew']
    """
    ped = family.pedigree
    missing = list(family.missing)
    records = ped.records()
    parents_of = {i: (f, m) for i, f, m, _ in records}
    ancestors = set().union(*(ped.ancestors(m) for m in missing)) if missing else set()
    mp_parents = {ped.parents(m) for m in missing} - {None}
    added: list[Record] = []
    out: list[Alternative] = []
    siblings = set(sibling_references(family))
    y_typed, mt_typed = lineage_typed(family) if lines else (set(), set())
    for ref in sorted(references):
        if ref not in ped or ref in missing or \
                not any(ped.related(ref, m) for m in missing):
            continue
        # A missing person's child's relatives on his lines are the missing person's own
        # grandchildren and nephews (household members, not "a reference's relatives"), and
        # as such they took placements of the missing parent himself (an outside check,
        # 2026-12-07: a surviving son as the only reference, open-list rows 21 -> 10,
        # closed-list identifications 38 -> 9): not drawn, as R/sibling is not.
        on_lines = not set(ped.parents(ref) or ()) & set(missing)
        sex = ped.sex_of(ref)
        # (a missing person's sibling's child is his nephew: a relative alternative since
        # decision model 4, counted once)
        if sex != "U" and ref not in siblings:
            added += _child_with(ref, sex, f"{ref}{ADDED}partner", f"{ref}{ADDED}child")
            out.append(Alternative(family.id, f"{ref}{ADDED}child",
                                   f"child of reference {ref}", drawn=False,
                                   reference=ref))
        fa, mo = parents_of[ref]
        if fa is None or mo is None:
            fa, mo, founders = _new_parents(ref)
            added += founders
            parents_of[ref] = (fa, mo)
        if (fa, mo) not in mp_parents and not {fa, mo} & set(missing):
            # (a child reference's sibling is a missing person's child: a relative
            # alternative already, and counted once)
            added.append((f"{ref}{ADDED}sibling", fa, mo, "U"))
            out.append(Alternative(family.id, f"{ref}{ADDED}sibling",
                                   f"full sibling of reference {ref}", drawn=False,
                                   reference=ref))
        sister = f"{ref}{ADDED}sister"
        added += [(sister, fa, mo, "F"), *_child_with(sister, "F", f"{ref}{ADDED}sister_partner",
                                                     f"{ref}{ADDED}nephew")]
        out.append(Alternative(family.id, f"{ref}{ADDED}nephew",
                               f"nephew or niece of reference {ref}", drawn=False,
                               reference=ref))
        if on_lines and sex != "F" and ref in y_typed:
            # (lineage decision model 2) his brother's child carries his Y, the sister's child above
            # does not: with lineage markers they are two classes of people
            brother = f"{ref}{ADDED}brother"
            added += [(brother, fa, mo, "M"),
                      *_child_with(brother, "M", f"{ref}{ADDED}brother_partner",
                                   f"{ref}{ADDED}brothers_child")]
            out.append(Alternative(family.id, f"{ref}{ADDED}brothers_child",
                                   f"nephew or niece of reference {ref} through a brother "
                                   f"(his Y line)", drawn=False, reference=ref))

        blood = []
        for k, p in enumerate(q for q in ped.parents(ref) or () if ped.parents(q) is None
                              and q not in ancestors):
            tag = f"{ref}{ADDED}" + ("" if k == 0 else f"{k + 1}")
            _add_cousin(ped, parents_of, added, p, f"{tag}cousin", f"{tag}inlaw_sibling",
                        f"{tag}inlaw_partner")
            out.append(Alternative(family.id, f"{tag}cousin",
                                   f"first cousin of reference {ref} through {p}",
                                   drawn=False, reference=ref))
        fa_ref, mo_ref = ped.parents(ref) if on_lines and ped.parents(ref) else (None, None)
        if sex != "F" and ref in y_typed and fa_ref is not None and \
                (ped.parents(fa_ref) is not None or fa_ref in ancestors):
            blood.append((fa_ref, "y_cousin", "his father's brother's child (his Y line)"))
        if ref in mt_typed and mo_ref is not None and \
                (ped.parents(mo_ref) is not None or mo_ref in ancestors):
            blood.append((mo_ref, "mt_cousin", "the mother's sister's child (the mtDNA line)"))
        for p, role, how in blood:
            # (lineage decision model 2) a cousin through a parent who is a relative of the missing
            # person shares the reference's line: on lineage markers he fits as a missing
            # person on that line does
            tag = f"{ref}{ADDED}{role}"
            _add_cousin(ped, parents_of, added, p, tag, f"{tag}_parent_sibling",
                        f"{tag}_parent_sibling_partner")
            out.append(Alternative(family.id, f"{ref}{ADDED}{role}",
                                   f"first cousin of reference {ref} through {p}: {how}",
                                   drawn=False, reference=ref))
    if not out:
        return AlternativeSet(family, ())
    records = [(i, *parents_of[i], s) for i, _, _, s in records]
    extended = Pedigree.from_records(records + added, source=ped.source)
    ext_family = dataclasses.replace(family, pedigree=extended,
                                     missing=[a.person for a in out], references={})
    return AlternativeSet(ext_family, tuple(out))


__all__ = ["ADDED", "CLOSE", "Alternative", "AlternativeSet", "distant_references",
           "lineage_typed", "reference_kin", "relation", "relative_alternatives",
           "sibling_references"]
