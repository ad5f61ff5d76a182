/*
 * check_ring.c: the SPSC ring of variable-length records.
 *
 * Single-process cases pin the format and the API one call at a time:
 * exact bytes, PAD records at the end of the data area, full and empty,
 * the two consumer positions (read on claim, tail on release) and what a
 * replacement consumer gets from kv_ring_consumer_recover().
 *
 * The process cases put the producer and the consumer in different
 * processes over an anonymous MAP_SHARED mapping, as workers are: a
 * two-million-record stream of pseudo-random records checked byte by byte,
 * and consumers killed with SIGKILL mid-stream whose replacements must
 * continue exactly after the last record the dead one claimed. A thread
 * version of the stream is there for -fsanitize=thread, which cannot see
 * across processes.
 */
#include "ring.h"

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include "ck_run.h"

#define REC_HDR 8
#define ALIGN8(n) (((n) + 7) & ~(size_t) 7)

/* A child spinning on a full or empty ring gives up after this long. */
#define SPIN_LIMIT_MS 55000

/* ------------------------------------------------------------ helpers */

static void *map_shared(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    return p;
}

/* A formatted ring over fresh shared memory filled with garbage. */
static void *new_ring(kv_ring_t *r, size_t size)
{
    void *mem = map_shared(kv_ring_footprint(size));

    memset(mem, 0xa5, kv_ring_footprint(size));
    ck_assert_int_eq(kv_ring_init(r, mem, size), KV_OK);
    return mem;
}

static void free_ring(kv_ring_t *r)
{
    munmap(r->hdr, kv_ring_footprint(r->hdr->size));
}

static int push_bytes(kv_ring_t *r, uint32_t type, const void *buf, size_t len,
                      uint64_t *pos)
{
    struct iovec iov = { (void *) buf, len };

    return kv_ring_push(r, type, &iov, 1, pos);
}

/* A byte pattern that differs per record and per offset. */
static void pattern(unsigned char *buf, size_t len, unsigned seed)
{
    size_t i;

    for (i = 0; i < len; i++) {
        buf[i] = (unsigned char) (seed * 31 + i * 7 + (i >> 8));
    }
}

/* Claim one record and check it is (type, the pattern of seed, len). */
static kv_ring_msg_t expect_record(kv_ring_t *r, uint32_t type, size_t len,
                                   unsigned seed)
{
    unsigned char want[4096];
    kv_ring_msg_t m;

    ck_assert_uint_le(len, sizeof(want));
    pattern(want, len, seed);
    ck_assert_int_eq(kv_ring_claim(r, &m), KV_OK);
    ck_assert_uint_eq(m.type, type);
    ck_assert_uint_eq(m.len, len);
    ck_assert_uint_eq(m.end, m.pos + REC_HDR + ALIGN8(len));
    ck_assert_int_eq(memcmp(m.payload, want, len), 0);
    return m;
}

static uint64_t push_pattern(kv_ring_t *r, uint32_t type, size_t len,
                             unsigned seed)
{
    unsigned char buf[4096];
    uint64_t pos;

    ck_assert_uint_le(len, sizeof(buf));
    pattern(buf, len, seed);
    ck_assert_int_eq(push_bytes(r, type, buf, len, &pos), KV_OK);
    return pos;
}

/* The ring is as in the snapshot before, except for the producer's cache
 * of tail, which a failed push may refresh. */
static int unchanged(kv_ring_t *r, unsigned char *before, size_t fp)
{
    ((kv_ring_hdr_t *) before)->tail_cache = r->hdr->tail_cache;
    return memcmp(before, r->hdr, fp) == 0;
}

static uint64_t head_of(kv_ring_t *r)
{
    return atomic_load(&r->hdr->head);
}

static uint64_t tail_of(kv_ring_t *r)
{
    return atomic_load(&r->hdr->tail);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------- single process */

START_TEST(test_init_attach)
{
    size_t size = 1024;
    unsigned char *mem = map_shared(kv_ring_footprint(size) + 64);
    kv_ring_t r, r2;
    kv_ring_msg_t m;

    ck_assert_uint_eq(kv_ring_footprint(size), KV_RING_HDR + size);
    ck_assert_uint_eq(KV_RING_HDR, 192);

    /* Sizes must be powers of two, not tiny; memory 64-byte aligned. */
    ck_assert_int_eq(kv_ring_init(&r, mem, 1000), KV_ERROR);
    ck_assert_int_eq(kv_ring_init(&r, mem, 32), KV_ERROR);
    ck_assert_int_eq(kv_ring_init(&r, mem, 0), KV_ERROR);
    ck_assert_int_eq(kv_ring_init(&r, mem + 8, size), KV_ERROR);

    /* Attaching to garbage or to zeroes fails. */
    memset(mem, 0x5a, kv_ring_footprint(size));
    ck_assert_int_eq(kv_ring_attach(&r2, mem), KV_ERROR);
    memset(mem, 0, kv_ring_footprint(size));
    ck_assert_int_eq(kv_ring_attach(&r2, mem), KV_ERROR);

    /* Init over garbage gives an empty ring. */
    memset(mem, 0xa5, kv_ring_footprint(size));
    ck_assert_int_eq(kv_ring_init(&r, mem, size), KV_OK);
    ck_assert_ptr_eq(r.hdr, (void *) mem);
    ck_assert_ptr_eq(r.data, mem + KV_RING_HDR);
    ck_assert_uint_eq(r.hdr->magic, KV_RING_MAGIC);
    ck_assert_uint_eq(r.hdr->size, size);
    ck_assert_uint_eq(r.hdr->mask, size - 1);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_AGAIN);
    ck_assert_int_eq(kv_ring_readable(&r), 0);
    ck_assert_uint_eq(kv_ring_free_space(&r), size);
    ck_assert_uint_eq(kv_ring_claimed_upto(&r), 0);

    /* A second handle sees the same ring. */
    ck_assert_int_eq(kv_ring_attach(&r2, mem), KV_OK);
    ck_assert_ptr_eq(r2.hdr, r.hdr);
    ck_assert_ptr_eq(r2.data, r.data);
    push_pattern(&r, 3, 20, 1);
    expect_record(&r2, 3, 20, 1);

    /* The magic alone is not enough: size and mask are checked too. */
    r.hdr->size = 1000;
    ck_assert_int_eq(kv_ring_attach(&r2, mem), KV_ERROR);
    r.hdr->size = size;
    r.hdr->mask = size;
    ck_assert_int_eq(kv_ring_attach(&r2, mem), KV_ERROR);
    r.hdr->mask = size - 1;
    ck_assert_int_eq(kv_ring_attach(&r2, mem + 8), KV_ERROR);

    munmap(mem, kv_ring_footprint(size) + 64);
}
END_TEST

START_TEST(test_max_payload)
{
    kv_ring_t r;

    new_ring(&r, 64);
    ck_assert_uint_eq(kv_ring_max_payload(&r), 24);
    free_ring(&r);
    new_ring(&r, 1024);
    ck_assert_uint_eq(kv_ring_max_payload(&r), 504);
    free_ring(&r);
    new_ring(&r, 1 << 20);
    ck_assert_uint_eq(kv_ring_max_payload(&r), (1 << 19) - 8);
    free_ring(&r);
}
END_TEST

START_TEST(test_round_trip)
{
    static const size_t lens[] = { 1, 7, 8, 9, 16, 100, 255 };
    uint64_t pos[KV_ARRAY_LEN(lens)];
    kv_ring_t r;
    kv_ring_msg_t m;
    size_t i;

    new_ring(&r, 4096);
    for (i = 0; i < KV_ARRAY_LEN(lens); i++) {
        pos[i] = push_pattern(&r, (uint32_t) (100 + i), lens[i], (unsigned) i);
    }
    ck_assert_int_eq(kv_ring_readable(&r), 1);
    for (i = 0; i < KV_ARRAY_LEN(lens); i++) {
        m = expect_record(&r, (uint32_t) (100 + i), lens[i], (unsigned) i);
        ck_assert_uint_eq(m.pos, pos[i]);
        ck_assert_ptr_eq(m.payload, r.data + pos[i] + REC_HDR);
    }
    ck_assert_int_eq(kv_ring_readable(&r), 0);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_AGAIN);

    /* The wire format: {len, type} then the payload, at 8-byte offsets. */
    ck_assert_uint_eq(pos[0], 0);
    ck_assert_uint_eq(pos[1], 16);
    ck_assert_uint_eq(pos[2], 32);
    ck_assert_uint_eq(pos[3], 48);
    ck_assert_uint_eq(*(uint32_t *) (r.data + 48), 9);
    ck_assert_uint_eq(*(uint32_t *) (r.data + 52), 103);
    ck_assert_uint_eq(head_of(&r), pos[6] + REC_HDR + 256);

    /* Type 0 and the largest non-PAD type are ordinary types. */
    push_pattern(&r, 0, 5, 9);
    push_pattern(&r, KV_RING_PAD - 1, 5, 10);
    expect_record(&r, 0, 5, 9);
    expect_record(&r, KV_RING_PAD - 1, 5, 10);
    free_ring(&r);
}
END_TEST

START_TEST(test_iovec)
{
    unsigned char big[300];
    struct iovec iov[3];
    uint64_t pos;
    kv_ring_t r;
    kv_ring_msg_t m;

    new_ring(&r, 1024);
    pattern(big, sizeof(big), 4);
    iov[0] = (struct iovec){ "abc", 3 };
    iov[1] = (struct iovec){ "defghij", 7 };
    iov[2] = (struct iovec){ big, sizeof(big) };
    ck_assert_int_eq(kv_ring_push(&r, 42, iov, 3, &pos), KV_OK);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_OK);
    ck_assert_uint_eq(m.type, 42);
    ck_assert_uint_eq(m.len, 310);
    ck_assert_uint_eq(m.pos, pos);
    ck_assert_uint_eq(m.end, pos + REC_HDR + 312);
    ck_assert_int_eq(memcmp(m.payload, "abcdefghij", 10), 0);
    ck_assert_int_eq(memcmp(m.payload + 10, big, sizeof(big)), 0);

    /* Empty parts anywhere contribute nothing. */
    iov[0] = (struct iovec){ NULL, 0 };
    iov[1] = (struct iovec){ "xy", 2 };
    iov[2] = (struct iovec){ "", 0 };
    ck_assert_int_eq(kv_ring_push(&r, 43, iov, 3, &pos), KV_OK);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_OK);
    ck_assert_uint_eq(m.len, 2);
    ck_assert_int_eq(memcmp(m.payload, "xy", 2), 0);

    /* pos is optional. */
    ck_assert_int_eq(kv_ring_push(&r, 44, iov + 1, 1, NULL), KV_OK);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_OK);
    ck_assert_uint_eq(m.type, 44);
    free_ring(&r);
}
END_TEST

START_TEST(test_zero_length)
{
    struct iovec iov = { "ignored", 0 };
    uint64_t pos1, pos2;
    kv_ring_t r;
    kv_ring_msg_t m;

    new_ring(&r, 256);
    ck_assert_int_eq(kv_ring_push(&r, 1, NULL, 0, &pos1), KV_OK);
    ck_assert_int_eq(kv_ring_push(&r, 2, &iov, 1, &pos2), KV_OK);
    ck_assert_uint_eq(pos1, 0);
    ck_assert_uint_eq(pos2, 8);
    ck_assert_uint_eq(head_of(&r), 16);

    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_OK);
    ck_assert_uint_eq(m.type, 1);
    ck_assert_uint_eq(m.len, 0);
    ck_assert_uint_eq(m.pos, 0);
    ck_assert_uint_eq(m.end, 8);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_OK);
    ck_assert_uint_eq(m.type, 2);
    ck_assert_uint_eq(m.len, 0);
    ck_assert_uint_eq(m.end, 16);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_AGAIN);
    free_ring(&r);
}
END_TEST

START_TEST(test_empty)
{
    kv_ring_t r;
    kv_ring_msg_t m;

    new_ring(&r, 256);
    memset(&m, 0x77, sizeof(m));
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_AGAIN);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_AGAIN);
    ck_assert_uint_eq(kv_ring_claimed_upto(&r), 0);
    ck_assert_int_eq(kv_ring_readable(&r), 0);

    push_pattern(&r, 5, 10, 5);
    ck_assert_int_eq(kv_ring_readable(&r), 1);
    expect_record(&r, 5, 10, 5);
    /* Empty again, and release does not make it readable. */
    ck_assert_int_eq(kv_ring_readable(&r), 0);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_AGAIN);
    kv_ring_release_all(&r);
    ck_assert_int_eq(kv_ring_readable(&r), 0);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_AGAIN);
    ck_assert_uint_eq(kv_ring_claimed_upto(&r), 24);
    free_ring(&r);
}
END_TEST

START_TEST(test_full)
{
    size_t size = 1024, fp = kv_ring_footprint(size);
    unsigned char *before = malloc(fp);
    kv_ring_t r;
    kv_ring_msg_t m;
    int i;

    ck_assert_ptr_nonnull(before);
    new_ring(&r, size);

    /* Nine records of 8 + 104 bytes: 1008 of 1024 used. */
    for (i = 0; i < 9; i++) {
        push_pattern(&r, 1, 100, (unsigned) i);
    }
    ck_assert_uint_eq(kv_ring_free_space(&r), 16);

    /* A failed push writes nothing at all. */
    memcpy(before, r.hdr, fp);
    ck_assert_int_eq(push_bytes(&r, 1, before, 9, NULL), KV_AGAIN);
    ck_assert_int_eq(unchanged(&r, before, fp), 1);

    /* An exact fit at the end needs no PAD; then not even 8 bytes fit. */
    ck_assert_uint_eq(push_pattern(&r, 2, 8, 9), 1008);
    ck_assert_uint_eq(kv_ring_free_space(&r), 0);
    memcpy(before, r.hdr, fp);
    ck_assert_int_eq(kv_ring_push(&r, 1, NULL, 0, NULL), KV_AGAIN);
    ck_assert_int_eq(unchanged(&r, before, fp), 1);

    /* Free the first record: 112 bytes at offset 0 are free. */
    expect_record(&r, 1, 100, 0);
    kv_ring_release_all(&r);
    ck_assert_uint_eq(kv_ring_free_space(&r), 112);
    memcpy(before, r.hdr, fp);
    ck_assert_int_eq(push_bytes(&r, 1, before, 105, NULL), KV_AGAIN);
    ck_assert_int_eq(unchanged(&r, before, fp), 1);
    ck_assert_uint_eq(push_pattern(&r, 3, 104, 10), 1024);
    ck_assert_uint_eq(kv_ring_free_space(&r), 0);

    for (i = 1; i < 9; i++) {
        expect_record(&r, 1, 100, (unsigned) i);
    }
    expect_record(&r, 2, 8, 9);
    expect_record(&r, 3, 104, 10);
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_AGAIN);
    kv_ring_release_all(&r);
    ck_assert_uint_eq(kv_ring_free_space(&r), size);
    free(before);
    free_ring(&r);
}
END_TEST

/* A full ring where the next record needs a PAD it has no room for. */
START_TEST(test_full_pad)
{
    size_t size = 1024, fp = kv_ring_footprint(size);
    unsigned char *before = malloc(fp);
    kv_ring_t r;
    kv_ring_msg_t m;
    uint64_t pos;
    int i;

    ck_assert_ptr_nonnull(before);
    new_ring(&r, size);
    for (i = 0; i < 9; i++) {
        push_pattern(&r, 1, 100, (unsigned) i);
    }
    expect_record(&r, 1, 100, 0);
    kv_ring_release_all(&r);
    /* 128 free: 16 at the end, 112 at the start. 120 + a 16-byte PAD do
     * not fit, and the PAD must not be written either. */
    ck_assert_uint_eq(kv_ring_free_space(&r), 128);
    memcpy(before, r.hdr, fp);
    ck_assert_int_eq(push_bytes(&r, 7, before, 112, NULL), KV_AGAIN);
    ck_assert_int_eq(unchanged(&r, before, fp), 1);
    /* 112 + the PAD fit exactly. */
    pattern(before, 100, 77);
    ck_assert_int_eq(push_bytes(&r, 7, before, 100, &pos), KV_OK);
    ck_assert_uint_eq(pos, 1024);
    ck_assert_uint_eq(kv_ring_free_space(&r), 0);
    ck_assert_uint_eq(*(uint32_t *) (r.data + 1008), 8);
    ck_assert_uint_eq(*(uint32_t *) (r.data + 1012), KV_RING_PAD);

    for (i = 1; i < 9; i++) {
        expect_record(&r, 1, 100, (unsigned) i);
    }
    m = expect_record(&r, 7, 100, 77);
    ck_assert_uint_eq(m.pos, 1024);
    ck_assert_ptr_eq(m.payload, r.data + REC_HDR);
    free(before);
    free_ring(&r);
}
END_TEST

START_TEST(test_oversize)
{
    size_t size = 256, max, off;
    unsigned char buf[256];
    struct iovec iov[2];
    kv_ring_msg_t m;
    kv_ring_t r;
    uint64_t pos;

    new_ring(&r, size);
    max = kv_ring_max_payload(&r);
    ck_assert_uint_eq(max, 120);
    pattern(buf, sizeof(buf), 3);

    ck_assert_int_eq(push_bytes(&r, 1, buf, max + 1, NULL), KV_ERROR);
    iov[0] = (struct iovec){ buf, 60 };
    iov[1] = (struct iovec){ buf, max - 59 };
    ck_assert_int_eq(kv_ring_push(&r, 1, iov, 2, NULL), KV_ERROR);
    iov[1].iov_len = SIZE_MAX;
    ck_assert_int_eq(kv_ring_push(&r, 1, iov, 2, NULL), KV_ERROR);
    /* PAD is not a type a caller may send. */
    ck_assert_int_eq(push_bytes(&r, KV_RING_PAD, buf, 1, NULL), KV_ERROR);
    ck_assert_uint_eq(head_of(&r), 0);
    ck_assert_uint_eq(kv_ring_free_space(&r), size);

    /* A record of max bytes fits an empty ring wherever head stands. */
    for (off = 0; off < size; off += 8) {
        kv_ring_init(&r, r.hdr, size);
        while (head_of(&r) < off) {
            kv_ring_push(&r, 1, NULL, 0, NULL);
        }
        while (kv_ring_claim(&r, &m) == KV_OK) {
        }
        kv_ring_release_all(&r);
        ck_assert_int_eq(push_bytes(&r, 9, buf, max, &pos), KV_OK);
        ck_assert_uint_eq(pos, off + 128 > size ? size : off);
        m = expect_record(&r, 9, max, 3);
        ck_assert_uint_eq(m.pos, pos);
    }
    free_ring(&r);
}
END_TEST

/*
 * Lengths cycle so that records straddle the end of a small ring again and
 * again; up to three are in flight. Every claim is checked against what
 * was pushed, and a PAD must appear exactly when the record did not fit
 * before the end.
 */
START_TEST(test_wrap)
{
    size_t size = 256, max, len;
    uint64_t pushed_pos[4], prev_end = 0, to_end;
    unsigned pushed = 0, claimed = 0, pads = 0, exact = 0, n = 20000;
    kv_ring_t r;
    kv_ring_msg_t m;
    unsigned char buf[256];

    new_ring(&r, size);
    max = kv_ring_max_payload(&r);
    while (claimed < n) {
        /* Push while there is room, at most 3 ahead. */
        while (pushed < n && pushed - claimed < 3) {
            len = (pushed * 37u + pushed / 7) % (max + 1);
            pattern(buf, len, pushed);
            if (push_bytes(&r, pushed + 1, buf, len, &pushed_pos[pushed % 4]) !=
                KV_OK) {
                if (pushed > claimed) {
                    break;
                }
                /* Empty but the last record is held: only a release
                 * makes room. */
                kv_ring_release_all(&r);
                ck_assert_int_eq(push_bytes(&r, pushed + 1, buf, len,
                                            &pushed_pos[pushed % 4]),
                                 KV_OK);
            }
            pushed++;
        }
        ck_assert_uint_gt(pushed, claimed);
        len = (claimed * 37u + claimed / 7) % (max + 1);
        m = expect_record(&r, claimed + 1, len, claimed);
        ck_assert_uint_eq(m.pos, pushed_pos[claimed % 4]);
        ck_assert_uint_eq(kv_ring_claimed_upto(&r), m.end);

        to_end = size - (prev_end & (size - 1));
        if (REC_HDR + ALIGN8(len) > to_end) {
            ck_assert_uint_eq(m.pos, prev_end + to_end);
            ck_assert_uint_eq(m.pos & (size - 1), 0);
            pads++;
        } else {
            ck_assert_uint_eq(m.pos, prev_end);
            exact += REC_HDR + ALIGN8(len) == to_end;
        }
        prev_end = m.end;
        claimed++;
        /* Release sometimes one by one, sometimes in a batch. */
        if (claimed % 3 != 0) {
            kv_ring_release(&r, m.end);
        } else if (claimed % 2 == 0) {
            kv_ring_release_all(&r);
        }
    }
    ck_assert_int_eq(kv_ring_claim(&r, &m), KV_AGAIN);
    ck_assert_uint_gt(pads, 1000);
    ck_assert_uint_gt(exact, 10);
    kv_ring_release_all(&r);
    ck_assert_uint_eq(kv_ring_free_space(&r), size);
    ck_assert_uint_gt(head_of(&r), 1000 * size);
    free_ring(&r);
}
END_TEST

START_TEST(test_positions)
{
    uint64_t pos, last_pos = 0, last_end = 0;
    kv_ring_t r;
    kv_ring_msg_t m;
    size_t len;
    int i;

    new_ring(&r, 512);
    ck_assert_uint_eq(kv_ring_claimed_upto(&r), 0);
    for (i = 0; i < 500; i++) {
        len = (size_t) (i * 13) % 200;
        pos = push_pattern(&r, 1, len, (unsigned) i);
        ck_assert(i == 0 || pos > last_pos);
        ck_assert_uint_ge(pos, last_end);
        /* Not claimed yet. */
        ck_assert_uint_eq(kv_ring_claimed_upto(&r), last_end);
        m = expect_record(&r, 1, len, (unsigned) i);
        ck_assert_uint_eq(m.pos, pos);
        ck_assert_uint_eq(kv_ring_claimed_upto(&r), m.end);
        ck_assert_uint_eq(head_of(&r), m.end);
        last_pos = pos;
        last_end = m.end;
        kv_ring_release(&r, m.end);
        ck_assert_uint_eq(tail_of(&r), m.end);
    }
    free_ring(&r);
}
END_TEST

/* Claiming does not free space; releasing does, and only up to end. */
START_TEST(test_release)
{
    size_t size = 1024;
    kv_ring_msg_t m[10];
    kv_ring_t r;
    int i;

    new_ring(&r, size);
    for (i = 0; i < 9; i++) {
        push_pattern(&r, 1, 100, (unsigned) i);
    }
    for (i = 0; i < 9; i++) {
        m[i] = expect_record(&r, 1, 100, (unsigned) i);
    }
    ck_assert_uint_eq(kv_ring_claimed_upto(&r), 1008);
    ck_assert_uint_eq(kv_ring_free_space(&r), 16);
    ck_assert_int_eq(push_bytes(&r, 2, "x", 9, NULL), KV_AGAIN);
    push_pattern(&r, 2, 8, 50);
    ck_assert_int_eq(kv_ring_push(&r, 1, NULL, 0, NULL), KV_AGAIN);

    /* Releasing the first two records frees their 224 bytes, no more. */
    kv_ring_release(&r, m[1].end);
    ck_assert_uint_eq(tail_of(&r), 224);
    ck_assert_uint_eq(kv_ring_free_space(&r), 224);
    ck_assert_int_eq(push_bytes(&r, 3, "x", 217, NULL), KV_AGAIN);
    push_pattern(&r, 3, 216, 51);
    ck_assert_int_eq(kv_ring_push(&r, 1, NULL, 0, NULL), KV_AGAIN);

    /* A stale end, or one past read, changes nothing. */
    kv_ring_release(&r, m[0].end);
    ck_assert_uint_eq(tail_of(&r), 224);
    kv_ring_release(&r, head_of(&r));
    ck_assert_uint_eq(tail_of(&r), 224);

    /* The records claimed earlier are still intact until released. */
    for (i = 2; i < 9; i++) {
        unsigned char want[100];

        pattern(want, 100, (unsigned) i);
        ck_assert_int_eq(memcmp(m[i].payload, want, 100), 0);
    }
    kv_ring_release_all(&r);
    ck_assert_uint_eq(tail_of(&r), 1008);
    ck_assert_uint_eq(kv_ring_free_space(&r), 1024 - (1248 - 1008));
    expect_record(&r, 2, 8, 50);
    expect_record(&r, 3, 216, 51);
    kv_ring_release_all(&r);
    ck_assert_uint_eq(kv_ring_free_space(&r), size);
    free_ring(&r);
}
END_TEST

START_TEST(test_recover)
{
    uint64_t pos[6], got;
    kv_ring_msg_t a, b, c, e;
    kv_ring_t r, r2;
    int i;

    new_ring(&r, 1024);

    /* Nothing claimed: everything is still to be served. */
    for (i = 0; i < 6; i++) {
        pos[i] =
            push_pattern(&r, (uint32_t) i, 10 + (size_t) i * 30, (unsigned) i);
    }
    ck_assert_int_eq(kv_ring_attach(&r2, r.hdr), KV_OK);
    ck_assert_uint_eq(kv_ring_consumer_recover(&r2), 0);
    ck_assert_uint_eq(tail_of(&r2), 0);

    /* The dead consumer claimed A, B, C and released only A. */
    a = expect_record(&r, 0, 10, 0);
    b = expect_record(&r, 1, 40, 1);
    c = expect_record(&r, 2, 70, 2);
    kv_ring_release(&r, a.end);
    ck_assert_uint_eq(tail_of(&r), a.end);
    ck_assert_uint_lt(a.end, b.end);

    ck_assert_int_eq(kv_ring_attach(&r2, r.hdr), KV_OK);
    got = kv_ring_consumer_recover(&r2);
    ck_assert_uint_eq(got, c.end);
    ck_assert_uint_eq(got, pos[3]);
    ck_assert_uint_eq(kv_ring_claimed_upto(&r2), c.end);
    ck_assert_uint_eq(tail_of(&r2), c.end);
    ck_assert_uint_eq(kv_ring_free_space(&r2), 1024 - (head_of(&r) - c.end));
    /* B and C are not served again: D is next. */
    expect_record(&r2, 3, 100, 3);

    /* Again: the replacement claims E and dies too. */
    e = expect_record(&r2, 4, 130, 4);
    got = kv_ring_consumer_recover(&r);
    ck_assert_uint_eq(got, e.end);
    ck_assert_uint_eq(got, pos[5]);
    expect_record(&r, 5, 160, 5);
    ck_assert_int_eq(kv_ring_claim(&r, &a), KV_AGAIN);

    /* Recovering twice in a row is harmless. */
    ck_assert_uint_eq(kv_ring_consumer_recover(&r), head_of(&r));
    ck_assert_uint_eq(kv_ring_consumer_recover(&r), head_of(&r));
    ck_assert_uint_eq(kv_ring_free_space(&r), 1024);
    free_ring(&r);
}
END_TEST

/* ------------------------------------------------------ record streams */

/*
 * Record seq of a stream is fully determined by (seed, seq): its length
 * (mostly small, some medium, a few up to maxlen), its type, and its
 * bytes, which start with seq itself so a mismatch says where it came
 * from.
 */
typedef struct {
    uint64_t seed;
    size_t maxlen;
} stream_t;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rec_hash(const stream_t *st, uint64_t seq)
{
    uint64_t s = st->seed ^ (seq * 0xd1342543de82ef95ull);

    return splitmix(&s);
}

static size_t rec_len(const stream_t *st, uint64_t seq)
{
    uint64_t x = rec_hash(st, seq);
    unsigned c = (unsigned) (x % 1000);
    size_t len;

    x >>= 10;
    if (c < 850) {
        len = x % 65;
    } else if (c < 990) {
        len = x % 1025;
    } else {
        len = x % (st->maxlen + 1);
    }
    return len > st->maxlen ? st->maxlen : len;
}

static uint32_t rec_type(const stream_t *st, uint64_t seq)
{
    return (uint32_t) (rec_hash(st, seq) >> 32) & 0x7fffffffu;
}

static void rec_fill(const stream_t *st, uint64_t seq, unsigned char *buf,
                     size_t len)
{
    uint64_t s = st->seed + seq, w;
    size_t i;

    for (i = 0; i < len; i += 8) {
        w = splitmix(&s);
        memcpy(buf + i, &w, len - i < 8 ? len - i : 8);
    }
    memcpy(buf, &seq, len < 8 ? len : 8);
}

/* Spin on a full or empty ring; gives up when the deadline passed or the
 * peer process (if any) exited. */
typedef struct {
    int64_t deadline;
    pid_t peer;
    int peer_status;
    int peer_gone;
    unsigned spins;
} spin_t;

static void spin_init(spin_t *sp, pid_t peer)
{
    memset(sp, 0, sizeof(*sp));
    sp->deadline = now_ms() + SPIN_LIMIT_MS;
    sp->peer = peer;
}

static int spin(spin_t *sp)
{
    sched_yield();
    if (++sp->spins % 1024 != 0) {
        return 0;
    }
    if (now_ms() > sp->deadline) {
        fprintf(stderr, "check_ring: pid %d gave up waiting\n", (int) getpid());
        return -1;
    }
    if (sp->peer > 0 && !sp->peer_gone &&
        waitpid(sp->peer, &sp->peer_status, WNOHANG) == sp->peer) {
        sp->peer_gone = 1;
        return -1;
    }
    return 0;
}

/*
 * Push records [from, to) of the stream, each split into up to three
 * iovecs, recording each one's position in positions[seq] if given.
 * 0 on success.
 */
static int produce(kv_ring_t *r, const stream_t *st, uint64_t from, uint64_t to,
                   uint64_t *positions, spin_t *sp)
{
    unsigned char *buf = malloc(st->maxlen + 1);
    struct iovec iov[3];
    uint64_t seq, pos, x;
    size_t len, a, b;
    int rc = 0, n;

    if (buf == NULL) {
        return -1;
    }
    for (seq = from; seq < to && rc == 0; seq++) {
        len = rec_len(st, seq);
        rec_fill(st, seq, buf, len);
        x = rec_hash(st, seq ^ 0x5555);
        a = len == 0 ? 0 : (x & 0xffff) % (len + 1);
        b = len == 0 ? 0 : a + ((x >> 16) & 0xffff) % (len - a + 1);
        iov[0] = (struct iovec){ buf, a };
        iov[1] = (struct iovec){ buf + a, b - a };
        iov[2] = (struct iovec){ buf + b, len - b };
        n = 1 + (int) ((x >> 40) % 3);
        if (n == 1) {
            iov[0].iov_len = len;
        } else if (n == 2) {
            iov[1].iov_len = len - a;
        }
        for (;;) {
            int ret = kv_ring_push(r, rec_type(st, seq), iov, n, &pos);

            if (ret == KV_OK) {
                break;
            }
            if (ret != KV_AGAIN) {
                fprintf(stderr, "check_ring: push %llu: %d\n",
                        (unsigned long long) seq, ret);
                rc = -1;
                break;
            }
            if (spin(sp) != 0) {
                rc = -1;
                break;
            }
        }
        if (rc == 0 && positions != NULL) {
            positions[seq] = pos;
        }
    }
    free(buf);
    return rc;
}

/* Check one claimed record against the stream. 0 when it matches. */
static int verify(const stream_t *st, uint64_t seq, const kv_ring_msg_t *m,
                  unsigned char *want)
{
    size_t len = rec_len(st, seq);
    uint64_t got = 0;

    rec_fill(st, seq, want, len);
    if (m->len == len && m->type == rec_type(st, seq) &&
        memcmp(m->payload, want, len) == 0 &&
        m->end == m->pos + REC_HDR + ALIGN8(len)) {
        return 0;
    }
    memcpy(&got, m->payload, m->len < 8 ? m->len : 8);
    fprintf(stderr,
            "check_ring: record %llu at %llu: len %u type %u (want %zu %u), "
            "starts with seq %llu\n",
            (unsigned long long) seq, (unsigned long long) m->pos, m->len,
            m->type, len, rec_type(st, seq), (unsigned long long) got);
    return -1;
}

/*
 * Claim and check records [from, to), releasing in batches of random size
 * (and whatever is held whenever the ring is empty, or the producer could
 * wait for space forever). Records must arrive back to back: a gap between
 * one's end and the next one's pos is only allowed as a PAD to the end of
 * the data area. 0 on success.
 */
static int consume(kv_ring_t *r, const stream_t *st, uint64_t from, uint64_t to,
                   spin_t *sp)
{
    unsigned char *want = malloc(st->maxlen + 1);
    uint64_t seq, prng = st->seed ^ 0xc0ffee, prev_end = 0, mask;
    unsigned held = 0, batch = 1;
    kv_ring_msg_t m;
    int rc = 0, ret;

    if (want == NULL) {
        return -1;
    }
    mask = r->hdr->mask;
    for (seq = from; seq < to && rc == 0; seq++) {
        while ((ret = kv_ring_claim(r, &m)) == KV_AGAIN) {
            if (held > 0) {
                kv_ring_release_all(r);
                held = 0;
            }
            if (spin(sp) != 0) {
                rc = -1;
                break;
            }
        }
        if (rc != 0) {
            break;
        }
        if (ret != KV_OK || verify(st, seq, &m, want) != 0) {
            rc = -1;
            break;
        }
        if (seq != from && m.pos != prev_end &&
            ((m.pos & mask) != 0 ||
             m.pos - prev_end != mask + 1 - (prev_end & mask))) {
            fprintf(stderr, "check_ring: record %llu at %llu after %llu\n",
                    (unsigned long long) seq, (unsigned long long) m.pos,
                    (unsigned long long) prev_end);
            rc = -1;
            break;
        }
        prev_end = m.end;
        if (++held >= batch) {
            if (splitmix(&prng) & 1) {
                kv_ring_release(r, m.end);
            } else {
                kv_ring_release_all(r);
            }
            held = 0;
            batch = 1 + (unsigned) (splitmix(&prng) % 64);
        }
    }
    kv_ring_release_all(r);
    free(want);
    return rc;
}

/* In a forked child: die with the parent (a check timeout kills only the
 * test process). */
static void child_setup(pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(3);
    }
}

#define HAMMER_SIZE (64 * 1024)
#define HAMMER_RECORDS 2000000

/* Two processes, two million records, every byte checked. */
START_TEST(test_processes)
{
    stream_t st = { 0x1234abcd5678ef01ull, 0 };
    pid_t parent = getpid(), pid;
    kv_ring_t r;
    spin_t sp;
    void *mem;
    int status;

    mem = new_ring(&r, HAMMER_SIZE);
    st.maxlen = kv_ring_max_payload(&r);

    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        kv_ring_t rc;

        child_setup(parent);
        if (kv_ring_attach(&rc, mem) != KV_OK) {
            _exit(2);
        }
        spin_init(&sp, 0);
        _exit(consume(&rc, &st, 0, HAMMER_RECORDS, &sp) == 0 ? 0 : 1);
    }

    spin_init(&sp, pid);
    ck_assert_int_eq(produce(&r, &st, 0, HAMMER_RECORDS, NULL, &sp), 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "consumer status %#x", status);

    ck_assert_uint_eq(kv_ring_free_space(&r), HAMMER_SIZE);
    ck_assert_uint_eq(kv_ring_claimed_upto(&r), head_of(&r));
    ck_assert_uint_eq(tail_of(&r), head_of(&r));
    free_ring(&r);
}
END_TEST

/* The same with threads, which -fsanitize=thread can watch. */
typedef struct {
    kv_ring_t *ring;
    const stream_t *st;
    uint64_t n;
    int rc;
} thread_arg_t;

static void *consumer_thread(void *arg)
{
    thread_arg_t *ta = arg;
    spin_t sp;

    spin_init(&sp, 0);
    ta->rc = consume(ta->ring, ta->st, 0, ta->n, &sp);
    return NULL;
}

START_TEST(test_threads)
{
    stream_t st = { 0x0badcafe12345678ull, 0 };
    thread_arg_t ta;
    pthread_t t;
    kv_ring_t r;
    spin_t sp;

    new_ring(&r, 16 * 1024);
    st.maxlen = kv_ring_max_payload(&r);
    ta = (thread_arg_t){ &r, &st, 300000, -1 };
    ck_assert_int_eq(pthread_create(&t, NULL, consumer_thread, &ta), 0);
    spin_init(&sp, 0);
    ck_assert_int_eq(produce(&r, &st, 0, ta.n, NULL, &sp), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_eq(ta.rc, 0);
    ck_assert_uint_eq(kv_ring_free_space(&r), 16 * 1024);
    free_ring(&r);
}
END_TEST

/*
 * Consumers that die. The producer keeps pushing RESPAWN_RECORDS records;
 * consumer i (a fresh process; all but the first call recover) consumes up
 * to stop[i], then claims held[i] more, releases only the first half of
 * them, reports where it stands and waits to be killed with SIGKILL. The
 * last consumer must start at exactly the first record the dead one did
 * not claim and check every record to the end. The producer's positions
 * must agree: records before the recovered position are exactly the ones
 * the dead consumers claimed.
 */
#define RESPAWN_SIZE (64 * 1024)
#define RESPAWN_RECORDS 400000
#define RESPAWN_KILLS 3

typedef struct {
    _Atomic int ready;
    uint64_t next_seq; /* first record the consumer did not claim */
    uint64_t read;     /* its read and tail when it stopped */
    uint64_t tail;
    uint64_t recovered; /* what its replacement's recover returned */
} respawn_ctl_t;

typedef struct {
    respawn_ctl_t c[RESPAWN_KILLS + 1];
    uint64_t positions[RESPAWN_RECORDS];
} respawn_shm_t;

static void respawn_consumer(void *mem, respawn_shm_t *shm, int i,
                             const stream_t *st, uint64_t from, uint64_t stop,
                             unsigned hold)
{
    unsigned char *want = malloc(st->maxlen + 1);
    respawn_ctl_t *c = &shm->c[i];
    kv_ring_msg_t m, half = { 0 };
    kv_ring_t r;
    spin_t sp;
    uint64_t seq;
    unsigned k;

    if (want == NULL || kv_ring_attach(&r, mem) != KV_OK) {
        _exit(2);
    }
    if (i > 0) {
        c->recovered = kv_ring_consumer_recover(&r);
    }
    spin_init(&sp, 0);
    if (consume(&r, st, from, stop, &sp) != 0) {
        _exit(1);
    }
    if (stop == RESPAWN_RECORDS) {
        _exit(0);
    }

    /* Claim hold more, release the first half of them only. */
    for (seq = stop, k = 0; k < hold; k++, seq++) {
        while (kv_ring_claim(&r, &m) == KV_AGAIN) {
            if (spin(&sp) != 0) {
                _exit(1);
            }
        }
        if (verify(st, seq, &m, want) != 0) {
            _exit(1);
        }
        if (k == hold / 2) {
            half = m;
        }
    }
    kv_ring_release(&r, half.end);
    c->next_seq = seq;
    c->read = kv_ring_claimed_upto(&r);
    c->tail = atomic_load(&r.hdr->tail);
    atomic_store_explicit(&c->ready, 1, memory_order_release);
    for (;;) {
        pause();
    }
}

START_TEST(test_respawn)
{
    static const unsigned hold[RESPAWN_KILLS] = { 5, 17, 40 };
    stream_t st = { 0xfeedface87654321ull, 256 };
    pid_t parent = getpid(), producer, consumer;
    uint64_t from = 0, stop, rec, s;
    respawn_shm_t *shm;
    int64_t deadline;
    kv_ring_t r;
    spin_t sp;
    void *mem;
    int i, status;

    mem = new_ring(&r, RESPAWN_SIZE);
    shm = map_shared(sizeof(*shm));
    memset(shm, 0, sizeof(*shm));

    producer = fork();
    ck_assert_int_ge(producer, 0);
    if (producer == 0) {
        child_setup(parent);
        spin_init(&sp, 0);
        _exit(produce(&r, &st, 0, RESPAWN_RECORDS, shm->positions, &sp) == 0
                  ? 0
                  : 1);
    }

    for (i = 0; i <= RESPAWN_KILLS; i++) {
        stop = i == RESPAWN_KILLS
                   ? RESPAWN_RECORDS
                   : (uint64_t) (i + 1) * RESPAWN_RECORDS / (RESPAWN_KILLS + 2);
        consumer = fork();
        ck_assert_int_ge(consumer, 0);
        if (consumer == 0) {
            child_setup(parent);
            respawn_consumer(mem, shm, i, &st, from, stop,
                             i < RESPAWN_KILLS ? hold[i] : 0);
        }
        if (i == RESPAWN_KILLS) {
            ck_assert_int_eq(waitpid(consumer, &status, 0), consumer);
            ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                          "last consumer status %#x", status);
            break;
        }

        /* Wait until it holds its claimed records, then kill it. */
        deadline = now_ms() + SPIN_LIMIT_MS;
        while (!atomic_load_explicit(&shm->c[i].ready, memory_order_acquire)) {
            ck_assert_int_eq(waitpid(consumer, &status, WNOHANG), 0);
            ck_assert_int_lt(now_ms(), deadline);
            usleep(1000);
        }
        ck_assert_int_eq(kill(consumer, SIGKILL), 0);
        ck_assert_int_eq(waitpid(consumer, &status, 0), consumer);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        ck_assert_uint_eq(shm->c[i].next_seq, stop + hold[i]);
        ck_assert_uint_eq(kv_ring_claimed_upto(&r), shm->c[i].read);
        ck_assert_uint_eq(tail_of(&r), shm->c[i].tail);
        ck_assert_uint_lt(shm->c[i].tail, shm->c[i].read);
        /* The producer is not done: the kill was mid-stream. */
        ck_assert_int_eq(waitpid(producer, &status, WNOHANG), 0);
        from = shm->c[i].next_seq;
    }

    ck_assert_int_eq(waitpid(producer, &status, 0), producer);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "producer status %#x", status);

    /*
     * Every replacement resumed at the dead one's read, and by the
     * producer's own positions that is just past the last record claimed:
     * what an origin would answer with an error is exactly that.
     */
    for (i = 0; i < RESPAWN_KILLS; i++) {
        rec = shm->c[i + 1].recovered;
        s = shm->c[i].next_seq;
        ck_assert_uint_eq(rec, shm->c[i].read);
        ck_assert_uint_lt(shm->positions[s - 1], rec);
        ck_assert_uint_ge(shm->positions[s], rec);
    }
    for (s = 1; s < RESPAWN_RECORDS; s++) {
        ck_assert_uint_gt(shm->positions[s], shm->positions[s - 1]);
    }

    /* Nothing leaked across the deaths. */
    ck_assert_uint_eq(kv_ring_free_space(&r), RESPAWN_SIZE);
    ck_assert_uint_eq(tail_of(&r), head_of(&r));
    ck_assert_uint_eq(kv_ring_claimed_upto(&r), head_of(&r));
    munmap(shm, sizeof(*shm));
    free_ring(&r);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *ring_suite(void)
{
    Suite *s = suite_create("ring");
    TCase *tc = tcase_create("single");
    TCase *tp = tcase_create("processes");

    tcase_add_test(tc, test_init_attach);
    tcase_add_test(tc, test_max_payload);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_iovec);
    tcase_add_test(tc, test_zero_length);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_full);
    tcase_add_test(tc, test_full_pad);
    tcase_add_test(tc, test_oversize);
    tcase_add_test(tc, test_wrap);
    tcase_add_test(tc, test_positions);
    tcase_add_test(tc, test_release);
    tcase_add_test(tc, test_recover);
    suite_add_tcase(s, tc);

    /* Well under 10 s each on two cores; the margin is for sanitizers. */
    tcase_set_timeout(tp, 60);
    tcase_add_test(tp, test_processes);
    tcase_add_test(tp, test_threads);
    tcase_add_test(tp, test_respawn);
    suite_add_tcase(s, tp);
    return s;
}

int main(void)
{
    return kv_ck_run(ring_suite()) == 0 ? 0 : 1;
}
