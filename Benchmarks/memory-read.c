// The machine's read bandwidth over a buffer of a model's streamed weights: the ceiling of any decode that reads
// every weight once per token, whatever its arithmetic. Built and run by Benchmarks/bench-vs-llama-cpp.sh:
//   cc -O2 -mavx2 -pthread Benchmarks/memory-read.c -o memory-read && ./memory-read BYTES THREADS PASSES
// Prints the median GB/s of PASSES passes (after 3 warm-up passes). Each thread reads its own contiguous share
// of every 1 MiB slice, as a matrix-vector product split by rows does, and the threads meet at a barrier
// after each pass, as decode's threads meet after each product. The buffer gets transparent huge pages, as
// the engine's weights do.
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

enum { SLICE = 1 << 20, WARMUP = 3 };

static const char *buffer;
static size_t bytes;
static int threads, passes;
static pthread_barrier_t barrier;
static volatile long long sink;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// Two independent accumulators so the adds never limit the loads.
__attribute__((target("avx2"))) static long long read_range(const char *p, size_t n) {
    __m256i a = _mm256_setzero_si256(), b = a;
    for (size_t i = 0; i + 64 <= n; i += 64) {
        a = _mm256_add_epi8(a, _mm256_load_si256((const __m256i *)(p + i)));
        b = _mm256_add_epi8(b, _mm256_load_si256((const __m256i *)(p + i + 32)));
    }
    return _mm256_extract_epi64(_mm256_add_epi8(a, b), 0);
}

static void one_pass(int id) {
    long long s = 0;
    const size_t share = SLICE / (size_t)threads;
    for (size_t offset = 0; offset < bytes; offset += SLICE) s += read_range(buffer + offset + (size_t)id * share, share);
    sink += s;
}

static void *worker(void *arg) {
    const int id = (int)(long)arg;
    for (int p = 0; p < WARMUP + passes; p++) {
        pthread_barrier_wait(&barrier);
        one_pass(id);
        pthread_barrier_wait(&barrier);
    }
    return NULL;
}

static int by_value(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s BYTES THREADS PASSES\n", argv[0]);
        return 2;
    }
    const size_t asked = (size_t)strtoull(argv[1], NULL, 10);
    threads = atoi(argv[2]);
    passes = atoi(argv[3]);
    if (asked < SLICE || threads < 1 || threads > 64 || passes < 1) {
        fprintf(stderr, "error: need BYTES >= %d, THREADS in 1...64 and PASSES >= 1\n", SLICE);
        return 2;
    }
    bytes = asked / SLICE * SLICE;
    char *memory = aligned_alloc(2 << 20, (bytes + (2 << 20) - 1) / (2 << 20) * (2 << 20));
    if (!memory) {
        fprintf(stderr, "error: cannot allocate %zu bytes\n", bytes);
        return 1;
    }
    madvise(memory, bytes, MADV_HUGEPAGE);
    for (size_t i = 0; i < bytes; i++) memory[i] = (char)(i * 131);
    buffer = memory;

    pthread_barrier_init(&barrier, NULL, (unsigned)threads);
    pthread_t ids[64];
    for (int i = 1; i < threads; i++) pthread_create(&ids[i], NULL, worker, (void *)(long)i);
    double *seconds = calloc((size_t)passes, sizeof *seconds);
    for (int p = 0; p < WARMUP + passes; p++) {
        pthread_barrier_wait(&barrier);
        const double start = now();
        one_pass(0);
        pthread_barrier_wait(&barrier);
        if (p >= WARMUP) seconds[p - WARMUP] = now() - start;
    }
    for (int i = 1; i < threads; i++) pthread_join(ids[i], NULL);
    qsort(seconds, (size_t)passes, sizeof *seconds, by_value);
    printf("%.3f\n", (double)bytes / seconds[passes / 2] / 1e9);
    return 0;
}
