/*
 * sort: sorts a few million pseudo-random 32-bit ints with our own quicksort
 * (median of three, insertion sort below a cutoff) and our own bottom-up
 * mergesort, verifies both results are sorted and identical, and prints a
 * checksum of the sorted data. Compares, branches, loads and stores.
 *
 * Usage: sort [COUNT]   prints "sort: n=N checksum=XXXXXXXX min=.. max=.. median=.."
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng_state = 2463534242u;

static uint32_t xorshift32(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static void insertion_sort(int32_t *a, long lo, long hi)
{
    long i, j;
    for (i = lo + 1; i <= hi; i++) {
        int32_t v = a[i];
        for (j = i - 1; j >= lo && a[j] > v; j--)
            a[j + 1] = a[j];
        a[j + 1] = v;
    }
}

static void swap(int32_t *a, long i, long j)
{
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* Quicksort, recursing on the smaller side so the stack stays O(log n). */
static void quicksort(int32_t *a, long lo, long hi)
{
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2, i, j;
        int32_t pivot;
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        pivot = a[mid];
        i = lo;
        j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                swap(a, i, j);
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

/* Bottom-up mergesort of a[0..n) using tmp as scratch; result ends in a. */
static void mergesort(int32_t *a, int32_t *tmp, long n)
{
    int32_t *src = a, *dst = tmp;
    long width, i;
    for (i = 0; i < n; i += 16)
        insertion_sort(a, i, (i + 16 < n ? i + 16 : n) - 1);
    for (width = 16; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            long l = i, m = i + width < n ? i + width : n, r = i + 2 * width < n ? i + 2 * width : n;
            long p = l, q = m, k = l;
            while (p < m && q < r)
                dst[k++] = src[q] < src[p] ? src[q++] : src[p++];
            while (p < m)
                dst[k++] = src[p++];
            while (q < r)
                dst[k++] = src[q++];
        }
        int32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, (size_t)n * sizeof *a);
}

static int is_sorted(const int32_t *a, long n)
{
    long i;
    for (i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 4000000, i;
    int32_t *a = malloc((size_t)n * sizeof *a);
    int32_t *b = malloc((size_t)n * sizeof *b);
    int32_t *tmp = malloc((size_t)n * sizeof *tmp);
    uint32_t checksum = 0;

    if (!a || !b || !tmp || n < 1) {
        fprintf(stderr, "sort: cannot allocate %ld ints\n", n);
        return 2;
    }
    for (i = 0; i < n; i++) {
        /* A value range smaller than n, so there are duplicates too. */
        a[i] = (int32_t)(xorshift32() % 1000000007u) - 500000000;
        b[i] = a[i];
    }
    quicksort(a, 0, n - 1);
    mergesort(b, tmp, n);
    if (!is_sorted(a, n) || !is_sorted(b, n)) {
        printf("sort: NOT SORTED\n");
        return 1;
    }
    if (memcmp(a, b, (size_t)n * sizeof *a) != 0) {
        printf("sort: quicksort and mergesort disagree\n");
        return 1;
    }
    for (i = 0; i < n; i++)
        checksum = checksum * 31u + (uint32_t)a[i];
    printf("sort: n=%ld checksum=%08x min=%d max=%d median=%d\n", n, (unsigned)checksum,
           (int)a[0], (int)a[n - 1], (int)a[n / 2]);
    return 0;
}
