"""DNA profiles: genotypes of typed individuals and samples, and how each was observed.

A genotype is a pair of allele labels ``("14", "15")``; a homozygote is ``("14", "14")``; a
partial genotype ``("14", None)`` says that one allele is 14 and the other is unknown. An
untyped marker is simply absent. Profiles are held as ``{individual: {marker: (a, b)}}``.

Degraded samples carry an :class:`Observation` model: per-allele dropout probability ``d`` and
drop-in probability ``c``; then ``("14", "14")`` means "only 14 was seen".

Allele labels are strings. A label read from a laboratory file must be in the canonical form
checked by :func:`allele_label` (``docs/records.md``, *Allele labels*); an off-ladder call
("OL") is not a label but an unknown allele, so ``7, OL`` is the partial genotype
``("7", None)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from forensic_match.errors import GenotypeError, where

Genotype = tuple[str, "str | None"]
Profiles = dict[str, dict[str, Genotype]]

_MISSING = {"", "NA", "NAN", "NONE", "NULL", "-", "?"}

#: The off-ladder call of capillary-electrophoresis software: an allele outside the ladder.
OFF_LADDER = "OL"

#: Markers whose repeat unit is five bases, so that a microvariant may have 4 extra bases.
_PENTANUCLEOTIDE = frozenset({"PENTAD", "PENTAE", "PENTAC"})
_LABEL = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]+))?")
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]+")
#: Repeat numbers of the STRs in use lie well below this.
MAX_REPEAT = 100


#: Format characters kept in ids: the zero-width joiner and non-joiner, which some scripts
#: need inside words.
_JOINERS = frozenset("\u200c\u200d")


def normal_id(text: str, where: str = "") -> str:
    """An id in Unicode normal form C, so that "José" typed and "José" pasted (e with a
    combining accent) are one id.

    An id holding an invisible format character (Unicode category Cf: a zero-width space
    U+200B, a byte-order mark U+FEFF, a soft hyphen U+00AD..., left by a copy from a web
    page or a second byte-order mark) is refused: it would be another id than the one
    that looks the same, and a sample's rows would split into two samples with part of the
    profile each. The zero-width joiner and non-joiner are kept. ``where`` locates the id
    in the error (file and row)."""
    hidden = [c for c in text if unicodedata.category(c) == "Cf" and c not in _JOINERS]
    if hidden:
        from forensic_match.errors import InputError

        raise InputError(f"{where + ': ' if where else ''}id {text!r} holds an invisible "
                         f"character (U+{ord(hidden[0]):04X} "
                         f"{unicodedata.name(hidden[0], 'format character')}); remove it")
    return unicodedata.normalize("NFC", text)


#: What each continuation byte of UTF-8 (0x80-0xBF) becomes when UTF-8 text is read as
#: Windows-1252 ("ANSI"): "¡" for 0xA1, the soft hyphen for 0xAD, "‘" for 0x91, and the C1
#: control of the same number for the five bytes Windows-1252 leaves undefined (Windows reads
#: 0x81 as U+0081).
_CONTINUATION = {(bytes([b]).decode("cp1252", errors="ignore") or chr(b)): b
                 for b in range(0x80, 0xC0)}


def _read_as_cp1252(text: str) -> str:
    """Undo one reading of UTF-8 as Windows-1252 where ``text`` shows it: "Ã" or "Â" (the
    lead bytes 0xC3, 0xC2 of every letter of U+0080-U+00FF: "á" was "Ã¡", "Ñ" "Ã‘", "í"
    "Ã" and a soft hyphen), "Ä", "Å" (Latin Extended-A: "Š" was "Å" and 0xA0) followed by
    a continuation byte's character, and "â€" with one more (punctuation, U+2000-U+20BF: "’"
    was "â€™")."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in "ÂÃÄÅ" and i + 1 < len(text) and text[i + 1] in _CONTINUATION:
            out.append(bytes([0xC2 + "ÂÃÄÅ".index(c), _CONTINUATION[text[i + 1]]]).decode())
            i += 2
        elif (c == "â" and i + 2 < len(text) and _CONTINUATION.get(text[i + 1], 0) in
              (0x80, 0x81, 0x82) and text[i + 2] in _CONTINUATION):
            out.append(bytes([0xE2, _CONTINUATION[text[i + 1]],
                              _CONTINUATION[text[i + 2]]]).decode())
            i += 3
        else:
            out.append(c)
            i += 1
    return "".join(out)


def wrongly_encoded(text: str) -> str | None:
    """The likely original of ``text`` if it holds UTF-8 read as Windows-1252, else ``None``.

    A CSV UTF-8 file opened as ANSI (in Excel, say) and saved again as UTF-8 turns "Huamán"
    into "HuamÃ¡n", "ÑAH-FA" into "Ã‘AH-FA" and "Condorí" into "CondorÃ" with a soft hyphen;
    the bytes are valid UTF-8 again, so nothing else tells. The pattern is a lead character
    ("Ã", "Â", "Ä", "Å", or "â€") followed by what a UTF-8 continuation byte is in
    Windows-1252 (U+0080-U+00BF, or "‘’“”€™" and the other characters of 0x80-0x9F); a
    Spanish or Quechua name does not hold it ("Ñ", "á" and a lone "Ã" are followed by
    letters). Undone until none is left (a file re-saved twice).

    Examples
    --------
    >>> wrongly_encoded("HuamÃ¡n"), wrongly_encoded("Ã‘AH-FA"), wrongly_encoded("Huamán")
    ('Huamán', 'ÑAH-FA', None)
    """
    original = text
    for _ in range(3):
        repaired = _read_as_cp1252(original)
        if repaired == original:
            break
        original = repaired
    return original if original != text else None


def refuse_wrongly_encoded(text: str, where: str, *, what: str = "id") -> None:
    """Refuse ``text`` read from a file at ``where`` (file and row) if it holds UTF-8 read as
    Windows-1252 (:func:`wrongly_encoded`): the error names ``what`` it is (an id, a name),
    the text, its likely original and how to read the file again.

    Used by :func:`file_id` on ids and by the readers on text that is shown or stored but not
    matched (the names of the identities table): every accented letter of a file so re-saved
    is changed the same way, so one such cell is enough to tell the file.

    Raises
    ------
    InputError
        ``text`` holds the pattern.

    Examples
    --------
    >>> refuse_wrongly_encoded("Huamán", "file 'names.csv', line 2", what="name")
    """
    original = wrongly_encoded(text)
    if original is None:
        return
    from forensic_match.errors import InputError

    raise InputError(f"{where}: {what} {text!r} looks like UTF-8 text read as Windows-1252 "
                     f"(\"ANSI\"), probably {original!r}: the file was probably opened "
                     f"with the wrong encoding (a CSV UTF-8 opened as ANSI in Excel, say) "
                     f"and saved again, and every accented letter in it is changed the same "
                     f"way; read the file saved before that, or open it as UTF-8 (Excel: "
                     f"Data > From Text/CSV, File origin 65001: Unicode (UTF-8)) and save it "
                     f"as CSV UTF-8")


def file_id(text: str, where: str) -> str:
    """An id read from a file at ``where`` (file and row): :func:`normal_id`, refusing first
    an id that holds UTF-8 read as Windows-1252 (:func:`refuse_wrongly_encoded`).

    An outside check (h_lab, 2026-12-07) opened a CSV UTF-8 as ANSI in Excel and saved it
    again as UTF-8: "Huamán" became "HuamÃ¡n", "ÑAH-FA" "Ã‘AH-FA"; the files were read, and
    in a store the next night added 4 duplicate families beside the originals, which lost
    their bodies' family-level placements. "Condorí" became "CondorÃ" and a soft hyphen,
    which was refused with the advice to remove the soft hyphen (leaving "CondorÃ").

    Raises
    ------
    InputError
        The id holds the pattern (naming the id, its likely original and the cause), or an
        invisible character (:func:`normal_id`).
    """
    if text.isascii():  # no invisible character, already in normal form C: most ids
        return text
    refuse_wrongly_encoded(text, where)
    return normal_id(text, where)


def _canonical_number(text: str) -> str | None:
    """``text`` rewritten without leading zeros or trailing decimal zeros, if it is a plain
    decimal number ("07" -> "7", "7.0" -> "7", "9.30" -> "9.3"); else ``None``."""
    m = re.fullmatch(r"0*([0-9]+)(?:\.([0-9]*?)0*)?", text)
    if m is None:
        return None
    return m.group(1) + (f".{m.group(2)}" if m.group(2) else "")


def allele_label(text: str, *, marker: str = "", known: Collection[str] = (),
                 decimal_comma: bool = False, normalise: bool = False,
                 options: bool = True) -> str:
    """Check one allele label read from a laboratory file; return it in canonical form.

    The canonical form of an STR allele is its repeat number ``N`` (an integer from 1 to 99,
    no leading zeros, no decimals) or ``N.d`` with one microvariant digit ``d`` from 1 to 3
    (1 to 4 on the pentanucleotide markers Penta C, D and E). ``X`` and ``Y`` are labels of
    amelogenin only (``marker`` "AMEL"). A label of the marker's frequency table (``known``)
    is accepted as written (for table labels such as ">27").

    Parameters
    ----------
    text : str
        The called allele, stripped; not a no-call and not "OL" (the caller handles those).
    marker : str
        The marker's name, for the microvariant and amelogenin rules.
    known : collection of str
        The labels of the marker's frequency table, if known.
    decimal_comma : bool
        Read a decimal comma as a point: ``9,3`` becomes ``9.3``. The comma must be followed
        by one digit: ``30,30`` may be the two alleles 30 and 30 written in one cell, and is
        refused (also with ``normalise``).
    normalise : bool
        Rewrite plain numbers in canonical form: ``7.0`` becomes ``7``, ``9.30`` ``9.3``,
        ``07`` ``7``.
    options : bool
        Whether error messages name the reader options (``decimal_comma``,
        ``normalise_alleles``) that would read the label; off where there are none (JSON).

    Raises
    ------
    GenotypeError
        The label is not canonical; the message (without location: the caller adds it) says
        why and which option, if any, would read it.

    Examples
    --------
    >>> allele_label("9.3", marker="TH01")
    '9.3'
    >>> allele_label("9,3", marker="TH01", decimal_comma=True)
    '9.3'
    >>> allele_label("7.0", marker="TH01", normalise=True)
    '7'
    """
    if text in known:
        return text
    key = re.sub(r"[\s_\-]+", "", marker).upper()
    label = text
    if _DECIMAL_COMMA.fullmatch(label):
        if not decimal_comma:
            fixed = label.replace(",", ".")
            whole, fraction = label.split(",")
            top = 4 if key in _PENTANUCLEOTIDE else 3
            if len(fraction) != 1 or not 1 <= int(fraction) <= top:
                # "8,9" is no microvariant (8.9 would be refused too): two alleles in a cell
                raise GenotypeError(
                    f"allele {text!r}: the cell seems to hold two alleles ({whole!r} and "
                    f"{fraction!r}): write each in its own column")
            raise GenotypeError(f"allele {text!r} has a decimal comma; " + (
                f"pass decimal_comma=True to read it as {fixed!r}" if options
                else f"write {fixed!r}") + f" (or, if it holds two alleles {whole!r} and "
                f"{fraction!r}, write each in its own column)")
        whole, fraction = label.split(",")
        if len(fraction) != 1:
            raise GenotypeError(
                f"allele {text!r}: {len(fraction)} digits after the decimal comma, where a "
                f"microvariant has one; the cell may hold two alleles ({whole} and {fraction}) "
                f"in one cell: write each allele in its own column (and a microvariant with "
                f"one digit after the comma)")
        label = label.replace(",", ".")
    if normalise:
        label = _canonical_number(label) or label
    if label in known:
        return label
    if label.upper() in ("X", "Y"):
        if key in ("AMEL", "AMELOGENIN"):
            return label.upper()
        raise GenotypeError(f"allele {text!r}: X and Y are amelogenin calls, not alleles of "
                            f"an STR")
    m = _LABEL.fullmatch(label)
    canonical = _canonical_number(label)
    if canonical is not None and canonical != label and (m is None or m.group(2) is not None):
        raise GenotypeError(f"allele {text!r} is not in canonical form (write {canonical!r})"
                            + ("; pass normalise_alleles=True to rewrite such labels"
                               if options else ""))
    if m is None:
        if label.startswith("-") and _LABEL.fullmatch(label[1:]):
            raise GenotypeError(f"allele {text!r} is negative; an allele is a repeat number")
        parts = [p for p in re.split(r"\s*[,/;\s]\s*", label) if p]
        several = len(parts) >= 2 and all(
            (n := _LABEL.fullmatch(p)) is not None and int(n.group(1)) < MAX_REPEAT
            for p in parts)
        date = not several and re.fullmatch(
            r"\d{4}-\d\d-\d\d( \d\d:\d\d(:\d\d)?)?|\d{1,2}/\d{1,2}/\d{2,4}"
            r"|\d{1,2}[-/. ][A-Za-z]{3,5}\.?([-/. ]\d{2,4})?|[A-Za-z]{3,5}\.?[-/. ]\d{1,4}", label)
        raise GenotypeError(
            f"allele {text!r} is not an allele label: a repeat number such as '7' or '9.3' "
            f"(or 'OL' for an off-ladder call)"
            + ("; the cell seems to hold " + (
                f"two alleles ({parts[0]!r} and {parts[1]!r})" if len(parts) == 2 else
                f"{len(parts)} alleles ({', '.join(repr(p) for p in parts)})")
               + ": write each in its own column"
               + ("; more than two alleles at a marker is a mixture (or a three-allele "
                  "pattern), which cannot be searched as one person's profile"
                  if len(parts) > 2 else "") if several else "")
            + ("; a date: a spreadsheet may have turned an allele such as 9.3 into a date "
               "(format the column as text and type it again)" if date else ""))
    whole, micro = m.group(1), m.group(2)
    if whole == "0":
        raise GenotypeError(f"allele {text!r}: 0 is not a repeat number (some exports write "
                            f"0 for no call: leave the cell empty instead)")
    if len(whole) > 3 or int(whole) >= MAX_REPEAT:
        raise GenotypeError(f"allele {text!r}: repeat number out of range (1 to "
                            f"{MAX_REPEAT - 1})")
    top = 4 if key in _PENTANUCLEOTIDE else 3
    if micro is not None and not (len(micro) == 1 and 1 <= int(micro) <= top):
        raise GenotypeError(f"allele {text!r}: a microvariant has one digit from 1 to {top} "
                            f"after the point")
    return label


def cell_text(value: Any) -> str:
    """A table cell as an allele label or text: spreadsheet floats become labels (10.0 ->
    "10", 9.3 -> "9.3"), NaN and None become "", strings are stripped."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN from a spreadsheet cell
            return ""
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value).strip()


def _allele(value: Any, loc: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise GenotypeError(f"{loc}: allele {value!r} ({type(value).__name__}): alleles are "
                            f"strings, as printed on a report ('{cell_text(value)}', '9.3'); a "
                            f"number cannot tell '9.3' from '9.30'")
    text = value.strip()
    return None if text.upper() in _MISSING else text


def is_canonical_allele(value: Any) -> bool:
    """True when ``parse_genotype`` keeps ``value`` as an allele exactly as it is: a string
    with no surrounding spaces that is neither a missing-value token nor off-ladder.

    Examples
    --------
    >>> is_canonical_allele("9.3"), is_canonical_allele(" 9.3"), is_canonical_allele("OL")
    (True, False, False)
    """
    return type(value) is str and value == value.strip() and \
        value.upper() not in _MISSING and value.upper() != OFF_LADDER


def parse_genotype(value: Any, *, sample: str | None = None, marker: str | None = None,
                   file: str | None = None, line: int | None = None) -> Genotype | None:
    """Read one genotype.

    Accepts a pair ``["14", "15"]`` (``None`` for an unknown second allele), a single allele
    (read as a homozygous call), or a string ``"14/15"``, ``"14,15"`` or ``"14 15"``. Alleles
    are strings: a number (``7``, ``9.3``) is refused, since it cannot carry a label
    faithfully. An off-ladder call ``"OL"`` is an unknown allele: ``["7", "OL"]`` is the
    partial genotype ``("7", None)``, and a genotype of off-ladder calls only is untyped.

    Returns
    -------
    tuple or None
        ``(a, b)`` with ``b`` possibly ``None``; ``None`` when the marker is untyped.

    Raises
    ------
    GenotypeError
        Three or more alleles, or an unreadable value; the message names the location.

    Examples
    --------
    >>> parse_genotype("9.3/10")
    ('9.3', '10')
    >>> parse_genotype(["14", None])
    ('14', None)
    """
    loc = where(file=file, line=line, sample=sample, marker=marker)
    if isinstance(value, str):
        text = value.strip()
        for sep in ("/", ",", ";", " "):
            if sep in text:
                parts: list[Any] = [p for p in text.split(sep) if p.strip() != ""]
                break
        else:
            parts = [text]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    elif value is None:
        return None
    else:
        parts = [value]
    alleles = [_allele(p, loc) for p in parts]
    if len(alleles) > 2:
        raise GenotypeError(f"{loc}: genotype {value!r} has {len(alleles)} alleles; a genotype "
                            f"has at most two (mixtures are not supported)")
    if any(a is not None and a.upper() == OFF_LADDER for a in alleles):
        known = [a for a in alleles if a is not None and a.upper() != OFF_LADDER]
        return (known[0], None) if known else None
    if len(alleles) == 0 or all(a is None for a in alleles):
        return None
    if len(alleles) == 1:
        return (alleles[0], alleles[0])  # type: ignore[return-value]
    a, b = alleles
    if a is None:
        a, b = b, None
    return (a, b)  # type: ignore[return-value]


def parse_profiles(data: Mapping[str, Mapping[str, Any]], *, file: str | None = None) -> Profiles:
    """Read ``{individual: {marker: genotype}}``, dropping untyped markers."""
    if not isinstance(data, Mapping):
        raise GenotypeError(f"{where(file=file)}: genotypes must map individuals to "
                            f"{{marker: genotype}}, got {type(data).__name__}")
    out: Profiles = {}
    for sample, markers in data.items():
        if not isinstance(markers, Mapping):
            raise GenotypeError(f"{where(file=file, sample=str(sample))}: expected "
                                f"{{marker: genotype}}, got {markers!r}")
        prof: dict[str, Genotype] = {}
        for marker, value in markers.items():
            g = parse_genotype(value, sample=str(sample), marker=str(marker), file=file)
            if g is not None:
                prof[str(marker)] = g
        out[str(sample)] = prof
    return out


@dataclass(frozen=True)
class Observation:
    """How a sample's alleles were observed.

    Parameters
    ----------
    dropout : float
        Probability ``d`` that each allele copy fails to show. A true heterozygote a/b is
        seen as a/b with (1-d)^2 and as a alone with d(1-d); a true a/a is seen as a with
        1-d^2.
    dropin : float
        Probability ``c`` that one spurious allele appears; it is allele ``z`` with
        probability ``c * p_z``.
    """

    dropout: float = 0.0
    dropin: float = 0.0

    def __post_init__(self) -> None:
        for name in ("dropout", "dropin"):
            v = getattr(self, name)
            if not 0.0 <= v < 1.0:
                raise GenotypeError(f"{name} probability must lie in [0, 1), got {v}")

    @property
    def exact(self) -> bool:
        """True when what was seen is the genotype (no dropout, no drop-in)."""
        return self.dropout == 0.0 and self.dropin == 0.0


EXACT = Observation()
