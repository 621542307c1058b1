"""The hash-chained audit log of the case store.

Every change to the store appends one entry in the same transaction as the change. Entry ``n``
holds ``seq``, ``at``, ``actor``, ``action``, ``entity``, ``key`` and ``data`` (for a row
written or changed: the row's full image after the change), and

    hash_n = sha256(hash_{n-1} + canonical_json(entry_n)),   hash_0 = "0" * 64,

where ``canonical_json`` is JSON with sorted keys, no spaces, UTF-8 text and no NaN.
:func:`verify_audit` recomputes the chain and compares every audited row of the store with
the last image the log holds for it, and names the first broken link and every row changed
behind the log's back.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any

import sqlalchemy as sa

from forensic_match.store import schema

#: Tables the log keeps only a hash of each row of.
PRIVATE = ("identities",)

#: ``prev_hash`` of the first entry.
GENESIS = "0" * 64

#: Tables whose rows the log holds images of, and the columns of their keys.
AUDITED = {
    "families": ("family_id",), "family_versions": ("family_id", "version"),
    "persons": ("person_id",), "identities": ("person_id",), "samples": ("sample_id",),
    "profiles": ("sample_id", "version"), "runs": ("run_id",),
    "proposals": ("proposal_id",), "proposal_evidence": ("proposal_id",),
    "proposal_lineage": ("proposal_id", "line"), "proposal_snp": ("proposal_id",),
    "snp_layouts": ("layout_sha256",), "snp_calls": ("sample_id", "version"),
    "reviews": ("review_id",), "users": ("user_id",), "run_warnings": ("run_id", "seq"),
    "run_held": ("run_id", "seq"), "run_family_level": ("run_id", "seq"),
    "proposal_conditioning": ("proposal_id", "seq"),
}


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: one text for one value (what the chain hashes).

    Examples
    --------
    >>> canonical_json({"b": 1, "a": [1.5, None, "é"]})
    '{"a":[1.5,null,"é"],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def sha256_json(value: Any) -> str:
    """Hex sha256 of :func:`canonical_json` of ``value`` (UTF-8).

    Examples
    --------
    >>> sha256_json([]) == hashlib.sha256(b"[]").hexdigest()
    True
    """
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def chain_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """``sha256(prev_hash + canonical_json(entry))`` as hex.

    Examples
    --------
    >>> chain_hash(GENESIS, {"seq": 1})[:16]
    '0a00898550374c41'
    """
    return hashlib.sha256((prev_hash + canonical_json(entry)).encode("utf-8")).hexdigest()


def now() -> str:
    """The current time, ISO 8601 UTC with microseconds (the store's time format)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def row_key(entity: str, row: Any) -> str:
    """The log's key of a row of an audited table: its key columns joined by ``|``."""
    return "|".join(str(row[c]) for c in AUDITED[entity])


def row_image(entity: str, row: Any) -> dict[str, Any]:
    """Every column of a row of an audited table, as JSON values."""
    table = schema.metadata.tables[entity]
    return {c.name: _json_value(row[c.name]) for c in table.columns}


def _logged_image(entity: str, row: Any) -> dict[str, Any]:
    """What the log keeps of a row: its image, or for ``identities`` (names and personal
    data) only the image's sha256, so that no name is ever in the log or its exports."""
    image = row_image(entity, row)
    if entity in PRIVATE:
        return {"row_sha256": sha256_json(image)}
    return {"row": image}


def lock_audit(conn: sa.Connection) -> None:
    """Take the audit head's row lock now (PostgreSQL ``FOR UPDATE``; SQLite transactions
    hold the write lock from their start anyway). Writers that also lock other rows (a review
    locks its proposal) take this one first, so that every writer locks in the same order and
    two of them cannot deadlock."""
    conn.execute(sa.select(schema.audit_head.c.seq).where(schema.audit_head.c.id == 1)
                 .with_for_update()).one()


def entry_text(seq: int, at: str, actor: str, action: str, entity: str, key: str,
               data_text: str) -> str:
    """``canonical_json`` of an entry whose ``data`` is already canonical JSON text.

    Canonical JSON nests (sorted keys, no spaces at every level), so the entry's text is the
    data's text inside the entry's fields in key order: the data is serialised once, for its
    column and for the chain alike.

    Examples
    --------
    >>> data = {"row": {"b": 1, "a": "x"}}
    >>> entry = {"seq": 3, "at": "t", "actor": "lab", "action": "create",
    ...          "entity": "families", "key": "F1", "data": data}
    >>> text = entry_text(3, "t", "lab", "create", "families", "F1", canonical_json(data))
    >>> text == canonical_json(entry)
    True
    """
    return (f'{{"action":{_text(action)},"actor":{_text(actor)},"at":{_text(at)},'
            f'"data":{data_text},"entity":{_text(entity)},"key":{_text(key)},"seq":{seq:d}}}')


def _text(value: str) -> str:
    # what json.dumps(value, ensure_ascii=False) writes for a string, without its set-up
    return encode_basestring(value)


def append_entries(conn: sa.Connection, entries: Iterable[dict[str, Any]]) -> str:
    """Append entries to the chain in their order (inside the caller's transaction) with one
    read and one move of the head and one multi-row insert; return the new head's hash.

    Each entry is a dict with ``actor``, ``action``, ``entity``, ``key``, ``data`` and
    optionally ``at`` (default: now). The chain is computed here exactly as entry by entry:
    ``hash_n = sha256(hash_{n-1} + canonical_json(entry_n))``. The single row of
    ``audit_head`` is read ``FOR UPDATE`` (PostgreSQL) or under the write lock the store's
    SQLite transactions take at ``BEGIN IMMEDIATE``, so that two writers never append after
    the same entry.
    """
    head = conn.execute(sa.select(schema.audit_head).where(schema.audit_head.c.id == 1)
                        .with_for_update()).one()
    seq, prev = head.seq, head.hash
    rows = []
    for e in entries:
        seq += 1
        at = e.get("at") or now()
        data_text = canonical_json(e["data"])
        text = entry_text(seq, at, e["actor"], e["action"], e["entity"], e["key"], data_text)
        digest = hashlib.sha256((prev + text).encode("utf-8")).hexdigest()
        rows.append({"seq": seq, "at": at, "actor": e["actor"], "action": e["action"],
                     "entity": e["entity"], "entity_key": e["key"], "data": data_text,
                     "prev_hash": prev, "hash": digest})
        prev = digest
    if rows:
        conn.execute(schema.audit_log.insert(), rows)
        conn.execute(schema.audit_head.update().where(schema.audit_head.c.id == 1)
                     .values(seq=seq, hash=prev))
    return prev


def append_entry(conn: sa.Connection, *, actor: str, action: str, entity: str, key: str,
                 data: dict[str, Any], at: str | None = None) -> str:
    """Append one entry to the chain (inside the caller's transaction); return its hash
    (:func:`append_entries` with one entry)."""
    return append_entries(conn, [{"actor": actor, "action": action, "entity": entity,
                                  "key": key, "data": data, "at": at}])


def values_entry(entity: str, values: dict[str, Any], *, actor: str,
                 action: str) -> dict[str, Any]:
    """The entry (for :func:`append_entries`) logging a row about to be inserted into an
    audited table, from the values written (every column given), timed now."""
    table = schema.metadata.tables[entity]
    missing = {c.name for c in table.columns} - set(values)
    if missing:
        raise ValueError(f"{entity}: audit_values needs every column, {sorted(missing)} "
                         f"missing")
    return {"at": now(), "actor": actor, "action": action, "entity": entity,
            "key": row_key(entity, values), "data": _logged_image(entity, values)}


def audit_values(conn: sa.Connection, entity: str, values: dict[str, Any], *, actor: str,
                 action: str) -> str:
    """Log a row just inserted into an audited table from the values written (every column
    given), without reading it back."""
    return append_entries(conn, [values_entry(entity, values, actor=actor, action=action)])


def audit_row(conn: sa.Connection, entity: str, key_values: dict[str, Any], *, actor: str,
              action: str, extra: dict[str, Any] | None = None) -> str:
    """Read a row of an audited table back and log its full image under ``action``."""
    table = schema.metadata.tables[entity]
    cond = sa.and_(*(table.c[k] == v for k, v in key_values.items()))
    row = conn.execute(sa.select(table).where(cond)).mappings().one()
    data = _logged_image(entity, row) | (extra or {})
    return append_entry(conn, actor=actor, action=action, entity=entity,
                        key=row_key(entity, row), data=data)


def candidates_sha256(conn: sa.Connection, run_id: str) -> str:
    """sha256 of the canonical JSON of a run's candidate rows (by pm and rank); for a run with
    lineage or SNP data, of ``{"candidates": rows, "lineage": candidate_lineage rows, "snp":
    candidate_snp rows}`` (by pm, rank and line; each part only when it has rows), so that a
    run without them hashes as before. The rows are those valid at the run
    (:func:`forensic_match.store.candidates.run_candidates`), each with the run's id, as
    every run wrote them before migration 0009."""
    from forensic_match.store.candidates import candidates_sha256 as valid_sha256

    return valid_sha256(conn, run_id)


def conditioned_sha256(basis: list[list[Any]], conditioning: Iterable[str]) -> str:
    """sha256 of a proposal's basis with the bodies its LR was conditioned on (their PM
    samples as proposals name them): the ``basis_sha256`` of a proposal made since
    2026-12-08 with conditioning, or made again without the conditioning of an earlier
    proposal of the same pair and basis (``docs/store.md``, "Rejections the engine knows")."""
    return sha256_json({"basis": sorted(list(x) for x in basis),
                        "conditioned_on": sorted(conditioning)})


def proposal_sha_ok(conn: sa.Connection, proposal_id: int, stored: str) -> bool:
    """Whether a proposal's stored ``basis_sha256`` is its basis's hash, alone or with the
    bodies of its ``proposal_conditioning`` rows (:func:`conditioned_sha256`)."""
    b, c = schema.proposal_basis, schema.proposal_conditioning
    rows = sorted([list(r) for r in conn.execute(
        sa.select(b.c.kind, b.c.ref_id, b.c.version).where(b.c.proposal_id == proposal_id))])
    if sha256_json(rows) == stored:
        return True
    pms = conn.execute(sa.select(c.c.pm).where(c.c.proposal_id == proposal_id)).scalars()
    return conditioned_sha256(rows, pms) == stored


@dataclass
class AuditReport:
    """What :func:`verify_audit` found.

    Attributes
    ----------
    ok : bool
        The chain is intact, its head matches, and every audited row matches its last image.
    entries : int
        Entries in the log.
    head : str
        Hash of the last entry (write it down elsewhere: a later verify that starts from it
        shows the log was not rewritten wholesale).
    first_broken : int or None
        ``seq`` of the first entry whose hash or link does not hold.
    problems : list of str
        Every finding, in words, the first broken link first.
    """

    ok: bool
    entries: int
    head: str
    first_broken: int | None = None
    problems: list[str] = field(default_factory=list)


def verify_audit(conn: sa.Connection, *, heads: Iterable[str] = ()) -> AuditReport:
    """Recompute the audit chain and check the audited rows against it.

    Three checks: every entry's ``prev_hash`` is the previous entry's hash and its ``hash``
    is ``sha256(prev_hash + canonical_json(entry))`` with ``seq`` counting 1, 2, 3...; the
    ``audit_head`` row points at the last entry; every row of an audited table equals the
    last image the log holds for it (a row changed, added or deleted by raw SQL is named),
    and every finished run's candidates hash to what its row says.

    Parameters
    ----------
    conn : sqlalchemy.Connection
    heads : iterable of str
        Head hashes written down earlier, outside the store (``verify`` prints the head).
        Each must be the hash of an entry of the chain: a log rewritten from scratch, even
        consistently, no longer passes through them.

    Returns
    -------
    AuditReport
    """
    from forensic_match.store._bulk import paused_gc

    with paused_gc():
        return _verify(conn, heads)


def _verify(conn: sa.Connection, heads: Iterable[str]) -> AuditReport:
    log = schema.audit_log
    wanted = {h.strip().lower() for h in heads if h.strip()}
    for h in sorted(wanted):
        # a cut or mistyped head was reported as "the log was rewritten or replaced"
        # (an outside check, 2026-12-07)
        if not re.fullmatch(r"[0-9a-f]{64}", h):
            from forensic_match.store.database import StoreError

            raise StoreError(f"head {h!r} is not a whole audit head (64 hexadecimal "
                             f"characters, as 'store verify' prints it; got {len(h)}): copy "
                             f"it whole")
    problems: list[str] = []
    first: int | None = None
    prev = GENESIS
    expected_seq = 1
    images: dict[tuple[str, str], tuple[int, Any]] = {}
    n = 0
    for r in conn.execute(sa.select(log).order_by(log.c.seq)).mappings():
        n += 1
        try:
            data = json.loads(r["data"])
        except ValueError:
            data = None
        broken = None
        if r["seq"] != expected_seq:
            broken = f"expected entry {expected_seq} here (entries deleted or inserted)"
        elif r["prev_hash"] != prev:
            broken = "its prev_hash is not the previous entry's hash"
        elif data is None:
            broken = "its data is not JSON"
        else:
            entry = {"seq": r["seq"], "at": r["at"], "actor": r["actor"], "action": r["action"],
                     "entity": r["entity"], "key": r["entity_key"], "data": data}
            if chain_hash(prev, entry) != r["hash"]:
                broken = "its content does not hash to its stored hash (changed after writing)"
        if broken is not None:
            if first is None:
                first = r["seq"]
            problems.append(f"audit entry {r['seq']} ({r['action']} {r['entity']} "
                            f"{r['entity_key']}): {broken}")
        prev = r["hash"]
        wanted.discard(prev)
        expected_seq = r["seq"] + 1
        if isinstance(data, dict) and r["entity"] in AUDITED and \
                ("row" in data or "row_sha256" in data):
            images[(r["entity"], r["entity_key"])] = (r["seq"], {
                k: data[k] for k in ("row", "row_sha256") if k in data})
        elif isinstance(data, dict) and data.get("deleted") and r["entity"] in AUDITED:
            images.pop((r["entity"], r["entity_key"]), None)
    head = conn.execute(sa.select(schema.audit_head)).mappings().all()
    if len(head) != 1 or head[0]["seq"] != n or head[0]["hash"] != prev:
        got = f"entry {head[0]['seq']}" if len(head) == 1 else f"{len(head)} rows"
        problems.append(f"audit head points at {got}, but the log ends at entry {n}: "
                        f"entries at the end were deleted or the head was changed")
        if first is None:
            first = n + 1
    for h in sorted(wanted):
        problems.append(f"head {h} written down earlier is not in the chain: the log was "
                        f"rewritten or replaced since")
    problems.extend(_check_rows(conn, images))
    return AuditReport(not problems, n, prev, first, problems)


def _check_rows(conn: sa.Connection, images: dict[tuple[str, str], tuple[int, Any]],
                ) -> list[str]:
    from forensic_match.store.candidates import candidate_hashes

    hashes, problems = candidate_hashes(conn)
    legacy: dict[str, str] | None = None
    empty: str | None = None
    seen: set[tuple[str, str]] = set()
    for entity in AUDITED:
        table = schema.metadata.tables[entity]
        for row in conn.execute(sa.select(table)).mappings():
            key = row_key(entity, row)
            seen.add((entity, key))
            logged = images.get((entity, key))
            if logged is None:
                problems.append(f"{entity} row {key}: not in the audit log (written behind "
                                f"its back)")
            elif _logged_image(entity, row) != logged[1]:
                old = logged[1].get("row")
                changed = "" if old is None else " (columns " + ", ".join(sorted(
                    k for k, v in row_image(entity, row).items() if old.get(k) != v)) + ")"
                problems.append(f"{entity} row {key}: differs from its image in audit entry "
                                f"{logged[0]}{changed}")
            if entity == "proposals" and not proposal_sha_ok(conn, row["proposal_id"],
                                                             row["basis_sha256"]):
                problems.append(f"proposal_basis of proposal {key}: does not hash to the "
                                f"proposal's basis_sha256 (changed after the proposal)")
            if entity == "runs" and row["candidates_sha256"] is not None and row["run_id"] \
                    not in hashes and empty is None:
                empty = candidates_sha256(conn, row["run_id"])  # a run with no place: none
            if entity == "runs" and row["candidates_sha256"] is not None and \
                    hashes.get(row["run_id"], empty) != row["candidates_sha256"]:
                if legacy is None:
                    legacy = candidate_hashes(conn, database=True)[0]
                if legacy.get(row["run_id"]) == row["candidates_sha256"]:
                    continue    # hashed in the database's collation order (before 2026-12-08)
                problems.append(f"candidates of run {row['run_id']}: do not hash to the run's "
                                f"candidates_sha256 (changed after the run)")
    for entity, key in sorted(set(images) - seen):
        problems.append(f"{entity} row {key}: in audit entry {images[(entity, key)][0]} but "
                        f"no longer in the store (deleted behind the log's back)")
    return problems
