/// Everything the traceability tools read from a ledger, decoded once: entries in `seq`
/// order and the stored checkpoints in the order they were made.
public struct LedgerSnapshot: Sendable {
    public let entries: [RecordedEntry]
    public let checkpoints: [CheckpointRecord]

    public init(entries: [RecordedEntry], checkpoints: [CheckpointRecord]) {
        self.entries = entries.sorted { $0.seq < $1.seq }
        self.checkpoints = checkpoints
    }

    public var origins: [OriginRecord] { entries.compactMap(OriginRecord.init) }
    public var lots: [LotRecord] { entries.compactMap(LotRecord.init) }
    public var gradings: [GradingRecord] { entries.compactMap(GradingRecord.init) }
    public var corrections: [CorrectionRecord] { entries.compactMap(CorrectionRecord.init) }

    public func entry(seq: Int) -> RecordedEntry? {
        // Entries are normally contiguous from 0, so try the direct index first.
        if seq >= 0, seq < entries.count, entries[seq].seq == seq { return entries[seq] }
        return entries.first { $0.seq == seq }
    }

    /// The latest registration of an origin code (a re-registration supersedes the first).
    public func origin(code: String) -> OriginRecord? { origins.last { $0.originCode == code } }

    public func lots(code: String) -> [LotRecord] { lots.filter { $0.lotCode == code } }
    public func lots(originCode: String) -> [LotRecord] { lots.filter { $0.originCode == originCode } }
    public func gradings(lotCode: String) -> [GradingRecord] { gradings.filter { $0.lotCode == lotCode } }
    public func corrections(of seqs: Set<Int>) -> [CorrectionRecord] {
        corrections.filter { $0.correctedSeq.map(seqs.contains) ?? false }
    }

    /// The most recent checkpoint that contains every one of `seqs`.
    public func latestCheckpoint(covering seqs: [Int]) -> CheckpointRecord? {
        let needed = (seqs.max() ?? -1) + 1
        return checkpoints.filter { $0.treeSize >= needed }.max { $0.treeSize < $1.treeSize }
    }
}
