#!/usr/bin/python3
"""Run a revision graph and a command sequence through real Alembic.

Input (stdin, JSON):
    {"revisions": [{"id": "a1", "down": [...], "deps": [...], "labels": [...]},
                   ...],                       # registration order
     "commands": [{"op": "upgrade", "target": "heads"},
                  {"op": "downgrade", "target": "base"},
                  {"op": "stamp", "targets": ["x", "y"], "purge": false}, ...]}

Output (stdout, JSON): one element per command,
    {"ok": true, "steps": [["upgrade", "a1"], ...], "version": [...]}
    {"ok": false, "error": "<class>: <message>", "version": [...]}
"version" is the sorted alembic_version content after the command.

How the script directory reproduces the registration order: Alembic 1.8.1 lists
each version location with a bare os.listdir() (file system order; newer
releases sort the names), and the revision map keeps the order in which the
files were loaded.  Every revision therefore gets a directory of its own
(v0000, v0001, ...) and version_locations lists those directories in
registration order, which _load_revisions walks in order.  The file names
carry the same zero-padded index too, so a release that sorts names within
one directory would agree.

Every command runs inside one SQLite transaction (the pysqlite "real
transactions" recipe: no implicit BEGIN/COMMIT by the driver, an explicit
BEGIN when SQLAlchemy starts a transaction), exactly like a migrate.upgrade()
call inside one PostgreSQL transaction.  A failing command is rolled back, so
the version table and the trace table are left as they were.

Use /usr/bin/python3: Debian's alembic lives in /usr/lib/python3/dist-packages.
"""

import json
import os
import shutil
import sys
import tempfile
import traceback
import warnings

try:
    import alembic  # noqa: F401
except ImportError:  # e.g. a pyenv python3 first in PATH
    sys.path.append("/usr/lib/python3/dist-packages")

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy import create_engine, event  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

ENV_PY = '''\
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
'''

REVISION_PY = '''\
from alembic import op

revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {deps!r}


def upgrade():
    op.execute("INSERT INTO trace (op, rev) VALUES ('upgrade', '{rev}')")


def downgrade():
    op.execute("INSERT INTO trace (op, rev) VALUES ('downgrade', '{rev}')")
'''


def _scalar_or_tuple(items):
    """None for no items, the string for one, a tuple (given order) else."""
    items = list(items or [])
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return tuple(items)


def write_script_dir(root, revisions):
    """Create <root>/script (env.py) and one version directory per revision.

    Returns the list of version directories in registration order.
    """
    script = os.path.join(root, "script")
    # the default location too, used when there are no revisions at all
    os.makedirs(os.path.join(script, "versions"))
    with open(os.path.join(script, "env.py"), "w") as f:
        f.write(ENV_PY)
    locations = []
    for i, r in enumerate(revisions):
        d = os.path.join(root, "versions", "v%04d" % i)
        os.makedirs(d)
        body = REVISION_PY.format(
            rev=r["id"],
            down=_scalar_or_tuple(r.get("down")),
            labels=_scalar_or_tuple(r.get("labels")),
            deps=_scalar_or_tuple(r.get("deps")),
        )
        with open(os.path.join(d, "r%04d_%s.py" % (i, r["id"])), "w") as f:
            f.write(body)
        locations.append(d)
    return script, locations


def _make_engine(path):
    engine = create_engine("sqlite:///" + path, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _no_pysqlite_transactions(dbapi_conn, rec):
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")

    return engine


def _read_version(conn):
    exists = conn.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
        "AND name = 'alembic_version'").scalar()
    if not exists:
        return []
    return sorted(row[0] for row in conn.exec_driver_sql(
        "SELECT version_num FROM alembic_version"))


def _run_command(cfg, cmd):
    op = cmd["op"]
    if op == "upgrade":
        command.upgrade(cfg, cmd["target"])
    elif op == "downgrade":
        command.downgrade(cfg, cmd["target"])
    elif op == "stamp":
        targets = cmd.get("targets")
        if targets is None:
            targets = [cmd["target"]]
        # alembic stamp takes a string or a list (`alembic stamp a b`)
        rev = targets[0] if len(targets) == 1 else list(targets)
        command.stamp(cfg, rev, purge=bool(cmd.get("purge", False)))
    else:
        raise ValueError("unknown op %r" % op)


def is_alembic_error(e):
    """True for Alembic's own refusals (CommandError, RevisionError and
    subclasses), False for internal errors such as a bare KeyError or an
    AssertionError inside alembic/script/revision.py."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError
    return isinstance(e, (CommandError, RevisionError))


def crash_site(e):
    """file:line function of the innermost alembic frame of e."""
    tb = traceback.extract_tb(e.__traceback__)
    frames = [f for f in tb if "alembic" in f.filename] or tb
    f = frames[-1]
    return "%s:%d %s" % (os.path.basename(f.filename), f.lineno, f.name)


def run(doc):
    """Run doc["commands"] against doc["revisions"]; return the result list."""
    root = tempfile.mkdtemp(prefix="alembic-oracle-")
    try:
        script, locations = write_script_dir(root, doc["revisions"])
        cfg = Config()
        cfg.set_main_option("script_location", script)
        if locations:
            cfg.set_main_option("version_path_separator", "os")
            cfg.set_main_option("version_locations",
                                os.pathsep.join(locations))

        engine = _make_engine(os.path.join(root, "db.sqlite"))
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE trace (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "op TEXT NOT NULL, rev TEXT NOT NULL)")

        results = []
        for cmd in doc["commands"]:
            with engine.connect() as conn:
                last = conn.exec_driver_sql(
                    "SELECT coalesce(max(id), 0) FROM trace").scalar()
                trans = conn.begin()
                cfg.attributes["connection"] = conn
                caught = []
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        _run_command(cfg, cmd)
                    steps = [[o, r] for o, r in conn.exec_driver_sql(
                        "SELECT op, rev FROM trace WHERE id > ? ORDER BY id",
                        (last,))]
                    trans.commit()
                    res = {"ok": True, "steps": steps}
                except Exception as e:  # noqa: BLE001 -- report, go on
                    trans.rollback()
                    res = {"ok": False,
                           "error": "%s: %s" % (type(e).__name__, e)}
                    if not is_alembic_error(e):
                        # an internal error, not a refusal: say where
                        res["crash_site"] = crash_site(e)
                finally:
                    cfg.attributes.pop("connection", None)
                res["version"] = _read_version(conn)
                msgs = [str(w.message) for w in caught]
                if msgs:
                    res["warnings"] = msgs
                results.append(res)
        engine.dispose()
        return results
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    doc = json.load(sys.stdin)
    dump_results(run(doc), sys.stdout)


def dump_results(results, out):
    """JSON list, one command result per line (readable in diffs)."""
    out.write("[\n")
    out.write(",\n".join(" " + json.dumps(r) for r in results))
    out.write("\n]\n")


if __name__ == "__main__":
    main()
