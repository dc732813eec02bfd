#ifndef AGRITRACE_CPU_FEATURES_H
#define AGRITRACE_CPU_FEATURES_H

/// 1 when the CPU and the operating system support AVX2 and FMA (CPUID + XCR0 YMM state), else 0.
/// Swift cannot ask CPUID itself; the kernels pick their compiled variant with this at startup.
int agritrace_cpu_supports_avx2_fma(void);

#endif
