#!/usr/bin/env bash
# The terminal after an interactive `trapeze run` that fails: whatever ends
# the run once the console may be in raw mode (bad input, a guest panic,
# --timeout, a signal from outside, a crash of the simulator itself), the
# terminal's settings afterwards are the ones it had before, and the exit
# status says what happened.
#
# Each case runs under `script`, so trapeze's stdin is a pseudo-terminal and
# the console is interactive; `stty -g` is taken in that terminal before and
# after. Ends with `terminal check: N passed, N failed`.
#
# Usage: Guest/linux/check-terminal.sh TRAPEZE_BIN
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
trapeze=${1:?usage: check-terminal.sh TRAPEZE_BIN}
case "$trapeze" in */*) trapeze=$(cd "$(dirname "$trapeze")" && pwd)/$(basename "$trapeze") ;; esac
command -v script >/dev/null || { echo "check-terminal: script (util-linux) is needed" >&2; exit 1; }
image=$("$here/build.sh" | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0 failed=0
# check NAME EXPECTED_STATUS COMMAND: COMMAND is shell text run in the pseudo-terminal.
check() {
    local name=$1 expected=$2 command=$3
    # The inner shell prints one result line; trapeze's own output goes to a file.
    timeout 120 script -qec "before=\$(stty -g); $command > '$work/$name.out' 2> '$work/$name.err'; status=\$?;
        after=\$(stty -g); [ \"\$before\" = \"\$after\" ] && same=yes || same=no; stty sane;
        echo \"RESULT status=\$status terminal-restored=\$same\"" /dev/null < /dev/null > "$work/$name.script" 2>&1
    local result
    result=$(tr -d '\r' < "$work/$name.script" | grep '^RESULT ' | tail -1)
    if [ "$result" = "RESULT status=$expected terminal-restored=yes" ]; then
        echo "PASS $name (status $expected, terminal restored)"
        passed=$((passed + 1))
    else
        echo "FAIL $name: expected status $expected and the terminal restored; got: ${result:-no result}"
        tail -5 "$work/$name.err" | sed 's/^/  | /'
        failed=$((failed + 1))
    fi
}

kernel="$image/vmlinux"
initrd="$image/initramfs.cpio"
run="'$trapeze' run"
check foreign-kernel 1 "$run --kernel /bin/sh"
check missing-initrd 1 "$run --kernel '$kernel' --initrd '$work/none.cpio'"
check missing-drive 1 "$run --kernel '$kernel' --initrd '$initrd' --drive '$work/none.img'"
check bad-cost-model 1 "$run --kernel '$kernel' --initrd '$initrd' --mode kvm --cost-model '$work/none.json'"
check unwritable-trace 1 "$run --kernel '$kernel' --initrd '$initrd' --trace '$work/no/such/dir/trace.txt'"
check panic 2 "$run --kernel '$kernel' --append 'console=ttyS0 rdinit=/none'"
check timeout 3 "$run --kernel '$kernel' --initrd '$initrd' --workload shell --timeout 1"
check timeout-kvm 3 "$run --kernel '$kernel' --initrd '$initrd' --workload shell --mode kvm --timeout 1"
# Ended from outside while the guest's shell waits at its prompt: SIGTERM,
# SIGHUP (the terminal went away), and SIGSEGV and SIGILL, the signals of a
# crash, sent by kill (a real fault goes through the same handler on to
# Swift's crash report). `timeout --foreground` keeps trapeze in the
# terminal's foreground process group and reports 124 when it had to send
# the signal.
for signal in TERM HUP SEGV ILL; do
    check "sig$signal" 124 "timeout --foreground -s $signal 2 $run --kernel '$kernel' --initrd '$initrd' --workload shell"
done

echo "terminal check: $passed passed, $failed failed"
[ $failed -eq 0 ]
