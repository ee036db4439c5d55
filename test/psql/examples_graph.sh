#!/usr/bin/env bash
# The examples/ directory deploys with pg_migrate as tools/demo.sh runs it
# (every *.sql file there must be a revision), and the picture of its graph
# in docs/ is what migrate.graph() draws for it today: docs/examples-graph.dot
# is compared with a fresh graph(), and docs/examples-graph.svg must be
# dot's drawing of that file.  REGENERATE=1 rewrites both instead.
cd "$(dirname "$0")"
. ./helpers.bash

examples=$(cd ../../examples && pwd)
docs=$(cd ../../docs && pwd)
newdb G || exit 1
pgm=(pg_migrate -d "$G" --dir "$examples")

check "pg_migrate --dir examples init" "${pgm[@]}" init
check "pg_migrate --dir examples status reads every file there" "${pgm[@]}" status
check "upgrade past the merge" "${pgm[@]}" upgrade 2a8d5f3e6c19
check "upgrade the reporting branch" "${pgm[@]}" upgrade f4e07a2c86b1
is "$(q "$G" "SELECT string_agg(c, ' ') FROM migrate.current() c")" "2a8d5f3e6c19 f4e07a2c86b1" \
    "two version rows, three revisions pending"

printf '%s\n' "$(q "$G" "SELECT migrate.graph()")" >"$WORK/examples-graph.dot"
if [ "${REGENERATE:-}" = 1 ]; then
    cp "$WORK/examples-graph.dot" "$docs/examples-graph.dot"
    dot -Tsvg "$docs/examples-graph.dot" -o "$docs/examples-graph.svg"
    echo "# rewrote docs/examples-graph.dot and docs/examples-graph.svg"
fi
same_files "$docs/examples-graph.dot" "$WORK/examples-graph.dot" \
    "docs/examples-graph.dot is what graph() draws for examples/ (to redraw: REGENERATE=1 pg_virtualenv -t bash test/psql/examples_graph.sh)"
like "$(cat "$WORK/examples-graph.dot")" '"2a8d5f3e6c19" \[label="2a8d5f3e6c19\\nAudit every change to orders and payment...\\n\[current\]", fillcolor="#d5e8d4", color="#1b5e20", penwidth=3' \
    "the version rows are drawn in bold"
like "$(cat "$WORK/examples-graph.dot")" '"5e7a91d3c4b8" -> "41c6f9a8e3d2" \[style=dashed' "the dependency is dashed"
if command -v dot >/dev/null; then
    check "dot draws docs/examples-graph.dot" dot -Tsvg "$docs/examples-graph.dot" -o "$WORK/examples-graph.svg"
    # the drawing names every revision and labels the graph as the DOT does
    for id in $(sed -n 's/^\t"\([0-9a-f]\{12\}\)" \[label=.*/\1/p' "$docs/examples-graph.dot"); do
        grep -q ">$id" "$docs/examples-graph.svg" || { not_ok "docs/examples-graph.svg lacks $id: redraw it"; continue; }
    done
    like "$(cat "$docs/examples-graph.svg")" "$(sed -n 's/.*label="\([0-9]* revisions[^"]*\)".*/\1/p' "$docs/examples-graph.dot" | head -1)" \
        "docs/examples-graph.svg carries the DOT's title"
else
    ok "dot draws docs/examples-graph.dot # SKIP Graphviz is not installed"
fi
finish
