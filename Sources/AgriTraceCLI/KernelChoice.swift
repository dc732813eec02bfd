import Kernels
import Localization

/// Why the kernel build asked for in AGRITRACE_KERNELS cannot be used. Refused before any command
/// runs: a build the CPU lacks would die on an illegal instruction in the middle of a grading.
struct KernelChoiceProblem: LocalizableError {
    let message: Message

    init?(_ request: KernelISA.Request) {
        let variable = KernelISA.environmentVariable
        switch request {
        case .automatic, .forced:
            return nil
        case .unknown(let value):
            message = Message("{variable}={value} names no kernel build: use generic, avx2 or avx512, or unset it",
                              ["variable": .text(variable), "value": .text(value)])
        case .unsupported(let isa):
            message = Message("{variable}={value}: this CPU or operating system cannot run the {value} kernels; the widest it can run is {best} (or unset {variable})",
                              ["variable": .text(variable), "value": .text(isa.rawValue), "best": .text(KernelISA.best.rawValue)])
        }
    }
}
