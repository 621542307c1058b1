"""Withdrawing a sample or a family from the case store, and bringing it back.

A laboratory recalls a PM sample (contaminated, a duplicate of another body's, a bone found
not to be human, a sample of the wrong grave); a relative revokes her consent, or her sample
is found swapped with another family's; a family's only missing person is found alive, or the
family was filed twice and one registration is to be retired. Each must stop being used, and
every proposal resting on it must be looked at again. Nothing stored is deleted. A withdrawal
is the item's next version, holding the content it had (so that the history and a
reinstatement need nothing else) and ``"withdrawn": {"reason": ..., "by": ...}``; the runs
read the store without withdrawn items (:func:`~forensic_match.store.records.latest_dataset`:
a withdrawn family or PM sample is left out, a withdrawn relative's or reference's profile is
left out of its family). Every proposal resting on the item is flagged for re-review with the
reason, whatever its state, and none can be approved while it is withdrawn (its basis is an
older version). A night's file that sends a withdrawn item again does not bring it back: its
data are not stored and a warning says so (an old file re-sent must not undo a recall); only
:func:`reinstate_sample` / :func:`reinstate_family` do, as the next version, with the content
it had.
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
    _versions,
    flag_conditioned_on_changed,
    flag_proposal,
    newest_versions,
)
from forensic_match.store.review import MIN_REASON


def _actor(actor: str) -> None:
    """Who withdraws or reinstates is named in the version, the audit log and the flags: a
    name, not blank (an outside check found ``--as ""`` accepted)."""
    if not isinstance(actor, str) or not actor.strip() or actor != actor.strip():
        raise StoreError(f"actor {actor!r}: give who acts, a name without spaces around it")


#: How each kind of stored sample is named in messages and flags.
_SAMPLE_WORDS = {"pm": "PM sample", "relative": "relative sample", "reference": "reference sample"}


def _newest(conn: sa.Connection, kind: str, ref_id: str) -> int | None:
    """The newest stored version of a profile (``kind`` "profile") or a family, or None."""
    return newest_versions(conn, [(kind, ref_id)]).get((kind, ref_id))


def _write(conn: sa.Connection, kind: str, ref_id: str, version: int, content: dict[str, Any],
           *, actor: str, action: str, reason: str) -> None:
    """Insert a profile (``kind`` "profile") or family version and its audit entry
    (``action``, with ``reason`` beside the row's image: a reinstated version's content is
    the profile or family alone)."""
    table, key = _versions(kind)
    text = canonical_json(content)
    values = {key: ref_id, "version": version, "content": text,
              "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
              "created_at": now(), "run_id": None}
    conn.execute(table.insert().values(**values))
    entry = values_entry(table.name, values, actor=actor, action=action)
    entry["data"] = entry["data"] | {"reason": reason}
    append_entries(conn, [entry])


def _reason(label: str, reason: str, what: str) -> str:
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        raise StoreError(f"{label}: {what} needs a reason of at least {MIN_REASON} "
                         f"characters")
    return reason.strip()


def withdraw_sample(conn: sa.Connection, sample_id: str, *, actor: str,
                    reason: str) -> list[int]:
    """Withdraw a sample: a PM sample (recalled by the laboratory), or a relative's or
    reference's profile (consent revoked, a sample swap found): the runs no longer read it,
    and every proposal resting on it is flagged for re-review.

    Parameters
    ----------
    conn : sqlalchemy.Connection
        Inside the caller's transaction.
    sample_id : str
        A stored sample: a PM sample id (a fragment of a body withdraws that fragment
        only), ``family/person`` for a typed relative, ``family/person/reference`` for a
        direct reference.
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
        No such sample, already withdrawn, or no reason. Nothing changes then.
    """
    return _withdraw(conn, "profile", sample_id, actor=actor, reason=reason)


def _item(conn: sa.Connection, kind: str, ref_id: str) -> tuple[str, int, dict[str, Any]]:
    """A stored sample's profile (``kind`` "profile") or a family: its name in messages,
    newest version and content."""
    version = _newest(conn, kind, ref_id)
    if kind == "profile":
        sample_kind = conn.execute(sa.select(schema.samples.c.kind)
                                   .where(schema.samples.c.sample_id == ref_id)).scalar()
        if sample_kind is None or version is None:
            raise StoreError(f"no sample {ref_id!r} in the store"
                             + (" (a family? give --family)" if "/" not in ref_id
                                and _newest(conn, "family", ref_id) is not None else ""))
        label = f"{_SAMPLE_WORDS.get(sample_kind, f'{sample_kind} sample')} {ref_id!r}"
    else:
        if version is None:
            raise StoreError(f"no family {ref_id!r} in the store")
        label = f"family {ref_id!r}"
    return label, version, _version_content(conn, kind, ref_id, version)


def _withdraw(conn: sa.Connection, kind: str, ref_id: str, *, actor: str,
              reason: str) -> list[int]:
    lock_audit(conn)
    ref_id = normal_id(ref_id)  # stored ids are in NFC; a terminal may send NFD
    _actor(actor)
    label, version, content = _item(conn, kind, ref_id)
    why = _reason(label, reason, "a withdrawal")
    if WITHDRAWN in content:
        done = content[WITHDRAWN]
        raise StoreError(f"{label} is already withdrawn (version {version}, by "
                         f"{done['by']}: {done['reason']})")
    _write(conn, kind, ref_id, version + 1,
           content | {WITHDRAWN: {"reason": why, "by": actor}},
           actor=actor, action="withdraw", reason=why)
    return _flag_resting(conn, kind, ref_id, version + 1, label, actor, why)


def _reinstate(conn: sa.Connection, kind: str, ref_id: str, *, actor: str,
               reason: str) -> int:
    lock_audit(conn)
    ref_id = normal_id(ref_id)
    _actor(actor)
    label, version, content = _item(conn, kind, ref_id)
    why = _reason(label, reason, "a reinstatement")
    if WITHDRAWN not in content:
        raise StoreError(f"{label} is not withdrawn (version {version} is its "
                         f"{'profile' if kind == 'profile' else 'record'})")
    # The content exactly as before the withdrawal (its sha256 too), so that a night's file
    # with the same data afterwards changes nothing; the reason is in the audit entry.
    restored = {k: v for k, v in content.items() if k != WITHDRAWN}
    _write(conn, kind, ref_id, version + 1, restored, actor=actor, action="reinstate",
           reason=why)
    return version + 1


def _flag_resting(conn: sa.Connection, kind: str, ref_id: str, version: int, label: str,
                  actor: str, why: str) -> list[int]:
    # Every proposal resting on the item, flagged or not: an earlier flag's reason (another
    # fragment re-typed, a configuration) gives way to the withdrawal, which rules out an
    # approval for good (an outside check found "0 proposals flagged" where two were).
    resting = _stale_proposals(conn, kind, ref_id, version, flagged_too=True)
    for pid, old in resting:
        flag_proposal(conn, pid, f"{label} withdrawn (version {old} -> {version}) by "
                                 f"{actor}: {why}", actor=actor)
    dependents = flag_conditioned_on_changed(conn, kind, ref_id, version, "withdrawn",
                                             actor=actor) if kind == "profile" else []
    return [pid for pid, _ in resting] + dependents


def reinstate_sample(conn: sa.Connection, sample_id: str, *, actor: str, reason: str) -> int:
    """Bring a withdrawn sample back: its next version is the profile it had when it was
    withdrawn, and the next run uses it again (its earlier proposals stay flagged; the run
    proposes the pairs again if they hold).

    Returns
    -------
    int
        The version written.

    Raises
    ------
    StoreError
        No such sample, not withdrawn, or no reason. Nothing changes then.
    """
    return _reinstate(conn, "profile", sample_id, actor=actor, reason=reason)


def withdraw_family(conn: sa.Connection, family_id: str, *, actor: str,
                    reason: str) -> list[int]:
    """Withdraw a family: its missing persons are no longer searched for (the only missing
    person found alive, a family filed twice whose second registration is retired, a case
    closed), and every proposal resting on it is flagged for re-review. Its relatives'
    profiles stay stored and withdrawn with it (a family whose other missing person is
    found alive is sent again with that person no longer missing instead).

    Returns
    -------
    list of int
        The proposals resting on the family, each flagged now.

    Raises
    ------
    StoreError
        No such family, already withdrawn, or no reason. Nothing changes then.
    """
    return _withdraw(conn, "family", family_id, actor=actor, reason=reason)


def reinstate_family(conn: sa.Connection, family_id: str, *, actor: str, reason: str) -> int:
    """Bring a withdrawn family back with the record it had; returns the version written.

    Raises
    ------
    StoreError
        No such family, not withdrawn, or no reason. Nothing changes then.
    """
    return _reinstate(conn, "family", family_id, actor=actor, reason=reason)
