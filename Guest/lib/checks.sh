# Shared by the Linux guest checks (check-kvm.sh, check-bt.sh): `source` it
# after setting $work (a scratch directory) and $trapeze (the binary).
# pass/fail count and print a result; the caller ends with its own
# "N passed, N failed" line.
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# check NAME STATUS COMMAND...: the command ends with exit status STATUS.
check() {
    local name=$1 expected=$2; shift 2
    "$@" > "$work/$name.log" 2>&1
    local status=$?
    if [ $status -eq "$expected" ]; then pass "$name"; else fail "$name: status $status, expected $expected"; tail -5 "$work/$name.log"; fi
}

# check_deterministic MODE RUN-ARGS...: two runs of `trapeze run --mode MODE
# RUN-ARGS --exit-timing DIR` print the same console (printk timestamps
# included), the same summary (instructions, modelled time, exits; not the
# host's wall time and MIPS) and write the same exit-timing file.
check_deterministic() {
    local mode=$1 n; shift
    for n in 1 2; do
        "$trapeze" run --mode "$mode" "$@" --exit-timing "$work/det-$mode-$n" > "$work/det-$mode-$n.log" 2>&1
    done
    local a=$work/det-$mode-1 b=$work/det-$mode-2
    summary() { grep -o 'instructions=[0-9]* modelled=[0-9.]*s\|exits=[0-9]*.*acc-viol=[0-9]*' "$1" | tr '\n' ' '; }
    if [ -s "$a/vm0_vcpu0_timing" ] && grep -q 'exits=[1-9]' "$a.log" &&
       [ "$(grep -v 'wall=' "$a.log")" = "$(grep -v 'wall=' "$b.log")" ] &&
       [ "$(summary "$a.log")" = "$(summary "$b.log")" ] &&
       cmp -s "$a/vm0_vcpu0_timing" "$b/vm0_vcpu0_timing"; then
        pass "deterministic under $mode: two runs print the same console and take the same exits ($(summary "$a.log"))"
    else
        fail "deterministic under $mode: two runs differ"
        diff <(grep -v 'wall=' "$a.log") <(grep -v 'wall=' "$b.log") | head -5
        diff "$a/vm0_vcpu0_timing" "$b/vm0_vcpu0_timing" | head -5
    fi
}
