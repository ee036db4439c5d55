#!/usr/bin/env bash
# Build the Debian packages from the working tree and test them installed.
#
#   bash test/deb/run.sh        (as root, on Debian 12)
#
# 1. installs the build dependencies if missing (apt-get);
# 2. copies the working tree (tracked and untracked-but-not-ignored files,
#    without build outputs) to a temporary directory and runs
#    "dpkg-buildpackage -us -uc -b" there, so nothing lands in the tree;
# 3. runs lintian and fails on any "E:" line;
# 4. installs postgresql-NN-migrate and pg-migrate with apt-get, checks
#    their files against pg_config's paths, and deploys examples/ with the
#    installed /usr/bin/pg_migrate on a throwaway cluster (pg_virtualenv -t);
# 5. purges both packages again.  The packages own the same files a source
#    "make install" writes (migrate.so, the control and SQL files), so the
#    purge deletes a developer's source install too: if one was there before,
#    the script runs "make install" in the source tree again (quietly) to
#    restore it.
#
# Prints "ok N - ..." / "not ok N - ..." per check and ends with one line
# "N passed, N failed"; exits non-zero on any failure.  The temporary
# directory is removed on success and kept (its path printed) on failure.
set -uo pipefail
self=$(readlink -f "$0")
root=$(cd "$(dirname "$self")/../.." && pwd)

# ok/not ok lines go to one file shared with the part run inside the cluster
check() {
    local desc=$1
    shift
    local n=$(( $(wc -l <"$RESULTS") + 1 ))
    if "$@"; then
        echo ok >>"$RESULTS"; echo "ok $n - $desc"
    else
        echo "not ok" >>"$RESULTS"; echo "not ok $n - $desc"
        return 1
    fi
}
# quiet LOG COMMAND...: run COMMAND with its output in LOG
quiet() {
    local log=$1
    shift
    "$@" >"$log" 2>&1
}
skip() {
    local n=$(( $(wc -l <"$RESULTS") + 1 ))
    echo ok >>"$RESULTS"; echo "ok $n - # SKIP $1"
}

# ---- inside pg_virtualenv: deploy examples/ with the installed client ----
if [ "${1:-}" = "--cluster" ]; then
    pgm=/usr/bin/pg_migrate
    dir=$EXAMPLES
    out=$WORK/out
    # expected revisions and heads, from the files' own headers
    revs=$(sed -n 's/^-- migrate:revision \([0-9a-f]*\).*/\1/p' "$dir"/*.sql | sort)
    parents=$(sed -n 's/^-- migrate:revises //p' "$dir"/*.sql | tr ', ' '\n\n' | grep . | sort -u)
    heads=$(comm -23 <(echo "$revs") <(echo "$parents"))

    check "pg_migrate init (CREATE EXTENSION migrate)" $pgm --dir "$dir" init
    check "pg_migrate upgrade heads" $pgm --dir "$dir" upgrade heads
    check "pg_migrate current shows the heads: $(echo $heads)" \
        bash -c '"$1" --dir "$2" current >"$3" && diff <(sed -n "s/ (head)\$//p" "$3" | sort) <(echo "$4")' \
        _ "$pgm" "$dir" "$out" "$heads"
    check "pg_migrate history lists all $(echo "$revs" | wc -l) revisions" \
        bash -c '"$1" --dir "$2" history >"$3" && for r in $4; do grep -q -- "-> $r\b" "$3" || { echo "missing $r"; exit 1; }; done' \
        _ "$pgm" "$dir" "$out" "$revs"
    check "pg_migrate check finds no problems" $pgm --dir "$dir" check
    check "extversion of migrate is $UPSTREAM" \
        test "$(psql -XAtc "SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" = "$UPSTREAM"
    check "the example tables exist (users)" \
        test "$(psql -XAtc "SELECT to_regclass('users') IS NOT NULL")" = t
    if [ -f "$(pg_config --sharedir)/extension/pgtap.control" ]; then
        check "CREATE EXTENSION migrate_tap CASCADE" \
            psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION migrate_tap CASCADE"
    else
        skip "CREATE EXTENSION migrate_tap CASCADE (pgTAP not installed)"
    fi
    exit 0
fi

# ---- outside: build, lint, install, check files, run the above, purge ----
start=$SECONDS
WORK=$(mktemp -d /tmp/migrate-deb.XXXXXX)
RESULTS=$WORK/results
: >"$RESULTS"
export WORK RESULTS
installed=no
had_source_install=no

restore_source_install() {
    [ "$had_source_install" = yes ] || return 0
    # the tree may be mid-edit by someone else: retry once
    make -s -C "$root" install >"$WORK/make-install.log" 2>&1 && return 0
    sleep 30
    make -s -C "$root" install >"$WORK/make-install.log" 2>&1 && return 0
    tail -20 "$WORK/make-install.log"
    return 1
}
purge() {
    [ "$installed" = yes ] || return 0
    installed=no
    check "dpkg --purge ${debpkgs[*]}" quiet "$WORK/purge.log" dpkg --purge "${debpkgs[@]}"
    if [ "$had_source_install" = yes ]; then
        check "source install restored (make install in the source tree)" restore_source_install
    fi
}
finish() {
    purge
    local p f
    p=$(grep -c '^ok$' "$RESULTS")
    f=$(grep -c '^not ok$' "$RESULTS")
    if [ "$f" -eq 0 ]; then rm -rf "$WORK"; else echo "# logs and packages kept in $WORK"; fi
    echo "# $((SECONDS - start)) s"
    echo "$p passed, $f failed"
    [ "$f" -eq 0 ]
}
trap 'finish; exit $?' EXIT
trap 'echo "not ok" >>"$RESULTS"; echo "# interrupted"; exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
    check "running as root (apt-get, dpkg)" false
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
need=()
for p in build-essential debhelper dpkg-dev postgresql-server-dev-all postgresql-15 lintian git; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "# installing ${need[*]}"
    apt-get update -q >/dev/null
    check "apt-get install ${need[*]}" quiet "$WORK/apt.log" apt-get install -y -q "${need[@]}" ||
        { tail -20 "$WORK/apt.log"; exit 1; }
fi

# the working tree without build outputs (.gitignore keeps those out)
src=$WORK/migrate
mkdir "$src"
copy_tree() {
    git -C "$root" ls-files -z -co --exclude-standard |
        while IFS= read -r -d '' f; do
            if [ -e "$root/$f" ] || [ -L "$root/$f" ]; then printf '%s\0' "$f"; fi
        done |
        tar -C "$root" --null -T - -cf - | tar -C "$src" -xf -
}
check "copy of the working tree in $src" copy_tree || exit 1

echo "# dpkg-buildpackage -us -uc -b"
build() { (cd "$src" && dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; }
if ! check "dpkg-buildpackage -us -uc -b" build; then
    tail -40 "$WORK/build.log"
    exit 1
fi
VERSION=$(cd "$src" && dpkg-parsechangelog -S Version)
UPSTREAM=${VERSION%-*}
export UPSTREAM
pgversions=$(cd "$src" && pg_buildext supported-versions)
debpkgs=()
debs=()
for v in $pgversions pg-migrate; do
    case $v in pg-migrate) p=$v ;; *) p=postgresql-$v-migrate ;; esac
    debpkgs+=("$p")
    debs+=("$WORK/${p}_${VERSION}_$(dpkg --print-architecture).deb")
done
check "built ${debs[*]##*/}" quiet /dev/null ls "${debs[@]}" || exit 1

lint() {
    lintian --fail-on none "$WORK"/migrate_"${VERSION}"_*.changes >"$WORK/lintian.log" 2>&1
    grep -v '^running with root' "$WORK/lintian.log" | sed 's/^/# /'
    echo "# lintian: $(grep -c '^E:' "$WORK/lintian.log") errors, $(grep -c '^W:' "$WORK/lintian.log") warnings"
    ! grep -q '^E:' "$WORK/lintian.log"
}
echo "# lintian"
check "lintian reports no errors" lint

# what a source "make install" had put there, to restore after the purge
newest=$(echo "$pgversions" | tail -1)
pgc=/usr/lib/postgresql/$newest/bin/pg_config
control=$($pgc --sharedir)/extension/migrate.control
# packages of migrate already installed are someone's: never purge them
for p in "${debpkgs[@]}"; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        check "package $p is not installed already (remove it first: this test installs and purges its own)" false
        exit 1
    fi
done
if [ -e "$control" ] && ! dpkg -S "$control" >/dev/null 2>&1; then
    had_source_install=yes
    # build now, so the window without a source install stays short; a tree
    # that does not build could not be restored: stop before installing
    if ! make -s -C "$root" >"$WORK/make.log" 2>&1; then
        tail -20 "$WORK/make.log" | sed 's/^/# /'
        check "the source tree builds, so that its install can be restored after the purge" false
        exit 1
    fi
else
    had_source_install=no
fi

echo "# apt-get install ${debs[*]##*/}"
installed=yes
check "apt-get install the packages" quiet "$WORK/install.log" apt-get install -y -q "${debs[@]}" ||
    { tail -20 "$WORK/install.log"; exit 1; }
check "dpkg --verify: installed files are the packages' own" dpkg --verify "${debpkgs[@]}"

# files where pg_config says they belong
for p in "${debpkgs[@]}"; do dpkg -L "$p" >"$WORK/files.$p"; done
has() { grep -qxF "$2" "$WORK/files.$1" && [ -e "$2" ] || { echo "# $1 lacks $2"; return 1; }; }
has_all() {
    local pkg=$1 f
    shift
    for f in "$@"; do has "$pkg" "$f" || return 1; done
}
# has_no PKG REGEX: no file of PKG matches
has_no() {
    local m
    m=$(grep -E "$2" "$WORK/files.$1") || return 0
    echo "$m" | sed 's/^/# /'
    return 1
}
printf 'print-%%:\n\t@echo $($*)\n' >"$WORK/print.mk"
for v in $pgversions; do
    pkg=postgresql-$v-migrate
    pgcv=/usr/lib/postgresql/$v/bin/pg_config
    ext=$($pgcv --sharedir)/extension
    mkvar() { make -s -C "$src" -f Makefile -f "$WORK/print.mk" PG_CONFIG="$pgcv" "print-$1"; }
    data=$(mkvar DATA)
    controls=$(for e in $(mkvar EXTENSION); do echo "$ext/$e.control"; done)
    check "$pkg: $($pgcv --pkglibdir)/migrate.so" has "$pkg" "$($pgcv --pkglibdir)/migrate.so"
    check "$pkg: control files in $ext: $(echo $controls | sed "s|$ext/||g")" has_all "$pkg" $controls
    check "$pkg: the Makefile's DATA in $ext ($(echo $data | wc -w) files)" \
        has_all "$pkg" $(for f in $data; do echo "$ext/$f"; done)
    check "$pkg: migrate_tap.control and migrate_tap--*.sql" \
        has_all "$pkg" "$ext/migrate_tap.control" $(ls "$ext"/migrate_tap--*.sql)
    check "$pkg: no pg_migrate next to the server's programs" has_no "$pkg" pg_migrate
    check "$pkg: pgTAP is not a Depends" \
        bash -c '! dpkg-query -W -f="\${Depends}" "$1" | grep -q pgtap' _ "$pkg"
done
check "pg-migrate: /usr/bin/pg_migrate" has pg-migrate /usr/bin/pg_migrate
check "pg-migrate: man page /usr/share/man/man1/pg_migrate.1.gz" has pg-migrate /usr/share/man/man1/pg_migrate.1.gz
check "pg-migrate: the man page is a man page" \
    bash -c 'zcat /usr/share/man/man1/pg_migrate.1.gz | grep -q "^\.TH"'
for p in "${debpkgs[@]}"; do check "$p: nothing under /usr/local" has_no "$p" '^/usr/local'; done
check "/usr/bin/pg_migrate --version says $UPSTREAM" \
    bash -c '/usr/bin/pg_migrate --version | grep -qw -- "$1"' _ "$UPSTREAM"

# deploy a copy of examples/ (init may write into the directory)
EXAMPLES=$WORK/examples
cp -r "$src/examples" "$EXAMPLES"
export EXAMPLES
echo "# pg_virtualenv -t: deploy examples/ with /usr/bin/pg_migrate"
# run from inside another pg_virtualenv (tools/test.sh), its settings would
# point this cluster at the outer one's port and configuration
env -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER -u PGPASSWORD -u PGSYSCONFDIR \
    -u PG_CLUSTER_CONF_ROOT -u PGCLUSTER \
    pg_virtualenv -t -v "$newest" bash "$self" --cluster >"$WORK/cluster.log" 2>&1
rc=$?
grep -E '^(not )?ok ' "$WORK/cluster.log"
if [ "$rc" -ne 0 ] || grep -q '^not ok' "$WORK/cluster.log"; then
    grep -vE '^(not )?ok ' "$WORK/cluster.log" | tail -30 | sed 's/^/# /'
fi
check "pg_virtualenv -t: cluster made, used and dropped" test "$rc" -eq 0
# finish (the EXIT trap) purges, restores and prints the summary
