/*
 * alloc.c: counting wrappers around malloc. Each process (master, worker)
 * has its own counter; no atomics are needed because workers are
 * single-threaded processes.
 */
#include "alloc.h"

#include <malloc.h>

static size_t kv_used;

void *kv_malloc(size_t n)
{
    void *p = malloc(n);

    if (p != NULL) {
        kv_used += malloc_usable_size(p);
    }
    return p;
}

void *kv_calloc(size_t n, size_t size)
{
    void *p = calloc(n, size);

    if (p != NULL) {
        kv_used += malloc_usable_size(p);
    }
    return p;
}

void *kv_realloc(void *p, size_t n)
{
    size_t old = p != NULL ? malloc_usable_size(p) : 0;
    void *np = realloc(p, n);

    if (np != NULL) {
        kv_used = kv_used - old + malloc_usable_size(np);
    }
    return np;
}

void kv_free(void *p)
{
    if (p != NULL) {
        kv_used -= malloc_usable_size(p);
        free(p);
    }
}

char *kv_strndup(const char *s, size_t n)
{
    char *p = kv_malloc(n + 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

size_t kv_used_memory(void)
{
    return kv_used;
}
