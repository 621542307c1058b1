"""The non-DNA evidence behind a proposal (runs with AM/PM evidence): DNA LR, evidence LR,
the pieces in words and the place-and-date prior factor.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposal_evidence",
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
                  primary_key=True, autoincrement=False),
        sa.Column("dna_log10_lr", sa.Float, nullable=False),
        sa.Column("evidence_log10_lr", sa.Float, nullable=False),
        sa.Column("pieces", sa.Text, nullable=False),
        sa.Column("place_prior", sa.Float, nullable=True))


def downgrade() -> None:
    op.drop_table("proposal_evidence")
