#!/usr/bin/env bash
# The Lambda model against real AWS measurements, shortened for CI: the six
# experiments of tests/data/aws-lambda-2020 (about 28 h each) judged with the
# model's defaults, as docs/validation.md does (there with runs four times
# longer, and the trace replays and alternatives: that is
# `scripts/lambda_validation.py --write-docs`).
#
# The check (issue 17): with p the expected cold-start fraction at each
# experiment's rate (Poisson arrivals over 50 times the experiment's
# length: its own noise is about 2%), n the measured requests after the
# first quarter and O the measured cold starts among them,
# X2 = sum (O - n p)^2 / (n p (1 - p)) must be below 12.59, the 95% quantile
# of chi-square with 6 degrees of freedom.  A 2-minute idle timeout must
# fail: the check can fail.
#
# Usage: bash tests/cli_lambda_validation.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup lambda_validation "$@"

TOOL=$SRC/scripts/lambda_validation.py
if /usr/bin/python3 "$TOOL" --cirrus "$CIRRUS" --check >"$OUT" 2>"$ERR"; then pass; else fail "check with the defaults"; fi
contains "X2 below the 95% quantile" "$OUT" "ok X2 "
n_rows=$(grep -c '^20[0-9-]*_[0-9-]*: rate .* z [+-]' "$OUT")
if [ "$n_rows" -eq 6 ]; then pass; else fail "six experiments in the table (got $n_rows)"; fi
cat "$OUT"

if /usr/bin/python3 "$TOOL" --cirrus "$CIRRUS" --check --params idle_timeout=2m >"$OUT" 2>"$ERR"; then
    fail "a 2-minute idle timeout passed the check"
else
    pass
fi
contains "a 2-minute idle timeout fails" "$OUT" "FAIL X2 "

cli_finish
