"""Candidates kept as intervals of runs: a PM sample's list is kept from the run that first
ranked it until the run whose list differs (``candidates.until_run_id``), in the order of
``run_order``, instead of every run writing every sample's list again.

The upgrade gives every finished run (and any run holding candidate rows) its place in the
order the runs started, walks them in that order and keeps, of each run's list of a sample
that equals (in every value, its lineage and SNP rows included) the list open before it, only
the first run's rows, which it leaves open; a list that differs closes the open one. Each run's
candidates read back (``store.candidates.run_candidates``) are then exactly the rows it held,
so its ``candidates_sha256`` holds. The downgrade writes every run's rows again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = 200
CHUNK = 500

_runs = sa.table("runs", sa.column("run_id", sa.String), sa.column("status", sa.String),
                 sa.column("started_at", sa.String))
_order = sa.table("run_order", sa.column("run_id", sa.String), sa.column("seq", sa.Integer))
# the three tables of a run's lists, with the columns every run wrote (run_id first)
_COLUMNS = {
    "candidates": ("run_id", "pm", "rank", "family_id", "missing", "log10_lr", "n_markers",
                   "n_inconsistent"),
    "candidate_lineage": ("run_id", "pm", "rank", "line", "log10_lr", "reference", "meioses"),
    "candidate_snp": ("run_id", "pm", "rank", "log10_lr", "method", "n_references",
                      "best_reference", "relationship"),
}
_TABLES = {name: sa.table(name, *(sa.column(c) for c in cols)) for name, cols in
           _COLUMNS.items()}
_until = sa.table("candidates", sa.column("run_id", sa.String), sa.column("pm", sa.String),
                  sa.column("until_run_id", sa.String))


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def _lists(conn: sa.Connection, run_id: str) -> dict[str, tuple[Any, ...]]:
    """A run's list of each PM sample: its rows of the three tables (without ``run_id``),
    sorted, as one comparable value."""
    out: dict[str, tuple[list[Any], ...]] = {}
    for i, (name, table) in enumerate(_TABLES.items()):
        cols = _COLUMNS[name][1:]
        for r in conn.execute(sa.select(*(table.c[k] for k in cols))
                              .where(table.c.run_id == run_id)).all():
            out.setdefault(r[0], ([], [], []))[i].append(tuple(r))
    return {pm: tuple(tuple(sorted(x)) for x in v) for pm, v in out.items()}


def upgrade() -> None:
    op.create_table(
        "run_order",
        sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False, unique=True))
    with op.batch_alter_table("candidates") as batch:
        batch.add_column(sa.Column("until_run_id", sa.String(ID), nullable=True))
        batch.create_foreign_key("fk_candidates_until_run_id", "runs", ["until_run_id"],
                                 ["run_id"])
        batch.create_index("ix_candidates_until", ["until_run_id"])
    conn = op.get_bind()
    c = _TABLES["candidates"]
    holding = set(conn.execute(sa.select(c.c.run_id).distinct()).scalars())
    runs = [r.run_id for r in conn.execute(
        sa.select(_runs.c.run_id, _runs.c.status).order_by(_runs.c.started_at,
                                                           _runs.c.run_id))
        if r.status == "finished" or r.run_id in holding]
    if runs:
        op.bulk_insert(_order, [{"run_id": r, "seq": i} for i, r in enumerate(runs, start=1)])
    open_: dict[str, tuple[str, tuple[Any, ...]]] = {}   # pm -> (first run, its list)
    for run in runs:
        lists = _lists(conn, run)
        closing = [(first, pm) for pm, (first, held) in open_.items()
                   if lists.get(pm) != held]
        kept = sorted(pm for pm, held in lists.items()
                      if pm in open_ and open_[pm][1] == held)
        for first, pm in closing:
            conn.execute(_until.update().where(_until.c.run_id == first, _until.c.pm == pm)
                         .values(until_run_id=run))
            del open_[pm]
        for pms in _chunks(kept):   # the same list again: the first run's rows stand for it
            for table in reversed(_TABLES.values()):
                conn.execute(table.delete().where(table.c.run_id == run, table.c.pm.in_(pms)))
        for pm, held in lists.items():
            if pm not in open_:
                open_[pm] = (run, held)


def downgrade() -> None:
    conn = op.get_bind()
    runs = list(conn.execute(sa.select(_order.c.run_id).order_by(_order.c.seq)).scalars())
    rows: dict[tuple[str, str], list[list[dict[str, Any]]]] = {}
    for i, table in enumerate(_TABLES.values()):
        for r in conn.execute(sa.select(table)).mappings():
            rows.setdefault((r["run_id"], r["pm"]), [[], [], []])[i].append(dict(r))
    until = {(r.run_id, r.pm): r.until_run_id for r in conn.execute(
        sa.select(_until.c.run_id, _until.c.pm, _until.c.until_run_id).distinct())}
    open_: dict[str, str] = {}   # pm -> the run whose rows are its open list
    for run in runs:
        for pm, first in list(open_.items()):
            if until.get((first, pm)) == run:
                del open_[pm]
        for (first, pm) in rows:
            if first == run:
                open_[pm] = run
        carried = [(first, pm) for pm, first in open_.items() if first != run]
        for i, table in enumerate(_TABLES.values()):
            copies = [r | {"run_id": run} for key in carried for r in rows[key][i]]
            for part in _chunks(copies):
                conn.execute(table.insert(), part)
    with op.batch_alter_table("candidates") as batch:
        batch.drop_index("ix_candidates_until")
        batch.drop_constraint("fk_candidates_until_run_id", type_="foreignkey")
        batch.drop_column("until_run_id")
    op.drop_table("run_order")
