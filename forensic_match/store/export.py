"""The store's content as JSON, row by row: an export that holds one batch of rows at a time.

An export was built as one dictionary and then one string: 2.55 GB of memory for a store after
one Peru-scale night (290 MB on disk), and a store grows by a night's candidates every night
(``docs/store.md``, "Exports"). :func:`write_export` writes the same content to a file as it
reads it, in batches of :data:`BATCH_ROWS` rows, from one read transaction (one snapshot of the
store, so that the tables and the audit head agree).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from typing import IO, Any

import sqlalchemy as sa

from forensic_match.errors import finite_json
from forensic_match.store import schema

#: The tables an export holds, in this order; the audit log is not among them (``store
#: verify`` checks it; the export carries its head).
EXPORTED_TABLES = ("families", "family_versions", "persons", "samples", "profiles", "runs",
                   "run_warnings", "run_held", "run_family_level", "run_order", "candidates",
                   "candidate_lineage", "proposals", "proposal_basis", "proposal_evidence",
                   "proposal_lineage", "proposal_conditioning", "snp_layouts", "snp_calls",
                   "candidate_snp", "proposal_snp", "reviews", "users")

#: Columns stored as JSON text, exported as the values they hold.
_JSON_COLUMNS = ("content", "config", "inputs", "timings", "counts", "details")

#: Rows fetched from the database at a time.
BATCH_ROWS = 2_000


def table_rows(conn: sa.Connection, table: sa.Table) -> Iterator[dict[str, Any]]:
    """A table's rows in primary-key order, JSON columns decoded, fetched in batches."""
    query = sa.select(table).order_by(*table.primary_key.columns)
    # closed on leaving, also when the generator is closed early (a PostgreSQL server-side
    # cursor left open was a ResourceWarning after a failed write)
    with conn.execution_options(yield_per=BATCH_ROWS).execute(query) as result:
        for r in result.mappings():
            row = dict(r)
            for key in _JSON_COLUMNS:
                if key in row and isinstance(row[key], str):
                    row[key] = json.loads(row[key])
            yield row


def _sections(conn: sa.Connection, identities: bool) -> Iterator[tuple[str, Any]]:
    """(name, value) of every part of an export in order: a table's value is an iterator of
    its rows, the schema revision's and the audit head's a plain value."""
    from forensic_match.store.database import current_revision

    yield "schema_revision", current_revision(conn)
    for name in EXPORTED_TABLES:
        yield name, table_rows(conn, schema.metadata.tables[name])
    if identities:
        yield "identities", table_rows(conn, schema.identities)
    (head,) = table_rows(conn, schema.audit_head)
    yield "audit_head", head


def export_store(conn: sa.Connection, *, identities: bool = False) -> dict[str, Any]:
    """Every table of the store except the audit log, as lists of rows (in memory: for a large
    store use :func:`write_export`).

    Names and personal data (``identities``) are included only when asked; the genetic data
    and decisions carry pseudonymous ids only. The audit head (last entry and its hash) is
    included so that an export can be tied to a verified state of the log.
    """
    return {name: value if isinstance(value, (dict, str, type(None))) else list(value)
            for name, value in _sections(conn, identities)}


def write_export(conn: sa.Connection, out: IO[str], *, identities: bool = False) -> dict[str,
                                                                                        int]:
    """Write :func:`export_store`'s content to ``out`` as JSON, one row a line, reading the
    tables in batches (memory: one batch, whatever the store's size).

    ``json.load`` of the file gives :func:`export_store`'s dictionary, with every non-finite
    float as ``null``. Read it inside one read transaction (``CaseStore.reading()``) so that
    the tables and the audit head are one state of the store.

    Returns
    -------
    dict
        Rows written per table.
    """
    def dumps(value: Any) -> str:
        return json.dumps(finite_json(value), ensure_ascii=False, allow_nan=False)

    counts: dict[str, int] = {}
    out.write("{")
    for i, (name, value) in enumerate(_sections(conn, identities)):
        out.write(("," if i else "") + f"\n{dumps(name)}: ")
        if isinstance(value, (dict, str, type(None))):
            out.write(dumps(value))
            continue
        n = 0
        out.write("[")
        with closing(value):
            for row in value:
                out.write(("," if n else "") + "\n " + dumps(row))
                n += 1
        out.write("\n]" if n else "]")
        counts[name] = n
    out.write("\n}\n")
    return counts
