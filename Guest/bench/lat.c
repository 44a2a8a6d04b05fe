/*
 * lmbench-like latencies (unit ms, the mean per operation).  Files live in
 * the working directory, a tmpfs (/tmp) in the guest.  CHECK mixes the
 * operation count with what the operations returned that cannot differ
 * between systems (sizes, file types, echoed words, exit statuses), never
 * descriptors, inode numbers or process ids.
 */
#include "bench.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#define STAT_FILE "trapeze-bench-stat.tmp"
#define STAT_FILE_SIZE 12345
#define FORK_CHILD_STATUS 7

void bench_lat_syscall(struct run *r)
{
    int fd = xopen("/dev/null", O_WRONLY, 0);
    uint32_t word = 0x54525a45;
    uint64_t bytes = 0;

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        xwrite_exact(fd, &word, sizeof word, "write /dev/null");
        bytes += sizeof word;
    }
    run_timer_stop(r);
    xclose(fd);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), bytes);
}

static uint64_t stat_summary(const struct stat *st)
{
    return (uint64_t)st->st_size << 1 | (S_ISREG(st->st_mode) ? 1 : 0);
}

void bench_lat_stat(struct run *r)
{
    struct stat st;
    uint64_t sum = 0;
    make_pattern_file(STAT_FILE, STAT_FILE_SIZE);

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        if (stat(STAT_FILE, &st) != 0)
            die_errno("stat " STAT_FILE);
        sum += stat_summary(&st);
    }
    run_timer_stop(r);
    xunlink(STAT_FILE);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), sum);
}

void bench_lat_fstat(struct run *r)
{
    struct stat st;
    uint64_t sum = 0;
    make_pattern_file(STAT_FILE, STAT_FILE_SIZE);
    int fd = xopen(STAT_FILE, O_RDONLY, 0);

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        if (fstat(fd, &st) != 0)
            die_errno("fstat");
        sum += stat_summary(&st);
    }
    run_timer_stop(r);
    xclose(fd);
    xunlink(STAT_FILE);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), sum);
}

void bench_lat_open_close(struct run *r)
{
    uint64_t opened = 0;
    make_pattern_file(STAT_FILE, STAT_FILE_SIZE);

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        xclose(xopen(STAT_FILE, O_RDONLY, 0));
        opened++;
    }
    run_timer_stop(r);
    xunlink(STAT_FILE);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), opened);
}

static void usr1_handler_a(int sig) { (void)sig; }
static void usr1_handler_b(int sig) { (void)sig; }

void bench_lat_sig_hndl(struct run *r)
{
    struct sigaction actions[2], previous;
    memset(actions, 0, sizeof actions);
    actions[0].sa_handler = usr1_handler_a;
    actions[1].sa_handler = usr1_handler_b;
    if (sigemptyset(&actions[0].sa_mask) != 0 || sigemptyset(&actions[1].sa_mask) != 0)
        die_errno("sigemptyset");
    uint64_t swaps = 0;

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        if (sigaction(SIGUSR1, &actions[i & 1], &previous) != 0)
            die_errno("sigaction SIGUSR1");
        /* Each install must replace the other handler (the first, SIG_DFL). */
        swaps += previous.sa_handler == actions[(i & 1) ^ 1].sa_handler;
    }
    run_timer_stop(r);
    if (signal(SIGUSR1, SIG_DFL) == SIG_ERR)
        die_errno("restoring SIGUSR1");
    r->check = check_mix(check_mix(0, (uint64_t)r->n), swaps);
}

void bench_lat_pipe(struct run *r)
{
    struct echo_child child;
    uint64_t answers = 0;
    echo_child_start(&child);

    run_timer_start(r);
    for (long i = 0; i < r->n; i++)
        answers += echo_child_round_trip(&child, (uint32_t)i);
    run_timer_stop(r);
    echo_child_stop(&child);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), answers);
}

void bench_lat_fork(struct run *r)
{
    run_timer_start(r);
    uint64_t reaped = fork_exit_reap(r->n, FORK_CHILD_STATUS);
    run_timer_stop(r);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), reaped);
}

/* fork + execve(args[0], args) + waitpid, n times; the child must exit 0. */
static void time_exec(struct run *r, char **args)
{
    uint64_t succeeded = 0;

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        pid_t pid = xfork();
        if (pid == 0) {
            execve(args[0], args, environ);
            die_errno(args[0]);
        }
        xwait_status(pid, 0);
        succeeded++;
    }
    run_timer_stop(r);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), succeeded);
}


void bench_lat_exec(struct run *r)
{
    char *args[EXEC_PREFIX_MAX + 3];
    int count = exec_argv(r, args, EXEC_PREFIX_MAX + 1, r->self);
    args[count++] = "nop";
    args[count] = NULL;
    time_exec(r, args);
}

void bench_lat_sh(struct run *r)
{
    char command[4096] = "";
    size_t used = 0;
    for (int i = 0; i <= r->exec_prefix_len; i++) {
        const char *word = i < r->exec_prefix_len ? r->exec_prefix[i] : r->self;
        int len = snprintf(command + used, sizeof command - used, "%s ", word);
        if (len < 0 || (size_t)len >= sizeof command - used)
            die_msg("sh command", "too long");
        used += (size_t)len;
    }
    if (used + sizeof "nop" > sizeof command)
        die_msg("sh command", "too long");
    strcpy(command + used, "nop");
    char *args[] = { "/bin/sh", "-c", command, NULL };
    time_exec(r, args);
}
