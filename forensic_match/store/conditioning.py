"""Proposals whose LR rests on other proposals: identifications made "after conditioning".

``identify`` decides a family again once some of its missing persons are identified (by a
direct reference, or in an earlier round), with the identified bodies as typed members of
the family. The LR of a later proposal in that family then rests on those identifications as
well as on the family's own data: in an outside check (h_print, finding F2, 2026-12-08) a
closed grave's proposal had log10 LR 15.06 on the family conditioned on the father's and
the mother's bodies, 9.15 without the mother's body, 7.77 on the family as declared.

``proposal_conditioning`` (migration 0008) keeps, per proposal, the bodies it was
conditioned on, the missing persons they were taken as and their proposals
(``docs/store.md``, "Proposals that rest on other proposals"). Here:

- :func:`conditioning_of`: those rows of a proposal, with each conditioning proposal's
  current state (for its report, and the approval rule);
- :func:`flag_dependents`: a conditioning proposal rejected or reopened flags, for re-review,
  the proposals conditioned on it;
- :func:`check_conditioning_approved`: a proposal is approved only after every proposal it
  was conditioned on is approved.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from forensic_match.store import schema
from forensic_match.store.database import StoreError


def conditioning_of(conn: sa.Connection, proposal_id: int) -> list[dict[str, Any]]:
    """The identified bodies proposal ``proposal_id``'s LR was conditioned on, in the order
    they were identified.

    Returns
    -------
    list of dict
        ``seq``, ``pm`` (the body's PM samples), ``family_id``, ``missing`` (the person the
        body was taken as), ``conditioning_proposal_id`` and that proposal's ``state``,
        ``needs_review`` and ``log10_lr`` (``None`` when it is not in the store),
        ``superseded_by`` (for a superseded one, the approved and unflagged proposal of the
        whole body that holds its samples, else ``None``) and ``stands``: approved and not
        flagged, or superseded by such a proposal (:func:`stands`). Empty for a
        proposal conditioned on nothing, and for one made before migration 0008 (not
        recorded: the rule ``... after conditioning`` still says it was).

    Examples
    --------
    >>> with CaseStore("cases.db") as store, store.reading() as conn:   # doctest: +SKIP
    ...     [(c["pm"], c["missing"], c["state"]) for c in conditioning_of(conn, 4)]
    [('G4-01', 'F05_MP1', 'approved'), ('G4-02', 'F05_MP2', 'rejected')]
    """
    c, p = schema.proposal_conditioning, schema.proposals
    rows = conn.execute(
        sa.select(c.c.seq, c.c.pm, c.c.family_id, c.c.missing, c.c.conditioning_proposal_id,
                  p.c.state, p.c.needs_review, p.c.log10_lr)
        .select_from(c.outerjoin(p, p.c.proposal_id == c.c.conditioning_proposal_id))
        .where(c.c.proposal_id == proposal_id).order_by(c.c.seq)).mappings()
    out = []
    for r in rows:
        r = dict(r)
        r["superseded_by"] = _whole_body(conn, r["family_id"], r["missing"], r["pm"]) \
            if r["state"] == "superseded" else None
        r["stands"] = stands(r)
        out.append(r)
    return out


def stands(row: dict[str, Any]) -> bool:
    """Whether a conditioning row of :func:`conditioning_of` stands: its proposal approved
    and not flagged, or superseded by the approved, unflagged proposal of the whole body.
    A superseded proposal counted as standing by itself, so that rejecting the whole body's
    proposal that superseded it left the identifications resting on that body approved
    (an outside check, 2026-12-08: three of one family's, approved or approvable, resting
    on a father's body that nothing in the store identified any more)."""
    if row["state"] == "superseded":
        return row.get("superseded_by") is not None
    return row["state"] == "approved" and not row["needs_review"]


def person_proposals(conn: sa.Connection, family: str, missing: str,
                     states: tuple[str, ...]) -> list[Any]:
    """The proposals of ``missing`` of ``family`` in ``states``, by id: rows of
    ``proposal_id``, ``pm``, ``state``, ``needs_review`` (the one query of the one-body
    rule's parts and wholes: :func:`_whole_body`, :func:`_superseded_parts`,
    ``review._replace_parts``)."""
    p = schema.proposals
    return list(conn.execute(
        sa.select(p.c.proposal_id, p.c.pm, p.c.state, p.c.needs_review).where(
            p.c.family_id == family, p.c.missing == missing, p.c.state.in_(states))
        .order_by(p.c.proposal_id)))


def _whole_body(conn: sa.Connection, family: str, missing: str, pm: str) -> int | None:
    """The approved, unflagged proposal of ``missing`` of ``family`` whose PM samples hold
    ``pm``'s and more (a whole body that superseded the proposal of part of it), or
    ``None``."""
    part = set(pm.split(","))
    return next((int(r.proposal_id) for r in person_proposals(conn, family, missing,
                                                              ("approved",))
                 if not r.needs_review and set(r.pm.split(",")) > part), None)


def _superseded_parts(conn: sa.Connection, row: Any) -> list[int]:
    """The superseded proposals of ``row``'s person whose samples are part of ``row``'s (the
    proposals a whole body's approval superseded)."""
    whole = set(row["pm"].split(","))
    return [int(r.proposal_id) for r in person_proposals(
        conn, row["family_id"], row["missing"], ("superseded",))
        if set(r.pm.split(",")) < whole]


def dependents_of(conn: sa.Connection, proposal_id: int) -> list[int]:
    """The proposals conditioned on proposal ``proposal_id`` (their LR rests on it), by id."""
    c = schema.proposal_conditioning
    return sorted({pid for (pid,) in conn.execute(
        sa.select(c.c.proposal_id).where(c.c.conditioning_proposal_id == proposal_id))})


def _flag_prefix(proposal_id: int) -> str:
    return f"proposal {proposal_id}, on which this proposal's LR was conditioned,"


def flag_dependents(conn: sa.Connection, row: Any, action: str, reason: str, *,
                    actor: str) -> list[int]:
    """Flag for re-review the proposals conditioned on ``row`` (a proposal just rejected or
    reopened by ``actor`` for ``reason``), whatever their state: their LR rests on the body
    being that person. A dependent flagged now is left as it is, unless its flag is an
    earlier one of this proposal (reopened, then rejected: the flag says the newer action).
    Each flag has its ``flag_rereview`` audit entry, with ``{"conditioning": {...}}``.

    Returns the ids of the proposals flagged.
    """
    from forensic_match.store.records import flag_proposal

    pid = row["proposal_id"]
    done = "rejected" if action == "reject" else "reopened"
    # the reason last: a reviewer's words may hold anything (reports/stored_text.py reads
    # this form back)
    words = (f"{_flag_prefix(pid)} was {done} by {actor}, and this proposal's LR was "
             f"computed with {row['pm']} as {row['missing']} of {row['family_id']}, a member "
             f"of its family; reason given: {reason.strip()}")
    p = schema.proposals
    flagged = []
    # (and those of the proposals of parts of this body that its approval superseded: they
    # rest on the body through them)
    deps = sorted(set(dependents_of(conn, pid)).union(
        *(dependents_of(conn, part) for part in _superseded_parts(conn, row))))
    for dep in deps:
        now_flag = conn.execute(sa.select(p.c.needs_review, p.c.stale_reason)
                                .where(p.c.proposal_id == dep)).one()
        if now_flag.needs_review and not (now_flag.stale_reason or "").startswith(
                _flag_prefix(pid)):
            continue
        flag_proposal(conn, dep, words, actor=actor,
                      extra={"conditioning": {"proposal_id": pid, "action": action}})
        flagged.append(dep)
    return flagged


def check_conditioning_approved(conn: sa.Connection, proposal_id: int, label: str) -> None:
    """Refuse the approval of a proposal conditioned on a proposal that is not approved (or
    is approved but flagged for re-review): its LR rests on that identification, which no
    one has approved (an outside check, h_print F2: a proposal approved while a proposal it
    rests on was pending, and left approved when that one was rejected)."""
    # (a conditioning proposal superseded by its whole body's approved, unflagged proposal
    # stands: its body is approved as that person, with more of its fragments)
    open_ = [c for c in conditioning_of(conn, proposal_id) if not c["stands"]]
    if not open_:
        return
    words = "; ".join(
        f"proposal {c['conditioning_proposal_id']} ({c['pm']} as {c['missing']}) is "
        f"{c['state'] or 'not in the store'}"
        + (", and no approved proposal of the whole body holds it"
           if c["state"] == "superseded" else "")
        + (" and flagged for re-review" if c["needs_review"] else "") for c in open_)
    rejected = any(c["state"] == "rejected" for c in open_)
    raise StoreError(
        f"{label}: its LR was computed on the family with identified bodies as members, "
        f"and {words}: approve those first"
        + ("; a rejected one means this LR rests on a body the review refused: reject this "
           "proposal (its report gives the LR on the family as declared)" if rejected else ""))
