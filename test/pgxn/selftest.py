#!/usr/bin/env python3
"""Self-tests of validate.py: documents the PGXN Meta Spec 1.0 allows are
accepted, broken variants are rejected with the JSON path of the fault.

Prints one line per case, "ok - ..." or "not ok - ...", plus "# ..."
diagnostics; test/pgxn/run.sh numbers and counts them.  Exits 0 when every
case ran (whatever its verdict), non-zero only if the script itself broke.
"""

import copy
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate  # noqa: E402

BASE = {
    "name": "widget",
    "abstract": "A widget for PostgreSQL",
    "version": "1.2.3",
    "maintainer": "Jane Doe <jane@example.org>",
    "license": "postgresql",
    "provides": {"widget": {"file": "sql/widget.sql", "version": "1.2.3"}},
    "meta-spec": {"version": "1.0.0"},
}


def setting(path, value):
    """A mutation that sets doc[path...] = value (creating maps on the way)."""
    def mutate(doc):
        node = doc
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return mutate


def deleting(*path):
    def mutate(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


def combined(*mutations):
    def mutate(doc):
        for m in mutations:
            m(doc)
    return mutate


FULL = {
    "description": "A longer text.",
    "generated_by": "hand",
    "maintainer": ["Jane Doe <jane@example.org>", "Widget list <w@example.org>"],
    "license": {"PostgreSQL": "https://www.postgresql.org/about/licence"},
    "provides": {
        "widget": {"file": "widget--1.2.sql", "docfile": "doc/widget.md",
                   "version": "1.2.3-beta.1+build.7", "abstract": "The widget",
                   "x_note": {"free": "form"}},
        "widget_tap": {"file": "widget_tap.sql", "version": "0.0.1"},
    },
    "prereqs": {
        "runtime": {"requires": {"PostgreSQL": "15.0.0", "plpgsql": 0},
                    "recommends": {"pgtap": ">= 1.2.0, != 1.2.5, < 2.0.0"}},
        "build": {"suggests": {"prefix": "0"}},
        "test": {"requires": {"pgtap": "==1.2.0"}},
        "develop": {"conflicts": {"old_widget": "<= 0.9.0"}},
        "configure": {"requires": {"semver": "> 0.1.0"}},
    },
    "no_index": {"file": ["src/private.sql"], "directory": "test"},
    "release_status": "unstable",
    "resources": {
        "homepage": "https://example.org/widget",
        "bugtracker": {"web": "https://example.org/widget/issues", "mailto": "bugs@example.org"},
        "repository": {"url": "https://example.org/widget.git", "web": "https://example.org/widget",
                       "type": "git"},
        "x_chat": "irc://irc.example.org/widget",
    },
    "meta-spec": {"version": "1.0.2", "url": "https://pgxn.org/meta/spec.txt"},
    "tags": ["unit testing", "tap", "\u00fcber widget"],
    "x_custom": [1, 2, 3],
    "X_Other": None,
}

# (what, mutation of BASE)
ACCEPT = [
    ("the minimal document", lambda d: None),
    ("every optional field, custom keys, license as a Map",
     lambda d: d.update(copy.deepcopy(FULL))),
    ("license as a List of License Strings", setting(["license"], ["mit", "apache_2_0"])),
    ("license unknown", setting(["license"], "unknown")),
    ("maintainer as a List", setting(["maintainer"], ["a <a@example.org>"])),
    ("version with pre-release and build", setting(["version"], "0.6.0-rc.1+sha.5114f85")),
    ("version 0.0.0", setting(["version"], "0.0.0")),
    ("Version Range 0 as a number", setting(["prereqs"], {"runtime": {"requires": {"pg_x": 0}}})),
    ("Version Range with every operator",
     setting(["prereqs"], {"test": {"requires": {"pg_x": ">1.0.0,>=1.0.1,<9.0.0,<=8.0.0,==8.0.0,!=7.0.0"}}})),
    ("tags of 2 and 255 characters", setting(["tags"], ["ab", "t" * 255])),
    ("release_status testing", setting(["release_status"], "testing")),
    ("repository with web only", setting(["resources"], {"repository": {"web": "https://example.org/r"}})),
    ("bugtracker with mailto only", setting(["resources"], {"bugtracker": {"mailto": "bugs@example.org"}})),
]

# (what, mutation of BASE, JSON path an error must be reported at)
REJECT = [
    ("missing name", deleting("name"), "$.name"),
    ("missing abstract", deleting("abstract"), "$.abstract"),
    ("missing maintainer", deleting("maintainer"), "$.maintainer"),
    ("missing license", deleting("license"), "$.license"),
    ("missing provides", deleting("provides"), "$.provides"),
    ("missing meta-spec", deleting("meta-spec"), '$["meta-spec"]'),
    ("missing version", deleting("version"), "$.version"),
    ("version 0.6 (not semver)", setting(["version"], "0.6"), "$.version"),
    ("version v1.2.3", setting(["version"], "v1.2.3"), "$.version"),
    ("version with a leading zero", setting(["version"], "01.2.3"), "$.version"),
    ("version with an empty pre-release", setting(["version"], "1.2.3-"), "$.version"),
    ("version with a numeric pre-release leading zero", setting(["version"], "1.2.3-01"), "$.version"),
    ("version 1.2.3beta (semver 1.0 style)", setting(["version"], "1.2.3beta"), "$.version"),
    ("version as a number", setting(["version"], 1.2), "$.version"),
    ("version with non-ASCII digits", setting(["version"], "1.2.\u0663"), "$.version"),
    ("unknown License String", setting(["license"], "gpl"), "$.license"),
    ("License String in the wrong case", setting(["license"], "PostgreSQL"), "$.license"),
    ("unknown License String in a List", setting(["license"], ["mit", "wtfpl"]), "$.license[1]"),
    ("empty license List", setting(["license"], []), "$.license"),
    ("license Map with a non-URI", setting(["license"], {"PostgreSQL": "the PostgreSQL one"}),
     "$.license.PostgreSQL"),
    ("license as a number", setting(["license"], 5), "$.license"),
    ("provides without file", deleting("provides", "widget", "file"), "$.provides.widget.file"),
    ("provides without version", deleting("provides", "widget", "version"),
     "$.provides.widget.version"),
    ("provides with a bad version", setting(["provides", "widget", "version"], "1.2"),
     "$.provides.widget.version"),
    ("provides with an absolute file", setting(["provides", "widget", "file"], "/sql/w.sql"),
     "$.provides.widget.file"),
    ("provides with a file outside (..)", setting(["provides", "widget", "file"], "sql/../../w.sql"),
     "$.provides.widget.file"),
    ("provides with a Windows path", setting(["provides", "widget", "file"], "sql\\w.sql"),
     "$.provides.widget.file"),
    ("provides with an empty docfile", setting(["provides", "widget", "docfile"], ""),
     "$.provides.widget.docfile"),
    ("provides with an unknown key", setting(["provides", "widget", "doc"], "README.md"),
     "$.provides.widget.doc"),
    ("provides empty", setting(["provides"], {}), "$.provides"),
    ("provides entry not a Map", setting(["provides", "widget"], "sql/widget.sql"),
     "$.provides.widget"),
    ("extension name with a space", setting(["provides"], {"my ext": {"file": "a.sql", "version": "1.0.0"}}),
     '$.provides["my ext"] (key)'),
    ("extension name of one character", setting(["provides"], {"w": {"file": "a.sql", "version": "1.0.0"}}),
     "$.provides.w (key)"),
    ("unknown top-level key", setting(["author"], "Jane"), "$.author"),
    ("custom key with nothing after x_", setting(["x_"], 1), "$.x_"),
    ("custom key prefix without underscore", setting(["xfoo"], 1), "$.xfoo"),
    ("meta-spec version 2.0.0", setting(["meta-spec", "version"], "2.0.0"), '$["meta-spec"].version'),
    ("meta-spec without version", setting(["meta-spec"], {"url": "https://pgxn.org/meta/spec.txt"}),
     '$["meta-spec"].version'),
    ("meta-spec with a non-URI url", setting(["meta-spec", "url"], "spec.txt"), '$["meta-spec"].url'),
    ("meta-spec with an unknown key", setting(["meta-spec", "name"], "pgxn"), '$["meta-spec"].name'),
    ("name with a slash", setting(["name"], "my/widget"), "$.name"),
    ("name of one character", setting(["name"], "w"), "$.name"),
    ("name with a tab", setting(["name"], "my\twidget"), "$.name"),
    ("empty abstract", setting(["abstract"], ""), "$.abstract"),
    ("abstract not a string", setting(["abstract"], ["A", "B"]), "$.abstract"),
    ("description null", setting(["description"], None), "$.description"),
    ("empty maintainer List", setting(["maintainer"], []), "$.maintainer"),
    ("maintainer List with a non-string", setting(["maintainer"], ["a <a@example.org>", 7]),
     "$.maintainer[1]"),
    ("unknown prereq phase", setting(["prereqs"], {"install": {"requires": {"pgtap": 0}}}),
     "$.prereqs.install"),
    ("unknown prereq relationship", setting(["prereqs"], {"runtime": {"needs": {"pgtap": 0}}}),
     "$.prereqs.runtime.needs"),
    ("prereq version 15 (not semver)", setting(["prereqs"], {"runtime": {"requires": {"PostgreSQL": "15"}}}),
     "$.prereqs.runtime.requires.PostgreSQL"),
    ("prereq version as the number 15", setting(["prereqs"], {"runtime": {"requires": {"PostgreSQL": 15}}}),
     "$.prereqs.runtime.requires.PostgreSQL"),
    ("prereq version true", setting(["prereqs"], {"runtime": {"requires": {"pgtap": True}}}),
     "$.prereqs.runtime.requires.pgtap"),
    ("prereq range with an unknown operator", setting(["prereqs"], {"test": {"requires": {"pgtap": "=> 1.0.0"}}}),
     "$.prereqs.test.requires.pgtap"),
    ("prereq range with an empty clause", setting(["prereqs"], {"test": {"requires": {"pgtap": ">= 1.0.0,"}}}),
     "$.prereqs.test.requires.pgtap"),
    ("prereq relationship as a List", setting(["prereqs"], {"test": {"requires": ["pgtap"]}}),
     "$.prereqs.test.requires"),
    ("empty prereq phase", setting(["prereqs"], {"test": {}}), "$.prereqs.test"),
    ("prereq name with a space", setting(["prereqs"], {"test": {"requires": {"pg tap": 0}}}),
     '$.prereqs.test.requires["pg tap"] (key)'),
    ("release_status beta", setting(["release_status"], "beta"), "$.release_status"),
    ("tags as a string", setting(["tags"], "testing"), "$.tags"),
    ("tags empty", setting(["tags"], []), "$.tags"),
    ("tag with a slash", setting(["tags"], ["ok", "a/b"]), "$.tags[1]"),
    ("tag of 256 characters", setting(["tags"], ["t" * 256]), "$.tags[0]"),
    ("tag not a string", setting(["tags"], ["ok", 3]), "$.tags[1]"),
    ("tag with a newline", setting(["tags"], ["two\nlines"]), "$.tags[0]"),
    ("no_index empty", setting(["no_index"], {}), "$.no_index"),
    ("no_index with an unknown key", setting(["no_index"], {"file": "a.sql", "dir": "t"}),
     "$.no_index.dir"),
    ("no_index path outside", setting(["no_index"], {"directory": ["../up"]}), "$.no_index.directory[0]"),
    ("resources empty", setting(["resources"], {}), "$.resources"),
    ("resources with an unknown key", setting(["resources"], {"issues": "https://example.org/i"}),
     "$.resources.issues"),
    ("homepage not a URI", setting(["resources"], {"homepage": "example.org"}), "$.resources.homepage"),
    ("homepage http URI without host", setting(["resources"], {"homepage": "https:/example"}),
     "$.resources.homepage"),
    ("repository url without type", setting(["resources"], {"repository": {"url": "https://example.org/r.git"}}),
     "$.resources.repository.type"),
    ("repository type not lowercase",
     setting(["resources"], {"repository": {"url": "https://example.org/r.git", "type": "Git"}}),
     "$.resources.repository.type"),
    ("bugtracker mailto not an address", setting(["resources"], {"bugtracker": {"mailto": "bugs"}}),
     "$.resources.bugtracker.mailto"),
    ("bugtracker empty", setting(["resources"], {"bugtracker": {}}), "$.resources.bugtracker"),
    ("document not an object", lambda d: ["not", "a", "map"], "$"),
]

# raw JSON texts, rejected at "$"
REJECT_TEXT = [
    ("duplicate key", '{"name": "a1", "name": "a2"}'),
    ("NaN", '{"version": NaN}'),
    ("not JSON", '{"name": "widget",}'),
    ("not UTF-8", b'{"abstract": "caf\xe9"}'),
    ("byte order mark", "\ufeff{}"),
]


def run():
    results = []

    def report(ok, what, detail=None):
        results.append(ok)
        print("%s - %s" % ("ok" if ok else "not ok", what))
        if detail and not ok:
            for line in detail:
                print("#   " + line)

    for what, mutate in ACCEPT:
        doc = copy.deepcopy(BASE)
        mutate(doc)
        errors = validate.validate(doc)
        # and the same through the text path
        errors += validate.validate_text(json.dumps(doc))
        report(not errors, "validator accepts %s" % what,
               ["%s: %s" % e for e in errors])

    for what, mutate, where in REJECT:
        doc = copy.deepcopy(BASE)
        replaced = mutate(doc)
        if replaced is not None:
            doc = replaced
        errors = validate.validate(doc)
        report(any(path == where for path, _ in errors),
               "validator rejects %s at %s" % (what, where),
               ["expected an error at %s; got:" % where] + ["%s: %s" % e for e in errors])

    for what, text in REJECT_TEXT:
        errors = validate.validate_text(text)
        report(bool(errors) and errors[0][0] == "$",
               "validator rejects JSON text: %s" % what,
               ["got: %r" % (errors,)])

    # the command line: exit status, and one line per violation with its path
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "validate.py")
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.json")
        bad = os.path.join(tmp, "bad.json")
        with open(good, "w") as f:
            json.dump(BASE, f)
        broken = copy.deepcopy(BASE)
        del broken["name"]
        broken["provides"]["widget"]["version"] = "1.0"
        with open(bad, "w") as f:
            json.dump(broken, f)
        for name, want_rc, want_lines in (
                (good, 0, ["%s: OK (PGXN Meta Spec 1.0)" % good]),
                (bad, 1, ["%s: $.name: " % bad, "%s: $.provides.widget.version: " % bad]),
                (os.path.join(tmp, "missing.json"), 1, ["%s: $: cannot read" % os.path.join(tmp, "missing.json")])):
            proc = subprocess.run([sys.executable, script, name], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True)
            lines = proc.stdout.splitlines()
            ok = (proc.returncode == want_rc and len(lines) == len(want_lines)
                  and all(line.startswith(w) for line, w in zip(sorted(lines), sorted(want_lines))))
            report(ok, "validate.py %s exits %d with %d line(s)"
                   % (os.path.basename(name), want_rc, len(want_lines)),
                   ["exit %d, output:" % proc.returncode] + lines)
    return results


if __name__ == "__main__":
    run()
    sys.exit(0)
