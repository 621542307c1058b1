"""Records of an identification programme read from tidy tables.

Reference families (pedigree, typed relatives, missing persons, direct references from personal
effects) and postmortem (PM) samples (profile, sex, site, dropout) arrive as tables exported from
a laboratory's systems. This module reads them into :class:`~forensic_match.cases.Family` and
:class:`~forensic_match.cases.PMSample`; ``docs/records.md`` describes the layouts.

- Genotypes, *long* layout: ``sample,marker,allele1,allele2`` (optionally ``family``).
- Genotypes, *CE* layout (GeneMapper and similar capillary-electrophoresis exports):
  ``Sample Name, Marker, Allele 1, Allele 2, ...``; other columns (``Dye``, ``Size 1``,
  ``Height 1``...) are ignored.
- Pedigrees: ``family,id,father,mother,sex,missing``; further columns on a missing person's row
  are antemortem records (``Family.info``).
- PM samples: ``sample,sex,site,dropout``; further columns are postmortem records
  (``PMSample.info``).

Files are CSV (``.csv``; ``;``- or tab-separated when the header has no comma), TSV (``.tsv``,
``.tab``; other text files such as GeneMapper's ``.txt``: the separator is taken from the header
line), Parquet (``.parquet``) or Excel (``.xlsx``, ``.xls``, ``.ods``; needs the ``excel``
extra). Every cell is read as text, and alleles are checked against one canonical form
(:func:`~forensic_match.profiles.allele_label`: "10", "9.3"; "9,3" and "7.0" only with the
``decimal_comma`` and ``normalise_alleles`` options). An off-ladder call "OL" is an unknown
allele (``7, OL`` is the partial genotype ``("7", None)``), and so is a "?" or "-" beside an
autosomal call, with a warning; Y- and X-STR rows are set aside as lineage data; ``mtDNA``
rows give a sample's mitotype (read ranges and variants); ids are read in Unicode normal
form C; sex and yes/no cells take English and Spanish words. Errors name the file, the line
(text files: header = line 1; Excel: the spreadsheet's row, header = row 1; Parquet: the data
row, from 1), the family, sample or individual, and the marker. ``docs/records.md`` has the
full rules.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from forensic_match.cases import Family, PMSample
from forensic_match.errors import (
    ForensicMatchError,
    ForensicMatchWarning,
    GenotypeError,
    InputError,
    LineageMarkerWarning,
    MarkerError,
    lookalike_id,
    plain_text,
    show_id,
    similar_ids,
    where,
)
from forensic_match.frequencies import FrequencyDB, marker_key
from forensic_match.lineage.data import warn_y_on_female
from forensic_match.lineage.mtdna import (
    Mitotype,
    merge_mitotypes,
    mitotype_conflicts,
    parse_mitotype,
)
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree, parse_sex
from forensic_match.profiles import OFF_LADDER, Genotype, Profiles, allele_label, file_id
from forensic_match.tables import (
    Table,
    column_key,
    personal_column,
    read_table,
    separator_hint,
)

__all__ = [
    "GenotypeTable",
    "TypedSample",
    "lineage_marker",
    "read_families",
    "read_genotypes",
    "read_pedigrees",
    "read_pm_samples",
]

GenotypeLayout = Literal["auto", "long", "ce"]
SingleAllele = Literal["homozygote", "partial"]
SexCodes = Literal["MF", "HM"]
MarkerSet = FrequencyDB | Sequence[Marker]

#: Marker names (compared with :func:`~forensic_match.frequencies.marker_key`) of the sex marker.
AMELOGENIN = frozenset({"AMEL", "AMELOGENIN"})

#: Name prefixes (as marker keys) of Y-chromosome and X-chromosome STRs: lineage markers, set
#: aside rather than matched as autosomal markers.
Y_PREFIXES = ("DYS", "DYF", "YGATA", "YINDEL")
X_PREFIXES = ("DXS", "HPRTB")

#: Marker names (as marker keys) of a row holding a sample's mitotype (``mtDNA``).
MTDNA_MARKERS = frozenset({"MTDNA", "MITOTYPE"})
#: Separators of read ranges and of variants in an mtDNA row: spaces, ``;`` and ``,``.
_MT_SPLIT = re.compile(r"[\s;,]+")
_MT_RANGE = re.compile(r"(\d+)(?:-(\d+))?")

#: Cells that mean "no allele called".
_NO_CALL = frozenset({"", "NA", "N/A", "NAN", "NULL", "NONE", "-", "?"})
#: Marks a person writes for an allele not read: alone in a row no call, but beside one
#: called allele of an autosomal STR an unknown allele, as "OL" is (``25, ?`` is
#: ``(25, None)``). Before (an outside check, 2026-12-07) ``25, ?`` was the homozygote 25/25,
#: which took a true son of a father written so from log10 LR 18.70 to 14.96, and out of the
#: candidates without a mutation model, while ``?, 25`` and ``25, OL`` were ``(25, None)``.
#: Amelogenin and Y-/X-STR rows read them as no call: a single-copy Y locus has no second
#: allele to be unknown, and exports that write "-" for an empty cell lost every such locus
#: (``14, -`` was ``14, OL``, left out of the haplotype) and the sex (``Y, -`` was "U"; a
#: second outside check, 2026-12-07).
_UNKNOWN_MARKS = frozenset({"?", "-"})
#: Yes/no cells (upper case, without accents): English, Spanish, 1/0.
_TRUE = frozenset({"1", "Y", "YES", "T", "TRUE", "S", "SI", "VERDADERO"})
_FALSE = frozenset({"", "0", "N", "NO", "F", "FALSE", "FALSO"})
_ALLELE_COLUMN = re.compile(r"allele(\d+)")


def lineage_marker(name: str) -> str | None:
    """"Y" or "X" for a Y- or X-chromosome STR name (DYS391, DYS385a/b, Y-GATA-H4, Yindel,
    DXS10135, HPRTB), else ``None``."""
    key = marker_key(name)
    if key.startswith(Y_PREFIXES):
        return "Y"
    if key.startswith(X_PREFIXES):
        return "X"
    return None


# Genotypes -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TypedSample:
    """The genotypes of one sample as read from a genotype table.

    Attributes
    ----------
    id : str
        Sample id as written in the table.
    genotypes : dict
        ``{marker: (a, b)}`` over the typed autosomal markers (amelogenin and lineage markers
        excluded); ``(a, None)`` is a partial genotype (one allele known, the other not: an
        off-ladder call or a lost first call); a lone call in the first allele column is
        ``(a, a)`` by the CE convention for homozygotes (see :func:`read_genotypes`).
    amelogenin : str or None
        "M" (X,Y or Y), "F" (X only) or "U" (an off-ladder call "OL"; "?" and "-" are no
        call); ``None`` without a typed amelogenin row.
    family : str or None
        The ``family`` cell, when the table has that column and it is filled in.
    location : str
        Where the sample's first row is, e.g. ``"file 'pm.csv', line 2"``.
    lineage : dict
        ``{marker: (allele, ...)}`` of the Y- and X-chromosome markers, set aside for lineage
        matching (every called allele, "OL" included; multi-copy markers such as DYS385a/b
        have several).
    off_ladder : tuple of str
        The autosomal markers with an off-ladder call.
    mtdna : Mitotype or None
        The mitotype of the sample's ``mtDNA`` row (read ranges and variants against rCRS;
        see :func:`read_genotypes`), or ``None``.
    """

    id: str
    genotypes: dict[str, Genotype]
    amelogenin: str | None = None
    family: str | None = None
    location: str = ""
    lineage: dict[str, tuple[str, ...]] = field(default_factory=dict)
    off_ladder: tuple[str, ...] = ()
    mtdna: Mitotype | None = None

    @property
    def label(self) -> str:
        """Location of the first row and the sample id (with its code points when it is not
        plain ASCII, so that look-alike ids can be told apart), for error messages."""
        return f"{self.location}, sample {show_id(self.id)}"


@dataclass(frozen=True)
class GenotypeTable:
    """Profiles read from a genotype table (see :func:`read_genotypes`).

    Attributes
    ----------
    source : str
        The file read.
    layout : str
        "long" or "ce".
    samples : tuple of TypedSample
        In the order of their first row.
    markers : tuple of str
        Marker names in the order of their first row (amelogenin excluded); with a frequency
        database given, the database's spelling.
    has_family : bool
        Whether the table has a ``family`` column.
    lineage_markers : tuple of str
        The Y- and X-chromosome markers set aside (see :attr:`TypedSample.lineage`).
    """

    source: str
    layout: str
    samples: tuple[TypedSample, ...]
    markers: tuple[str, ...]
    has_family: bool = False
    lineage_markers: tuple[str, ...] = ()

    @property
    def profiles(self) -> Profiles:
        """``{sample: {marker: (a, b)}}``, amelogenin excluded.

        Raises
        ------
        InputError
            The same sample id appears under two families (use :meth:`by_family`).
        """
        out: Profiles = {}
        first: dict[str, TypedSample] = {}
        for s in self.samples:
            if s.id in first:
                raise InputError(f"{s.label}: duplicate sample id (also in family "
                                 f"{first[s.id].family!r}, {first[s.id].location})")
            first[s.id] = s
            out[s.id] = s.genotypes
        return out

    @property
    def amelogenin(self) -> dict[str, str]:
        """``{sample: "M" | "F" | "U"}`` for the samples with a typed amelogenin row."""
        return {s.id: s.amelogenin for s in self.samples if s.amelogenin is not None}

    def by_family(self) -> dict[str | None, Profiles]:
        """Profiles grouped by the ``family`` column (``None`` for rows without one)."""
        out: dict[str | None, Profiles] = {}
        for s in self.samples:
            out.setdefault(s.family, {})[s.id] = s.genotypes
        return out


@dataclass(frozen=True)
class _Known:
    """The markers to check against: ``{marker_key: name}``, each one's allele labels, and
    how to call them in messages."""

    names: dict[str, str]
    alleles: dict[str, frozenset[str]]
    label: str


def _marker_names(markers: MarkerSet | None) -> _Known | None:
    if markers is None:
        return None
    if isinstance(markers, FrequencyDB):
        names = {marker_key(n): n for n in markers.markers}
        return _Known(names, {k: frozenset(markers.marker(n).alleles) for k, n in names.items()},
                      f"frequency database {markers.name!r}")
    names, alleles = {}, {}
    for m in markers:
        if not isinstance(m, Marker):
            raise InputError(f"markers must be a FrequencyDB or a list of Marker, got "
                             f"{type(m).__name__}")
        names[marker_key(m.name)] = m.name
        alleles[marker_key(m.name)] = frozenset(m.alleles)
    return _Known(names, alleles, "frequency database (the markers given)")


#: Two amelogenin calls written in one cell: ``XY``, ``X,Y``, ``X/Y``, ``X Y``, ``XX``...
_AMEL_PAIR = re.compile(r"([XY])\s*[,/;]?\s*([XY])")


def _amelogenin_call(cells: list[str], loc: str) -> str:
    """The sex call of an amelogenin row's called cells: "M" for X and Y (or Y alone), "F"
    for X alone, "U" with an off-ladder call. Two calls in one cell (``XY``, ``X,Y``,
    ``X/Y``, ``X Y``; ``XX``, ``X,X``) are read as the two calls in two cells; any other
    cell is refused, naming ``loc``. Before (an outside check, 2026-12-07) such cells gave
    "U" without a word: a whole run written ``XY`` lost every male's sex, and with it the
    sex filter."""
    calls: set[str] = set()
    for cell in cells:
        text = cell.upper()
        pair = _AMEL_PAIR.fullmatch(text)
        if text in ("X", "Y", OFF_LADDER):
            calls.add(text)
        elif pair is not None:
            calls.update(pair.groups())
        else:
            raise GenotypeError(f"{loc}: amelogenin call {cell!r} is not X, Y or OL, nor two "
                                f"of X and Y in one cell (XY, X,Y, X/Y, X Y; XX, X,X); write "
                                f"the calls one to an allele cell, or leave the row out")
    if calls <= {"X", "Y"}:
        return "M" if "Y" in calls else "F"
    return "U"


def _read_ranges(text: str, loc: str) -> list[list[int]]:
    """Read ranges of an mtDNA row: ``16024-16569;1-576`` (also separated by spaces or
    commas); a single position ``310`` is the range ``310-310``."""
    out = []
    text = re.sub(r"\s*-\s*", "-", text.strip())   # "16024 - 16365" is one range
    for token in (t for t in _MT_SPLIT.split(text) if t):
        m = _MT_RANGE.fullmatch(token)
        if m is None:
            raise InputError(f"{loc}: read range {token!r} is not start-end (e.g. "
                             f"16024-16569;1-576)")
        a = int(m.group(1))
        out.append([a, int(m.group(2)) if m.group(2) else a])
    if not out:
        raise InputError(f"{loc}: an mtDNA row needs its read ranges (e.g. 16024-16569;1-576)")
    return out


def _mitotype_row(row: list[str], cells: list[str], columns: tuple[int | None, int | None],
                  loc: str, sample: str, where_row: str) -> Mitotype:
    """The mitotype of one ``mtDNA`` row: read ranges and variants from the ``range`` and
    ``variants`` columns when the table has them, else from the first allele column and the
    other allele columns."""
    i_range, i_variants = columns
    if i_range is not None:
        if any(c.upper() not in _NO_CALL for c in cells):
            raise InputError(f"{loc}: an mtDNA row of a table with 'range' and 'variants' "
                             f"columns must leave the allele columns empty")
        range_text = row[i_range]
        variant_cells = [row[i_variants]] if i_variants is not None else []
    else:
        range_text, variant_cells = (cells[0] if cells else ""), cells[1:]
    ranges = _read_ranges(range_text, loc)
    unread = [c for c in variant_cells if c.strip() and c.upper() in _NO_CALL]
    if unread:
        # an empty variants cell means "as rCRS over the range"; "NA" or "?" was read so,
        # which made a sample not read at all differ from every other at its variants
        raise InputError(f"{loc}: mtDNA variants {unread[0]!r}: an empty cell means the "
                         f"sequence equals rCRS over the read range; a sample not read has "
                         f"no mtDNA row")
    variants = [v for c in variant_cells if c.upper() not in _NO_CALL
                for v in _MT_SPLIT.split(c.strip()) if v]
    return parse_mitotype({"range": ranges, "variants": variants}, sample=sample,
                          where=where_row)


def _genotype_layout(table: Table, layout: str) -> str:
    if layout not in ("auto", "long", "ce"):
        raise InputError(f"layout must be 'auto', 'long' or 'ce', not {layout!r}")
    if layout != "auto":
        return layout
    if table.column("samplename") is not None:
        return "ce"
    if table.column("sample", "sampleid") is not None:
        return "long"
    raise InputError(f"{table.loc(1)}: cannot tell the layout from the header {table.header}; "
                     f"expected sample, marker, allele1, allele2 (long) or Sample Name, Marker, "
                     f"Allele 1, Allele 2, ... (CE export){separator_hint(table.header)}")


def _mixtures(mixed: Sequence[tuple[str, str, list[str]]]) -> str:
    """The refusal of a file whose rows hold more than two alleles: the first row, and every
    sample with such rows (an outside check, 2026-12-07: a file of five mixtures was refused
    one mixture at a time)."""
    loc, _, alleles = mixed[0]
    rows: dict[str, int] = {}
    for _, sample, _ in mixed:
        rows[sample] = rows.get(sample, 0) + 1
    listed = ", ".join(f"{s} ({n} markers)" for s, n in list(rows.items())[:10])
    return (f"{loc}: {len(alleles)} alleles {alleles}; mixtures are not supported (at most two "
            f"alleles per marker); {len(mixed)} rows of {len(rows)} samples in this file hold "
            f"more than two: {listed}{' ...' if len(rows) > 10 else ''}. A mixture of two or "
            f"more people cannot be searched as one person's profile: leave such samples out, "
            f"or give one contributor's profile if the laboratory has separated it; a "
            f"single-source sample with a three-allele pattern at one marker: leave that "
            f"marker out of the sample")


#: A header cell naming an STR marker (a wide table's column: ``D8S1179``, ``TH01_1``,
#: ``Penta E a1``).
_MARKER_LIKE = re.compile(r"(D\d{1,2}S\d{2,4}|TH01|TPOX|CSF1PO|FGA|VWA|PENTA|SE33|AMEL|DYS)",
                          re.IGNORECASE)

#: A Sample Type cell (GeneMapper's column, or its Spanish ``Tipo de muestra``) naming a
#: control, an allelic ladder or a blank: the row is no sample's.
_CONTROL_TYPE = re.compile(r"control|ladder|escalera|blank|blanco", re.IGNORECASE)


def read_genotypes(path: str | Path, *, layout: GenotypeLayout = "auto",
                   markers: MarkerSet | None = None, decimal_comma: bool = False,
                   normalise_alleles: bool = False,
                   single_allele: SingleAllele = "homozygote") -> GenotypeTable:
    """Read a genotype table in the long or the capillary-electrophoresis (CE) export layout.

    Parameters
    ----------
    path : str or Path
        A CSV, TSV/text, Parquet or Excel file (by extension).
    layout : {"auto", "long", "ce"}
        ``long``: columns ``sample``, ``marker``, ``allele1``, ``allele2``. ``ce``: columns
        ``Sample Name``, ``Marker``, ``Allele 1``, ``Allele 2``, ... as exported by GeneMapper;
        other columns (``Sample File``, ``Dye``, ``Size 1``, ``Height 1``...) are ignored.
        Column names are compared ignoring case, spaces and underscores. ``auto`` chooses
        ``ce`` when there is a ``Sample Name`` column, else ``long``. Both may have a
        ``family`` (or ``familia``) column (see :func:`read_families`). Rows whose ``Sample
        Type`` (``Tipo de muestra``) cell names a control, an allelic ladder or a blank are
        not read, and the samples left out are named in a warning.
    markers : FrequencyDB or list of Marker, optional
        When given, every autosomal marker must be in it (names compared ignoring case, spaces
        and underscores) and is renamed to its spelling there; its allele labels are accepted
        as written (such as ">27").
    decimal_comma : bool
        Read an allele written with a decimal comma as a point (``9,3`` is ``9.3``), as a
        spreadsheet in a Spanish or other decimal-comma locale writes it. Without it such an
        allele is an error.
    normalise_alleles : bool
        Rewrite plain numbers in canonical form (``7.0`` is ``7``, ``9.30`` is ``9.3``, ``07``
        is ``7``). Without it such an allele is an error.
    single_allele : {"homozygote", "partial"}
        How a lone call in the first allele column (the others empty) is read: ``homozygote``
        (default) follows the CE convention of writing a homozygote once, ``(a, a)``;
        ``partial`` reads it as ``(a, None)``, one allele known, for exports that write both
        alleles of a homozygote.

    Returns
    -------
    GenotypeTable
        ``.profiles`` ``{sample: {marker: (a, b)}}`` and ``.amelogenin`` ``{sample: sex}``.

    Notes
    -----
    One row is one sample at one marker. Every called allele must be in the canonical form of
    :func:`~forensic_match.profiles.allele_label` (or a label of the marker in ``markers``).
    A lone call in the first allele column is ``(a, a)`` (see ``single_allele``); with a
    dropout model it means "only ``a`` was seen". A lone call after an empty first column
    (``NaN, 7``) is the partial genotype ``(a, None)``. An off-ladder call "OL" is an allele
    outside the ladder: ``7, OL`` is ``(7, None)`` and a row of "OL" calls only is untyped;
    the marker is listed in ``TypedSample.off_ladder``. A "?" or "-" beside one called allele
    of an autosomal STR is an unknown allele too (``7, ?`` and ``?, 7`` are ``(7, None)``),
    with one :class:`~forensic_match.errors.ForensicMatchWarning` naming every such row;
    alone, and in amelogenin and Y- or X-STR rows, it is no call (``Y, -`` is "M",
    ``DYS19: 14, -`` is ``14``). A row with no allele is an untyped marker. Amelogenin rows
    (``AMEL``, ``Amelogenin``) give the sex call: "M" for X,Y (or Y alone), "F" for X alone,
    "U" with an off-ladder call; two calls in one cell (``XY``, ``X,Y``, ``X/Y``, ``XX``) are
    read as two cells, and any other cell is refused. Y- and X-chromosome markers (DYS...,
    DYF..., Y-GATA-H4, Yindel, DXS..., HPRTB) are set aside in ``TypedSample.lineage`` with
    a :class:`~forensic_match.errors.LineageMarkerWarning`. An ``mtDNA`` row holds the
    sample's mitotype in ``TypedSample.mtdna``: read ranges (``16024-16569;1-576``) in the first
    allele column and variants against rCRS (``16189C 263G 315.1C``, separated by spaces,
    ``;`` or ``,``) in the others, or in ``range`` and ``variants`` columns when the table has
    them; it is read by :func:`~forensic_match.lineage.mtdna.parse_mitotype` (every variant
    inside that row's ranges). Several mtDNA rows of one sample (one per read range, e.g. HV1
    and HV2) are merged into one mitotype (union of ranges and variants,
    :func:`~forensic_match.lineage.mtdna.merge_mitotypes`); a repeated identical row is a
    duplicate; rows reading a common position with different calls there are refused
    (``docs/records.md``, "mtDNA rows").
    Sample and family ids are read in Unicode normal form C.

    Raises
    ------
    GenotypeError
        More than two alleles on a row (mixtures are not supported); an allele label not in
        canonical form; an amelogenin cell other than X, Y, OL or two of X and Y.
    MarkerError
        An autosomal marker absent from ``markers`` (at its first row).
    InputError
        Unreadable file, missing columns, empty sample or marker cells, a second row for the
        same sample and marker (mtDNA: one with different calls at a position read by both), a
        file without rows; a malformed read range or variant, overlapping ranges or a variant
        outside them in an mtDNA row. Each
        message names the file, the line (header = line 1; "row N" for Excel and Parquet), the
        sample and the marker.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pm.csv"
    >>> _ = path.write_text("sample,marker,allele1,allele2\\nPM1,TH01,9.3,10\\nPM1,vWA,16,\\n"
    ...                     "PM1,FGA,22,OL\\n")
    >>> read_genotypes(path).profiles
    {'PM1': {'TH01': ('9.3', '10'), 'vWA': ('16', '16'), 'FGA': ('22', None)}}
    """
    if single_allele not in ("homozygote", "partial"):
        raise InputError(f"single_allele must be 'homozygote' or 'partial', not "
                         f"{single_allele!r}")
    table = read_table(path)
    chosen = _genotype_layout(table, layout)
    if chosen == "ce":
        i_sample = table.require("Sample Name", "samplename")
    else:
        i_sample = table.require("sample", "sample", "sampleid")
    if table.column("marker", "locus") is None:
        wide = [h for h in table.header if _MARKER_LIKE.match(h.strip())]
        if len(wide) >= 3:
            # (h_lab2, 2026-12-08: six wide shapes were refused as "no 'marker' column")
            raise InputError(f"{table.loc(1)}: no 'marker' column, and the header names "
                             f"markers as columns ({', '.join(wide[:4])}, ...): a table with "
                             f"a column (or two) per marker is not read; write one row per "
                             f"sample and marker (sample, marker, allele1, allele2), as "
                             f"GeneMapper's sample table does")
    i_marker = table.require("marker", "marker", "locus")
    i_family = table.column("family", "familyid", "familia", "idfamilia")
    i_type = table.column("sampletype", "tipodemuestra")
    controls: dict[str, str] = {}   # samples a Sample Type cell marks as a control or ladder
    alleles_at = sorted((int(m.group(1)), i) for i, h in enumerate(table.header)
                        if (m := _ALLELE_COLUMN.fullmatch(column_key(h))))
    numbers = [n for n, _ in alleles_at]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    if twice:
        raise InputError(f"{table.loc(1)}: two columns for allele {twice[0]} in the header "
                         f"{table.header}; keep one")
    need = [1, 2] if chosen == "long" else [1]
    if [n for n in need if n not in numbers]:
        want = "allele1, allele2" if chosen == "long" else "Allele 1, Allele 2, ..."
        raise InputError(f"{table.loc(1)}: no allele columns {want}; found {table.header}"
                         f"{separator_hint(table.header)}")
    allele_columns = [i for _, i in alleles_at]
    known = _marker_names(markers)
    i_range = table.column("range", "readrange", "ranges")
    mt_columns = (i_range, table.column("variants", "variant", "mutations")
                  if i_range is not None else None)

    samples: dict[tuple[str | None, str], dict[str, Any]] = {}
    mixed: list[tuple[str, str, list[str]]] = []    # rows of more than two alleles
    names: dict[str, str] = {}
    lineage: dict[str, str] = {}
    seen: dict[tuple[str | None, str, str], int] = {}
    mt_rows: dict[tuple[str | None, str], list[tuple[Mitotype, int]]] = {}
    bad: list[tuple[str, str]] = []  # (message, where) of each allele label refused
    marked: list[str] = []  # autosomal rows with "?" or "-" beside one call
    for number, row in table.rows:
        sample = file_id(row[i_sample], table.loc(number))
        if i_type is not None and _CONTROL_TYPE.search(row[i_type]):
            # a GeneMapper-style export's controls and ladders are no samples (an outside
            # check, 2026-12-08: a positive control was searched as a body)
            controls.setdefault(sample, row[i_type].strip())
            continue
        marker = row[i_marker]
        family = (file_id(row[i_family], table.loc(number)) or None) \
            if i_family is not None else None
        if not sample:
            raise InputError(f"{table.loc(number)}: empty sample id")
        if not marker:
            raise InputError(f"{table.loc(number, sample=sample)}: empty marker name")
        key = marker_key(marker)
        loc = table.loc(number, sample=sample, marker=marker)
        short = f"{table.unit} {number}, {where(sample=sample, marker=marker)}"
        cells = [row[i] for i in allele_columns]
        called = [(k, c) for k, c in enumerate(cells) if c.upper() not in _NO_CALL]
        if key in MTDNA_MARKERS:
            mito = _mitotype_row(row, cells, mt_columns, loc, sample, table.loc(number))
            record = samples.setdefault((family, sample), {
                "genotypes": {}, "amelogenin": None, "location": table.loc(number),
                "lineage": {}, "off_ladder": [], "mtdna": None})
            rows = mt_rows.setdefault((family, sample), [])
            if any(mito == m for m, _ in rows):
                continue   # the same mitotype again, however written: a duplicate row
            for earlier, line in rows:
                both, diffs = mitotype_conflicts(earlier, mito)
                if diffs:
                    raise InputError(
                        f"{loc}: this mtDNA row and the one on {table.unit} {line} of the same "
                        f"sample both read {len(both)} positions and differ there "
                        f"({'; '.join(diffs[:5])}{'; ...' if len(diffs) > 5 else ''}); rows of "
                        f"one sample are merged into one mitotype only when they agree "
                        f"wherever both read ({table.unit} {line}: {earlier.to_dict()}; this "
                        f"row: {mito.to_dict()})")
            rows.append((mito, number))
            record["mtdna"] = merge_mitotypes([m for m, _ in rows],
                                              [f"{table.unit} {n}" for _, n in rows],
                                              sample=sample, where=table.loc())
            continue
        # AMEL and Amelogenin are one marker: two rows would give two sex calls.
        once = "AMEL" if key in AMELOGENIN else key
        if (family, sample, once) in seen:
            raise InputError(f"{loc}: second row for this sample and marker (first on "
                             f"{table.unit} {seen[family, sample, once]})")
        seen[family, sample, once] = number
        record = samples.setdefault((family, sample), {
            "genotypes": {}, "amelogenin": None, "location": table.loc(number),
            "lineage": {}, "off_ladder": [], "mtdna": None})
        # Amelogenin and Y-/X-STR rows: "?" and "-" are no call, beside a call too (see
        # _UNKNOWN_MARKS).
        if key in AMELOGENIN:
            if called:
                record["amelogenin"] = _amelogenin_call([c for _, c in called], loc)
            continue
        autosomal = known is not None and key in known.names
        if not autosomal and lineage_marker(marker) is not None:
            lineage.setdefault(key, marker)
            if called:
                record["lineage"][lineage[key]] = tuple(
                    OFF_LADDER if c.upper() == OFF_LADDER else
                    _checked(c, loc, marker, (), decimal_comma, normalise_alleles,
                             (bad, short))
                    for _, c in called)
            continue
        if len(called) > 2:
            mixed.append((loc, sample, [c for _, c in called]))
            continue
        if key not in names:
            if known is not None:
                if key not in known.names:
                    raise MarkerError(f"{loc}: marker not in the {known.label} (first row of "
                                      f"this marker)" + ("" if marker.isascii() else
                                                         f"; its name is {ascii(marker)}")
                                      + "; a marker the analysis should not use (another "
                                        "kit's, a quality sensor) is left out by name with "
                                        "the configuration's [search] ignore_markers")
                names[key] = known.names[key]
            else:
                names[key] = marker
        name = names[key]
        # One call of an autosomal STR and a "?" or "-" beside it: the mark is an unknown
        # allele (see _UNKNOWN_MARKS); beside two calls it adds nothing a genotype could hold.
        unknown = len(called) == 1 and called[0][1].upper() != OFF_LADDER \
            and any(c in _UNKNOWN_MARKS for c in cells)
        if unknown:
            last = max(k for k, c in enumerate(cells) if c)
            marked.append(f"{short} {cells[:last + 1]}")
        table_labels = known.alleles[key] if known is not None else frozenset()
        labels = [_checked(c, loc, name, table_labels, decimal_comma, normalise_alleles,
                           (bad, short))
                  for _, c in called if c.upper() != OFF_LADDER]
        if len(labels) < len(called):
            record["off_ladder"].append(name)
            if labels:
                record["genotypes"][name] = (labels[0], None)
        elif len(labels) == 2:
            record["genotypes"][name] = (labels[0], labels[1])
        elif labels:
            lone_first = called[0][0] == 0 and single_allele == "homozygote" and not unknown
            record["genotypes"][name] = (labels[0], labels[0] if lone_first else None)
    if mixed:
        raise GenotypeError(_mixtures(mixed))
    if bad:
        more = "; ".join(w for _, w in bad[1:6]) + ("; ..." if len(bad) > 6 else "")
        raise GenotypeError(bad[0][0] + (f" (and {len(bad) - 1} more allele labels refused in "
                                         f"this file: {more})" if len(bad) > 1 else ""))
    if not samples:
        raise InputError(f"{table.loc()}: no genotype rows")
    _one_spelling(((((family or "",) if i_family is not None else ()) + (sample,),
                    rec["location"]) for (family, sample), rec in samples.items()), "sample")
    if i_family is not None:
        blank = {sample: rec["location"] for (family, sample), rec in samples.items()
                 if family is None}
        for (family, sample), rec in samples.items():
            if family is not None and sample in blank:
                raise InputError(f"{blank[sample]}, sample {sample!r}: the family cell is empty "
                                 f"on this row and {family!r} on others of the sample (first "
                                 f"at {rec['location']}); fill it on every row of the sample")
    if controls:
        shown = "; ".join(f"{k} ({v})" for k, v in list(controls.items())[:5])
        warnings.warn(ForensicMatchWarning(
            f"{where(file=table.file)}: {len(controls)} sample{'s' if len(controls) != 1 else ''}"
            f" the {table.header[i_type]!r} column marks as controls or ladders not read: "
            f"{shown}{'; ...' if len(controls) > 5 else ''}"), stacklevel=2)
    if marked:
        warnings.warn(ForensicMatchWarning(
            f"{where(file=table.file)}: {len(marked)} rows hold '?' or '-' beside one called "
            f"allele ({'; '.join(marked[:5])}{'; ...' if len(marked) > 5 else ''}): each mark "
            f"is read as an unknown allele, as 'OL' is: the partial genotype (a, None), not "
            f"the homozygote a/a. A homozygote is one call with the other allele cells empty; "
            f"an export that writes '-' for an empty cell should leave the cell empty "
            f"(amelogenin and Y- or X-STR rows read '?' and '-' as no call)"), stacklevel=2)
    if lineage:
        n_typed = sum(1 for rec in samples.values() if rec["lineage"])
        warnings.warn(f"{where(file=table.file)}: {len(lineage)} Y- or X-chromosome markers "
                      f"({', '.join(lineage.values())}) set aside for lineage matching, not "
                      f"used as autosomal markers ({n_typed} samples typed on them; kept in "
                      f"the sample's lineage data)", LineageMarkerWarning, stacklevel=2)
    n_mito = sum(1 for rec in samples.values() if rec["mtdna"] is not None)
    if n_mito:
        warnings.warn(f"{where(file=table.file)}: mtDNA rows of {n_mito} samples set aside for "
                      f"lineage matching, not used as autosomal markers (kept in the sample's "
                      f"lineage data; compared only with a lineage file, --lineage)",
                      LineageMarkerWarning, stacklevel=2)
    typed = tuple(TypedSample(sample, rec["genotypes"], rec["amelogenin"], family,
                              rec["location"], rec["lineage"], tuple(rec["off_ladder"]),
                              rec["mtdna"])
                  for (family, sample), rec in samples.items())
    return GenotypeTable(table.file, chosen, typed, tuple(names.values()), i_family is not None,
                         tuple(lineage.values()))


def _one_spelling(ids: Iterable[tuple[tuple[str, ...], str]], what: str) -> None:
    """Refuse two ids of one file that differ only in case, accents, dashes, spaces or
    look-alike letters (:func:`~forensic_match.errors.lookalike_id`): ``ids`` are (id parts,
    e.g. family and sample, and where the id is first seen). Read apart, the rows of one
    sample written ``PM-001`` and ``pm-001`` became two samples with part of the profile each,
    and a family written ``F2`` and ``f2`` two families, without a word."""
    first: dict[tuple[str, ...], tuple[tuple[str, ...], str]] = {}
    for parts, loc in ids:
        key = tuple(lookalike_id(p) for p in parts)
        if key in first and first[key][0] != parts:
            other, other_loc = first[key]
            shown = " and ".join(show_id(p) for p in (parts[-1], other[-1]))
            family = f" (family {show_id(parts[0])} and {show_id(other[0])})" \
                if len(parts) > 1 and parts[0] != other[0] else ""
            many = "families" if what == "family" else f"{what}s"
            raise InputError(
                f"{loc}: {many} {shown}{family} (the other first at {other_loc}) differ only "
                f"in case, accents, dashes, spaces or look-alike letters: most likely one "
                f"{what} written two ways, whose rows would be read as two {many} with part "
                f"of the data each; write the id one way")
        first.setdefault(key, (parts, loc))


def _checked(text: str, loc: str, marker: str, known: frozenset[str] | tuple[()],
             decimal_comma: bool, normalise: bool,
             refused: tuple[list[tuple[str, str]], str]) -> str:
    """One called allele in canonical form; a refused label is added to ``bad`` (the message
    naming its row, and the row in short), so that one error lists every bad label of a
    file rather than one per run."""
    try:
        return allele_label(text, marker=marker, known=known, decimal_comma=decimal_comma,
                            normalise=normalise)
    except GenotypeError as exc:
        bad, short = refused
        bad.append((f"{loc}: {exc}", f"{short}, allele {text!r}"))
        return text


# Pedigrees -------------------------------------------------------------------------------------

@dataclass
class _FamilyRows:
    pedigree: Pedigree
    missing: list[str]
    info: dict[str, dict[str, Any]] = field(default_factory=dict)


def _flag(value: str, table: Table, number: int, family: str, ident: str) -> bool:
    text = plain_text(value).upper()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"{table.loc(number)}, family {family!r}, individual {ident!r}: missing "
                     f"{value!r} is not one of 1/0, yes/no (sí/no), true/false, Y/N")


def _extra_columns(table: Table, used: set[int | None]) -> list[tuple[int, str]]:
    """The columns of records (age, stature, dates, places...) beside those the reader
    uses; two of them with one name as column keys (``age`` and ``Age``, ``stature_cm`` and
    ``stature cm``) are refused: the evidence read the last one without a word."""
    extra = [(i, h) for i, h in enumerate(table.header) if i not in used and h]
    personal = [h for _, h in extra if personal_column(h)]
    if personal:
        # read as a record, a name was stored with the family's versions and the audit
        # log, which keep every version, and exported without --identities
        raise InputError(f"{table.loc(1)}: column {personal[0]!r} holds personal identity; "
                         f"these tables are keyed by pseudonymous ids: keep names in the "
                         f"institution's register (the case store's identities table, "
                         f"'forensic-match store identities') and leave the column out here")
    seen: dict[str, str] = {}
    for _, h in extra:
        if column_key(h) in seen:
            raise InputError(f"{table.loc(1)}: columns {seen[column_key(h)]!r} and {h!r} have "
                             f"the same name; keep one")
        seen[column_key(h)] = h
    return extra


#: Names of the dropout column, as column keys ("Dropout probability", "dropout_prob",
#: Spanish "probabilidad de pérdida alélica" is refused below, not guessed).
DROPOUT_COLUMNS = ("dropout", "dropoutprobability", "dropoutprob", "dropoutrate", "pdropout")


def _refuse_other_dropout(table: Table, extra: Sequence[tuple[int, str]]) -> None:
    """Refuse a column that names dropout but is not the dropout column (a second one, or a
    spelling not in :data:`DROPOUT_COLUMNS`): it was kept as a note and the sample read at
    dropout 0 (an outside check, 2026-12-07: ``dropout_prob`` 0.1 became 0, silently)."""
    for _, h in extra:
        key = column_key(h)
        if "dropout" in key or "perdida" in key or "pérdida" in key:
            raise InputError(f"{table.loc(1)}: column {h!r} looks like a dropout column but is "
                             f"not read as one; name it 'dropout' (one column, per-allele "
                             f"dropout probability in [0, 1)) or rename it")


#: Names of the sex column, as column keys: English and Spanish ("Sexo", "Género").
SEX_COLUMNS = ("sex", "sexo", "gender", "genero", "género")


def _sex_column(table: Table, *, required: bool) -> int | None:
    """The sex column under any of :data:`SEX_COLUMNS`; two of them are refused (which one
    holds the sex cannot be told). Before, a samples table headed ``sexo`` had its sex read
    as a note, and amelogenin alone (X only after Y dropout) made a male body female."""
    found = [(i, table.header[i]) for name in SEX_COLUMNS
             if (i := table.column(name)) is not None]
    if len(found) > 1:
        raise InputError(f"{table.loc(1)}: columns {', '.join(repr(h) for _, h in found)} "
                         f"all name the sex; keep one")
    if not found and required:
        return table.require("sex", *SEX_COLUMNS)
    return found[0][0] if found else None


def _read_pedigree_table(path: str | Path, sex_codes: SexCodes | None = None
                         ) -> dict[str, _FamilyRows]:
    table = read_table(path)
    columns = {name: table.require(name, name)
               for name in ("family", "id", "father", "mother", "missing")}
    columns["sex"] = _sex_column(table, required=True)
    extra = _extra_columns(table, set(columns.values()))
    # each row's ids read once: (id, father, mother, sex) as file_id reads them
    grouped: dict[str, list[tuple[int, list[str], tuple[str, ...]]]] = {}
    for number, row in table.rows:
        family = file_id(row[columns["family"]], table.loc(number))
        if not family:
            raise InputError(f"{table.loc(number)}: empty family id")
        ids = tuple(file_id(row[columns[c]], table.loc(number))
                    for c in ("id", "father", "mother", "sex"))
        grouped.setdefault(family, []).append((number, row, ids))
    if not grouped:
        raise InputError(f"{table.loc()}: no pedigree rows")
    _one_spelling((((family,), table.loc(rows[0][0])) for family, rows in grouped.items()),
                  "family")
    for family, rows in grouped.items():
        _one_spelling((((family, ids[0]), f"{table.loc(number)}, family {family!r}")
                       for number, _, ids in rows), "individual")
    out: dict[str, _FamilyRows] = {}
    for family, rows in grouped.items():
        numbers = [n for n, _, _ in rows]
        records = []
        for number, _, (ident, father, mother, sex) in rows:
            code = parse_sex(sex, codes=sex_codes or "MF", context=f"{table.loc(number)}, family "
                             f"{family!r}, individual {ident!r}")
            records.append((ident, father, mother, "UMF"[code]))
        pedigree = Pedigree.from_records(
            records, source=table.file,
            locations=[f"{table.loc(n)}, family {family!r}" for n in numbers])
        missing: list[str] = []
        info: dict[str, dict[str, Any]] = {}
        for number, row, (ident, *_) in rows:
            if _flag(row[columns["missing"]], table, number, family, ident):
                missing.append(ident)
                info[ident] = {h: row[i] for i, h in extra if row[i]}
        if not missing:
            shown = ", ".join(repr(i) for i in pedigree.ids[:10])
            more = f" and {len(pedigree) - 10} more" if len(pedigree) > 10 else ""
            raise InputError(f"{table.loc(numbers[0])}, family {family!r}: no missing person "
                             f"among individuals {shown}{more}; mark them with missing=1")
        out[family] = _FamilyRows(pedigree, missing, info)
    return out


def read_pedigrees(path: str | Path, *, sex_codes: SexCodes | None = None,
                   ) -> dict[str, tuple[Pedigree, list[str]]]:
    """Read the pedigrees of reference families from ``family,id,father,mother,sex,missing``.

    Parameters
    ----------
    path : str or Path
        A CSV, TSV/text, Parquet or Excel table. Column names are compared ignoring case;
        other columns are allowed (see :func:`read_families`). A family's rows need not be
        contiguous. ``father`` and ``mother`` are both given or both empty (``0`` and ``NA``
        also mean unknown); ``sex`` is a code of ``sex_codes`` or a word (see
        :func:`~forensic_match.pedigree.parse_sex`); ``missing`` is 1/0, yes/no, sí/no,
        true/false or Y/N (empty means no). Ids are read in Unicode normal form C.
    sex_codes : {"MF", "HM"}, optional
        Single-letter sex codes of the file: M/F (male/female, masculino/femenino; the
        default when not given) or H/M (Spanish hombre/mujer, where M is female). Under "MF"
        an "H" is refused with an error that says why.

    Returns
    -------
    dict
        ``{family: (pedigree, missing ids)}`` in the order of each family's first row.

    Raises
    ------
    PedigreeError
        Unknown parent, duplicate id within a family, wrong-sex parent, one parent only, a
        person who is their own ancestor; the message names file, line, family and individual.
    InputError
        Unreadable file, missing columns, empty family id, an unreadable ``missing`` cell, a
        family with no missing person.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ped.csv"
    >>> _ = path.write_text("family,id,father,mother,sex,missing\\n"
    ...                     "F1,FA,,,M,0\\nF1,MO,,,F,0\\nF1,MP,FA,MO,M,1\\n")
    >>> ped, missing = read_pedigrees(path)["F1"]
    >>> ped.parents("MP"), missing
    (('FA', 'MO'), ['MP'])
    """
    return {family: (rows.pedigree, rows.missing)
            for family, rows in _read_pedigree_table(path, sex_codes).items()}


# Reference families ----------------------------------------------------------------------------

def _family_of(sample: TypedSample, families: Mapping[str, _FamilyRows], *, file: str,
               role: str) -> str:
    """The family a typed sample belongs to: its ``family`` cell, else the pedigree holding it.

    ``role`` is "relative" (the id must be a non-missing member) or "reference" (the id must be
    a missing person).
    """
    def fits(fid: str) -> bool:
        rows = families[fid]
        if role == "reference":
            return sample.id in rows.missing
        return sample.id in rows.pedigree

    what = "a missing person" if role == "reference" else "an individual"
    if sample.family is not None:
        if sample.family not in families:
            raise InputError(f"{sample.label}: family {sample.family!r} is not in the "
                             f"pedigree file {file!r}")
        if not fits(sample.family):
            raise InputError(f"{sample.label}: not {what} of family {sample.family!r} in the "
                             f"pedigree file {file!r}")
        return sample.family
    matches = [fid for fid in families if fits(fid)]
    if not matches:
        every = [i for rows in families.values() for i in rows.pedigree.ids]
        raise InputError(f"{sample.label}: not {what} of any family in the pedigree file "
                         f"{file!r} (sample ids must equal pedigree ids, or give a family "
                         f"column){similar_ids(sample.id, every)}")
    if len(matches) > 1:
        raise InputError(f"{sample.label}: {what} of families "
                         f"{', '.join(repr(f) for f in matches)}; add a family column to say "
                         f"which")
    return matches[0]


def read_families(pedigrees_path: str | Path, genotypes_path: str | Path | None = None, *,
                  references_path: str | Path | None = None,
                  markers: MarkerSet | None = None, decimal_comma: bool = False,
                  normalise_alleles: bool = False, single_allele: SingleAllele = "homozygote",
                  sex_codes: SexCodes | None = None) -> list[Family]:
    """Read reference families: pedigrees, typed relatives and direct references.

    Parameters
    ----------
    pedigrees_path : str or Path
        The pedigree table (see :func:`read_pedigrees`). Columns beyond
        ``family,id,father,mother,sex,missing`` on a missing person's row are antemortem
        records (age, date and place of disappearance...) and go to ``Family.info[id]`` as
        text (empty cells left out).
    genotypes_path : str or Path, optional
        Profiles of the relatives (see :func:`read_genotypes`). A sample id must equal the id
        of a relative in the pedigree file. Without a ``family`` column the id must belong to
        exactly one family; with one, the id is looked up in that family only (so families may
        reuse ids such as "father").
    references_path : str or Path, optional
        Direct references (personal effects, stored biopsies): sample ids are missing-person
        ids, matched the same way; they go to ``Family.references``.
    markers : FrequencyDB or list of Marker, optional
        Every marker of both genotype tables must be in it (see :func:`read_genotypes`).
    decimal_comma, normalise_alleles, single_allele
        How allele labels and lone calls are read (see :func:`read_genotypes`).
    sex_codes : {"MF", "HM"}, optional
        Single-letter sex codes of the pedigree file (see :func:`read_pedigrees`).

    Returns
    -------
    list of Family
        In the order of the pedigree file. Y- and X-chromosome markers of relatives and
        references are kept in ``Family.lineage`` (``{id: {marker: [alleles]}}``); a relative
        typed on such markers only is kept there and not among the typed relatives.

    Raises
    ------
    InputError
        Any error of the readers; a typed sample not in (or ambiguous between) the families;
        a missing person among the relatives (their own profile is a direct reference); a
        sample with no typed marker. Messages name the file, line, sample and family.

    Warns
    -----
    ForensicMatchWarning
        A relative's amelogenin call contradicts the sex in the pedigree.

    Examples
    --------
    >>> fams = read_families("datasets/examples/records/pedigrees.csv",
    ...                      "datasets/examples/records/relatives.csv")  # doctest: +SKIP
    >>> fams[0].missing  # doctest: +SKIP
    ['F1-MP']
    """
    families = _read_pedigree_table(pedigrees_path, sex_codes)
    pfile = str(pedigrees_path)
    options = {"markers": markers, "decimal_comma": decimal_comma,
               "normalise_alleles": normalise_alleles, "single_allele": single_allele}
    genotypes: dict[str, Profiles] = {fid: {} for fid in families}
    references: dict[str, dict[str, dict[str, Genotype]]] = {fid: {} for fid in families}
    lineage: dict[str, dict[str, dict[str, list[str]]]] = {fid: {} for fid in families}
    mtdna: dict[str, dict[str, Mitotype]] = {fid: {} for fid in families}
    if genotypes_path is not None:
        for s in read_genotypes(genotypes_path, **options).samples:  # type: ignore[arg-type]
            fid = _family_of(s, families, file=pfile, role="relative")
            rows = families[fid]
            if s.id in rows.missing:
                raise InputError(f"{s.label}: {s.id!r} is a missing person of family {fid!r}; "
                                 f"a profile of the missing person from personal effects is a "
                                 f"direct reference (references table), not a relative")
            if s.mtdna is not None:
                mtdna[fid][s.id] = s.mtdna
            if s.lineage:
                lineage[fid][s.id] = {m: list(a) for m, a in s.lineage.items()}
            if (s.lineage or s.mtdna is not None) and not s.genotypes:
                continue
            if not s.genotypes:
                raise InputError(f"{s.label}: no typed markers")
            if s.id in genotypes[fid]:
                raise InputError(f"{s.label}: duplicate sample id in family {fid!r}")
            sex = rows.pedigree.sex_of(s.id)
            if s.amelogenin in ("M", "F") and sex in ("M", "F") and s.amelogenin != sex:
                warnings.warn(f"{s.label}, family {fid!r}: amelogenin says {s.amelogenin} but "
                              f"the pedigree says {sex}; check for a sample mix-up",
                              ForensicMatchWarning, stacklevel=2)
            genotypes[fid][s.id] = s.genotypes
    if references_path is not None:
        for s in read_genotypes(references_path, **options).samples:  # type: ignore[arg-type]
            fid = _family_of(s, families, file=pfile, role="reference")
            if s.mtdna is not None:
                mtdna[fid][s.id] = s.mtdna
            if s.lineage:
                lineage[fid].setdefault(s.id, {}).update(
                    {m: list(a) for m, a in s.lineage.items()})
            if (s.lineage or s.mtdna is not None) and not s.genotypes:
                continue
            if not s.genotypes:
                raise InputError(f"{s.label}: no typed markers")
            if s.id in references[fid]:
                raise InputError(f"{s.label}: duplicate sample id in family {fid!r}")
            references[fid][s.id] = s.genotypes
    return [Family(fid, rows.pedigree, rows.missing, genotypes[fid], references[fid],
                   rows.info, lineage[fid], mtdna=mtdna[fid]) for fid, rows in families.items()]


# PM samples ------------------------------------------------------------------------------------

@dataclass
class _SampleRow:
    number: int
    sex: str
    site: str
    dropout: float
    info: dict[str, Any]


def _probability(text: str) -> float:
    """A probability cell; a decimal comma is read as a point ("0,2" is 0.2): in [0, 1) it
    cannot be a thousands separator. Only a plain decimal number is read (Python's ``float``
    would also take "0.0_5" as 0.05, "nan" and "infinity")."""
    text = text.replace(",", ".") if re.fullmatch(r"[0-9]*,[0-9]+", text) else text
    if not re.fullmatch(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?", text):
        return math.nan
    return float(text)


def _read_sample_table(path: str | Path, sex_codes: SexCodes | None = None,
                       ) -> tuple[Table, dict[str, _SampleRow]]:
    table = read_table(path)
    i_sample = table.require("sample", "sample", "samplename", "sampleid")
    i_sex = _sex_column(table, required=False)
    i_site = table.column("site", "grave")
    i_dropout = table.column(*DROPOUT_COLUMNS)
    used = {i_sample, i_sex, i_site, i_dropout}
    extra = _extra_columns(table, used)
    _refuse_other_dropout(table, extra)
    out: dict[str, _SampleRow] = {}
    for number, row in table.rows:
        sample = file_id(row[i_sample], table.loc(number))
        if not sample:
            raise InputError(f"{table.loc(number)}: empty sample id")
        loc = table.loc(number, sample=sample)
        if sample in out:
            raise InputError(f"{loc}: duplicate sample id (first on {table.unit} "
                             f"{out[sample].number})")
        sex = "U"
        if i_sex is not None:
            try:
                sex = "UMF"[parse_sex(row[i_sex], codes=sex_codes or "MF")]
            except ForensicMatchError as exc:
                raise InputError(f"{loc}: {exc}") from None
        dropout = 0.0
        if i_dropout is not None and row[i_dropout]:
            dropout = _probability(row[i_dropout])
            if not 0.0 <= dropout < 1.0:
                raise InputError(f"{loc}: dropout {row[i_dropout]!r} is not a probability in "
                                 f"[0, 1)")
        site = row[i_site] if i_site is not None else ""
        out[sample] = _SampleRow(number, sex, site, dropout,
                                 {h: row[i] for i, h in extra if row[i]})
    _one_spelling((((sample,), table.loc(r.number)) for sample, r in out.items()), "sample")
    if i_sex is not None and sex_codes is None:
        _warn_spanish_m_only(table, i_sex)
    return table, out


def _warn_spanish_m_only(table: Table, i_sex: int) -> None:
    """Warn when a samples table with a Spanish sex column (``sexo``, ``género``) writes its
    sexes with the letter ``M`` alone: M is male in M/F (masculino / femenino) and female in
    H/M (hombre / mujer), and with no ``H`` or ``F`` in the file the two cannot be told apart.
    A batch of women written H/M was read as men without a word, and the sex filter then kept
    every true pair out of the candidates (an outside check, 2026-12-07)."""
    from forensic_match.errors import ForensicMatchWarning, folded_id

    if folded_id(table.header[i_sex]).replace(" ", "") not in ("sexo", "genero"):
        return
    cells = [folded_id(row[i_sex]).strip().upper() for _, row in table.rows]
    if "M" in cells and not {"F", "H"} & set(cells):
        warnings.warn(f"{table.loc()}: the column {table.header[i_sex]!r} writes the sex of "
                      f"{cells.count('M')} samples with the letter M alone, read as male "
                      f"(M/F, masculino / femenino); in the H/M convention (hombre / mujer) "
                      f"M is female: declare the file's convention, sex_codes='HM' "
                      f"(--sex-codes HM) or sex_codes='MF' (--sex-codes MF, which also "
                      f"silences this), or write the sexes in words (masculino, mujer)",
                      ForensicMatchWarning, stacklevel=4)


#: A sample name holding a word of each set (as words or joined: ``Positive Control``,
#: ``Control Positivo``, ``PosCtrl``, ``Pos Ctrl 1``) says it is a run's positive control.
_POSITIVE = frozenset({"pos", "positive", "positivo"})
_CONTROL = frozenset({"control", "ctrl"})
_JOINED = re.compile(r"positive|positivo|pos|control|ctrl")
#: The DNA of a kit's positive control: 9947A and 2800M (Promega's, and others'), and 007
#: (Applied Biosystems' DNA Control 007), as a sample name or a word of one.
_CONTROL_DNA = frozenset({"9947a", "2800m", "007"})
#: The words that go with it (``PC 007``, ``DNA Control 007``, ``Control 9947A``).
_CONTROL_WORDS = frozenset({"pc", "cp", "dna", "control", "ctrl", "positive", "positivo",
                            "pos"})


def _says_positive_control(sample: str) -> bool:
    """Whether a sample name says it is a run's positive control: a word positive,
    positivo or pos, or a sign ``+``, and a word control or ctrl, in any order, case, accents
    or separators, or joined (``Positive Control``, ``Control Positivo``, ``PosCtrl``,
    ``Pos Ctrl 1``, ``Control positivo fosa 3``, ``Control +``, ``Ctrl+``, ``CTRL (+)``).
    The sign was not read before (2026-12-07): ``Control +`` and ``Ctrl+`` were searched as
    remains without a word."""
    words: set[str] = {"pos"} if "+" in sample else set()
    for word in re.findall(r"[a-z]+", plain_text(sample).casefold()):
        joined = _JOINED.findall(word)
        words.update(joined if "".join(joined) == word else [word])
    return bool(words & _POSITIVE) and bool(words & _CONTROL)


def _looks_like_positive_control(sample: str) -> bool:
    """Whether a sample name could be a run's positive control without saying so: ``PC``
    or ``CP`` (control positivo; ``PC1``, ``PC-01``, ``P.C. 1``, ``CP-1``), ``C+``
    (``C+1``, ``C (+)``), or a kit's control DNA (``9947A``, ``2800M``, ``007``) alone or
    with the words PC, DNA, Control, Ctrl, Positive, Positivo, Pos and short numbers
    (``PC 007``, ``DNA-007``, ``9947A_1``, ``007-1``); not ``PM-007``, ``Muestra 007``,
    ``PC-2019-044`` or ``CP-2019-044``. Such names are also lab numbers and remains (``007``
    in a sequence 001..150, ``7-007`` grave 7, skeleton 7; ``CP`` a centro poblado's or a
    person's initials), so they are searched, with a warning. ``CP`` and ``C+`` were read
    without a word until 2026-12-07 (f_lab4)."""
    text = plain_text(sample).casefold()
    words = re.findall(r"[a-z]+|[0-9]+[a-z]?", text)
    joined = "".join(words)
    if re.fullmatch(r"(pc|cp)[0-9]{0,2}", joined) or \
            "+" in sample and re.fullmatch(r"c[0-9]{0,2}", joined):
        return True
    dna = [w for w in words if w in _CONTROL_DNA]
    return bool(dna) and all(w in _CONTROL_DNA or w in _CONTROL_WORDS or w.isdigit() and
                             len(w) <= 2 for w in words)


def _check_positive_controls(samples: Sequence[TypedSample], file: str) -> None:
    """Refuse a PM genotype table holding a sample named a run's positive control, and warn
    about samples whose names could be one. A whole run's export holds its controls: the
    negative control is refused (no typed markers) and the allelic ladder too (a mixture),
    but the positive control, a full single-source profile, became a body (an outside check,
    2026-12-07: '9947A' searched as remains). Only a name that says so is refused: the
    first rule also refused ``007`` (while ``006`` passed), ``007-1``, ``7-007``,
    ``DNA-007``, ``Pos. 007``, ``PC-1-1``, realistic names of remains, and one such name
    stopped a whole search or night (a second outside check, 2026-12-07)."""
    said = [s for s in samples if _says_positive_control(s.id)]
    if said:
        others = ", ".join(show_id(s.id) for s in said[1:6])
        raise InputError(
            f"{said[0].label}: a positive control of the run (the name says so: positive, "
            f"positivo, pos or + with control or ctrl), not remains; leave the run's controls "
            f"and ladder out of the PM table"
            + (f" ({len(said)} such samples: also {others}"
               f"{' ...' if len(said) > 6 else ''})" if len(said) > 1 else ""))
    alike = [s for s in samples if _looks_like_positive_control(s.id)]
    if alike:
        # s.location ends in its line ("line 4"; "row 4" in a workbook)
        shown = "; ".join(f"{show_id(s.id)} ({s.location.rsplit(', ', 1)[-1]})"
                          for s in alike[:10])
        warnings.warn(ForensicMatchWarning(
            f"{where(file=file)}: {len(alike)} samples are named like a run's positive control "
            f"(a kit's control DNA 9947A, 2800M or 007, or PC, CP or C+): {shown}"
            f"{'; ...' if len(alike) > 10 else ''}; they are searched as remains. If one is "
            f"the run's positive control, leave it out of the PM table"), stacklevel=3)


def _search_sex(label: str, table: str, amelogenin: str | None, y_typed: list[str]) -> str:
    """The sex a PM sample is searched with: the sex filter drops every pair of the other sex,
    so it takes a sex only when the calls leave no real doubt.

    - The samples table and amelogenin agree, or amelogenin shows X and Y (a male, unless a
      male contaminated the sample), or the table alone gives a sex (the institution's call):
      that sex.
    - They disagree (the table against amelogenin, or Y-STR alleles on a female call): "U",
      with a warning. Before, the table won: a father whose table said F, his children the
      only references of him and his missing wife, was proposed as his wife at posterior
      0.9999999 in 30 of 30 families (an outside check, 2026-12-07).
    - Amelogenin X alone, nothing else: "U". A degraded male's Y allele drops out like any
      allele (and some men lack AMELY): the same check had fathers whose Y was lost proposed
      as their wives, 30 of 30, with no warning at all.
    - Y-STR alleles alone (no table sex, no amelogenin): "M", as amelogenin X and Y.
    """
    sources = {"samples table": table if table in ("M", "F") else None,
               "amelogenin": amelogenin if amelogenin in ("M", "F") else None,
               "Y-STR typing": "M" if y_typed else None}
    said = {k: v for k, v in sources.items() if v is not None}
    if len(set(said.values())) > 1:
        females = [k for k, v in said.items() if v == "F"]
        if len(said) == 2 and "Y-STR typing" in said:
            warn_y_on_female(label, females[0], y_typed)
        else:
            words = "; ".join(f"the {k} says {v}" for k, v in said.items())
            warnings.warn(f"{label}: {words}: the sex is left unknown to the search (no sex "
                          f"filter; a mix-up, a misread skeleton, or an AMELY deletion or Y "
                          f"dropout); give the sex once it is settled", ForensicMatchWarning,
                          stacklevel=3)
        return "U"
    if not said:
        return "U"
    (value,) = set(said.values())
    if value == "F" and set(said) == {"amelogenin"}:
        return "U"
    return value


def read_pm_samples(genotypes_path: str | Path, *, samples_path: str | Path | None = None,
                    markers: MarkerSet | None = None, decimal_comma: bool = False,
                    normalise_alleles: bool = False,
                    single_allele: SingleAllele = "homozygote",
                    sex_codes: SexCodes | None = None) -> list[PMSample]:
    """Read postmortem samples: profiles and, optionally, a table of what else is known.

    Parameters
    ----------
    genotypes_path : str or Path
        The PM profiles (see :func:`read_genotypes`), long or CE layout.
    samples_path : str or Path, optional
        A table with a ``sample`` column and optional ``sex`` (M/F/U or a word, from
        anthropology or a curated call; see ``sex_codes``), ``site`` (grave or site of
        recovery; ``grave`` is accepted too) and ``dropout`` (per-allele dropout probability
        in [0, 1), empty = 0; a decimal comma is read as a point) columns. Other columns are
        postmortem records (estimated age, stature, date of recovery...) and go to
        ``PMSample.info`` as text (empty cells left out).
    markers : FrequencyDB or list of Marker, optional
        Every autosomal marker must be in it (see :func:`read_genotypes`).
    decimal_comma, normalise_alleles, single_allele
        How allele labels and lone calls are read (see :func:`read_genotypes`).
    sex_codes : {"MF", "HM"}, optional
        Single-letter sex codes of the samples table (see :func:`read_pedigrees`). Not given,
        M/F is read, and a table with a Spanish sex column holding only the letter M is
        warned about (M is female under H/M); given, it is the file's declared convention.

    Returns
    -------
    list of PMSample
        In the order of the genotype table. ``sex`` is what the samples table's M or F, the
        amelogenin call and the sample's Y-STRs agree on; "U" where they disagree (with a
        warning; a table's sex left out is kept as ``info["sex_recorded"]``) or where
        amelogenin shows X alone with nothing else (a male's Y may drop out; docs/records.md,
        "Sex"). The amelogenin call is also kept as ``info["amelogenin"]``. A typed sample
        the samples table leaves out is read with dropout 0 and named in a warning.
        Y- and X-chromosome markers go to ``info["lineage"]`` (``{marker: [alleles]}``) and
        the markers with an off-ladder call are listed in ``info["off_ladder"]``.

    Raises
    ------
    InputError
        Any error of :func:`read_genotypes`; a PM sample with no typed marker (only
        amelogenin, or listed in the samples table but absent from the genotypes); a run's
        positive control, a sample whose name says so (``Positive Control``, ``Control
        Positivo``, ``PosCtrl``: ``docs/records.md``, "PM samples"); a duplicate sample id in
        the samples table; an unreadable sex or dropout. Messages name the file, line and
        sample.
    MarkerError
        A marker not in ``markers``, at its first row.

    Warns
    -----
    ForensicMatchWarning
        The samples table's sex contradicts the amelogenin call; samples named like a run's
        positive control (``9947A``, ``2800M``, ``007``, ``PC1``, ``CP``, ``C+``...), one
        warning naming them: they are searched as remains.

    Examples
    --------
    >>> pm = read_pm_samples("datasets/examples/records/pm_genotypes.csv",
    ...                      samples_path="datasets/examples/records/pm_samples.csv")
    ... # doctest: +SKIP
    >>> pm[0].site  # doctest: +SKIP
    'Grave 1'
    """
    table = read_genotypes(genotypes_path, markers=markers, decimal_comma=decimal_comma,
                           normalise_alleles=normalise_alleles, single_allele=single_allele)
    _check_positive_controls(table.samples, table.source)
    by_id: dict[str, TypedSample] = {}
    for s in table.samples:
        if s.id in by_id:
            raise InputError(f"{s.label}: duplicate sample id (also at {by_id[s.id].location})")
        by_id[s.id] = s
    rows: dict[str, _SampleRow] = {}
    if samples_path is not None:
        sample_table, rows = _read_sample_table(samples_path, sex_codes)
        for sid, row in rows.items():
            if sid not in by_id:
                raise InputError(f"{sample_table.loc(row.number, sample=sid)}: no typed "
                                 f"markers (no rows in {table.source!r})"
                                 f"{similar_ids(sid, by_id)}")
    out = []
    for s in table.samples:
        if not s.genotypes:
            raise InputError(f"{s.label}: no typed markers (a PM sample needs at least one "
                             f"autosomal marker besides amelogenin and Y- or X-STRs)")
        row = rows.get(s.id)
        table_sex = row.sex if row is not None else "U"
        y_typed = [m for m, a in s.lineage.items() if a and lineage_marker(m) == "Y"] \
            if s.lineage else []
        sex = _search_sex(s.label, table_sex, s.amelogenin, y_typed)
        info = dict(row.info) if row is not None else {}
        if s.amelogenin is not None:
            info["amelogenin"] = s.amelogenin
        if table_sex in ("M", "F") and table_sex != sex:
            info["sex_recorded"] = table_sex  # the table's sex, left out of the search
        if s.lineage:
            info["lineage"] = {m: list(a) for m, a in s.lineage.items()}
        if s.off_ladder:
            info["off_ladder"] = list(s.off_ladder)
        out.append(PMSample(s.id, sex, dict(s.genotypes), row.site if row else "",
                            row.dropout if row else 0.0, info, mtdna=s.mtdna))
    if samples_path is not None:
        _warn_unlisted([s.id for s in out if s.id not in rows], samples_path)
    return out


def _warn_unlisted(unlisted: Sequence[str], samples_path: str | Path) -> None:
    """One warning naming the typed PM samples a samples table leaves out: each is read with
    dropout 0, no site and the amelogenin sex (an outside check, 2026-12-07: a row lost from
    the table changed a degraded sample's dropout without a word)."""
    if unlisted:
        names = ", ".join(repr(s) for s in unlisted[:5])
        more = f" and {len(unlisted) - 5} more" if len(unlisted) > 5 else ""
        warnings.warn(ForensicMatchWarning(
            f"samples table {str(samples_path)!r} has no row for {len(unlisted)} typed PM "
            f"samples ({names}{more}): each is read with dropout 0, no site and the "
            f"amelogenin sex; add their rows if they have other records"), stacklevel=3)
