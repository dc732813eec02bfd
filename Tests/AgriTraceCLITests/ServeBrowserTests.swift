import Foundation
import Imaging
import LedgerStore
import MerkleLog
import Provenance
import ProvenanceTestSupport
import Testing
import TestSupport
import Traceability

/// The lot page in headless Chromium (Debian's `chromium`, a test dependency) against a running
/// `agritrace serve`: the verdict is the browser's own, from WebCrypto, read from the page's DOM.
/// Phone-width (360 px) screenshots are checked for the verdict box's colour; with
/// AGRITRACE_SCREENSHOTS=DIR set they are also kept there to be looked at.
@Suite(.serialized) struct ServeBrowserTests {
    struct Verdict {
        let state: String
        let text: String
        /// The grade box at the top of the lot page: its `data-state` and its words.
        let gradeState: String
        let gradeText: String
        /// Pixels of the pages' "verified" greens, "not verified" reds and "held" ambers (each
        /// box's background and border), anywhere on the screenshot.
        let greenPixels: Int, redPixels: Int, amberPixels: Int
        /// The page offers the proof for download.
        var proofLink = false
    }

    /// The lot page at `target` as the server sends it, before (or without) the browser's check:
    /// its verifier script left out, saved to a file and loaded like a page. (Headless Chromium
    /// takes no screenshot with scripts turned off.)
    static func openUnchecked(port: Int, _ target: String, name: String, in directory: URL) throws -> Verdict {
        let page = try HTTPProbe.request("GET", target, port: port)
        let script = "<script src=\"/verify.js\"></script>"
        guard page.status == 200, page.text.contains(script) else { throw HTTPProbe.Failure(description: "\(target): \(page.status) \(page.text.prefix(400))") }
        let file = directory.appendingPathComponent("\(name).html")
        try page.text.replacingOccurrences(of: script, with: "").write(to: file, atomically: true, encoding: .utf8)
        return try open(file.absoluteString, name: name, in: directory)
    }

    /// Loads `url` at 360 px wide: the DOM once scripts have finished, and a screenshot.
    static func open(_ url: String, name: String, in directory: URL) throws -> Verdict {
        let dom = try Chromium.run(["--virtual-time-budget=15000", "--dump-dom", url], in: directory)
        let shot = directory.appendingPathComponent("\(name).png")
        _ = try Chromium.run(["--virtual-time-budget=15000", "--window-size=360,1400", "--screenshot=\(shot.path)", url], in: directory)
        if let keep = ProcessInfo.processInfo.environment["AGRITRACE_SCREENSHOTS"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: keep + "/\(name).png")
            try FileManager.default.copyItem(atPath: shot.path, toPath: keep + "/\(name).png")
            // A desktop-width picture too, only to be looked at.
            try? FileManager.default.removeItem(atPath: keep + "/\(name)-desktop.png")
            _ = try Chromium.run(["--virtual-time-budget=15000", "--window-size=1280,900", "--screenshot=\(keep)/\(name)-desktop.png", url], in: directory)
        }
        let image = try ImageDecoder.decode(data: try Data(contentsOf: shot), fileName: "\(name).png")
        #expect(image.width == 360)
        var green = 0, red = 0, amber = 0
        for offset in stride(from: 0, to: image.pixels.count, by: 3) {
            switch (image.pixels[offset], image.pixels[offset + 1], image.pixels[offset + 2]) {
            case (0x2e, 0x7d, 0x32), (0xe7, 0xf3, 0xe8): green += 1
            case (0xc6, 0x28, 0x28), (0xfd, 0xec, 0xea): red += 1
            case (0xb2, 0x6a, 0x00), (0xff, 0xf4, 0xd6): amber += 1
            default: break
            }
        }
        guard let stateRange = dom.range(of: "data-verdict=\""),
              let end = dom[stateRange.upperBound...].firstIndex(of: "\""),
              let open = dom.range(of: "id=\"verdict\""), let close = dom.range(of: "</div>", range: open.upperBound..<dom.endIndex) else {
            throw HTTPProbe.Failure(description: "no verdict element in the page: \(dom.prefix(400))")
        }
        let text = dom[open.upperBound..<close.lowerBound].replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
        // The grade box's tag, wherever its attributes are, and its words (the stand-alone verifier has none).
        guard dom.contains("id=\"grade\"") else {
            return Verdict(state: String(dom[stateRange.upperBound..<end]), text: text, gradeState: "(none)", gradeText: "",
                           greenPixels: green, redPixels: red, amberPixels: amber)
        }
        guard let gradeAt = dom.range(of: "id=\"grade\""), let tagStart = dom[..<gradeAt.lowerBound].range(of: "<p", options: .backwards),
              let tagEnd = dom[gradeAt.upperBound...].firstIndex(of: ">"),
              let gradeClose = dom.range(of: "</p>", range: tagEnd..<dom.endIndex) else {
            throw HTTPProbe.Failure(description: "no grade box in the page: \(dom.prefix(400))")
        }
        let tag = dom[tagStart.lowerBound..<tagEnd]
        let gradeState = tag.range(of: "data-state=\"([^\"]*)\"", options: .regularExpression)
            .map { String(tag[$0].dropFirst("data-state=\"".count).dropLast()) } ?? "(none)"
        let gradeText = dom[dom.index(after: tagEnd)..<gradeClose.lowerBound].replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
        return Verdict(state: String(dom[stateRange.upperBound..<end]), text: text, gradeState: gradeState, gradeText: gradeText,
                       greenPixels: green, redPixels: red, amberPixels: amber, proofLink: dom.contains("id=\"proof-link\""))
    }

    @Test func anHonestLotIsVerifiedInTheBrowser() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let verdict = try Self.open(server.baseURL + "/01/09506000134352/10/LOT-1?lang=en", name: "lot-verified", in: site.fixture.directory.url)
        #expect(verdict.state == "verified", "\(verdict.text)")
        #expect(verdict.text.contains("VERIFIED in your browser") && verdict.text.contains(ProvenanceFixture.origin), "\(verdict.text)")
        #expect(verdict.text.contains("grade: Premium"), "\(verdict.text)")
        #expect(verdict.greenPixels > 500 && verdict.redPixels == 0, "verdict box colours: \(verdict)")
        #expect(verdict.gradeState == "verified" && verdict.gradeText.contains("Premium") && !verdict.gradeText.contains("Not checked"), "\(verdict)")
        let vietnamese = try Self.open(server.baseURL + "/lot/LOT-1?lang=vi", name: "lot-verified-vi", in: site.fixture.directory.url)
        #expect(vietnamese.state == "verified" && vietnamese.text.contains("ĐÃ XÁC MINH"), "\(vietnamese.text)")
        #expect(vietnamese.gradeState == "verified" && vietnamese.greenPixels > 500 && vietnamese.redPixels == 0, "\(vietnamese)")
    }

    /// A key's base64 part holds "+" or "/" for most keys; the page must read such a trusted key
    /// (name+id+key split at the first two "+") and verify its lots, as `verify-label` does.
    @Test func aCooperativeWhoseKeyHoldsAPlusIsVerified() throws {
        let seeds = (UInt8(0)...UInt8(255)).map { [UInt8](repeating: $0, count: 32) }
        let seed = try #require(seeds.first { seed in
            (try? NoteSigner(name: ProvenanceFixture.origin, seed: seed))?.verifier.vkey.split(separator: "+").count ?? 0 > 3
        })
        let site = try ServeCommandTests.Site(seed: seed)
        defer { site.fixture.remove() }
        #expect(site.fixture.signer.verifier.vkey.split(separator: "+").count > 3)
        let server = try site.serve()
        defer { _ = server.stop() }
        let verdict = try Self.open(server.baseURL + "/lot/LOT-1?lang=en", name: "lot-plus-key", in: site.fixture.directory.url)
        #expect(verdict.state == "verified", "\(verdict.text)")
        #expect(verdict.gradeState == "verified" && verdict.redPixels == 0, "\(verdict)")
    }

    /// Before the browser has checked anything (what a slow phone shows first, or one without
    /// scripts), nothing on the page looks verified: the grade box is the server's word, in grey, saying so.
    @Test func beforeTheBrowsersCheckNothingLooksVerified() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        for language in ["en", "vi"] {
            let page = try Self.openUnchecked(port: server.port, "/lot/LOT-1?lang=\(language)", name: "lot-unchecked-\(language)",
                                              in: site.fixture.directory.url)
            #expect(page.state == "pending" && page.gradeState == "pending", "\(page)")
            #expect(page.gradeText.contains(language == "en" ? "Not checked yet" : "Chưa kiểm tra"), "\(page.gradeText)")
            #expect(page.greenPixels == 0 && page.redPixels == 0 && page.amberPixels == 0, "colours before the check: \(page)")
        }
    }

    @Test func anEntryAlteredInTheDatabaseIsNotVerifiedAndTheFailureIsNamed() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        // The grading (entry #3) now says Reject: the page shows it, the signature no longer matches.
        try SQLiteShell.tamper(site.db, "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '\"lot_grade\":\"Premium\"', '\"lot_grade\":\"Reject\"') AS BLOB) WHERE seq = 3;")
        let server = try site.serve()
        defer { _ = server.stop() }
        let verdict = try Self.open(server.baseURL + "/lot/LOT-1?lang=en", name: "lot-tampered", in: site.fixture.directory.url)
        #expect(verdict.state == "not-verified", "\(verdict.text)")
        #expect(verdict.text.contains("NOT VERIFIED") && verdict.text.contains("entry #3 (grading)"), "\(verdict.text)")
        #expect(verdict.redPixels > 500 && verdict.greenPixels == 0, "verdict box colours: \(verdict)")
        // The grade box above says so too: the grade shown is the server's, not proven.
        #expect(verdict.gradeState == "not-verified" && verdict.gradeText.contains("NOT VERIFIED: do not rely on this grade"), "\(verdict)")
        let vietnamese = try Self.open(server.baseURL + "/lot/LOT-1?lang=vi", name: "lot-tampered-vi", in: site.fixture.directory.url)
        #expect(vietnamese.state == "not-verified" && vietnamese.gradeState == "not-verified", "\(vietnamese)")
        #expect(vietnamese.gradeText.contains("KHÔNG XÁC MINH ĐƯỢC") && vietnamese.redPixels > 500 && vietnamese.greenPixels == 0, "\(vietnamese)")
        // The kind of record is named in the page's language too.
        #expect(vietnamese.text.contains("mục #3 (kết quả phân hạng)") && !vietnamese.text.contains("(grading)"), "\(vietnamese.text)")
    }

    /// Someone who can write the server's database but holds no key points a lot's address at
    /// another lot's genuine records (its index rows and its stored statement): every signature
    /// checks, but the records are of another lot than the label's address names. The browser
    /// compares the proven lot with the address, not with what the server wrote into the page.
    @Test func anotherLotsGenuineRecordsUnderALotsAddressAreNotVerified() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        let lot2 = try site.fixture.ledger.append([ProvenanceFixture.lot("LOT-2", origin: "VN-TG-001"), ProvenanceFixture.grading("LOT-2")],
                                                  signer: site.fixture.signer).appended.map(\.seq)
        try site.checkpoint()
        let lot1 = try site.fixture.ledger.entries(lotCode: "LOT-1").map(\.seq)
        try SQLiteShell.editKeepingTriggers(site.db, """
            DELETE FROM entry_keys WHERE name = 'lot_code' AND value = 'LOT-2';
            \(lot1.map { "INSERT INTO entry_keys (seq, name, value) VALUES (\($0), 'lot_code', 'LOT-2');" }.joined(separator: "\n"))
            DELETE FROM statements WHERE subject = 'LOT-2';
            INSERT INTO statements (subject, tree_size, note) SELECT 'LOT-2', tree_size, note FROM statements WHERE subject = 'LOT-1';
            """)
        #expect(lot2.count == 2)
        let server = try site.serve()
        defer { _ = server.stop() }
        for (target, name) in [("/lot/LOT-2?lang=en", "lot-redirected"), ("/01/09506000134352/10/LOT-2?lang=en", "lot-redirected-gs1")] {
            let verdict = try Self.open(server.baseURL + target, name: name, in: site.fixture.directory.url)
            #expect(verdict.state == "not-verified" && verdict.gradeState == "not-verified", "\(target): \(verdict)")
            #expect(verdict.text.contains("this address is for lot LOT-2, but the signed records are of lot LOT-1"), "\(target): \(verdict.text)")
            #expect(verdict.redPixels > 500 && verdict.greenPixels == 0, "\(target): \(verdict)")
        }
        let vietnamese = try Self.open(server.baseURL + "/lot/LOT-2?lang=vi", name: "lot-redirected-vi", in: site.fixture.directory.url)
        #expect(vietnamese.state == "not-verified" && vietnamese.text.contains("địa chỉ này dành cho lô LOT-2, nhưng hồ sơ đã ký là của lô LOT-1"),
                "\(vietnamese.text)")
        // The honest lot's own page still verifies.
        #expect(try Self.open(server.baseURL + "/lot/LOT-1?lang=en", name: "lot-redirect-source", in: site.fixture.directory.url).state == "verified")
    }

    /// A correction no reader applies, forced past the writer's rules (the writer refuses it): a
    /// "recall" written as `held: true` leaves the lot's state unknown, never green.
    @Test func aCorrectionNoReaderAppliesIsNotVerifiedInTheBrowser() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        let grading = try #require(try site.fixture.ledger.entries(lotCode: "LOT-1").last { $0.type == "grading" })
        let recall = ProvenanceRecord.correction(CorrectionRecord(corrects: grading.seq, correctsLeafHash: grading.leafHash.hex,
                                                                  reason: "recalled: hold this lot", lotCode: "LOT-1", changes: ["held": .bool(true)]))
        let lax = try Ledger(path: site.db, rules: FieldRulesOnly())
        let forced = try #require(try lax.append([recall], signer: site.fixture.signer).appended.first)
        try LotStatements.signCheckpoint(ledger: lax, signer: site.fixture.signer)
        let server = try site.serve()
        defer { _ = server.stop() }
        let verdict = try Self.open(server.baseURL + "/lot/LOT-1?lang=en", name: "lot-uninterpreted", in: site.fixture.directory.url)
        #expect(verdict.state == "not-verified" && verdict.gradeState == "not-verified", "\(verdict)")
        #expect(verdict.text.contains("correction #\(forced.seq) changes the field held, which this check cannot interpret"), "\(verdict.text)")
        #expect(verdict.greenPixels == 0, "\(verdict)")
        let vietnamese = try Self.open(server.baseURL + "/lot/LOT-1?lang=vi", name: "lot-uninterpreted-vi", in: site.fixture.directory.url)
        #expect(vietnamese.state == "not-verified" && vietnamese.text.contains("đính chính #\(forced.seq) thay đổi trường held"), "\(vietnamese.text)")
    }

    @Test func aProofSignedByAKeyTheVerifierDoesNotTrustIsNotVerified() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        let stranger = try NoteSigner(name: "someone-else.example/ledger", seed: [UInt8](repeating: 9, count: 32))
        try "log \(stranger.verifier.vkey)\n".write(toFile: site.trust, atomically: true, encoding: .utf8)
        let server = try site.serve()
        defer { _ = server.stop() }
        let verdict = try Self.open(server.baseURL + "/lot/LOT-1?lang=en", name: "lot-unknown-key", in: site.fixture.directory.url)
        #expect(verdict.state == "not-verified", "\(verdict.text)")
        #expect(verdict.text.contains("not signed by a key this verifier trusts"), "\(verdict.text)")
        #expect(verdict.gradeState == "not-verified" && verdict.redPixels > 500 && verdict.greenPixels == 0, "\(verdict)")
    }

    @Test func aHeldLotIsShownHeldAndItsProofSaysSo() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        let photo = GradedPhoto(file: "again.jpg", sha256: String(repeating: "0f", count: 32), classIndex: 0,
                                scoresBasisPoints: [5_000, 5_000], grade: "Premium", needsReview: true)
        try site.fixture.ledger.append([.grading(GradingRecord(lotCode: "LOT-1", model: String(repeating: "ab", count: 32),
                                                               policy: String(repeating: "cd", count: 32), uploadDigest: nil,
                                                               images: [.graded(photo)], lotGrade: "Premium",
                                                               distribution: ["Premium": 1], needsReview: 1, held: true))],
                                       signer: site.fixture.signer)
        try site.checkpoint()
        let server = try site.serve()
        defer { _ = server.stop() }
        let page = try HTTPProbe.request("GET", "/lot/LOT-1?lang=en", port: server.port)
        #expect(page.text.contains("HELD FOR REVIEW"))
        let verdict = try Self.open(server.baseURL + "/lot/LOT-1?lang=en", name: "lot-held", in: site.fixture.directory.url)
        #expect(verdict.state == "verified-held", "\(verdict.text)")
        #expect(verdict.text.contains("HELD FOR REVIEW"), "\(verdict.text)")
        #expect(verdict.amberPixels > 500 && verdict.greenPixels == 0 && verdict.redPixels == 0, "verdict box colours: \(verdict)")
        #expect(verdict.gradeState == "verified-held" && verdict.gradeText.contains("HELD FOR REVIEW"), "\(verdict)")
        let vietnamese = try Self.open(server.baseURL + "/lot/LOT-1?lang=vi", name: "lot-held-vi", in: site.fixture.directory.url)
        #expect(vietnamese.gradeState == "verified-held" && vietnamese.gradeText.contains("TẠM GIỮ"), "\(vietnamese)")
        #expect(vietnamese.amberPixels > 500 && vietnamese.greenPixels == 0 && vietnamese.redPixels == 0, "\(vietnamese)")
    }

    /// A lot recorded after the cooperative's last checkpoint has no proof yet: the page says
    /// "not yet verifiable" in grey (nothing failed, nothing is proven), never red or green.
    @Test func aLotNewerThanTheLastCheckpointIsNotYetVerifiableInGrey() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        try site.fixture.ledger.append([ProvenanceFixture.grading("LOT-1")], signer: site.fixture.signer)
        let server = try site.serve()
        defer { _ = server.stop() }
        let proof = try HTTPProbe.request("GET", "/lot/LOT-1/proof", port: server.port)
        #expect(proof.status == 404 && proof.headers["agritrace-proof-status"] == "not-yet-signed", "\(proof.headers)")
        #expect(proof.headers["access-control-expose-headers"] == "AgriTrace-Proof-Status", "a verifier on another host reads it too")
        let unknown = try HTTPProbe.request("GET", "/lot/LOT-404/proof", port: server.port)
        #expect(unknown.status == 404 && unknown.headers["agritrace-proof-status"] == nil, "an unknown lot is not 'not yet signed'")

        let verdict = try Self.open(server.baseURL + "/lot/LOT-1?lang=en", name: "lot-not-yet", in: site.fixture.directory.url)
        #expect(verdict.state == "not-yet-verifiable", "\(verdict.text)")
        #expect(verdict.text.contains("NOT YET VERIFIABLE") && verdict.text.contains("has not signed a checkpoint covering"), "\(verdict.text)")
        #expect(!verdict.text.contains("NOT VERIFIED") && verdict.redPixels == 0 && verdict.greenPixels == 0 && verdict.amberPixels == 0, "\(verdict)")
        #expect(verdict.gradeState == "not-yet-verifiable" && verdict.gradeText.contains("Not yet verifiable"), "\(verdict)")
        #expect(!verdict.proofLink, "no link to download a proof that is not there (it answers 404)")
        let vietnamese = try Self.open(server.baseURL + "/lot/LOT-1?lang=vi", name: "lot-not-yet-vi", in: site.fixture.directory.url)
        #expect(vietnamese.state == "not-yet-verifiable" && vietnamese.text.contains("CHƯA THỂ XÁC MINH"), "\(vietnamese.text)")
        #expect(vietnamese.gradeText.contains("Chưa thể xác minh") && vietnamese.redPixels == 0 && vietnamese.greenPixels == 0, "\(vietnamese)")

        // Once the cooperative signs a checkpoint, the same page is verified.
        try site.checkpoint()
        let signed = try Self.open(server.baseURL + "/lot/LOT-1?lang=en", name: "lot-signed-later", in: site.fixture.directory.url)
        #expect(signed.state == "verified" && signed.greenPixels > 500, "\(signed.text)")
        #expect(signed.proofLink, "the proof, now there, can be downloaded")
    }

    /// The cooperative's server does not answer the proof fetch (here: the stand-alone verifier,
    /// saved to a file, pointed at a closed port): grey "cannot check now", never red.
    @Test func aProofThatCannotBeFetchedIsGreyNotRed() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        let server = try site.serve()
        let proofURL = server.baseURL + "/lot/LOT-1/proof"
        let page = try HTTPProbe.request("GET", "/verifier?lang=vi&proof=" + Identifiers.percentEncoded(proofURL), port: server.port)
        _ = server.stop()
        let file = site.fixture.directory.url.appendingPathComponent("verifier-offline.html")
        try page.text.write(to: file, atomically: true, encoding: .utf8)
        let verdict = try Self.open(file.absoluteString, name: "verifier-offline", in: site.fixture.directory.url)
        #expect(verdict.state == "not-yet-verifiable", "\(verdict.text)")
        #expect(verdict.text.contains("CHƯA KIỂM TRA ĐƯỢC LÚC NÀY") && verdict.text.contains("không có phản hồi"), "\(verdict.text)")
        #expect(!verdict.text.contains("Failed to fetch") && verdict.redPixels == 0 && verdict.greenPixels == 0, "\(verdict)")
    }
}
