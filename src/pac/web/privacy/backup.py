"""The database backed up to one file and restored from it, on the database the app is using
(``connection.settings_dict``: under the tests, the test database, not the one the URL names).

SQLite: SQLite's online backup (``sqlite3.Connection.backup``), a consistent copy taken while the server
and the worker keep writing; the backup is itself a SQLite database. PostgreSQL: ``pg_dump -Fc`` (its
custom format) and ``pg_restore --clean --if-exists --single-transaction`` (all of it or nothing).

A backup holds the database only: not the data folder's secret key, uploaded import files, saved CRM
formats (``presets/``) or the figures cache (docs/data-protection.md)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

SQLITE, POSTGRESQL = "sqlite", "postgresql"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
#: pg_dump and pg_restore may take long on a big team's history; a hung one is stopped.
PG_TIMEOUT = 6 * 3600
#: All of the backup or nothing; what the backup holds is dropped first; no roles asked for.
RESTORE_FLAGS = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
KIND_LABELS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
#: Tables a PAC database always has: a SQLite file without them is some other program's.
PAC_TABLES = ("django_migrations", "accounts_user", "plans_plan")


class BackupError(Exception):
    """Why a backup or a restore cannot be done, in the reader's words."""


@dataclass(frozen=True)
class Backup:
    kind: str
    path: Path
    size: int


def database_kind() -> str:
    vendor = connection.vendor
    if vendor not in (SQLITE, POSTGRESQL):
        raise BackupError(_("Backups handle SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor})
    return vendor


def file_kind(path: Path) -> str | None:
    """What backup a file is, by its first bytes: SQLite, PostgreSQL's custom format, or neither."""
    try:
        with path.open("rb") as stream:
            head = stream.read(len(SQLITE_MAGIC))
    except OSError:
        return None
    if head == SQLITE_MAGIC:
        return SQLITE
    if head.startswith(PG_DUMP_MAGIC):
        return POSTGRESQL
    return None


def backup(target: Path) -> Backup:
    """Write a backup of the app's database to ``target`` (refused if it exists: a backup never overwrites
    anything). Written next to it first, then renamed: a failed backup leaves no half file."""
    if target.exists():
        raise BackupError(_("%(path)s already exists: give a new file name.") % {"path": target})
    if not target.parent.is_dir():
        raise BackupError(_("%(path)s: no such folder.") % {"path": target.parent})
    kind = database_kind()
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if kind == SQLITE:
            _sqlite_backup(partial)
        else:
            _pg_run("pg_dump", ["-Fc", "--no-owner", "--no-privileges", "-f", str(partial)])
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(kind, target, target.stat().st_size)


def restore(source: Path) -> str:
    """Replace the app's database with the backup ``source``; refused, with why, when it is not a backup of
    this kind of database. Returns the kind."""
    if not source.is_file():
        raise BackupError(_("%(path)s: no such file.") % {"path": source})
    kind, found = database_kind(), file_kind(source)
    if found is None:
        raise BackupError(_("%(path)s is not a PAC backup (neither SQLite nor pg_dump).") % {"path": source})
    if found != kind:
        raise BackupError(
            _("%(path)s is a %(found)s backup, and this PAC runs on %(kind)s: restore it into a PAC on %(found)s.")
            % {"path": source, "found": KIND_LABELS[found], "kind": KIND_LABELS[kind]}
        )
    if kind == SQLITE:
        _sqlite_restore(source)
    else:
        _pg_check(source)
        connection.close()  # its open transaction would hold the locks pg_restore needs
        _pg_run(
            "pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"], source
        )
    connection.close()  # the next query reconnects and sees the restored database
    return kind


def _sqlite_backup(target: Path) -> None:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()


def _sqlite_restore(source: Path) -> None:
    try:
        backup_db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(_("%(path)s cannot be read: %(error)s") % {"path": source, "error": error}) from None
    try:
        try:
            tables = {row[0] for row in backup_db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            healthy = backup_db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError as error:
            raise BackupError(_("%(path)s is damaged: %(error)s") % {"path": source, "error": error}) from None
        if not healthy:
            raise BackupError(_("%(path)s is damaged: SQLite's check fails.") % {"path": source})
        if not set(PAC_TABLES) <= tables:
            raise BackupError(_("%(path)s is a SQLite database, but not PAC's.") % {"path": source})
        connection.ensure_connection()
        try:
            backup_db.backup(connection.connection)
        except sqlite3.OperationalError as error:  # the database is busy: a long write holds it
            raise BackupError(_("The database is busy, try again: %(error)s") % {"error": error}) from None
    finally:
        backup_db.close()


def _pg_check(source: Path) -> None:
    """``pg_restore --list`` reads the whole table of contents: a truncated dump is refused before the
    database is touched."""
    _pg_run("pg_restore", ["--list", "-f", os.devnull], source, database=False)


def _pg_run(program: str, arguments: list[str], source: Path | None = None, *, database: bool = True) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            _("%(program)s was not found: install PostgreSQL's client programs (the server's version).")
            % {"program": program}
        )
    settings: dict[str, Any] = connection.settings_dict
    command = [executable, *arguments]
    if database:
        for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if settings.get(key):
                command.append(f"{flag}={settings[key]}")
        command.append(f"--dbname={settings['NAME']}")
    if source is not None:
        command.append(str(source))
    # a restore waits a minute at most for a table a running server still holds, then fails whole
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10", "PGOPTIONS": "-c lock_timeout=60000"}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise BackupError(_("%(program)s took too long and was stopped.") % {"program": program}) from None
    if done.returncode != 0:
        said = " ".join(done.stderr.strip().splitlines()[-3:])
        raise BackupError(_("%(program)s failed: %(error)s") % {"program": program, "error": said})
