"""Runs of the identification pipeline against the case store.

A run is written in two transactions, so that a run killed at any moment leaves the store
consistent:

1. the run's row (``running``, with the software version, configuration, hashes), the
   re-review flags of proposals made under another LR-relevant configuration
   (:func:`~forensic_match.store.configuration.flag_configuration_change`) and the dataset's
   families and samples, as new versions where they changed: all or nothing;
2. after :func:`~forensic_match.dvi.identify.identify` (outside any transaction), the run's
   candidates, its new proposals with the data versions they rest on, and the run marked
   ``finished``: all or nothing.

A run killed between the two stays ``running``; the next run on the same host finds its
process gone, marks it ``failed`` (with the reason, in the audit log) and does the work again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import socket
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from forensic_match.decide.posterior import posterior_text
from forensic_match.decide.priors import DECISION_MODEL
from forensic_match.errors import ForensicMatchError, ForensicMatchWarning, InputError
from forensic_match.store import schema
from forensic_match.store.audit import (
    append_entries,
    audit_row,
    audit_values,
    candidates_sha256,
    canonical_json,
    conditioned_sha256,
    lock_audit,
    now,
    sha256_json,
    values_entry,
)
from forensic_match.store.candidates import run_candidates, write_candidates
from forensic_match.store.configuration import (
    configuration_item,
    configuration_sha256,
    defaults_in_force,
    flag_configuration_change,
    lr_configuration,
    panel_digests,
    run_configuration,
)
from forensic_match.store.database import CaseStore, StoreBusy, StoreError
from forensic_match.store.flags import flag_held, flag_unproposed

if TYPE_CHECKING:
    from forensic_match.lineage.data import LineageData
    from forensic_match.linked.scores import SnpData

#: The actor of what the pipeline itself writes.
SYSTEM = "forensic-match"

#: Tries at the finishing transaction when another process holds the store's write lock past
#: the busy timeout (:data:`~forensic_match.store.database.BUSY_TIMEOUT` each): the results
#: are computed and would be lost (ten tries: ten minutes on SQLite's default).
FINISH_ATTEMPTS = 10


@dataclass
class RunSummary:
    """What :func:`run_store` did.

    Attributes
    ----------
    run_id : str
    status : str
        ``finished`` (or ``failed``, with the error raised after recording it).
    counts : dict
        families, pm_samples, new_versions, flagged (proposals flagged for re-review, for
        changed data or configuration), flagged_configuration (those for a changed
        configuration), candidates, identifications, new_proposals, abandoned (earlier runs
        found interrupted and marked failed).
    timings : dict
        Seconds spent ingesting, identifying and writing.
    """

    run_id: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


#: The runs this process started (:func:`_new_run_id`): a ``running`` run of this host with
#: this process's pid that is not among them is an earlier process's.
_STARTED: set[str] = set()


def _new_run_id() -> str:
    """A new run's id (start time and 8 random hex digits), known to this process as its
    own."""
    run_id = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.urandom(4).hex()}"
    _STARTED.add(run_id)
    return run_id


def abandon_stale_runs(conn: sa.Connection, *, actor: str = SYSTEM) -> list[str]:
    """Mark ``failed`` every ``running`` run of this host whose process has ended.

    A run of this host with this process's pid that this process did not start is an
    earlier process's: in a container every run is pid 1 on the same host name, and such a
    run killed stayed ``running`` for ever (an outside check, h_pg F4, 2026-12-08). Runs of
    other hosts are left alone (their process cannot be checked from here).
    """
    r = schema.runs
    host = socket.gethostname()
    stale = []
    for run in conn.execute(sa.select(r.c.run_id, r.c.pid).where(
            r.c.status == "running", r.c.host == host)).all():
        if run.run_id in _STARTED or (run.pid != os.getpid() and _pid_alive(run.pid)):
            continue
        error = (f"interrupted: process {run.pid} on {host} ended before the run finished "
                 f"(found at {now()})")
        conn.execute(r.update().where(r.c.run_id == run.run_id)
                     .values(status="failed", error=error, finished_at=now()))
        audit_row(conn, "runs", {"run_id": run.run_id}, actor=actor, action="abandon")
        stale.append(run.run_id)
    return stale


def _compiled_words(compiled: int, families: int, tables_dir: Path | None,
                    cache: str | Path | bool) -> str:
    """What the run's line says after "compiled N of M families": where the others came
    from, or why there were none. It said "(the others from the tables of earlier runs)"
    on every night of a store on a server, which keeps no tables unless given a directory and
    so compiled every family every night (an outside check, h_pg F5, 2026-12-08)."""
    if tables_dir is None:
        if cache is False:
            return " (no tables kept: --no-tables)"
        return (" (a store on a server keeps no compiled tables by default, so every run "
                "compiles every family: give --tables DIR to keep them between runs)")
    if compiled < families:
        return " (the others from the tables of earlier runs)"
    return ""


def _sha256_file(path: str | Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _basis(family: str, fragments: list[str], fams: dict[str, tuple[int, Any]],
           profs: dict[str, tuple[int, Any]]) -> list[list[Any]]:
    """The data versions a proposal rests on: its PM samples' profiles, its family's
    pedigree, and the profiles of the family's typed relatives and references (without the
    configuration: :func:`_write_results` adds it)."""
    content = fams[family][1]
    sids = [f"{family}/{i}" for i in content["typed"]] + \
        [f"{family}/{i}/reference" for i in content["references"]] + fragments
    return sorted([["family", family, fams[family][0]]] +
                  [["profile", s, profs[s][0]] for s in sids])


def run_store(store: CaseStore, dataset: Any, *, actor: str = SYSTEM,
              dataset_path: str | Path | None = None, workers: int = 1,
              cache: str | Path | bool = True, typed_markers_only: bool = False,
              evidence: bool = False, place_prior: bool = False,
              lineage: LineageData | None = None, lineage_kin: float | None = None,
              lineage_options: dict[str, Any] | None = None,
              snp: SnpData | None = None, snp_options: dict[str, Any] | None = None,
              provenance: dict[str, Any] | None = None,
              say: Callable[[str], None] | None = None, reuse_searches: bool = True,
              reading_warnings: Sequence[tuple[str, str]] = (),
              **options: Any) -> RunSummary:
    """Ingest a dataset into the store, run the identification on the store's newest data,
    and record the run's candidates and proposals.

    Proposals made under another LR-relevant configuration than the run's (frequency table
    and mutation models, theta, priors, lineage data and options, SNP panel, map and model,
    evidence:
    :func:`~forensic_match.store.configuration.lr_configuration`) are flagged for re-review
    first (once for each configuration that replaces theirs), and the run proposes the
    pairs that still hold again (each proposal's basis holds the configuration's sha256;
    ``docs/store.md``, "Re-review").

    Parameters
    ----------
    store : CaseStore
    dataset : DviDataset
        Its families and PM samples are stored as new versions where they changed; its
        markers (frequencies, mutation models) are the run's panel.
    actor : str
        Who starts the run (the audit log's actor for what it writes).
    dataset_path : path, optional
        The file the dataset was read from (its sha256 goes into the run's inputs).
    workers : int
        Processes for compiling.
    cache : path or bool
        Directory of the compiled tables kept between runs (``tables.npz`` and
        ``tables.relatives.npz``): a family whose pedigree, profiles, markers and theta are
        unchanged is not compiled again (each row is keyed by the hash of everything it
        depends on, so a stale or damaged file can cost time, never change an LR). ``True``
        (default): :attr:`CaseStore.tables_dir` (``<file>.tables`` beside a SQLite store;
        none for a server); ``False``: compile everything.
    typed_markers_only : bool
        Restrict the panel to the dataset's markers that some stored profile types (for a
        whole frequency table given as the markers, as ``forensic-match run`` does with the
        laboratory's tables); by default the dataset's markers are the panel.
    evidence : bool
        Weigh the stored antemortem records and postmortem findings too
        (:class:`~forensic_match.evidence.scoring.Evidence` from the store's newest data;
        ``docs/evidence.md``): every pair's LR is then DNA x evidence, and each proposal's
        DNA LR, evidence LR and pieces are stored (``proposal_evidence``).
    place_prior : bool
        With ``evidence``, weigh pairs by the place-and-date prior as well
        (``docs/place-prior.md``). Place codes take their coordinates from
        ``dataset.extra["district_coordinates"]`` (``{code: (lat, lon)}``; the command line's
        ``--place-coordinates``), which every run with the prior must bring: a code of the
        night's records without coordinates is an error before anything is stored, and a
        changed table flags the proposals for re-review like any changed configuration.
    lineage : LineageData, optional
        The Y-STR panel and the Y and mtDNA databases (``docs/lineage.md``): the stored Y
        haplotypes and mitotypes of the families' relatives and of the PM samples (their
        newest versions) are weighed with the autosomal markers, as
        ``identify(..., lineage=...)`` does. Each candidate is then ranked by autosomal +
        lineage log10 LR and gets its lines in ``candidate_lineage``; each new proposal gets
        its lines (LR, reference, meioses, database, method, propositions) in
        ``proposal_lineage``; the run's configuration records the databases' names, sizes
        and sha256 and the frequency method. ``None`` (default): the run stores exactly what
        it stored before lineage markers existed.
    lineage_kin : float, optional
        With ``lineage``: weight of an unrecorded kinsman of each family's lineages
        (``identify``'s ``lineage_kin``; default its default, 1).
    lineage_options : dict, optional
        With ``lineage``: options of :func:`~forensic_match.lineage.lr.lineage_lr`
        (``y_method``: ``"count"``, ``"count_upper"``, ``"kappa"`` or ``"disclap"``;
        ``mt_method``, ``level``, ``references``...). ``"disclap"`` needs
        ``lineage.disclap`` (:meth:`~forensic_match.lineage.data.LineageData.fit_disclap`);
        the fit itself (centres, weights, dispersions) is recorded.
    snp : SnpData, optional
        Dense SNP calls with their panel and genetic map (``docs/linked.md``): the calls it
        holds are stored as new versions where they changed (``snp_calls``; a PM sample's
        calls need its STR profile in the store or the dataset, a reference must be an
        individual, not a missing person, of its family's pedigree), and the newest calls of
        every sample the store holds, on this panel, are weighed with the STR markers as
        ``identify(..., snp=...)`` does. Each candidate is then ranked by STR (+ lineage) +
        SNP log10 LR with its SNP part in ``candidate_snp``; each new proposal gets its SNP
        part (log10 LR, method, references used, the best one) in ``proposal_snp`` and the
        SNP call versions it rests on in its basis; the run's configuration records the
        panel's sha256, the map's source, the options and the error model
        (:func:`~forensic_match.store.snp.snp_provenance`). ``SnpData(panel)`` without calls
        weighs the calls stored by earlier runs. ``None`` (default): no SNP data are used
        or stored.
    snp_options : dict, optional
        With ``snp``: options of :class:`~forensic_match.linked.scores.SnpScores` (``fst``,
        ``pm_error``, ``reference_error``, ``pm_dropout``, ``approximation``,
        ``min_snps``...); those not given are recorded with their defaults.
    provenance : dict, optional
        More of the run's configuration and inputs to record (the configuration file's hash,
        reading options, input files with their sha256), as ``{"config": {...},
        "inputs": {...}}``.
    say : callable, optional
        Receives one line per step (progress).
    reading_warnings : sequence of (kind, message)
        Warnings given while the caller read the run's input (the laboratory's tables), kept
        with the run's own as its first ``run_warnings`` (a night's reading warnings were
        printed only: with ``--quiet`` they were lost).
    reuse_searches : bool
        With a tables directory (``cache``), keep this run's searches there
        (``tables.search.npz``) and let the next run search only what changed since
        (``docs/store.md``, "Nightly reuse of the searches"): the same candidates,
        identifications and proposals as searching everything. ``False``: search everything
        and keep nothing (the reference the reuse is tested against). With ``evidence``,
        ``lineage`` or ``snp`` the searches are done in full, but the compiled rows kept beside the
        tables are still taken (the same rows).
    **options
        Passed to :func:`~forensic_match.dvi.identify.identify` (``min_markers``, ``theta``,
        ``posterior_threshold``...) and recorded, hashed, as the run's configuration.

    Returns
    -------
    RunSummary

    Examples
    --------
    >>> with CaseStore("cases.db") as store:                      # doctest: +SKIP
    ...     run_store(store, load_case("tonight.json"), min_markers=8)
    """
    from forensic_match import __version__
    from forensic_match.accelerate import environment
    from forensic_match.likelihood.engine import added_alleles
    from forensic_match.markers import markers_digest
    from forensic_match.store.records import WITHDRAWN, ingest_dataset, read_latest

    say = say or (lambda _line: None)
    tables_dir = store.tables_dir if cache is True else None if cache is False else Path(cache)
    run_id = _new_run_id()
    provenance = provenance or {}
    if place_prior and not evidence:
        raise InputError("place_prior needs evidence")
    coordinates = _place_coordinates(dataset) if place_prior else None
    config = {"identify": dict(sorted(options.items())), "theta_dataset": dataset.theta,
              "markers": panel_digests(dataset.markers),
              "decision_model": DECISION_MODEL,
              "defaults": defaults_in_force()} | provenance.get("config", {})
    if evidence:
        from forensic_match.evidence.scoring import RELATIVE_EVIDENCE_MODEL

        config["evidence"] = {"place_prior": place_prior,
                              "relative_model": RELATIVE_EVIDENCE_MODEL}
        if place_prior:
            config["evidence"]["place_coordinates"] = sha256_json(coordinates or {})
    identify_options = {"theta": dataset.theta} | options
    if lineage is not None:
        from forensic_match.decide.priors import LINEAGE_KIN_WEIGHT

        lineage_options = dict(lineage_options or {})
        kin = LINEAGE_KIN_WEIGHT if lineage_kin is None else float(lineage_kin)
        config["lineage"] = lineage_provenance(lineage, kin, lineage_options)
        identify_options |= {"lineage": lineage, "lineage_kin": kin,
                             "lineage_options": lineage_options}
    elif lineage_kin is not None or lineage_options:
        raise InputError("lineage_kin and lineage_options need lineage data (lineage=...)")
    if snp is not None:
        from forensic_match.store.snp import snp_provenance

        snp_options = dict(snp_options or {})
        config["snp"] = snp_provenance(snp, snp_options)
    elif snp_options:
        raise InputError("snp_options need SNP data (snp=...)")
    timings: dict[str, float] = {}
    inputs: dict[str, Any] = {"dataset": {
        "id": dataset.id, "path": str(dataset_path) if dataset_path else None,
        "sha256": _sha256_file(dataset_path)}} | provenance.get("inputs", {}) | {
        "environment": environment()}
    # The run's warnings are kept with it (run_warnings) and given on to the caller after.
    with _kept_warnings() as caught:
        t0 = time.perf_counter()
        with store.transaction() as conn:
            lock_audit(conn)
            abandoned = abandon_stale_runs(conn, actor=actor)
            conn.execute(schema.runs.insert().values(
                run_id=run_id, status="running", software_version=__version__,
                config=canonical_json(config),
                config_sha256=sha256_json(config),
                frequencies_sha256=markers_digest(dataset.markers),
                inputs=canonical_json(inputs),
                host=socket.gethostname(), pid=os.getpid(), started_at=now(), timings="{}",
                counts="{}"))
            audit_row(conn, "runs", {"run_id": run_id}, actor=actor, action="start")
            reconfigured = flag_configuration_change(conn, run_id, actor=actor)
            configuration = configuration_item(lr_configuration(**run_configuration(conn,
                                                                                    run_id)))
            ingest = ingest_dataset(conn, dataset, actor=actor, run_id=run_id)
            snp_ingest = None
            if snp is not None:
                from forensic_match.store.snp import ingest_snp

                snp_ingest = ingest_snp(conn, snp, dataset, actor=actor, run_id=run_id)
        timings["ingest"] = time.perf_counter() - t0
        flagged = len(ingest.flagged) + len(reconfigured) + \
            (len(snp_ingest.flagged) if snp_ingest is not None else 0)
        new_versions = len(ingest.new_versions)
        say(f"run {run_id}: stored {new_versions} new version{'s' if new_versions != 1 else ''} "
            f"({ingest.unchanged} unchanged)"
            + (f" and {len(snp_ingest.new_versions)} new SNP call version"
               f"{'s' if len(snp_ingest.new_versions) != 1 else ''} "
               f"({snp_ingest.unchanged} unchanged)" if snp_ingest is not None else "")
            + f", {flagged} proposal{'s' if flagged != 1 else ''} flagged for re-review"
            + (f" ({len(reconfigured)} for a changed configuration)" if reconfigured else "")
            + (f"; {len(abandoned)} interrupted run{'s' if len(abandoned) != 1 else ''} marked "
               f"failed" if abandoned else ""))
        try:
            t0 = time.perf_counter()
            snp_versions: dict[str, int] | None = None
            with store.reading() as conn:
                fams, profs, ds = read_latest(conn, dataset.markers, id=dataset.id)
                from forensic_match.store.review import judged_rejections

                lapsed: list[int] = []
                judged = judged_rejections(conn, lapsed)
                if lapsed:
                    warnings.warn(ForensicMatchWarning(
                        f"the rejection of proposal{'s' if len(lapsed) != 1 else ''} "
                        f"{', '.join(map(str, lapsed[:10]))}"
                        f"{' and more' if len(lapsed) > 10 else ''} rested on data changed "
                        f"since: {'their pairs are' if len(lapsed) != 1 else 'its pair is'} "
                        f"weighed again (a new proposal names the rejection)"), stacklevel=2)
                if judged:
                    # the reviewers' judgements are knowledge: the engine keeps the pairs
                    # out (docs/store.md, "Rejections the engine knows")
                    identify_options["rejected"] = sorted({(r[1], r[2], r[3]) for r in judged})
                    inputs["rejected_proposals"] = sorted(r[0] for r in judged)
                if snp is not None:
                    from forensic_match.store.snp import read_snp

                    stored_snp, snp_versions = read_snp(conn, snp.panel,
                                                        map_source=snp.map_source)
                    # A withdrawn PM sample's calls stay stored but are not read.
                    searched = {s.id for s in ds.pm}
                    stored_snp = dataclasses.replace(stored_snp, pm={
                        k: v for k, v in stored_snp.pm.items() if k in searched})
                    identify_options |= {"snp": stored_snp, "snp_options": snp_options}
            if typed_markers_only:
                from forensic_match.cases import typed_markers

                typed = typed_markers(ds.am, ds.pm)
                # A night of pedigrees alone (nothing typed yet) keeps the whole table: an
                # empty panel stopped the run in the same-source comparison (an outside
                # check, h_print F6, 2026-12-08); with no profile there is nothing to compare.
                if typed:
                    ds.markers = [m for m in ds.markers if m.name in typed]
            kin_samples = {f"{fid}/{i}{end}" for fid, (_, c) in fams.items()
                           for key, end in (("typed", ""), ("references", "/reference"))
                           for i in c.get(key, [])}
            withdrawn = sum(WITHDRAWN in content for sid, (_, content) in profs.items()
                            if sid not in kin_samples)
            withdrawn_kin = sum(WITHDRAWN in profs[sid][1] for sid in kin_samples
                                if sid in profs)
            withdrawn_fams = sum(WITHDRAWN in c for _, c in fams.values())
            say(f"run {run_id}: identifying {len(ds.pm)} PM samples against {len(ds.am)} "
                f"families" + "".join(
                    f" ({n} {what} withdrawn, not {how})" for n, what, how in (
                        (withdrawn, "PM samples", "searched"),
                        (withdrawn_fams, "families", "searched"),
                        (withdrawn_kin, "relatives' profiles", "used")) if n) + " ...")
            if not ds.pm:
                say(f"run {run_id}: nothing to identify yet: the store holds no PM sample "
                    f"(the run records its families and finishes)")
            if evidence:
                from forensic_match.evidence import Evidence
                from forensic_match.evidence.place import PlacePrior

                identify_options["evidence"] = Evidence.from_dataset(
                    ds, place=PlacePrior.from_dataset(ds, coordinates=coordinates or {})
                    if place_prior else False)
            result, candidates = _identify(ds, workers, identify_options, tables_dir,
                                           reuse_searches=reuse_searches)
            caches = result.score_caches
            lineage_check = None if lineage is None else _ProposalLineage(
                ds, lineage, lineage_options or {},
                cache=caches.lineage if caches is not None else None)
            snp_check = None
            if snp is not None:
                from forensic_match.store.snp import ProposalSnp

                snp_check = ProposalSnp(ds, identify_options["snp"], snp_options or {},
                                        cache=caches.snp if caches is not None else None)
            say(f"run {run_id}: compiled {result.counts.get('compiled_families', 0)} of "
                f"{len(ds.am)} families" + _compiled_words(
                    result.counts.get("compiled_families", 0), len(ds.am), tables_dir,
                    cache))
            timings["identify"] = time.perf_counter() - t0
            t0 = time.perf_counter()

            def finish(conn: sa.Connection) -> dict[str, Any]:
                """The run's results, written in its finishing transaction."""
                lock_audit(conn)
                counts = _write_results(conn, run_id, result, candidates, fams, profs,
                                        actor=actor, lineage=lineage_check,
                                        configuration=configuration, snp=snp_check,
                                        snp_versions=snp_versions)
                counts |= {"families": len(ds.am), "pm_samples": len(ds.pm),
                           "new_versions": len(ingest.new_versions),
                           "flagged": flagged, "flagged_configuration": len(reconfigured),
                           "abandoned": len(abandoned),
                           "compiled_families": result.counts.get("compiled_families", 0),
                           "compiled_relative_families":
                               result.counts.get("compiled_relative_families", 0),
                           "searches_reused": result.counts.get("searches_reused", 0),
                           "held_back": result.held_back.height,
                           "family_level": result.family_level.height}
                if withdrawn:
                    counts["withdrawn_samples"] = withdrawn
                if withdrawn_fams:
                    counts["withdrawn_families"] = withdrawn_fams
                if withdrawn_kin:
                    counts["withdrawn_relatives"] = withdrawn_kin
                for change in candidate_changes(conn, run_id):
                    key = f"candidates_{change['change']}"
                    counts[key] = counts.get(key, 0) + 1
                # only when some are flagged: a run that flags none counts as before
                flagged_held = flag_held(conn, run_id, result.held_back, actor=actor)
                if flagged_held:
                    counts["flagged_held"] = len(flagged_held)
                flagged_unproposed = flag_unproposed(conn, run_id, result, candidates,
                                                     actor=actor)
                if flagged_unproposed:
                    counts["flagged_unproposed"] = len(flagged_unproposed)
                timings["write"] = time.perf_counter() - t0
                panel = result.compiled.markers
                inputs["panel"] = {"markers": [m.name for m in panel],
                                   "added_alleles": added_alleles(ds.markers, panel),
                                   "sha256": markers_digest(panel)}
                inputs["store"] = {"families": len(fams), "profiles": len(profs),
                                   "versions_sha256": sha256_json(
                                       [sorted([k, v[0]] for k, v in fams.items()),
                                        sorted([k, v[0]] for k, v in profs.items())])}
                if snp_versions is not None:
                    from forensic_match.store.snp import versions_sha256

                    inputs["snp_calls"] = {"samples": len(snp_versions),
                                           "new_versions": len(snp_ingest.new_versions)
                                           if snp_ingest is not None else 0,
                                           "versions_sha256": versions_sha256(snp_versions)}
                conn.execute(schema.runs.update().where(schema.runs.c.run_id == run_id).values(
                    status="finished", finished_at=now(), counts=canonical_json(counts),
                    inputs=canonical_json(inputs),
                    timings=canonical_json({k: round(v, 3) for k, v in timings.items()}),
                    candidates_sha256=candidates_sha256(conn, run_id)))
                audit_row(conn, "runs", {"run_id": run_id}, actor=actor, action="finish")
                _keep_warnings(conn, run_id, caught, actor=actor,
                               before=reading_warnings)
                _keep_held(conn, run_id, result.held_back, actor=actor)
                _keep_family_level(conn, run_id, result.family_level, actor=actor)
                return counts

            counts = _finishing(store, finish, run_id, say)
        except BaseException as exc:
            with store.transaction() as conn:
                conn.execute(schema.runs.update().where(schema.runs.c.run_id == run_id).values(
                    status="failed", finished_at=now(),
                    error=f"{type(exc).__name__}: {exc}"[:10_000]))
                audit_row(conn, "runs", {"run_id": run_id}, actor=actor, action="fail")
                _keep_warnings(conn, run_id, caught, actor=actor,
                               before=reading_warnings)
            raise
        moved = ", ".join(f"{counts.get('candidates_' + k, 0)} {k}" for k in CHANGES)
        say(f"run {run_id}: finished; {counts['candidates']} candidates ({moved} against the "
            f"previous run), {counts['identifications']} identifications, "
            f"{counts['new_proposals']} new proposals")
        return RunSummary(run_id, "finished", counts, timings)


def _finishing(store: CaseStore, finish: Callable[[sa.Connection], dict[str, Any]],
               run_id: str, say: Callable[[str], None]) -> dict[str, Any]:
    """``finish`` in one transaction, tried again (up to :data:`FINISH_ATTEMPTS` times) while
    another process holds the store's write lock past the busy timeout: the night's work is
    in memory, and a review or another run holding the store a while must not lose it."""
    for attempt in range(1, FINISH_ATTEMPTS):
        try:
            with store.transaction() as conn:
                return finish(conn)
        except StoreBusy:
            say(f"run {run_id}: the store is busy; trying to store the results again "
                f"({attempt + 1} of {FINISH_ATTEMPTS})")
    with store.transaction() as conn:       # the last try: a busy store is said to be so
        return finish(conn)


@contextmanager
def _kept_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record the warnings given inside (the filters in force decide which, as without it)
    and give them on to the caller on leaving, whether the block ends or raises, with their
    first location."""
    kept: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as kept:
            yield kept
    finally:  # outside the recording: the caller's filters and handlers take them
        for w in kept:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                   source=w.source)


def _keep_warnings(conn: sa.Connection, run_id: str, caught: list[warnings.WarningMessage],
                   *, actor: str, before: Sequence[tuple[str, str]] = ()) -> None:
    """Store the warnings a run gave (after those of reading its input, ``before``) as its
    ``run_warnings`` rows, each audited, numbered from 1 in the order given. Called once, in
    the transaction that marks the run finished or failed (a finishing transaction that
    fails is rolled back with its rows)."""
    _keep_numbered(conn, schema.run_warnings, run_id,
                   [{"kind": kind, "message": message} for kind, message in before]
                   + [{"kind": w.category.__name__, "message": str(w.message)} for w in caught],
                   actor=actor)


def _stored_log10(lr: float | None) -> float | None:
    """log10 of an LR for the store: null for none, zero, infinite or NaN."""
    return None if lr is None or not lr > 0 or math.isinf(lr) else math.log10(lr)


def _keep_held(conn: sa.Connection, run_id: str, held: Any, *, actor: str) -> None:
    """Store what the run held back rather than proposed (``held_back`` of the
    identification) as its ``run_held`` rows, each audited, numbered from 1."""
    _keep_numbered(conn, schema.run_held, run_id,
                   [{"pm": r["pm"], "family_id": r["family"], "missing": r["missing"],
                     "log10_lr": _stored_log10(r["lr"]), "reason": r["held_back"]}
                    for r in held.iter_rows(named=True)], actor=actor)


def _keep_family_level(conn: sa.Connection, run_id: str, family_level: Any, *,
                       actor: str) -> None:
    """Store the bodies the run placed in a family without saying who in it
    (``family_level`` of the identification, in its order) as its ``run_family_level``
    rows, each audited, numbered from 1."""
    _keep_numbered(conn, schema.run_family_level, run_id,
                   [{"pm": r["pm"], "fragments": r["fragments"], "family_id": r["family"],
                     "candidates": r["candidates"], "posterior": r["posterior"],
                     "relatives_posterior": r["relatives_posterior"],
                     "best_log10_lr": _stored_log10(r["best_lr"]),
                     "caution": r.get("caution")}
                    for r in family_level.iter_rows(named=True)], actor=actor)


def _keep_numbered(conn: sa.Connection, t: sa.Table, run_id: str,
                   rows: list[dict[str, Any]], *, actor: str) -> None:
    """Insert ``rows`` into a table kept per run and numbered (``run_id``, ``seq`` from 1
    in the order given), each row audited: one multi-row insert, and the rows' entries
    appended to the chain at once from the values written (every column given), as
    ``audit_row`` would log them read back. (Row by row, a Peru night's 3,953 family-level
    rows took 3.3 CPU-s.)"""
    values = [{"run_id": run_id, "seq": seq, **v} for seq, v in enumerate(rows, start=1)]
    if not values:
        return
    conn.execute(t.insert(), values)
    append_entries(conn, [values_entry(t.name, v, actor=actor, action="create")
                          for v in values])


#: Candidates kept per PM sample and run.
TOP = 5


@contextmanager
def _tables_lock(tables_dir: Path | None) -> Iterator[None]:
    """Hold ``tables_dir`` for one run, from reading the last run's tables to reading back the
    tables this run wrote (an exclusive ``flock`` on ``run.lock``, released when the
    process ends, even by SIGKILL; ``tables.lock`` guards the saving of the tables alone,
    :mod:`~forensic_match.dvi.table_parts`). Two runs of one store started together used to share
    ``tables.npz``: one wrote it between the other's writing and reading it back, and stored
    candidates ranked on the other run's data (an outside check, 2026-12-07: 4 of 18 SQLite
    trials, 2 of 7 on PostgreSQL). The second run now waits for the first's tables."""
    if tables_dir is None:
        yield
        return
    import fcntl

    tables_dir.mkdir(parents=True, exist_ok=True)
    with open(tables_dir / "run.lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _identify(ds: Any, workers: int, options: dict[str, Any],
              tables_dir: Path | None, *, reuse_searches: bool = False) -> tuple[Any, Any]:
    """:func:`~forensic_match.dvi.identify.identify`, and every PM sample's ranked candidates
    against the tables as first compiled (identify's own ranking is of its last round, where
    identified bodies are gone and their families conditioned on them). The tables come from
    identify's ``cache`` file, written before any conditioning, so nothing is compiled twice;
    in ``tables_dir`` that file stays for the next run. With ``reuse_searches`` and a
    ``tables_dir``, the searches reuse the last run's (``tables.search.npz``), and the
    same-source comparisons theirs (``tables.pairs.npz``), and leave this run's there."""
    import tempfile

    from forensic_match.dvi.fragments import load_same_source_memo, save_same_source_memo
    from forensic_match.dvi.identify import identify
    from forensic_match.dvi.search import search_samples
    from forensic_match.dvi.search_reuse import (
        NightSearches,
        load_memos,
        memos_to_keep,
        save_memos,
    )
    from forensic_match.dvi.table_parts import PartedTables, load_tables

    with tempfile.TemporaryDirectory(prefix="fm-run-") as tmp, _tables_lock(tables_dir):
        if tables_dir is not None:
            for stray in tables_dir.glob("*.tmp.npz"):  # left by a run killed while saving
                pid = stray.name.split(".")[-3]
                if pid.isdigit() and not _pid_alive(int(pid)):
                    stray.unlink(missing_ok=True)
        cache = (tables_dir or Path(tmp)) / "tables.npz"
        night = None
        pairs_file = None
        if reuse_searches and tables_dir is not None:
            # Same-source pairs read DNA alone: kept with evidence and lineage runs too.
            pairs_file = tables_dir / "tables.pairs.npz"
            options = dict(options, same_source_memo=load_same_source_memo(pairs_file))
        if reuse_searches and tables_dir is not None and options.get("evidence") is None \
                and options.get("lineage") is None and options.get("snp") is None:
            previous = _previous_tables(cache)
            memo_file = tables_dir / "tables.search.npz"
            night = NightSearches(load_memos(memo_file))
            loaded = dict(night.memos)
            night.keep_rows(previous, previous.keys if previous is not None else [])
            options = dict(options, reuse=previous, search_memos=night.memos)
        elif reuse_searches and tables_dir is not None:
            # Evidence, lineage and SNP runs search everything, but take the compiled rows kept
            # beside the tables (relative alternatives, conditioned rows, the references'
            # relatives): DNA tables, the same bits whatever else is weighed.
            options = dict(options, search_memos={})
        result = identify(ds.am, ds.pm, ds.markers, workers=workers, cache=cache, **options)
        if pairs_file is not None:
            save_same_source_memo(pairs_file, options["same_source_memo"])
        first = load_tables(cache)
        if list(first.keys) != list(result.compiled.keys):
            # (never expected under the lock: a run must not rank on another run's tables)
            raise ForensicMatchError(f"{cache}: the tables file holds other rows than this "
                                     f"run compiled (replaced by another process while it "
                                     f"ran?); nothing of this run is stored: run again")
        if isinstance(first, PartedTables):
            # Kept as pieces (dvi/table_parts.py): the ranking's search reads the rows where
            # they are, block by block (a copy of the whole table cost ~0.5 GB at Peru scale).
            first = first.picked()
    # The candidates' lineage scores and linked SNP results are looked up in identify's (on
    # the same data and options): a score depends on the row's family and person and on the
    # sample, not on the DNA tables (conditioning leaves it alone), and identify scored every
    # row of ``first`` (its compiled rows) against every body left after the direct
    # references in its first round. A body of one fragment is that PM sample; a body of
    # several is named after its first, whose own scores are computed here, as is any pair
    # identify did not score. The SNP screen (a matrix product, whose last bits depend on how
    # rows and samples are blocked) and each screened candidate's own screen are computed
    # again, as before.
    caches = result.score_caches
    joined = caches.joined() if caches is not None else set()
    scores = lineage_scores = snp_scores = None
    if options.get("lineage") is not None:
        from forensic_match.lineage.scores import LineageScores

        scores = lineage_scores = LineageScores(first.rows, ds.am, ds.pm, options["lineage"],
                                                cache=None if caches is None
                                                else caches.lineage.without(joined),
                                                **options.get("lineage_options") or {})
    if options.get("snp") is not None:
        from forensic_match.linked.scores import SnpScores

        # identify warned about substructure already
        scores = snp_scores = SnpScores(first.rows, ds.am, ds.pm, options["snp"],
                                        also=lineage_scores, warn=False,
                                        cache=None if caches is None
                                        else caches.snp.without(joined),
                                        **options.get("snp_options") or {})
    candidate_options = {"top": TOP, "min_markers": options.get("min_markers", 8),
                         "sex_filter": options.get("sex_filter", True)}
    if night is None:
        by_sample = search_samples(first, ds.pm, evidence=scores,
                                   **candidate_options).by_sample
    else:
        night.keep_rows(first, first.keys)
        by_sample = night.search("candidates", first, ds.pm, first.keys,
                                 **candidate_options).by_sample
        save_memos(memo_file, memos_to_keep(night.memos, loaded))
    if lineage_scores is not None:
        by_sample = _with_candidate_lineage(by_sample, lineage_scores, first.rows, ds.pm)
    if snp_scores is not None:
        by_sample = _with_candidate_snp(by_sample, snp_scores, first.rows, ds.pm)
    return result, by_sample


def _with_candidate_snp(by_sample: Any, scores: Any, rows: list[tuple[str, str]],
                        samples: list[Any]) -> Any:
    """The candidates with ``snp``: per candidate, its ``candidate_snp`` columns (the
    :class:`~forensic_match.linked.scores.SnpResult` its ranking used)."""
    import polars as pl

    from forensic_match.store.snp import result_row

    row_of = {key: r for r, key in enumerate(rows)}
    sample_of = {s.id: j for j, s in enumerate(samples)}
    pairs = [(row_of[(r["family"], r["missing"])], sample_of[r["pm"]])
             for r in by_sample.iter_rows(named=True)]
    # row by row: the pairs of a row screened one by one share the row's screen vectors
    found = {pair: result_row(scores.result(*pair)) for pair in sorted(set(pairs))}
    return by_sample.with_columns(pl.Series("snp", [found[p] for p in pairs], dtype=pl.Object))

def _with_candidate_lineage(by_sample: Any, scores: Any, rows: list[tuple[str, str]],
                            samples: list[Any]) -> Any:
    """The candidates with ``lineage``: per candidate, its lines as ``(line, log10 LR,
    reference, meioses)`` (the :class:`~forensic_match.lineage.scores.LineageScores` results
    its ranking used)."""
    import polars as pl

    row_of = {key: r for r, key in enumerate(rows)}
    sample_of = {s.id: j for j, s in enumerate(samples)}
    lines = []
    for r in by_sample.iter_rows(named=True):
        res = scores.result(row_of[(r["family"], r["missing"])], sample_of[r["pm"]])
        lines.append([(x.line, float(x.log10_lr), x.reference, int(x.meioses))
                      for x in (res.y, res.mtdna) if x is not None])
    return by_sample.with_columns(pl.Series("lineage", lines, dtype=pl.Object))

def _previous_tables(path: Path) -> Any:
    """The tables an earlier run left in ``path``, or ``None`` (absent; or unreadable: a
    :class:`~forensic_match.errors.CacheWarning`, as ``identify`` gives, and everything is
    compiled again)."""
    from forensic_match.dvi.identify import _load_cache

    return _load_cache(path)


def _write_results(conn: sa.Connection, run_id: str, result: Any, cand: Any,
                   fams: dict[str, tuple[int, Any]], profs: dict[str, tuple[int, Any]], *,
                   actor: str, configuration: list[Any],
                   lineage: _ProposalLineage | None = None, snp: Any = None,
                   snp_versions: dict[str, int] | None = None) -> dict[str, int]:
    rows = [{"run_id": run_id, "pm": r["pm"], "rank": int(r["rank"]), "family_id": r["family"],
             "missing": r["missing"], "log10_lr": float(r["log10_lr"]),
             "n_markers": int(r["n_markers"]), "n_inconsistent": int(r["n_inconsistent"])}
            for r in cand.iter_rows(named=True)]
    lines, found = [], []
    if "lineage" in cand.columns:
        lines = [{"run_id": run_id, "pm": r["pm"], "rank": int(r["rank"]), "line": line,
                  "log10_lr": _finite(log10, f"candidate {r['pm']} ~ {r['missing']}"),
                  "reference": ref, "meioses": k}
                 for r in cand.iter_rows(named=True) for line, log10, ref, k in r["lineage"]]
    if "snp" in cand.columns:
        found = [{"run_id": run_id, "pm": r["pm"], "rank": int(r["rank"])} | r["snp"]
                 for r in cand.iter_rows(named=True)]
    # only the samples whose lists changed are written (``store/candidates.py``)
    written = write_candidates(conn, run_id, rows, lineage=lines, snp=found)["written"]
    from forensic_match.store.records import (
        flag_proposal,
        reverted_to,
        reverted_words,
        superseded_versions,
        version_words,
        withdrawal_at,
    )

    p, b = schema.proposals, schema.proposal_basis
    new = superseded_flags = 0
    legacy_runs: dict[str, bool] = {}
    again: list[str] = []       # rejected pairs this run identifies again on the same data
    # this run's identifications by body and family: their PM samples as a proposal names
    # them, the missing person and the proposal of the pair (new, or the earlier one)
    identified: dict[tuple[str, str], tuple[str, str, int]] = {}
    for r in result.identifications.iter_rows(named=True):
        fragments = sorted((r["fragments"] or r["pm"]).split(","))
        data_basis = _basis(r["family"], fragments, fams, profs)
        if snp is not None and snp_versions is not None:
            from forensic_match.store.snp import basis_items

            data_basis = sorted(data_basis + basis_items(r["family"], fragments, snp.data,
                                                         snp_versions))
        basis = _with_configuration(data_basis, configuration)
        basis_sha = sha256_json(basis)
        pm = ",".join(fragments)
        bodies = r.get("conditioned_on")
        conditioning = {identified[(c, r["family"])][0] for c in bodies.split(",")
                        if (c, r["family"]) in identified} if bodies else set()
        # made since 2026-12-08, a proposal with conditioning hashes it with its basis, so that
        # a pair made again without a body a stored proposal of it rested on is a new row
        conditioned_sha = conditioned_sha256(basis, conditioning)
        blocking, plain_taken = _proposed(conn, pm, r["family"], r["missing"], basis,
                                          sha256_json(data_basis), configuration[1],
                                          legacy_runs, conditioning)
        if conditioning or plain_taken:
            basis_sha = conditioned_sha
        if blocking is not None:
            identified[(r["pm"], r["family"])] = (pm, r["missing"], blocking.proposal_id)
            if blocking.state == "rejected":
                again.append(f"proposal {blocking.proposal_id} ({pm} -> {r['missing']} of "
                             f"{r['family']}, posterior {posterior_text(r['posterior'])})")
            continue
        t = now()
        res = conn.execute(p.insert().values(
            run_id=run_id, pm=pm, family_id=r["family"], missing=r["missing"],
            log10_lr=float(r["log10_lr"]), posterior=float(r["posterior"]), rule=r["rule"],
            engine_reason=r["reason"] or "", basis_sha256=basis_sha, state="pending",
            reviewer=None, needs_review=False, stale_reason=None, created_at=t, updated_at=t))
        pid = res.inserted_primary_key[0]
        conn.execute(b.insert(), [{"proposal_id": pid, "kind": k, "ref_id": ref, "version": v}
                                  for k, ref, v in basis])
        audit_row(conn, "proposals", {"proposal_id": pid}, actor=actor, action="propose",
                  extra={"basis": basis})
        identified[(r["pm"], r["family"])] = (pm, r["missing"], pid)
        _keep_conditioning(conn, pid, r, identified, actor=actor)
        reverted = [(k, ref, v, e) for k, ref, v in data_basis
                    if (e := reverted_to(conn, k, ref, v)) is not None]
        if reverted:
            # a proposal on an older file sent again (an outside check, 2026-12-07: one such
            # looked like any pending proposal, and was approved on the undone re-typing)
            k, ref, v, e = reverted[0]
            flag_proposal(conn, pid, f"rests on {version_words(k)} {ref!r} version {v}: "
                                     f"{reverted_words(v, e)}", actor=actor)
        superseded = superseded_versions(conn, data_basis)
        if superseded:
            # Another run stored newer data while this one computed: the ingest's flags
            # could not see this proposal, which rests on what this run read.
            kind, ref, old, newest = superseded[0]
            gone = withdrawal_at(conn, kind, ref, newest) is not None
            what = f"PM sample {ref!r} withdrawn" if gone else \
                f"{version_words(kind)} {ref!r} changed"
            flag_proposal(conn, pid, f"{what} (version {old} -> {newest}) "
                                     f"while run {run_id} computed this proposal",
                          actor=actor, extra={"superseded": [list(x) for x in superseded]})
            superseded_flags += 1
        if "evidence_lr" in r:
            ev = {"proposal_id": pid, "dna_log10_lr": _log10(r["dna_lr"]),
                  "evidence_log10_lr": _log10(r["evidence_lr"]),
                  "pieces": r["evidence"] or "",
                  "place_prior": None if r.get("place_prior") is None
                  else float(r["place_prior"])}
            conn.execute(schema.proposal_evidence.insert().values(**ev))
            audit_values(conn, "proposal_evidence", ev, actor=actor, action="propose")
        if lineage is not None:
            for line in lineage.rows(r):
                values = {"proposal_id": pid} | line
                conn.execute(schema.proposal_lineage.insert().values(**values))
                audit_values(conn, "proposal_lineage", values, actor=actor, action="propose")
        if snp is not None:
            values = {"proposal_id": pid} | snp.row(r)
            conn.execute(schema.proposal_snp.insert().values(**values))
            audit_values(conn, "proposal_snp", values, actor=actor, action="propose")
        new += 1
    if again:
        # a reviewer's rejection stands, but the engine's renewed support is said (an outside
        # check, 2026-12-07: a pair rejected on a flag and identified again once its cause was
        # gone was listed nowhere)
        warnings.warn(ForensicMatchWarning(
            (f"{len(again)} pairs this run identifies were rejected on the same data and "
             f"configuration, and are not proposed again: " if len(again) != 1 else
             "1 pair this run identifies was rejected on the same data and configuration, "
             "and is not proposed again: ") + "; ".join(again[:5])
            + (f"; and {len(again) - 5} more" if len(again) > 5 else "")
            + ". If a rejection rested on a flag whose cause is gone, reopen the proposal"),
            stacklevel=2)
    return {"candidates": len(rows), "candidate_rows_written": written,
            "identifications": result.identifications.height,
            "new_proposals": new} | ({"flagged_superseded": superseded_flags}
                                     if superseded_flags else {}) | (
        {"rejected_identified_again": len(again)} if again else {})


def _keep_conditioning(conn: sa.Connection, pid: int, r: dict[str, Any],
                       identified: dict[tuple[str, str], tuple[str, str, int]], *,
                       actor: str) -> None:
    """The bodies identification ``r`` (new proposal ``pid``) was conditioned on, as rows of
    ``proposal_conditioning``: each an identification of this run in the same family, made
    before it (a direct match or an earlier round), so already in ``identified``."""
    bodies = r.get("conditioned_on")
    for seq, body in enumerate(bodies.split(",") if bodies else [], start=1):
        found = identified.get((body, r["family"]))
        if found is None:
            raise StoreError(f"proposal {r['pm']} ~ {r['missing']} of family {r['family']}: "
                             f"conditioned on body {body!r}, which this run did not identify "
                             f"in the family before it")
        values = {"proposal_id": pid, "seq": seq, "pm": found[0], "family_id": r["family"],
                  "missing": found[1], "conditioning_proposal_id": found[2]}
        conn.execute(schema.proposal_conditioning.insert().values(**values))
        audit_values(conn, "proposal_conditioning", values, actor=actor, action="propose")


def _with_configuration(data_basis: list[list[Any]], item: list[Any]) -> list[list[Any]]:
    """A proposal's basis: its data versions and the configuration it was computed under
    (``["configuration", sha256, format]``: ``store/configuration.py``)."""
    return sorted([*data_basis, item])


def _proposed(conn: sa.Connection, pm: str, family: str, missing: str,
              basis: list[list[Any]], data_sha: str, configuration_sha: str,
              legacy_runs: dict[str, bool], conditioning: set[str]
              ) -> tuple[Any | None, bool]:
    """The proposal (its row: ``proposal_id``, ``state``) by which the pair was already
    proposed on the same data and configuration, else ``None``: a proposal with the same
    basis (its hash alone, or with the proposal's own conditioning bodies:
    ``audit.conditioned_sha256``), or one made before the basis held the configuration (its
    basis is the same data alone) by a run whose LR-relevant configuration is this one; and
    whether a proposal of the pair holds the basis's plain hash (a new one then takes the
    conditioned form, the pair, PM samples and basis being unique). A live proposal is
    returned before a rejected one: the caller names the pairs whose only proposal on this
    basis was rejected (a reviewer's rejection stands; the engine's renewed support is said).

    A proposal conditioned on a PM sample that none of the bodies this run conditioned the
    pair on holds (``conditioning``: the bodies' PM samples, as proposals name them) is not
    the same: its LR rests on an identification this run did not make (a rejected one, say),
    so the pair is proposed again with this run's LR and conditioning. One conditioned on
    fewer bodies, or on a body that has gained fragments since, stands (its LR is the
    family's with fewer identified members, or the same; ``docs/store.md``, "Rejections the
    engine knows")."""
    p, c = schema.proposals, schema.proposal_conditioning
    plain = sha256_json(basis)
    taken = {f for pms in conditioning for f in pms.split(",")}
    found = None
    plain_taken = False
    rows = conn.execute(sa.select(p.c.proposal_id, p.c.run_id, p.c.basis_sha256, p.c.state)
                        .where(p.c.pm == pm, p.c.family_id == family, p.c.missing == missing)
                        .order_by(p.c.proposal_id)).all()
    for row in rows:
        plain_taken |= row.basis_sha256 == plain
        rested_on = list(conn.execute(sa.select(c.c.pm).where(
            c.c.proposal_id == row.proposal_id)).scalars())
        if row.basis_sha256 == data_sha:
            if row.run_id not in legacy_runs:
                legacy_runs[row.run_id] = configuration_sha256(lr_configuration(
                    **run_configuration(conn, row.run_id))) == configuration_sha
            if not legacy_runs[row.run_id]:
                continue
        elif row.basis_sha256 not in (plain, conditioned_sha256(basis, rested_on)):
            continue
        if not {f for pms in rested_on for f in pms.split(",")} <= taken:
            continue
        if row.state != "rejected":
            return row, plain_taken
        found = row         # a live proposal of the pair, if any, is named before it
    return found, plain_taken


def _log10(lr: float) -> float:
    return math.log10(lr) if lr > 0 else -math.inf


def _finite(x: float, what: str) -> float:
    if not math.isfinite(x):
        raise StoreError(f"{what}: lineage log10 LR {x!r} is not finite; such a pair is "
                         f"impossible and should not have been listed")
    return float(x)


def lineage_provenance(data: LineageData, kin: float, options: dict[str, Any]
                       ) -> dict[str, Any]:
    """What a run records of its lineage data (``runs.config["lineage"]``): the Y-STR panel
    (loci, copies, rates) and each database (name, size) with the sha256 of their canonical
    JSON (``LineageData.to_dict``: what enters the LRs, whatever file they came from; the
    panel with every entry's ``copies``, as before 2026-12-07, and the loci whose entry stated
    them, ``copies_stated``; a Y database some of whose entries the panel's copy numbers read
    otherwise than written also with the sha256 of the entries as written,
    ``written_sha256``, and the entries so read, ``read_by_copies``: ``[locus, "lone" or
    "repeated", entries]``), the
    frequency methods and the other options of
    :func:`~forensic_match.lineage.lr.lineage_lr`, the kinsmen's weight and the version of
    the lineage decision model (:data:`~forensic_match.decide.priors.LINEAGE_KIN_MODEL`). With
    ``y_method="disclap"`` also the discrete Laplace fit used (``DiscLapFit.to_dict``, which
    ``DiscLapFit.from_dict`` reads back to the same frequencies) and its sha256.

    Raises
    ------
    InputError
        Options :func:`~forensic_match.lineage.lr.check_lineage_options` refuses.
    """
    from forensic_match.lineage.data import y_database_dict
    from forensic_match.lineage.lr import check_lineage_options

    check_lineage_options(data, options)
    y_method = options.get("y_method", "count")
    mt_method = options.get("mt_method", "count")
    raw = data.to_dict()
    ystr = raw.get("ystr", {})
    from forensic_match.decide.priors import LINEAGE_KIN_MODEL

    out: dict[str, Any] = {
        "kin": kin, "kin_model": LINEAGE_KIN_MODEL, "y_method": y_method,
        "mt_method": mt_method, "options": dict(sorted(options.items())),
        "y_markers": None, "y_database": None, "mt_database": None}
    if "markers" in ystr:
        # the digest of the panel as written before 2026-12-07, with every entry's copies
        # (to_dict now writes them only where stated): an unchanged panel file keeps its
        # digest across the upgrade (outside check h_fix, finding 2); where copies were
        # stated is recorded beside it
        panel = [{"name": m.name, "copies": m.copies, "rate": m.rate} for m in data.markers]
        out["y_markers"] = {"loci": [m["name"] for m in panel], "sha256": sha256_json(panel),
                            "copies_stated": [m.name for m in data.markers
                                              if m.copies_stated]}
    if "database" in ystr:
        db = ystr["database"]
        out["y_database"] = {"name": db["name"], "haplotypes": len(db["haplotypes"]),
                             "sha256": sha256_json(db)}
        if data.database_written is not None:
            # the entries as the file writes them, where the panel's copy numbers read some
            # otherwise (a homozygous DYS385 written as one call): a reason can then say that
            # the file is the same and its reading changed
            out["y_database"]["written_sha256"] = sha256_json(
                y_database_dict(data.database_written))
            out["y_database"]["read_by_copies"] = [
                [key, how, n] for (key, how), n in sorted(data.database_read.items())]
    if "mtdna" in raw:
        db = raw["mtdna"]["database"]
        out["mt_database"] = {"name": db["name"], "mitotypes": len(db["mitotypes"]),
                              "sha256": sha256_json(db)}
    if y_method == "disclap":
        assert data.disclap is not None
        fit = data.disclap.to_dict()
        out["disclap"] = {"fit": fit, "sha256": sha256_json(fit)}
    return out


class _ProposalLineage:
    """The lineage lines of each proposal: identify's result of the pair (``cache``, its
    :class:`~forensic_match.lineage.fast.LineageCache`), else computed as ``identify``
    computed it (the body's first Y haplotype and first mitotype among its fragments, in the
    body's order, against the family as stored); checked against the identification's
    ``lineage_log10_lr``, so that what is stored is what the decision used."""

    def __init__(self, ds: Any, data: Any, options: dict[str, Any], *,
                 cache: Any = None) -> None:
        self.pm = {s.id: s for s in ds.pm}
        self.families = {f.id: f for f in ds.am}
        self.data, self.options = data, options
        self.results = {} if cache is None else cache.results

    def rows(self, r: dict[str, Any]) -> list[dict[str, Any]]:
        import dataclasses

        from forensic_match.lineage.data import pm_mitotype, pm_y_haplotype
        from forensic_match.lineage.lr import lineage_lr

        if r["rule"] == "direct reference":
            return []  # the LR of a direct reference is its own comparison, no lineage
        res = self.results.get((r["family"], r["missing"], r["pm"]))
        if res is None:
            fragments = [self.pm[f] for f in (r["fragments"] or r["pm"]).split(",")]
            y = next((h for f in fragments if (h := pm_y_haplotype(f)) is not None), None)
            mt = next((m for f in fragments if (m := pm_mitotype(f)) is not None), None)
            body = dataclasses.replace(fragments[0], id=r["pm"], ystr=y, mtdna=mt)
            res = lineage_lr(body, self.families[r["family"]], r["missing"], self.data,
                             **self.options)
        used = float(r["lineage_log10_lr"])
        if not math.isclose(res.log10_lr, used, rel_tol=1e-9, abs_tol=1e-12):
            raise StoreError(f"proposal {r['pm']} ~ {r['missing']} of family {r['family']}: "
                             f"lineage log10 LR {res.log10_lr!r} recomputed for the store, "
                             f"{used!r} in the identification")
        out = []
        for x in (res.y, res.mtdna):
            if x is None:
                continue
            what = f"proposal {r['pm']} ~ {r['missing']} ({x.line})"
            detail = {"hypotheses": x.hypotheses, "compared": list(x.compared),
                      "differences": list(x.differences), "set_aside": x.set_aside,
                      "other_references": list(x.other_references), "joint": x.joint,
                      "frequency": {"count": x.frequency.count, "size": x.frequency.size,
                                    "description": x.frequency.description},
                      "notes": list(res.notes)}
            out.append({"line": x.line, "log10_lr": _finite(x.log10_lr, what),
                        "reference": x.reference, "meioses": int(x.meioses),
                        "numerator": float(x.numerator), "frequency": float(x.frequency.value),
                        "method": x.frequency.method, "database": x.frequency.database,
                        "detail": canonical_json(detail)})
        return out


#: The kinds of change between two runs' candidates (:func:`candidate_changes`).
CHANGES = ("new", "stronger", "weaker", "withdrawn")

#: log10 LR differences up to this are "unchanged" (rounding between identical computations
#: is far below it; a re-typed relative or a changed frequency table is far above it).
CHANGE_TOLERANCE = 1e-9


def latest_finished_run(conn: sa.Connection, *, before: str | None = None) -> str | None:
    """The newest finished run, or the newest that started before run ``before``."""
    r = schema.runs
    query = sa.select(r.c.run_id).where(r.c.status == "finished")
    if before is not None:
        start = conn.execute(sa.select(r.c.started_at).where(r.c.run_id == before)).scalar()
        query = query.where(r.c.run_id != before, sa.or_(
            r.c.started_at < start, sa.and_(r.c.started_at == start, r.c.run_id < before)))
    row = conn.execute(query.order_by(r.c.started_at.desc(), r.c.run_id.desc())
                       .limit(1)).first()
    return None if row is None else row.run_id


def candidate_changes(conn: sa.Connection, run_id: str) -> list[dict[str, Any]]:
    """What run ``run_id``'s candidates changed against the finished run that started before
    it.

    A candidate is a (PM sample, family, missing person) among the sample's :data:`TOP`
    ranked candidates. ``new``: not among the previous run's (a new sample, a new or changed
    family, or a stronger LR that moved it up); ``stronger`` / ``weaker``: in both, log10 LR
    up or down by more than :data:`CHANGE_TOLERANCE` (a re-typed profile, a changed pedigree
    or frequency table); ``withdrawn``: among the previous run's, not among this run's (its
    LR fell, or stronger candidates displaced it). Unchanged candidates are not listed.
    Every candidate is ``new`` when there is no previous run.

    Returns
    -------
    list of dict
        run_id, previous_run, pm, family, missing, change, log10_lr, previous_log10_lr,
        rank, previous_rank; sorted by PM sample, family, missing person.
    """
    previous = latest_finished_run(conn, before=run_id)

    def ranked(run: str | None) -> dict[tuple[str, str, str], tuple[float, int]]:
        if run is None:
            return {}
        return {(r["pm"], r["family_id"], r["missing"]): (float(r["log10_lr"]), int(r["rank"]))
                for r in run_candidates(conn, run)["candidates"]}

    now_, before = ranked(run_id), ranked(previous)
    out = []
    for key in sorted(set(now_) | set(before)):
        new, old = now_.get(key), before.get(key)
        if old is None:
            change = "new"
        elif new is None:
            change = "withdrawn"
        elif new[0] > old[0] + CHANGE_TOLERANCE:
            change = "stronger"
        elif new[0] < old[0] - CHANGE_TOLERANCE:
            change = "weaker"
        else:
            continue
        out.append({"run_id": run_id, "previous_run": previous, "pm": key[0],
                    "family": key[1], "missing": key[2], "change": change,
                    "log10_lr": None if new is None else new[0],
                    "previous_log10_lr": None if old is None else old[0],
                    "rank": None if new is None else new[1],
                    "previous_rank": None if old is None else old[1]})
    return out


def _place_coordinates(dataset: Any) -> dict[str, Any]:
    """The coordinates of the place codes for a run's place prior: the dataset's
    ``district_coordinates`` (the laboratory tables' ``--place-coordinates``). The store
    keeps no coordinates between runs: like the frequency table, they come with each run,
    and a changed table is a changed configuration. Every place code of the night's own
    records is checked here, as the prior reads them, before anything is stored; codes of
    earlier nights' records are checked when the prior is built."""
    from forensic_match.evidence.place import PlacePrior
    from forensic_match.evidence.records import pm_findings_from_dataset

    coordinates = dict(dataset.extra.get("district_coordinates") or {})
    try:
        prior = PlacePrior.from_dataset(dataset, coordinates=coordinates)  # the persons
        prior.require_coordinates((f"PM sample {k!r}", f.district)
                                  for k, f in pm_findings_from_dataset(dataset).items())
    except InputError as exc:
        raise InputError(f"{exc}; nothing was stored") from exc
    return coordinates
