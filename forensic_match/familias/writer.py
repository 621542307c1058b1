"""Write a :class:`FamiliasCase` as a Familias case file (``.fam``).

The layout is the one :mod:`forensic_match.familias.reader` reads (``docs/familias.md``),
learnt from files written by Familias itself; pedFamilias' writer (Vigeland, ``R/writeFam.R``,
https://github.com/magnusdv/pedFamilias) was read for the order of the fields. A case is
written only if reading the file back gives the same case: whatever Familias has no way to
say (a mutation model without a Familias code, a person of unknown sex, a pedigree that
leaves out a person) raises :class:`InputError` instead of being written differently.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np

from forensic_match.errors import FamiliasWarning, InputError
from forensic_match.familias.reader import (
    ADDED_PREFIX,
    STATIONARY_CODE,
    FamiliasCase,
    FamiliasDVI,
    FamiliasFamily,
    _stepwise_problem,
    read_fam,
)
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import Pedigree

#: The version written when the case gives none (the newest seen in real files).
DEFAULT_VERSION = "3.3.1"
#: Per-marker values written when the case gives none (pedFamilias' writer uses the same).
DEFAULT_INFO = {"database_size": 1000.0, "dropout": 0.0, "maf": 0.0}

_SHARED_EXTRA = re.compile(r"extra_(\d+)$")
_OWN_EXTRA = re.compile(r"extra_ped(\d+)_(\d+)$")
_CODES = {"equal": 0, "proportional": 1}
#: Familias' "extended stepwise" (code 4) carries rate2; code 2 is the same model without it.
_STEPWISE_CODE = 4
_GENDER = {"M": "Male", "F": "Female"}


def write_fam(case: FamiliasCase, path: str | Path) -> Path:
    """Write ``case`` as a Familias ``.fam`` file.

    The file is written to a temporary file beside ``path``, read back with
    :func:`~forensic_match.familias.read_fam` and compared with ``case``; only if nothing
    differs is it renamed to ``path``, so a crash or a refusal never leaves a half-written
    or unfaithful file (an existing ``path`` is left as it was).

    Parameters
    ----------
    case : FamiliasCase
        As read by ``read_fam`` or built by the caller under the same conventions: extra
        individuals named ``extra_N`` (shared by all pedigrees) and ``extra_pedK_N`` (of
        pedigree K), females first; a parent ``added_N`` (an untyped founder with one child)
        stands for "this child has one parent in Familias".
    path : str or Path
        Where to write.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        The case cannot be written faithfully: a mutation model with no Familias code
        (``onestep``, ``custom``, a PM-stationary ``equal`` or ``proportional`` model, or
        stationary for one sex only), a stepwise model on alleles it cannot use, a main
        person of unknown sex, a pedigree that lacks a person of the case, a genotype of an
        extra individual, a name Familias cannot hold (quotes, line breaks, surrounding
        spaces), a ``[DVI]`` key in ``settings``; or reading the written file back gives
        something else (the message names the field).

    Examples
    --------
    >>> case = read_fam("paternity.fam")              # doctest: +SKIP
    >>> write_fam(case, "copy.fam")                   # doctest: +SKIP
    >>> read_fam("copy.fam").pedigrees == case.pedigrees  # doctest: +SKIP
    True
    """
    path = Path(path)
    text = _Writer(case, str(path)).text()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(f"file {str(path)!r}: cannot write: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding=_encoding(text), newline="\r\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FamiliasWarning)
            back = read_fam(tmp)
        problem = _difference(case, back)
        if problem:
            raise InputError(f"file {str(path)!r}: not written, Familias' format cannot hold "
                             f"this case as it is ({problem})")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def mutation_key(mutation: Mutation | None) -> tuple | None:
    """What of a :class:`Mutation` gives its matrices: the parameters each model uses
    (``range`` and ``rate2`` only for stepwise), ``None`` when nothing ever mutates."""
    if mutation is None:
        return None
    keys = []
    for model in (mutation.female, mutation.male):
        if model.model == "custom":
            return ("custom", id(mutation))
        moving = model.rate > 0 or (model.model == "stepwise" and model.rate2 > 0)
        if not moving:
            keys.append(None)
        elif model.model == "stepwise":
            keys.append((model.model, model.rate, model.range, model.rate2))
        else:
            keys.append((model.model, model.rate))
    if keys == [None, None]:
        return None
    return (*keys, mutation.stationary)


def _encoding(text: str) -> str:
    """Familias runs on Windows and reads its code page; text it cannot hold goes as UTF-8."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return "utf-8"
    return "cp1252"


def _difference(case: FamiliasCase, back: FamiliasCase) -> str | None:
    """What differs between ``case`` and the file read back (``None``: nothing)."""
    if case.version and back.version != case.version:
        return f"version {case.version!r} read back as {back.version!r}"
    # The reader lists a pedigree's own extras among the persons; a caller need not.
    persons = dict(case.persons)
    for ped in case.pedigrees.values():
        for ident in ped.ids:
            if _OWN_EXTRA.match(ident):
                persons.setdefault(ident, ped.sex_of(ident))
    if persons != back.persons:
        return f"persons {persons!r} read back as {back.persons!r}"
    # A person with no calls is untyped, and who is marked for dropout has no order.
    genotypes = {p: {m: tuple(g) for m, g in calls.items()}
                 for p, calls in case.genotypes.items() if calls}
    if genotypes != back.genotypes:
        return f"genotypes {genotypes!r} read back as {back.genotypes!r}"
    if set(case.dropout_persons) != set(back.dropout_persons):
        return f"dropout persons {case.dropout_persons!r} read back as {back.dropout_persons!r}"
    for key in ("theta", "database", "settings"):
        if getattr(case, key) != getattr(back, key):
            return f"{key} {getattr(case, key)!r} read back as {getattr(back, key)!r}"
    if list(case.pedigrees) != list(back.pedigrees):
        return f"pedigrees {list(case.pedigrees)} read back as {list(back.pedigrees)}"
    for name, ped in case.pedigrees.items():
        if ped != back.pedigrees[name]:
            return (f"pedigree {name!r}: {sorted(ped.records())} read back as "
                    f"{sorted(back.pedigrees[name].records())}")
    if [m.name for m in case.markers] != [m.name for m in back.markers]:
        return f"markers {[m.name for m in case.markers]} read back as " \
               f"{[m.name for m in back.markers]}"
    for a, b in zip(case.markers, back.markers):
        if a.alleles != b.alleles or not np.array_equal(a.frequencies, b.frequencies):
            return f"marker {a.name!r}: alleles or frequencies differ when read back"
        if mutation_key(a.mutation) != mutation_key(b.mutation):
            return f"marker {a.name!r}: mutation {a.mutation} read back as {b.mutation}"
    for key, default in DEFAULT_INFO.items():
        want = {m.name: getattr(case, key).get(m.name, default) for m in case.markers}
        if getattr(back, key) != want:
            return f"{key} {want!r} read back as {getattr(back, key)!r}"
    if case.dvi != back.dvi:
        return "the DVI section differs when read back"
    return None


def _quoted(text: str, what: str, where: str) -> str:
    _check_name(text, what, where)
    return f'"{text}"'


def _check_name(text: str, what: str, where: str) -> None:
    if not isinstance(text, str):
        raise InputError(f"{where}: {what} {text!r} is not text")
    if '"' in text or "\n" in text or "\r" in text or text != text.strip():
        raise InputError(f"{where}: {what} {text!r} cannot be written to a .fam file (no "
                         f"double quotes, line breaks or surrounding spaces)")


def _number(x: float) -> str:
    """Shortest text that reads back as the same float, exponents with three digits as
    Familias (a Windows program) writes them: ``1e-006``."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = repr(x)
    mantissa, e, exponent = text.partition("e")
    if e:
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}e{sign}{int(exponent.lstrip('+-')):03d}"
    return text


class _Writer:
    def __init__(self, case: FamiliasCase, target: str) -> None:
        self.case = case
        self.where = f"file {target!r}"
        self.lines: list[str] = []
        self.markers = {m.name: i for i, m in enumerate(case.markers)}

    def add(self, *values: object) -> None:
        self.lines.extend(str(v) for v in values)

    def text(self) -> str:
        case = self.case
        version = case.version or (f"{DEFAULT_VERSION} (DVI)" if case.dvi else DEFAULT_VERSION)
        self.add(f'"Output from Familias, version {version.removesuffix(" (DVI)")}"',
                 '"DO NOT EDIT!"', version, '""')
        people, shared = self.split_persons()
        self.write_persons(people)
        self.write_pedigrees(people, shared)
        self.write_database()
        if case.dvi is not None:
            self.write_dvi(case.dvi)
        self.write_settings()
        return "\n".join(self.lines) + "\n"

    # -- persons ----------------------------------------------------------------------------

    def split_persons(self) -> tuple[list[str], list[str]]:
        """The persons Familias lists, and the extras shared by all pedigrees."""
        people, shared = [], []
        for name, sex in self.case.persons.items():
            if _OWN_EXTRA.match(name):
                continue
            if _SHARED_EXTRA.match(name):
                shared.append(name)
                continue
            _check_name(name, "person", self.where)
            if sex not in ("M", "F"):
                raise InputError(f"{self.where}: person {name!r} has sex {sex!r}; Familias "
                                 f"persons are male or female")
            people.append(name)
        shared.sort(key=_extra_number)
        self.check_extras(shared, "extra_{}", "the extras shared by all pedigrees")
        return people, shared

    def check_extras(self, names: list[str], pattern: str, what: str,
                     sex_of: dict[str, str] | None = None) -> None:
        sex_of = sex_of or self.case.persons
        if names != [pattern.format(i + 1) for i in range(len(names))]:
            raise InputError(f"{self.where}: {what} are {names}; the reader numbers them "
                             f"{pattern.format(1)}, {pattern.format(2)}, ... in order")
        sexes = [sex_of[n] for n in names]
        if sexes != sorted(sexes) or not set(sexes) <= {"F", "M"}:
            raise InputError(f"{self.where}: {what} have sexes {sexes}; Familias lists "
                             f"female extras first, then male ones")

    def write_persons(self, people: list[str]) -> None:
        case = self.case
        for name in case.genotypes:
            if name not in people:
                raise InputError(f"{self.where}: genotypes of {name!r}, who is not a person of "
                                 f"the main section (extras and added parents are untyped)")
        for name in case.dropout_persons:
            if name not in people:
                raise InputError(f"{self.where}: dropout person {name!r} is not a person of "
                                 f"the main section")
        self.add(len(people))
        for name in people:
            calls = case.genotypes.get(name, {})
            dropout = " (Consider dropouts)" if name in case.dropout_persons else ""
            self.add(f'"{name}"', "#FALSE#", f"-1{dropout}", "#FALSE#",
                     "#TRUE#" if case.persons[name] == "M" else "#FALSE#", len(calls))
            for marker, (a, b) in calls.items():
                m = self.marker(marker, f"person {name!r}")
                self.add(self.allele(m, a, name), self.allele(m, b, name), self.markers[marker])

    def marker(self, name: str, who: str) -> Marker:
        if name not in self.markers:
            raise InputError(f"{self.where}: {who}, marker {name!r}: not in the database")
        return self.case.markers[self.markers[name]]

    def allele(self, marker: Marker, allele: str, who: str) -> int:
        if allele is None:
            raise InputError(f"{self.where}: person {who!r}, marker {marker.name!r}: a partial "
                             f"genotype; Familias genotypes have two alleles")
        if not marker.has(allele):
            raise InputError(f"{self.where}: person {who!r}, marker {marker.name!r}: allele "
                             f"{allele!r} is not in the database")
        return marker.index(allele)

    # -- pedigrees --------------------------------------------------------------------------

    def write_pedigrees(self, people: list[str], shared: list[str]) -> None:
        pedigrees = self.case.pedigrees
        base = people + shared
        if list(pedigrees) == ["Known relations"]:
            # A file without pedigrees: its known relations are read as this one pedigree.
            relations = self.relations("Known relations", pedigrees["Known relations"], base, 1)
            self.add('"Known relations"', *self.extra_counts(shared), len(relations) // 2,
                     *relations, 0)
            return
        if not pedigrees and people:
            raise InputError(f"{self.where}: persons but no pedigree; the reader would make "
                             f"their known relations a pedigree called 'Known relations'")
        self.add('"Known relations"', *self.extra_counts(shared), 0, len(pedigrees))
        for k, (name, ped) in enumerate(pedigrees.items()):
            own = sorted((i for i in ped.ids if _OWN_EXTRA.match(i)), key=_extra_number)
            own_sex = {i: ped.sex_of(i) for i in own}
            self.check_extras(own, f"extra_ped{k + 1}_{{}}", f"the extras of pedigree {name!r}",
                              own_sex)
            relations = self.relations(name, ped, base + own, k + 1, own_sex)
            self.add(k, _quoted(name, "pedigree name", self.where),
                     *self.extra_counts(own, own_sex),
                     len(relations) // 2, *relations)

    def extra_counts(self, extras: list[str], sex_of: dict[str, str] | None = None
                     ) -> tuple[int, int]:
        sex_of = sex_of or self.case.persons
        females = sum(1 for e in extras if sex_of[e] == "F")
        return females, len(extras) - females

    def relations(self, name: str, ped: Pedigree, members: list[str], number: int,
                  own_sex: dict[str, str] | None = None) -> list[int]:
        """Parent and child indices of ``ped`` over ``members`` (its added parents left out)."""
        where = f"{self.where}, pedigree {name!r}"
        sex_of = {**self.case.persons, **(own_sex or {})}
        index = {m: i for i, m in enumerate(members)}
        added = _added_parents(ped, where)
        unknown = [i for i in ped.ids if i not in index and i not in added]
        missing = [m for m in members if m not in ped]
        if unknown or missing:
            raise InputError(f"{where}: a Familias pedigree holds every person of the case and "
                             f"its own extras (extra_ped{number}_N) only; "
                             f"{'not persons: ' + str(unknown) if unknown else ''}"
                             f"{' lacks: ' + str(missing) if missing else ''}")
        for m in members:
            if m in ped and ped.sex_of(m) != sex_of[m]:
                raise InputError(f"{where}: {m!r} has sex {ped.sex_of(m)!r} here and "
                                 f"{sex_of[m]!r} in the case's persons")
        out = []
        for child in members:
            parents = ped.parents(child)
            if parents is None:
                continue
            for parent in parents:
                if parent not in added:
                    out += [index[parent], index[child]]
        return out

    # -- database ---------------------------------------------------------------------------

    def write_database(self) -> None:
        case = self.case
        self.add(f"#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: {_number(case.theta)} )",
                 len(case.markers))
        if case.database:
            self.add("#TRUE#", _quoted(case.database, "database name", self.where))
        else:
            self.add("#FALSE#")
        for marker in case.markers:
            self.write_locus(marker)

    def write_locus(self, marker: Marker) -> None:
        where = f"{self.where}, marker {marker.name!r}"
        _check_name(marker.name, "marker name", self.where)
        models, codes = self.models(marker, where)
        info = {key: getattr(self.case, key).get(marker.name, default)
                for key, default in DEFAULT_INFO.items()}
        n = len(marker.alleles)
        # Range and rate2 belong to the stepwise models; elsewhere Familias writes 0.1 and 0.
        rng = {s: _number(m.range) if m.model == "stepwise" else "0.1" for s, m in models.items()}
        rate2 = {s: _number(m.rate2) if m.model == "stepwise" else "0" for s, m in models.items()}
        self.add(f'"{marker.name}"', _number(models["F"].rate), _number(models["M"].rate),
                 codes["F"], codes["M"], n, rng["F"], rng["M"], rate2["F"], rate2["M"],
                 "#FALSE#", 0,
                 f"{n}\t(DatabaseSize = {_number(info['database_size'])} , Dropout probability "
                 f"= {_number(info['dropout'])} , Minor allele frequency = "
                 f"{_number(info['maf'])} )")
        for allele, freq in zip(marker.alleles, marker.frequencies):
            self.add(_quoted(allele, "allele", where), _number(freq))

    def models(self, marker: Marker, where: str) -> tuple[dict[str, MutationModel],
                                                          dict[str, int]]:
        mutation = marker.mutation
        if mutation is None:
            none = MutationModel("equal")
            return {"F": none, "M": none}, {"F": 0, "M": 0}
        models = {"F": mutation.female, "M": mutation.male}
        codes = {}
        for sex, model in models.items():
            if model.model == "stepwise":
                problem = _stepwise_problem(list(marker.alleles))
                if problem:
                    raise InputError(f"{where}: {problem}, so Familias' stepwise model cannot "
                                     f"be used on this marker")
                codes[sex] = STATIONARY_CODE if mutation.stationary else _STEPWISE_CODE
            elif model.model in _CODES:
                moving = model.rate > 0
                if mutation.stationary and moving:
                    raise InputError(f"{where}: a PM-stationary {model.model!r} model has no "
                                     f"Familias code (Familias makes only stepwise models "
                                     f"stationary)")
                codes[sex] = _CODES[model.model]
            else:
                raise InputError(f"{where}: mutation model {model.model!r} has no Familias "
                                 f"code (Familias has equal, proportional and stepwise)")
        return models, codes

    # -- the INI-like sections --------------------------------------------------------------

    def write_dvi(self, dvi: FamiliasDVI) -> None:
        for name in dvi.genotypes:
            if name not in dvi.unidentified:
                raise InputError(f"{self.where}: DVI genotypes of {name!r}, who is not an "
                                 f"unidentified person")
        self.add("[DVI]", "[[Unidentified persons]]", f"nPersons= {len(dvi.unidentified)}")
        for i, (name, sex) in enumerate(dvi.unidentified.items()):
            self.add(f"[[[Person {i + 1} ]]]")
            self.dvi_person(name, sex, dvi.genotypes.get(name, {}), 4)
        # Familias writes one (empty) note line per reference family.
        self.add("[[Notes]]", f"nFamilies= {len(dvi.families)}", *[""] * len(dvi.families))
        self.add("[[Reference Families]]", f"nFamilies= {len(dvi.families)}")
        for i, family in enumerate(dvi.families):
            self.dvi_family(i + 1, family)

    def dvi_person(self, name: str, sex: str, calls: dict[str, tuple[str, str]],
                   depth: int) -> None:
        _check_value(name, "DVI person", self.where)
        self.add(f"Name= {name}")
        if sex in _GENDER:
            self.add(f"Gender= {_GENDER[sex]}")
        elif sex != "U":
            raise InputError(f"{self.where}: DVI person {name!r} has sex {sex!r}")
        self.add("[" * depth + "DNA data" + "]" * depth, f"nSystems= {len(calls)}")
        for marker, (a, b) in calls.items():
            m = self.marker(marker, f"DVI person {name!r}")
            for allele in (a, b):
                self.allele(m, allele, name)
            self.add(f"SystemName= {marker}", f"Allele1= {a}", f"Allele2= {b}")

    def dvi_family(self, number: int, family: FamiliasFamily) -> None:
        where = f"{self.where}, DVI family {family.name!r}"
        _check_value(family.name, "DVI family", self.where)
        self.add(f"[[[Family {number} ]]]", f"Name= {family.name}", "[[[[Persons]]]]",
                 f"nPersons= {len(family.persons)}")
        for name in family.genotypes:
            if name not in family.persons:
                raise InputError(f"{where}: genotypes of {name!r}, who is not one of its "
                                 f"persons")
        for i, (name, sex) in enumerate(family.persons.items()):
            self.add(f"[[[[[Person {i + 1}]]]]]")
            self.dvi_person(name, sex, family.genotypes.get(name, {}), 6)
        self.add("[[[[Pedigrees]]]]", f"nPedigrees= {len(family.pedigrees)}")
        for i, (name, ped) in enumerate(family.pedigrees.items()):
            _check_value(name, "pedigree name", where)
            pairs = []
            added = _added_parents(ped, f"{where}, pedigree {name!r}")
            for child in ped.ids:
                parents = ped.parents(child)
                for parent in parents or ():
                    if parent not in added:
                        _check_value(parent, "person", where)
                        _check_value(child, "person", where)
                        pairs += [f"Parent= {parent}", f"Child= {child}"]
            self.add(f"[[[[[Pedigree {i + 1}]]]]]", f"Name= {name}",
                     f"nRelations= {len(pairs) // 2}", *pairs)

    def write_settings(self) -> None:
        sections: dict[str, list[tuple[str, dict[str, str]]]] = {}
        for key, entries in self.case.settings.items():
            top, _, rest = key.partition("/")
            if top == "DVI":
                raise InputError(f"{self.where}: setting section {key!r} would be read as part "
                                 f"of the DVI module")
            sections.setdefault(top, []).append((rest, entries))
        for top, parts in sections.items():
            _check_value(top, "section", self.where)
            self.add(f"[{top}]")
            for rest, entries in sorted(parts, key=lambda p: p[0] != ""):
                if rest:
                    _check_value(rest, "section", self.where)
                    self.add(f"[[{rest}]]")
                for k, v in entries.items():
                    _check_value(k, "setting", self.where)
                    if "=" in k or (v != v.strip()) or "\n" in v:
                        raise InputError(f"{self.where}: setting {k!r}= {v!r} cannot be "
                                         f"written")
                    self.add(f"{k}= {v}")


def _extra_number(name: str) -> int:
    """The N of ``extra_N`` or ``extra_pedK_N``."""
    return int(name.rsplit("_", 1)[1])


def _check_value(text: str, what: str, where: str) -> None:
    """A value of the INI-like sections: one line, no surrounding spaces, no leading '['."""
    _check_name(text, what, where)
    if not text or text.startswith("["):
        raise InputError(f"{where}: {what} {text!r} cannot be written to a .fam file (empty or "
                         f"starting with '[')")


def _added_parents(ped: Pedigree, where: str) -> set[str]:
    """The parents that stand for "no parent" in Familias: untyped founders ``added_N``
    with exactly one child."""
    out = set()
    for ident in ped.ids:
        if ident.startswith(ADDED_PREFIX) and ped.parents(ident) is None:
            if len(ped.children(ident)) != 1:
                raise InputError(f"{where}: {ident!r} is a parent of {len(ped.children(ident))} "
                                 f"children; a name {ADDED_PREFIX}N stands for the missing "
                                 f"parent of one child")
            out.add(ident)
    return out
