#!/usr/bin/env bash
# backup.sh: back up a Scrutineer data directory and keys directory into one tarball.
#
#   deploy/backup.sh [--live] [--no-check] DATA_DIR KEYS_DIR OUT_TARBALL
#
# What goes in (docs: deploy/README.md, "Back up and restore"):
#   data/log/*.seg   the ballot log segments: the record of truth
#   data/log/checkpoints.log  every checkpoint the log key signed (the history; a restored
#                    service checks its log against it)
#   data/log/group   the mark of the last group of entries written in one append: a log that
#                    a crash left inside that group is cut back at start-up (docs/LOG_FORMAT.md)
#   data/service/    the service records (sled): accounts, sessions, kiosks, the voter roll,
#                    check-ins, publication flags. Not derivable from anything else.
#   keys/*           election.key and log.key (PRIVATE) and their .pub files
#   MANIFEST.sha256  the SHA-256 of every file above (sha256sum format)
#   BACKUP-INFO      when, where, which binary, log size and ballots at backup time
# What stays out: data/index (derived; `scrutineer reindex` rebuilds it from the segments),
# data/exports (temporary), anything else in DATA_DIR.
#
# THE TARBALL IS SECRET: it holds the election key (mints ballot tokens), the log key (signs
# checkpoints), password hashes and the voter roll. It is written with mode 0600 (umask 077).
#
# Consistency:
#   * Default: the service must be stopped. The script takes the same exclusive locks the
#     service takes (flock on data/service/db and data/index/db) for the whole copy, so the
#     service (or a `scrutineer ledger` command) cannot start half-way through, and it refuses
#     with exit code 3 if they are held.
#   * --live: copy while the service runs. The log is copied first (the group mark, the
#     checkpoint journal, then the segments, which are append-only, so the copy is a prefix of
#     the log; a frame cut in the middle is a torn tail, and a group of entries cut in two is
#     cut whole, by the mark, when the restored ledger starts; the log is copied again when a
#     group began during the copy, up to 5 copies in all), then the service records. In that order every ballot in the
#     copied log was cast after its voter's check-in, which is in the later copy of the
#     records, so a restore cannot let a voter check in twice for a ballot it kept. The sled
#     copy itself is not an atomic snapshot: prefer stopping the service for the few seconds a
#     backup takes, or run this script (without --live) on a filesystem snapshot (LVM, btrfs,
#     ZFS) of the directories.
#   * Unless --no-check, the copy is opened with `scrutineer ledger status` in the staging
#     directory before it is packed (this also cuts a torn tail of a live copy), and the log
#     size and ballot count are recorded in BACKUP-INFO; restore.sh checks them again.
#
# The binary: $SCRUTINEER if set, else `scrutineer` on PATH, else /usr/local/bin/scrutineer.
#
# Exit codes: 0 done; 1 failed (nothing is left at OUT_TARBALL); 2 bad usage;
#             3 the data directory is in use (stop the service or pass --live).

set -euo pipefail
umask 077

PROG=backup.sh
FORMAT=scrutineer-backup/1

usage() {
    cat <<'EOF'
usage: backup.sh [--live] [--no-check] DATA_DIR KEYS_DIR OUT_TARBALL

  DATA_DIR     the service's data directory (holds log/ and service/)
  KEYS_DIR     the service's keys directory (election.key, log.key, *.pub)
  OUT_TARBALL  the backup to write (.tar.gz); must not exist yet. It is SECRET.

  --live       copy while the service is running (the log first, then the records)
  --no-check   do not open the copy with `scrutineer ledger status` before packing it

  SCRUTINEER=/path/to/scrutineer chooses the binary used for the check.
EOF
}

die() {
    local code=$1
    shift
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit "$code"
}

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }

LIVE=0
CHECK=1
while [ $# -gt 0 ]; do
    case "$1" in
    --live) LIVE=1; shift ;;
    --no-check) CHECK=0; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    -*) usage >&2; die 2 "unknown option: $1" ;;
    *) break ;;
    esac
done
if [ $# -ne 3 ]; then
    usage >&2
    die 2 "expected DATA_DIR KEYS_DIR OUT_TARBALL, got $# argument(s)"
fi
DATA=$1
KEYS=$2
OUT=$3

for tool in tar gzip sha256sum find sort cp mktemp flock; do
    command -v "$tool" >/dev/null 2>&1 || die 1 "required tool not found: $tool"
done

[ -d "$DATA" ] || die 2 "DATA_DIR $DATA is not a directory"
[ -d "$KEYS" ] || die 2 "KEYS_DIR $KEYS is not a directory"
[ -e "$OUT" ] && die 2 "OUT_TARBALL $OUT already exists: refusing to overwrite it"
OUT_DIR=$(dirname -- "$OUT")
[ -d "$OUT_DIR" ] || die 2 "the directory of OUT_TARBALL ($OUT_DIR) does not exist"
[ -w "$OUT_DIR" ] || die 2 "the directory of OUT_TARBALL ($OUT_DIR) is not writable"

HAVE_LOG=0
HAVE_SERVICE=0
[ -d "$DATA/log" ] && HAVE_LOG=1
[ -d "$DATA/service" ] && HAVE_SERVICE=1
if [ "$HAVE_LOG" = 0 ] && [ "$HAVE_SERVICE" = 0 ]; then
    die 2 "$DATA holds neither log/ nor service/: is it the right data directory?"
fi
SEGMENTS=()
if [ "$HAVE_LOG" = 1 ]; then
    # Segment names are 20 digits, so name order is index order.
    while IFS= read -r -d '' f; do SEGMENTS+=("$f"); done \
        < <(find "$DATA/log" -maxdepth 1 -type f -name '*.seg' -print0 | sort -z)
    [ "${#SEGMENTS[@]}" -gt 0 ] || die 1 "$DATA/log exists but holds no .seg segment files"
    for k in election.key log.key election.pub log.pub; do
        [ -f "$KEYS/$k" ] || die 1 "$KEYS/$k is missing: a log cannot be continued or checked without its keys"
    done
fi

BIN=
if [ "$CHECK" = 1 ] && [ "$HAVE_LOG" = 1 ]; then
    if [ -n "${SCRUTINEER:-}" ]; then
        BIN=$SCRUTINEER
    elif command -v scrutineer >/dev/null 2>&1; then
        BIN=$(command -v scrutineer)
    elif [ -x /usr/local/bin/scrutineer ]; then
        BIN=/usr/local/bin/scrutineer
    else
        die 1 "the scrutineer binary was not found: set SCRUTINEER=/path/to/scrutineer, put it on PATH, or pass --no-check"
    fi
    [ -x "$BIN" ] || die 1 "$BIN is not an executable file"
fi

# Hold the service's own locks for the whole copy (sled takes flock(LOCK_EX) on <db>/db).
if [ "$LIVE" = 0 ]; then
    fd=8
    for db in "$DATA/service/db" "$DATA/index/db"; do
        [ -f "$db" ] || continue
        [ -r "$db" ] || die 1 "cannot read $db (run as the service's user or root)"
        eval "exec $fd<\"\$db\""
        if ! flock --nonblock --exclusive "$fd"; then
            die 3 "$db is locked: the service (or a \`scrutineer ledger\` command) is using $DATA. Stop it first (systemctl stop scrutineer; docker stop ...) and run this again, or pass --live to copy it while it runs (see the comments at the top of this script)"
        fi
        fd=$((fd + 1))
    done
fi

STAGE=
TMP_OUT=
cleanup() {
    local rc=$?
    [ -n "$STAGE" ] && rm -rf -- "$STAGE"
    if [ -n "$TMP_OUT" ] && [ -e "$TMP_OUT" ]; then rm -f -- "$TMP_OUT"; fi
    if [ "$rc" -ne 0 ]; then
        printf '%s: backup FAILED (exit %s); nothing was written to %s\n' "$PROG" "$rc" "$OUT" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

STAGE=$(mktemp -d "$OUT_DIR/.scrutineer-backup.XXXXXX")
ROOT=$STAGE/scrutineer-backup
mkdir -p "$ROOT/data" "$ROOT/keys"

if [ "$LIVE" = 1 ]; then
    say "live copy: the log first, then the service records (see the notes in this script)"
fi

# 1. The group mark, the checkpoint journal, then the segments (append-only: copy them first). The journal
#    goes before the segments: a checkpoint is journaled only after the entries it covers are
#    durable, so in a live copy every journaled checkpoint is covered by the segments copied
#    after it (a restored service refuses a journal that claims more than its log).
#    The group mark goes first and is compared again after the segments: a live copy may end
#    inside a group of entries being written, which the restored service cuts only if the mark
#    names that group. The mark is rewritten before every group, so when it is the same before
#    and after, no group began during the copy, and the copied mark names any the copy cut in
#    two; otherwise everything is copied again.
if [ "$HAVE_LOG" = 1 ]; then
    mkdir -p "$ROOT/data/log"
    tries=0
    while :; do
        rm -f -- "$ROOT/data/log/group"
        if [ -f "$DATA/log/group" ]; then
            cp -p -- "$DATA/log/group" "$ROOT/data/log/group" || die 1 "could not copy $DATA/log/group"
        fi
        if [ -f "$DATA/log/checkpoints.log" ]; then
            cp -p -- "$DATA/log/checkpoints.log" "$ROOT/data/log/" || die 1 "could not copy $DATA/log/checkpoints.log"
        fi
        # Listed after the journal: every entry it covers is in a segment listed here.
        SEGMENTS=()
        while IFS= read -r -d '' f; do SEGMENTS+=("$f"); done \
            < <(find "$DATA/log" -maxdepth 1 -type f -name '*.seg' -print0 | sort -z)
        for f in "${SEGMENTS[@]}"; do
            cp -p -- "$f" "$ROOT/data/log/" || die 1 "could not copy $f"
        done
        if [ -f "$DATA/log/group" ]; then
            cmp -s -- "$DATA/log/group" "$ROOT/data/log/group" && break
        elif [ ! -f "$ROOT/data/log/group" ]; then
            break
        fi
        tries=$((tries + 1))
        [ "$tries" -lt 5 ] || die 1 "a group of entries was being written during each of 5 copies of the log; try again, or stop the service for the backup"
        say "a group of entries began during the copy of the log: copying it again"
    done
    say "copied ${#SEGMENTS[@]} segment file(s)"
else
    say "no log/ in $DATA: no election yet, only the service records are backed up"
fi

# 2. The service records.
if [ "$HAVE_SERVICE" = 1 ]; then
    cp -pR -- "$DATA/service" "$ROOT/data/service" || die 1 "could not copy $DATA/service"
    say "copied the service records (data/service)"
else
    say "warning: no service/ in $DATA (the service never ran here): no accounts, roll or check-ins to back up"
fi

# 3. The keys (flat directory of regular files).
nkeys=0
while IFS= read -r -d '' f; do
    cp -pL -- "$f" "$ROOT/keys/" || die 1 "could not copy $f"
    nkeys=$((nkeys + 1))
done < <(find -L "$KEYS" -maxdepth 1 -type f -print0)
while IFS= read -r -d '' f; do
    say "warning: not a regular file, skipped: $f"
done < <(find -L "$KEYS" -mindepth 1 -maxdepth 1 ! -type f -print0)
say "copied $nkeys file(s) from the keys directory"

# What is left out, said out loud.
while IFS= read -r -d '' f; do
    case "$(basename -- "$f")" in
    log | service) ;;
    index) say "not included (derived, rebuilt by restore.sh): $f" ;;
    *) say "not included: $f" ;;
    esac
done < <(find "$DATA" -mindepth 1 -maxdepth 1 -print0)

# 4. Open the copy: it must load (chain, keys) and tell its size.
LOG_SIZE=
BALLOTS=
VERSION=unknown
if [ -n "$BIN" ]; then
    VERSION=$("$BIN" --version 2>/dev/null || echo unknown)
    if ! status=$("$BIN" ledger --data "$ROOT/data" --keys "$ROOT/keys" status 2>&1); then
        printf '%s\n' "$status" >&2
        die 1 "the copy does not open with \`$BIN ledger status\` (output above)"
    fi
    rm -rf -- "$ROOT/data/index"
    LOG_SIZE=$(printf '%s\n' "$status" | sed -n 's/.*log size \([0-9][0-9]*\).*/\1/p' | head -n1)
    BALLOTS=$(printf '%s\n' "$status" | sed -n 's/.*ballots \([0-9][0-9]*\).*/\1/p' | head -n1)
    [ -n "$LOG_SIZE" ] || die 1 "could not read the log size from: $status"
    say "the copy opens: log size $LOG_SIZE, ballots ${BALLOTS:-?}"
fi

# 5. Manifest and description.
(
    cd "$ROOT"
    find data keys -type f -print0 | sort -z | xargs -0 --no-run-if-empty sha256sum --
) >"$ROOT/MANIFEST.sha256" || die 1 "could not hash the copied files"
NFILES=$(wc -l <"$ROOT/MANIFEST.sha256")
{
    echo "format: $FORMAT"
    echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(hostname 2>/dev/null || echo unknown)"
    if [ "$LIVE" = 1 ]; then echo "mode: live"; else echo "mode: stopped"; fi
    echo "data_dir: $DATA"
    echo "keys_dir: $KEYS"
    echo "scrutineer: $VERSION"
    echo "log_size: ${LOG_SIZE:-unchecked}"
    echo "ballots: ${BALLOTS:-unchecked}"
    echo "files: $NFILES"
} >"$ROOT/BACKUP-INFO"

# 6. Pack next to the destination, make it durable, then move it into place.
TMP_OUT=$(mktemp "$OUT_DIR/.scrutineer-backup.tar.gz.XXXXXX")
tar -C "$STAGE" --numeric-owner -czf "$TMP_OUT" scrutineer-backup || die 1 "tar failed"
chmod 0600 "$TMP_OUT"
sync -- "$TMP_OUT" 2>/dev/null || sync
[ -e "$OUT" ] && die 1 "$OUT appeared while the backup was being written: refusing to overwrite it"
mv -n -- "$TMP_OUT" "$OUT"
[ -e "$TMP_OUT" ] && die 1 "could not move the backup into place at $OUT"
TMP_OUT=
sync -- "$OUT_DIR" 2>/dev/null || true

SUM=$(sha256sum -- "$OUT" | cut -d' ' -f1)
cat <<EOF
backup written: $OUT
  files: $NFILES (segments, service records, keys), log size ${LOG_SIZE:-unchecked}, ballots ${BALLOTS:-unchecked}, mode $([ "$LIVE" = 1 ] && echo live || echo stopped)
  sha256: $SUM
  THIS FILE IS SECRET: it holds the election and log private keys, password hashes and the
  voter roll. Keep it encrypted and offline; restore it with deploy/restore.sh.
EOF
