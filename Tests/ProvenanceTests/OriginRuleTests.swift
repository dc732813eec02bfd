import LedgerStore
import Provenance
import ProvenanceTestSupport
import Testing

/// An origin code stands for one registered farm and crop: a lot may not borrow another farm's
/// or crop's registered code (issue: a mango lot from another farm recorded under a tomato
/// farm's origin code).
@Suite struct OriginRuleTests {
    static func lot(_ code: String, origin: String, farm: String, crop: String) -> ProvenanceRecord {
        .lot(LotRecord(lotCode: code, originCode: origin, farmID: farm, cooperative: "coop-1", crop: crop, harvestDate: "2026-03-01"))
    }

    @Test func aLotFromAnotherFarmOrCropIsRefused() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        try fixture.ledger.append([ProvenanceFixture.origin("O1")], signer: fixture.signer)
        try WriterReaderAgreementTests.expectRefused([Self.lot("L1", origin: "O1", farm: "farm-O2", crop: "mango")], in: fixture,
                                                     mentioning: "origin O1 is registered to farm farm-O1, not farm farm-O2")
        try WriterReaderAgreementTests.expectRefused([Self.lot("L1", origin: "O1", farm: "farm-O1", crop: "tomato")], in: fixture,
                                                     mentioning: "origin O1 is registered for mango, not tomato")
        // Registered and used in one append: the same rule.
        try WriterReaderAgreementTests.expectRefused([ProvenanceFixture.origin("O2"), Self.lot("L2", origin: "O2", farm: "farm-O1", crop: "mango")],
                                                     in: fixture, mentioning: "registered to farm farm-O2")
        try fixture.ledger.append([Self.lot("L1", origin: "O1", farm: "farm-O1", crop: "mango")], signer: fixture.signer)
        #expect(try fixture.ledger.verify().isIntact)
    }

    @Test func conflictsNameEveryDifference() {
        let origin = OriginRecord(originCode: "O1", farmID: "F1", crop: "cà chua")
        #expect(origin.conflicts(farmID: "F1", crop: "cà chua").isEmpty)
        #expect(origin.conflicts(farmID: "F2", crop: "xoài").count == 2)
        #expect(origin.conflicts(farmID: "F1", crop: "Cà chua").map(\.description) == ["origin O1 is registered for cà chua, not Cà chua"])
    }
}
