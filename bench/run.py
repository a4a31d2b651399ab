#!/usr/bin/env python3
"""Benchmark runner for aslc: compiled state machines against hand-written C and the peer.

    python3 bench/run.py --aslc BUILD/compiler/aslc [-n 5] [--json out.json] [--quick]
    python3 bench/run.py --aslc BUILD/compiler/aslc --sets 1,10   # the 1x and 10x sets

In one run, for every workload of the shared benchmark set (b1..b6) and a generated
1,000-state machine (and of each scaled set --sets asks for, generated with the set's
gen.py --scale N, one table each):
  * build time of `aslc build` (process start to executable) for the C and LLVM backends;
  * run time, best of N (wall clock around the whole process, time.perf_counter), and peak
    RSS (median of --rss-runs + 1 runs), of aslc-C, aslc-LLVM, the hand-written C baseline
    and the peer (aws-local-stepfunctions 3.0.0 through bench/peer.js; 1x set only);
  * every output checked with the set's canon.py against EXPECTED.sha256; a wrong output is
    reported as WRONG and not timed, a failed build or run as FAIL/TIMEOUT.
It prints a table with absolute times, aslc/baseline and peer/aslc ratios and states/s
(from TRANSITIONS), and one of peak RSS with aslc/baseline ratios.  See bench/README.md.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PEER_PKG = "aws-local-stepfunctions@3.0.0"
WORKLOADS = ["b1-transitions", "b2-choice", "b3-data", "b4-map", "b5-parallel", "b6-startup"]
GEN_NAME = "g1-chain1000"
IMPLS = ["aslc-c", "aslc-llvm", "baseline", "peer"]


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


# --- processes ------------------------------------------------------------------------------

class Result:
    def __init__(self, rc, secs, rss_kb, timed_out, out_path, err_tail):
        self.rc, self.secs, self.rss_kb, self.timed_out = rc, secs, rss_kb, timed_out
        self.out_path, self.err_tail = out_path, err_tail


def run_proc(argv, stdin_path, out_path, timeout, mem_mb=0, env=None, cwd=None):
    """Run argv with stdin from stdin_path and stdout to out_path; wall time around the whole
    process (fork to reap), peak RSS from wait4; kill after `timeout` s; RLIMIT_AS when mem_mb."""
    # The memory limit is set on the runner itself around the spawn (a preexec_fn would force
    # a slow fork instead of vfork/posix_spawn): the child inherits the soft limit.
    saved = resource.getrlimit(resource.RLIMIT_AS)
    err_path = out_path + ".err"
    with open(stdin_path, "rb") as fin, open(out_path, "wb") as fout, open(err_path, "wb") as ferr:
        if mem_mb:
            resource.setrlimit(resource.RLIMIT_AS, (mem_mb * 1024 * 1024, saved[1]))
        try:
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, stdin=fin, stdout=fout, stderr=ferr, env=env, cwd=cwd,
                                 close_fds=False)
        finally:
            if mem_mb:
                resource.setrlimit(resource.RLIMIT_AS, saved)
        killed = []

        def kill():
            killed.append(True)
            try:
                p.kill()
            except OSError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter()
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
    with open(err_path, "rb") as f:
        tail = f.read()[-400:].decode("utf-8", "replace").strip().splitlines()
    return Result(p.returncode, t1 - t0, ru.ru_maxrss, bool(killed), out_path,
                  tail[-1] if tail else "")


def canon_hash(canon, path):
    with open(path, "rb") as f:
        p = subprocess.run([sys.executable, canon], stdin=f, capture_output=True)
    return p.stdout.decode().strip() if p.returncode == 0 else None


def file_sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# --- the generated 1,000-state machine ------------------------------------------------------

def gen_chain(nstates, dirpath):
    """A chain of Pass/Choice pairs, then Done (Succeed) and Bad (Fail): nstates states in all.
    Each Pass bumps $.i with States.MathAdd and records its name; each Choice checks $.i."""
    pairs = (nstates - 2) // 2
    states = {}
    for k in range(pairs):
        nxt = "P%d" % (k + 1) if k + 1 < pairs else "Done"
        states["P%d" % k] = {"Type": "Pass", "Next": "C%d" % k,
                             "Parameters": {"i.$": "States.MathAdd($.i, 1)", "tag": "p%d" % k}}
        states["C%d" % k] = {"Type": "Choice", "Default": "Bad", "Choices": [
            {"Variable": "$.i", "NumericEquals": k + 1, "Next": nxt}]}
    states["Done"] = {"Type": "Succeed"}
    states["Bad"] = {"Type": "Fail", "Error": "Chain.Broken", "Cause": "unexpected $.i"}
    definition = {"Comment": "generated by bench/run.py: %d states" % len(states),
                  "StartAt": "P0", "States": states}
    d = os.path.join(dirpath, GEN_NAME + ".asl.json")
    i = os.path.join(dirpath, GEN_NAME + ".input.json")
    e = os.path.join(dirpath, GEN_NAME + ".expected.json")
    with open(d, "w") as f:
        json.dump(definition, f, indent=1)
    with open(i, "w") as f:
        f.write('{"i":0}\n')
    with open(e, "w") as f:
        json.dump({"i": pairs, "tag": "p%d" % (pairs - 1)}, f)
    return d, i, e, len(states), 2 * pairs + 1


# --- the peer -------------------------------------------------------------------------------

def ensure_peer(peer_dir, allow_install):
    """Install aws-local-stepfunctions into peer_dir on demand; return (ok, note)."""
    node = shutil.which("node")
    if not node:
        return False, "node not found"
    mod = os.path.join(peer_dir, "node_modules", "aws-local-stepfunctions", "package.json")
    if os.path.exists(mod):
        with open(mod) as f:
            v = json.load(f).get("version")
        if v == PEER_PKG.split("@")[1]:
            return True, "aws-local-stepfunctions %s in %s" % (v, peer_dir)
    if not allow_install:
        return False, "peer not installed in %s (install disabled)" % peer_dir
    npm = shutil.which("npm")
    if not npm:
        return False, "npm not found: cannot install %s" % PEER_PKG
    os.makedirs(peer_dir, exist_ok=True)
    pj = os.path.join(peer_dir, "package.json")
    if not os.path.exists(pj):
        with open(pj, "w") as f:
            f.write('{"name":"aslc-bench-peer","private":true}\n')
    log("installing %s into %s ..." % (PEER_PKG, peer_dir))
    try:
        p = subprocess.run([npm, "install", "--no-audit", "--no-fund", PEER_PKG], cwd=peer_dir,
                           capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        return False, "npm install timed out"
    if p.returncode != 0 or not os.path.exists(mod):
        tail = p.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return False, "npm install %s failed: %s" % (PEER_PKG, tail[0])
    return True, "aws-local-stepfunctions 3.0.0 installed in %s" % peer_dir


# --- the runner -----------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aslc", default=os.environ.get("ASLC"),
                    help="the aslc compiler (default $ASLC, else REPO/build/compiler/aslc)")
    ap.add_argument("--bench-dir", default=os.environ.get("ASLC_BENCH_DIR", "/work/shared/bench"),
                    help="the shared benchmark set (default $ASLC_BENCH_DIR or /work/shared/bench)")
    ap.add_argument("--work", help="scratch directory (default BUILD/bench-work)")
    ap.add_argument("--peer-dir", default=os.environ.get("ASLC_PEER_DIR"),
                    help="where the peer is installed on demand (default $ASLC_PEER_DIR, "
                         "else BUILD/bench-cache/peer)")
    ap.add_argument("-n", "--runs", type=int, default=5, help="runs per measurement; best is kept")
    ap.add_argument("--peer-runs", type=int, help="runs for the peer (default: --runs)")
    ap.add_argument("--quick", action="store_true", help="N=1 and no peer (CI smoke)")
    ap.add_argument("--no-peer", action="store_true", help="skip the peer column")
    ap.add_argument("--no-install", action="store_true", help="never run npm install")
    ap.add_argument("--only", help="comma-separated workloads (b1,b4,g1 or full names)")
    ap.add_argument("--gen-states", type=int, default=1000, help="size of the generated chain (0: skip)")
    ap.add_argument("--opt", default="-O2", help="aslc optimisation flag (default -O2)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds before a run is killed")
    ap.add_argument("--mem-limit", type=int, default=4096,
                    help="RLIMIT_AS in MiB for native runs, 0 for none (default 4096)")
    ap.add_argument("--build-timeout", type=int, default=1200, help="seconds before a build is killed")
    ap.add_argument("--json", help="write the raw numbers to this file")
    ap.add_argument("--sets", default="1",
                    help="comma-separated scales of the benchmark set, each run and reported in "
                         "its own table: 1 is --bench-dir itself, N its gen.py --scale N copy "
                         "generated into the work directory (default 1; e.g. 1,10)")
    ap.add_argument("--rss-runs", type=int, default=4,
                    help="extra untimed runs whose peak RSS is measured; the median of these "
                         "and the checked run is reported (default 4)")
    a = ap.parse_args()

    if a.quick:
        a.runs, a.no_peer = 1, True
    peer_runs = a.peer_runs or a.runs
    aslc = a.aslc or os.path.join(REPO, "build", "compiler", "aslc")
    if not os.access(aslc, os.X_OK):
        sys.exit("run.py: no aslc at %s (build it, or pass --aslc)" % aslc)
    aslc = os.path.abspath(aslc)
    build_dir = os.path.dirname(os.path.dirname(aslc))
    work = os.path.abspath(a.work or os.path.join(build_dir, "bench-work"))
    peer_dir = os.path.abspath(a.peer_dir or os.path.join(build_dir, "bench-cache", "peer"))
    bench = os.path.abspath(a.bench_dir)
    canon = os.path.join(bench, "canon.py")
    os.makedirs(work, exist_ok=True)

    try:
        scales = [float(x) for x in a.sets.split(",") if x.strip()]
    except ValueError:
        sys.exit("run.py: --sets takes numbers, e.g. 1,10")
    if not scales or any(k <= 0 for k in scales):
        sys.exit("run.py: --sets takes positive numbers, e.g. 1,10")
    sets = []  # (label, folder, workloads, names)
    for k in scales:
        label = "%g" % k
        sdir = bench if k == 1 else generate_set(bench, k, os.path.join(work, "set-x" + label))
        wl = load_set(sdir, a, canon, work if k == 1 else None)
        names = list(wl)
        if a.only:
            want = [x.strip() for x in a.only.split(",") if x.strip()]
            names = [n for n in names if any(n == x or n.split("-")[0] == x for x in want)]
        if names:
            sets.append((label, sdir, wl, names))
    if not sets:
        sys.exit("run.py: --only matches no workload")

    notes = []
    # the hand-written C baselines, built with their Makefile's flags (CFLAGS ?= -O2 -g ...)
    base_dir = os.path.join(work, "baselines")
    baseline_ok = True
    if os.path.isdir(base_dir):
        shutil.rmtree(base_dir)
    shutil.copytree(os.path.join(bench, "baselines"), base_dir)
    p = subprocess.run(["make", "-C", base_dir, "BENCH=" + bench], capture_output=True)
    if p.returncode != 0:
        baseline_ok = False
        notes.append("baselines did not build: " + p.stderr.decode("utf-8", "replace").strip()[-300:])

    peer_ok = False
    if a.no_peer:
        notes.append("peer skipped (--quick/--no-peer)")
    else:
        peer_ok, why = ensure_peer(peer_dir, not a.no_install)
        notes.append(("peer: " if peer_ok else "peer column skipped: ") + why)
    peer_env = dict(os.environ, ASLC_PEER_DIR=peer_dir)
    node = shutil.which("node")

    floor = spawn_floor(a.timeout)
    notes.insert(0, "spawn floor (fork+exec+wait of /bin/true from the runner): %s" % fmt_t(floor))
    all_results = {}
    for label, sdir, wl, names in sets:
        if len(sets) > 1:
            log("=== set %s× (%s)" % (label, sdir))
        wroot = work if label == "1" else os.path.join(work, "x" + label)
        # the peer only on the 1× set: a scaled set would take it minutes
        all_results[label] = run_set(wl, names, a, aslc, wroot, base_dir if baseline_ok else None,
                                     node if peer_ok and label == "1" else None, peer_runs,
                                     peer_env, canon)

    for i, (label, sdir, wl, names) in enumerate(sets):
        if len(sets) > 1:
            print("%s## Set %s× (%s)\n" % ("\n" if i else "", label, sdir))
        print_report(all_results[label], names, notes if i == len(sets) - 1 else [], a, aslc,
                     peer_runs)
    if a.json:
        meta = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
                "machine": machine(), "aslc": aslc, "bench_dir": bench, "runs": a.runs,
                "peer_runs": peer_runs if peer_ok else 0, "opt": a.opt, "notes": notes,
                "spawn_floor": floor, "loadavg": os.getloadavg(),
                "sets": [label for label, _, _, _ in sets]}
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "results": all_results[sets[0][0]],
                       "sets": all_results}, f, indent=1)
    bad = []
    for label, _, _, names in sets:
        results = all_results[label]
        bad += [n for n in names for impl, m in results[n]["run"].items()
                if impl != "peer" and m["status"] != "ok"]
        bad += [n for n in names for be, b in results[n]["build"].items() if not b["ok"]]
    return 1 if bad else 0


def generate_set(bench, k, outdir):
    """The benchmark set scaled by k (the shared gen.py --scale k), written into outdir
    (regenerated each run: gen.py is deterministic and takes about a second)."""
    os.makedirs(outdir, exist_ok=True)
    p = subprocess.run([sys.executable, os.path.join(bench, "gen.py"), "--scale", "%g" % k, outdir],
                       capture_output=True)
    if p.returncode != 0:
        sys.exit("run.py: gen.py --scale %g failed: %s" % (
            k, p.stderr.decode("utf-8", "replace").strip()[-300:]))
    return outdir


def load_set(sdir, a, canon, gen_dir):
    """A set's workloads: name -> (definition, input, expected hash, transitions, states).
    The generated chain (g1) joins the 1× set only (gen_dir: where it is written)."""
    expected = {}
    with open(os.path.join(sdir, "EXPECTED.sha256")) as f:
        for line in f:
            h, name = line.split()
            expected[name.replace(".expected.json", "")] = h
    transitions = {}
    with open(os.path.join(sdir, "TRANSITIONS")) as f:
        for line in f:
            name, n = line.split()
            transitions[name] = int(n)
    wl = {}
    for w in WORKLOADS:
        d = os.path.join(sdir, w + ".asl.json")
        with open(d) as f:
            nst = count_states(json.load(f))
        wl[w] = (d, os.path.join(sdir, w + ".input.json"), expected[w], transitions[w], nst)
    if a.gen_states and gen_dir:
        gd = os.path.join(gen_dir, "gen")
        os.makedirs(gd, exist_ok=True)
        d, i, e, nst, tr = gen_chain(a.gen_states, gd)
        wl[GEN_NAME] = (d, i, canon_hash(canon, e), tr, nst)
    return wl


def run_set(wl, names, a, aslc, work, base_dir, node, peer_runs, peer_env, canon):
    """Build and run every workload of one set; its results by workload name."""
    results = {}
    for name in names:
        d, inp, exp_hash, tr, nst = wl[name]
        r = {"transitions": tr, "states": nst, "build": {}, "run": {}}
        results[name] = r
        log("== %s" % name)
        wdir = os.path.join(work, name)
        os.makedirs(wdir, exist_ok=True)
        cmds = {}
        for be in ("c", "llvm"):
            exe = os.path.join(wdir, "%s.%s" % (name, be))
            if os.path.exists(exe):
                os.unlink(exe)
            argv = [aslc, "build", d, "-o", exe, "--backend", be, "--type", "express", a.opt]
            t0 = time.perf_counter()
            try:
                p = subprocess.run(argv, capture_output=True, timeout=a.build_timeout)
                rc, err = p.returncode, p.stderr
            except subprocess.TimeoutExpired:
                rc, err = -1, b"build killed after %d s" % a.build_timeout
            t1 = time.perf_counter()
            ok = rc == 0 and os.access(exe, os.X_OK)
            msg = err.decode("utf-8", "replace").strip().splitlines()
            r["build"][be] = {"ok": ok, "secs": t1 - t0,
                              "error": None if ok else (msg[0] if msg else "rc=%d" % rc)}
            log("   build %-4s %s %.3f s" % (be, "ok  " if ok else "FAIL", t1 - t0))
            if ok:
                cmds["aslc-" + be] = ([exe, "--payload-limit", "off"], a.runs, a.mem_limit)
        if name in WORKLOADS and base_dir:
            cmds["baseline"] = ([os.path.join(base_dir, name)], a.runs, a.mem_limit)
        if node:
            cmds["peer"] = ([node, os.path.join(HERE, "peer.js"), d], peer_runs, 0)
        for impl in IMPLS:
            if impl not in cmds:
                continue
            argv, runs, mem = cmds[impl]
            r["run"][impl] = measure(argv, inp, runs, mem, a.timeout, exp_hash, canon,
                                     os.path.join(wdir, impl), peer_env if impl == "peer" else None,
                                     0 if impl == "peer" else a.rss_runs)
            m = r["run"][impl]
            log("   run %-9s %s %s" % (impl, m["status"],
                                       "%.4f s (best of %d)" % (m["best"], len(m["times"]))
                                       if m["status"] == "ok" else m.get("detail", "")))

    return results


def count_states(defn):
    n = 0
    for st in defn.get("States", {}).values():
        n += 1
        for b in st.get("Branches", []):
            n += count_states(b)
        for k in ("Iterator", "ItemProcessor"):
            if k in st:
                n += count_states(st[k])
    return n


def rss_run(argv, inp, prefix, timeout, mem, env):
    """One untimed run's result and peak RSS in KB (through /usr/bin/time when there is one,
    so that the runner's own forked pages are not counted)."""
    gtime = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    rss_file = prefix + ".rss"
    first = [gtime, "-f", "%M", "-o", rss_file] + argv if gtime else argv
    res = run_proc(first, inp, prefix + ".out", timeout, mem, env)
    rss = res.rss_kb
    if gtime:
        try:
            with open(rss_file) as f:
                rss = int(f.read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            pass
    return res, rss


def measure(argv, inp, runs, mem, timeout, exp_hash, canon, prefix, env, rss_runs=0):
    """A first, untimed run (warm-up) is checked with canon.py and gives the peak RSS; then
    `runs` timed runs, each of which must print the same bytes (else it is checked again);
    then `rss_runs` untimed runs for the peak RSS, whose median with the first is reported
    (a run's peak RSS varies by +-150 KB with where ASLR puts libc)."""
    res, rss = rss_run(argv, inp, prefix, timeout, mem, env)
    if res.timed_out:
        return {"status": "TIMEOUT", "detail": "killed after %.0f s" % timeout, "times": []}
    if res.rc != 0:
        return {"status": "FAIL", "times": [], "rss_kb": rss,
                "detail": "exit %d after %.2f s, peak RSS %d MiB: %s" % (
                    res.rc, res.secs, rss // 1024, res.err_tail[:160])}
    got = canon_hash(canon, res.out_path)
    if got != exp_hash:
        return {"status": "WRONG", "times": [], "rss_kb": rss,
                "detail": "canonical sha256 %s, expected %s" % (got, exp_hash)}
    first_sha = file_sha(res.out_path)
    times = []
    for k in range(runs):
        res = run_proc(argv, inp, prefix + ".out", timeout, mem, env)
        if res.timed_out:
            return {"status": "TIMEOUT", "detail": "timed run %d killed after %.0f s" % (k + 1, timeout),
                    "times": times}
        if res.rc != 0:
            return {"status": "FAIL", "times": times, "detail": "timed run %d: exit %d: %s" % (
                k + 1, res.rc, res.err_tail[:160])}
        if file_sha(res.out_path) != first_sha and canon_hash(canon, res.out_path) != exp_hash:
            return {"status": "WRONG", "times": [], "detail": "timed run %d output differs" % (k + 1)}
        times.append(res.secs)
    rss_all = [rss]
    for _ in range(rss_runs):
        res, k = rss_run(argv, inp, prefix, timeout, mem, env)
        if res.timed_out or res.rc != 0:
            break
        rss_all.append(k)
    rss_all.sort()
    return {"status": "ok", "times": times, "best": min(times), "rss_kb": rss_all[len(rss_all) // 2],
            "rss_all": rss_all}


def spawn_floor(timeout):
    """Best of 10 wall times of spawning /bin/true the same way: the floor of every run time."""
    best = None
    for _ in range(10):
        r = run_proc(["true"], os.devnull, os.path.join(tempfile.gettempdir(), "aslc-bench-true.out"),
                     timeout, 64)
        best = r.secs if best is None else min(best, r.secs)
    return best


def machine():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d cores, %s %s" % (cpu, os.cpu_count() or 0, platform.system(), platform.release())


def fmt_t(s):
    if s is None:
        return "-"
    if s >= 10:
        return "%.1f s" % s
    if s >= 1:
        return "%.2f s" % s
    return "%.1f ms" % (s * 1000) if s >= 0.01 else "%.2f ms" % (s * 1000)


def fmt_ratio(x):
    if x is None:
        return "-"
    return "%.0f×" % x if x >= 100 else ("%.1f×" % x if x >= 10 else "%.2f×" % x)


def fmt_rate(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return "%.2f M/s" % (x / 1e6)
    if x >= 1e3:
        return "%.1f k/s" % (x / 1e3)
    return "%.0f /s" % x


def fmt_kb(k):
    return "-" if k is None else "{:,} KB".format(k)


def cell(m):
    if m is None:
        return "-"
    if m["status"] != "ok":
        return m["status"]
    return "%s (%d MiB)" % (fmt_t(m["best"]), max(1, round(m["rss_kb"] / 1024)))


def print_report(results, names, notes, a, aslc, peer_runs):
    def best(r, impl):
        m = r["run"].get(impl)
        return m["best"] if m and m["status"] == "ok" else None

    def ratio(x, y):
        return x / y if x is not None and y else None

    def rss(r, impl):
        m = r["run"].get(impl)
        return m["rss_kb"] if m and m["status"] == "ok" else None

    out = []
    out.append("machine: %s; load average %.1f; aslc %s; runs: best of %d (peer: %d); %s" % (
        machine(), os.getloadavg()[0], a.opt, a.runs, 0 if a.no_peer else peer_runs,
        datetime.date.today().isoformat()))
    out.append("")
    out.append("| workload | build C | build LLVM | aslc-C | aslc-LLVM | hand-written C | peer "
               "| C/base | LLVM/base | peer/C | peer/LLVM | states/s (best aslc) |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in names:
        r = results[n]
        bc, bl = r["build"]["c"], r["build"]["llvm"]
        c, l, b, p = (best(r, i) for i in IMPLS)
        fast = min([x for x in (c, l) if x is not None], default=None)
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            n, fmt_t(bc["secs"]) if bc["ok"] else "FAIL", fmt_t(bl["secs"]) if bl["ok"] else "FAIL",
            cell(r["run"].get("aslc-c")) if bc["ok"] else "no build",
            cell(r["run"].get("aslc-llvm")) if bl["ok"] else "no build",
            cell(r["run"].get("baseline")), cell(r["run"].get("peer")),
            fmt_ratio(ratio(c, b)), fmt_ratio(ratio(l, b)), fmt_ratio(ratio(p, c)),
            fmt_ratio(ratio(p, l)), fmt_rate(ratio(r["transitions"], fast))))
    out.append("")
    out.append("| workload | peak RSS aslc-C | aslc-LLVM | hand-written C | C/base | LLVM/base |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for n in names:
        r = results[n]
        c, l, b = (rss(r, i) for i in ("aslc-c", "aslc-llvm", "baseline"))
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            n, fmt_kb(c), fmt_kb(l), fmt_kb(b), fmt_ratio(ratio(c, b)), fmt_ratio(ratio(l, b))))
    out.append("")
    out.append("Times: whole process, best run; (peak RSS).  X/base = aslc time / hand-written C "
               "time (lower is better); peer/X = peer time / aslc time (higher is better).  Peak RSS: "
               "median of %d runs (/usr/bin/time %%M)." % (a.rss_runs + 1))
    problems = []
    for n in names:
        r = results[n]
        for be, b in r["build"].items():
            if not b["ok"]:
                problems.append("%s: aslc build --backend %s failed: %s" % (n, be, b["error"]))
        for impl, m in r["run"].items():
            if m["status"] != "ok":
                problems.append("%s: %s %s: %s" % (n, impl, m["status"], m.get("detail", "")))
    for line in notes + problems:
        out.append("- " + line)
    print("\n".join(out))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
