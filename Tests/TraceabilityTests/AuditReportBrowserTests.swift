import Foundation
import Imaging
import Localization
import LedgerStore
import Markup
import Provenance
import Testing
import TestSupport
@testable import Traceability
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens the audit report of a hostile ledger in headless Chromium and checks what a browser
/// actually does with it: no script runs, nothing is requested from the network, and the failure
/// banner of a tampered ledger stays visible. Chromium is a test dependency
/// (`scripts/install-deps.sh`); without it these tests fail rather than pass unchecked.
@Suite(.serialized) struct AuditReportBrowserTests {
    /// Banner background of a failed verification (`.bad` in the report's style sheet).
    static let bannerColour: [UInt8] = [0xfd, 0xec, 0xea]

    struct Rendering {
        let dom: String
        let requests: [String]
        let bannerPixels: Int
    }

    /// Renders `html` twice: DOM after scripts had time to run (virtual time), and a screenshot.
    static func render(_ html: String, in directory: URL, beacon: Beacon) throws -> Rendering {
        let page = directory.appendingPathComponent("report-\(UUID().uuidString).html")
        try Data(html.utf8).write(to: page)
        let dom = try Chromium.run(["--virtual-time-budget=3000", "--dump-dom", page.absoluteString], in: directory)
        let shot = directory.appendingPathComponent("shot.png")
        _ = try Chromium.run(["--window-size=1200,1600", "--screenshot=\(shot.path)", page.absoluteString], in: directory)
        let image = try ImageDecoder.decode(data: try Data(contentsOf: shot), fileName: "shot.png")
        var pixels = 0
        for offset in stride(from: 0, to: image.pixels.count, by: 3) where Array(image.pixels[offset..<offset + 3]) == bannerColour {
            pixels += 1
        }
        return Rendering(dom: dom, requests: beacon.requests(), bannerPixels: pixels)
    }

    @Test func theHostileReportRunsNothingLoadsNothingAndShowsTheFailure() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let beacon = try Beacon()
        defer { beacon.stop() }
        let ledger = try HostileLedger.build(at: directory.url.appendingPathComponent("ledger.db").path, port: beacon.port)
        let html = AuditReportRenderer.html(try AuditReportInjectionTests.report(ledger: ledger, failed: true))

        let report = try Self.render(html, in: directory.url, beacon: beacon)
        #expect(report.dom.contains("FAILED verification"), "the page did not render: \(report.dom.prefix(300))")
        // The payload's own text mentions data-pwned; only a script run sets it as an attribute.
        #expect(!report.dom.contains("data-pwned=\""), "a script from the ledger ran")
        #expect(report.requests.isEmpty, "the page requested \(report.requests)")
        #expect(report.bannerPixels > 10_000, "the failure banner is hidden (\(report.bannerPixels) banner pixels)")

        // Control: the same payload inserted raw, without the policy, is caught by every check
        // above, so they can fail.
        let raw = html.replacingOccurrences(of: Markup.contentSecurityPolicyMeta(styleSHA256: [AuditReportRenderer.styleSHA256]),
                                            with: "")
            .replacingOccurrences(of: "<footer>", with: HostileLedger.payload(port: beacon.port) + "<footer>")
        #expect(raw != html)
        let live = try Self.render(raw, in: directory.url, beacon: beacon)
        #expect(live.dom.contains("data-pwned=\""))
        #expect(!live.requests.isEmpty)
        #expect(live.bannerPixels == 0)
    }

    /// An inspector reads the report on a phone: at 360 CSS pixels nothing is wider than the
    /// screen, in either language (long headings, hashes, timestamps and unbroken farm names wrap).
    @Test func theReportFitsAPhoneScreenInBothLanguages() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path)
        try ledger.append([.origin(OriginRecord(originCode: "VN-LONG-1", farmID: "F-LONG-1", farmName: String(repeating: "Ba", count: 300),
                                                crop: "mango"))], signer: signer)
        let report = AuditReport(ledgerName: "ledger.db", generatedAt: "2026-11-12T00:00:00.000Z",
                                 ledger: try LedgerSnapshot(reading: ledger), verification: try VerificationOutcome(ledger.verify()))
        let browser = try BrowserSession(width: 360, height: 800, mobile: true, directory: directory.url)
        for (name, presentation) in [("en", Presentation.english), ("vi", Presentation(localizer: try Localizer.bundled(.vietnamese)))] {
            let page = directory.url.appendingPathComponent("report-\(name).html")
            try Data(AuditReportRenderer.html(report, presentation).utf8).write(to: page)
            try browser.navigate(page.absoluteString)
            try browser.screenshot(to: directory.url.appendingPathComponent("report-\(name)-360.png"))
            let widest = try browser.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)") as? Int
            #expect(widest == 360, "\(name): the report is \(widest ?? -1) px wide on a 360 px screen")
        }
    }
}

/// A TCP listener on 127.0.0.1 that records the first line of every request made to it,
/// answering none, so a page that loads anything from the network is caught.
final class Beacon: @unchecked Sendable {
    let port: Int
    private let socketFD: Int32
    private let lock = NSLock()
    private var seen: [String] = []
    private var stopped = false

    init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard fd >= 0, bound else { throw POSIXError(.EADDRNOTAVAIL) }
        socketFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    /// Closes the listener and ends its thread.
    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
    }

    private func acceptLoop() {
        while true {
            let client = accept(socketFD, nil, nil)
            if client < 0 { return }
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = read(client, &buffer, buffer.count)
            let line = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).split(separator: "\r\n").first.map(String.init)
            close(client)
            lock.lock(); defer { lock.unlock() }
            if stopped { return }
            seen.append(line ?? "(connection)")
        }
    }

    /// Requests seen since the last call.
    func requests() -> [String] {
        lock.lock(); defer { lock.unlock() }
        let result = seen
        seen = []
        return result
    }
}
