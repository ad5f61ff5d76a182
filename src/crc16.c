/*
 * crc16.c: CRC16 as Redis Cluster uses it (CCITT polynomial 0x1021,
 * initial value 0, no reflection, no final xor: the "XMODEM" variant), with
 * a table built once from the polynomial.
 */
#include "crc16.h"

static uint16_t kv_crc16_table[256];
static int kv_crc16_ready;

static void kv_crc16_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t crc = (uint16_t) (i << 8);
        for (int b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? (uint16_t) ((crc << 1) ^ 0x1021)
                                 : (uint16_t) (crc << 1);
        }
        kv_crc16_table[i] = crc;
    }
    kv_crc16_ready = 1;
}

uint16_t kv_crc16(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint16_t crc = 0;

    if (!kv_crc16_ready) {
        kv_crc16_init();
    }
    for (size_t i = 0; i < len; i++) {
        crc = (uint16_t) ((crc << 8) ^
                          kv_crc16_table[((crc >> 8) ^ p[i]) & 0xff]);
    }
    return crc;
}

unsigned kv_key_slot(const char *key, size_t len)
{
    size_t s, e;

    /* Only the first '{' counts, and only if a '}' follows it with at
     * least one byte in between. */
    for (s = 0; s < len; s++) {
        if (key[s] == '{') {
            break;
        }
    }
    if (s < len) {
        for (e = s + 1; e < len; e++) {
            if (key[e] == '}') {
                break;
            }
        }
        if (e < len && e != s + 1) {
            return kv_crc16(key + s + 1, e - s - 1) & (KV_SLOTS - 1);
        }
    }
    return kv_crc16(key, len) & (KV_SLOTS - 1);
}
