import Foundation
@testable import Province
import Testing

/// Waits that end by their deadline even when the awaited work ignores cancellation (as a query
/// already sent to a silent database does).
///
/// The work here never ends until the test opens its gate, so a wait that returns at all was ended
/// by its deadline; no wall-clock bound is asserted, since in the full parallel run the test
/// process's threads can be busy for minutes and every timer fires late.
@Suite struct DeadlineTests {
    struct TimedOut: Error, Equatable {}

    /// Work that ignores cancellation and ends only when `open()` is called.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Int, Never>?
        private var isOpen = false

        func wait() async -> Int {
            await withCheckedContinuation { continuation in
                let openAlready = lock.withLock {
                    if isOpen { return true }
                    self.continuation = continuation
                    return false
                }
                if openAlready { continuation.resume(returning: 7) }
            }
        }

        func open() {
            let waiting: CheckedContinuation<Int, Never>? = lock.withLock {
                isOpen = true
                defer { continuation = nil }
                return continuation
            }
            waiting?.resume(returning: 7)
        }
    }

    @Test func givesUpOnWorkThatIgnoresCancellation() async throws {
        let gate = Gate()
        defer { gate.open() }
        await #expect(throws: TimedOut()) {
            try await Deadline.run(atMost: .milliseconds(300), TimedOut()) { await gate.wait() }
        }
    }

    @Test func returnsTheAnswerInTime() async throws {
        let gate = Gate()
        gate.open()
        // A limit far beyond any scheduling delay: the answer, not the timeout, must come first.
        #expect(try await Deadline.run(atMost: .seconds(500), TimedOut()) { await gate.wait() } == 7)
        await #expect(throws: CocoaError.self) {
            try await Deadline.run(atMost: .seconds(500), TimedOut()) { throw CocoaError(.fileNoSuchFile) }
        }
    }

    @Test func waitsForATaskAtMostTheLimit() async {
        let gate = Gate()
        let deaf = Task { _ = await gate.wait() }
        #expect(await Deadline.wait(for: deaf, atMost: .milliseconds(300)) == false)
        gate.open()
        #expect(await Deadline.wait(for: deaf, atMost: .seconds(500)))
    }
}
