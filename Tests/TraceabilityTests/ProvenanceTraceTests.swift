import Foundation
import LedgerStore
import Provenance
import Localization
import Testing
import TestSupport
@testable import Traceability

@Suite struct ProvenanceTraceTests {
    private func withSample<T>(checkpoint: Bool = true, _ body: (Ledger, LedgerSnapshot) throws -> T) throws -> T {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, _) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path, checkpoint: checkpoint)
        return try body(ledger, try LedgerSnapshot(reading: ledger))
    }

    @Test func lotTraceListsOriginLotGradingAndCorrectionInOrder() throws {
        try withSample { ledger, snapshot in
            let trace = try ProvenanceTrace(query: "DT-LV-261103-02", in: snapshot)
            #expect(trace.resolved == .lot("DT-LV-261103-02"))
            #expect(trace.entries.map(\.type) == ["origin", "lot", "grading", "correction"])
            #expect(trace.entries.map(\.seq) == trace.entries.map(\.seq).sorted())
            let origin = try #require(try ledger.originRegistration("VN-DTOR-0157"))
            #expect(trace.entries[0].seq == origin.seq)
            #expect(trace.checkpoint?.treeSize == (try ledger.size()))

            let text = trace.text()
            for entry in trace.entries {
                #expect(text.contains("#\(entry.seq)  \(Localizer.english.timestamp(entry.recordedAt))"))
                #expect(text.contains("leaf hash \(entry.leafHash.hex)"))
            }
            #expect(text.contains("lot grade Grade I; 8 photos; distribution Premium 2, Grade I 6; classes class 0: 1, class 1: 1, class 2: 3, class 3: 2, class 4: 1"))
            #expect(text.contains("correction of entry #\(trace.entries[1].seq): reweighed at the cooperative (quantity (g) changed to 605,000)"))
            #expect(text.contains("Trần Thị Hồng"))
        }
    }

    @Test func digitalLinkAndFallbackURIsResolveToTheirLot() throws {
        try withSample { _, snapshot in
            let gs1 = try ProvenanceTrace(query: "https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01", in: snapshot)
            #expect(gs1.entries.contains { if case .lot(let lot) = try? $0.record() { return lot.lotCode == "DT-LV-261103-01" }; return false })
            let urn = try ProvenanceTrace(query: "urn:agritrace:lot:DT-CT-261104-01", in: snapshot)
            #expect(urn.entries.map(\.type) == ["origin", "lot", "grading"])
            // The right lot code under the wrong GTIN is not this lot.
            #expect(throws: TraceError.self) {
                try ProvenanceTrace(query: "https://id.gs1.org/01/00000000000000/10/DT-LV-261103-01", in: snapshot)
            }
            #expect(throws: TraceError.self) {
                try ProvenanceTrace(query: "https://id.gs1.org/01/08936045120019/10/DT-CT-261104-01", in: snapshot)
            }
        }
    }

    @Test func originTraceCoversEveryLotFromThatArea() throws {
        try withSample { _, snapshot in
            let trace = try ProvenanceTrace(query: "VN-DTOR-0141", in: snapshot)
            #expect(trace.resolved == .origin("VN-DTOR-0141"))
            let lotCodes = try trace.entries.compactMap { entry -> String? in
                if case .lot(let lot) = try entry.record() { return lot.lotCode }
                return nil
            }
            #expect(lotCodes == ["DT-LV-261103-01", "DT-LV-261105-03"])
            #expect(trace.entries.filter { $0.type == "grading" }.count == 2)
            #expect(trace.entries.filter { $0.type == "origin" }.count == 1)
        }
    }

    /// `trace` reads only what the ledger's indexes return for the query; it must see exactly
    /// what a trace over the whole ledger sees.
    @Test(arguments: ["DT-LV-261103-02", "VN-DTOR-0141", "urn:agritrace:lot:DT-CT-261104-01",
                      "https://id.gs1.org/01/08936045120019/10/DT-LV-261105-03", "VN-DTOR-0318"])
    func indexedReadGivesTheSameTrace(query: String) throws {
        try withSample { ledger, snapshot in
            let partial = try LedgerSnapshot(relevantTo: query, in: ledger)
            #expect(partial.entries.count < snapshot.entries.count)
            let full = try ProvenanceTrace(query: query, in: snapshot)
            let indexed = try ProvenanceTrace(query: query, in: partial)
            #expect(indexed.entries.map(\.seq) == full.entries.map(\.seq))
            #expect(indexed.text() == full.text())
        }
    }

    @Test func unknownQueriesSayWhatWasLookedFor() throws {
        try withSample { _, snapshot in
            let error = #expect(throws: TraceError.self) { try ProvenanceTrace(query: "NO-SUCH-LOT", in: snapshot) }
            #expect(error?.description.contains("NO-SUCH-LOT") == true)
        }
    }

    @Test func uncoveredEntriesAreReportedAsSuch() throws {
        try withSample(checkpoint: false) { _, snapshot in
            let trace = try ProvenanceTrace(query: "DT-LV-261105-03", in: snapshot)
            #expect(trace.checkpoint == nil)
            #expect(trace.text().contains("No checkpoint covers entry"))
            #expect(trace.json()["checkpoint"] == .null)
        }
    }

    @Test func jsonCarriesEveryEntryWithItsSignedBody() throws {
        try withSample { _, snapshot in
            let json = try ProvenanceTrace(query: "DT-TM-261104-02", in: snapshot).json()
            #expect(json["kind"] == .string("lot"))
            let entries = try #require(json["entries"]?.arrayValue)
            #expect(entries.count == 3)
            let grading = entries[2]
            #expect(grading["type"] == .string("grading"))
            #expect(grading["entry"]?["lot_grade"] == .string("Reject"))
            #expect(grading["leaf_hash"]?.stringValue?.count == 64)
        }
    }
}
