/*
 * trapeze-bench: the paper's benchmark workloads as one static PowerPC
 * program.  Shared declarations: the run record every workload fills, the
 * timer, the CHECK mixer and the checked system-call wrappers (any failure
 * prints "trapeze-bench: NAME: WHAT: WHY" and exits 1).
 */
#ifndef TRAPEZE_BENCH_H
#define TRAPEZE_BENCH_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Keeps the compiler from folding a benchmark function into its caller. */
#define BENCH_OPAQUE __attribute__((noipa))
#define BENCH_NORETURN __attribute__((noreturn))

struct run {
    const char *name;
    long n;                 /* iterations, fixed per scale */
    int paper;              /* 1 at the paper scale, 0 at quick */
    const char *self;       /* this program's path, for the exec workloads */
    char **exec_prefix;     /* words run before an exec'd program (qemu-ppc cannot exec one) */
    int exec_prefix_len;
    /* Filled by the workload: */
    double seconds;         /* of the measured loop only */
    uint64_t check;
    double kbytes;          /* data moved, for the KBps workloads */
    double started;
};

void run_timer_start(struct run *r);
void run_timer_stop(struct run *r);

/* An order-dependent 64-bit mix: CHECK values fold results through it. */
uint64_t check_mix(uint64_t check, uint64_t value);

BENCH_NORETURN void die_errno(const char *what);
BENCH_NORETURN void die_msg(const char *what, const char *why);

/* Checked wrappers: each returns only on success. */
int xopen(const char *path, int flags, mode_t mode);
void xclose(int fd);
void xwrite_exact(int fd, const void *buf, size_t len, const char *what);
void xread_exact(int fd, void *buf, size_t len, const char *what);
void xlseek_start(int fd);
void xunlink(const char *path);
void xpipe(int fds[2]);
pid_t xfork(void);
/* Waits for pid and fails unless it exited with expected_status. */
/* Reaps pid: 1 when it exited with expected_status, else 0 with why filled. */
int wait_child(pid_t pid, int expected_status, char *why, size_t why_size);
void xwait_status(pid_t pid, int expected_status);
/* At most this many EXEC-PREFIX words (lat-exec, lat-sh, lame). */
#define EXEC_PREFIX_MAX 8
/* Fills args with EXEC-PREFIX... then program (at most capacity words) and
 * returns how many; the caller appends the program's arguments and NULL. */
int exec_argv(const struct run *r, char **args, int capacity, const char *program);
uint64_t fork_exit_reap(long n, int status);
/* A file of `size` bytes of a fixed pattern, for the stat and read tests. */
void make_pattern_file(const char *path, size_t size);

/* A child process that answers every word written to it with word + 1. */
struct echo_child {
    pid_t pid;
    int to_child;
    int from_child;
};
void echo_child_start(struct echo_child *e);
uint32_t echo_child_round_trip(struct echo_child *e, uint32_t word);
void echo_child_stop(struct echo_child *e);

/* The workloads (compute.c, connect4.c, lame.c, lat.c, ub.c). */
void bench_hashes(struct run *r);
void bench_connect4(struct run *r);
void bench_lame(struct run *r);
void bench_dhrystone2(struct run *r);
void bench_hanoi(struct run *r);

void bench_lat_syscall(struct run *r);
void bench_lat_stat(struct run *r);
void bench_lat_fstat(struct run *r);
void bench_lat_open_close(struct run *r);
void bench_lat_sig_hndl(struct run *r);
void bench_lat_pipe(struct run *r);
void bench_lat_fork(struct run *r);
void bench_lat_exec(struct run *r);
void bench_lat_sh(struct run *r);

void bench_ub_syscall(struct run *r);
void bench_ub_cswitch(struct run *r);
void bench_ub_proc_create(struct run *r);
void bench_ub_pipe(struct run *r);
void bench_ub_file_read(struct run *r);
void bench_ub_file_write(struct run *r);
void bench_ub_file_copy(struct run *r);

#endif
