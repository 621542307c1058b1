"""Review of proposed identifications: states, the four-eyes rule, reasons, roles.

States and actions (``docs/store.md``, "Review")::

    pending  --review-->  reviewed  --approve-->  approved
                          reviewed  --reject--->  rejected
    reviewed, approved, rejected, superseded  --reopen-->  pending
    pending, reviewed, approved  --(the same person's whole body approved)-->  superseded

``review`` needs the role ``reviewer``; ``approve`` and ``reject`` need ``approver`` and a
different person from the one who reviewed (four eyes); ``reopen`` needs either role. Every
action needs a reason. A proposal flagged for re-review (its data changed after it was made)
cannot be approved: it is reopened and reviewed again, which clears the flag (a proposal on
data no longer the newest stays flagged and can only be rejected). Approving the whole body
of a person supersedes the same person's proposals of part of it (fragments joined on a
later night). A proposal whose LR was conditioned on other proposals
(``store/conditioning.py``) is approved only after them, and rejecting or reopening one of
those flags it. Each action writes a ``reviews`` row and an audit entry with the proposal's
new image.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from forensic_match.store import schema
from forensic_match.store.audit import audit_row, lock_audit, now
from forensic_match.store.conditioning import (
    check_conditioning_approved,
    conditioning_of,
    flag_dependents,
    person_proposals,
)
from forensic_match.store.database import StoreError

#: Roles a user may hold.
ROLES = ("reviewer", "approver")

#: action -> (states it applies to, state it leads to, roles allowed)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "review": (("pending",), "reviewed", ("reviewer",)),
    "approve": (("reviewed",), "approved", ("approver",)),
    "reject": (("reviewed",), "rejected", ("approver",)),
    "reopen": (("reviewed", "approved", "rejected", "superseded"), "pending",
               ("reviewer", "approver")),
}

#: Shortest reason accepted (a word or two, not a blank or a dot).
MIN_REASON = 3


def add_user(conn: sa.Connection, user_id: str, roles: list[str] | tuple[str, ...], *,
             actor: str) -> None:
    """Create a user with ``roles`` (from :data:`ROLES`) or replace their roles."""
    lock_audit(conn)
    bad = sorted(set(roles) - set(ROLES))
    if bad or not roles:
        raise StoreError(f"user {user_id!r}: roles must be some of {', '.join(ROLES)}, got "
                         f"{list(roles)}")
    t = schema.users
    if not user_id or user_id != user_id.strip():
        raise StoreError(f"user {user_id!r}: a user name has no spaces around it")
    from forensic_match.errors import folded_id

    twin = [u for (u,) in conn.execute(sa.select(t.c.user_id))
            if u != user_id and folded_id(u) == folded_id(user_id)]
    if twin:
        # 'carl' reviewing and 'Carl' approving would pass the four-eyes rule
        raise StoreError(f"user {user_id!r}: the store has the user {twin[0]!r}, the same "
                         f"name but for case or accents; one person is one user")
    value = ",".join(sorted(set(roles)))
    exists = conn.execute(sa.select(t.c.user_id).where(t.c.user_id == user_id)).first()
    if exists:
        conn.execute(t.update().where(t.c.user_id == user_id).values(roles=value))
    else:
        conn.execute(t.insert().values(user_id=user_id, roles=value, created_at=now()))
    audit_row(conn, "users", {"user_id": user_id}, actor=actor,
              action="update" if exists else "create")


def _check_approval(conn: sa.Connection, row: Any, label: str,
                    old: list[tuple[str, str, int, int]]) -> None:
    """Refuse an approval that would stand on data no longer the newest, that would
    identify a body (or one of its fragments) as a second person, or a person as a second
    body.

    A proposal reviewed again after its data changed could be approved as it was, with the
    LR of the old data, and its report showed that LR as current; a body approved in one
    family could be approved again as another family's missing person (a family registered
    twice), and nothing said so. ``old``: the proposal's basis items no longer the newest
    (:func:`_superseded`)."""
    from forensic_match.store.records import version_words, withdrawal_at

    p = schema.proposals
    for kind, ref, _, n in old:
        withdrawal = withdrawal_at(conn, kind, ref, n)
        if withdrawal is not None:
            what = "family" if kind == "family" else \
                ("PM sample" if ref in set(row["pm"].split(",")) else "sample")
            raise StoreError(f"{label}: {what} {ref!r} is withdrawn (by {withdrawal['by']}: "
                             f"{withdrawal['reason']}); reject this proposal")
    if old:
        kind, ref, v, n = old[0]
        raise StoreError(f"{label} rests on version {v} of the {version_words(kind)} {ref!r}, "
                         f"and version "
                         f"{n} is stored: approve the proposal a run makes on the newest data "
                         f"(the next run proposes the pair again if it still holds) and "
                         f"reject this one")
    mine = set(row["pm"].split(","))
    for other in conn.execute(sa.select(p.c.proposal_id, p.c.pm, p.c.family_id, p.c.missing)
                              .where(p.c.state == "approved",
                                     p.c.proposal_id != row["proposal_id"])):
        shared = mine & set(other.pm.split(","))
        same_person = (other.family_id, other.missing) == (row["family_id"], row["missing"])
        if same_person and set(other.pm.split(",")) < mine:
            continue    # part of this body, fragments joined since: superseded (_replace_parts)
        if shared and not same_person:
            raise StoreError(f"{label}: PM sample {sorted(shared)[0]!r} is already identified "
                             f"as {other.missing} of {other.family_id} (approved proposal "
                             f"{other.proposal_id}); one body is one person: reopen one of "
                             f"the two first (a family registered twice, or a fragment "
                             f"joined to the wrong body)")
        fallen = [c for c in conditioning_of(conn, other.proposal_id) if c["state"] in
                  ("rejected", "pending", "reviewed")] \
            if same_person and set(other.pm.split(",")) == mine else []
        if fallen:
            # the pair made again without a body the approved proposal's LR rested on
            # (docs/store.md, "Rejections the engine knows")
            c = fallen[0]
            raise StoreError(f"{label}: approved proposal {other.proposal_id} of the same "
                             f"body and person rests on proposal "
                             f"{c['conditioning_proposal_id']} ({c['pm']} as {c['missing']}), "
                             f"{c['state']} since, and this proposal was made without it: "
                             f"reopen proposal {other.proposal_id} and reject it (its LR "
                             f"rested on that body), then approve this one")
        if same_person:
            raise StoreError(f"{label}: {row['missing']} of {row['family_id']} is already "
                             f"identified with PM sample(s) {other.pm} (approved proposal "
                             f"{other.proposal_id}); one person is one body, approved once: "
                             f"reopen one of the two first (a sample re-typed or swapped in "
                             f"the laboratory: reject the wrong one; or a fragment joined "
                             f"since, whose new proposal replaces the earlier one)")


def _replace_parts(conn: sa.Connection, row: Any, *, actor: str, reason: str, at: str
                   ) -> list[int]:
    """Move the live proposals of the same person that rest on part of the body of the
    proposal ``row``, just approved, to ``superseded``, each with a ``reviews`` row and an
    audit entry (action ``supersede``) naming the whole body's proposal; return their ids.

    A fragment joined on a later night makes a new proposal of the whole body; the one of the
    first fragment, approved again after its "one body" flag was cleared, then blocked the
    whole body's approval for good, and nothing listed it (an outside check, 2026-12-08: 13
    bodies in two stores of 24 and 22 nights). The partial identification was not wrong, so
    it is neither rejected nor left approved beside the whole body: one person, one body,
    one approved proposal."""
    p = schema.proposals
    mine = set(row["pm"].split(","))
    parts = [r for r in person_proposals(conn, row["family_id"], row["missing"],
                                         ("pending", "reviewed", "approved"))
             if set(r.pm.split(",")) < mine]
    for r in parts:
        conn.execute(p.update().where(p.c.proposal_id == r.proposal_id).values(
            state="superseded", needs_review=False, stale_reason=None, updated_at=at))
        said = (f"superseded by proposal {row['proposal_id']} ({row['pm']}, the whole body of "
                f"which {r.pm} is part), approved by {actor}: {reason.strip()}")
        result = conn.execute(schema.reviews.insert().values(
            proposal_id=r.proposal_id, actor=actor, action="supersede", from_state=r.state,
            to_state="superseded", reason=said, at=at))
        audit_row(conn, "reviews", {"review_id": result.inserted_primary_key[0]},
                  actor=actor, action="supersede")
        audit_row(conn, "proposals", {"proposal_id": r.proposal_id}, actor=actor,
                  action="supersede")
    return [r.proposal_id for r in parts]


def body_notes(rows: Iterable[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """What the one-body, one-person rule says of each proposal, from the proposals ``rows``
    (:func:`list_proposals`): ``{proposal id: [note]}``, each note a dict with ``kind``, the
    other proposal's ``id``, ``pm``, ``state``, ``family`` and ``missing``, the PM
    ``sample`` they share (``blocked_body``) and ``words``.

    Kinds: ``blocked_person`` (a live proposal whose person an approved one identifies with
    another body) and ``blocked_body`` (a live proposal whose PM sample an approved one
    identifies as someone else): its approval is refused until one of the two is reopened;
    ``supersedes`` (a live proposal whose approval replaces the approved one of part of its
    body), ``larger`` (an approved proposal of part of a body whose whole a live proposal
    proposes), ``superseded_by`` (the approved whole body's proposal that replaced it).
    Before, a blocked proposal showed as plain "reviewed" in ``store proposals``,
    ``--flagged`` and its report (an outside check, 2026-12-08)."""
    rows = list(rows)
    approved = [r for r in rows if r["state"] == "approved"]
    notes: dict[int, list[dict[str, Any]]] = {}

    def add(r: dict[str, Any], kind: str, o: dict[str, Any], words: str,
            sample: str | None = None) -> None:
        notes.setdefault(r["proposal_id"], []).append(
            {"kind": kind, "id": o["proposal_id"], "pm": o["pm"], "state": o["state"],
             "family": o["family_id"], "missing": o["missing"], "sample": sample,
             "words": words})

    # (the approved proposals by person and by PM sample, and every proposal by person, so
    # that a store of thousands of proposals is not read once for each of them)
    by_person: dict[tuple[str, str], list[int]] = {}
    by_sample: dict[str, list[int]] = {}
    for k, o in enumerate(approved):
        by_person.setdefault((o["family_id"], o["missing"]), []).append(k)
        for sample in o["pm"].split(","):
            by_sample.setdefault(sample, []).append(k)
    everyone: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for o in rows:
        everyone.setdefault((o["family_id"], o["missing"]), []).append(o)
    for r in rows:
        mine = set(r["pm"].split(","))
        person = (r["family_id"], r["missing"])
        if r["state"] in ("pending", "reviewed"):
            near = sorted(set(by_person.get(person, ())).union(
                *(by_sample.get(sample, ()) for sample in mine)))
            for o in (approved[k] for k in near):
                theirs = set(o["pm"].split(","))
                if (o["family_id"], o["missing"]) == person and theirs < mine:
                    add(r, "supersedes", o, f"approved proposal {o['proposal_id']} "
                                            f"({o['pm']}, part of this body)")
                elif (o["family_id"], o["missing"]) == person:
                    add(r, "blocked_person", o, f"{r['missing']} of {r['family_id']} is "
                                                f"approved with PM sample(s) {o['pm']} "
                                                f"(proposal {o['proposal_id']}); one person is "
                                                f"one body: reopen one of the two")
                elif mine & theirs:
                    shared = sorted(mine & theirs)[0]
                    add(r, "blocked_body", o, f"PM sample {shared} is approved as "
                                              f"{o['missing']} of {o['family_id']} (proposal "
                                              f"{o['proposal_id']}); one body is one person: "
                                              f"reopen one of the two", shared)
        elif r["state"] in ("approved", "superseded"):
            live = ("pending", "reviewed") if r["state"] == "approved" else ("approved",)
            for o in everyone[person]:
                if o["state"] not in live or \
                        not set(o["pm"].split(",")) > mine:
                    continue
                if r["state"] == "approved":
                    add(r, "larger", o, f"proposal {o['proposal_id']} ({o['pm']}, "
                                        f"{o['state']}) proposes the whole body; approving it "
                                        f"supersedes this one")
                else:
                    add(r, "superseded_by", o, f"by proposal {o['proposal_id']} ({o['pm']}), "
                                               f"the whole body")
    return notes


def _closed_list_caution(row: Any) -> str | None:
    """The closed-list caution of a proposal's engine reason in one line, or ``None``."""
    from forensic_match.dvi.closed_list import read_closed_list_caution

    caution = read_closed_list_caution(row["engine_reason"])
    return None if caution is None else caution.short()


def _superseded(conn: sa.Connection, row: Any) -> list[tuple[str, str, int, int]]:
    """The items of a proposal's basis no longer the newest stored."""
    from forensic_match.store.records import superseded_versions

    b = schema.proposal_basis
    return superseded_versions(conn, conn.execute(
        sa.select(b.c.kind, b.c.ref_id, b.c.version)
        .where(b.c.proposal_id == row["proposal_id"])))


def list_proposals(conn: sa.Connection, *, state: str | None = None) -> list[dict[str, Any]]:
    """Every proposal (all columns), optionally only those in ``state``, by id."""
    p = schema.proposals
    query = sa.select(p).order_by(p.c.proposal_id)
    if state is not None:
        query = query.where(p.c.state == state)
    return [dict(r) for r in conn.execute(query).mappings()]


def act(conn: sa.Connection, proposal_id: int, action: str, *, actor: str,
        reason: str, clear_flag: bool = False, despite_caution: bool = False
        ) -> dict[str, Any]:
    """Apply a review action to a proposal, inside the caller's transaction.

    Parameters
    ----------
    conn : sqlalchemy.Connection
    proposal_id : int
    action : {"review", "approve", "reject", "reopen"}
    actor : str
        A user of the store with a role that allows the action.
    reason : str
        Why (required, at least :data:`MIN_REASON` characters).
    clear_flag : bool
        A ``review`` of a proposal flagged for re-review clears the flag only when the
        reviewer says so: ``True`` states that the flag's reason was read. A review
        prepared before a run flagged the proposal is refused, naming the flag (an outside
        check, 2026-12-07: a review submitted while a night flagged the proposal cleared a
        flag its reviewer never saw, and the objection was never raised again).
    despite_caution : bool
        An ``approve`` of a proposal whose engine reason carries a closed-list caution (an
        unregistered relative fits the body better than the missing person:
        :func:`~forensic_match.dvi.closed_list.read_closed_list_caution`) is refused unless
        the approver says so: ``True`` states that the caution was read and weighed, and
        the audit entry of the approval records the caution. Until 2026-12-08 such an
        approval went through without a word (an outside check: a wrong body, the
        unregistered father, approved as the son at posterior 0.999997).

    Returns
    -------
    dict
        The proposal after the action, and ``flagged_dependents``: the proposals conditioned
        on it (their LR rests on its body being its missing person) that a ``reject`` or
        ``reopen`` flagged for re-review (``store/conditioning.py``), and
        ``superseded_parts``: the proposals of part of the body an ``approve`` superseded.

    Raises
    ------
    StoreError
        Unknown proposal, action or user; a role that does not allow the action; a state the
        action does not apply to; the approver is the reviewer; a flagged proposal approved or
        rejected; an approval on data no longer the newest, of a body another approved
        proposal identifies as someone else, or of a person another approved proposal
        identifies with another body, or of a proposal conditioned on a proposal that is
        not approved (or is flagged); an approval of a proposal with a closed-list caution
        without ``despite_caution``; a missing reason. Nothing is changed then.
    """
    if action not in TRANSITIONS:
        raise StoreError(f"unknown action {action!r}; expected one of "
                         f"{', '.join(TRANSITIONS)}")
    sources, target, allowed = TRANSITIONS[action]
    lock_audit(conn)
    p = schema.proposals
    row = conn.execute(sa.select(p).where(p.c.proposal_id == proposal_id)
                       .with_for_update()).mappings().first()
    if row is None:
        raise StoreError(f"no proposal {proposal_id}")
    label = f"proposal {proposal_id} ({row['pm']} -> {row['missing']} of {row['family_id']})"
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        raise StoreError(f"{label}: {action} needs a reason of at least {MIN_REASON} "
                         f"characters")
    user = conn.execute(sa.select(schema.users.c.roles)
                        .where(schema.users.c.user_id == actor)).first()
    if user is None:
        raise StoreError(f"{label}: {actor!r} is not a user of the store")
    roles = set(user.roles.split(","))
    if not roles & set(allowed):
        raise StoreError(f"{label}: {actor!r} (roles {', '.join(sorted(roles))}) may not "
                         f"{action}; it needs the role {' or '.join(allowed)}")
    old = _superseded(conn, row) if action in ("review", "approve", "reject") else []
    if action == "approve" and old:
        _check_approval(conn, row, label, old)  # names the newer version, or the withdrawal
    # A proposal on data no longer the newest stays flagged when reviewed (its LR and
    # posterior are the old data's: an outside check found a reviewed stale proposal shown
    # as "reviewed, awaiting approval" with the old figures); it can only be rejected.
    if row["needs_review"] and action in ("approve", "reject") and \
            not (action == "reject" and old):
        raise StoreError(f"{label} is flagged for re-review ({row['stale_reason']}); "
                         f"reopen it and review it again")
    if row["state"] not in sources:
        raise StoreError(f"{label} is {row['state']}; {action} applies to "
                         f"{' or '.join(sources)} proposals")
    if action == "review" and row["needs_review"] and not old and not clear_flag:
        raise StoreError(f"{label} is flagged for re-review ({row['stale_reason']}); a review "
                         f"clears the flag: read it, then review again saying so (--clear-flag; "
                         f"clear_flag=True)")
    if action in ("approve", "reject"):
        if row["reviewer"] == actor:
            raise StoreError(f"{label}: {actor!r} reviewed it and cannot also {action} it "
                             f"(four-eyes rule)")
    if action == "approve":
        _check_approval(conn, row, label, old)
        check_conditioning_approved(conn, proposal_id, label)
    caution = _closed_list_caution(row) if action == "approve" else None
    if caution is not None and not despite_caution:
        raise StoreError(f"{label}: closed-list caution: {caution}; to approve it all "
                         f"the same, say so (--despite-caution; despite_caution=True)")
    values: dict[str, Any] = {"state": target, "updated_at": now()}
    if action == "review" and old:
        from forensic_match.store.records import version_words

        kind, ref, v, n = old[0]
        values |= {"reviewer": actor, "needs_review": True,
                   "stale_reason": f"rests on version {v} of the {version_words(kind)} "
                                   f"{ref!r}, and version {n} is stored: reject it (the next "
                                   f"run proposes the pair on the newest data if it holds)"}
    elif action == "review":
        values |= {"reviewer": actor, "needs_review": False, "stale_reason": None}
    elif action == "reopen":
        values["reviewer"] = None
    conn.execute(p.update().where(p.c.proposal_id == proposal_id).values(**values))
    result = conn.execute(schema.reviews.insert().values(
        proposal_id=proposal_id, actor=actor, action=action, from_state=row["state"],
        to_state=target, reason=reason.strip(), at=values["updated_at"]))
    review_id = result.inserted_primary_key[0]
    audit_row(conn, "reviews", {"review_id": review_id}, actor=actor, action=action,
              extra={"despite_caution": caution} if caution is not None else None)
    audit_row(conn, "proposals", {"proposal_id": proposal_id}, actor=actor, action=action)
    flagged = flag_dependents(conn, row, action, reason, actor=actor) \
        if action in ("reject", "reopen") else []
    superseded = _replace_parts(conn, row, actor=actor, reason=reason,
                                at=values["updated_at"]) if action == "approve" else []
    return dict(conn.execute(sa.select(p).where(p.c.proposal_id == proposal_id))
                .mappings().one()) | {"flagged_dependents": flagged,
                                      "superseded_parts": superseded}


def rejections(conn: sa.Connection, ids: Iterable[int] | None = None
               ) -> dict[int, dict[str, Any]]:
    """How each rejected proposal (of ``ids``, or of the store) was rejected, and whether a
    flag came after.

    A rejection made while the proposal was flagged for re-review (its data withdrawn or
    superseded: the only rejections a flag allows) is administrative; any other is a
    reviewer's judgement of the pair, and a flag a later run raises on the rejected proposal
    (a changed configuration, say: flags are raised whatever the state) does not make it
    one. Both are read from the audit log: the image of the proposal that the ``reject``
    entry holds, and the ``flag_rereview`` entries after it. Before, ``store proposals``
    read the proposal's current flag and called a judged rejection that a later night
    flagged "REJECTED ON A FLAG" (an outside check, 2026-12-07).

    Returns
    -------
    dict
        ``{proposal id: {"at", "actor", "reason", "on_flag", "flag", "flagged_after"}}`` of
        every proposal in the state ``rejected``, from its last rejection: ``on_flag`` True
        when it was flagged then, ``flag`` the flag's reason then (else ``None``),
        ``flagged_after`` the reason of the flag it carries now when that flag was raised
        after the rejection (else ``None``).

    Examples
    --------
    >>> with CaseStore("cases.db") as store, store.reading() as conn:   # doctest: +SKIP
    ...     rejections(conn)[7]["on_flag"]
    False
    """
    import json

    p, log, rv = schema.proposals, schema.audit_log, schema.reviews
    query = sa.select(p.c.proposal_id, p.c.needs_review, p.c.stale_reason).where(
        p.c.state == "rejected")
    if ids is not None:
        query = query.where(p.c.proposal_id.in_(sorted(set(ids))))
    rows = {r["proposal_id"]: r for r in conn.execute(query).mappings()}
    if not rows:
        return {}
    keys = [str(pid) for pid in rows]
    rejected_at: dict[int, tuple[int, dict[str, Any]]] = {}
    flagged_at: dict[int, int] = {}
    for seq, action, key, data in conn.execute(
            sa.select(log.c.seq, log.c.action, log.c.entity_key, log.c.data).where(
                log.c.entity == "proposals", log.c.entity_key.in_(keys),
                log.c.action.in_(("reject", "flag_rereview"))).order_by(log.c.seq)):
        if action == "reject":
            rejected_at[int(key)] = (seq, json.loads(data).get("row") or {})
        else:
            flagged_at[int(key)] = seq
    reviews = {r["proposal_id"]: r for r in conn.execute(
        sa.select(rv.c.proposal_id, rv.c.at, rv.c.actor, rv.c.reason)
        .where(rv.c.action == "reject", rv.c.proposal_id.in_(list(rows)))
        .order_by(rv.c.review_id)).mappings()}
    out = {}
    for pid, row in rows.items():
        seq, image = rejected_at.get(pid, (None, None))
        review = reviews.get(pid) or {}
        if image is None:
            # no image (a store edited outside the program): the current flag, as before
            on_flag, flag, after = bool(row["needs_review"]), row["stale_reason"], None
        else:
            on_flag = bool(image.get("needs_review"))
            flag = image.get("stale_reason") if on_flag else None
            after = row["stale_reason"] if row["needs_review"] and \
                flagged_at.get(pid, -1) > seq else None
        out[pid] = {"at": review.get("at"), "actor": review.get("actor"),
                    "reason": review.get("reason"), "on_flag": on_flag, "flag": flag,
                    "flagged_after": after}
    return out


def judged_rejections(conn: sa.Connection, lapsed: list[int] | None = None
                      ) -> list[tuple[int, str, str, str]]:
    """The pairs reviewers judged wrong: ``(proposal id, pm, family, missing)`` of every
    proposal in the state ``rejected`` whose rejection was not made on a re-review flag
    (:func:`rejections`). A store run passes them to ``identify`` (``rejected=``), which
    keeps them out of its decision (``docs/store.md``, "Rejections the engine knows"); an
    administrative rejection (the proposal's data withdrawn or replaced) says nothing of the
    pair, and reopening a rejection lifts it. So does a later proposal of the same person
    that is not rejected and holds the rejected one's PM samples: the pair made again (on
    new data, under a new configuration, without a body the rejected proposal's LR rested
    on, or of the whole body a fragment joined) is the latest word on it, and the rejection
    was of the earlier proposal's grounds (an outside check, h_rej, 2026-12-08: each of the
    three, rejected after clearing its flag, kept the true pair out). A rejection holds for
    the data it was judged on: once an item of the proposal's basis has a newer version
    (the family's record, a relative's or the body's profile), it lapses and the pair is
    weighed again (a new proposal of it names the rejection: "REJECTED BEFORE"); the ids of
    such rejections are appended to ``lapsed`` when given."""
    how = rejections(conn)
    judged = [pid for pid, r in how.items() if not r["on_flag"]]
    if not judged:
        return []
    p = schema.proposals
    rows = conn.execute(sa.select(p.c.proposal_id, p.c.pm, p.c.family_id, p.c.missing)
                        .where(p.c.proposal_id.in_(judged)).order_by(p.c.proposal_id)).all()
    later: dict[tuple[str, str], list[tuple[int, set[str]]]] = {}
    for r in conn.execute(sa.select(p.c.proposal_id, p.c.pm, p.c.family_id, p.c.missing,
                                    p.c.state).where(
            p.c.family_id.in_(sorted({r.family_id for r in rows})),
            p.c.state != "rejected")):
        later.setdefault((r.family_id, r.missing), []).append(
            (r.proposal_id, set(r.pm.split(","))))
    out = []
    for r in rows:
        samples = set(r.pm.split(","))
        if any(pid > r.proposal_id and samples <= held
               for pid, held in later.get((r.family_id, r.missing), [])):
            continue    # a later proposal of the person with these samples stands
        if any(o[2:] == (r.family_id, r.missing) and o[0] > r.proposal_id
               and set(o[1].split(",")) >= samples for o in rows):
            continue    # a later rejection of the pair is its latest word
        if _superseded(conn, {"proposal_id": r.proposal_id}):
            if lapsed is not None:
                lapsed.append(r.proposal_id)
            continue
        out.append((r.proposal_id, r.pm, r.family_id, r.missing))
    return out
