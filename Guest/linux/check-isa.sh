#!/usr/bin/env bash
# One program, one result, inside the guest: every program of
# Guest/isa/manifest.txt runs inside Linux (the ISA image, build-isa.sh)
# under `trapeze run` in each mode, alone (workload isa) and under CPU
# competition (isa-busy: a busy loop and a second FP program in the
# background), and what each prints (status, lines, md5 of its stdout up to
# the ~undef/~hwdiff markers) must equal what the same program prints under
# qemu-ppc on the host. With --qemu-system, the image also runs
# once under qemu-system-ppc -M ppce500 -cpu e500mc, which must agree too.
#
# The oracle side must succeed: each qemu-ppc run must end with the status
# the manifest gives and print at least one line.
#
# Ends with `isa guest check: N passed, N failed`.
#
# Usage: Guest/linux/check-isa.sh TRAPEZE_BIN [--modes bare,kvm,pv,bt,bt+fold-returns,bt+translate-accesses,bt:adapt-dm] [--workloads isa,isa-busy] [--qemu-system]
# bt runs the unmodified kernel (kernel.sh --stock), the other modes the image's;
# bt+fold-returns is bt with --bt-fold-returns; bt+translate-accesses is bt
# with load/store translations where they are most exercised: the paper's
# cache placement (faults on many kernel PCs) and a threshold of 2;
# bt:adapt-dm is adaptive data mirroring translating from a site's second
# fault (+paper-cache: with the paper's cache placement).
# Env:   TRAPEZE_ISA_DIR, QEMU_PPC, TIMEOUT (per run, default 900 s)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/common.sh"
trapeze=${1:?usage: check-isa.sh TRAPEZE_BIN [--modes LIST] [--workloads LIST] [--qemu-system]}
shift
modes=bare,kvm,pv,bt,bt+fold-returns,bt+translate-accesses,bt:adapt-dm
workloads=isa,isa-busy
qemu_system=0
while [ $# -gt 0 ]; do
    case "$1" in
        --modes) modes=$2; shift 2 ;;
        --workloads) workloads=$2; shift 2 ;;
        --qemu-system) qemu_system=1; shift ;;
        *) echo "check-isa.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
timeout_s=${TIMEOUT:-900}
image=$("$here/build-isa.sh" | tail -1)
[ -f "$image/initramfs.cpio" ] || { echo "FAIL: no ISA image"; exit 1; }
isa=${TRAPEZE_ISA_DIR:-$(trapeze_cache_root)/isa}
manifest=$here/../isa/manifest.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# The oracle runs each program with the manifest's qemu -cpu, as the
# user-mode suite does. Where the e500mc lacks an instruction, Linux
# emulates it for user programs (load/store string, popcntb: traps.c
# emulate_instruction), so inside the guest a program sees what the kernel's
# emulation does, not what qemu-ppc's CPU does. One program ends otherwise
# inside an e500mc Linux guest, on hardware and under qemu-system-ppc alike
# (checked with --qemu-system); the guest must end it that way:
declare -A guest_status=(
    # Linux 6.1's lswx/stswx emulation adds the register number rB, not
    # its contents, to the EA (traps.c emulate_string_inst: EA += NB_RB), so
    # the first lswx faults: SIGSEGV before anything was flushed to stdout.
    [string]=139
)

# -- The oracle: qemu-ppc on the host ---------------------------------------------
normalize() { sed -E 's/ ~(undef|hwdiff):.*//' "$1"; }
: > "$work/expected"
while read -r name build cpu status args; do
    case "$name" in ''|\#*) continue ;; esac
    [ "$status" = helper ] && continue
    tmp=$(mktemp -d)
    copt=()
    [ "$cpu" != - ] && copt=(-cpu "$cpu")
    a=()
    for t in $args; do
        case "$t" in
            @TMPDIR) a+=("$tmp") ;;
            @ISADIR*) a+=("$isa${t#@ISADIR}") ;;
            @EXEC_PREFIX) a+=("$(command -v "$QEMU_PPC")" ${copt[@]+"${copt[@]}"}) ;;
            *) a+=("$t") ;;
        esac
    done
    (cd "$tmp" && timeout 120 "$QEMU_PPC" "${copt[@]}" "$isa/qemu/$name" "${a[@]}" </dev/null >"$work/q.out" 2>/dev/null)
    rc=$?
    rm -rf "$tmp"
    lines=$(normalize "$work/q.out" | wc -l)
    if [ "$rc" != "$status" ]; then
        fail "oracle $name: qemu-ppc ${copt[*]} exited $rc, the manifest says $status"
        continue
    fi
    if [ "$lines" -eq 0 ]; then
        fail "oracle $name: qemu-ppc printed nothing"
        continue
    fi
    if [ -n "${guest_status[$name]:-}" ]; then
        : > "$work/qemu-$name.out"
        echo "TRAPEZE-ISA $name ${guest_status[$name]} 0 $(md5sum < /dev/null | cut -d' ' -f1)" >> "$work/expected"
        continue
    fi
    normalize "$work/q.out" > "$work/qemu-$name.out"
    echo "TRAPEZE-ISA $name $rc $lines $(md5sum < "$work/qemu-$name.out" | cut -d' ' -f1)" >> "$work/expected"
done < "$manifest"
nexpected=$(wc -l < "$work/expected")
[ "$nexpected" -gt 20 ] || fail "oracle: only $nexpected programs"
echo "oracle: $nexpected programs under qemu-ppc"

# -- A guest run: its TRAPEZE-ISA lines against the oracle's ---------------------------
# kernel_for MODE: bt's guest is the kernel without the pv patches.
kernel_for() {
    if [ "$1" = bt ]; then echo "$("$here/kernel.sh" --stock | tail -1)/vmlinux"; else echo "$image/vmlinux"; fi
}
# mode_args MODE: `trapeze run`'s mode and kernel options for a mode of the
# list; bt+fold-returns is bt with return folding (--bt-fold-returns). The
# cache paths hold no spaces, so the words split safely.
mode_args() {
    local base=${1%%+*} args="" o
    local mode=${base%%:*}
    case "$base" in
        bt:adapt-dm) args="--bt adapt-dm --bt-access-threshold 1" ;;   # the mirror, from a site's second fault
        bt:*) args="--bt ${base#bt:}" ;;
    esac
    IFS=+ read -ra opts <<< "${1#"$base"}"
    for o in "${opts[@]}"; do
        case "$o" in
            "") ;;
            fold-returns) args="$args --bt-fold-returns" ;;
            translate-accesses) args="$args --bt-translate-accesses --bt-access-threshold 2 --bt-cache-at data-start" ;;
            paper-cache) args="$args --bt-cache-at data-start" ;;
            *) echo "check-isa.sh: unknown mode option +$o" >&2; exit 64 ;;
        esac
    done
    echo "--mode $mode $args --kernel $(kernel_for "$mode")"
}
# show_differences MODE: reruns each program that differed alone in MODE with
# its output on the console and prints the first lines that differ.
show_differences() {
    local m=$1 name
    for name in $(diff <(cut -d' ' -f2- "$work/expected") <(cut -d' ' -f2- "$work/got") | awk '/^[<>]/ {print $2}' | sort -u); do
        "$trapeze" run $(mode_args "$m") --initrd "$image/initramfs.cpio" --workload isa \
            --append "console=ttyS0 nospectre_v2 trapeze.isa.only=$name trapeze.isa.show=$name" \
            --until "TRAPEZE-WORKLOAD-END isa" --timeout "$timeout_s" 2>/dev/null | tr -d '\r' |
            sed -n '/^TRAPEZE-ISA-OUTPUT-BEGIN$/,/^TRAPEZE-ISA-OUTPUT-END$/p' | sed '1d;$d' > "$work/guest-$name.out"
        echo "  $name (--mode $m, alone): first differences (< qemu-ppc, > guest)"
        diff "$work/qemu-$name.out" "$work/guest-$name.out" | head -8 | sed 's/^/    /'
    done
}

# compare LABEL LOG WORKLOAD [MODE]: the program lines, the background program's summary under
# isa-busy, and the END marker.
compare() {
    local label=$1 log=$2 workload=$3 mode=${4:-}
    tr -d '\r' < "$log" | grep -a '^TRAPEZE-ISA ' > "$work/got"
    if ! grep -aq "^TRAPEZE-WORKLOAD-END $workload" <(tr -d '\r' < "$log"); then
        fail "$label: no END marker"; tail -15 "$log"; return 1
    fi
    if ! diff "$work/expected" "$work/got" > "$work/diff"; then
        fail "$label: programs differ from qemu-ppc (< qemu, > guest):"
        cat "$work/diff"
        [ -n "$mode" ] && show_differences "$mode"
        return 1
    fi
    if [ "$workload" = isa-busy ]; then
        local bg
        bg=$(tr -d '\r' < "$log" | grep -a '^TRAPEZE-ISA-BACKGROUND ')
        if ! [[ "$bg" =~ fp_libm:\ ([0-9]+)\ passes,\ 0\ differ ]] || [ "${BASH_REMATCH[1]}" -lt 2 ]; then
            fail "$label: background FP program: '${bg:-no summary}'"; return 1
        fi
        label="$label, background fp_libm ${BASH_REMATCH[1]} passes all equal"
    fi
    pass "$label ($(wc -l < "$work/got") programs)"
}

IFS=, read -ra mode_list <<< "$modes"
IFS=, read -ra workload_list <<< "$workloads"
for w in "${workload_list[@]}"; do
    for m in "${mode_list[@]}"; do
        log=$work/$m-$w.log
        "$trapeze" run $(mode_args "$m") --initrd "$image/initramfs.cpio" --workload "$w" \
            --until "TRAPEZE-WORKLOAD-END $w" --timeout "$timeout_s" > "$log" 2>"$log.err"
        rc=$?
        if [ $rc -ne 0 ]; then
            fail "$w --mode $m: trapeze exited $rc"; tail -20 "$log.err"; continue
        fi
        summary=$(grep -a '^trapeze: bt: sites' "$log.err" || tail -1 "$log.err")
        compare "$w --mode $m" "$log" "$w" "$m" && echo "     $summary"
        # The translations must have run, or the mode checked nothing more than bt.
        if [[ "$m" == *+translate-accesses || "$m" == bt:adapt-dm* ]] && ! [[ "$summary" =~ access-sites=[1-9][0-9]*\ .*rewinds=[1-9] ]]; then
            fail "$w --mode $m: no load/store translation ran ($summary)"
        fi
    done
done

if [ "$qemu_system" = 1 ]; then
    LINUX_DIR=$image INITRD=$image/initramfs.cpio APPEND=trapeze.isa.bin=qemu TIMEOUT=$timeout_s \
        "$here/qemu-boot.sh" isa > "$work/qemu-system.log" 2>"$work/qemu-system.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "isa under qemu-system-ppc: status $rc"; tail -5 "$work/qemu-system.err"
    else
        compare "isa under qemu-system-ppc -M ppce500 -cpu e500mc" "$work/qemu-system.log" isa
    fi
fi

echo "isa guest check: $passed passed, $failed failed"
[ $failed -eq 0 ]
