#ifndef AGRITRACE_CPU_FEATURES_H
#define AGRITRACE_CPU_FEATURES_H

/// 1 when the CPU and the operating system support AVX2 and FMA (CPUID + XCR0 YMM state), else 0.
/// Swift cannot ask CPUID itself; the kernels pick their compiled variant with this at startup.
int agritrace_cpu_supports_avx2_fma(void);

/// 1 when, in addition, the CPU has AVX-512 F, BW, VL and DQ and the operating system saves the
/// opmask and ZMM state (XCR0 bits 5, 6 and 7): CPUID alone is not enough, a kernel or hypervisor
/// may leave ZMM state disabled.
int agritrace_cpu_supports_avx512(void);

#endif
