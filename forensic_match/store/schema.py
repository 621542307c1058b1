"""Tables of the case store (SQLAlchemy Core), portable to SQLite and PostgreSQL.

Nothing here is SQLite-only: strings have lengths, JSON is kept as canonical text (so that
the audit hashes are byte-exact on every backend), times are ISO 8601 UTC strings, and
booleans are :class:`sqlalchemy.Boolean`. The migrations in ``migrations/versions`` create
exactly these tables (``tests/test_store.py`` compares them).

Genetic data are keyed by pseudonymous ids (``family/individual`` for relatives, the lab's
sample id for PM samples); names and personal data are only in :data:`identities`.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

ID = 200        # length of every single-id column; ids longer are refused at ingest
# Columns that hold several ids joined (a body's fragments "PM1,PM2,...", an audit entry's key
# "sample|version") are Text: a body of 6 fragments of 37-character laboratory ids is 227
# characters, and PostgreSQL refused it in a VARCHAR(200) and failed every night's run
# (an outside check, h_pg F1, 2026-12-08; migration 0010).
HASH = 64       # a hex sha256
TIME = 32       # ISO 8601 UTC, "2026-12-04T07:08:09.123456+00:00"

#: Proposal states (``docs/store.md``, "Review"). ``superseded``: an approved (or live)
#: proposal of part of a body, replaced by the approval of the same person's whole body.
STATES = ("pending", "reviewed", "approved", "rejected", "superseded")
#: Run states.
RUN_STATES = ("running", "finished", "failed")

families = sa.Table(
    "families", metadata,
    sa.Column("family_id", sa.String(ID), primary_key=True),
    sa.Column("created_at", sa.String(TIME), nullable=False),
)

# A family's pedigree, missing persons and antemortem records; a change is a new version.
family_versions = sa.Table(
    "family_versions", metadata,
    sa.Column("family_id", sa.String(ID), sa.ForeignKey("families.family_id"),
              primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(HASH), nullable=False),
    sa.Column("created_at", sa.String(TIME), nullable=False),
    sa.Column("run_id", sa.String(ID), nullable=True),
)

persons = sa.Table(
    "persons", metadata,
    sa.Column("person_id", sa.String(ID), primary_key=True),
    sa.Column("family_id", sa.String(ID), sa.ForeignKey("families.family_id"), nullable=False),
    sa.Column("created_at", sa.String(TIME), nullable=False),
)

# Names and personal identity: the only table that says who a pseudonymous id is.
identities = sa.Table(
    "identities", metadata,
    sa.Column("person_id", sa.String(ID), sa.ForeignKey("persons.person_id"),
              primary_key=True),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("updated_at", sa.String(TIME), nullable=False),
)

samples = sa.Table(
    "samples", metadata,
    sa.Column("sample_id", sa.String(ID), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # pm, relative, reference
    sa.Column("family_id", sa.String(ID), sa.ForeignKey("families.family_id"), nullable=True),
    sa.Column("person_id", sa.String(ID), sa.ForeignKey("persons.person_id"), nullable=True),
    sa.Column("created_at", sa.String(TIME), nullable=False),
)

# Profiles are never overwritten: a changed profile is a new version row.
profiles = sa.Table(
    "profiles", metadata,
    sa.Column("sample_id", sa.String(ID), sa.ForeignKey("samples.sample_id"),
              primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(HASH), nullable=False),
    sa.Column("created_at", sa.String(TIME), nullable=False),
    sa.Column("run_id", sa.String(ID), nullable=True),
)

runs = sa.Table(
    "runs", metadata,
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
    sa.Column("error", sa.Text, nullable=True),
)

# The warnings a run gave (an allele missing from the table, a family's new version that
# leaves out typed relatives...), kept with the run: a nightly run is often unattended.
run_warnings = sa.Table(
    "run_warnings", metadata,
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
)

# What a run held back rather than proposed, and why: a family whose references contradict
# its pedigree, a body whose DNA is a living relative's, a possible second fragment of a body
# already identified (``missing`` null for a family-level row).
run_held = sa.Table(
    "run_held", metadata,
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("pm", sa.String(ID), nullable=False),
    sa.Column("family_id", sa.String(ID), nullable=False),
    sa.Column("missing", sa.String(ID), nullable=True),
    sa.Column("log10_lr", sa.Float, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
)

# The bodies a run placed in a family without saying who in it (``family_level`` of the
# identification): the family's missing persons and unregistered relatives share a posterior
# that reaches the threshold (two missing brothers with the same references). Not proposals:
# antemortem data or more references decide who; kept so that no placement is lost.
# ``caution``: the family's typed members make a stated relationship questionable.
run_family_level = sa.Table(
    "run_family_level", metadata,
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("pm", sa.String(ID), nullable=False),
    sa.Column("fragments", sa.Text, nullable=False),
    sa.Column("family_id", sa.String(ID), nullable=False),
    sa.Column("candidates", sa.Text, nullable=False),
    sa.Column("posterior", sa.Float, nullable=False),
    sa.Column("relatives_posterior", sa.Float, nullable=False),
    sa.Column("best_log10_lr", sa.Float, nullable=True),
    sa.Column("caution", sa.Text, nullable=True),
)

# A PM sample's ranked candidates, kept from the run that first ranked them (``run_id``) up to,
# not including, the run whose list of the sample differs (``until_run_id``; null while they
# are the newest list): run R's candidates are the rows valid at R's place in ``run_order``
# (``store/candidates.py``; ``docs/store.md``, "Candidates kept as intervals"). A list is one
# unit: its rows, and their ``candidate_lineage`` and ``candidate_snp`` rows (keyed by the
# same run, sample and rank), are kept or replaced together.
candidates = sa.Table(
    "candidates", metadata,
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("pm", sa.String(ID), primary_key=True),
    sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("family_id", sa.String(ID), nullable=False),
    sa.Column("missing", sa.String(ID), nullable=False),
    sa.Column("log10_lr", sa.Float, nullable=False),
    sa.Column("n_markers", sa.Integer, nullable=False),
    sa.Column("n_inconsistent", sa.Integer, nullable=False),
    sa.Column("until_run_id", sa.String(ID),
              sa.ForeignKey("runs.run_id", name="fk_candidates_until_run_id"), nullable=True),
    sa.Index("ix_candidates_until", "until_run_id"),
)

# The finished runs in the order they wrote their candidates (``seq`` 1, 2, 3...): the order
# in which the candidates' intervals are read. One row per finished run, written in its
# finishing transaction; runs finished before migration 0009 are in the order they started.
run_order = sa.Table(
    "run_order", metadata,
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False, unique=True),
)

proposals = sa.Table(
    "proposals", metadata,
    sa.Column("proposal_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("pm", sa.Text, nullable=False),  # the body's PM samples, joined by ","
    sa.Column("family_id", sa.String(ID), sa.ForeignKey("families.family_id"), nullable=False),
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
                        name="uq_proposals_pair_basis"),
)

# The non-DNA evidence a proposal was computed with (runs with AM/PM evidence only): the DNA
# LR, the evidence LR (the proposal's log10_lr is their product), the pieces in words, and the
# place-and-date prior factor that weighed the pair in the decision (a prior, not an LR).
proposal_evidence = sa.Table(
    "proposal_evidence", metadata,
    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
              primary_key=True, autoincrement=False),
    sa.Column("dna_log10_lr", sa.Float, nullable=False),
    sa.Column("evidence_log10_lr", sa.Float, nullable=False),
    sa.Column("pieces", sa.Text, nullable=False),
    sa.Column("place_prior", sa.Float, nullable=True),
)

# The identified bodies a proposal's LR was conditioned on (identify's ``conditioned_on``: a
# family whose members were identified in a direct match or an earlier round gains their
# bodies as typed members, and its other missing persons are decided on that family), one row
# per body in the order they were identified: the body (its PM samples as a proposal names
# them), the missing person it was taken as, and the proposal of that pair when the run
# wrote this one (of this run, or the earlier one it did not propose again). Migration 0008;
# proposals made before it have no rows (not recorded).
proposal_conditioning = sa.Table(
    "proposal_conditioning", metadata,
    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
              primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("pm", sa.Text, nullable=False),  # the body's PM samples, joined by ","
    sa.Column("family_id", sa.String(ID), nullable=False),
    sa.Column("missing", sa.String(ID), nullable=False),
    sa.Column("conditioning_proposal_id", sa.Integer,
              sa.ForeignKey("proposals.proposal_id"), nullable=True),
)

# The lineage markers a proposal was computed with (runs with lineage data only): one row per
# line compared (Y, mtDNA), with the relative compared with, the meioses between them, the
# database and frequency method, and H1/H2 in words. The proposal's log10_lr includes them
# (autosomal + Y + mtDNA, plus AM/PM evidence when used).
proposal_lineage = sa.Table(
    "proposal_lineage", metadata,
    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
              primary_key=True, autoincrement=False),
    sa.Column("line", sa.String(10), primary_key=True),  # Y, mtDNA
    sa.Column("log10_lr", sa.Float, nullable=False),
    sa.Column("reference", sa.String(ID), nullable=False),
    sa.Column("meioses", sa.Integer, nullable=False),
    sa.Column("numerator", sa.Float, nullable=False),
    sa.Column("frequency", sa.Float, nullable=False),
    sa.Column("method", sa.String(50), nullable=False),
    sa.Column("database", sa.String(ID), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)

# The lineage part of a run's candidates (runs with lineage data only): per candidate and line
# compared, the lineage log10 LR, the relative compared with and the meioses; the candidate's
# log10_lr is then autosomal + its lineage rows.
candidate_lineage = sa.Table(
    "candidate_lineage", metadata,
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("pm", sa.String(ID), primary_key=True),
    sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("line", sa.String(10), primary_key=True),
    sa.Column("log10_lr", sa.Float, nullable=False),
    sa.Column("reference", sa.String(ID), nullable=False),
    sa.Column("meioses", sa.Integer, nullable=False),
)

# Dense SNP calls (runs with SNP data, ``docs/store.md``, "Linked SNPs"): the marker layout
# the calls are written against (each SNP's name and its two alleles, in panel order), kept
# once per layout, so that a call vector is a short text and a panel with other positions,
# frequencies or chromosomes reads the same calls by marker name.
snp_layouts = sa.Table(
    "snp_layouts", metadata,
    sa.Column("layout_sha256", sa.String(HASH), primary_key=True),
    sa.Column("markers", sa.Text, nullable=False),  # canonical JSON [[name, a1, a2], ...]
    sa.Column("created_at", sa.String(TIME), nullable=False),
    sa.Column("run_id", sa.String(ID), nullable=True),
)
# A PM sample's or an SNP-typed reference's SNP calls (copies of the layout's first allele,
# one character per SNP: 0, 1, 2, or "." for missing); a change is a new version, as for
# profiles. ``sample_id``: the PM sample's id, or ``family/individual`` for a reference
# (who need not be STR-typed, so no foreign key to ``samples``).
snp_calls = sa.Table(
    "snp_calls", metadata,
    sa.Column("sample_id", sa.String(ID), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(20), nullable=False),  # pm, reference
    sa.Column("family_id", sa.String(ID), nullable=True),
    sa.Column("layout_sha256", sa.String(HASH), sa.ForeignKey("snp_layouts.layout_sha256"),
              nullable=False),
    sa.Column("calls", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(HASH), nullable=False),
    sa.Column("created_at", sa.String(TIME), nullable=False),
    sa.Column("run_id", sa.String(ID), nullable=True),
)
# The linked-SNP part of a proposal (runs with SNP data only): the SNP log10 LR the decision
# added, how it was computed, how many SNP-typed references entered it and the one that
# weighed most with its relationship to the missing person.
proposal_snp = sa.Table(
    "proposal_snp", metadata,
    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
              primary_key=True, autoincrement=False),
    sa.Column("log10_lr", sa.Float, nullable=False),
    sa.Column("method", sa.String(500), nullable=False),
    sa.Column("n_references", sa.Integer, nullable=False),
    sa.Column("best_reference", sa.String(ID), nullable=True),
    sa.Column("relationship", sa.String(ID), nullable=True),
)
# The linked-SNP part of a run's candidates (runs with SNP data only); the candidate's log10_lr
# includes it.
candidate_snp = sa.Table(
    "candidate_snp", metadata,
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("pm", sa.String(ID), primary_key=True),
    sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("log10_lr", sa.Float, nullable=False),
    sa.Column("method", sa.String(500), nullable=False),
    sa.Column("n_references", sa.Integer, nullable=False),
    sa.Column("best_reference", sa.String(ID), nullable=True),
    sa.Column("relationship", sa.String(ID), nullable=True),
)
# The data versions a proposal was computed from: its PM samples' profiles, the family's
# pedigree and every profile of its relatives and references.
proposal_basis = sa.Table(
    "proposal_basis", metadata,
    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
              primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(20), primary_key=True),  # profile, family, snp, ...
    sa.Column("ref_id", sa.String(ID), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_proposal_basis_ref", "kind", "ref_id"),
)

reviews = sa.Table(
    "reviews", metadata,
    sa.Column("review_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.proposal_id"),
              nullable=False),
    sa.Column("actor", sa.String(ID), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("from_state", sa.String(20), nullable=False),
    sa.Column("to_state", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", sa.String(TIME), nullable=False),
)

users = sa.Table(
    "users", metadata,
    sa.Column("user_id", sa.String(ID), primary_key=True),
    sa.Column("roles", sa.String(200), nullable=False),  # comma-separated, sorted
    sa.Column("created_at", sa.String(TIME), nullable=False),
)

# Hash-chained log of every change: hash = sha256(prev_hash + canonical JSON of the entry).
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(TIME), nullable=False),
    sa.Column("actor", sa.String(ID), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("entity", sa.String(50), nullable=False),
    sa.Column("entity_key", sa.Text, nullable=False),  # key columns joined by "|"
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(HASH), nullable=False),
    sa.Column("hash", sa.String(HASH), nullable=False),
)

# One row: the last entry of the chain. Appending locks it, so two writers cannot fork the chain.
audit_head = sa.Table(
    "audit_head", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(HASH), nullable=False),
)
