#!/usr/bin/env bash
# restore.sh: restore a backup made by backup.sh into new, empty directories.
#
#   deploy/restore.sh [--owner USER[:GROUP]] TARBALL DATA_DIR KEYS_DIR
#
# Steps: refuse a non-empty target; list the tarball and refuse any member outside
# scrutineer-backup/ (absolute paths, "..", links, devices); unpack it into a private staging
# directory next to DATA_DIR; check every file against MANIFEST.sha256 and refuse files the
# manifest does not list; move data/log and data/service into DATA_DIR and the keys into
# KEYS_DIR (owner-only permissions); rebuild the index with
# `scrutineer reindex --data DATA_DIR --keys KEYS_DIR`; open the result with
# `scrutineer ledger status` and compare the log size with the one recorded at backup time;
# hand the files to --owner (e.g. scrutineer:scrutineer) if asked; print the next steps.
#
# The binary: $SCRUTINEER if set, else `scrutineer` on PATH, else /usr/local/bin/scrutineer.
#
# Exit codes: 0 restored; 1 failed; 2 bad usage; 3 a target directory is not empty;
#             4 the backup is damaged or not a Scrutineer backup (nothing was written).

set -euo pipefail
umask 077

PROG=restore.sh
FORMAT=scrutineer-backup/1

usage() {
    cat <<'EOF'
usage: restore.sh [--owner USER[:GROUP]] TARBALL DATA_DIR KEYS_DIR

  TARBALL   a backup written by backup.sh
  DATA_DIR  where to put log/ and service/ (must be missing or empty)
  KEYS_DIR  where to put the keys (must be missing or empty)

  --owner USER[:GROUP]  chown the restored files (e.g. scrutineer:scrutineer; needs root)

  SCRUTINEER=/path/to/scrutineer chooses the binary used for reindex.
EOF
}

die() {
    local code=$1
    shift
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit "$code"
}

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }

OWNER=
while [ $# -gt 0 ]; do
    case "$1" in
    --owner)
        [ $# -ge 2 ] || die 2 "--owner needs USER[:GROUP]"
        OWNER=$2
        shift 2
        ;;
    --owner=*) OWNER=${1#--owner=}; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    -*) usage >&2; die 2 "unknown option: $1" ;;
    *) break ;;
    esac
done
if [ $# -ne 3 ]; then
    usage >&2
    die 2 "expected TARBALL DATA_DIR KEYS_DIR, got $# argument(s)"
fi
TARBALL=$1
DATA=$2
KEYS=$3

for tool in tar gzip sha256sum find sort cp mv mktemp realpath; do
    command -v "$tool" >/dev/null 2>&1 || die 1 "required tool not found: $tool"
done

[ -f "$TARBALL" ] || die 2 "TARBALL $TARBALL is not a file"
[ -r "$TARBALL" ] || die 2 "TARBALL $TARBALL is not readable"

# The targets: missing or empty directories, distinct, not nested.
for d in "$DATA" "$KEYS"; do
    if [ -e "$d" ] || [ -L "$d" ]; then
        [ -d "$d" ] || die 3 "$d exists and is not a directory"
        if [ -n "$(find "$d" -mindepth 1 -maxdepth 1 -print -quit)" ]; then
            die 3 "$d is not empty: refusing to overwrite it. Move it aside first (mv $d $d.old) or choose another directory"
        fi
    fi
done
DATA_ABS=$(realpath -m -- "$DATA")
KEYS_ABS=$(realpath -m -- "$KEYS")
[ "$DATA_ABS" != "$KEYS_ABS" ] || die 2 "DATA_DIR and KEYS_DIR must be different directories"
case "$KEYS_ABS/" in "$DATA_ABS"/*) die 2 "KEYS_DIR must not be inside DATA_DIR" ;; esac
case "$DATA_ABS/" in "$KEYS_ABS"/*) die 2 "DATA_DIR must not be inside KEYS_DIR" ;; esac
DATA_PARENT=$(dirname -- "$DATA_ABS")

if [ -n "${SCRUTINEER:-}" ]; then
    BIN=$SCRUTINEER
elif command -v scrutineer >/dev/null 2>&1; then
    BIN=$(command -v scrutineer)
elif [ -x /usr/local/bin/scrutineer ]; then
    BIN=/usr/local/bin/scrutineer
else
    die 1 "the scrutineer binary was not found: set SCRUTINEER=/path/to/scrutineer or put it on PATH (it rebuilds the index)"
fi
[ -x "$BIN" ] || die 1 "$BIN is not an executable file"

# 1. What is in the tarball: only regular files and directories under scrutineer-backup/.
listing=$(tar -tvzf "$TARBALL" 2>&1) || {
    printf '%s\n' "$listing" >&2
    die 4 "$TARBALL is not a readable .tar.gz"
}
bad_types=$(printf '%s\n' "$listing" | grep -v '^[-d]' || true)
[ -z "$bad_types" ] || die 4 "$TARBALL holds links or special files, refusing it:
$bad_types"
names=$(tar -tzf "$TARBALL") || die 4 "$TARBALL could not be listed"
while IFS= read -r n; do
    case "$n" in
    scrutineer-backup/ | scrutineer-backup/*) ;;
    *) die 4 "$TARBALL holds \"$n\", outside scrutineer-backup/: not a backup from backup.sh" ;;
    esac
    case "/$n/" in
    */../* | */./*) die 4 "$TARBALL holds the unsafe path \"$n\"" ;;
    esac
done <<<"$names"

# 2. Unpack next to DATA_DIR (same filesystem, so the final moves are renames).
WORK=
INSTALLED=0
cleanup() {
    local rc=$?
    [ -n "$WORK" ] && rm -rf -- "$WORK"
    if [ "$rc" -ne 0 ]; then
        if [ "$INSTALLED" = 1 ]; then
            printf '%s: restore FAILED (exit %s) after files were placed in %s and %s: remove both before trying again\n' "$PROG" "$rc" "$DATA" "$KEYS" >&2
        else
            printf '%s: restore FAILED (exit %s); %s and %s were not touched\n' "$PROG" "$rc" "$DATA" "$KEYS" >&2
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p -- "$DATA_PARENT" || die 1 "could not create $DATA_PARENT (the parent of DATA_DIR)"
WORK=$(mktemp -d "$DATA_PARENT/.scrutineer-restore.XXXXXX")
tar -xzf "$TARBALL" -C "$WORK" --no-same-owner --no-same-permissions || die 4 "could not unpack $TARBALL"
ROOT=$WORK/scrutineer-backup
[ -f "$ROOT/MANIFEST.sha256" ] || die 4 "$TARBALL has no MANIFEST.sha256: not a backup from backup.sh"
[ -f "$ROOT/BACKUP-INFO" ] || die 4 "$TARBALL has no BACKUP-INFO: not a backup from backup.sh"
info() { sed -n "s/^$1: //p" "$ROOT/BACKUP-INFO" | head -n1; }
fmt=$(info format)
[ "$fmt" = "$FORMAT" ] || die 4 "$TARBALL is backup format \"$fmt\"; this script reads $FORMAT"

# 3. Every file matches the manifest, and the manifest lists every file.
if ! failures=$(cd "$ROOT" && sha256sum --check --strict --quiet MANIFEST.sha256 2>&1); then
    printf '%s\n' "$failures" >&2
    die 4 "the backup does not match its manifest (lines above): it is damaged or was altered; restore another copy"
fi
listed=$(sed -E 's/^[0-9a-f]{64} [ *]//' "$ROOT/MANIFEST.sha256" | sort)
present=$(cd "$ROOT" && find data keys -type f 2>/dev/null | sort)
if [ "$listed" != "$present" ]; then
    extra=$(comm -13 <(printf '%s\n' "$listed") <(printf '%s\n' "$present"))
    die 4 "the backup holds files its manifest does not list: ${extra:-?}"
fi
say "all $(wc -l <"$ROOT/MANIFEST.sha256") files match MANIFEST.sha256 (backup of $(info created), mode $(info mode), log size $(info log_size))"

HAVE_LOG=0
[ -d "$ROOT/data/log" ] && HAVE_LOG=1
if [ "$HAVE_LOG" = 1 ]; then
    for k in election.key log.key; do
        [ -f "$ROOT/keys/$k" ] || die 4 "the backup has a log but no keys/$k"
    done
fi

# 4. Put the files in place.
INSTALLED=1
mkdir -p -- "$DATA" "$KEYS"
chmod 0700 -- "$DATA" "$KEYS"
for part in log service; do
    if [ -d "$ROOT/data/$part" ]; then
        mv -- "$ROOT/data/$part" "$DATA/$part" || die 1 "could not move data/$part into $DATA"
    fi
done
if [ -d "$ROOT/keys" ]; then
    find "$ROOT/keys" -mindepth 1 -maxdepth 1 -type f -exec cp -p -- {} "$KEYS/" \; ||
        die 1 "could not copy the keys into $KEYS"
fi
chmod -R go-rwx -- "$DATA" "$KEYS"
say "files restored into $DATA and $KEYS"

# 5. Rebuild the index and check the result against the backup.
if [ "$HAVE_LOG" = 1 ]; then
    if ! out=$("$BIN" reindex --data "$DATA" --keys "$KEYS" 2>&1); then
        printf '%s\n' "$out" >&2
        die 1 "\`$BIN reindex\` failed (output above)"
    fi
    say "${out%%$'\n'*}"
    if ! status=$("$BIN" ledger --data "$DATA" --keys "$KEYS" status 2>&1); then
        printf '%s\n' "$status" >&2
        die 1 "the restored ledger does not open (output above)"
    fi
    size=$(printf '%s\n' "$status" | sed -n 's/.*log size \([0-9][0-9]*\).*/\1/p' | head -n1)
    expected=$(info log_size)
    if [ -n "$expected" ] && [ "$expected" != unchecked ] && [ "$size" != "$expected" ]; then
        die 1 "the restored log has $size entries, the backup recorded $expected"
    fi
else
    status="(no election in this backup: only the service records were restored)"
fi

if [ -n "$OWNER" ]; then
    chown -R -- "$OWNER" "$DATA" "$KEYS" || die 1 "chown -R $OWNER failed (it needs root)"
    say "handed $DATA and $KEYS to $OWNER"
fi

cat <<EOF

restored: $TARBALL
  data: $DATA
  keys: $KEYS
$(printf '%s\n' "$status" | sed 's/^/  | /')

Next steps:
EOF
n=1
if [ -z "$OWNER" ] && [ "$(id -u)" = 0 ]; then
    echo "  $n. Give the files to the service's user:  chown -R scrutineer:scrutineer $DATA_ABS $KEYS_ABS"
    n=$((n + 1))
fi
cat <<EOF
  $n. Point the service at them: data_dir = "$DATA_ABS" and keys_dir = "$KEYS_ABS"
     in /etc/scrutineer/scrutineer.toml (or --data-dir/--keys-dir), then start it:
     systemctl start scrutineer   (or: docker start ...)
  $((n + 1)). Check it: curl https://HALL:8443/healthz names the election; sign in as before
     (accounts, kiosk pairings and the roll came back with the service records).
  $((n + 2)). Check the log end to end: GET /api/v1/export (or, service stopped,
     scrutineer ledger --data $DATA_ABS --keys $KEYS_ABS export /tmp/audit) and
     scrutineer verify /tmp/audit  (exit 0 = everything holds).
  $((n + 3)). Anything accepted after the backup was taken is NOT in it: ballots cast, check-ins,
     accounts. During an election, treat a restore as an incident and record it.
  $((n + 4)). The tarball holds private keys: keep it offline and encrypted, or destroy it.
EOF
