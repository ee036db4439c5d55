#!/usr/bin/python3
"""Run a revision graph and a command sequence through the migrate extension.

Same input and output as oracle.py (see there).  The PG* environment variables
(PGHOST, PGPORT, PGUSER, ...) must point at a server where CREATE EXTENSION
migrate works, e.g. inside `pg_virtualenv`.  Every run gets a fresh database
with a random name, dropped at the end (--keep keeps it and prints its name on
stderr).

Each revision is registered with migrate.revision(...), its scripts inserting
('upgrade'|'downgrade', id) into public.trace.  Each command runs in its own
transaction in one psql session:

    BEGIN; <migrate.upgrade/downgrade/stamp>; <read trace>; COMMIT;

and on error (psql's :ERROR variable) ROLLBACK, so a failing command leaves
nothing behind, like oracle.py's one SQLite transaction per command.
"steps" are the rows migrate.upgrade()/downgrade() return, in order; they
are cross-checked against the trace rows the scripts wrote ("trace" is added to
the result when the two differ).  For stamp, "steps" are the trace rows (there
must be none).  "version" is the content of migrate.version, sorted; when
migrate.current() says something else, "current" is added to the result, and
"stamp_returned" when stamp's result differs from the version table.

Only the Python 3 standard library and the psql client programs are used.
"""

import json
import os
import re
import secrets
import subprocess
import sys

SEP = "\x1f"  # psql field separator: cannot occur in ids


def lit(s):
    """A SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


def arr(items):
    """A text[] expression; '{}' for an empty list."""
    items = list(items or [])
    if not items:
        return "'{}'::text[]"
    return "ARRAY[%s]::text[]" % ", ".join(lit(i) for i in items)


def opt_arr(items):
    """NULL (the function's default) for an empty list, else a text[]."""
    return arr(items) if items else "NULL"


def trace_sql(op, rid):
    # dollar-quoted script; ids are [A-Za-z0-9_], so no quoting problems
    return ("$mig$INSERT INTO public.trace (op, rev) VALUES (%s, %s)$mig$"
            % (lit(op), lit(rid)))


def registration_sql(revisions):
    """One migrate.revision() call per revision, in registration order.

    down_revision is always an explicit array: '{}' for a root, since NULL
    means "on top of the current head" (README.md).
    """
    out = []
    for r in revisions:
        out.append(
            "SELECT migrate.revision(message => %s, upgrade => %s, "
            "downgrade => %s, id => %s, down_revision => %s, "
            "depends_on => %s, branch_labels => %s);"
            % (lit("m " + r["id"]), trace_sql("upgrade", r["id"]),
               trace_sql("downgrade", r["id"]), lit(r["id"]),
               arr(r.get("down")), opt_arr(r.get("deps")),
               opt_arr(r.get("labels"))))
    return "\n".join(out)


def command_sql(cmd):
    op = cmd["op"]
    if op == "upgrade":
        return ("SELECT revision, operation FROM migrate.upgrade(%s);"
                % lit(cmd["target"]))
    if op == "downgrade":
        return ("SELECT revision, operation FROM migrate.downgrade(%s);"
                % lit(cmd["target"]))
    if op == "stamp":
        targets = cmd.get("targets")
        if targets is None:
            targets = [cmd["target"]]
        purge = "true" if cmd.get("purge") else "false"
        if len(targets) == 1:  # exercise both overloads
            return ("SELECT * FROM migrate.stamp(%s, %s);"
                    % (lit(targets[0]), purge))
        return "SELECT * FROM migrate.stamp(%s, %s);" % (arr(targets), purge)
    raise ValueError("unknown op %r" % op)


def commands_script(commands):
    """The psql script for all commands, and the line of each command's
    query (psql prefixes its error messages with the input line)."""
    lines = []
    where = {}
    for i, cmd in enumerate(commands):
        lines += [
            "\\echo @@CMD %d" % i,
            "BEGIN;",
            "SELECT coalesce(max(id), 0) AS last FROM public.trace \\gset",
            "\\echo @@RESULT",
        ]
        where[len(lines) + 1] = i
        lines += [
            command_sql(cmd),
            "\\if :ERROR",
            "\\echo @@ERROR :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE",
            "ROLLBACK;",
            "\\else",
            "\\echo @@TRACE",
            "SELECT op, rev FROM public.trace WHERE id > :last ORDER BY id;",
            "COMMIT;",
            "\\if :ERROR",
            "\\echo @@ERROR :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE",
            "\\endif",
            "\\endif",
            "\\echo @@STAMPED",
            # what a stamp's targets resolved to: its log row names them
            ("SELECT revision FROM migrate.log WHERE operation = 'stamp' "
             "ORDER BY id DESC LIMIT 1;" if cmd["op"] == "stamp" else ""),
            "\\echo @@VERSION",
            "SELECT revision FROM migrate.version;",
            "\\echo @@CURRENT",
            "SELECT * FROM migrate.current();",
            "\\echo @@END",
        ]
    return "\n".join(lines) + "\n", where


def stderr_by_line(stderr):
    """{input line: [message lines]} from psql's stderr, whose messages
    start with "psql:<stdin>:LINE: " and continue with DETAIL/HINT lines."""
    out = {}
    cur = None
    for line in stderr.splitlines():
        m = re.match(r"^psql:[^:]*:(\d+): (.*)$", line)
        if m and m.group(2).startswith(("NOTICE:", "INFO:", "WARNING:",
                                         "LOG:", "DEBUG")):
            cur = None          # progress messages, not the error
        elif m:
            cur = out.setdefault(int(m.group(1)), [])
            cur.append(m.group(2).strip())
        elif cur is not None and line.startswith(("DETAIL:", "HINT:")):
            cur.append(line.strip())
    return out


# A statement running longer than this is a hang: the server cancels it
# (SQLSTATE 57014) and the result is marked as a crash, never as a failure
# that could agree with an Alembic error.  The whole psql run gets a hard
# limit on top.
STATEMENT_TIMEOUT = os.environ.get("MIGRATE_CMP_STATEMENT_TIMEOUT", "60s")
PSQL_TIMEOUT = int(os.environ.get("MIGRATE_CMP_PSQL_TIMEOUT", "900"))


def psql(db, script, stop_on_error):
    args = ["psql", "-X", "-q", "-A", "-t", "-F", SEP, "-d", db,
            "-v", "ON_ERROR_STOP=%d" % (1 if stop_on_error else 0),
            "-v", "VERBOSITY=verbose", "-f", "-"]
    env = dict(os.environ)
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") +
                        " -c statement_timeout=%s" % STATEMENT_TIMEOUT)
    try:
        return subprocess.run(args, input=script, capture_output=True,
                              text=True, env=env, timeout=PSQL_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(
            args, -1, (e.stdout or b"").decode() if isinstance(
                e.stdout, bytes) else (e.stdout or ""),
            "psql: timed out after %ss" % PSQL_TIMEOUT)


def error_text(stderr):
    """The ERROR line of psql's stderr, with DETAIL/HINT appended."""
    keep = []
    for line in stderr.splitlines():
        line = line.split(": ", 1)[1] if line.startswith("psql:") else line
        if line.startswith(("ERROR:", "DETAIL:", "HINT:", "FATAL:")):
            keep.append(line.strip())
    return " | ".join(keep) or stderr.strip()


def parse_sections(stdout):
    """Split the commands' output into one dict of sections per command."""
    cmds = []
    cur = None
    sec = None
    for line in stdout.split("\n"):
        if line.startswith("@@CMD "):
            cur = {}
            cmds.append(cur)
            sec = None
        elif line.startswith("@@") and cur is not None:
            word, _, rest = line[2:].partition(" ")
            sec = word
            cur[sec] = [rest] if word == "ERROR" else []
        elif cur is not None and sec is not None and line != "":
            cur[sec].append(line)
    return cmds


def pairs(lines):
    """Rows of two columns; anything else is a harness-visible problem."""
    out = []
    for l in lines:
        f = l.split(SEP)
        if len(f) != 2:
            raise ValueError("unexpected psql row %r" % l)
        out.append(f)
    return out


def build_result(cmd, sec):
    try:
        rows = (pairs(sec.get("RESULT", [])) if cmd["op"] != "stamp"
                else [[l] for l in sec.get("RESULT", [])])
        trace = pairs(sec.get("TRACE", []))
    except ValueError as e:
        return {"ok": False, "crash": True, "error": str(e), "version": []}
    version = sorted(sec.get("VERSION", []))
    current = sorted(sec.get("CURRENT", []))
    if "END" not in sec:
        return {"ok": False, "crash": True, "error": "psql stopped",
                "version": version}
    if "ERROR" in sec:
        res = {"ok": False, "error": "\n".join(sec["ERROR"]).strip()}
    elif cmd["op"] == "stamp":
        res = {"ok": True, "steps": [[o, r] for o, r in trace]}
        stamped = sec.get("STAMPED", [])
        res["stamped"] = stamped[-1].split(" ") if stamped else []
        if sorted(r[0] for r in rows) != version:
            res["stamp_returned"] = sorted(r[0] for r in rows)
    else:
        steps = [[o, r] for r, o in rows]
        res = {"ok": True, "steps": steps}
        if [[o, r] for o, r in trace] != steps:
            res["trace"] = [[o, r] for o, r in trace]
    res["version"] = version
    if current != version:
        res["current"] = current
    return res


def run(doc, keep=False):
    db = "migrate_cmp_" + secrets.token_hex(6)
    cp = subprocess.run(["createdb", db], capture_output=True, text=True)
    if cp.returncode != 0:
        raise RuntimeError("createdb failed: " + cp.stderr.strip())
    try:
        setup = ("CREATE EXTENSION migrate;\n"
                 "CREATE TABLE public.trace (id bigserial PRIMARY KEY, "
                 "op text NOT NULL, rev text NOT NULL);\n")
        cp = psql(db, setup, True)
        if cp.returncode != 0:
            raise RuntimeError("setup failed: " + error_text(cp.stderr))
        cp = psql(db, "BEGIN;\n" + registration_sql(doc["revisions"])
                  + "\nCOMMIT;\n", True)
        if cp.returncode != 0:
            err = "registration failed: " + error_text(cp.stderr)
            return [{"ok": False, "registration_error": True, "error": err,
                     "version": []} for _ in doc["commands"]]
        script, where = commands_script(doc["commands"])
        cp = psql(db, script, False)
        secs = parse_sections(cp.stdout)
        errs = {where[line]: msgs
                for line, msgs in stderr_by_line(cp.stderr).items()
                if line in where}
        results = []
        for i, cmd in enumerate(doc["commands"]):
            if i < len(secs):
                res = build_result(cmd, secs[i])
                if not res["ok"] and i in errs:
                    res["error"] = " | ".join(errs[i])
                if not res["ok"] and "57014" in res["error"]:
                    res["crash"] = True     # statement_timeout: a hang
                results.append(res)
            else:
                results.append({"ok": False, "crash": True,
                                "error": "psql stopped: "
                                + error_text(cp.stderr)[-500:],
                                "version": []})
        return results
    finally:
        if keep:
            sys.stderr.write("kept database %s\n" % db)
        else:
            subprocess.run(["dropdb", "--if-exists", "--force", db],
                           capture_output=True, text=True)


def main():
    keep = "--keep" in sys.argv[1:]
    doc = json.load(sys.stdin)
    results = run(doc, keep=keep)
    sys.stdout.write("[\n")
    sys.stdout.write(",\n".join(" " + json.dumps(r) for r in results))
    sys.stdout.write("\n]\n")


if __name__ == "__main__":
    main()
