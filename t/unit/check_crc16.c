/*
 * check_crc16.c: Redis Cluster's key slots (src/crc16.c).
 *
 * The reference is the textbook bit-at-a-time CRC16-XMODEM; the slots are
 * the ones Redis Cluster documents (CLUSTER KEYSLOT) and its hash tag
 * rules.
 */
#include "kevyd.h"

#include "crc16.h"

#include <check.h>
#include "ck_fast.h"
#include "ck_run.h"


static uint16_t ref_crc16(const unsigned char *p, size_t len)
{
    uint16_t crc = 0;

    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t) (p[i] << 8);
        for (int b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? (uint16_t) ((crc << 1) ^ 0x1021)
                                 : (uint16_t) (crc << 1);
        }
    }
    return crc;
}

START_TEST(test_check_value)
{
    /* The CRC catalogue's check value of CRC-16/XMODEM. */
    ck_assert_uint_eq(kv_crc16("123456789", 9), 0x31c3);
    ck_assert_uint_eq(kv_crc16("", 0), 0);
}
END_TEST

START_TEST(test_every_length_and_offset)
{
    unsigned char buf[80];
    uint64_t x = 88172645463325252ULL;

    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof(buf); i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = (unsigned char) x;
        }
        for (size_t off = 0; off < 4; off++) {
            for (size_t len = 0; len + off <= sizeof(buf); len++) {
                ck_fast(kv_crc16(buf + off, len) == ref_crc16(buf + off, len));
            }
        }
    }
}
END_TEST

static unsigned slot(const char *key)
{
    return kv_key_slot(key, strlen(key));
}

START_TEST(test_key_slots)
{
    /* CLUSTER KEYSLOT answers of Redis. */
    ck_assert_uint_eq(slot("foo"), 12182);
    ck_assert_uint_eq(slot("bar"), 5061);
    ck_assert_uint_eq(
        slot("key:000000012345"),
        ref_crc16((const unsigned char *) "key:000000012345", 16) & 16383);
    /* Hash tags: the first '{' and the next '}', not empty. */
    ck_assert_uint_eq(slot("{user1000}.following"),
                      slot("{user1000}.followers"));
    ck_assert_uint_eq(slot("{user1000}.following"), slot("user1000"));
    ck_assert_uint_eq(slot("foo{}{bar}"),
                      ref_crc16((const unsigned char *) "foo{}{bar}", 10) &
                          16383);
    ck_assert_uint_eq(slot("foo{{bar}}zap"), slot("{bar"));
    ck_assert_uint_eq(slot("foo{bar}{zap}"), slot("bar"));
    ck_assert_uint_eq(slot("{a"),
                      ref_crc16((const unsigned char *) "{a", 2) & 16383);
    ck_assert_uint_eq(slot("a}{b}"), slot("b"));
    ck_assert_uint_eq(kv_key_slot("{\0}x", 4), kv_key_slot("\0", 1));
}
END_TEST

static Suite *crc16_suite(void)
{
    Suite *s = suite_create("crc16");
    TCase *tc = tcase_create("crc16");

    tcase_add_test(tc, test_check_value);
    tcase_add_test(tc, test_every_length_and_offset);
    tcase_add_test(tc, test_key_slots);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kv_ck_run(crc16_suite()) == 0 ? 0 : 1;
}
