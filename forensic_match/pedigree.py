"""Pedigrees: individuals with sex, father and mother, and the relationships case workers name.

A :class:`Pedigree` stores integer arrays (``father[i]``, ``mother[i]``, -1 for a founder) for the
likelihood kernels; the queries on every path (acyclicity, topological order, ancestors,
descendants, connected parts) walk those arrays, and networkx serves the rarer graph questions
(``graph``, naming a cycle in an error message). Loops (a cousin
marriage, two sisters marrying two brothers) and inbreeding are allowed; a person who is their
own ancestor is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from forensic_match.errors import PedigreeError, plain_text, show_id, similar_ids
from forensic_match.profiles import cell_text

UNKNOWN, MALE, FEMALE = 0, 1, 2
#: Sex words, in upper case without accents (English and Spanish), and codes 1/2/0.
_SEX_WORDS = {"MALE": MALE, "1": MALE, "MASCULINO": MALE, "HOMBRE": MALE, "VARON": MALE,
              "FEMALE": FEMALE, "2": FEMALE, "FEMENINO": FEMALE, "MUJER": FEMALE,
              "UNKNOWN": UNKNOWN, "0": UNKNOWN, "": UNKNOWN, "NONE": UNKNOWN, "NAN": UNKNOWN,
              "NULL": UNKNOWN, "NA": UNKNOWN, "?": UNKNOWN, "DESCONOCIDO": UNKNOWN,
              "INDETERMINADO": UNKNOWN}
#: Single-letter codes of the two conventions: English/Spanish M/F (male, masculino /
#: female, femenino) and Spanish H/M (hombre / mujer), where M means the opposite.
SEX_CODES = {"MF": {"M": MALE, "F": FEMALE, "U": UNKNOWN},
             "HM": {"H": MALE, "M": FEMALE, "U": UNKNOWN}}
_SEX_LABELS = {MALE: "M", FEMALE: "F", UNKNOWN: "U"}


def _plain(text: str) -> str:
    """Upper case without accents: "Varón" -> "VARON"."""
    return plain_text(text).upper()


def parse_sex(value: Any, *, context: str = "", codes: str = "MF") -> int:
    """Sex code (0 unknown, 1 male, 2 female) from a code, a word or 1/2/0.

    Words (any case, with or without accents): male, female, unknown and the Spanish
    masculino, femenino, hombre, mujer, varón, desconocido, indeterminado; 1/2/0 (PLINK).
    Single letters follow ``codes``: ``"MF"`` (default: M male, F female, U unknown) or
    ``"HM"`` (Spanish hombre/mujer: H male, M female, U unknown). A letter of the other
    convention is refused rather than guessed, since M means male in one and female in the
    other.

    Examples
    --------
    >>> parse_sex("M"), parse_sex("Femenino"), parse_sex("varón"), parse_sex("M", codes="HM")
    (1, 2, 1, 2)
    """
    if codes not in SEX_CODES:
        raise PedigreeError(f"sex codes must be 'MF' or 'HM', not {codes!r}")
    key = _plain(cell_text(value))  # 1.0 from a spreadsheet reads as "1"
    where_ = f"{context}: " if context else ""
    if key in SEX_CODES[codes]:
        return SEX_CODES[codes][key]
    if key in _SEX_WORDS:
        return _SEX_WORDS[key]
    if codes == "MF" and key == "H":
        raise PedigreeError(f"{where_}sex {value!r}: H is the Spanish code for hombre (male) "
                            f"of the H/M convention, in which M means mujer (female), not "
                            f"male; declare sex_codes='HM' if the file uses H/M, or write the "
                            f"sex as a word (masculino, femenino)")
    if codes == "HM" and key == "F":
        raise PedigreeError(f"{where_}sex {value!r} is not a code of the H/M (hombre/mujer) "
                            f"convention declared for this file; use H, M or U, or a word")
    letters = ", ".join(SEX_CODES[codes])
    raise PedigreeError(f"{where_}sex {value!r} is not one of {letters} (or 1, 2, 0)")


def _parent(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "0", "NA", "None", "null", "nan") else text


@dataclass(frozen=True, eq=False)
class Pedigree:
    """A pedigree of individuals identified by string ids.

    Build one with :meth:`from_records`, :meth:`from_table` or the relationship helpers in
    this module (:func:`trio`, :func:`full_siblings`, ...).

    Attributes
    ----------
    ids : tuple of str
        Individual ids, in the order given.
    father, mother : numpy.ndarray of int32
        Index of each individual's parents, -1 for unknown (a founder has both -1).
    sex : numpy.ndarray of int8
        0 unknown, 1 male, 2 female.

    Examples
    --------
    >>> ped = Pedigree.from_records([("F", None, None, "M"), ("M", None, None, "F"),
    ...                              ("C", "F", "M", "M")])
    >>> ped.parents("C")
    ('F', 'M')
    """

    ids: tuple[str, ...]
    father: np.ndarray
    mother: np.ndarray
    sex: np.ndarray
    source: str = ""

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any] | Sequence[Any]], *,
                     source: str = "", first_line: int | None = None,
                     locations: Sequence[str] | None = None) -> Pedigree:
        """Build from ``(id, father, mother, sex)`` tuples or dicts with those keys.

        ``source`` (a file name) and ``first_line`` (the line of the first record) make
        error messages point into the user's file; ``locations`` gives each record's
        location text instead (for records scattered through a table, e.g.
        ``"file 'families.xlsx', row 7, family 'F12'"``).
        """
        rows: list[tuple[str, str | None, str | None, int]] = []
        lines: list[str] = []
        for k, rec in enumerate(records):
            loc = locations[k] if locations is not None else \
                _loc(source, None if first_line is None else first_line + k, k)
            if isinstance(rec, Mapping):
                try:
                    raw = (rec["id"], rec.get("father"), rec.get("mother"), rec.get("sex"))
                except KeyError:
                    raise PedigreeError(f"{loc}: record has no 'id'") from None
            else:
                if len(rec) != 4:
                    raise PedigreeError(f"{loc}: expected (id, father, mother, sex), got {rec!r}")
                raw = tuple(rec)
            ident = _parent(raw[0])
            if ident is None:
                text = "" if raw[0] is None else str(raw[0]).strip()
                if text:
                    raise PedigreeError(
                        f"{loc}: individual id {text!r} is one of the words that mean 'no "
                        f"parent' in the father and mother columns (0, NA, None, null, nan); "
                        f"give the person another id")
                raise PedigreeError(f"{loc}: empty individual id")
            rows.append((ident, _parent(raw[1]), _parent(raw[2]),
                         parse_sex(raw[3], context=f"{loc}, individual {ident!r}")))
            lines.append(loc)
        return cls._build(rows, lines, source)

    @classmethod
    def _build(cls, rows: list[tuple[str, str | None, str | None, int]], lines: list[str],
               source: str) -> Pedigree:
        if not rows:
            raise PedigreeError(f"{source or 'pedigree'}: no individuals")
        index: dict[str, int] = {}
        for (ident, *_), loc in zip(rows, lines):
            if ident in index:
                raise PedigreeError(f"{loc}: duplicate individual id {show_id(ident)} (first at "
                                    f"{lines[index[ident]]})")
            index[ident] = len(index)
        n = len(rows)
        father = np.full(n, -1, dtype=np.int32)
        mother = np.full(n, -1, dtype=np.int32)
        sex = np.array([r[3] for r in rows], dtype=np.int8)
        for i, ((ident, fa, mo, _), loc) in enumerate(zip(rows, lines)):
            if (fa is None) != (mo is None):
                raise PedigreeError(f"{loc}: individual {ident!r} has one parent only; give "
                                    f"both or neither (add an untyped founder for the other)")
            for parent, arr, want, role in ((fa, father, MALE, "father"),
                                            (mo, mother, FEMALE, "mother")):
                if parent is None:
                    continue
                if parent not in index:
                    raise PedigreeError(f"{loc}: {role} {show_id(parent)} of {show_id(ident)} is "
                                        f"not in the pedigree{similar_ids(parent, index)}")
                j = index[parent]
                if j == i:
                    raise PedigreeError(f"{loc}: {ident!r} is their own {role}")
                if sex[j] != want:
                    what = "female" if sex[j] == FEMALE else ("male" if sex[j] == MALE
                                                               else "of unknown sex")
                    raise PedigreeError(f"{loc}: {role} {parent!r} of {ident!r} is {what}")
                arr[i] = j
            if fa is not None and fa == mo:
                raise PedigreeError(f"{loc}: father and mother of {ident!r} are the same")
        ped = cls(tuple(r[0] for r in rows), father, mother, sex, source)
        ped._check_acyclic(lines)
        return ped

    @classmethod
    def from_table(cls, table: Any, *, source: str = "") -> Pedigree:
        """Build from a table with columns ``id, father, mother, sex``.

        ``table`` is a polars DataFrame, a mapping of columns, or a path to a CSV file.
        Error messages name the file and line (line 1 is the header).
        """
        import polars as pl

        if isinstance(table, (str, bytes)) or hasattr(table, "__fspath__"):
            source = source or str(table)
            try:
                table = pl.read_csv(table, infer_schema=False)
            except (OSError, pl.exceptions.PolarsError) as exc:
                raise PedigreeError(f"file {source!r}: cannot read pedigree: {exc}") from exc
        elif not isinstance(table, pl.DataFrame):
            table = pl.DataFrame(table)
        cols = {c.lower().strip(): c for c in table.columns}
        missing = [c for c in ("id", "father", "mother", "sex") if c not in cols]
        if missing:
            raise PedigreeError(f"{source or 'pedigree table'}: missing columns {missing}")
        recs = list(zip(*(table[cols[c]].to_list() for c in ("id", "father", "mother", "sex")),
                        strict=True))
        # Blank lines at the end of a file are read as empty rows; they are not records.
        while recs and all(v is None or str(v).strip() == "" for v in recs[-1]):
            recs.pop()
        return cls.from_records(recs, source=source, first_line=2 if source else None)

    def _check_acyclic(self, lines: list[str]) -> None:
        order = self._kahn_order()
        if order.size == len(self):
            self.__dict__["topological_order"] = order
        else:
            import networkx as nx

            cycle = nx.find_cycle(self.graph)
            people = [self.ids[a] for a, _ in cycle]
            raise PedigreeError(f"{lines[cycle[0][0]]}: {people[0]!r} is their own ancestor "
                                f"(cycle {' -> '.join(people + [people[0]])})")

    # --- queries -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, ident: object) -> bool:
        return ident in self._index

    def __repr__(self) -> str:
        return f"Pedigree({len(self)} individuals, {len(self.founders)} founders)"

    def __eq__(self, other: object) -> bool:
        """Same individuals with the same parents and sex, in any order."""
        if not isinstance(other, Pedigree):
            return NotImplemented
        return sorted(self.records()) == sorted(other.records())

    __hash__ = object.__hash__

    @cached_property
    def _index(self) -> dict[str, int]:
        return {ident: i for i, ident in enumerate(self.ids)}

    def index(self, ident: str) -> int:
        """Position of individual ``ident``."""
        try:
            return self._index[ident]
        except KeyError:
            raise PedigreeError(f"individual {ident!r} is not in the pedigree") from None

    @cached_property
    def graph(self) -> Any:
        """networkx DiGraph over indices with parent -> child edges."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(range(len(self)))
        for i in range(len(self)):
            for p in (self.father[i], self.mother[i]):
                if p >= 0:
                    g.add_edge(int(p), i)
        return g

    @property
    def founders(self) -> tuple[str, ...]:
        """Ids of individuals without parents in the pedigree."""
        return tuple(self.ids[i] for i in np.flatnonzero(self.father < 0))

    def parents(self, ident: str) -> tuple[str, str] | None:
        """(father, mother) ids, or ``None`` for a founder."""
        i = self.index(ident)
        if self.father[i] < 0:
            return None
        return self.ids[self.father[i]], self.ids[self.mother[i]]

    def children(self, ident: str) -> tuple[str, ...]:
        """Ids of the children of ``ident``."""
        i = self.index(ident)
        return tuple(self.ids[j] for j in np.flatnonzero((self.father == i) | (self.mother == i)))

    def sex_of(self, ident: str) -> str:
        """"M", "F" or "U"."""
        return _SEX_LABELS[int(self.sex[self.index(ident)])]

    def ancestors(self, ident: str) -> set[str]:
        """Ids of all ancestors of ``ident``."""
        father, mother = self.father.tolist(), self.mother.tolist()
        return {self.ids[j] for j in self._reach(self.index(ident),
                                                 lambda i: (father[i], mother[i]))}

    def related(self, a: str, b: str) -> bool:
        """Whether ``a`` and ``b`` are blood relatives: one descends from the other, or they
        share an ancestor (a person counts as related to themself)."""
        return bool((self.ancestors(a) | {a}) & (self.ancestors(b) | {b}))

    def descendants(self, ident: str) -> set[str]:
        """Ids of all descendants of ``ident``."""
        kids = self._children_lists
        return {self.ids[j] for j in self._reach(self.index(ident), kids.__getitem__)}

    @staticmethod
    def _reach(start: int, step: Any) -> set[int]:
        """Indices reachable from ``start`` (itself excluded) by repeating ``step``."""
        seen: set[int] = set()
        todo = [start]
        while todo:
            for j in step(todo.pop()):
                if j >= 0 and j not in seen:
                    seen.add(j)
                    todo.append(j)
        seen.discard(start)
        return seen

    @cached_property
    def _children_lists(self) -> list[list[int]]:
        """Per individual, the indices of their children in increasing order."""
        kids: list[list[int]] = [[] for _ in range(len(self))]
        for i, (f, m) in enumerate(zip(self.father.tolist(), self.mother.tolist())):
            if f >= 0:
                kids[f].append(i)
                kids[m].append(i)
        return kids

    def _kahn_order(self) -> np.ndarray:
        """Kahn's topological sort taking the smallest ready index first (the order of
        networkx's ``lexicographical_topological_sort`` on :attr:`graph`); shorter than the
        pedigree when there is a cycle."""
        import heapq

        waiting = [0 if f < 0 else 2 for f in self.father.tolist()]
        ready = [i for i, w in enumerate(waiting) if w == 0]
        kids = self._children_lists
        order: list[int] = []
        while ready:
            i = heapq.heappop(ready)
            order.append(i)
            for c in kids[i]:
                waiting[c] -= 1
                if waiting[c] == 0:
                    heapq.heappush(ready, c)
        return np.array(order, dtype=np.int32)

    @cached_property
    def topological_order(self) -> np.ndarray:
        """Indices with every parent before its children (the smallest ready index first)."""
        return self._kahn_order()

    @cached_property
    def kinship(self) -> np.ndarray:
        """The kinship coefficients of every pair (by index): the probability that a gene
        drawn from one and a gene drawn from the other at a locus are identical by descent,
        founders unrelated and not inbred. Computed in topological order:
        ``φ(i, i) = (1 + φ(f, m)) / 2`` and ``φ(i, j) = (φ(f, j) + φ(m, j)) / 2`` for ``j``
        before ``i`` (``f``, ``m`` the parents of ``i``; 0 without them); Karigl 1981,
        *Ann Hum Genet* 45:299-305; pedtools' ``kinship()``."""
        n = len(self.ids)
        phi = np.zeros((n, n))
        order = self.topological_order
        for k, i in enumerate(order.tolist()):
            f, m = int(self.father[i]), int(self.mother[i])
            if f < 0:     # a founder: unrelated to everyone before him, not inbred
                phi[i, i] = 0.5
                continue
            done = order[:k]
            phi[i, done] = phi[done, i] = 0.5 * (phi[f, done] + phi[m, done])
            phi[i, i] = 0.5 * (1.0 + phi[f, m])
        return phi

    def inbreeding(self, ident: str) -> float:
        """The inbreeding coefficient of ``ident``: the kinship of its parents (0 for a
        founder). A child of first cousins has 1/16, of an uncle and his niece 1/8."""
        i = self.index(ident)
        f, m = int(self.father[i]), int(self.mother[i])
        return 0.0 if f < 0 else float(self.kinship[f, m])

    @cached_property
    def components(self) -> np.ndarray:
        """For each index, a label of its connected part: two persons share a label when a
        chain of parent-child links joins them (a union-find over the parent links; a spouse
        is joined through a common child)."""
        root = list(range(len(self.ids)))

        def find(i: int) -> int:
            while root[i] != i:
                root[i] = root[root[i]]
                i = root[i]
            return i

        for i, parents in enumerate(zip(self.father.tolist(), self.mother.tolist())):
            for p in parents:
                if p >= 0:
                    root[find(i)] = find(p)
        return np.array([find(i) for i in range(len(root))], dtype=np.int64)

    def is_connected(self) -> bool:
        """Whether the pedigree is one connected family."""
        return bool((self.components == self.components[0]).all())

    def records(self) -> list[tuple[str, str | None, str | None, str]]:
        """``(id, father, mother, sex)`` tuples."""
        out = []
        for i, ident in enumerate(self.ids):
            fa = self.ids[self.father[i]] if self.father[i] >= 0 else None
            mo = self.ids[self.mother[i]] if self.mother[i] >= 0 else None
            out.append((ident, fa, mo, _SEX_LABELS[int(self.sex[i])]))
        return out

    def to_dicts(self) -> list[dict[str, Any]]:
        """The JSON case form: ``[{"id", "father", "mother", "sex"}, ...]``."""
        return [dict(zip(("id", "father", "mother", "sex"), r)) for r in self.records()]

    def to_table(self) -> Any:
        """polars DataFrame with columns ``id, father, mother, sex``."""
        import polars as pl

        return pl.DataFrame(self.records(), schema=["id", "father", "mother", "sex"],
                            orient="row")

    def add(self, records: Iterable[Sequence[Any]]) -> Pedigree:
        """A new pedigree with more individuals ``(id, father, mother, sex)``."""
        return Pedigree.from_records(self.records() + [tuple(r) for r in records],
                                     source=self.source)

    def with_unrelated(self, ident: str, *, placeholder: str | None = None) -> Pedigree:
        """The hypothesis "``ident`` is not the person drawn": the same pedigree with the
        drawn person renamed ``placeholder`` (untyped, default ``"<ident>_drawn"``) and
        ``ident`` added as an unrelated founder of the same sex.

        The H2 of a missing person's kinship LR. Making every typed person a founder
        (:func:`unrelated`) is right only when the references are unrelated to each other
        (two parents): a father and a brother of the missing person are related under both
        hypotheses, and listing them as founders puts their own father-son LR into the
        missing person's (an outside check, 2026-12-07: 10^4.08 too much).

        Raises
        ------
        PedigreeError
            ``ident`` is not in the pedigree, or ``placeholder`` already is.

        Examples
        --------
        >>> ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
        ...                              ("MP", "FA", "MO", "M"), ("B", "FA", "MO", "M")])
        >>> h2 = ped.with_unrelated("MP")
        >>> h2.parents("MP"), h2.parents("MP_drawn"), h2.parents("B")
        (None, ('FA', 'MO'), ('FA', 'MO'))
        """
        if ident not in self:
            raise PedigreeError(f"with_unrelated: {ident!r} is not in the pedigree")
        drawn = placeholder or f"{ident}_drawn"
        if drawn in self:
            raise PedigreeError(f"with_unrelated: {drawn!r} is already in the pedigree; give "
                                f"another placeholder")
        return self.relabel({ident: drawn}).add([(ident, None, None, self.sex_of(ident))])

    def relabel(self, mapping: Mapping[str, str]) -> Pedigree:
        """The same pedigree with ids renamed by ``mapping`` (ids not in it are kept)."""
        def name(x: str | None) -> str | None:
            return None if x is None else mapping.get(x, x)

        return Pedigree.from_records([(name(i), name(f), name(m), s)
                                      for i, f, m, s in self.records()], source=self.source)


def _loc(source: str, line: int | None, k: int) -> str:
    if source and line is not None:
        return f"file {source!r}, line {line}"
    if source:
        return f"{source}, record {k + 1}"
    return f"pedigree record {k + 1}"


# --- relationship builders -------------------------------------------------------------------

_OPPOSITE = {"M": "F", "F": "M"}


def sex_label(value: Any, *, context: str = "") -> str:
    """``"M"``, ``"F"`` or ``"U"`` for a sex as :func:`parse_sex` reads it (``None`` is
    unknown).

    Examples
    --------
    >>> sex_label("male"), sex_label(2), sex_label(None)
    ('M', 'F', 'U')
    """
    return _SEX_LABELS[parse_sex(value, context=context)]


def _sexes_for(ids: Sequence[str], sexes: str | Sequence[str] | Mapping[str, str],
               *, default: str = "M") -> list[str]:
    """One sex label per id from a single sex, a sequence aligned with ``ids`` or a mapping."""
    if isinstance(sexes, str):
        return [sex_label(sexes, context="sexes")] * len(ids)
    if isinstance(sexes, Mapping):
        unknown = sorted(set(sexes) - set(ids))
        if unknown:
            raise PedigreeError(f"sexes given for {unknown}, who are not among {list(ids)}")
        return [sex_label(sexes.get(i, default), context=f"individual {i!r}") for i in ids]
    sexes = list(sexes)
    if len(sexes) != len(ids):
        raise PedigreeError(f"{len(ids)} individuals {list(ids)} but {len(sexes)} sexes")
    return [sex_label(s, context=f"individual {i!r}") for i, s in zip(ids, sexes, strict=True)]


class _Family:
    """Records collected by the builders; every person is added once, with one sex."""

    def __init__(self) -> None:
        self.sex: dict[str, str] = {}
        self.parents: dict[str, tuple[str, str]] = {}

    def person(self, ident: str, sex: str) -> str:
        known = self.sex.setdefault(ident, sex)
        if known != sex:
            raise PedigreeError(f"individual {ident!r} would be both {known} and {sex}; "
                                f"choose distinct ids")
        return ident

    def child(self, ident: str, sex: str, father: str, mother: str) -> str:
        self.person(ident, sex)
        if self.parents.setdefault(ident, (father, mother)) != (father, mother):
            raise PedigreeError(f"individual {ident!r} would have two sets of parents; "
                                f"choose distinct ids")
        return ident

    def couple_child(self, ident: str, sex: str, parent: str, parent_sex: str,
                     other: str) -> str:
        """``ident`` is a child of ``parent`` and ``other`` (who has the opposite sex)."""
        if parent_sex not in _OPPOSITE:
            raise PedigreeError(f"parent {parent!r} must be male or female, not of unknown sex")
        self.person(parent, parent_sex)
        self.person(other, _OPPOSITE[parent_sex])
        fa, mo = (parent, other) if parent_sex == "M" else (other, parent)
        return self.child(ident, sex, fa, mo)

    def pedigree(self) -> Pedigree:
        return Pedigree.from_records([(i, *self.parents.get(i, (None, None)), s)
                                      for i, s in self.sex.items()])


def trio(child: str = "C", father: str = "AF", mother: str = "MO", *,
         child_sex: str = "M") -> Pedigree:
    """A child with both parents.

    Parameters
    ----------
    child, father, mother : str
        Ids of the three individuals.
    child_sex : {"M", "F", "U"}
        Sex of the child.

    Examples
    --------
    >>> ped = trio()
    >>> ped.parents("C")
    ('AF', 'MO')
    """
    fam = _Family()
    fam.person(father, "M")
    fam.person(mother, "F")
    fam.child(child, sex_label(child_sex, context=f"child {child!r}"), father, mother)
    return fam.pedigree()


def parent_child(*, parent: str | None = None, child: str = "C", other_parent: str | None = None,
                 parent_sex: str = "M", child_sex: str = "M") -> Pedigree:
    """A duo: a parent and a child, with the child's other parent untyped.

    Parameters
    ----------
    parent : str, optional
        Id of the parent; ``"AF"`` (alleged father) for a male parent, ``"AM"`` for a female.
    child : str
        Id of the child.
    other_parent : str, optional
        Id of the untyped other parent; ``"<child>_mother"`` or ``"<child>_father"``.
    parent_sex, child_sex : {"M", "F"} and {"M", "F", "U"}
        Sexes of the parent and of the child.

    Examples
    --------
    >>> ped = parent_child()
    >>> ped.parents("C")
    ('AF', 'C_mother')
    >>> parent_child(parent_sex="F").parents("C")
    ('C_father', 'AM')
    """
    psex = sex_label(parent_sex, context="parent")
    if psex not in _OPPOSITE:
        raise PedigreeError("parent_child: the parent must be male or female")
    parent = parent if parent is not None else ("AF" if psex == "M" else "AM")
    other = other_parent or f"{child}_{'mother' if psex == 'M' else 'father'}"
    fam = _Family()
    fam.couple_child(child, sex_label(child_sex, context=f"child {child!r}"), parent, psex,
                     other)
    return fam.pedigree()


def full_siblings(n: int = 2, *, ids: Sequence[str] | None = None,
                  sexes: str | Sequence[str] | Mapping[str, str] = "M",
                  father: str = "FA", mother: str = "MO") -> Pedigree:
    """``n`` full siblings with their untyped parents.

    Parameters
    ----------
    n : int
        Number of siblings (ignored when ``ids`` is given).
    ids : sequence of str, optional
        Ids of the siblings; ``"S1"``, ``"S2"``, ... by default.
    sexes : str, sequence or mapping
        One sex for all, one per sibling, or ``{id: sex}`` (others male).
    father, mother : str
        Ids of the parents.

    Examples
    --------
    >>> ped = full_siblings(3)
    >>> ped.children("FA")
    ('S1', 'S2', 'S3')
    """
    ids = list(ids) if ids is not None else [f"S{k + 1}" for k in range(n)]
    if len(ids) < 1:
        raise PedigreeError("full_siblings: at least one sibling is needed")
    fam = _Family()
    fam.person(father, "M")
    fam.person(mother, "F")
    for ident, sex in zip(ids, _sexes_for(ids, sexes), strict=True):
        fam.child(ident, sex, father, mother)
    return fam.pedigree()


def half_siblings(*, paternal: bool = True, ids: Sequence[str] = ("H1", "H2"),
                  sexes: str | Sequence[str] | Mapping[str, str] = "M",
                  shared_parent: str | None = None) -> Pedigree:
    """Two half siblings sharing one parent.

    Parameters
    ----------
    paternal : bool
        Whether the shared parent is the father (paternal half siblings) or the mother.
    ids : pair of str
        Ids of the half siblings.
    sexes : str, sequence or mapping
        Their sexes.
    shared_parent : str, optional
        Id of the shared parent, ``"FA"`` or ``"MO"`` by default. Each half sibling's other
        parent is ``"<id>_mother"`` (or ``"<id>_father"``).

    Examples
    --------
    >>> ped = half_siblings()
    >>> ped.parents("H1"), ped.parents("H2")
    (('FA', 'H1_mother'), ('FA', 'H2_mother'))
    """
    ids = list(ids)
    if len(ids) != 2:
        raise PedigreeError(f"half_siblings: expected two ids, got {ids}")
    psex = "M" if paternal else "F"
    shared = shared_parent or ("FA" if paternal else "MO")
    other_role = "mother" if paternal else "father"
    fam = _Family()
    for ident, sex in zip(ids, _sexes_for(ids, sexes), strict=True):
        fam.couple_child(ident, sex, shared, psex, f"{ident}_{other_role}")
    return fam.pedigree()


def grandparent(*, grandparent: str = "GP", grandchild: str = "GC", grandparent_sex: str = "M",
                grandchild_sex: str = "M", paternal: bool = True,
                parent: str | None = None) -> Pedigree:
    """A grandparent and a grandchild linked through an untyped parent.

    Parameters
    ----------
    grandparent, grandchild : str
        Ids of the two relatives.
    grandparent_sex, grandchild_sex : str
        Sexes: the grandparent is male or female, the grandchild "M", "F" or "U".
    paternal : bool
        Whether the linking parent is the grandchild's father (else the mother).
    parent : str, optional
        Id of the linking parent, ``"<grandchild>_father"`` (or ``_mother``) by default. The
        other untyped founders are ``"<grandchild>_mother"`` (the grandchild's other parent)
        and ``"<parent>_mother"`` (or ``_father``: the grandparent's partner).

    Examples
    --------
    >>> ped = grandparent()
    >>> ped.parents("GC")
    ('GC_father', 'GC_mother')
    >>> ped.parents("GC_father")
    ('GP', 'GC_father_mother')
    """
    gsex = sex_label(grandparent_sex, context=f"grandparent {grandparent!r}")
    if gsex not in _OPPOSITE:
        raise PedigreeError("grandparent: the grandparent must be male or female")
    psex = "M" if paternal else "F"
    role, other_role = ("father", "mother") if paternal else ("mother", "father")
    parent = parent or f"{grandchild}_{role}"
    gp_partner = f"{parent}_{'mother' if gsex == 'M' else 'father'}"
    fam = _Family()
    fam.couple_child(parent, psex, grandparent, gsex, gp_partner)
    fam.couple_child(grandchild, sex_label(grandchild_sex, context=f"grandchild {grandchild!r}"),
                     parent, psex, f"{grandchild}_{other_role}")
    return fam.pedigree()


def avuncular(*, uncle: str = "U", nephew: str = "N", uncle_sex: str = "M",
              nephew_sex: str = "M", paternal: bool = True) -> Pedigree:
    """An uncle or aunt and a nephew or niece: the uncle is a full sibling of a parent.

    Parameters
    ----------
    uncle, nephew : str
        Ids of the uncle (or aunt, with ``uncle_sex="F"``) and of the nephew (or niece).
    uncle_sex, nephew_sex : str
        Their sexes ("M", "F", "U").
    paternal : bool
        Whether the uncle is a sibling of the nephew's father (else of the mother).
        The untyped individuals are the nephew's parents ``"<nephew>_father"`` and
        ``"<nephew>_mother"`` and the uncle's parents ``"<uncle>_father"`` and
        ``"<uncle>_mother"``.

    Examples
    --------
    >>> ped = avuncular()
    >>> ped.parents("N")
    ('N_father', 'N_mother')
    >>> ped.parents("N_father") == ped.parents("U") == ('U_father', 'U_mother')
    True
    """
    gf, gm = f"{uncle}_father", f"{uncle}_mother"
    role, other_role = ("father", "mother") if paternal else ("mother", "father")
    psex = "M" if paternal else "F"
    fam = _Family()
    fam.person(gf, "M")
    fam.person(gm, "F")
    fam.child(uncle, sex_label(uncle_sex, context=f"uncle {uncle!r}"), gf, gm)
    fam.child(f"{nephew}_{role}", psex, gf, gm)
    fam.couple_child(nephew, sex_label(nephew_sex, context=f"nephew {nephew!r}"),
                     f"{nephew}_{role}", psex, f"{nephew}_{other_role}")
    return fam.pedigree()


def first_cousins(*, ids: Sequence[str] = ("C1", "C2"),
                  sexes: str | Sequence[str] | Mapping[str, str] = "M",
                  parent_sexes: Sequence[str] = ("M", "M"),
                  grandparents: tuple[str, str] = ("GF", "GM")) -> Pedigree:
    """Two first cousins: children of two full siblings.

    Parameters
    ----------
    ids : pair of str
        Ids of the cousins.
    sexes : str, sequence or mapping
        Their sexes.
    parent_sexes : pair of str
        Sexes of the two linking parents (siblings of each other); ``("M", "M")`` are the
        children of two brothers. A male linking parent of cousin ``c`` is ``"<c>_father"``,
        with the untyped partner ``"<c>_mother"``, and vice versa.
    grandparents : pair of str
        Ids of the shared grandfather and grandmother.

    Examples
    --------
    >>> ped = first_cousins()
    >>> ped.parents("C1_father") == ped.parents("C2_father") == ("GF", "GM")
    True
    """
    ids = list(ids)
    if len(ids) != 2 or len(parent_sexes) != 2:
        raise PedigreeError(f"first_cousins: expected two ids and two parent sexes, got {ids} "
                            f"and {list(parent_sexes)}")
    gf, gm = grandparents
    fam = _Family()
    fam.person(gf, "M")
    fam.person(gm, "F")
    for ident, sex, psex in zip(ids, _sexes_for(ids, sexes), parent_sexes, strict=True):
        psex = sex_label(psex, context=f"parent of {ident!r}")
        if psex not in _OPPOSITE:
            raise PedigreeError(f"first_cousins: the parent of {ident!r} must be male or female")
        role, other_role = ("father", "mother") if psex == "M" else ("mother", "father")
        fam.child(f"{ident}_{role}", psex, gf, gm)
        fam.couple_child(ident, sex, f"{ident}_{role}", psex, f"{ident}_{other_role}")
    return fam.pedigree()


def unrelated(ids: Sequence[str], sexes: str | Sequence[str] | Mapping[str, str] = "M"
              ) -> Pedigree:
    """Unrelated individuals: founders only.

    Parameters
    ----------
    ids : sequence of str
        Their ids.
    sexes : str, sequence or mapping
        One sex for all, one per id, or ``{id: sex}`` (others male).

    Examples
    --------
    >>> unrelated(["A", "B"]).founders
    ('A', 'B')
    """
    ids = list(ids)
    sexes_ = _sexes_for(ids, sexes)
    return Pedigree.from_records([(i, None, None, s) for i, s in zip(ids, sexes_, strict=True)])


#: Relationship words of :func:`missing_person_family`, each with the relative's implied sex
#: (``None``: taken from ``sexes``, male by default).
RELATIONSHIPS: dict[str, str | None] = {
    "father": "M", "mother": "F", "full_sibling": None,
    "half_sibling_paternal": None, "half_sibling_maternal": None,
    "child": None, "spouse": None,
    "paternal_grandfather": "M", "paternal_grandmother": "F",
    "maternal_grandfather": "M", "maternal_grandmother": "F",
    "paternal_uncle": "M", "paternal_aunt": "F", "maternal_uncle": "M", "maternal_aunt": "F",
    "nephew_via_brother": "M", "niece_via_brother": "F",
    "nephew_via_sister": "M", "niece_via_sister": "F",
    "first_cousin_paternal": None, "first_cousin_maternal": None,
    "first_cousin_via_paternal_uncle": None, "first_cousin_via_paternal_aunt": None,
    "first_cousin_via_maternal_uncle": None, "first_cousin_via_maternal_aunt": None,
}

#: Roles that one person plays at most; an untyped ``"<missing>_<role>"`` plays them otherwise.
_ROLES = ("father", "mother", "spouse", "paternal_grandfather", "paternal_grandmother",
          "maternal_grandfather", "maternal_grandmother")

#: Cousins: (side of the missing person's parent, sex of the cousin's linking parent).
_COUSINS = {"first_cousin_paternal": ("paternal", "M"),
            "first_cousin_maternal": ("maternal", "F"),
            "first_cousin_via_paternal_uncle": ("paternal", "M"),
            "first_cousin_via_paternal_aunt": ("paternal", "F"),
            "first_cousin_via_maternal_uncle": ("maternal", "M"),
            "first_cousin_via_maternal_aunt": ("maternal", "F")}


def missing_person_family(missing: str = "MP", *, missing_sex: str = "M",
                          relatives: Mapping[str, str],
                          sexes: Mapping[str, str] | None = None) -> Pedigree:
    """The pedigree of a missing person and the relatives who gave reference samples.

    The untyped individuals that connect them are added with readable ids:
    ``"<missing>_father"``, ``"<missing>_mother"``, ``"<missing>_spouse"`` (the other parent
    of the missing person's children), ``"<missing>_paternal_grandfather"`` and so on, unless
    a relative plays that role. A relative's own untyped parent is ``"<relative>_father"`` or
    ``"<relative>_mother"`` (the other parent of a half sibling or a child, the missing
    person's sibling who links a nephew, the uncle or aunt who links a cousin).

    Parameters
    ----------
    missing : str
        Id of the missing person.
    missing_sex : {"M", "F", "U"}
        Sex of the missing person (male or female if they have children here).
    relatives : mapping of str to str
        ``{relative id: relationship to the missing person}``, relationships from
        :data:`RELATIONSHIPS`: ``father``, ``mother``, ``full_sibling``,
        ``half_sibling_paternal``, ``half_sibling_maternal``, ``child``, ``spouse``,
        ``paternal_grandfather`` (and ``_grandmother``, ``maternal_...``),
        ``paternal_uncle``, ``paternal_aunt``, ``maternal_uncle``, ``maternal_aunt``,
        ``nephew_via_brother``, ``niece_via_brother``, ``nephew_via_sister``,
        ``niece_via_sister``, ``first_cousin_paternal`` (through a brother of the father),
        ``first_cousin_maternal`` (through a sister of the mother) and
        ``first_cousin_via_{paternal,maternal}_{uncle,aunt}``. All the missing person's
        children share one other parent; all nephews, nieces and cousins have distinct
        linking parents. Build other shapes with :meth:`Pedigree.from_records`.
    sexes : mapping of str to str, optional
        Sexes of relatives whose relationship does not imply one (siblings, children,
        cousins; male by default). A spouse has the sex opposite to the missing person.

    Returns
    -------
    Pedigree

    Raises
    ------
    PedigreeError
        An unknown relationship word, two relatives in one role (two fathers), a sex that
        contradicts the relationship, or a relative id that clashes with an added one.

    Examples
    --------
    >>> ped = missing_person_family(relatives={"R1": "mother", "R2": "full_sibling"})
    >>> ped.parents("MP"), ped.parents("R2")
    (('MP_father', 'R1'), ('MP_father', 'R1'))
    """
    sexes = dict(sexes or {})
    mp_sex = sex_label(missing_sex, context=f"missing person {missing!r}")
    relatives = dict(relatives)
    if missing in relatives:
        raise PedigreeError(f"the missing person {missing!r} is also listed as a relative")
    unknown = sorted(set(sexes) - set(relatives))
    if unknown:
        raise PedigreeError(f"sexes given for {unknown}, who are not among the relatives")
    players: dict[str, str] = {}
    rel_sex: dict[str, str] = {}
    for rid, word in relatives.items():
        if word not in RELATIONSHIPS:
            raise PedigreeError(f"relative {rid!r}: unknown relationship {word!r}; expected "
                                f"one of {', '.join(RELATIONSHIPS)}")
        if word in _ROLES:
            if word in players:
                raise PedigreeError(f"relatives {players[word]!r} and {rid!r} are both the "
                                    f"{word} of {missing!r}")
            players[word] = rid
        implied = RELATIONSHIPS[word]
        if word == "spouse":
            if mp_sex not in _OPPOSITE:
                raise PedigreeError(f"spouse {rid!r}: the missing person {missing!r} must be "
                                    f"male or female to have a spouse")
            implied = _OPPOSITE[mp_sex]
        given = sex_label(sexes[rid], context=f"relative {rid!r}") if rid in sexes else None
        if implied is not None and given is not None and given != implied:
            raise PedigreeError(f"relative {rid!r} is the {word} of {missing!r} and cannot "
                                f"have sex {given!r}")
        rel_sex[rid] = implied or given or "M"

    fam = _Family()
    fam.person(missing, mp_sex)
    for rid in relatives:
        fam.person(rid, rel_sex[rid])

    def role(name: str, sex: str) -> str:
        ident = players.get(name, f"{missing}_{name}")
        if name not in players and ident in relatives:
            raise PedigreeError(f"relative id {ident!r} clashes with the untyped {name} of "
                                f"{missing!r} that the pedigree needs; rename the relative")
        return fam.person(ident, sex)

    def mp_parents() -> tuple[str, str]:
        fa, mo = role("father", "M"), role("mother", "F")
        fam.child(missing, mp_sex, fa, mo)
        return fa, mo

    def grandparents(side: str) -> tuple[str, str]:
        fa, mo = mp_parents()
        gf, gm = role(f"{side}_grandfather", "M"), role(f"{side}_grandmother", "F")
        fam.child(fa if side == "paternal" else mo, "M" if side == "paternal" else "F", gf, gm)
        return gf, gm

    def linking(rid: str, role_name: str, sex: str) -> str:
        ident = f"{rid}_{role_name}"
        if ident in relatives or ident == missing:
            raise PedigreeError(f"relative id {ident!r} clashes with the untyped {role_name} of "
                                f"{rid!r} that the pedigree needs; rename the relative")
        return fam.person(ident, sex)

    def child_of(rid: str, parent: str, parent_sex: str) -> None:
        other_role = "mother" if parent_sex == "M" else "father"
        other = linking(rid, other_role, _OPPOSITE[parent_sex])
        fam.couple_child(rid, rel_sex[rid], parent, parent_sex, other)

    for rid, word in relatives.items():
        sex = rel_sex[rid]
        if word in ("father", "mother"):
            mp_parents()
        elif word == "full_sibling":
            fam.child(rid, sex, *mp_parents())
        elif word in ("half_sibling_paternal", "half_sibling_maternal"):
            fa, mo = mp_parents()
            if word == "half_sibling_paternal":
                child_of(rid, fa, "M")
            else:
                child_of(rid, mo, "F")
        elif word == "spouse":
            role("spouse", sex)
        elif word == "child":
            if mp_sex not in _OPPOSITE:
                raise PedigreeError(f"child {rid!r}: the missing person {missing!r} must be "
                                    f"male or female to have children")
            spouse = role("spouse", _OPPOSITE[mp_sex])
            fam.couple_child(rid, sex, missing, mp_sex, spouse)
        elif word.endswith(("_grandfather", "_grandmother")):
            grandparents(word.split("_")[0])
        elif word.endswith(("_uncle", "_aunt")) and not word.startswith("first_cousin"):
            fam.child(rid, sex, *grandparents(word.split("_")[0]))
        elif word.startswith(("nephew_via_", "niece_via_")):
            sib_sex = "M" if word.endswith("brother") else "F"
            sib = linking(rid, "father" if sib_sex == "M" else "mother", sib_sex)
            fam.child(sib, sib_sex, *mp_parents())
            child_of(rid, sib, sib_sex)
        else:
            side, psex = _COUSINS[word]
            parent = linking(rid, "father" if psex == "M" else "mother", psex)
            fam.child(parent, psex, *grandparents(side))
            child_of(rid, parent, psex)
    return fam.pedigree()
