"""Who shares a lineage with a missing person: the paternal (Y) and maternal (mtDNA) lines.

A Y chromosome passes from father to son only, mitochondrial DNA from a mother to all her
children. Two people share a line when walking up the pedigree from each through fathers (Y)
or mothers (mtDNA) reaches a common ancestor; the number of meioses between them is the number
of steps up from each to the first such ancestor, added. Two men whose paternal lines end in
different founders are not known to share a Y chromosome, even if they could in reality.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from forensic_match.errors import PedigreeError
from forensic_match.pedigree import FEMALE, Pedigree

Line = Literal["Y", "mtDNA"]


@dataclass(frozen=True)
class LineageLink:
    """One relative on a missing person's paternal or maternal line.

    Attributes
    ----------
    relative : str
        Id of the relative.
    line : {"Y", "mtDNA"}
        The line they share.
    meioses : int
        Transmissions between the missing person and the relative along that line
        (father-son 1, brothers 2, paternal uncle 3, paternal first cousins 4).
    ancestor : str
        The most recent common ancestor on the line (the relative himself when he is an
        ancestor of the missing person, the missing person when the relative descends from him).
    """

    relative: str
    line: Line
    meioses: int
    ancestor: str


def _line_up(ped: Pedigree, ident: str, parent: Line) -> list[str]:
    """``ident`` and their ancestors through fathers (Y) or mothers (mtDNA), nearest first."""
    arr = ped.father if parent == "Y" else ped.mother
    chain = [ident]
    i = ped.index(ident)
    while arr[i] >= 0:
        i = int(arr[i])
        chain.append(ped.ids[i])
    return chain


def lineage_links(pedigree: Pedigree, missing: str, line: Line, *,
                  among: Iterable[str] | None = None) -> list[LineageLink]:
    """Relatives who share the paternal (``"Y"``) or maternal (``"mtDNA"``) line of ``missing``.

    Parameters
    ----------
    pedigree : Pedigree
    missing : str
        The missing person.
    line : {"Y", "mtDNA"}
        ``"Y"``: men linked to ``missing`` through fathers and sons only; ``missing`` must not be
        recorded female (a missing person of unknown sex is treated as a man: a Y haplotype is
        compared with a body only when the body has one). ``"mtDNA"``: anyone whose mothers'
        line meets that of ``missing``.
    among : iterable of str, optional
        Restrict the answer to these ids (e.g. the typed relatives); default everyone.

    Returns
    -------
    list of LineageLink
        Sorted by meioses, then id; ``missing`` is not listed.

    Raises
    ------
    PedigreeError
        ``missing`` or an id of ``among`` is not in the pedigree, ``line`` is unknown, or the
        Y line is asked of a woman.

    Examples
    --------
    >>> from forensic_match.pedigree import avuncular
    >>> ped = avuncular(uncle="UN", nephew="MP")   # uncle through the father
    >>> [(x.relative, x.meioses) for x in lineage_links(ped, "MP", "Y", among=["UN"])]
    [('UN', 3)]
    """
    if line not in ("Y", "mtDNA"):
        raise PedigreeError(f"line must be 'Y' or 'mtDNA', not {line!r}")
    if line == "Y" and pedigree.sex_of(missing) == "F":
        raise PedigreeError(f"missing person {missing!r} is female: there is no Y line")
    mine = _line_up(pedigree, missing, line)
    depth = {ident: d for d, ident in enumerate(mine)}
    ids = pedigree.ids if among is None else tuple(among)
    out = []
    for ident in ids:
        if ident == missing:
            continue
        if line == "Y" and int(pedigree.sex[pedigree.index(ident)]) == FEMALE:
            continue
        for up, anc in enumerate(_line_up(pedigree, ident, line)):
            if anc in depth:
                out.append(LineageLink(ident, line, up + depth[anc], anc))
                break
    return sorted(out, key=lambda x: (x.meioses, x.relative))


def line_tree(pedigree: Pedigree, members: Iterable[str], line: Line) -> dict[str, str | None]:
    """The tree of a line through ``members``: each member and each of their ancestors through
    fathers (``"Y"``) or mothers (``"mtDNA"``), mapped to that parent (``None`` at the top).
    Members who share the line share the top; each edge is one meiosis.

    Examples
    --------
    >>> from forensic_match.pedigree import avuncular
    >>> tree = line_tree(avuncular(uncle="UN", nephew="MP"), ["MP", "UN"], "Y")
    >>> sorted(tree.items(), key=lambda kv: kv[0])
    [('MP', 'MP_father'), ('MP_father', 'UN_father'), ('UN', 'UN_father'), ('UN_father', None)]
    """
    tree: dict[str, str | None] = {}
    for ident in members:
        chain = _line_up(pedigree, ident, line)
        for child, up in zip(chain, chain[1:] + [None]):
            tree[child] = up
    return tree


__all__ = ["LineageLink", "Line", "line_tree", "lineage_links"]
