"""Turn a :class:`FamiliasCase` into the questions forensic_match answers.

:func:`kinship_cases` makes one kinship case per pedigree of the main section against a
reference pedigree (``forensic-match lr FILE.fam``); :func:`dvi_dataset` makes the
identification dataset of the ``[DVI]`` section (``forensic-match solve FILE.fam``). The rules
(which pedigree is the reference, who is missing) are in ``docs/familias.md``.
"""

from __future__ import annotations

from pathlib import Path

from forensic_match.cases import DviDataset, Family, KinshipCase, PMSample
from forensic_match.errors import InputError
from forensic_match.familias.reader import FamiliasCase, FamiliasFamily
from forensic_match.pedigree import Pedigree

#: dvir's ``familias2dvir``: the missing persons are those whose name begins with this.
MISSING_PREFIX = "Missing"
#: The pedigree Familias' DVI module gives every family with its references unrelated.
REFERENCE_PEDIGREE = "Reference pedigree"


def reference_pedigree(case: FamiliasCase) -> str:
    """The pedigree the others are compared with when the caller names none.

    The pedigree that relates the fewest typed persons: one whose related pairs of typed
    persons (sharing an ancestor, or one descending from the other) every other pedigree
    relates too, the last such in file order. With no known relation this is the last
    pedigree relating no typed persons (the "unrelated" hypothesis Familias users usually
    list last); a relation stated in every pedigree (a typed mother of the child in a
    paternity case) does not disqualify the one that adds nothing to it. If no pedigree's
    pairs are within every other's, the last pedigree (:func:`reference_rule` says which).

    Raises
    ------
    InputError
        The case has fewer than two pedigrees.
    """
    return reference_rule(case)[0]


def reference_rule(case: FamiliasCase) -> tuple[str, str]:
    """:func:`reference_pedigree` and the rule that chose it, in words."""
    names = list(case.pedigrees)
    if len(names) < 2:
        raise InputError(f"file {case.source!r}: {len(names)} pedigree(s); a likelihood ratio "
                         f"needs two")
    typed = [p for p in case.genotypes if case.genotypes[p]]
    pairs = {name: _related_pairs(case.pedigrees[name], typed) for name in names}
    least = [n for n in names if all(pairs[n] <= pairs[m] for m in names)]
    if not least:
        return names[-1], ("the last pedigree: no pedigree relates only typed persons that "
                           "every other relates; name the reference with --h2")
    if not pairs[least[-1]]:
        return least[-1], "the last pedigree relating no typed persons"
    return least[-1], ("the last pedigree relating only typed persons that every pedigree "
                       "relates")


def _related_pairs(ped: Pedigree, typed: list[str]) -> set[tuple[str, str]]:
    here = sorted(p for p in typed if p in ped)
    lines = {p: ped.ancestors(p) | {p} for p in here}
    return {(a, b) for i, a in enumerate(here) for b in here[i + 1:] if lines[a] & lines[b]}


def kinship_cases(case: FamiliasCase, *, h1: str | None = None, h2: str | None = None
                  ) -> list[KinshipCase]:
    """One kinship case per pedigree against the reference pedigree ``h2``.

    Parameters
    ----------
    case : FamiliasCase
    h1 : str, optional
        The one pedigree to compare; by default every pedigree other than ``h2``, in file
        order.
    h2 : str, optional
        The reference pedigree (the denominator); by default :func:`reference_pedigree`.

    Returns
    -------
    list of KinshipCase
        With ids ``"<file name>: <h1> vs <h2>"``, the pedigrees' names in ``extra["h1"]`` and
        ``extra["h2"]``, the file's markers, genotypes and theta and no dropout (Familias'
        dropout settings are read but not applied).

    Raises
    ------
    InputError
        A name that is not a pedigree of the file, or fewer than two pedigrees.
    """
    names = list(case.pedigrees)
    for given in (h1, h2):
        if given is not None and given not in case.pedigrees:
            raise InputError(f"file {case.source!r}: no pedigree {given!r}; the file has "
                             f"{names}")
    ref = h2 if h2 is not None else reference_pedigree(case)
    if len(names) < 2:
        raise InputError(f"file {case.source!r}: {len(names)} pedigree(s); a likelihood ratio "
                         f"needs two")
    others = [h1] if h1 is not None else [n for n in names if n != ref]
    stem = Path(case.source).name
    return [KinshipCase(f"{stem}: {name} vs {ref}", list(case.markers), case.pedigrees[name],
                        case.pedigrees[ref], case.genotypes, case.theta,
                        description=f"Familias file {case.source}: pedigree {name!r} against "
                                    f"{ref!r}", extra={"h1": name, "h2": ref})
            for name in others]


def dvi_dataset(case: FamiliasCase, *, pedigree: str | None = None,
                missing_prefix: str = MISSING_PREFIX) -> DviDataset:
    """The identification dataset of the file's ``[DVI]`` section.

    Parameters
    ----------
    case : FamiliasCase
        Read from a file with a ``[DVI]`` section.
    pedigree : str, optional
        The name of the pedigree to use in every family. By default each family's one
        pedigree not called "Reference pedigree" (as dvir's ``familias2dvir``).
    missing_prefix : str
        The missing persons of a family are the members of its pedigree whose name begins
        with this (dvir: "Missing").

    Returns
    -------
    DviDataset
        PM samples are the unidentified persons (their sex as given, "U" if none); each
        family's pedigree without its untyped persons who have neither parents nor children
        (they carry no information; dvir leaves them out too); a missing person whose name
        occurs in several families is renamed ``"<name> (<family>)"``. What was renamed or
        left out is listed in ``extra["notes"]``.

    Raises
    ------
    InputError
        No ``[DVI]`` section, a family without the pedigree to use (or with several
        candidates), a family without missing persons.
    """
    dvi = case.dvi
    where = f"file {case.source!r}"
    if dvi is None:
        raise InputError(f"{where}: no [DVI] section; use 'forensic-match lr' for its "
                         f"pedigrees")
    notes: list[str] = []
    chosen = []
    for family in dvi.families:
        ped = _family_pedigree(family, pedigree, where)
        isolated = [i for i in ped.ids if ped.parents(i) is None and not ped.children(i)
                    and not family.genotypes.get(i)]
        if isolated and len(isolated) < len(ped):
            keep = [r for r in ped.records() if r[0] not in isolated]
            ped = Pedigree.from_records(keep, source=case.source)
            notes.append(f"family {family.name!r}: left out {isolated}, untyped and with "
                         f"neither parents nor children in the pedigree (no information)")
        missing = [i for i in ped.ids if i.startswith(missing_prefix)]
        if not missing:
            # one listed but joined to nobody was left out above: say so (an outside check,
            # 2026-12-07: "no member named 'Missing'" for a file with a 'Missing grandchild')
            unlinked = [i for i in isolated if i.startswith(missing_prefix)]
            why = (f"; {unlinked} {'is' if len(unlinked) == 1 else 'are'} listed but joined to "
                   f"nobody in the pedigree (no parents, no children): draw the relations"
                   if unlinked else "; name the missing persons with --missing-prefix")
            raise InputError(f"{where}: DVI family {family.name!r}: no member of its pedigree "
                             f"is named {missing_prefix!r}...{why}")
        chosen.append((family, ped, missing))
    counts: dict[str, int] = {}
    for _, _, missing in chosen:
        for m in missing:
            counts[m] = counts.get(m, 0) + 1
    am = []
    for family, ped, missing in chosen:
        rename = {m: f"{m} ({family.name})" for m in missing if counts[m] > 1}
        clash = set(rename.values()) & set(ped.ids)
        if clash:
            raise InputError(f"{where}: DVI family {family.name!r}: cannot rename missing "
                             f"persons to {sorted(clash)}, names already used")
        if rename:
            ped = ped.relabel(rename)
            notes.append(f"family {family.name!r}: missing persons renamed {rename} (the "
                         f"names occur in several families)")
        am.append(Family(family.name, ped, [rename.get(m, m) for m in missing],
                         dict(family.genotypes)))
    pm = [PMSample(name, sex, dict(dvi.genotypes.get(name, {})))
          for name, sex in dvi.unidentified.items()]
    return DviDataset(Path(case.source).stem, list(case.markers), pm, am, case.theta,
                      description=f"DVI section of Familias file {case.source}",
                      extra={"notes": notes})


def _family_pedigree(family: FamiliasFamily, pedigree: str | None, where: str) -> Pedigree:
    if pedigree is not None:
        if pedigree not in family.pedigrees:
            raise InputError(f"{where}: DVI family {family.name!r} has no pedigree "
                             f"{pedigree!r}; it has {list(family.pedigrees)}")
        return family.pedigrees[pedigree]
    others = [n for n in family.pedigrees if n != REFERENCE_PEDIGREE]
    if len(others) != 1:
        raise InputError(f"{where}: DVI family {family.name!r} has pedigrees "
                         f"{list(family.pedigrees)}; choose one with --pedigree (by default "
                         f"the one not called {REFERENCE_PEDIGREE!r}, if there is exactly one)")
    return family.pedigrees[others[0]]
