import Foundation
import LedgerStore
import Provenance
import Testing
import TestSupport
@testable import Traceability

@Suite struct AuditReportTests {
    private func report(verification: VerificationOutcome? = nil) throws -> AuditReport {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, _) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path)
        let outcome = try verification ?? VerificationOutcome(ledger.verify())
        return AuditReport(ledgerName: "ledger.db", generatedAt: "2026-11-12T00:00:00.000Z",
                           ledger: try LedgerSnapshot(reading: ledger), verification: outcome)
    }

    @Test func groupsLotsByOriginAndFarmAndFlagsTheOnesToReview() throws {
        let report = try report()
        #expect(report.verification.intact)
        #expect(report.lots.count == 5)
        let byOrigin = Dictionary(uniqueKeysWithValues: report.distributionByOrigin.map { ($0.key, $0) })
        #expect(byOrigin["VN-DTOR-0141"]?.lotCount == 2)
        #expect(byOrigin["VN-DTOR-0141"]?.lotsByGrade == ["Premium": 2])
        #expect(byOrigin["VN-DTOR-0141"]?.photosByGrade.filter { $0.value > 0 } == ["Premium": 17, "Grade I": 1])
        #expect(report.distributionByFarm.map(\.key) == ["F-CT-007", "F-LV-014", "F-LV-022", "F-TM-031"])
        let review = Dictionary(uniqueKeysWithValues: report.lotsNeedingReview.map { ($0.lot.record.lotCode, $0.reviewReasons()) })
        #expect(Set(review.keys) == ["DT-CT-261104-01", "DT-TM-261104-02", "DT-LV-261103-02"])
        #expect(review["DT-TM-261104-02"] == ["1 unreadable photo", "lot grade Reject"])
        #expect(review["DT-LV-261103-02"] == ["1 correction"])
        #expect(report.modelUsage.map(\.lotCodes.count) == [5])
        #expect(report.lotsByHarvestDate.map(\.date) == ["2026-11-03", "2026-11-04", "2026-11-05"])
    }

    /// One long unbroken field (a tester's farm name) neither stretches the tables off the page
    /// (long words wrap) nor buries the report (text is cut with an ellipsis; the ledger keeps it
    /// whole).
    @Test func hugeUnbrokenTextWrapsAndIsCut() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path)
        let name = String(repeating: "Ba", count: 2_048)   // the longest string an entry may hold
        try ledger.append([.origin(OriginRecord(originCode: "VN-LONG-1", farmID: "F-LONG-1", farmName: name, crop: "mango")),
                           .lot(LotRecord(lotCode: "DT-LONG-01", originCode: "VN-LONG-1", farmID: "F-LONG-1", cooperative: "HTX",
                                          crop: "mango", harvestDate: "2026-11-05"))], signer: signer)
        let html = AuditReportRenderer.html(AuditReport(ledgerName: "ledger.db", generatedAt: "2026-11-12T00:00:00.000Z",
                                                        ledger: try LedgerSnapshot(reading: ledger),
                                                        verification: try VerificationOutcome(ledger.verify())))
        #expect(AuditReportRenderer.style.contains("overflow-wrap:anywhere"))
        #expect(html.contains("F-LONG-1"))
        #expect(html.contains(String(name.prefix(AuditReportRenderer.shownCharacters)) + "…"))
        #expect(!html.contains(String(name.prefix(AuditReportRenderer.shownCharacters + 1))))
    }

    @Test func htmlIsSelfContainedWithEverySection() throws {
        let html = AuditReportRenderer.html(try report())
        for id in ["verification", "over-time", "per-origin", "per-farm", "review", "corrections", "models", "checkpoints"] {
            #expect(html.contains("id=\"\(id)\""), "missing section \(id)")
        }
        #expect(html.contains("The ledger is intact"))
        #expect(html.contains("<svg"))
        #expect(html.contains("reweighed at the cooperative"))
        // Nothing is fetched from elsewhere: no scripts, external stylesheets, images or fonts.
        for forbidden in ["<script", "<link", "<img", "@import", "url(", "src="] {
            #expect(!html.contains(forbidden), "found \(forbidden)")
        }
        #expect(html.components(separatedBy: "<svg").count - 1 == html.components(separatedBy: "</svg>").count - 1)
    }

    /// A check that did not run, or had nothing to check, is never shown as a pass.
    @Test func unpinnedKeysAreSkippedAndMissingCheckpointsAreNone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path, checkpoint: false)
        func row(_ outcome: VerificationOutcome, _ name: String) -> VerificationOutcome.Check? { outcome.checks.first { $0.name == name } }

        let unpinned = VerificationOutcome(try ledger.verify())
        #expect(row(unpinned, "keys pinned by the inspector")?.status == .skipped)
        #expect(row(unpinned, "keys pinned by the inspector")?.detail.contains("trust on first use") == true)
        for check in ["checkpoint signature", "checkpoint root matches the entries", "checkpoints pairwise consistent"] {
            #expect(row(unpinned, check)?.status == VerificationOutcome.Check.Status.none, "\(check)")
        }
        let html = AuditReportRenderer.html(AuditReport(ledgerName: "l", generatedAt: "t", ledger: try LedgerSnapshot(reading: ledger),
                                                        verification: unpinned))
        #expect(html.contains("<td>keys pinned by the inspector</td><td class=\"muted\">skipped</td>"))
        #expect(html.contains("<td>checkpoint signature</td><td class=\"muted\">none</td>"))
        #expect(!html.contains("every check below passed"))

        try ledger.signCheckpoint(signer: signer)
        let pinned = VerificationOutcome(try ledger.verify(trustedKeys: [signer.verifier]))
        // One checkpoint size: nothing to compare; no lot statements signed with it; no checkpoint
        // from outside: rollback not checked.
        let notPassed = Dictionary(uniqueKeysWithValues: pinned.checks.filter { $0.status != .pass }.map { ($0.name, $0.status) })
        #expect(notPassed == ["checkpoints pairwise consistent": VerificationOutcome.Check.Status.none,
                              VerificationReport.Check.statements.rawValue: .none,
                              VerificationReport.Check.outsideCheckpoints.rawValue: .skipped], "\(notPassed)")
        #expect(pinned.intact && pinned.skipped.map(\.name) == [VerificationReport.Check.outsideCheckpoints.rawValue])
    }

    @Test func failedVerificationNamesTheFirstBadEntry() throws {
        let failed = VerificationOutcome(checks: [.init(name: "prev chain", status: .fail, detail: "entry 7: prev mismatch")],
                                         firstBadEntry: 7, failure: "entry 7: prev chain failed")
        let html = AuditReportRenderer.html(try report(verification: failed))
        #expect(html.contains("FAILED verification"))
        #expect(html.contains("First bad entry: <strong>#7</strong>"))
        #expect(html.contains("lot DT-LV-261103-02"))   // entry 7 described
    }
}
