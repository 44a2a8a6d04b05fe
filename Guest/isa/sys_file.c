/*
 * File I/O system calls on files created in a temp dir (argv[1]):
 * open/openat (O_CREAT, O_EXCL, O_TRUNC, O_APPEND, errors), read, write,
 * pread64/pwrite64, lseek (SET/CUR/END, past EOF -> hole), fstat/stat/lstat
 * (size, type, permission bits with umask 022, nlink), symlink/readlink,
 * link, rename, unlink, mkdir/rmdir, access, ftruncate/truncate, dup,
 * fcntl (F_GETFL, F_GETFD/F_SETFD, F_DUPFD), readv/writev, EBADF cases.
 * Only sizes, modes, byte contents and errno names are printed.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "sys.h"

static char path[4096];
static const char *P(const char *name, const char *dir) {
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void show_stat(const char *label, const struct stat *st) {
    const char *type = S_ISREG(st->st_mode)   ? "reg"
                       : S_ISDIR(st->st_mode) ? "dir"
                       : S_ISLNK(st->st_mode) ? "lnk"
                                              : "other";
    if (S_ISDIR(st->st_mode)) /* size and nlink of a dir depend on the fs */
        printf("%s: type=%s mode=%04o\n", label, type,
               (unsigned)(st->st_mode & 07777));
    else
        printf("%s: type=%s mode=%04o size=%lld nlink=%ld\n", label, type,
               (unsigned)(st->st_mode & 07777), (long long)st->st_size,
               (long)st->st_nlink);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        printf("usage: sys_file TMPDIR\n");
        return 2;
    }
    const char *d = argv[1];
    char buf[256];
    struct stat st;
    umask(022);

    int fd = open(P("a.txt", d), O_CREAT | O_WRONLY | O_TRUNC, 0666);
    SHOW("open creat (fd>=0)", fd >= 0);
    {
        /* open returns the lowest free descriptor */
        int f2 = open(P("a.txt", d), O_RDONLY);
        close(fd);
        int f3 = open(P("a.txt", d), O_RDONLY);
        printf("lowest free fd reused: %s, next is +1: %s\n",
               f3 == fd ? "yes" : "no", f2 == fd + 1 ? "yes" : "no");
        close(f2);
        close(f3);
    }
    fd = open(P("a.txt", d), O_WRONLY | O_TRUNC);
    SHOW("open existing for write (fd>=0)", fd >= 0);
    SHOW("write 13", write(fd, "hello, world\n", 13));
    SHOW("write 0", write(fd, "", 0));
    SHOW("write 26", write(fd, "abcdefghijklmnopqrstuvwxyz", 26));
    SHOW("fstat", fstat(fd, &st));
    show_stat("  a.txt", &st);
    SHOW("read on O_WRONLY fd", read(fd, buf, 4));
    SHOW("close", close(fd));
    SHOW("close again", close(fd));
    SHOW("open O_EXCL existing", open(P("a.txt", d), O_CREAT | O_EXCL | O_WRONLY, 0600));
    SHOW("open missing", open(P("missing.txt", d), O_RDONLY));
    SHOW("open dir for write", open(d, O_WRONLY));

    fd = open(P("a.txt", d), O_RDONLY);
    memset(buf, 0, sizeof buf);
    SHOW("read 5", read(fd, buf, 5));
    printf("  data=\"%s\"\n", buf);
    SHOW("lseek cur", lseek(fd, 0, SEEK_CUR));
    SHOW("lseek set 7", lseek(fd, 7, SEEK_SET));
    memset(buf, 0, sizeof buf);
    SHOW("read 100", read(fd, buf, 100));
    printf("  data=\"%.*s\"\n", 31, buf);
    SHOW("read at eof", read(fd, buf, 100));
    SHOW("lseek end -3", lseek(fd, -3, SEEK_END));
    memset(buf, 0, sizeof buf);
    SHOW("read 10", read(fd, buf, 10));
    printf("  data=\"%s\"\n", buf);
    SHOW("lseek negative", lseek(fd, -100, SEEK_SET));
    SHOW("write on O_RDONLY fd", write(fd, "x", 1));
    memset(buf, 0, sizeof buf);
    SHOW("pread64 4@2", pread(fd, buf, 4, 2));
    printf("  data=\"%s\"\n", buf);
    SHOW("lseek cur after pread", lseek(fd, 0, SEEK_CUR));
    SHOW("fstat", fstat(fd, &st));
    show_stat("  a.txt", &st);
    close(fd);

    /* O_APPEND, holes, pwrite, ftruncate */
    fd = open(P("b.bin", d), O_CREAT | O_RDWR | O_APPEND, 0640);
    SHOW("write append", write(fd, "12345", 5));
    SHOW("lseek set 0", lseek(fd, 0, SEEK_SET));
    SHOW("write append again", write(fd, "67", 2));
    SHOW("lseek cur", lseek(fd, 0, SEEK_CUR));
    close(fd);
    fd = open(P("b.bin", d), O_RDWR);
    SHOW("lseek 100 past eof", lseek(fd, 100, SEEK_SET));
    SHOW("write at 100", write(fd, "Z", 1));
    SHOW("fstat", fstat(fd, &st));
    show_stat("  b.bin", &st);
    memset(buf, 0x55, sizeof buf);
    SHOW("pread 12@0", pread(fd, buf, 12, 0));
    printf("  bytes:");
    for (int i = 0; i < 12; i++) printf(" %02x", (unsigned char)buf[i]);
    printf("\n");
    SHOW("pwrite64 2@1", pwrite(fd, "AB", 2, 1));
    SHOW("ftruncate 4", ftruncate(fd, 4));
    SHOW("fstat", fstat(fd, &st));
    show_stat("  b.bin", &st);
    SHOW("lseek cur (unchanged by ftruncate)", lseek(fd, 0, SEEK_CUR));
    memset(buf, 0, sizeof buf);
    SHOW("pread 10@0", pread(fd, buf, 10, 0));
    printf("  data=\"%s\"\n", buf);
    SHOW("truncate path 2", truncate(P("b.bin", d), 2));
    SHOW("stat", stat(P("b.bin", d), &st));
    show_stat("  b.bin", &st);

    /* readv / writev */
    {
        struct iovec iov[3] = {{"one ", 4}, {"", 0}, {"two\n", 4}};
        SHOW("lseek 0", lseek(fd, 0, SEEK_SET));
        SHOW("writev", writev(fd, iov, 3));
        char x[3], y[10];
        memset(y, 0, sizeof y);
        struct iovec r[2] = {{x, 3}, {y, sizeof y - 1}};
        SHOW("lseek 0", lseek(fd, 0, SEEK_SET));
        SHOW("readv", readv(fd, r, 2));
        printf("  x=\"%.3s\" y=\"%s\"\n", x, y);
    }

    /* dup / fcntl */
    {
        int d2 = dup(fd);
        SHOW("dup is new fd", d2 > fd);
        SHOW("lseek shared: set 1 via dup", lseek(d2, 1, SEEK_SET));
        SHOW("lseek shared: cur via orig", lseek(fd, 0, SEEK_CUR));
        SHOW("F_GETFL & O_ACCMODE", fcntl(fd, F_GETFL) & O_ACCMODE);
        SHOW("F_GETFD", fcntl(fd, F_GETFD));
        SHOW("F_SETFD CLOEXEC", fcntl(fd, F_SETFD, FD_CLOEXEC));
        SHOW("F_GETFD", fcntl(fd, F_GETFD));
        SHOW("F_GETFD of dup", fcntl(d2, F_GETFD));
        int d3 = fcntl(fd, F_DUPFD, 20);
        SHOW("F_DUPFD >=20", d3 >= 20);
        close(d3);
        close(d2);
        SHOW("F_GETFD closed fd", fcntl(d2, F_GETFD));
        close(fd);
    }

    /* stat family, links, rename, unlink, dirs, access */
    SHOW("mkdir", mkdir(P("sub", d), 0750));
    SHOW("mkdir again", mkdir(P("sub", d), 0750));
    SHOW("stat dir", stat(P("sub", d), &st));
    show_stat("  sub", &st);
    SHOW("symlink", symlink("a.txt", P("lnk", d)));
    SHOW("lstat symlink", lstat(P("lnk", d), &st));
    printf("  type=%s size=%lld\n", S_ISLNK(st.st_mode) ? "lnk" : "other",
           (long long)st.st_size);
    SHOW("stat via symlink", stat(P("lnk", d), &st));
    show_stat("  lnk->a.txt", &st);
    memset(buf, 0, sizeof buf);
    SHOW("readlink", readlink(P("lnk", d), buf, sizeof buf));
    printf("  target=\"%s\"\n", buf);
    SHOW("readlink on regular file", readlink(P("a.txt", d), buf, sizeof buf));
    {
        char p2[4096];
        snprintf(p2, sizeof p2, "%s/hard", d);
        SHOW("link", link(P("a.txt", d), p2));
        SHOW("stat a.txt", stat(P("a.txt", d), &st));
        show_stat("  a.txt", &st);
        snprintf(p2, sizeof p2, "%s/renamed", d);
        SHOW("rename", rename(P("hard", d), p2));
        SHOW("stat renamed", stat(p2, &st));
        show_stat("  renamed", &st);
        SHOW("stat old name", stat(P("hard", d), &st));
        SHOW("unlink renamed", unlink(p2));
        SHOW("unlink again", unlink(p2));
    }
    SHOW("stat a.txt", stat(P("a.txt", d), &st));
    show_stat("  a.txt", &st);
    SHOW("access R_OK", access(P("a.txt", d), R_OK));
    SHOW("access missing", access(P("nope", d), F_OK));
    SHOW("chmod 0600", chmod(P("a.txt", d), 0600));
    SHOW("stat", stat(P("a.txt", d), &st));
    show_stat("  a.txt", &st);
    SHOW("rmdir non-empty parent", rmdir(d));
    SHOW("unlink dir", unlink(P("sub", d)));
    SHOW("rmdir sub", rmdir(P("sub", d)));
    SHOW("open path through file", open(P("a.txt/x", d), O_RDONLY));
    SHOW("unlink lnk", unlink(P("lnk", d)));
    SHOW("unlink a.txt", unlink(P("a.txt", d)));
    SHOW("unlink b.bin", unlink(P("b.bin", d)));

    /* fds that were never opened */
    SHOW("read bad fd", read(99, buf, 1));
    SHOW("write bad fd", write(-1, buf, 1));
    SHOW("fstat bad fd", fstat(77, &st));
    SHOW("lseek on pipe", ({
             int p[2];
             pipe(p);
             long r = lseek(p[0], 0, SEEK_CUR);
             int e = errno;
             close(p[0]);
             close(p[1]);
             errno = e;
             r;
         }));
    /* stdout through write(2) after printf output */
    fflush(stdout);
    SHOW("write(1)", write(1, "raw stdout line\n", 16));
    return 0;
}
