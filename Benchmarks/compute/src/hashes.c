/*
 * hashes: a hash chain in the spirit of the KVM "Hashes" workload.
 *
 * A Berkeley-DB style string hash (sdbm: hash = c + (hash << 6) + (hash << 16) - hash)
 * is applied to its own output formatted as a decimal string, over and over.
 * Integer shifts/adds/multiplies, divisions by 10 and byte loads/stores.
 *
 * Usage: hashes [ITERATIONS]   prints "hashes: iterations=N hash=XXXXXXXX sum=XXXXXXXX"
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t sdbm(const char *s, uint32_t hash)
{
    unsigned char c;
    while ((c = (unsigned char)*s++) != 0)
        hash = c + (hash << 6) + (hash << 16) - hash;
    return hash;
}

/* Decimal formatting of a 32-bit value, NUL terminated; returns the length. */
static int format_u32(uint32_t v, char *out)
{
    char tmp[10];
    int n = 0, i;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
    return n;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 20000000;
    char buf[64] = "Trapeze e500 hash chain seed";
    uint32_t hash = 0, sum = 0;
    long i;

    for (i = 0; i < iterations; i++) {
        int n;
        hash = sdbm(buf, 0);
        sum += hash ^ (uint32_t)i;
        /* The next input: the hash as text, salted with the round number. */
        n = format_u32(hash, buf);
        buf[n++] = '/';
        format_u32((uint32_t)i, buf + n);
    }
    printf("hashes: iterations=%ld hash=%08x sum=%08x\n", iterations, (unsigned)hash, (unsigned)sum);
    return 0;
}
