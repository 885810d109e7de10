#!/usr/bin/env bash
# Outputs never lie (issue 9): a full disk or an unwritable path is an
# exit-1 error naming the path, nothing half-written is left behind, and an
# existing output file is not clobbered by the failed run.
#
# A full disk needs a small filesystem: a 64 KiB tmpfs, which only root can
# mount.  Without it those checks are skipped (and say so); the rest use
# /dev/full (stdout only: GLib would replace /dev/full itself when writing a
# file there with its temp-and-rename) and paths that cannot be written.
#
# Usage: bash tests/cli_diskfull.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup diskfull "$@"
MM4=$SRC/scenarios/validation/mm4.yaml
short=(--duration 2m --set warmup=10s)

# nothing_left WHAT DIR: no temporary file (NAME.tmp-*, NAME.XXXXXX) in DIR.
nothing_left() {
    local left
    left=$(find "$2" -maxdepth 1 \( -name '*.tmp-*' -o -name '*.json.*' \) | head -1)
    if [ -z "$left" ]; then pass; else fail "$1: left $left behind"; fi
}
unchanged() {
    if [ "$(cat "$2")" = "$3" ]; then pass; else fail "$1: $(basename "$2") was changed"; fi
}

# ---- a full disk (tmpfs) ----------------------------------------------------------------

mkdir full
if mount -t tmpfs -o size=64k cirrus-test "$WORK/full" 2>/dev/null; then
    trap 'umount "$WORK/full" 2>/dev/null; rm -rf "$WORK"' EXIT
    # A 2-hour mm4 run writes about 180 KB of series: more than the disk holds.
    echo OLD >full/out.h5
    run "HDF5 on a full disk" 1 run "$MM4" --duration 2h --set warmup=10s -o "$WORK/full/out.h5" --quiet
    contains "HDF5 on a full disk" "$ERR" "cannot write '$WORK/full/out.h5'"
    contains "HDF5 on a full disk" "$ERR" "No space left on device"
    unchanged "HDF5 on a full disk" full/out.h5 OLD
    nothing_left "HDF5 on a full disk" full

    rm full/out.h5
    run "new HDF5 file on a full disk" 1 run "$MM4" --duration 2h --set warmup=10s -o "$WORK/full/new.h5" --quiet
    contains "new HDF5 file on a full disk" "$ERR" "$WORK/full/new.h5"
    if [ -e full/new.h5 ]; then fail "new HDF5 file on a full disk: new.h5 exists"; else pass; fi
    nothing_left "new HDF5 file on a full disk" full

    # Fill the disk, then ask for the summary JSON there (the series go elsewhere).
    echo '{"old":1}' >full/s.json
    dd if=/dev/zero of=full/filler bs=1k count=128 2>/dev/null
    run "summary JSON on a full disk" 1 run "$MM4" "${short[@]}" -o ok.h5 --quiet --summary-json "$WORK/full/s.json"
    contains "summary JSON on a full disk" "$ERR" "cannot write '$WORK/full/s.json'"
    contains "summary JSON on a full disk" "$ERR" "No space left on device"
    unchanged "summary JSON on a full disk" full/s.json '{"old":1}'
    nothing_left "summary JSON on a full disk" full

    # A read-only filesystem: unwritable even for root.
    rm full/filler
    if mount -o remount,ro "$WORK/full" 2>/dev/null; then
        run "HDF5 on a read-only disk" 1 run "$MM4" "${short[@]}" -o "$WORK/full/s.json.h5" --quiet
        contains "HDF5 on a read-only disk" "$ERR" "$WORK/full/s.json.h5"
        contains "HDF5 on a read-only disk" "$ERR" "Read-only file system"
        run "JSON on a read-only disk" 1 run "$MM4" "${short[@]}" -o ok2.h5 --quiet --summary-json "$WORK/full/s.json"
        contains "JSON on a read-only disk" "$ERR" "cannot write '$WORK/full/s.json'"
        unchanged "JSON on a read-only disk" full/s.json '{"old":1}'
    else
        echo "SKIP: cannot remount the tmpfs read-only; the read-only checks are not run"
    fi
else
    echo "SKIP: cannot mount a tmpfs (needs root); the full-disk checks are not run"
fi

# ---- an unwritable directory (for a user other than root) --------------------------------

if [ "$(id -u)" -ne 0 ]; then
    mkdir locked
    echo OLD >locked/out.h5
    chmod 555 locked
    run "HDF5 in a read-only directory" 1 run "$MM4" "${short[@]}" -o "$WORK/locked/out.h5" --quiet
    contains "HDF5 in a read-only directory" "$ERR" "$WORK/locked/out.h5"
    unchanged "HDF5 in a read-only directory" locked/out.h5 OLD
    chmod 755 locked
fi

# ---- a path through a file ---------------------------------------------------------------

echo plain >notadir
run "output under a file" 1 run "$MM4" "${short[@]}" -o "$WORK/notadir/out.h5" --quiet
contains "output under a file" "$ERR" "$WORK/notadir/out.h5"
run "JSON under a file" 1 run "$MM4" "${short[@]}" -o ok3.h5 --quiet --summary-json "$WORK/notadir/s.json"
contains "JSON under a file" "$ERR" "cannot write '$WORK/notadir/s.json'"
unchanged "output under a file" notadir plain

# ---- standard output that cannot be written ---------------------------------------------

# The summary table, then the JSON summary, to /dev/full: the run itself
# succeeds, but what the user asked to see was lost, so the exit is 1.
"$CIRRUS" run "$MM4" "${short[@]}" -o t1.h5 >/dev/full 2>"$ERR"
status=$?
if [ "$status" -eq 1 ]; then pass; else fail "summary table to /dev/full: exit $status, wanted 1"; fi
contains "summary table to /dev/full" "$ERR" "cannot write to standard output: No space left on device"
"$CIRRUS" run "$MM4" "${short[@]}" -o t2.h5 --summary-json - >/dev/full 2>"$ERR"
status=$?
if [ "$status" -eq 1 ]; then pass; else fail "JSON to /dev/full: exit $status, wanted 1"; fi
contains "JSON to /dev/full" "$ERR" "cannot write to standard output"
"$CIRRUS" --version >&- 2>"$ERR"
status=$?
if [ "$status" -eq 1 ]; then pass; else fail "--version with stdout closed: exit $status, wanted 1"; fi
# A command that prints nothing does not fail for it.
"$CIRRUS" validate "$MM4" >/dev/full 2>"$ERR"
status=$?
if [ "$status" -eq 0 ]; then pass; else fail "validate to /dev/full: exit $status, wanted 0"; fi

cli_finish
