import Dispatch

/// Carries a non-Sendable value into `concurrentPerform`; every use below writes disjoint memory.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}

/// Splits `0..<count` into at most `jobs` contiguous chunks and runs `body` on each, in parallel.
/// The chunking depends only on `count` and `jobs`, so results are reproducible for a given `jobs`.
func parallelChunks(_ count: Int, jobs: Int, _ body: (Range<Int>) -> Void) {
    let chunks = min(max(jobs, 1), count)
    if chunks <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedSendable(value: escapable)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks, end = count * (chunk + 1) / chunks
            box.value(start..<end)
        }
    }
}
