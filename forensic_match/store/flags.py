"""Flags for re-review that a run raises from its own results, in its finishing transaction.

A run reads the newest version of everything in the store and decides every body again, so
a stored proposal whose pair it does not propose again has lost the engine's support, even
when the proposal's own data (its basis) did not change: the decision is joint, and a new
body, a new family, another identification or a larger programme can take it away. Two rules
flag such proposals (``docs/store.md``, "Re-review when a later run holds the pair back" and
"Re-review when a later run does not propose the pair again"):

- :func:`flag_held`: the run held the pair back for a stated reason (a living relative's
  DNA, references that contradict their pedigree, too few references);
- :func:`flag_unproposed`: the run, under the same configuration and decision gates as the
  proposal's run, did not propose the pair at all, with what it did with its PM samples and
  its missing person instead.

Each proposal is flagged once per reason: a reviewer who cleared the flag is not asked again
until the reason changes (the audit log's ``flag_rereview`` entries carry it).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from forensic_match.store import schema
from forensic_match.store.configuration import (
    DECISION_GATES,
    configuration_sha256,
    lr_configuration,
    run_configuration,
)
from forensic_match.store.records import flag_proposal


def _told(conn: sa.Connection, key: str) -> dict[str, set[str]]:
    """``{proposal id: reasons}`` of the ``flag_rereview`` entries whose data carry ``key``."""
    log = schema.audit_log
    told: dict[str, set[str]] = {}
    for entity_key, data in conn.execute(sa.select(log.c.entity_key, log.c.data).where(
            log.c.action == "flag_rereview", log.c.entity == "proposals",
            log.c.data.like(f'%"{key}":%'))):
        reason = json.loads(data).get(key)
        if reason is not None:
            told.setdefault(entity_key, set()).add(reason)
    return told


def flag_held(conn: sa.Connection, run_id: str, held: Any, *, actor: str) -> list[int]:
    """Flag for re-review the stored proposals of the pairs this run held back (a body now
    matching a living relative, a family whose references now contradict its pedigree or
    are too few), whatever their state: the engine would no longer propose them. A proposal
    is flagged when it is not flagged now and was never flagged for the same reason before
    (the audit log's ``flag_rereview`` entries carry it as ``held``), so a reviewer who
    cleared the flag is not asked again until the reason changes. A held pair's proposal is
    the one of its family and missing person whose PM samples include the held body."""
    p = schema.proposals
    pairs = [r for r in held.iter_rows(named=True) if r["missing"] is not None]
    if not pairs:
        return []
    told = _told(conn, "held")
    flagged = []
    for r in pairs:
        rows = conn.execute(sa.select(p.c.proposal_id, p.c.pm).where(
            p.c.family_id == r["family"], p.c.missing == r["missing"],
            p.c.needs_review == sa.false()).order_by(p.c.proposal_id)).all()
        for pid, pm in rows:
            if r["pm"] not in pm.split(",") or r["held_back"] in told.get(str(pid), ()):
                continue
            flag_proposal(conn, pid, f"held back by run {run_id}: {r['held_back']}",
                          actor=actor, extra={"held": r["held_back"]})
            flagged.append(pid)
    return flagged


def _gates(recorded: dict[str, Any]) -> dict[str, Any]:
    """The decision gates a run gave (``None``: the default of its software)."""
    given = recorded["config"].get("identify") or {}
    return {k: given.get(k) for k in DECISION_GATES}


def _instead(pm: str, family: str, missing: str, result: Any, candidates: Any
             ) -> tuple[str, str]:
    """What the run did with the PM samples ``pm`` and with ``family``'s ``missing``: the
    reason's key, in words without numbers (a reason is given once per key, so that a
    posterior moving in its last digits does not flag again a proposal a reviewer cleared),
    and the reason as written, with the posteriors and the first PM sample's best
    candidates."""
    samples = set(pm.split(","))
    keys: list[str] = []
    said: list[str] = []

    def add(key: str, numbers: str = "") -> None:
        keys.append(key)
        said.append(key + numbers)

    for r in result.identifications.iter_rows(named=True):
        parts = sorted((r["fragments"] or r["pm"]).split(","))
        frags = ",".join(parts)
        same_person = r["family"] == family and r["missing"] == missing
        if same_person and samples.intersection(parts):
            add(f"{family}/{missing} is proposed with the PM samples {frags} (one body)")
        elif same_person:
            add(f"{family}/{missing} is proposed as another body, PM {frags}",
                f" (posterior {r['posterior']:.6g})")
        elif samples.intersection(parts):
            add(f"PM {frags} is proposed as {r['family']}/{r['missing']}",
                f" (posterior {r['posterior']:.6g})")
    for r in result.family_level.iter_rows(named=True):
        parts = sorted((r["fragments"] or r["pm"]).split(","))
        frags = ",".join(parts)
        if samples.intersection(parts):
            add(f"PM {frags} is placed in family {r['family']} without saying who",
                f" (family posterior {r['posterior']:.6g}: {r['candidates']})")
    for r in result.held_back.iter_rows(named=True):
        if r["pm"] in samples:
            who = f" as {r['family']}/{r['missing']}" if r["missing"] is not None else ""
            add(f"PM {r['pm']} is held back{who}: {r['held_back']}")
    if not said:
        add(f"no proposal for PM {pm} or for {family}/{missing}: the pair's joint posterior "
            f"is below the threshold now (another body, family or identification competes, "
            f"or the programme's prior moved)")
    first = min(samples)
    ranked = [r for r in candidates.iter_rows(named=True) if r["pm"] == first]
    if ranked:
        said.append(f"PM {first}'s candidates now: " + ", ".join(
            f"{r['family']}/{r['missing']} (log10 LR {r['log10_lr']:.1f})"
            for r in sorted(ranked, key=lambda r: r["rank"])[:3]))
    return "; ".join(keys), "; ".join(said)


def flag_unproposed(conn: sa.Connection, run_id: str, result: Any, candidates: Any, *,
                    actor: str) -> list[int]:
    """Flag for re-review the stored proposals, pending, reviewed or approved, whose pair
    this run did not propose again.

    A run decides every body again on the newest data of the whole store, so a pair it does
    not propose has lost the engine's support: an approved identification whose missing
    person another body now fits as well, a body now proposed as someone else or only placed
    in the family. The proposal's own data need not have changed (a changed basis is flagged
    at ingest). Only proposals of runs with this run's LR-relevant configuration and decision
    gates are compared (another configuration is flagged at the run's start; a stricter
    threshold leaves proposals below it as they are, ``docs/store.md``), and only those whose
    PM samples and family the run read. Held pairs are :func:`flag_held`'s. A proposal is
    flagged when it is not flagged now and was never flagged for the same reason (the audit
    log's ``flag_rereview`` entries carry it as ``unproposed``, in words without numbers, so
    that a posterior moving in its last digits does not ask again): ``stale_reason`` "not
    proposed again by run R: <what the run did instead>; PM <first sample>'s candidates now:
    <the best three, with log10 LRs>".

    Parameters
    ----------
    conn : sqlalchemy.Connection
        Inside the run's finishing transaction, after its proposals are written and
        :func:`flag_held` has run.
    run_id : str
    result : IdentificationResult
        The run's identification.
    candidates : polars.DataFrame
        The run's ranked candidates per PM sample (``pm``, ``rank``, ``family``,
        ``missing``, ``log10_lr``), whose best three for the proposal's first PM sample the
        reason lists.
    actor : str

    Returns
    -------
    list of int
        The proposals flagged now, by id.
    """
    p = schema.proposals
    proposed = {(",".join(sorted((r["fragments"] or r["pm"]).split(","))), r["family"],
                 r["missing"]) for r in result.identifications.iter_rows(named=True)}
    held = {(r["pm"], r["family"], r["missing"])
            for r in result.held_back.iter_rows(named=True) if r["missing"] is not None}
    rows = conn.execute(sa.select(p.c.proposal_id, p.c.run_id, p.c.pm, p.c.family_id,
                                  p.c.missing).where(
        p.c.needs_review == sa.false(), p.c.state.notin_(("rejected", "superseded")))
        .order_by(p.c.proposal_id)).all()
    current = run_configuration(conn, run_id)
    digest = configuration_sha256(lr_configuration(**current))
    gates = _gates(current)
    comparable: dict[str, bool] = {}
    told: dict[str, set[str]] | None = None
    flagged = []
    # What the run read: a proposal resting on a PM sample or a family it did not read (an
    # overlapping run stored them after this one read the store) is not judged by it (an
    # outside check, 2026-12-07: such a run flagged the other's proposals "not proposed
    # again ... below the threshold now" for samples it never saw).
    samples = None if result.bodies is None else {
        s for b in result.bodies["samples"].to_list() for s in b.split(",")}
    families = {f for f, _ in result.compiled.rows}
    for row in rows:
        if (row.pm, row.family_id, row.missing) in proposed or any(
                (pm, row.family_id, row.missing) in held for pm in row.pm.split(",")):
            continue
        if row.family_id not in families or (samples is not None and
                                              not set(row.pm.split(",")) <= samples):
            continue
        if row.run_id not in comparable:
            recorded = run_configuration(conn, row.run_id)
            comparable[row.run_id] = _gates(recorded) == gates and \
                configuration_sha256(lr_configuration(**recorded)) == digest
        if not comparable[row.run_id]:
            continue
        key, reason = _instead(row.pm, row.family_id, row.missing, result, candidates)
        kept_out = [pm for pm, fam, person in result.parameters.get("rejected", [])
                    if (fam, person) == (row.family_id, row.missing)
                    and set(pm.split(",")) & set(row.pm.split(","))]
        if kept_out:
            # (an outside check, h_rej, 2026-12-08: such a flag blamed a competitor or the prior)
            key, reason = "kept out by a rejection: " + ";".join(kept_out), (
                f"the pair is kept out of the decision by the rejection of a proposal of "
                f"{kept_out[0]} -> {row.missing} (a review's judgement; reopen that rejection "
                f"to weigh the pair again)")
        if told is None:
            told = _told(conn, "unproposed")
        if key in told.get(str(row.proposal_id), ()):
            continue
        flag_proposal(conn, row.proposal_id, f"not proposed again by run {run_id}: {reason}",
                      actor=actor, extra={"unproposed": key})
        flagged.append(row.proposal_id)
    return flagged
