"""Names and personal data of the stored persons, imported from the institution's table.

The genetic data, runs and decisions of a store carry pseudonymous ids only; who a person is
lives in the ``identities`` table alone (``docs/store.md``, "Identities"). The institution's
register is usually a spreadsheet: :func:`read_identities` reads one (CSV, TSV, Excel,
Parquet) with a person-id column and a name column; every other column becomes the person's
details. :func:`import_identities` writes them in one transaction: every row is checked
first, so a table with one bad row changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from forensic_match.errors import InputError, similar_ids
from forensic_match.profiles import file_id, refuse_wrongly_encoded
from forensic_match.store import schema
from forensic_match.tables import EXCEL_SUFFIXES, Table, column_key, read_table

#: Accepted names of the person-id column (as column keys: case, spaces, ``_`` and ``-``
#: ignored).
ID_COLUMNS = ("personid", "person", "persona", "id", "missing", "code", "codigo")
#: Accepted names of the name column.
NAME_COLUMNS = ("name", "nombre", "fullname", "nombrecompleto")
#: Accepted names of an optional family column: with it, the stored id is ``family/person``.
FAMILY_COLUMNS = ("family", "familyid", "familia")


@dataclass(frozen=True)
class IdentityRow:
    """One person of an identities table: where it is (for errors), id, name, details."""

    where: str
    person_id: str
    name: str
    details: dict[str, str]


def read_identities(path: str | Path) -> list[IdentityRow]:
    """The rows of an identities table, checked for what the file alone can tell.

    Parameters
    ----------
    path : str or Path
        A table with a person-id column (``person_id``, ``person``, ``id``, ``missing`` or
        ``code``) and a name column (``name``, ``nombre``, ``full name``...). The store keeps
        a person as ``family/person`` (``F0055/F0055_MP1``): the id column holds that, or a
        ``family`` column holds the family and the id column the person. Other columns
        (birth date, document number, contact...) become the details, under their header
        as written; empty cells are left out.

    Returns
    -------
    list of IdentityRow

    Raises
    ------
    InputError
        No id or name column, a column named twice, a row without an id or a name, an id
        holding an invisible character, an id given twice (both rows named), or an id, a name,
        a detail or a column name holding UTF-8 read as Windows-1252 (``HuamÃ¡n``: the file
        re-saved with the wrong encoding; :func:`~forensic_match.profiles.file_id`).
    """
    table: Table = read_table(path)
    id_col = _one_column(table, "person id", ID_COLUMNS, required=True)
    name_col = _one_column(table, "name", NAME_COLUMNS, required=True)
    family_col = _one_column(table, "family", FAMILY_COLUMNS, required=False)
    used = (id_col, name_col, family_col)
    keys = [column_key(h) for h in table.header]
    for i, key in enumerate(keys):  # a details column named twice would lose one value
        if key and i not in used:
            table.column(key)
    for header in table.header:  # a details header is shown on reports as written
        refuse_wrongly_encoded(header, table.loc(1), what="column name")
    rows: list[IdentityRow] = []
    first: dict[str, str] = {}
    for number, cells in table.rows:
        where = table.loc(number)
        person = file_id(cells[id_col].strip(), where)
        if not person:
            raise InputError(f"{where}: no person id")
        if family_col is not None:
            family = file_id(cells[family_col].strip(), where)
            if not family:
                raise InputError(f"{where}, person {person!r}: no family")
            person = f"{family}/{person}"
        where = f"{table.loc(number)}, person {person!r}"
        name = cells[name_col].strip()
        if not name:
            raise InputError(f"{where}: no name")
        # a name is matched with nothing, but stored and printed on the family's report
        for i, value in enumerate(cells):
            if i not in (id_col, family_col):
                refuse_wrongly_encoded(value.strip(), where, what="name" if i == name_col
                                       else f"{table.header[i]!r} cell")
        if person in first:
            raise InputError(f"{where}: the person is given twice (first at {first[person]})")
        first[person] = table.loc(number)
        details = {table.header[i]: value.strip() for i, value in enumerate(cells)
                   if i not in used and value.strip() and table.header[i]}
        rows.append(IdentityRow(where, person, name, details))
    if Path(path).suffix.lower() in EXCEL_SUFFIXES:
        rows = _as_shown(rows, path)
    return rows


def _as_shown(rows: list[IdentityRow], path: str | Path) -> list[IdentityRow]:
    """An Excel register's details as a person reads them in the sheet (an outside check,
    2026-12-08): a date cell is read as ``1965-02-11 00:00:00`` and kept as ``1965-02-11``;
    a document number typed as a number has lost its leading zeros (``08123456`` is the
    number 8123456), which nothing in the file can restore: a column of digits of several
    lengths is named in a warning, its values kept as read."""
    import re
    import warnings

    from forensic_match.errors import ForensicMatchWarning

    midnight = re.compile(r"\d{4}-\d{2}-\d{2} 00:00:00")
    rows = [IdentityRow(r.where, r.person_id, r.name,
                        {k: v[:10] if midnight.fullmatch(v) else v
                         for k, v in r.details.items()}) for r in rows]
    lengths: dict[str, set[int]] = {}
    for r in rows:
        for k, v in r.details.items():
            lengths.setdefault(k, set()).add(len(v) if v.isdigit() else -1)
    for column, seen in lengths.items():
        if -1 not in seen and len(seen) > 1:
            digits = " and ".join(map(str, sorted(seen)))
            warnings.warn(ForensicMatchWarning(
                f"file {str(path)!r}, column {column!r}: numbers of {digits} digits; a "
                f"spreadsheet drops the leading zeros of a number typed in a cell (08123456 "
                f"becomes 8123456), so the shorter ones may have lost theirs: kept as read; "
                f"format the column as text in the workbook and import it again"),
                stacklevel=3)
    return rows


def _one_column(table: Table, what: str, names: tuple[str, ...], *, required: bool,
                ) -> int | None:
    """The one column named as one of ``names``; two such columns (``name`` and
    ``nombre``) are refused, as the one that holds the data cannot be told."""
    keys = [column_key(h) for h in table.header]
    at = [i for i, k in enumerate(keys) if k in names]
    if len(at) > 1:
        raise InputError(f"{table.loc(1)}: columns {', '.join(str(i + 1) for i in at)} "
                         f"({', '.join(repr(table.header[i]) for i in at)}) all name the "
                         f"{what}; keep one")
    if at:
        return at[0]
    return table.require(what, *names) if required else None


def import_identities(conn: sa.Connection, rows: list[IdentityRow], *, actor: str,
                      ) -> dict[str, int]:
    """Record every row's name and details (created or replaced), inside the caller's
    transaction, after checking that every person is in the store.

    Returns
    -------
    dict
        ``{"created": n, "replaced": m}``.

    Raises
    ------
    InputError
        A person id that is not in the store (the row named, with ids that differ only in
        case, as a hint); nothing is written.
    """
    from forensic_match.store.records import set_identity

    stored = {r[0] for r in conn.execute(sa.select(schema.persons.c.person_id))}
    for row in rows:
        if row.person_id not in stored:
            raise InputError(f"{row.where}: no such person in the store"
                             f"{similar_ids(row.person_id, sorted(stored))}; persons are "
                             f"stored under their pedigrees' ids (the missing persons and "
                             f"their relatives)")
    known = {r[0] for r in conn.execute(sa.select(schema.identities.c.person_id))}
    counts = {"created": 0, "replaced": 0}
    for row in rows:
        set_identity(conn, row.person_id, row.name, actor=actor, details=row.details)
        counts["replaced" if row.person_id in known else "created"] += 1
    return counts


def identities_summary(counts: dict[str, Any]) -> str:
    """``"2 created, 1 replaced"``: what an import did, without a name."""
    return f"{counts['created']} created, {counts['replaced']} replaced"
