"""A dataset's lineage data: the Y-STR panel and databases (``"lineage"`` of the dataset JSON),
and the Y haplotypes and mitotypes of PM samples and relatives, whichever way they came in
(the ``ystr``/``mtdna`` keys of ``FORMAT.md``, or Y-STR rows of a lab export set aside by
:mod:`forensic_match.dvi.records`).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forensic_match.errors import ForensicMatchWarning, InputError, LineageMarkerWarning
from forensic_match.lineage.disclap import DiscLapFit, fit_disclap, select_disclap
from forensic_match.lineage.keys import check_keys, unread_keys
from forensic_match.lineage.mtdna import Mitotype, MitotypeDatabase, parse_mitotypes
from forensic_match.lineage.ystr import (
    YHaplotype,
    YMarker,
    is_allele,
    parse_haplotype,
    read_copies,
    split_allele,
    y_markers,
)


@dataclass(frozen=True)
class YDatabase:
    """A population sample of Y haplotypes used for frequencies."""

    name: str
    haplotypes: tuple[YHaplotype, ...]
    _counts: dict[tuple[str, ...], tuple[Counter, int]] = field(
        default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        labels = {a for h in self.haplotypes for v in h.values() for a in v}
        bad = sorted(a for a in labels if not isinstance(a, str) or not is_allele(a))
        if bad:
            where = next((i, k) for i, h in enumerate(self.haplotypes, 1)
                         for k, v in h.items() if bad[0] in v)
            raise InputError(f"Y database {self.name!r}, haplotype {where[0]}, locus "
                             f"{where[1]!r}: allele {bad[0]!r} is not a repeat number such "
                             f"as '10' or '10.2'")

    def keys(self, loci: Sequence[str]) -> list[tuple[tuple[str, ...], ...]]:
        """The haplotypes typed at every locus of ``loci``, as comparable tuples."""
        return [tuple(h[k] for k in loci) for h in self.haplotypes if all(k in h for k in loci)]

    def counts(self, loci: Sequence[str]) -> tuple[Counter, int]:
        """(count of each haplotype over ``loci``, number typed at all of them); cached."""
        key = tuple(loci)
        if key not in self._counts:
            keys = self.keys(key)
            self._counts[key] = (Counter(keys), len(keys))
        return self._counts[key]


@dataclass
class LineageData:
    """The Y-STR panel and the Y and mtDNA databases of a dataset.

    Attributes
    ----------
    markers : tuple of YMarker
        The Y-STR panel with per-locus mutation rates.
    y_database : YDatabase or None
    mt_database : MitotypeDatabase or None
    disclap : DiscLapFit or None
        A discrete Laplace fit of ``y_database`` (:meth:`fit_disclap`), needed by the
        ``"disclap"`` frequency method.
    database_read : Counter
        ``{(locus key, "lone" or "repeated"): entries}`` of ``y_database`` read by the
        panel's copy numbers (:func:`~forensic_match.lineage.ystr.read_copies`) when the
        data was made; the database kept is the one so read. Reported by
        :func:`check_y_haplotypes`.
    database_written : YDatabase or None
        ``y_database`` as written, where entries were so read (else ``None``): what a run
        records of the file (``store.runs.lineage_provenance``).
    """

    markers: tuple[YMarker, ...] = ()
    y_database: YDatabase | None = None
    mt_database: MitotypeDatabase | None = None
    disclap: DiscLapFit | None = None
    database_read: Counter = field(default_factory=Counter, repr=False, compare=False)
    database_written: YDatabase | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # a homozygous DYS385 written "14" in the database never equalled a PM "14,14"
        # (count 0 of 230 for a haplotype 30 of them carry): entries read as the samples are
        db = self.y_database
        copies = self.y_copies
        if db is None or not copies:
            return
        read = [read_copies(h, copies) for h in db.haplotypes]
        if any(r for _, r in read):
            self.database_written = db
            self.y_database = YDatabase(db.name, tuple(h for h, _ in read))
            self.database_read = Counter((k, how) for _, r in read for k, how in r.items())

    @property
    def y_copies(self) -> dict[str, int]:
        """``{locus key: copies}`` of the panel's loci whose entry states ``copies``: the
        loci where a lone call or repeated equal calls are read by them
        (:func:`~forensic_match.lineage.ystr.read_copies`)."""
        return {m.key: m.copies for m in self.markers if m.copies_stated}

    def read_y(self, haplotype: YHaplotype | None) -> YHaplotype | None:
        """A PM sample's or reference's Y haplotype as it is compared: read by the panel's
        copy numbers (:func:`~forensic_match.lineage.ystr.read_copies`), as the database
        entries are. ``None`` stays ``None``."""
        if haplotype is None:
            return None
        return read_copies(haplotype, self.y_copies)[0]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, where: str = "lineage") -> LineageData:
        """Read the dataset's ``"lineage"`` object (``FORMAT.md``, "Lineage markers").

        A key written another way than one read (``"mtDNA"``, ``"Y-STR"``, ``"copy"``) is
        refused (:func:`~forensic_match.lineage.keys.check_keys`); any other key is left
        alone and named in one :class:`~forensic_match.errors.LineageMarkerWarning`."""
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: must be an object with 'ystr' and/or 'mtdna'")
        with unread_keys(where):
            check_keys(data, ("ystr", "mtdna"), where, kind="lineage")
            ystr = data.get("ystr") or {}
            check_keys(ystr, ("markers", "database"), f"{where}.ystr", kind="lineage.ystr")
            markers = tuple(y_markers(ystr.get("markers") or [],
                                      where=f"{where}.ystr.markers"))
            ydb = None
            if ystr.get("database"):
                db = ystr["database"]
                check_keys(db, ("name", "haplotypes"), f"{where}.ystr.database",
                           kind="lineage.ystr.database")
                ydb = YDatabase(str(db.get("name", "")), tuple(
                    parse_haplotype(h, sample=f"entry {k + 1}",
                                    where=f"{where}.ystr.database")
                    for k, h in enumerate(db.get("haplotypes") or [])))
            mt = data.get("mtdna") or {}
            check_keys(mt, ("database",), f"{where}.mtdna", kind="lineage.mtdna")
            mtdb = MitotypeDatabase.from_dict(mt["database"],
                                              where=f"{where}.mtdna.database") \
                if mt.get("database") else None
        return cls(markers, ydb, mtdb, None)

    @classmethod
    def from_file(cls, path: str | Path) -> LineageData:
        """Read a JSON file holding the ``"lineage"`` object of ``FORMAT.md`` ("Lineage
        markers": the Y-STR panel with per-locus rates, the Y and mtDNA databases), bare or
        as the ``"lineage"`` key of a dataset; the lineage data for runs on the lab's tables
        (``forensic-match search --lineage FILE``). Errors name the file."""
        from forensic_match.errors import strict_json

        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"file {str(path)!r}: cannot read lineage data ({exc})") from exc
        raw = strict_json(text, f"file {str(path)!r}")
        if isinstance(raw, Mapping) and "lineage" in raw:
            raw = raw["lineage"]
        data = cls.from_dict(raw, where=f"file {str(path)!r}")
        if not data:
            raise InputError(f"file {str(path)!r}: no Y-STR panel or lineage database (expected "
                             f"'ystr' and/or 'mtdna', FORMAT.md \"Lineage markers\")")
        return data

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of ``FORMAT.md`` ("Lineage markers"); a fit is not written."""
        out: dict[str, Any] = {}
        ystr: dict[str, Any] = {}
        if self.markers:
            # copies written only when stated: read back, it would read lone calls by it
            ystr["markers"] = [{"name": m.name, "copies": m.copies, "rate": m.rate}
                               if m.copies_stated else {"name": m.name, "rate": m.rate}
                               for m in self.markers]
        if self.y_database is not None:
            ystr["database"] = y_database_dict(self.y_database)
        if ystr:
            out["ystr"] = ystr
        if self.mt_database is not None:
            out["mtdna"] = {"database": {"name": self.mt_database.name, "mitotypes": [
                m.to_dict() for m in self.mt_database.mitotypes]}}
        return out

    def __bool__(self) -> bool:
        return bool(self.markers or self.y_database or self.mt_database)

    def disclap_loci(self) -> tuple[str, ...]:
        """Single-copy panel loci with whole repeat numbers in every database haplotype typed
        there: the loci a discrete Laplace model can describe."""
        if self.y_database is None:
            return ()
        out = []
        for m in self.markers:
            if m.copies != 1:
                continue
            values = [h[m.key] for h in self.y_database.haplotypes if m.key in h]
            if values and all(len(v) == 1 and split_allele(v[0])[1] == 0 for v in values):
                out.append(m.key)
        return tuple(out)

    def disclap_frequency(self, rows: np.ndarray, loci: Sequence[str]) -> np.ndarray:
        """The discrete Laplace frequency of each row of ``rows`` (integer repeats, columns
        ``loci``), floored at ``1 / (N + 1)``.

        ``N`` is the number of database haplotypes typed at every locus of ``loci``, so the
        floor is what counting gives a haplotype the database has not seen
        (:func:`~forensic_match.lineage.frequency.count_frequency`). The fitted mixture's
        tails are thin far from its clusters: a village patrilineage's haplotype unseen in a
        1,000-haplotype database was given 9.6e-12 by a 6-cluster fit (``docs/lineage.md``,
        section 3, "The floor"), turning a haplotype that differs from the reference's by
        mutations into strong support. No model value below what the database itself could
        have shown is used."""
        if self.disclap is None or self.y_database is None:
            raise InputError("Y-STR LR by discrete Laplace: fit the model first "
                             "(LineageData.fit_disclap)")
        values = self.disclap.probability(np.asarray(rows), tuple(loci))
        return np.maximum(values, self.disclap_floor(loci))

    def disclap_floor(self, loci: Sequence[str]) -> float:
        """``1 / (N + 1)``, ``N`` the Y database haplotypes typed at every locus of ``loci``:
        the least discrete Laplace frequency used (:meth:`disclap_frequency`)."""
        if self.y_database is None:
            raise InputError("discrete Laplace: no Y database")
        return 1.0 / (self.y_database.counts(loci)[1] + 1)

    def fit_disclap(self, clusters: int | None = None, **options: Any) -> DiscLapFit:
        """Fit the discrete Laplace mixture to the database haplotypes typed at every
        :meth:`disclap_loci` locus, keep it for the ``"disclap"`` method and return it.

        ``clusters=None``: the number of clusters with the least marginal BIC
        (:func:`~forensic_match.lineage.disclap.select_disclap`). ``options`` go to
        :func:`~forensic_match.lineage.disclap.fit_disclap`."""
        loci = self.disclap_loci()
        if not loci or self.y_database is None:
            raise InputError("discrete Laplace: no Y database or no single-copy integer loci")
        rows = np.array([[split_allele(h[k][0])[0] for k in loci]
                         for h in self.y_database.haplotypes if all(k in h for k in loci)],
                        dtype=np.int64)
        if clusters is None:
            fits = select_disclap(rows, loci=loci, **options)
            self.disclap = min(fits, key=lambda f: f.bic)
        else:
            self.disclap = fit_disclap(rows, clusters, loci=loci, **options)
        return self.disclap


def _y_rows(calls: Mapping[str, Any] | None) -> dict[str, Any]:
    # dvi.records reads cases, which reads lineage data: imported here, not at the top
    from forensic_match.dvi.records import lineage_marker

    return {m: a for m, a in (calls or {}).items() if lineage_marker(m) == "Y"}


def _lab_haplotype(rows: Mapping[str, Any], sample: str, where: str = "") -> YHaplotype | None:
    """A Y haplotype from lab-export rows; a locus with an off-ladder call ("OL", kept as
    written by the readers) is left out, with a warning naming sample and locus (it cannot be
    compared: its repeat number is unknown)."""
    keep = {}
    for locus, alleles in rows.items():
        calls = [alleles] if isinstance(alleles, str) else list(alleles)
        if any(str(a).strip().upper() == "OL" for a in calls):
            place = f"{where}, " if where else ""
            warnings.warn(f"{place}sample {sample!r}: Y locus {locus!r} has an off-ladder "
                          f"call {calls}: left out of the Y haplotype", LineageMarkerWarning,
                          stacklevel=3)
            continue
        keep[locus] = alleles
    return parse_haplotype(keep, sample=sample, where=where) if keep else None


def y_database_dict(database: YDatabase) -> dict[str, Any]:
    """The JSON form of a Y database (``lineage.ystr.database``)."""
    return {"name": database.name, "haplotypes": [{k: list(v) for k, v in h.items()}
                                                  for h in database.haplotypes]}


def pm_y_haplotype(pm: Any) -> YHaplotype | None:
    """The Y haplotype of a PM sample: ``pm.ystr`` from the dataset, else the Y-STR rows of
    its lab export (``pm.info["lineage"]``; loci with an off-ladder call left out, with a
    :class:`~forensic_match.errors.LineageMarkerWarning`), else ``None``."""
    if getattr(pm, "ystr", None):
        return pm.ystr
    rows = _y_rows(pm.info.get("lineage"))
    return _lab_haplotype(rows, pm.id) if rows else None


def check_y_haplotypes(data: LineageData, families: Sequence[Any],
                       samples: Sequence[Any]) -> dict[str, tuple[int, int]]:
    """Read every Y haplotype of ``samples`` and ``families`` once, before any work, so that
    an unreadable one stops a run at its start, not half-way; and warn once
    (:class:`~forensic_match.errors.LineageMarkerWarning`) about each of:

    - Y-STR loci typed but absent from the panel (``lineage.ystr.markers``). Such a locus has
      no mutation rate and is not compared: a locus that the panel and the lab's files name
      differently would otherwise drop out of every comparison without a word.
    - calls read by the panel's copy numbers
      (:func:`~forensic_match.lineage.ystr.read_copies`: a lone call at a two-copy locus as
      the allele twice, equal calls at a single-copy locus as one), in PM samples,
      references and database entries, per locus.
    - relatives recorded female with Y-STR data: never a Y reference (``docs/lineage.md``,
      section 1), so the data is not used.

    Returns
    -------
    dict
        ``{locus key: (PM samples, references)}`` typed at each locus outside the panel.

    Raises
    ------
    InputError
        A haplotype :func:`~forensic_match.lineage.ystr.parse_haplotype` refuses.
    """
    haplotypes = [(0, pm_y_haplotype(pm)) for pm in samples]
    female = []
    for family in families:
        for ident, h in family_y_haplotypes(family).items():
            haplotypes.append((1, h))
            if ident in family.pedigree and family.pedigree.sex_of(ident) == "F":
                female.append(f"{ident} of family {family.id!r} ({len(h)} loci)")
    if female:
        shown = ", ".join(female[:5]) + (f" and {len(female) - 5} more" if len(female) > 5
                                          else "")
        warnings.warn(f"Y-STR data of {len(female)} relatives recorded female, not used (a "
                      f"woman is never a Y reference): {shown}; check the relative's sex in "
                      f"the pedigree, or whose sample was typed", LineageMarkerWarning,
                      stacklevel=3)
    if not data.markers:
        return {}
    _warn_copies_read(data, haplotypes)
    panel = {m.key for m in data.markers}
    found: dict[str, list[int]] = {}
    for slot, hap in haplotypes:
        for key in set(hap or ()) - panel:
            found.setdefault(key, [0, 0])[slot] += 1
    if found:
        listed = ", ".join(f"{k} ({pm} PM samples, {ref} references)"
                           for k, (pm, ref) in sorted(found.items()))
        warnings.warn(f"Y-STR loci typed but not in the Y panel (lineage.ystr.markers), so not "
                      f"compared: {listed}; add them to the panel with their mutation rates, "
                      f"or check that the panel and the lab's files name them alike",
                      LineageMarkerWarning, stacklevel=3)
    return {k: (v[0], v[1]) for k, v in found.items()}


def _warn_copies_read(data: LineageData, haplotypes: Sequence[tuple[int, YHaplotype | None]]
                      ) -> None:
    """One warning naming, per locus, the calls of PM samples (slot 0), references (slot 1)
    and database entries read by the panel's copy numbers."""
    counts: dict[tuple[str, str], list[int]] = {}
    copies = data.y_copies
    for slot, hap in haplotypes:
        for key, how in read_copies(hap or {}, copies)[1].items():
            counts.setdefault((key, how), [0, 0, 0])[slot] += 1
    for (key, how), n in data.database_read.items():
        counts.setdefault((key, how), [0, 0, 0])[2] += n
    if not counts:
        return
    parts = []
    for (key, how), (pm, ref, db) in sorted(counts.items()):
        what = (f"a lone call read as the allele on each of its {copies[key]} copies"
                if how == "lone" else "equal calls read as one call (a single-copy locus)")
        parts.append(f"{key}: {what} in {pm} PM samples, {ref} references, {db} database "
                     f"entries")
    warnings.warn(f"Y-STR calls read by the panel's copy numbers (docs/lineage.md, \"Calls "
                  f"and copies\"): {'; '.join(parts)}. A homozygous multi-copy locus written as "
                  f"one call, or a single-copy locus written twice, is so read in the samples, "
                  f"the references and the database alike", LineageMarkerWarning,
                  stacklevel=4)


def pm_mitotype(pm: Any) -> Mitotype | None:
    """The mitotype of a PM sample, or ``None``."""
    return getattr(pm, "mtdna", None)


def family_y_haplotypes(family: Any) -> dict[str, YHaplotype]:
    """``{id: Y haplotype}`` of a family's relatives: ``family.ystr`` and the Y-STR rows of
    its lab exports (``family.lineage``; off-ladder loci left out with a warning), the former
    winning for a person in both."""
    out = {}
    for ident, calls in (family.lineage or {}).items():
        rows = _y_rows(calls)
        hap = _lab_haplotype(rows, ident, f"family {family.id!r}") if rows else None
        if hap:
            out[ident] = hap
    out.update(getattr(family, "ystr", None) or {})
    return out


def family_mitotypes(family: Any) -> dict[str, Mitotype]:
    """``{id: mitotype}`` of a family's relatives."""
    return dict(getattr(family, "mtdna", None) or {})


def warn_y_on_female(label: str, said: str, loci: Sequence[str]) -> None:
    """Warn that a PM sample of sex F (``said``: where the sex comes from) has Y-STR alleles
    at ``loci``. The laboratory readers then leave its sex unknown to the search (no sex
    filter; ``docs/records.md``, *PM samples*); a dataset's sample keeps the sex it gives, and
    its Y haplotype is weighed against male candidates only."""
    shown = ", ".join(loci[:4]) + (", ..." if len(loci) > 4 else "")
    warnings.warn(f"{label}: sex F ({said}) but Y-STR alleles at {len(loci)} loci ({shown}): "
                  f"a male with an AMELY deletion, a mixture or contamination, or a mix-up; "
                  f"check the sample", ForensicMatchWarning, stacklevel=3)


def parse_pm_lineage(sample: Mapping[str, Any], sid: str, src: str
                     ) -> tuple[YHaplotype | None, Mitotype | None]:
    """The ``ystr`` and ``mtdna`` keys of one ``pm[]`` entry of a dataset (``mtdna``: one
    record, or a list of records of the sample merged by
    :func:`~forensic_match.lineage.mtdna.merge_mitotypes`). A key that is one of them written
    another way (``"YSTR"``, ``"Y-STR"``, ``"mtDNA"``) is refused: it was ignored without a
    word (:func:`~forensic_match.lineage.keys.check_keys`)."""
    check_keys(sample, ("ystr", "mtdna"), f"{src}: pm sample {sid!r}")
    y = sample.get("ystr")
    mt = sample.get("mtdna")
    return (parse_haplotype(y, sample=sid, where=src) if y else None,
            parse_mitotypes(mt, sample=sid, where=src) if mt else None)


def parse_family_lineage(entry: Mapping[str, Any], fid: str, src: str, pedigree: Any
                         ) -> tuple[dict[str, YHaplotype], dict[str, Mitotype]]:
    """The ``ystr`` and ``mtdna`` keys (``{id: ...}``) of one ``am[]`` entry of a dataset; every
    id must be in the family's pedigree; an ``mtdna`` value is one record or a list of records
    of that person, merged (:func:`~forensic_match.lineage.mtdna.merge_mitotypes`). A key
    that is one of ``ystr``, ``mtdna`` and ``lineage`` written another way (``"mtDNA"``,
    ``"Y-STR"``) is refused: it was ignored without a word."""
    where = f"{src}, family {fid!r}"
    check_keys(entry, ("ystr", "mtdna", "lineage"), where)
    ys, mts = {}, {}
    for key, store, parse in (("ystr", ys, parse_haplotype), ("mtdna", mts, parse_mitotypes)):
        block = entry.get(key) or {}
        if not isinstance(block, Mapping):
            raise InputError(f"{where}: '{key}' must map individuals to their data")
        for ident, raw in block.items():
            ident = str(ident)
            if ident not in pedigree:
                raise InputError(f"{where}: {key} of {ident!r}, who is not in the pedigree")
            store[ident] = parse(raw, sample=ident, where=where)
    return ys, mts
