"""The bodies each run placed in a family without saying who in it (family level).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_family_level",
        sa.Column("run_id", sa.String(200), sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("pm", sa.String(200), nullable=False),
        sa.Column("fragments", sa.Text, nullable=False),
        sa.Column("family_id", sa.String(200), nullable=False),
        sa.Column("candidates", sa.Text, nullable=False),
        sa.Column("posterior", sa.Float, nullable=False),
        sa.Column("relatives_posterior", sa.Float, nullable=False),
        sa.Column("best_log10_lr", sa.Float, nullable=True),
        sa.Column("caution", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_table("run_family_level")
