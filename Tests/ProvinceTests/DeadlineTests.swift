import Foundation
@testable import Province
import Testing

/// Waits that end by their deadline even when the awaited work ignores cancellation (as a query
/// already sent to a silent database does).
@Suite struct DeadlineTests {
    struct TimedOut: Error, Equatable {}

    /// Work that ignores cancellation and ends after `delay`.
    static func deaf(_ delay: Double) async -> Int {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { continuation.resume(returning: 7) }
        }
    }

    // The deaf work takes 120 s; ending well before it shows the wait did not wait for it (with
    // room for a loaded machine, where a timer can fire seconds late).
    @Test func givesUpOnWorkThatIgnoresCancellation() async throws {
        let started = ContinuousClock.now
        await #expect(throws: TimedOut()) {
            try await Deadline.run(atMost: .milliseconds(300), TimedOut()) { await Self.deaf(120) }
        }
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func returnsTheAnswerInTime() async throws {
        #expect(try await Deadline.run(atMost: .seconds(30), TimedOut()) { await Self.deaf(0.05) } == 7)
        await #expect(throws: CocoaError.self) {
            try await Deadline.run(atMost: .seconds(30), TimedOut()) { throw CocoaError(.fileNoSuchFile) }
        }
    }

    @Test func waitsForATaskAtMostTheLimit() async {
        let deaf = Task { _ = await Self.deaf(120) }
        let started = ContinuousClock.now
        #expect(await Deadline.wait(for: deaf, atMost: .milliseconds(300)) == false)
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(await Deadline.wait(for: Task {}, atMost: .seconds(30)))
    }
}
