import Foundation
import LedgerStore
import MerkleLog
import Provenance
import ProvenanceTestSupport
@testable import PublicServer
import Testing
import TestSupport
@testable import Traceability

@Suite struct TilePathTests {
    @Test func everyIndexHasExactlyOneSpellingAndItRoundTrips() {
        var generator = SeededGenerator(seed: 13)
        let indexes = [0, 1, 999, 1000, 1001, 999_999, 1_000_000, 1_234_067, TilePath.maxIndex] + (0..<200).map { _ in Int.random(in: 0...TilePath.maxIndex, using: &generator) }
        for index in indexes {
            let path = TilePath.encode(index: index)
            #expect(TilePath(["0"] + path.split(separator: "/")) == .hashes(level: 0, index: index, width: nil), "\(path)")
            #expect(TilePath(["entries"] + (path + ".p/7").split(separator: "/")) == .entries(index: index, width: 7))
        }
        #expect(TilePath.encode(index: 1_234_067) == "x001/x234/067")
        for bad in [["0", "x000", "001"], ["0", "1"], ["0", "x001"], ["0", "001", "002"], ["01", "000"], ["0", "000.p", "256"],
                    ["0", "000.p", "0"], ["0", "000.p"], ["0", "x001", "x002", "x003", "x004", "x005", "006"], ["0"], ["entries"], ["e", "000"]] {
            #expect(TilePath(bad.map { Substring($0) }) == nil, "\(bad)")
        }
    }
}

@Suite struct TrustListTests {
    static let log = try! NoteSigner(name: "coop.example/ledger", seed: [UInt8](repeating: 1, count: 32)).verifier
    static let witness = try! NoteSigner(name: "w.example/1", type: .cosignatureV1, seed: [UInt8](repeating: 2, count: 32)).verifier

    @Test func parsesKeysAndQuorumAndNamesTheLineOfEachProblem() throws {
        let list = try TrustList(parsing: "# comment\nlog \(Self.log.vkey)\n\nwitness \(Self.witness.vkey)\nquorum 1\n", file: "t.txt")
        #expect(list.logKeys == [Self.log] && list.witnesses == [Self.witness] && list.quorum == 1)
        #expect(try TrustList(parsing: "log \(Self.log.vkey)\nwitness \(Self.witness.vkey)\n", file: "t").quorum == 1)
        let cases: [(String, String)] = [
            ("witness \(Self.witness.vkey)\n", "t.txt: no 'log <vkey>' line"),
            ("log \(Self.witness.vkey)\n", "t.txt:1: a log key must be"),
            ("log \(Self.log.vkey)\nwitness \(Self.log.vkey)\n", "t.txt:2: a witness key must be"),
            ("log \(Self.log.vkey)\nquorum 2\n", "quorum 2 is more than the 0 witness keys"),
            ("log \(Self.log.vkey)\nquorum 01\n", "t.txt:2: quorum '01'"),
            ("log \(Self.log.vkey)\nkey x\n", "t.txt:2: unknown item 'key'"),
            ("log coop+00000000+AAAA\n", "t.txt:1:"),
        ]
        for (text, message) in cases {
            #expect(throws: TrustListError.self) { try TrustList(parsing: text, file: "t.txt") }
            do { _ = try TrustList(parsing: text, file: "t.txt") } catch { #expect(error.description.contains(message), "\(error)") }
        }
    }
}

@Suite struct LotPageTests {
    /// Markup that hides in grapheme clusters: `<` after U+0600, `>` before U+0301, quotes, and a
    /// closing script tag aimed at the JSON data block.
    static let hostile = "\u{0600}<img src=x onerror=alert(1)>\u{0301}\"'</script><script>alert(2)</script>&"

    @Test func ledgerTextIsEscapedInTheHTMLAndCannotCloseTheDataBlock() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        try fixture.ledger.append([
            .origin(OriginRecord(originCode: "VN-TG-001", farmID: "F-1", farmName: Self.hostile, commune: nil, district: nil, province: nil, crop: "mango")),
            .lot(LotRecord(lotCode: "LOT-1", originCode: "VN-TG-001", farmID: "F-1", cooperative: Self.hostile, crop: "mango",
                           harvestDate: "2026-03-01", quantityGrams: 1_500, gtin: nil, uploadDigest: nil)),
            ProvenanceFixture.grading("LOT-1"),
        ], signer: fixture.signer)
        let state = try LotState(entries: try LotProof.entries(lotCode: "LOT-1", ledger: fixture.ledger))
        let trust = TrustList(logKeys: [fixture.signer.verifier])
        let html = LotPage.lot(state, ledger: Self.hostile, trust: trust, proofPath: "/lot/LOT-1/proof", scriptSHA256: "x", language: .en).text
        // Searched as bytes: `String.contains` compares Characters, and "&gt;" + U+0301 is one of them.
        let bytes = Array(html.utf8)
        func has(_ needle: String) -> Bool { bytes.firstRange(of: Array(needle.utf8)) != nil }
        #expect(!has("<img") && !has("<script>alert") && !has("\u{0600}<"))
        #expect(html.components(separatedBy: "</script>").count == 3, "only the data block and the script tag close")
        #expect(has("&lt;img src=x onerror=alert(1)&gt;") && has("1.5 kg"))
        // The data block still parses as JSON and carries the text as written.
        let start = try #require(html.range(of: "id=\"agritrace-config\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let json = try JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8)) as? [String: Any]
        #expect((json?["expect"] as? [String: Any])?["lot"] as? String == "LOT-1")
    }

    /// Vietnamese pages: the catalogue's words, days as dd/MM/yyyy, times with them, and the
    /// policy's grade names; English pages keep ISO days and the codes' own names.
    @Test func lotPagesSayDaysAndGradesTheLanguagesWay() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        try fixture.ledger.append([
            .origin(OriginRecord(originCode: "VN-TG-001", farmID: "F-1", farmName: "Nguyễn Văn Ba", commune: nil, district: nil, province: nil, crop: "xoài")),
            .lot(LotRecord(lotCode: "LOT-1", originCode: "VN-TG-001", farmID: "F-1", cooperative: "HTX Tân Thuận", crop: "xoài",
                           harvestDate: "2026-03-01", quantityGrams: 1_500, gtin: nil, uploadDigest: nil)),
            ProvenanceFixture.grading("LOT-1"),
        ], signer: fixture.signer)
        let state = try LotState(entries: try LotProof.entries(lotCode: "LOT-1", ledger: fixture.ledger))
        let grade = try #require(state.currentGrade)
        func page(_ language: PageLanguage) -> String {
            LotPage.lot(state, ledger: "coop", trust: nil, proofPath: "/lot/LOT-1/proof", scriptSHA256: "x", language: language,
                        gradeNames: language == .vi ? [grade: "Hạng thử nghiệm"] : [:]).text
        }
        let vi = page(.vi), en = page(.en)
        #expect(vi.contains("<html lang=\"vi\">") && vi.contains("Ngày thu hoạch") && vi.contains("01/03/2026") && !vi.contains("2026-03-01<"))
        #expect(vi.contains("Hạng: Hạng thử nghiệm") && vi.contains("1,5 kg") && vi.contains("\"Hạng thử nghiệm\""), "names reach the verifier too")
        #expect(vi.range(of: #"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d UTC"#, options: .regularExpression) != nil, "the grading's time, Vietnamese order")
        #expect(en.contains("Harvest date") && en.contains("2026-03-01") && en.contains("Grade: \(grade)") && en.contains("1.5 kg"))
        #expect(PageText.vietnamese["title.lot"] == "Lô hàng %1" && PageText.english["title.lot"] == "Lot %1")
        #expect(PageText.vietnamese["lang.other"] == "English" && PageText.english["lang.other"] == "Tiếng Việt")
        // Every text comes translated (GTIN, a code, is the one word the same in both).
        let same = PageText.english.keys.filter { PageText.english[$0] == PageText.vietnamese[$0] }
        #expect(same == ["field.gtin"], "\(same)")
    }

    /// Each correction on the page names the reviewer who made it (when the entry records one),
    /// in both languages, escaped like every ledger text; one without a reviewer still reads whole.
    @Test func correctionsNameTheirReviewer() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let appended = try fixture.ledger.append([
            .origin(OriginRecord(originCode: "VN-TG-001", farmID: "F-1", farmName: "Nguyễn Văn Ba", commune: nil, district: nil, province: nil, crop: "xoài")),
            .lot(LotRecord(lotCode: "LOT-1", originCode: "VN-TG-001", farmID: "F-1", cooperative: "HTX Tân Thuận", crop: "xoài",
                           harvestDate: "2026-03-01", quantityGrams: 1_500, gtin: nil, uploadDigest: nil)),
            ProvenanceFixture.grading("LOT-1"),
        ], signer: fixture.signer).appended
        let grading = appended[2], lot = appended[1]
        try fixture.ledger.append([
            .correction(CorrectionRecord(corrects: grading.seq, correctsLeafHash: grading.leafHash.hex, reason: "trái bị dập",
                                         reviewer: "Trần Thị <Lan>", lotCode: "LOT-1", changes: ["lot_grade": .string("Reject")])),
            .correction(CorrectionRecord(corrects: lot.seq, correctsLeafHash: lot.leafHash.hex, reason: "typo",
                                         lotCode: "LOT-1", originCode: "VN-TG-001", changes: ["harvest_date": .string("2026-03-02")])),
        ], signer: fixture.signer)
        let state = try LotState(entries: try LotProof.entries(lotCode: "LOT-1", ledger: fixture.ledger))
        #expect(state.corrections.count == 2)
        func page(_ language: PageLanguage) -> String {
            LotPage.lot(state, ledger: "coop", trust: nil, proofPath: "/lot/LOT-1/proof", scriptSHA256: "x", language: language).text
        }
        let en = page(.en), vi = page(.vi)
        #expect(en.contains(" by Trần Thị &lt;Lan&gt;: ") && en.contains("(reason: trái bị dập)"), "\(en)")
        #expect(vi.contains("Trần Thị &lt;Lan&gt; đính chính") && vi.contains("(lý do: trái bị dập)"), "\(vi)")
        // The one without a reviewer: no empty name.
        #expect(en.contains("Entry #\(lot.seq) corrected on ") && en.contains("(reason: typo)") && !en.contains(" by : "), "\(en)")
    }

    @Test func pageTextsExistInBothLanguagesAndFormatInOnePass() {
        #expect(Set(PageText.english.keys) == Set(PageText.vietnamese.keys))
        #expect(PageText.format(["k": "%1 and %2"], "k", "%2", "b") == "%2 and b")
        #expect(PageLanguage.from(acceptLanguage: "en-GB,en;q=0.9", query: nil) == .en)
        #expect(PageLanguage.from(acceptLanguage: "fr, vi-VN", query: nil) == .vi)
        #expect(PageLanguage.from(acceptLanguage: "en", query: "vi") == .vi)
        #expect(PageLanguage.from(acceptLanguage: nil, query: nil) == .vi)
        // Quality values count: a lower q loses, q=0 means "not this one".
        #expect(PageLanguage.from(acceptLanguage: "en;q=0.1, vi;q=0.9", query: nil) == .vi)
        #expect(PageLanguage.from(acceptLanguage: "vi;q=0, en;q=0.5", query: nil) == .en)
        #expect(PageLanguage.from(acceptLanguage: "fr, en;q=0.8, vi;q=0.8", query: nil) == .en)
        #expect(PageLanguage.from(acceptLanguage: "vi;q=0", query: nil) == .vi)   // nothing acceptable: the default
    }

    /// A halt's detail in the page's language; evidence kept before the Vietnamese was (no
    /// `detailVietnamese`) shows its English on both pages rather than nothing.
    @Test func auditEvidenceIsInThePagesLanguageWithTheEnglishForOlderEvidence() {
        let audit = PublicPages.CooperativeAudit(
            name: "HTX-A", baseURL: "http://a.example", keyName: "a.example/ledger", following: false, entries: 3, checkpointSize: 3,
            cosignedSize: nil, latestCheckpoint: nil, lastError: nil, lastErrorVietnamese: nil,
            evidence: [.init(kind: "rollback", detail: "rollback: <new> words", detailVietnamese: "quay lui: <mới>", earlierNote: "e", laterNote: "l"),
                       .init(kind: "fork", detail: "fork: old English only", earlierNote: nil, laterNote: "l2")])
        let vietnamese = PublicPages.cooperativeAudit(audit, acceptLanguage: nil, language: "vi").html
        let english = PublicPages.cooperativeAudit(audit, acceptLanguage: nil, language: "en").html
        #expect(vietnamese.contains("quay lui: &lt;mới&gt;") && !vietnamese.contains("rollback: &lt;new&gt; words"))
        #expect(english.contains("rollback: &lt;new&gt; words") && !english.contains("quay lui"))
        #expect(vietnamese.contains("fork: old English only") && english.contains("fork: old English only"))
        // What each kind of evidence proves: a rollback's two checkpoints do not contradict each other on their own.
        #expect(english.contains("the order in which the province saw them is the evidence") && vietnamese.contains("bằng chứng là thứ tự"))
        #expect(english.contains("those entries, with the ones served after them, do not give") && !english.contains("together they prove"))
        let invalid = PublicPages.CooperativeAudit(
            name: "HTX-B", baseURL: "http://b.example", keyName: "b.example/ledger", following: false, entries: 4, checkpointSize: 0,
            cosignedSize: nil, latestCheckpoint: nil, lastError: nil, lastErrorVietnamese: nil,
            evidence: [.init(kind: "invalid_entry", detail: "entry #4 breaks", detailVietnamese: "mục #4 vi phạm", earlierNote: nil, laterNote: "l")])
        let invalidPage = PublicPages.cooperativeAudit(invalid, acceptLanguage: nil, language: "en").html
        #expect(invalidPage.contains("The checkpoint that signs it:") && !invalidPage.contains("The conflicting checkpoint:")
                && !invalidPage.contains("The checkpoint verified earlier:"))
    }
}

@Suite struct QueryValueTests {
    /// Every page server reads its query this way: '+' is a space, percent-encoding is decoded once,
    /// a name matches whole (not as a prefix), the first value wins, and bad encoding is no value.
    @Test func decodesOnceAndMatchesWholeNames() {
        let query = "language=en&lang=vi&cooperative=H%E1%BB%A3p+t%C3%A1c+x%C3%A3&lot=A%2BB%252F&bad=%E1%BB&lang=en&empty="
        #expect(PublicPages.queryValue("lang", in: query) == "vi")
        #expect(PublicPages.queryValue("cooperative", in: query) == "Hợp tác xã")
        #expect(PublicPages.queryValue("lot", in: query) == "A+B%2F")
        #expect(PublicPages.queryValue("bad", in: query) == nil)
        #expect(PublicPages.queryValue("empty", in: query) == "")
        #expect(PublicPages.queryValue("la", in: query) == nil)
        #expect(PublicPages.queryValue("lang", in: nil) == nil)
        #expect(PublicPages.queryValue("lang", in: "lang") == nil)
    }
}
