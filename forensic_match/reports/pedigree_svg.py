"""A pedigree drawn as inline SVG with the standard symbols (square male, circle female,
diamond sex unknown; Bennett et al. 2008, the pedigree nomenclature of the National Society
of Genetic Counselors).

Layout (our own, for the small families of missing-person cases): every person gets a
generation (founders 0, a child one below its lower parent; a founder who married in moves
down to one above their first child), then each generation is ordered by the mean position
of its members' parents, with couples side by side. Typed persons are filled; the missing
person sought has a double outline and a "?"; the remains compared are shown in a dashed box
linked to the missing person. Each person is one ``<g class="person">`` holding one shape.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape as _html_escape

from forensic_match.pedigree import Pedigree

#: Characters XML 1.0 cannot hold at all, escaped or not (its ``Char`` production): control
#: characters other than tab, newline and return, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    """``text`` as SVG (XML) character data or attribute value: markup escaped, and each
    character XML cannot hold (a name from a damaged export) shown as U+FFFD, so that the
    drawing stays well-formed whatever a name holds."""
    return _html_escape(_NOT_XML.sub("\ufffd", text))

#: Drawing sizes (SVG user units).
SIZE = 36
GAP_X = 96
GAP_Y = 110
MARGIN = 40
#: Extra room between generations when the remains' box stands above the missing person.
REMAINS_GAP = 30
#: Width given to a character of the legend (11 px text) when laying it out.
LEGEND_CHAR = 7.0


def generations(pedigree: Pedigree) -> dict[str, int]:
    """Generation of every person: 0 for the top; a child one below its lower parent; a
    founder with children one above their highest child.

    Examples
    --------
    >>> from forensic_match.pedigree import trio
    >>> generations(trio())
    {'AF': 0, 'MO': 0, 'C': 1}
    """
    ids = [r[0] for r in pedigree.records()]
    gen = {i: 0 for i in ids}
    for _ in range(len(ids) + 1):
        changed = False
        for i in ids:
            par = pedigree.parents(i)
            if par is not None:
                g = max(gen[p] for p in par) + 1
                if g != gen[i]:
                    gen[i], changed = g, True
        for i in ids:
            kids = pedigree.children(i)
            if pedigree.parents(i) is None and kids:
                g = min(gen[c] for c in kids) - 1
                if g > gen[i]:
                    gen[i], changed = g, True
        if not changed:
            break
    low = min(gen.values(), default=0)
    return {i: g - low for i, g in gen.items()}


def _couples(pedigree: Pedigree) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    for ident, *_ in pedigree.records():
        par = pedigree.parents(ident)
        if par is not None and par not in seen:
            seen.append(par)
    return seen


def layout(pedigree: Pedigree, *, gap_y: float = GAP_Y) -> dict[str, tuple[float, float]]:
    """``{person: (x, y)}`` centres of the symbols (generations ``gap_y`` apart, top to
    bottom)."""
    gen = generations(pedigree)
    couples = _couples(pedigree)
    spouses: dict[str, list[str]] = {}
    for f, m in couples:
        spouses.setdefault(f, []).append(m)
        spouses.setdefault(m, []).append(f)
    order = {r[0]: k for k, r in enumerate(pedigree.records())}
    rows: dict[int, list[str]] = {}
    for i in sorted(gen, key=order.__getitem__):
        rows.setdefault(gen[i], []).append(i)
    slot: dict[str, float] = {}
    for g in sorted(rows):
        def key(i: str) -> tuple[float, int]:
            par = pedigree.parents(i)
            if par is not None and all(p in slot for p in par):
                return (sum(slot[p] for p in par) / 2, order[i])
            for s in spouses.get(i, []):
                sp = pedigree.parents(s)
                if sp is not None and all(p in slot for p in sp):
                    return (sum(slot[p] for p in sp) / 2 + 0.5, order[i])
            return (float(len(slot) + order[i]), order[i])

        placed: list[str] = []

        def mates(i: str, g: int = g, placed: list[str] = placed) -> list[str]:
            return [s for s in spouses.get(i, []) if gen[s] == g and s not in placed]

        for i in sorted(rows[g], key=key):
            if i in placed:
                continue
            # A person with two partners stands between them, and a partner's own other
            # partners follow on the far side: no symbol lies on a mate line, so no child
            # seems to descend from the person in between (an outside check found a
            # paternal half-brother drawn as the son of the missing woman's mother).
            chain = mates(i)
            if len(chain) >= 2:
                placed.append(chain.pop(0))
            placed.append(i)
            while chain:
                s = chain.pop(0)
                if s not in placed:
                    placed.append(s)
                    chain = mates(s) + chain
        for k, i in enumerate(placed):
            slot[i] = float(k)
    width = max(len(r) for r in rows.values())
    pos = {}
    for g, members in rows.items():
        shift = (width - len(members)) / 2
        for i in members:
            pos[i] = (MARGIN + SIZE + (slot[i] + shift) * GAP_X, MARGIN + SIZE + g * gap_y)
    return pos


def _shape(sex: str, x: float, y: float, r: float, css: str) -> str:
    if sex == "M":
        return (f'<rect class="{css}" x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" '
                f'height="{2 * r:.1f}"/>')
    if sex == "F":
        return f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>'
    return (f'<polygon class="{css}" points="{x:.1f},{y - r * 1.2:.1f} {x + r * 1.2:.1f},'
            f'{y:.1f} {x:.1f},{y + r * 1.2:.1f} {x - r * 1.2:.1f},{y:.1f}"/>')


#: Characters per line and lines of a name under a symbol (the rest is cut with "…").
NAME_WIDTH = 16
NAME_LINES = 2


def _label_lines(ident: str, name: str | None) -> list[str]:
    """The id, then the name (if any) wrapped to :data:`NAME_LINES` lines.

    Examples
    --------
    >>> _label_lines("F1_MP", "Teodora Huamán Ccori de la Cruz")
    ['F1_MP', 'Teodora Huamán', 'Ccori de la Cruz']
    """
    import textwrap

    if not name:
        return [ident]
    wrapped = textwrap.wrap(name, NAME_WIDTH, break_long_words=True) or [""]
    if len(wrapped) > NAME_LINES:
        wrapped = wrapped[:NAME_LINES]
        wrapped[-1] = wrapped[-1][:NAME_WIDTH - 1] + "…"
    return [ident] + wrapped


#: Width of a label's character (12 px sans-serif, a little over Chromium's 6.6).
CHAR_WIDTH = 7.0


def _remains_box(remains: str, y: float, r: float) -> tuple[float, float]:
    """Width and top of the remains' box above a missing person drawn at height ``y``."""
    return max(GAP_X * 0.9, CHAR_WIDTH * len(remains) + 12), y - r - 5 - 52


def _remains_clearance(pos: dict[str, tuple[float, float]], missing: str, remains: str,
                       labels: dict[str, str], r: float) -> float:
    """How much further apart the generations must be drawn for the remains' box above
    ``missing`` to clear the label of every person drawn above it and across it (at least
    :data:`REMAINS_GAP`, or 0 when none is in the way)."""
    if missing not in pos:
        return 0.0
    x, y = pos[missing]
    bw, by = _remains_box(remains, y, r)
    needed = 0.0
    for ident, (px, py) in pos.items():
        if ident == missing or py >= y:
            continue
        lines = _label_lines(ident, labels.get(ident))
        half = CHAR_WIDTH * max(len(line) for line in lines) / 2
        if abs(px - x) >= half + bw / 2 + 2:
            continue
        bottom = py + r + 22 + 14 * (len(lines) - 1) + 5    # the last line's descenders
        needed = max(needed, bottom + 3 - by)
    return max(float(REMAINS_GAP), math.ceil(needed)) if needed > 0 else 0.0


def pedigree_svg(pedigree: Pedigree, *, typed: Sequence[str], missing: str,
                 other_missing: Sequence[str] = (), remains: str = "",
                 labels: Mapping[str, str] | None = None,
                 words: Callable[[str], str] = str) -> str:
    """The pedigree as an inline ``<svg>`` element (text, escaped).

    Parameters
    ----------
    pedigree : Pedigree
    typed : sequence of str
        Persons whose DNA was analysed (filled).
    missing : str
        The missing person the remains are compared with (double outline, "?").
    other_missing : sequence of str
        Other missing persons of the family ("?").
    remains : str
        Label of the remains (PM sample ids) drawn beside ``missing``; empty for none.
    labels : mapping, optional
        Names, written under the person's id (wrapped, cut after two lines; the full name is
        in the tooltip), when identities are asked for.
    words : callable
        Translates the legend's keys (``legend_male``...).

    Returns
    -------
    str
        One ``<svg>`` element: one ``<g class="person" data-id=...>`` with one shape per
        person, the lines of descent, and a legend.

    Examples
    --------
    >>> from forensic_match.pedigree import trio
    >>> svg = pedigree_svg(trio(), typed=["AF"], missing="C")
    >>> svg.count('class="person"')
    3
    """
    labels = labels or {}
    top = 48 if remains else 0
    n_lines = max((len(_label_lines(i, labels.get(i))) for i, *_ in pedigree.records()),
                  default=1)
    below = 14 * (n_lines - 1)
    r = SIZE / 2
    # The remains' box stands above the missing person, where the labels of the persons
    # drawn above are: the generations are drawn further apart when a label would meet the
    # box (it hid "F10_MO" under "J1": an outside check in Chromium, 2026-12-07; and, while
    # only the parents were cleared, a mother-in-law's "F05_GM" under "G4-02", box at y
    # 159-187 and label at 164, or her name's third line at 192 with names: the same
    # check, 2026-12-08).
    pos = {k: (x, y + top) for k, (x, y) in layout(pedigree, gap_y=GAP_Y + below).items()}
    above = _remains_clearance(pos, missing, remains, labels, r) if remains else 0.0
    if above:
        pos = {k: (x, y + top) for k, (x, y) in
               layout(pedigree, gap_y=GAP_Y + below + above).items()}
    typed_set = set(typed)
    parts: list[str] = []
    for f, m in _couples(pedigree):
        kids = [i for i, *_ in pedigree.records() if pedigree.parents(i) == (f, m)]
        (xf, yf), (xm, ym) = pos[f], pos[m]
        parts.append(f'<line class="mate" x1="{xf:.1f}" y1="{yf:.1f}" x2="{xm:.1f}" '
                     f'y2="{ym:.1f}"/>')
        mx, my = (xf + xm) / 2, max(yf, ym)
        ky = min(pos[k][1] for k in kids) - r * 1.3 - 14
        xs = [pos[k][0] for k in kids]
        parts.append(f'<line class="descent" x1="{mx:.1f}" y1="{my:.1f}" x2="{mx:.1f}" '
                     f'y2="{ky:.1f}"/>')
        parts.append(f'<line class="descent" x1="{min(xs + [mx]):.1f}" y1="{ky:.1f}" '
                     f'x2="{max(xs + [mx]):.1f}" y2="{ky:.1f}"/>')
        for k in kids:
            kx, kyy = pos[k]
            parts.append(f'<line class="descent" x1="{kx:.1f}" y1="{ky:.1f}" x2="{kx:.1f}" '
                         f'y2="{kyy - r * 1.2:.1f}"/>')
    for ident, *_ in pedigree.records():
        x, y = pos[ident]
        sex = pedigree.sex_of(ident)
        role = ("missing" if ident == missing else "other-missing" if ident in other_missing
                else "typed" if ident in typed_set else "untyped")
        fill = "typed" if ident in typed_set else "untyped"
        label = f"{labels[ident]} ({ident})" if labels.get(ident) else ident
        shape = _shape(sex, x, y, r, f"shape {fill}")
        extra = ""
        if ident == missing:
            extra = _shape(sex, x, y, r + 5, "outline") + \
                f'<text class="mark" x="{x:.1f}" y="{y + 7:.1f}">?</text>'
        elif ident in other_missing:
            extra = f'<text class="mark" x="{x:.1f}" y="{y + 7:.1f}">?</text>'
        lines = "".join(f'<tspan x="{x:.1f}" dy="{0 if k == 0 else 14}">{escape(line)}</tspan>'
                        for k, line in enumerate(_label_lines(ident, labels.get(ident))))
        parts.append(
            f'<g class="person" data-id="{escape(ident)}" data-sex="{sex}" '
            f'data-role="{role}"><title>{escape(label)}</title>{shape}{extra}'
            f'<text class="label" x="{x:.1f}" y="{y + r + 22:.1f}">{lines}</text></g>')
    if remains and missing in pos:
        x, y = pos[missing]
        bw, by = _remains_box(remains, y, r)
        parts.append(f'<g class="remains"><line class="link" x1="{x:.1f}" '
                     f'y1="{by + 28:.1f}" x2="{x:.1f}" y2="{y - r - 5:.1f}"/>'
                     f'<rect class="remains-box" x="{x - bw / 2:.1f}" y="{by:.1f}" '
                     f'width="{bw:.1f}" height="28"/>'
                     f'<text class="remains-text" x="{x:.1f}" y="{by + 18:.1f}">'
                     f'{escape(remains)}</text></g>')
    width = max(x for x, _ in pos.values()) + GAP_X + MARGIN + 40
    height = max(y for _, y in pos.values()) + r + 40 + below
    legend_y = height + 10
    items = [("M", "shape untyped", "legend_male"), ("F", "shape untyped", "legend_female"),
             ("U", "shape untyped", "legend_unknown"), ("M", "shape typed", "legend_typed"),
             ("M", "shape untyped", "legend_missing")]
    legend = []
    lx = MARGIN
    right = 0.0

    def place(span: float) -> float:
        # a new row rather than a text past the drawing's right edge (the Spanish "persona
        # desaparecida buscada" was cut in a drawing 348 wide: an outside check, 2026-12-07)
        nonlocal lx, legend_y, right
        if lx > MARGIN and lx + span > width - MARGIN:
            legend_y += 26
            lx = MARGIN
        at, lx = lx, lx + span
        right = max(right, lx)
        return at

    for k, (sex, css, key) in enumerate(items):
        cx = place(40 + LEGEND_CHAR * len(words(key))) + 10
        mark = (_shape(sex, cx, legend_y, 13, "outline") +
                f'<text class="mark" x="{cx:.1f}" y="{legend_y + 5:.1f}">?</text>'
                if key == "legend_missing" else "")
        legend.append(f'<g class="legend-item">{_shape(sex, cx, legend_y, 8, css)}{mark}'
                      f'<text class="legend-text" x="{cx + 18:.1f}" y="{legend_y + 4:.1f}">'
                      f'{escape(words(key))}</text></g>')
        if k == 2:
            legend_y += 26
            lx = MARGIN
    if remains:
        bx = place(28 + LEGEND_CHAR * len(words("legend_pm")))
        legend.append(f'<g class="legend-item"><rect class="remains-box" x="{bx:.1f}" '
                      f'y="{legend_y - 8:.1f}" width="20" height="16"/><text '
                      f'class="legend-text" x="{bx + 28:.1f}" y="{legend_y + 4:.1f}">'
                      f'{escape(words("legend_pm"))}</text></g>')
    width = max(width, right + MARGIN)
    total_h = legend_y + 24
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="pedigree" role="img" '
            f'viewBox="0 0 {width:.0f} {total_h:.0f}" width="{width:.0f}" '
            f'height="{total_h:.0f}">' + "".join(parts) +
            '<g class="legend">' + "".join(legend) + "</g></svg>")
