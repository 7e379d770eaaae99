#!/usr/bin/env python3
"""Compare what reproscope and diffoscope found with what the benchmark injected.

    check_findings.py WORKDIR REPROSCOPE_JSON [DIFFOSCOPE_JSON]

WORKDIR holds manifest.json and the trees a/ and b/ written by mktrees.py. Both JSON files are
diffoscope-shaped trees (source1/source2/unified_diff/comments/details); reproscope adds `change`
("changed"/"added"/"removed"), `kind`, `fields`, `byte_ranges`, `format`, `size1/2`.

A node is an archive member when its name (less a leading "./" or "/") is a path in either tree;
the wrappers around the members (gzip layer, cpio layer, diffoscope's "file list") are not. For
each tool this gives the members it reports as

  changed   content differs (a text or binary diff, a nested difference, a size change...)
  added     only in the second archive
  removed   only in the first archive
  metadata  only metadata differs (the shifted mtimes); reproscope reports these per member,
            diffoscope only inside its "file list" diff

diffoscope does not descend into members found on one side only (unless run with --new-file):
its added/removed members are read from the "file list" diff, which its default
--max-diff-block-lines limit may cut short; the output says so when that happened.

Exit status: 0 when reproscope reported every injected change and every member diffoscope found
changed; 1 otherwise; 2 on bad input.
"""

import json
import os
import re
import sys

METADATA_FIELDS = {"mtime", "mode", "uid", "gid", "user", "group", "ino", "inode", "dev", "devmajor",
                   "devminor", "rdevmajor", "rdevminor", "nlink", "atime", "ctime"}


def norm(name):
    if name is None:
        return None
    while name.startswith("./"):
        name = name[2:]
    return name.lstrip("/")


def tree_paths(root):
    out = {"."}  # the archive's root entry
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            out.add(os.path.relpath(os.path.join(dirpath, name), root))
    return out


def walk(node, parents=()):
    yield node, parents
    for d in node.get("details") or []:
        yield from walk(d, parents + (node,))


def member_name(node, paths):
    for key in ("source1", "source2"):
        n = norm(node.get(key))
        if n and n in paths:
            return n
    return None


def reproscope_findings(doc, paths):
    found = {"changed": set(), "added": set(), "removed": set(), "metadata": set()}
    for node, parents in walk(doc):
        name = member_name(node, paths)
        if name is None and not any(member_name(p, paths) for p in parents):
            # the archive's own root entry (".") comes as "root.*" fields of the archive node
            root = {f["name"][5:] for f in node.get("fields") or []
                    if str(f.get("name", "")).startswith("root.")}
            if root:
                found["changed" if root - METADATA_FIELDS else "metadata"].add(".")
        if name is None or any(member_name(p, paths) for p in parents):
            continue  # not a member, or something inside a member (already counted)
        change = node.get("change", "changed")
        if change in ("added", "removed"):
            found[change].add(name)
            continue
        fields = {f.get("name") for f in node.get("fields") or []}
        content = (node.get("unified_diff") or node.get("details") or node.get("byte_ranges")
                   or node.get("byte_range_count") or (fields - METADATA_FIELDS))
        found["changed" if content else "metadata"].add(name)
    return found


LIST_LINE = re.compile(r"^[-+]([-dlcbps][-rwxsStT]{9}\S*)\s.*?\s(\S+)$")


def diffoscope_findings(doc, paths):
    found = {"changed": set(), "added": set(), "removed": set(), "metadata": set()}
    listed = {"-": set(), "+": set()}
    truncated = False
    for node, parents in walk(doc):
        if node.get("source1") == "file list" or node.get("source2") == "file list":
            ud = node.get("unified_diff") or ""
            if re.search(r"^.?\[ \d+ lines? removed \]|^.?\[ Too much input for diff", ud, re.M):
                truncated = True
            for line in ud.splitlines():
                m = LIST_LINE.match(line)
                if m:
                    name = norm(m.group(2))
                    if name:
                        listed[line[0]].add(name)
            continue
        name = member_name(node, paths)
        if name is None or any(member_name(p, paths) for p in parents):
            continue
        s1, s2 = norm(node.get("source1")), norm(node.get("source2"))
        if s1 in paths and s2 in paths or node.get("details") or node.get("unified_diff"):
            found["changed"].add(name)
    # A name listed on one side only is added/removed; the others only have metadata changes.
    # (diffoscope's listing may give symlinks as "name -> target"; these trees have none.)
    found["removed"] = {n for n in listed["-"] - listed["+"] if n in paths}
    found["added"] = {n for n in listed["+"] - listed["-"] if n in paths}
    found["metadata"] = (listed["-"] & listed["+"]) - found["changed"]
    return found, truncated


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    work, rjson = sys.argv[1], sys.argv[2]
    djson = sys.argv[3] if len(sys.argv) == 4 else None
    with open(os.path.join(work, "manifest.json")) as f:
        manifest = json.load(f)
    paths = tree_paths(os.path.join(work, "a")) | tree_paths(os.path.join(work, "b"))
    with open(rjson) as f:
        r = reproscope_findings(json.load(f), paths)

    injected = {k: set(manifest[k]) for k in ("changed", "added", "removed")}
    missed = {k: sorted(injected[k] - r[k]) for k in injected}
    extra = sorted((r["changed"] | r["added"] | r["removed"])
                   - (injected["changed"] | injected["added"] | injected["removed"]))
    ok = not any(missed.values())

    def show(tool, found):
        print(f"  {tool:<11} changed {len(found['changed'])}, added {len(found['added'])}, "
              f"removed {len(found['removed'])}, metadata-only {len(found['metadata'])}")

    print("findings per tool (archive members):")
    print(f"  {'injected':<11} changed {len(injected['changed'])}, added {len(injected['added'])}, "
          f"removed {len(injected['removed'])}, metadata-only: every other member (mtime +1 day)")
    show("reproscope", r)
    for k, v in missed.items():
        for p in v:
            print(f"  MISSED by reproscope ({k}): {p}")
    for p in extra:
        print(f"  reported by reproscope but not injected: {p}")

    d_count = "n/a"
    if djson and os.path.exists(djson) and os.path.getsize(djson) > 0:
        with open(djson) as f:
            d, truncated = diffoscope_findings(json.load(f), paths)
        show("diffoscope", d)
        d_count = len(d["changed"] | d["added"] | d["removed"])
        if truncated:
            print("  (diffoscope's file list diff was cut short by its output limits: "
                  "its added/removed/metadata-only counts are a lower bound)")
        for k in ("changed", "added", "removed"):
            for p in sorted(injected[k] - d[k]):
                print(f"  not reported by diffoscope ({k}): {p}")
        d_only = sorted(d["changed"] - r["changed"] - r["added"] - r["removed"])
        for p in d_only:
            print(f"  MISSED by reproscope, found changed by diffoscope: {p}")
        ok = ok and not d_only
        meta_only = sorted(d["metadata"] - r["metadata"] - r["changed"] - r["added"] - r["removed"])
        if meta_only:
            shown = ", ".join(meta_only[:10]) + (" ..." if len(meta_only) > 10 else "")
            print(f"  metadata changes diffoscope lists and reproscope does not report "
                  f"({len(meta_only)}): {shown}")
    elif djson:
        print(f"  diffoscope  no output ({djson} missing or empty)")

    r_count = len(r["changed"] | r["added"] | r["removed"])
    print(f"findings: reproscope {r_count}, diffoscope {d_count}, "
          f"all injected changes found: {'yes' if not any(missed.values()) else 'no'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
