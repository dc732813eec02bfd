import LedgerStore
import Localization

/// The provenance of a lot or an origin code: every related entry in ledger order
/// (origin registration, lots, gradings, corrections) and the latest checkpoint covering them.
public struct ProvenanceTrace: Sendable {
    public let query: String
    public let resolved: TraceQuery
    public let entries: [LedgerEntry]
    public let checkpoint: CheckpointRecord?
    /// Where each traced lot stands now (`LotState`: held, a reviewer's grade, or the grading's),
    /// by lot code in ledger order; a lot whose entries do not form one record is its error.
    public let lotStates: [(code: String, state: Result<LotState, LotStateError>)]

    /// Resolves `query` as a GS1 Digital Link or fallback URI, a lot code, or an origin code, in
    /// that order (the ledger keeps lot codes and origin codes unique within their kind).
    public init(query: String, in ledger: LedgerSnapshot) throws {
        self.query = query
        var lotCodes: [String] = []
        var originCodes: [String] = []
        if let identifier = LotIdentifier(uri: query) {
            guard let lot = ledger.lot(code: identifier.lot) else {
                throw TraceError(query: query, reason: Message("the ledger has no lot \"{lot}\"", ["lot": .text(identifier.lot)]))
            }
            if case .digitalLink(let gtin, _) = identifier, lot.record.gtin != gtin {
                throw TraceError(query: query, reason: lot.record.gtin.map {
                    Message("lot \"{lot}\" is recorded with GTIN {recorded}, not GTIN {gtin}",
                            ["lot": .text(identifier.lot), "recorded": .text($0), "gtin": .text(gtin)])
                } ?? Message("lot \"{lot}\" is recorded with no GTIN, not GTIN {gtin}", ["lot": .text(identifier.lot), "gtin": .text(gtin)]))
            }
            resolved = .identifier(identifier)
            lotCodes = [identifier.lot]
        } else if ledger.lot(code: query) != nil {
            resolved = .lot(query)
            lotCodes = [query]
        } else if ledger.origin(code: query) != nil {
            resolved = .origin(query)
            originCodes = [query]
            lotCodes = ledger.lots(originCode: query).map(\.record.lotCode)
        } else {
            throw TraceError(query: query, reason: Message("it is not a lot code, origin code or lot URI recorded in this ledger"))
        }

        var seqs = Set<Int>()
        for code in lotCodes {
            if let lot = ledger.lot(code: code) {
                seqs.insert(lot.seq)
                originCodes.append(lot.record.originCode)
            }
            for grading in ledger.gradings(lotCode: code) { seqs.insert(grading.seq) }
        }
        for code in Set(originCodes) {
            if let origin = ledger.origin(code: code) { seqs.insert(origin.seq) }
        }
        // Corrections of corrections are followed too, until nothing new turns up.
        var frontier = seqs
        while !frontier.isEmpty {
            let found = Set(ledger.corrections(of: frontier).map(\.seq)).subtracting(seqs)
            seqs.formUnion(found)
            frontier = found
        }
        entries = seqs.sorted().compactMap(ledger.entry(seq:))
        lotStates = ledger.lotStates().filter { lotCodes.contains($0.code) }
        checkpoint = ledger.latestCheckpoint(covering: Array(seqs))
    }
}
