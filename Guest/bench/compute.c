/*
 * The CPU-bound workloads without system calls in their loops: hashes (a
 * macro benchmark, unit s), ub-dhrystone2 and ub-hanoi (UnixBench-like
 * scores).
 */
#include "bench.h"

#include <string.h>

/* ---- hashes: the sdbm string hash applied to its own output as text ---- */

static uint32_t sdbm(const char *s, uint32_t hash)
{
    unsigned char c;
    while ((c = (unsigned char)*s++) != 0)
        hash = c + (hash << 6) + (hash << 16) - hash;
    return hash;
}

/* Decimal text of v, NUL terminated; returns its length. */
static int format_u32(uint32_t v, char *out)
{
    char reversed[10];
    int len = 0;
    do {
        reversed[len++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (int i = 0; i < len; i++)
        out[i] = reversed[len - 1 - i];
    out[len] = 0;
    return len;
}

void bench_hashes(struct run *r)
{
    char text[32] = "Trapeze e500 hash chain seed";
    uint32_t hash = 0, sum = 0;

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        hash = sdbm(text, 0);
        sum += hash ^ (uint32_t)i;
        /* Salting with the round number keeps the chain from cycling. */
        int len = format_u32(hash, text);
        text[len++] = '/';
        format_u32((uint32_t)i, text + len);
    }
    run_timer_stop(r);
    r->check = check_mix(check_mix(0, hash), sum);
}

/* ---- ub-dhrystone2: records, strings, integers, calls, arrays ---- */

enum colour { RED, GREEN, BLUE };

struct record {
    struct record *link;
    enum colour colour;
    int number;
    char text[31];
};

struct dhry_state {
    struct record first, second;
    char text_a[31], text_b[31];
    int table[50];
    int grid[50][50];
    uint32_t sum;
};

BENCH_OPAQUE static int scaled_sum(int a, int b)
{
    return a * 5 + b - 3;
}

BENCH_OPAQUE static enum colour next_colour(enum colour c, int bias)
{
    return (enum colour)((c + 1 + (bias & 1)) % 3);
}

BENCH_OPAQUE static int texts_ordered(const char *a, const char *b)
{
    return strcmp(a, b) < 0;
}

/* Record assignment through pointers, then a change to the copy. */
BENCH_OPAQUE static void copy_record(struct record *to, const struct record *from, int round)
{
    *to = *from;
    to->number = from->number + round;
    to->colour = next_colour(from->colour, round);
    to->link = (struct record *)from;
}

BENCH_OPAQUE static void update_tables(int *table, int (*grid)[50], int index, int value)
{
    table[index] = value;
    table[index + 1] = table[index] + index;
    grid[index][index + 2] += value;
    grid[index + 3][index] = table[index + 1];
}

static void dhry_round(struct dhry_state *s, int round)
{
    int a = 2 + (round & 3), b = 3;
    int c = scaled_sum(a, b);
    b = c * a - b / (a | 1);

    strcpy(s->text_b, "TRAPEZE DHRY STRING, ROUND #0.");
    s->text_b[28] = (char)('A' + round % 26);
    int ordered = texts_ordered(s->text_a, s->text_b);

    copy_record(&s->second, &s->first, round);
    s->first.number = s->second.number % 1000;
    s->first.colour = s->second.link->colour;

    update_tables(s->table, s->grid, (round + ordered) % 40, b);
    s->sum += (uint32_t)(c + b + ordered + s->second.number + s->second.colour)
              + (uint32_t)s->table[round % 50];
}

void bench_dhrystone2(struct run *r)
{
    static struct dhry_state s;
    strcpy(s.first.text, "TRAPEZE DHRY RECORD TEXT, ONE.");
    strcpy(s.text_a, "TRAPEZE DHRY STRING, ROUND #M.");
    s.first.colour = GREEN;

    run_timer_start(r);
    for (long i = 0; i < r->n; i++)
        dhry_round(&s, (int)i);
    run_timer_stop(r);

    uint64_t check = check_mix(0, s.sum);
    for (int i = 0; i < 50; i++)
        check = check_mix(check, (uint32_t)s.table[i] ^ (uint32_t)s.grid[i][(i + 2) % 50]);
    r->check = check_mix(check, (uint32_t)s.first.number);
}

/* ---- ub-hanoi: recursive towers of Hanoi ---- */

#define HANOI_DISKS 10

struct towers {
    int height[3];
    unsigned char disks[3][HANOI_DISKS];
    uint32_t moves;
    uint32_t trace;     /* a hash of every move made */
};

static void move_disk(struct towers *t, int from, int to)
{
    if (t->height[from] == 0)
        die_msg("hanoi", "move from an empty peg");
    unsigned char disk = t->disks[from][--t->height[from]];
    if (t->height[to] > 0 && t->disks[to][t->height[to] - 1] < disk)
        die_msg("hanoi", "larger disk on a smaller one");
    t->disks[to][t->height[to]++] = disk;
    t->moves++;
    t->trace = t->trace * 31 + (uint32_t)(disk * 9 + from * 3 + to);
}

BENCH_OPAQUE static void hanoi(struct towers *t, int disks, int from, int to, int via)
{
    if (disks == 0)
        return;
    hanoi(t, disks - 1, from, via, to);
    move_disk(t, from, to);
    hanoi(t, disks - 1, via, to, from);
}

static void towers_reset(struct towers *t)
{
    t->height[0] = HANOI_DISKS;
    t->height[1] = t->height[2] = 0;
    for (int i = 0; i < HANOI_DISKS; i++)
        t->disks[0][i] = (unsigned char)(HANOI_DISKS - i);
}

void bench_hanoi(struct run *r)
{
    struct towers t = { .moves = 0 };

    run_timer_start(r);
    for (long i = 0; i < r->n; i++) {
        towers_reset(&t);
        hanoi(&t, HANOI_DISKS, 0, 2, 1);
        if (t.height[2] != HANOI_DISKS)
            die_msg("hanoi", "disks left behind");
    }
    run_timer_stop(r);
    r->check = check_mix(check_mix(0, t.moves), t.trace);
}
