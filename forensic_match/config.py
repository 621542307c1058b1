"""Run configuration of ``forensic-match search``: one TOML file, hashed and kept with the output.

Everything a blind search depends on besides its input tables: the frequency table and its
unknown-allele rule, the mutation model of every marker, theta, the PM dropout default, the
identification thresholds, the near-miss rule and the markers to leave out. The layout and the
defaults are in ``docs/configuration.md``; :data:`DEFAULT_MUTATION` states the default model and
the source of its rates.

Examples
--------
>>> cfg = RunConfig()
>>> cfg.mutation.model, cfg.mutation.male_rate, cfg.mutation.female_rate
('stepwise', 0.002, 0.0005)
>>> cfg.sha256 == RunConfig.from_toml(cfg.to_toml()).sha256
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sys
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forensic_match.errors import ForensicMatchWarning, InputError
from forensic_match.markers import SMALLEST_MIN_FREQUENCY, Marker
from forensic_match.mutation import Mutation, MutationModel

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["DEFAULT_MUTATION", "MUTATION_MODELS", "MutationFallbackWarning", "MutationSettings",
           "RunConfig", "read_config"]

#: Models a configuration may name; ``none`` is Mendelian transmission.
MUTATION_MODELS = ("stepwise", "onestep", "equal", "proportional", "none")

#: Models that need numeric allele labels ("9.3"); a marker with other labels ("OL", ">27")
#: falls back to ``proportional`` with the same rates (with a warning).
_NUMERIC_MODELS = ("stepwise", "onestep")


class MutationFallbackWarning(ForensicMatchWarning):
    """A marker's configured mutation model could not be used and another was."""


@dataclass(frozen=True)
class MutationSettings:
    """The mutation model of a marker, per sex, as written in the configuration.

    Parameters
    ----------
    model : {"stepwise", "onestep", "equal", "proportional", "none"}
    male_rate, female_rate : float
        Probability that an allele transmitted by a father (mother) mutates.
    range : float
        ``stepwise``: relative probability of each further repeat step (0.1: a two-step
        mutation is 10 times rarer than a one-step one).
    rate2 : float
        ``stepwise``: rate of changes between microvariant groups (15 -> 15.3).
    stationary : bool
        Make the matrices stationary for the marker's frequencies (Simonsson & Mostad 2016).
    """

    model: str = "stepwise"
    male_rate: float = 0.002
    female_rate: float = 0.0005
    range: float = 0.1
    rate2: float = 1e-6
    stationary: bool = False

    def __post_init__(self) -> None:
        if self.model not in MUTATION_MODELS:
            raise InputError(f"mutation model {self.model!r} is not one of "
                             f"{', '.join(MUTATION_MODELS)}")
        for name in ("male_rate", "female_rate", "rate2"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise InputError(f"mutation {name} must lie in [0, 1), got {value!r}")
        if not 0.0 < self.range < 1.0:
            raise InputError(f"mutation range must lie in (0, 1), got {self.range!r}")

    def mutation(self, model: str | None = None) -> Mutation | None:
        """The :class:`~forensic_match.mutation.Mutation` (``None`` for ``none``)."""
        name = model or self.model
        if name == "none":
            return None
        extra = {"range": self.range, "rate2": self.rate2} if name == "stepwise" else {}
        return Mutation(female=MutationModel(name, rate=self.female_rate, **extra),
                        male=MutationModel(name, rate=self.male_rate, **extra),
                        stationary=self.stationary)


#: The default: Familias' stepwise model (as pedmut's ``stepwise``), one overall rate per sex.
#: Average STR mutation rates of the CODIS loci are 1-5 per 1000 meioses (AABB Parentage
#: Testing annual report summaries, compiled on NIST STRBase and in Butler, *Forensic DNA
#: Typing*, 2nd ed., 2005, table 6.3), paternal mutations several times as frequent as maternal
#: ones (Brinkmann et al. 1998, Am J Hum Genet 62:1408-1415), and nearly all single-step
#: (hence range 0.1). Sources and the choice: ``docs/configuration.md``.
DEFAULT_MUTATION = MutationSettings()


def _check_number(value: Any, name: str, *, low: float, high: float, integer: bool = False,
                  open_low: bool = False) -> None:
    bad = isinstance(value, bool) or not isinstance(value, (int, float)) or \
        (integer and not isinstance(value, int)) or not math.isfinite(value) or \
        value > high or (value <= low if open_low else value < low)
    if bad:
        kind = "an integer" if integer else "a number"
        bracket = "(" if open_low else "["
        raise InputError(f"{name} must be {kind} in {bracket}{low:g}, {high:g}], got {value!r}")


#: The dropout given to a PM sample recorded without one (a laboratory export has no dropout
#: column): remains exhumed decades later lose alleles, and a lost allele read as a true
#: homozygote excludes a body's true relatives. Measured on outside gene-drop worlds
#: (``docs/decisions.md``, "Undeclared dropout"): against 0, degraded bodies gave 42 true
#: proposals instead of 14 and 493 family-level placements instead of 279 (none false either
#: way), the class of sons proposed as their fathers was gone, and good profiles lost 6 of 132
#: proposals. ``pm_dropout = 0`` in a configuration restores the laboratory's column as read.
DEFAULT_PM_DROPOUT = 0.05


@dataclass(frozen=True)
class RunConfig:
    """Settings of one ``forensic-match search`` run (see ``docs/configuration.md``).

    Attributes
    ----------
    frequencies : str
        A bundled table name or a frequency file.
    min_frequency : float or None
        Frequency of alleles absent from the table (default 5 / (2N) from the table's N).
    n_individuals : int or None
        N of the table, for the 5 / (2N) rule, when the file does not give it.
    mutation : MutationSettings
        The model of every marker without its own entry in ``marker_mutation``.
    marker_mutation : mapping of str to MutationSettings
        Per-marker models (names as in the frequency table, any case or spacing).
    theta, min_markers, sex_filter, ignore_markers, pm_dropout
        Search settings; ``pm_dropout`` is given to PM samples recorded with no dropout
        (:data:`DEFAULT_PM_DROPOUT` unless set; 0 believes such samples complete).
    posterior_threshold, prior_registered, relatives, closed, undisputed, threshold, margin,
    min_references, dna_led
        Identification settings of :func:`forensic_match.dvi.identify.identify`
        (``docs/decisions.md``); ``prior_registered`` None takes the programme's default.
    near_miss_lr, near_miss_max_markers
        A pair is a near miss when it is inconsistent at 1..``near_miss_max_markers``
        markers and its LR over the other markers reaches ``near_miss_lr``.
    """

    frequencies: str = "fbi2015_sw_hispanic"
    min_frequency: float | None = None
    n_individuals: int | None = None
    mutation: MutationSettings = DEFAULT_MUTATION
    marker_mutation: Mapping[str, MutationSettings] = field(default_factory=dict)
    theta: float = 0.0
    min_markers: int = 8
    sex_filter: bool = True
    ignore_markers: tuple[str, ...] = ()
    pm_dropout: float = DEFAULT_PM_DROPOUT
    threshold: float = 1e4
    margin: float = 1e4
    posterior_threshold: float = 0.9995
    prior_registered: float | None = None
    relatives: float = 1.0
    closed: bool = False
    undisputed: bool = False
    min_references: int = 1
    dna_led: bool = True
    near_miss_lr: float = 1e4
    near_miss_max_markers: int = 2
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.min_frequency is not None:
            _check_number(self.min_frequency, "frequencies.min_frequency",
                          low=SMALLEST_MIN_FREQUENCY, high=1.0)
        if self.n_individuals is not None:
            _check_number(self.n_individuals, "frequencies.n_individuals", low=1, high=1e12,
                          integer=True)
        _check_number(self.theta, "search.theta", low=0.0, high=0.5)
        _check_number(self.min_markers, "search.min_markers", low=0, high=10_000, integer=True)
        _check_number(self.pm_dropout, "search.pm_dropout", low=0.0, high=0.99)
        _check_number(self.threshold, "identify.threshold", low=1.0, high=math.inf)
        _check_number(self.margin, "identify.margin", low=1.0, high=math.inf)
        _check_number(self.posterior_threshold, "identify.posterior_threshold", low=0.5,
                      high=0.999999)
        if self.prior_registered is not None:
            _check_number(self.prior_registered, "identify.prior_registered", low=0.0,
                          high=1.0, open_low=True)
        _check_number(self.relatives, "identify.relatives", low=0.0, high=1e6)
        _check_number(self.min_references, "identify.min_references", low=1, high=1000,
                      integer=True)
        for key in ("closed", "undisputed", "dna_led"):
            if not isinstance(getattr(self, key), bool):
                raise InputError(f"identify.{key} must be true or false, got "
                                 f"{getattr(self, key)!r}")
        _check_number(self.near_miss_lr, "near_miss.lr", low=1.0, high=math.inf)
        _check_number(self.near_miss_max_markers, "near_miss.max_markers", low=0, high=100,
                      integer=True)
        if not isinstance(self.sex_filter, bool):
            raise InputError(f"search.sex_filter must be true or false, got "
                             f"{self.sex_filter!r}")
        from forensic_match.frequencies import marker_key

        keys: dict[str, str] = {}
        for name in self.marker_mutation:
            if marker_key(name) in keys:
                raise InputError(f"mutation.markers: {name!r} and {keys[marker_key(name)]!r} "
                                 f"are the same marker")
            keys[marker_key(name)] = name
        object.__setattr__(self, "marker_mutation", dict(self.marker_mutation))
        object.__setattr__(self, "ignore_markers", tuple(str(m) for m in self.ignore_markers))

    # Reading and writing ---------------------------------------------------------------------
    @classmethod
    def from_toml(cls, text: str, *, source: str | Path | None = None) -> RunConfig:
        """Read the TOML text of a configuration (unknown keys are refused)."""
        label = f"file {str(source)!r}" if source is not None else "configuration"
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{label}: not valid TOML: {exc}") from None
        try:
            return cls._from_dict(data, Path(source).parent if source is not None else None,
                                  str(source) if source is not None else None)
        except InputError as exc:
            raise InputError(f"{label}: {exc}") from None

    @classmethod
    def _from_dict(cls, data: dict[str, Any], base: Path | None,
                   source: str | None) -> RunConfig:
        sections = {"frequencies": {"table", "min_frequency", "n_individuals"},
                    "mutation": {f.name for f in dataclasses.fields(MutationSettings)} |
                    {"markers"},
                    "search": {"theta", "min_markers", "sex_filter", "ignore_markers",
                               "pm_dropout"},
                    "identify": {"threshold", "margin", "posterior_threshold",
                                 "prior_registered", "relatives", "closed", "undisputed",
                                 "min_references", "dna_led"},
                    "near_miss": {"lr", "max_markers"}}
        for key, value in data.items():
            if key not in sections:
                raise InputError(f"unknown section [{key}]; expected one of "
                                 f"{', '.join(sections)}")
            if not isinstance(value, dict):
                raise InputError(f"{key!r} must be a table [{key}]")
            unknown = sorted(set(value) - sections[key])
            if unknown:
                raise InputError(f"unknown key(s) {unknown} in [{key}]; expected "
                                 f"{sorted(sections[key])}")
        freq = data.get("frequencies", {})
        mut = dict(data.get("mutation", {}))
        per_marker = mut.pop("markers", {})
        search = data.get("search", {})
        ident = data.get("identify", {})
        near = data.get("near_miss", {})
        kwargs: dict[str, Any] = {}
        if "table" in freq:
            table = freq["table"]
            if not isinstance(table, str) or not table:
                raise InputError(f"frequencies.table must be a name or a path, got {table!r}")
            kwargs["frequencies"] = resolve_table(table, base)
        for src, dst in (("min_frequency", "min_frequency"), ("n_individuals", "n_individuals")):
            if src in freq:
                kwargs[dst] = freq[src]
        overall = _mutation_settings(mut, DEFAULT_MUTATION, "[mutation]")
        kwargs["mutation"] = overall
        if not isinstance(per_marker, dict):
            raise InputError("mutation.markers must be a table of markers")
        kwargs["marker_mutation"] = {
            str(name): _mutation_settings(spec, overall, f"[mutation.markers.{name}]")
            for name, spec in per_marker.items()}
        for key in ("theta", "min_markers", "sex_filter", "pm_dropout"):
            if key in search:
                kwargs[key] = search[key]
        if "ignore_markers" in search:
            ignore = search["ignore_markers"]
            if not isinstance(ignore, list) or not all(isinstance(m, str) for m in ignore):
                raise InputError(f"search.ignore_markers must be a list of marker names, got "
                                 f"{ignore!r}")
            kwargs["ignore_markers"] = tuple(ignore)
        for key in ("threshold", "margin", "posterior_threshold", "prior_registered",
                    "relatives", "closed", "undisputed", "min_references", "dna_led"):
            if key in ident:
                kwargs[key] = ident[key]
        if "lr" in near:
            kwargs["near_miss_lr"] = near["lr"]
        if "max_markers" in near:
            kwargs["near_miss_max_markers"] = near["max_markers"]
        return cls(**kwargs, source=source)

    def to_toml(self) -> str:
        """The complete configuration as TOML (every setting written out, defaults included):
        what ``config.toml`` of a run holds and what :attr:`sha256` hashes."""
        lines = ["# forensic-match search configuration (every setting, defaults included).",
                 "# Read it back with: forensic-match search --config config.toml ...", ""]
        lines += ["[frequencies]", f"table = {_toml(self.frequencies)}"]
        if self.min_frequency is not None:
            lines.append(f"min_frequency = {_toml(self.min_frequency)}")
        if self.n_individuals is not None:
            lines.append(f"n_individuals = {_toml(self.n_individuals)}")
        lines += ["", "[mutation]"] + _mutation_lines(self.mutation)
        for name in sorted(self.marker_mutation):
            lines += ["", f"[mutation.markers.{_toml_key(name)}]"]
            lines += _mutation_lines(self.marker_mutation[name])
        lines += ["", "[search]", f"theta = {_toml(self.theta)}",
                  f"min_markers = {_toml(self.min_markers)}",
                  f"sex_filter = {_toml(self.sex_filter)}",
                  f"ignore_markers = {_toml(list(self.ignore_markers))}",
                  f"pm_dropout = {_toml(self.pm_dropout)}",
                  "", "[identify]",
                  f"posterior_threshold = {_toml(self.posterior_threshold)}",
                  (f"prior_registered = {_toml(self.prior_registered)}"
                   if self.prior_registered is not None else
                   "# prior_registered: from the programme, min(0.5, missing / bodies)"),
                  f"relatives = {_toml(self.relatives)}",
                  f"closed = {_toml(self.closed)}",
                  f"undisputed = {_toml(self.undisputed)}",
                  *([f"min_references = {_toml(self.min_references)}"]
                    if self.min_references != 1 else []),
                  *([f"dna_led = {_toml(self.dna_led)}"] if not self.dna_led else []),
                  f"threshold = {_toml(self.threshold)}",
                  f"margin = {_toml(self.margin)}",
                  "", "[near_miss]", f"lr = {_toml(self.near_miss_lr)}",
                  f"max_markers = {_toml(self.near_miss_max_markers)}", ""]
        return "\n".join(lines)

    @property
    def sha256(self) -> str:
        """Hex sha256 of :meth:`to_toml`: equal settings, equal hash."""
        return hashlib.sha256(self.to_toml().encode()).hexdigest()

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some settings changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    # Using it --------------------------------------------------------------------------------
    def mutation_settings(self, marker: str) -> MutationSettings:
        """The settings of ``marker`` (its own entry, else the overall ``[mutation]``)."""
        from forensic_match.frequencies import marker_key

        by_key = {marker_key(k): v for k, v in self.marker_mutation.items()}
        return by_key.get(marker_key(marker), self.mutation)

    def with_mutation(self, markers: Iterable[Marker], *, lumpable: bool = False,
                      ) -> list[Marker]:
        """``markers`` with their configured mutation models.

        ``proportional`` with the same rates replaces ``stepwise`` or ``onestep``, with a
        :class:`MutationFallbackWarning`, where those cannot be used: at a marker with allele
        labels that are not repeat numbers ("OL", ">27"), and everywhere when ``lumpable``
        is asked for (the command line asks for it when theta > 0: the exact theta
        correction with stepwise models works over full allele lists, about ten times the
        cost, and falls back to theta 0 where a family exceeds the engine's limits;
        ``docs/configuration.md``).
        """
        out = []
        fallen: list[str] = []
        for m in markers:
            settings = self.mutation_settings(m.name)
            model = settings.model
            if model in _NUMERIC_MODELS and not _numeric(m.alleles):
                labels = [a for a in m.alleles if not _is_number(a)]
                warnings.warn(f"marker {m.name!r}: allele labels {labels} are not repeat "
                              f"numbers, so the {model} mutation model cannot be used; "
                              f"proportional with the same rates instead",
                              MutationFallbackWarning, stacklevel=2)
                model = "proportional"
            elif model in _NUMERIC_MODELS and lumpable:
                fallen.append(m.name)
                model = "proportional"
            marker = m.with_mutation(settings.mutation(model))
            try:
                marker.matrices  # noqa: B018 - rates that give no matrix fail here, named
            except InputError as exc:
                own = [k for k, v in self.marker_mutation.items() if v is settings]
                section = f"[mutation.markers.{own[0]}]" if own else "[mutation]"
                label = f"file {self.source!r}" if self.source else "configuration"
                raise InputError(f"{label}: {section}: marker {m.name!r}: {exc} (model "
                                 f"{model}, male_rate {settings.male_rate}, female_rate "
                                 f"{settings.female_rate}, rate2 {settings.rate2})") from None
            out.append(marker)
        if fallen:
            warnings.warn(f"theta > 0: the exact theta correction with stepwise or onestep "
                          f"models works over every allele of a marker (unseen alleles cannot "
                          f"be merged), about ten times the cost of proportional, and falls "
                          f"back to theta 0 at markers of families beyond the engine's "
                          f"limits; proportional with the same rates is used at "
                          f"{len(fallen)} markers ({', '.join(fallen)})",
                          MutationFallbackWarning, stacklevel=2)
        return out

    def unused_marker_entries(self, markers: Iterable[str]) -> list[str]:
        """Names in ``marker_mutation`` and ``ignore_markers`` that match none of ``markers``."""
        from forensic_match.frequencies import marker_key

        have = {marker_key(m) for m in markers}
        return [n for n in [*self.marker_mutation, *self.ignore_markers]
                if marker_key(n) not in have]

    def ignores(self, marker: str) -> bool:
        """Whether ``marker`` is among ``ignore_markers`` (names compared as marker names)."""
        from forensic_match.frequencies import marker_key

        return marker_key(marker) in {marker_key(m) for m in self.ignore_markers}


def read_config(path: str | Path) -> RunConfig:
    """Read a run configuration file (TOML; layout in ``docs/configuration.md``).

    Settings not in the file keep their defaults. A relative ``frequencies.table`` path is
    taken relative to the configuration file.

    Raises
    ------
    InputError
        Unreadable file, invalid TOML, an unknown section or key, a value out of range; the
        message names the file and the key.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # Windows editors add a byte-order mark
    except OSError as exc:
        raise InputError(f"file {str(path)!r}: cannot read the configuration: "
                         f"{exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"file {str(path)!r}: the configuration is not UTF-8 text") from None
    return RunConfig.from_toml(text, source=path)


# Helpers ---------------------------------------------------------------------------------------

def resolve_table(table: str, base: Path | None) -> str:
    """A frequency table as written in a configuration: a bundled name as it is, a file as
    an absolute path (relative to ``base``; as given when ``base`` is None)."""
    from forensic_match.frequencies import available_frequencies

    if table.strip().lower() in available_frequencies() or base is None:
        return table
    path = Path(table).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


def _mutation_settings(spec: Any, base: MutationSettings, where: str) -> MutationSettings:
    if not isinstance(spec, dict):
        raise InputError(f"{where} must be a table")
    allowed = {f.name for f in dataclasses.fields(MutationSettings)}
    # "markers" belongs to [mutation] only: inside [mutation.markers.X] it would be ignored.
    unknown = sorted(set(spec) - allowed - ({"markers"} if where == "[mutation]" else set()))
    if unknown:
        raise InputError(f"unknown key(s) {unknown} in {where}; expected {sorted(allowed)}")
    values = {k: v for k, v in spec.items() if k != "markers"}
    for key, value in values.items():
        if key == "model" and not isinstance(value, str):
            raise InputError(f"{where} model must be a string, got {value!r}")
        if key == "stationary" and not isinstance(value, bool):
            raise InputError(f"{where} stationary must be true or false, got {value!r}")
        if key not in ("model", "stationary") and (isinstance(value, bool) or
                                                   not isinstance(value, (int, float))):
            raise InputError(f"{where} {key} must be a number, got {value!r}")
    try:
        return dataclasses.replace(base, **values)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _mutation_lines(s: MutationSettings) -> list[str]:
    return [f"model = {_toml(s.model)}", f"male_rate = {_toml(s.male_rate)}",
            f"female_rate = {_toml(s.female_rate)}", f"range = {_toml(s.range)}",
            f"rate2 = {_toml(s.rate2)}", f"stationary = {_toml(s.stationary)}"]


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key, ensure_ascii=False)


def _is_number(label: str) -> bool:
    try:
        return math.isfinite(float(label))
    except ValueError:
        return False


def _numeric(labels: Iterable[str]) -> bool:
    return all(_is_number(a) for a in labels)
