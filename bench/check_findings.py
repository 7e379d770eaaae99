#!/usr/bin/env python3
"""Compare what reproscope and diffoscope found with what the benchmark injected.

    check_findings.py WORKDIR REPROSCOPE_JSON [DIFFOSCOPE_JSON] [--summary OUT.json]

WORKDIR holds manifest.json (written by mktrees.py or mkbig.py) and the trees the archives were
made from. Both JSON files are diffoscope-shaped trees (source1/source2/unified_diff/comments/
details); reproscope adds `change` ("changed"/"added"/"removed"), `kind`, `fields`,
`byte_ranges`, `format`, `size1/2`.

Scopes. An input may hold archives inside archives (an ISO holding a squashfs and an initrd).
manifest.json's "scopes" gives, for each container, the trees whose paths are its members:
{"prefix": "live/filesystem.squashfs", "a": ["sq/a"], "b": ["sq/b"]} (directories relative to
WORKDIR; the prefix "" is the input itself). Without "scopes", the input's members are the paths
of WORKDIR/a and WORKDIR/b. A member is named by its path qualified by its container's:
"live/filesystem.squashfs::usr/bin/foo"; the manifest's injected changes are named the same way.

Walking a JSON tree from the top, in the input's scope: a node is a member when its name (less a
leading "./" or "/", and a trailing "/") is a path of the current scope. The nodes around members
(the gzip layer, the cpio layer, reproscope's "part2" of a concatenated initrd, diffoscope's
"file list" and squashfs listing) are not. Below a member that is itself a container (a scope),
the walk goes on in that scope; below any other member, nothing more is counted. For each tool
this gives the members it reports as

  changed   content differs (a text or binary diff, a nested difference, a size change...);
            reproscope's fields marked "derived" (a checksum, an offset that moved because an
            earlier member grew) are consequences, not changes of the member
  added     only in the second input
  removed   only in the first input
  metadata  only metadata differs (the shifted mtimes); reproscope reports these per member,
            diffoscope only in its listing diffs ("file list", `unsquashfs -lls`)

diffoscope does not descend into members found on one side only (unless run with --new-file):
its added/removed members are read from its listing diffs, which its default
--max-diff-block-lines limit may cut short; the output says so when that happened.

A container that holds an injected change is expected to be reported changed too (it is not
counted as "reported but not injected").

Explanation. reproscope's JSON also ranks the causes (`causes`). The check wants what the
benchmark injected to read as it should: the real changes (`content`) ranked first, the mtime
shift as one `timestamp` cause, the build IDs of a rebuilt program (when the manifest lists
one) as `build-id` derived from its changed code, and few enough causes for one screen.

Exit status: 0 when reproscope reported every injected change and every member diffoscope found
changed, and its explanation reads as above; 1 otherwise; 2 on bad input.
"""

import json
import os
import re
import sys

METADATA_FIELDS = {"mtime", "mode", "uid", "gid", "user", "group", "ino", "inode", "dev", "devmajor",
                   "devminor", "rdevmajor", "rdevminor", "nlink", "atime", "ctime"}
SEP = "::"


def norm(name):
    """Archive member name -> tree path: no leading "./" or "/", no trailing "/"; the root is
    "."; None for no name."""
    if not name:
        return None
    n = name
    while n.startswith("./"):
        n = n[2:]
    n = n.strip("/")
    return n or "."


def qualify(prefix, rel):
    return prefix + SEP + rel if prefix else rel


def tree_paths(root):
    out = {"."}  # the archive's root entry
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            out.add(os.path.relpath(os.path.join(dirpath, name), root))
    return out


def load_scopes(work, manifest):
    specs = manifest.get("scopes") or [{"prefix": "", "a": ["a"], "b": ["b"]}]
    scopes = {}
    for spec in specs:
        paths = set()
        for d in list(spec["a"]) + list(spec["b"]):
            paths |= tree_paths(os.path.join(work, d))
        scopes[spec["prefix"]] = paths
    return scopes


def member_name(node, paths):
    for key in ("source1", "source2"):
        n = norm(node.get(key))
        if n and n != "." and n in paths:
            return n
    return None


def visit(doc, scopes):
    """Yields (node, scope, qname): qname is the member's qualified name, or None for a node
    around members (then scope is the scope it is in). Nodes inside a member that is not a
    container are not visited."""
    stack = [(doc, "")]
    while stack:
        node, scope = stack.pop()
        name = member_name(node, scopes[scope])
        if name is None:
            yield node, scope, None
            inner = scope
        else:
            q = qualify(scope, name)
            yield node, scope, q
            if q not in scopes:
                continue
            inner = q
        for d in reversed(node.get("details") or []):
            stack.append((d, inner))


def empty():
    return {"changed": set(), "added": set(), "removed": set(), "metadata": set()}


def reproscope_findings(doc, scopes):
    found = empty()
    for node, scope, q in visit(doc, scopes):
        # an archive's own root entry (".") comes as "root.*" fields of the archive's node: a
        # node around members, or a member that is a container
        root_scope = scope if q is None else (q if q in scopes else None)
        if root_scope is not None:
            root = {f["name"][5:] for f in node.get("fields") or []
                    if str(f.get("name", "")).startswith("root.")}
            if root:
                found["changed" if root - METADATA_FIELDS else "metadata"].add(
                    qualify(root_scope, "."))
        if q is None:
            continue
        change = node.get("change", "changed")
        if change in ("added", "removed"):
            found[change].add(q)
            continue
        # fields marked "derived" are consequences of other changes (a checksum, an offset
        # moved because an earlier member grew): not a change of this member
        fields = {f.get("name") for f in node.get("fields") or [] if not f.get("derived")}
        content = (node.get("unified_diff") or node.get("details") or node.get("byte_ranges")
                   or node.get("byte_range_count") or (fields - METADATA_FIELDS))
        found["changed" if content else "metadata"].add(q)
    return found


LIST_LINE = re.compile(r"^[-+][-dlcbps][-rwxsStT]{9}")


def is_listing(node):
    s = str(node.get("source1") or "")
    return s == "file list" or ("unsquashfs" in s and "-lls" in s)


def listed_name(line, paths):
    """The member a listing line (cpio -tv, libarchive, unsquashfs -lls) is about: the longest
    suffix of the line, after a space, that is a path of the scope (names may hold spaces;
    symlinks end in " -> target")."""
    body = line[1:]
    i = body.find(" ")
    while i >= 0:
        cand = body[i + 1:]
        for c in ((cand, cand.split(" -> ")[0]) if " -> " in cand else (cand,)):
            n = norm(c)
            if n and n in paths:
                return n
        i = body.find(" ", i + 1)
    return None


def diffoscope_findings(doc, scopes):
    found = empty()
    listed = {"-": set(), "+": set()}
    truncated = False
    for node, scope, q in visit(doc, scopes):
        if q is None:
            if is_listing(node):
                ud = node.get("unified_diff") or ""
                if re.search(r"^.?\[ \d+ lines? removed \]|^.?\[ Too much input for diff", ud, re.M):
                    truncated = True
                for line in ud.splitlines():
                    if LIST_LINE.match(line):
                        name = listed_name(line, scopes[scope])
                        if name:
                            listed[line[0]].add(qualify(scope, name))
            continue
        paths = scopes[scope]
        s1, s2 = norm(node.get("source1")), norm(node.get("source2"))
        if s1 in paths and s2 in paths or node.get("details") or node.get("unified_diff"):
            found["changed"].add(q)
    # A name listed on one side only is added/removed; the others only have metadata changes.
    found["removed"] = listed["-"] - listed["+"]
    found["added"] = listed["+"] - listed["-"]
    found["metadata"] = (listed["-"] & listed["+"]) - found["changed"]
    return found, truncated


def containers_of(names):
    """"a::b::c" -> {"a", "a::b"}"""
    out = set()
    for n in names:
        parts = n.split(SEP)
        for i in range(1, len(parts)):
            out.add(SEP.join(parts[:i]))
    return out


MAX_CAUSES = 8  # ranked causes plus derived ones: the summary is two or three lines each


def check_explanation(doc, manifest):
    """Problems with reproscope's ranked causes for this benchmark (empty when none)."""
    causes = doc.get("causes")
    if not isinstance(causes, list) or not causes:
        return ["no ranked causes in reproscope's JSON"]
    ids = [c.get("id") for c in causes]
    print("explanation: " + ", ".join(
        f"{c.get('id')} {c.get('count')}" + (" (derived)" if c.get("derived") else "")
        for c in causes))
    problems = []
    if ids[0] != "content":
        problems.append(f"the first cause is {ids[0]!r}, not the real changes ('content')")
    timestamps = [c for c in causes if c.get("id") == "timestamp"]
    if "mtime_shift_seconds" in manifest and (len(timestamps) != 1 or timestamps[0].get("derived")):
        problems.append("the mtime shift is not one 'timestamp' cause")
    rebuilt = [p for p in manifest.get("changed", []) if p.endswith("reproscope-bench-rebuilt")]
    build_ids = [c for c in causes if c.get("id") == "build-id"]
    if rebuilt and not (build_ids and all(c.get("derived") for c in build_ids)):
        problems.append("the rebuilt program's build IDs are not derived from its changed code")
    if len(causes) > MAX_CAUSES:
        problems.append(f"{len(causes)} causes: more than fit on one screen ({MAX_CAUSES})")
    return problems


def main():
    args = sys.argv[1:]
    summary_path = None
    if "--summary" in args:
        i = args.index("--summary")
        summary_path = args[i + 1] if i + 1 < len(args) else None
        del args[i:i + 2]
    if len(args) not in (2, 3) or "--summary" in sys.argv and not summary_path:
        print(__doc__, file=sys.stderr)
        return 2
    work, rjson = args[0], args[1]
    djson = args[2] if len(args) == 3 else None
    with open(os.path.join(work, "manifest.json")) as f:
        manifest = json.load(f)
    scopes = load_scopes(work, manifest)
    with open(rjson) as f:
        rdoc = json.load(f)
    r = reproscope_findings(rdoc, scopes)

    injected = {k: set(manifest[k]) for k in ("changed", "added", "removed")}
    all_injected = injected["changed"] | injected["added"] | injected["removed"]
    implied = containers_of(all_injected)
    missed = {k: sorted(injected[k] - r[k]) for k in injected}
    r_all = r["changed"] | r["added"] | r["removed"]
    extra = sorted(r_all - all_injected - implied)
    ok = not any(missed.values())

    def show(tool, found):
        print(f"  {tool:<11} changed {len(found['changed'])}, added {len(found['added'])}, "
              f"removed {len(found['removed'])}, metadata-only {len(found['metadata'])}")

    print("findings per tool (archive members" +
          (", names qualified by their container 'container::member'" if len(scopes) > 1 else "")
          + "):")
    print(f"  {'injected':<11} changed {len(injected['changed'])}, added {len(injected['added'])}, "
          f"removed {len(injected['removed'])}"
          + (f", containers holding them {len(implied)}" if implied else "")
          + ("" if "mtime_shift_seconds" not in manifest else
             ", metadata-only: every other member" +
             (" of " + ", ".join(manifest["mtime_shift_scopes"]) if "mtime_shift_scopes" in manifest
              else "") + " (mtime +1 day)"))
    show("reproscope", r)
    for k, v in missed.items():
        for p in v:
            print(f"  MISSED by reproscope ({k}): {p}")
    for p in extra:
        print(f"  reported by reproscope but not injected: {p}")

    summary = {"ok": None, "injected": len(all_injected),
               "reproscope_found": len(all_injected) - sum(len(v) for v in missed.values()),
               "reproscope_extra": len(extra), "diffoscope_found": None,
               "diffoscope_changed_missed_by_reproscope": None}
    d_count = "n/a"
    if djson and os.path.exists(djson) and os.path.getsize(djson) > 0:
        with open(djson) as f:
            d, truncated = diffoscope_findings(json.load(f), scopes)
        show("diffoscope", d)
        d_all = d["changed"] | d["added"] | d["removed"]
        d_count = len(d_all)
        if truncated:
            print("  (diffoscope's listing diff was cut short by its output limits: "
                  "its added/removed/metadata-only counts are a lower bound)")
        d_missed = []
        for k in ("changed", "added", "removed"):
            for p in sorted(injected[k] - d[k]):
                d_missed.append(p)
                found = "found by reproscope" if p in r[k] else "NOT found by reproscope either"
                print(f"  not reported by diffoscope ({k}): {p}   [{found}]")
        if d_missed:
            print(f"  injected changes diffoscope does not report: {len(d_missed)}, found by "
                  f"reproscope: {sum(1 for p in d_missed if p in r_all)}")
        d_only = sorted(d["changed"] - r_all)
        for p in d_only:
            print(f"  MISSED by reproscope, found changed by diffoscope: {p}")
        ok = ok and not d_only
        summary["diffoscope_found"] = len(all_injected) - len(d_missed)
        summary["diffoscope_changed"] = len(d["changed"])
        summary["diffoscope_changed_missed_by_reproscope"] = len(d_only)
        meta_only = sorted(d["metadata"] - r["metadata"] - r_all)
        if meta_only:
            shown = ", ".join(meta_only[:10]) + (" ..." if len(meta_only) > 10 else "")
            print(f"  metadata changes diffoscope lists and reproscope does not report "
                  f"({len(meta_only)}): {shown}")
        summary["diffoscope_metadata_not_in_reproscope"] = len(meta_only)
    elif djson:
        print(f"  diffoscope  no output ({djson} missing or empty)")

    problems = check_explanation(rdoc, manifest)
    for p in problems:
        print(f"  EXPLANATION: {p}")
    ok = ok and not problems
    summary["explanation_ok"] = not problems

    r_count = len(r_all)
    print(f"findings: reproscope {r_count}, diffoscope {d_count}, "
          f"all injected changes found by reproscope: {'yes' if not any(missed.values()) else 'no'}")
    summary["ok"] = ok
    if summary_path:
        with open(summary_path, "w") as f:
            json.dump(summary, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
