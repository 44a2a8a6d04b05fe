/*
 * Directories: getcwd, chdir, fchdir, mkdir, relative paths, and a raw
 * getdents64 listing (names sorted before printing: the on-disk order is
 * the filesystem's business) of a directory created in argv[1].
 * Paths are printed relative to the temp dir, never absolutely.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sys.h"

/* the kernel's record layout (glibc only declares dirent64 with
 * _LARGEFILE64_SOURCE) */
struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

struct ent {
    char name[64];
    unsigned char type;
};

static int cmp(const void *a, const void *b) {
    return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static const char *tname(unsigned char t) {
    switch (t) {
    case DT_REG: return "reg";
    case DT_DIR: return "dir";
    case DT_LNK: return "lnk";
    case DT_FIFO: return "fifo";
    case DT_UNKNOWN: return "unknown";
    default: return "other";
    }
}

/* list with raw getdents64, using a small buffer to force several calls */
static void list(const char *label, const char *dirpath, size_t bufsz) {
    int fd = open(dirpath, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        printf("%s: open failed errno=%s\n", label, errname(errno));
        return;
    }
    struct ent ents[64];
    int n = 0, calls = 0;
    char buf[4096] __attribute__((aligned(8)));
    for (;;) {
        long r = syscall(SYS_getdents64, fd, buf, bufsz);
        if (r < 0) {
            printf("%s: getdents64 errno=%s\n", label, errname(errno));
            break;
        }
        if (r == 0) break;
        calls++;
        for (long off = 0; off < r;) {
            struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);
            if (n < 64) {
                snprintf(ents[n].name, sizeof ents[n].name, "%s", de->d_name);
                ents[n].type = de->d_type;
                n++;
            }
            off += de->d_reclen;
        }
    }
    close(fd);
    qsort(ents, n, sizeof ents[0], cmp);
    printf("%s: %d entries, more than one call: %s\n", label, n,
           calls > 1 ? "yes" : "no");
    for (int i = 0; i < n; i++)
        printf("  %-14s %s\n", ents[i].name,
               /* some filesystems report DT_UNKNOWN; normalise via lstat */
               ents[i].type == DT_UNKNOWN ? "unknown" : tname(ents[i].type));
}

int main(int argc, char **argv) {
    if (argc < 2) {
        printf("usage: sys_dir TMPDIR\n");
        return 2;
    }
    char base[4096], cwd[4096], p[4096];
    umask(022);
    SHOW("chdir tmpdir", chdir(argv[1]));
    if (!getcwd(base, sizeof base)) {
        printf("getcwd failed errno=%s\n", errname(errno));
        return 1;
    }
    printf("getcwd is absolute: %s\n", base[0] == '/' ? "yes" : "no");
    SHOW("getcwd raw syscall length == strlen+1",
         syscall(SYS_getcwd, cwd, sizeof cwd) == (long)strlen(base) + 1);
    SHOW("getcwd buffer too small", syscall(SYS_getcwd, cwd, 2));
    SHOW("mkdir d", mkdir("d", 0755));
    SHOW("mkdir d/inner", mkdir("d/inner", 0700));
    for (int i = 0; i < 40; i++) {
        snprintf(p, sizeof p, "d/file_%02d_with_a_longish_name", i);
        int fd = open(p, O_CREAT | O_WRONLY, 0644);
        if (fd < 0) printf("create %s failed\n", p);
        close(fd);
    }
    SHOW("symlink", symlink("file_00_with_a_longish_name", "d/link"));
    SHOW("mkfifo", mkfifo("d/fifo", 0600));
    list("getdents64 d (bufsz 4096)", "d", 4096);
    list("getdents64 d (bufsz 200)", "d", 200);
    list("getdents64 d/inner", "d/inner", 4096);
    SHOW("getdents64 on a file",
         ({
             int fd = open("d/link", O_RDONLY);
             char b[512];
             long r = syscall(SYS_getdents64, fd, b, sizeof b);
             int e = errno;
             close(fd);
             errno = e;
             r;
         }));
    SHOW("getdents64 buffer too small",
         ({
             int fd = open("d", O_RDONLY | O_DIRECTORY);
             char b[8];
             long r = syscall(SYS_getdents64, fd, b, sizeof b);
             int e = errno;
             close(fd);
             errno = e;
             r;
         }));

    SHOW("chdir d/inner", chdir("d/inner"));
    getcwd(cwd, sizeof cwd);
    printf("cwd relative to tmpdir: %s\n",
           strncmp(cwd, base, strlen(base)) == 0 ? cwd + strlen(base) : "??");
    SHOW("open ../file_03... relative", ({
             int fd = open("../file_03_with_a_longish_name", O_RDONLY);
             if (fd >= 0) close(fd);
             fd >= 0 ? 0 : -1;
         }));
    SHOW("chdir ..", chdir(".."));
    getcwd(cwd, sizeof cwd);
    printf("cwd relative to tmpdir: %s\n",
           strncmp(cwd, base, strlen(base)) == 0 ? cwd + strlen(base) : "??");
    SHOW("chdir missing", chdir("nope"));
    SHOW("chdir to a file", chdir("file_01_with_a_longish_name"));
    {
        int dfd = open(base, O_RDONLY | O_DIRECTORY);
        SHOW("fchdir tmpdir", fchdir(dfd));
        close(dfd);
        getcwd(cwd, sizeof cwd);
        printf("cwd relative to tmpdir: \"%s\"\n",
               strcmp(cwd, base) == 0 ? "" : "??");
        int ffd = open("d/link", O_RDONLY);
        SHOW("fchdir to a file", fchdir(ffd));
        close(ffd);
    }
    /* openat / mkdirat / unlinkat relative to a dir fd */
    {
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        int fd = openat(dfd, "made_by_openat", O_CREAT | O_WRONLY, 0600);
        SHOW("openat created (fd>=0)", fd >= 0);
        close(fd);
        SHOW("mkdirat", mkdirat(dfd, "made_by_mkdirat", 0700));
        struct stat st;
        SHOW("fstatat", fstatat(dfd, "made_by_openat", &st, 0));
        printf("  mode=%04o\n", (unsigned)(st.st_mode & 07777));
        SHOW("unlinkat dir", unlinkat(dfd, "made_by_mkdirat", AT_REMOVEDIR));
        SHOW("unlinkat file", unlinkat(dfd, "made_by_openat", 0));
        close(dfd);
    }
    /* clean up */
    for (int i = 0; i < 40; i++) {
        snprintf(p, sizeof p, "d/file_%02d_with_a_longish_name", i);
        unlink(p);
    }
    unlink("d/link");
    unlink("d/fifo");
    SHOW("rmdir d/inner", rmdir("d/inner"));
    SHOW("rmdir d", rmdir("d"));
    list("getdents64 tmpdir (empty)", ".", 4096);
    return 0;
}
