"""The identified bodies (and their proposals) each proposal's LR was conditioned on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposal_conditioning",
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
                  primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("pm", sa.String(200), nullable=False),
        sa.Column("family_id", sa.String(200), nullable=False),
        sa.Column("missing", sa.String(200), nullable=False),
        sa.Column("conditioning_proposal_id", sa.Integer,
                  sa.ForeignKey("proposals.proposal_id"), nullable=True))


def downgrade() -> None:
    op.drop_table("proposal_conditioning")
