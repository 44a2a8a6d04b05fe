#!/usr/bin/env bash
# Scripted console input: lines piped into `trapeze run` reach the guest's
# shell whatever its prompt and whether or not it runs busybox's line editor.
#
# Makes initramfs variants whose /init is a plain shell (busybox ash on
# /dev/console: no job control, no controlling tty), by appending a small
# newc archive with a replacement /init to the project's initramfs.cpio
# (Linux unpacks concatenated archives in order, later entries win), then
# pipes lines into `trapeze run ... --until MARKER`. A marker is what the
# typed command prints, never the command itself (`echo IN-$((6*7))` prints
# IN-42; the tty's echo of the line does not contain it), so only a line the
# guest's shell read and ran can end the run. Each case must exit 0 with the
# marker on a console line of its own. Ends with `input check: N passed, N failed`.
#
# Usage: Guest/linux/check-input.sh TRAPEZE_BIN
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
trapeze=${1:?usage: check-input.sh TRAPEZE_BIN}
image=$("$here/build.sh" | tail -1)
kdir=$("$here/kernel.sh" | tail -1)
[ -x "$kdir/gen_init_cpio" ] || { echo "no gen_init_cpio in $kdir" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# initramfs NAME INIT_BODY: $work/NAME.cpio, the project's initramfs with /init replaced.
initramfs() {
    local name=$1 body=$2
    printf '#!/bin/sh\n%s\n' "$body" > "$work/$name.init"
    printf 'file /init %s 0755 0 0\n' "$work/$name.init" > "$work/$name.list"
    "$kdir/gen_init_cpio" "$work/$name.list" > "$work/$name.extra.cpio" || exit 1
    cat "$image/initramfs.cpio" "$work/$name.extra.cpio" > "$work/$name.cpio"
}
initramfs plain 'mount -t proc proc /proc; echo READY; exec /bin/sh'
# A prompt no console code could know, and one that ends its line.
initramfs prompt "mount -t proc proc /proc; echo READY; PS1='guest-%> ' exec /bin/sh"
initramfs newline-prompt "mount -t proc proc /proc; echo READY; PS1='ready
' exec /bin/sh"

passed=0 failed=0
# check NAME MARKER INPUT trapeze-run-arguments...
check() {
    local name=$1 marker=$2 input=$3
    shift 3
    printf '%s' "$input" | "$trapeze" run --kernel "$image/vmlinux" --timeout 60 --until "$marker" "$@" \
        > "$work/$name.log" 2> "$work/$name.err"
    local status=$?
    if [ $status -ne 0 ]; then
        echo "FAIL $name: trapeze exited $status"
        tail -8 "$work/$name.err"
        failed=$((failed + 1))
    elif ! tr -d '\r' < "$work/$name.log" | grep -qx -- "$marker"; then
        echo "FAIL $name: no console line '$marker'"
        tail -5 "$work/$name.log"
        failed=$((failed + 1))
    else
        echo "PASS $name ($(tail -1 "$work/$name.err"))"
        passed=$((passed + 1))
    fi
}

check plain-shell IN-42 'echo IN-$((6*7))
' --initrd "$work/plain.cpio"
check plain-shell-kvm IN-42 'echo IN-$((6*7))
' --initrd "$work/plain.cpio" --mode kvm
# Several lines: one after a sleep, one read by a builtin that prints no prompt.
check custom-prompt V=SECRET-3 'x=$((1+2))
sleep 1
read v
secret
echo "V=$v-$x" | tr a-z A-Z
' --initrd "$work/prompt.cpio"
check newline-prompt LINES-2 'a=1
echo LINES-$((a+1))
' --initrd "$work/newline-prompt.cpio"
# The project's own interactive shell (busybox's line editor, job control).
check workload-shell SHELL-6 'echo SHELL-$((2*3))
exit
' --initrd "$image/initramfs.cpio" --workload shell

echo "input check: $passed passed, $failed failed"
[ $failed -eq 0 ]
