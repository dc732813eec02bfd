import Foundation
import LedgerStore
import Provenance

/// Read-only connections to the ledger, one per request at a time. A `Ledger` wraps one SQLite
/// connection and is not thread-safe, so requests check one out and give it back; SQLite's WAL
/// mode lets them read while `grade` appends in another process, each read seeing a committed state.
final class LedgerReaders: @unchecked Sendable {
    let path: String
    let origin: String
    private let lock = NSLock()
    private var idle: [Ledger] = []
    private let maxIdle: Int

    /// Opens one connection now, so a missing or foreign file is reported at start-up.
    init(path: String, maxIdle: Int = 8) throws {
        self.path = path
        self.maxIdle = maxIdle
        let first = try Ledger(provenanceAt: path, readOnly: true)
        origin = first.origin
        idle = [first]
    }

    func withLedger<T>(_ body: (Ledger) throws -> T) throws -> T {
        lock.lock()
        let reused = idle.popLast()
        lock.unlock()
        let ledger = try reused ?? Ledger(provenanceAt: path, readOnly: true)
        defer {
            lock.lock()
            if idle.count < maxIdle { idle.append(ledger) }
            lock.unlock()
        }
        return try body(ledger)
    }
}
