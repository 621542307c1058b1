"""Withdrawing a PM sample from the case store, and bringing it back.

A laboratory recalls a sample (contaminated, a duplicate of another body's, a bone found not
to be human, a sample of the wrong grave): it must stop being searched and proposed, and every
proposal resting on it must be looked at again. Nothing stored is deleted. A withdrawal is the
sample's next profile version, holding the profile it had (so that the history and a
reinstatement need nothing else) and ``"withdrawn": {"reason": ..., "by": ...}``; the runs
read the store without such samples (:func:`~forensic_match.store.records.latest_dataset`).
Every proposal resting on the sample is flagged for re-review with the reason, whatever its
state, and none can be approved while the sample is withdrawn (its basis is an older
version). A night's file that sends a withdrawn sample again does not bring it back: its data
are not stored and a warning says so (an old file re-sent must not undo a recall); only
:func:`reinstate_sample` does, as the next version, with the profile it had.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa

from forensic_match.profiles import normal_id
from forensic_match.store import schema
from forensic_match.store.audit import (
    append_entries,
    canonical_json,
    lock_audit,
    now,
    values_entry,
)
from forensic_match.store.database import StoreError
from forensic_match.store.records import (
    WITHDRAWN,
    _stale_proposals,
    _version_content,
    flag_proposal,
)
from forensic_match.store.review import MIN_REASON


def _actor(actor: str) -> None:
    """Who withdraws or reinstates is named in the version, the audit log and the flags: a
    name, not blank (an outside check found ``--as ""`` accepted)."""
    if not isinstance(actor, str) or not actor.strip() or actor != actor.strip():
        raise StoreError(f"actor {actor!r}: give who acts, a name without spaces around it")


def _newest(conn: sa.Connection, sample_id: str) -> tuple[int, dict[str, Any]]:
    """The newest version of a PM sample's profile and its content; a sample that is not a
    stored PM sample is refused."""
    kind = conn.execute(sa.select(schema.samples.c.kind)
                        .where(schema.samples.c.sample_id == sample_id)).scalar()
    if kind is None:
        raise StoreError(f"no sample {sample_id!r} in the store")
    if kind != "pm":
        raise StoreError(f"sample {sample_id!r} is a {kind} sample: only PM samples are "
                         f"withdrawn this way (a relative's or reference's profile leaves "
                         f"with a family record that no longer lists it)")
    pv = schema.profiles
    version = conn.execute(sa.select(sa.func.max(pv.c.version))
                           .where(pv.c.sample_id == sample_id)).scalar_one()
    return int(version), _version_content(conn, "profile", sample_id, int(version))


def _write(conn: sa.Connection, sample_id: str, version: int, content: dict[str, Any], *,
           actor: str, action: str, reason: str) -> None:
    """Insert a profile version and its audit entry (``action``, with ``reason`` beside the
    row's image: a reinstated version's content is the profile alone)."""
    text = canonical_json(content)
    values = {"sample_id": sample_id, "version": version, "content": text,
              "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
              "created_at": now(), "run_id": None}
    conn.execute(schema.profiles.insert().values(**values))
    entry = values_entry("profiles", values, actor=actor, action=action)
    entry["data"] = entry["data"] | {"reason": reason}
    append_entries(conn, [entry])


def _reason(sample_id: str, reason: str, what: str) -> str:
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        raise StoreError(f"PM sample {sample_id!r}: {what} needs a reason of at least "
                         f"{MIN_REASON} characters")
    return reason.strip()


def withdraw_sample(conn: sa.Connection, sample_id: str, *, actor: str,
                    reason: str) -> list[int]:
    """Withdraw a PM sample: the runs no longer read it, and every proposal resting on it is
    flagged for re-review.

    Parameters
    ----------
    conn : sqlalchemy.Connection
        Inside the caller's transaction.
    sample_id : str
        A stored PM sample (a fragment of a body withdraws that fragment only).
    actor : str
        Who withdraws it (the audit log's actor).
    reason : str
        Why (required, as for a review action): kept in the new version, the audit log and
        the flags.

    Returns
    -------
    list of int
        The proposals resting on the sample, each flagged now with the withdrawal as its
        reason (one already flagged for another reason too).

    Raises
    ------
    StoreError
        No such sample, not a PM sample, already withdrawn, or no reason. Nothing changes then.
    """
    lock_audit(conn)
    sample_id = normal_id(sample_id)  # stored ids are in NFC; a terminal may send NFD
    _actor(actor)
    why = _reason(sample_id, reason, "a withdrawal")
    version, content = _newest(conn, sample_id)
    if WITHDRAWN in content:
        done = content[WITHDRAWN]
        raise StoreError(f"PM sample {sample_id!r} is already withdrawn (version {version}, by "
                         f"{done['by']}: {done['reason']})")
    _write(conn, sample_id, version + 1, content | {WITHDRAWN: {"reason": why, "by": actor}},
           actor=actor, action="withdraw", reason=why)
    # Every proposal resting on the sample, flagged or not: an earlier flag's reason (another
    # fragment re-typed, a configuration) gives way to the withdrawal, which rules out an
    # approval for good (an outside check found "0 proposals flagged" where two were).
    resting = _stale_proposals(conn, "profile", sample_id, version + 1, flagged_too=True)
    for pid, old in resting:
        flag_proposal(conn, pid, f"PM sample {sample_id!r} withdrawn (version {old} -> "
                                 f"{version + 1}) by {actor}: {why}", actor=actor)
    return [pid for pid, _ in resting]


def reinstate_sample(conn: sa.Connection, sample_id: str, *, actor: str, reason: str) -> int:
    """Bring a withdrawn PM sample back: its next version is the profile it had when it was
    withdrawn, and the next run searches it again (its earlier proposals stay flagged; the
    run proposes the pairs again if they hold).

    Returns
    -------
    int
        The version written.

    Raises
    ------
    StoreError
        No such sample, not a PM sample, not withdrawn, or no reason. Nothing changes then.
    """
    lock_audit(conn)
    sample_id = normal_id(sample_id)
    _actor(actor)
    why = _reason(sample_id, reason, "a reinstatement")
    version, content = _newest(conn, sample_id)
    if WITHDRAWN not in content:
        raise StoreError(f"PM sample {sample_id!r} is not withdrawn (version {version} is its "
                         f"profile)")
    # The profile exactly as before the withdrawal (its sha256 too), so that a night's file
    # with the same data afterwards changes nothing; the reason is in the audit entry.
    restored = {k: v for k, v in content.items() if k != WITHDRAWN}
    _write(conn, sample_id, version + 1, restored, actor=actor, action="reinstate", reason=why)
    return version + 1
