/*
 * kevyd.h: what every source file of kevyd needs.
 *
 * Return codes follow nginx: KV_OK, KV_ERROR, KV_AGAIN (not finished yet,
 * call again when more input or time is available).
 */
#ifndef KV_KEVYD_H
#define KV_KEVYD_H

#define _GNU_SOURCE 1

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "config.h"

#define KV_OK 0
#define KV_ERROR -1
#define KV_AGAIN -2

#define KV_NAME "kevyd"
#define KV_VERSION "0.1.0"
/* The Redis release whose replies kevyd reproduces. */
#define KV_REDIS_VERSION "7.0.15"

/* Hard upper bound on worker-processes: sizes the shared-memory header. */
#define KV_MAX_WORKERS 64

#define KV_UNUSED(x) ((void) (x))
#define KV_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define KV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KV_NORETURN __attribute__((noreturn))
#define KV_LIKELY(x) __builtin_expect(!!(x), 1)
#define KV_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define KV_PRINTF(f, a)
#define KV_NORETURN
#define KV_LIKELY(x) (x)
#define KV_UNLIKELY(x) (x)
#endif

/* Monotonic and wall clocks in milliseconds / microseconds. */
int64_t kv_mono_ms(void);
int64_t kv_mono_us(void);
int64_t kv_wall_us(void);

#endif /* KV_KEVYD_H */
