import LedgerStore
import MerkleLog
import Provenance

/// `GradingLedger` over an open `Ledger`, signing every entry with the cooperative's key.
public final class LedgerGradingStore: GradingLedger {
    public let ledger: Ledger
    private let signer: NoteSigner
    /// The console account grading, recorded in every entry appended (`Attribution`); nil from the CLI.
    private let recordedBy: String?

    public init(ledger: Ledger, signer: NoteSigner, recordedBy: String? = nil) {
        self.ledger = ledger
        self.signer = signer
        self.recordedBy = recordedBy
    }

    /// The ledger's origin line (its checkpoint name, by default the cooperative key's name).
    public func configuredCooperative() throws -> String? { ledger.origin }

    public func originRegistration(_ code: String) throws -> OriginRecord? {
        guard let entry = try ledger.originRegistration(code), case .origin(let origin) = try entry.record() else { return nil }
        return origin
    }

    public func register(origins: [OriginRecord]) throws -> Int {
        let missing = try origins.filter { try !ledger.isOriginRegistered($0.originCode) }
        guard !missing.isEmpty else { return 0 }
        do {
            return try ledger.append(missing.map(ProvenanceRecord.origin), signer: signer, recordedBy: recordedBy).appended.count
        } catch LedgerError.rejectedEntry {
            // Another run registered some of them between the check and the append: retry once
            // with what is still missing.
            let stillMissing = try origins.filter { try !ledger.isOriginRegistered($0.originCode) }
            guard !stillMissing.isEmpty else { return 0 }
            return try ledger.append(stillMissing.map(ProvenanceRecord.origin), signer: signer, recordedBy: recordedBy).appended.count
        }
    }

    public func isLotRecorded(_ lotCode: String) throws -> Bool { try ledger.isLotRegistered(lotCode) }

    public func recordedUpload(lotCode: String, uploadDigest: String) throws -> RecordedUpload? {
        let entries = try ledger.entries(recording: IdempotencyKey(lotCode: lotCode, uploadDigest: uploadDigest))
        for entry in entries {
            if case .grading(let grading) = try entry.record() {
                let lotSeq = entries.first { $0.type == RecordType.lot.rawValue }?.seq
                // Corrections carry the lot code, so the lot's entries hold every one of them.
                return RecordedUpload(lotSeq: lotSeq, gradingSeq: entry.seq, grading: grading,
                                      current: CurrentGrading(lotEntries: try ledger.entries(lotCode: lotCode)))
            }
        }
        return nil
    }

    public func append(lot: LotRecord, grading: GradingRecord) throws -> LotAppendOutcome {
        let key = IdempotencyKey(lotCode: lot.lotCode, uploadDigest: grading.uploadDigest ?? "")
        let result = try ledger.append([.lot(lot), .grading(grading)], signer: signer, idempotencyKey: key, recordedBy: recordedBy)
        if result.alreadyRecorded { return .alreadyRecorded }
        return .appended(lotSeq: result.appended[0].seq, gradingSeq: result.appended[1].seq)
    }

    public func treeSize() throws -> Int { try ledger.size() }
}
