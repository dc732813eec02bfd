import LedgerStore

/// Everything the traceability tools read from a ledger, decoded once: entries in `seq`
/// order and the stored checkpoints in the order they were made. Reports and exports are
/// built from a snapshot so one command sees one consistent state of the ledger.
public struct LedgerSnapshot: Sendable {
    public let entries: [LedgerEntry]
    public let checkpoints: [CheckpointRecord]

    public init(entries: [LedgerEntry], checkpoints: [CheckpointRecord]) {
        self.entries = entries.sorted { $0.seq < $1.seq }
        self.checkpoints = checkpoints
    }

    /// Reads every entry and checkpoint (inside one read transaction of the ledger's making).
    public init(reading ledger: Ledger) throws {
        let size = try ledger.size()
        self.init(entries: try ledger.entries(seqs: 0..<size),
                  checkpoints: try ledger.checkpoints().map(CheckpointRecord.init))
    }

    public var origins: [Recorded<OriginRecord>] {
        entries.compactMap { if case .origin(let r) = $0.body { return Recorded(entry: $0, record: r) }; return nil }
    }
    public var lots: [Recorded<LotRecord>] {
        entries.compactMap { if case .lot(let r) = $0.body { return Recorded(entry: $0, record: r) }; return nil }
    }
    public var gradings: [Recorded<GradingRecord>] {
        entries.compactMap { if case .grading(let r) = $0.body { return Recorded(entry: $0, record: r) }; return nil }
    }
    public var corrections: [Recorded<CorrectionRecord>] {
        entries.compactMap { if case .correction(let r) = $0.body { return Recorded(entry: $0, record: r) }; return nil }
    }

    public func entry(seq: Int) -> LedgerEntry? {
        // Entries are contiguous from 0 in a sound ledger, so try the direct index first.
        if seq >= 0, seq < entries.count, entries[seq].seq == seq { return entries[seq] }
        return entries.first { $0.seq == seq }
    }

    public func origin(code: String) -> Recorded<OriginRecord>? { origins.first { $0.record.originCode == code } }
    public func lot(code: String) -> Recorded<LotRecord>? { lots.first { $0.record.lotCode == code } }
    public func lots(originCode: String) -> [Recorded<LotRecord>] { lots.filter { $0.record.originCode == originCode } }
    public func gradings(lotCode: String) -> [Recorded<GradingRecord>] { gradings.filter { $0.record.lotCode == lotCode } }
    public func corrections(of seqs: Set<Int>) -> [Recorded<CorrectionRecord>] {
        corrections.filter { seqs.contains($0.record.corrects) }
    }

    /// The most recent checkpoint whose tree contains every one of `seqs`.
    public func latestCheckpoint(covering seqs: [Int]) -> CheckpointRecord? {
        let needed = (seqs.max() ?? -1) + 1
        return checkpoints.last { $0.treeSize >= needed }
    }
}

extension LedgerSnapshot {
    /// Reads entry by entry, skipping any that no longer decode (a tampered ledger), and any
    /// malformed checkpoint list; for reports that must show what is left. Verification, not
    /// this reader, is what says whether the ledger can be trusted.
    public init(readingLeniently ledger: Ledger) {
        let size = (try? ledger.size()) ?? 0
        let entries = (try? ledger.entries(seqs: 0..<size))
            ?? (0..<size).compactMap { seq in (try? ledger.entry(seq: seq)) ?? nil }
        self.init(entries: entries, checkpoints: ((try? ledger.checkpoints()) ?? []).map(CheckpointRecord.init))
    }
}
