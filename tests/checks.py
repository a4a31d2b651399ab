"""checks.py - what the Python tests share, as tests/lib.sh is for the shell
tests: one line per check, the counters, and the closing line with the exit
status.  A test in tests/DIR/ imports it with

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from checks import check, eq, finish
"""
import sys

passed = 0
failed = 0


def check(name, ok, detail=""):
    """One check: ok is its result; detail is shown when it failed."""
    global passed, failed
    if ok:
        passed += 1
        print("testing %s ... passed" % name)
    else:
        failed += 1
        print("testing %s ... FAILED%s" % (name, "" if detail == "" else " " + str(detail)))
    return bool(ok)


def eq(name, got, want):
    """A check that got equals want, showing both when not."""
    return check(name, got == want, "\n  got:  %r\n  want: %r" % (got, want))


def summary(label=""):
    """The closing line; the exit status (0 when nothing failed)."""
    print("%s%d passed, %d failed" % (label + ": " if label else "", passed, failed))
    return 1 if failed else 0


def finish(label=""):
    sys.exit(summary(label))
