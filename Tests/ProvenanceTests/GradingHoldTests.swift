import LedgerStore
import Provenance
import Testing

/// The grading policy's hold is part of the signed grading entry: `"held": true`, absent when
/// not held (so entries written before the field existed read as not held), and released only by
/// a correction that sets the lot grade (a person decided).
@Suite struct GradingHoldTests {
    /// A grading body as a person writes it, with `held` spelled as given (nil = no field).
    static func grading(held: String?, lotGrade: String = "Premium") throws -> ProvenanceRecord {
        let hex = String(repeating: "ab", count: 32)
        let heldField = held.map { ",\"held\":\($0)" } ?? ""
        let json = """
            {"type":"grading","lot_code":"DT-LV-261103-01","model":"\(hex)","policy":"\(hex)",\
            "images":[{"file":"IMG_1.jpg","sha256":"\(hex)","class":0,"scores_bp":[6000,4000],"grade":"Premium","needs_review":true}],\
            "lot_grade":"\(lotGrade)","distribution":{"Premium":1},"needs_review":1\(heldField)}
            """
        return try ProvenanceRecord(EntryBody(json: Array(json.utf8)).normalised())
    }

    static func record(_ record: ProvenanceRecord) throws -> GradingRecord {
        guard case .grading(let grading) = record else { throw EntryError.unknownType("not a grading") }
        return grading
    }

    @Test func aGradingWrittenBeforeTheFieldExistedReadsAsNotHeld() throws {
        let old = try Self.record(Self.grading(held: nil))
        #expect(!old.held)
        #expect(!old.isHeld(correctedBy: []))
    }

    @Test func theHoldIsRecordedAsTrueOnlyAndSurvivesTheStoredForm() throws {
        let held = try Self.grading(held: "true")
        let grading = try Self.record(held)
        #expect(grading.held && grading.isHeld(correctedBy: []))
        #expect(held.body.fields["held"] == .bool(true))
        #expect(try Self.record(ProvenanceRecord(held.body)).held)
        // Not held is stored by leaving the field out; a stored `false` is a second spelling.
        let notHeld = try Self.record(Self.grading(held: nil))
        #expect(ProvenanceRecord.grading(notHeld).body.fields["held"] == nil)
        var fields = ProvenanceRecord.grading(notHeld).body.fields
        fields["held"] = .bool(false)
        #expect(throws: EntryError.notCanonical) { try ProvenanceRecord(EntryBody(type: "grading", fields: fields)) }
        #expect(throws: (any Error).self) { try Self.grading(held: "\"yes\"") }
    }

    @Test func onlyACorrectionOfTheLotGradeReleasesTheHold() throws {
        let grading = try Self.record(Self.grading(held: "true"))
        let hex = String(repeating: "ef", count: 32)
        let note = CorrectionRecord(corrects: 3, correctsLeafHash: hex, reason: "typo in a photo name", changes: ["needs_review": .integer(0)])
        let reviewed = CorrectionRecord(corrects: 3, correctsLeafHash: hex, reason: "reviewed by hand", changes: ["lot_grade": .string("Grade I")])
        #expect(grading.isHeld(correctedBy: [note]))
        #expect(!grading.isHeld(correctedBy: [reviewed]))
        #expect(grading.lotGrade(correctedBy: [reviewed, note]) == "Grade I")
        // A grade that names a hold holds the lot, whoever set it.
        let rehold = CorrectionRecord(corrects: 3, correctsLeafHash: hex, reason: "second look", changes: ["lot_grade": .string("Held")])
        #expect(grading.isHeld(correctedBy: [reviewed, rehold]))
    }
}
