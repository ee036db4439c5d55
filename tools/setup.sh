#!/usr/bin/env bash
# Install what migrate needs on Debian 12, build it and install it into the
# server's directories (the extension, and pg_migrate linked from
# /usr/local/bin).  Safe to run again.
#   bash tools/setup.sh          everything the tests need: PostgreSQL 15, its
#                                headers, pgTAP, pg_prove, Alembic for the
#                                differential test, IPC::Run for the TAP fault
#                                tests, clang and its sanitizer runtime for
#                                the fuzzers, Graphviz for pictures of the
#                                revision graph
#   bash tools/setup.sh --demo   only what building and running it needs
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(postgresql-15 postgresql-server-dev-15 make gcc)
if [ "${1:-}" != "--demo" ]; then
    packages+=(postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl python3-alembic
               libipc-run-perl libio-pty-perl clang-14 libclang-rt-14-dev graphviz)
fi
need=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "== installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${need[@]}"
fi

echo "== building migrate"
make -s clean
make -s ${MIGRATE_CFLAGS:+PG_CFLAGS_EXTRA="$MIGRATE_CFLAGS"}
make -s install

# make install puts pg_migrate next to the server's programs, which Debian
# keeps off PATH; a link makes it a command like psql
bindir=$(pg_config --bindir)
if [ -w /usr/local/bin ] && [ "$(command -v pg_migrate || true)" != /usr/local/bin/pg_migrate ]; then
    ln -sf "$bindir/pg_migrate" /usr/local/bin/pg_migrate
    echo "== linked /usr/local/bin/pg_migrate -> $bindir/pg_migrate"
fi
mandir=$(pg_config --mandir)
if [ -f "$mandir/man1/pg_migrate.1" ] && mkdir -p /usr/local/share/man/man1 2>/dev/null; then
    ln -sf "$mandir/man1/pg_migrate.1" /usr/local/share/man/man1/pg_migrate.1
fi
