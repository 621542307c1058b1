"""SNP panels with a sex-specific genetic map: markers with their place on the genome.

A :class:`SnpPanel` holds biallelic markers (:class:`~forensic_match.markers.Marker` with the
two alleles and their frequencies) in genome order with chromosome, physical position (Mb)
and male and female genetic positions (cM). The FORCE panel (Tillmar et al. 2021, Genes
12:1968; frequencies as distributed with the R package forrel 1.9.0) with positions from the
deCODE 2019 sex-specific map (Halldorsson et al. 2019, Science 363:eaau1043; as thinned in
ibdsim2 2.3.2) ships with the package: :func:`load_force_panel`, :func:`load_decode_map`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from forensic_match.errors import InputError, MarkerError, where
from forensic_match.markers import Marker
from forensic_match.tables import Table, read_table

#: Columns of a panel file (FORMAT.md "Linked markers" fields plus the alleles and frequency).
PANEL_COLUMNS = ("chrom", "marker", "mb", "a1", "a2", "freq_a1", "cm_male", "cm_female")


@dataclass(frozen=True, eq=False)
class SnpPanel:
    """Biallelic markers in genome order with physical and sex-specific genetic positions.

    Attributes
    ----------
    markers : tuple of Marker
        Two alleles each, ``(a1, a2)``, with frequencies ``(p, 1 - p)``.
    chrom : numpy.ndarray of str
        Chromosome of each marker.
    mb, cm_male, cm_female : numpy.ndarray of float
        Physical (Mb) and male and female genetic (cM) positions, non-decreasing within a
        chromosome.
    source : str
        Where the panel was read from (for error messages and provenance).

    Examples
    --------
    >>> panel = load_force_panel()
    >>> len(panel), panel.markers[0].name, panel.chromosomes[:3]
    (3930, 'rs9442372', ('1', '2', '3'))
    """

    markers: tuple[Marker, ...]
    chrom: np.ndarray
    mb: np.ndarray
    cm_male: np.ndarray
    cm_female: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.markers)
        for name in ("chrom", "mb", "cm_male", "cm_female"):
            if len(getattr(self, name)) != n:
                raise InputError(f"panel {self.source!r}: {n} markers but "
                                 f"{len(getattr(self, name))} values of {name!r}")
        names = [m.name for m in self.markers]
        if len(set(names)) != n:
            dup = sorted({x for x in names if names.count(x) > 1})[:5]
            raise InputError(f"panel {self.source!r}: duplicate markers {dup}")
        for m in self.markers:
            if len(m.alleles) != 2:
                raise MarkerError(f"{where(file=self.source or None, marker=m.name)}: a "
                                  f"linked-marker panel takes biallelic SNPs, not "
                                  f"{len(m.alleles)} alleles")

        seen = {self.chrom[0]} if n else set()
        for i in range(1, n):
            if self.chrom[i] != self.chrom[i - 1]:
                if self.chrom[i] in seen:
                    raise InputError(f"{where(file=self.source or None, marker=names[i])}: "
                                     f"chromosome {self.chrom[i]} comes again after chromosome "
                                     f"{self.chrom[i - 1]}: a chromosome's markers must be "
                                     f"together, in genome order (each block would be read "
                                     f"as a chromosome of its own)")
                seen.add(self.chrom[i])
                continue
            for label, pos in (("mb", self.mb), ("cm_male", self.cm_male),
                               ("cm_female", self.cm_female)):
                if pos[i] < pos[i - 1]:
                    raise InputError(f"{where(file=self.source or None, marker=names[i])}: "
                                     f"{label} {pos[i]} is below that of the marker before it "
                                     f"({names[i - 1]}, {pos[i - 1]}) on chromosome "
                                     f"{self.chrom[i]}: markers must be in genome order")

    def __len__(self) -> int:
        return len(self.markers)

    @cached_property
    def index(self) -> dict[str, int]:
        """``{marker name: position in the panel}``."""
        return {m.name: i for i, m in enumerate(self.markers)}

    @property
    def chromosomes(self) -> tuple[str, ...]:
        """The chromosomes in panel order."""
        return tuple(dict.fromkeys(self.chrom.tolist()))

    @cached_property
    def freq_a1(self) -> np.ndarray:
        """Frequency of the first allele of each marker."""
        return np.array([m.frequencies[0] for m in self.markers])

    @cached_property
    def chrom_start(self) -> np.ndarray:
        """True where a marker is the first of its chromosome."""
        start = np.ones(len(self), dtype=bool)
        start[1:] = self.chrom[1:] != self.chrom[:-1]
        return start

    @cached_property
    def theta(self) -> np.ndarray:
        """Recombination fractions (male, female) from each marker's predecessor (Haldane),
        0.5 at the first marker of a chromosome; see :func:`interval_theta`."""
        return interval_theta(self)

    def subset(self, names: Iterable[str]) -> SnpPanel:
        """The panel restricted to ``names`` (kept in panel order)."""
        wanted = set(names)
        missing = sorted(wanted - set(self.index))
        if missing:
            raise MarkerError(f"markers {missing[:5]} are not in panel {self.source!r}")
        keep = np.array([m.name in wanted for m in self.markers])
        return SnpPanel(tuple(m for m, k in zip(self.markers, keep) if k), self.chrom[keep],
                        self.mb[keep], self.cm_male[keep], self.cm_female[keep], self.source)

    def without_linkage(self) -> SnpPanel:
        """Every marker on its own chromosome: the unlinked limit (map distances infinite)."""
        return SnpPanel(self.markers, np.array([f"u{i}" for i in range(len(self))]),
                        self.mb, self.cm_male, self.cm_female, self.source)


def check_autosomes(panel: SnpPanel) -> SnpPanel:
    """``panel`` if every marker is on an autosome (:func:`is_autosome`), else
    ``MarkerError`` naming the first marker that is not: the linked model is autosomal. For
    panels read from outside (files, cases); :meth:`SnpPanel.without_linkage` labels its own
    chromosomes."""
    for m, chrom in zip(panel.markers, panel.chrom.tolist()):
        if not is_autosome(chrom):
            bare = _bare(chrom)
            if bare.upper() in ("X", "Y", "XY", "M", "MT") or bare in ("23", "24", "25", "26"):
                raise MarkerError(f"{where(file=panel.source or None, marker=m.name)}: "
                                  f"chromosome {chrom!r}: the linked model is autosomal "
                                  f"(chromosomes 1-22); X, Y and mitochondrial markers are "
                                  f"inherited otherwise (docs/linked.md, assumptions)")
            raise MarkerError(f"{where(file=panel.source or None, marker=m.name)}: "
                              f"chromosome {chrom!r} is not a chromosome label: write 1-22, "
                              f"with or without 'chr' (the linked model is autosomal)")
    return panel


def chromosome_label(chrom: object) -> str:
    """The one label of an autosome however written: ``"chr07"``, ``"07"`` and ``"7"`` are
    ``"7"``, so that one chromosome written two ways in a file is not read as two
    independent chromosomes. Any other label is returned stripped (and refused by
    :func:`check_autosomes`)."""
    return str(int(_bare(chrom))) if is_autosome(chrom) else str(chrom).strip()


def _bare(chrom: object) -> str:
    """A chromosome label stripped of spaces and of a ``chr`` prefix in any case."""
    text = str(chrom).strip()
    return text[3:] if text[:3].lower() == "chr" else text


def is_autosome(chrom: object) -> bool:
    """Whether a chromosome label names a human autosome: 1-22, with or without a ``chr``
    prefix or leading zeros (``"7"``, ``"chr7"``, ``"07"``); not X, Y, XY, MT or their
    numeric codes 23-26."""
    bare = _bare(chrom)
    return bare.isdigit() and 1 <= int(bare) <= 22


def panel_name(name: str) -> str:
    """A marker name as the panel spells it: an rs number in any case (``RS123``, ``Rs123``)
    is ``rs123``; any other name is kept as written."""
    return "rs" + name[2:] if name[:2].lower() == "rs" and name[2:].isdigit() else name


def panel_digest(panel: SnpPanel) -> str:
    """sha256 of the panel's markers (names, alleles, frequencies) and positions (the
    provenance of an SNP search or identification)."""
    import hashlib
    import json

    from forensic_match.markers import markers_digest

    h = hashlib.sha256(markers_digest(panel.markers).encode())
    for arr in (panel.chrom.astype(str), panel.mb, panel.cm_male, panel.cm_female):
        h.update(json.dumps([str(x) for x in arr.tolist()]).encode())
    return h.hexdigest()


def haldane(cm: np.ndarray) -> np.ndarray:
    """Recombination fraction of a map distance in cM (Haldane 1919): ``(1 - e^{-2d}) / 2``."""
    return 0.5 * (1.0 - np.exp(-2.0 * np.asarray(cm, dtype=np.float64) / 100.0))


def interval_theta(panel: SnpPanel) -> np.ndarray:
    """Recombination fractions (male, female) from each marker's predecessor; 0.5 at the
    first marker of each chromosome (independent chromosomes)."""
    theta = np.full((len(panel), 2), 0.5)
    for col, cm in enumerate((panel.cm_male, panel.cm_female)):
        d = np.diff(cm)
        theta[1:, col] = np.where(panel.chrom_start[1:], 0.5, haldane(d))
    return theta


def _number(table: Table, number: int, text: str, column: str, marker: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{table.loc(number, marker=marker)}: {column} {text!r} is not a "
                         f"number") from None
    if not math.isfinite(value):
        raise InputError(f"{table.loc(number, marker=marker)}: {column} {text!r} is not "
                         f"finite")
    return value


def read_panel(path: str | Path) -> SnpPanel:
    """Read a SNP panel table (CSV, TSV, Parquet or Excel).

    Columns (names compared without case, spaces or underscores): ``chrom``, ``marker``,
    ``mb``, ``a1``, ``a2``, ``freq_a1``, ``cm_male``, ``cm_female``; rows in genome order.

    Raises
    ------
    InputError
        A missing column, a value that is not a number, a frequency outside (0, 1), equal
        alleles, a duplicate marker or positions out of order; the message names the file,
        line and marker.

    Examples
    --------
    >>> from importlib import resources
    >>> path = resources.files("forensic_match") / "data" / "snp" / "force_panel.csv"
    >>> read_panel(path).markers[1].alleles
    ('C', 'A')
    """
    table = read_table(path)
    cols = {c: table.require(c, c.replace("_", "")) for c in PANEL_COLUMNS}
    markers, chrom, mb, cm_m, cm_f = [], [], [], [], []
    seen: dict[str, int] = {}
    for number, row in table.rows:
        name = row[cols["marker"]].strip()
        if not name:
            raise InputError(f"{table.loc(number)}: empty marker name")
        if name in seen:
            raise InputError(f"{table.loc(number, marker=name)}: marker already on line "
                             f"{seen[name]}")
        seen[name] = number
        a1, a2 = row[cols["a1"]].strip(), row[cols["a2"]].strip()
        if not a1 or not a2 or a1 == a2:
            raise InputError(f"{table.loc(number, marker=name)}: alleles {a1!r}, {a2!r} must "
                             f"be two different labels")
        p = _number(table, number, row[cols["freq_a1"]], "freq_a1", name)
        if not 0.0 < p < 1.0:
            raise InputError(f"{table.loc(number, marker=name)}: freq_a1 {p} must lie strictly "
                             f"between 0 and 1")
        c = chromosome_label(row[cols["chrom"]])
        if not c:
            raise InputError(f"{table.loc(number, marker=name)}: empty chrom")
        markers.append(Marker(name, (a1, a2), (p, 1.0 - p)))
        chrom.append(c)
        mb.append(_number(table, number, row[cols["mb"]], "mb", name))
        cm_m.append(_number(table, number, row[cols["cm_male"]], "cm_male", name))
        cm_f.append(_number(table, number, row[cols["cm_female"]], "cm_female", name))
    if not markers:
        raise InputError(f"{table.loc()}: the panel has no markers")
    return check_autosomes(SnpPanel(tuple(markers), np.array(chrom), np.array(mb),
                                    np.array(cm_m), np.array(cm_f), str(path)))


def panel_from_markers(markers: Sequence[Marker],
                       positions: Mapping[str, Mapping[str, Any]], *,
                       source: str = "") -> SnpPanel:
    """A panel from markers and their FORMAT.md ``linkage`` fields.

    ``positions`` maps each marker name to ``{"chrom": "7", "mb": 12.34, "cm_male": 20.1,
    "cm_female": 31.7}``. Markers are put in genome order (chromosome as given first, then
    Mb).
    """
    rows = []
    for m in markers:
        if m.name not in positions:
            raise InputError(f"{where(file=source or None, marker=m.name)}: no chrom/mb/cm_male/"
                             f"cm_female fields for a linked marker")
        pos = positions[m.name]
        try:
            row = (chromosome_label(pos["chrom"]), float(pos["mb"]), float(pos["cm_male"]),
                   float(pos["cm_female"]))
        except KeyError as err:
            raise InputError(f"{where(file=source or None, marker=m.name)}: linked marker has "
                             f"no {err.args[0]!r} field") from None
        except (TypeError, ValueError):
            raise InputError(f"{where(file=source or None, marker=m.name)}: mb, cm_male and "
                             f"cm_female must be numbers, got {dict(pos)}") from None
        rows.append((row, m))
    order = {c: k for k, c in enumerate(dict.fromkeys(r[0][0] for r in rows))}
    rows.sort(key=lambda r: (order[r[0][0]], r[0][1]))
    return check_autosomes(SnpPanel(
        tuple(m for _, m in rows), np.array([r[0] for r, _ in rows]),
        np.array([r[1] for r, _ in rows]), np.array([r[2] for r, _ in rows]),
        np.array([r[3] for r, _ in rows]), source))


def _data(name: str) -> Path:
    return Path(str(resources.files("forensic_match") / "data" / "snp" / name))


def load_force_panel() -> SnpPanel:
    """The 3,930 autosomal kinship SNPs of the FORCE panel with deCODE 2019 positions.

    Tillmar et al. 2021 (Genes 12:1968), frequencies as in the R package forrel 1.9.0;
    genetic positions interpolated from Halldorsson et al. 2019 (Science 363:eaau1043).
    """
    return read_panel(_data("force_panel.csv"))


@dataclass(frozen=True)
class GeneticMap:
    """A sex-specific genetic map: per chromosome, points (Mb, cM male, cM female)."""

    chromosomes: dict[str, np.ndarray]  # chrom -> array (n, 3): mb, cm_male, cm_female
    source: str = ""

    def length_cm(self, chrom: str) -> tuple[float, float]:
        """Male and female length (cM) of a chromosome: its last point."""
        pts = self.chromosomes[chrom]
        return float(pts[-1, 1] - pts[0, 1]), float(pts[-1, 2] - pts[0, 2])

    def positions(self, chrom: str, mb: np.ndarray, names: Sequence[str] | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Male and female cM of physical positions, interpolated linearly between points.

        A position beyond the map's first or last point on the chromosome is an
        :class:`InputError` naming it (``names``: the markers', for the message): the map
        says nothing there, and holding the end point's cM would put every such marker at
        one genetic position, completely linked over any distance."""
        pts = self.chromosomes[chrom]
        mb = np.asarray(mb, dtype=np.float64)
        outside = np.flatnonzero((mb < pts[0, 0]) | (mb > pts[-1, 0]))
        if outside.size:
            k = int(outside[0])
            who = f"marker {names[k]!r} at " if names is not None else ""
            raise InputError(f"map {self.source!r}, chromosome {chrom}: {who}{mb[k]:g} Mb lies "
                             f"outside the map ({pts[0, 0]:g}-{pts[-1, 0]:g} Mb; "
                             f"{outside.size} positions in all): give a map that covers the "
                             f"panel")
        return np.interp(mb, pts[:, 0], pts[:, 1]), np.interp(mb, pts[:, 0], pts[:, 2])


def read_genetic_map(path: str | Path) -> GeneticMap:
    """Read a map table with columns ``chrom``, ``mb``, ``cm_male``, ``cm_female``."""
    table = read_table(path)
    cols = [table.require(c, c.replace("_", "")) for c in ("chrom", "mb", "cm_male",
                                                          "cm_female")]
    points: dict[str, list[tuple[float, float, float]]] = {}
    for number, row in table.rows:
        c = chromosome_label(row[cols[0]])
        vals = tuple(_number(table, number, row[k], name, f"chrom {c}")
                     for k, name in zip(cols[1:], ("mb", "cm_male", "cm_female")))
        prev = points.setdefault(c, [])
        if prev and any(v < p for v, p in zip(vals, prev[-1])):
            raise InputError(f"{table.loc(number)}: chromosome {c}: positions decrease")
        prev.append(vals)  # type: ignore[arg-type]
    return GeneticMap({c: np.array(v) for c, v in points.items()}, str(path))


def load_decode_map() -> GeneticMap:
    """The deCODE 2019 sex-specific map (Halldorsson et al. 2019), as thinned in ibdsim2."""
    return read_genetic_map(_data("decode2019_map.csv"))
