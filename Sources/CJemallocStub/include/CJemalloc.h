// Sanitizer builds only (Package.swift): jemalloc's control interface, always failing, so the process keeps
// the sanitizer's allocator and the callers' "statistics unavailable" paths run.
#include <stddef.h>

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
