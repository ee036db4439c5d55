#!/usr/bin/env python3
"""Validate a META.json against the PGXN Meta Spec 1.0.x (python3, stdlib only).

No validator for the spec is packaged for Debian or npm (the reference one is
the Perl module PGXN::Meta::Validator on CPAN; PGXN's JSON schemas ship only
in a Rust crate), so this module checks the rules of the spec itself:

  * the JSON text: UTF-8, an object at the top, no duplicate keys, no
    NaN/Infinity;
  * required keys: name, abstract, maintainer, license, provides, meta-spec,
    version;
  * types: Term (name, extension names), Tag, Version (Semantic Versioning
    2.0.0), Version Range, Path (relative, unix conventions), URI, License
    String, non-empty String, List, Map;
  * every map the spec defines accepts only its own keys plus custom keys
    matching /^[xX]_./ (top level, provides entries, meta-spec, prereqs and
    its phases, no_index, resources, bugtracker, repository);
  * value sets: license strings, release_status, prereq phases and
    relationships, meta-spec version 1.0.x.

Where the spec leaves a choice open this module follows PGXN's own schema for
v1 (stricter, so a file that passes here also passes there): the maps of
provides, prereqs, phases, relationships and resources must not be empty,
no_index must name a file or a directory, a repository with a url needs its
type, and a Tag has at least two characters.

Usage: validate.py [META.json]   prints "<file>: OK" or one line per
violation, "<file>: <JSON path>: <message>", and exits 0 when valid, 1 when
not, 2 on a usage error.  validate_text()/validate() are the module API.
"""

import json
import re
import sys
import unicodedata
import urllib.parse

SPEC_VERSIONS = re.compile(r"1\.0\.(0|[1-9][0-9]*)\Z")

# Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH, optional -prerelease (dot
# separated identifiers, numeric ones without leading zeros) and +build.
_NUM = r"(?:0|[1-9][0-9]*)"
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
SEMVER = (
    _NUM + r"\." + _NUM + r"\." + _NUM
    + r"(?:-" + _PRE_ID + r"(?:\." + _PRE_ID + r")*)?"
    + r"(?:\+" + _BUILD_ID + r"(?:\." + _BUILD_ID + r")*)?"
)
SEMVER_RE = re.compile(SEMVER + r"\Z")
RANGE_CLAUSE_RE = re.compile(r"(?:(==|!=|<=|>=|<|>)\s*)?(" + SEMVER + r"|0)\Z")
CUSTOM_KEY_RE = re.compile(r"[xX]_.", re.S)
URI_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
EMAIL_RE = re.compile(r"[^@\s<>]+@[^@\s<>]+\Z")

LICENSES = frozenset("""
    agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2 bsd freebsd gfdl_1_2
    gfdl_1_3 gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit mozilla_1_0 mozilla_1_1
    openssl perl_5 postgresql qpl_1_0 ssleay sun zlib
    open_source restricted unrestricted unknown
""".split())
RELEASE_STATUSES = ("stable", "testing", "unstable")
PHASES = ("configure", "build", "test", "runtime", "develop")
RELATIONSHIPS = ("requires", "recommends", "suggests", "conflicts")
REQUIRED = ("name", "abstract", "maintainer", "license", "provides",
            "meta-spec", "version")
OPTIONAL = ("description", "generated_by", "tags", "no_index", "prereqs",
            "release_status", "resources")
# schemes whose URIs name a host
HOST_SCHEMES = ("http", "https", "ftp", "git", "ssh", "svn")

_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def child(path, key):
    """The JSON path of member key (a str) or element key (an int)."""
    if isinstance(key, int):
        return "%s[%d]" % (path, key)
    if _IDENT_RE.match(key):
        return "%s.%s" % (path, key)
    return "%s[%s]" % (path, json.dumps(key, ensure_ascii=False))


def type_name(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class Checker:
    def __init__(self):
        self.errors = []

    def error(self, path, message):
        self.errors.append((path, message))

    # -- primitive types ------------------------------------------------
    def string(self, path, value, what="a non-empty string"):
        if not isinstance(value, str):
            self.error(path, "must be %s, not %s" % (what, type_name(value)))
            return False
        if value == "":
            self.error(path, "must be %s, not an empty string" % what)
            return False
        return True

    def is_map(self, path, value):
        if not isinstance(value, dict):
            self.error(path, "must be an object (Map), not %s" % type_name(value))
            return False
        return True

    def not_empty(self, path, value, what):
        if not value:
            self.error(path, "must have at least one %s" % what)
            return False
        return True

    def known_keys(self, path, value, allowed):
        for key in value:
            if key not in allowed and not CUSTOM_KEY_RE.match(key):
                self.error(child(path, key),
                           "unknown key %s: only %s, or custom keys starting "
                           "with x_ or X_" % (json.dumps(key), ", ".join(allowed)))

    def required_keys(self, path, value, required):
        for key in required:
            if key not in value:
                self.error(child(path, key), "required key %s is missing" % json.dumps(key))

    @staticmethod
    def bad_chars(text, space_ok):
        for ch in text:
            if ch in "/\\":
                return "a slash or backslash"
            if unicodedata.category(ch) == "Cc":
                return "a control character"
            if not space_ok and ch.isspace():
                return "white space"
        return None

    def term(self, path, value):
        if not self.string(path, value, "a Term (a string)"):
            return
        if len(value) < 2:
            self.error(path, "must be a Term of at least two characters: %s" % json.dumps(value))
            return
        bad = self.bad_chars(value, space_ok=False)
        if bad:
            self.error(path, "a Term must not contain %s: %s" % (bad, json.dumps(value)))

    def tag(self, path, value):
        if not self.string(path, value, "a Tag (a string)"):
            return
        if not 2 <= len(value) <= 255:
            self.error(path, "a Tag must be 2 to 255 characters long, not %d" % len(value))
        bad = self.bad_chars(value, space_ok=True)
        if bad:
            self.error(path, "a Tag must not contain %s: %s" % (bad, json.dumps(value)))

    def version(self, path, value):
        if not self.string(path, value, "a Version (a string)"):
            return
        if not SEMVER_RE.match(value):
            self.error(path, "%s is not a Semantic Version 2.0.0 "
                             "(MAJOR.MINOR.PATCH, e.g. 1.2.0)" % json.dumps(value))

    def version_range(self, path, value):
        if isinstance(value, int) and not isinstance(value, bool) and value == 0:
            return  # the number 0: any version
        if not isinstance(value, str):
            self.error(path, "must be a Version Range (a string such as \">= 1.2.0\", "
                             "or the number 0), not %s %s" % (type_name(value), json.dumps(value)))
            return
        for clause in value.split(","):
            clause = clause.strip()
            if not RANGE_CLAUSE_RE.match(clause):
                self.error(path, "bad Version Range clause %s in %s: an optional operator "
                                 "(== != < <= > >=) and a Semantic Version, or 0"
                           % (json.dumps(clause), json.dumps(value)))

    def path_value(self, path, value):
        if not self.string(path, value, "a Path (a string)"):
            return
        if value.startswith("/"):
            self.error(path, "must be a path relative to the distribution root, not %s"
                       % json.dumps(value))
        if "\\" in value:
            self.error(path, "must use unix conventions (no backslash): %s" % json.dumps(value))
        if ".." in value.split("/"):
            self.error(path, "must stay inside the distribution (no ..): %s" % json.dumps(value))
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            self.error(path, "must not contain control characters")

    def uri(self, path, value):
        if not self.string(path, value, "a URI (a string)"):
            return
        if (not URI_SCHEME_RE.match(value)
                or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in value)):
            self.error(path, "%s is not a URI (scheme:..., no spaces)" % json.dumps(value))
            return
        parts = urllib.parse.urlsplit(value)
        if parts.scheme.lower() in HOST_SCHEMES and not parts.netloc:
            self.error(path, "%s names no host" % json.dumps(value))

    def email(self, path, value):
        if self.string(path, value, "an email address") and not EMAIL_RE.match(value):
            self.error(path, "%s is not an email address" % json.dumps(value))

    def list_of(self, path, value, item, what, string_ok=False):
        """A List of one or more items; a lone string where string_ok."""
        if string_ok and isinstance(value, str):
            item(path, value)
            return
        if not isinstance(value, list):
            self.error(path, "must be an array (List) of %s, not %s" % (what, type_name(value)))
            return
        if self.not_empty(path, value, "element"):
            for i, element in enumerate(value):
                item(child(path, i), element)

    # -- the fields -----------------------------------------------------
    def document(self, doc):
        path = "$"
        if not self.is_map(path, doc):
            return
        self.required_keys(path, doc, REQUIRED)
        self.known_keys(path, doc, REQUIRED + OPTIONAL)
        fields = {
            "name": self.term,
            "abstract": self.string,
            "description": self.string,
            "generated_by": self.string,
            "version": self.version,
            "maintainer": lambda p, v: self.list_of(p, v, self.string, "strings", string_ok=True),
            "license": self.license,
            "provides": self.provides,
            "meta-spec": self.meta_spec,
            "tags": lambda p, v: self.list_of(p, v, self.tag, "Tags"),
            "no_index": self.no_index,
            "prereqs": self.prereqs,
            "release_status": self.release_status,
            "resources": self.resources,
        }
        for key, check in fields.items():
            if key in doc:
                check(child(path, key), doc[key])

    def license(self, path, value):
        def license_string(p, v):
            if self.string(p, v, "a License String") and v not in LICENSES:
                self.error(p, "unknown License String %s (valid: %s)"
                           % (json.dumps(v), ", ".join(sorted(LICENSES))))
        if isinstance(value, dict):
            if self.not_empty(path, value, "license"):
                for name, url in value.items():
                    if name == "":
                        self.error(child(path, name), "a license name must not be empty")
                    self.uri(child(path, name), url)
        elif isinstance(value, (str, list)):
            self.list_of(path, value, license_string, "License Strings", string_ok=True)
        else:
            self.error(path, "must be a License String, a List of them, or a Map of "
                             "license names to URIs, not %s" % type_name(value))

    def provides(self, path, value):
        if not self.is_map(path, value) or not self.not_empty(path, value, "extension"):
            return
        for name, ext in value.items():
            p = child(path, name)
            self.term(p + " (key)", name)
            if not self.is_map(p, ext):
                continue
            self.required_keys(p, ext, ("file", "version"))
            self.known_keys(p, ext, ("file", "version", "abstract", "docfile"))
            if "file" in ext:
                self.path_value(child(p, "file"), ext["file"])
            if "version" in ext:
                self.version(child(p, "version"), ext["version"])
            if "abstract" in ext:
                self.string(child(p, "abstract"), ext["abstract"])
            if "docfile" in ext:
                self.path_value(child(p, "docfile"), ext["docfile"])

    def meta_spec(self, path, value):
        if not self.is_map(path, value):
            return
        self.required_keys(path, value, ("version",))
        self.known_keys(path, value, ("version", "url"))
        if "version" in value:
            p = child(path, "version")
            if self.string(p, value["version"], "a Version (a string)") \
                    and not SPEC_VERSIONS.match(value["version"]):
                self.error(p, "meta-spec version %s is not 1.0.x, the only spec this "
                              "validator knows" % json.dumps(value["version"]))
        if "url" in value:
            self.uri(child(path, "url"), value["url"])

    def no_index(self, path, value):
        if not self.is_map(path, value):
            return
        self.known_keys(path, value, ("file", "directory"))
        if "file" not in value and "directory" not in value:
            self.error(path, "must name at least one file or directory")
        for key in ("file", "directory"):
            if key in value:
                self.list_of(child(path, key), value[key], self.path_value, "Paths",
                             string_ok=True)

    def prereqs(self, path, value):
        if not self.is_map(path, value) or not self.not_empty(path, value, "phase"):
            return
        self.known_keys(path, value, PHASES)
        for phase in PHASES:
            if phase not in value:
                continue
            pp = child(path, phase)
            if not self.is_map(pp, value[phase]) or \
                    not self.not_empty(pp, value[phase], "relationship"):
                continue
            self.known_keys(pp, value[phase], RELATIONSHIPS)
            for rel in RELATIONSHIPS:
                if rel not in value[phase]:
                    continue
                rp = child(pp, rel)
                prereqs = value[phase][rel]
                if not self.is_map(rp, prereqs) or not self.not_empty(rp, prereqs, "prerequisite"):
                    continue
                for name, rng in prereqs.items():
                    self.term(child(rp, name) + " (key)", name)
                    self.version_range(child(rp, name), rng)

    def release_status(self, path, value):
        if value not in RELEASE_STATUSES:
            self.error(path, "must be one of %s, not %s"
                       % (", ".join(RELEASE_STATUSES), json.dumps(value)))

    def resources(self, path, value):
        if not self.is_map(path, value) or not self.not_empty(path, value, "resource"):
            return
        self.known_keys(path, value, ("homepage", "bugtracker", "repository"))
        if "homepage" in value:
            self.uri(child(path, "homepage"), value["homepage"])
        if "bugtracker" in value:
            p, bt = child(path, "bugtracker"), value["bugtracker"]
            if self.is_map(p, bt):
                self.known_keys(p, bt, ("web", "mailto"))
                if "web" not in bt and "mailto" not in bt:
                    self.error(p, "must have web or mailto")
                if "web" in bt:
                    self.uri(child(p, "web"), bt["web"])
                if "mailto" in bt:
                    self.email(child(p, "mailto"), bt["mailto"])
        if "repository" in value:
            p, repo = child(path, "repository"), value["repository"]
            if self.is_map(p, repo):
                self.known_keys(p, repo, ("url", "web", "type"))
                if "url" not in repo and "web" not in repo:
                    self.error(p, "must have url (with type) or web")
                if "url" in repo:
                    self.uri(child(p, "url"), repo["url"])
                    if "type" not in repo:
                        self.error(child(p, "type"), "a repository url needs its type "
                                                     "(git, svn, hg, ...)")
                if "web" in repo:
                    self.uri(child(p, "web"), repo["web"])
                if "type" in repo:
                    tp = child(p, "type")
                    if self.string(tp, repo["type"]) and repo["type"] != repo["type"].lower():
                        self.error(tp, "must be lowercase: %s" % json.dumps(repo["type"]))


class _Duplicate(ValueError):
    pass


def _reject_duplicates(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise _Duplicate("duplicate key %s" % json.dumps(key))
        seen.add(key)
    return dict(pairs)


def _no_constant(name):
    raise ValueError("%s is not JSON" % name)


def parse(text):
    """Parse JSON text strictly; returns (document, None) or (None, message)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            return None, "not UTF-8: %s" % e
    if text.startswith("\ufeff"):
        return None, "starts with a byte order mark"
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates,
                          parse_constant=_no_constant), None
    except _Duplicate as e:
        return None, "not usable JSON: %s" % e
    except ValueError as e:
        return None, "not JSON: %s" % e


def validate(doc):
    """Violations of the spec in a parsed document: a list of (path, message)."""
    checker = Checker()
    checker.document(doc)
    return checker.errors


def validate_text(text):
    doc, problem = parse(text)
    if problem:
        return [("$", problem)]
    return validate(doc)


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        sys.stderr.write("usage: validate.py [META.json]\n")
        return 2
    name = argv[1] if len(argv) == 2 else "META.json"
    try:
        with open(name, "rb") as f:
            text = f.read()
    except OSError as e:
        print("%s: $: cannot read: %s" % (name, e.strerror))
        return 1
    errors = validate_text(text)
    for path, message in errors:
        print("%s: %s: %s" % (name, path, message))
    if errors:
        return 1
    print("%s: OK (PGXN Meta Spec 1.0)" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
