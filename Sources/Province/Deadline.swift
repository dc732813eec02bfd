import Foundation

/// Waits that end by a deadline even when the awaited work does not. Cancelling a task is only a
/// request: a query already sent to a database that stopped answering, or a pool still waiting for
/// a connection to report its close, does not end when cancelled, and a task group would wait for
/// it. These wait beside the work instead and give up on it (cancelled) when time is up.
enum Deadline {
    /// `operation`'s result, or `timeoutError` once `limit` has passed (`operation` is then cancelled
    /// and left to end on its own). Cancelling the caller gives up at once with `CancellationError`.
    static func run<T: Sendable>(atMost limit: Duration, _ timeoutError: @autoclosure () -> any Error,
                                 _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await operation() }
        let failure = timeoutError()
        let outcome = await withTaskCancellationHandler {
            await first(of: { await work.result }, orAfter: limit, { .failure(failure) })
        } onCancel: {
            work.cancel()
        }
        if case .failure = outcome { work.cancel() }
        try Task.checkCancellation()
        return try outcome.get()
    }

    /// Whether `task` ended within `limit` (the caller's cancellation does not shorten the wait:
    /// it is how long a task is given to clean up).
    static func wait(for task: Task<Void, Never>, atMost limit: Duration) async -> Bool {
        await first(of: { await task.value; return true }, orAfter: limit, { false })
    }

    /// `value()`'s answer, or `fallback()` once `limit` has passed, whichever comes first.
    private static func first<T: Sendable>(of value: @escaping @Sendable () async -> T, orAfter limit: Duration,
                                           _ fallback: @escaping @Sendable () -> T) async -> T {
        let answer = Answer<T>()
        return await withCheckedContinuation { continuation in
            answer.set(continuation)
            let waiter = Task { answer.give(await value()) }
            // Detached: a cancelled caller's timer would end its sleep at once.
            let timer = Task.detached {
                try? await Task.sleep(for: limit)
                answer.give(fallback())
                waiter.cancel()
            }
            answer.onGiven { timer.cancel() }
        }
    }
}

/// A continuation resumed by the first of several racers; the others' answers are dropped.
private final class Answer<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Never>?
    private var early: T?
    private var given = false
    private var whenGiven: [@Sendable () -> Void] = []

    func set(_ continuation: CheckedContinuation<T, Never>) {
        let ready: T? = lock.withLock {
            if let early { return early }
            self.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    func give(_ value: T) {
        let (continuation, actions): (CheckedContinuation<T, Never>?, [@Sendable () -> Void]) = lock.withLock {
            guard !given else { return (nil, []) }
            given = true
            guard let continuation = self.continuation else {
                early = value
                return (nil, whenGiven)
            }
            self.continuation = nil
            return (continuation, whenGiven)
        }
        continuation?.resume(returning: value)
        actions.forEach { $0() }
    }

    func onGiven(_ action: @escaping @Sendable () -> Void) {
        let now = lock.withLock {
            if given { return true }
            whenGiven.append(action)
            return false
        }
        if now { action() }
    }
}
