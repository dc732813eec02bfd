import LedgerStore
import Localization
import Provenance
import ProvenanceTestSupport
import Testing

/// A correction is found by the lot and origin codes it carries, so they must be those of the entry
/// it corrects (reported: a correction of lot -02's grading naming lot -01 was missing from -02's
/// label bundle and broke -01's label, while `ledger verify` said INTACT). Each way of pointing a
/// correction at the wrong thing is refused before signing, and reported by `verify` when forced in.
@Suite struct CorrectionRuleTests {
    /// Origins O1, O2; lots L1, L2 (from O1); a grading of each. Returns entries by name.
    static func setUp(_ fixture: ProvenanceFixture) throws -> [String: LedgerEntry] {
        let appended = try fixture.ledger.append([ProvenanceFixture.origin("O1"), ProvenanceFixture.origin("O2"),
                                                  ProvenanceFixture.lot("L1", origin: "O1"), ProvenanceFixture.lot("L2", origin: "O1"),
                                                  ProvenanceFixture.grading("L1"), ProvenanceFixture.grading("L2")],
                                                 signer: fixture.signer).appended
        let genesis = try #require(try fixture.ledger.entry(seq: 0))
        return ["key": genesis, "O1": appended[0], "O2": appended[1], "L1": appended[2], "L2": appended[3],
                "G1": appended[4], "G2": appended[5]]
    }

    static func correction(of entry: LedgerEntry, lot: String?, origin: String? = nil,
                           changes: [String: JSONValue] = ["lot_grade": .string("Reject")]) -> ProvenanceRecord {
        .correction(CorrectionRecord(corrects: entry.seq, correctsLeafHash: entry.leafHash.hex, reason: "mould found",
                                     lotCode: lot, originCode: origin, changes: changes))
    }

    /// Each bad correction, with the words its refusal must contain.
    static func badCorrections(_ e: [String: LedgerEntry]) -> [(ProvenanceRecord, String)] {
        [
            (correction(of: e["G2"]!, lot: "L1"), "names lot_code 'L1', but entry \(e["G2"]!.seq) it corrects is about lot 'L2'"),
            (correction(of: e["G2"]!, lot: nil), "must name lot_code 'L2'"),
            (correction(of: e["L2"]!, lot: nil, origin: "O1"), "must name lot_code 'L2'"),
            (correction(of: e["L2"]!, lot: "L2", origin: "O2"), "names origin_code 'O2', but entry \(e["L2"]!.seq) it corrects is about origin 'O1'"),
            (correction(of: e["G2"]!, lot: "L2", origin: "O1"), "names origin_code 'O1', but entry \(e["G2"]!.seq) it corrects is not about an origin"),
            (correction(of: e["O1"]!, lot: "L1", origin: "O1"), "names lot_code 'L1', but entry \(e["O1"]!.seq) it corrects is not about a lot"),
            (correction(of: e["O1"]!, lot: nil), "must name origin_code 'O1'"),
            (correction(of: e["O1"]!, lot: nil, origin: "O2"), "names origin_code 'O2'"),
            (correction(of: e["key"]!, lot: nil), "a key entry"),
            (correction(of: e["L2"]!, lot: "L2", changes: ["origin_code": .string("O9")]), "changes.origin_code must name a registered origin code"),
            // Readers release a held lot on a lot_grade change: only the grading's own grades, on a grading.
            (correction(of: e["G2"]!, lot: "L2", changes: ["lot_grade": .string("")]), "changes.lot_grade must be one of the grading's grades"),
            (correction(of: e["G2"]!, lot: "L2", changes: ["lot_grade": .string("Hạng I")]), "changes.lot_grade must be one of the grading's grades"),
            (correction(of: e["G2"]!, lot: "L2", changes: ["lot_grade": .integer(1)]), "changes.lot_grade must be one of the grading's grades"),
            (correction(of: e["L2"]!, lot: "L2", origin: "O1", changes: ["lot_grade": .string("Reject")]), "changes.lot_grade corrects a grading only"),
            // Only the fields readers apply: anything else is signed words no label or page shows as the lot's state.
            (correction(of: e["G2"]!, lot: "L2", changes: ["held": .bool(true), "hold_reason": .string("recall")]),
             "\"changes.held\": readers do not apply this field to a grading entry"),
            (correction(of: e["G2"]!, lot: "L2", changes: ["lot_confidence_bp": .integer(-1)]), "\"changes.lot_confidence_bp\": readers do not apply"),
            (correction(of: e["L2"]!, lot: "L2", origin: "O1", changes: ["lot_code": .string("L1")]), "\"changes.lot_code\": readers do not apply this field to a lot entry"),
            (correction(of: e["L2"]!, lot: "L2", origin: "O1", changes: ["gtin": .string("123")]), "changes.gtin"),
            (correction(of: e["L2"]!, lot: "L2", origin: "O1", changes: ["harvest_date": .string("tomorrow")]), "changes.harvest_date"),
            (correction(of: e["L2"]!, lot: "L2", origin: "O1", changes: ["quantity_g": .integer(-5)]), "changes.quantity_g"),
            (correction(of: e["O1"]!, lot: nil, origin: "O1", changes: ["farm_name": .integer(3)]), "changes.farm_name"),
            (correction(of: e["O1"]!, lot: nil, origin: "O1", changes: ["farm_name": .string("")]), "changes.farm_name"),
        ]
    }

    @Test func eachMisdirectedCorrectionIsRefusedBeforeSigning() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let entries = try Self.setUp(fixture)
        for (record, message) in Self.badCorrections(entries) {
            try WriterReaderAgreementTests.expectRefused([record], in: fixture, mentioning: message)
        }
        // A correction the entry it corrects does not precede, or whose leaf hash is not the entry's.
        let g2 = entries["G2"]!
        try WriterReaderAgreementTests.expectRefused([.correction(CorrectionRecord(corrects: 99, correctsLeafHash: g2.leafHash.hex,
                                                                                   reason: "x", lotCode: "L2", changes: [:]))],
                                                     in: fixture, mentioning: "not an earlier entry")
        try WriterReaderAgreementTests.expectRefused([.correction(CorrectionRecord(corrects: g2.seq, correctsLeafHash: entries["G1"]!.leafHash.hex,
                                                                                   reason: "x", lotCode: "L2", changes: [:]))],
                                                     in: fixture, mentioning: "corrects_leaf does not match")
    }

    @Test func properCorrectionsAndChainsOfThemAreAccepted() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let e = try Self.setUp(fixture)
        let first = try #require(try fixture.ledger.append([Self.correction(of: e["G2"]!, lot: "L2")], signer: fixture.signer).appended.first)
        // A correction of a correction changes nothing readers apply; it may only annotate.
        try WriterReaderAgreementTests.expectRefused([Self.correction(of: first, lot: "L2")], in: fixture,
                                                     mentioning: "\"changes.lot_grade\": readers do not apply this field to a correction entry")
        try fixture.ledger.append([Self.correction(of: first, lot: "L2", changes: [:]), Self.correction(of: e["L2"]!, lot: "L2", origin: "O1", changes: ["harvest_date": .string("2026-11-04")]),
                                   Self.correction(of: e["L1"]!, lot: "L1", changes: ["origin_code": .string("O1")]),
                                   Self.correction(of: e["O1"]!, lot: nil, origin: "O1", changes: ["farm_name": .string("Trại B")])],
                                  signer: fixture.signer)
        // A correction of a correction inherits its lot: naming another is refused.
        try WriterReaderAgreementTests.expectRefused([Self.correction(of: first, lot: "L1")], in: fixture, mentioning: "is about lot 'L2'")
        #expect(try fixture.ledger.verify().isIntact)
    }

    /// Forced past the writer's rules, each bad correction is reported by `verify` as a rule
    /// failure naming the entry.
    @Test func verifyReportsAMisdirectedCorrectionForcedIn() throws {
        for (index, (record, message)) in Self.badCorrections(try {
            let probe = try ProvenanceFixture()
            defer { probe.remove() }
            return try Self.setUp(probe)
        }()).enumerated() {
            let fixture = try ProvenanceFixture()
            defer { fixture.remove() }
            _ = try Self.setUp(fixture)   // deterministic: same entries, same leaf hashes as the probe
            let bypass = try Ledger(path: fixture.path, rules: FieldRulesOnly())
            let forced = try #require(try bypass.append([record.body], signer: fixture.signer).appended.first)
            let report = try fixture.ledger.verify()
            #expect(!report.isIntact, "case \(index)")
            let failure = report.failures.first { $0.seq == forced.seq && $0.check == .domainRules }
            #expect(failure?.message.description.contains(message) == true, "case \(index): \(report.failures)")
        }
    }
}
