"""Writing to SQLite from many coroutines on one connection: one write transaction at a time, and storage failures
(disk full, read-only, locked) turned into ``flows.ports.errors.StorageUnavailable`` after a whole rollback."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from datetime import datetime

import aiosqlite

from storage.database import rollback_quietly, storage_unavailable

__all__ = ["LOCKS", "iso", "transaction", "write"]


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return moment.isoformat(timespec="seconds")


LOCKS: weakref.WeakKeyDictionary[aiosqlite.Connection, asyncio.Lock] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def transaction(conn: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """One write transaction at a time per connection.

    The bot shares one connection between handlers and jobs that run concurrently; without this lock a statement
    from one coroutine could land inside another's transaction (and vanish with its rollback).  Every write in
    this package goes through here.

    When a statement or the COMMIT fails because of the disk or another process (disk full, read-only, locked, I/O
    error), the transaction is rolled back and ``flows.ports.errors.StorageUnavailable`` is raised instead, naming the
    condition (never the statement or its parameters), so callers can say "try again shortly".  Any other error
    (an integrity or programming error) propagates unchanged, after the rollback.
    """
    lock = LOCKS.setdefault(conn, asyncio.Lock())
    async with lock:
        try:
            await conn.execute("BEGIN IMMEDIATE")  # locked by another process, or query_only: refused here
        except Exception as exc:
            if (unavailable := storage_unavailable(exc)) is not None:
                raise unavailable from exc
            raise
        try:
            yield conn
            await conn.execute("COMMIT")
        except BaseException as exc:
            await rollback_quietly(conn)  # nothing partial stays; a failing rollback never hides ``exc``
            if (unavailable := storage_unavailable(exc)) is not None:
                raise unavailable from exc
            raise


async def write(conn: aiosqlite.Connection, sql: str, params: tuple = ()) -> int:
    """A single-statement write, which SQLite makes one atomic transaction of its own (autocommit): one trip to the
    database thread instead of three.  It waits for any explicit transaction on the connection to finish first (the
    same lock as ``transaction``), so it never lands inside one.  Returns the number of rows changed; raises
    ``StorageUnavailable`` as ``transaction`` does."""
    async with LOCKS.setdefault(conn, asyncio.Lock()):
        try:
            cur = await conn.execute(sql, params)
        except Exception as exc:
            if (unavailable := storage_unavailable(exc)) is not None:
                raise unavailable from exc
            raise
        return cur.rowcount
