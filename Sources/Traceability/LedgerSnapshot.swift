import LedgerStore
import Provenance
import Localization

/// What the traceability tools read from a ledger, decoded once and indexed: entries in `seq`
/// order and the stored checkpoints in the order they were made. One command works on one
/// snapshot, so it sees one consistent state of the ledger; lookups are dictionary reads, so
/// reports stay linear in the ledger's size.
public struct LedgerSnapshot: Sendable {
    public let entries: [LedgerEntry]
    public let checkpoints: [CheckpointRecord]
    public let origins: [Recorded<OriginRecord>]
    public let lots: [Recorded<LotRecord>]
    public let gradings: [Recorded<GradingRecord>]
    public let corrections: [Recorded<CorrectionRecord>]

    private let entryIndexBySeq: [Int: Int]
    private let originByCode: [String: Recorded<OriginRecord>]
    private let lotByCode: [String: Recorded<LotRecord>]
    private let lotsByOrigin: [String: [Recorded<LotRecord>]]
    private let gradingsByLot: [String: [Recorded<GradingRecord>]]
    private let correctionsByTarget: [Int: [Recorded<CorrectionRecord>]]

    public init(entries: [LedgerEntry], checkpoints: [CheckpointRecord]) {
        var unique: [Int: LedgerEntry] = [:]
        for entry in entries { unique[entry.seq] = entry }
        let sorted = unique.values.sorted { $0.seq < $1.seq }
        self.entries = sorted
        self.checkpoints = checkpoints
        var origins: [Recorded<OriginRecord>] = [], lots: [Recorded<LotRecord>] = []
        var gradings: [Recorded<GradingRecord>] = [], corrections: [Recorded<CorrectionRecord>] = []
        for entry in sorted {
            // An entry the rules do not accept is left out here; `verify` reports it.
            switch try? entry.record() {
            case .origin(let r): origins.append(Recorded(entry: entry, record: r))
            case .lot(let r): lots.append(Recorded(entry: entry, record: r))
            case .grading(let r): gradings.append(Recorded(entry: entry, record: r))
            case .correction(let r): corrections.append(Recorded(entry: entry, record: r))
            case .key, nil: break
            }
        }
        self.origins = origins
        self.lots = lots
        self.gradings = gradings
        self.corrections = corrections
        entryIndexBySeq = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1.seq, $0) })
        // The ledger registers each origin and lot code once; keep the first should a damaged
        // ledger hold two.
        originByCode = Dictionary(origins.map { ($0.record.originCode, $0) }, uniquingKeysWith: { first, _ in first })
        lotByCode = Dictionary(lots.map { ($0.record.lotCode, $0) }, uniquingKeysWith: { first, _ in first })
        lotsByOrigin = Dictionary(grouping: lots, by: \.record.originCode)
        gradingsByLot = Dictionary(grouping: gradings, by: \.record.lotCode)
        correctionsByTarget = Dictionary(grouping: corrections, by: \.record.corrects)
    }

    /// Reads every entry and checkpoint; throws when an entry below the ledger's size is missing.
    public init(reading ledger: Ledger) throws {
        let size = try ledger.size()
        let entries = try ledger.entries(seqs: 0..<size)
        if entries.count != size {
            let missing = zip(entries, 0...).first { $0.seq != $1 }?.1 ?? entries.count
            throw LedgerError.corruptEntry(seq: missing, reason: Message("missing (the ledger has {size} entries but only {entries_count} rows)", ["size": .text("\(size)"), "entries_count": .text("\(entries.count)")]))
        }
        self.init(entries: entries, checkpoints: try ledger.checkpoints().map(CheckpointRecord.init))
    }

    public func entry(seq: Int) -> LedgerEntry? { entryIndexBySeq[seq].map { entries[$0] } }
    public func origin(code: String) -> Recorded<OriginRecord>? { originByCode[code] }
    public func lot(code: String) -> Recorded<LotRecord>? { lotByCode[code] }
    public func lots(originCode: String) -> [Recorded<LotRecord>] { lotsByOrigin[originCode] ?? [] }
    public func gradings(lotCode: String) -> [Recorded<GradingRecord>] { gradingsByLot[lotCode] ?? [] }
    public func corrections(of seqs: Set<Int>) -> [Recorded<CorrectionRecord>] {
        seqs.flatMap { correctionsByTarget[$0] ?? [] }.sorted { $0.seq < $1.seq }
    }

    /// The most recent checkpoint whose tree contains every one of `seqs`.
    public func latestCheckpoint(covering seqs: [Int]) -> CheckpointRecord? {
        let needed = (seqs.max() ?? -1) + 1
        return checkpoints.last { $0.treeSize >= needed }
    }
}

extension LedgerSnapshot {
    /// Only the entries a trace of `query` can touch, through the ledger's indexed lookups: the
    /// lot's or origin's entries, the origins of those lots, the lots of those origins, and
    /// every correction (corrections are few, and one need not repeat the lot code it amends).
    /// `ProvenanceTrace` on this gives the same result as on the whole ledger.
    public init(relevantTo query: String, in ledger: Ledger) throws {
        var entries = try ledger.entries(type: .correction)
        var lotCodes: Set<String> = [query]
        if let identifier = LotIdentifier(uri: query) { lotCodes.insert(identifier.lot) }
        var originCodes: Set<String> = [query]
        for code in lotCodes {
            for entry in try ledger.entries(lotCode: code) {
                entries.append(entry)
                if case .lot(let lot) = try entry.record() { originCodes.insert(lot.originCode) }
            }
        }
        for code in originCodes {
            for entry in try ledger.entries(originCode: code) {
                entries.append(entry)
                if code == query, case .lot(let lot) = try entry.record(), !lotCodes.contains(lot.lotCode) {
                    entries += try ledger.entries(lotCode: lot.lotCode)
                }
            }
        }
        self.init(entries: entries, checkpoints: try ledger.checkpoints().map(CheckpointRecord.init))
    }

    /// Reads entry by entry, skipping any that no longer decode (a tampered ledger), and any
    /// malformed checkpoint list; for reports that must show what is left. Verification, not
    /// this reader, is what says whether the ledger can be trusted.
    public init(readingLeniently ledger: Ledger) {
        self.init(entries: (try? ledger.readableEntries().entries) ?? [],
                  checkpoints: ((try? ledger.checkpoints()) ?? []).map(CheckpointRecord.init))
    }
}

extension LedgerSnapshot {
    /// The state of lot `code` from its entries here: the lot, its gradings, the origin it names
    /// now (after corrections of the lot) and every correction of these. Nil for an unknown lot;
    /// throws when the entries do not form one lot's record.
    public func lotState(code: String) throws(LotStateError) -> LotState? {
        guard let lot = lot(code: code) else { return nil }
        return try state(of: lot)
    }

    /// Every lot's state, in ledger order; a lot whose entries do not form one record is
    /// returned as its error (`ledger verify` names the entry).
    public func lotStates() -> [(code: String, state: Result<LotState, LotStateError>)] {
        lots.map { lot in (lot.record.lotCode, Result { () throws(LotStateError) in try state(of: lot) }) }
    }

    private func state(of lot: Recorded<LotRecord>) throws(LotStateError) -> LotState {
        var seqs = Set([lot.seq] + gradings(lotCode: lot.record.lotCode).map(\.seq))
        var originCode = lot.record.originCode
        for correction in corrections(of: [lot.seq]) {
            if case .string(let changed)? = correction.record.changes["origin_code"] { originCode = changed }
        }
        if let origin = origin(code: originCode) { seqs.insert(origin.seq) }
        // Corrections of corrections are followed too, until nothing new turns up.
        var frontier = seqs
        while !frontier.isEmpty {
            let found = Set(corrections(of: frontier).map(\.seq)).subtracting(seqs)
            seqs.formUnion(found)
            frontier = found
        }
        return try LotState(entries: seqs.sorted().compactMap(entry(seq:)))
    }
}
