"""Place and time as a prior over which registered missing person a body is.

Where and when a person disappeared says something about which remains can be theirs, but it
is not evidence about the remains in the sense of a likelihood ratio: it is the context in
which the search starts. A body cannot be someone who disappeared after it was recovered;
among the others, people who disappeared near the grave are a priori likelier than people who
disappeared far away. :class:`PlacePrior` turns the registered persons' places and dates of
disappearance into a prior over "which registered person is this body", with an explicit mass
for "nobody on the register" (the open set). ``docs/place-prior.md`` states the model and its
defaults.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from forensic_match.errors import InputError
from forensic_match.evidence.records import ISO_DATE

#: Mean radius of the Earth (km), for great-circle distances.
EARTH_RADIUS_KM = 6371.0

Place = str | tuple[float, float] | None

#: Day number standing for "no date recorded".
_NO_DAY = np.iinfo(np.int64).min


@dataclass(frozen=True)
class PlaceModel:
    """Parameters of the place-and-time prior.

    Attributes
    ----------
    scale_km : float
        Distance scale of the kernel: the weight of a place ``scale_km`` away falls to
        ``floor + (1 - floor) / e`` of the weight of the same place.
    floor : float
        Weight of a very distant place relative to the same place (0 <= floor <= 1); keeps
        people moved far before they were killed (or bodies moved far after) possible.
    open_mass : float
        Prior probability that the body is nobody on the register (0 <= open_mass < 1).
    unknown_weight : float
        Kernel weight of a person whose place of disappearance is not recorded.
    date_slack_days : int
        Tolerance on the date exclusion: a person who disappeared up to this many days
        after the body's date keeps a weight (recording errors in dates).
    kernel : callable, optional
        ``kernel(distance_km) -> weight`` on numpy arrays, replacing
        :func:`place_kernel`; must be non-negative.
    event_scale_days, event_floor : float
        Time kernel used when a body's event date is known (a grave attributed to a
        documented killing): ``event_floor + (1 - event_floor) * exp(-|t_m - t_e| /
        event_scale_days)`` for a person who disappeared ``|t_m - t_e|`` days before it; a
        person without a date gets the kernel's value at one scale.
    """

    scale_km: float = 30.0
    floor: float = 0.02
    open_mass: float = 0.2
    unknown_weight: float = 0.1
    date_slack_days: int = 0
    kernel: Callable[[np.ndarray], np.ndarray] | None = None
    event_scale_days: float = 90.0
    event_floor: float = 0.05

    def __post_init__(self) -> None:
        if not self.scale_km > 0:
            raise InputError(f"scale_km must be positive, got {self.scale_km}")
        if not 0.0 <= self.floor <= 1.0:
            raise InputError(f"floor must lie in [0, 1], got {self.floor}")
        if not 0.0 <= self.open_mass < 1.0:
            raise InputError(f"open_mass must lie in [0, 1), got {self.open_mass}")
        if not self.unknown_weight >= 0:
            raise InputError(f"unknown_weight must be >= 0, got {self.unknown_weight}")
        if self.date_slack_days < 0:
            raise InputError(f"date_slack_days must be >= 0, got {self.date_slack_days}")
        if not self.event_scale_days > 0:
            raise InputError(f"event_scale_days must be positive, got {self.event_scale_days}")
        if not 0.0 <= self.event_floor <= 1.0:
            raise InputError(f"event_floor must lie in [0, 1], got {self.event_floor}")

    def weight(self, distance_km: np.ndarray) -> np.ndarray:
        """Kernel weight of each distance (the custom ``kernel`` if set)."""
        d = np.asarray(distance_km, dtype=np.float64)
        if self.kernel is None:
            return place_kernel(d, scale_km=self.scale_km, floor=self.floor)
        w = np.asarray(self.kernel(d), dtype=np.float64)
        if w.shape != d.shape or not np.all(w >= 0):
            raise InputError("the place kernel must return one non-negative weight per distance")
        return w


def place_kernel(distance_km: np.ndarray | float, *, scale_km: float = 30.0,
                 floor: float = 0.02) -> np.ndarray:
    """Weight of a place at ``distance_km`` from the grave, relative to the grave's place.

    .. math:: k(d) = f + (1 - f)\\, e^{-d / s}

    with scale ``s`` (``scale_km``) and floor ``f``: 1 in the same district, falling with
    distance to the floor.

    Examples
    --------
    >>> place_kernel([0.0, 30.0], scale_km=30.0, floor=0.0).round(3).tolist()
    [1.0, 0.368]
    """
    d = np.asarray(distance_km, dtype=np.float64)
    if np.any(d < 0):
        raise InputError("distances must be >= 0")
    return floor + (1.0 - floor) * np.exp(-d / scale_km)


def distance_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle (haversine) distance between ``(lat, lon)`` rows of ``a`` and ``b``.

    Examples
    --------
    >>> round(float(distance_km(np.array([[0.0, 0.0]]), np.array([[0.0, 1.0]]))[0]), 1)
    111.2
    """
    a, b = np.radians(np.asarray(a, dtype=np.float64)), np.radians(np.asarray(b, dtype=np.float64))
    dlat, dlon = b[..., 0] - a[..., 0], b[..., 1] - a[..., 1]
    h = np.sin(dlat / 2) ** 2 + np.cos(a[..., 0]) * np.cos(b[..., 0]) * np.sin(dlon / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def read_place_coordinates(path: str | Path) -> dict[str, tuple[float, float]]:
    """The coordinates of place codes from a table: one row per place, columns ``place`` (or
    ``district``, ``code``, ``ubigeo``), ``lat`` (or ``latitude``) and ``lon`` (or
    ``longitude``, ``lng``), in decimal degrees (WGS84; in Peru e.g. the district centroids
    of INEI's UBIGEO table). CSV, TSV, Excel or Parquet, read as text: a code keeps its
    leading zeros in a text file, not in a spreadsheet cell formatted as a number.

    Returns
    -------
    dict
        ``{code: (lat, lon)}``, the ``coordinates`` of :class:`PlacePrior`.

    Raises
    ------
    InputError
        A missing column, an empty code, a coordinate that is not a number or lies outside
        [-90, 90] x [-180, 180], or a code given twice; the message names file and line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "districts.csv"
    >>> _ = f.write_text("place,lat,lon\\n050101,-13.16,-74.22\\n")
    >>> read_place_coordinates(f)
    {'050101': (-13.16, -74.22)}
    """
    from forensic_match.tables import read_table

    table = read_table(path)
    code_col = table.require("place", "place", "district", "code", "ubigeo")
    cols = {"lat": table.require("lat", "lat", "latitude"),
            "lon": table.require("lon", "lon", "longitude", "lng")}
    limits = {"lat": 90.0, "lon": 180.0}
    out: dict[str, tuple[float, float]] = {}
    first: dict[str, int] = {}
    for number, row in table.rows:
        code = row[code_col].strip()
        if not code:
            raise InputError(f"{table.loc(number)}: empty place code")
        if code in out:
            raise InputError(f"{table.loc(number)}: place {code!r} already given on "
                             f"{table.unit} {first[code]}")
        values = []
        for name, col in cols.items():
            text = row[col].strip()
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not abs(value) <= limits[name]:
                comma = " (a decimal comma: write it with a point)" \
                    if "," in text and not math.isfinite(value) else ""
                raise InputError(f"{table.loc(number)}: place {code!r}: {name} {text!r} is not "
                                 f"a number in [-{limits[name]:g}, {limits[name]:g}]{comma}")
            values.append(value)
        out[code] = (values[0], values[1])
        first[code] = number
    _far_places(out, first, table)
    return out


#: A place farther than this from the middle of its table's places, and than four times the
#: median place's distance from it (a long country's ends are not named), is named in a
#: warning.
FAR_PLACE_KM = 2000.0


def _far_places(places: Mapping[str, tuple[float, float]], lines: Mapping[str, int],
                table: Any) -> None:
    """Warn about places far from the middle (the median latitude and longitude) of the
    table's: a latitude and longitude swapped, or a sign lost, moves a Peruvian district to
    Antarctica or the Caribbean, and the prior then weighs its persons by that distance
    without a word (place factors 2.22, 0.86, 0.46 became 3.77, 0.075, 0.075 in an outside
    check). A warning, not a refusal: a programme may register places abroad."""
    import warnings

    from forensic_match.errors import ForensicMatchWarning

    if len(places) < 3:
        return
    codes = list(places)
    rows = np.array([places[c] for c in codes], dtype=np.float64)
    middle = np.median(rows, axis=0)
    away = distance_km(rows, middle[None, :])
    limit = max(FAR_PLACE_KM, 4.0 * float(np.median(away)))
    far = [codes[k] for k in np.flatnonzero(away > limit)]
    if far:
        shown = "; ".join(f"{c!r} ({table.unit} {lines[c]}: {places[c][0]:g}, "
                          f"{places[c][1]:g})" for c in far[:5])
        warnings.warn(f"{table.loc()}: {len(far)} places lie far (more than {limit:.0f} km) "
                      f"from the middle of the table's places "
                      f"({middle[0]:.2f}, {middle[1]:.2f}): {shown}; check for a latitude and "
                      f"longitude swapped or a sign lost", ForensicMatchWarning, stacklevel=3)


def _day(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text[:10]).toordinal()
    except ValueError as exc:
        raise InputError(f"{what}: date {value!r} is not YYYY-MM-DD") from exc


def _check_coordinates(coords: tuple[float, float], what: str) -> None:
    """Latitude and longitude in range, as the coordinates table's reader checks them (the
    API took a latitude of 200)."""
    lat, lon = coords
    if not (abs(lat) <= 90.0 and abs(lon) <= 180.0):
        raise InputError(f"{what}: coordinates ({lat:g}, {lon:g}) are not a latitude in "
                         f"[-90, 90] and a longitude in [-180, 180]")


class _Places:
    """Distinct places (codes or coordinates) as indices into one coordinate table."""

    def __init__(self, coordinates: Mapping[str, Sequence[float]] | None) -> None:
        self.table = {str(k): (float(v[0]), float(v[1])) for k, v in (coordinates or {}).items()}
        for code, coords in self.table.items():
            _check_coordinates(coords, f"place {code!r}")
        self.index: dict[Any, int] = {}
        self.coords: list[tuple[float, float]] = []
        self._array: np.ndarray | None = None

    def array(self) -> np.ndarray:
        """The coordinates as an ``(n, 2)`` array (cached until a place is added)."""
        if self._array is None or len(self._array) != len(self.coords):
            self._array = np.array(self.coords, dtype=np.float64).reshape(-1, 2)
        return self._array

    def add(self, place: Place, what: str) -> int:
        """Index of ``place``; -1 when not recorded."""
        if place is None or place == "":
            return -1
        key: Any = place if isinstance(place, str) else (float(place[0]), float(place[1]))
        if not isinstance(key, str):
            _check_coordinates(key, what)
        if key not in self.index:
            if isinstance(key, str):
                if key not in self.table:
                    # a UBIGEO code from a spreadsheet number cell loses its leading zero
                    padded = [c for c in self.table if key.isdigit() and c.isdigit()
                              and c.lstrip("0") == key.lstrip("0") and c != key]
                    hint = (f"; the table has {padded[0]!r}: a leading zero lost in a "
                            f"spreadsheet number cell? format the column as text"
                            if padded else "")
                    raise InputError(f"{what}: place {key!r} has no coordinates (give a table "
                                     f"of place codes with lat and lon: --place-coordinates, "
                                     f"or the dataset's district_coordinates){hint}")
                self.coords.append(self.table[key])
            else:
                self.coords.append(key)
            self.index[key] = len(self.coords) - 1
        return self.index[key]


class PlacePrior:
    """Prior over which registered missing person a body is, from place and date.

    For a body ``b`` found at place ``p_b`` and recovered (or known buried) on ``t_b``, and
    registered persons ``m`` who disappeared at ``p_m`` on ``t_m``:

    .. math::

        w(b, m) = \\begin{cases} 0 & t_m > t_b + \\text{slack} \\\\
                                 k(\\mathrm{dist}(p_b, p_m)) & \\text{otherwise} \\end{cases}

        \\pi(b, m) = (1 - \\pi_0)\\, \\frac{w(b, m)}{\\sum_{m'} w(b, m')}, \\qquad
        \\pi(b, \\varnothing) = \\pi_0

    with kernel ``k`` (:func:`place_kernel`, or :attr:`PlaceModel.kernel`), open-set mass
    ``pi_0`` (:attr:`PlaceModel.open_mass`) and ``w = unknown_weight`` for a person without
    a recorded place. A body without a recorded place gives every person who is not excluded
    by date the same weight; without a date nobody is excluded. When the event that filled
    the grave is dated (``event_date``), people who disappeared after it are excluded too and
    ``w`` is multiplied by the time kernel ``f_t + (1 - f_t) exp(-|t_e - t_m| / s_t)``
    (:attr:`PlaceModel.event_scale_days`, :attr:`PlaceModel.event_floor`). When every
    person is excluded the whole mass goes to the open set. :meth:`factor` is the prior
    relative to the uniform prior ``(1 - pi_0) / N`` over all ``N`` registered persons
    ("place x3").

    Parameters
    ----------
    persons : sequence of str
        Registered missing persons' ids.
    places : sequence
        Place of disappearance of each person: a code of ``coordinates``, a ``(lat, lon)``
        pair, or ``None`` (not recorded).
    dates : sequence of str or None
        Date of disappearance of each person (ISO), or ``None``.
    coordinates : mapping of str to (lat, lon), optional
        Coordinates of the place codes (district centroids; UBIGEO codes in Peru).
    model : PlaceModel
        Kernel, floor, open-set mass, tolerances.

    Raises
    ------
    InputError
        Lengths that differ, a malformed date, or a place code without coordinates.

    Examples
    --------
    >>> coords = {"D1": (-13.16, -74.22), "D2": (-13.16, -74.0)}
    >>> prior = PlacePrior(["A", "B", "C"], ["D1", "D2", "D1"],
    ...                    ["1984-01-01", "1984-01-01", "1990-05-01"], coordinates=coords)
    >>> p, open_mass = prior.prior("D1", "1985-06-30")
    >>> p.round(3).tolist(), open_mass
    ([0.547, 0.253, 0.0], 0.2)
    """

    def __init__(self, persons: Sequence[str], places: Sequence[Place],
                 dates: Sequence[str | None], *,
                 coordinates: Mapping[str, Sequence[float]] | None = None,
                 model: PlaceModel | None = None) -> None:
        if not len(persons) == len(places) == len(dates):
            raise InputError(f"persons ({len(persons)}), places ({len(places)}) and dates "
                             f"({len(dates)}) must have one entry per person")
        self.model = model or PlaceModel()
        self.persons = [str(p) for p in persons]
        self._places = _Places(coordinates)
        self._person_place = np.array([self._places.add(p, f"person {m!r}")
                                       for m, p in zip(self.persons, places)], dtype=np.int64)
        days = [_day(t, f"person {m!r}") for m, t in zip(self.persons, dates)]
        self._person_day = np.array([_NO_DAY if d is None else d for d in days],
                                    dtype=np.int64)

    @classmethod
    def from_dataset(cls, dataset: Any, *,
                     coordinates: Mapping[str, Sequence[float]] | None = None,
                     model: PlaceModel | None = None) -> PlacePrior:
        """The prior over a dataset's registered missing persons.

        Places and dates come from ``Family.info[m]["place_missing"]`` and
        ``["date_missing"]`` (FORMAT.md); coordinates default to the dataset's
        ``extra["district_coordinates"]`` (written by the simulators).
        """
        persons, places, dates = [], [], []
        for fam in dataset.am:
            for m in fam.missing:
                rec = fam.info.get(m, {})
                persons.append(m)
                places.append(rec.get("place_missing"))
                dates.append(rec.get("date_missing"))
        if coordinates is None:
            coordinates = dataset.extra.get("district_coordinates")
        return cls(persons, places, dates, coordinates=coordinates, model=model)

    def require_coordinates(self, places: Iterable[tuple[str, Place]]) -> None:
        """Check ``(who, place)`` pairs (e.g. a run's bodies, before it stores anything) as
        the prior reads places: a code without coordinates is an :class:`InputError` naming
        ``who``."""
        for who, place in places:
            self._places.add(place, who)

    def weights(self, place: Place, date_recovered: str | None, *,
                event_date: str | None = None) -> np.ndarray:
        """Unnormalised weights ``w(b, m)`` of every registered person for one body.

        ``event_date``, when the killing or burial that filled the grave is dated, excludes
        those who disappeared after it and weighs the others by the time kernel of
        :class:`PlaceModel`.
        """
        body = self._places.add(place, "body")
        day, event = _day(date_recovered, "body"), _day(event_date, "body event")
        persons = np.arange(len(self.persons), dtype=np.int64)
        return self._weight_matrix(persons, np.array([body]), np.array([_NO_DAY if day is None
                                                                         else day]),
                                   np.array([_NO_DAY if event is None else event]))[:, 0]

    def _weight_matrix(self, persons: np.ndarray, body_place: np.ndarray, body_day: np.ndarray,
                       body_event: np.ndarray) -> np.ndarray:
        """``w(b, m)`` of persons ``persons`` (indices) and bodies given by place index (-1
        not recorded), day and event day (:data:`_NO_DAY` not recorded): shape
        ``(len(persons), len(body_place))``. The one formula behind :meth:`weights` and
        :class:`PlaceFactors`."""
        pday = self._person_day[persons]
        w = self._base_weight(self._person_place[persons], body_place)
        w = np.where(self._excluded(pday, body_day, body_event), 0.0, w)
        timed = np.flatnonzero(body_event != _NO_DAY)
        if timed.size:
            w[:, timed] = w[:, timed] * self._time_kernel(pday, body_event[timed])
        return w

    def _base_weight(self, person_place: np.ndarray, body_place: np.ndarray) -> np.ndarray:
        """``w(b, m)`` before the dates, ``(len(person_place), len(body_place))``: 1 for a
        body without a recorded place, ``unknown_weight`` for a person without one, the
        kernel of their distance otherwise."""
        w = np.ones((person_place.size, body_place.size))
        if person_place.size and np.any(body_place >= 0):
            w = np.where(body_place[None, :] < 0, 1.0,
                         np.where(person_place[:, None] >= 0,
                                  self._kernel(person_place, body_place),
                                  self.model.unknown_weight))
        return w

    def _excluded(self, person_day: np.ndarray, body_day: np.ndarray,
                  body_event: np.ndarray) -> np.ndarray:
        """Whether each person disappeared after the body's date or its dated event (beyond
        the slack), ``(len(person_day), len(body_day))``; unrecorded dates exclude nobody."""
        known = (person_day != _NO_DAY)[:, None]
        late = np.zeros((person_day.size, body_day.size), dtype=bool)
        for limit in (body_day, body_event):
            late |= known & (limit[None, :] != _NO_DAY) & \
                (person_day[:, None] > limit[None, :] + self.model.date_slack_days)
        return late

    def _time_kernel(self, person_day: np.ndarray, event: np.ndarray) -> np.ndarray:
        """The time kernel of dated events (all of ``event`` recorded) for each person,
        ``(len(person_day), len(event))``; a person without a date takes its value at one
        scale."""
        gap = np.where((person_day != _NO_DAY)[:, None],
                       np.abs(event[None, :] - person_day[:, None]) / self.model.event_scale_days,
                       1.0)
        f = self.model.event_floor
        return f + (1.0 - f) * np.exp(-gap)

    def _kernel(self, person_place: np.ndarray, body_place: np.ndarray) -> np.ndarray:
        """Kernel weight of every (person place, body place) pair, ``(len(person_place),
        len(body_place))`` (an unrecorded place, -1, stands for place 0: the caller replaces
        those): computed once per distinct pair of places (a programme's persons and bodies
        share a few thousand districts) and gathered."""
        coords = self._places.array()
        up, ip = np.unique(np.maximum(person_place, 0), return_inverse=True)
        ub, ib = np.unique(np.maximum(body_place, 0), return_inverse=True)
        k = self.model.weight(distance_km(coords[up][:, None, :], coords[ub][None, :, :]))
        return k[ip.reshape(-1)[:, None], ib.reshape(-1)[None, :]]

    def _totals(self, body_place: np.ndarray, body_day: np.ndarray) -> np.ndarray:
        """``sum_m w(b, m)`` over every registered person for bodies without an event date,
        by the persons' places: ``sum_p k(p, p_b) x #{m at p not excluded by date}`` (the
        persons of a place counted by their sorted dates), equal to the sum of
        :meth:`_weight_matrix`'s column up to rounding."""
        pp, pday = self._person_place, self._person_day
        out = np.zeros(body_place.size)
        if not pp.size or not body_place.size:
            return out
        groups, at = np.unique(pp, return_inverse=True)
        at = at.reshape(-1)
        # The weights per pair of places (bodies share districts), gathered per body.
        places, ib = np.unique(body_place, return_inverse=True)
        ib = ib.reshape(-1)
        k = self._base_weight(groups, places)
        limit = body_day + self.model.date_slack_days
        dated = body_day != _NO_DAY
        for g in range(groups.size):
            days = pday[at == g]
            known = np.sort(days[days != _NO_DAY])
            count = np.full(body_place.size, float(days.size))
            count[dated] = (days.size - known.size) + np.searchsorted(known, limit[dated],
                                                                       side="right")
            out += k[g, ib] * count
        return out

    def prior(self, place: Place, date_recovered: str | None, *,
              event_date: str | None = None) -> tuple[np.ndarray, float]:
        """``(pi(b, m) for every person, pi(b, open set))``; they sum to 1."""
        w = self.weights(place, date_recovered, event_date=event_date)
        total = float(w.sum())
        if total <= 0.0:
            return np.zeros(len(w)), 1.0
        # Normalised first: (1 - pi_0) * w would underflow for the tiniest weights.
        return (w / total) * (1.0 - self.model.open_mass), self.model.open_mass

    def factor(self, place: Place, date_recovered: str | None, *,
               event_date: str | None = None) -> np.ndarray:
        """Prior of each person relative to the uniform ``(1 - pi_0) / N`` (0 if excluded)."""
        p, open_mass = self.prior(place, date_recovered, event_date=event_date)
        if open_mass >= 1.0:
            return p
        return p * len(p) / (1.0 - open_mass)

    def table(self, samples: Sequence[Any]) -> pl.DataFrame:
        """Tidy prior for PM samples (``id``, ``info["district"]``, ``info["date_recovered"]``).

        One row per sample and registered person (``pm``, ``missing``, ``weight``,
        ``prior``, ``factor``) plus one row per sample with ``missing`` null for the open
        set. Meant for small sets; at programme scale call :meth:`prior` per body.
        """
        rows: list[tuple[str, str | None, float, float, float]] = []
        for s in samples:
            info = getattr(s, "info", {}) or {}
            place, day = info.get("district"), info.get("date_recovered")
            w = self.weights(place, day)
            p, open_mass = self.prior(place, day)
            f = self.factor(place, day)
            rows.extend((s.id, m, float(a), float(b), float(c))
                        for m, a, b, c in zip(self.persons, w, p, f))
            rows.append((s.id, None, float("nan"), open_mass, float("nan")))
        return pl.DataFrame(rows, schema={"pm": pl.String, "missing": pl.String,
                                          "weight": pl.Float64, "prior": pl.Float64,
                                          "factor": pl.Float64}, orient="row")


class PlaceFactors:
    """The place-and-date prior factors of (registered person, body) pairs, a block of persons
    at a time: :meth:`PlacePrior.factor` of each body, without the whole (persons x bodies)
    matrix in memory.

    ``factor(b, m) = w(b, m) N / sum_m' w(b, m')`` over the ``N`` persons of the prior (0 when
    every person is excluded). Its mean over the register is 1 for every body (unless all are
    excluded), so multiplying each registered person's prior weight by it keeps the
    registered mass of the body; the open set keeps its own prior weight.

    Parameters
    ----------
    prior : PlacePrior
    places : sequence
        Each body's place (a code, ``(lat, lon)`` or ``None``).
    dates : sequence
        Each body's date of recovery (or burial), ISO text, :class:`datetime.date` or ``None``.
    event_dates : sequence, optional
        Each body's dated event (see :meth:`PlacePrior.weights`).
    ids : sequence of str, optional
        Each body's PM sample id, named in the error when its place has no coordinates.

    Examples
    --------
    >>> coords = {"D1": (-13.16, -74.22), "D2": (-13.16, -74.0)}
    >>> prior = PlacePrior(["A", "B", "C"], ["D1", "D2", "D1"],
    ...                    ["1984-01-01", "1984-01-01", "1990-05-01"], coordinates=coords)
    >>> f = PlaceFactors(prior, ["D1"], ["1985-06-30"])
    >>> bool(np.allclose(f.block(np.array([0, 1, 2]))[:, 0], prior.factor("D1", "1985-06-30")))
    True
    """

    def __init__(self, prior: PlacePrior, places: Sequence[Place],
                 dates: Sequence[Any], event_dates: Sequence[Any] | None = None, *,
                 ids: Sequence[str] | None = None) -> None:
        if len(places) != len(dates) or (event_dates is not None
                                         and len(event_dates) != len(places)):
            raise InputError(f"places ({len(places)}), dates ({len(dates)}) and event dates "
                             f"must have one entry per body")
        self.prior = prior
        self.body_place = np.array([prior._places.add(
            p, f"PM sample {ids[k]!r}" if ids is not None else "body")
            for k, p in enumerate(places)], dtype=np.int64)

        def days(values: Sequence[Any], what: str) -> np.ndarray:
            out = [_day(v, what) for v in values]
            return np.array([_NO_DAY if d is None else d for d in out], dtype=np.int64)

        self.body_day = days(dates, "body")
        self.body_event = days(event_dates if event_dates is not None else [None] * len(places),
                               "body event")
        n = len(prior.persons)
        self.total = np.zeros(len(places))
        everyone = np.arange(n, dtype=np.int64)
        # Bodies without an event date by the persons' places and dates; the others (a time
        # kernel per person) person by person.
        plain = self.body_event == _NO_DAY
        self.total[plain] = prior._totals(self.body_place[plain], self.body_day[plain])
        evented = np.flatnonzero(~plain)
        for start in range(0, evented.size, 256):
            sl = evented[start:start + 256]
            self.total[sl] = prior._weight_matrix(everyone, self.body_place[sl],
                                                  self.body_day[sl], self.body_event[sl]
                                                  ).sum(axis=0)

    def _bodies(self, columns: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Place, day, event day and total of the bodies ``columns`` (all when ``None``)."""
        cols = slice(None) if columns is None else np.asarray(columns, dtype=np.int64)
        return (self.body_place[cols], self.body_day[cols], self.body_event[cols],
                self.total[cols])

    def log10_block(self, persons: np.ndarray, columns: np.ndarray | None = None
                    ) -> np.ndarray:
        """``log10`` of :meth:`block` (``-inf`` for an excluded person), to rounding, without
        a transcendental function per pair for bodies without a dated event
        (:meth:`add_log10_block` on zeros)."""
        persons = np.asarray(persons, dtype=np.int64)
        out = np.zeros((persons.size, self._bodies(columns)[0].size))
        self.add_log10_block(persons, out, columns)
        return out

    def add_log10_block(self, persons: np.ndarray, out: np.ndarray,
                        columns: np.ndarray | None = None) -> None:
        """``out +=`` :meth:`log10_block` (persons as rows, bodies ``columns`` or all), in one
        pass: ``log10 w`` is gathered from the distinct (person place, body place) pairs, the
        date exclusion sets ``-inf``, the time kernel of dated events is added for those
        bodies only, and ``log10(N / total_b)`` per body. The search adds this to every
        pair's score."""
        from forensic_match.evidence._place_numba import add_place_log10

        persons = np.asarray(persons, dtype=np.int64)
        place, day, event, total = self._bodies(columns)
        if out.shape != (persons.size, place.size):
            raise InputError(f"place factors of {persons.size} persons and {place.size} "
                             f"bodies added to a block of shape {out.shape}")
        known = persons >= 0
        if not known.any() or not place.size:
            return
        prior = self.prior
        person_place = np.where(known, prior._person_place[np.maximum(persons, 0)], 0)
        up, ip = np.unique(person_place[known], return_inverse=True)
        code = np.full(persons.size, -1, dtype=np.int64)
        code[known] = ip.reshape(-1)
        ub, ib = np.unique(place, return_inverse=True)
        with np.errstate(divide="ignore"):
            log_w = np.log10(prior._base_weight(up, ub))
            n = len(prior.persons)
            scale = np.where(total > 0, math.log10(n) - np.log10(np.where(total > 0, total,
                                                                           1.0)), -np.inf)
        person_day = np.ascontiguousarray(prior._person_day[np.maximum(persons, 0)])
        # The time kernel of dated events, for those bodies only (vectorised exp and log).
        timed = np.flatnonzero(event != _NO_DAY)
        timed_col = np.full(place.size, -1, dtype=np.int64)
        timed_col[timed] = np.arange(timed.size)
        log_time = np.log10(prior._time_kernel(person_day, event[timed])) if timed.size \
            else np.zeros((persons.size, 1))
        add_place_log10(code, person_day, np.ascontiguousarray(ib.reshape(-1), dtype=np.int64),
                        np.ascontiguousarray(day, dtype=np.int64),
                        np.ascontiguousarray(event, dtype=np.int64), log_w, scale,
                        int(prior.model.date_slack_days), timed_col,
                        np.ascontiguousarray(log_time), out)

    def block(self, persons: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """Factors of persons ``persons`` (indices into ``prior.persons``; -1: no person
        known, factor 1) against every body, shape ``(len(persons), n_bodies)``; with
        ``columns`` (body indices) against those bodies only, each value as in the full
        block."""
        persons = np.asarray(persons, dtype=np.int64)
        place, day, event, total = self._bodies(columns)
        out = np.ones((persons.size, place.size))
        known = persons >= 0
        if known.any():
            w = self.prior._weight_matrix(persons[known], place, day, event)
            n = len(self.prior.persons)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[known] = np.where(total > 0, w * n / np.where(total > 0, total, 1.0), 0.0)
        return out
