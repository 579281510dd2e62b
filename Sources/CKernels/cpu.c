#define _GNU_SOURCE
#include "CKernels.h"

// __builtin_cpu_supports also checks that the OS enabled the register state (XCR0), so a "yes" here means
// the instructions are safe to run, not only that the CPU has them.
int ck_cpu_has_avx512_vnni(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
           __builtin_cpu_supports("f16c") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int ck_cpu_has_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
    return 0;
#endif
}

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>

int ck_pin_current_thread(int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}
#else
int ck_pin_current_thread(int core) { (void)core; return -1; }
#endif

#if defined(__linux__)
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// The kernel's struct sched_attr (linux/sched/types.h), which glibc does not export.
struct ck_sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};

int ck_request_time_slice(uint64_t nanoseconds) {
#if defined(SYS_sched_setattr) && defined(SYS_sched_getattr)
    struct ck_sched_attr attr;
    memset(&attr, 0, sizeof attr);
    // read first, so the thread keeps its policy and nice value
    if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return errno;
    attr.size = sizeof attr;
    attr.sched_runtime = nanoseconds;
    return syscall(SYS_sched_setattr, 0, &attr, 0) == 0 ? 0 : errno;
#else
    (void)nanoseconds;
    return ENOSYS;
#endif
}
#else
int ck_request_time_slice(uint64_t nanoseconds) { (void)nanoseconds; return -1; }
#endif
