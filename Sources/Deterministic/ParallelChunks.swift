import Dispatch

/// Splits `0..<count` into at most `jobs` contiguous chunks and runs `body(chunk, range)` on each,
/// in parallel; `chunk` numbers the chunks from 0 (e.g. to pick a per-thread workspace). The split
/// depends only on `count` and `jobs`, never on timing, so results are reproducible for a given
/// `jobs`. `body` must write only memory that belongs to its own chunk.
public func parallelChunks(_ count: Int, jobs: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
    let chunks = min(max(jobs, 1), count)
    if chunks <= 1 {
        if count > 0 { body(0, 0..<count) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let shared = UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            shared.value(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }
}

/// `items.map(transform)` on up to `jobs` threads, one contiguous chunk of at least `minimumChunk`
/// items each (starting a thread costs more than a few cheap items); results keep order.
public func parallelMap<T, R>(_ items: [T], jobs: Int, minimumChunk: Int = 1, _ transform: (T) -> R) -> [R] {
    let jobs = min(jobs, items.count / max(minimumChunk, 1))
    if jobs <= 1 { return items.map(transform) }
    var results = [R?](repeating: nil, count: items.count)
    results.withUnsafeMutableBufferPointer { out in
        let output = UncheckedSendable(out)
        parallelChunks(items.count, jobs: jobs) { _, range in
            for index in range { output.value[index] = transform(items[index]) }
        }
    }
    return results.map { $0! }
}

/// Carries a value that is not `Sendable` across threads. Sound only where each thread touches
/// disjoint parts of it (or it is immutable), which every use must say.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
