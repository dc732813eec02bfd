@_exported import KernelsCore
import CPUFeatures
import Foundation

/// Which compiled copy of the SIMD kernels runs. The same sources are built three times: `KernelsGeneric`
/// for any x86-64 (or other) CPU, `KernelsAVX2` with AVX2 + FMA code generation and `KernelsAVX512` with
/// AVX-512 F/BW/VL/DQ and 16-lane tiles. The best copy this CPU and operating system support is chosen
/// once per process; the environment variable `AGRITRACE_KERNELS=generic|avx2|avx512` forces one (to
/// compare speed, or to test a copy on a machine that could run a wider one).
public enum KernelISA: String, Sendable, CaseIterable {
    case generic
    case avx2
    case avx512

    /// The environment variable that forces a build.
    public static let environmentVariable = "AGRITRACE_KERNELS"

    /// What the environment asked for.
    public enum Request: Equatable, Sendable {
        case automatic
        case forced(KernelISA)
        /// A value that names no build.
        case unknown(String)
        /// A build this CPU or operating system cannot run (it would die on an illegal instruction).
        case unsupported(KernelISA)
    }

    public static func request(environment: [String: String]) -> Request {
        guard let value = environment[environmentVariable], !value.isEmpty else { return .automatic }
        guard let isa = KernelISA(rawValue: value) else { return .unknown(value) }
        return isSupported(isa) ? .forced(isa) : .unsupported(isa)
    }

    /// The build in use. A request that cannot be honoured falls back to the best supported build;
    /// programs check `request(environment:)` at start-up and refuse it before any kernel runs.
    public static let active: KernelISA = {
        if case .forced(let isa) = request(environment: ProcessInfo.processInfo.environment) { return isa }
        return best
    }()

    /// The widest build this machine supports.
    public static var best: KernelISA {
        isSupported(.avx512) ? .avx512 : isSupported(.avx2) ? .avx2 : .generic
    }

    public static func isSupported(_ isa: KernelISA) -> Bool {
        switch isa {
        case .generic: true
        case .avx2: agritrace_cpu_supports_avx2_fma() != 0
        case .avx512: agritrace_cpu_supports_avx512() != 0
        }
    }
}
