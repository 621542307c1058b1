"""Dense SNP data in the store (runs with SNP data): the marker layouts and the versioned SNP
calls of PM samples and references, and the linked-SNP part of proposals and candidates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snp_layouts",
        sa.Column("layout_sha256", sa.String(64), primary_key=True),
        sa.Column("markers", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(200), nullable=True))
    op.create_table(
        "snp_calls",
        sa.Column("sample_id", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("family_id", sa.String(200), nullable=True),
        sa.Column("layout_sha256", sa.String(64), sa.ForeignKey("snp_layouts.layout_sha256"),
                  nullable=False),
        sa.Column("calls", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(200), nullable=True))
    for name, keys in (("proposal_snp", [
            sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
                      primary_key=True, autoincrement=False)]),
            ("candidate_snp", [
                sa.Column("run_id", sa.String(200), sa.ForeignKey("runs.run_id"),
                          primary_key=True),
                sa.Column("pm", sa.String(200), primary_key=True),
                sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False)])):
        op.create_table(
            name, *keys,
            sa.Column("log10_lr", sa.Float, nullable=False),
            sa.Column("method", sa.String(500), nullable=False),
            sa.Column("n_references", sa.Integer, nullable=False),
            sa.Column("best_reference", sa.String(200), nullable=True),
            sa.Column("relationship", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_table("candidate_snp")
    op.drop_table("proposal_snp")
    op.drop_table("snp_calls")
    op.drop_table("snp_layouts")
