/*
 * connect-4: weakly solves (win / draw / loss for the side to move) a
 * fixed Connect Four position with negamax, alpha-beta, a 64 MB
 * transposition table and move ordering by threats.  The table's random
 * accesses across 64 MB are the point: TLB pressure, as in Fhourstone.
 *
 * Bitboards: column c holds bits c*7 .. c*7+5 (bottom to top); bit c*7+6 is
 * always empty, so shifted lines never run from one column into the next.
 */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

#define WIDTH 7
#define HEIGHT 6
#define COLUMN_BITS (HEIGHT + 1)
#define CELLS (WIDTH * HEIGHT)

typedef uint64_t bitboard;

#define BOTTOM_ROW  0x0040810204081ULL      /* bit c*7 of every column */
#define BOARD_CELLS (BOTTOM_ROW * 0x3f)     /* the 6 playable rows */

/* The pre-played moves (columns 1-7); the paper scale starts earlier. */
static const char opening[] = "452547314442554";
#define QUICK_PREPLAYED 15
#define PAPER_PREPLAYED 11

#define TABLE_BYTES (64u << 20)
#define TABLE_ENTRIES (TABLE_BYTES / sizeof(uint64_t))

enum bound { BOUND_EXACT = 1, BOUND_LOWER = 2, BOUND_UPPER = 3 };

struct position {
    bitboard mover;     /* stones of the side to move */
    bitboard filled;    /* all stones */
    int moves;
};

struct solver {
    uint64_t *table;    /* entry: key << 8 | bound << 2 | (score + 1) */
    uint64_t nodes;
};

static bitboard column_cells(int col)
{
    return (bitboard)0x3f << (col * COLUMN_BITS);
}

static bitboard playable_cells(bitboard filled)
{
    return (filled + BOTTOM_ROW) & BOARD_CELLS;
}

/* Empty cells that would complete four of `stones` in a line. */
static bitboard winning_cells(bitboard stones, bitboard filled)
{
    static const int directions[4] = { 1, COLUMN_BITS, COLUMN_BITS - 1, COLUMN_BITS + 1 };
    bitboard wins = 0;
    for (int i = 0; i < 4; i++) {
        int d = directions[i];
        bitboard up1 = stones >> d, up2 = stones >> 2 * d, up3 = stones >> 3 * d;
        bitboard down1 = stones << d, down2 = stones << 2 * d, down3 = stones << 3 * d;
        wins |= (up1 & up2 & up3) | (down1 & up1 & up2)
              | (down2 & down1 & up1) | (down3 & down2 & down1);
    }
    return wins & ~filled & BOARD_CELLS;
}

/* The opponent's stones become the side to move. */
static struct position play_cell(struct position p, bitboard cell)
{
    p.mover ^= p.filled;
    p.filled |= cell;
    p.moves++;
    return p;
}

static int count_bits(bitboard b)
{
    int n = 0;
    for (; b != 0; b &= b - 1)
        n++;
    return n;
}

static int table_index(uint64_t key)
{
    uint32_t mixed = (uint32_t)key * 2654435761u ^ (uint32_t)(key >> 32) * 40503u;
    return (int)(mixed % TABLE_ENTRIES);
}

/* Non-losing moves: a forced block, and never under an opponent's win. */
static bitboard candidate_moves(const struct position *p, int *lost)
{
    bitboard playable = playable_cells(p->filled);
    bitboard opponent_wins = winning_cells(p->mover ^ p->filled, p->filled);
    bitboard forced = playable & opponent_wins;
    *lost = 0;
    if (forced != 0) {
        if (forced & (forced - 1))
            *lost = 1;
        playable = forced;
    }
    playable &= ~(opponent_wins >> 1);
    if (playable == 0)
        *lost = 1;
    return playable;
}

/* Columns centre first, then stably by the threats each move creates. */
static int order_moves(const struct position *p, bitboard moves, bitboard cells[WIDTH])
{
    static const int centre_first[WIDTH] = { 3, 2, 4, 1, 5, 0, 6 };
    int threats[WIDTH], count = 0;
    for (int i = 0; i < WIDTH; i++) {
        bitboard cell = moves & column_cells(centre_first[i]);
        if (cell == 0)
            continue;
        int score = count_bits(winning_cells(p->mover | cell, p->filled | cell));
        int j = count;
        for (; j > 0 && threats[j - 1] < score; j--) {
            threats[j] = threats[j - 1];
            cells[j] = cells[j - 1];
        }
        threats[j] = score;
        cells[j] = cell;
        count++;
    }
    return count;
}

/* 1 with *score set when the stored bound alone decides the node;
 * otherwise it may narrow the window. */
static int table_decides(struct solver *s, uint64_t key, int *alpha, int *beta, int *score)
{
    uint64_t entry = s->table[table_index(key)];
    if ((entry >> 8) != key)
        return 0;
    int stored = (int)(entry & 3) - 1;
    enum bound bound = (enum bound)((entry >> 2) & 3);
    if (bound == BOUND_EXACT || (bound == BOUND_LOWER && stored >= *beta)
        || (bound == BOUND_UPPER && stored <= *alpha)) {
        *score = stored;
        return 1;
    }
    if (bound == BOUND_LOWER && stored > *alpha)
        *alpha = stored;
    else if (bound == BOUND_UPPER && stored < *beta)
        *beta = stored;
    return 0;
}

static void table_store(struct solver *s, uint64_t key, int score, enum bound bound)
{
    s->table[table_index(key)] = key << 8 | (uint64_t)bound << 2 | (uint64_t)(score + 1);
}

/* Score for the side to move: 1 win, 0 draw, -1 loss. */
static int negamax(struct solver *s, const struct position *p, int alpha, int beta)
{
    s->nodes++;
    if (winning_cells(p->mover, p->filled) & playable_cells(p->filled))
        return 1;
    if (p->moves >= CELLS - 1)
        return 0;
    int lost;
    bitboard moves = candidate_moves(p, &lost);
    if (lost)
        return -1;

    uint64_t key = p->mover + p->filled;
    int stored;
    if (table_decides(s, key, &alpha, &beta, &stored))
        return stored;

    /* Taken after the table narrowed the window: a fail-low below it is
     * still only an upper bound. */
    int window_alpha = alpha;
    bitboard cells[WIDTH];
    int count = order_moves(p, moves, cells);
    int best = -1;
    for (int i = 0; i < count && alpha < beta; i++) {
        struct position next = play_cell(*p, cells[i]);
        int score = -negamax(s, &next, -beta, -alpha);
        if (score > best)
            best = score;
        if (best > alpha)
            alpha = best;
    }
    enum bound bound = best <= window_alpha ? BOUND_UPPER
                     : best >= beta ? BOUND_LOWER : BOUND_EXACT;
    table_store(s, key, best, bound);
    return best;
}

static struct position preplayed_position(int moves)
{
    struct position p = { 0, 0, 0 };
    for (int i = 0; i < moves; i++) {
        int col = opening[i] - '1';
        bitboard cell = playable_cells(p.filled) & column_cells(col);
        if (cell == 0 || (winning_cells(p.mover, p.filled) & cell))
            die_msg("connect-4 opening", "illegal or winning move");
        p = play_cell(p, cell);
    }
    return p;
}

void bench_connect4(struct run *r)
{
    struct solver s = { .table = malloc(TABLE_BYTES), .nodes = 0 };
    if (s.table == NULL)
        die_errno("malloc of the transposition table");
    memset(s.table, 0, TABLE_BYTES);
    struct position start = preplayed_position(r->paper ? PAPER_PREPLAYED : QUICK_PREPLAYED);

    /* One solve (n = 1): a second one would be answered by the table. */
    run_timer_start(r);
    int score = negamax(&s, &start, -1, 1);
    run_timer_stop(r);

    r->check = check_mix(check_mix(0, (uint64_t)(score + 1)), s.nodes);
    free(s.table);
}
