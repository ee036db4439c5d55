#!/usr/bin/python3
"""Differential test: random revision graphs and commands, Alembic vs migrate.

    compare.py [--seed S] [--cases N] [--case K] [--doc FILE]
               [--oracle-only | --dump | --alembic-crashes]
               [--known-differences {skip,strict}] [--shrink]
               [--avoid REGEX ...] [-v]

Case K of seed S is generated from random.Random("S:K"), so a failure printed
as "case S:K" is rerun with `--seed S --case K`.  Each case is a random graph
(registration order = a topological order) and a random command sequence; the
same JSON document goes to oracle.py (real Alembic 1.8.1 on SQLite) and to
migrate_side.py (the extension through psql, PG* environment variables).
Per command: both failed = agree (messages are not compared); both succeeded
= steps and version table must be equal.  The first disagreement in a case is
printed with the graph, the command history and both outputs; the rest of
that case is not compared (the states have diverged).  Exit status 1 on any
mismatch.

Deliberate differences (docs/semantics.md, rules marked "**migrate:**")
and Alembic behaviour that is not deterministic are handled as follows:

  AVOIDED by the generator (never produced):
  - duplicate revision ids: Alembic warns and keeps both, migrate refuses
    (42710).  Ids are unique, and never equal a branch label.
  - unknown or partial depends_on / down revisions: Alembic fails late with
    a KeyError, migrate refuses at registration (42704).  Every down revision
    and dependency names an earlier registered revision (or its label).
  - a merge listing a parent that is a (down-revision) ancestor of another
    parent: 1.8.1 leaves the redundant ancestor in the version table when
    downgrading below the merge, migrate follows 1.19.1.  Merge parents are
    pairwise unrelated, through down revisions and depends_on alike: when
    the relation goes through depends_on, or when a merge's own depends_on
    names an ancestor or a descendant of one of its parents, 1.8.1 does
    not even run (a KeyError in MigrationContext._update_version or
    _delete_version when the merge step is applied), the same
    redundant-parent family.
  - two or more depends_on entries on one revision: not a documented
    difference, but Alembic 1.8.1 keeps the normalised dependencies in a
    set (RevisionMap._normalize_depends_on: tuple(set(...))), so their order
    -- and with it _topological_sort's execution order -- depends on the
    Python hash seed.  There is no single right answer to compare with, so
    a revision gets at most one depends_on.
  - broken graphs (cycles, bad characters, duplicate labels, a label equal
    to an id), "head"/"heads"/"base"/"current" as ids or labels.

  UNJUDGED at comparison time (--known-differences skip, the default):
  - Alembic fails with an internal error instead of a refusal (a bare
    KeyError or AssertionError from alembic/script/revision.py or
    runtime/migration.py -- oracle.py marks these with "crash_site"; seen
    with `upgrade id+N`/`id-N` walking past either end, `downgrade
    label@-N` on an empty table, stamp targets repeating or sharing a
    lineage with each other or with the current rows).  Alembic has no
    answer there, so when migrate succeeds the command is not judged and
    the rest of the case is skipped; when migrate refuses too, they agree.
    `--alembic-crashes` lists the crash sites with shrunk reproductions,
    for deciding (and documenting) what migrate does instead.

  CLASSIFIED at comparison time (--known-differences skip, the default):
  - a downgrade after which Alembic's version table holds a row that is an
    ancestor of another row, and migrate's table is Alembic's without such
    rows (same steps): the redundant-parent difference again.  1.8.1's
    RevisionStep._unmerge_to_revisions writes back every down revision and
    dependency of the removed revision; 1.19.1 drops those that are
    ancestors of the others.  Besides merges (avoided above) this happens
    with a depends_on naming an ancestor, which the generator does produce:
    `a <- b <- c (depends_on a)`, [c] + `downgrade b` leaves [a, b] in 1.8.1
    and [b] in 1.19.1/migrate.  The rest of the case is skipped.
  - a stamp after which Alembic's version table lacks one of the stamp's
    own targets, and migrate's table is Alembic's plus those targets (the
    targets resolved as migrate's log row of the stamp names them): Alembic
    replaces every row in the lineage of any target by each target in
    turn, migrate never removes a target (docs/semantics.md, stamp).  The
    rest of the case is skipped.
  - `-N` (no label, no revision) while the version table holds several
    rows: Alembic warns and walks down from whichever row the database
    returns first, migrate refuses (55000).  migrate must fail; what Alembic
    did is not compared, and the rest of the case is skipped because the
    states may differ.

  With --known-differences strict nothing is classified or unjudged: every
  command is compared as it is.
"""

import argparse
import json
import os
import random
import re
import string
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the source tree

RESERVED = {"head", "heads", "base", "current"}
ALNUM = string.ascii_lowercase + string.digits
LABEL_WORDS = ["left", "right", "feat", "auth", "core", "api", "lib", "data",
               "ui", "x", "y", "lb", "rb", "main", "ext", "ops"]


# ---------------------------------------------------------------- graph --

def gen_id(rng, used):
    """4-8 lowercase alnum chars, sometimes 1-3, sometimes sharing a prefix
    with an existing id so that prefix resolution has something to do."""
    while True:
        r = rng.random()
        if r < 0.15:
            s = "".join(rng.choice(ALNUM) for _ in range(rng.randint(1, 3)))
        elif r < 0.40 and used:
            base = rng.choice(sorted(used))
            keep = base[:rng.randint(1, min(4, len(base)))]
            s = keep + "".join(rng.choice(ALNUM)
                               for _ in range(rng.randint(1, 4)))
            s = s[:8]
            if len(s) < 4:
                continue
        else:
            s = "".join(rng.choice(ALNUM) for _ in range(rng.randint(4, 8)))
        if s not in used and s not in RESERVED:
            return s


def gen_label(rng, used):
    while True:
        if rng.random() < 0.7:
            s = rng.choice(LABEL_WORDS)
            if s in used:
                s += rng.choice(ALNUM)
        else:
            s = "".join(rng.choice(string.ascii_lowercase)
                        for _ in range(rng.randint(2, 6)))
        if s not in used and s not in RESERVED:
            return s


class Graph:
    """Registration-ordered revisions plus ancestor sets for the generator."""

    def __init__(self):
        self.revs = []          # dicts as in the JSON document
        self.by_id = {}
        self.anc = {}           # id -> set of down-revision ancestors
        self.full_anc = {}      # id -> ancestors through down + depends_on
        self.children = {}

    def add(self, rid, down, deps, labels):
        r = {"id": rid, "down": down, "deps": deps, "labels": labels}
        self.revs.append(r)
        self.by_id[rid] = r
        a = set()
        fa = set()
        for d in down:
            a |= {d} | self.anc[d]
            fa |= {d} | self.full_anc[d]
            self.children.setdefault(d, []).append(rid)
        for d in deps:
            d = self.resolve(d)
            fa |= {d} | self.full_anc[d]
        self.anc[rid] = a
        self.full_anc[rid] = fa
        self.children.setdefault(rid, [])

    def resolve(self, name):
        if name in self.by_id:
            return name
        for r in self.revs:
            if name in r["labels"]:
                return r["id"]
        raise KeyError(name)

    def heads(self):
        return [r["id"] for r in self.revs if not self.children[r["id"]]]

    def labels(self):
        return [l for r in self.revs for l in r["labels"]]


def gen_graph(rng):
    g = Graph()
    used = set()
    n = rng.randint(5, 40)
    p_root = rng.choice([0.0, 0.04, 0.1])
    p_merge = rng.choice([0.05, 0.15, 0.3])
    p_branch = rng.choice([0.1, 0.3, 0.5])
    p_dep = rng.choice([0.0, 0.08, 0.2])
    p_label = rng.choice([0.1, 0.25])
    for i in range(n):
        rid = gen_id(rng, used)
        used.add(rid)
        heads = g.heads()
        down = []
        if i == 0 or rng.random() < p_root:
            down = []
        elif len(heads) >= 2 and rng.random() < p_merge:
            # 2-3 parents, pairwise unrelated (AVOIDED: redundant parent)
            k = min(len(heads), rng.choice([2, 2, 2, 3]))
            pool = heads[:] if rng.random() < 0.7 else [
                r["id"] for r in g.revs]
            rng.shuffle(pool)
            for c in pool:
                if len(down) == k:
                    break
                if all(c not in g.full_anc[p] and p not in g.full_anc[c]
                       for p in down):
                    down.append(c)
            if len(down) < 2:
                down = [rng.choice(heads)]
        elif rng.random() < p_branch:
            down = [rng.choice(g.revs)["id"]]
        else:
            down = [rng.choice(heads) if rng.random() < 0.5
                    else g.revs[-1]["id"]]
        deps = []
        if i > 0 and rng.random() < p_dep:
            # one dependency (AVOIDED: several), mostly a non-ancestor;
            # sometimes an ancestor ("harmless"), but on a merge never an
            # ancestor or a descendant of a parent (AVOIDED: Alembic 1.8.1
            # crashes with a KeyError in _update_version/_delete_version,
            # the redundant-parent family)
            cand = [r["id"] for r in g.revs
                    if r["id"] not in down and
                    not any(r["id"] in g.full_anc[d] for d in down) and
                    (len(down) < 2 or
                     not any(d in g.full_anc[r["id"]] for d in down))]
            if len(down) < 2 and (rng.random() < 0.15 or not cand):
                cand = [r["id"] for r in g.revs if r["id"] not in down]
            if cand:
                d = rng.choice(cand)
                labs = g.by_id[d]["labels"]
                if labs and rng.random() < 0.4:
                    d = rng.choice(labs)   # depends_on may name a label
                deps = [d]
        labels = []
        if rng.random() < p_label:
            for _ in range(1 if rng.random() < 0.85 else 2):
                lab = gen_label(rng, used)
                used.add(lab)
                labels.append(lab)
        g.add(rid, down, deps, labels)
    return g


# ------------------------------------------------------------- commands --

def unique_prefix(rng, name, g):
    """A prefix of name that resolves to it alone, or None.

    Candidates are ids and labels longer than 3 chars (docs/semantics.md);
    the exact name itself must not be produced (that is the full-id case).
    """
    names = [r["id"] for r in g.revs] + g.labels()
    if len(name) <= 3:
        return None
    options = []
    for k in range(1, len(name)):
        p = name[:k]
        if p in names:
            continue
        cands = [x for x in names if len(x) > 3 and x.startswith(p)]
        if cands == [name]:
            options.append(p)
    return rng.choice(options) if options else None


def ambiguous_prefix(g):
    names = sorted(x for x in [r["id"] for r in g.revs] + g.labels()
                   if len(x) > 3)
    for a, b in zip(names, names[1:]):
        k = 0
        while k < min(len(a), len(b)) and a[k] == b[k]:
            k += 1
        if k >= 1 and a[:k] not in names and a[:k] not in RESERVED:
            return a[:k]
    return None


def gen_target(rng, g, allow_relative=True):
    ids = [r["id"] for r in g.revs]
    labels = g.labels()
    n = rng.choice([1, 1, 1, 2, 2, 3])
    kinds = ["heads", "head", "base", "id", "id", "id", "prefix"]
    if labels:
        kinds += ["label@head", "label@base", "label", "label@id"]
    if allow_relative:
        kinds += ["+N", "-N", "id+N", "id-N", "head-N", "base+N"]
        if labels:
            kinds += ["label@+N", "label@-N", "label@+N", "label@-N"]
    kind = rng.choice(kinds)
    if kind in ("heads", "head", "base"):
        return kind
    if kind == "id":
        return rng.choice(ids)
    if kind == "prefix":
        if rng.random() < 0.1:
            amb = ambiguous_prefix(g)
            if amb:
                return amb
        for _ in range(5):
            p = unique_prefix(rng, rng.choice(ids + labels), g)
            if p:
                return p
        return rng.choice(ids)
    if kind == "label":
        return rng.choice(labels)
    if kind == "label@head":
        return rng.choice(labels) + "@head"
    if kind == "label@base":
        return rng.choice(labels) + "@base"
    if kind == "label@id":
        return rng.choice(labels) + "@" + rng.choice(ids)
    if kind == "+N":
        return "+%d" % n
    if kind == "-N":
        return "-%d" % n
    if kind == "id+N":
        return "%s+%d" % (rng.choice(ids), n)
    if kind == "id-N":
        return "%s-%d" % (rng.choice(ids), n)
    if kind == "head-N":
        return "head-%d" % n
    if kind == "base+N":
        return "base+%d" % n
    if kind == "label@+N":
        return "%s@+%d" % (rng.choice(labels), n)
    if kind == "label@-N":
        return "%s@-%d" % (rng.choice(labels), n)
    raise AssertionError(kind)


def gen_commands(rng, g):
    cmds = []
    if rng.random() < 0.6:   # start from an interesting state
        cmds.append({"op": "upgrade",
                     "target": rng.choice(["heads", rng.choice(g.revs)["id"]])})
    for _ in range(rng.randint(3, 12)):
        r = rng.random()
        if r < 0.45:
            cmds.append({"op": "upgrade", "target": gen_target(rng, g)})
        elif r < 0.80:
            cmds.append({"op": "downgrade", "target": gen_target(rng, g)})
        else:
            k = rng.choice([1, 1, 1, 2, 3])
            targets = [gen_target(rng, g, allow_relative=rng.random() < 0.1)
                       for _ in range(k)]
            cmds.append({"op": "stamp", "targets": targets,
                         "purge": rng.random() < 0.2})
    return cmds


def gen_case(seed, case):
    rng = random.Random("%s:%s" % (seed, case))
    g = gen_graph(rng)
    return {"revisions": g.revs, "commands": gen_commands(rng, g)}


# ------------------------------------------------------------ comparing --

BARE_MINUS = re.compile(r"^-\d+$")


def known_difference(cmd, version_before, mig):
    """Name of the documented deliberate difference this command hits."""
    if (cmd["op"] in ("upgrade", "downgrade")
            and BARE_MINUS.match(cmd["target"])
            and len(version_before) > 1):
        return "-N with several current heads (migrate refuses)"
    return None


def full_ancestors(doc):
    """id -> ancestors through down revisions and depends_on (labels
    resolved), as 1.19.1's _get_ancestor_nodes sees them."""
    label_of = {l: r["id"] for r in doc["revisions"] for l in r["labels"]}
    anc = {}
    for r in doc["revisions"]:
        a = set()
        for d in r["down"] + [label_of.get(x, x) for x in r.get("deps", [])]:
            a |= {d} | anc.get(d, set())
        anc[r["id"]] = a
    return anc


def without_redundant_rows(doc, version):
    """The version rows minus those that are ancestors of another row."""
    anc = full_ancestors(doc)
    return sorted(v for v in version
                  if not any(v in anc.get(w, ()) for w in version if w != v))


def compare_results(doc, ora, mig, strict):
    """Return (status, index, reason); status pass|fail|known|unjudged."""
    version_before = []
    for i, cmd in enumerate(doc["commands"]):
        o = ora[i]
        m = mig[i]
        if m.get("crash") or m.get("registration_error"):
            return "fail", i, "migrate side: " + m["error"]
        if not strict:
            kd = known_difference(cmd, version_before, m)
            if kd:
                if m["ok"]:
                    return "fail", i, "expected migrate to refuse: " + kd
                return "known", i, kd
            if "crash_site" in o and m["ok"]:
                return "unjudged", i, "alembic crashed at " + o["crash_site"]
        if not o["ok"] and not m["ok"]:
            pass
        elif o["ok"] != m["ok"]:
            return "fail", i, ("only alembic failed" if m["ok"]
                               else "only migrate failed")
        elif o["steps"] != m["steps"]:
            return "fail", i, "different steps"
        elif o["version"] != m["version"]:
            if (not strict and cmd["op"] == "downgrade"
                    and without_redundant_rows(doc, o["version"])
                    == m["version"]):
                # CLASSIFIED: 1.8.1's RevisionStep._unmerge_to_revisions
                # keeps every down revision + dependency of a removed
                # revision, even one that is an ancestor of another row
                # (a merge's redundant parent, or a depends_on naming an
                # ancestor); 1.19.1 drops those and migrate follows it
                return "known", i, ("1.8.1 leaves a redundant ancestor "
                                    "row (migrate follows 1.19.1)")
            extra = set(m["version"]) - set(o["version"])
            if (not strict and cmd["op"] == "stamp"
                    and set(o["version"]) <= set(m["version"])
                    and extra <= set(m.get("stamped", []))):
                # CLASSIFIED: Alembic replaces every row in the lineage of
                # any target by each target in turn, and can drop a target
                # it wrote a moment before; migrate keeps every target
                # (docs/semantics.md, stamp)
                return "known", i, ("stamp: Alembic drops a target from the "
                                    "version table, migrate keeps every target")
            return "fail", i, "different version table"
        for key in ("trace", "stamp_returned"):
            if key in m:
                return "fail", i, "migrate inconsistent: %s" % key
        if o["version"] != m["version"]:
            return "fail", i, "different version table after failure"
        version_before = o["version"]
    return "pass", None, None


def fmt_graph(doc):
    lines = []
    for r in doc["revisions"]:
        s = "  %-10s <- %s" % (r["id"], ", ".join(r["down"]) or "(base)")
        if r.get("deps"):
            s += "   depends_on: " + ", ".join(r["deps"])
        if r.get("labels"):
            s += "   labels: " + ", ".join(r["labels"])
        lines.append(s)
    return "\n".join(lines)


def fmt_cmd(cmd):
    if cmd["op"] == "stamp":
        return "stamp %s%s" % (" ".join(cmd["targets"]),
                               " (purge)" if cmd.get("purge") else "")
    return "%s %s" % (cmd["op"], cmd["target"])


def fmt_res(r):
    if r is None:
        return "-"
    if r["ok"]:
        s = "ok steps=[%s] version=%s" % (
            " ".join(("+" if o == "upgrade" else "-") + rid
                     for o, rid in r["steps"]), r["version"])
    else:
        s = "FAILED %s version=%s" % (r["error"].replace("\n", " "),
                                       r["version"])
    extra = {k: v for k, v in r.items()
             if k not in ("ok", "steps", "version", "error")}
    if extra:
        s += " " + json.dumps(extra)
    return s


def report(title, doc, ora, mig, upto, reason):
    print("=" * 78)
    print("%s: command %d (%s): %s" % (title, upto + 1,
                                       fmt_cmd(doc["commands"][upto]),
                                       reason))
    print("graph (registration order):")
    print(fmt_graph(doc))
    print("commands:")
    for i, cmd in enumerate(doc["commands"][:upto + 1]):
        print("  %2d. %s" % (i + 1, fmt_cmd(cmd)))
        print("      alembic: %s" % fmt_res(ora[i]))
        if mig is not None:
            print("      migrate: %s" % fmt_res(mig[i]))
    print("document: " + json.dumps(doc))


def run_both(doc):
    import oracle
    import migrate_side
    return oracle.run(doc), migrate_side.run(doc)


def mismatch_predicate(strict, reason0):
    """For shrink(): does the document still show the same kind of
    mismatch (same reason up to the first colon)?"""
    kind = reason0.split(":")[0]

    def still_fails(doc):
        if not doc["commands"]:
            return None
        ora, mig = run_both(doc)
        status, idx, reason = compare_results(doc, ora, mig, strict)
        if status == "fail" and reason.split(":")[0] == kind:
            return ora, mig, idx, reason
        return None
    return still_fails


def crash_predicate(site, op):
    """For shrink(): does Alembic still crash at site in an op command?"""
    import oracle

    def still_fails(doc):
        if not doc["commands"]:
            return None
        ora = oracle.run(doc)
        for i, o in enumerate(ora):
            if (o.get("crash_site") == site
                    and doc["commands"][i]["op"] == op):
                return ora, None, i, "alembic crashed at " + site
        return None
    return still_fails


def referenced(doc):
    """Names used by commands, down revisions and dependencies."""
    names = set()
    for r in doc["revisions"]:
        names.update(r["down"])
        names.update(r.get("deps", []))
    for c in doc["commands"]:
        for t in c.get("targets") or [c.get("target")]:
            names.update(re.split(r"[@+\-]", t))
            names.add(t)
    return names


def valid_doc(doc):
    """Every down revision / dependency names an earlier revision or label."""
    seen = set()
    for r in doc["revisions"]:
        if any(d not in seen for d in r["down"] + r.get("deps", [])):
            return False
        seen.add(r["id"])
        seen.update(r["labels"])
    return True


def shrink(doc, idx, predicate):
    """Greedy reduction: drop commands, revisions and labels while the case
    still shows a mismatch."""
    def still_fails(trial):
        return predicate(trial) if valid_doc(trial) else None

    doc = {"revisions": [dict(r) for r in doc["revisions"]],
           "commands": doc["commands"][:idx + 1]}
    changed = True
    while changed:
        changed = False
        # commands, the failing one included (an earlier one may fail too)
        i = 0
        while i < len(doc["commands"]):
            trial = {"revisions": doc["revisions"],
                     "commands": doc["commands"][:i] + doc["commands"][i + 1:]}
            res = still_fails(trial)
            if res:
                doc = trial
                doc["commands"] = doc["commands"][:res[2] + 1]
                changed = True
            else:
                i += 1
        # revisions nothing refers to (from the newest)
        for rid in reversed([x["id"] for x in doc["revisions"]]):
            r = next(x for x in doc["revisions"] if x["id"] == rid)
            names = referenced(doc)
            if r["id"] in names or any(l in names for l in r["labels"]):
                continue
            trial = {"revisions": [x for x in doc["revisions"]
                                   if x["id"] != rid],
                     "commands": doc["commands"]}
            res = still_fails(trial)
            if res:
                doc = trial
                doc["commands"] = doc["commands"][:res[2] + 1]
                changed = True
        # splice out a revision commands do not name: its children take
        # its down revisions (only where every child has a single parent,
        # so no merge gets a duplicate or redundant parent)
        for rid in [x["id"] for x in doc["revisions"]]:
            r = next(x for x in doc["revisions"] if x["id"] == rid)
            cmd_names = set()
            for c in doc["commands"]:
                for t in c.get("targets") or [c.get("target")]:
                    cmd_names.update(re.split(r"[@+\-]", t))
                    cmd_names.add(t)
            if r["id"] in cmd_names or any(l in cmd_names or
                                           any(l in x.get("deps", [])
                                               for x in doc["revisions"])
                                           for l in r["labels"]):
                continue
            kids = [x for x in doc["revisions"] if r["id"] in x["down"]]
            if any(len(k["down"]) != 1 for k in kids) or len(r["down"]) > 1:
                continue
            revs = []
            for x in doc["revisions"]:
                if x["id"] == rid:
                    continue
                nx = dict(x)
                if r["id"] in x["down"]:
                    nx["down"] = list(r["down"])
                if r["id"] in x.get("deps", []):
                    nx["deps"] = [d for d in x["deps"] if d != r["id"]]
                revs.append(nx)
            trial = {"revisions": revs, "commands": doc["commands"]}
            res = still_fails(trial)
            if res:
                doc = trial
                doc["commands"] = doc["commands"][:res[2] + 1]
                changed = True
        # labels and dependencies nobody names
        for pos, r in enumerate(doc["revisions"]):
            for key in ("labels", "deps"):
                for v in list(r.get(key, [])):
                    if key == "labels" and v in referenced(doc):
                        continue
                    nr = dict(r)
                    nr[key] = [x for x in r[key] if x != v]
                    revs = list(doc["revisions"])
                    revs[pos] = nr
                    trial = {"revisions": revs, "commands": doc["commands"]}
                    res = still_fails(trial)
                    if res:
                        doc = trial
                        doc["commands"] = doc["commands"][:res[2] + 1]
                        r = nr
                        changed = True
    ora, mig, idx, reason = still_fails(doc)
    return doc, ora, mig, idx, reason


def list_alembic_crashes(cases):
    """Group Alembic's internal errors by site; shrink one case per site."""
    import oracle
    sites = {}
    for name, doc in cases:
        for i, o in enumerate(oracle.run(doc)):
            if "crash_site" in o:
                key = (o["crash_site"], doc["commands"][i]["op"])
                sites.setdefault(key, []).append((name, doc, i))
                break       # later commands depend on this one
    for (site, op), hits in sorted(sites.items(), key=lambda kv: -len(kv[1])):
        name, doc, i = min(hits, key=lambda h: (len(h[1]["revisions"]), h[2]))
        sdoc, sora, _, sidx, reason = shrink(doc, i, crash_predicate(site, op))
        report("alembic crash at %s in %s (%d cases, e.g. %s), shrunk"
               % (site, op, len(hits), name), sdoc, sora, None, sidx, reason)
    print("%d crash sites in %d cases" % (len(sites),
                                          sum(len(h) for h in sites.values())))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", default="1")
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--case", type=int, help="run only this case number")
    ap.add_argument("--doc", help="compare this JSON document (or these, "
                    "one per line) instead")
    ap.add_argument("--oracle-only", action="store_true",
                    help="run Alembic only and print its results")
    ap.add_argument("--dump", action="store_true",
                    help="print the generated documents, run nothing")
    ap.add_argument("--known-differences", choices=["skip", "strict"],
                    default="skip",
                    help="skip: classify documented deliberate differences "
                         "(default); strict: compare them too")
    ap.add_argument("--shrink", action="store_true",
                    help="reduce each mismatch to a smaller reproduction")
    ap.add_argument("--alembic-crashes", action="store_true",
                    help="Alembic only: list its internal errors by crash "
                         "site, each with a shrunk reproduction")
    ap.add_argument("--avoid", action="append", default=[], metavar="REGEX",
                    help="leave out commands whose text (e.g. 'stamp x@head "
                         "(purge)', 'downgrade -1') matches; repeatable")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    strict = args.known_differences == "strict"

    if args.doc:
        # one JSON document, or one per line (e.g. grep '^document:' output)
        with open(args.doc) as f:
            text = f.read()
        try:
            docs = [json.loads(text)]
        except ValueError:
            docs = [json.loads(l.split("document: ", 1)[-1])
                    for l in text.splitlines() if l.strip()]
        cases = [("doc%d" % k, d) for k, d in enumerate(docs)]
    elif args.case is not None:
        cases = [("%s:%d" % (args.seed, args.case),
                  gen_case(args.seed, args.case))]
    else:
        cases = [("%s:%d" % (args.seed, k), gen_case(args.seed, k))
                 for k in range(args.cases)]

    if args.avoid:
        # drop generated commands matching a pattern (e.g. a known migrate
        # bug being fixed), so that the run looks for other disagreements
        pats = [re.compile(p) for p in args.avoid]
        for _, doc in cases:
            doc["commands"] = [c for c in doc["commands"]
                               if not any(p.search(fmt_cmd(c)) for p in pats)]

    if args.dump:
        for name, doc in cases:
            print("# case %s" % name)
            print(json.dumps(doc))
        return 0

    import oracle
    if args.alembic_crashes:
        return list_alembic_crashes(cases)

    passed = failed = known = 0
    unjudged = {}
    known_reasons = {}
    current_notes = []
    for name, doc in cases:
        if args.oracle_only:
            ora = oracle.run(doc)
            report("case %s (oracle only)" % name, doc, ora, None,
                   len(doc["commands"]) - 1, "")
            passed += 1
            continue
        try:
            ora, mig = run_both(doc)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("=" * 78)
            print("case %s: harness error %s" % (name, e))
            traceback.print_exc(file=sys.stdout)
            print("document: " + json.dumps(doc))
            continue
        status, idx, reason = compare_results(doc, ora, mig, strict)
        for i, m in enumerate(mig):
            if "current" in m and (idx is None or i <= idx):
                current_notes.append((name, i, m))
        if status == "pass":
            passed += 1
            if args.verbose:
                print("case %s: ok (%d revisions, %d commands)"
                      % (name, len(doc["revisions"]), len(doc["commands"])))
        elif status == "unjudged":
            unjudged.setdefault(reason, []).append("%s#%d" % (name, idx + 1))
            passed += 1
            if args.verbose:
                print("case %s: ok up to command %d, then %s"
                      % (name, idx + 1, reason))
        elif status == "known":
            known_reasons[reason] = known_reasons.get(reason, 0) + 1
            known += 1
            passed += 1
            if args.verbose:
                print("case %s: ok up to command %d, then known difference: %s"
                      % (name, idx + 1, reason))
        else:
            failed += 1
            report("MISMATCH case %s" % name, doc, ora, mig, idx, reason)
            if args.shrink:
                sdoc, sora, smig, sidx, sreason = shrink(
                    doc, idx, mismatch_predicate(strict, reason))
                report("  shrunk case %s" % name, sdoc, sora, smig, sidx,
                       sreason)
        sys.stdout.flush()
    if current_notes:
        # current() is "the version table, sorted" (README.md); not counted
        # as a failure because Alembic's `current` also lists dependencies
        # as effective heads (docs/semantics.md, depends_on).
        name, i, m = current_notes[0]
        print("note: migrate.current() differed from migrate.version after "
              "%d commands, e.g. case %s command %d: version=%s current=%s"
              % (len(current_notes), name, i + 1, m["version"], m["current"]))
    for reason, where in sorted(unjudged.items()):
        print("(%d cases stopped where %s and migrate succeeded, e.g. %s)"
              % (len(where), reason, ", ".join(where[:3])))
    for reason, n in sorted(known_reasons.items()):
        print("(%d cases stopped at a documented deliberate difference: %s)"
              % (n, reason))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
