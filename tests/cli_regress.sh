#!/usr/bin/env bash
# Every scenario in scenarios/ gives the results it gave when its reference
# was stored: the summary JSON (every metric's sum/mean/min/max/last, every
# latency block, every cost), compared as text with only `wall_s` taken out.
# Guards refactors (issue 16's redesign had to keep every result): a change
# that is meant to alter results updates the references in the same commit
# and says why in its message and in tests/regress/CHANGES.md.
#
# Long scenarios (bench/, plan/black-friday) run for a shortened --duration
# so that the suite stays fast; tests/regress/list says how each one runs.
#
# Usage: bash tests/cli_regress.sh /path/to/cirrus /path/to/source [--update]
#   --update   rewrite the references from this binary (then review the diff)
set -u
source "$(dirname "$0")/clilib.sh"
UPDATE=${3:-}
cli_setup regress "$@"
REF=$SRC/tests/regress

strip_wall() { sed -E 's/"wall_s":[^,}]*,?//g' "$1"; }

while read -r scenario args; do
    case $scenario in ''|'#'*) continue ;; esac
    name=$(echo "${scenario%.yaml}" | tr / _)
    # shellcheck disable=SC2086
    run "$scenario" 0 run "$SRC/$scenario" -o "$name.h5" --summary-json "$name.json" -q $args
    [ -f "$name.json" ] || continue
    strip_wall "$name.json" >"$name.cmp"
    if [ "$UPDATE" = "--update" ]; then
        cp "$name.cmp" "$REF/$name.json"
        pass
    elif [ ! -f "$REF/$name.json" ]; then
        fail "$scenario: no reference tests/regress/$name.json (run with --update)"
    elif cmp -s "$name.cmp" "$REF/$name.json"; then
        pass
    else
        fail "$scenario: summary differs from tests/regress/$name.json"
        # Name the first numbers that moved, for the reader of the CI log.
        diff <(tr ',' '\n' <"$REF/$name.json") <(tr ',' '\n' <"$name.cmp") | head -12
    fi
done <"$REF/list"

# Every scenario in the tree is in the list (a new one needs a reference).
for f in $(cd "$SRC" && ls scenarios/*.yaml scenarios/*/*.yaml); do
    if grep -q "^$f\b" "$REF/list"; then pass; else fail "$f is not in tests/regress/list"; fi
done
cli_finish
