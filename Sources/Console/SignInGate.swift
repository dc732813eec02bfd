import Foundation

/// Password checks are slow on purpose (bcrypt) and each takes a core: unbounded, a flood of
/// sign-ins (with made-up names, which cost the same work) would keep real ones waiting for
/// seconds and stall every page. At most `checksAtOnce` run at once, on their own threads (not
/// Swift's cooperative pool, which serves the pages), at most `waitingAtMost` more wait their turn
/// (so none waits longer than a few checks), and any other try is refused at once, counting for
/// nothing, whatever its name.
final class SignInGate: @unchecked Sendable {
    static let checksAtOnce = 2
    static let waitingAtMost = 8

    let slots: Int
    let waiting: Int
    private let lock = NSLock()
    private var running = 0
    private var queue: [CheckedContinuation<Bool, Never>] = []
    private let threads = DispatchQueue(label: "agritrace.console.sign-in", attributes: .concurrent)

    init(slots: Int = SignInGate.checksAtOnce, waiting: Int = SignInGate.waitingAtMost) {
        precondition(slots > 0 && waiting >= 0)
        self.slots = slots
        self.waiting = waiting
    }

    /// `body`'s result, or nil (at once) when every slot and waiting place is taken.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T? {
        guard await enter() else { return nil }
        defer { leave() }
        return try await withCheckedThrowingContinuation { continuation in
            threads.async { continuation.resume(with: Result { try body() }) }
        }
    }

    private func enter() async -> Bool {
        await withCheckedContinuation { continuation in
            let answer: Bool? = lock.withLock {
                if running < slots { running += 1; return true }
                if queue.count < waiting { queue.append(continuation); return nil }
                return false
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    /// Hands the slot to the longest waiting try, if any.
    private func leave() {
        let next: CheckedContinuation<Bool, Never>? = lock.withLock {
            if queue.isEmpty { running -= 1; return nil }
            return queue.removeFirst()
        }
        next?.resume(returning: true)
    }
}
