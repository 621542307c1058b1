"""The lineage markers behind proposals and candidates (runs with lineage data): per line
(Y, mtDNA) the lineage log10 LR, the relative compared with and the meioses; for proposals
also the numerator, the frequency, its method and database, and the comparison in words.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposal_lineage",
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
                  primary_key=True, autoincrement=False),
        sa.Column("line", sa.String(10), primary_key=True),
        sa.Column("log10_lr", sa.Float, nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("meioses", sa.Integer, nullable=False),
        sa.Column("numerator", sa.Float, nullable=False),
        sa.Column("frequency", sa.Float, nullable=False),
        sa.Column("method", sa.String(50), nullable=False),
        sa.Column("database", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text, nullable=False))
    op.create_table(
        "candidate_lineage",
        sa.Column("run_id", sa.String(200), sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("pm", sa.String(200), primary_key=True),
        sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("line", sa.String(10), primary_key=True),
        sa.Column("log10_lr", sa.Float, nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("meioses", sa.Integer, nullable=False))


def downgrade() -> None:
    op.drop_table("candidate_lineage")
    op.drop_table("proposal_lineage")
