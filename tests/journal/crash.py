#!/usr/bin/env python3
"""The journal's crash test: crash.asl.json (a Task, a Parallel of two with a
Retry, a Wait, a Map with a Retry; every Task an in-process handler that
appends to EFFECTS_FILE, effects.c) is killed with SIGKILL at random points
and rerun with the same --name and input until it ends (rounds alternate
--store-sync FULL and NORMAL).  The output must be
the uninterrupted run's, and every Task result in the journal must have its
effect in the append file exactly once.  Also: a damaged journal is refused
with a clear error, two processes cannot run one execution, same name with
other input is ExecutionAlreadyExists, Express refuses --store.

  crash.py ASLC DIR [KILLS] [SECONDS]
"""
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time


def main():
    aslc, d = os.path.abspath(sys.argv[1]), sys.argv[2]
    want_kills = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    budget = float(sys.argv[4]) if len(sys.argv) > 4 else 300
    work = tempfile.mkdtemp()
    exe = os.path.join(work, "crash")
    subprocess.run([aslc, "build", os.path.join(d, "crash.asl.json"), "-o", exe, "--handlers",
                    os.path.join(d, "effects.c")], check=True, timeout=300)
    inp = os.path.join(work, "in.json")
    with open(inp, "w") as f:
        json.dump({"items": [{"i": i, "fail_once": "i%d" % i} if i % 3 == 0 else {"i": i}
                             for i in range(8)]}, f)
    env = dict(os.environ)

    def fresh(tag):
        db, eff = os.path.join(work, tag + ".db"), os.path.join(work, tag + ".eff")
        for p in (db, db + "-wal", db + "-shm", db + "-lock", eff):
            if os.path.exists(p):
                os.unlink(p)
        env["EFFECTS_FILE"] = eff
        return db, eff

    sync = ["FULL"]

    def cmd(db, *extra):
        return [exe, "--clock", "virtual", "--store", db, "--store-sync", sync[0], "--name", "x",
                "--input", inp] + list(extra)

    db, eff = fresh("ref")
    t0 = time.time()
    ref = subprocess.run(cmd(db), env=env, capture_output=True, text=True, timeout=60)
    span = time.time() - t0  # kills land anywhere in a whole run
    assert ref.returncode == 0, ref.stderr
    # a rerun of an ended execution prints its result
    p = subprocess.run(cmd(db), env=env, capture_output=True, text=True, timeout=60)
    assert p.stdout == ref.stdout and p.returncode == 0, p.stdout

    kills = rounds = 0
    failures = []
    start = time.time()
    while kills < want_kills and time.time() - start < budget:
        rounds += 1
        sync[0] = "NORMAL" if rounds % 2 else "FULL"  # both survive the process dying
        db, eff = fresh("r%d" % (rounds % 2))
        for attempt in range(1000):
            proc = subprocess.Popen(cmd(db), env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            time.sleep(random.uniform(0, span * 0.9))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            out, err = proc.communicate(timeout=60)
            if proc.returncode == 0:
                break
            if proc.returncode != -signal.SIGKILL:
                failures.append("round %d: exit %d: %s" % (rounds, proc.returncode, err[-300:]))
                break
        if out != ref.stdout:
            failures.append("round %d: output %s, uninterrupted %s" % (rounds, out[:200],
                                                                         ref.stdout[:200]))
        lines = []
        if os.path.exists(eff):
            with open(eff) as f:
                lines = [l.split(" ", 1)[0] for l in f if not l.startswith("failed-once")]
        if failures:
            break
        con = sqlite3.connect(db)
        results = [json.loads(r)["nonce"] for (r,) in con.execute(
            "SELECT result FROM attempts WHERE status='ok'")]
        con.close()
        for n in results:
            if lines.count(n) != 1:
                failures.append("round %d: journaled effect %s appears %d times" % (
                    rounds, n, lines.count(n)))
        if failures:
            break
    print("%d kills in %d rounds, %.1f s" % (kills, rounds, time.time() - start))
    sync[0] = "FULL"

    # a damaged journal: not SQLite, truncated, another schema version
    db, eff = fresh("bad")
    with open(db, "w") as f:
        f.write("this is not a database, but long enough to look at" * 100)
    p = subprocess.run(cmd(db), env=env, capture_output=True, text=True, timeout=60)
    if p.returncode != 2 or "not a journal" not in p.stderr:
        failures.append("not SQLite: exit %d %s" % (p.returncode, p.stderr))
    db, eff = fresh("bad")
    subprocess.run(cmd(db), env=env, capture_output=True, timeout=60)
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    size = os.path.getsize(db)
    with open(db, "r+b") as f:
        f.truncate(size // 2)
    p = subprocess.run(cmd(db), env=env, capture_output=True, text=True, timeout=60)
    if p.returncode != 2 or "damaged" not in p.stderr:
        failures.append("truncated: exit %d %s %s" % (p.returncode, p.stdout, p.stderr))
    db, eff = fresh("bad")
    subprocess.run(cmd(db), env=env, capture_output=True, timeout=60)
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    p = subprocess.run(cmd(db), env=env, capture_output=True, text=True, timeout=60)
    if p.returncode != 2 or "schema version is '99', this executable's '2'" not in p.stderr:
        failures.append("schema 99: exit %d %s" % (p.returncode, p.stderr))

    # other input under the same name
    db, eff = fresh("other")
    subprocess.run(cmd(db), env=env, capture_output=True, timeout=60)
    p = subprocess.run([exe, "--clock", "virtual", "--store", db, "--name", "x"], input="{}",
                       env=env, capture_output=True, text=True, timeout=60)
    if p.returncode != 1 or '"Error":"ExecutionAlreadyExists"' not in p.stderr:
        failures.append("other input: exit %d %s" % (p.returncode, p.stderr))

    # two processes: the second cannot run the execution the first holds.  The
    # first's Task opens a FIFO nobody reads, so it blocks there, inside the
    # execution, holding it, for as long as the test needs.
    db, eff = fresh("two")
    fifo = os.path.join(work, "two.fifo")
    os.mkfifo(fifo)
    env["EFFECTS_FILE"] = fifo
    first = subprocess.Popen(cmd(db), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(1000):
        if os.path.exists(db) or first.poll() is not None:
            break
        time.sleep(0.01)
    time.sleep(1.0)  # from opening the journal to its Task
    try:
        p = subprocess.run(cmd(db), env=env, capture_output=True, text=True, timeout=30)
        if p.returncode != 2 or "being run by another process" not in p.stderr:
            failures.append("two processes: exit %d %s" % (p.returncode, p.stderr))
    except subprocess.TimeoutExpired:
        failures.append("two processes: the second ran the execution too (blocked in its Task)")
    first.kill()
    first.communicate()

    # a resumed execution with mocks: replayed attempts count as the mock's calls
    g = os.path.join(d, "..", "history", "golden")
    trc = os.path.join(work, "task_retry_catch")
    subprocess.run([aslc, "build", os.path.join(g, "task_retry_catch.asl.json"), "-o", trc],
                   check=True, timeout=300)
    with open(os.path.join(g, "task_retry_catch.mocks.json")) as f:
        m = json.load(f)
    mocks = os.path.join(work, "trc-mocks.json")
    with open(mocks, "w") as f:
        json.dump({"StateMachines": {"task_retry_catch": {"TestCases": {"T": {s: s for s in m}}}},
                   "MockedResponses": m}, f)
    db, eff = fresh("mocks")
    margs = ["--store", db, "--clock", "virtual", "--mock-config", mocks, "--test-case", "T"]
    whole = subprocess.run([trc, "--name", "a", "--input", os.path.join(g, "task_retry_catch.input.json")]
                           + margs, capture_output=True, text=True, timeout=60)
    def shape(events):
        return [(e["type"], e.get("taskFailedEventDetails", {}).get("error")) for e in events]

    before = shape(json.loads(subprocess.run([trc, "--store", db, "--history", "a"],
                                             capture_output=True, text=True).stdout)["events"])
    con = sqlite3.connect(db)  # as if the process died after the second attempt
    con.execute("DELETE FROM attempts WHERE key NOT IN ('/task0', '/task1')")
    con.execute("UPDATE executions SET status='RUNNING', output=NULL, stop_ms=NULL")
    con.commit()
    con.close()
    p = subprocess.run([trc, "--resume", "a"] + margs, capture_output=True, text=True, timeout=60)
    after = shape(json.loads(subprocess.run([trc, "--store", db, "--history", "a"],
                                            capture_output=True, text=True).stdout)["events"])
    if whole.returncode or p.returncode or p.stdout != whole.stdout or after != before:
        failures.append("mocks resumed: %s %s vs %s" % (p.stdout, p.stderr, whole.stdout))

    # Express keeps executions in memory
    subprocess.run([aslc, "build", os.path.join(d, "crash.asl.json"), "-o", exe + "-express",
                    "--handlers", os.path.join(d, "effects.c"), "--type", "express"],
                   check=True, timeout=300)
    p = subprocess.run([exe + "-express", "--store", os.path.join(work, "express.db")],
                       input="{}", env=env, capture_output=True, text=True, timeout=60)
    if p.returncode != 2 or "Express" not in p.stderr or os.path.exists(
            os.path.join(work, "express.db")):
        failures.append("express: exit %d %s" % (p.returncode, p.stderr))
    # ... and is linked without the journal: no SQLite in it, queries refused
    p = subprocess.run([exe + "-express", "--store", db, "--list"], env=env,
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 2 or "Express" not in p.stderr or p.stdout:
        failures.append("express --list: exit %d %s" % (p.returncode, p.stderr))
    syms = subprocess.run(["nm", exe + "-express"], capture_output=True, text=True).stdout
    if "sqlite3_open" in syms or "sqlite3_open" not in subprocess.run(
            ["nm", exe], capture_output=True, text=True).stdout:
        failures.append("express: SQLite linked in, or standard without it")

    for f in failures:
        print("FAIL", f)
    shutil.rmtree(work)
    return 1 if failures or kills < want_kills else 0


if __name__ == "__main__":
    sys.exit(main())
