"""Read Familias case files (``.fam``) into forensic_match's objects.

A ``.fam`` file is written by Familias (Egeland, Mostad, Mevåg & Stenersen 2000; Kling,
Tillmar, Egeland & Mostad 2014) one value per line: the persons and their genotypes (allele
indices into the database), the relations known in every pedigree, the pedigrees (each a
hypothesis), the allele database with its mutation models, and then optional sections in an
INI-like syntax (``[DVI]``, ``[Prior]``, ``[Advanced]``). There is no published specification;
the layout was learnt from the reader of the R package pedFamilias (Vigeland, ``R/readFam.R``,
https://github.com/magnusdv/pedFamilias) and checked against the files in
``../shared/reference/familias``. ``docs/familias.md`` says how each Familias concept maps onto
forensic_match's and what is refused or warned.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forensic_match.errors import (
    FamiliasWarning,
    InputError,
    MarkerError,
    NormalisationWarning,
    PedigreeError,
)
from forensic_match.markers import SUM_TOLERANCE, Marker
from forensic_match.mutation import Mutation, MutationModel, mutation_matrix, stabilize_pm
from forensic_match.pedigree import Pedigree

Genotypes = dict[str, dict[str, tuple[str, str]]]

#: Familias' mutation model codes (the order of its model menu).
MODEL_CODES = {0: "equal", 1: "proportional", 2: "stepwise", 3: "stepwise", 4: "stepwise"}
#: Code 3 is Familias' "stepwise, stationary": the stepwise matrix made stationary ("PM").
STATIONARY_CODE = 3
#: Prefix of the parents added where a pedigree gives a child one parent only.
ADDED_PREFIX = "added_"

# The value is the whole token after the key (up to a space, or the "," or ")" that ends the
# field), so that a value such as "0,02" or "1e" is refused rather than read in part.
#: The database header Familias writes: ``#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: 0 )``.
_HEADER = re.compile(r"^#FALSE#\s*\(\s*#Databases:\s*(\S+?)\s*;\s*Theta/Kinship/Fst:\s*"
                     r"([^\s)]*)\s*\)\s*$")
_INFO_KEYS = {"database_size": "DatabaseSize", "dropout": "Dropout probability",
              "maf": "Minor allele frequency"}
_INFO = {key: re.compile(re.escape(label) + r"\s*=\s*([^\s)]*)")
         for key, label in _INFO_KEYS.items()}


@dataclass(frozen=True)
class FamiliasFamily:
    """A reference family of the DVI module.

    Attributes
    ----------
    name : str
    persons : dict of str to str
        The family's listed persons and their sex ("M", "F" or "U"), in file order.
    pedigrees : dict of str to Pedigree
        The family's pedigrees by name, in file order (Familias' "Reference pedigree", where
        the references are unrelated, is usually the first).
    genotypes : dict
        ``{person: {marker: (a, b)}}`` of the typed persons.
    """

    name: str
    persons: dict[str, str]
    pedigrees: dict[str, Pedigree]
    genotypes: Genotypes


@dataclass(frozen=True)
class FamiliasDVI:
    """The ``[DVI]`` section: unidentified (post-mortem) persons and reference families.

    Attributes
    ----------
    unidentified : dict of str to str
        The unidentified persons and their sex ("M", "F" or "U"), in file order.
    genotypes : dict
        ``{unidentified person: {marker: (a, b)}}``.
    families : tuple of FamiliasFamily
    """

    unidentified: dict[str, str]
    genotypes: Genotypes
    families: tuple[FamiliasFamily, ...]


@dataclass(frozen=True)
class FamiliasCase:
    """What :func:`read_fam` read from a ``.fam`` file.

    Attributes
    ----------
    source : str
        The file read.
    version : str
        The Familias version that wrote it (e.g. ``"3.3.1 (DVI)"``).
    persons : dict of str to str
        The persons of the main (non-DVI) section and their sex, in file order, including the
        "extra" individuals (``extra_1``, ... shared by all pedigrees; ``extra_pedK_1``, ...
        of pedigree K only).
    pedigrees : dict of str to Pedigree
        One pedigree per named hypothesis, in file order. A child given one parent only gets
        an untyped parent ``added_1``, ``added_2``, ... (fathers first; numbered per pedigree).
    genotypes : dict
        ``{person: {marker: (a, b)}}`` of the main section, alleles in file order.
    markers : tuple of Marker
        The database's markers in file order, with frequencies and mutation models.
    theta : float
        The database's ``Theta/Kinship/Fst`` (Balding-Nichols correction).
    database : str
        The database's name ("" if the file gives none).
    database_size : dict of str to float
        The ``DatabaseSize`` given for each marker.
    dropout : dict of str to float
        Each marker's ``Dropout probability`` (Familias applies it to the persons in
        ``dropout_persons``); read, not applied by forensic_match (see ``docs/familias.md``).
    dropout_persons : tuple of str
        Persons marked "Consider dropouts".
    maf : dict of str to float
        Each marker's ``Minor allele frequency`` (frequency for alleles absent from the
        database).
    dvi : FamiliasDVI or None
        The DVI module's data, if the file has a ``[DVI]`` section.
    settings : dict
        The INI-like sections other than ``[DVI]``: ``{"Advanced/Direct/Identity":
        {"Dropout": "0", ...}, ...}``, as text.
    warnings : tuple of str
        Every warning issued while reading (each also issued as a :class:`FamiliasWarning`).
    """

    source: str
    version: str
    persons: dict[str, str]
    pedigrees: dict[str, Pedigree]
    genotypes: Genotypes
    markers: tuple[Marker, ...]
    theta: float = 0.0
    database: str = ""
    database_size: dict[str, float] = field(default_factory=dict)
    dropout: dict[str, float] = field(default_factory=dict)
    dropout_persons: tuple[str, ...] = ()
    maf: dict[str, float] = field(default_factory=dict)
    dvi: FamiliasDVI | None = None
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def marker(self, name: str) -> Marker:
        """The marker called ``name``."""
        for m in self.markers:
            if m.name == name:
                return m
        raise MarkerError(f"file {self.source!r}: no marker {name!r} in the database")


def read_fam(path: str | Path) -> FamiliasCase:
    """Read a Familias ``.fam`` case file.

    Parameters
    ----------
    path : str or Path
        A file written by Familias (versions 2 and 3, with or without the DVI module).

    Returns
    -------
    FamiliasCase
        Persons, pedigrees (one per hypothesis), genotypes, markers with frequencies and
        mutation models, theta, dropout settings, the DVI section if present, the other
        settings, and the warnings issued.

    Raises
    ------
    InputError
        The file cannot be read or holds something forensic_match does not support (twins,
        silent alleles, precomputed probabilities, an unknown mutation model code); the
        message names the file and line.

    Warns
    -----
    FamiliasWarning
        For each stated rule applied (see ``docs/familias.md``); the messages are also in
        ``FamiliasCase.warnings``.

    Examples
    --------
    >>> case = read_fam("paternity.fam")                       # doctest: +SKIP
    >>> from forensic_match import pedigree_likelihood         # doctest: +SKIP
    >>> lik = {name: pedigree_likelihood(ped, case.markers, case.genotypes).prod()
    ...        for name, ped in case.pedigrees.items()}        # doctest: +SKIP
    >>> lik["H1"] / lik["H2"]                                  # doctest: +SKIP
    760.34...
    """
    return _Reader(Path(path)).read()


class _Reader:
    def __init__(self, path: Path) -> None:
        self.source = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"file {self.source!r}: cannot read: {exc}") from exc
        try:
            # a byte-order mark: the file was saved again by a Windows editor
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Familias runs on Windows and writes its code page (accented names in Spanish).
            text = data.decode("cp1252", errors="replace")
        self.raw = [line.rstrip("\r") for line in text.split("\n")]
        self.lines = [line.replace('"', "").strip() for line in self.raw]
        self.messages: list[str] = []

    # -- helpers --------------------------------------------------------------------------

    def error(self, k: int, message: str) -> InputError:
        return InputError(f"file {self.source!r}, line {k + 1}: {message}")

    def warn(self, message: str) -> None:
        text = f"file {self.source!r}: {message}"
        self.messages.append(text)
        warnings.warn(text, FamiliasWarning, stacklevel=4)

    def line(self, k: int, what: str) -> str:
        if k >= len(self.lines):
            raise self.error(k, f"expected {what}, but the file ends")
        return self.lines[k]

    def int(self, k: int, what: str) -> int:
        value = self.line(k, what)
        try:
            return int(value)
        except ValueError:
            raise self.error(k, f"expected {what} (an integer), found {value!r}") from None

    def number_of(self, k: int, what: str, *, at_most: int | None = None) -> int:
        """A count (of persons, relations, loci...): an integer from 0, and for counts that
        take no lines of their own (extra persons) at most ``at_most``, so that an edited or
        corrupted count is refused rather than read as an empty list or a huge one."""
        n = self.int(k, what)
        if n < 0 or (at_most is not None and n > at_most):
            bound = f"0 to {at_most}" if at_most is not None else "0 or more"
            raise self.error(k, f"{what} must be {bound}, found {n}")
        return n

    def float(self, k: int, what: str) -> float:
        value = self.line(k, what)
        try:
            return float(value)
        except ValueError:
            raise self.error(k, f"expected {what} (a number), found {value!r}") from None

    def number_in(self, token: str, k: int, what: str) -> float:
        """A finite number written inside line ``k`` (after ``what``), e.g. theta in the
        database header; a field's closing "," is not part of it."""
        text = token[:-1] if token.endswith(",") else token
        value = _number(text)
        if value is None or not np.isfinite(value):
            raise self.error(k, f"{what}: expected a number, found {token!r}")
        return value

    def flag(self, k: int, what: str) -> bool:
        value = self.line(k, what)
        if value not in ("#TRUE#", "#FALSE#"):
            raise self.error(k, f"expected {what} (#TRUE# or #FALSE#), found {value!r}")
        return value == "#TRUE#"

    # -- the file -------------------------------------------------------------------------

    def read(self) -> FamiliasCase:
        if not self.lines or not self.lines[0].startswith("Output from Familias"):
            raise self.error(0, "not a Familias file (the first line should be 'Output from "
                                "Familias, version ...')")
        version = self.line(2, "the Familias version")
        k = 3 if self.line(3, "the number of persons") != "" else 4
        persons, typed, dropout_persons, k = self.read_persons(k)
        relations, extras, k = self.read_known_relations(k, persons)
        pedigrees, k = self.read_pedigrees(k, persons, extras, relations)
        db = self.read_database(k)
        markers = db["markers"]
        genotypes = self.resolve_genotypes(typed, markers)
        settings, dvi_start = self.read_sections(db["end"])
        dvi = self.read_dvi(dvi_start, markers) if dvi_start is not None else None
        self.check_settings(settings, dropout_persons, db["dropout"])
        everyone = dict(persons)
        everyone.update(extras)
        for ped in pedigrees.values():
            for ident in ped.ids:
                if ident.startswith("extra_ped"):
                    everyone.setdefault(ident, ped.sex_of(ident))
        return FamiliasCase(
            source=self.source, version=version, persons=everyone, pedigrees=pedigrees,
            genotypes=genotypes, markers=markers, theta=db["theta"], database=db["name"],
            database_size=db["database_size"], dropout=db["dropout"],
            dropout_persons=tuple(dropout_persons), maf=db["maf"], dvi=dvi,
            settings=settings, warnings=tuple(self.messages))

    def read_persons(self, k: int) -> tuple[dict[str, str], dict[str, list[tuple[int, ...]]],
                                            list[str], int]:
        n = self.number_of(k, "the number of persons")
        k += 1
        persons: dict[str, str] = {}
        typed: dict[str, list[tuple[int, ...]]] = {}
        dropout_persons: list[str] = []
        for _ in range(n):
            name = self.line(k, "a person's name")
            if name in persons:
                raise self.error(k, f"duplicate person {name!r}")
            dropout_line = self.line(k + 2, f"the dropout line of {name!r}")
            if dropout_line.endswith("(Consider dropouts)"):
                dropout_persons.append(name)
            # Familias (and pedFamilias' writer) put #FALSE#, -1, #FALSE# here; what other
            # values would mean is not known, so they are reported, not guessed at.
            seen = (self.line(k + 1, f"the lines after {name!r}"), dropout_line.split(" ")[0],
                    self.line(k + 3, f"the lines after {name!r}"))
            if seen != ("#FALSE#", "-1", "#FALSE#"):
                self.warn(f"lines {k + 2}-{k + 4}, person {name!r}: {seen} where Familias "
                          f"writes ('#FALSE#', '-1', '#FALSE#'); not understood, ignored")
            persons[name] = "M" if self.flag(k + 4, f"the sex of {name!r} (male?)") else "F"
            count = self.number_of(k + 5, f"the number of genotypes of {name!r}")
            rows = []
            for j in range(count):
                base = k + 6 + 3 * j
                rows.append((self.int(base, "an allele index"), self.int(base + 1,
                             "an allele index"), self.int(base + 2, "a marker index"), base))
            typed[name] = rows
            k += 6 + 3 * count
        return persons, typed, dropout_persons, k

    def read_known_relations(self, k: int, persons: dict[str, str]
                             ) -> tuple[list[tuple[int, int, int]], dict[str, str], int]:
        if self.line(k, "'Known relations'") != "Known relations":
            raise self.error(k, f"expected 'Known relations', found {self.lines[k]!r}")
        # Extras take no lines; one that matters is in a relation, which takes two.
        females = self.number_of(k + 1, "the number of extra females", at_most=len(self.lines))
        males = self.number_of(k + 2, "the number of extra males", at_most=len(self.lines))
        extras = {f"extra_{i + 1}": "F" if i < females else "M" for i in range(females + males)}
        clash = sorted(set(extras) & set(persons))
        if clash:
            # the extra person would replace the listed one (its sex, its place in relations)
            raise self.error(k + 1, f"person names {clash} clash with the names forensic_match "
                                    f"gives the file's extra persons; rename them in Familias")
        relations, k = self.read_relations(k + 3)
        return relations, extras, k

    def read_relations(self, k: int) -> tuple[list[tuple[int, int, int]], int]:
        n = self.number_of(k, "the number of relations")
        out = []
        for j in range(n):
            at = k + 1 + 2 * j
            if "Direct" in self.line(at, "a parent index"):
                raise self.error(at, "the file holds twins (a 'Direct' relation); forensic_match "
                                     "does not read twins from .fam files")
            out.append((self.int(at, "a parent index"), self.int(at + 1, "a child index"), at))
        return out, k + 1 + 2 * n

    def read_pedigrees(self, k: int, persons: dict[str, str], extras: dict[str, str],
                       known: list[tuple[int, int, int]]) -> tuple[dict[str, Pedigree], int]:
        n = self.number_of(k, "the number of pedigrees")
        k += 1
        base = dict(persons)
        base.update(extras)
        pedigrees: dict[str, Pedigree] = {}
        if n == 0 and persons:
            pedigrees["Known relations"] = self.build_main(list(base.items()), known, k,
                                                           "Known relations")
        for _ in range(n):
            index = self.int(k, "a pedigree index")
            name = self.line(k + 1, "a pedigree name")
            if name in pedigrees:
                raise self.error(k + 1, f"duplicate pedigree name {name!r}")
            females = self.number_of(k + 2, "the number of extra females",
                                     at_most=len(self.lines))
            males = self.number_of(k + 3, "the number of extra males", at_most=len(self.lines))
            own = [(f"extra_ped{index + 1}_{i + 1}", "F" if i < females else "M")
                   for i in range(females + males)]
            relations, end = self.read_relations(k + 4)
            pedigrees[name] = self.build_main(list(base.items()) + own, known + relations, k,
                                              name)
            k = end
        return pedigrees, k

    def build_main(self, people: list[tuple[str, str]], relations: list[tuple[int, int, int]],
                   k: int, name: str) -> Pedigree:
        where = f"pedigree {name!r}"
        names = [p for p, _ in people]
        sex = dict(people)
        father: dict[str, str] = {}
        mother: dict[str, str] = {}
        for parent, child, at in relations:
            if not (0 <= parent < len(names) and 0 <= child < len(names)):
                raise self.error(at, f"relation {parent} -> {child} names a person that does "
                                     f"not exist (there are {len(names)})")
            role = father if sex[names[parent]] == "M" else mother
            self.one_parent(role, names[child], names[parent], at, role is father, where)
            role[names[child]] = names[parent]
        return self.pedigree(names, sex, father, mother, f"line {k + 1}")

    def one_parent(self, role: dict[str, str], child: str, parent: str, at: int, is_father: bool,
                   where: str) -> None:
        """Warn when a relation gives ``child`` a second father (or mother)."""
        if role.get(child, parent) != parent:
            kind = "father" if is_father else "mother"
            self.warn(f"line {at + 1}, {where}: {child!r} already has {kind} {role[child]!r}; "
                      f"the later relation, {kind} {parent!r}, is kept (as pedFamilias does)")

    def pedigree(self, names: list[str], sex: dict[str, str], father: dict[str, str],
                 mother: dict[str, str], where: str) -> Pedigree:
        # Familias lets a child have one parent; forensic_match's pedigrees need both or
        # neither, so the other parent is an untyped founder (as pedFamilias does).
        lone_f = [c for c in names if c not in father and c in mother]
        lone_m = [c for c in names if c in father and c not in mother]
        added = [f"{ADDED_PREFIX}{i + 1}" for i in range(len(lone_f) + len(lone_m))]
        clash = set(added) & set(names)
        if clash:
            raise InputError(f"file {self.source!r}, {where}: person names {sorted(clash)} "
                             f"clash with the parents forensic_match adds")
        for child, new in zip(lone_f, added):
            father[child] = new
        for child, new in zip(lone_m, added[len(lone_f):]):
            mother[child] = new
        records = [(p, father.get(p), mother.get(p), sex[p]) for p in names]
        records += [(a, None, None, "M") for a in added[:len(lone_f)]]
        records += [(a, None, None, "F") for a in added[len(lone_f):]]
        try:
            return Pedigree.from_records(records, source=self.source)
        except PedigreeError as exc:
            raise InputError(f"file {self.source!r}, {where}: {exc}") from exc

    # -- database -------------------------------------------------------------------------

    def read_database(self, k: int) -> dict:
        header = self.line(k, "the database header")
        if header.startswith("#TRUE#"):
            raise self.error(k, "the file holds precomputed probabilities; forensic_match does "
                                "not read them (save the case without them)")
        known = _HEADER.match(header)
        if known is None:
            # theta (or a count of databases) written another way would be read as 0
            raise self.error(k, f"the database header {header!r} is not in the form Familias "
                                f"writes ('#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: 0 )'); "
                                f"theta cannot be read from it safely")
        if known.group(1) != "1":
            raise self.error(k, f"the file holds {known.group(1)} databases; forensic_match "
                                f"reads files with one")
        theta = self.number_in(known.group(2), k, "Theta/Kinship/Fst")
        if not 0.0 <= theta < 1.0:
            raise self.error(k, f"Theta/Kinship/Fst must lie in [0, 1), found {theta!r}")
        n = self.number_of(k + 1, "the number of loci")
        has_name = self.flag(k + 2, "whether the database has a name")
        name = self.line(k + 3, "the database name") if has_name else ""
        k += 3 + has_name
        markers = []
        info: dict[str, dict[str, float]] = {key: {} for key in _INFO}
        for _ in range(n):
            marker, values, k = self.read_locus(k)
            markers.append(marker)
            for key, value in values.items():
                info[key][marker.name] = value
        names = [m.name for m in markers]
        if len(set(names)) != len(names):
            raise self.error(k, f"duplicate marker names in the database: {names}")
        return {"markers": tuple(markers), "theta": theta, "name": name, "end": k, **info}

    def read_locus(self, k: int) -> tuple[Marker, dict[str, float], int]:
        name = self.line(k, "a locus name")
        rate = {"F": self.float(k + 1, "the female mutation rate"),
                "M": self.float(k + 2, "the male mutation rate")}
        code = {"F": self.int(k + 3, "the female mutation model code"),
                "M": self.int(k + 4, "the male mutation model code")}
        for sex, at in (("F", k + 3), ("M", k + 4)):
            if code[sex] not in MODEL_CODES:
                raise self.error(at, f"locus {name!r}: unknown mutation model code {code[sex]} "
                                     f"(Familias uses 0-4)")
        rng = {"F": self.float(k + 6, "the female mutation range"),
               "M": self.float(k + 7, "the male mutation range")}
        rate2 = {"F": self.float(k + 8, "the female rate2"),
                 "M": self.float(k + 9, "the male rate2")}
        if self.flag(k + 10, "whether the locus has a silent allele"):
            raise self.error(k + 10, f"locus {name!r} has a silent allele; forensic_match does "
                                     f"not model silent alleles")
        parts = self.line(k + 12, "the number of alleles").split("\t")
        try:
            n = int(parts[0])
        except ValueError:
            raise self.error(k + 12, f"locus {name!r}: expected the number of alleles, found "
                                     f"{parts[0]!r}") from None
        values = {}
        for key, pattern in _INFO.items():
            found = pattern.search(parts[1]) if len(parts) > 1 else None
            if found:
                values[key] = self.number_in(found.group(1), k + 12,
                                             f"locus {name!r}: {_INFO_KEYS[key]}")
        alleles = [self.line(k + 13 + 2 * i, "an allele") for i in range(n)]
        freqs = [self.float(k + 14 + 2 * i, "an allele frequency") for i in range(n)]
        total = float(np.sum(freqs))
        if abs(total - 1.0) > SUM_TOLERANCE:
            raise self.error(k, f"locus {name!r}: the frequencies sum to {total:.6g}, not 1 "
                                f"(tolerance {SUM_TOLERANCE}); correct the database in "
                                f"Familias")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", NormalisationWarning)
                marker = Marker(name, alleles, np.array(freqs))
            for w in caught:   # a rounded database, rescaled: one of the file's warnings
                self.warn(f"line {k + 1}, {w.message}")
            mutation = self.mutation(name, alleles, marker.frequencies, rate, code, rng, rate2)
            marker = marker.with_mutation(mutation)
            if mutation is not None:
                marker.matrices  # noqa: B018 - build them now, so a bad model fails here
        except MarkerError as exc:
            hint = ""
            if "stationary distribution" in str(exc) and STATIONARY_CODE in code.values() \
                    and any(rate2[s] == 0.0 for s in "FM"):
                # A microvariant (9.3) reaches no whole allele by whole steps: with rate2 = 0
                # it forms a class of its own, so no single stationary distribution exists.
                hint = ("; with rate2 = 0 a microvariant allele never mutates to or from "
                        "the whole alleles: give rate2 a value above 0 in Familias, or use "
                        "code 4 (extended stepwise, not stationary)")
            raise self.error(k, f"locus {name!r}: {exc}{hint}") from exc
        return marker, values, k + 13 + 2 * n

    def mutation(self, name: str, alleles: list[str], freqs: np.ndarray, rate: dict[str, float],
                 code: dict[str, int], rng: dict[str, float], rate2: dict[str, float]
                 ) -> Mutation | None:
        if all(rate[s] == 0.0 and (MODEL_CODES[code[s]] != "stepwise" or rate2[s] == 0.0)
               for s in "FM"):
            return None
        if any(MODEL_CODES[code[s]] == "stepwise" for s in "FM"):
            problem = _stepwise_problem(alleles)
            if problem:
                self.warn(f"locus {name!r}: {problem}, which the stepwise model cannot use; "
                          f"the equal model with the same rates is used instead (as pedFamilias "
                          f"does)")
                code = {"F": 0, "M": 0}
        models = {}
        for s in "FM":
            family = MODEL_CODES[code[s]]
            if family == "stepwise":
                models[s] = MutationModel("stepwise", rate=rate[s], range=rng[s], rate2=rate2[s])
            else:
                models[s] = MutationModel(family, rate=rate[s])
        stationary = {s: code[s] == STATIONARY_CODE and (rate[s] > 0 or rate2[s] > 0)
                      for s in "FM"}
        # A sex that never mutates has the identity matrix, which the PM transform keeps.
        moving = {stationary[s] for s in "FM"
                  if rate[s] > 0 or (MODEL_CODES[code[s]] == "stepwise" and rate2[s] > 0)}
        if len(moving) == 1:
            return Mutation(female=models["F"], male=models["M"], stationary=moving.pop())
        # One sex stationary and the other not: give each sex its own matrix.
        custom = {}
        for s in "FM":
            m = mutation_matrix(models[s], alleles, freqs)
            if stationary[s]:
                m = stabilize_pm(m, freqs)
            custom[s] = MutationModel("custom", matrix=m)
        return Mutation(female=custom["F"], male=custom["M"])

    def resolve_genotypes(self, typed: dict[str, list[tuple[int, ...]]],
                          markers: tuple[Marker, ...]) -> Genotypes:
        out: Genotypes = {}
        for person, rows in typed.items():
            if not rows:
                continue
            out[person] = {}
            for a, b, m, at in rows:
                if not 0 <= m < len(markers):
                    raise self.error(at + 2, f"person {person!r}: marker index {m} is not in the "
                                             f"database ({len(markers)} loci)")
                marker = markers[m]
                if marker.name in out[person]:
                    raise self.error(at + 2, f"person {person!r}: a second genotype for marker "
                                             f"{marker.name!r} (index {m})")
                for idx, line in ((a, at), (b, at + 1)):
                    if not 0 <= idx < len(marker.alleles):
                        raise self.error(line, f"person {person!r}, marker {marker.name!r}: "
                                               f"allele index {idx} is not in the database "
                                               f"({len(marker.alleles)} alleles)")
                out[person][marker.name] = (marker.alleles[a], marker.alleles[b])
        return out

    # -- the INI-like sections ------------------------------------------------------------

    def read_sections(self, k: int) -> tuple[dict[str, dict[str, str]], int | None]:
        settings: dict[str, dict[str, str]] = {}
        path: list[str] = []
        dvi_start = None
        for j in range(k, len(self.raw)):
            line = self.raw[j].strip()
            if not line:
                continue
            depth = len(line) - len(line.lstrip("["))
            if depth:
                title = line.strip("[]").strip()
                path = path[:depth - 1] + [title]
                if depth == 1 and title == "DVI" and dvi_start is None:
                    dvi_start = j
                continue
            if not path:
                raise self.error(j, f"unexpected line after the database: {line!r}")
            if path[0] == "DVI":
                continue
            key, _, value = line.partition("=")
            settings.setdefault("/".join(path), {})[key.strip()] = value.strip()
        return settings, dvi_start

    def check_settings(self, settings: dict[str, dict[str, str]], dropout_persons: list[str],
                       dropout: dict[str, float]) -> None:
        direct = settings.get("Advanced/Direct/Identity", {})
        for key in ("Dropin", "Dropout", "Error"):
            value = direct.get(key, "0")
            if _number(value) != 0.0:  # "0,1" (a decimal comma) is not zero either
                self.warn(f"[Advanced] {key}= {value} is read into FamiliasCase.settings but not "
                          f"applied by forensic_match")
        if dropout_persons and any(v > 0 for v in dropout.values()):
            self.warn(f"persons {dropout_persons} are marked 'Consider dropouts' with nonzero "
                      f"dropout probabilities; they are read (FamiliasCase.dropout) but not "
                      f"applied: Familias' dropout model is per marker, forensic_match's per "
                      f"sample")

    def read_dvi(self, start: int, markers: tuple[Marker, ...]) -> FamiliasDVI:
        tree = _Node("DVI", start)
        stack = [tree]
        notes = 0       # raw note lines still to pass over
        for j in range(start + 1, len(self.raw)):
            line = self.raw[j].strip()
            if notes and not line.startswith("[["):
                # [[Notes]] nFamilies= N is followed by one raw line per family, its note as
                # typed (empty, "Madre: Rosa", "[see file]"): not a key or a section (an outside
                # check, 2026-12-07: a note was refused, or one opening with "[" moved every
                # reference family out of the DVI section, silently). A file with fewer lines
                # there (another tool's) ends its notes at the next section.
                notes -= 1
                continue
            notes = 0
            if not line:
                continue
            depth = len(line) - len(line.lstrip("["))
            if depth == 1:
                break
            if depth:
                node = _Node(line.strip("[]").strip(), j)
                del stack[depth - 1:]
                if not stack:
                    raise self.error(j, f"section {line!r} is nested too deep")
                stack[-1].children.append(node)
                stack.append(node)
            else:
                key, sep, value = line.partition("=")
                if not sep:
                    raise self.error(j, f"expected 'Key= value' in the DVI section, "
                                        f"found {line!r}")
                stack[-1].entries.append((key.strip(), value.strip(), j))
                if stack[-1].name == "Notes" and len(stack) == 2 and \
                        key.strip() == "nFamilies":
                    notes = int(value) if value.strip().isdigit() else 0
        by_name = {m.name: m for m in markers}
        unidentified: dict[str, str] = {}
        pm_genotypes: Genotypes = {}
        for section in tree.find("Unidentified persons"):
            self.count(section, "nPersons", len(section.children))
            for person in section.children:
                name, sex = self.dvi_person(person)
                if name in unidentified:
                    raise self.error(person.line, f"duplicate unidentified person {name!r}")
                unidentified[name] = sex
                self.missing_part(person, "DNA data", f"unidentified person {name!r}",
                                  "read as untyped")
                calls = self.dna(person, by_name, name)
                if calls:
                    pm_genotypes[name] = calls
        families = []
        if not tree.find("Reference Families"):
            self.warn(f"line {start + 1}: the [DVI] section has no [[Reference Families]] "
                      f"section: no reference families were read (is the file cut short?)")
        for section in tree.find("Reference Families"):
            self.count(section, "nFamilies", len(section.children))
            for fam in section.children:
                families.append(self.dvi_family(fam, by_name))
        return FamiliasDVI(unidentified, pm_genotypes, tuple(families))

    def missing_part(self, node: _Node, part: str, what: str, read: str) -> None:
        """Warn when a [DVI] node lacks a part that Familias always writes (``[[[DNA data]]]``
        of a person, ``Persons`` and ``Pedigrees`` of a family): a file cut between
        sections reads without an error otherwise. Not an error, as other tools' files may
        leave parts out (``docs/familias.md``)."""
        if not node.find(part):
            self.warn(f"line {node.line + 1}, {what}: no [{part}] section; {read} (is the "
                      f"file cut short?)")

    def dvi_person(self, node: _Node) -> tuple[str, str]:
        name = node.value("Name")
        if not name:
            raise self.error(node.line, "a person without a Name")
        gender = node.value("Gender")
        sex = {"male": "M", "female": "F"}.get((gender or "").strip().lower())
        if sex is None and gender:
            at = next(k for key, _, k in node.entries if key == "Gender")
            self.warn(f"line {at + 1}, person {name!r}: Gender {gender!r} "
                      "is neither Male nor Female; read as unknown, so no sex filter applies")
        return name, sex or "U"

    def count(self, node: _Node, key: str, found: int) -> None:
        """Check a section's stated count (``nPersons= 3``) against what it holds; a
        section without its count (Familias always writes it) is warned about."""
        stated = node.value(key)
        if stated is None:
            self.warn(f"line {node.line + 1}: section {node.name!r} has no {key}= line; "
                      f"{found} read (is the file cut short?)")
        elif _number(stated) != found:
            raise self.error(node.line, f"section {node.name!r} says {key}= {stated} but holds "
                                        f"{found}")

    def dna(self, person: _Node, markers: Mapping[str, Marker], name: str
            ) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        for data in person.children:
            if data.name != "DNA data":
                continue
            entries = [e for e in data.entries if e[0] != "nSystems"]
            self.count(data, "nSystems", len(entries) // 3)
            if len(entries) % 3:
                raise self.error(data.line, f"person {name!r}: DNA data is not in "
                                            f"SystemName/Allele1/Allele2 triples")
            for i in range(0, len(entries), 3):
                (k1, system, at), (k2, a, _), (k3, b, _) = entries[i:i + 3]
                if (k1, k2, k3) != ("SystemName", "Allele1", "Allele2"):
                    raise self.error(at, f"person {name!r}: expected SystemName, Allele1, Allele2")
                if system not in markers:
                    raise self.error(at, f"person {name!r}: marker {system!r} is not in the "
                                         f"database")
                if system in out:
                    raise self.error(at, f"person {name!r}: a second genotype for marker "
                                         f"{system!r}")
                for allele in (a, b):
                    if not markers[system].has(allele):
                        raise self.error(at, f"person {name!r}, marker {system!r}: allele "
                                             f"{allele!r} is not in the database")
                out[system] = (a, b)
        return out

    def dvi_family(self, node: _Node, markers: Mapping[str, Marker]) -> FamiliasFamily:
        family = node.value("Name") or node.name
        persons: dict[str, str] = {}
        genotypes: Genotypes = {}
        self.missing_part(node, "Persons", f"family {family!r}", "no reference persons read")
        self.missing_part(node, "Pedigrees", f"family {family!r}", "no pedigrees read")
        for section in node.children:
            if section.name != "Persons":
                continue
            self.count(section, "nPersons", len(section.children))
            for person in section.children:
                name, sex = self.dvi_person(person)
                if name in persons:
                    raise self.error(person.line, f"family {family!r}: duplicate person "
                                                  f"{name!r}")
                persons[name] = sex
                self.missing_part(person, "DNA data", f"family {family!r}, person {name!r}",
                                  "read as untyped")
                calls = self.dna(person, markers, name)
                if calls:
                    genotypes[name] = calls
        pedigrees: dict[str, Pedigree] = {}
        for section in node.children:
            if section.name != "Pedigrees":
                continue
            self.count(section, "nPedigrees", len(section.children))
            for ped in section.children:
                name = ped.value("Name") or ped.name
                if name in pedigrees:
                    raise self.error(ped.line, f"family {family!r}: duplicate pedigree {name!r}")
                pedigrees[name] = self.dvi_pedigree(family, name, ped, persons)
        return FamiliasFamily(family, persons, pedigrees, genotypes)

    def dvi_pedigree(self, family: str, name: str, node: _Node, persons: dict[str, str]
                     ) -> Pedigree:
        pairs = []
        entries = [e for e in node.entries if e[0] in ("Parent", "Child")]
        self.count(node, "nRelations", len(entries) // 2)
        for i in range(0, len(entries), 2):
            pair = entries[i:i + 2]
            if len(pair) != 2 or (pair[0][0], pair[1][0]) != ("Parent", "Child"):
                raise self.error(pair[0][2], f"family {family!r}, pedigree {name!r}: expected "
                                             f"Parent= and Child= in pairs")
            pairs.append((pair[0][1], pair[1][1], pair[0][2]))
        sex = dict(persons)
        folded = {p.casefold(): p for p in persons}
        # People named only in relations (e.g. "Missing person") are in the pedigree too.
        for parent, child, at in pairs:
            for p in (parent, child):
                if p not in persons and p.casefold() in folded:
                    # a hand edit: a second, untyped person, which would cut the typed one off
                    raise self.error(at, f"family {family!r}, pedigree {name!r}: a relation "
                                         f"names {p!r}, and the family lists "
                                         f"{folded[p.casefold()]!r}; write the name as listed")
                sex.setdefault(p, "U")
        for parent in dict.fromkeys(p for p, _, _ in pairs):
            if sex[parent] != "U":
                continue
            children = {c for p, c, _ in pairs if p == parent}
            partners = {sex[p] for p, c, _ in pairs if c in children and p != parent}
            if partners == {"M"}:
                sex[parent] = "F"
            elif partners == {"F"}:
                sex[parent] = "M"
            elif not partners or partners == {"U"}:
                sex[parent] = "F"
                self.warn(f"family {family!r}, pedigree {name!r}: the sex of parent {parent!r} "
                          f"is not given and does not follow from a partner; taken as female "
                          f"(as pedFamilias does)")
            else:
                raise self.error(node.line, f"family {family!r}, pedigree {name!r}: cannot tell "
                                            f"the sex of parent {parent!r}")
        father: dict[str, str] = {}
        mother: dict[str, str] = {}
        for parent, child, at in pairs:
            role = father if sex[parent] == "M" else mother
            self.one_parent(role, child, parent, at, role is father,
                            f"family {family!r}, pedigree {name!r}")
            role[child] = parent
        return self.pedigree(list(sex), sex, father, mother,
                             f"line {node.line + 1}, family {family!r}, pedigree {name!r}")


class _Node:
    def __init__(self, name: str, line: int) -> None:
        self.name = name
        self.line = line
        self.entries: list[tuple[str, str, int]] = []
        self.children: list[_Node] = []

    def value(self, key: str) -> str | None:
        for k, v, _ in self.entries:
            if k == key:
                return v
        return None

    def find(self, name: str) -> list[_Node]:
        return [c for c in self.children if c.name == name]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _stepwise_problem(alleles: list[str]) -> str | None:
    for a in alleles:
        x = _number(a)
        if x is None:
            return f"allele {a!r} is not a number"
        if x < 1:
            return f"allele {a!r} is below 1"
        if round(x, 1) != x:
            return f"allele {a!r} is a microvariant with more than one decimal"
    return None
