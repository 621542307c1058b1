"""Opening a case store and bringing its schema up to date (Alembic, shipped in the package)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from forensic_match.errors import ForensicMatchError

#: Folder of the Alembic environment and its revisions, inside the package.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(ForensicMatchError):
    """The case store refuses an operation: an unknown id, a forbidden review step, a schema
    that is not up to date."""


class StoreBusy(StoreError):
    """Another process held the store's write lock longer than :data:`BUSY_TIMEOUT`; nothing
    of the action was written, and it may be tried again."""


def store_url(target: str | Path) -> str:
    """A SQLAlchemy URL for ``target``: a URL is kept, a file path becomes SQLite.

    Examples
    --------
    >>> store_url("postgresql+psycopg://fm@localhost/cases")
    'postgresql+psycopg://fm@localhost/cases'
    >>> store_url("/data/cases.db")
    'sqlite:////data/cases.db'
    """
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def shown_url(target: str | Path) -> str:
    """A store's URL as printed and logged: any password hidden (``***``), so that a
    message (a cron job's mail, a log) never carries it; a file path is shown as given.

    Examples
    --------
    >>> shown_url("postgresql+psycopg://fm:s3cret@db.example/cases")
    'postgresql+psycopg://fm:***@db.example/cases'
    >>> shown_url("postgresql+psycopg://fm@/cases?host=/run/pg&password=s3cret")
    'postgresql+psycopg://fm@/cases?host=/run/pg&password=***'
    >>> shown_url("cases.db")
    'cases.db'
    """
    import re

    url = str(target)
    if "://" not in url:
        return url
    # as written, but for the password: in the authority ("user:PASSWORD@host") and as a
    # query parameter ("?password=...")
    scheme, rest = url.split("://", 1)
    authority, sep, tail = rest.partition("/")
    user, at, host = authority.rpartition("@")
    if at and ":" in user:
        authority = f"{user.split(':', 1)[0]}:***@{host}"
    tail = re.sub(r"(?i)((?:^|[?&])password=)[^&]*", r"\1***", tail)
    return f"{scheme}://{authority}{sep}{tail}"


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store URL (``None`` for a server or an in-memory database)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix):] in ("", ":memory:"):
        return None
    return Path(url[len(prefix):])


#: Seconds a writer waits for another's lock before giving up (:meth:`CaseStore.transaction`
#: then says the store is busy): SQLite's busy timeout, PostgreSQL's ``lock_timeout``.
BUSY_TIMEOUT = 60.0

#: Seconds PostgreSQL lets a session sit idle inside a transaction before it ends the session
#: (``idle_in_transaction_session_timeout``), which rolls the transaction back and frees the
#: audit head's lock that it held: a client frozen inside a writing transaction (a suspended
#: machine, Ctrl-Z) otherwise blocks every writer for as long as it is frozen. A run computes
#: between the statements of its finishing transaction (the candidates' rows, the proposals'
#: lineage and SNP parts), so the limit is far above any such pause; ended, that run is
#: marked failed, as a killed one is, and the next night does its work.
IDLE_IN_TRANSACTION_TIMEOUT = 1800.0

#: TCP keepalives of a PostgreSQL connection (seconds idle, seconds between probes, probes):
#: a server whose client's machine died or whose network broke ends the session, and its
#: locks, after about two minutes, and the client learns as soon of a server gone.
KEEPALIVES = (60, 10, 6)


def create_store_engine(target: str | Path) -> sa.Engine:
    """An engine for the store at ``target`` (a file path or a SQLAlchemy URL).

    SQLite: one file in WAL mode with foreign keys on, a 60 s busy timeout, and every
    transaction opened with ``BEGIN IMMEDIATE`` (it takes the write lock at once, so the
    audit chain's head is read and moved under the lock, and DDL of the migrations is
    transactional); connections with the execution option ``fm_read_only=True`` begin a plain
    (deferred) transaction, so that readers do not hold the write lock.

    PostgreSQL: the same bounded wait for a lock (``lock_timeout`` of
    :data:`BUSY_TIMEOUT`), a session idle inside a transaction for
    :data:`IDLE_IN_TRANSACTION_TIMEOUT` ended by the server, TCP keepalives
    (:data:`KEEPALIVES`, on both sides) and connections checked before use. Before
    2026-12-08 a client frozen inside its finishing transaction made ``store user`` wait
    150 s and the next night's run 120 s without a word, where SQLite said after 62 s that
    the store was busy (an outside check, h_pg F3). ``options`` given in the URL are kept.
    """
    from sqlalchemy import event

    url = store_url(target)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own BEGIN would start transactions late; ours start them.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            read_only = conn.get_execution_options().get("fm_read_only", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return sa.create_engine(url)
    idle, interval, count = KEEPALIVES
    settings = {"lock_timeout": int(BUSY_TIMEOUT * 1000),
                "idle_in_transaction_session_timeout": int(IDLE_IN_TRANSACTION_TIMEOUT * 1000),
                "tcp_keepalives_idle": idle, "tcp_keepalives_interval": interval,
                "tcp_keepalives_count": count}
    options = " ".join(f"-c {k}={v}" for k, v in settings.items())
    given = parsed.query.get("options")
    if given:
        # the URL's own settings after these, so that they win
        options = f"{options} {given if isinstance(given, str) else ' '.join(given)}"
    return sa.create_engine(url, pool_pre_ping=True, connect_args={
        "options": options, "keepalives": 1, "keepalives_idle": idle,
        "keepalives_interval": interval, "keepalives_count": count})


def _alembic_config(conn: sa.Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of forensic_match ships."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(bind: sa.Engine | sa.Connection) -> str | None:
    """The schema revision of the store (``None``: an empty database)."""
    from alembic.runtime.migration import MigrationContext

    if isinstance(bind, sa.Connection):
        return MigrationContext.configure(bind).get_current_revision()
    with bind.connect().execution_options(fm_read_only=True) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_store(engine: sa.Engine) -> tuple[str | None, str]:
    """Migrate the store to the newest schema in one transaction; return (before, after).

    Running it again on an up-to-date store changes nothing.
    """
    from alembic import command

    before = current_revision(engine)
    head = head_revision()
    if before != head:
        with _migrating(engine) as conn:
            command.upgrade(_alembic_config(conn), "head")
    return before, head


def downgrade_store(engine: sa.Engine, revision: str) -> None:
    """Migrate the store down to schema ``revision`` in one transaction, keeping the data
    the older schema can hold (a revision that cannot hold them refuses, naming them).

    Examples
    --------
    >>> downgrade_store(create_store_engine("cases.db"), "0008")   # doctest: +SKIP
    """
    from alembic import command

    with _migrating(engine) as conn:
        command.downgrade(_alembic_config(conn), revision)


def _raise_busy(exc: sa.exc.OperationalError, url: str) -> None:
    """Raise :class:`StoreBusy` if ``exc`` is a lock waited for longer than
    :data:`BUSY_TIMEOUT`: SQLite's busy timeout (a raw traceback said "database is locked"
    and no more, an outside check, 2026-12-07) or PostgreSQL's ``lock_timeout`` (SQLSTATE
    55P03)."""
    if "database is locked" in str(exc) or getattr(exc.orig, "sqlstate", None) == "55P03":
        raise StoreBusy(f"the store {shown_url(url)!r} is busy: another process (a run, a "
                        f"review) has held it for longer than the {BUSY_TIMEOUT:g} s this "
                        f"one waits; nothing of this action was written: try again when it "
                        f"is done") from exc


@contextmanager
def _migrating(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One transaction for a migration. On SQLite foreign keys are not enforced during it and
    checked before the commit: a migration that changes a column's type rebuilds the table
    there (copy, drop, rename), and a table others refer to (``proposals``) cannot be dropped
    while they are enforced; the switch works only outside a transaction, so it is made
    before ``BEGIN`` and undone after the end."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise StoreError(f"the migration would break {len(broken)} foreign "
                                         f"keys (first: {tuple(broken[0])}); nothing was "
                                         f"changed")
        except sa.exc.OperationalError as exc:      # another writer, or a reader of a table
            _raise_busy(exc, engine.url.render_as_string(hide_password=False))
            raise
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


@contextmanager
def opening(target: str | Path) -> Iterator[None]:
    """Turn a failure to reach the store (a server that is down, a database that does not
    exist, a refused login) into one :class:`StoreError` naming the store, password hidden,
    and the driver's reason: it was a SQLAlchemy traceback of some 135 lines (an outside
    check, h_pg F6, 2026-12-08).

    Examples
    --------
    >>> with opening("postgresql+psycopg://fm:pw@/nowhere?host=/no/such/dir"):  # doctest: +SKIP
    ...     create_store_engine("postgresql+psycopg://fm:pw@/nowhere?host=/no/such/dir").connect()
    Traceback (most recent call last):
    StoreError: cannot open the store 'postgresql+psycopg://fm:***@/nowhere?...': ...
    """
    try:
        yield
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        if exc.statement:       # a statement of an open connection failed, not the opening
            raise
        reason = " ".join(str(exc.orig or exc).split())
        url = store_url(target)
        parsed = sa.engine.make_url(url)
        if parsed.password:
            reason = reason.replace(parsed.password, "***")
        raise StoreError(f"cannot open the store {shown_url(url)!r}: {reason}") from exc


class CaseStore:
    """A case store: families, samples and versioned profiles, runs, proposals, reviews, and
    the hash-chained audit log (``docs/store.md``).

    Parameters
    ----------
    target : str or Path
        A file (SQLite, created if absent) or a SQLAlchemy URL
        (``postgresql+psycopg://user@host/db``).
    upgrade : bool
        Migrate the schema to this version's newest on opening (default). With ``False`` a
        store whose schema is not the newest is refused (:class:`StoreError`), e.g. for
        read-only tools that must not change it.

    Examples
    --------
    >>> store = CaseStore("cases.db")                       # doctest: +SKIP
    >>> store.ingest(load_case("programme.json"), actor="lab")  # doctest: +SKIP
    >>> store.verify().ok                                   # doctest: +SKIP
    True
    """

    def __init__(self, target: str | Path, *, upgrade: bool = True) -> None:
        self.url = store_url(target)
        #: The URL as messages show it, any password hidden (:func:`shown_url`).
        self.shown_url = shown_url(self.url)
        file = _sqlite_file(self.url)
        if not upgrade and file is not None and not file.exists():
            # opening would create an empty file, which 'store upgrade' then makes a store
            raise StoreError(f"no case store at {str(file)!r}: check the path (a store is "
                             f"created by 'forensic-match run --store' or 'store upgrade')")
        self.engine = create_store_engine(target)
        try:
            with opening(self.url):
                self._open(upgrade)
        except BaseException:
            self.engine.dispose()
            raise

    def _open(self, upgrade: bool) -> None:
        if upgrade:
            upgrade_store(self.engine)
            return
        rev = current_revision(self.engine)
        if rev is None and not sa.inspect(self.engine).get_table_names():
            raise StoreError(f"{self.shown_url!r} is not a case store (an empty database): "
                             f"check the path")
        if rev != head_revision():
            raise StoreError(f"store {self.shown_url!r} has schema revision {rev}, this "
                             f"version needs {head_revision()}: run 'forensic-match store "
                             f"upgrade'")

    @property
    def tables_dir(self) -> Path | None:
        """Where runs keep their compiled tables by default: ``<file>.tables`` beside a SQLite
        store file; ``None`` for a server (give ``run_store(..., cache=DIR)``)."""
        db = _sqlite_file(self.url)
        if db is None:
            return None
        return db.with_name(db.name + ".tables")

    def changes(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """What a finished run's candidates changed against the finished run before it (the
        newest finished run by default): see
        :func:`forensic_match.store.runs.candidate_changes`."""
        from forensic_match.store.runs import candidate_changes, latest_finished_run

        with self.reading() as conn:
            if run_id is not None:
                _known_run(conn, run_id, self.shown_url)
            run_id = run_id or latest_finished_run(conn)
            if run_id is None:
                raise StoreError(f"store {self.shown_url!r}: no finished run")
            return candidate_changes(conn, run_id)

    def close(self) -> None:
        """Close every connection of the store."""
        self.engine.dispose()

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A connection for reading: one snapshot of the store from its first query to its
        end, whatever commits meanwhile (SQLite: a deferred transaction in WAL mode, no write
        lock; PostgreSQL: a read-only REPEATABLE READ transaction, whose default, READ
        COMMITTED, gave every query its own snapshot, so that an export or a report could
        mix the states before and after a run's commit)."""
        options: dict[str, Any] = {"fm_read_only": True}
        if self.engine.dialect.name == "postgresql":
            options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with self.engine.connect().execution_options(**options) as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """A connection inside one writing transaction: committed on leaving, rolled back on
        error. It holds the audit head's lock from the start, so writers take turns (as
        SQLite's ``BEGIN IMMEDIATE`` makes them anyway): a check-then-write of one cannot
        interleave with another's."""
        from forensic_match.store.audit import lock_audit

        try:
            with self.engine.begin() as conn:
                lock_audit(conn)
                yield conn
        except sa.exc.OperationalError as exc:
            _raise_busy(exc, self.url)
            raise

    # Records ---------------------------------------------------------------------------------
    def ingest(self, dataset: Any, *, actor: str, run_id: str | None = None) -> Any:
        """Store a dataset's families and samples as new versions where they changed (see
        :func:`forensic_match.store.records.ingest_dataset`)."""
        from forensic_match.store.records import ingest_dataset

        with self.transaction() as conn:
            return ingest_dataset(conn, dataset, actor=actor, run_id=run_id)

    def import_identities(self, path: str | Path, *, actor: str) -> dict[str, int]:
        """Record the names and personal data of an identities table (CSV, TSV, Excel,
        Parquet: a person-id column, a name column, other columns as details) in one
        transaction; a bad row changes nothing (:mod:`forensic_match.store.identities`).
        Returns ``{"created": n, "replaced": m}``."""
        from forensic_match.store.identities import import_identities, read_identities

        rows = read_identities(path)
        with self.transaction() as conn:
            return import_identities(conn, rows, actor=actor)

    def run_warnings(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """The warnings stored with the runs (``run_id``, ``seq``, ``kind``, ``message``),
        of one run or of all, oldest run first."""
        from forensic_match.store import schema

        return self._run_rows(schema.run_warnings, run_id)

    def run_held(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """What the runs held back rather than proposed, and why (``run_id``, ``seq``,
        ``pm``, ``family_id``, ``missing`` (null for a family-level row), ``log10_lr``,
        ``reason``), of one run or of all, oldest run first."""
        from forensic_match.store import schema

        return self._run_rows(schema.run_held, run_id)

    def run_family_level(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """The bodies the runs placed in a family without saying who in it (``run_id``,
        ``seq``, ``pm``: the body's id, ``fragments``, ``family_id``, ``candidates``: the
        family's candidates with their posteriors in words, ``posterior``: the family's,
        ``relatives_posterior``: its unregistered relatives' share, ``best_log10_lr``,
        ``caution``: null, or why the family's references deserve a look), of one run or of
        all, oldest run first."""
        from forensic_match.store import schema

        return self._run_rows(schema.run_family_level, run_id)

    def run_candidates(self, run_id: str) -> dict[str, list[dict[str, Any]]]:
        """A finished run's ranked candidates, as the run ranked them: ``{"candidates": rows,
        "lineage": rows, "snp": rows}``, each row with ``run_id`` the run's, by PM sample and
        rank. The store keeps a sample's list from the run that first ranked it until one
        that ranks it otherwise, so these are the rows valid at the run
        (:func:`forensic_match.store.candidates.run_candidates`; ``docs/store.md``,
        "Candidates kept as intervals").

        Examples
        --------
        >>> with CaseStore("sqlite://") as store:
        ...     store.run_candidates("no-such-run")
        {'candidates': [], 'lineage': [], 'snp': []}
        """
        from forensic_match.store.candidates import run_candidates

        with self.reading() as conn:
            return run_candidates(conn, run_id)

    def _run_rows(self, t: sa.Table, run_id: str | None) -> list[dict[str, Any]]:
        """The rows of a table kept per run and numbered (``run_id``, ``seq``), of one run or
        of all, oldest run first."""
        query = sa.select(t).order_by(t.c.run_id, t.c.seq)
        if run_id is not None:
            query = query.where(t.c.run_id == run_id)
        with self.reading() as conn:
            if run_id is not None:
                _known_run(conn, run_id, self.shown_url)
            return [dict(r) for r in conn.execute(query).mappings()]

    def set_identity(self, person_id: str, name: str, *, actor: str,
                     details: dict[str, Any] | None = None) -> None:
        """Record the name and personal data of a person (the ``identities`` table)."""
        from forensic_match.store.records import set_identity

        with self.transaction() as conn:
            set_identity(conn, person_id, name, actor=actor, details=details)

    def add_user(self, user_id: str, roles: list[str] | tuple[str, ...], *,
                 actor: str) -> None:
        """Create a user with roles (``reviewer``, ``approver``) or replace their roles."""
        from forensic_match.store.review import add_user

        with self.transaction() as conn:
            add_user(conn, user_id, roles, actor=actor)

    def withdraw_sample(self, sample_id: str, *, actor: str, reason: str) -> list[int]:
        """Withdraw a sample: a PM sample (recalled by the laboratory, a duplicate, not a
        body) or a relative's or reference's profile (consent revoked, a sample swap): runs
        no longer read it and its proposals are flagged for re-review; returns the ids
        flagged (:func:`forensic_match.store.withdrawal.withdraw_sample`)."""
        from forensic_match.store.withdrawal import withdraw_sample

        with self.transaction() as conn:
            return withdraw_sample(conn, sample_id, actor=actor, reason=reason)

    def reinstate_sample(self, sample_id: str, *, actor: str, reason: str) -> int:
        """Bring a withdrawn sample back with the profile it had; returns the version
        written (:func:`forensic_match.store.withdrawal.reinstate_sample`)."""
        from forensic_match.store.withdrawal import reinstate_sample

        with self.transaction() as conn:
            return reinstate_sample(conn, sample_id, actor=actor, reason=reason)

    def withdraw_family(self, family_id: str, *, actor: str, reason: str) -> list[int]:
        """Withdraw a family (its only missing person found alive, a second registration
        retired, a case closed): runs no longer search for its missing persons and its
        proposals are flagged; returns the ids flagged
        (:func:`forensic_match.store.withdrawal.withdraw_family`)."""
        from forensic_match.store.withdrawal import withdraw_family

        with self.transaction() as conn:
            return withdraw_family(conn, family_id, actor=actor, reason=reason)

    def reinstate_family(self, family_id: str, *, actor: str, reason: str) -> int:
        """Bring a withdrawn family back with the record it had; returns the version written
        (:func:`forensic_match.store.withdrawal.reinstate_family`)."""
        from forensic_match.store.withdrawal import reinstate_family

        with self.transaction() as conn:
            return reinstate_family(conn, family_id, actor=actor, reason=reason)

    def withdrawn_families(self) -> dict[str, dict[str, Any]]:
        """``{family id: {"reason", "by"}}`` of the families withdrawn now."""
        from forensic_match.store.records import withdrawn_families

        with self.reading() as conn:
            return withdrawn_families(conn)

    def withdrawn_samples(self) -> dict[str, dict[str, Any]]:
        """``{sample id: {"reason", "by"}}`` of the samples withdrawn now (PM samples and
        relatives' and references' profiles)."""
        from forensic_match.store.records import withdrawn_samples

        with self.reading() as conn:
            return withdrawn_samples(conn)

    def profile_versions(self, sample_id: str) -> list[dict[str, Any]]:
        """Every stored version of a sample's profile, oldest first."""
        from forensic_match.store.records import profile_versions

        with self.reading() as conn:
            return profile_versions(conn, sample_id)

    def dataset(self, markers: Any, *, id: str = "store") -> Any:
        """The newest version of every family and PM sample, as a ``DviDataset``."""
        from forensic_match.store.records import latest_dataset

        with self.reading() as conn:
            return latest_dataset(conn, markers, id=id)

    def trace(self, sample_id: str) -> list[dict[str, Any]]:
        """The history of one sample, oldest first (see
        :func:`forensic_match.store.records.trace_sample`)."""
        from forensic_match.store.records import trace_sample

        with self.reading() as conn:
            return trace_sample(conn, sample_id)

    def export(self, *, identities: bool = False) -> dict[str, Any]:
        """The store's content as JSON-ready data, in memory; names only with
        ``identities=True`` (see :func:`forensic_match.store.export.export_store`; for a large
        store, :meth:`write_export`)."""
        from forensic_match.store.export import export_store

        with self.reading() as conn:
            return export_store(conn, identities=identities)

    def write_export(self, path: str | Path, *, identities: bool = False) -> dict[str, int]:
        """Write the store's content to ``path`` as JSON, reading it in batches (memory: one
        batch), from one snapshot of the store; through a temporary file of its own beside
        ``path``, so that ``path`` is never half-written, also when two exports write it at
        once. Names only with ``identities=True``.

        Returns
        -------
        dict
            Rows written per table.

        See Also
        --------
        forensic_match.store.export.write_export
        """
        import tempfile

        from forensic_match.store.export import write_export

        path = Path(path)
        # a name of its own beside ``path`` (two exports to one file at once wrote one
        # ``OUT.tmp`` together and left invalid JSON: an outside check, 2026-12-07); the
        # last to finish replaces ``path`` whole
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(name)
        try:
            with self.reading() as conn, os.fdopen(fd, "w", encoding="utf-8") as out:
                counts = write_export(conn, out, identities=identities)
                out.flush()
                os.fsync(out.fileno())
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        return counts

    # Review ----------------------------------------------------------------------------------
    def proposals(self, *, state: str | None = None) -> list[dict[str, Any]]:
        """Proposals (every column), optionally of one state, by id."""
        from forensic_match.store.review import list_proposals

        with self.reading() as conn:
            return list_proposals(conn, state=state)

    def act(self, proposal_id: int, action: str, *, actor: str, reason: str,
            clear_flag: bool = False, despite_caution: bool = False) -> dict[str, Any]:
        """Apply a review action (``review``, ``approve``, ``reject``, ``reopen``) to a
        proposal; see :func:`forensic_match.store.review.act` (``clear_flag``: a review
        that clears a re-review flag says so; ``despite_caution``: an approval of a
        proposal with a closed-list caution says that it was weighed)."""
        from forensic_match.store.review import act

        with self.transaction() as conn:
            return act(conn, proposal_id, action, actor=actor, reason=reason,
                       clear_flag=clear_flag, despite_caution=despite_caution)

    # Audit -----------------------------------------------------------------------------------
    def verify(self, *, heads: tuple[str, ...] | list[str] = ()) -> Any:
        """Check the audit chain and the audited rows, and that the chain passes through
        ``heads`` written down earlier (:func:`~forensic_match.store.audit.verify_audit`)."""
        from forensic_match.store.audit import verify_audit

        with self.reading() as conn:
            return verify_audit(conn, heads=heads)


def _known_run(conn: sa.Connection, run_id: str, url: str) -> None:
    """Refuse a run id the store does not hold, naming the newest runs: a mistyped id read
    as an empty result ("nothing held back for run X") or a raw traceback (an outside check,
    2026-12-07)."""
    from forensic_match.store import schema

    r = schema.runs
    if conn.execute(sa.select(r.c.run_id).where(r.c.run_id == run_id)).first() is None:
        newest = [x[0] for x in conn.execute(sa.select(r.c.run_id).order_by(
            r.c.started_at.desc()).limit(3))]
        raise StoreError(f"store {url!r} has no run {run_id!r}"
                         + (f"; its newest: {', '.join(newest)}" if newest else
                            "; it has no run yet"))
