#!/usr/bin/env bash
# Run pg_migrate's TAP tests (client/t/*.pl) as t/run.sh runs the server's:
# as the postgres user when invoked as root, ending with "N passed, N failed".
# Needs pg_migrate and the extension installed (make install).
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../../t/run.sh" --from "$here" "$@"
