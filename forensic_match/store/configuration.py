"""The part of a run's recorded configuration that its LRs and posteriors depend on.

Every run records its configuration (``runs.config``) and the digest of its markers
(``runs.frequencies_sha256``: alleles, frequencies and mutation models). Some of what it
records changes the numbers of a proposal (the frequency table, theta, the priors, the
lineage databases...), some does not (worker counts, table directories, the configuration
file's bytes, the reading options, whose effect is in the stored profiles). A proposal made
under one LR-relevant configuration is flagged for re-review when a later run starts under a
different one (:func:`flag_configuration_change`), and the run proposes the pair again on the
new configuration: each new proposal's basis holds ``["configuration", digest,
CONFIGURATION_FORMAT]`` (``docs/store.md``, "Re-review").

The LR-relevant configuration is derived from what every run already records, so runs written
before this rule existed are compared the same way.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from functools import cache
from typing import Any

import sqlalchemy as sa

from forensic_match.store import schema
from forensic_match.store.audit import canonical_json, sha256_json
from forensic_match.store.records import flag_proposal

#: Version of the definition below, stored as the ``version`` of a proposal's
#: ``configuration`` basis row.
CONFIGURATION_FORMAT = 1

#: ``identify`` options that decide whether a pair is proposed, not its LR or posterior.
#: (Which bodies an earlier round identifies changes a later round's conditioning: a joint
#: effect, not flagged, like a change of a competing body's data.)
DECISION_GATES = ("threshold", "margin", "posterior_threshold", "undisputed", "max_rounds",
                  "min_references", "dna_led")

#: ``identify`` options that change how the work is done, never its result.
ENGINEERING = ("workers", "progress", "cache", "reuse", "search_memos", "same_source_memo",
               # which markers are left out shows in the markers' digest; this only says
               # which of them not to warn about
               "ignore_markers")

#: ``identify`` options whose effective value counts even when a run did not give it (the
#: default then): they set a pair's LR or its posterior.
POSTERIOR_OPTIONS = ("prior_registered", "prior_not_in_database", "relatives", "closed",
                     "reference_kin", "min_markers", "sex_filter", "same_source")

#: What a reviewer reads for each option that changed.
_LABELS = {
    "prior_registered": "prior that a body is a registered missing person",
    "prior_not_in_database": "prior that a body is not a registered missing person",
    "relatives": "prior weight of unregistered relatives",
    "closed": "closed-disaster model (flat prior, no relative alternatives)",
    "reference_kin": "prior weight of undrawn relatives of distant (or SNP-typed) references",
    "min_markers": "minimum number of markers compared",
    "sex_filter": "exclusion of pairs whose sexes differ",
    "same_source": "log10 LR from which PM samples are joined into one body",
}


@cache
def _identify_defaults() -> dict[str, Any]:
    from forensic_match.dvi.identify import identify

    params = inspect.signature(identify).parameters
    return {k: params[k].default for k in POSTERIOR_OPTIONS}


def defaults_in_force() -> dict[str, Any]:
    """The defaults this software fills in for options a run does not give, recorded with
    each run (``runs.config["defaults"]``) so that a later version whose defaults differ
    still compares what the run used: ``identify``'s :data:`POSTERIOR_OPTIONS` and every
    option of :func:`~forensic_match.lineage.lr.lineage_lr`."""
    from forensic_match.lineage.lr import OPTIONS as LINEAGE_OPTIONS

    return {"identify": dict(sorted(_identify_defaults().items())),
            "lineage": dict(sorted(LINEAGE_OPTIONS.items()))}


def _sha(part: Any) -> str | None:
    return None if not part else part.get("sha256")


def lr_configuration(config: dict[str, Any], frequencies_sha256: str) -> dict[str, Any]:
    """The LR-relevant part of a run's recorded configuration.

    Parameters
    ----------
    config : dict
        The run's ``runs.config`` (decoded).
    frequencies_sha256 : str
        The run's ``runs.frequencies_sha256`` (``markers_digest`` of its markers: allele
        labels, frequencies and mutation models).

    Returns
    -------
    dict
        ``markers`` (that digest); ``theta`` (the effective one: the ``identify`` option if
        given, else the dataset's); ``options``: every ``identify`` option but the decision
        gates (:data:`DECISION_GATES`) and the engineering ones (:data:`ENGINEERING`), with
        the defaults of :data:`POSTERIOR_OPTIONS` filled in (those the run recorded as in
        force, :func:`defaults_in_force`; for a run that recorded none, this software's);
        ``lineage``: ``None`` or the
        kinsmen's weight, the lineage decision model's version
        (:data:`~forensic_match.decide.priors.LINEAGE_KIN_MODEL`; 1 for lineage runs that
        recorded none), the Y and mtDNA frequency methods, the other lineage options and
        the sha256 of the Y-STR panel (loci, rates), the Y database, the mtDNA database and
        the discrete Laplace fit; ``evidence``: ``None`` or whether the place-and-date prior
        is used and the version of the relatives' evidence model
        (:data:`~forensic_match.evidence.scoring.RELATIVE_EVIDENCE_MODEL`; 1 for evidence
        runs that recorded none); ``decision_model``: the version of the decision model
        (:data:`~forensic_match.decide.priors.DECISION_MODEL`; 1 for runs that recorded
        none); ``snp`` (only for a run with SNP data, so that the digest of every other
        run is what it was before SNP data could be stored): the sha256 of the SNP panel
        (markers, alleles, frequencies, positions), the map's source, the ``SnpScores``
        options in force and the error model. Not in it: the configuration file's sha256
        and the frequency file's (their LR-relevant contents are here item by item), the
        table's name, reading options and
        PM dropout (applied to the profiles as they are stored: a change makes new profile
        versions), software version, inputs.

    Examples
    --------
    >>> c = lr_configuration({"identify": {"min_markers": 8, "threshold": 1e4},
    ...                       "theta_dataset": 0}, "ab" * 32)
    >>> c["theta"], c["options"]["min_markers"], "threshold" in c["options"]
    (0.0, 8, False)
    """
    options = dict(config.get("identify") or {})
    theta = float(options.pop("theta", config.get("theta_dataset") or 0.0))
    for key in DECISION_GATES + ENGINEERING:
        options.pop(key, None)
    # an option a run did not give counts as the default it ran with: recorded since
    # 2026-12-05 (``defaults``), this software's for runs before
    defaults = config.get("defaults") or defaults_in_force()
    options = dict(defaults["identify"]) | options
    lineage = config.get("lineage")
    if lineage is not None:
        given = {k: v for k, v in {**defaults["lineage"],
                                   **(lineage.get("options") or {})}.items()
                 if k not in ("y_method", "mt_method")}
        lineage = {"kin": lineage.get("kin"),
                   "kin_model": int(lineage.get("kin_model", 1)),
                   "y_method": lineage.get("y_method"),
                   "mt_method": lineage.get("mt_method"),
                   "options": given,
                   "y_markers": _sha(lineage.get("y_markers")),
                   "y_database": _sha(lineage.get("y_database")),
                   "mt_database": _sha(lineage.get("mt_database")),
                   "disclap": _sha(lineage.get("disclap"))}
    evidence = config.get("evidence")
    if evidence is not None:
        evidence = {"place_prior": bool(evidence.get("place_prior")),
                    "relative_model": int(evidence.get("relative_model", 1)),
                    "place_coordinates": evidence.get("place_coordinates")}
    out = {"markers": frequencies_sha256, "theta": theta,
           "options": dict(sorted(options.items())), "lineage": lineage,
           "evidence": evidence,
           "decision_model": int(config.get("decision_model", 1))}
    snp = config.get("snp")
    if snp is not None:
        out["snp"] = {"panel": _sha(snp.get("panel")), "map_source": snp.get("map_source"),
                      "options": dict(sorted((snp.get("options") or {}).items())),
                      "error_model": snp.get("error_model")}
    return out


def configuration_sha256(content: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of an :func:`lr_configuration`."""
    return sha256_json(content)


def configuration_item(content: dict[str, Any]) -> list[Any]:
    """The basis row of a proposal made under ``content``:
    ``["configuration", sha256, CONFIGURATION_FORMAT]``."""
    return ["configuration", configuration_sha256(content), CONFIGURATION_FORMAT]


def panel_digests(markers: Any) -> dict[str, str]:
    """sha256 of a panel's allele frequencies and, apart, of its mutation models, recorded in
    each run's configuration (``runs.config["markers"]``) so that a re-review reason can say
    which of the two changed (``runs.frequencies_sha256`` covers both together).

    Examples
    --------
    >>> from forensic_match.markers import Marker
    >>> d = panel_digests([Marker("TH01", ("6", "7"), [0.4, 0.6])])
    >>> sorted(d), len(d["frequencies_sha256"])
    (['frequencies_sha256', 'mutation_sha256'], 64)
    """
    freq, mut = hashlib.sha256(), hashlib.sha256()
    for m in markers:
        freq.update(canonical_json([m.name, list(m.alleles),
                                    [float(f) for f in m.frequencies]]).encode())
        mut.update(canonical_json([m.name, None if m.mutation is None
                                   else m.mutation.to_record()]).encode())
    return {"frequencies_sha256": freq.hexdigest(), "mutation_sha256": mut.hexdigest()}


def _short(digest: str | None) -> str:
    return "none" if digest is None else f"{digest[:12]}.."


def _named(raw: dict[str, Any] | None, key: str) -> str:
    part = (raw or {}).get(key) or {}
    name = f"{part['name']!r} " if part.get("name") else ""
    return f"{name}sha256 {_short(part.get('sha256'))}"


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed between two runs' recorded configurations, in a reviewer's words.

    Parameters
    ----------
    old, new : dict
        ``{"config": runs.config (decoded), "frequencies_sha256": ...}`` of each run.

    Returns
    -------
    list of str
        One phrase per LR-relevant item that differs (empty when none does).

    Examples
    --------
    >>> a = {"config": {"identify": {}, "theta_dataset": 0.0}, "frequencies_sha256": "a" * 64}
    >>> b = {"config": {"identify": {"theta": 0.01}}, "frequencies_sha256": "b" * 64}
    >>> describe_changes(a, b)[1]
    'theta (subpopulation correction) changed (0.0 -> 0.01)'
    """
    co, cn = old["config"], new["config"]
    lo = lr_configuration(co, old["frequencies_sha256"])
    ln = lr_configuration(cn, new["frequencies_sha256"])
    out = []
    if lo["markers"] != ln["markers"]:
        mo, mn = co.get("markers") or {}, cn.get("markers") or {}
        parts = []
        if mo and mn:
            if mo.get("frequencies_sha256") != mn.get("frequencies_sha256"):
                parts.append("allele frequency table")
            if mo.get("mutation_sha256") != mn.get("mutation_sha256"):
                parts.append("mutation models")
        what = " and ".join(parts) or "allele frequency table or mutation models"
        names = ""
        if co.get("frequencies") and cn.get("frequencies") and \
                co["frequencies"] != cn["frequencies"]:
            names = f"{co['frequencies']!r} -> {cn['frequencies']!r}, "
        out.append(f"{what} changed ({names}markers sha256 {_short(lo['markers'])} -> "
                   f"{_short(ln['markers'])})")
    if lo["theta"] != ln["theta"]:
        out.append(f"theta (subpopulation correction) changed ({lo['theta']!r} -> "
                   f"{ln['theta']!r})")
    for key in sorted(set(lo["options"]) | set(ln["options"])):
        a, b = lo["options"].get(key), ln["options"].get(key)
        if a != b:
            out.append(f"{_LABELS.get(key, 'identification option ' + key)} changed "
                       f"({a!r} -> {b!r})")
    out += _lineage_changes(lo["lineage"], ln["lineage"], co.get("lineage"),
                            cn.get("lineage"))
    out += _snp_changes(lo.get("snp"), ln.get("snp"), co.get("snp"), cn.get("snp"))
    eo, en = lo["evidence"], ln["evidence"]
    if (eo is None) != (en is None):
        out.append("AM/PM evidence " + ("now weighed with the DNA (it was not)"
                                        if eo is None else "no longer weighed"))
    elif eo is not None and en is not None:
        if eo["place_prior"] != en["place_prior"]:
            out.append(f"place-and-date prior {'now' if en['place_prior'] else 'no longer'} "
                       f"used")
        elif (eo.get("place_coordinates") is not None and en.get("place_coordinates") is not None
              and eo["place_coordinates"] != en["place_coordinates"]):
            # (runs before 2026-12-05 did not record their coordinates: not compared)
            out.append(f"place coordinates changed (sha256 {eo['place_coordinates'][:12]} -> "
                       f"{en['place_coordinates'][:12]})")
        if eo["relative_model"] != en["relative_model"]:
            from forensic_match.evidence.scoring import RELATIVE_EVIDENCE_MODELS

            out.append(f"relatives' evidence model changed (version {eo['relative_model']} "
                       f"-> {en['relative_model']}: "
                       f"{RELATIVE_EVIDENCE_MODELS.get(en['relative_model'], 'not described')})")
    if lo["decision_model"] != ln["decision_model"]:
        from forensic_match.decide.priors import DECISION_MODELS

        out.append(f"decision model changed (version {lo['decision_model']} -> "
                   f"{ln['decision_model']}: "
                   f"{DECISION_MODELS.get(ln['decision_model'], 'not described')})")
    if not out and configuration_sha256(lo) != configuration_sha256(ln):
        out.append("a configuration item changed that has no description here")
    return out


def _lineage_changes(lo: dict[str, Any] | None, ln: dict[str, Any] | None,
                     raw_o: dict[str, Any] | None, raw_n: dict[str, Any] | None) -> list[str]:
    if lo is None and ln is None:
        return []
    if lo is None or ln is None:
        return ["lineage markers (Y-STR, mtDNA) " + ("now weighed (they were not)"
                                                     if lo is None else "no longer weighed")]
    out = []
    for key, what in (("y_database", "Y haplotype database"),
                      ("mt_database", "mtDNA database")):
        if lo[key] != ln[key]:
            reread = _read_otherwise(raw_o, raw_n) if key == "y_database" else None
            out.append(reread or f"{what} changed ({_named(raw_o, key)} -> "
                                 f"{_named(raw_n, key)})")
    if lo["y_markers"] != ln["y_markers"]:
        out.append(f"Y-STR panel (loci, mutation rates) changed (sha256 "
                   f"{_short(lo['y_markers'])} -> {_short(ln['y_markers'])})")
    for key, what in (("y_method", "Y haplotype frequency method"),
                      ("mt_method", "mtDNA frequency method"),
                      ("kin", "prior weight of an unrecorded kinsman of the lineages")):
        if lo[key] != ln[key]:
            out.append(f"{what} changed ({lo[key]!r} -> {ln[key]!r})")
    if lo["kin_model"] != ln["kin_model"]:
        from forensic_match.decide.priors import LINEAGE_KIN_MODELS

        out.append(f"lineage decision model changed (version {lo['kin_model']} -> "
                   f"{ln['kin_model']}: "
                   f"{LINEAGE_KIN_MODELS.get(ln['kin_model'], 'not described')})")
    if lo["disclap"] != ln["disclap"]:
        out.append(f"discrete Laplace fit of the Y database changed (sha256 "
                   f"{_short(lo['disclap'])} -> {_short(ln['disclap'])})")
    others = {k for k in set(lo["options"]) | set(ln["options"])
              if k not in ("y_method", "mt_method")
              and lo["options"].get(k) != ln["options"].get(k)}
    for key in sorted(others):
        out.append(f"lineage option {key} changed ({lo['options'].get(key)!r} -> "
                   f"{ln['options'].get(key)!r})")
    return out


def _read_otherwise(raw_o: dict[str, Any] | None, raw_n: dict[str, Any] | None
                    ) -> str | None:
    """The reason for a Y database whose entries are those of the earlier run but are read
    otherwise by the panel's copy numbers (``docs/lineage.md``, "Calls and copies"; a run
    before 2026-12-07 read every entry as written), or ``None``."""
    old = (raw_o or {}).get("y_database") or {}
    new = (raw_n or {}).get("y_database") or {}
    written = old.get("written_sha256", old.get("sha256"))
    if not written or new.get("written_sha256", new.get("sha256")) != written:
        return None

    def said(part: dict[str, Any]) -> str:
        read = part.get("read_by_copies") or []
        if not read:
            return "every entry as written"
        return " and ".join(f"{n} entries at {key} with " + (
            "one call as the allele on each copy" if how == "lone"
            else "equal calls as one call") for key, how, n in read)

    # no "; " inside: a reason's clauses are split there (reports/stored_text.py)
    name = f"{new['name']!r}, " if new.get("name") else ""
    return (f"Y haplotype database read otherwise ({name}the same entries as written, sha256 "
            f"{_short(written)}, now read by the panel's copy numbers: {said(old)} -> "
            f"{said(new)}, sha256 as read {_short(old.get('sha256'))} -> "
            f"{_short(new.get('sha256'))})")


def _snp_changes(lo: dict[str, Any] | None, ln: dict[str, Any] | None,
                 raw_o: dict[str, Any] | None, raw_n: dict[str, Any] | None) -> list[str]:
    if lo is None and ln is None:
        return []
    if lo is None or ln is None:
        return ["linked SNPs " + ("now weighed (they were not)" if lo is None
                                  else "no longer weighed")]
    out = []
    if lo["panel"] != ln["panel"]:
        po, pn = (raw_o or {}).get("panel") or {}, (raw_n or {}).get("panel") or {}
        out.append(f"SNP panel (markers, frequencies or positions) changed "
                   f"({po.get('source')!r} {po.get('snps')} SNPs sha256 "
                   f"{_short(lo['panel'])} -> {pn.get('source')!r} {pn.get('snps')} SNPs "
                   f"sha256 {_short(ln['panel'])})")
    if lo["map_source"] != ln["map_source"]:
        out.append(f"SNP genetic map changed ({lo['map_source']!r} -> {ln['map_source']!r})")
    for key in sorted(set(lo["options"]) | set(ln["options"])):
        a, b = lo["options"].get(key), ln["options"].get(key)
        if a != b:
            out.append(f"SNP option {key} changed ({a!r} -> {b!r})")
    if lo["error_model"] != ln["error_model"]:
        out.append("SNP error model changed")
    return out


def _recorded(row: Any) -> dict[str, Any]:
    return {"config": json.loads(row.config), "frequencies_sha256": row.frequencies_sha256}


def run_configuration(conn: sa.Connection, run_id: str) -> dict[str, Any]:
    """``{"config": ..., "frequencies_sha256": ...}`` recorded by run ``run_id``."""
    r = schema.runs
    return _recorded(conn.execute(sa.select(r.c.config, r.c.frequencies_sha256)
                                  .where(r.c.run_id == run_id)).one())


def flag_configuration_change(conn: sa.Connection, run_id: str, *, actor: str) -> list[int]:
    """Flag for re-review the proposals made under another LR-relevant configuration than
    that of run ``run_id``, once for each configuration that replaces theirs.

    Called inside the run's first transaction, after its row is written. A proposal is
    flagged when it is not flagged now, its run's LR-relevant configuration
    (:func:`lr_configuration`) differs from this run's, and it was never flagged for this
    run's configuration before (the audit log's ``flag_rereview`` entries name the
    configuration each flag was for): so a reviewer who cleared the flag is not asked again
    until the configuration changes again, and a proposal made under a configuration that
    was replaced before this rule existed is flagged by the first run under it. It is
    flagged whatever its state, with a reason naming what changed
    (:func:`describe_changes`), and an audit entry ``flag_rereview`` carrying the reason and
    both digests.

    Parameters
    ----------
    conn : sqlalchemy.Connection
        Inside the run's first transaction, holding the audit lock.
    run_id : str
        The run starting now (its row is written).
    actor : str
        The audit log's actor.

    Returns
    -------
    list of int
        The proposals flagged now, by id.
    """
    r, p, log = schema.runs, schema.proposals, schema.audit_log
    current = run_configuration(conn, run_id)
    digest = configuration_sha256(lr_configuration(**current))
    rows = conn.execute(sa.select(p.c.proposal_id, p.c.run_id, r.c.config,
                                  r.c.frequencies_sha256)
                        .join(r, r.c.run_id == p.c.run_id)
                        .where(p.c.needs_review == sa.false())
                        .order_by(p.c.proposal_id)).all()
    reasons: dict[str, tuple[str, str] | None] = {}
    stale = []
    for row in rows:
        if row.run_id not in reasons:
            recorded = _recorded(row)
            old = configuration_sha256(lr_configuration(**recorded))
            reasons[row.run_id] = None if old == digest else (old, (
                "configuration changed after this proposal (run " + row.run_id + " -> run "
                + run_id + "): " + "; ".join(describe_changes(recorded, current))))
        if reasons[row.run_id] is not None:
            stale.append(row)
    if not stale:
        return []
    # Flags for this configuration already written (the digest is hex: LIKE finds exactly
    # the entries whose data name it; the JSON check below confirms the key).
    told = set()
    for key, data in conn.execute(sa.select(log.c.entity_key, log.c.data).where(
            log.c.action == "flag_rereview", log.c.entity == "proposals",
            log.c.data.like(f'%"to":"{digest}"%'))):
        if (json.loads(data).get("configuration") or {}).get("to") == digest:
            told.add(key)
    flagged = []
    for row in stale:
        if str(row.proposal_id) in told:
            continue
        found = reasons[row.run_id]
        assert found is not None
        old, reason = found
        flag_proposal(conn, row.proposal_id, reason, actor=actor,
                      extra={"configuration": {"from": old, "to": digest}})
        flagged.append(row.proposal_id)
    return flagged
