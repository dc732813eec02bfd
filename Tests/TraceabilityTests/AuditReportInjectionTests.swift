import Crypto
import Foundation
import LedgerStore
import Testing
import TestSupport
@testable import Traceability

/// Ledger text must stay text in the audit report, whatever characters surround `<` and `>`.
@Suite struct AuditReportInjectionTests {
    /// The tags and attributes the renderer itself writes; anything else in the output came from input.
    static let ownTags: Set<String> = ["!DOCTYPE", "html", "head", "meta", "title", "style", "body", "footer", "h1", "h2",
                                       "p", "div", "table", "tr", "th", "td", "code", "strong", "br", "span",
                                       "svg", "line", "text", "rect"]

    static func report(ledger: Ledger, failed: Bool) throws -> AuditReport {
        let verification = failed
            ? VerificationOutcome(checks: [.init(name: "prev chain", status: .fail, detail: "entry 2: prev mismatch")],
                                  firstBadEntry: 2, failure: "entry 2: prev chain failed")
            : try VerificationOutcome(ledger.verify())
        return AuditReport(ledgerName: "ledger.db", generatedAt: "2026-11-12T00:00:00.000Z",
                           ledger: try LedgerSnapshot(reading: ledger), verification: verification)
    }

    /// Scans the UTF-8 bytes (never `Character`s, which hide `<` inside grapheme clusters) for
    /// every tag and checks its name is one the renderer writes and it has no event handler.
    @Test func noTagOrHandlerFromTheLedgerReachesTheHTML() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try HostileLedger.build(at: directory.url.appendingPathComponent("ledger.db").path, port: 9)
        for failed in [false, true] {
            let html = Array(AuditReportRenderer.html(try Self.report(ledger: ledger, failed: failed)).utf8)
            var index = 0
            while let open = html[index...].firstIndex(of: UInt8(ascii: "<")) {
                guard let close = html[open...].firstIndex(of: UInt8(ascii: ">")) else {
                    Issue.record("unclosed < at byte \(open)")
                    break
                }
                let tag = String(decoding: html[(open + 1)..<close], as: UTF8.self)
                let name = String(tag.drop { $0 == "/" }.prefix { !" /".contains($0) })
                #expect(Self.ownTags.contains(name), "tag <\(tag)> is not one the renderer writes")
                #expect(!tag.lowercased().contains(" on"), "event handler in <\(tag)>")
                index = close + 1
            }
            // Only the renderer's own style sheet, and the policy that admits nothing else.
            let text = String(decoding: html, as: UTF8.self)
            #expect(text.components(separatedBy: "<style>").count == 2)
            #expect(text.contains("<meta http-equiv=\"Content-Security-Policy\""))
            // The hostile text is there, escaped, not dropped.
            #expect(text.contains("\u{0600}&lt;img src=x onerror=document.body"))
        }
    }

    @Test func thePolicyAdmitsExactlyTheReportsStyleSheet() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try HostileLedger.build(at: directory.url.appendingPathComponent("ledger.db").path, port: 9)
        let html = AuditReportRenderer.html(try Self.report(ledger: ledger, failed: false))
        let styleStart = try #require(html.range(of: "<style>")).upperBound
        let styleEnd = try #require(html.range(of: "</style>")).lowerBound
        let sheet = String(html[styleStart..<styleEnd])
        let digest = Data(SHA256.hash(data: Data(sheet.utf8))).base64EncodedString()
        #expect(html.contains("style-src &#39;sha256-\(digest)&#39;"))
        // The policy comes before the style sheet, or it would not govern it.
        #expect(try #require(html.range(of: "Content-Security-Policy")).lowerBound < styleStart)
    }
}
