/*
 * check_dict.c: the hash table under every keyspace (src/dict.c).
 *
 * Entries are the test's own, allocated with malloc: a kv_dict_entry_t
 * followed by the key. Keys are numbered: key_make(id) gives binary keys
 * with NUL bytes (id 0 is the empty key) and key_id() reads the number
 * back, so callbacks can tell which entry they were given.
 */
#include "kevyd.h"

#include "alloc.h"
#include "dict.h"

#include <check.h>
#include "ck_fast.h"
#include "ck_run.h"

typedef struct {
    kv_dict_entry_t e;
    size_t len;
    char key[];
} tent_t;

#define KEY_MAX 32

/*
 * check's ck_assert_* report every passing assertion to the runner (a
 * write(2) each); the loops below assert millions of times, so there these
 * test first and call into check only on failure.
 */
#define ck_fast_ptr_eq(x, y)                                                   \
    do {                                                                       \
        const void *x_ = (x), *y_ = (y);                                       \
        if (x_ != y_) {                                                        \
            ck_abort_msg("Assertion '%s == %s' failed: %p != %p", #x, #y, x_,  \
                         y_);                                                  \
        }                                                                      \
    } while (0)

#define ck_fast_int_eq(x, y)                                                   \
    do {                                                                       \
        long long x_ = (x), y_ = (y);                                          \
        if (x_ != y_) {                                                        \
            ck_abort_msg("Assertion '%s == %s' failed: %lld != %lld", #x, #y,  \
                         x_, y_);                                              \
        }                                                                      \
    } while (0)

#define ck_fast_uint_eq(x, y)                                                  \
    do {                                                                       \
        unsigned long long x_ = (x), y_ = (y);                                 \
        if (x_ != y_) {                                                        \
            ck_abort_msg("Assertion '%s == %s' failed: %llu != %llu", #x, #y,  \
                         x_, y_);                                              \
        }                                                                      \
    } while (0)

static const uint8_t seed_a[16] = { 'k', 'e', 'v', 'y', 'd', '-', 'd', 'i',
                                    'c', 't', '-', 't', 'e', 's', 't', '!' };
static const uint8_t seed_b[16] = { 1, 2,  3,  4,  5,  6,  7,  8,
                                    9, 10, 11, 12, 13, 14, 15, 16 };

static unsigned long key_of_calls;

static const char *tent_key(const kv_dict_entry_t *e, size_t *len)
{
    const tent_t *t = (const tent_t *) e;

    key_of_calls++;
    *len = t->len;
    return t->key;
}

/*
 * Key of id: id % 5 NUL bytes, "k", the decimal id, and one more NUL byte
 * when id % 3 == 0. Id 0 is the empty key.
 */
static size_t key_make(uint64_t id, char *buf)
{
    size_t n = 0;

    if (id == 0) {
        return 0;
    }
    for (uint64_t z = id % 5; z > 0; z--) {
        buf[n++] = '\0';
    }
    n += (size_t) snprintf(buf + n, KEY_MAX - n, "k%llu",
                           (unsigned long long) id);
    if (id % 3 == 0) {
        buf[n++] = '\0';
    }
    return n;
}

static uint64_t key_id(const char *k, size_t len)
{
    uint64_t id = 0;
    size_t i = 0;

    if (len == 0) {
        return 0;
    }
    while (i < len && k[i] == '\0') {
        i++;
    }
    ck_fast(i < len);
    ck_fast_int_eq(k[i], 'k');
    for (i++; i < len && k[i] >= '0' && k[i] <= '9'; i++) {
        id = id * 10 + (uint64_t) (k[i] - '0');
    }
    return id;
}

static uint64_t ent_id(const kv_dict_entry_t *e)
{
    const tent_t *t = (const tent_t *) e;

    return key_id(t->key, t->len);
}

static tent_t *tent_new(uint64_t id)
{
    char buf[KEY_MAX];
    size_t len = key_make(id, buf);
    tent_t *t = kv_malloc(sizeof(*t) + len);

    ck_fast(t != NULL);
    t->len = len;
    memcpy(t->key, buf, len);
    t->e.hash = kv_dict_hash(t->key, len);
    t->e.next = (kv_dict_entry_t *) (uintptr_t) 0xdead; /* add sets it */
    return t;
}

static tent_t *find_id(kv_dict_t *d, uint64_t id)
{
    char buf[KEY_MAX];
    size_t len = key_make(id, buf);

    return (tent_t *) kv_dict_find(d, buf, len, kv_dict_hash(buf, len));
}

static tent_t *unlink_id(kv_dict_t *d, uint64_t id)
{
    char buf[KEY_MAX];
    size_t len = key_make(id, buf);

    return (tent_t *) kv_dict_unlink(d, buf, len, kv_dict_hash(buf, len));
}

static int is_rehashing(const kv_dict_t *d)
{
    return d->rehash_idx != -1;
}

/* Finish any rehash in progress. */
static void rehash_all(kv_dict_t *d)
{
    ck_assert_int_eq(kv_dict_rehash(d, INT_MAX), 0);
    ck_assert(!is_rehashing(d));
}

static uint64_t pow2_at_least(uint64_t n)
{
    uint64_t s = KV_DICT_MIN;

    while (s < n) {
        s *= 2;
    }
    return s;
}

static uint64_t rng_state = 0x853c49e6748fea9bULL;

/* xorshift64*: the tests' PRNG, also passed to kv_dict_random(). */
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static void free_cb(kv_dict_entry_t *e, void *arg)
{
    if (arg != NULL) {
        (*(unsigned long *) arg)++;
    }
    kv_free(e);
}

static void setup(void)
{
    kv_dict_set_seed(seed_a);
    rng_state = 0x853c49e6748fea9bULL;
}

/* ------------------------------------------------------------------ hash */

START_TEST(test_hash_seed)
{
    uint64_t h = kv_dict_hash("hello", 5), h0 = kv_dict_hash("", 0);

    ck_assert_uint_eq(kv_dict_hash("hello", 5), h);
    ck_assert_uint_ne(kv_dict_hash("hellp", 5), h);
    ck_assert_uint_ne(kv_dict_hash("hell", 4), h);

    kv_dict_set_seed(seed_b);
    ck_assert_uint_ne(kv_dict_hash("hello", 5), h);
    kv_dict_set_seed(seed_a);
    ck_assert_uint_eq(kv_dict_hash("hello", 5), h);

    /* Every key, every length, hashes differently under another seed. */
    for (size_t len = 0; len <= 64; len++) {
        char key[64];
        uint64_t ha;

        for (size_t i = 0; i < len; i++) {
            key[i] = (char) (i * 7 + len);
        }
        kv_dict_set_seed(seed_a);
        ha = kv_dict_hash(key, len);
        kv_dict_set_seed(seed_b);
        ck_assert_uint_ne(kv_dict_hash(key, len), ha);
    }

    /* Seeds differing in one bit of either half give other hashes. */
    for (int bit = 0; bit < 128; bit++) {
        uint8_t s[16];

        memcpy(s, seed_a, sizeof(s));
        s[bit / 8] ^= (uint8_t) (1 << (bit % 8));
        kv_dict_set_seed(s);
        ck_assert_uint_ne(kv_dict_hash("hello", 5), h);
        ck_assert_uint_ne(kv_dict_hash("", 0), h0);
    }
    kv_dict_set_seed(seed_a);
    ck_assert_uint_eq(kv_dict_hash("", 0), h0);
    ck_assert_uint_eq(kv_dict_hash(NULL, 0), h0);
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return x < y ? -1 : x > y;
}

/*
 * Every length 0..64, each key in a buffer of exactly its length (ASan
 * reports a read past the end): all-zero keys of different lengths, and
 * every single-bit change of a patterned key, all hash differently. The
 * short-key path reads overlapping words, so this also pins that the
 * overlap loses nothing.
 */
START_TEST(test_hash_lengths)
{
    size_t cap = 65 * 2 + 65 * 64 * 8, n = 0;
    uint64_t *all = malloc(cap * sizeof(*all));

    ck_fast(all != NULL);
    for (size_t len = 0; len <= 64; len++) {
        uint8_t *k = malloc(len > 0 ? len : 1);
        uint8_t *copy = malloc(len + 8);

        ck_fast(k != NULL);
        ck_fast(copy != NULL);
        memset(k, 0, len);
        all[n++] = kv_dict_hash(k, len);
        for (size_t i = 0; i < len; i++) {
            k[i] = (uint8_t) (0x5a + i * 13);
        }
        /* (The empty key is in the list once.) */
        if (len > 0) {
            all[n++] = kv_dict_hash(k, len);
        }

        /* The same bytes at any alignment hash the same. */
        for (size_t off = 0; off < 8; off++) {
            memcpy(copy + off, k, len);
            ck_fast_uint_eq(kv_dict_hash(copy + off, len),
                            kv_dict_hash(k, len));
        }

        for (size_t i = 0; i < len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                k[i] ^= (uint8_t) (1 << bit);
                all[n++] = kv_dict_hash(k, len);
                k[i] ^= (uint8_t) (1 << bit);
            }
        }
        free(copy);
        free(k);
    }
    ck_assert_uint_le(n, cap);

    qsort(all, n, sizeof(*all), cmp_u64);
    for (size_t i = 1; i < n; i++) {
        ck_assert_msg(all[i] != all[i - 1], "hash collision %016llx",
                      (unsigned long long) all[i]);
    }
    free(all);
}
END_TEST

/* Chi-square of counts in nb buckets against the uniform expectation, in
 * standard deviations (df = nb - 1, sd = sqrt(2 df)). */
static double chi_sd(const uint32_t *count, size_t nb, size_t n)
{
    double e = (double) n / (double) nb, chi = 0;
    double df = (double) nb - 1;

    for (size_t i = 0; i < nb; i++) {
        double dlt = count[i] - e;

        chi += dlt * dlt / e;
    }
    return (chi - df) / __builtin_sqrt(2 * df);
}

/*
 * 1M sequential keys "key:N": the low bits (which pick the bucket) and
 * the high bits are both spread evenly (chi-square within 6 standard
 * deviations), and no bucket of a 1M-bucket table gets more than 16.
 */
START_TEST(test_hash_distribution)
{
    enum { N = 1000000, B16 = 1 << 16, B20 = 1 << 20 };
    uint32_t *lo16 = calloc(B16, sizeof(uint32_t));
    uint32_t *hi16 = calloc(B16, sizeof(uint32_t));
    uint32_t *lo8 = calloc(256, sizeof(uint32_t));
    uint32_t *lo20 = calloc(B20, sizeof(uint32_t));
    uint32_t max20 = 0;
    double sd;

    ck_assert(lo16 && hi16 && lo8 && lo20);
    for (int i = 0; i < N; i++) {
        char key[32];
        int len = snprintf(key, sizeof(key), "key:%d", i);
        uint64_t h = kv_dict_hash(key, (size_t) len);

        lo16[h & (B16 - 1)]++;
        hi16[h >> 48]++;
        lo8[h & 255]++;
        lo20[h & (B20 - 1)]++;
    }
    for (int i = 0; i < B20; i++) {
        max20 = lo20[i] > max20 ? lo20[i] : max20;
    }

    sd = chi_sd(lo16, B16, N);
    ck_assert_msg(sd > -6 && sd < 6, "low 16 bits: chi-square %.2f sd", sd);
    sd = chi_sd(hi16, B16, N);
    ck_assert_msg(sd > -6 && sd < 6, "high 16 bits: chi-square %.2f sd", sd);
    sd = chi_sd(lo8, 256, N);
    ck_assert_msg(sd > -6 && sd < 6, "low 8 bits: chi-square %.2f sd", sd);
    sd = chi_sd(lo20, B20, N);
    ck_assert_msg(sd > -6 && sd < 6, "low 20 bits: chi-square %.2f sd", sd);
    ck_assert_uint_le(max20, 16);

    free(lo16);
    free(hi16);
    free(lo8);
    free(lo20);
}
END_TEST

/*
 * Avalanche: flipping any one bit of a short key flips each output bit
 * with probability close to 1/2.
 */
START_TEST(test_hash_avalanche)
{
    static uint64_t flips[64];
    uint64_t samples = 0;

    for (int i = 0; i < 5000; i++) {
        char key[32];
        int len = snprintf(key, sizeof(key), "key:%d", i);
        uint64_t h = kv_dict_hash(key, (size_t) len);

        for (int bit = 0; bit < len * 8; bit++) {
            uint64_t d;

            key[bit / 8] ^= (char) (1 << (bit % 8));
            d = h ^ kv_dict_hash(key, (size_t) len);
            key[bit / 8] ^= (char) (1 << (bit % 8));
            for (int o = 0; o < 64; o++) {
                flips[o] += (d >> o) & 1;
            }
            samples++;
        }
    }
    for (int o = 0; o < 64; o++) {
        double p = (double) flips[o] / (double) samples;

        ck_assert_msg(p > 0.47 && p < 0.53, "output bit %d flips %.4f", o, p);
    }
}
END_TEST

/* ------------------------------------------------- add, find and unlink */

static void add_find_unlink(uint64_t n)
{
    kv_dict_t d;
    tent_t **ents = calloc(n + 1, sizeof(*ents));
    uint64_t left;

    ck_fast(ents != NULL);
    kv_dict_init(&d, tent_key);
    ck_fast_uint_eq(kv_dict_size(&d), 0);
    ck_fast_ptr_eq(find_id(&d, 0), NULL);
    ck_fast_ptr_eq(unlink_id(&d, 1), NULL);

    for (uint64_t i = 0; i < n; i++) {
        ents[i] = tent_new(i);
        ck_fast_ptr_eq(find_id(&d, i), NULL);
        ck_fast_int_eq(kv_dict_add(&d, &ents[i]->e), KV_OK);
        ck_fast_uint_eq(kv_dict_size(&d), i + 1);
        ck_fast_ptr_eq(find_id(&d, i), ents[i]);
    }
    for (uint64_t i = 0; i < n; i++) {
        char buf[KEY_MAX + 1];
        size_t len = key_make(i, buf);

        ck_fast_ptr_eq(find_id(&d, i), ents[i]);
        /* The key plus one byte: no key ends in 0x01, so never found. */
        buf[len++] = '\x01';
        ck_assert_ptr_null(kv_dict_find(&d, buf, len, kv_dict_hash(buf, len)));
    }
    for (uint64_t i = n; i < n + 100; i++) {
        ck_fast_ptr_eq(find_id(&d, i), NULL);
        ck_fast_ptr_eq(unlink_id(&d, i), NULL);
    }
    ck_fast_uint_eq(kv_dict_size(&d), n);

    /* Unlink the odd ids: exactly those go, the even ones stay. */
    left = n;
    for (uint64_t i = 1; i < n; i += 2) {
        ck_fast_ptr_eq(unlink_id(&d, i), ents[i]);
        ck_fast_ptr_eq(unlink_id(&d, i), NULL);
        ck_fast_ptr_eq(find_id(&d, i), NULL);
        ck_fast_uint_eq(kv_dict_size(&d), --left);
    }
    for (uint64_t i = 0; i < n; i++) {
        ck_fast_ptr_eq(find_id(&d, i), i % 2 == 0 ? ents[i] : NULL);
    }
    for (uint64_t i = 0; i < n; i += 2) {
        ck_fast_ptr_eq(unlink_id(&d, i), ents[i]);
        ck_fast_uint_eq(kv_dict_size(&d), --left);
    }
    ck_fast_uint_eq(kv_dict_size(&d), 0);
    for (uint64_t i = 0; i < n; i++) {
        ck_fast_ptr_eq(find_id(&d, i), NULL);
        kv_free(ents[i]);
    }
    kv_dict_free(&d);
    ck_fast_uint_eq(kv_dict_overhead(&d), 0);
    free(ents);
}

START_TEST(test_add_find_unlink)
{
    static const uint64_t sizes[] = { 0,  1,  2,  3,   4,    5,     8,     9,
                                      16, 17, 64, 100, 1000, 12345, 100000 };

    for (size_t i = 0; i < KV_ARRAY_LEN(sizes); i++) {
        add_find_unlink(sizes[i]);
    }
}
END_TEST

/* The empty key and keys that differ only in NUL bytes are all distinct. */
START_TEST(test_binary_keys)
{
    static const struct {
        const char *k;
        size_t len;
    } keys[] = { { "", 0 },
                 { "\0", 1 },
                 { "\0\0", 2 },
                 { "a", 1 },
                 { "a\0", 2 },
                 { "\0a", 2 },
                 { "a\0b", 3 },
                 { "a\0c", 3 },
                 { "ab", 2 },
                 { "\0\0\0\0", 4 },
                 { "\0\0\0\0\0\0\0\0", 8 },
                 { "\0\0\0\0\0\0\0\0\0", 9 } };
    enum { N = KV_ARRAY_LEN(keys) };
    tent_t *ents[N];
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    for (size_t i = 0; i < N; i++) {
        ents[i] = kv_malloc(sizeof(tent_t) + keys[i].len);
        ck_assert_ptr_nonnull(ents[i]);
        ents[i]->len = keys[i].len;
        memcpy(ents[i]->key, keys[i].k, keys[i].len);
        ents[i]->e.hash = kv_dict_hash(keys[i].k, keys[i].len);
        ck_assert_int_eq(kv_dict_add(&d, &ents[i]->e), KV_OK);
    }
    for (size_t i = 0; i < N; i++) {
        ck_assert_ptr_eq(kv_dict_find(&d, keys[i].k, keys[i].len,
                                      kv_dict_hash(keys[i].k, keys[i].len)),
                         &ents[i]->e);
    }
    ck_assert_ptr_eq(kv_dict_unlink(&d, "", 0, kv_dict_hash("", 0)),
                     &ents[0]->e);
    ck_assert_ptr_null(kv_dict_find(&d, "", 0, kv_dict_hash("", 0)));
    ck_assert_ptr_eq(kv_dict_find(&d, "\0", 1, kv_dict_hash("\0", 1)),
                     &ents[1]->e);
    kv_dict_clear(&d, free_cb, NULL);
    kv_free(ents[0]);
}
END_TEST

/*
 * The dict trusts the caller's hash and compares it before the key: all
 * entries share one bucket (hashes equal in their low 20 bits), and a
 * successful find asks for exactly one key. Equal hashes with different
 * keys are told apart by the key bytes.
 */
START_TEST(test_cached_hash)
{
    enum { N = 1000 };
    tent_t *ents[N];
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    for (uint64_t i = 0; i < N; i++) {
        ents[i] = tent_new(i);
        ents[i]->e.hash = (i + 1) << 20;
        ck_fast_int_eq(kv_dict_add(&d, &ents[i]->e), KV_OK);
    }
    rehash_all(&d);
    ck_fast_uint_eq(d.ht[0].size, 1024);
    ck_fast(d.ht[0].table[0] != NULL);
    for (uint64_t i = 0; i < N; i++) {
        char buf[KEY_MAX];
        size_t len = key_make(i, buf);

        key_of_calls = 0;
        ck_fast_ptr_eq(kv_dict_find(&d, buf, len, (i + 1) << 20), &ents[i]->e);
        ck_fast_uint_eq(key_of_calls, 1);
        /* Right key, wrong hash (same bucket): no key compared. */
        key_of_calls = 0;
        ck_fast_ptr_eq(kv_dict_find(&d, buf, len, (i + 2000) << 20), NULL);
        ck_fast_uint_eq(key_of_calls, 0);
    }

    /* Now the same hash for every entry: one chain, keys decide. */
    kv_dict_clear(&d, NULL, NULL);
    for (uint64_t i = 0; i < N; i++) {
        ents[i]->e.hash = 42;
        ck_fast_int_eq(kv_dict_add(&d, &ents[i]->e), KV_OK);
    }
    for (uint64_t i = 0; i < N; i++) {
        char buf[KEY_MAX];
        size_t len = key_make(i, buf);

        ck_fast_ptr_eq(kv_dict_find(&d, buf, len, 42), &ents[i]->e);
    }
    /* Unlink from the head, the tail and the middle of the chain. */
    for (uint64_t i = 0; i < N; i += 3) {
        char buf[KEY_MAX];
        size_t len = key_make(i, buf);

        ck_fast_ptr_eq(kv_dict_unlink(&d, buf, len, 42), &ents[i]->e);
        ck_fast_ptr_eq(kv_dict_find(&d, buf, len, 42), NULL);
    }
    for (uint64_t i = 0; i < N; i++) {
        char buf[KEY_MAX];
        size_t len = key_make(i, buf);

        ck_fast_ptr_eq(kv_dict_find(&d, buf, len, 42),
                       i % 3 == 0 ? NULL : &ents[i]->e);
    }
    kv_dict_clear(&d, NULL, NULL);
    for (uint64_t i = 0; i < N; i++) {
        kv_free(ents[i]);
    }
}
END_TEST

/* ------------------------------------------------------- resize rules */

/*
 * Sizes are powers of two: KV_DICT_MIN on the first add; an add that
 * finds used == size starts a rehash into twice the size; once rehashed,
 * n entries live in max(KV_DICT_MIN, next power of two >= n) buckets.
 */
START_TEST(test_grow_sizes)
{
    enum { N = 5000 };
    tent_t **ents = calloc(N, sizeof(*ents));
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    ck_fast_uint_eq(d.ht[0].size, 0);
    ck_fast_uint_eq(kv_dict_overhead(&d), 0);
    ck_fast_ptr_eq(kv_dict_random(&d, rng), NULL);

    for (uint64_t i = 0; i < N; i++) {
        uint64_t size = d.ht[0].size;
        int grows = i > 0 && d.ht[0].used == size;

        ents[i] = tent_new(i);
        ck_fast_int_eq(kv_dict_add(&d, &ents[i]->e), KV_OK);
        if (i == 0) {
            ck_fast_uint_eq(d.ht[0].size, KV_DICT_MIN);
            ck_fast_uint_eq(d.ht[0].mask, KV_DICT_MIN - 1);
        }
        if (grows) {
            ck_fast(is_rehashing(&d));
            ck_fast_int_eq(d.rehash_idx, 0);
            ck_fast_uint_eq(d.ht[0].size, size);
            ck_fast_uint_eq(d.ht[1].size, 2 * size);
            ck_fast_uint_eq(d.ht[1].mask, 2 * size - 1);
            ck_fast_uint_eq(d.ht[0].used, i);
            ck_fast_uint_eq(d.ht[1].used, 1);
            ck_fast_uint_eq(kv_dict_overhead(&d), 3 * size * sizeof(void *));
        } else {
            ck_fast(!is_rehashing(&d));
        }
        rehash_all(&d);
        ck_fast_uint_eq(d.ht[0].size, pow2_at_least(i + 1));
        ck_fast_uint_eq(d.ht[0].used, i + 1);
        ck_fast_uint_eq(d.ht[1].size, 0);
        ck_fast_ptr_eq(d.ht[1].table, NULL);
        ck_fast_uint_eq(kv_dict_overhead(&d), d.ht[0].size * sizeof(void *));
    }
    kv_dict_clear(&d, free_cb, NULL);
    ck_fast_uint_eq(kv_dict_overhead(&d), 0);
    free(ents);
}
END_TEST

/*
 * An unlink that leaves used < size / 8 starts a shrink to the smallest
 * power of two >= used (never below KV_DICT_MIN).
 */
START_TEST(test_shrink_sizes)
{
    enum { N = 4096 };
    tent_t **ents = calloc(N, sizeof(*ents));
    uint64_t shrinks = 0;
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    for (uint64_t i = 0; i < N; i++) {
        ents[i] = tent_new(i);
        ck_fast_int_eq(kv_dict_add(&d, &ents[i]->e), KV_OK);
    }
    rehash_all(&d);
    ck_fast_uint_eq(d.ht[0].size, N);

    for (uint64_t i = 0; i < N; i++) {
        uint64_t size = d.ht[0].size, used;

        ck_fast_ptr_eq(unlink_id(&d, i), ents[i]);
        kv_free(ents[i]);
        used = N - i - 1;
        if (size > KV_DICT_MIN && used < size / 8) {
            ck_fast(is_rehashing(&d));
            ck_fast_uint_eq(d.ht[0].size, size);
            ck_fast_uint_eq(d.ht[1].size, pow2_at_least(used));
            ck_fast(d.ht[1].size < size);
            rehash_all(&d);
            shrinks++;
        } else {
            ck_fast(!is_rehashing(&d));
            ck_fast_uint_eq(d.ht[0].size, size);
        }
        ck_fast_uint_eq(kv_dict_size(&d), used);
    }
    /* 4096 -> 512 -> 64 -> 8 -> 4 */
    ck_fast_uint_eq(shrinks, 4);
    ck_fast_uint_eq(d.ht[0].size, KV_DICT_MIN);
    kv_dict_free(&d);
    free(ents);
}
END_TEST

/*
 * Adds during a paused rehash overfill ht[1]; kv_dict_resize_if_needed()
 * then grows it. On a table within bounds it does nothing.
 */
START_TEST(test_resize_if_needed)
{
    enum { N = 25 };
    tent_t *ents[N];
    kv_dict_iter_t it;
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    kv_dict_resize_if_needed(&d);
    ck_assert_uint_eq(d.ht[0].size, 0);
    for (uint64_t i = 0; i < 4; i++) {
        ents[i] = tent_new(i);
        kv_dict_add(&d, &ents[i]->e);
        if (i == 2) {
            /* 3 in 4 buckets: within bounds. */
            kv_dict_resize_if_needed(&d);
            ck_assert(!is_rehashing(&d));
            ck_assert_uint_eq(d.ht[0].size, 4);
        }
    }

    kv_dict_iter_init(&it, &d);
    for (uint64_t i = 4; i < N; i++) {
        ents[i] = tent_new(i);
        kv_dict_add(&d, &ents[i]->e);
    }
    ck_assert(is_rehashing(&d));
    ck_assert_int_eq(d.rehash_idx, 0);
    ck_assert_uint_eq(d.ht[1].size, 8);
    ck_assert_uint_eq(d.ht[1].used, N - 4);
    kv_dict_resize_if_needed(&d); /* rehashing: nothing */
    ck_assert_uint_eq(d.ht[1].size, 8);
    kv_dict_iter_done(&it);

    rehash_all(&d);
    ck_assert_uint_eq(d.ht[0].size, 8);
    ck_assert_uint_eq(d.ht[0].used, N);
    kv_dict_resize_if_needed(&d);
    ck_assert(is_rehashing(&d));
    ck_assert_uint_eq(d.ht[1].size, 32);
    rehash_all(&d);
    kv_dict_resize_if_needed(&d);
    ck_assert(!is_rehashing(&d));
    for (uint64_t i = 0; i < N; i++) {
        ck_assert_ptr_eq(find_id(&d, i), ents[i]);
    }
    kv_dict_clear(&d, free_cb, NULL);
}
END_TEST

/*
 * Only bucket arrays are allocated: adds that do not grow the table,
 * finds and unlinks that do not shrink it allocate nothing, and freeing
 * the dict gives back everything it took.
 */
START_TEST(test_no_allocation)
{
    enum { N = 1024 };
    tent_t *ents[N];
    size_t base, mem;
    kv_dict_t d;

    for (uint64_t i = 0; i < N; i++) {
        ents[i] = tent_new(i);
    }
    base = kv_used_memory();
    kv_dict_init(&d, tent_key);
    ck_assert_uint_eq(kv_used_memory(), base);
    for (uint64_t i = 0; i < 513; i++) {
        kv_dict_add(&d, &ents[i]->e);
    }
    rehash_all(&d);
    ck_assert_uint_eq(d.ht[0].size, 1024);
    mem = kv_used_memory();
    ck_assert_uint_ge(mem - base, 1024 * sizeof(void *));
    for (uint64_t i = 513; i < N; i++) {
        kv_dict_add(&d, &ents[i]->e);
    }
    for (uint64_t i = 0; i < N; i++) {
        ck_assert_ptr_eq(find_id(&d, i), ents[i]);
    }
    for (uint64_t i = 0; i < N - 128; i++) {
        ck_assert_ptr_eq(unlink_id(&d, i), ents[i]);
    }
    ck_assert(!is_rehashing(&d));
    ck_assert_uint_eq(kv_used_memory(), mem);
    kv_dict_free(&d);
    ck_assert_uint_eq(kv_used_memory(), base);
    for (uint64_t i = 0; i < N; i++) {
        kv_free(ents[i]);
    }
}
END_TEST

/* ------------------------------------------------ incremental rehash */

/* Count the non-empty buckets of ht[0] in [from, to). */
static uint64_t nonempty(const kv_dict_t *d, uint64_t from, uint64_t to)
{
    uint64_t n = 0;

    for (uint64_t i = from; i < to && i < d->ht[0].size; i++) {
        n += d->ht[0].table[i] != NULL;
    }
    return n;
}

/*
 * Growing 1024 -> 2048: every find moves one bucket (skipping at most 10
 * empty ones), rehash_idx only goes up, ht[0] is empty below it, both
 * tables hold entries meanwhile, and every key is found at every point.
 */
START_TEST(test_incremental_rehash)
{
    enum { N = 1025 };
    tent_t *ents[N];
    uint64_t steps = 0, both = 0;
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    for (uint64_t i = 0; i < N - 1; i++) {
        ents[i] = tent_new(i);
        kv_dict_add(&d, &ents[i]->e);
    }
    rehash_all(&d);
    ck_fast_uint_eq(d.ht[0].size, 1024);
    ents[N - 1] = tent_new(N - 1);
    kv_dict_add(&d, &ents[N - 1]->e);
    ck_fast(is_rehashing(&d));
    ck_fast_uint_eq(d.ht[1].size, 2048);

    while (is_rehashing(&d)) {
        int64_t before = d.rehash_idx, first = before;
        uint64_t id = rng() % N;

        while ((uint64_t) first < d.ht[0].size &&
               d.ht[0].table[first] == NULL) {
            first++;
        }
        ck_fast_ptr_eq(find_id(&d, id), ents[id]);
        steps++;
        if (!is_rehashing(&d)) {
            break;
        }
        /* One non-empty bucket moved, or ten empty ones skipped. */
        if (first < before + 10) {
            ck_fast_int_eq(d.rehash_idx, first + 1);
        } else {
            ck_fast_int_eq(d.rehash_idx, before + 10);
        }
        ck_fast_uint_eq(nonempty(&d, 0, (uint64_t) d.rehash_idx), 0);
        ck_fast_uint_eq(d.ht[0].used + d.ht[1].used, N);
        if (d.ht[0].used > 0 && d.ht[1].used > 0) {
            both++;
        }
        /* Everything is found mid-rehash (paused: these finds do not
         * step, so the rehash advances one bucket per loop). */
        if (steps % 8 == 0) {
            kv_dict_iter_t it;

            kv_dict_iter_init(&it, &d);
            for (uint64_t i = 0; i < N; i++) {
                ck_fast_ptr_eq(find_id(&d, i), ents[i]);
            }
            kv_dict_iter_done(&it);
        }
    }
    ck_assert_uint_gt(both, 300);
    ck_assert_uint_gt(steps, 300);
    ck_fast_int_eq(d.rehash_idx, -1);
    ck_fast_uint_eq(d.ht[0].size, 2048);
    ck_fast_uint_eq(d.ht[0].used, N);
    ck_fast_ptr_eq(d.ht[1].table, NULL);
    for (uint64_t i = 0; i < N; i++) {
        ck_fast_ptr_eq(find_id(&d, i), ents[i]);
    }
    kv_dict_clear(&d, free_cb, NULL);
}
END_TEST

/* kv_dict_rehash(n) reports progress; nothing moves while paused. */
START_TEST(test_rehash_n)
{
    enum { N = 1025 };
    kv_dict_iter_t it;
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    ck_assert_int_eq(kv_dict_rehash(&d, 1), 0);
    ck_assert_int_eq(kv_dict_rehash_ms(&d, 1), 0);
    for (uint64_t i = 0; i < N - 1; i++) {
        kv_dict_add(&d, &tent_new(i)->e);
    }
    rehash_all(&d);
    kv_dict_add(&d, &tent_new(N - 1)->e);
    ck_assert(is_rehashing(&d));
    ck_assert_int_eq(d.rehash_idx, 0);

    kv_dict_iter_init(&it, &d);
    ck_assert_int_eq(d.pause_rehash, 1);
    ck_assert_int_eq(kv_dict_rehash(&d, 100), 1);
    ck_assert_int_eq(kv_dict_rehash_ms(&d, 100), 1);
    ck_assert_ptr_nonnull(find_id(&d, 7));
    ck_assert_int_eq(d.rehash_idx, 0);
    kv_dict_iter_done(&it);
    ck_assert_int_eq(d.pause_rehash, 0);

    ck_assert_int_eq(kv_dict_rehash(&d, 100), 1);
    ck_assert_int_ge(d.rehash_idx, 100);
    ck_assert_int_eq(kv_dict_rehash(&d, 2000), 0);
    ck_assert(!is_rehashing(&d));
    ck_assert_int_eq(kv_dict_rehash(&d, 1), 0);
    kv_dict_clear(&d, free_cb, NULL);
}
END_TEST

/* kv_dict_rehash_ms() on a big table finishes in a bounded number of
 * calls, each bounded in time. */
START_TEST(test_rehash_ms)
{
    enum { N = 131073 };
    tent_t **ents = calloc(N, sizeof(*ents));
    int calls = 0;
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    for (uint64_t i = 0; i < N - 1; i++) {
        ents[i] = tent_new(i);
        kv_dict_add(&d, &ents[i]->e);
    }
    rehash_all(&d);
    ents[N - 1] = tent_new(N - 1);
    kv_dict_add(&d, &ents[N - 1]->e);
    ck_fast(is_rehashing(&d));
    ck_fast_uint_eq(d.ht[1].size, 262144);

    for (;;) {
        int64_t start = kv_mono_ms();
        int r = kv_dict_rehash_ms(&d, 1);

        /* 1 ms plus one batch of 100 buckets; generous for ASan. */
        ck_fast(kv_mono_ms() - start < 100);
        calls++;
        ck_fast(calls < 100000);
        if (r == 0) {
            break;
        }
        ck_fast(is_rehashing(&d));
    }
    ck_fast(!is_rehashing(&d));
    ck_fast_uint_eq(d.ht[0].size, 262144);
    for (uint64_t i = 0; i < N; i++) {
        ck_fast_ptr_eq(find_id(&d, i), ents[i]);
    }
    kv_dict_clear(&d, free_cb, NULL);
    free(ents);
}
END_TEST

/* -------------------------------------------------------------- relink */

static void relink_all(kv_dict_t *d, tent_t **ents, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        tent_t *old = ents[i], *nw;
        uintptr_t old_addr = (uintptr_t) old;
        size_t len = old->len;

        nw = kv_realloc(old, sizeof(tent_t) + len + 4096);
        ck_fast(nw != NULL);
        kv_dict_relink(d, (const kv_dict_entry_t *) old_addr, &nw->e);
        ents[i] = nw;
        ck_fast_ptr_eq(find_id(d, i), nw);
    }
}

/*
 * After realloc, relink makes find return the new address and keeps every
 * chain intact: in a plain table, mid-rehash (entries in both tables) and
 * in one long chain of equal hashes.
 */
START_TEST(test_relink)
{
    enum { N = 3000 };
    tent_t *ents[N];
    kv_dict_iter_t it;
    uint64_t count;
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    for (uint64_t i = 0; i < N; i++) {
        ents[i] = tent_new(i);
        kv_dict_add(&d, &ents[i]->e);
    }
    rehash_all(&d);
    relink_all(&d, ents, N);

    /* Fill to 4096 so the next add starts a rehash, then relink with the
     * rehash paused half-way so entries sit in both tables. */
    for (uint64_t i = N; d.ht[0].used < d.ht[0].size; i++) {
        kv_dict_add(&d, &tent_new(i)->e);
    }
    kv_dict_add(&d, &tent_new(100000)->e);
    ck_assert(is_rehashing(&d));
    kv_dict_rehash(&d, 2048);
    ck_assert(is_rehashing(&d));
    ck_assert_uint_gt(d.ht[0].used, 0);
    ck_assert_uint_gt(d.ht[1].used, 0);
    kv_dict_iter_init(&it, &d);
    relink_all(&d, ents, N);
    kv_dict_iter_done(&it);
    for (uint64_t i = 0; i < N; i++) {
        ck_assert_ptr_eq(find_id(&d, i), ents[i]);
    }
    count = 0;
    kv_dict_iter_init(&it, &d);
    while (kv_dict_iter_next(&it) != NULL) {
        count++;
    }
    kv_dict_iter_done(&it);
    ck_assert_uint_eq(count, kv_dict_size(&d));
    ck_assert_uint_eq(count, 4097);

    /* One chain of equal hashes: relink head, middle and tail. */
    for (uint64_t i = 0; i < N; i++) {
        ck_assert_ptr_eq(unlink_id(&d, i), ents[i]);
    }
    kv_dict_clear(&d, free_cb, NULL);
    for (uint64_t i = 0; i < 100; i++) {
        ents[i]->e.hash = 7;
        kv_dict_add(&d, &ents[i]->e);
    }
    for (uint64_t i = 0; i < 100; i++) {
        tent_t *nw = kv_realloc(ents[i], sizeof(tent_t) + ents[i]->len + 8192);
        uintptr_t old_addr = (uintptr_t) ents[i];
        char buf[KEY_MAX];
        size_t len;

        ck_assert_ptr_nonnull(nw);
        kv_dict_relink(&d, (const kv_dict_entry_t *) old_addr, &nw->e);
        ents[i] = nw;
        for (uint64_t j = 0; j < 100; j++) {
            len = key_make(j, buf);
            ck_assert_ptr_eq(kv_dict_find(&d, buf, len, 7), &ents[j]->e);
        }
    }
    ck_assert_uint_eq(kv_dict_size(&d), 100);
    kv_dict_clear(&d, free_cb, NULL);
    for (uint64_t i = 100; i < N; i++) {
        kv_free(ents[i]);
    }
}
END_TEST

/* --------------------------------------------------------------- clear */

START_TEST(test_clear)
{
    enum { N = 1025 };
    tent_t *ents[N];
    unsigned long count = 0;
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    kv_dict_clear(&d, free_cb, &count);
    ck_assert_uint_eq(count, 0);

    /* Mid-rehash: entries in both tables are all handed over once. */
    for (uint64_t i = 0; i < N; i++) {
        kv_dict_add(&d, &tent_new(i)->e);
    }
    kv_dict_rehash(&d, 300);
    ck_assert(is_rehashing(&d));
    ck_assert_uint_gt(d.ht[0].used, 0);
    ck_assert_uint_gt(d.ht[1].used, 0);
    kv_dict_clear(&d, free_cb, &count);
    ck_assert_uint_eq(count, N);
    ck_assert_uint_eq(kv_dict_size(&d), 0);
    ck_assert(!is_rehashing(&d));
    ck_assert_uint_eq(kv_dict_overhead(&d), 0);
    ck_assert_ptr_null(find_id(&d, 1));

    /* Usable again; a NULL callback just unlinks. */
    for (uint64_t i = 0; i < N; i++) {
        ents[i] = tent_new(i);
        ck_assert_int_eq(kv_dict_add(&d, &ents[i]->e), KV_OK);
    }
    ck_assert_ptr_eq(find_id(&d, 77), ents[77]);
    kv_dict_clear(&d, NULL, NULL);
    ck_assert_uint_eq(kv_dict_size(&d), 0);
    ck_assert_ptr_null(find_id(&d, 77));
    for (uint64_t i = 0; i < N; i++) {
        kv_free(ents[i]);
    }
    kv_dict_free(&d);
}
END_TEST

/* ------------------------------------------------------------ iterator */

static void iter_once(kv_dict_t *d, uint64_t n, int rehashing)
{
    uint8_t *seen = calloc(n, 1);
    kv_dict_entry_t *e;
    kv_dict_iter_t it;
    int64_t idx = d->rehash_idx;
    uint64_t count = 0;

    ck_fast_int_eq(is_rehashing(d), rehashing);
    kv_dict_iter_init(&it, d);
    while ((e = kv_dict_iter_next(&it)) != NULL) {
        uint64_t id = ent_id(e);

        ck_fast(id < n);
        ck_fast_int_eq(seen[id], 0);
        seen[id] = 1;
        count++;
        /* Lookups during iteration do not move buckets. */
        ck_fast_ptr_eq(find_id(d, (id * 7) % n), find_id(d, (id * 7) % n));
        ck_fast_int_eq(d->rehash_idx, idx);
    }
    ck_fast_ptr_eq(kv_dict_iter_next(&it), NULL);
    kv_dict_iter_done(&it);
    ck_fast_int_eq(d->pause_rehash, 0);
    ck_fast_uint_eq(count, n);
    free(seen);
}

START_TEST(test_iter)
{
    enum { N = 10000 };
    kv_dict_entry_t *e;
    kv_dict_iter_t it;
    uint64_t count;
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    kv_dict_iter_init(&it, &d);
    ck_assert_ptr_null(kv_dict_iter_next(&it));
    kv_dict_iter_done(&it);

    for (uint64_t i = 0; i < N; i++) {
        kv_dict_add(&d, &tent_new(i)->e);
    }
    rehash_all(&d);
    iter_once(&d, N, 0);
    for (uint64_t i = N; d.ht[0].used < d.ht[0].size; i++) {
        kv_dict_add(&d, &tent_new(i)->e);
    }
    kv_dict_add(&d, &tent_new(d.ht[0].used)->e);
    kv_dict_rehash(&d, 5000);
    ck_assert_uint_gt(d.ht[0].used, 0);
    ck_assert_uint_gt(d.ht[1].used, 0);
    iter_once(&d, kv_dict_size(&d), 1);

    /* Delete every other entry as it is returned, then all the rest. */
    count = 0;
    kv_dict_iter_init(&it, &d);
    while ((e = kv_dict_iter_next(&it)) != NULL) {
        if (count++ % 2 == 0) {
            const tent_t *t = (const tent_t *) e;

            ck_assert_ptr_eq(kv_dict_unlink(&d, t->key, t->len, e->hash), e);
            kv_free(e);
        }
    }
    kv_dict_iter_done(&it);
    ck_assert_uint_eq(kv_dict_size(&d), count / 2);

    kv_dict_iter_init(&it, &d);
    count = 0;
    while ((e = kv_dict_iter_next(&it)) != NULL) {
        const tent_t *t = (const tent_t *) e;

        ck_assert_ptr_eq(kv_dict_unlink(&d, t->key, t->len, e->hash), e);
        kv_free(e);
        count++;
    }
    kv_dict_iter_done(&it);
    ck_assert_uint_gt(count, 8000);
    ck_assert_uint_eq(kv_dict_size(&d), 0);
    /* The grow finishes once unpaused; then a check shrinks the table. */
    rehash_all(&d);
    ck_assert_uint_eq(d.ht[0].size, 32768);
    kv_dict_resize_if_needed(&d);
    rehash_all(&d);
    ck_assert_uint_eq(d.ht[0].size, KV_DICT_MIN);
    kv_dict_free(&d);
}
END_TEST

/* ---------------------------------------------------------------- scan */

/*
 * A keyspace for the scan tests: ents[id] is the entry of id or NULL,
 * live[] lists the present ids (for picking one at random).
 */
typedef struct {
    kv_dict_t d;
    uint64_t cap, next_id, nlive;
    tent_t **ents;
    uint64_t *live, *pos;
    uint8_t *seen, *kept;
} world_t;

static void world_init(world_t *w, uint64_t cap)
{
    kv_dict_init(&w->d, tent_key);
    w->cap = cap;
    w->next_id = 0;
    w->nlive = 0;
    w->ents = calloc(cap, sizeof(*w->ents));
    w->live = calloc(cap, sizeof(*w->live));
    w->pos = calloc(cap, sizeof(*w->pos));
    w->seen = calloc(cap, 1);
    w->kept = calloc(cap, 1);
    ck_assert(w->ents && w->live && w->pos && w->seen && w->kept);
}

static void world_add(world_t *w)
{
    uint64_t id = w->next_id++;

    ck_fast(id < w->cap);
    w->ents[id] = tent_new(id);
    ck_fast_int_eq(kv_dict_add(&w->d, &w->ents[id]->e), KV_OK);
    w->pos[id] = w->nlive;
    w->live[w->nlive++] = id;
}

static void world_del_random(world_t *w)
{
    uint64_t i = rng() % w->nlive, id = w->live[i];

    ck_fast_ptr_eq(unlink_id(&w->d, id), w->ents[id]);
    kv_free(w->ents[id]);
    w->ents[id] = NULL;
    w->kept[id] = 0;
    w->live[i] = w->live[--w->nlive];
    w->pos[w->live[i]] = i;
}

static void world_free(world_t *w)
{
    kv_dict_clear(&w->d, free_cb, NULL);
    free(w->ents);
    free(w->live);
    free(w->pos);
    free(w->seen);
    free(w->kept);
}

static void scan_cb(kv_dict_entry_t *e, void *arg)
{
    world_t *w = arg;
    uint64_t id = ent_id(e);

    /* Only present entries are returned. */
    ck_fast(id < w->cap);
    ck_fast_ptr_eq(w->ents[id], e);
    if (w->seen[id] < 255) {
        w->seen[id]++;
    }
}

/*
 * One full scan with adds and deletes between calls; every entry present
 * from the first call to the last (kept) must have been returned. Returns
 * the number of calls; *rehashing counts calls made mid-rehash, *resized
 * scans that saw the table change size.
 */
static uint64_t scan_full(world_t *w, int adds, int dels, uint64_t *rehashing,
                          uint64_t *resized)
{
    uint64_t cursor = 0, calls = 0, size = w->d.ht[0].size;
    int changed = 0;

    memset(w->seen, 0, w->cap);
    for (uint64_t id = 0; id < w->cap; id++) {
        w->kept[id] = w->ents[id] != NULL;
    }
    do {
        *rehashing += is_rehashing(&w->d);
        changed |= is_rehashing(&w->d) || w->d.ht[0].size != size;
        cursor = kv_dict_scan(&w->d, cursor, scan_cb, w);
        calls++;
        for (int i = 0; i < adds; i++) {
            world_add(w);
        }
        for (int i = 0; i < dels && w->nlive > 0; i++) {
            world_del_random(w);
        }
    } while (cursor != 0);
    *resized += changed;

    for (uint64_t id = 0; id < w->cap; id++) {
        if (w->kept[id] && w->seen[id] == 0) {
            ck_abort_msg("id %llu present throughout the scan, not returned",
                         (unsigned long long) id);
        }
    }
    return calls;
}

START_TEST(test_scan_grow)
{
    uint64_t scans = 0, rehashing = 0, kept = 0, resized = 0;
    world_t w;

    world_init(&w, 400000);
    for (int i = 0; i < 16; i++) {
        world_add(&w);
    }
    ck_assert_uint_eq(w.d.ht[0].size, 16);
    while (kv_dict_size(&w.d) < 65536) {
        scan_full(&w, 2, 1, &rehashing, &resized);
        for (uint64_t id = 0; id < w.cap; id++) {
            kept += w.kept[id];
        }
        scans++;
    }
    ck_assert_uint_ge(scans, 5);
    ck_assert_uint_ge(resized, 5);
    ck_assert_uint_gt(rehashing, 10000);
    ck_assert_uint_gt(kept, 10000);
    world_free(&w);
}
END_TEST

START_TEST(test_scan_shrink)
{
    uint64_t scans = 0, rehashing = 0, resized = 0;
    world_t w;

    world_init(&w, 200000);
    for (int i = 0; i < 65536; i++) {
        world_add(&w);
    }
    rehash_all(&w.d);
    ck_assert_uint_eq(w.d.ht[0].size, 65536);
    while (kv_dict_size(&w.d) > 8) {
        scan_full(&w, 1, 2, &rehashing, &resized);
        scans++;
    }
    ck_assert_uint_ge(scans, 3);
    ck_assert_uint_ge(resized, 3);
    ck_assert_uint_gt(rehashing, 1000);
    rehash_all(&w.d);
    ck_assert_uint_le(w.d.ht[0].size, 64);
    world_free(&w);
}
END_TEST

/*
 * Without changes a scan returns every entry exactly once, and takes one
 * call per bucket of the table (of the smaller table while rehashing).
 */
START_TEST(test_scan_static)
{
    uint64_t rehashing = 0, resized = 0, calls;
    world_t w;

    world_init(&w, 2000);
    for (int i = 0; i < 1000; i++) {
        world_add(&w);
    }
    rehash_all(&w.d);
    calls = scan_full(&w, 0, 0, &rehashing, &resized);
    ck_assert_uint_eq(calls, 1024);
    for (uint64_t id = 0; id < 1000; id++) {
        ck_assert_int_eq(w.seen[id], 1);
    }

    while (w.d.ht[0].used < w.d.ht[0].size) {
        world_add(&w);
    }
    world_add(&w);
    kv_dict_rehash(&w.d, 500);
    ck_assert(is_rehashing(&w.d));
    calls = scan_full(&w, 0, 0, &rehashing, &resized);
    ck_assert_uint_eq(calls, 1024);
    ck_assert_uint_eq(rehashing, 1024);
    for (uint64_t id = 0; id < w.next_id; id++) {
        ck_assert_int_eq(w.seen[id], 1);
    }
    world_free(&w);
}
END_TEST

static void count_cb(kv_dict_entry_t *e, void *arg)
{
    (*(unsigned long *) arg)++;
}

START_TEST(test_scan_empty)
{
    unsigned long count = 0;
    kv_dict_t d;

    kv_dict_init(&d, tent_key);
    ck_assert_uint_eq(kv_dict_scan(&d, 0, count_cb, &count), 0);
    ck_assert_uint_eq(kv_dict_scan(&d, 12345, count_cb, &count), 0);
    kv_dict_add(&d, &tent_new(1)->e);
    kv_free(unlink_id(&d, 1));
    ck_assert_uint_gt(kv_dict_overhead(&d), 0);
    ck_assert_uint_eq(kv_dict_scan(&d, 0, count_cb, &count), 0);
    ck_assert_uint_eq(count, 0);

    /* One entry in a 4-bucket table: four calls, 2 -> 1 -> 3 -> 0. */
    kv_dict_add(&d, &tent_new(1)->e);
    ck_assert_uint_eq(kv_dict_scan(&d, 0, count_cb, &count), 2);
    ck_assert_uint_eq(kv_dict_scan(&d, 2, count_cb, &count), 1);
    ck_assert_uint_eq(kv_dict_scan(&d, 1, count_cb, &count), 3);
    ck_assert_uint_eq(kv_dict_scan(&d, 3, count_cb, &count), 0);
    ck_assert_uint_eq(count, 1);
    kv_dict_clear(&d, free_cb, NULL);
    ck_assert_uint_eq(kv_dict_scan(&d, 0, count_cb, &count), 0);
}
END_TEST

/* -------------------------------------------------------------- random */

START_TEST(test_random)
{
    enum { N = 10 };
    tent_t *ents[N];
    unsigned hits[N + 1] = { 0 };
    kv_dict_iter_t it;
    world_t w;

    world_init(&w, 100);
    ck_assert_ptr_null(kv_dict_random(&w.d, rng));
    for (int i = 0; i < N; i++) {
        world_add(&w);
        ents[i] = w.ents[i];
    }
    for (int i = 0; i < 10000; i++) {
        kv_dict_entry_t *e = kv_dict_random(&w.d, rng);
        uint64_t id;

        ck_assert_ptr_nonnull(e);
        id = ent_id(e);
        ck_assert_uint_lt(id, N);
        ck_assert_ptr_eq(e, &ents[id]->e);
        hits[id]++;
    }
    for (int i = 0; i < N; i++) {
        ck_assert_uint_gt(hits[i], 300);
    }

    /* Deleted entries are never returned. */
    ck_assert_ptr_eq(unlink_id(&w.d, 3), ents[3]);
    for (int i = 0; i < 2000; i++) {
        kv_dict_entry_t *e = kv_dict_random(&w.d, rng);

        ck_assert_ptr_ne(e, &ents[3]->e);
        ck_assert_ptr_eq(find_id(&w.d, ent_id(e)), e);
    }
    ck_assert_int_eq(kv_dict_add(&w.d, &ents[3]->e), KV_OK);

    /* Mid-rehash (paused, so it stays mid-rehash): both tables. */
    for (int i = N; i < 17; i++) {
        world_add(&w);
    }
    ck_assert(is_rehashing(&w.d) || w.d.ht[0].size == 16);
    if (!is_rehashing(&w.d)) {
        ck_assert_uint_eq(w.d.ht[0].used, 16);
        world_add(&w);
    }
    ck_assert(is_rehashing(&w.d));
    kv_dict_rehash(&w.d, 3);
    ck_assert(is_rehashing(&w.d));
    ck_assert_uint_gt(w.d.ht[0].used, 0);
    ck_assert_uint_gt(w.d.ht[1].used, 0);
    kv_dict_iter_init(&it, &w.d);
    {
        uint64_t n = w.next_id;
        unsigned *h = calloc(n, sizeof(*h));

        for (int i = 0; i < 20000; i++) {
            kv_dict_entry_t *e = kv_dict_random(&w.d, rng);
            uint64_t id = ent_id(e);

            ck_assert_uint_lt(id, n);
            ck_assert_ptr_eq(e, &w.ents[id]->e);
            h[id]++;
        }
        for (uint64_t id = 0; id < n; id++) {
            ck_assert_msg(h[id] > 0, "id %llu never drawn",
                          (unsigned long long) id);
        }
        free(h);
    }
    ck_assert(is_rehashing(&w.d));
    kv_dict_iter_done(&it);
    world_free(&w);
}
END_TEST

/* ------------------------------------------------------------- runner */

static Suite *dict_suite(void)
{
    Suite *s = suite_create("dict");
    TCase *tc = tcase_create("dict");

    tcase_add_checked_fixture(tc, setup, NULL);
    /* The 1M-key and 64k-entry tests take seconds under ASan. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_hash_seed);
    tcase_add_test(tc, test_hash_lengths);
    tcase_add_test(tc, test_hash_distribution);
    tcase_add_test(tc, test_hash_avalanche);
    tcase_add_test(tc, test_add_find_unlink);
    tcase_add_test(tc, test_binary_keys);
    tcase_add_test(tc, test_cached_hash);
    tcase_add_test(tc, test_grow_sizes);
    tcase_add_test(tc, test_shrink_sizes);
    tcase_add_test(tc, test_resize_if_needed);
    tcase_add_test(tc, test_no_allocation);
    tcase_add_test(tc, test_incremental_rehash);
    tcase_add_test(tc, test_rehash_n);
    tcase_add_test(tc, test_rehash_ms);
    tcase_add_test(tc, test_relink);
    tcase_add_test(tc, test_clear);
    tcase_add_test(tc, test_iter);
    tcase_add_test(tc, test_scan_grow);
    tcase_add_test(tc, test_scan_shrink);
    tcase_add_test(tc, test_scan_static);
    tcase_add_test(tc, test_scan_empty);
    tcase_add_test(tc, test_random);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kv_ck_run(dict_suite()) == 0 ? 0 : 1;
}
