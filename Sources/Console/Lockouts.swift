/// The lock-out rule's state (`Accounts.lockAfterFailures`, `Accounts.lockSeconds`): failed
/// sign-ins in a row per name, in memory, kept alike for names that have an account and names
/// that do not, so neither the answers nor when a lock starts tell which names exist.
///
/// A try is counted when it starts (`begin`), before its password is checked, under the caller's
/// lock: parallel tries cannot all read the same count and pass the limit together.
///
/// At most `capacity` names are kept, so a flood of made-up names cannot grow memory. When full,
/// the name tried longest ago is forgotten (its count starts again), whoever has it; a name whose
/// password is being checked is never forgotten, and those are as few as the checks running at once.
struct Lockouts {
    struct Entry {
        var failed = 0
        /// Tries started whose passwords are still being checked.
        var pending = 0
        var lockedUntil = 0
        var lastTry = 0
        /// The account's password stamp (empty for a name without one): a new password, or the
        /// account added, starts the count again and lifts a lock.
        var stamp: String
    }

    enum Start: Equatable {
        /// Check the password, then call `finish`.
        case check
        /// Refused without checking a password.
        case locked(until: Int)
    }

    let capacity: Int
    private(set) var entries: [String: Entry] = [:]

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Starts a try of `name` at `now` (seconds since 1970).
    mutating func begin(name: String, stamp: String, now: Int) -> Start {
        var entry = entries[name] ?? Entry(stamp: stamp)
        if entry.stamp != stamp { entry = Entry(pending: entry.pending, stamp: stamp) }
        if entry.lockedUntil > now { return .locked(until: entry.lockedUntil) }
        // Tries still being checked count already: if they all fail, they reach the limit.
        if entry.failed + entry.pending >= Accounts.lockAfterFailures { return .locked(until: now + Accounts.lockSeconds) }
        entry.pending += 1
        entry.lastTry = now
        if entries[name] == nil { makeRoom(now: now) }
        entries[name] = entry
        return .check
    }

    /// Ends a try that `begin` allowed; returns when the lock ends if this failure locked the name.
    mutating func finish(name: String, matched: Bool, now: Int) -> Int? {
        guard var entry = entries[name] else { return nil }
        entry.pending -= 1
        var lockEnd: Int? = nil
        if matched {
            entry.failed = 0
            entry.lockedUntil = 0
        } else {
            entry.failed += 1
            if entry.failed >= Accounts.lockAfterFailures {
                entry.failed = 0
                entry.lockedUntil = now + Accounts.lockSeconds
                lockEnd = entry.lockedUntil
            }
        }
        entries[name] = Self.isBlank(entry, now: now) ? nil : entry
        return lockEnd
    }

    /// Nothing to remember: the same as a name never tried.
    private static func isBlank(_ entry: Entry, now: Int) -> Bool {
        entry.pending == 0 && entry.failed == 0 && entry.lockedUntil <= now
    }

    private mutating func makeRoom(now: Int) {
        guard entries.count >= capacity else { return }
        entries = entries.filter { !Self.isBlank($0.value, now: now) }
        guard entries.count >= capacity,
              let oldest = entries.filter({ $0.value.pending == 0 }).min(by: { $0.value.lastTry < $1.value.lastTry }) else { return }
        entries[oldest.key] = nil
    }
}
