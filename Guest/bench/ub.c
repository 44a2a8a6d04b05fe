/*
 * UnixBench-like throughput workloads: system call, context switch,
 * process creation and pipe scores (loops per 10 s), and the file tests
 * (KB per second) with fstime's geometry: 256-byte buffers over a file of
 * 2000 1-KB blocks, rewound whenever the end is reached.  Files live in the
 * working directory (tmpfs in the guest).
 */
#include "bench.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FILE_BUFFER 256
#define FILE_BYTES (2000 * 1024)
#define BUFFERS_PER_FILE (FILE_BYTES / FILE_BUFFER)
#define PIPE_MESSAGE 512

void bench_ub_syscall(struct run *r)
{
    /* syscall(): glibc's getpid() wrapper may answer from a cache. */
    long first = syscall(SYS_getpid);
    if (first < 0)
        die_errno("getpid");
    uint64_t same = 0;

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        long pid = syscall(SYS_getpid);
        if (pid < 0)
            die_errno("getpid");
        same += pid == first;
    }
    run_timer_stop(r);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), same);
}

/* The counter goes up once in each process per round trip. */
void bench_ub_cswitch(struct run *r)
{
    struct echo_child child;
    uint32_t counter = 0;
    echo_child_start(&child);

    run_timer_start(r);
    for (long i = 0; i < r->n; i++)
        counter = echo_child_round_trip(&child, counter) + 1;
    run_timer_stop(r);
    echo_child_stop(&child);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), counter);
}

void bench_ub_proc_create(struct run *r)
{
    run_timer_start(r);
    uint64_t reaped = fork_exit_reap(r->n, 0);
    run_timer_stop(r);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), reaped);
}

void bench_ub_pipe(struct run *r)
{
    unsigned char out[PIPE_MESSAGE], in[PIPE_MESSAGE];
    int fds[2];
    for (int i = 0; i < PIPE_MESSAGE; i++)
        out[i] = (unsigned char)(i * 7 + 1);
    xpipe(fds);
    uint64_t sum = 0;

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        out[0] = (unsigned char)i;
        xwrite_exact(fds[1], out, sizeof out, "pipe write");
        xread_exact(fds[0], in, sizeof in, "pipe read");
        sum += in[0] + in[PIPE_MESSAGE - 1];
    }
    run_timer_stop(r);
    if (memcmp(in, out, sizeof in) != 0)
        die_msg("pipe read", "data differs from what was written");
    xclose(fds[0]);
    xclose(fds[1]);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), sum);
}

/* ---- file tests ---- */

#define READ_FILE "trapeze-bench-read.tmp"
#define WRITE_FILE "trapeze-bench-write.tmp"

static uint32_t first_word(const unsigned char *buf)
{
    return (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
}

static uint64_t file_size(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        die_errno("fstat");
    return (uint64_t)st.st_size;
}

static void set_kbytes(struct run *r)
{
    r->kbytes = (double)r->n * FILE_BUFFER / 1024.0;
}

void bench_ub_file_write(struct run *r)
{
    unsigned char buf[FILE_BUFFER];
    memset(buf, 'w', sizeof buf);
    int fd = xopen(WRITE_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    long position = 0;

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        xwrite_exact(fd, buf, sizeof buf, "write " WRITE_FILE);
        if (++position == BUFFERS_PER_FILE) {
            xlseek_start(fd);
            position = 0;
        }
    }
    run_timer_stop(r);
    uint64_t size = file_size(fd);
    xclose(fd);
    xunlink(WRITE_FILE);
    set_kbytes(r);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), size);
}

void bench_ub_file_read(struct run *r)
{
    unsigned char buf[FILE_BUFFER];
    make_pattern_file(READ_FILE, FILE_BYTES);
    int fd = xopen(READ_FILE, O_RDONLY, 0);
    long position = 0;
    uint64_t sum = 0;

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        xread_exact(fd, buf, sizeof buf, "read " READ_FILE);
        sum += first_word(buf);
        if (++position == BUFFERS_PER_FILE) {
            xlseek_start(fd);
            position = 0;
        }
    }
    run_timer_stop(r);
    xclose(fd);
    xunlink(READ_FILE);
    set_kbytes(r);
    r->check = check_mix(check_mix(0, (uint64_t)r->n), sum);
}

void bench_ub_file_copy(struct run *r)
{
    unsigned char buf[FILE_BUFFER];
    make_pattern_file(READ_FILE, FILE_BYTES);
    int from = xopen(READ_FILE, O_RDONLY, 0);
    int to = xopen(WRITE_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    long position = 0;
    uint64_t sum = 0;

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        xread_exact(from, buf, sizeof buf, "read " READ_FILE);
        xwrite_exact(to, buf, sizeof buf, "write " WRITE_FILE);
        sum += first_word(buf);
        if (++position == BUFFERS_PER_FILE) {
            xlseek_start(from);
            xlseek_start(to);
            position = 0;
        }
    }
    run_timer_stop(r);
    uint64_t size = file_size(to);
    xclose(from);
    xclose(to);
    xunlink(READ_FILE);
    xunlink(WRITE_FILE);
    set_kbytes(r);
    r->check = check_mix(check_mix(check_mix(0, (uint64_t)r->n), sum), size);
}
