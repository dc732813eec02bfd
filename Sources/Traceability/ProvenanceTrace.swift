/// What a trace query asked for, as understood.
public enum TraceQuery: Equatable, Sendable {
    case lot(String)
    case identifier(LotIdentifier)
    case origin(String)
}

/// Why a trace found nothing.
public struct TraceError: Error, CustomStringConvertible, Sendable {
    public let query: String
    public let reason: String
    public var description: String { "no record for \"\(query)\": \(reason)" }
}

/// The provenance of a lot or an origin code: every related entry in ledger order
/// (origin registration, lots, gradings, corrections) and the latest checkpoint covering them.
public struct ProvenanceTrace: Sendable {
    public let query: String
    public let resolved: TraceQuery
    public let entries: [RecordedEntry]
    public let checkpoint: CheckpointRecord?

    /// Resolves `query` as a GS1 Digital Link / fallback URI, a lot code or an origin code,
    /// in that order (a lot code and an origin code are distinct by the ledger's domain rules).
    public init(query: String, in ledger: LedgerSnapshot) throws {
        self.query = query
        var lotCodes: [String] = []
        var originCodes: [String] = []
        if let identifier = LotIdentifier(uri: query) {
            let lots = ledger.lots(code: identifier.lot)
            guard !lots.isEmpty else {
                throw TraceError(query: query, reason: "the ledger has no lot \"\(identifier.lot)\"")
            }
            if case .digitalLink(let gtin, _) = identifier,
               !lots.contains(where: { LotIdentifier.normalisedGTIN($0.gtin ?? "") == gtin }) {
                throw TraceError(query: query, reason: "lot \"\(identifier.lot)\" is recorded, but not with GTIN \(gtin)")
            }
            resolved = .identifier(identifier)
            lotCodes = [identifier.lot]
        } else if !ledger.lots(code: query).isEmpty {
            resolved = .lot(query)
            lotCodes = [query]
        } else if ledger.origin(code: query) != nil || !ledger.lots(originCode: query).isEmpty {
            resolved = .origin(query)
            originCodes = [query]
            lotCodes = ledger.lots(originCode: query).map(\.lotCode)
        } else {
            throw TraceError(query: query, reason: "it is not a lot code, origin code or lot URI recorded in this ledger")
        }

        var seqs = Set<Int>()
        for code in lotCodes {
            for lot in ledger.lots(code: code) {
                seqs.insert(lot.entry.seq)
                if let origin = lot.originCode { originCodes.append(origin) }
            }
            for grading in ledger.gradings(lotCode: code) { seqs.insert(grading.entry.seq) }
        }
        for code in Set(originCodes) {
            for origin in ledger.origins where origin.originCode == code { seqs.insert(origin.entry.seq) }
        }
        // Corrections of corrections are followed too, until nothing new turns up.
        var frontier = seqs
        while !frontier.isEmpty {
            let found = Set(ledger.corrections(of: frontier).map(\.entry.seq)).subtracting(seqs)
            seqs.formUnion(found)
            frontier = found
        }
        entries = seqs.sorted().compactMap(ledger.entry(seq:))
        checkpoint = ledger.latestCheckpoint(covering: Array(seqs))
    }
}
