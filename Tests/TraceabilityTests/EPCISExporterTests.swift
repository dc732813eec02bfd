import Foundation
import LedgerStore
import Provenance
import Testing
import TestSupport
@testable import Traceability

/// Structural checks of the EPCIS document; full validation against GS1's JSON schema is done
/// by `scripts/dev/validate-epcis.sh`, which needs the schema file (not shipped with the tests).
@Suite struct EPCISExporterTests {
    private func document(_ options: EPCISExporter.Options = .init()) throws -> (OrderedJSON, LedgerSnapshot) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, _) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path)
        let snapshot = try LedgerSnapshot(reading: ledger)
        return (EPCISExporter(options: options).document(for: snapshot, creationDate: "2026-11-12T00:00:00.000Z"), snapshot)
    }

    @Test func oneInspectingObjectEventPerGrading() throws {
        let (document, snapshot) = try document()
        #expect(document["type"] == .string("EPCISDocument"))
        #expect(document["schemaVersion"] == .string("2.0"))
        #expect(document["@context"]?.arrayValue?.first == .string(EPCISExporter.contextURL))
        #expect(document["@context"]?.arrayValue?.last?[EPCISExporter.namespacePrefix] == .string(EPCISExporter.namespaceIRI))
        let events = try #require(document["epcisBody"]?["eventList"]?.arrayValue)
        #expect(events.count == snapshot.gradings.count)
        for (event, grading) in zip(events, snapshot.gradings) {
            #expect(event["type"] == .string("ObjectEvent"))
            #expect(event["bizStep"] == .string("inspecting"))
            #expect(event["eventTime"] == .string(grading.recordedAt))
            #expect(event["eventTimeZoneOffset"] == .string("+07:00"))
            #expect(event["agritrace:seq"] == .int(grading.seq))
            #expect(event["agritrace:leafHash"] == .string(grading.leafHashHex))
            #expect(event["readPoint"]?["id"] == .string("urn:agritrace:cooperative:HTX-DONGTHAP-01"))
            #expect(event["bizLocation"]?["id"] == event["readPoint"]?["id"])
            let expected = grading.record.lotGrade == "Reject" ? "non_conformant" : "conformant"
            #expect(event["disposition"] == .string(expected))
        }
    }

    @Test func lotsAreDigitalLinksWithQuantityOrOurURN() throws {
        let (document, _) = try document()
        let events = try #require(document["epcisBody"]?["eventList"]?.arrayValue)
        let quantities = events.compactMap { $0["quantityList"]?.arrayValue?.first }
        #expect(quantities.count == events.count)
        #expect(quantities[0]["epcClass"] == .string("https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01"))
        #expect(quantities[0]["quantity"] == .decimal("850") && quantities[0]["uom"] == .string("KGM"))
        #expect(quantities[2]["epcClass"] == .string("urn:agritrace:lot:DT-CT-261104-01"))
    }

    @Test func firstGradingOfALotAddsItWithHarvestDateAndOrigin() throws {
        let (document, _) = try document()
        let events = try #require(document["epcisBody"]?["eventList"]?.arrayValue)
        for event in events {
            // Each sample lot is graded once, so every event introduces its lot.
            #expect(event["action"] == .string("ADD"))
            let ilmd = try #require(event["ilmd"])
            #expect(ilmd["cbvmda:harvestStartDate"]?.stringValue?.count == 10)
            #expect(ilmd["agritrace:originCode"] == event["agritrace:originCode"])
        }
        #expect(events[0]["ilmd"]?["cbvmda:harvestStartDate"] == .string("2026-11-03"))
        #expect(events[0]["ilmd"]?["agritrace:originCode"] == .string("VN-DTOR-0141"))
    }

    @Test func filtersByLotAndDateAndUsesAGivenLocation() throws {
        let (one, _) = try document(.init(lotCode: "DT-TM-261104-02", locationURI: "urn:epc:id:sgln:8936045.00001.0"))
        let events = try #require(one["epcisBody"]?["eventList"]?.arrayValue)
        #expect(events.count == 1)
        #expect(events[0]["disposition"] == .string("non_conformant"))
        #expect(events[0]["readPoint"]?["id"] == .string("urn:epc:id:sgln:8936045.00001.0"))
        let (later, _) = try document(.init(sinceDate: "2026-11-12"))
        #expect(later["epcisBody"]?["eventList"]?.arrayValue?.isEmpty == true)
        let (same, _) = try document(.init(sinceDate: "2026-11-11"))
        #expect(same["epcisBody"]?["eventList"]?.arrayValue?.count == 5)
    }

    @Test func aReGradingObservesTheLotAndTheLabelUsesTheLatestGrade() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path)
        let first = try #require(try ledger.entries(lotCode: "DT-TM-261104-02").last { $0.type == "grading" })
        guard case .grading(var regrade) = try first.record() else { Issue.record("not a grading"); return }
        regrade.lotGrade = "Grade II"
        try ledger.append([.grading(regrade)], signer: signer)
        let snapshot = try LedgerSnapshot(reading: ledger)
        let document = EPCISExporter(options: .init(lotCode: "DT-TM-261104-02")).document(for: snapshot, creationDate: "2026-11-12T00:00:00.000Z")
        let events = try #require(document["epcisBody"]?["eventList"]?.arrayValue)
        #expect(events.map { $0["action"] } == [.string("ADD"), .string("OBSERVE")])
        #expect(events.map { $0["disposition"] } == [.string("non_conformant"), .string("conformant")])
        #expect(events[1]["ilmd"] == nil && events[1]["agritrace:originCode"] == .string("VN-DTOR-0318"))

        let package = try LabelPackage.make(lotCode: "DT-TM-261104-02", ledger: ledger, signer: signer)
        #expect(package.content.grade == "Grade II" && package.signedNewCheckpoint)
        let report = AuditReport(ledgerName: "l", generatedAt: "", ledger: snapshot,
                                 verification: VerificationOutcome(checks: [], firstBadEntry: nil, failure: nil))
        #expect(report.lots.first { $0.lot.record.lotCode == "DT-TM-261104-02" }?.latestGrading?.record.lotGrade == "Grade II")
    }

    /// A decision about a grading is an event while that grading is the lot's latest; one recorded
    /// after a re-grading replaced it changes nothing now (as trace, labels and the audit say), so
    /// it is no event and the lot's latest event stays its state now.
    @Test func aDecisionAboutAReplacedGradingIsNoEvent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path)
        let lot = "DT-TM-261104-02"
        let first = try #require(try ledger.entries(lotCode: lot).last { $0.type == "grading" })
        guard case .grading(var regrade) = try first.record() else { Issue.record("not a grading"); return }
        func decision(_ grade: String) -> ProvenanceRecord {
            .correction(CorrectionRecord(corrects: first.seq, correctsLeafHash: first.leafHash.hex, reason: "checked by hand",
                                         reviewer: "Nam", lotCode: lot, changes: ["lot_grade": .string(grade)]))
        }
        let decided = try ledger.append([decision("Grade II")], signer: signer).appended[0].seq
        regrade.lotGrade = "Reject"
        let regraded = try ledger.append([.grading(regrade)], signer: signer).appended[0].seq
        try ledger.append([decision("Premium")], signer: signer)
        let snapshot = try LedgerSnapshot(reading: ledger)
        let document = EPCISExporter(options: .init(lotCode: lot)).document(for: snapshot, creationDate: "2026-11-12T00:00:00.000Z")
        let events = try #require(document["epcisBody"]?["eventList"]?.arrayValue)
        #expect(events.map { $0["agritrace:seq"] } == [first.seq, decided, regraded].map(OrderedJSON.int))
        #expect(events[1]["disposition"] == .string("conformant") && events[1]["agritrace:lotGrade"] == .string("Grade II"))
        #expect(events.last?["disposition"] == .string("non_conformant") && events.last?["agritrace:lotGrade"] == .string("Reject"))
        #expect(try snapshot.lotState(code: lot)?.currentGrade == "Reject")
    }

    /// Every member name outside EPCIS's own vocabulary must be a compact IRI of a declared prefix
    /// (the schema requires extension names to be URIs).
    @Test func everyExtensionNameUsesADeclaredPrefix() throws {
        let (document, _) = try document()
        let standard: Set<String> = ["type", "eventTime", "eventTimeZoneOffset", "eventID", "quantityList", "action",
                                     "bizStep", "disposition", "readPoint", "bizLocation", "ilmd"]
        for event in document["epcisBody"]?["eventList"]?.arrayValue ?? [] {
            guard case .object(let members) = event else { Issue.record("event is not an object"); continue }
            for (name, _) in members where !standard.contains(name) {
                #expect(name.hasPrefix("agritrace:"), "undeclared extension \(name)")
            }
        }
    }
}
