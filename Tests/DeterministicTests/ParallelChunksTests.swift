import Deterministic
import Foundation
import Testing

/// A value shared by the chunks under a lock (Synchronization's Mutex needs macOS 15).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

@Suite struct ParallelChunksTests {
    /// Every index is visited exactly once, by contiguous chunks numbered 0..<chunks, and the
    /// split is the same on every run (it depends only on count and jobs).
    @Test(arguments: [0, 1, 2, 7, 64, 1001], [1, 2, 3, 8, 2000])
    func coversEveryIndexOnceInContiguousNumberedChunks(count: Int, jobs: Int) {
        let visits = Locked([Int](repeating: 0, count: count))
        let chunks = Locked([Int: Range<Int>]())
        parallelChunks(count, jobs: jobs) { chunk, range in
            visits.withLock { for i in range { $0[i] += 1 } }
            chunks.withLock { $0[chunk] = range }
        }
        #expect(visits.withLock { $0 }.allSatisfy { $0 == 1 })
        let split = chunks.withLock { $0 }
        #expect(split.count == min(max(jobs, 1), count))
        let ordered = split.keys.sorted().map { split[$0]! }
        #expect(Array(split.keys.sorted()) == Array(0..<split.count))
        #expect(zip(ordered, ordered.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(ordered.allSatisfy { !$0.isEmpty })

        let again = Locked([Int: Range<Int>]())
        parallelChunks(count, jobs: jobs) { chunk, range in again.withLock { $0[chunk] = range } }
        #expect(again.withLock { $0 } == split)
    }

    @Test func parallelMapKeepsOrderAndRespectsTheMinimumChunk() {
        let items = Array(0..<1000)
        #expect(parallelMap(items, jobs: 4) { $0 * 3 } == items.map { $0 * 3 })
        // 63 items in chunks of at least 32 make one chunk: every item on the calling thread.
        let caller = "\(pthread_self())"
        let threads = Locked(Set<String>())
        _ = parallelMap(Array(0..<63), jobs: 8, minimumChunk: 32) { item in
            threads.withLock { _ = $0.insert("\(pthread_self())") }
            return item
        }
        #expect(threads.withLock { $0 } == [caller])
    }
}

@Suite struct SeededRandomTests {
    /// SplitMix64's published first outputs for seed 0 (Vigna's reference implementation).
    @Test func matchesTheReferenceSplitMix64() {
        var random = SeededRandom(seed: 0)
        #expect([random.next(), random.next(), random.next()]
                == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    @Test func streamsAreReproducibleAndDistinct() {
        var a = SeededRandom(seed: 42, stream: 1, 2), b = SeededRandom(seed: 42, stream: 1, 2), c = SeededRandom(seed: 42, stream: 2, 1)
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        #expect(first != (0..<4).map { _ in c.next() })
        var u = SeededRandom(seed: 9)
        #expect((0..<1000).map { _ in u.uniform(-1, 1) }.allSatisfy { (-1..<1).contains($0) })
    }
}
