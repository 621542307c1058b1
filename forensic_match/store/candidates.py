"""Each run's ranked candidates, kept as intervals of runs (migration 0009).

A run ranks every PM sample's :data:`~forensic_match.store.runs.TOP` best candidates, and a
night changes few of them. Until migration 0009 every run wrote every sample's list again (at
Peru scale 50,000 rows a night with nothing new, ``docs/store.md``, "Candidates kept as
intervals"). Now a sample's list (its ``candidates`` rows with their ``candidate_lineage`` and
``candidate_snp`` rows) is kept from the run that first ranked it (``run_id``) until the run
whose list of the sample differs in any value (``until_run_id``, which closes it), and a run
writes only the lists that changed. The finished runs are ordered by ``run_order.seq`` (the
order in which they wrote), and run R's candidates are the rows valid at R:

    run_order[run_id] <= run_order[R] < run_order[until_run_id]   (until_run_id null: open)

:func:`run_candidates` reads them back in the layout every run wrote before (each row with
``run_id`` R), so :func:`candidates_sha256` is the formula of the first schema and every
stored ``runs.candidates_sha256`` holds. :func:`candidate_hashes` (``verify``) computes every
run's hash while reading each stored row once.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from forensic_match.store import schema
from forensic_match.store.audit import _json_value, canonical_json

#: The three tables of a run's candidate lists, by the name their part of the hash has.
PARTS = {"candidates": schema.candidates, "lineage": schema.candidate_lineage,
         "snp": schema.candidate_snp}

#: Rows per statement when closing lists by sample (well under SQLite's bound parameters).
CHUNK = 500


def _columns(name: str) -> list[str]:
    """The columns of a part as every run wrote and hashed them: ``run_id`` first."""
    return [c.name for c in PARTS[name].columns if c.name != "until_run_id"]


def _order(name: str) -> list[str]:
    table = PARTS[name]
    return ["pm", "rank"] + (["line"] if "line" in table.c else [])


def run_seq(conn: sa.Connection, run_id: str) -> int | None:
    """A finished run's place in ``run_order`` (``None``: the run wrote no candidates)."""
    o = schema.run_order
    return conn.execute(sa.select(o.c.seq).where(o.c.run_id == run_id)).scalar()


def run_candidates(conn: sa.Connection, run_id: str, *, pm: str | None = None,
                   rank: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """Run ``run_id``'s candidates: the rows valid at the run, as the run ranked them.

    Parameters
    ----------
    conn : sqlalchemy.Connection
    run_id : str
    pm : str, optional
        Only this PM sample's.
    rank : int, optional
        Only this rank (1: each sample's best).

    Returns
    -------
    dict
        ``{"candidates": rows, "lineage": rows, "snp": rows}``: each row a dict of the
        table's columns with ``run_id`` the run asked for (as each run wrote them before
        migration 0009), ordered by PM sample, rank (and line) as the database orders them.
        Empty for a run that wrote none (unfinished, failed, or not a run).

    Examples
    --------
    >>> from forensic_match.store import CaseStore
    >>> with CaseStore("sqlite://") as store, store.reading() as conn:
    ...     run_candidates(conn, "no-such-run")["candidates"]
    []
    """
    seq = run_seq(conn, run_id)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in PARTS}
    if seq is None:
        return out
    c = schema.candidates
    first, until = schema.run_order.alias("first"), schema.run_order.alias("until")
    for name, table in PARTS.items():
        joined = table if table is c else table.join(c, sa.and_(
            c.c.run_id == table.c.run_id, c.c.pm == table.c.pm, c.c.rank == table.c.rank))
        query = sa.select(*(table.c[k] for k in _columns(name) if k != "run_id")).select_from(
            joined.join(first, first.c.run_id == c.c.run_id)
            .outerjoin(until, until.c.run_id == c.c.until_run_id)
        ).where(first.c.seq <= seq, sa.or_(c.c.until_run_id.is_(None), until.c.seq > seq))
        if pm is not None:
            query = query.where(c.c.pm == pm)
        if rank is not None:
            query = query.where(c.c.rank == rank)
        query = query.order_by(*(table.c[k] for k in _order(name)))
        out[name] = [{"run_id": run_id} | dict(r) for r in conn.execute(query).mappings()]
    return out


def _hash_text(run_id: str, parts: dict[str, Iterable[str]]) -> str:
    """sha256 of the first schema's candidates text, from each row's JSON without its
    ``run_id`` (``rest``: the row's canonical JSON less its opening ``[``)."""
    head = "[" + canonical_json(run_id) + ","

    def listed(rests: Iterable[str]) -> str:
        return "[" + ",".join(head + rest for rest in rests) + "]"

    cand = listed(parts["candidates"])
    others = {k: list(v) for k, v in parts.items() if k != "candidates"}
    others = {k: v for k, v in others.items() if v}
    if not others:
        text = cand
    else:   # canonical JSON's sorted keys: candidates, lineage, snp
        text = "{" + ",".join(f"{canonical_json(k)}:{v}" for k, v in sorted(
            [("candidates", cand)] + [(k, listed(v)) for k, v in others.items()])) + "}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _rest(name: str, row: Any) -> str:
    return canonical_json([_json_value(row[k]) for k in _columns(name) if k != "run_id"])[1:]


def candidates_sha256(conn: sa.Connection, run_id: str) -> str:
    """sha256 of the canonical JSON of a run's candidate rows (by pm and rank, each with the
    run's id first); for a run with lineage or SNP data, of ``{"candidates": rows, "lineage":
    candidate_lineage rows, "snp": candidate_snp rows}`` (by pm, rank and line; each part only
    when it has rows): the formula of the first schema, over :func:`run_candidates`."""
    found = run_candidates(conn, run_id)
    # in code-point order, not the database's collation (below)
    return _hash_text(run_id, {name: [_rest(name, r) for r in _in_code_points(name, rows)]
                               for name, rows in found.items()})


def _in_code_points(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = _order(name)
    return sorted(rows, key=lambda r: tuple(r[k] for k in keys))


def write_candidates(conn: sa.Connection, run_id: str, rows: Sequence[dict[str, Any]], *,
                     lineage: Sequence[dict[str, Any]] = (),
                     snp: Sequence[dict[str, Any]] = ()) -> dict[str, int]:
    """Record run ``run_id``'s candidates (in its finishing transaction, under the audit
    lock): give the run its place in ``run_order``, close the open list of every PM sample
    whose list differs from the run's (or that the run does not list), and write the lists
    that differ. A list equal to the open one in every value is left as it is.

    Parameters
    ----------
    conn : sqlalchemy.Connection
    run_id : str
    rows, lineage, snp : sequence of dict
        Every candidate row of the run (every column but ``until_run_id``, ``run_id`` the
        run's), its lineage rows and its SNP rows.

    Returns
    -------
    dict
        ``written`` (candidate rows written) and ``closed`` (candidate rows closed).
    """
    o, c = schema.run_order, schema.candidates
    seq = (conn.execute(sa.select(sa.func.max(o.c.seq))).scalar() or 0) + 1
    conn.execute(o.insert().values(run_id=run_id, seq=seq))
    tonight = {"candidates": rows, "lineage": lineage, "snp": snp}
    new = _lists({name: [{k: r[k] for k in _columns(name) if k != "run_id"} for r in found]
                  for name, found in tonight.items()})
    stored: dict[str, list[dict[str, Any]]] = {}
    for name, table in PARTS.items():
        joined = table if table is c else table.join(c, sa.and_(
            c.c.run_id == table.c.run_id, c.c.pm == table.c.pm, c.c.rank == table.c.rank))
        stored[name] = [dict(r) for r in conn.execute(
            sa.select(*(table.c[k] for k in _columns(name) if k != "run_id"))
            .select_from(joined).where(c.c.until_run_id.is_(None))).mappings()]
    old = _lists(stored)
    closing = sorted(pm for pm, held in old.items() if new.get(pm) != held)
    for i in range(0, len(closing), CHUNK):
        conn.execute(c.update().where(c.c.until_run_id.is_(None),
                                      c.c.pm.in_(closing[i:i + CHUNK]))
                     .values(until_run_id=run_id))
    changed = {pm for pm, held in new.items() if old.get(pm) != held}
    written = 0
    for name, table in PARTS.items():
        put = [r for r in tonight[name] if r["pm"] in changed]
        if put:
            conn.execute(table.insert(), put)
        if name == "candidates":
            written = len(put)
    return {"written": written, "closed": sum(len(old[pm][0]) for pm in closing)}


def _lists(parts: dict[str, Sequence[dict[str, Any]]]) -> dict[str, tuple[Any, ...]]:
    """Each PM sample's list as one comparable value: its candidate rows, lineage rows and
    SNP rows, each sorted (by rank, line) as tuples of their columns."""
    out: dict[str, tuple[list[Any], ...]] = {}
    for i, name in enumerate(PARTS):
        cols = [k for k in _columns(name) if k != "run_id"]
        for r in parts[name]:
            out.setdefault(r["pm"], ([], [], []))[i].append(tuple(r[k] for k in cols))
    return {pm: tuple(tuple(sorted(x)) for x in v) for pm, v in out.items()}


def candidate_hashes(conn: sa.Connection, *, database: bool = False
                     ) -> tuple[dict[str, str], list[str]]:
    """Every run's :func:`candidates_sha256`, reading and serialising each stored row once
    (``verify``): the runs are walked in ``run_order``, each adding the rows it opened and
    dropping those it closed, and each run's text is composed from the rows' texts. With
    ``database``, the rows in the database's collation order instead of code-point order
    (the hashes of runs made before 2026-12-08 on a server whose collation is not C).

    Returns
    -------
    (dict, list of str)
        The hash of each run in ``run_order``, and what cannot be placed in it (rows of a
        run that has no place, or closed by one that has none or that is not after it;
        lineage or SNP rows of no candidate row), in words.
    """
    o, c = schema.run_order, schema.candidates
    seqs = dict(conn.execute(sa.select(o.c.run_id, o.c.seq)).all())
    by_seq = sorted(seqs, key=seqs.__getitem__)
    # The samples and lines in code-point order (SQLite's own, and PostgreSQL's under the C
    # collation), or, for ``database``, in the database's collation, as the first schema's
    # formula ordered them in SQL: a store made on PostgreSQL under es-PE or another ICU
    # collation hashed its runs so until 2026-12-08, and a copy of it restored under another
    # collation raised a false alarm (an outside check, h_pg F2).
    pms = conn.execute(sa.select(c.c.pm).distinct().order_by(c.c.pm)).scalars().all()
    lines = conn.execute(sa.select(schema.candidate_lineage.c.line).distinct()
                         .order_by(schema.candidate_lineage.c.line)).scalars().all()
    if not database:
        pms, lines = sorted(pms), sorted(lines)
    pm_at = {pm: i for i, pm in enumerate(pms)}
    line_at = {x: i for i, x in enumerate(lines)}
    problems: list[str] = []
    # (run_id, pm, rank) of each candidate row -> its interval [start, end)
    spans: dict[tuple[str, str, int], tuple[int, float]] = {}
    opened: dict[int, list[tuple[str, tuple[Any, ...], str]]] = {}
    closed: dict[int, list[tuple[str, tuple[Any, ...]]]] = {}
    bad_runs: set[str] = set()
    for name, table in PARTS.items():
        for r in conn.execute(sa.select(table)).mappings():
            key = (r["run_id"], r["pm"], r["rank"])
            if name == "candidates":
                start, until = seqs.get(r["run_id"]), r["until_run_id"]
                end = float("inf") if until is None else seqs.get(until)
                if start is None or end is None or end <= start:
                    bad_runs.add(f"{r['run_id']}" + ("" if until is None else f" until {until}"))
                    continue
                spans[key] = (start, end)
            elif key not in spans:
                # lineage and SNP rows are read after every candidate row
                problems.append(f"{table.name} row {'|'.join(map(str, key))}: belongs to no "
                                f"candidate row (written behind the log's back)")
                continue
            start, end = spans[key]
            order = (pm_at[r["pm"]], r["rank"]) + (
                (line_at[r["line"]],) if name == "lineage" else ())
            opened.setdefault(start, []).append((name, order, _rest(name, r)))
            if end != float("inf"):
                closed.setdefault(int(end), []).append((name, order))
    for run in sorted(bad_runs):
        problems.append(f"candidates of run {run}: not placed in run_order, or closed by a "
                        f"run not after it (written behind the log's back)")
    keys: dict[str, list[tuple[Any, ...]]] = {name: [] for name in PARTS}
    texts: dict[str, dict[tuple[Any, ...], str]] = {name: {} for name in PARTS}
    hashes = {}
    for seq, run in enumerate(by_seq, start=1):
        if seqs[run] != seq:
            problems.append(f"run_order: seq {seqs[run]} of run {run} where {seq} was "
                            f"expected (rows deleted or changed)")
            seq = seqs[run]
        for name, order in closed.get(seq, []):
            at = bisect.bisect_left(keys[name], order)
            if at < len(keys[name]) and keys[name][at] == order:
                del keys[name][at]
                del texts[name][order]
        for name, order, text in opened.get(seq, []):
            if order not in texts[name]:
                bisect.insort(keys[name], order)
            texts[name][order] = text
        hashes[run] = _hash_text(run, {name: [texts[name][k] for k in keys[name]]
                                       for name in PARTS})
    return hashes, problems
