"""The case store: families, samples and versioned profiles, runs, candidates, proposals,
reviews and decisions, with a hash-chained audit log (``docs/store.md``).

SQLite (one file, WAL mode) by default, PostgreSQL through a SQLAlchemy URL; the schema is
created and upgraded by the Alembic migrations shipped in ``migrations/``.

Examples
--------
>>> from forensic_match.store import CaseStore, run_store       # doctest: +SKIP
>>> with CaseStore("cases.db") as store:                          # doctest: +SKIP
...     run_store(store, load_case("tonight.json"))
...     store.add_user("ana", ["reviewer"], actor="admin")
...     store.act(1, "review", actor="ana", reason="profiles checked, 21 markers")
...     assert store.verify().ok
"""

from forensic_match.store.audit import AuditReport, canonical_json, chain_hash, verify_audit
from forensic_match.store.database import (
    CaseStore,
    StoreError,
    create_store_engine,
    current_revision,
    head_revision,
    upgrade_store,
)
from forensic_match.store.records import IngestSummary, ingest_dataset
from forensic_match.store.review import ROLES, TRANSITIONS, act
from forensic_match.store.runs import RunSummary, run_store

__all__ = ["AuditReport", "CaseStore", "IngestSummary", "ROLES", "RunSummary", "StoreError",
           "TRANSITIONS", "act", "canonical_json", "chain_hash", "create_store_engine",
           "current_revision",
           "head_revision", "ingest_dataset", "run_store", "upgrade_store", "verify_audit"]
