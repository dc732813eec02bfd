import LedgerStore
import Provenance
import Testing

/// The grading entry records the policy's confidence in the lot grade (`lot_confidence_bp`).
@Suite struct GradingConfidenceTests {
    static func grading(confidence: String?) throws -> ProvenanceRecord {
        let hex = String(repeating: "ab", count: 32)
        let field = confidence.map { ",\"lot_confidence_bp\":\($0)" } ?? ""
        let json = """
            {"type":"grading","lot_code":"DT-LV-261103-01","model":"\(hex)","policy":"\(hex)",\
            "images":[{"file":"IMG_1.jpg","sha256":"\(hex)","class":0,"scores_bp":[6000,4000],"grade":"Premium","needs_review":true}],\
            "lot_grade":"Premium","distribution":{"Premium":1},"needs_review":1,"held":true,"hold_reason":"lot_grade_uncertain"\(field)}
            """
        return try ProvenanceRecord(EntryBody(json: Array(json.utf8)).normalised())
    }

    static func confidence(_ record: ProvenanceRecord) -> Int?? {
        guard case .grading(let grading) = record else { return .none }
        return .some(grading.lotConfidenceBP)
    }

    @Test func theConfidenceIsRecordedReadBackAndOptional() throws {
        for value in [0, 1, 5_999, 9_999] {
            let record = try Self.grading(confidence: String(value))
            #expect(Self.confidence(record) == .some(value))
            #expect(Self.confidence(try ProvenanceRecord(record.body)) == .some(value), "the stored form reads back")
        }
        // Entries written before the field existed.
        #expect(Self.confidence(try Self.grading(confidence: nil)) == .some(nil))
    }

    /// The one validator, as written and as stored: basis points are whole numbers in 0...10000.
    @Test func valuesThatAreNotBasisPointsAreRefused() throws {
        for bad in ["-1", "10001", "9223372036854775807", "1.5", "1e3", "\"6000\"", "null", "true"] {
            #expect(throws: (any Error).self, "\(bad)") { try Self.grading(confidence: bad) }
        }
        var fields = try Self.grading(confidence: "6000").body.fields
        fields["lot_confidence_bp"] = .integer(10_001)
        #expect(throws: EntryError.self) { try ProvenanceRecord(EntryBody(type: "grading", fields: fields)) }
        let made = GradingRecord(lotCode: "DT-LV-261103-01", model: String(repeating: "ab", count: 32), policy: String(repeating: "ab", count: 32),
                                 uploadDigest: nil, images: [], lotGrade: "Premium", distribution: [:], needsReview: 0, lotConfidenceBP: -5)
        #expect(throws: EntryError.self, "what the writer would sign, the reader refuses: so does the writer's check") {
            try ProvenanceRecord(ProvenanceRecord.grading(made).body)
        }
    }

    /// The hold and the confidence beside it tell one story, as the grader writes them.
    @Test func aHoldThatContradictsItsNumbersIsRefused() throws {
        let uncertainButSure = #expect(throws: EntryError.self) { try Self.grading(confidence: "10000") }
        #expect(uncertainButSure?.description.contains("cannot go with hold_reason lot_grade_uncertain") == true, "\(String(describing: uncertainButSure))")
        var fields = try Self.grading(confidence: "6000").body.fields
        fields["hold_reason"] = .string("no_readable_photos")
        let noneReadable = #expect(throws: EntryError.self) { try ProvenanceRecord(EntryBody(type: "grading", fields: fields)) }
        #expect(noneReadable?.description.contains("no_readable_photos, but the lot has a readable photo") == true, "\(String(describing: noneReadable))")
        fields["images"] = .array([.object(["file": "IMG_1.jpg", "sha256": .string(String(repeating: "ab", count: 32)), "status": "unreadable", "reason": "Not a JPEG file"])])
        let confidenceWithoutPhotos = #expect(throws: EntryError.self) { try ProvenanceRecord(EntryBody(type: "grading", fields: fields)) }
        #expect(confidenceWithoutPhotos?.description.contains("only for a lot with a readable photo") == true, "\(String(describing: confidenceWithoutPhotos))")
        fields["lot_confidence_bp"] = nil
        fields["distribution"] = .object(["Premium": 0])
        fields["needs_review"] = 0
        #expect(throws: Never.self, "no readable photo, no confidence: as the grader writes it") { try ProvenanceRecord(EntryBody(type: "grading", fields: fields)) }
    }
}
