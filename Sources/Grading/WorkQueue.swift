import Foundation

/// Hands out fixed chunks of `0..<count` to worker threads and returns their results in order,
/// never letting workers run more than `window` items ahead of the consumer.
///
/// This is the pipeline's memory bound: a worker holds at most one chunk of decoded photos, and
/// finished-but-unconsumed results never exceed `window` items, however large the upload.
/// Chunk boundaries depend only on `count` and `chunkSize`, never on timing, so batched
/// inference sees the same batches in every run.
final class WorkQueue<Result: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int
    private let chunkSize: Int
    private let window: Int
    private var nextChunk = 0
    private var consumed = 0
    private var finished: [Int: Result] = [:]
    private var failure: Error?

    init(count: Int, chunkSize: Int, window: Int) {
        precondition(chunkSize >= 1 && window >= chunkSize, "the window must hold at least one chunk")
        self.count = count
        self.chunkSize = chunkSize
        self.window = window
    }

    /// Runs `work` on `threads` threads over every chunk, calling `consume` on the caller's thread
    /// for each item in index order. The first error thrown by either side stops everything and
    /// is rethrown once the workers have exited.
    func run(threads: Int, work: @escaping @Sendable (Range<Int>) throws -> [Result],
             consume: (Int, Result) throws -> Void) throws {
        var workers: [Thread] = []
        let exited = DispatchGroup()
        for _ in 0..<max(1, threads) {
            exited.enter()
            let thread = Thread { [self] in
                defer { exited.leave() }
                while let range = take() {
                    do {
                        let results = try work(range)
                        deliver(results, at: range.lowerBound)
                    } catch {
                        fail(error)
                    }
                }
            }
            thread.stackSize = 4 << 20
            workers.append(thread)
            thread.start()
        }
        defer { exited.wait() }
        do {
            for index in 0..<count {
                let result = try awaitResult(index)
                try consume(index, result)
            }
        } catch {
            fail(error)
            throw error
        }
    }

    private func take() -> Range<Int>? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if failure != nil { return nil }
            let start = nextChunk * chunkSize
            if start >= count { return nil }
            let end = min(start + chunkSize, count)
            if end <= consumed + window {
                nextChunk += 1
                return start..<end
            }
            condition.wait()
        }
    }

    private func deliver(_ results: [Result], at start: Int) {
        condition.lock()
        for (offset, result) in results.enumerated() { finished[start + offset] = result }
        condition.broadcast()
        condition.unlock()
    }

    private func fail(_ error: Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    private func awaitResult(_ index: Int) throws -> Result {
        condition.lock()
        defer { condition.unlock() }
        while finished[index] == nil {
            if let failure { throw failure }
            condition.wait()
        }
        consumed = index + 1
        condition.broadcast()
        return finished.removeValue(forKey: index)!
    }
}
