/*
 * crc16.c: CRC16 as Redis Cluster uses it (CCITT polynomial 0x1021,
 * initial value 0, no reflection, no final xor: the "XMODEM" variant), with
 * tables built once from the polynomial.
 *
 * Four bytes a step ("slicing by four"): kv_crc16_table[k][i] is the CRC
 * of byte i followed by k zero bytes, so the CRC of four bytes fed after
 * state crc is the XOR of one lookup per byte, the first two XORed with
 * the state. Every key is hashed once per command when there is more
 * than one worker; byte at a time cost 8 instructions a byte.
 */
#include "crc16.h"

static uint16_t kv_crc16_table[4][256];
static int kv_crc16_ready;

static void kv_crc16_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t crc = (uint16_t) (i << 8);
        for (int b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? (uint16_t) ((crc << 1) ^ 0x1021)
                                 : (uint16_t) (crc << 1);
        }
        kv_crc16_table[0][i] = crc;
    }
    for (unsigned k = 1; k < 4; k++) {
        for (unsigned i = 0; i < 256; i++) {
            uint16_t c = kv_crc16_table[k - 1][i];
            kv_crc16_table[k][i] =
                (uint16_t) ((c << 8) ^ kv_crc16_table[0][c >> 8]);
        }
    }
    kv_crc16_ready = 1;
}

uint16_t kv_crc16(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint16_t crc = 0;
    size_t i = 0;

    if (!kv_crc16_ready) {
        kv_crc16_init();
    }
    for (; i + 4 <= len; i += 4) {
        unsigned x = crc ^ ((unsigned) p[i] << 8 | p[i + 1]);
        crc = (uint16_t) (kv_crc16_table[3][x >> 8] ^
                          kv_crc16_table[2][x & 0xff] ^
                          kv_crc16_table[1][p[i + 2]] ^
                          kv_crc16_table[0][p[i + 3]]);
    }
    for (; i < len; i++) {
        crc = (uint16_t) ((crc << 8) ^
                          kv_crc16_table[0][((crc >> 8) ^ p[i]) & 0xff]);
    }
    return crc;
}

unsigned kv_key_slot(const char *key, size_t len)
{
    const char *s, *e;

    /* Only the first '{' counts, and only if a '}' follows it with at
     * least one byte in between. */
    s = memchr(key, '{', len);
    if (s != NULL) {
        e = memchr(s + 1, '}', len - (size_t) (s + 1 - key));
        if (e != NULL && e != s + 1) {
            return kv_crc16(s + 1, (size_t) (e - s - 1)) & (KV_SLOTS - 1);
        }
    }
    return kv_crc16(key, len) & (KV_SLOTS - 1);
}
