"""The columns that hold several ids joined become Text: ``proposals.pm`` and
``proposal_conditioning.pm`` (a body's PM samples joined by ","), ``audit_log.entity_key``
(a row's key columns joined by "|"). In VARCHAR(200) PostgreSQL refused a body of 6
fragments with 37-character laboratory ids (227 characters) and failed every night's run
(an outside check, h_pg F1, 2026-12-08); SQLite never enforced the length. The stored rows
are carried over unchanged (on SQLite the tables are rebuilt with their rows, keys and
indexes; on PostgreSQL the columns change type in place).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: (table, column) of the joined ids.
JOINED = (("proposals", "pm"), ("proposal_conditioning", "pm"), ("audit_log", "entity_key"))


def upgrade() -> None:
    for table, column in JOINED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.Text, existing_type=sa.String(200),
                               existing_nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    for table, column in JOINED:
        longest = bind.execute(sa.text(
            f"SELECT MAX(LENGTH({column})) FROM {table}")).scalar()
        if longest is not None and longest > 200:
            raise RuntimeError(f"cannot go below revision 0010: {table}.{column} holds a value "
                               f"of {longest} characters, more than the 200 of revision 0009")
    for table, column in JOINED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(200), existing_type=sa.Text,
                               existing_nullable=False)
