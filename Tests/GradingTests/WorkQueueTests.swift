import Foundation
import Testing
@testable import Grading

@Suite struct WorkQueueTests {
    /// Shared counters updated by workers and the consumer.
    final class Counters: @unchecked Sendable {
        let lock = NSLock()
        var started = 0          // items handed to workers
        var consumed = 0         // items the consumer has taken
        var maxAhead = 0         // largest started - consumed seen
        var maxConcurrent = 0    // most chunks being worked on at once
        var working = 0

        func begin(_ count: Int) {
            lock.lock(); defer { lock.unlock() }
            started += count
            working += 1
            maxAhead = max(maxAhead, started - consumed)
            maxConcurrent = max(maxConcurrent, working)
        }
        func end() { lock.lock(); working -= 1; lock.unlock() }
        func consume() { lock.lock(); consumed += 1; lock.unlock() }
    }

    @Test func deliversInOrderAndNeverRunsMoreThanTheWindowAhead() throws {
        let counters = Counters()
        let queue = WorkQueue<Int>(count: 1_000, chunkSize: 4, window: 32)
        var seen: [Int] = []
        try queue.run(threads: 3, work: { range in
            counters.begin(range.count)
            defer { counters.end() }
            usleep(UInt32(range.lowerBound % 7) * 50)   // uneven work so workers overtake each other
            return range.map { $0 * 2 }
        }, consume: { index, value in
            counters.consume()
            if index % 97 == 0 { usleep(300) }           // a slow consumer (a ledger append)
            seen.append(value)
        })
        #expect(seen == (0..<1_000).map { $0 * 2 })
        // The queue counts an item consumed when it hands it over, just before `consume` runs (and
        // before this test's counter sees it): so at most window + 1 by this count.
        #expect(counters.maxAhead <= 32 + 1, "workers ran \(counters.maxAhead) items ahead")
        #expect(counters.maxConcurrent <= 3)
    }

    @Test func theFirstErrorStopsEveryoneAndIsRethrown() {
        struct Boom: Error {}
        let queue = WorkQueue<Int>(count: 500, chunkSize: 5, window: 20)
        var consumed = 0
        #expect(throws: Boom.self) {
            try queue.run(threads: 2, work: { range in
                if range.contains(250) { throw Boom() }
                return Array(range)
            }, consume: { _, _ in consumed += 1 })
        }
        #expect(consumed <= 250)
    }
}
