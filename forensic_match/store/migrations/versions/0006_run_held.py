"""What each run held back rather than proposed, and why (a family whose references
contradict its pedigree, a body whose DNA is a living relative's, a possible second fragment
of a body already identified).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_held",
        sa.Column("run_id", sa.String(200), sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("pm", sa.String(200), nullable=False),
        sa.Column("family_id", sa.String(200), nullable=False),
        sa.Column("missing", sa.String(200), nullable=True),
        sa.Column("log10_lr", sa.Float, nullable=True),
        sa.Column("reason", sa.Text, nullable=False))


def downgrade() -> None:
    op.drop_table("run_held")
