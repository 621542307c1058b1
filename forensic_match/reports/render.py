"""Rendering the report of one proposal and the programme dashboard (Jinja2 templates)."""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from forensic_match.errors import ForensicMatchError, InputError
from forensic_match.markers import Marker
from forensic_match.reports.messages import FIELDS, LANGUAGES, MESSAGES

#: Recomputed and stored totals may differ by this much (log10) before the report warns.
AGREEMENT_LOG10 = 1e-6


def require_extra() -> None:
    """Raise a clear error when the ``reports`` extra (Jinja2, matplotlib) is missing."""
    import importlib.util

    missing = [m for m in ("jinja2", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:
        raise ForensicMatchError(f"reports need {' and '.join(missing)}: pip install "
                                 f"'forensic_match[reports]'")


def _env() -> Any:
    require_extra()
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("forensic_match.reports", "templates"),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def check_language(language: str) -> str:
    """``language`` if a catalogue exists for it, else :class:`InputError`."""
    if language not in LANGUAGES:
        raise InputError(f"language {language!r}: reports exist in {', '.join(LANGUAGES)}")
    return language


def translator(language: str) -> Callable[..., Any]:
    """``t(key, **values)``: the message in ``language`` with the values escaped into it."""
    from markupsafe import Markup, escape

    catalogue = MESSAGES[check_language(language)]

    def t(key: str, **values: Any) -> Any:
        text = catalogue[key]
        return Markup(text.format(**{k: escape(v) for k, v in values.items()}))

    return t


def _group(digits: str, sep: str) -> str:
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    return sep.join([digits] + out)


#: Words of a recorded value's keys and dental states in Spanish (the records' JSON keys and
#: states are the file format's English).
_RECORDED_ES = {"code": "código", "frequency": "frecuencia", "kind": "tipo",
                "serial": "número de serie", "maker": "fabricante",
                "description": "descripción", "retained": "conservado",
                "sound": "sano", "filled": "obturado", "crowned": "corona",
                "missing": "ausente", "missing_pm": "perdido después de la muerte",
                "present": "presente", "unerupted": "no erupcionado",
                "unknown": "desconocido"}


def recorded_value(v: Any, language: str) -> str:
    """A value of an AM record or PM finding as a reader reads it: numbers as recorded in
    the language's decimal style, a chart or list as ``key: value; ...``, the format's
    English keys and dental states in Spanish words on Spanish pages (an outside check,
    2026-12-08: a Spanish report printed ``{"36": "filled"}`` and ``0.95`` beside
    ``0,300``).

    Examples
    --------
    >>> recorded_value({"36": "filled", "11": "sound"}, "es")
    '11: sano; 36: obturado'
    >>> recorded_value([{"code": "fracture:left_femur", "frequency": 0.02}], "es")
    'código: fracture:left_femur, frecuencia: 0,02'
    >>> recorded_value(0.95, "es"), recorded_value(168.5, "en")
    ('0,95', '168.5')
    """
    words = _RECORDED_ES if language == "es" else {}
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, (int, float)):
        return with_decimal_mark(repr(v) if isinstance(v, float) else str(v), language)
    if isinstance(v, str):
        return v
    if isinstance(v, Mapping):
        def key(item: tuple[Any, Any]) -> tuple[int, str]:
            k = str(item[0])
            return (0, f"{int(k):04d}") if k.isdigit() else (1, k)

        return "; ".join(f"{words.get(str(k), k)}: " + (
            words.get(x, x) if isinstance(x, str) and str(k).isdigit()
            else recorded_value(x, language)) for k, x in sorted(v.items(), key=key))
    if isinstance(v, (list, tuple)):
        return "; ".join(
            ", ".join(f"{words.get(str(k), k)}: {recorded_value(x, language)}"
                      for k, x in item.items()) if isinstance(item, Mapping)
            else recorded_value(item, language) for item in v)
    return json.dumps(v, ensure_ascii=False, default=str)


def decimal_mark(language: str) -> str:
    """The language's decimal mark: ``","`` in Spanish, else ``"."``."""
    return "," if language == "es" else "."


def with_decimal_mark(text: str, language: str) -> str:
    """A number written with a decimal point (``f"{x:g}"``, ``repr``) in the language's
    decimal mark: ``0,95`` in Spanish.

    Examples
    --------
    >>> with_decimal_mark("0.95", "es"), with_decimal_mark("0.95", "en")
    ('0,95', '0.95')
    """
    return text.replace(".", decimal_mark(language))


def format_number(x: float, language: str, *, significant: int = 3) -> str:
    """A plain number in the language's style: ``1 234,5`` (es, thin space, decimal comma),
    ``1,234.5`` (en).

    Examples
    --------
    >>> format_number(12345.678, "es")
    '12\u202f300'
    >>> format_number(0.00331, "en")
    '0.00331'
    >>> format_number(999999.7, "en")
    '999,999.7'
    """
    if x == 0:
        return "0"
    # A value near a power of ten is never printed as that power unless it is one (999,999.7
    # as "1,000,000", 9.996 as "10.0", an LR of 0.01004 as "0.0100"): the verbal scale
    # changes level there. More digits are shown instead.
    decade = math.floor(math.log10(abs(x)))
    if 10.0 ** decade > abs(x):          # log10 rounded up to the integer above
        decade -= 1
    elif 10.0 ** (decade + 1) <= abs(x):
        decade += 1
    for digits in range(significant, 10):   # at most 9: closer than that is float noise
        places = digits - 1 - decade
        shown = abs(round(x, places))
        if shown == abs(x) or 10.0 ** decade < shown < 10.0 ** (decade + 1):
            text = f"{round(x, places):.{max(0, places)}f}"
            break
    else:
        # Float noise: 999.9999999999991 (an LR whose log10 is one ulp below 3) rounds to
        # 1000 at any precision shown, while its verbal level is the one below (an outside
        # check, 2026-12-07). Nine digits rounded towards the inside of the decade instead.
        from decimal import ROUND_DOWN, ROUND_UP, Decimal

        inward = ROUND_DOWN if shown >= 10.0 ** (decade + 1) else ROUND_UP
        text = format(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=inward),
                      "f")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    thousands, decimal = ("\u202f" if language == "es" else ","), decimal_mark(language)
    whole = _group(whole, thousands)
    return sign + whole + (decimal + frac if frac else "")


def format_lr(log10_lr: float, language: str) -> Any:
    """An LR given as log10, for reading: a plain number from 10^-4 to 10^6, else
    ``2,1 × 10²⁴`` (as HTML with ``<sup>``); ``0`` for an exclusion, ``∞`` for infinity.

    Examples
    --------
    >>> str(format_lr(24.3255, "es"))
    '2,1 × 10<sup>24</sup>'
    >>> str(format_lr(2.0, "en"))
    '100'
    """
    from markupsafe import Markup

    if log10_lr == -math.inf:
        return Markup("0")
    if log10_lr == math.inf:
        return Markup("∞")
    if -4 <= log10_lr < 6:
        x = 10.0 ** log10_lr
        power = round(log10_lr)
        if log10_lr != power and x == 10.0 ** power:
            # the power itself for a log10 an ulp away: the level is the other side's
            x = math.nextafter(x, 0.0 if log10_lr < power else math.inf)
        return Markup(format_number(x, language))
    m, exponent = _mantissa(log10_lr)
    m = with_decimal_mark(m, language)
    return Markup(f"{m} × 10<sup>{exponent}</sup>")


def _mantissa(log10_lr: float) -> tuple[str, int]:
    """The mantissa (one decimal) and exponent of an LR printed as ``m × 10^e``; more
    decimals when one would print the power of ten itself at a level boundary the LR is not
    on (log10 -5.99999 printed "1.0 × 10⁻⁶", the power where "extremely strong" begins,
    beside "very strong": an outside check, 2026-12-07)."""
    from decimal import ROUND_DOWN, ROUND_UP, Decimal

    from forensic_match.reports.verbal import verbal_level

    exponent = math.floor(log10_lr)
    mantissa = 10.0 ** (log10_lr - exponent)
    level = verbal_level(log10_lr)
    for decimals in range(1, 9):
        m, e = round(mantissa, decimals), exponent
        if m >= 10.0:
            m, e = 1.0, e + 1
        if m != 1.0 or log10_lr == e or verbal_level(float(e)) == level:
            return f"{m:.{decimals}f}", e
    # float noise: eight decimals rounded towards the LR, away from the power
    if m == 1.0 and e > exponent or mantissa >= 10.0:
        low = Decimal(repr(math.nextafter(min(mantissa, 10.0), 0.0)))
        return format(low.quantize(Decimal("1e-8"), rounding=ROUND_DOWN), "f"), exponent
    high = Decimal(repr(math.nextafter(max(mantissa, 1.0), 2.0)))
    return format(high.quantize(Decimal("1e-8"), rounding=ROUND_UP), "f"), exponent


def format_log10(x: float | None, language: str) -> str:
    """log10 LR with two decimals (``-∞`` for an exclusion)."""
    if x is None:
        return ""
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return with_decimal_mark(f"{x:.2f}".replace("-", "−"), language)


def format_probability(p: float, language: str) -> str:
    """A probability as a percentage, truncated on its decimal digits (never rounded up), and
    never 100 %: a posterior that is 1 in floating point is printed "> 99.999999 %" (the
    model's posterior is never 1; the last digits are lost in the arithmetic).

    Examples
    --------
    >>> format_probability(0.9999999103841373, "es")
    '99,999991 %'
    >>> format_probability(0.999501, "en")
    '99.950100 %'
    >>> format_probability(1.0, "en")
    '> 99.999999 %'
    >>> format_probability(0.5, "en")
    '50.00 %'
    """
    from decimal import ROUND_DOWN, Decimal

    decimals = 6 if p >= 0.99 else 2
    step = Decimal(1).scaleb(-decimals)
    text = str((Decimal(repr(float(p))) * 100).quantize(step, rounding=ROUND_DOWN))
    if Decimal(text) >= 100:
        text = "> " + str(Decimal(100) - step)
    return with_decimal_mark(text, language) + " %"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _markers_of(run: dict[str, Any], markers: Sequence[Marker] | None
                ) -> list[Marker]:
    if markers is not None:
        return list(markers)
    from forensic_match.cases import load_case

    path = (run.get("inputs") or {}).get("dataset", {}).get("path")
    if not path:
        raise InputError(f"run {run['run_id']}: it records no dataset file to read its "
                         f"markers from (a run on the laboratory's tables?); give the markers "
                         f"(forensic-match store report: --config, --frequencies, --mutation "
                         f"as given to the run, or --markers DATASET.json; in Python: "
                         f"render_report(..., markers=dataset.markers), or record the file "
                         f"with run_store(..., dataset_path=PATH))")
    if not Path(path).is_file():
        raise InputError(f"run {run['run_id']}: its dataset file {path!r} is gone; give the "
                         f"markers (a dataset file with the run's frequency table)")
    return list(load_case(path).markers)


def _rule_words(rule: str, t: Callable[..., Any]) -> str:
    """The decision rule of a proposal (``identify``'s ``rule`` column) in the report's
    language; a rule this version does not know is shown as stored."""
    base = rule.removesuffix(" after conditioning")
    try:
        words = t(f"rule_{base}")
    except KeyError:
        return rule
    return t("rule_conditioned", rule=words) if base != rule else words


def _conditioning_items(rows: list[dict[str, Any]], who: Callable[[str], str],
                        t: Callable[..., Any], language: str) -> list[dict[str, Any]]:
    """The identifications a proposal's LR was conditioned on (``store/conditioning.py``),
    each with its proposal's state and whether it is still open (it does not stand:
    :func:`~forensic_match.store.conditioning.stands`)."""
    out = []
    for c in rows:
        state = t(f"state_{c['state']}") if c["state"] is not None else "–"
        if c["needs_review"]:
            state = t("conditioning_state_flagged", state=state)
        item = {"id": c["conditioning_proposal_id"], "pm": c["pm"],
                "missing": who(c["missing"]), "state": state,
                "state_key": c["state"] or "",
                "open": not c["stands"],
                "log10": "" if c["log10_lr"] is None
                else format_log10(float(c["log10_lr"]), language)}
        item["text"] = t("conditioning_item", pm=item["pm"], missing=item["missing"],
                         id=item["id"], state=state)
        out.append(item)
    return out


def report_context(store: Any, proposal_id: int, *, language: str = "es",
                   identities: bool = False, markers: Sequence[Marker] | None = None
                   ) -> dict[str, Any]:
    """Everything the report template shows, as plain values (see :func:`render_report`)."""
    import sqlalchemy as sa
    from markupsafe import Markup

    from forensic_match import __version__
    from forensic_match.dvi.closed_list import read_closed_list_caution
    from forensic_match.reports.data import read_proposal, run_panel
    from forensic_match.reports.pedigree_svg import pedigree_svg
    from forensic_match.reports.recompute import MarkerLRs, body_marker_lrs, direct_marker_lrs
    from forensic_match.reports.relations import relationship_words
    from forensic_match.reports.stored_text import (
        closed_list_relatives,
        english,
        evidence_not_weighed,
        evidence_pieces,
        family_candidates,
        flag_reason,
    )
    from forensic_match.reports.verbal import verbal_level
    from forensic_match.store import schema
    from forensic_match.store.audit import canonical_json
    from forensic_match.store.conditioning import conditioning_of
    from forensic_match.store.configuration import lr_configuration
    from forensic_match.store.review import body_notes, list_proposals, rejections

    check_language(language)
    t = translator(language)
    with store.reading() as conn:
        run_row = conn.execute(sa.select(schema.runs).join(
            schema.proposals, schema.proposals.c.run_id == schema.runs.c.run_id).where(
            schema.proposals.c.proposal_id == proposal_id)).mappings().first()
        if run_row is None:
            raise InputError(f"no proposal {proposal_id} in the store")
        run = dict(run_row) | {"inputs": json.loads(run_row["inputs"])}
        marker_list = _markers_of(run, markers)
        data = read_proposal(conn, proposal_id, marker_list, identities=identities)
        panel = run_panel(conn, marker_list, data.run)
        ev = conn.execute(sa.select(schema.proposal_evidence).where(
            schema.proposal_evidence.c.proposal_id == proposal_id)).mappings().first()
        lin = schema.proposal_lineage
        lineage_rows = [dict(r) for r in conn.execute(sa.select(lin).where(
            lin.c.proposal_id == proposal_id).order_by(lin.c.line.desc())).mappings()]
        snp_row = conn.execute(sa.select(schema.proposal_snp).where(
            schema.proposal_snp.c.proposal_id == proposal_id)).mappings().first()
        pr = schema.proposals
        newer = [dict(r) for r in conn.execute(sa.select(pr.c.proposal_id, pr.c.state, pr.c.pm)
                 .where(pr.c.family_id == data.proposal["family_id"],
                        pr.c.missing == data.proposal["missing"],
                        pr.c.proposal_id > proposal_id)
                 .order_by(pr.c.proposal_id)).mappings()]
        # Earlier proposals of the same person that were rejected, with the rejection's
        # reason: a pair proposed again on later data showed no trace of it (an outside
        # check, 2026-12-06).
        rv = schema.reviews
        rejected_before = [dict(r) for r in conn.execute(
            sa.select(pr.c.proposal_id, pr.c.pm, rv.c.reason, rv.c.at)
            .join(rv, rv.c.proposal_id == pr.c.proposal_id)
            .where(pr.c.family_id == data.proposal["family_id"],
                   pr.c.missing == data.proposal["missing"],
                   pr.c.proposal_id < proposal_id, pr.c.state == "rejected",
                   rv.c.action == "reject")
            .order_by(pr.c.proposal_id, rv.c.review_id)).mappings()]
        # this proposal's and the earlier ones' rejections, not the whole store's
        rejects = rejections(conn, [proposal_id] + [r["proposal_id"] for r in rejected_before])
        newest = None if newer else _newest_run_on(conn, data.proposal)
        conditioning_rows = conditioning_of(conn, proposal_id)
        # one body, one person: what blocks this proposal's approval, what its approval
        # supersedes, what superseded it (an outside check, 2026-12-08: a whole body's report
        # said only "awaiting approval" while the approval of its first fragment blocked it)
        body = body_notes(list_proposals(conn)).get(proposal_id, [])
    p = data.proposal
    missing = p["missing"]
    fam = data.family
    # the options in force for the run (its recorded defaults filled in), as the store
    # compares configurations
    recorded = lr_configuration(data.run["config"], "")
    theta = recorded["theta"]
    direct = p["rule"] == "direct reference"
    if direct and missing in fam.references:
        lrs = direct_marker_lrs(fam.references[missing], data.fragments, panel, theta=theta)
    elif direct:
        lrs = MarkerLRs([m.name for m in panel], [None] * len(panel),
                        [""] * len(panel), "", note="direct reference not stored")
    else:
        lrs = body_marker_lrs(fam, missing, data.fragments, panel, theta=theta)
    # a round-1 proposal of a family with a direct match is conditioned too (its rule does
    # not say so): the recorded rows decide
    conditioned = p["rule"].endswith("after conditioning") or bool(conditioning_rows)
    # With AM/PM evidence the proposal's LR is DNA x evidence: the DNA part is shown and
    # checked against the markers, the evidence part beside it.
    stored = float(ev["dna_log10_lr"]) if ev is not None else float(p["log10_lr"])
    # With lineage markers the DNA LR is autosomal x Y x mtDNA: the markers' table (autosomal)
    # is checked against the autosomal part, the lineage lines are shown in their section.
    lineage_log10 = sum(float(r["log10_lr"]) for r in lineage_rows)
    # With linked SNPs the SNP part adds too: the markers' table holds the STR markers only.
    snp_log10 = 0.0 if snp_row is None else float(snp_row["log10_lr"])
    autosomal = stored - lineage_log10 - snp_log10
    unweighed = None if ev is None else evidence_not_weighed(ev["pieces"])
    evidence_lr = None if ev is None else {
        "unweighed": unweighed,
        "lr": format_lr(float(ev["evidence_log10_lr"]), language),
        "pieces": evidence_pieces(ev["pieces"], language),
        "combined": format_lr(float(p["log10_lr"]), language),
        "place_prior": None if ev["place_prior"] is None
        else format_number(float(ev["place_prior"]), language)}
    level, supports = verbal_level(stored)
    names = {k: v["name"] for k, v in data.identities.items()} if identities else {}

    def who(ident: str) -> str:
        return f"{names[ident]} ({ident})" if ident in names else ident

    conditioning = _conditioning_items(conditioning_rows, who, t, language)
    rows = []
    for name, value, seen in zip(lrs.markers, lrs.log10_lr, lrs.observed):
        rows.append({"marker": name, "observed": seen, "typed": value is not None,
                     "lr": format_lr(value, language) if value is not None else "",
                     "log10": format_log10(value, language),
                     "log10_raw": repr(value) if value is not None else ""})
    persons = []
    for ident, _f, _m, sex in fam.pedigree.records():
        role = ("role_missing" if ident == missing else
                "role_missing_other" if ident in fam.missing else
                "role_typed" if ident in fam.genotypes else "role_untyped")
        persons.append({"id": ident, "label": who(ident), "sex": t(f"sex_{sex}"),
                        "relation": relationship_words(fam.pedigree, ident, missing, language),
                        "role": t(role), "markers": len(fam.genotypes.get(ident, {}))})
    typed = sorted(fam.genotypes)
    columns = [f.id for f in data.fragments] + [
        f"{ident} ({relationship_words(fam.pedigree, ident, missing, language)})"
        for ident in typed]
    profiles = [f.genotypes for f in data.fragments] + [fam.genotypes[i] for i in typed]
    if direct and missing in fam.references:
        columns.insert(len(data.fragments), str(t("col_reference", missing=who(missing))))
        profiles.insert(len(data.fragments), fam.references[missing])
    annex = [{"marker": m.name,
              "cells": ["/".join(a or "?" for a in g) if (g := prof.get(m.name)) else "–"
                        for prof in profiles]}
             for m in panel]
    if lineage_rows:
        annex += _lineage_annex(data.fragments, fam, typed)
    pm_label = " + ".join(f.id for f in data.fragments)
    svg = pedigree_svg(fam.pedigree, typed=sorted(fam.genotypes), missing=missing,
                       other_missing=[m for m in fam.missing if m != missing],
                       remains=pm_label, labels=names,
                       words=lambda key: str(t(key)))
    checks = _reference_checks(fam, panel, theta, who, t, language)
    am_info = fam.info.get(missing) or {}
    names_of = FIELDS[language]

    def field(key: str) -> str:
        return f"{names_of[key]} ({key})" if key in names_of else key

    def value(v: Any) -> str:
        return recorded_value(v, language)

    pm_info = []
    for f in data.fragments:
        items = [(str(t("field_sex")), str(t(f"sex_{f.sex}")))]
        if f.site:
            items.append((str(t("field_site")), f.site))
        items.append((str(t("field_dropout")), format_number(f.dropout, language)
                      if f.dropout else "0"))
        items += [(field(k), value(v)) for k, v in sorted(f.info.items())]
        pm_info.append({"id": f.id, "items": items})
    diff = None if lrs.note else abs(lrs.log10_total - autosomal)
    config = data.run["config"]
    options = recorded["options"]
    relatives_weight = 0.0 if options.get("closed") else float(options.get("relatives", 1.0))
    # a closed list's caution was in the quoted English reason only (an outside check,
    # 2026-12-08: a wrong body's report read as certain in Spanish)
    caution = read_closed_list_caution(p["engine_reason"])
    closed_caution = None if caution is None else {
        "ratio": format_number(caution.ratio, language),
        "relatives": closed_list_relatives(caution.relatives, language),
        "who": closed_list_relatives(caution.relatives, language, ratios=False)}
    lineage = None
    if lineage_rows:
        lineage = {
            "lines": [_lineage_line(r, t, language, pm_label=" + ".join(
                f.id for f in data.fragments), missing=who(missing), missing_id=missing,
                family=fam)
                for r in lineage_rows],
            "lr": format_lr(lineage_log10, language),
            "autosomal": format_lr(autosomal, language),
            "total": format_lr(stored, language),
            "kin": _counted(float(config.get("lineage", {}).get("kin", 1.0)), "n_missing", t,
                            language),
            "provenance": _lineage_provenance(config.get("lineage") or {}, t)}
    snp = None if snp_row is None else {
        "lr": format_lr(snp_log10, language), "log10": format_log10(snp_log10, language),
        "method": snp_row["method"], "n_references": snp_row["n_references"],
        "refs": _counted(snp_row["n_references"], "n_snp_refs", t, language),
        "reference": snp_row["best_reference"] or "–",
        "relationship": snp_row["relationship"] or "–",
        "str": format_lr(stored - snp_log10, language), "total": format_lr(stored, language),
        "fst": _plain_number(float((config.get("snp") or {}).get("options", {}).get(
            "fst", 0.0)), language),
        "panel": ((config.get("snp") or {}).get("panel") or {}).get("sha256", "")[:16]}
    return {
        "lang": language, "t": t, "version": __version__, "generated": _now(),
        "proposal": p, "state": t(f"state_{p['state']}"),
        "approved": p["state"] == "approved", "rejected": p["state"] == "rejected",
        "superseded": None if p["state"] != "superseded" else next(
            (n for n in body if n["kind"] == "superseded_by"), {"id": None}),
        "body": [n | {"state_text": t(f"state_{n['state']}")} for n in body
                 if n["kind"] != "superseded_by"],
        "flagged": bool(p["needs_review"]),
        "flag_reason": flag_reason(p["stale_reason"], language),
        # a rejected proposal's flag: the one it was rejected on, or one raised after its
        # rejection, which stands (an outside check, 2026-12-07: "rejected" beside "must be
        # reviewed again before any decision")
        "rejection": None if p["state"] != "rejected" else rejects[proposal_id] | {
            "flag_text": flag_reason(rejects[proposal_id]["flag"], language),
            "after_text": flag_reason(rejects[proposal_id]["flagged_after"], language)},
        "decided_over_flag": _decided_over_flag(p, data.reviews, language),
        "newer": [{"id": r["proposal_id"], "state": t(f"state_{r['state']}"), "pm": r["pm"]}
                  for r in newer],
        "newest": None if newest is None else {
            "kind": newest["kind"],
            "text": t(f"newest_{newest['kind']}", run=newest["run"],
                      date=newest["date"], family=newest.get("family", ""),
                      missing=newest.get("missing", ""), id=newest.get("id", ""),
                      candidates=family_candidates(newest.get("candidates", ""), language),
                      reason=english(newest.get("reason", ""), language),
                      posterior=_plain_number(newest.get("posterior", 0.0), language))},
        "rejected_before": list({r["proposal_id"]: {
            "id": r["proposal_id"], "pm": r["pm"], "reason": r["reason"],
            "date": r["at"][:10],
            "flag": flag_reason(rejects[r["proposal_id"]]["flag"], language)
            if rejects[r["proposal_id"]]["on_flag"] else None}
            for r in rejected_before}.values()),
        "missing": who(missing), "missing_id": missing, "family": fam.id, "pm": pm_label,
        "n_relatives": len(fam.genotypes), "direct": direct,
        "relatives_weighed": relatives_weight > 0,
        "relatives_weight": _plain_number(relatives_weight, language),
        "closed_caution": closed_caution,
        "lr_text": format_lr(abs(stored), language), "lr_total": format_lr(stored, language),
        "log10_total": format_log10(stored, language), "log10_raw": repr(stored),
        "level": t(f"level_{level}"), "level_key": level, "supports": supports,
        "neutral": level == "neutral",
        "rows": rows, "recomputed": lrs, "n_typed": lrs.n_typed,
        "annex_columns": columns, "annex": annex,
        "recomputed_total": format_log10(lrs.log10_total, language),
        "stored_total": format_log10(autosomal, language),
        "lineage": lineage, "snp": snp,
        "differs": diff is not None and diff > AGREEMENT_LOG10 and not conditioned,
        "conditioned": conditioned, "conditioning": conditioning,
        "conditioning_text": Markup("; ").join(c["text"] for c in conditioning),
        "conditioning_open": Markup("; ").join(c["text"] for c in conditioning if c["open"]),
        "diff": format_log10(diff, language) if diff is not None else "",
        "method": t(f"method_{lrs.method}") if lrs.method else "",
        "svg": svg, "persons": persons, "identities": identities, "checks": checks,
        # a codes-only report shows the record fields it knows (docs/evidence.md) and
        # counts the others: a field of no known name may hold a name or a document number
        # ("apellido paterno", "N° DNI" were printed: an outside check, 2026-12-07)
        "am_info": [(field(k), value(v)) for k, v in sorted(am_info.items())
                    if identities or k in names_of],
        "am_hidden": 0 if identities else sum(1 for k in am_info if k not in names_of),
        "pm_info": pm_info,
        "show_evidence": bool(am_info) or evidence_lr is not None or any(
            f.info or f.sex in "MF" or f.site for f in data.fragments),
        "evidence_lr": evidence_lr,
        "evidence_used": evidence_lr is not None or recorded["evidence"] is not None,
        "posterior": format_probability(float(p["posterior"]), language),
        "prior": (format_number(data.prior, language) if data.prior is not None
                  else None),
        "rule": _rule_words(p["rule"], t), "reason": english(p["engine_reason"], language),
        "reviews": [r | {"reason": flag_reason(r["reason"], language)}
                    if r["action"] == "flag" else r for r in data.reviews],
        "theta": format_number(theta, language) if theta else "0",
        "dropout": any(f.dropout > 0 for f in data.fragments),
        "run": data.run, "config_json": canonical_json(config),
        "table": _table_words(config, data.run, t),
        "mutation": _mutation_words(panel, t, language),
        "basis": data.basis, "family_version": data.family_version,
        # the catalogue's text, not t()'s: CSS escapes it, not HTML
        "page_head": css_string(_catalogue(language)["page_head"].format(
            id=p["proposal_id"], family=fam.id, run=data.run["run_id"])),
        "page_foot": css_string(_catalogue(language)["page_foot"].format(date=_now()[:10])),
        "page_number": page_counter(_catalogue(language)["page_of"]),
    }


def _table_words(config: dict[str, Any], run: dict[str, Any], t: Callable[..., Any]) -> str:
    """The frequency table a run used, in words: its name as the run records it, else the
    dataset file whose table it was."""
    name = config.get("frequencies")
    if name:
        return str(name)
    dataset = (run.get("inputs") or {}).get("dataset") or {}
    return str(t("prov_table_dataset", path=dataset.get("path") or dataset.get("id") or "–"))


def _mutation_words(panel: Sequence[Marker], t: Callable[..., Any], language: str
                    ) -> list[str]:
    """The run's mutation models, one line per distinct (female, male) pair of models, with
    the markers that have it, in the report's language (the model's name beside its words
    in Spanish, numbers with a decimal comma)."""
    def model(m: Any) -> str:
        name = str(t(f"mutation_{m.model}")) if f"mutation_{m.model}" in \
            _catalogue(language) else m.model
        # in Spanish, the model's name in the configuration beside its words
        said = [] if language == "en" else [f"«{m.model}»"]
        if m.model != "custom":
            said.append(f"{t('mutation_rate')} {_plain_number(m.rate, language)}")
        if m.model == "stepwise":
            said += [f"{t('mutation_range')} {_plain_number(m.range, language)}",
                     f"{t('mutation_rate2')} {_plain_number(m.rate2, language)}"]
        return f"{name} ({', '.join(said)})" if said else name

    groups: dict[str, list[str]] = {}
    for marker in panel:
        mut = marker.mutation
        words = str(t("prov_mutation_none")) if mut is None else \
            f"♀ {model(mut.female)}; ♂ {model(mut.male)}"
        groups.setdefault(words, []).append(marker.name)
    return [f"{words}: {', '.join(names)}" if len(groups) > 1 else words
            for words, names in groups.items()]


def _newest_run_on(conn: Any, proposal: dict[str, Any]) -> dict[str, Any] | None:
    """What the newest finished run did with the proposal's body instead of proposing its
    pair, when that run is not the proposal's own and made no later proposal of the pair
    (named apart): it proposed the body as another person, placed it in a family without
    saying who, or held a pair of it back. ``None`` when it did none of these: a run keeps no
    row for a pair it proposes again, so that it may have is all the store can say. An
    approved report whose newest run placed its body at family level said only that it was
    flagged (an outside check, 2026-12-07)."""
    import sqlalchemy as sa

    from forensic_match.store import schema
    from forensic_match.store.records import family_level_rows
    from forensic_match.store.runs import latest_finished_run

    latest = latest_finished_run(conn)
    if latest is None or latest == proposal["run_id"]:
        return None
    r = schema.runs
    finished = conn.execute(sa.select(r.c.finished_at).where(r.c.run_id == latest)).scalar()
    out: dict[str, Any] = {"run": latest, "date": (finished or "")[:10]}
    samples = set(proposal["pm"].split(","))
    pr = schema.proposals
    for row in conn.execute(sa.select(pr.c.proposal_id, pr.c.pm, pr.c.family_id, pr.c.missing)
                            .where(pr.c.run_id == latest)).mappings():
        if samples & set(row["pm"].split(",")):
            return out | {"kind": "other", "id": row["proposal_id"],
                          "family": row["family_id"], "missing": row["missing"]}
    placed = family_level_rows(conn, samples, run_id=latest)
    if placed:
        return out | {"kind": "family_level", "family": placed[0]["family_id"],
                      "candidates": placed[0]["candidates"],
                      "posterior": placed[0]["posterior"]}
    held = schema.run_held
    for row in conn.execute(sa.select(held).where(held.c.run_id == latest, held.c.pm.in_(
            samples)).order_by(held.c.seq)).mappings():
        return out | {"kind": "held", "family": row["family_id"],
                      "missing": row["missing"] or "", "reason": row["reason"]}
    # (a run keeps no row for a pair it proposes again: it may have, so nothing is said)
    return None


def _decided_over_flag(proposal: Mapping[str, Any], reviews: Sequence[Mapping[str, Any]],
                       language: str) -> dict[str, Any] | None:
    """The last re-review flag of a proposal approved after it and no longer flagged, for the
    header: a reviewer may approve again a pair a later run did not
    propose, and the report then showed the first run's posterior with no word of it (an
    outside check, 2026-12-07)."""
    if proposal["needs_review"] or proposal["state"] != "approved":
        return None
    last_flag = None
    decided_after = False
    for r in reviews:
        if r["action"] == "flag":
            last_flag, decided_after = r, False
        elif r["action"] == "approve" and last_flag is not None:
            decided_after = True
    if last_flag is None or not decided_after:
        return None
    from forensic_match.reports.stored_text import flag_reason

    return {"at": str(last_flag["at"])[:16].replace("T", " "),
            "reason": flag_reason(str(last_flag.get("reason") or ""), language)}


#: The report's message key of each verdict of the family check.
_VERDICT_KEYS = {"consistent": "consistent", "questionable": "questionable",
                 "contradicted": "contradicted", "identical profiles": "identical",
                 "no shared markers": "no_shared"}


def _reference_checks(family: Any, panel: Sequence[Marker], theta: float,
                      who: Callable[[str], str], t: Callable[..., Any], language: str
                      ) -> dict[str, Any]:
    """The family check of the report's family, recomputed from the data versions the
    proposal rests on (:func:`~forensic_match.dvi.family_check.check_family`, the run's
    markers and theta): one row per pair of typed members, and whether any pair is flagged
    (questionable, contradicted or identical)."""
    from forensic_match.dvi.family_check import check_family
    from forensic_match.reports.relations import relationship, relationship_words

    rows = []
    for r in check_family(family, panel, theta=theta):
        key = _VERDICT_KEYS[r["verdict"]]
        stated = r["relationship"] != "unrelated"
        if key == "consistent" and stated and r["log10_lr"] < 0:
            # within the check's 1/100 but below 1: "agrees" read as a confirmation (an
            # outside check, 2026-12-07)
            key = "weak"
        rows.append({
            "pair": f"{who(r['first'])} – {who(r['second'])}",
            # a pair the pedigree declares unrelated was "another relative" (an outside
            # check, 2026-12-07); partners keep their word
            "relation": t("relation_unrelated") if not stated and relationship(
                family.pedigree, r["second"], r["first"]) == "other" else
            relationship_words(family.pedigree, r["second"], r["first"], language),
            "markers": r["n_markers"],
            "lr": format_lr(r["log10_lr"], language) if stated else "–",
            "log10_raw": repr(r["log10_lr"]) if stated else "",
            "exclusions": r["exclusions"].replace(",", ", "),
            "verdict": t(f"check_{key}"), "verdict_key": key})
    return {"rows": rows,
            "flagged": any(r["verdict_key"] in ("questionable", "contradicted", "identical")
                           for r in rows)}


def _lineage_line(row: dict[str, Any], t: Callable[..., Any], language: str, *, pm_label: str,
                  missing: str, missing_id: str, family: Any) -> dict[str, Any]:
    """One stored lineage line (``proposal_lineage``) for the report: propositions in the
    report's language, the engine's own wording, reference, meioses, database and method."""
    from forensic_match.reports.relations import relationship_words
    from forensic_match.reports.stored_text import english

    detail = json.loads(row["detail"])
    line = row["line"]
    relation = relationship_words(family.pedigree, row["reference"], missing_id, language)
    method = row["method"]
    return {
        "line": line, "title": t(f"lineage_line_{line}"),
        "h1": t("lineage_h1", pm=pm_label, missing=missing, reference=row["reference"],
                relation=relation, meioses=_counted(row["meioses"], "n_steps", t, language)),
        "h2": t(f"lineage_h2_{line}", pm=pm_label, database=row["database"],
                reference=row["reference"]),
        "engine_text": t("lineage_engine_text",
                         text=english(detail.get("hypotheses", ""), language)),
        "reference": f"{row['reference']} ({relation})", "meioses": row["meioses"],
        "database": row["database"],
        "method": t(f"lineage_method_{method}") if f"lineage_method_{method}" in
        _catalogue(language) else method,
        "frequency": format_number(float(row["frequency"]), language),
        "lr": format_lr(float(row["log10_lr"]), language),
        "log10": format_log10(float(row["log10_lr"]), language),
        "log10_raw": repr(float(row["log10_lr"]))}


def _lineage_annex(fragments: Sequence[Any], family: Any, typed: Sequence[str]
                   ) -> list[dict[str, Any]]:
    """Annex rows of the lineage data, in the annex's columns (the PM fragments, then the
    typed relatives): one row per Y-STR locus (alleles joined by "/", "null" for a null
    allele) and one for the mitotype (variants against rCRS and the read ranges)."""
    import warnings

    from forensic_match.errors import LineageMarkerWarning
    from forensic_match.lineage.data import (
        family_mitotypes,
        family_y_haplotypes,
        pm_mitotype,
        pm_y_haplotype,
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineageMarkerWarning)  # warned when the run read them
        fam_y, fam_mt = family_y_haplotypes(family), family_mitotypes(family)
        ys = [pm_y_haplotype(f) for f in fragments] + [fam_y.get(i) for i in typed]
        mts = [pm_mitotype(f) for f in fragments] + [fam_mt.get(i) for i in typed]
    rows = []
    for locus in sorted({k for h in ys if h for k in h}):
        rows.append({"marker": f"Y {locus}", "cells": [
            "–" if h is None or locus not in h else "/".join(h[locus]) or "null"
            for h in ys]})
    if any(m is not None for m in mts):
        rows.append({"marker": "mtDNA", "cells": [
            "–" if m is None else " ".join(m.notation() or ["rCRS"]) + " ["
            + ", ".join(f"{a}-{b}" for a, b in m.ranges) + "]" for m in mts]})
    return rows


def _lineage_provenance(recorded: dict[str, Any], t: Callable[..., Any]) -> list[str]:
    """The run's recorded lineage databases and methods, one line each (names, method codes
    and hashes as recorded, ``runs.config["lineage"]``, in the report's words)."""
    out = []
    for key, line, size, method in (("y_database", "Y", "haplotypes", "y_method"),
                                    ("mt_database", "mtDNA", "mitotypes", "mt_method")):
        db = recorded.get(key)
        if db:
            words = t("lineage_prov_db", line=line, name=db["name"], n=db[size],
                      what=t(f"lineage_prov_{size}"), method=recorded.get(method))
            out.append(f"{words} · {db['sha256']}")
    panel = recorded.get("y_markers")
    if panel:
        out.append(f"{t('lineage_prov_panel', n=len(panel['loci']))} · {panel['sha256']}")
    return out


def _counted(n: float, key: str, t: Callable[..., Any], language: str) -> Any:
    """``n`` things in words, singular for exactly one (``key_one``) and plural otherwise:
    "(s)" plurals read aloud badly ("2 paso(s) de padre o madre a hijo": an outside check,
    2026-12-07)."""
    return t(f"{key}_one" if n == 1 else key, n=_plain_number(float(n), language))


def _plain_number(x: float, language: str) -> str:
    """``x`` as written in a configuration (``1``, ``0.5``; ``0,5`` in Spanish)."""
    return with_decimal_mark(f"{x:g}", language)


def css_string(text: str) -> Any:
    r"""``text`` as a CSS string (``"..."``) that is safe inside a ``<style>`` element:
    quotes, backslashes, line breaks and ``<>&`` written as CSS escapes.

    Examples
    --------
    >>> print(css_string('Propuesta n.º 3 "x" </style>'))
    "Propuesta n.º 3 \22 x\22  \3c /style\3e "
    """
    from markupsafe import Markup

    def escape(c: str) -> str:
        return f"\\{ord(c):x} " if c in '"\\<>&\n\r' else c

    return Markup('"' + "".join(escape(c) for c in text) + '"')


def page_counter(template: str) -> Any:
    """A message with ``{page}`` and ``{pages}`` ("página {page} de {pages}") as CSS
    content: strings and ``counter(page)``, ``counter(pages)``."""
    from markupsafe import Markup

    parts = re.split(r"(\{pages?\})", template)
    said = [Markup("counter({})").format(x[1:-1]) if x in ("{page}", "{pages}")
            else css_string(x) for x in parts if x]
    return Markup(" ").join(said)


def _catalogue(language: str) -> dict[str, str]:
    return MESSAGES[check_language(language)]


def render_report(store: Any, proposal_id: int, language: str = "es", identities: bool = False,
                  *, markers: Sequence[Marker] | None = None) -> str:
    """The print-ready HTML report of one proposed identification.

    It shows the two propositions, the total LR with its verbal equivalent (ENFSI 2015) and
    the LR per marker (recomputed with the exact engine from the data versions the proposal
    rests on, beside the stored total), the pedigree drawn with who was typed, the non-DNA
    records when present, the posterior and its prior, the review history, the limitations
    and the provenance (software version, run id, configuration and frequency table hashes).

    Parameters
    ----------
    store : CaseStore
    proposal_id : int
    language : {"es", "en"}
    identities : bool
        Put the names of the store's ``identities`` table into the report (default: codes
        only).
    markers : sequence of Marker, optional
        The run's markers (frequency table and mutation models); by default read from the
        dataset file the run records. They must have the run's ``frequencies_sha256``.

    Returns
    -------
    str
        One self-contained HTML page (inline CSS and SVG).

    Raises
    ------
    InputError
        Unknown proposal or language; markers that are not the run's (or not found).

    Examples
    --------
    >>> with CaseStore("cases.db") as store:                            # doctest: +SKIP
    ...     html = render_report(store, 1, language="en")
    """
    ctx = report_context(store, proposal_id, language=language, identities=identities,
                         markers=markers)
    return _env().get_template("report.html").render(**ctx)


def dashboard_context(store: Any, *, language: str = "es") -> dict[str, Any]:
    """Everything the dashboard template shows (see :func:`render_dashboard`)."""
    import sqlalchemy as sa

    from forensic_match import __version__
    from forensic_match.dvi.closed_list import read_closed_list_caution
    from forensic_match.reports.messages import RUN_COUNTS
    from forensic_match.reports.plots import lr_histograms
    from forensic_match.reports.stored_text import (
        closed_list_relatives,
        english,
        family_candidates,
        flag_reason,
    )
    from forensic_match.reports.verbal import verbal_level
    from forensic_match.store import schema
    from forensic_match.store.candidates import run_candidates
    from forensic_match.store.review import rejections
    from forensic_match.store.schema import STATES

    check_language(language)
    require_extra()
    t = translator(language)
    p, r = schema.proposals, schema.runs
    with store.reading() as conn:
        props = [dict(x) for x in conn.execute(sa.select(p).order_by(p.c.proposal_id))
                 .mappings()]
        # the DNA LR of evidence runs, which each report gives as its LR (an outside check,
        # 2026-12-07: 5 of 8 proposals showed DNA x evidence here, both called "LR")
        e = schema.proposal_evidence
        dna = dict(conn.execute(sa.select(e.c.proposal_id, e.c.dna_log10_lr)).all())
        rejects = rejections(conn)
        runs = [dict(x) for x in conn.execute(sa.select(
            r.c.run_id, r.c.status, r.c.started_at, r.c.finished_at, r.c.counts,
            r.c.software_version).order_by(r.c.started_at.desc())).mappings()]
        last = next((x["run_id"] for x in runs if x["status"] == "finished"), None)
        best = [row["log10_lr"] for row in run_candidates(conn, last, rank=1)["candidates"]] \
            if last else []
        w = schema.run_warnings
        n_warnings = dict(conn.execute(sa.select(w.c.run_id, sa.func.count())
                                       .group_by(w.c.run_id)).all())
        newest = runs[0]["run_id"] if runs else None
        warned, n_warned = _first_rows(conn, w, newest)
        held, n_held = _first_rows(conn, schema.run_held, last)
        placed, n_placed = _first_rows(conn, schema.run_family_level, last)
    counts = {s: sum(1 for x in props if x["state"] == s) for s in STATES}
    # a rejected proposal is done with, flag or not (an outside check, 2026-12-07: all 19
    # rows "waiting for review" were rejected ones still carrying their flags)
    flagged = sum(1 for x in props if x["needs_review"] and
                  x["state"] not in ("rejected", "superseded"))
    # earlier rejections of the same person, named beside a later proposal as its report
    # names them (an outside check, 2026-12-07: an empty warning column)
    rejected: dict[tuple[str, str], list[Any]] = {}
    for x in props:
        if x["state"] == "rejected":
            how = rejects[x["proposal_id"]]
            rejected.setdefault((x["family_id"], x["missing"]), []).append((
                x["proposal_id"], t("dash_rejected_before_flag" if how["on_flag"] else
                                    "dash_rejected_before", id=x["proposal_id"],
                                    date=str(how["at"] or "")[:10])))
    waiting = []
    for x in props:
        if x["state"] in ("pending", "reviewed") or (
                x["needs_review"] and x["state"] not in ("rejected", "superseded")):
            dna_log10 = float(dna.get(x["proposal_id"], x["log10_lr"]))
            level, supports = verbal_level(dna_log10)
            notes = [flag_reason(x["stale_reason"], language)] if x["needs_review"] else []
            notes += [words for i, words in rejected.get((x["family_id"], x["missing"]), [])
                      if i < x["proposal_id"]]
            caution = read_closed_list_caution(x["engine_reason"])
            if caution is not None:
                notes.append(t("dash_closed_caution", relatives=closed_list_relatives(
                    caution.relatives, language)))
            waiting.append(x | {"lr": format_lr(dna_log10, language),
                                "dna_log10_lr": dna_log10,
                                "combined": format_lr(x["log10_lr"], language)
                                if x["proposal_id"] in dna else "",
                                "level": t(f"level_{level}"),
                                "posterior_text": format_probability(x["posterior"], language),
                                "state_text": t(f"state_{x['state']}"), "notes": notes})
    # the DNA LR, as the waiting list, the reports and the candidates' plot beside it
    by_state = {s: [float(dna.get(x["proposal_id"], x["log10_lr"])) for x in props
                    if x["state"] == s] for s in STATES}
    plot = ""
    if props or best:
        plot = lr_histograms(by_state, best,
                             titles=(str(t("plot_proposals")),
                                     str(t("plot_candidates", run=last or "-"))),
                             xlabel=str(t("plot_x")), ylabel=str(t("plot_y")),
                             labels={s: str(t(f"state_{s}")) for s in STATES},
                             decimal=decimal_mark(language))
    return {"lang": language, "t": t, "version": __version__, "generated": _now(),
            "counts": [(s, t(f"state_{s}"), counts[s]) for s in STATES],
            "total": len(props), "flagged": flagged, "waiting": waiting,
            "combined": any(w["combined"] for w in waiting),
            "runs": [x | {"counts": _run_counts(x["counts"], RUN_COUNTS[language], language),
                          "status_text": t(f"run_status_{x['status']}")
                          if f"run_status_{x['status']}" in _catalogue(language)
                          else x["status"],
                          "warnings": n_warnings.get(x["run_id"], 0)} for x in runs[:10]],
            "warned_run": newest,
            "warned": [x | {"message": english(x["message"], language),
                            "kind": english(x["kind"], language)} for x in warned],
            "warnings_more": n_warned - len(warned),
            "held_run": last,
            "held": [x | {"reason": english(x["reason"], language)} for x in held],
            "held_more": n_held - len(held),
            "family_level": [x | {"posterior_text": format_probability(x["posterior"],
                                                                       language),
                                  "candidates": family_candidates(x["candidates"], language),
                                  "caution": english(x["caution"], language)
                                  if x["caution"] else ""}
                             for x in placed],
            "family_level_more": n_placed - len(placed),
            "plot": plot}


def _run_counts(text: str | None, names: Mapping[str, str], language: str) -> Any:
    """A run's counts (``runs.counts``) as "name number, ...", named in the page's language
    (a count of no known name by its key, as English)."""
    from markupsafe import Markup

    from forensic_match.reports.stored_text import english

    counts = json.loads(text) if text else {}
    return Markup(", ").join(
        Markup("{} {}").format(names[k] if k in names else english(k, language),
                               format_number(v, language) if isinstance(v, float) else v)
        for k, v in sorted(counts.items()))


def _first_rows(conn: Any, t: Any, run_id: str | None) -> tuple[list[dict[str, Any]], int]:
    """The first :data:`DASHBOARD_WARNINGS` rows of a table kept per run and numbered
    (``run_warnings``, ``run_held``, ``run_family_level``) for ``run_id``, and how many it
    has."""
    import sqlalchemy as sa

    if run_id is None:
        return [], 0
    rows = [dict(x) for x in conn.execute(sa.select(t).where(t.c.run_id == run_id)
                                          .order_by(t.c.seq).limit(DASHBOARD_WARNINGS))
            .mappings()]
    n = conn.execute(sa.select(sa.func.count()).select_from(t)
                     .where(t.c.run_id == run_id)).scalar_one()
    return rows, n


#: Warnings of the newest run, and rows held back or placed at family level by the last
#: finished run, listed on the dashboard (the rest are counted).
DASHBOARD_WARNINGS = 50


def render_dashboard(store: Any, language: str = "es") -> str:
    """The programme's dashboard page: proposals by state, those waiting for review, the
    last runs with their warnings (those of the newest run listed), what the last finished
    run held back and the bodies it placed at family level, and the distributions of the
    proposals' and candidates' log10 LR.

    Pseudonymous only: no name from the ``identities`` table ever appears on it.

    Parameters
    ----------
    store : CaseStore
    language : {"es", "en"}

    Returns
    -------
    str
        One self-contained HTML page.

    Examples
    --------
    >>> with CaseStore("cases.db") as store:                            # doctest: +SKIP
    ...     html = render_dashboard(store, language="en")
    """
    ctx = dashboard_context(store, language=language)
    return _env().get_template("dashboard.html").render(**ctx)
