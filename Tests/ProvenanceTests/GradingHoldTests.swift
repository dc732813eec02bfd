import LedgerStore
import Provenance
import Testing

/// The grading policy's hold is part of the signed grading entry: `"held": true`, absent when
/// not held (so entries written before the field existed read as not held), and released only by
/// a correction that sets the lot grade (a person decided).
@Suite struct GradingHoldTests {
    /// A grading body as a person writes it, with `held` spelled as given (nil = no field).
    /// `readable: false`: its one photo could not be read (as a `no_readable_photos` hold needs).
    static func grading(held: String?, reason: String? = nil, lotGrade: String = "Premium", readable: Bool = true) throws -> ProvenanceRecord {
        let hex = String(repeating: "ab", count: 32)
        let heldField = (held.map { ",\"held\":\($0)" } ?? "") + (reason.map { ",\"hold_reason\":\($0)" } ?? "")
        let image = readable ? "{\"file\":\"IMG_1.jpg\",\"sha256\":\"\(hex)\",\"class\":0,\"scores_bp\":[6000,4000],\"grade\":\"Premium\",\"needs_review\":true}"
            : "{\"file\":\"IMG_1.jpg\",\"sha256\":\"\(hex)\",\"status\":\"unreadable\",\"reason\":\"Not a JPEG file\"}"
        let json = """
            {"type":"grading","lot_code":"DT-LV-261103-01","model":"\(hex)","policy":"\(hex)",\
            "images":[\(image)],\
            "lot_grade":"\(lotGrade)","distribution":{"Premium":\(readable ? 1 : 0)},"needs_review":\(readable ? 1 : 0)\(heldField)}
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

    /// The reason is a code every reader can put in its own words; an old hold has none.
    @Test func theHoldReasonIsAKnownCodeRecordedOnlyWithTheHold() throws {
        for reason in HoldReason.allCases {
            let record = try Self.grading(held: "true", reason: "\"\(reason.rawValue)\"", readable: reason != .noReadablePhotos)
            #expect(try Self.record(record).holdReason == reason)
            #expect(record.body.fields["hold_reason"] == .string(reason.rawValue))
            #expect(try Self.record(ProvenanceRecord(record.body)).holdReason == reason)
        }
        #expect(try Self.record(Self.grading(held: "true")).holdReason == nil)
        // A reason without the hold, an unknown code or a non-string is refused, as written and as stored.
        for (held, reason) in [(nil, "\"photos_need_review\""), ("true", "\"the model was tired\""), ("true", "3"), ("true", "\"\"")] {
            #expect(throws: EntryError.self, "\(held ?? "-") \(reason)") { try Self.grading(held: held, reason: reason) }
        }
        var fields = try Self.grading(held: "true", reason: "\"no_readable_photos\"", readable: false).body.fields
        fields["held"] = nil
        #expect(throws: EntryError.self) { try ProvenanceRecord(EntryBody(type: "grading", fields: fields)) }
        // The writer's side: a reason implies the hold.
        let written = try Self.record(Self.grading(held: nil))
        let withReason = GradingRecord(lotCode: written.lotCode, model: written.model, policy: written.policy, uploadDigest: nil,
                                       images: written.images, lotGrade: written.lotGrade, distribution: written.distribution,
                                       needsReview: written.needsReview, holdReason: .photosNeedReview)
        #expect(withReason.held && ProvenanceRecord.grading(withReason).body.fields["held"] == .bool(true))
    }

    /// Who decided travels with the correction and obeys the entry text rules.
    @Test func aCorrectionNamesItsReviewerOnlyWithPlainText() throws {
        let hex = String(repeating: "ef", count: 32)
        func correction(reviewer: String?) -> ProvenanceRecord {
            .correction(CorrectionRecord(corrects: 3, correctsLeafHash: hex, reason: "reviewed by hand", reviewer: reviewer,
                                         lotCode: "DT-LV-261103-01", changes: ["lot_grade": .string("Grade I")]))
        }
        let named = correction(reviewer: "Trần Văn Nam")
        #expect(named.body.fields["reviewer"] == .string("Trần Văn Nam"))
        #expect(try ProvenanceRecord(named.body) == named)
        #expect(correction(reviewer: nil).body.fields["reviewer"] == nil)
        for bad in ["", "Nam\u{7}", "Nam\nHoa", "\u{202E}maN"] {
            #expect(throws: EntryError.self, "\(bad.unicodeScalars.map { $0.value })") { try ProvenanceRecord(correction(reviewer: bad).body) }
        }
    }
}
