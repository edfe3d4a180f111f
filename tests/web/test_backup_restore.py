"""``pac backup`` → every table dropped → ``pac restore --yes``: the same row counts and the same checksum
per table (sha256 over the rows in order, values as text), on the database the suite runs on (SQLite, and
PostgreSQL with DATABASE_URL). A restore asks nothing, refuses without ``--yes``, and refuses a file that is
not a backup of this kind of database, with why and no traceback."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.web.team_data import load_team_data

pytestmark = pytest.mark.django_db(transaction=True)  # a backup reads what is committed


def _tables() -> list[str]:
    from django.db import connection

    return sorted(connection.introspection.table_names())


def _fingerprint() -> dict[str, tuple[int, str]]:
    """Each table's rows and a checksum of them: every column as text, rows in the order of every column."""
    from django.db import connection

    found = {}
    with connection.cursor() as cursor:
        for table in _tables():
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {name}")  # a table name the database gave
            rows = sorted(tuple("" if v is None else str(v) for v in row) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join("\x1f".join(row) for row in rows).encode()).hexdigest()
            found[table] = (len(rows), digest)
    return found


def _wipe() -> None:
    """Every table dropped: nothing of the data is left for the restore to lean on."""
    from django.db import connection

    tables = _tables()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in tables:
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
            cursor.execute("PRAGMA foreign_keys = ON")
        else:
            cursor.execute("DROP TABLE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE")
    assert _tables() == []


def test_backup_wipe_restore_gives_back_every_table_row_for_row(
    team: Any, owner: Any, other_team: Any, demo_plan_text: str, tmp_path: Path
) -> None:
    from pac.cli import app
    from pac.web.crm.models import Opportunity

    load_team_data(team, owner, other_team, demo_plan_text)
    before = _fingerprint()
    assert before["crm_opportunity"][0] == 47 and before["plans_action"][0] > 0
    target = tmp_path / "pac.backup"
    made = CliRunner().invoke(app, ["backup", str(target)])
    assert made.exit_code == 0, made.output
    assert target.stat().st_size > 10_000
    assert not list(tmp_path.glob(".*partial"))
    _wipe()
    restored = CliRunner().invoke(app, ["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    after = _fingerprint()
    assert after == before
    assert Opportunity.objects.filter(team=team).count() == 40  # and the app reads it again
    again = CliRunner().invoke(app, ["backup", str(target)])
    assert again.exit_code == 2 and "Traceback" not in again.output  # a backup never overwrites


def test_restore_changes_nothing_without_yes(team: Any, tmp_path: Path) -> None:
    from pac.cli import app
    from pac.web.accounts.models import Team

    target = tmp_path / "pac.backup"
    assert CliRunner().invoke(app, ["backup", str(target)]).exit_code == 0
    Team.objects.create(name="Arrivée après la sauvegarde")
    refused = CliRunner().invoke(app, ["restore", str(target)], input="y\n")
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert Team.objects.filter(name="Arrivée après la sauvegarde").exists()


def _sqlite_file(path: Path, tables: tuple[str, ...]) -> Path:
    db = sqlite3.connect(path)
    for table in tables:
        db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
    db.commit()
    db.close()
    return path


def test_restore_refuses_what_is_not_a_backup_of_this_database(team: Any, tmp_path: Path) -> None:
    from django.db import connection

    from pac.cli import app

    before = _fingerprint()
    text = tmp_path / "notes.txt"
    text.write_text("pas une sauvegarde", encoding="utf-8")
    other_kind = (
        tmp_path / "pac.dump" if connection.vendor == "sqlite" else _sqlite_file(tmp_path / "pac.sqlite3", ("x",))
    )
    if connection.vendor == "sqlite":
        other_kind.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 200)
    cases = [(text, "notes.txt"), (other_kind, "PostgreSQL" if connection.vendor == "sqlite" else "SQLite")]
    if connection.vendor == "sqlite":
        cases.append((_sqlite_file(tmp_path / "autre.sqlite3", ("clients",)), "autre.sqlite3"))
        truncated = tmp_path / "tronquee.sqlite3"
        truncated.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
        cases.append((truncated, "tronquee.sqlite3"))
    else:
        truncated = tmp_path / "tronquee.dump"
        truncated.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 50)
        cases.append((truncated, "pg_restore"))
    cases.append((tmp_path / "absent.backup", "absent.backup"))
    for path, said in cases:
        result = CliRunner().invoke(app, ["restore", str(path), "--yes"])
        assert result.exit_code == 2, (path, result.output)
        assert said in result.output.replace("\n", ""), (path, result.output)
        assert "Traceback" not in result.output
    assert _fingerprint() == before


def _pac(data: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``pac`` in its own process, on the SQLite file of the data folder ``data``."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"PAC_DATA_DIR": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "pac.cli", *arguments], env=env, capture_output=True, text=True, timeout=300
    )


def test_a_sqlite_backup_is_consistent_while_the_app_keeps_writing(tmp_path: Path) -> None:
    """Another process commits two teams at a time all along the backup: the backup has whole pairs only,
    and passes SQLite's integrity check."""
    assert _pac(tmp_path, "migrate").returncode == 0
    stop, written = threading.Event(), [0]

    def write() -> None:
        db = sqlite3.connect(tmp_path / "pac.sqlite3", timeout=30, isolation_level=None)
        while not stop.is_set():
            db.execute("BEGIN IMMEDIATE")
            for side in "ab":
                db.execute(
                    "INSERT INTO accounts_team (name, data_credit, data_stamp) VALUES (?, '', ?)",
                    (f"Équipe {written[0]}{side}", uuid.uuid4().hex),
                )
            db.execute("COMMIT")
            written[0] += 1
        db.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while written[0] < 50:
            time.sleep(0.01)
        before = written[0]
        made = _pac(tmp_path, "backup", str(tmp_path / "online.backup"))
        during = written[0] - before
    finally:
        stop.set()
        writer.join()
    assert made.returncode == 0, made.stderr
    assert during > 0  # the writer kept committing while the backup ran
    backup = sqlite3.connect(tmp_path / "online.backup")
    assert backup.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    teams = backup.execute("SELECT count(*) FROM accounts_team").fetchone()[0]
    assert teams >= 100 and teams % 2 == 0


def test_without_postgresqls_client_programs_the_backup_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from pac.web.privacy import backup

    monkeypatch.setattr(backup.shutil, "which", lambda program: None)
    with pytest.raises(backup.BackupError, match="pg_dump"):
        backup._pg_run("pg_dump", ["-Fc"])
