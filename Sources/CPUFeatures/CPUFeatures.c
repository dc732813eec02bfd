#include "CPUFeatures.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

int agritrace_cpu_supports_avx2_fma(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const int fma = (ecx >> 12) & 1, osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1;
    if (!(fma && osxsave && avx)) return 0;
    if ((read_xcr0() & 0x6) != 0x6) return 0;  /* the OS saves XMM and YMM state */
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx >> 5) & 1;                      /* AVX2 */
}

int agritrace_cpu_supports_avx512(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!agritrace_cpu_supports_avx2_fma()) return 0;
    /* XMM, YMM, opmask, ZMM_Hi256 and Hi16_ZMM state all enabled by the OS. */
    if ((read_xcr0() & 0xE6) != 0xE6) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    const int f = (ebx >> 16) & 1, dq = (ebx >> 17) & 1, bw = (ebx >> 30) & 1, vl = (ebx >> 31) & 1;
    return f && dq && bw && vl;
}
#else
int agritrace_cpu_supports_avx2_fma(void) { return 0; }
int agritrace_cpu_supports_avx512(void) { return 0; }
#endif
