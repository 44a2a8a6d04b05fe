#!/usr/bin/env bash
# Differential check of `trapeze user` against qemu-ppc on busybox commands.
#
# Usage: Guest/busybox/check.sh TRAPEZE_BIN [CASE...]
#   Builds (or reuses) busybox with build.sh, runs every case once under
#   qemu-ppc and once under `TRAPEZE_BIN user`, each side in its own copy of the
#   same fixture directory, and compares stdout, the case's exit status and the
#   exit status of every guest run in it (each stage of a host pipeline is its
#   own run). The reference must succeed: a case fails when qemu's side prints
#   nothing, ends with another status than the case expects (0 unless its def
#   says), has a guest run that timed out, could not run or died of a signal
#   (status 124 and above), or says a command was not found (an applet missing
#   on both sides fails, in a guest shell's pipeline too). Prints PASS
#   or FAIL per case (with a unified diff for failures), then "N passed, N
#   failed". Exits non-zero if any case fails. With CASE names, runs only those.
# Env: BUSYBOX (use this binary instead of building), CHECK_TIMEOUT (seconds per
#   guest command, default 60), KEEP=1 (keep the scratch directory), QEMU_CPU.
#
# Guest commands run with a clean environment (PATH points nowhere, LC_ALL=C,
# TZ=UTC) so nothing falls back to a host binary by accident. Inside `sh -c`
# only applets that busybox runs without execve (NOFORK/NOEXEC: echo printf true
# false test seq sort md5sum sha256sum awk find ls head cp rm mkdir xargs cut
# expr ...) are used: qemu-ppc cannot execve a PowerPC binary on a host without
# binfmt_misc, so sed/cat/wc/grep/tar are chained by host pipelines of separate
# guest runs. Host programs named by path (sh_host_exec) run natively on both
# sides: qemu-ppc hands every execve to the host kernel.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRAPEZE_LOG_TAG=busybox-check
. "$here/../lib/common.sh"

if [ $# -lt 1 ]; then
    echo "usage: $0 TRAPEZE_BIN [CASE...]" >&2
    exit 2
fi
trapeze_bin=$1
shift
[ -x "$trapeze_bin" ] || command -v "$trapeze_bin" >/dev/null 2>&1 || trapeze_die "not executable: $trapeze_bin"
case "$trapeze_bin" in
    */*) trapeze_bin=$(cd "$(dirname "$trapeze_bin")" && pwd)/$(basename "$trapeze_bin") ;;
    *) trapeze_bin=$(command -v "$trapeze_bin") ;;
esac

trapeze_ensure_qemu
qemu=$(command -v "$QEMU_PPC")
if [ -n "${BUSYBOX:-}" ]; then
    bb=$BUSYBOX
else
    bb=$("$here/build.sh" | tail -1) || trapeze_die "busybox build failed"
fi
[ -x "$bb" ] || trapeze_die "no busybox at $bb"
timeout_s=${CHECK_TIMEOUT:-60}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/trapeze-bbcheck.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    trapeze_log "scratch directory kept: $scratch"
else
    trap 'rm -rf "$scratch"' EXIT
fi

# -- Fixture: identical starting tree for each side ----------------------------
make_fixture() {
    local d=$1 i
    mkdir -p "$d"
    (
        cd "$d" || exit 1
        printf '%s\n' banana apple cherry 'apple pie' date elderberry fig grape \
            Banana kiwi lemon mango 'a b c' zucchini apple > words.txt
        printf '%s\n' 10 -3 42 7 100 0 7 2.5 -11 1000 33 > nums.txt
        # name value count
        for i in $(seq 1 40); do
            printf 'item%02d %d %d\n' "$i" $(( (i * 37) % 101 )) $(( i * i ))
        done > table.txt
        printf 'root:0:x\nbin:2:y\ndaemon:1:z\nnobody:65534:w\nuser:1000:v\n' > colon.txt
        # 64 KiB of every byte value.
        for i in $(seq 0 255); do printf "\\$(printf '%03o' "$i")"; done > bytes.bin
        for i in 1 2 3 4 5 6; do cat bytes.bin; done > big.bin
        for i in 1 2 3 4 5 6 7 8 9 10; do cat big.bin; done > bytes64k.bin
        rm big.bin
        # A directory tree.
        mkdir -p tree/src/lib tree/src/app tree/docs/img tree/empty tree/.hidden
        printf 'int main(void) { return 0; }\n' > tree/src/app/main.c
        printf '#pragma once\n' > tree/src/lib/util.h
        printf 'void util(void) {}\n' > tree/src/lib/util.c
        printf '# Title\n\ntext\n' > tree/docs/README.md
        cp bytes.bin tree/docs/img/pic.bin
        printf 'secret\n' > tree/.hidden/key
        seq 1 500 > tree/docs/numbers.txt
        : > tree/src/empty.txt
        ln -s ../docs/README.md tree/src/readme-link
    )
}
make_fixture "$scratch/qemu"
cp -a "$scratch/qemu" "$scratch/trapeze"

# -- Cases ---------------------------------------------------------------------
# Each case is a bash function that calls R (one guest busybox run) and may
# combine runs with host pipes; it runs with the side's fixture as cwd.
# `def NAME [STATUS]`: STATUS is the exit status the case itself ends with
# under qemu (default 0).
cases=()
declare -A expected_status=()
def() { cases+=("$1"); expected_status[$1]=${2:-0}; }

def sh_pipeline;  sh_pipeline()  { R sh -c 'for i in 3 1 2; do echo "item $i"; done | sort | md5sum'; }
# The shell's own pipelines under pipefail, each stage's status printed.
def sh_sort_r;    sh_sort_r()    { R sh -c 'set -o pipefail; for i in 1 2 3; do echo $i; done | sort -r; echo "status $?"; seq 1 5 | sort -rn | head -n 2 | md5sum; echo "status $?"'; }
def sh_host_exec; sh_host_exec() { R sh -c 'set -o pipefail; for i in 1 2 3; do echo $i; done | /usr/bin/sort -r; echo "status $?"; printf "#!/bin/sh\necho \"script \$# [\$1]\"\n" > s.sh; chmod +x s.sh; ./s.sh "a b" c; echo "status $?"; /bin/sh -c "exit 5"; echo "status $?"'; }
def sh_for_loop;  sh_for_loop()  { R sh -c 'n=0; for w in alpha beta gamma delta; do n=$((n + ${#w})); printf "%s %d\n" "$w" "$n"; done; echo "total $n"'; }
def sh_features;  sh_features()  { R sh -c 'f() { echo "f:$1:$#"; }; for x in a "b c"; do f "$x" z; done; case abc in a*) echo match;; esac; x=$(echo sub); [ "$x" = sub ] && echo ok; false || echo "status $?"; i=0; while [ $i -lt 5 ]; do i=$((i + 1)); done; echo "i=$i"'; }
def sh_exit 7;    sh_exit()      { R sh -c 'echo before; exit 7'; }
def sh_xargs;     sh_xargs()     { R sh -c 'seq 1 20 | xargs -n 6 echo; seq 1 1000 | xargs echo | md5sum'; }
def sh_files;     sh_files()     { R sh -c 'mkdir -p d/e && echo one > d/e/f && cp d/e/f d/g && ls d d/e && rm -r d && echo removed && ls'; }
def echo_basic;   echo_basic()   { R echo hello world "  spaced  " -; R echo -n no-newline; R echo; R echo -e 'tab\there\\'; }
def printf_fmt;   printf_fmt()   { R printf '%05d|%-4s|%x|%o|%c|%s\n' 42 ab 255 8 xyz "two words"; R printf '%.3f %e %g\n' 3.14159265 12345.678 0.0001; }
def true_false;   true_false()   { R true; echo "true=$?"; R false; echo "false=$?"; }
def seq_forms;    seq_forms()    { R seq 5; R seq 5 -1 1; R seq -s, 1 3 20; R seq -w 8 11; }
def md5_file;     md5_file()     { R sh -c 'seq 1 5000 > data.txt'; R md5sum data.txt bytes.bin bytes64k.bin words.txt; }
def sha256_file;  sha256_file()  { R sh -c 'seq 1 5000 > data.txt'; R sha256sum data.txt bytes.bin bytes64k.bin words.txt; }
def md5_check;    md5_check()    { R md5sum words.txt nums.txt > sums.md5; R md5sum -c sums.md5; R sha256sum words.txt | R sed 's/^./f/' > sums.sha; R sha256sum -c sums.sha; echo "bad=$?"; }
def md5_stdin;    md5_stdin()    { R cat bytes64k.bin | R md5sum; printf 'abc' | R sha256sum; }
def sort_plain;   sort_plain()   { R sort words.txt; R sort -u words.txt; R sort -f words.txt; }
def sort_numeric; sort_numeric() { R sort -n nums.txt; R sort -n -r nums.txt; R sort -rn table.txt -k3; }
def sort_keys;    sort_keys()    { R sort -t: -k2,2n colon.txt; R sort -t: -k3 -r colon.txt; }
def sed_subst;    sed_subst()    { R sed 's/a/A/g' words.txt; R sed -e 's/\([0-9][0-9]*\)/<\1>/g' -e 's/item/I/' table.txt; }
def sed_misc;     sed_misc()     { R sed -n '2,4p' words.txt; R sed '/apple/d' words.txt; R sed '$!N;s/\n/+/' nums.txt; }
def awk_sum;      awk_sum()      { R awk '{ s += $2; c += $3 } END { print s, c, NR }' table.txt; }
def awk_printf;   awk_printf()   { R awk '{ printf "%-8s|%6.2f|%4x|%s\n", $1, $2 / 3, $3, toupper(substr($1, 1, 3)) }' table.txt; }
# No sin/cos/atan2 in awk: glibc's versions execute mffsce (0xfc17048e, an ISA 3.0
# form that older cores execute as mffs), which qemu-ppc 7.2 rejects with SIGILL.
def awk_misc;     awk_misc()     { R awk -F: '$2 > 1 { n[$3] = $1 } END { c = 0; for (k in n) c++; print c, NR, n["w"] }' colon.txt; R awk 'BEGIN { for (i = 1; i <= 20; i++) s += i * i; printf "%d %.6f %s\n", s, s / 7, int(s / 7); print sqrt(2), 2 ^ 10, 10 % 3, exp(1), log(10), 1 / 3 }'; }
def find_tree;    find_tree()    { R find tree | LC_ALL=C sort; }
def find_filters; find_filters() { R find tree -type f | LC_ALL=C sort; R find tree -type d -name '*i*' | LC_ALL=C sort; R find tree -name '*.c' | LC_ALL=C sort; R find tree -type l | LC_ALL=C sort; R find tree -empty | LC_ALL=C sort; }
def find_sh;      find_sh()      { R sh -c 'find tree -type f | sort | xargs md5sum'; }
def tar_list;     tar_list()     { R tar cf - tree | R tar tf - | LC_ALL=C sort; }
def tar_extract;  tar_extract()  {
    R tar cf tree.tar tree && mkdir -p out && R tar xf tree.tar -C out
    echo "--- source"; R find tree | LC_ALL=C sort
    echo "--- extracted"; (cd out && R find tree | LC_ALL=C sort)
    echo "--- contents"; (cd out && R sh -c 'find tree -type f | sort | xargs md5sum')
    echo "--- link"; R readlink out/tree/src/readme-link
}
def cat_wc_head;  cat_wc_head()  { R cat words.txt nums.txt | R wc -l; R wc table.txt; R head -n 3 words.txt; R head -c 20 table.txt; echo; R cat -n colon.txt; }
def grep_forms;   grep_forms()   { R grep -n an words.txt; R grep -c -i banana words.txt; R grep -v -e a -e e words.txt; R grep -E '^item(0[1-3]|40) ' table.txt; R grep zzz words.txt; echo "nomatch=$?"; }
def ls_cp_rm;     ls_cp_rm()     { R cp -r tree tree2 && R ls -R tree2 && R ls -a tree2 && R mkdir -p x/y/z && R ls x/y && R rm -r tree2 x && R ls; }
def missing_file; missing_file() { R cat does-not-exist; echo "cat=$?"; R md5sum does-not-exist; echo "md5sum=$?"; }

# -- Runner --------------------------------------------------------------------
qemu_args=()
[ -n "${QEMU_CPU:-}" ] && qemu_args=(-cpu "$QEMU_CPU")
# Each guest run appends "STATUS ARGS" to the side's run log; stages of a host
# pipeline finish in any order, so the log is sorted before it is compared.
run_side() {
    local side=$1 fn=$2
    local runs="$scratch/$fn.$side.runs"
    : > "$runs"
    case "$side" in
        qemu) R() { timeout "$timeout_s" env -i PATH=/nonexistent-trapeze-check HOME=/ LC_ALL=C TZ=UTC "$qemu" "${qemu_args[@]}" "$bb" "$@"; log_run $? "$@"; } ;;
        trapeze) R() { timeout "$timeout_s" env -i PATH=/nonexistent-trapeze-check HOME=/ LC_ALL=C TZ=UTC "$trapeze_bin" user "$bb" "$@"; log_run $? "$@"; } ;;
    esac
    log_run() { local status=$1; shift; printf '%s %s\n' "$status" "$(printf '%s ' "$@" | tr '\n' ' ')" >> "$runs"; return "$status"; }
    (cd "$scratch/$side" && "$fn") < /dev/null > "$scratch/$fn.$side.out" 2> "$scratch/$fn.$side.err"
    local status=$?
    LC_ALL=C sort -o "$runs" "$runs"
    echo "$status" > "$scratch/$fn.$side.status"
    echo "exit=$status" >> "$scratch/$fn.$side.out"
}

# Why qemu's side of a case is no reference (nothing when it is one).
reference_problem() {
    local fn=$1 out="$scratch/$1.qemu.out" status
    status=$(cat "$scratch/$fn.qemu.status")
    if [ "$status" != "${expected_status[$fn]}" ]; then
        echo "qemu-ppc: the case ended with status $status, expected ${expected_status[$fn]}"
    fi
    if [ "$(sed '$d' "$out" | wc -c)" -eq 0 ]; then
        echo "qemu-ppc: the case printed nothing"
    fi
    awk '$1 >= 124 { print "qemu-ppc: guest run exited " $0 }' "$scratch/$fn.qemu.runs"
    # A command missing inside a guest shell shows only in its stderr.
    grep -E '(applet not found|: not found)$' "$scratch/$fn.qemu.err" | sed 's/^/qemu-ppc: /'
}

selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${cases[@]}")
passed=0 failed=0 failed_names=()
trapeze_log "busybox: $bb"
trapeze_log "trapeze: $trapeze_bin user; reference: $qemu ${qemu_args[*]}"
for fn in "${selected[@]}"; do
    declare -F "$fn" >/dev/null || trapeze_die "no such case: $fn (cases: ${cases[*]})"
    run_side qemu "$fn"
    run_side trapeze "$fn"
    problem=$(reference_problem "$fn")
    if [ -z "$problem" ] && diff -q "$scratch/$fn.qemu.out" "$scratch/$fn.trapeze.out" >/dev/null \
        && diff -q "$scratch/$fn.qemu.runs" "$scratch/$fn.trapeze.runs" >/dev/null; then
        echo "PASS $fn"
        passed=$((passed + 1))
    else
        echo "FAIL $fn"
        if [ -n "$problem" ]; then
            printf '%s\n' "$problem" | sed 's/^/  /'
            if [ -s "$scratch/$fn.qemu.err" ]; then
                echo "  qemu-ppc stderr:"
                head -n 20 "$scratch/$fn.qemu.err" | sed 's/^/  | /'
            fi
        fi
        diff -u --label "qemu-ppc: $fn" --label "trapeze: $fn" "$scratch/$fn.qemu.out" "$scratch/$fn.trapeze.out" | head -n 80
        diff -u --label "qemu-ppc runs: $fn" --label "trapeze runs: $fn" "$scratch/$fn.qemu.runs" "$scratch/$fn.trapeze.runs" | head -n 40
        if [ -s "$scratch/$fn.trapeze.err" ]; then
            echo "  trapeze stderr:"
            head -n 20 "$scratch/$fn.trapeze.err" | sed 's/^/  | /'
        fi
        failed=$((failed + 1))
        failed_names+=("$fn")
    fi
done
[ "$failed" -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "busybox check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
