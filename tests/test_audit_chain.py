"""The audit log as a hash chain, on each service's migrated database: SQLite always, PostgreSQL with
TEST_DATABASE_URL. Rows already there are chained by the migration; UPDATE and DELETE are refused; an attacker who
drops the triggers and alters or removes a row is caught by `nhi-audit verify`; concurrent writers do not fork the
chain; a purge exports, deletes and leaves a chain that still verifies from its anchor."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from nhi_common import audit, db, plumbing
from nhi_devtools import testing
from nhi_documents.bootstrap import MIGRATIONS as DOCUMENTS
from nhi_integration.bootstrap import MIGRATIONS as INTEGRATION
from nhi_interchange.bootstrap import MIGRATIONS as INTERCHANGE
from nhi_qualification.bootstrap import MIGRATIONS as QUALIFICATION

BEFORE_CHAIN = {  # each service's revision before its audit_chain revision
    "documents": (DOCUMENTS, "0005_blob_offset"),
    "integration": (INTEGRATION, "0004"),
    "interchange": (INTERCHANGE, "0003"),
    "qualification": (QUALIFICATION, "0011"),
}
NHI_AUDIT = [str(pathlib.Path(sys.executable).parent / "nhi-audit")]  # the console script of nhi-common


@pytest.fixture(params=testing.backends())
def backend(request):
    return request.param


def _upgrade(engine, script, revision):
    config = Config()
    config.set_main_option("script_location", str(script))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@pytest.fixture
def chain(backend, tmp_path):
    """(engine, url, schema, Plumbing) of a migrated svc-documents database."""
    with testing.database(backend, tmp_path, "audit") as (url, schema):
        engine = db.make_engine(url, schema=schema)
        db.migrate(engine, DOCUMENTS)
        metadata = sa.MetaData()
        plumbing.define_tables(metadata)
        yield engine, url, schema, plumbing.Plumbing(metadata, "svc-documents")
        engine.dispose()


def _append(engine, journal, n, *, start=0, occurred_at=None):
    for i in range(start, start + n):
        with engine.begin() as conn:
            if occurred_at is None:
                journal.audit(conn, operator_id=f"clerk-{i % 3}", action="person.read", target_kind="person",
                              target_id=f"P{i:06d}", detail="1 row", purpose="窓口での資格確認")  # fmt: skip
            else:
                audit.append(conn, journal.tables["audit_log"], operator_id="clerk-0", action="person.read",
                             target_kind="person", target_id=f"P{i:06d}", occurred_at=occurred_at)  # fmt: skip


def _verify(url, schema, *extra):
    args = [*NHI_AUDIT, "verify", "--database-url", url, *(["--schema", schema] if schema else []), *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def _attack(engine, statement):
    """What an attacker with database access does: drop the triggers, change the table."""
    with engine.begin() as conn:
        audit.drop_triggers(conn)
        conn.exec_driver_sql(statement)


@pytest.mark.parametrize("service", sorted(BEFORE_CHAIN))
def test_the_migration_chains_the_rows_already_there(backend, tmp_path, service):
    script, before = BEFORE_CHAIN[service]
    with testing.database(backend, tmp_path, f"mig_{service}") as (url, schema):
        engine = db.make_engine(url, schema=schema)
        try:
            _upgrade(engine, script, before)
            old = sa.Table("audit_log", sa.MetaData(), *plumbing._audit_columns_initial())  # noqa: SLF001
            with engine.begin() as conn:
                for i in range(5):
                    conn.execute(sa.insert(old).values(
                        event_id=f"e{i}", occurred_at=dt.datetime(2021, 4, 1, 9, i, tzinfo=dt.timezone.utc),
                        operator_id="clerk-01", action="notification.join", target_kind="household",
                        target_id=f"H{i}", detail="",
                    ))  # fmt: skip
            db.migrate(engine, script)
            with engine.connect() as conn:
                result = audit.verify(conn, audit.audit_table(conn))
                assert result.ok and result.rows == 5
                first = conn.execute(sa.text("SELECT prev_hash, purpose FROM audit_log ORDER BY seq LIMIT 1")).one()
                assert first.prev_hash == audit.GENESIS and first.purpose == ""
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
                conn.exec_driver_sql("UPDATE audit_log SET detail = 'x'")
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM audit_log")
        finally:
            engine.dispose()


def test_an_altered_row_is_caught_by_the_command(chain):
    engine, url, schema, journal = chain
    _append(engine, journal, 40)
    done = _verify(url, schema)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: 40 rows verified" in done.stdout and "rows/s" in done.stdout
    head = done.stdout.split("hash ")[1].split()[0]

    _attack(engine, "UPDATE audit_log SET operator_id = 'someone-else' WHERE seq = 17")
    done = _verify(url, schema)
    assert done.returncode == 1
    assert "row 17" in done.stdout and "row_hash expected" in done.stdout and "altered" in done.stdout

    # The attacker who also recomputes the row's own hash breaks the link of the next row.
    with engine.begin() as conn:
        table = audit.audit_table(conn)
        row = conn.execute(sa.select(table).where(table.c.seq == 17)).one()
        conn.execute(sa.update(table).where(table.c.seq == 17).values(row_hash=audit.row_hash(row, row.prev_hash)))
    done = _verify(url, schema)
    assert done.returncode == 1 and "row 18" in done.stdout and "prev_hash expected" in done.stdout

    # A noted head catches the removal of the newest rows, which leaves no broken link.
    assert _verify(url, schema, "--expect-head", head).returncode == 1


def test_a_deleted_row_is_caught_by_the_command(chain):
    engine, url, schema, journal = chain
    _append(engine, journal, 30)
    with engine.connect() as conn:
        gone = conn.execute(sa.text("SELECT row_hash FROM audit_log WHERE seq = 12")).scalar()
    _attack(engine, "DELETE FROM audit_log WHERE seq = 12")
    done = _verify(url, schema)
    assert done.returncode == 1
    assert "row 13 " in done.stdout and f"found {gone}" in done.stdout

    _attack(engine, "DELETE FROM audit_log WHERE seq < 5")  # the oldest rows: the first left links to nothing
    assert "row 5 " in _verify(url, schema).stdout


def test_concurrent_writers_do_not_fork_the_chain(chain):
    engine, url, schema, journal = chain
    errors = []

    def writer(k):
        try:
            _append(engine, journal, 15, start=k * 100)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with engine.connect() as conn:
        result = audit.verify(conn, audit.audit_table(conn))
    assert result.ok and result.rows == 60


ODD_TEXT = [
    '窓口 "確認" \\ 改行\n',
    "100% of 'it' %(before)s %s;",
    "tab\there",
    "\u0001\u001f\u007f",
    "絵文字 😀 and \u2028",
    "",
]


def test_a_row_appended_alone_is_the_row_append_would_write(chain):
    """An audited read's row (append_alone: on PostgreSQL hashed in the database) is byte for byte the row `append`
    writes: same previous hash, same row hash over the same canonical JSON, whatever its text holds."""
    engine, url, schema, journal = chain
    table = journal.tables["audit_log"]
    _append(engine, journal, 2)
    for i, text in enumerate(ODD_TEXT):
        occurred_at = dt.datetime(2026, 12, 6, 9, 0, i, 123456 * i % 1000000, tzinfo=dt.timezone.utc)
        before, after = audit.canonical_around_prev({"occurred_at": occurred_at, "purpose": text, "detail": text})
        assert before + "f" * 64 + after == audit.canonical(
            {"occurred_at": occurred_at, "purpose": text, "detail": text}, "f" * 64
        )
        audit.append_alone(engine, table, operator_id=f"clerk-{i}", action="qualification.read",
                           target_kind="person", target_id=f"Q{i:06d}", detail=text, purpose=text,
                           occurred_at=occurred_at)  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.seq)).all()
        result = audit.verify(conn, table)
    assert result.ok and result.rows == 2 + len(ODD_TEXT)
    for prev, row in zip(rows, rows[1:], strict=False):
        assert row.prev_hash == prev.row_hash
        assert row.row_hash == audit.row_hash(row, prev.row_hash)
    assert [r.purpose for r in rows[2:]] == ODD_TEXT


def test_rows_appended_alone_and_in_transactions_at_once_do_not_fork_the_chain(chain):
    engine, url, schema, journal = chain
    table = journal.tables["audit_log"]
    errors = []

    def reader(k):
        try:
            for i in range(15):
                audit.append_alone(engine, table, operator_id="clerk-9", action="qualification.read",
                                   target_kind="person", target_id=f"R{k}{i:05d}")  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def writer(k):
        try:
            _append(engine, journal, 15, start=k * 100)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=f, args=(k,)) for k in range(3) for f in (reader, writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with engine.connect() as conn:
        result = audit.verify(conn, audit.audit_table(conn))
    assert result.ok and result.rows == 90


def test_purge_exports_deletes_and_the_rest_still_verifies(chain, tmp_path):
    engine, url, schema, journal = chain
    _append(engine, journal, 7, occurred_at=dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc))
    _append(engine, journal, 5, start=100)
    exports = tmp_path / "exports"
    args = [*NHI_AUDIT, "purge", "--database-url", url, *(["--schema", schema] if schema else [])]
    done = subprocess.run([*args, "--service", "documents", "--export-dir", str(exports)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "exported 7 rows through row 7" in done.stdout
    [export] = list(exports.iterdir())
    lines = export.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["count"] == 7 and header["through_seq"] == 7 and header["chain_head"]["seq"] == 12
    assert [json.loads(line)["target_id"] for line in lines[1:]] == [f"P{i:06d}" for i in range(7)]
    assert subprocess.run([*NHI_AUDIT, "verify-export", str(export)], capture_output=True).returncode == 0

    done = _verify(url, schema)
    assert done.returncode == 0 and "ok: 6 rows verified" in done.stdout, done.stdout  # 5 kept + the anchor
    with engine.connect() as conn:
        anchor = conn.execute(sa.text("SELECT action, detail FROM audit_log ORDER BY seq DESC LIMIT 1")).one()
    assert anchor.action == audit.PURGED and json.loads(anchor.detail)["through_hash"] == header["through_hash"]

    _attack(engine, "DELETE FROM audit_log WHERE seq = 8")  # the oldest kept row
    assert "row 9 " in _verify(url, schema).stdout


def test_a_row_audited_in_a_transaction_that_rolls_back_is_not_appended(chain):
    engine, url, schema, journal = chain
    _append(engine, journal, 3)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        journal.audit(conn, operator_id="clerk-9", action="person.read", target_kind="person", target_id="P-gone")
        raise RuntimeError("the change failed")
    _append(engine, journal, 2, start=10)
    with engine.connect() as conn:
        table = audit.audit_table(conn)
        ids = [r.target_id for r in conn.execute(sa.select(table.c.target_id).order_by(table.c.seq))]
        assert ids == ["P000000", "P000001", "P000002", "P000010", "P000011"]
        assert audit.verify(conn, table).ok


def test_rows_audited_in_one_transaction_are_appended_in_their_order_and_verify(chain):
    """A transaction that audits many rows (a batch of resident changes) appends them when it commits under one
    lock and one read of the head: each row links to the one before it, in the order they were audited, and writers
    at the same time do not fork the chain."""
    engine, url, schema, journal = chain
    table = journal.tables["audit_log"]
    errors = []

    def batch(k):
        try:
            for b in range(3):
                with engine.begin() as conn:
                    for i in range(20):
                        journal.audit(conn, operator_id="integration", action="resident.change.applied",
                                      target_kind="household", target_id=f"H{k}{b}{i:03d}", detail=ODD_TEXT[i % 5])  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=batch, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    _append(engine, journal, 10, start=900)
    for thread in threads:
        thread.join()
    assert not errors
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.seq)).all()
        assert audit.verify(conn, table).ok
    assert len(rows) == 190
    for prev, row in zip(rows, rows[1:], strict=False):
        assert row.prev_hash == prev.row_hash and row.row_hash == audit.row_hash(row, prev.row_hash)
    for k in range(3):
        for b in range(3):
            mine = [r.target_id for r in rows if r.target_id.startswith(f"H{k}{b}")]
            assert mine == [f"H{k}{b}{i:03d}" for i in range(20)]  # in the order audited, none lost


def test_the_newest_rows_removed_are_caught_against_the_anchor_file_outside_the_database(chain, tmp_path):
    engine, url, schema, journal = chain
    where = ["--database-url", url, *(["--schema", schema] if schema else [])]
    anchors = tmp_path / "anchors" / "documents.jsonl"
    by_file = ["--anchor-file", str(anchors), "--service", "documents"]
    assert _verify(url, schema, *by_file).returncode == 0  # no anchor yet: nothing to compare with

    _append(engine, journal, 20)
    done = subprocess.run([*NHI_AUDIT, "anchor", *where, *by_file], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "anchored documents row 20 " in done.stdout, done.stdout + done.stderr
    _append(engine, journal, 5, start=20)
    assert _verify(url, schema, *by_file).returncode == 0  # rows after the anchor are fine

    _attack(engine, "DELETE FROM audit_log WHERE seq > 18")  # the newest rows: no link is broken
    assert _verify(url, schema).returncode == 0  # the chain alone cannot tell
    done = _verify(url, schema, *by_file)
    assert done.returncode == 1 and "BROKEN: the noted chain head is no longer in the chain" in done.stdout
    assert "anchor: row 20 " in done.stdout

    refused = subprocess.run([*NHI_AUDIT, "anchor", *where, "--anchor-file", str(anchors), "--service", "other"],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert refused.returncode == 0  # another service's anchors in the same file do not mix
    assert _verify(url, schema, *by_file).returncode == 1
    [first, second] = [json.loads(line) for line in anchors.read_text().splitlines()]
    assert (first["service"], first["seq"], second["service"], second["seq"]) == ("documents", 20, "other", 18)


def test_purge_anchors_the_new_head_and_an_anchored_row_purged_since_is_not_a_break(chain, tmp_path):
    engine, url, schema, journal = chain
    where = ["--database-url", url, *(["--schema", schema] if schema else [])]
    anchors = tmp_path / "anchors.jsonl"
    by_file = ["--anchor-file", str(anchors), "--service", "documents"]
    _append(engine, journal, 6, occurred_at=dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc))
    assert subprocess.run([*NHI_AUDIT, "anchor", *where, *by_file], capture_output=True).returncode == 0
    _append(engine, journal, 3, start=100)
    purge = [*NHI_AUDIT, "purge", *where, *by_file, "--export-dir", str(tmp_path / "exports")]
    done = subprocess.run(purge, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "anchored documents row 10 " in done.stdout, done.stdout + done.stderr

    lines = anchors.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [6, 10]  # row 6 was purged since; row 10 is the anchor row
    anchors.write_text(lines[0] + "\n")  # as if the purge had not anchored: the noted row is gone by purge, not attack
    done = _verify(url, schema, *by_file)
    assert done.returncode == 0 and "was purged since" in done.stdout, done.stdout
