#!/usr/bin/env bash
# Boots the Trapeze Linux guest image under the oracle,
#   qemu-system-ppc -M ppce500 -cpu e500mc -m 256 -nographic -no-reboot
# with `console=ttyS0 nospectre_v2 trapeze.workload=WORKLOAD` (Trapeze's default
# command line), prints the console on stdout
# and exits 0 when `TRAPEZE-WORKLOAD-END WORKLOAD` appeared. Timings go to
# stderr: qemu start -> TRAPEZE-BOOTED, BEGIN -> END, start -> qemu exit.
#
# Usage: Guest/linux/qemu-boot.sh [WORKLOAD] [extra qemu args...]
#   WORKLOAD: boot (default), echo-spawn, find, shell. `shell` on a terminal
#   runs qemu interactively (Ctrl-A x quits); with stdin from a pipe it feeds
#   the pipe to the guest shell.
# Env:
#   LINUX_DIR   image directory (default: the output of build.sh, which
#               builds or reuses the cached image)
#   INITRD      initramfs file (default: LINUX_DIR/initramfs.cpio)
#   APPEND      extra kernel command line arguments
#   TIMEOUT     seconds before qemu is killed (default 300)
#   LOG         also write the console to this file
#   QEMU_SYSTEM_PPC  the qemu binary (default qemu-system-ppc)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRAPEZE_LOG_TAG="qemu-boot"
. "$here/../lib/common.sh"

workload=${1:-boot}
[ $# -gt 0 ] && shift
case "$workload" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac

trapeze_ensure_qemu_system
if [ -z "${LINUX_DIR:-}" ]; then
    LINUX_DIR=$("$here/build.sh" | tail -1)
fi
initrd=${INITRD:-$LINUX_DIR/initramfs.cpio}
[ -f "$LINUX_DIR/vmlinux" ] || trapeze_die "no vmlinux in $LINUX_DIR"
[ -f "$initrd" ] || trapeze_die "no initramfs $initrd"
timeout_s=${TIMEOUT:-300}

append="console=ttyS0 nospectre_v2 trapeze.workload=$workload${APPEND:+ $APPEND}"
qemu=("$QEMU_SYSTEM_PPC" -M ppce500 -cpu e500mc -m 256 -nographic -no-reboot -nic none
      -kernel "$LINUX_DIR/vmlinux" -initrd "$initrd" -append "$append" "$@")
trapeze_log "${qemu[*]}"

# Interactive shell on a terminal: hand the terminal to qemu.
if [ "$workload" = shell ] && [ -t 0 ]; then
    exec "${qemu[@]}"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pidfile=$tmp/qemu.pid
# The guest reads the console only for `shell` (fd 4: this script's stdin);
# otherwise qemu's stdin is /dev/null.
if [ "$workload" = shell ]; then exec 4<&0; else exec 4</dev/null; fi

t0=$EPOCHREALTIME
t_booted="" t_begin="" t_end="" failed=""
since() { awk -v a="$t0" -v b="$1" 'BEGIN {printf "%.2f", b - a}'; }

# qemu ends itself when the guest reboots (-no-reboot). It is killed when it
# has not within 30 s of the END/FAILED marker, or after TIMEOUT overall.
# The console is read with a 1-second timeout so this shell can keep those
# deadlines without helper processes; a line cut by a timeout is completed by
# the next read.
deadline=$((EPOCHSECONDS + timeout_s))
killed=""
on_line() {
    local line=${1%$'\r'}
    printf '%s\n' "$line"
    [ -n "${LOG:-}" ] && printf '%s\n' "$line" >> "$LOG"
    case "$line" in
        TRAPEZE-BOOTED) t_booted=$EPOCHREALTIME ;;
        "TRAPEZE-WORKLOAD-BEGIN $workload") t_begin=$EPOCHREALTIME ;;
        "TRAPEZE-WORKLOAD-END $workload") t_end=$EPOCHREALTIME; deadline=$((EPOCHSECONDS + 30)) ;;
        "TRAPEZE-WORKLOAD-FAILED $workload"*) failed=$line; deadline=$((EPOCHSECONDS + 30)) ;;
    esac
    return 0
}
exec 3< <("${qemu[@]}" -pidfile "$pidfile" <&4 2>&1; echo $? > "$tmp/status")
reader=$!
partial=""
while :; do
    chunk=""
    if IFS= read -r -t 1 chunk <&3; then
        on_line "$partial$chunk"
        partial=""
    elif [ $? -gt 128 ]; then
        partial+=$chunk
        if [ -z "$killed" ] && [ "$EPOCHSECONDS" -ge "$deadline" ] && [ -s "$pidfile" ]; then
            killed=yes
            trapeze_log "qemu still running at the deadline; killing it"
            kill "$(cat "$pidfile")" 2>/dev/null || true
        fi
    else
        [ -n "$partial$chunk" ] && on_line "$partial$chunk"
        break
    fi
done
exec 3<&-
wait "$reader" 2>/dev/null || true
qemu_status=$(cat "$tmp/status" 2>/dev/null || echo "?")
t_exit=$EPOCHREALTIME

summary="$workload: qemu exit status $qemu_status${killed:+ (killed)} after $(since "$t_exit") s"
[ -n "$t_booted" ] && summary="$summary; TRAPEZE-BOOTED at $(since "$t_booted") s"
if [ -n "$t_begin" ] && [ -n "$t_end" ]; then
    summary="$summary; workload $(awk -v a="$t_begin" -v b="$t_end" 'BEGIN {printf "%.2f", b - a}') s"
fi
trapeze_log "$summary"
if [ -n "$t_end" ]; then
    trapeze_log "ok: TRAPEZE-WORKLOAD-END $workload"
    exit 0
fi
[ -n "$failed" ] && trapeze_die "$failed"
[ -n "$t_booted" ] || trapeze_die "no TRAPEZE-BOOTED marker"
trapeze_die "no TRAPEZE-WORKLOAD-END $workload marker"
