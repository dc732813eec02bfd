#ifndef AGRITRACE_MEMORY_HINTS_H
#define AGRITRACE_MEMORY_HINTS_H

/// Asks the CPU to start loading the cache line at `address` into every cache level (a hint: no
/// fault, no effect on results). Swift has no prefetch of its own; being static inline, this
/// compiles to one `prefetcht0` inside the Swift loop that calls it.
static inline void agritrace_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// The same into L2 and L3 only (`prefetcht1`): for lines needed after the ones L1 holds now.
static inline void agritrace_prefetch_l2(const void *address) {
    __builtin_prefetch(address, 0, 2);
}

/// The same for a line about to be written (`prefetchw`): it arrives owned, with no second request.
static inline void agritrace_prefetch_for_write(void *address) {
    __builtin_prefetch(address, 1, 2);
}

#endif
