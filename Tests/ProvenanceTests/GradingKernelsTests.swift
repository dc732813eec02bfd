import LedgerStore
import Provenance
import Testing

/// The grading entry says which compiled kernel build computed its probabilities (`kernels`).
@Suite struct GradingKernelsTests {
    static func grading(kernels: String?) throws -> ProvenanceRecord {
        let hex = String(repeating: "ab", count: 32)
        let field = kernels.map { ",\"kernels\":\($0)" } ?? ""
        let json = """
            {"type":"grading","lot_code":"DT-LV-261103-01","model":"\(hex)","policy":"\(hex)",\
            "images":[{"file":"IMG_1.jpg","sha256":"\(hex)","class":0,"scores_bp":[6000,4000],"grade":"Premium","needs_review":true}],\
            "lot_grade":"Premium","distribution":{"Premium":1},"needs_review":1\(field)}
            """
        return try ProvenanceRecord(EntryBody(json: Array(json.utf8)).normalised())
    }

    static func kernels(_ record: ProvenanceRecord) -> String?? {
        guard case .grading(let grading) = record else { return .none }
        return .some(grading.kernels)
    }

    @Test func theBuildIsRecordedReadBackAndOptional() throws {
        for name in ["generic", "avx2", "avx512", "neon_v2"] {
            let record = try Self.grading(kernels: "\"\(name)\"")
            #expect(Self.kernels(record) == .some(name))
            #expect(Self.kernels(try ProvenanceRecord(record.body)) == .some(name), "the stored form reads back")
        }
        // Entries written before the field existed.
        #expect(Self.kernels(try Self.grading(kernels: nil)) == .some(nil))
    }

    /// The one validator refuses what no build is called, as written and as stored: empty, too long,
    /// upper case, markup, a look-alike Cyrillic letter, a bidirectional control, not a string.
    @Test func namesThatNoBuildCarriesAreRefused() throws {
        let long = String(repeating: "a", count: 33)
        for bad in ["\"\"", "\"\(long)\"", "\"AVX2\"", "\"avx-512\"", "\"<b>avx2</b>\"", "\"аvx2\"", "\"avx2\\u202e\"", "2", "null"] {
            #expect(throws: EntryError.self, "\(bad)") { try Self.grading(kernels: bad) }
        }
        var fields = try Self.grading(kernels: "\"avx2\"").body.fields
        fields["kernels"] = .string("avx 2")
        #expect(throws: EntryError.self) { try ProvenanceRecord(EntryBody(type: "grading", fields: fields)) }
        #expect(GradingRecord.isKernelBuildName(String(repeating: "z", count: 32)))
    }
}
