"""Antemortem records and postmortem findings: the non-DNA half of an identification.

An :class:`AMRecord` holds what relatives and registers say about one missing person (sex, age
at disappearance, date and place, reported stature, dental chart, distinctive features, implants,
personal effects); a :class:`PMFindings` holds what the laboratory found on one body (DNA and
morphological sex, estimated age at death, estimated stature, dates, district, dental chart,
implants, features, effects). Both leave a field ``None`` (or empty) when it was not recorded:
the evidence modules then give that kind of evidence LR 1.

They are read from the dataset JSON fields of ``FORMAT.md`` (:func:`am_records_from_dataset`,
:func:`pm_findings_from_dataset`) and from tidy tables (:func:`read_am_records`,
:func:`read_pm_findings`): CSV, TSV, Excel or Parquet, *wide* (one row per person or body, one
column per field) or *long* (one row per finding: ``id, field, value, source, date``). The
blocks follow the INTERPOL DVI forms: description (sex, age, stature), dental (FDI chart),
medical (features, implants with serial numbers), personal effects. ``docs/evidence.md`` lists
the fields.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from forensic_match.errors import ForensicMatchError, InputError, plain_text
from forensic_match.profiles import file_id

#: FDI two-digit codes: permanent 11-18, 21-28, 31-38, 41-48; deciduous 51-55 ... 81-85.
PERMANENT_TEETH = tuple(q * 10 + t for q in (1, 2, 3, 4) for t in range(1, 9))
DECIDUOUS_TEETH = tuple(q * 10 + t for q in (5, 6, 7, 8) for t in range(1, 6))
FDI_TEETH = frozenset(PERMANENT_TEETH + DECIDUOUS_TEETH)

#: Per-tooth states of a dental chart (INTERPOL DVI dental block, simplified).
#: ``sound``: present, no restoration; ``filled``: restored (any filling); ``crowned``: crown or
#: bridge abutment; ``missing``: lost antemortem (healed socket, or extracted per the AM record);
#: ``missing_pm``: lost after death (open socket; only a PM state); ``present``: present,
#: restorations not recorded; ``unerupted``; ``unknown``: not recorded or not observable.
TOOTH_STATES = ("sound", "filled", "crowned", "missing", "missing_pm", "present", "unerupted",
                "unknown")
_STATE_WORDS = {
    "sound": "sound", "s": "sound", "virgin": "sound", "healthy": "sound", "sano": "sound",
    "filled": "filled", "f": "filled", "restored": "filled", "filling": "filled",
    "obturado": "filled", "restaurado": "filled", "amalgam": "filled", "composite": "filled",
    "crowned": "crowned", "crown": "crowned", "c": "crowned", "corona": "crowned",
    "missing": "missing", "m": "missing", "x": "missing", "missing_am": "missing",
    "extracted": "missing", "ausente": "missing", "perdido": "missing",
    "missing_pm": "missing_pm", "lost_pm": "missing_pm", "pm_loss": "missing_pm",
    "present": "present", "p": "present", "presente": "present",
    "unerupted": "unerupted", "u": "unerupted", "no_erupcionado": "unerupted",
    "unknown": "unknown", "?": "unknown", "": "unknown", "na": "unknown",
    "desconocido": "unknown",
}

_SEX_LABELS = {0: "U", 1: "M", 2: "F"}


@dataclass(frozen=True)
class Implant:
    """A medical implant or prosthesis (INTERPOL DVI medical block).

    Attributes
    ----------
    kind : str
        What it is, as a code shared by AM and PM records ("hip_prosthesis", "pacemaker").
    serial : str
        Serial or lot number, "" when not known or not readable.
    maker : str
        Manufacturer, "" when not known.
    """

    kind: str
    serial: str = ""
    maker: str = ""


@dataclass(frozen=True)
class Feature:
    """A distinctive feature: healed fracture, amputation, congenital anomaly, tattoo.

    Attributes
    ----------
    code : str
        A code shared by AM and PM records ("fracture:left_femur").
    description : str
    frequency : float or None
        Elicited frequency of the feature among the victim population (AM side); ``None`` uses
        the default of :func:`~forensic_match.evidence.features.feature_lr`.
    """

    code: str
    description: str = ""
    frequency: float | None = None


@dataclass(frozen=True)
class Effect:
    """A personal effect (clothing, document, jewellery).

    Attributes
    ----------
    code : str
        A code shared by AM and PM records ("shirt:blue_checked", "ring:initials_JQ").
    description : str
    frequency : float or None
        Elicited probability that another victim of the population carries a matching item.
    retained : float or None
        Elicited probability that the missing person's item is found with their body.
    """

    code: str
    description: str = ""
    frequency: float | None = None
    retained: float | None = None


@dataclass
class DentalChart:
    """A dental chart: the state of each recorded tooth (FDI codes).

    Attributes
    ----------
    teeth : dict
        ``{fdi code: state}``, states from :data:`TOOTH_STATES`; teeth not listed are unknown.
    date : datetime.date or None
        Date of the record (AM chart) or examination (PM).
    """

    teeth: dict[int, str] = field(default_factory=dict)
    date: dt.date | None = None

    def state(self, tooth: int) -> str:
        """State of ``tooth`` ("unknown" when not recorded)."""
        return self.teeth.get(tooth, "unknown")


@dataclass
class AMRecord:
    """Antemortem record of one missing person.

    Attributes
    ----------
    id : str
        The missing person's id (as in the family's pedigree).
    family : str
        Id of the reference family, "" when not known.
    sex : str
        "M", "F" or "U".
    age : float or None
        Age in years at disappearance, on ``date_missing``.
    date_missing : datetime.date or None
    place_missing : str
        Place code (UBIGEO in Peru), "" when not recorded.
    stature_cm : float or None
        Stature as reported by relatives or a document.
    dental : DentalChart or None
    features : list of Feature
    implants : list of Implant
    effects : list of Effect
    sources : dict
        ``{field: (source, date)}`` from long tables; empty otherwise.
    extra : dict
        Fields not used by the evidence modules, kept as read.

    Examples
    --------
    >>> r = am_record_from_info("F1_C1", {"age": 24, "stature_cm": 170.0}, sex="M")
    >>> r.age, r.stature_cm, r.sex
    (24.0, 170.0, 'M')
    """

    id: str
    family: str = ""
    sex: str = "U"
    age: float | None = None
    date_missing: dt.date | None = None
    place_missing: str = ""
    stature_cm: float | None = None
    dental: DentalChart | None = None
    features: list[Feature] = field(default_factory=list)
    implants: list[Implant] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_ranges(self, f"AM record {self.id!r}", ("age", "stature_cm"))
        chart = self.dental.date if self.dental is not None else None
        if chart is not None and self.date_missing is not None:
            # the years from the chart to the disappearance weigh every tooth: a date after
            # the disappearance was read as 0 years, one before the birth as many
            if chart > self.date_missing:
                raise InputError(f"AM record {self.id!r}: the dental chart is dated {chart}, "
                                 f"after the disappearance ({self.date_missing}); an "
                                 f"antemortem chart is older: check the dates")
            if self.age is not None and \
                    (self.date_missing - chart).days / 365.25 > self.age + 1.0:
                raise InputError(f"AM record {self.id!r}: the dental chart is dated {chart}, "
                                 f"before the birth of a person aged {self.age:g} on "
                                 f"{self.date_missing}: check the dates")


@dataclass
class PMFindings:
    """Postmortem findings on one body.

    Attributes
    ----------
    id : str
        The PM sample's id.
    dna_sex : str
        "M", "F" or "U" from amelogenin (``pm[].sex``).
    sex_morphology : str
        "M", "F" or "U" (the anthropologist's estimate; "U" e.g. for a child).
    age_min, age_max : float or None
        Estimated age-at-death interval, holding the true age with probability
        ``age_coverage``.
    age_coverage : float or None
        ``None`` when not recorded: the evidence then assumes
        :attr:`~forensic_match.evidence.combine.Population.age_coverage` and says so.
    age_estimate, age_se : float or None
        A point estimate of age at death and its standard error (the continuous model).
    stature_cm, stature_sd : float or None
        Bone-based stature estimate and its standard error.
    date_recovered : datetime.date or None
    district : str
        Place code of the burial or recovery site.
    dental : DentalChart or None
    implants : list of Implant
    features : list of str
        Codes of distinctive features observed.
    features_absent : list of str
        Codes of features looked for (the region is preserved) and not found.
    effects : list of Effect
        Items found with the body.
    sources, extra : dict
        As in :class:`AMRecord`.
    """

    id: str
    dna_sex: str = "U"
    sex_morphology: str = "U"
    age_min: float | None = None
    age_max: float | None = None
    age_coverage: float | None = None
    age_estimate: float | None = None
    age_se: float | None = None
    stature_cm: float | None = None
    stature_sd: float | None = None
    date_recovered: dt.date | None = None
    district: str = ""
    dental: DentalChart | None = None
    implants: list[Implant] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    features_absent: list[str] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The age findings only finite: a simulation under H2 draws estimates below 0, and
        # the population check refuses an estimate no victim's age explains.
        _check_ranges(self, f"PM findings {self.id!r}",
                      ("age_coverage", "age_se", "stature_cm", "stature_sd"),
                      ("age_min", "age_max", "age_estimate"))

    def age_point(self) -> float | None:
        """The body's estimated age at death as one number: the point estimate, else the
        middle of the interval, else ``None`` (no age finding).

        Examples
        --------
        >>> PMFindings("P", age_min=10.0, age_max=14.0).age_point()
        12.0
        """
        if self.age_estimate is not None:
            return self.age_estimate
        if self.age_min is not None and self.age_max is not None:
            return 0.5 * (self.age_min + self.age_max)
        return None


# --- parsing of single values -------------------------------------------------------------

def _key(name: str) -> str:
    """Field names compare in lower case with spaces and hyphens as ``_``."""
    return re.sub(r"[\s\-]+", "_", str(name).strip()).lower()


#: Other names of a field, as :func:`_key` writes them: the pedigree table of
#: ``datasets/examples/records`` writes the age at disappearance as ``age_at_disappearance``,
#: Spanish tables ``edad``, ``edad_desaparicion``, ``fecha_desaparicion`` and ``sexo``.
_ALIASES = {"age_at_disappearance": "age", "edad": "age", "edad_desaparicion": "age",
            "edad_al_desaparecer": "age", "fecha_desaparicion": "date_missing",
            "sexo": "sex"}


def _fields(info: Mapping[str, Any], loc: str) -> dict[str, Any]:
    """A record's fields by :func:`_key`, with :data:`_ALIASES` read as their field and
    ``tooth_NN`` columns (a wide table's chart) added to the ``dental`` field. Two names of
    one field (``age`` and ``Age``, ``age`` and ``edad``) are refused: the last was read
    without a word."""
    data: dict[str, Any] = {}
    named: dict[str, str] = {}
    teeth = []
    for name, value in info.items():
        key = _key(name)
        key = _ALIASES.get(key, key)
        if key.startswith("tooth_") and key[6:].isdigit():
            if not _blank(value):
                teeth.append(f"{key[6:]}:{value}")
            continue
        if key in named:
            raise InputError(f"{loc}: fields {named[key]!r} and {name!r} are one field "
                             f"({key!r}); keep one")
        named[key] = str(name)
        data[key] = value
    if teeth:
        # as a table's tooth columns are read: with the dental field, one chart (a tooth in
        # both is refused by dental_chart)
        chart = data.get("dental")
        given = [f"{k}:{v}" for k, v in chart.items()] if isinstance(chart, Mapping) else \
            [] if _blank(chart) else [str(chart)]
        data["dental"] = "; ".join(given + teeth)
    return data


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().upper() in ("", "NA", "NAN", "NULL", "NONE")


#: Fields that a register may fill with a range typed in one cell ("20,30" for 20 to 30).
_RANGE_FIELDS = ("age", "age_min", "age_max", "age_estimate", "stature_cm")


def _number(value: Any, loc: str, name: str, low: float, high: float) -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise InputError(f"{loc}, field {name!r}: {value!r} is not a number")
    text = value.strip() if isinstance(value, str) else None
    if text is not None and not re.fullmatch(r"[-+]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)"
                                             r"([eE][-+]?[0-9]+)?", text):
        raise InputError(f"{loc}, field {name!r}: {value!r} is not a number")
    pair = re.fullmatch(r"\+?0*([1-9][0-9]*),([0-9]{2,})", text) \
        if text is not None and name in _RANGE_FIELDS else None
    if pair is not None and int(pair.group(2)) > int(pair.group(1)):
        # "20,30" may be a range 20 to 30 as well as 20.30: it was read as 20.3. A second
        # number not above the first ("25,00", "168,50", as a spreadsheet writes a number
        # with two decimals) cannot be a range, and is read.
        raise InputError(f"{loc}, field {name!r}: {value!r} may be a range "
                         f"({pair.group(1)} to {int(pair.group(2))}) as well as a number with "
                         f"a decimal comma: a range is written in two fields (min and max), a "
                         f"number with a point")
    try:
        x = float(text.replace(",", ".") if text is not None else value)
    except (TypeError, ValueError):
        raise InputError(f"{loc}, field {name!r}: {value!r} is not a number") from None
    if not math.isfinite(x) or not low <= x <= high:
        raise InputError(f"{loc}, field {name!r}: {value!r} is outside {low:g}..{high:g}")
    return x


#: A date cell as read: ``YYYY-MM-DD``, or with a time (and zone) as a spreadsheet or another
#: system writes it; nothing else after the date.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2})?)?")


def _date(value: Any, loc: str, name: str) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        # a whole YYYY-MM-DD, or one with a time (as a spreadsheet writes a date cell); not
        # "1984-08-141", "1984-08-14 (aprox)" or "2019-05-03 / 2019-06-10", which were read
        # from their first ten characters
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(f"{loc}, field {name!r}: {value!r} is not an ISO date "
                         f"(YYYY-MM-DD)") from None


def _sex(value: Any, loc: str, name: str) -> str:
    from forensic_match.pedigree import parse_sex

    if _blank(value):
        return "U"
    try:
        return _SEX_LABELS[parse_sex(value)]
    except ForensicMatchError as exc:
        raise InputError(f"{loc}, field {name!r}: {exc}") from None


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def tooth_code(value: Any, loc: str = "dental chart") -> int:
    """An FDI tooth code (11-18, 21-28, 31-38, 41-48, 51-55, 61-65, 71-75, 81-85).

    Raises
    ------
    InputError
        Anything else, naming ``loc``.

    Examples
    --------
    >>> tooth_code("36")
    36
    """
    text = str(value).strip()
    if text.isdigit() and int(text) in FDI_TEETH:
        return int(text)
    raise InputError(f"{loc}: tooth {value!r} is not an FDI tooth code (11-18, 21-28, 31-38, "
                     f"41-48 permanent; 51-55, 61-65, 71-75, 81-85 deciduous)")


def tooth_state(value: Any, loc: str = "dental chart") -> str:
    """A tooth state of :data:`TOOTH_STATES` from a word or code (English or Spanish).

    Examples
    --------
    >>> tooth_state("Obturado"), tooth_state("X")
    ('filled', 'missing')
    """
    key = _key(plain_text(_text(value)))
    if key in _STATE_WORDS:
        return _STATE_WORDS[key]
    raise InputError(f"{loc}: tooth state {value!r} is not one of {', '.join(TOOTH_STATES)}")


def dental_chart(value: Any, loc: str, *, date: dt.date | None = None) -> DentalChart | None:
    """A dental chart from ``{"11": "filled", ...}`` or the text ``"11:filled; 36:missing"``
    (``None`` for a blank value); ``loc`` names the record in error messages.

    Examples
    --------
    >>> dental_chart("11: sound; 36: Obturado", "record 'A'").teeth
    {11: 'sound', 36: 'filled'}
    """
    if _blank(value):
        return None
    if isinstance(value, DentalChart):
        return value
    if isinstance(value, str):
        pairs = []
        for part in re.split(r"[;|]", value):
            if not part.strip():
                continue
            if ":" not in part and "=" not in part:
                raise InputError(f"{loc}, field 'dental': {part.strip()!r} is not "
                                 f"'tooth:state' (e.g. '36:filled')")
            tooth, state = re.split(r"[:=]", part, maxsplit=1)
            pairs.append((tooth, state))
    elif isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        raise InputError(f"{loc}, field 'dental': expected a mapping of FDI tooth codes to "
                         f"states, got {type(value).__name__}")
    teeth: dict[int, str] = {}
    for tooth, state in pairs:
        code = tooth_code(tooth, f"{loc}, field 'dental'")
        if code in teeth:
            # the last state was kept: "36:missing; 36:sound" read as sound
            raise InputError(f"{loc}, field 'dental': tooth {code} given twice; keep one state")
        teeth[code] = tooth_state(state, f"{loc}, field 'dental', tooth {code}")
    return DentalChart(teeth, date)


def _item(text: str, name: str) -> dict[str, Any]:
    """An item written as text: an implant ``kind:serial``, anything else a code."""
    if name != "implants":
        return {"code": text}
    kind, _, serial = text.partition(":")
    return {"kind": kind.strip(), **({"serial": serial.strip()} if serial.strip() else {})}


def _items(value: Any, loc: str, name: str) -> list[dict[str, Any]]:
    """A list of items from JSON (a list of strings or objects) or a table cell
    ("code; code" or "kind:serial; kind:serial")."""
    if _blank(value):
        return []
    if isinstance(value, str):
        return [_item(part.strip(), name) for part in value.split(";") if part.strip()]
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise InputError(f"{loc}, field {name!r}: expected a list, got {type(value).__name__}")
    out = []
    for k, item in enumerate(value):
        if isinstance(item, str):
            out.append(_item(item.strip(), name))
        elif isinstance(item, Mapping):
            out.append(dict(item))
        else:
            raise InputError(f"{loc}, field {name!r}, item {k + 1}: expected a code or an "
                             f"object, got {item!r}")
    return out


def _probability(item: Mapping[str, Any], key: str, loc: str) -> float | None:
    value = _number(item.get(key), loc, key, 0.0, 1.0)
    if value == 0.0 and key == "frequency":
        raise InputError(f"{loc}, field {key!r}: a frequency of 0 would make any match "
                         f"conclusive; give an elicited value above 0")
    return value


def _code(value: Any) -> str:
    """A feature, effect or implant-kind code in the form codes are compared in: lower case,
    spaces and hyphens as ``_`` (``Hip Prosthesis`` is ``hip_prosthesis``, ``Fracture:Left
    Femur`` is ``fracture:left_femur``). Compared as written, an AM implant
    ``hip_prosthesis`` and a PM ``Hip Prosthesis`` with the same serial number weighed
    nothing (LR 1 instead of 1e6)."""
    return re.sub(r"[\s\-]+", "_", _text(value)).casefold()


def _implants(value: Any, loc: str) -> list[Implant]:
    out = []
    for k, item in enumerate(_items(value, loc, "implants")):
        kind = _code(item.get("kind"))
        if not kind:
            raise InputError(f"{loc}, field 'implants', item {k + 1}: needs a 'kind'")
        out.append(Implant(kind, _text(item.get("serial")), _text(item.get("maker"))))
    return out


def _features(value: Any, loc: str) -> list[Feature]:
    out = []
    for k, item in enumerate(_items(value, loc, "features")):
        code = _code(item.get("code"))
        if not code:
            raise InputError(f"{loc}, field 'features', item {k + 1}: needs a 'code'")
        out.append(Feature(code, _text(item.get("description")),
                           _probability(item, "frequency", f"{loc}, feature {code!r}")))
    return out


def _effects(value: Any, loc: str) -> list[Effect]:
    out = []
    for k, item in enumerate(_items(value, loc, "effects")):
        code = _code(item.get("code"))
        if not code:
            raise InputError(f"{loc}, field 'effects', item {k + 1}: needs a 'code'")
        where_ = f"{loc}, effect {code!r}"
        out.append(Effect(code, _text(item.get("description")),
                          _probability(item, "frequency", where_),
                          _probability(item, "retained", where_)))
    return out


def _check_ranges(record: Any, loc: str, names: Sequence[str],
                  finite: Sequence[str] = ()) -> None:
    """The readers' ranges (:data:`_NUMBERS`) on a record built directly, so that the API
    refuses what the readers refuse (a stature of 1.70 is in metres, not centimetres); the
    fields of ``finite`` need only be finite numbers."""
    for name in (*names, *finite):
        value = getattr(record, name)
        if value is None:
            continue
        low, high = (-math.inf, math.inf) if name in finite else _NUMBERS[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
                not math.isfinite(value) or not low <= value <= high:
            unit = " (centimetres, not metres)" if name == "stature_cm" else ""
            raise InputError(f"{loc}, field {name!r}: {value!r} is outside "
                             f"{low:g}..{high:g}{unit}")


def _codes(value: Any, loc: str, name: str) -> list[str]:
    return [_code(i.get("code")) for i in _items(value, loc, name) if _code(i.get("code"))]


# --- records from field dictionaries --------------------------------------------------------

#: Accepted range of each numeric field.
_NUMBERS = {"age": (0.0, 120.0), "stature_cm": (20.0, 230.0), "age_min": (0.0, 120.0),
            "age_max": (0.0, 120.0), "age_coverage": (0.0, 1.0), "age_estimate": (0.0, 120.0),
            "age_se": (0.0, 60.0), "stature_sd": (0.0, 30.0)}
_DATES = ("date_missing", "date_recovered", "dental_date")
_SEXES = ("sex", "dna_sex", "sex_morphology")


def _num(data: Mapping[str, Any], name: str, loc: str) -> float | None:
    return _number(data.get(name), loc, name, *_NUMBERS[name])


def _check_value(name: str, value: str, loc: str) -> None:
    """Check one cell of a long table with its own location (the record's other fields are
    checked together later)."""
    if name in _NUMBERS:
        _number(value, loc, name, *_NUMBERS[name])
    elif name in _DATES:
        _date(value, loc, name)
    elif name in _SEXES:
        _sex(value, loc, name)
    elif name == "dental" or name.startswith("tooth_"):
        dental_chart(f"{name[6:]}:{value}" if name.startswith("tooth_") else value, loc)
    elif name == "implants":
        _implants(value, loc)
    elif name in ("features", "effects", "features_absent"):
        _items(value, loc, name)


_AM_FIELDS = ("sex", "age", "date_missing", "place_missing", "stature_cm", "dental",
              "dental_date", "features", "implants", "effects", "family")
_PM_FIELDS = ("sex", "dna_sex", "sex_morphology", "age_min", "age_max", "age_coverage",
              "age_estimate", "age_se", "stature_cm", "stature_sd", "date_recovered", "district",
              "dental", "dental_date", "implants", "features", "features_absent", "effects")


def am_record_from_info(ident: str, info: Mapping[str, Any], *, sex: str = "U",
                        family: str = "", source: str = "") -> AMRecord:
    """An :class:`AMRecord` from a field dictionary (``am[].info[M]`` of the dataset JSON).

    Parameters
    ----------
    ident : str
        The missing person's id.
    info : mapping
        Fields (``docs/evidence.md``): ``age``, ``date_missing``, ``place_missing``,
        ``stature_cm``, ``dental`` (``{"36": "filled"}``), ``dental_date``, ``features``,
        ``implants``, ``effects``; ``sex`` overrides the ``sex`` argument. Others are kept in
        ``extra``.
    sex : str
        Sex from the pedigree ("M", "F", "U").
    family : str
    source : str
        Where the record comes from (a file name), for error messages.

    Raises
    ------
    InputError
        A malformed or out-of-range field; the message names the source, the id and the field.
    """
    loc = (f"{source}, " if source else "") + f"missing person {ident!r}"
    if not isinstance(info, Mapping):
        raise InputError(f"{loc}: the AM record must be an object of fields")
    data = _fields(info, loc)
    record = AMRecord(
        id=str(ident), family=_text(data.get("family")) or family,
        sex=_sex(data["sex"], loc, "sex") if "sex" in data else _sex(sex, loc, "sex"),
        age=_num(data, "age", loc),
        date_missing=_date(data.get("date_missing"), loc, "date_missing"),
        place_missing=_text(data.get("place_missing")),
        stature_cm=_num(data, "stature_cm", loc),
        dental=dental_chart(data.get("dental"), loc,
                            date=_date(data.get("dental_date"), loc, "dental_date")),
        features=_features(data.get("features"), loc),
        implants=_implants(data.get("implants"), loc),
        effects=_effects(data.get("effects"), loc),
        extra={k: v for k, v in data.items() if k not in _AM_FIELDS})
    return record


def pm_findings_from_info(ident: str, info: Mapping[str, Any], *, sex: str = "U",
                          source: str = "") -> PMFindings:
    """A :class:`PMFindings` from a field dictionary (``pm[].info`` of the dataset JSON).

    Parameters
    ----------
    ident : str
        The PM sample's id.
    info : mapping
        Fields (``docs/evidence.md``): ``sex_morphology``, ``age_min``, ``age_max``,
        ``age_coverage``, ``age_estimate``, ``age_se``, ``stature_cm``, ``stature_sd``,
        ``date_recovered``, ``district``, ``dental``, ``implants``, ``features``,
        ``features_absent``, ``effects``; ``dna_sex`` overrides ``sex``.
    sex : str
        The DNA (amelogenin) sex, ``pm[].sex``.
    source : str
        Where the record comes from, for error messages.

    Raises
    ------
    InputError
        A malformed, out-of-range or inconsistent field (``age_min > age_max``, one end of an
        interval without the other); the message names the source, the id and the field.

    Examples
    --------
    >>> f = pm_findings_from_info("PM1", {"age_min": 25, "age_max": 35, "age_coverage": 0.95})
    >>> (f.age_min, f.age_max, f.age_coverage)
    (25.0, 35.0, 0.95)
    """
    loc = (f"{source}, " if source else "") + f"PM sample {ident!r}"
    if not isinstance(info, Mapping):
        raise InputError(f"{loc}: the PM findings must be an object of fields")
    data = _fields(info, loc)
    dna = data.get("dna_sex", data.get("sex", sex))
    f = PMFindings(
        id=str(ident), dna_sex=_sex(dna, loc, "dna_sex"),
        sex_morphology=_sex(data.get("sex_morphology"), loc, "sex_morphology"),
        age_min=_num(data, "age_min", loc),
        age_max=_num(data, "age_max", loc),
        age_coverage=_num(data, "age_coverage", loc),
        age_estimate=_num(data, "age_estimate", loc),
        age_se=_num(data, "age_se", loc),
        stature_cm=_num(data, "stature_cm", loc),
        stature_sd=_num(data, "stature_sd", loc),
        date_recovered=_date(data.get("date_recovered"), loc, "date_recovered"),
        district=_text(data.get("district")),
        dental=dental_chart(data.get("dental"), loc,
                            date=_date(data.get("dental_date"), loc, "dental_date")),
        implants=_implants(data.get("implants"), loc),
        features=_codes(data.get("features"), loc, "features"),
        features_absent=_codes(data.get("features_absent"), loc, "features_absent"),
        effects=_effects(data.get("effects"), loc),
        extra={k: v for k, v in data.items() if k not in _PM_FIELDS})
    _check_pm(f, loc)
    return f


def _check_pm(f: PMFindings, loc: str) -> None:
    if (f.age_min is None) != (f.age_max is None):
        raise InputError(f"{loc}, field {'age_max' if f.age_max is None else 'age_min'!r}: an "
                         f"age interval needs both age_min and age_max")
    if f.age_min is not None and f.age_max is not None:
        if f.age_min > f.age_max:
            raise InputError(f"{loc}, field 'age_min': age_min {f.age_min:g} is above "
                             f"age_max {f.age_max:g}")
        if f.age_coverage == 0.0:
            raise InputError(f"{loc}, field 'age_coverage': a coverage of 0 says the interval "
                             f"never holds the age")
    if (f.age_estimate is None) != (f.age_se is None):
        raise InputError(f"{loc}, field {'age_se' if f.age_se is None else 'age_estimate'!r}: "
                         f"a point age estimate needs both age_estimate and age_se")
    if f.age_se == 0.0:
        raise InputError(f"{loc}, field 'age_se': a standard error of 0 is not an estimate")
    if f.stature_cm is not None and not f.stature_sd:
        raise InputError(f"{loc}, field 'stature_sd': a stature estimate needs its standard "
                         f"error (above 0)")


# --- records from a dataset ------------------------------------------------------------------

def am_records_from_dataset(dataset: Any) -> dict[str, AMRecord]:
    """AM records of every missing person of a :class:`~forensic_match.cases.DviDataset`.

    The sex comes from the family's pedigree, the rest from ``Family.info[missing id]``; a
    missing person without ``info`` gets a record with only the sex.

    Examples
    --------
    >>> records = am_records_from_dataset(load_case("data.json"))  # doctest: +SKIP
    """
    out: dict[str, AMRecord] = {}
    for family in dataset.am:
        for missing in family.missing:
            if missing in out:
                raise InputError(f"dataset {dataset.id!r}: missing person {missing!r} appears "
                                 f"in families {out[missing].family!r} and {family.id!r}")
            out[missing] = am_record_from_info(
                missing, family.info.get(missing, {}), sex=family.sex_of(missing),
                family=family.id, source=f"dataset {dataset.id!r}, family {family.id!r}")
    return out


def pm_findings_from_dataset(dataset: Any) -> dict[str, PMFindings]:
    """PM findings of every sample of a :class:`~forensic_match.cases.DviDataset`
    (``pm[].sex`` is the DNA sex, ``pm[].info`` the rest)."""
    out: dict[str, PMFindings] = {}
    for sample in dataset.pm:
        if sample.id in out:
            raise InputError(f"dataset {dataset.id!r}: PM sample {sample.id!r} appears twice")
        out[sample.id] = pm_findings_from_info(sample.id, sample.info, sex=sample.sex,
                                               source=f"dataset {dataset.id!r}")
    return out


# --- records from tables ---------------------------------------------------------------------

Form = Literal["auto", "wide", "long"]
_LIST_FIELDS = {"features", "implants", "effects", "features_absent"}


def _rows(path: str | Path, form: Form) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """Read a table; yield ``(id, location, fields)`` per record, merged over long rows."""
    from forensic_match.tables import read_table

    table = read_table(path)
    keys = [_key(h) for h in table.header]
    if form == "auto":
        form = "long" if "field" in keys and "value" in keys else "wide"
    id_col = next((keys.index(k) for k in ("id", "sample", "missing", "person") if k in keys),
                  None)
    if id_col is None:
        raise InputError(f"{table.loc(1)}: no 'id' column; found {table.header}")
    if form == "wide":
        named: dict[str, str] = {}
        for h, k in zip(table.header, keys):
            k = _ALIASES.get(k, k)
            if k in named:
                raise InputError(f"{table.loc(1)}: columns {named[k]!r} and {h!r} are one "
                                 f"field ({k!r}); keep one")
            named[k] = h

        def wide():
            seen: dict[str, int] = {}
            for number, row in table.rows:
                ident = file_id(row[id_col], table.loc(number))
                if not ident:
                    raise InputError(f"{table.loc(number)}: empty id")
                if ident in seen:
                    raise InputError(f"{table.loc(number, sample=ident)}: id repeated (first "
                                     f"at {table.unit} {seen[ident]})")
                seen[ident] = number
                fields = {k: v for k, v in zip(keys, row) if k != keys[id_col] and v != ""}
                if "family" in fields:
                    fields["family"] = file_id(fields["family"], table.loc(number, sample=ident))
                yield ident, table.loc(number), fields
        return wide()
    if "field" not in keys or "value" not in keys:
        raise InputError(f"{table.loc(1)}: a long table needs 'field' and 'value' columns; "
                         f"found {table.header}")
    fcol, vcol = keys.index("field"), keys.index("value")
    scol = keys.index("source") if "source" in keys else None
    dcol = keys.index("date") if "date" in keys else None
    merged: dict[str, tuple[int, dict[str, Any], dict[str, int], dict[str, tuple[str, str]]]] = {}
    for number, row in table.rows:
        ident, name, value = file_id(row[id_col], table.loc(number)), _key(row[fcol]), row[vcol]
        if name == "family":
            value = file_id(value, table.loc(number, sample=ident))
        if not ident:
            raise InputError(f"{table.loc(number)}: empty id")
        if not name:
            raise InputError(f"{table.loc(number, sample=ident)}: empty field name")
        _check_value(name, value, table.loc(number, sample=ident))
        first, fields, lines, sources = merged.setdefault(ident, (number, {}, {}, {}))
        source = (row[scol] if scol is not None else "", row[dcol] if dcol is not None else "")
        if name in _LIST_FIELDS:
            fields[name] = f"{fields[name]}; {value}" if name in fields else value
        elif name.startswith("tooth_") or name == "dental":
            part = f"{name[6:]}:{value}" if name.startswith("tooth_") else value
            fields["dental"] = f"{fields['dental']}; {part}" if "dental" in fields else part
        elif name in fields and fields[name] != value:
            raise InputError(f"{table.loc(number, sample=ident)}, field {name!r}: value "
                             f"{value!r} differs from {fields[name]!r} at {table.unit} "
                             f"{lines[name]}")
        else:
            fields[name] = value
        lines.setdefault(name, number)
        sources[name] = source
    def long():
        for ident, (first, fields, _lines, sources) in merged.items():
            fields["_sources"] = sources
            yield ident, table.loc(first), fields
    return long()


def _wide_dental(fields: dict[str, Any]) -> dict[str, Any]:
    """Columns ``tooth_11``... of a wide table gathered into one ``dental`` field."""
    teeth = [f"{k[6:]}:{v}" for k, v in fields.items() if k.startswith("tooth_")]
    if teeth:
        fields = {k: v for k, v in fields.items() if not k.startswith("tooth_")}
        fields["dental"] = "; ".join(([fields["dental"]] if fields.get("dental") else []) + teeth)
    return fields


def read_am_records(path: str | Path, *, form: Form = "auto") -> dict[str, AMRecord]:
    """Read AM records from a table (CSV, TSV, Excel, Parquet).

    Parameters
    ----------
    path : str or Path
    form : {"auto", "wide", "long"}
        ``wide``: one row per missing person, an ``id`` column and one column per field
        (``sex, age, date_missing, place_missing, stature_cm, family``; teeth as columns
        ``tooth_11``... or one ``dental`` column ``"11:filled; 36:missing"``; ``features``,
        ``implants`` (``kind:serial``) and ``effects`` as ``;``-separated lists). ``long``: one
        row per finding, columns ``id, field, value`` and optionally ``source, date``; list
        fields and teeth (field ``tooth_36``) may repeat. ``auto`` takes ``long`` when there
        are ``field`` and ``value`` columns.

    Returns
    -------
    dict
        ``{id: AMRecord}`` in the order of the table.

    Raises
    ------
    InputError
        Naming the file, line (or row), id and field.

    Examples
    --------
    >>> records = read_am_records("am.csv")  # doctest: +SKIP
    >>> records["F1_C1"].age  # doctest: +SKIP
    24.0
    """
    out = {}
    for ident, loc, fields in _rows(path, form):
        sources = fields.pop("_sources", {})
        rec = am_record_from_info(ident, _wide_dental(fields), source=loc)
        rec.sources = sources
        out[ident] = rec
    return out


def read_pm_findings(path: str | Path, *, form: Form = "auto") -> dict[str, PMFindings]:
    """Read PM findings from a table (CSV, TSV, Excel, Parquet), wide or long as for
    :func:`read_am_records`; the DNA sex is the column or field ``sex`` (or ``dna_sex``)."""
    out = {}
    for ident, loc, fields in _rows(path, form):
        sources = fields.pop("_sources", {})
        rec = pm_findings_from_info(ident, _wide_dental(fields), source=loc)
        rec.sources = sources
        out[ident] = rec
    return out
