"""Relationship pedigrees between two named persons, from one mechanism.

Every pairwise relationship without inbreeding is two lines of descent from a common ancestor
(half relationships) or a common ancestral couple (full relationships), ``up_first`` and
``up_second`` generations long; a lineal relationship (parent, grandparent) has
``up_first = 0``: the first person is the ancestor. Full siblings are (1, 1), avuncular
(1, 2), first cousins (2, 2), second cousins (3, 3), first cousins once removed (2, 3); half
siblings are (1, 1) half; grandparent is (0, 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from forensic_match.errors import PedigreeError
from forensic_match.pedigree import Pedigree


@dataclass(frozen=True)
class Relationship:
    """A named pairwise relationship: lengths of the two lines and whether it is half.

    The degree is the usual genealogical one: the kinship coefficient is ``2 ** -(degree +
    1)`` (full siblings and parent-child 1, second cousins 5).
    """

    name: str
    up_first: int
    up_second: int
    half: bool = False

    @property
    def degree(self) -> int:
        lineal = self.up_first == 0
        return self.up_first + self.up_second - (0 if (self.half or lineal) else 1)

    @property
    def kinship(self) -> float:
        """Kinship coefficient of the pair (no inbreeding)."""
        return 2.0 ** -(self.degree + 1)

    def pedigree(self, first: str = "A", second: str = "B", **kwargs: str) -> Pedigree:
        """The pedigree, see :func:`relationship_pedigree`."""
        return relationship_pedigree(self.up_first, self.up_second, half=self.half,
                                     first=first, second=second, **kwargs)


#: Relationships of degrees 1 to 5, several per degree (the power table of docs/validation.md).
RELATIONSHIPS: dict[str, Relationship] = {r.name: r for r in (
    Relationship("parent-child", 0, 1),
    Relationship("full siblings", 1, 1),
    Relationship("half siblings", 1, 1, half=True),
    Relationship("grandparent", 0, 2),
    Relationship("avuncular", 1, 2),
    Relationship("first cousins", 2, 2),
    Relationship("half avuncular", 1, 2, half=True),
    Relationship("great-grandparent", 0, 3),
    Relationship("great-avuncular", 1, 3),
    Relationship("first cousins once removed", 2, 3),
    Relationship("half first cousins", 2, 2, half=True),
    Relationship("great-great-grandparent", 0, 4),
    Relationship("second cousins", 3, 3),
    Relationship("first cousins twice removed", 2, 4),
    Relationship("half first cousins once removed", 2, 3, half=True),
)}


def relationship_pedigree(up_first: int, up_second: int, *, half: bool = False,
                          first: str = "A", second: str = "B", first_sex: str = "M",
                          second_sex: str = "M", first_line: str | None = None,
                          second_line: str | None = None, ancestor_sex: str = "M",
                          ) -> Pedigree:
    """Pedigree of two persons descending ``up_first`` and ``up_second`` generations from a
    common ancestral couple (or one ancestor if ``half``; ``up_first = 0``: ``first`` is the
    ancestor of ``second``).

    Parameters
    ----------
    up_first, up_second : int
        Generations from the common ancestor(s) down to each person; ``up_second >= 1``.
    half : bool
        One common ancestor (of sex ``ancestor_sex``) instead of a couple.
    first, second : str
        Ids of the two persons; the others are named ``{first}_1``, ``{second}_1``... down
        each line, ``{child}_sp`` for the other parent of each line member, and ``CA_M``,
        ``CA_F`` or ``CA`` for the common ancestors.
    first_sex, second_sex : str
        Sexes of the two persons.
    first_line, second_line : str, optional
        Sexes ("M"/"F") of the intermediate persons of each line from the top down
        (``up - 1`` letters); by default male on the first line and female on the second.
        They decide which map (male or female) each meiosis uses.

    Examples
    --------
    >>> ped = relationship_pedigree(1, 2)  # avuncular: A is the uncle of B
    >>> ped.parents("B")  # B_1 (female by default) is A's sister; B_sp is B's father
    ('B_sp', 'B_1')
    """
    if up_second < 1 or up_first < 0:
        raise PedigreeError(f"relationship lines must be up_first >= 0 and up_second >= 1, not "
                            f"({up_first}, {up_second})")
    if first == second:
        raise PedigreeError(f"the two persons need different ids, not {first!r} twice")
    lineal = up_first == 0
    records: list[tuple[str, str | None, str | None, str]] = []
    if lineal:
        tops: list[tuple[str, str]] = [(first, first_sex)]
        records.append((first, None, None, first_sex))
    elif half:
        tops = [("CA", ancestor_sex)]
        records.append(("CA", None, None, ancestor_sex))
    else:
        tops = []
        records += [("CA_M", None, None, "M"), ("CA_F", None, None, "F")]

    def line(person: str, up: int, sexes: str | None, default: str, last_sex: str) -> None:
        sexes = default * (up - 1) if sexes is None else sexes
        if len(sexes) != up - 1 or set(sexes) - {"M", "F"}:
            raise PedigreeError(f"line of {person!r}: {up - 1} sexes (M/F) expected, got "
                                f"{sexes!r}")
        names = [f"{person}_{k}" for k in range(1, up)] + [person]
        sex_of = list(sexes) + [last_sex]
        if lineal or half:
            anc, anc_sex = tops[0]
        for k, (name, sex) in enumerate(zip(names, sex_of)):
            if k == 0 and not (lineal or half):
                records.append((name, "CA_M", "CA_F", sex))
                continue
            parent, parent_sex = (anc, anc_sex) if k == 0 else (names[k - 1], sex_of[k - 1])
            spouse = f"{name}_sp"
            spouse_sex = "F" if parent_sex == "M" else "M"
            records.append((spouse, None, None, spouse_sex))
            pair = (parent, spouse) if parent_sex == "M" else (spouse, parent)
            records.append((name, pair[0], pair[1], sex))

    if not lineal:
        line(first, up_first, first_line, "M", first_sex)
    line(second, up_second, second_line, "F", second_sex)
    return Pedigree.from_records(records)
