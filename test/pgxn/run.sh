#!/usr/bin/env bash
# test/pgxn/run.sh: is META.json ready for PGXN?
#
#   1. META.json against the PGXN Meta Spec 1.0 (validate.py, python3 stdlib);
#   2. the validator's own self-tests: what the spec allows passes, broken
#      variants fail at the right JSON path (selftest.py);
#   3. META.json against the repository: .control versions, the files it
#      names, the Makefile, pg_migrate's version (repo_check.py);
#   4. the release zip, made the way a release is (git archive --format zip
#      --prefix=NAME-VERSION/), from the working tree as it would be
#      committed: one top directory, this META.json, every file it names.
#      The tree is staged in a throwaway index and object directory; the
#      repository itself is not touched.
#
# Needs python3 (installed with apt-get when missing) and, for step 4, git.
# Prints "ok N - ..." / "not ok N - ..." and ends with "N passed, N failed";
# exits non-zero on any failure.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export PYTHONDONTWRITEBYTECODE=1

n=0 passed=0 failed=0
result() {  # ok|fail DESCRIPTION
    n=$((n + 1))
    if [ "$1" = ok ]; then
        passed=$((passed + 1)); echo "ok $n - $2"
    else
        failed=$((failed + 1)); echo "not ok $n - $2"
    fi
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}
# Run a python script printing "ok - X" / "not ok - X" lines; number them.
# A script that stops early (non-zero exit) is a failure of its own.
lines_of() {  # LABEL COMMAND...
    local label=$1 line rc
    shift
    while IFS= read -r line; do
        case $line in
            "ok - "*) result ok "${line#ok - }" ;;
            "not ok - "*) result fail "${line#not ok - }" ;;
            "__exit "*) rc=${line#__exit } ;;
            "#"*) echo "$line" ;;
            *) echo "# $line" ;;
        esac
    done < <("$@" 2>&1; echo "__exit $?")
    [ "${rc:-1}" = 0 ] || result fail "$label ran to the end (exit ${rc:-?})"
}

# Install a missing command with apt-get (Debian), once; no-op when present.
need() {  # COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "# $1 missing: apt-get install $2"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -qq "$2" || { apt-get update -qq && apt-get install -y -qq "$2"; }; } \
        >/dev/null 2>&1
    command -v "$1" >/dev/null 2>&1
}

need python3 python3 || { result fail "python3 is available"; finish; }
if [ -e "$root/.git" ]; then
    need git git || { result fail "git is available (for the release zip)"; finish; }
fi

# 1. the spec
out=$(cd "$root" && python3 "$here/validate.py" META.json 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
    result ok "META.json is valid (PGXN Meta Spec 1.0, test/pgxn/validate.py)"
else
    result fail "META.json is valid (PGXN Meta Spec 1.0, test/pgxn/validate.py)"
    printf '%s\n' "$out" | sed 's/^/#   /'
fi

# 2. the validator itself
lines_of selftest.py python3 "$here/selftest.py"

# 3. the repository
lines_of repo_check.py python3 "$here/repo_check.py" "$root"

# 4. the release zip
if command -v git >/dev/null 2>&1 && git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    prefix=$(cd "$root" && python3 -c '
import json
m = json.load(open("META.json"))
print("%s-%s" % (m["name"], m["version"]))' 2>/dev/null)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    objects=$(git -C "$root" rev-parse --path-format=absolute --git-path objects)
    index=$(git -C "$root" rev-parse --path-format=absolute --git-path index)
    [ -f "$index" ] && cp "$index" "$tmp/index"
    mkdir -p "$tmp/objects"
    if [ -z "$prefix" ]; then
        result fail "release zip: META.json gives the name and version of its top directory"
    elif (
        cd "$root" &&
        export GIT_INDEX_FILE="$tmp/index" GIT_OBJECT_DIRECTORY="$tmp/objects" \
               GIT_ALTERNATE_OBJECT_DIRECTORIES="$objects" &&
        git add -A . &&
        tree=$(git write-tree) &&
        git archive --format zip --prefix="$prefix/" -o "$tmp/$prefix.zip" "$tree"
    ) >"$tmp/log" 2>&1; then
        result ok "git archive --format zip --prefix=$prefix/ makes the release zip"
        lines_of "repo_check.py --zip" python3 "$here/repo_check.py" "$root" --zip "$tmp/$prefix.zip"
    else
        result fail "git archive --format zip --prefix=$prefix/ makes the release zip"
        sed 's/^/#   /' "$tmp/log"
    fi
else
    result ok "release zip # SKIP not in a git work tree (git archive makes it)"
fi

finish
