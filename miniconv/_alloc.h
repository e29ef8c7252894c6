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
 * - Every block carries a 64-byte header just before its data (neighbours, size, free-list links),
 *   so free and realloc never depend on the size NumPy passes. Small blocks (< 128 KB) go straight
 *   to malloc (glibc's heap already reuses them without page faults).
 * - Large blocks (>= 128 KB) live in page-aligned mappings of the OS (mmap; VirtualAlloc on
 *   Windows) and are split and merged as PyTorch's CUDA caching allocator does: a request takes
 *   the smallest cached block that holds it (header + data rounded up to whole pages), splits off
 *   the rest as a cached block of its own, and a freed block merges with free neighbours of the same
 *   mapping. Any cached block therefore serves any smaller request without pinning its whole size.
 *   Until 2026-11-30 blocks were whole size classes (8 per power of two, lent up to 4x): on the
 *   README run the cache then held 211 MB for a peak of 124 MB requested (docs/performance.md).
 * - A cached block goes back to the OS (munmap of its pages, which may cut its mapping in two) on
 *   empty_cache() or when keeping it would exceed the cache limit.
 * - One mutex guards the free list, the neighbour links and the statistics.
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

#ifdef _WIN32
/* (untested) decommitting part of a VirtualAlloc region releases its memory; the address range stays reserved */
static void *mc_os_map(size_t n) { return VirtualAlloc(NULL, n, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE); }
static void mc_os_unmap(void *p, size_t n) { VirtualFree(p, n, MEM_DECOMMIT); }
static size_t mc_os_page(void) { return 4096; }
#else
#include <sys/mman.h>
#include <unistd.h>
#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif
static void *mc_os_map(size_t n) {
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
static void mc_os_unmap(void *p, size_t n) { munmap(p, n); }
static size_t mc_os_page(void) { long p = sysconf(_SC_PAGESIZE); return p > 0 ? (size_t)p : 4096; }
#endif

#define MC_HEADER 64                 /* bytes reserved before every block's data */
#define MC_MAGIC 0x6d696e69636f6e76ULL
#define MC_MIN_CACHED ((size_t)1 << 17)  /* blocks of at least 128 KB are cached */
#define MC_MAX_CACHED ((size_t)1 << 46)  /* larger requests (> 64 TB) are refused */

typedef struct mc_header {
    struct mc_header *next, *prev;    /* free-list links while the block sits in the cache */
    struct mc_header *left, *right;   /* address neighbours in the same mapping (large blocks), or NULL */
    size_t capacity;                  /* usable bytes after the header */
    size_t requested;                 /* bytes the current array asked for */
    int32_t bucket;                   /* 0 for a large (mapped) block, -1 for a small (malloc) one */
    int32_t is_free;                  /* a large block in the cache */
    uint64_t magic;
} mc_header;

/* statistics: [0] all, [1] large pool (mapped blocks), [2] small pool */
typedef struct { int64_t current, peak, allocated, freed; } mc_stat;
typedef struct {
    mc_stat allocation, allocated_bytes, requested_bytes, reserved_bytes, segment;
} mc_pool_stats;
static mc_pool_stats mc_stats[3];
static int64_t mc_num_device_alloc = 0, mc_num_device_free = 0, mc_num_cache_hits = 0;
static int64_t mc_cached_bytes = 0, mc_cache_limit = (int64_t)1 << 30;

static mc_header *mc_free_head = NULL;  /* cached large blocks, unordered (a few dozen) */
static size_t mc_page = 0;

#define MC_HDR(ptr) ((mc_header *)((char *)(ptr) - MC_HEADER))
#define MC_SPAN(h) ((h)->capacity + MC_HEADER)

static void mc_stat_add(mc_stat *s, int64_t amount) {
    s->current += amount;
    if (amount > 0) s->allocated += amount; else s->freed -= amount;
    if (s->current > s->peak) s->peak = s->current;
}

/* add to pool `pool` (1 or 2) and to "all" */
#define MC_ADD(field, pool, amount) do { mc_stat_add(&mc_stats[0].field, (amount)); \
                                         mc_stat_add(&mc_stats[pool].field, (amount)); } while (0)

/* free-list operations; caller holds the lock */
static void mc_push_free(mc_header *h) {
    h->is_free = 1;
    h->prev = NULL;
    h->next = mc_free_head;
    if (mc_free_head != NULL) mc_free_head->prev = h;
    mc_free_head = h;
    mc_cached_bytes += (int64_t)MC_SPAN(h);
}

static void mc_unlink_free(mc_header *h) {
    if (h->prev != NULL) h->prev->next = h->next; else mc_free_head = h->next;
    if (h->next != NULL) h->next->prev = h->prev;
    h->next = h->prev = NULL;
    h->is_free = 0;
    mc_cached_bytes -= (int64_t)MC_SPAN(h);
}

/* return a large block (not in the free list) to the OS; caller holds the lock */
static void mc_release_locked(mc_header *h) {
    mc_header *l = h->left, *r = h->right;
    size_t span = MC_SPAN(h);
    if (l != NULL) l->right = NULL;
    if (r != NULL) r->left = NULL;
    /* the mapping it sat in: gone (no neighbours), shortened (one), or cut in two (both) */
    MC_ADD(segment, 1, (l != NULL && r != NULL) ? 1 : (l == NULL && r == NULL) ? -1 : 0);
    MC_ADD(reserved_bytes, 1, -(int64_t)span);
    mc_num_device_free++;
    h->magic = 0;
    mc_os_unmap((void *)h, span);
}

static void *mc_alloc_large(size_t size, int zero) {
    MC_LOCK();
    if (mc_page == 0) mc_page = mc_os_page();
    size_t need = (size + MC_HEADER + mc_page - 1) / mc_page * mc_page;
    /* best fit: the smallest cached block that holds the request */
    mc_header *best = NULL;
    for (mc_header *h = mc_free_head; h != NULL; h = h->next) {
        if (MC_SPAN(h) >= need && (best == NULL || h->capacity < best->capacity)) {
            best = h;
            if (MC_SPAN(h) == need) break;
        }
    }
    int reused = best != NULL;
    if (best != NULL) {
        mc_unlink_free(best);
        mc_num_cache_hits++;
        size_t rest = MC_SPAN(best) - need;
        if (rest >= MC_MIN_CACHED + mc_page) {  /* split: the rest stays cached as a block of its own */
            mc_header *r = (mc_header *)((char *)best + need);
            r->left = best;
            r->right = best->right;
            if (best->right != NULL) best->right->left = r;
            best->right = r;
            r->capacity = rest - MC_HEADER;
            r->requested = 0;
            r->bucket = 0;
            r->magic = MC_MAGIC;
            best->capacity = need - MC_HEADER;
            mc_push_free(r);  /* (it was cached already, as part of best: within the limit) */
        }
    }
    MC_UNLOCK();
    if (best == NULL) {
        /* a mapping of exactly this block. (Tried: mappings of at least 64 MB, the request at their
         * head and the untouched rest cached, so more blocks could merge: the README run's probe
         * then held 192 MB and RSS grew by 20 MB, as best fit spread requests over fresh pages.) */
        best = (mc_header *)mc_os_map(need);  /* fresh pages read as zeros */
        if (best == NULL) return NULL;
        best->left = best->right = NULL;
        best->capacity = need - MC_HEADER;
        best->bucket = 0;
        best->magic = MC_MAGIC;
    }
    best->next = best->prev = NULL;
    best->is_free = 0;
    best->requested = size;
    void *data = (char *)best + MC_HEADER;
    if (zero && reused) memset(data, 0, size);
    MC_LOCK();
    MC_ADD(allocation, 1, 1);
    MC_ADD(allocated_bytes, 1, (int64_t)best->capacity);
    MC_ADD(requested_bytes, 1, (int64_t)size);
    if (!reused) {
        MC_ADD(reserved_bytes, 1, (int64_t)need);
        MC_ADD(segment, 1, 1);
        mc_num_device_alloc++;
    }
    MC_UNLOCK();
    return data;
}

static void *mc_alloc(size_t size, int zero) {
    if (size == 0) size = 1;
    if (size >= MC_MIN_CACHED) return size < MC_MAX_CACHED ? mc_alloc_large(size, zero) : NULL;
    if (size > SIZE_MAX - MC_HEADER) return NULL;
    void *base = zero ? calloc(1, size + MC_HEADER) : malloc(size + MC_HEADER);
    if (base == NULL) return NULL;
    mc_header *h = (mc_header *)base;
    h->next = h->prev = h->left = h->right = NULL;
    h->capacity = size;
    h->requested = size;
    h->bucket = -1;
    h->is_free = 0;
    h->magic = MC_MAGIC;
    MC_LOCK();
    MC_ADD(allocation, 2, 1);
    MC_ADD(allocated_bytes, 2, (int64_t)size);
    MC_ADD(requested_bytes, 2, (int64_t)size);
    MC_ADD(reserved_bytes, 2, (int64_t)size);
    MC_ADD(segment, 2, 1);
    MC_UNLOCK();
    return (char *)base + MC_HEADER;
}

static void mc_free(void *ctx, void *ptr, size_t size) {
    (void)ctx; (void)size;
    if (ptr == NULL) return;
    mc_header *h = MC_HDR(ptr);
    if (h->magic != MC_MAGIC) return;  /* not ours: leak rather than corrupt (never seen) */
    if (h->bucket < 0) {
        int64_t capacity = (int64_t)h->capacity;
        MC_LOCK();
        MC_ADD(allocation, 2, -1);
        MC_ADD(allocated_bytes, 2, -capacity);
        MC_ADD(requested_bytes, 2, -(int64_t)h->requested);
        MC_ADD(reserved_bytes, 2, -capacity);
        MC_ADD(segment, 2, -1);
        MC_UNLOCK();
        h->magic = 0;
        free(h);
        return;
    }
    MC_LOCK();
    MC_ADD(allocation, 1, -1);
    MC_ADD(allocated_bytes, 1, -(int64_t)h->capacity);
    MC_ADD(requested_bytes, 1, -(int64_t)h->requested);
    /* merge with cached neighbours of the same mapping */
    mc_header *l = h->left, *r = h->right;
    if (l != NULL && l->is_free) {
        mc_unlink_free(l);
        l->capacity += MC_SPAN(h);
        l->right = r;
        if (r != NULL) r->left = l;
        h->magic = 0;
        h = l;
    }
    r = h->right;
    if (r != NULL && r->is_free) {
        mc_unlink_free(r);
        h->capacity += MC_SPAN(r);
        h->right = r->right;
        if (r->right != NULL) r->right->left = h;
        r->magic = 0;
    }
    if (mc_cached_bytes + (int64_t)MC_SPAN(h) <= mc_cache_limit) mc_push_free(h);
    else mc_release_locked(h);
    MC_UNLOCK();
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

/* give every cached block back to the OS */
static void mc_empty_cache(void) {
    MC_LOCK();
    while (mc_free_head != NULL) {
        mc_header *h = mc_free_head;
        mc_unlink_free(h);
        mc_release_locked(h);
    }
    MC_UNLOCK();
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
