import Foundation
import Testing
import Kernels

/// Choosing the compiled copy of the kernels: from the CPU and OS, or forced by AGRITRACE_KERNELS.
@Suite struct KernelISATests {
    @Test func requestsAreParsedAndCheckedAgainstTheMachine() {
        let variable = KernelISA.environmentVariable
        #expect(KernelISA.request(environment: [:]) == .automatic)
        #expect(KernelISA.request(environment: [variable: ""]) == .automatic)
        #expect(KernelISA.request(environment: [variable: "generic"]) == .forced(.generic))
        #expect(KernelISA.request(environment: [variable: "sse4"]) == .unknown("sse4"))
        #expect(KernelISA.request(environment: [variable: "AVX2"]) == .unknown("AVX2"))
        for isa in [KernelISA.avx2, .avx512] {
            let expected: KernelISA.Request = KernelISA.isSupported(isa) ? .forced(isa) : .unsupported(isa)
            #expect(KernelISA.request(environment: [variable: isa.rawValue]) == expected)
        }
    }

    /// The CPUID + XCR0 probe agrees with what the Linux kernel reports in /proc/cpuinfo (the kernel
    /// lists avx512* flags only when it enables their state), and the automatic choice is the widest.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/cpuinfo"), "no /proc/cpuinfo (not Linux)"))
    func probeAgreesWithTheOperatingSystem() throws {
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flagsLine = try #require(info.split(separator: "\n").first { $0.hasPrefix("flags") })
        let flags = Set(flagsLine.split(separator: ":").last!.split(separator: " ").map(String.init))
        #expect(KernelISA.isSupported(.avx2) == flags.isSuperset(of: ["avx2", "fma"]))
        #expect(KernelISA.isSupported(.avx512) == flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]))
        let widest: KernelISA = KernelISA.isSupported(.avx512) ? .avx512 : KernelISA.isSupported(.avx2) ? .avx2 : .generic
        #expect(KernelISA.best == widest)
        if ProcessInfo.processInfo.environment[KernelISA.environmentVariable] == nil {
            #expect(KernelISA.active == widest)
        }
    }
}
