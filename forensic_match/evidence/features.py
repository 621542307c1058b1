"""Distinctive features, implants and personal effects.

- **Implants with serial numbers** (:func:`implant_lr`): a serial number read on the body equal
  to the one in the missing person's medical record is nearly conclusive.
  ``LR = (1 - read_error) / coincidence`` with ``coincidence`` the probability that another
  victim carries an implant with that serial number, capped at ``cap`` (default 1e6: a records
  mix-up or a reused number is never ruled out). Two different serial numbers give
  ``LR = read_error / (1 - coincidence)`` (a misread or mis-recorded digit) and an exclusion flag.
  An implant whose number was not read counts as a feature of its kind.
- **Distinctive features** (:func:`feature_lr`): a feature recorded for the missing person
  (healed fracture, amputation, implant kind) and looked for on the body. With ``f`` the
  elicited prevalence among the victims, ``detect`` the probability that the feature is seen on
  the remains of a person who had it (healed fractures remodel, bones are missing) and ``fp``
  the probability of seeing it on remains that do not have it:
  found ``LR = detect / (f detect + (1 - f) fp)``; looked for and not found
  ``LR = (1 - detect) / (1 - f detect - (1 - f) fp)``; not looked for: LR 1.
- **Personal effects** (:func:`effects_lr`): items found with the body against the relatives'
  description. ``retained``: elicited probability that the person's item is found with their
  body; ``frequency``: probability that a matching item is found with another victim's body.
  A match gives ``retained / frequency``; when the body's effects were inventoried, an item of
  the person's that is not among them gives ``(1 - retained) / (1 - frequency)``. The product
  is held within ``[1/cap, cap]`` with a low cap (default 10): clothes are exchanged, taken and
  moved between bodies in a grave.

Each form is a likelihood ratio of a binary observation, so E[LR | H2] = 1 under the stated
frequencies (before the caps).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from forensic_match.errors import InputError
from forensic_match.evidence.records import Effect, Feature, Implant

#: Cap of an implant serial-number match.
IMPLANT_CAP = 1e6
#: Default probability that another victim carries an implant with the same serial number.
SERIAL_COINCIDENCE = 1e-7
#: Default probability that a serial number is misread or mis-recorded.
SERIAL_READ_ERROR = 0.01
#: Default frequency of a distinctive feature (or an implant kind) among the victims when the
#: record gives none; small values need an elicited frequency.
FEATURE_FREQUENCY = 0.05
#: Default probability that a feature the person had is seen on their remains.
FEATURE_DETECT = 0.8
#: Default probability of seeing a feature on remains that do not have it.
FEATURE_FALSE_POSITIVE = 0.001
#: Cap (and 1/cap floor) of the personal-effects LR.
EFFECTS_CAP = 10.0
#: Defaults for an effect with no elicited probabilities.
EFFECT_FREQUENCY = 0.2
EFFECT_RETAINED = 0.5


def _p(value: float, name: str) -> float:
    x = float(value)
    if not (math.isfinite(x) and 0.0 < x < 1.0):
        raise InputError(f"{name} must be a probability strictly between 0 and 1, got {value!r}")
    return x


def normalise_serial(serial: str) -> str:
    """Serial numbers compare without case, spaces, dashes, dots and slashes."""
    return re.sub(r"[\s\-./]+", "", serial).upper()


@dataclass(frozen=True)
class FeatureResult:
    """LR of features, implants or effects, with the codes that contributed and an exclusion
    flag (two different implant serial numbers)."""

    lr: float
    matched: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    exclusion: bool = False


def implant_lr(am: Sequence[Implant], pm: Sequence[Implant], absent: Iterable[str] = (),
               seen: Iterable[str] = (), *, coincidence: float = SERIAL_COINCIDENCE,
               read_error: float = SERIAL_READ_ERROR,
               kind_frequency: float = FEATURE_FREQUENCY, detect: float = FEATURE_DETECT,
               false_positive: float = FEATURE_FALSE_POSITIVE,
               cap: float = IMPLANT_CAP) -> FeatureResult:
    """LR of implants found on a body against the missing person's recorded implants.

    Per AM implant, the PM implant of the same kind: both serial numbers read -> match
    ``min(cap, (1 - read_error) / coincidence)`` or mismatch ``read_error / (1 - coincidence)``
    (exclusion flag); otherwise the kind as a feature found (:func:`feature_lr`). An AM implant
    whose kind is in ``seen`` (the body's features: the kind written as a feature, not as an
    implant) counts as a feature found; in ``absent`` (looked for, not found), as a feature
    not found; one neither found nor looked for contributes 1. The product is capped at
    ``cap``.

    Examples
    --------
    >>> r = implant_lr([Implant("hip", "AB-123")], [Implant("hip", "ab123")])
    >>> r.lr, r.matched
    (1000000.0, ('hip',))
    """
    coincidence, read_error = _p(coincidence, "coincidence"), _p(read_error, "read_error")
    found_lr, absent_lr = _binary_lrs(_p(kind_frequency, "kind_frequency"), detect,
                                      false_positive)
    absent, seen = set(absent), set(seen)
    log10, matched, missing, exclusion = 0.0, [], [], False
    used: set[int] = set()
    for implant in am:
        k = next((i for i, p in enumerate(pm) if i not in used and p.kind == implant.kind), None)
        if k is None:
            if implant.kind in seen:    # both ways of recording count, or only the absence would
                log10 += math.log10(found_lr)
                matched.append(implant.kind)
            elif implant.kind in absent:
                log10 += math.log10(absent_lr)
                missing.append(implant.kind)
            continue
        used.add(k)
        found = pm[k]
        if implant.serial and found.serial:
            if normalise_serial(implant.serial) == normalise_serial(found.serial):
                log10 += math.log10(min(cap, (1 - read_error) / coincidence))
                matched.append(implant.kind)
            else:
                log10 += math.log10(read_error / (1 - coincidence))
                exclusion = True
        else:
            log10 += math.log10(found_lr)
            matched.append(implant.kind)
    return FeatureResult(min(cap, 10.0 ** log10), tuple(matched), tuple(missing), exclusion)


def _binary_lrs(f: float, detect: float, false_positive: float) -> tuple[float, float]:
    """(LR found, LR looked for and not found) of a feature of prevalence f."""
    detect = _p(detect, "detect")
    fp = float(false_positive)
    if not (math.isfinite(fp) and 0.0 <= fp < detect):
        raise InputError(f"false_positive must be in [0, detect), got {false_positive!r}")
    seen = f * detect + (1 - f) * fp
    return detect / seen, (1 - detect) / (1 - seen)


def feature_lr(am: Sequence[Feature], found: Iterable[str], absent: Iterable[str] = (), *,
               detect: float = FEATURE_DETECT, false_positive: float = FEATURE_FALSE_POSITIVE,
               default_frequency: float = FEATURE_FREQUENCY) -> FeatureResult:
    """LR of distinctive features, product over the AM features: found
    ``detect / (f detect + (1 - f) fp)``, looked for and not found
    ``(1 - detect) / (1 - f detect - (1 - f) fp)``, not looked for 1.

    Examples
    --------
    >>> r = feature_lr([Feature("fracture:left_femur", frequency=0.02)],
    ...                ["fracture:left_femur"], detect=0.8, false_positive=0.0)
    >>> round(r.lr, 12)
    50.0
    """
    found, absent = set(found), set(absent)
    log10, matched, missing = 0.0, [], []
    for feature in am:
        f = _p(feature.frequency if feature.frequency is not None else default_frequency,
               f"frequency of feature {feature.code!r}")
        found_lr, absent_lr = _binary_lrs(f, detect, false_positive)
        if feature.code in found:
            log10 += math.log10(found_lr)
            matched.append(feature.code)
        elif feature.code in absent:
            log10 += math.log10(absent_lr)
            missing.append(feature.code)
    return FeatureResult(10.0 ** log10, tuple(matched), tuple(missing))


def effects_lr(am: Sequence[Effect], pm: Sequence[Effect], *, inventoried: bool = True,
               cap: float = EFFECTS_CAP, default_frequency: float = EFFECT_FREQUENCY,
               default_retained: float = EFFECT_RETAINED) -> FeatureResult:
    """LR of personal effects: product over the relatives' items of ``retained / frequency``
    (matched by code) or, when the body's effects were ``inventoried``,
    ``(1 - retained) / (1 - frequency)`` (not among them); held within ``[1/cap, cap]``.

    Examples
    --------
    >>> am = [Effect("poncho:red_striped", frequency=0.05, retained=0.6)]
    >>> effects_lr(am, [Effect("poncho:red_striped")]).lr  # 12, capped at 10
    10.0
    """
    if not (math.isfinite(cap) and cap >= 1):
        raise InputError(f"effects cap must be >= 1, got {cap!r}")
    codes = {e.code for e in pm}
    log10, matched, missing = 0.0, [], []
    for effect in am:
        if effect.code not in codes and not inventoried:
            continue
        f = _p(effect.frequency if effect.frequency is not None else default_frequency,
               f"frequency of effect {effect.code!r}")
        r = _p(effect.retained if effect.retained is not None else default_retained,
               f"retained probability of effect {effect.code!r}")
        if effect.code in codes:
            log10 += math.log10(r / f)
            matched.append(effect.code)
        else:
            log10 += math.log10((1 - r) / (1 - f))
            missing.append(effect.code)
    bound = math.log10(cap)
    return FeatureResult(10.0 ** min(max(log10, -bound), bound), tuple(matched),
                         tuple(missing))
