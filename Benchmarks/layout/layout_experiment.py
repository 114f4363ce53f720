#!/usr/bin/env python3
"""Shard-store layout experiment: one SQLite file per shard vs one database per node.

Measures, with the system SQLite (the same library KeelStorage links), the three costs that
decide the layout (docs/decisions/0001-shard-store-layout.md):
  1. write throughput with several shards (batches of 64 puts of 100-byte values, each
     batch one transaction together with the shard's applied position), from one thread
     and from one thread per shard;
  2. splitting a shard of KEYS keys at its middle key;
  3. dropping a shard of KEYS keys (after a move), and whether the space returns to the OS.
Both layouts use the schema and PRAGMAs of KeelStorage: WAL, synchronous=FULL,
WITHOUT ROWID key-ordered table.

Usage: python3 Benchmarks/layout/layout_experiment.py [DIR] [KEYS]
"""
import os, shutil, sqlite3, sys, tempfile, threading, time

ROOT = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="keel-layout-")
KEYS = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
SHARDS = 4
BATCH = 64
BATCHES = 300
VALUE = os.urandom(100)

def connect(path):
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db

def per_shard_schema(db):
    db.execute("CREATE TABLE IF NOT EXISTS kv(key BLOB PRIMARY KEY, version INTEGER NOT NULL, value BLOB NOT NULL) WITHOUT ROWID")
    db.execute("CREATE TABLE IF NOT EXISTS position(id INTEGER PRIMARY KEY, applied INTEGER NOT NULL)")
    db.execute("INSERT OR IGNORE INTO position VALUES(1, 0)")

def node_schema(db):
    db.execute("CREATE TABLE IF NOT EXISTS kv(key BLOB PRIMARY KEY, version INTEGER NOT NULL, value BLOB NOT NULL) WITHOUT ROWID")
    db.execute("CREATE TABLE IF NOT EXISTS shards(id INTEGER PRIMARY KEY, start BLOB, end BLOB, applied INTEGER NOT NULL)")

def key(shard, n):
    return b"%02d/%010d" % (shard, n)

def write_batches(db, shard, batches, first_batch, position_sql, lock=None):
    for b in range(first_batch, first_batch + batches):
        if lock: lock.acquire()
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT OR REPLACE INTO kv VALUES(?, 1, ?)",
                       ((key(shard, b * BATCH + i), VALUE) for i in range(BATCH)))
        db.execute(position_sql, (b, shard))
        db.execute("COMMIT")
        if lock: lock.release()

def throughput(label, run):
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    puts = SHARDS * BATCHES * BATCH
    print(f"| {label} | {puts / elapsed:,.0f} puts/s | {SHARDS * BATCHES / elapsed:,.0f} commits/s |")

def bench_writes():
    print(f"\n### 1. Writes: {SHARDS} shards, {BATCHES} batches of {BATCH} x 100 B per shard, synchronous=FULL\n")
    print("| layout | puts/s | commits/s |\n|---|---|---|")
    for threads in (False, True):
        d = tempfile.mkdtemp(dir=ROOT)
        dbs = [connect(f"{d}/shard-{s}.sqlite") for s in range(SHARDS)]
        for db in dbs: per_shard_schema(db)
        sql = "UPDATE position SET applied=? WHERE id=1 AND ?>=0"
        if threads:
            def run():
                ts = [threading.Thread(target=write_batches, args=(dbs[s], s, BATCHES, 0, sql)) for s in range(SHARDS)]
                for t in ts: t.start()
                for t in ts: t.join()
        else:
            def run():
                for b in range(BATCHES):
                    for s in range(SHARDS): write_batches(dbs[s], s, 1, b, sql)
        throughput("file per shard, " + ("one thread per shard" if threads else "one thread"), run)
        for db in dbs: db.close()
        shutil.rmtree(d)
    for threads in (False, True):
        d = tempfile.mkdtemp(dir=ROOT)
        db = connect(f"{d}/node.sqlite")
        node_schema(db)
        for s in range(SHARDS): db.execute("INSERT INTO shards VALUES(?, ?, ?, 0)", (s, key(s, 0), key(s + 1, 0)))
        sql = "UPDATE shards SET applied=? WHERE id=?"
        lock = threading.Lock()  # one connection: writers take turns, as SQLite's write lock would make them
        if threads:
            def run():
                ts = [threading.Thread(target=write_batches, args=(db, s, BATCHES, 0, sql, lock)) for s in range(SHARDS)]
                for t in ts: t.start()
                for t in ts: t.join()
        else:
            def run():
                for b in range(BATCHES):
                    for s in range(SHARDS): write_batches(db, s, 1, b, sql)
        throughput("one database per node, " + ("one thread per shard" if threads else "one thread"), run)
        db.close()
        shutil.rmtree(d)

def load(db, shard, keys):
    db.execute("BEGIN")
    db.executemany("INSERT INTO kv VALUES(?, 1, ?)", ((key(shard, n), VALUE) for n in range(keys)))
    db.execute("COMMIT")

def size(path):
    return sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))

def bench_split_and_drop():
    print(f"\n### 2–3. Split and drop of a shard of {KEYS:,} keys x 100 B (plus {SHARDS - 1} other shards of the same size)\n")
    print("| layout | split | drop | database bytes before drop | after drop |\n|---|---|---|---|---|")
    # File per shard.
    d = tempfile.mkdtemp(dir=ROOT)
    paths = [f"{d}/shard-{s}.sqlite" for s in range(SHARDS)]
    dbs = [connect(p) for p in paths]
    for s, db in enumerate(dbs):
        per_shard_schema(db)
        load(db, s, KEYS)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    start = time.perf_counter()
    right = connect(f"{d}/shard-right.sqlite")
    per_shard_schema(right)
    right.close()
    db = dbs[0]
    db.execute("ATTACH DATABASE ? AS right", (f"{d}/shard-right.sqlite",))
    mid = key(0, KEYS // 2)
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO right.kv SELECT * FROM main.kv WHERE key >= ?", (mid,))
    db.execute("DELETE FROM main.kv WHERE key >= ?", (mid,))
    db.execute("COMMIT")
    db.execute("DETACH DATABASE right")
    split = time.perf_counter() - start
    before = sum(size(p) for p in paths)
    start = time.perf_counter()
    dbs[1].close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(paths[1] + suffix): os.unlink(paths[1] + suffix)
    drop = time.perf_counter() - start
    after = sum(size(p) for p in paths if os.path.exists(p))
    print(f"| file per shard | {split * 1000:,.0f} ms (copy half to a new file, delete it from the old) | {drop * 1000:,.1f} ms (unlink) | {before:,} | {after:,} |")
    shutil.rmtree(d)
    # One database per node.
    d = tempfile.mkdtemp(dir=ROOT)
    path = f"{d}/node.sqlite"
    db = connect(path)
    node_schema(db)
    for s in range(SHARDS):
        db.execute("INSERT INTO shards VALUES(?, ?, ?, 0)", (s, key(s, 0), key(s + 1, 0)))
        load(db, s, KEYS)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE shards SET end=? WHERE id=0", (key(0, KEYS // 2),))
    db.execute("INSERT INTO shards VALUES(100, ?, ?, 0)", (key(0, KEYS // 2), key(1, 0)))
    db.execute("COMMIT")
    split = time.perf_counter() - start
    before = size(path)
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.execute("DELETE FROM kv WHERE key >= ? AND key < ?", (key(1, 0), key(2, 0)))
    db.execute("DELETE FROM shards WHERE id=1")
    db.execute("COMMIT")
    drop = time.perf_counter() - start
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after = size(path)
    print(f"| one database per node | {split * 1000:,.1f} ms (metadata only) | {drop * 1000:,.0f} ms (DELETE of the range) | {before:,} | {after:,} (freed pages stay in the file) |")
    db.close()
    shutil.rmtree(d)

if __name__ == "__main__":
    os.makedirs(ROOT, exist_ok=True)
    print(f"SQLite {sqlite3.sqlite_version}, directory {ROOT}")
    bench_writes()
    bench_split_and_drop()
    shutil.rmtree(ROOT, ignore_errors=True) if len(sys.argv) <= 1 else None
