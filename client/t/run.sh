#!/usr/bin/env bash
# Run pg_migrate's TAP tests (client/t/*.pl) as t/run.sh runs the server's:
# as the postgres user when invoked as root, ending with "N passed, N failed".
# Needs pg_migrate and the extension installed (make install).
here="$(cd "$(dirname "$0")" && pwd)"
# six files of about a minute each: more time than the server's fault tests
export TAP_TIMEOUT=${TAP_TIMEOUT:-540}
exec bash "$here/../../t/run.sh" --from "$here" "$@"
