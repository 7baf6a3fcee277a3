#!/usr/bin/env bash
# Ingest's journal on a full disk (precis issue 11, item 2): runs
# journal_full_test.py against a pipeline whose ingest keeps its journal on
# a small tmpfs of its own. Needs root for the mount: exits 77 (skipped)
# otherwise, or when the mount fails. The tmpfs is always unmounted.
#
#   tests/journal_full_test.sh BIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "journal_full: not root, skipped"; exit 77; }
mnt=$(mktemp -d /tmp/precis-journal-full.XXXXXX)
cleanup() {
    local status=$?
    umount "$mnt" 2>/dev/null || true
    rmdir "$mnt" 2>/dev/null || true
    exit "$status"
}
trap cleanup EXIT INT TERM
if ! mount -t tmpfs -o size=8m,mode=0700 tmpfs "$mnt"; then
    echo "journal_full: cannot mount a tmpfs, skipped"
    exit 77
fi
export JOURNAL_DIR="$mnt/journal"
export PRECIS_INGEST_ARGS="--journal $JOURNAL_DIR --retry-ms 2000"
"$here/with_pipeline.sh" "$1" -- /usr/bin/python3 "$here/journal_full_test.py"
