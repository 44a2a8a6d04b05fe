/*
 * Checked system calls and the echo child the pipe workloads talk to.
 * A short transfer counts as a failure: every transfer here is at most 512
 * bytes on a pipe or a tmpfs file, which Linux always completes.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int xopen(const char *path, int flags, mode_t mode)
{
    int fd = open(path, flags, mode);
    if (fd < 0)
        die_errno(path);
    return fd;
}

void xclose(int fd)
{
    if (close(fd) != 0)
        die_errno("close");
}

static BENCH_NORETURN void die_short(const char *what, ssize_t got, size_t wanted)
{
    char why[64];
    snprintf(why, sizeof why, "transferred %zd of %zu bytes", got, wanted);
    die_msg(what, why);
}

void xwrite_exact(int fd, const void *buf, size_t len, const char *what)
{
    ssize_t done = write(fd, buf, len);
    if (done < 0)
        die_errno(what);
    if ((size_t)done != len)
        die_short(what, done, len);
}

void xread_exact(int fd, void *buf, size_t len, const char *what)
{
    ssize_t done = read(fd, buf, len);
    if (done < 0)
        die_errno(what);
    if ((size_t)done != len)
        die_short(what, done, len);
}

void xlseek_start(int fd)
{
    if (lseek(fd, 0, SEEK_SET) != 0)
        die_errno("lseek");
}

void xunlink(const char *path)
{
    if (unlink(path) != 0)
        die_errno(path);
}

void xpipe(int fds[2])
{
    if (pipe(fds) != 0)
        die_errno("pipe");
}

pid_t xfork(void)
{
    pid_t pid = fork();
    if (pid < 0)
        die_errno("fork");
    return pid;
}

int wait_child(pid_t pid, int expected_status, char *why, size_t why_size)
{
    int status;
    if (waitpid(pid, &status, 0) != pid)
        die_errno("waitpid");
    if (WIFEXITED(status) && WEXITSTATUS(status) == expected_status)
        return 1;
    if (WIFEXITED(status))
        snprintf(why, why_size, "exit status %d, expected %d", WEXITSTATUS(status), expected_status);
    else
        snprintf(why, why_size, "killed by signal %d", WTERMSIG(status));
    return 0;
}

void xwait_status(pid_t pid, int expected_status)
{
    char why[64];
    if (!wait_child(pid, expected_status, why, sizeof why))
        die_msg("child process", why);
}

int exec_argv(const struct run *r, char **args, int capacity, const char *program)
{
    if (r->exec_prefix_len + 1 > capacity)
        die_msg("exec prefix", "too many words");
    int count = 0;
    for (int i = 0; i < r->exec_prefix_len; i++)
        args[count++] = r->exec_prefix[i];
    args[count++] = (char *)program;
    return count;
}

void make_pattern_file(const char *path, size_t size)
{
    unsigned char block[1024];
    int fd = xopen(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (size_t done = 0; done < size; done += sizeof block) {
        size_t len = size - done < sizeof block ? size - done : sizeof block;
        for (size_t i = 0; i < len; i++)
            block[i] = (unsigned char)((done + i) * 131 + ((done + i) >> 10));
        xwrite_exact(fd, block, len, "writing the test file");
    }
    xclose(fd);
}

static BENCH_NORETURN void echo_child_serve(int from_parent, int to_parent)
{
    uint32_t word;
    for (;;) {
        ssize_t got = read(from_parent, &word, sizeof word);
        if (got == 0)
            _exit(0);
        if (got != (ssize_t)sizeof word) {
            if (got < 0)
                die_errno("child read");
            die_short("child read", got, sizeof word);
        }
        word++;
        xwrite_exact(to_parent, &word, sizeof word, "child write");
    }
}

void echo_child_start(struct echo_child *e)
{
    int down[2], up[2];
    xpipe(down);
    xpipe(up);
    e->pid = xfork();
    if (e->pid == 0) {
        xclose(down[1]);
        xclose(up[0]);
        echo_child_serve(down[0], up[1]);
    }
    xclose(down[0]);
    xclose(up[1]);
    e->to_child = down[1];
    e->from_child = up[0];
}

uint32_t echo_child_round_trip(struct echo_child *e, uint32_t word)
{
    uint32_t answer;
    xwrite_exact(e->to_child, &word, sizeof word, "write to child");
    xread_exact(e->from_child, &answer, sizeof answer, "read from child");
    if (answer != word + 1)
        die_msg("read from child", "wrong answer");
    return answer;
}

/* Closing its input is the child's signal to exit 0. */
void echo_child_stop(struct echo_child *e)
{
    xclose(e->to_child);
    xwait_status(e->pid, 0);
    xclose(e->from_child);
}

/* n times: fork a child that exits at once with `status`, and reap it
 * (checking the status); returns how many were reaped (lat-fork,
 * ub-proc-create). */
uint64_t fork_exit_reap(long n, int status)
{
    uint64_t reaped = 0;
    for (long i = 0; i < n; i++) {
        pid_t pid = xfork();
        if (pid == 0)
            _exit(status);
        xwait_status(pid, status);
        reaped++;
    }
    return reaped;
}
