#!/usr/bin/env python3
"""Print {name: events} for conformance cases, from the LocalStack snapshot
their `source` names (see SOURCE.md).

  extract.py LOCALSTACK_CHECKOUT CONFORMANCE_DIR NAME...
"""
import json
import os
import re
import sys


def main():
    ls, conf, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    out, snaps = {}, {}
    for name in names:
        with open(os.path.join(conf, name + ".json"), encoding="utf-8") as f:
            src = json.load(f)["source"]
        m = re.search(r"expected values from (\S+) key '([^']+)'", src)
        if not m:
            continue
        path, key = m.groups()
        if path not in snaps:
            with open(os.path.join(ls, path), encoding="utf-8") as f:
                snaps[path] = json.load(f)
        content = snaps[path].get(key, {}).get("recorded-content", {})
        for k, v in content.items():
            if "hist" in k and isinstance(v, dict) and "events" in v:
                out[name] = v["events"]
                break
    json.dump(out, sys.stdout, sort_keys=True, separators=(",", ":"))
    print()


if __name__ == "__main__":
    main()
