/*
 * crc: CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) and CRC-32C
 * (Castagnoli, 0x82F63B78), table driven one byte at a time, over tens of MB
 * of generated data. The data is produced block by block by a linear
 * congruential generator; every block gets both CRCs, and every 8th block is
 * also checked with a bitwise (table-free) CRC-32. Byte loads, shifts, xors
 * and table lookups.
 *
 * Usage: crc [MEGABYTES]   prints "crc: bytes=N crc32=XXXXXXXX crc32c=XXXXXXXX blocks-xor=XXXXXXXX"
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BLOCK 65536

static uint32_t table[256], table_c[256];

static void make_table(uint32_t *t, uint32_t poly)
{
    uint32_t i, j, c;
    for (i = 0; i < 256; i++) {
        c = i;
        for (j = 0; j < 8; j++)
            c = (c & 1) ? poly ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
}

static uint32_t crc_update(const uint32_t *t, uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    while (n--)
        crc = t[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint32_t crc32_bitwise(uint32_t crc, const unsigned char *p, size_t n)
{
    int k;
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

int main(int argc, char **argv)
{
    long megabytes = argc > 1 ? atol(argv[1]) : 128;
    long blocks = megabytes * (1024 * 1024 / BLOCK), b;
    static unsigned char buf[BLOCK];
    uint32_t seed = 12345u, crc = 0, crc_c = 0, blocks_xor = 0;
    size_t i;
    const unsigned char *check = (const unsigned char *)"123456789";

    make_table(table, 0xEDB88320u);
    make_table(table_c, 0x82F63B78u);
    if (crc_update(table, 0, check, 9) != 0xCBF43926u || crc32_bitwise(0, check, 9) != 0xCBF43926u
        || crc_update(table_c, 0, check, 9) != 0xE3069283u) {
        printf("crc: check value wrong\n");
        return 1;
    }
    for (b = 0; b < blocks; b++) {
        /* Generate 4 bytes per LCG step (top bits are the better ones). */
        for (i = 0; i < BLOCK; i += 4) {
            seed = seed * 1664525u + 1013904223u;
            buf[i] = (unsigned char)(seed >> 24);
            buf[i + 1] = (unsigned char)(seed >> 16);
            buf[i + 2] = (unsigned char)(seed >> 8);
            buf[i + 3] = (unsigned char)seed;
        }
        crc = crc_update(table, crc, buf, BLOCK);
        crc_c = crc_update(table_c, crc_c, buf, BLOCK);
        if (b % 8 == 0) {
            uint32_t block_crc = crc_update(table, 0, buf, BLOCK);
            if (crc32_bitwise(0, buf, BLOCK) != block_crc) {
                printf("crc: bitwise and table CRC-32 disagree in block %ld\n", b);
                return 1;
            }
            blocks_xor ^= block_crc;
        }
    }
    printf("crc: bytes=%ld crc32=%08x crc32c=%08x blocks-xor=%08x\n", blocks * (long)BLOCK,
           (unsigned)crc, (unsigned)crc_c, (unsigned)blocks_xor);
    return 0;
}
