@_exported import KernelsCore
import CPUFeatures
import Foundation

/// Which compiled copy of the SIMD kernels runs. The same sources are built twice: `KernelsGeneric`
/// for any x86-64 (or other) CPU and `KernelsAVX2` with AVX2 + FMA code generation; the choice is made
/// once per process from CPUID. Setting the environment variable `AGRITRACE_KERNELS=generic` forces the
/// portable copy (to test it on an AVX2 machine, or to compare speed).
public enum KernelISA: String, Sendable, CaseIterable {
    case generic
    case avx2

    public static let active: KernelISA = {
        if ProcessInfo.processInfo.environment["AGRITRACE_KERNELS"] == "generic" { return .generic }
        return isSupported(.avx2) ? .avx2 : .generic
    }()

    public static func isSupported(_ isa: KernelISA) -> Bool {
        switch isa {
        case .generic: true
        case .avx2: agritrace_cpu_supports_avx2_fma() != 0
        }
    }
}
