/*
 * util.h: number and pattern helpers with Redis's exact semantics, since
 * clients see their results byte for byte.
 */
#ifndef KV_UTIL_H
#define KV_UTIL_H

#include "kevyd.h"

/* Room for any long double printed with "%.17Lf" (Redis's 5 KB). */
#define KV_LD_STR_MAX (5 * 1024)

/* Redis's string2ld(): strtold, no leading space, no trailing bytes, no
 * NaN, no overflow. Returns 1 on success. */
int kv_string2ld(const char *s, size_t len, long double *out);
/* Redis's string2d() for double arguments (ZADD scores, later). */
int kv_string2d(const char *s, size_t len, double *out);
/* Redis's ld2string(..., LD_STR_HUMAN): "%.17Lf" without trailing zeros,
 * "-0" as "0", inf as "inf"/"-inf". Returns the length, 0 if no room. */
size_t kv_ld2str(char *buf, size_t len, long double v);
/* A strict unsigned decimal (no sign, no spaces, no leading "+"). */
int kv_string2ull(const char *s, size_t len, unsigned long long *out);
/* A SCAN cursor as Redis 7.0 reads one (parseScanCursorOrReply():
 * strtoull() on the C string): "-1", "+1", "007" and "" are cursors,
 * " 1", "1x" and values past 2^64-1 are not. */
int kv_parse_cursor(const char *s, size_t len, unsigned long long *out);

/* Redis's stringmatchlen(): glob with * ? [abc] [^a] [a-z] and \ escapes. */
int kv_glob_match(const char *pat, size_t plen, const char *s, size_t slen,
                  int nocase);

/* Capacity for a buffer growing from old to need bytes (doubling until
 * 1 MB, then +1 MB, like sdsMakeRoomFor). */
size_t kv_grow_cap(size_t old, size_t need);

#endif /* KV_UTIL_H */
