"""Texts the store keeps in English, put into a page in the page's language.

The store keeps some texts as the program wrote them, in English: the reason a proposal was
flagged for re-review (``proposals.stale_reason`` and the audit log's ``flag_rereview``
entries), the evidence pieces of a pair (``proposal_evidence.pieces``), the candidates of a
body placed at family level (``run_family_level.candidates``). A Spanish page showed them as
stored (an outside check, 2026-12-07: "PM sample 'G1' withdrawn (version 1 -> 2) by lab:
recalled: contaminated extraction" in the header of a Spanish report read aloud to a family).

Their known forms are read here (regular expressions on the wording of
``forensic_match/store``) and said again in the page's language, with Spanish numbers; a
part of no known form is kept as stored inside ``<span lang="en">`` so that a screen reader
reads it as English. Words a person wrote (a withdrawal's reason, a reviewer's reason) are
quoted as written. An English page gets the stored text unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

#: A quoted id as ``repr`` writes it (``'G1'``; ``"O'Neil"``).
_ID = r"(?P<{}>'[^']*'|\"[^\"]*\")"


def english(text: str, language: str) -> Markup:
    """``text`` escaped; on a page not in English, inside ``<span lang="en">``.

    Examples
    --------
    >>> str(english("no longer weighed", "es"))
    '<span lang="en">no longer weighed</span>'
    >>> str(english("a < b", "en"))
    'a &lt; b'
    """
    if language == "en" or not text:
        return escape(text)
    return Markup('<span lang="en">{}</span>').format(text)


def _unquote(ref: str) -> str:
    return ref[1:-1]


def _of(words: str) -> str:
    """"de" before Spanish words with their article ("el perfil" -> "del perfil")."""
    return "del " + words[3:] if words.startswith("el ") else "de " + words


def _number(text: str, language: str) -> str:
    """A number as the program wrote it (``0.01``, ``1e+04``, ``True``), in the language's
    style; anything else as written."""
    from forensic_match.reports.render import format_number

    if language == "en":
        return text
    if text in _WORDS_ES:
        return _WORDS_ES[text]
    try:
        x = float(text)
    except ValueError:
        return text
    if x != x:
        return text
    if "e" in text.lower():
        return format_number(x, language)
    return text.replace(".", ",")


#: Python's words for a configuration value, in Spanish.
_WORDS_ES = {"True": "sí", "False": "no", "None": "ninguno"}

_ES_KIND = {"profile of sample": "el perfil de ADN de la muestra",
            "record of family": "el registro de la familia",
            "SNP calls of sample": "los SNP de la muestra",
            "SNP calls of": "los SNP de la muestra"}
_ES_LABEL = {"PM sample": "la muestra de restos", "relative sample": "la muestra del familiar",
             "reference sample": "la muestra de referencia", "family": "la familia"}
_KIND = "(?P<kind>profile of sample|record of family|SNP calls of sample|SNP calls of)"
_LABEL = "(?P<label>PM sample|relative sample|reference sample|family|\\w+ sample)"
_REVERTED = re.compile(
    r"version (?P<v>\d+) is the same data as version (?P<e>\d+), which version (?P<r>\d+) "
    r"replaced: an older file sent again undoes a correction \(a re-typing\)\? Send the "
    r"newest data again")
_CHANGED = re.compile(_KIND + " " + _ID.format("ref") + r" changed \(version (?P<a>\d+) -> "
                      r"(?P<b>\d+)\) (?:after this proposal|while run (?P<run>\S+) computed "
                      r"this proposal)(?:; (?P<rest>.*))?", re.S)
_WITHDRAWN = re.compile(_LABEL + " " + _ID.format("ref") + r" withdrawn \(version (?P<a>\d+) "
                        r"-> (?P<b>\d+)\) (?:by (?P<actor>[^:]+): (?P<why>.*)|while run "
                        r"(?P<run>\S+) computed this proposal)", re.S)
_RESTS_REVERTED = re.compile("rests on " + _KIND + " " + _ID.format("ref")
                             + r" version (?P<a>\d+): (?P<rest>.*)", re.S)
_RESTS_OLD = re.compile(r"rests on version (?P<a>\d+) of the " + _KIND + " "
                        + _ID.format("ref") + r", and version (?P<b>\d+) is stored: reject it "
                        r"\(the next run proposes the pair on the newest data if it holds\)")
_CONFIGURATION = re.compile(r"configuration changed after this proposal \(run (?P<a>\S+) -> "
                            r"run (?P<b>\S+)\): (?P<rest>.*)", re.S)
_HELD = re.compile(r"held back by run (?P<run>\S+): (?P<rest>.*)", re.S)
_UNPROPOSED = re.compile(r"not proposed again by run (?P<run>\S+): (?P<rest>.*)", re.S)
_CONDITIONING = re.compile(
    r"proposal (?P<pid>\d+), on which this proposal's LR was conditioned, was "
    r"(?P<done>rejected|reopened) by (?P<actor>.+?), and this proposal's LR was computed with "
    r"(?P<pm>\S+) as (?P<who>\S+) of (?P<f>\S+), a member of its family; reason given: "
    r"(?P<why>.*)", re.S)


def flag_reason(reason: str | None, language: str) -> Markup:
    """The reason a proposal was flagged for re-review, in the page's language.

    Examples
    --------
    >>> str(flag_reason("PM sample 'G1' withdrawn (version 1 -> 2) by lab: recalled", "es"))
    'la muestra de restos G1 fue retirada (versión 1 → 2) por lab, con el motivo «recalled»'
    >>> str(flag_reason("profile of sample 'F02/F02_SIS' changed (version 1 -> 2) after "
    ...                 "this proposal", "es"))
    'el perfil de ADN de la muestra F02/F02_SIS cambió (versión 1 → 2) después de esta propuesta'
    """
    text = reason or ""
    if language == "en":
        return escape(text)
    if (m := _CHANGED.fullmatch(text)) is not None:
        when = ("después de esta propuesta" if m["run"] is None else
                f"mientras la corrida {m['run']} calculaba esta propuesta")
        out = Markup("{} {} cambió (versión {} → {}) {}").format(
            _ES_KIND[m["kind"]], _unquote(m["ref"]), m["a"], m["b"], when)
        if m["rest"]:
            out += Markup("; ") + _reverted(m["rest"])
        return out
    if (m := _WITHDRAWN.fullmatch(text)) is not None:
        label = _ES_LABEL.get(m["label"], m["label"])
        gone = "retirada" if label.startswith("la ") else "retirado"
        head = Markup("{} {} fue {} (versión {} → {})").format(
            label, _unquote(m["ref"]), gone, m["a"], m["b"])
        if m["run"] is not None:
            return head + Markup(" mientras la corrida {} calculaba esta propuesta").format(
                m["run"])
        return head + Markup(" por {}, con el motivo «{}»").format(m["actor"], m["why"])
    if (m := _RESTS_REVERTED.fullmatch(text)) is not None:
        return Markup("se basa en la versión {} {} {}: ").format(
            m["a"], _of(_ES_KIND[m["kind"]]), _unquote(m["ref"])) + _reverted(m["rest"])
    if (m := _RESTS_OLD.fullmatch(text)) is not None:
        return Markup("se basa en la versión {} {} {}, y hay guardada una versión {}: "
                      "debe rechazarse (la próxima corrida vuelve a proponer el par con los "
                      "datos más nuevos si se sostiene)").format(
            m["a"], _of(_ES_KIND[m["kind"]]), _unquote(m["ref"]), m["b"])
    if (m := _CONFIGURATION.fullmatch(text)) is not None:
        return Markup("la configuración cambió después de esta propuesta (corrida {} → "
                      "corrida {}): ").format(m["a"], m["b"]) + _clauses(
            m["rest"], _configuration_change, language)
    if (m := _HELD.fullmatch(text)) is not None:
        return Markup("retenida por la corrida {}: ").format(m["run"]) + english(
            m["rest"], language)
    if (m := _UNPROPOSED.fullmatch(text)) is not None:
        return Markup("la corrida {} no volvió a proponerla: ").format(m["run"]) + _clauses(
            m["rest"], _unproposed_clause, language)
    if (m := _CONDITIONING.fullmatch(text)) is not None:
        return Markup("la propuesta {}, sobre la que se condicionó el LR de esta propuesta, "
                      "fue {} por {}, y el LR de esta propuesta se calculó con los restos {} "
                      "como {} de la familia {}, un miembro de su familia; motivo dado: "
                      "«{}»").format(m["pid"], {"rejected": "rechazada",
                                                "reopened": "reabierta"}[m["done"]],
                                     m["actor"], m["pm"], m["who"], m["f"], m["why"])
    return english(text, language)


def _reverted(text: str) -> Markup:
    m = _REVERTED.fullmatch(text)
    if m is None:
        return english(text, "es")
    return Markup("la versión {} tiene los mismos datos que la versión {}, que la versión {} "
                  "reemplazó: ¿un archivo antiguo enviado de nuevo deshace una corrección (una "
                  "nueva tipificación)? Envíe de nuevo los datos más nuevos").format(
        m["v"], m["e"], m["r"])


def _clauses(text: str, one: Callable[[str], Markup | None], language: str) -> Markup:
    """Clauses joined by "; ", each said by ``one`` (``None``: kept in English). A clause of
    a family-level placement holds "; " itself (between its candidates): it is read whole.
    So is a model change, whose description holds "; " inside its parentheses ("(2026-12-07;
    docs/decisions.md, ...)"): the decision model 4 -> 5 flag was cut there and shown in
    English on a Spanish page (an outside check, 2026-12-07)."""
    parts: list[Markup] = []
    rest = text
    while rest:
        m, head = _PLACED.match(rest), _MODEL_CHANGE_HEAD.match(rest)
        end = m.end() if m is not None else -1 if head is None else _closing(rest, head.end())
        if end > 0 and (end == len(rest) or rest.startswith("; ", end)):
            clause, rest = rest[:end], rest[end + 2:]
        else:
            clause, _, rest = rest.partition("; ")
        said = one(clause)
        parts.append(said if said is not None else english(clause, language))
    return Markup("; ").join(parts)


def _closing(text: str, start: int) -> int:
    """The end of the shortest prefix of ``text`` longer than ``start`` characters whose
    parentheses balance (-1 when none does)."""
    depth = text[:start].count("(") - text[:start].count(")")
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    return -1


_CHANGE_LABELS = {
    "prior that a body is a registered missing person":
        "la probabilidad inicial de que unos restos sean de una persona desaparecida "
        "registrada",
    "prior that a body is not a registered missing person":
        "la probabilidad inicial de que unos restos no sean de una persona desaparecida "
        "registrada",
    "prior weight of unregistered relatives": "el peso inicial de los familiares no registrados",
    "closed-disaster model (flat prior, no relative alternatives)":
        "el modelo de lista cerrada (sin familiares no registrados como alternativa)",
    "prior weight of undrawn relatives of distant (or SNP-typed) references":
        "el peso inicial de los familiares no dibujados de referencias lejanas",
    "minimum number of markers compared": "el número mínimo de marcadores comparados",
    "exclusion of pairs whose sexes differ": "la exclusión de pares de distinto sexo",
    "log10 LR from which PM samples are joined into one body":
        "el log10 LR a partir del cual varias muestras de restos se unen en un cuerpo",
    "theta (subpopulation correction)": "theta (corrección por subpoblación)",
    "Y haplotype frequency method": "el método de frecuencia de los haplotipos Y",
    "mtDNA frequency method": "el método de frecuencia del ADN mitocondrial",
    "prior weight of an unrecorded kinsman of the lineages":
        "el peso inicial de un pariente no registrado de las líneas",
}
_FIXED_CHANGES = {
    "lineage markers (Y-STR, mtDNA) now weighed (they were not)":
        "ahora se pesan los marcadores de linaje (Y-STR, ADN mitocondrial) (antes no)",
    "lineage markers (Y-STR, mtDNA) no longer weighed":
        "ya no se pesan los marcadores de linaje (Y-STR, ADN mitocondrial)",
    "linked SNPs now weighed (they were not)": "ahora se pesan los SNP ligados (antes no)",
    "linked SNPs no longer weighed": "ya no se pesan los SNP ligados",
    "AM/PM evidence now weighed with the DNA (it was not)":
        "ahora se pesa la información no genética (ante y post mortem) junto al ADN (antes no)",
    "AM/PM evidence no longer weighed":
        "ya no se pesa la información no genética (ante y post mortem)",
    "place-and-date prior now used": "ahora se usa el factor de lugar y fecha",
    "place-and-date prior no longer used": "ya no se usa el factor de lugar y fecha",
}
_TABLE_CHANGE = re.compile(
    r"(?P<what>allele frequency table and mutation models|allele frequency table or mutation "
    r"models|allele frequency table|mutation models) changed \((?P<rest>.*)\)", re.S)
_HASHES = re.compile(r"(?P<names>(?P<a>'[^']*'|\"[^\"]*\") -> (?P<b>'[^']*'|\"[^\"]*\"), )?"
                     r"markers sha256 (?P<x>\S+) -> (?P<y>\S+)")
_VALUE_CHANGE = re.compile(r"(?P<what>.+?) changed \((?P<a>[^()]*?) -> (?P<b>[^()]*?)\)")
_MODELS = r"decision model|lineage decision model|relatives' evidence model"
_MODEL_CHANGE = re.compile(rf"(?P<what>{_MODELS}) changed "
                           r"\(version (?P<a>\d+) -> (?P<b>\d+): (?P<rest>.*)\)", re.S)
#: Where a model change's clause starts (its description may hold "; ": :func:`_clauses`).
_MODEL_CHANGE_HEAD = re.compile(rf"(?:{_MODELS}) changed \(version \d+ -> \d+: ")
#: The descriptions of the models' versions (``decide/priors.py``, ``DECISION_MODELS`` and
#: ``LINEAGE_KIN_MODELS``; ``evidence/scoring.py``, ``RELATIVE_EVIDENCE_MODELS``), in
#: Spanish. A version added there needs its words here: ``tests/test_reports.py`` renders
#: every one.
_MODELS_ES: dict[str, dict[int, str]] = {
    "decision model": {
        1: "los familiares no dibujados de las referencias se dibujan solo en corridas con "
           "datos SNP",
        2: "los familiares no dibujados de referencias lejanas se dibujan en toda corrida "
           "(2026-12-05; docs/decisions.md, «Relatives of a reference»)",
        3: "se dibujan también los familiares no dibujados de una referencia que es hijo o "
           "hija de la persona desaparecida: su propio hijo, nieto de la persona desaparecida, "
           "encaja igual de bien con ella (2026-12-06; docs/decisions.md, «Relatives of a "
           "reference»)",
        4: "un hijo o hija de cada hermano tipificado de una persona desaparecida (su sobrino "
           "o sobrina) y otro hermano de cada grupo de hermanos sin nadie tipificado ni "
           "desaparecido (un hermano del padre que une la familia) se sopesan como familiares "
           "no registrados: esos restos se ubicaban a nivel de familia como el padre, con el "
           "que encajan igual de bien (2026-12-07; docs/decisions.md, «Relatives the pedigree "
           "implies»)",
        5: "los otros hijos, un hermano o hermana, los padres y los sobrinos del único "
           "progenitor tipificado de una persona desaparecida (sus medios hermanos, su tío o "
           "tía, sus abuelos y sus primos hermanos) se sopesan como familiares no "
           "registrados, y el peso de una familia cuenta toda alternativa con un LR de 100 o "
           "más: un hermano de la madre hallado en la fosa se ubicaba a nivel de familia como "
           "hermano no registrado del hijo desaparecido (2026-12-07; docs/decisions.md, «A "
           "typed parent's relatives»)",
    },
    "lineage decision model": {
        1: "los familiares de una referencia se dibujan como en las corridas sin marcadores de "
           "linaje",
        2: "una referencia tipificada en Y-STR o ADN mitocondrial, salvo que sea hijo o hija "
           "de una persona desaparecida, tiene también dibujados sus familiares por esas "
           "líneas, el hijo de su hermano y un primo por un progenitor que es familiar de la "
           "persona desaparecida: con marcadores de linaje, los primos paternos de un hombre "
           "desaparecido se ubicaban como él o su hermano, sin opción para lo que eran "
           "(2026-12-07, docs/decisions.md, «Relatives of a reference»)",
    },
    "relatives' evidence model": {
        1: "la estatura de un familiar se toma como la de una persona cualquiera; un familiar "
           "de sexo desconocido es hombre con la fracción de hombres entre las víctimas",
        2: "la estatura de un familiar se correlaciona con la estatura declarada de la "
           "persona desaparecida según el parentesco; un familiar de sexo desconocido de una "
           "mujer registrada es hombre con probabilidad un medio (2026-12-05; "
           "docs/evidence.md, «Relatives»)",
        3: "un familiar con ese parentesco con varias personas desaparecidas registradas de su "
           "familia (un hermano de un grupo de dos hermanos) toma su edad de todas ellas (una "
           "mezcla en partes iguales), no de la primera por código, y entonces ninguna "
           "estatura declarada (2026-12-07; docs/evidence.md, «Relatives»)",
    },
}


def _model_description(what: str, version: int, text: str) -> Markup:
    """The stored description ``text`` of version ``version`` of model ``what``, in Spanish
    when it is the one the software writes for that version (else as stored, in English)."""
    from forensic_match.decide.priors import DECISION_MODELS, LINEAGE_KIN_MODELS
    from forensic_match.evidence.scoring import RELATIVE_EVIDENCE_MODELS

    written = {"decision model": DECISION_MODELS, "lineage decision model": LINEAGE_KIN_MODELS,
               "relatives' evidence model": RELATIVE_EVIDENCE_MODELS}[what]
    if text == "not described":
        return Markup("sin descripción")
    if text == written.get(version) and version in _MODELS_ES[what]:
        return Markup(_MODELS_ES[what][version])
    return english(text, "es")
_TABLE_WORDS = {"allele frequency table": "la tabla de frecuencias de alelos",
                "mutation models": "los modelos de mutación",
                "allele frequency table and mutation models":
                    "la tabla de frecuencias de alelos y los modelos de mutación",
                "allele frequency table or mutation models":
                    "la tabla de frecuencias de alelos o los modelos de mutación"}


def _configuration_change(clause: str) -> Markup | None:
    """One item of a changed configuration (``store/configuration.py``,
    ``describe_changes``), in Spanish; ``None`` for an item of no known form."""
    if clause in _FIXED_CHANGES:
        return Markup(_FIXED_CHANGES[clause])
    if (m := _TABLE_CHANGE.fullmatch(clause)) is not None:
        h = _HASHES.fullmatch(m["rest"])
        rest = english(m["rest"], "es") if h is None else Markup(
            "{}huella sha256 de los marcadores {} → {}").format(
            "" if h["names"] is None else Markup("{} → {}, ").format(h["a"], h["b"]),
            h["x"], h["y"])
        return Markup("cambió {} ({})").format(_TABLE_WORDS[m["what"]], rest)
    if (m := _MODEL_CHANGE.fullmatch(clause)) is not None:
        what = {"decision model": "el modelo de decisión",
                "lineage decision model": "el modelo de decisión de los marcadores de linaje",
                }.get(m["what"], "el modelo de la información no genética de los familiares")
        return Markup("cambió {} (versión {} → {}: {})").format(
            what, m["a"], m["b"], _model_description(m["what"], int(m["b"]), m["rest"]))
    if (m := _VALUE_CHANGE.fullmatch(clause)) is not None and m["what"] in _CHANGE_LABELS:
        return Markup("cambió {} ({} → {})").format(
            _CHANGE_LABELS[m["what"]], _number(m["a"], "es"), _number(m["b"], "es"))
    return None


_POSTERIOR = r"(?: \(posterior (?P<p>[0-9.e+-]+)\))?"
_PLACED = re.compile(r"PM (?P<pm>\S+) is placed in family (?P<f>\S+) without saying who "
                     r"\(family posterior (?P<p>[0-9.e+-]+): (?P<c>.*?\))\)")
_UNPROPOSED_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"no proposal for PM (?P<pm>\S+) or for (?P<who>\S+): the pair's joint "
                r"posterior is below the threshold now \(another body, family or "
                r"identification competes, or the programme's prior moved\)"),
     "ninguna propuesta para los restos {pm} ni para {who}: la probabilidad final conjunta "
     "del par está ahora por debajo del umbral (compiten otros restos, otra familia u otra "
     "identificación, o cambió la probabilidad inicial del programa)"),
    (re.compile(r"(?P<who>\S+) is proposed with the PM samples (?P<pm>\S+) \(one body\)"),
     "{who} se propone con las muestras de restos {pm} (un solo cuerpo)"),
    (re.compile(r"(?P<who>\S+) is proposed as another body, PM (?P<pm>\S+)" + _POSTERIOR),
     "{who} se propone como otros restos, {pm}{p}"),
    (re.compile(r"PM (?P<pm>\S+) is proposed as (?P<who>\S+)" + _POSTERIOR),
     "los restos {pm} se proponen como {who}{p}"),
)
_HELD_CLAUSE = re.compile(r"PM (?P<pm>\S+) is held back(?: as (?P<who>\S+))?: (?P<why>.*)",
                          re.S)
_NOW = re.compile(r"PM (?P<pm>\S+)'s candidates now: (?P<c>.*)", re.S)
_CANDIDATE = re.compile(r"(?P<who>\S+) \(log10 LR (?P<lr>[0-9.e+-]+)\)")


def _unproposed_clause(clause: str) -> Markup | None:
    """One clause of a "not proposed again" reason (``store/flags.py``, ``_instead``)."""
    for pattern, words in _UNPROPOSED_FORMS:
        if (m := pattern.fullmatch(clause)) is not None:
            found = m.groupdict()
            p = found.pop("p", None)
            return Markup(words).format(
                p="" if p is None else Markup(" (probabilidad final {})").format(
                    _number(p, "es")), **found)
    if (m := _PLACED.fullmatch(clause)) is not None:
        return Markup("los restos {} se ubican en la familia {} sin decir quién (probabilidad "
                      "de la familia {}: {})").format(m["pm"], m["f"], _number(m["p"], "es"),
                                                     family_candidates(m["c"], "es"))
    if (m := _HELD_CLAUSE.fullmatch(clause)) is not None:
        who = "" if m["who"] is None else f" como {m['who']}"
        return Markup("los restos {} quedan retenidos{}: {}").format(
            m["pm"], who, english(m["why"], "es"))
    if (m := _NOW.fullmatch(clause)) is not None:
        said = []
        for part in m["c"].split(", "):
            c = _CANDIDATE.fullmatch(part)
            said.append(english(part, "es") if c is None else Markup(
                "{} (log10 LR {})").format(c["who"], _number(c["lr"], "es")))
        return Markup("candidatos de los restos {} ahora: ").format(m["pm"]) + Markup(
            ", ").join(said)
    return None


_RELATIONS_ES = {"father": "padre", "mother": "madre", "parent": "padre o madre",
                 "full sibling": "hermano o hermana", "child": "hijo o hija",
                 "half sibling": "medio hermano o media hermana",
                 "grandparent": "abuelo o abuela", "grandchild": "nieto o nieta",
                 "uncle or aunt": "tío o tía", "nephew or niece": "sobrino o sobrina",
                 "first cousin": "primo hermano o prima hermana", "partner": "pareja"}
_OPTION = re.compile(r"(?P<name>.*) \((?P<p>[0-9.]+)\)", re.S)
_UNREGISTERED = re.compile(r"an unregistered (?P<rel>.+?) of (?P<ref>reference )?(?P<who>\S+)"
                           r"(?: through (?P<via>\S+))?")
_UNTYPED = re.compile(r"an unregistered untyped member (?P<who>\S+) of the family")


def family_candidates(text: str, language: str) -> Markup:
    """Who a body placed at family level can be, with each one's posterior
    (``run_family_level.candidates``: ``"F02_MP1 (0.9990); an unregistered full sibling of
    F02_MP1 (0.0010)"``), in the page's language.

    Examples
    --------
    >>> str(family_candidates("F02_MP1 (0.9990); an unregistered full sibling of F02_MP1 "
    ...                       "(0.0010)", "es"))
    'F02_MP1 (0,9990); familiar no registrado: hermano o hermana de F02_MP1 (0,0010)'
    """
    if language == "en":
        return escape(text)
    said = []
    for option in text.split("; "):
        m = _OPTION.fullmatch(option)
        if m is None:
            said.append(english(option, language))
            continue
        name, p = m["name"], _number(m["p"], language)
        if (u := _UNTYPED.fullmatch(name)) is not None:
            said.append(Markup("familiar no registrado: {}, miembro sin ADN de la familia "
                               "({})").format(u["who"], p))
        elif (u := _UNREGISTERED.fullmatch(name)) is not None and u["rel"] in _RELATIONS_ES:
            who = (f"de la referencia {u['who']}" if u["ref"] else f"de {u['who']}") + (
                f" por {u['via']}" if u["via"] else "")
            said.append(Markup("familiar no registrado: {} {} ({})").format(
                _RELATIONS_ES[u["rel"]], who, p))
        elif name.startswith("an unregistered ") or " " in name:
            said.append(english(name, language) + Markup(" ({})").format(p))
        else:
            said.append(Markup("{} ({})").format(name, p))
    return Markup("; ").join(said)


_RELATION_OF = re.compile(r"(?P<rel>.+?) of (?P<who>\S+)")


def closed_list_relatives(relatives: Sequence[tuple[str, float]], language: str, *,
                          ratios: bool = True) -> Markup:
    """The relatives a closed-list caution names
    (:attr:`~forensic_match.dvi.closed_list.ClosedListCaution.relatives`), each with how
    many times as well as the missing person it fits the body (unless ``ratios`` is
    false), in the page's language; a relation of no known form stays English (marked).

    Examples
    --------
    >>> said = [("nephew or niece of F07_MP1", 49.4), ("father of F07_MP1", 47.7)]
    >>> str(closed_list_relatives(said, "es"))
    'sobrino o sobrina de F07_MP1 (49,4 veces mejor) o padre de F07_MP1 (47,7 veces mejor)'
    >>> str(closed_list_relatives(said, "en", ratios=False))
    'nephew or niece of F07_MP1 or father of F07_MP1'
    """
    from forensic_match.reports.render import format_number

    said = []
    for relation, ratio in relatives:
        times = format_number(ratio, language)
        if language == "en":
            words = escape(relation)
            times_words = Markup(" ({} times as well)").format(times)
        else:
            m = _RELATION_OF.fullmatch(relation)
            words = (Markup("{} de {}").format(_RELATIONS_ES[m["rel"]], m["who"])
                     if m is not None and m["rel"] in _RELATIONS_ES
                     else english(relation, language))
            times_words = Markup(" ({} veces mejor)").format(times)
        said.append(words + times_words if ratios else words)
    return Markup(" o " if language == "es" else " or ").join(said)


_PIECES_ES = {"sex": "sexo", "age": "edad", "stature": "estatura", "dental": "ficha dental",
              "features": "rasgos particulares", "implants": "implantes",
              "effects": "objetos personales"}
_PIECE = re.compile(r"(?P<k>[a-z_]+) (?P<v>[0-9.e+-]+|inf|nan)")


def evidence_pieces(text: str, language: str) -> Markup:
    """The evidence LR of a pair piece by piece, as the run wrote it
    (``proposal_evidence.pieces``: ``"sex 1.26, age 2.73"``, ``"no piece compared"``,
    ``"not applied to a direct reference (sex 1.26)"``, ``"...; place prior x3.1"``), in the
    page's language.

    Examples
    --------
    >>> str(evidence_pieces("sex 1.26, age 2.73, stature 1.52", "es"))
    'sexo 1,26; edad 2,73; estatura 1,52'
    >>> str(evidence_pieces("not applied to a direct reference (sex 1.26)", "es"))
    'no se aplicó a una referencia directa (sexo 1,26)'
    """
    if language == "en":
        return escape(text)
    m = re.fullmatch(r"not applied to a direct reference \((?P<rest>.*)\)", text, re.S)
    if m is not None:
        return Markup("no se aplicó a una referencia directa ({})").format(
            evidence_pieces(m["rest"], language))
    words, _, place = text.partition("; place prior x")
    out = _pieces(words, language)
    if place:
        out += Markup("; factor de lugar y fecha ×{}").format(_number(place, language))
    return out


def evidence_not_weighed(text: str) -> str | None:
    """Why no non-DNA evidence entered a pair's posterior, read from its pieces as the run
    wrote them (:func:`evidence_pieces`): ``"direct"`` (a direct reference: not applied),
    ``"none"`` (no piece compared), ``"no_record"`` (no AM record); ``None`` when a piece
    or a place prior did. A report said "LR 1,00" of evidence that was never weighed (an
    outside check, 2026-12-07).

    Examples
    --------
    >>> evidence_not_weighed("not applied to a direct reference (sex 1.26)")
    'direct'
    >>> evidence_not_weighed("no piece compared") is None
    False
    >>> evidence_not_weighed("no piece compared; place prior x3.1") is None
    True
    """
    if text.startswith("not applied to a direct reference"):
        return "direct"
    return {"no piece compared": "none", "no AM record": "no_record"}.get(text)


def _pieces(words: str, language: str) -> Markup:
    if words == "no piece compared":
        return Markup("ningún dato comparado")
    if words == "no AM record":
        return Markup("sin registro ante mortem")
    said = []
    for part in words.split(", "):
        m = _PIECE.fullmatch(part)
        if m is None or m["k"] not in _PIECES_ES:
            return english(words, language)
        said.append(Markup("{} {}").format(_PIECES_ES[m["k"]], _number(m["v"], language)))
    return Markup("; ").join(said)
