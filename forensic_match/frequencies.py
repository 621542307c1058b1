"""Allele frequency databases: reading tables, the bundled U.S. tables, markers for a case.

A :class:`FrequencyDB` maps each marker to its allele labels and their frequencies. Tables are
read in one of these layouts (see ``docs/frequencies.md``):

- *long*: one row per allele, columns ``marker,allele,frequency``;
- *ladder* (Familias, published tables): an ``Allele`` column and one column per marker, an
  empty cell (or 0, NA) where a marker lacks an allele, and optionally a last row ``N`` with the
  number of individuals typed per marker;
- *list* (Familias' exported frequencies, pedtools' "list"): a marker name line, then
  ``allele<TAB>frequency`` lines, a blank line between markers;
- *fam*: the allele database of a Familias ``.fam`` file.

Allele labels are read as text and kept as written ("10", "9.3", "OL"). Frequencies are used as
given; a marker whose frequencies do not sum to 1 within
:data:`~forensic_match.markers.SUM_TOLERANCE` is refused unless the caller asks to normalise.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from forensic_match.errors import (
    ForensicMatchWarning,
    InputError,
    MarkerError,
    NormalisationWarning,
    UnknownSizeWarning,
    where,
)
from forensic_match.markers import SMALLEST_MIN_FREQUENCY, Marker
from forensic_match.mutation import Mutation
from forensic_match.tables import EXCEL_SUFFIXES, Table, read_table

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "DEFAULT_MIN_FREQUENCY",
    "FrequencyDB",
    "available_frequencies",
    "load_frequencies",
    "marker_key",
    "read_frequencies",
]

#: Frequency given to an allele absent from the table when the table's number of individuals
#: is unknown and the caller sets no value. With N known the rule is 5 / (2N) (NRC II, 1996).
DEFAULT_MIN_FREQUENCY = 0.001

#: Folder of the bundled tables (``<name>.csv``, ``<name>.counts.csv``, ``<name>.SOURCE.md``),
#: package data (``forensic_match/data/frequencies``), so that it travels with any install.
BUNDLED_DIR = Path(__file__).resolve().parent / "data" / "frequencies"

Layout = Literal["auto", "long", "ladder", "list", "fam"]

_ABSENT = {"", "NA", "N/A", "NAN", "NULL", "NONE", "-"}


def marker_key(name: str) -> str:
    """The form under which marker names are compared: upper case, no spaces, ``_`` or ``-``.

    Examples
    --------
    >>> marker_key("Penta D") == marker_key("PENTA_D") == marker_key("PentaD")
    True
    >>> marker_key("vWA")
    'VWA'
    """
    return re.sub(r"[\s_\-]+", "", str(name)).upper()


class FrequencyDB(Mapping[str, tuple[tuple[str, ...], np.ndarray]]):
    """An immutable table of allele frequencies per marker.

    ``db[name]`` is ``(alleles, frequencies)``; marker names are matched ignoring case, spaces,
    underscores and hyphens (``db["VWA"]`` finds ``vWA``). Iteration yields the marker names in
    the order of the source table.

    Parameters
    ----------
    tables : mapping of str to (sequence of str, sequence of float)
        Allele labels and their frequencies for each marker, checked as by
        :class:`~forensic_match.markers.Marker`.
    name : str, optional
        A short name for reports (``"nist1036_hisp"``); by default ``source`` or ``"custom"``.
    source : str, optional
        Where the table came from: a file path or a dataset name.
    n_individuals : int, optional
        Number of individuals the frequencies were estimated from (the smallest over markers);
        sets :attr:`min_frequency` to 5 / (2N).
    min_frequency : float, optional
        Frequency for alleles missing from the table, overriding the 5 / (2N) rule.
    normalise : bool
        Rescale markers whose frequencies do not sum to 1 (with a
        :class:`~forensic_match.errors.NormalisationWarning`) instead of refusing them.

    Examples
    --------
    >>> db = FrequencyDB({"TH01": (["6", "9.3"], [0.4, 0.6])}, n_individuals=250)
    >>> db.marker("th01").alleles
    ('6', '9.3')
    >>> db.min_frequency
    0.01
    """

    __slots__ = ("_keys", "_markers", "_min_frequency", "_sha256", "n_individuals", "name",
                 "source")

    name: str
    source: str | None
    n_individuals: int | None

    def __init__(self, tables: Mapping[str, tuple[Sequence[str], Sequence[float]]], *,
                 name: str | None = None, source: str | None = None,
                 n_individuals: int | None = None, min_frequency: float | None = None,
                 normalise: bool = False) -> None:
        if n_individuals is not None and (isinstance(n_individuals, bool)
                                          or int(n_individuals) != n_individuals
                                          or n_individuals < 1):
            raise InputError(f"n_individuals must be a positive integer, got {n_individuals!r}")
        if min_frequency is not None and not SMALLEST_MIN_FREQUENCY <= min_frequency < 1.0:
            raise InputError(f"min_frequency must lie in [1e-9, 1), got {min_frequency!r}")
        markers: dict[str, Marker] = {}
        keys: dict[str, str] = {}
        for marker_name, (alleles, freqs) in tables.items():
            marker_name = str(marker_name).strip()
            key = marker_key(marker_name)
            if key in keys:
                raise MarkerError(f"{where(marker=marker_name)}: the same marker as "
                                  f"{keys[key]!r} (names are compared ignoring case, spaces "
                                  f"and underscores)")
            keys[key] = marker_name
            markers[marker_name] = Marker(marker_name, tuple(alleles), freqs, normalise=normalise)
        object.__setattr__(self, "_markers", markers)
        object.__setattr__(self, "_keys", keys)
        object.__setattr__(self, "_min_frequency", min_frequency)
        object.__setattr__(self, "_sha256", None)
        object.__setattr__(self, "name", name if name is not None else (source or "custom"))
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "n_individuals",
                           None if n_individuals is None else int(n_individuals))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"FrequencyDB is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"FrequencyDB is immutable; cannot delete {name!r}")

    def __repr__(self) -> str:
        n = "" if self.n_individuals is None else f", n_individuals={self.n_individuals}"
        return f"FrequencyDB(name={self.name!r}, markers={len(self)}{n})"

    # Mapping protocol ----------------------------------------------------------------------
    def __getitem__(self, name: str) -> tuple[tuple[str, ...], np.ndarray]:
        m = self._markers[self._resolve(name)]
        return m.alleles, m.frequencies

    def __iter__(self) -> Iterator[str]:
        return iter(self._markers)

    def __len__(self) -> int:
        return len(self._markers)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and marker_key(name) in self._keys

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrequencyDB):
            return NotImplemented
        return self.markers == other.markers and self.sha256 == other.sha256

    def __hash__(self) -> int:
        return hash(self.sha256)

    def _resolve(self, name: str) -> str:
        try:
            return self._keys[marker_key(name)]
        except KeyError:
            raise KeyError(name) from None

    # Content ---------------------------------------------------------------------------------
    @property
    def markers(self) -> tuple[str, ...]:
        """Marker names, in the order of the source table."""
        return tuple(self._markers)

    @property
    def min_frequency(self) -> float:
        """Frequency for an allele absent from the table.

        The caller's value if one was given, else 5 / (2N) with N = :attr:`n_individuals`
        (National Research Council, *The Evaluation of Forensic DNA Evidence*, 1996
        ("NRC II"), p. 148), else :data:`DEFAULT_MIN_FREQUENCY`.
        """
        if self._min_frequency is not None:
            return float(self._min_frequency)
        if self.n_individuals is not None:
            return 5.0 / (2.0 * self.n_individuals)
        return DEFAULT_MIN_FREQUENCY

    @property
    def sha256(self) -> str:
        """Hex sha256 of the content: markers and alleles sorted, frequencies as exact floats.

        Independent of row order, file format, ``name`` and ``source``, so the same table read
        from CSV or Parquet hashes the same; any change of a frequency changes it.
        """
        if self._sha256 is None:
            h = hashlib.sha256()
            for marker_name in sorted(self._markers):
                m = self._markers[marker_name]
                for allele, freq in sorted(zip(m.alleles, m.frequencies.tolist(), strict=True)):
                    h.update(f"{marker_name}\t{allele}\t{float(freq)!r}\n".encode())
            object.__setattr__(self, "_sha256", h.hexdigest())
        return self._sha256

    def canonical_name(self, name: str) -> str:
        """The table's own spelling of marker ``name`` (``"VWA"`` -> ``"vWA"``)."""
        try:
            return self._resolve(name)
        except KeyError:
            raise self._missing([name]) from None

    def marker(self, name: str, *, mutation: Mutation | None = None) -> Marker:
        """The :class:`~forensic_match.markers.Marker` for ``name``.

        The marker keeps the caller's spelling of the name, so that it lines up with the
        profiles that asked for it; :meth:`canonical_name` gives the table's spelling. It
        carries the table's :attr:`min_frequency`, which the likelihood engine gives to alleles
        that a profile shows but the table lacks.

        Raises
        ------
        MarkerError
            The table has no such marker.

        Examples
        --------
        >>> db = FrequencyDB({"vWA": (["16", "17"], [0.5, 0.5])})
        >>> db.marker("VWA").frequencies.tolist()
        [0.5, 0.5]
        """
        m = self._markers[self.canonical_name(name)]
        return Marker(name, m.alleles, m.frequencies, mutation,
                      min_frequency=self.min_frequency)

    def markers_for(self, names: Iterable[str], *,
                    mutation: Mutation | Mapping[str, Mutation | None] | None = None
                    ) -> list[Marker]:
        """Markers for ``names``, in that order.

        Parameters
        ----------
        names : iterable of str
            Marker names, matched ignoring case, spaces and underscores.
        mutation : Mutation or mapping of str to Mutation, optional
            One model for every marker, or a model per marker name (markers not in the mapping
            get none).

        Raises
        ------
        MarkerError
            Some markers are not in the table (all are named), a marker is named twice (two
            spellings of one marker: ``VWA`` and ``vWA``), or the mutation mapping names a
            marker that is not requested.

        Examples
        --------
        >>> db = FrequencyDB({"TH01": (["6", "7"], [0.5, 0.5]), "TPOX": (["8"], [1.0])})
        >>> [m.name for m in db.markers_for(["tpox", "TH01"])]
        ['tpox', 'TH01']
        """
        names = [str(n) for n in names]
        missing = [n for n in names if n not in self]
        if missing:
            raise self._missing(missing)
        first: dict[str, str] = {}
        for n in names:
            if (key := marker_key(n)) in first:
                raise MarkerError(f"markers {first[key]!r} and {n!r} are one marker of table "
                                  f"{self.name!r} (names are compared ignoring case, spaces, "
                                  f"'_' and '-'): list it once")
            first[key] = n
        if mutation is None or isinstance(mutation, Mutation):
            return [self.marker(n, mutation=mutation) for n in names]
        by_key = {marker_key(k): v for k, v in mutation.items()}
        unused = sorted(set(by_key) - {marker_key(n) for n in names})
        if unused:
            raise MarkerError(f"mutation models given for markers that are not requested: "
                              f"{unused}")
        return [self.marker(n, mutation=by_key.get(marker_key(n))) for n in names]

    def _missing(self, names: Sequence[str]) -> MarkerError:
        label = ", ".join(repr(n) for n in names)
        plural = "s" if len(names) > 1 else ""
        return MarkerError(f"marker{plural} {label} not in frequency database {self.name!r} "
                           f"(it has {', '.join(self.markers)})")

    def to_table(self) -> pl.DataFrame:
        """The table in the long layout: columns ``marker``, ``allele``, ``frequency``.

        Examples
        --------
        >>> FrequencyDB({"TH01": (["6", "9.3"], [0.4, 0.6])}).to_table().shape
        (2, 3)
        """
        import polars as pl

        rows = [(name, a, float(f)) for name, m in self._markers.items()
                for a, f in zip(m.alleles, m.frequencies, strict=True)]
        return pl.DataFrame(rows, schema={"marker": pl.String, "allele": pl.String,
                                          "frequency": pl.Float64}, orient="row")


# Reading tables --------------------------------------------------------------------------------

def _frequency(text: str, table: Table, number: int, marker: str, allele: str) -> float:
    try:
        value = float(text)
    except ValueError:
        comma = " (a decimal comma: write it with a point)" \
            if re.fullmatch(r"[0-9]*,[0-9]+", text) else ""
        raise MarkerError(f"{table.loc(number, marker=marker, allele=allele)}: frequency "
                          f"{text!r} is not a number{comma}") from None
    if not math.isfinite(value) or value <= 0.0:
        raise MarkerError(f"{table.loc(number, marker=marker, allele=allele)}: frequency "
                          f"{text!r} must be positive")
    return value


Parsed = dict[str, tuple[list[str], list[float], list[int]]]


def _parse_long(table: Table) -> Parsed:
    columns = {h.lower(): i for i, h in enumerate(table.header)}
    missing = [c for c in ("marker", "allele", "frequency") if c not in columns]
    if missing:
        raise InputError(f"{table.loc(1)}: missing column(s) {missing} for the long layout "
                         f"(marker, allele, frequency); found {table.header}")
    im, ia, i_f = columns["marker"], columns["allele"], columns["frequency"]
    out: Parsed = {}
    names: dict[str, str] = {}
    seen: dict[tuple[str, str], int] = {}
    for number, row in table.rows:   # as wide as the header (read_table)
        marker, allele, freq = row[im], row[ia], row[i_f]
        if not marker:
            raise InputError(f"{table.loc(number)}: empty marker name")
        if not allele:
            raise InputError(f"{table.loc(number, marker=marker)}: empty allele label")
        key = marker_key(marker)
        marker = names.setdefault(key, marker)
        if (key, allele) in seen:
            raise MarkerError(f"{table.loc(number, marker=marker, allele=allele)}: duplicate "
                              f"allele (first on {table.unit} {seen[key, allele]})")
        seen[key, allele] = number
        value = _frequency(freq, table, number, marker, allele)
        alleles, freqs, numbers = out.setdefault(marker, ([], [], []))
        alleles.append(allele)
        freqs.append(value)
        numbers.append(number)
    return out


def _parse_ladder(table: Table) -> tuple[Parsed, int | None]:
    header = table.header
    if not header or header[0].lower() not in ("allele", "alleles"):
        raise InputError(f"{table.loc(1)}: the ladder layout needs 'Allele' as the first "
                         f"column; found {header}")
    markers = header[1:]
    if not markers:
        raise InputError(f"{table.loc(1)}: no marker columns after 'Allele'")
    keys: dict[str, str] = {}
    for marker in markers:
        if not marker:
            raise InputError(f"{table.loc(1)}: a marker column has no name")
        key = marker_key(marker)
        if key in keys:
            raise MarkerError(f"{table.loc(1, marker=marker)}: duplicate marker column (same "
                              f"as {keys[key]!r})")
        keys[key] = marker
    out: Parsed = {m: ([], [], []) for m in markers}
    seen: dict[str, int] = {}
    counts: list[int] = []
    for number, row in table.rows:   # as wide as the header (read_table)
        allele = row[0]
        if not allele:
            raise InputError(f"{table.loc(number)}: empty allele label")
        if allele in ("N", "n"):
            counts = _ladder_counts(table, number, markers, row[1:])
            continue
        if counts:
            raise InputError(f"{table.loc(number, allele=allele)}: allele row after the 'N' "
                             f"row; 'N' must be the last row")
        if allele in seen:
            raise MarkerError(f"{table.loc(number, allele=allele)}: duplicate allele row (first "
                              f"on {table.unit} {seen[allele]})")
        seen[allele] = number
        for marker, cell in zip(markers, row[1:], strict=True):
            if cell.upper() in _ABSENT or _is_zero(cell):
                continue
            alleles, freqs, numbers = out[marker]
            alleles.append(allele)
            freqs.append(_frequency(cell, table, number, marker, allele))
            numbers.append(number)
    for marker, (alleles, _, _) in out.items():
        if not alleles:
            raise MarkerError(f"{table.loc(marker=marker)}: marker column has no frequencies")
    return out, (min(counts) if counts else None)


def _is_zero(cell: str) -> bool:
    try:
        return float(cell) == 0.0
    except ValueError:
        return False


def _ladder_counts(table: Table, number: int, markers: list[str], cells: list[str]) -> list[int]:
    counts = []
    for marker, cell in zip(markers, cells, strict=True):
        if cell.upper() in _ABSENT:
            continue
        try:
            value = float(cell)
        except ValueError:
            value = -1.0
        if not (value >= 1 and value == int(value)):
            raise InputError(f"{table.loc(number, marker=marker)}: number of individuals "
                             f"{cell!r} is not a positive integer")
        counts.append(int(value))
    return counts


def _detect_layout(table: Table) -> Literal["long", "ladder"]:
    lower = {h.lower() for h in table.header}
    if {"marker", "allele", "frequency"} <= lower:
        return "long"
    if table.header and table.header[0].lower() in ("allele", "alleles"):
        return "ladder"
    raise InputError(f"{table.loc(1)}: cannot tell the layout from the header {table.header}; "
                     f"expected columns marker, allele, frequency (long) or 'Allele' followed "
                     f"by one column per marker (ladder)")


def _labels(alleles: Sequence[str], marker: str, locate: Callable[[int, str], str], *,
            rewrite: bool) -> list[str]:
    """A table's allele labels in the form laboratory files are read in (``docs/records.md``,
    "Allele labels"), so that a profile's ``16`` finds the table's frequency of ``16``.

    A plain number not in canonical form (``16.0``, as R or pandas write a numeric column,
    ``07``, ``9.30``) or with a decimal comma (``9,3``) would match no allele of any profile:
    every typed allele would get the minimum frequency and every LR would change with only an
    :class:`~forensic_match.errors.UnknownAlleleWarning` per allele to show it. Such a label is
    refused, naming ``locate(i, label)`` (file, line, marker, allele), or with ``rewrite``
    written in canonical form; two labels that are then one (``16`` and ``16.0``) are refused.
    Other labels (``>27``, ``OL``, ``9.3``) are kept as written."""
    from forensic_match.profiles import _DECIMAL_COMMA, _canonical_number

    out: list[str] = []
    first: dict[str, int] = {}
    for i, label in enumerate(alleles):
        fixed = label
        if _DECIMAL_COMMA.fullmatch(label):
            fixed = label.replace(",", ".")
            if not rewrite:
                raise MarkerError(f"{locate(i, label)}: allele label {label!r} has a decimal "
                                  f"comma; laboratory files are read with a point ({fixed!r}), "
                                  f"so no profile would find this frequency: write {fixed!r}")
        canonical = _canonical_number(fixed)
        if canonical is not None and canonical != fixed:
            if not rewrite:
                raise MarkerError(
                    f"{locate(i, label)}: allele label {label!r} is not in canonical form "
                    f"(write {canonical!r}): laboratory files are read with canonical labels, "
                    f"so no profile's {canonical!r} would find this frequency and every such "
                    f"allele would get the minimum frequency; pass normalise_alleles=True "
                    f"(command line: --normalise-alleles) to rewrite the table's labels")
            fixed = canonical
        if fixed in first and (label != fixed or alleles[first[fixed]] != fixed):
            j = first[fixed]
            raise MarkerError(f"{locate(i, label)}: allele labels {alleles[j]!r} "
                              f"({locate(j, alleles[j])}) and {label!r} are one allele, "
                              f"{fixed!r}, in canonical form")
        first.setdefault(fixed, i)
        out.append(fixed)
    return out


#: An allele label of a frequency table: a repeat number (``9``, ``9.3``), a bin of the
#: table's rare alleles (``<8``, ``>27``, ``<= 7``, ``≥13``, ``rare``, ``other``), or ``OL``,
#: ``X``, ``Y`` (any case); kept as written.
_ALLELE_FORM = re.compile(r"([<>≤≥]=?\s*)?\d+(\.\d+)?|OL|X|Y|RARE|RAROS?|OTHERS?|OTROS?",
                          re.IGNORECASE)


def _allele_forms(alleles: Sequence[str], locate: Callable[[int, str], str]) -> None:
    """Refuse a row label that is no allele: a published table's rows of summary statistics
    (``Ho``, ``He``, ``PIC``, ``PD``, ``Total``, ``2N``) were refused only by the sum of the
    frequencies, with the advice to rescale, and rescaled they were read as alleles and cut
    every frequency by 2-4: an LR of 2.0e16 became 5.5e38 (an outside check, 2026-12-07)."""
    for i, label in enumerate(alleles):
        if not _ALLELE_FORM.fullmatch(label):
            raise MarkerError(f"{locate(i, label)}: {label!r} is not an allele label (a repeat "
                              f"number such as 9 or 9.3, a bin such as <8, >27 or 'rare', or "
                              f"OL): a row of summary statistics (Ho, He, PIC, PD, Total, 2N) "
                              f"or a note in the table? Remove it (the number of individuals "
                              f"goes in an 'N' row, or n_individuals=); a bin written another "
                              f"way: write it as <8 or >27")


#: A label of a frequency table that stands for several alleles: ``>27``, ``<= 7``, ``rare``.
_BIN_FORM = re.compile(r"[<>≤≥]=?\s*\d+(\.\d+)?|RARE|RAROS?|OTHERS?|OTROS?", re.IGNORECASE)


def _warn_bins(bins: Sequence[tuple[str, str, float]], db: FrequencyDB, where_: str) -> None:
    """Say that a table's bins are labels of their own, never applied to a profile's allele:
    a typed FGA 29 in a table whose ``>26`` holds 27 and up is added at the minimum
    frequency and the table rescaled, while the bin's frequency stays on a label no typed
    allele is. An outside check (2026-12-07) found a father and son sharing FGA 29 with a
    bin ``>26`` of 0.0359: the 29 got 0.01196, the son's log10 LR 19.77 (19.28 with the
    bin's frequency), and no warning said that 29 lies in ``>26``."""
    shown = ", ".join(f"{m} {label!r} ({f:.4g})" for m, label, f in bins[:8])
    more = f" and {len(bins) - 8} more" if len(bins) > 8 else ""
    example = ""
    for m, label, _ in bins:
        bound = re.fullmatch(r"([<>≤≥])(=?)\s*(\d+)", label)
        if bound is not None:
            sign, equal, n = bound.group(1), bound.group(2), int(bound.group(3))
            inside = n if equal or sign in "≤≥" else n + 1 if sign == ">" else n - 1
            example = f" ({m} {inside} for {label!r})"
            break
    warnings.warn(ForensicMatchWarning(
        f"{where_}: {len(bins)} labels are bins of several alleles ({shown}{more}); a bin is "
        f"a label of its own and is not applied: a profile's allele inside it{example} is "
        f"not given the bin's frequency but, as an allele absent "
        f"from the table, the minimum frequency ({db.min_frequency:.4g}), with an "
        f"UnknownAlleleWarning naming it; the bin's frequency stays on its label. Where a "
        f"shared allele lies in a bin, compare its LR at the bin's frequency, or give the "
        f"table the bin's alleles apart"), stacklevel=4)


def _warn_unknown_size(db: FrequencyDB, where_: str) -> FrequencyDB:
    """Say, once per table read, that the table gives no N and that its alleles' fallback is
    :data:`DEFAULT_MIN_FREQUENCY`. An outside check (2026-12-07) read the bundled FBI 2015 SW
    Hispanic table copied to a CSV (N = 209, no ``N`` row): a father and son sharing FGA 29,
    absent from the table, got 0.001 for it instead of 5 / (2N) = 0.01196, the son's log10 LR
    20.839 instead of 19.771 (11.7 times higher; non-relatives up to +1.07), and only the
    progress line's "(unknown alleles 0.001)" said so."""
    if db.n_individuals is not None or db._min_frequency is not None:
        return db
    smallest = min(min(db[m][1]) for m in db)
    below = (f"; its smallest frequency is {smallest:.4g}, so an allele the table never saw "
             f"would be rarer than any it saw" if smallest > DEFAULT_MIN_FREQUENCY else "")
    warnings.warn(UnknownSizeWarning(
        f"{where_}: the table does not give N, the number of individuals typed, and no "
        f"min_frequency was given: an allele absent from it is given the fallback frequency "
        f"{DEFAULT_MIN_FREQUENCY} (5 / (2N) for N = 2500) instead of 5 / (2N) of its own N "
        f"(0.0125 for N = 200){below}. Give N: a "
        f"last row 'N' in a ladder table, 'n_individuals = ...' in the [frequencies] section "
        f"of the configuration (--config), or read_frequencies(..., n_individuals=); or set "
        f"min_frequency"), stacklevel=3)
    return db


def _build(parsed: Parsed, table: Table, *, normalise: bool, name: str | None,
           n_individuals: int | None, min_frequency: float | None,
           normalise_alleles: bool = False) -> FrequencyDB:
    """Check each marker with :class:`Marker` and say where in the file a problem lies."""
    tables = {}
    bins: list[tuple[str, str, float]] = []
    for marker, (alleles, freqs, numbers) in parsed.items():
        alleles = _labels(alleles, marker, lambda i, a, m=marker, n=numbers:
                          table.loc(n[i], marker=m, allele=a), rewrite=normalise_alleles)
        _allele_forms(alleles, lambda i, a, m=marker, n=numbers:
                      table.loc(n[i], marker=m, allele=a))
        bins += [(marker, a, f) for a, f in zip(alleles, freqs) if _BIN_FORM.fullmatch(a)]
        span = f"{table.unit}s {min(numbers)}-{max(numbers)}"
        # Marker's warning names the marker only; re-issue it with the file and lines.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NormalisationWarning)
            try:
                checked = Marker(marker, tuple(alleles), freqs, normalise=normalise)
            except MarkerError as exc:
                raise MarkerError(f"{table.loc()}, {span}: {exc}") from exc
        for w in caught:
            warnings.warn(f"{table.loc()}, {span}: {w.message}", w.category, stacklevel=3)
        tables[marker] = (checked.alleles, checked.frequencies)
    db = FrequencyDB(tables, name=name if name is not None else table.path.stem,
                     source=str(table.path), n_individuals=n_individuals,
                     min_frequency=min_frequency)
    if bins:
        _warn_bins(bins, db, table.loc())
    return db


def _text_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"file {str(path)!r}: cannot read: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.splitlines()


def _list_fields(line: str) -> list[str]:
    return [f.strip() for f in line.split("\t")] if "\t" in line else line.split()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _looks_like_list(path: Path) -> bool:
    """A first line with one field (a marker name) followed by ``allele frequency``."""
    if path.suffix.lower() in (".csv", ".parquet", ".xlsx", ".ods", ".xls"):
        return False
    lines = [line for line in _text_lines(path)[:50] if line.strip()]
    if len(lines) < 2:
        return False
    first, second = _list_fields(lines[0]), _list_fields(lines[1])
    return len(first) == 1 and len(second) == 2 and _is_number(second[1])


def _parse_list(path: Path, table: Table) -> Parsed:
    """Familias' exported frequencies (pedtools' "list" format): a marker name line, then
    ``allele<TAB>frequency`` lines; a blank line (or the next name) ends the marker."""
    parsed: Parsed = {}
    marker: str | None = None
    for number, line in enumerate(_text_lines(path), start=1):
        if not line.strip():
            marker = None
            continue
        fields = _list_fields(line)
        if marker is not None and len(fields) == 2 and _is_number(fields[1]):
            allele = fields[0]
            if not allele:
                raise InputError(f"{table.loc(number, marker=marker)}: empty allele label")
            alleles, freqs, numbers = parsed[marker]
            alleles.append(allele)
            freqs.append(_frequency(fields[1], table, number, marker, allele))
            numbers.append(number)
            continue
        if marker is not None and "\t" in line and len(fields) == 2:
            # Tab-separated: a marker name is one field, so this is a bad frequency.
            _frequency(fields[1], table, number, marker, fields[0])
        if marker is not None and not parsed[marker][0]:
            raise InputError(f"{table.loc(number, marker=marker)}: expected 'allele "
                             f"frequency' after the marker name, found {line.strip()!r}")
        if len(fields) >= 2 and _is_number(fields[-1]):
            raise InputError(f"{table.loc(number)}: 'allele frequency' line {line.strip()!r} "
                             f"before any marker name")
        marker = line.strip()
        if marker in parsed:
            raise MarkerError(f"{table.loc(number, marker=marker)}: the marker appears twice")
        parsed[marker] = ([], [], [])
    if marker is not None and not parsed[marker][0]:
        raise InputError(f"{table.loc(marker=marker)}: the marker has no alleles (the file "
                         f"ends)")
    return parsed


def _read_fam_database(path: Path, *, normalise: bool, name: str | None,
                       n_individuals: int | None, min_frequency: float | None,
                       normalise_alleles: bool = False) -> FrequencyDB:
    """The allele database of a Familias ``.fam`` file (a whole case, or a database alone)."""
    from forensic_match.errors import FamiliasWarning
    from forensic_match.familias import read_fam

    case = read_fam(path)
    if not case.markers:
        raise InputError(f"file {str(path)!r}: the Familias file has no loci in its database")
    moving = [m.name for m in case.markers if m.mutation is not None]
    if moving:
        warnings.warn(f"file {str(path)!r}: read as a frequency table; the mutation models of "
                      f"{len(moving)} loci ({', '.join(moving[:5])}"
                      f"{', ...' if len(moving) > 5 else ''}) are not part of it (give them "
                      f"with the case or the configuration)", FamiliasWarning, stacklevel=3)
    tables = {m.name: (tuple(_labels(m.alleles, m.name, lambda _i, a, m=m.name: where(
        file=str(path), marker=m, allele=a), rewrite=normalise_alleles)), m.frequencies)
        for m in case.markers}
    return FrequencyDB(tables, name=name if name is not None else (case.database or path.stem),
                       source=str(path), n_individuals=n_individuals,
                       min_frequency=min_frequency, normalise=normalise)


def read_frequencies(path: str | Path, *, layout: Layout = "auto", normalise: bool = False,
                     min_frequency: float | None = None, n_individuals: int | None = None,
                     name: str | None = None, normalise_alleles: bool = False) -> FrequencyDB:
    """Read an allele frequency table.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.tsv`` or ``.parquet`` file (other text files: the separator, comma, tab
        or semicolon, is taken from the header line).
    layout : {"auto", "long", "ladder", "list", "fam"}
        ``long``: columns ``marker``, ``allele``, ``frequency`` in any order and case, other
        columns ignored. ``ladder``: a first column ``Allele`` and one column per marker; an
        empty cell, 0 or NA means the marker lacks that allele; an optional last row ``N``
        gives the number of individuals per marker. ``list`` (Familias' exported frequencies,
        pedtools' "list" format): a line with the marker name, then one line ``allele
        frequency`` (tab or spaces) per allele, markers separated by blank lines. ``fam``: the
        database of a Familias ``.fam`` file (its frequencies only; the file's mutation models
        are not part of a frequency table). ``auto``: ``fam`` for a ``.fam`` file, else by the
        header (a first line with one field followed by an ``allele frequency`` line is a
        list).
    normalise : bool
        Rescale markers whose frequencies do not sum to 1 within
        :data:`~forensic_match.markers.SUM_TOLERANCE`, with a
        :class:`~forensic_match.errors.NormalisationWarning`, instead of refusing them.
    min_frequency : float, optional
        Frequency for alleles absent from the table (default: 5 / (2N), see
        :attr:`FrequencyDB.min_frequency`).
    n_individuals : int, optional
        Number of individuals behind the table; overrides a ladder's ``N`` row (whose smallest
        value is used otherwise).
    name : str, optional
        Name of the database in reports; default the file name without extension.
    normalise_alleles : bool
        Rewrite allele labels that are plain numbers not in canonical form (``16.0`` as R or
        pandas write a numeric column, ``07``, ``9.30``, ``9,3``) in the form laboratory
        files are read in (``16``, ``7``, ``9.3``), instead of refusing them.

    Returns
    -------
    FrequencyDB

    Raises
    ------
    InputError
        Unreadable file, missing columns, empty labels, rows longer than the header.
    MarkerError
        Duplicate allele, an allele label that is a number not in canonical form (no
        profile read from a laboratory file would find its frequency; see
        ``normalise_alleles``), frequency not a positive number, or a marker whose
        frequencies do not sum to 1; the message names the file, the line (header = line 1)
        or lines, the marker and the allele.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "th01.csv"
    >>> _ = path.write_text("marker,allele,frequency\\nTH01,6,0.25\\nTH01,9.3,0.75\\n")
    >>> read_frequencies(path)["TH01"][0]
    ('6', '9.3')
    """
    path = Path(path)
    return _warn_unknown_size(
        _read_file(path, layout=layout, normalise=normalise, name=name,
                   n_individuals=n_individuals, min_frequency=min_frequency,
                   normalise_alleles=normalise_alleles), where(file=str(path)))


def _read_file(path: Path, *, layout: Layout, normalise: bool, name: str | None,
               n_individuals: int | None, min_frequency: float | None,
               normalise_alleles: bool) -> FrequencyDB:
    """:func:`read_frequencies` of ``path``, without its warning on an unknown N."""
    if layout not in ("auto", "long", "ladder", "list", "fam"):
        raise InputError(f"layout must be 'auto', 'long', 'ladder', 'list' or 'fam', not "
                         f"{layout!r}")
    if layout == "fam" or (layout == "auto" and path.suffix.lower() == ".fam"):
        return _read_fam_database(path, normalise=normalise, name=name,
                                  n_individuals=n_individuals, min_frequency=min_frequency,
                                  normalise_alleles=normalise_alleles)
    if layout == "list" or (layout == "auto" and _looks_like_list(path)):
        table = Table(path, [], [], "line")
        parsed = _parse_list(path, table)
        if not parsed:
            raise InputError(f"{table.loc()}: no frequencies in the file")
        return _build(parsed, table, normalise=normalise, name=name,
                      n_individuals=n_individuals, min_frequency=min_frequency,
                      normalise_alleles=normalise_alleles)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        # the workbook engine writes a number cell with about 10 significant digits
        # (0.0123456789012 is "0.012345679"), which would move every LR in its last digits
        raise InputError(f"{where(file=str(path))}: a frequency table is read from CSV, TSV, "
                         f"text or Parquet, not from a workbook, whose number cells are read "
                         f"with about 10 significant digits; save the sheet as CSV UTF-8")
    # a separator at the end of every line is no column (read_table)
    table = read_table(path)
    chosen = _detect_layout(table) if layout == "auto" else layout
    if chosen == "long":
        parsed, counted = _parse_long(table), None
    else:
        parsed, counted = _parse_ladder(table)
    if not parsed:
        raise InputError(f"{table.loc()}: no frequencies in the table")
    return _build(parsed, table, normalise=normalise, name=name,
                  n_individuals=n_individuals if n_individuals is not None else counted,
                  min_frequency=min_frequency, normalise_alleles=normalise_alleles)


# Bundled tables --------------------------------------------------------------------------------

def available_frequencies() -> list[str]:
    """Names of the bundled frequency tables, sorted.

    Examples
    --------
    >>> "nist1036_all" in available_frequencies()
    True
    """
    return sorted(p.name[:-len(".csv")] for p in BUNDLED_DIR.glob("*.csv")
                  if not p.name.endswith(".counts.csv"))


def _bundled_n_individuals(counts: Path) -> int | None:
    if not counts.is_file():
        return None
    with counts.open(newline="", encoding="utf-8") as handle:
        n_alleles = [int(row["n_alleles"]) for row in csv.DictReader(handle)]
    return min(n_alleles) // 2 if n_alleles else None


def load_frequencies(name: str, *, min_frequency: float | None = None) -> FrequencyDB:
    """A bundled allele frequency table, by name.

    The tables are U.S. population studies (NIST 1036: Hill et al. 2013 and Steffen et al.
    2017; FBI 2015: Moretti et al. 2016); ``<name>.SOURCE.md`` beside each table (package
    data, ``forensic_match/data/frequencies``) gives the provenance of each. The number of
    individuals, for the 5 / (2N) rule, is the smallest over markers in
    ``<name>.counts.csv``.

    Parameters
    ----------
    name : str
        One of :func:`available_frequencies`, e.g. ``"nist1036_hisp"`` or ``"fbi2015_apache"``.
    min_frequency : float, optional
        Override the 5 / (2N) frequency for alleles absent from the table.

    Raises
    ------
    InputError
        No bundled table has that name.

    Examples
    --------
    >>> db = load_frequencies("nist1036_hisp")
    >>> db.n_individuals, "Penta D" in db
    (235, True)
    """
    names = available_frequencies()
    key = str(name).strip().lower()
    if key not in names:
        raise InputError(f"no bundled frequency table {name!r}; available: {', '.join(names)}")
    path = BUNDLED_DIR / f"{key}.csv"
    return read_frequencies(path, layout="long", name=key, min_frequency=min_frequency,
                            n_individuals=_bundled_n_individuals(BUNDLED_DIR /
                                                                 f"{key}.counts.csv"))
