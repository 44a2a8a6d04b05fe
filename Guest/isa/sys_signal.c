/*
 * Signal delivery to a user program:
 *   (the SEGV_ACCERR code is a known qemu difference, see below)
 *   sigaction handlers with siginfo (si_signo, si_code) for raise (tgkill:
 *   SI_TKILL) and kill (SI_USER); sigprocmask blocking, sigpending,
 *   delivery on unblock; sa_mask in effect inside the handler;
 *   SA_RESETHAND; SIGSEGV from a write to a PROT_READ page (SEGV_ACCERR)
 *   and from an unmapped page (SEGV_MAPERR) with si_addr, recovered with
 *   siglongjmp; SIGILL from an illegal word, SIGTRAP from a taken tw,
 *   resumed by advancing NIP in the ucontext (with si_addr == NIP);
 *   sigaltstack; an interval timer interrupting pause() (EINTR).
 * Addresses are printed only as offsets from known bases.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>
#include "sys.h"

static volatile int hits;
static volatile int last_code, last_signo, usr2_blocked_inside;
static sigjmp_buf jb;
static volatile uintptr_t fault_addr, fault_nip;
static volatile int on_altstack;
static char *altstack;

static void h_info(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    hits++;
    last_signo = si->si_signo;
    last_code = si->si_code;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    usr2_blocked_inside = sigismember(&cur, SIGUSR2);
    char here;
    on_altstack = altstack && &here >= altstack && &here < altstack + 65536;
    (void)sig;
}

static void h_segv(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    last_signo = sig;
    last_code = si->si_code;
    fault_addr = (uintptr_t)si->si_addr;
    siglongjmp(jb, 1);
}

/* resume after the faulting instruction */
static void h_skip(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    last_signo = sig;
    last_code = si->si_code;
    fault_addr = (uintptr_t)si->si_addr;
    fault_nip = uc->uc_mcontext.uc_regs->gregs[32];
    uc->uc_mcontext.uc_regs->gregs[32] += 4;
    hits++;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags,
                    int masksig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (masksig) sigaddset(&sa.sa_mask, masksig);
    sigaction(sig, &sa, NULL);
}

static void h_alrm(int sig) {
    (void)sig;
    hits++;
}

int main(void) {
    normalize_signals();
    install(SIGUSR1, h_info, 0, SIGUSR2);
    hits = 0;
    raise(SIGUSR1);
    printf("raise SIGUSR1: handled %d time(s), si_signo=%d si_code=%d, SIGUSR2 "
           "blocked inside (sa_mask): %s\n",
           hits, last_signo, last_code, usr2_blocked_inside ? "yes" : "no");
    kill(getpid(), SIGUSR1);
    printf("kill self SIGUSR1: handled %d, si_code=%d (SI_USER=0)\n", hits,
           last_code);
    {
        sigset_t s, old, pend;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        SHOW("sigprocmask block USR1", sigprocmask(SIG_BLOCK, &s, &old));
        hits = 0;
        raise(SIGUSR1);
        sigpending(&pend);
        printf("  while blocked: handled %d, pending=%s\n", hits,
               sigismember(&pend, SIGUSR1) ? "yes" : "no");
        SHOW("sigprocmask unblock", sigprocmask(SIG_SETMASK, &old, NULL));
        printf("  after unblock: handled %d\n", hits);
        SHOW("sigprocmask bad how", sigprocmask(12345, &s, NULL));
    }
    /* SA_RESETHAND */
    {
        install(SIGUSR2, h_info, SA_RESETHAND, 0);
        hits = 0;
        raise(SIGUSR2);
        struct sigaction q;
        sigaction(SIGUSR2, NULL, &q);
        printf("SA_RESETHAND: handled %d, handler now default: %s\n", hits,
               q.sa_handler == SIG_DFL ? "yes" : "no");
    }
    /* sigaltstack */
    {
        altstack = malloc(65536);
        stack_t ss = {.ss_sp = altstack, .ss_size = 65536, .ss_flags = 0};
        SHOW("sigaltstack", sigaltstack(&ss, NULL));
        install(SIGUSR1, h_info, SA_ONSTACK, 0);
        raise(SIGUSR1);
        printf("  handler ran on the alternate stack: %s\n",
               on_altstack ? "yes" : "no");
        install(SIGUSR1, h_info, 0, 0);
        raise(SIGUSR1);
        printf("  without SA_ONSTACK: %s\n", on_altstack ? "alt" : "normal");
    }
    /* SIGSEGV */
    {
        install(SIGSEGV, h_segv, 0, 0);
        unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        mprotect(p + 4096, 4096, PROT_READ);
        if (sigsetjmp(jb, 1) == 0) {
            p[4096 + 123] = 1;
            printf("write to PROT_READ page did not fault\n");
        } else
            /* Linux reports SEGV_ACCERR (2); qemu-ppc 7.2 reports
             * SEGV_MAPERR (1) for every guest fault, so the code is only
             * printed after the ~hwdiff marker. */
            printf("write to PROT_READ page: SIGSEGV addr=page+%ld (Linux: "
                   "code 2 SEGV_ACCERR) ~hwdiff: code=%d\n",
                   (long)(fault_addr - (uintptr_t)(p + 4096)), last_code);
        printf("  the read-only page still reads: %d\n", p[4096 + 123]);
        munmap(p + 4096, 4096);
        if (sigsetjmp(jb, 1) == 0) {
            volatile unsigned char c = p[4096 + 7];
            (void)c;
            printf("read of unmapped page did not fault\n");
        } else
            printf("read of unmapped page: SIGSEGV code=%d (SEGV_MAPERR=1) "
                   "addr=page+%ld\n",
                   last_code, (long)(fault_addr - (uintptr_t)(p + 4096)));
        munmap(p, 4096);
    }
    /* SIGILL and SIGTRAP, resumed past the instruction */
    {
        install(SIGILL, h_skip, 0, 0);
        install(SIGTRAP, h_skip, 0, 0);
        uintptr_t at;
        u_int32_t after = 0;
        hits = 0;
        __asm__ volatile("bcl 20,31,1f\n"
                         "1:\tmflr %0\n\t"
                         "addi %0,%0,2f-1b\n"
                         "2:\t.long 0\n\t"
                         "li %1,11"
                         : "=b"(at), "=r"(after)
                         :
                         : "lr");
        printf("illegal word: SIGILL code=%d (ILL_ILLOPC=1) nip==insn: %s "
               "addr==insn: %s, resumed: %u\n",
               last_code, fault_nip == at ? "yes" : "no",
               fault_addr == at ? "yes" : "no", after);
        __asm__ volatile("bcl 20,31,1f\n"
                         "1:\tmflr %0\n\t"
                         "addi %0,%0,2f-1b\n"
                         "2:\ttw 4,%2,%2\n\t"
                         "li %1,22"
                         : "=b"(at), "=r"(after)
                         : "r"(5)
                         : "lr");
        printf("tw 4 (eq) taken: SIGTRAP code=%d nip==insn: %s, resumed: %u\n",
               last_code, fault_nip == at ? "yes" : "no", after);
        __asm__ volatile("bcl 20,31,1f\n"
                         "1:\tmflr %0\n\t"
                         "addi %0,%0,2f-1b\n"
                         "2:\ttwi 31,%2,0\n\t"
                         "li %1,33"
                         : "=b"(at), "=r"(after)
                         : "r"(5)
                         : "lr");
        printf("twi 31 (trap): SIGTRAP code=%d nip==insn: %s, resumed: %u\n",
               last_code, fault_nip == at ? "yes" : "no", after);
        printf("handlers ran: %d\n", hits);
    }
    /* interval timer interrupts pause() */
    {
        signal(SIGALRM, h_alrm);
        hits = 0;
        struct itimerval it = {{0, 0}, {0, 20000}};
        SHOW("setitimer 20ms", setitimer(ITIMER_REAL, &it, NULL));
        SHOW("pause", pause());
        printf("  SIGALRM handled: %d\n", hits);
    }
    printf("done\n");
    return 0;
}
