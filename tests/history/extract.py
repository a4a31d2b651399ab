#!/usr/bin/env python3
"""Print {name: events} for conformance cases, from the LocalStack snapshot
their `source` names (see SOURCE.md).

  extract.py LOCALSTACK_CHECKOUT CONFORMANCE_DIR NAME...

A test that ran several executions names the one (its source's "-> 'key'");
values LocalStack's RegexTransformer or JsonpathTransformer replaced by a label
come out "<label>".
"""
import json
import os
import re
import sys

# LocalStack's tests replace per-run values (queue URLs, function and bucket
# names) with a fixed label: RegexTransformer(value, "label").
LABEL = re.compile(r'RegexTransformer\([^,()]+(?:\([^()]*\))?[^,()]*,\s*"([^"<>]+)"\s*\)')
# or every value at a JSONPath: JsonpathTransformer(jsonpath=..., replacement="label")
# (the Map Run ARNs of a reentrant Map, "map_run_arn")
JSONPATH_LABEL = re.compile(r'JsonpathTransformer\(\s*jsonpath="[^"]*",\s*replacement="([^"<>]+)"')


def labels(ls, snapshot):
    try:
        with open(os.path.join(ls, snapshot.replace(".snapshot.json", ".py")),
                  encoding="utf-8") as f:
            text = f.read()
            return set(LABEL.findall(text)) | set(JSONPATH_LABEL.findall(text))
    except OSError:
        return set()


def mark(v, names):
    # such a label is not the value AWS returned: mark it "<...>", as
    # LocalStack's other redactions are, so compare.py skips it
    if isinstance(v, str):
        for n in sorted(names, key=len, reverse=True):
            if n in v and "<" + n + ">" not in v:
                v = v.replace(n, "<" + n + ">")
        return v
    if isinstance(v, dict):
        return {k: mark(x, names) for k, x in v.items()}
    if isinstance(v, list):
        return [mark(x, names) for x in v]
    return v


def main():
    ls, conf, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    out, snaps, marks = {}, {}, {}
    for name in names:
        with open(os.path.join(conf, name + ".json"), encoding="utf-8") as f:
            src = json.load(f)["source"]
        m = re.search(r"expected values from (\S+) key '([^']+)'(?: -> '([^']+)')?", src)
        if not m:
            continue
        path, key, sub = m.groups()
        if path not in snaps:
            with open(os.path.join(ls, path), encoding="utf-8") as f:
                snaps[path] = json.load(f)
            marks[path] = labels(ls, path)
        content = snaps[path].get(key, {}).get("recorded-content", {})
        # a test that ran several executions names the history of this one
        if sub and "hist" in sub and isinstance(content.get(sub), dict):
            out[name] = content[sub]["events"], path
            continue
        for k, v in content.items():
            if "hist" in k and isinstance(v, dict) and "events" in v:
                out[name] = v["events"], path
                break
    out = {n: mark(e, marks[p]) for n, (e, p) in out.items()}
    # one case a line, as aws.json holds them
    sys.stdout.write("{\n" + ",\n".join(
        "%s: %s" % (json.dumps(n), json.dumps(e, sort_keys=True, separators=(",", ":")))
        for n, e in sorted(out.items())) + "\n}\n")


if __name__ == "__main__":
    main()
