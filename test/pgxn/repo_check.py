#!/usr/bin/env python3
"""Checks that META.json agrees with the repository it describes.

  repo_check.py ROOT             META.json against the .control files, the
                                 Makefile, the files it names and pg_migrate's
                                 version
  repo_check.py ROOT --zip ZIP   a release zip: one top directory
                                 NAME-VERSION/, holding this META.json and
                                 every file it names

Prints "ok - ..." / "not ok - ..." lines with "# ..." diagnostics, numbered
and counted by test/pgxn/run.sh.  Exits 0 once every check ran.
"""

import json
import os
import re
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate  # noqa: E402


def report(ok, what, *diagnostics):
    print("%s - %s" % ("ok" if ok else "not ok", what))
    if not ok:
        for line in diagnostics:
            print("#   " + line)


def semver_of(version):
    """An extension or program version ("0.6", "1", "0.6.1") as MAJOR.MINOR.PATCH."""
    if not re.match(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){0,2}\Z", version):
        return None
    parts = version.split(".")
    return ".".join(parts + ["0"] * (3 - len(parts)))


def read_control(path):
    """The settings of a PostgreSQL extension control file."""
    settings = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^']|'')*)'|([^\s#]+))", line)
            if m:
                settings[m.group(1)] = (m.group(2).replace("''", "'")
                                        if m.group(2) is not None else m.group(3))
    return settings


def makefile_words(path, variable):
    """The words assigned to a Makefile variable (=, :=, +=; continued lines)."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"\\\n", " ", f.read())
    words = []
    for m in re.finditer(r"^%s\s*(\+?|:{1,2}|\?)=(.*)$" % re.escape(variable), text, re.M):
        if m.group(1) != "+":
            words = []
        words += m.group(2).split("#")[0].split()
    return words


def named_paths(meta):
    """(JSON path, path) of every file and directory META.json names."""
    out = []
    for ext, entry in sorted(obj(meta.get("provides")).items()):
        for key in ("file", "docfile"):
            if isinstance(entry, dict) and isinstance(entry.get(key), str):
                out.append(("$.provides.%s.%s" % (ext, key), entry[key]))
    no_index = obj(meta.get("no_index"))
    for key in ("file", "directory"):
        value = no_index.get(key, [])
        value = [value] if isinstance(value, str) else value
        for i, p in enumerate(value if isinstance(value, list) else []):
            if isinstance(p, str):
                out.append(("$.no_index.%s[%d]" % (key, i), p))
    return out


def obj(value):
    """value if it is a JSON object, else an empty one (validate.py reports it)."""
    return value if isinstance(value, dict) else {}


def check_repo(root, meta):
    provides = {k: obj(v) for k, v in obj(meta.get("provides")).items()}
    version = meta.get("version")

    # every extension in provides: its control file, version, install script
    for ext, entry in sorted(provides.items()):
        control = os.path.join(root, ext + ".control")
        if not os.path.isfile(control):
            report(False, "provides %s: %s.control exists" % (ext, ext))
            continue
        settings = read_control(control)
        default = settings.get("default_version", "")
        report(semver_of(default) == entry.get("version"),
               "provides %s: version %s matches default_version '%s' in %s.control"
               % (ext, entry.get("version"), default, ext),
               "META.json says %s, %s.control says '%s' (expected %s)"
               % (entry.get("version"), ext, default, semver_of(default)))
        script = "%s--%s.sql" % (ext, default)
        report(entry.get("file") == script,
               "provides %s: file is %s, the install script of version %s"
               % (ext, script, default),
               "META.json names %s" % json.dumps(entry.get("file")))
        # what CREATE EXTENSION needs must be in the distribution or a runtime prereq
        runtime = obj(obj(meta.get("prereqs")).get("runtime"))
        known = set(provides)
        for rel in runtime.values():
            if isinstance(rel, dict):
                known |= set(k.lower() for k in rel)
        needs = [r.strip() for r in settings.get("requires", "").split(",") if r.strip()]
        missing = [r for r in needs if r not in known and r.lower() not in known]
        report(not missing,
               "provides %s: what %s.control requires (%s) is provided or a runtime prereq"
               % (ext, ext, ", ".join(needs) or "nothing"),
               "missing from provides and prereqs.runtime: " + ", ".join(missing))

    # the files and directories META.json names
    for where, rel in named_paths(meta):
        full = os.path.join(root, rel)
        want_dir = where.startswith("$.no_index.directory")
        exists = os.path.isdir(full) if want_dir else os.path.isfile(full)
        report(exists, "%s names %s, which exists" % (where, rel),
               "no %s %s in the repository" % ("directory" if want_dir else "file", rel))

    # the distribution's version is its main extension's
    name = meta.get("name")
    if name in provides:
        report(provides[name].get("version") == version,
               "version %s is the version of extension %s" % (version, name),
               "provides.%s.version is %s" % (name, provides[name].get("version")))

    # the Makefile builds and installs what META.json provides
    makefile = os.path.join(root, "Makefile")
    if os.path.isfile(makefile):
        extensions = makefile_words(makefile, "EXTENSION")
        report(sorted(extensions) == sorted(provides),
               "Makefile EXTENSION (%s) is the provides list" % " ".join(extensions),
               "provides: %s" % " ".join(sorted(provides)))
        data = makefile_words(makefile, "DATA")
        files = [e.get("file") for _, e in sorted(provides.items())]
        absent = [f for f in files if f not in data]
        report(not absent, "Makefile DATA installs %s" % ", ".join(map(str, files)),
               "not in DATA: %s" % ", ".join(map(str, absent)))
    else:
        report(False, "Makefile exists")

    # pg_migrate --version tells the same version
    source = os.path.join(root, "client", "pg_migrate.c")
    if os.path.isfile(source):
        with open(source, encoding="utf-8", errors="replace") as f:
            m = re.search(r'#\s*define\s+PG_MIGRATE_VERSION\s+"([^"]*)"', f.read())
        client = m.group(1) if m else None
        report(client is not None and semver_of(client) == version,
               "client/pg_migrate.c PG_MIGRATE_VERSION \"%s\" matches version %s"
               % (client, version),
               "pg_migrate --version would print %s in the %s release" % (client, version))

    # git archive ships tracked files only: nothing named may be ignored
    try:
        inside = subprocess.run(["git", "-C", root, "rev-parse", "--is-inside-work-tree"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                universal_newlines=True).stdout.strip() == "true"
    except OSError:
        inside = False
    if inside:
        paths = ["META.json"] + [p for _, p in named_paths(meta)]
        proc = subprocess.run(["git", "-C", root, "check-ignore", "--"] + paths,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)
        ignored = proc.stdout.split()
        report(proc.returncode in (0, 1) and not ignored,
               "no file META.json names is ignored by git (git archive would leave it out)",
               *(["ignored: " + " ".join(ignored)] if ignored else [proc.stderr.strip()]))


def check_zip(root, meta, zip_path):
    prefix = "%s-%s/" % (meta.get("name"), meta.get("version"))
    try:
        with zipfile.ZipFile(zip_path) as z:
            names = z.namelist()
            inside = z.read(prefix + "META.json") if prefix + "META.json" in names else None
    except (OSError, zipfile.BadZipFile) as e:
        report(False, "release zip can be read", str(e))
        return
    outside = [n for n in names if not n.startswith(prefix)]
    report(names and not outside, "release zip has one top directory %s" % prefix,
           "entries outside it: " + " ".join(outside[:5]))
    with open(os.path.join(root, "META.json"), "rb") as f:
        ours = f.read()
    report(inside == ours, "release zip has %sMETA.json, this META.json" % prefix,
           "missing" if inside is None else "it differs from the working tree's")
    if inside is not None:
        errors = validate.validate_text(inside)
        report(not errors, "META.json inside the zip is valid",
               *["%s: %s" % e for e in errors])
    wanted = ["Makefile"] + ["%s.control" % ext for ext in sorted(obj(meta.get("provides")))]
    wanted += [p for w, p in named_paths(meta) if not w.startswith("$.no_index")]
    absent = [p for p in wanted if prefix + p not in names]
    report(not absent, "release zip holds %s" % ", ".join(wanted),
           "missing: " + ", ".join(absent))


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--zip"):
        sys.stderr.write("usage: repo_check.py ROOT [--zip ZIP]\n")
        return 2
    root = argv[1]
    try:
        with open(os.path.join(root, "META.json"), "rb") as f:
            meta, problem = validate.parse(f.read())
    except OSError as e:
        meta, problem = None, e.strerror
    if problem or not isinstance(meta, dict):
        report(False, "META.json can be read as a JSON object", problem or "not an object")
        return 0
    if len(argv) == 4:
        check_zip(root, meta, argv[3])
    else:
        check_repo(root, meta)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
