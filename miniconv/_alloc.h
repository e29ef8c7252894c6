/* miniconv's caching allocator for NumPy array data, installed through NumPy's allocator hook
 * (NEP 49: a PyDataMem_Handler in a PyCapsule named "mem_handler").
 *
 * Notes:
 * - Why: a training step allocates and frees the same activation-sized arrays (up to ~25 MB) every
 *   step. glibc hands blocks above its mmap threshold back to the OS on free, so each step faults
 *   every page of them in again (~6,500 page faults a step on the README model). This cache keeps
 *   freed large blocks and hands them out again, so a steady-state step touches no fresh pages.
 * - Scope: miniconv makes this handler current only while its own ops run (autograd's
 *   Function.apply and the backward engine, see miniconv/_alloc.pyx). NumPy remembers in every
 *   array which handler allocated it, so those arrays come back here when they die, wherever that
 *   happens; arrays the user creates outside miniconv's ops never see this code.
 * - Every block carries a 64-byte header just before its data (size, size class, free-list link),
 *   so free and realloc never depend on the size NumPy passes. Large blocks (>= 128 KB) are rounded
 *   up to one of 8 size classes per power of two (at most 12.5 % larger; the untouched tail costs
 *   no resident memory) and their data is 64-byte aligned; small blocks go straight to malloc
 *   (glibc's heap already reuses them without page faults).
 * - A request takes the smallest cached block of its size class or of the next 16 classes (at most
 *   4 times its size) before asking the C allocator: the blocks of one training step have many
 *   sizes whose peaks do not coincide, and lending a resident larger block costs no memory.
 * - One mutex guards the free lists and the statistics; it is held for a few pointer moves only.
 */
#ifndef MINICONV_ALLOC_H
#define MINICONV_ALLOC_H

#include <Python.h>
#include <numpy/ndarraytypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
static SRWLOCK mc_mutex = SRWLOCK_INIT;
#define MC_LOCK() AcquireSRWLockExclusive(&mc_mutex)
#define MC_UNLOCK() ReleaseSRWLockExclusive(&mc_mutex)
#else
#include <pthread.h>
static pthread_mutex_t mc_mutex = PTHREAD_MUTEX_INITIALIZER;
#define MC_LOCK() pthread_mutex_lock(&mc_mutex)
#define MC_UNLOCK() pthread_mutex_unlock(&mc_mutex)
#endif

#define MC_HEADER 64                 /* bytes reserved before every block's data */
#define MC_MAGIC 0x6d696e69636f6e76ULL
#define MC_MIN_LOG2 17               /* blocks of at least 128 KB are cached */
#define MC_MIN_CACHED ((size_t)1 << MC_MIN_LOG2)
#define MC_CLASSES 8                 /* size classes per power of two */
#define MC_LEND_CLASSES 16           /* a request may take a cached block up to 4 times its size */
#define MC_MAX_LOG2 46               /* larger blocks (> 64 TB) are never cached */
#define MC_N_BUCKETS ((MC_MAX_LOG2 - MC_MIN_LOG2 + 1) * MC_CLASSES + 1)

typedef struct mc_header {
    struct mc_header *next;   /* free-list link while the block sits in the cache */
    void *base;               /* what malloc/calloc returned */
    size_t capacity;          /* usable bytes after the header (the size class for large blocks) */
    size_t requested;         /* bytes the current array asked for */
    int32_t bucket;           /* size-class index, or -1 for a small (uncached) block */
    int32_t pad;
    uint64_t magic;
} mc_header;

/* statistics: [0] all, [1] large pool (cached classes), [2] small pool */
typedef struct { int64_t current, peak, allocated, freed; } mc_stat;
typedef struct {
    mc_stat allocation, allocated_bytes, requested_bytes, reserved_bytes, segment;
} mc_pool_stats;
static mc_pool_stats mc_stats[3];
static int64_t mc_num_device_alloc = 0, mc_num_device_free = 0, mc_num_cache_hits = 0;
static int64_t mc_cached_bytes = 0, mc_cache_limit = (int64_t)1 << 30;

static mc_header *mc_free_lists[MC_N_BUCKETS];

#define MC_HDR(ptr) ((mc_header *)((char *)(ptr) - MC_HEADER))

static void mc_stat_add(mc_stat *s, int64_t amount) {
    s->current += amount;
    if (amount > 0) s->allocated += amount; else s->freed -= amount;
    if (s->current > s->peak) s->peak = s->current;
}

/* add to pool `pool` (1 or 2) and to "all" */
#define MC_ADD(field, pool, amount) do { mc_stat_add(&mc_stats[0].field, (amount)); \
                                         mc_stat_add(&mc_stats[pool].field, (amount)); } while (0)

static int mc_floor_log2(size_t x) {
    int e = 0;
    while (x >>= 1) e++;
    return e;
}

/* size class for a large request: the smallest of 8 steps per power of two that holds it */
static size_t mc_class_size(size_t size, int *bucket) {
    int e = mc_floor_log2(size);
    size_t step = (size_t)1 << (e - 3);
    size_t cls = (size + step - 1) / step * step;
    e = mc_floor_log2(cls);
    *bucket = (e - MC_MIN_LOG2) * MC_CLASSES + (int)(cls >> (e - 3)) - MC_CLASSES;
    return cls;
}

/* a fresh block from the C allocator; data 64-byte aligned for large blocks */
static void *mc_new_block(size_t capacity, int bucket, int zero) {
    size_t extra = bucket >= 0 ? MC_HEADER + 64 : MC_HEADER;
    if (capacity > SIZE_MAX - extra) return NULL;
    void *base = zero ? calloc(1, capacity + extra) : malloc(capacity + extra);
    if (base == NULL) return NULL;
    uintptr_t data = (uintptr_t)base + MC_HEADER;
    if (bucket >= 0) data = (data + 63) & ~(uintptr_t)63;
    mc_header *h = MC_HDR(data);
    h->next = NULL;
    h->base = base;
    h->capacity = capacity;
    h->bucket = bucket;
    h->magic = MC_MAGIC;
    return (void *)data;
}

static void *mc_alloc(size_t size, int zero) {
    if (size == 0) size = 1;
    int bucket = -1;
    size_t capacity = size;
    if (size >= MC_MIN_CACHED && size < ((size_t)1 << MC_MAX_LOG2)) capacity = mc_class_size(size, &bucket);
    void *data = NULL;
    int reused = 0;
    if (bucket >= 0) {
        MC_LOCK();
        /* best fit among the cached blocks of this class and up to 4 times its size: a larger block
         * is already resident, so lending it costs no memory, while a new block would. 4x rather
         * than 2x lets the epoch's last, smaller batch (96 of 256 images) and the evaluation run in
         * the training step's blocks instead of allocating a second set (docs/performance.md). */
        mc_header *h = NULL;
        for (int b = bucket; b <= bucket + MC_LEND_CLASSES && b < MC_N_BUCKETS; b++) {
            if (mc_free_lists[b] != NULL) {
                h = mc_free_lists[b];
                mc_free_lists[b] = h->next;
                break;
            }
        }
        if (h != NULL) {
            capacity = h->capacity;
            mc_cached_bytes -= (int64_t)capacity;
            mc_num_cache_hits++;
            data = (char *)h + MC_HEADER;
            reused = 1;
        }
        MC_UNLOCK();
    }
    if (data == NULL) {
        data = mc_new_block(capacity, bucket, zero);
        if (data == NULL) return NULL;
    } else if (zero) {
        memset(data, 0, size);
    }
    mc_header *h = MC_HDR(data);
    h->next = NULL;
    h->requested = size;
    int pool = bucket >= 0 ? 1 : 2;
    MC_LOCK();
    MC_ADD(allocation, pool, 1);
    MC_ADD(allocated_bytes, pool, (int64_t)capacity);
    MC_ADD(requested_bytes, pool, (int64_t)size);
    if (!reused) {
        MC_ADD(reserved_bytes, pool, (int64_t)capacity);
        MC_ADD(segment, pool, 1);
        if (bucket >= 0) mc_num_device_alloc++;
    }
    MC_UNLOCK();
    return data;
}

static void mc_release_block(mc_header *h, int pool) {
    /* caller holds no lock; the block leaves miniconv for good */
    int64_t capacity = (int64_t)h->capacity;
    void *base = h->base;
    h->magic = 0;
    free(base);
    MC_LOCK();
    MC_ADD(reserved_bytes, pool, -capacity);
    MC_ADD(segment, pool, -1);
    if (pool == 1) mc_num_device_free++;
    MC_UNLOCK();
}

static void mc_free(void *ctx, void *ptr, size_t size) {
    (void)ctx; (void)size;
    if (ptr == NULL) return;
    mc_header *h = MC_HDR(ptr);
    if (h->magic != MC_MAGIC) return;  /* not ours: leak rather than corrupt (never seen) */
    int pool = h->bucket >= 0 ? 1 : 2;
    int cached = 0;
    MC_LOCK();
    MC_ADD(allocation, pool, -1);
    MC_ADD(allocated_bytes, pool, -(int64_t)h->capacity);
    MC_ADD(requested_bytes, pool, -(int64_t)h->requested);
    if (pool == 1 && mc_cached_bytes + (int64_t)h->capacity <= mc_cache_limit) {
        h->next = mc_free_lists[h->bucket];
        mc_free_lists[h->bucket] = h;
        mc_cached_bytes += (int64_t)h->capacity;
        cached = 1;
    }
    MC_UNLOCK();
    if (!cached) mc_release_block(h, pool);
}

static void *mc_malloc(void *ctx, size_t size) {
    (void)ctx;
    return mc_alloc(size, 0);
}

static void *mc_calloc(void *ctx, size_t nelem, size_t elsize) {
    (void)ctx;
    if (elsize != 0 && nelem > SIZE_MAX / elsize) return NULL;
    return mc_alloc(nelem * elsize, 1);
}

static void *mc_realloc(void *ctx, void *ptr, size_t new_size) {
    if (ptr == NULL) return mc_alloc(new_size, 0);
    mc_header *h = MC_HDR(ptr);
    if (h->magic != MC_MAGIC) return NULL;
    if (new_size == 0) new_size = 1;
    if (new_size <= h->capacity && (h->bucket >= 0) == (new_size >= MC_MIN_CACHED)
            && (h->bucket < 0 || new_size * 8 > h->capacity * 7)) {
        /* still fits its block (and, for a large block, is not much smaller): stay in place */
        int pool = h->bucket >= 0 ? 1 : 2;
        MC_LOCK();
        MC_ADD(requested_bytes, pool, (int64_t)new_size - (int64_t)h->requested);
        MC_UNLOCK();
        h->requested = new_size;
        return ptr;
    }
    void *out = mc_alloc(new_size, 0);
    if (out == NULL) return NULL;
    memcpy(out, ptr, h->requested < new_size ? h->requested : new_size);
    mc_free(ctx, ptr, h->requested);
    return out;
}

/* give every cached block back to the C allocator */
static void mc_empty_cache(void) {
    mc_header *lists[MC_N_BUCKETS];
    MC_LOCK();
    for (int b = 0; b < MC_N_BUCKETS; b++) {
        lists[b] = mc_free_lists[b];
        mc_free_lists[b] = NULL;
    }
    MC_UNLOCK();
    for (int b = 0; b < MC_N_BUCKETS; b++) {
        mc_header *h = lists[b];
        while (h != NULL) {
            mc_header *next = h->next;
            MC_LOCK();
            mc_cached_bytes -= (int64_t)h->capacity;
            MC_UNLOCK();
            mc_release_block(h, 1);
            h = next;
        }
    }
}

static void mc_reset_peaks(void) {
    MC_LOCK();
    for (int p = 0; p < 3; p++) {
        mc_stat *s = (mc_stat *)&mc_stats[p];
        for (size_t i = 0; i < sizeof(mc_pool_stats) / sizeof(mc_stat); i++) s[i].peak = s[i].current;
    }
    MC_UNLOCK();
}

static PyDataMem_Handler mc_handler = {
    "miniconv_caching_allocator",
    1,
    {NULL, mc_malloc, mc_calloc, mc_realloc, mc_free},
};

#endif
