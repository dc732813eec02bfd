import LedgerStore

/// A typed ledger record together with the entry that carries it (seq, time, leaf hash).
public struct Recorded<Record: Sendable>: Sendable {
    public let entry: LedgerEntry
    public let record: Record

    public var seq: Int { entry.seq }
    public var recordedAt: String { entry.recordedAt }
    public var leafHashHex: String { entry.leafHash.hex }
}
