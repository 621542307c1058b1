"""The case store's first schema: families, persons, identities, samples, versioned profiles,
runs, candidates, proposals and their basis, reviews, users and the hash-chained audit log.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID, HASH, TIME = 200, 64, 32


def upgrade() -> None:
    op.create_table(
        "families",
        sa.Column("family_id", sa.String(ID), primary_key=True),
        sa.Column("created_at", sa.String(TIME), nullable=False))
    op.create_table(
        "family_versions",
        sa.Column("family_id", sa.String(ID), sa.ForeignKey("families.family_id"),
                  primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(HASH), nullable=False),
        sa.Column("created_at", sa.String(TIME), nullable=False),
        sa.Column("run_id", sa.String(ID), nullable=True))
    op.create_table(
        "persons",
        sa.Column("person_id", sa.String(ID), primary_key=True),
        sa.Column("family_id", sa.String(ID), sa.ForeignKey("families.family_id"),
                  nullable=False),
        sa.Column("created_at", sa.String(TIME), nullable=False))
    op.create_table(
        "identities",
        sa.Column("person_id", sa.String(ID), sa.ForeignKey("persons.person_id"),
                  primary_key=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(TIME), nullable=False))
    op.create_table(
        "samples",
        sa.Column("sample_id", sa.String(ID), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("family_id", sa.String(ID), sa.ForeignKey("families.family_id"),
                  nullable=True),
        sa.Column("person_id", sa.String(ID), sa.ForeignKey("persons.person_id"),
                  nullable=True),
        sa.Column("created_at", sa.String(TIME), nullable=False))
    op.create_table(
        "profiles",
        sa.Column("sample_id", sa.String(ID), sa.ForeignKey("samples.sample_id"),
                  primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(HASH), nullable=False),
        sa.Column("created_at", sa.String(TIME), nullable=False),
        sa.Column("run_id", sa.String(ID), nullable=True))
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(ID), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("software_version", sa.String(50), nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("config_sha256", sa.String(HASH), nullable=False),
        sa.Column("frequencies_sha256", sa.String(HASH), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.String(TIME), nullable=False),
        sa.Column("finished_at", sa.String(TIME), nullable=True),
        sa.Column("timings", sa.Text, nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
        sa.Column("candidates_sha256", sa.String(HASH), nullable=True),
        sa.Column("error", sa.Text, nullable=True))
    op.create_table(
        "candidates",
        sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("pm", sa.String(ID), primary_key=True),
        sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("family_id", sa.String(ID), nullable=False),
        sa.Column("missing", sa.String(ID), nullable=False),
        sa.Column("log10_lr", sa.Float, nullable=False),
        sa.Column("n_markers", sa.Integer, nullable=False),
        sa.Column("n_inconsistent", sa.Integer, nullable=False))
    op.create_table(
        "proposals",
        sa.Column("proposal_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), nullable=False),
        sa.Column("pm", sa.String(ID), nullable=False),
        sa.Column("family_id", sa.String(ID), sa.ForeignKey("families.family_id"),
                  nullable=False),
        sa.Column("missing", sa.String(ID), nullable=False),
        sa.Column("log10_lr", sa.Float, nullable=False),
        sa.Column("posterior", sa.Float, nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("engine_reason", sa.Text, nullable=False),
        sa.Column("basis_sha256", sa.String(HASH), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reviewer", sa.String(ID), nullable=True),
        sa.Column("needs_review", sa.Boolean, nullable=False),
        sa.Column("stale_reason", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(TIME), nullable=False),
        sa.Column("updated_at", sa.String(TIME), nullable=False),
        sa.UniqueConstraint("pm", "family_id", "missing", "basis_sha256",
                            name="uq_proposals_pair_basis"))
    op.create_table(
        "proposal_basis",
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
                  primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("ref_id", sa.String(ID), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False))
    op.create_index("ix_proposal_basis_ref", "proposal_basis", ["kind", "ref_id"])
    op.create_table(
        "reviews",
        sa.Column("review_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
                  nullable=False),
        sa.Column("actor", sa.String(ID), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=False),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.String(TIME), nullable=False))
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(ID), primary_key=True),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(TIME), nullable=False))
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(TIME), nullable=False),
        sa.Column("actor", sa.String(ID), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("entity", sa.String(50), nullable=False),
        sa.Column("entity_key", sa.String(ID), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(HASH), nullable=False),
        sa.Column("hash", sa.String(HASH), nullable=False))
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(HASH), nullable=False))
    op.bulk_insert(sa.table("audit_head", sa.column("id", sa.Integer),
                            sa.column("seq", sa.Integer), sa.column("hash", sa.String)),
                   [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    for name in ("audit_head", "audit_log", "users", "reviews", "proposal_basis", "proposals",
                 "candidates", "runs", "profiles", "samples", "identities", "persons",
                 "family_versions", "families"):
        op.drop_table(name)
