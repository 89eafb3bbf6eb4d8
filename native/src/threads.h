/* How many threads a kernel splits over, so that no kernel collapses when the cores are busy.
 *
 * Split work only pays while its threads run side by side. On a busy machine a thread waiting
 * for its partner (at a barrier, or for a handed-over value in the pairing) waits for a scheduler
 * time slice, milliseconds, where the work itself took microseconds. So:
 * - work too small to split (below two threads' worth of `per_thread` units) stays on one thread;
 * - one split kernel at a time per process: a caller arriving while another runs (another
 *   Python thread, say) works alone;
 * - every split region measures how much of its threads' wall time they actually ran (their CPU
 *   time over threads x wall time), and keeps a running average (each region weighing 1/4, so
 *   one region stalled by the host alone does not count, but a region in which the threads
 *   collapsed does). Below 1/2, the cores were not ours: kernels then work alone for a
 *   while, 10 ms at first and doubling up to 1 s while the cores stay busy, and try splitting
 *   again afterwards.
 * Spinning in a wait counts as running, so an idle machine never looks busy; a thread that is
 * descheduled does not run, which is what the measure sees.
 *
 * Usage, around an OpenMP loop:
 *     team t = team_begin(n, 4096);
 *     #pragma omp parallel num_threads(t.threads)
 *     {
 *         int64_t cpu = team_thread_start(t);
 *         #pragma omp for schedule(static) nowait
 *         for (...) ...;
 *         team_thread_end(t, cpu);
 *     }
 *     team_end(t);
 */
#pragma once
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define TEAM_SOLO_MIN_NS 10000000LL      /* 10 ms */
#define TEAM_SOLO_MAX_NS 1000000000LL    /* 1 s */
#define TEAM_MEASURE_MIN_NS 100000LL     /* regions shorter than 0.1 ms say nothing either way */

typedef struct {
    int threads;
    int64_t start_ns;
} team;

#define TEAM_SHARE_MIN 500              /* per mille */

static atomic_int team_in_flight;
static atomic_int team_share = 1000;    /* the running average, per mille */
static _Atomic int64_t team_solo_until_ns;
static _Atomic int64_t team_solo_ns = TEAM_SOLO_MIN_NS;
static _Atomic int64_t team_cpu_ns;

static inline int64_t team_clock(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The threads a kernel may split over: inside another kernel's split region (a batch of MSMs,
 * each job on one thread) none but its own, since regions do not nest. */
static inline int team_max_threads(void) {
#ifdef _OPENMP
    return omp_in_parallel() ? 1 : omp_get_max_threads();
#else
    return 1;
#endif
}

/* The team for `work` units, `per_thread` of which are worth a thread of their own. */
static inline team team_begin(size_t work, size_t per_thread) {
    team t = {1, 0};
    int max = team_max_threads();
    if (max < 2 || per_thread == 0 || work / per_thread < 2) return t;
    int64_t now = team_clock(CLOCK_MONOTONIC);
    if (now < atomic_load_explicit(&team_solo_until_ns, memory_order_relaxed)) return t;
    int idle = 0;
    if (!atomic_compare_exchange_strong(&team_in_flight, &idle, 1)) return t;
    size_t useful = work / per_thread;
    t.threads = useful < (size_t)max ? (int)useful : max;
    t.start_ns = now;
    atomic_store_explicit(&team_cpu_ns, 0, memory_order_relaxed);
    return t;
}

/* Each thread of a split region: its CPU clock at the start, and at the end of its share
 * (a team of one measures nothing). */
static inline int64_t team_thread_start(team t) {
    return t.threads > 1 ? team_clock(CLOCK_THREAD_CPUTIME_ID) : 0;
}

static inline void team_thread_end(team t, int64_t start) {
    if (t.threads < 2) return;
    atomic_fetch_add_explicit(&team_cpu_ns, team_clock(CLOCK_THREAD_CPUTIME_ID) - start, memory_order_relaxed);
}

static inline void team_end(team t) {
    if (t.threads < 2) return;
    int64_t now = team_clock(CLOCK_MONOTONIC), wall = now - t.start_ns;
    int64_t ran = atomic_load_explicit(&team_cpu_ns, memory_order_relaxed);
    if (wall >= TEAM_MEASURE_MIN_NS) {
        int share = (int)(1000 * ran / (wall * t.threads));
        share = (3 * atomic_load_explicit(&team_share, memory_order_relaxed) + (share < 1000 ? share : 1000)) / 4;
        atomic_store_explicit(&team_share, share, memory_order_relaxed);
        if (share < TEAM_SHARE_MIN) {
            int64_t solo = atomic_load_explicit(&team_solo_ns, memory_order_relaxed);
            atomic_store_explicit(&team_solo_until_ns, now + solo, memory_order_relaxed);
            atomic_store_explicit(&team_solo_ns, 2 * solo < TEAM_SOLO_MAX_NS ? 2 * solo : TEAM_SOLO_MAX_NS,
                                  memory_order_relaxed);
        } else {
            atomic_store_explicit(&team_solo_ns, TEAM_SOLO_MIN_NS, memory_order_relaxed);
        }
    }
    atomic_store_explicit(&team_in_flight, 0, memory_order_release);
}
