import Foundation

/// Where `recorded_at` comes from. `.system` is the wall clock; `.fixed` makes ledgers
/// reproducible (same input, same bytes, same hashes). The CLI uses `.fixed` when the
/// `SOURCE_DATE_EPOCH` environment variable is set.
public struct LedgerClock: Sendable {
    public let millisecondsSinceEpoch: @Sendable () -> Int64

    public init(_ millisecondsSinceEpoch: @escaping @Sendable () -> Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    public static let system = LedgerClock { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    public static func fixed(millisecondsSinceEpoch ms: Int64) -> LedgerClock { LedgerClock { ms } }

    /// `.fixed` from `SOURCE_DATE_EPOCH` (seconds) when set and valid, else `.system`. A value
    /// later than the system clock is taken as the clock's time: entries' times never decrease,
    /// so one future stamp would pin every later entry of the ledger to it.
    public static func fromEnvironment() -> LedgerClock {
        if let text = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let seconds = Int64(text), seconds >= 0 {
            let now = system.millisecondsSinceEpoch()
            return .fixed(millisecondsSinceEpoch: seconds > now / 1000 ? now : seconds * 1000)
        }
        return .system
    }
}
