/*
 * alloc.h: the one allocator wrapper. It counts the bytes this process has
 * allocated (malloc_usable_size, so the count is what the allocator really
 * handed out), for INFO's used_memory and, later, maxmemory.
 */
#ifndef KV_ALLOC_H
#define KV_ALLOC_H

#include "kevyd.h"

void *kv_malloc(size_t n);
void *kv_calloc(size_t n, size_t size);
void *kv_realloc(void *p, size_t n);
void kv_free(void *p);
char *kv_strndup(const char *s, size_t n);
size_t kv_used_memory(void);

#endif /* KV_ALLOC_H */
