import Foundation
import LedgerStore
import MerkleLog
import Provenance
import Testing
import TestSupport

/// The details that come from the libraries, not from the commands: why a photo cannot be read,
/// which entry of a ledger was edited and what check it fails, why a zip entry, a proof file, a
/// key file or a database file is refused. In Vietnamese each must be a Vietnamese sentence:
/// the journey detector (`LocalizedJourneyTests.untranslated`) fails on any English in them.
@Suite struct LocalizedDetailTests {
    static func expectVietnamese(_ result: CommandResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let englishOnly = try LocalizedJourneyTests.englishOnlyWords()
        let bad = LocalizedJourneyTests.untranslated(result.stdout + "\n" + result.stderr, englishOnly)
        #expect(bad.isEmpty, "\(what): untranslated lines:\n\(bad.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }

    /// A copy of the sample upload with one photo cut short and one emptied.
    static func damagedUpload(in ws: GradeWorkspace) throws -> String {
        let upload = ws.path("upload")
        try FileManager.default.copyItem(atPath: FixtureFiles.url("uploads/sample").path, toPath: upload)
        let cut = upload + "/le-van-tam/IMG_20261104_4117.jpg"
        try Data(try Data(contentsOf: URL(fileURLWithPath: cut)).prefix(4000)).write(to: URL(fileURLWithPath: cut))
        try Data().write(to: URL(fileURLWithPath: upload + "/le-van-tam/IMG_20261104_4118.jpg"))
        return upload
    }

    @Test func unreadablePhotosAreExplainedInVietnamese() throws {
        let ws = try GradeWorkspace()
        defer { ws.remove() }
        let upload = try Self.damagedUpload(in: ws)
        let result = try AgriTraceBinary.run(["--lang", "vi", "grade", upload, "--ledger", ws.ledger, "--key", ws.key,
                                              "--model", ws.model, "--register-origins", "--results", ws.results])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("IMG_20261104_4117.jpg (lô DT-CT-261104-01): dữ liệu JPEG bị cắt cụt"), "\(result.stdout)")
        #expect(result.stdout.contains("IMG_20261104_4118.jpg (lô DT-CT-261104-01): tệp rỗng"), "\(result.stdout)")
        try Self.expectVietnamese(result, "grade")
        // The ledger and the results file keep the English reason: they are data, not messages.
        let results = try String(contentsOfFile: ws.results, encoding: .utf8)
        #expect(results.contains("\"error\":\"truncated JPEG data"), "\(results)")
        let english = try AgriTraceBinary.run(["grade", upload, "--ledger", ws.ledger, "--key", ws.key, "--model", ws.model])
        #expect(!english.stdout.contains("bị cắt cụt"))
    }

    /// A grading entry edited in the database: `ledger verify`, a reading command and the audit
    /// name the entry and what is wrong with it in Vietnamese.
    @Test func aTamperedLedgerIsExplainedInVietnamese() throws {
        let ws = try GradeWorkspace()
        defer { ws.remove() }
        let graded = try ws.grade(FixtureFiles.url("uploads/sample").path, ["--register-origins"])
        #expect([0, 1].contains(graded.status), "\(graded.stderr)")
        let ledger = try ws.openLedger()
        let origin = try #require(try ledger.entries(type: .origin).first { $0.body.fields["farm_id"]?.stringValue == "F-LV-014" }).seq
        let lot = try #require(try ledger.entries(type: .lot).first { $0.body.fields["lot_code"]?.stringValue == "DT-LV-261103-01" }).seq
        // A changed quantity (the signature no longer verifies) and a farm id that is no longer text (an entry rule).
        try SQLiteShell.editKeepingTriggers(ws.ledger, """
            UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '"quantity_g":850000', '"quantity_g":950000') AS BLOB) WHERE seq = \(lot);
            UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '"farm_id":"F-LV-014"', '"farm_id":7') AS BLOB) WHERE seq = \(origin);
            """)
        let verify = try AgriTraceBinary.run(["--lang", "vi", "ledger", "verify", "--ledger", ws.ledger])
        #expect(verify.status == 3)
        #expect(verify.stdout.contains("BỊ SỬA ĐỔI: mục hỏng đầu tiên: \(min(origin, lot))"), "\(verify.stdout)")
        #expect(verify.stdout.contains("chữ ký Ed25519 của"), "\(verify.stdout)")
        #expect(verify.stdout.contains("trường \"farm_id\" phải là một chuỗi"), "entry rules in Vietnamese: \(verify.stdout)")
        try Self.expectVietnamese(verify, "ledger verify")
        for arguments in [["trace", "DT-LV-261103-01", "--ledger", ws.ledger],
                          ["audit", "--ledger", ws.ledger, "--out", ws.path("audit.html")]] {
            let result = try AgriTraceBinary.run(["--lang", "vi"] + arguments)
            #expect(result.status == 3, "\(arguments[0]): \(result.stderr)")
            try Self.expectVietnamese(result, arguments[0])
        }
        let audit = try String(contentsOfFile: ws.path("audit.html"), encoding: .utf8)
        let bad = LocalizedJourneyTests.untranslated(LocalizedJourneyTests.pageText(audit), try LocalizedJourneyTests.englishOnlyWords())
        #expect(bad.isEmpty, "audit report:\n\(bad.joined(separator: "\n"))")
    }

    /// Checking an untouched ledger with another cooperative's key is not evidence of editing:
    /// it gets its own verdict, in both languages; an edited ledger checked with the wrong key
    /// is TAMPERED and says the key does not match too.
    @Test func aWrongKeyIsNotTampering() throws {
        let ws = try GradeWorkspace()
        defer { ws.remove() }
        let graded = try ws.grade(FixtureFiles.url("uploads/sample").path, ["--register-origins"])
        #expect([0, 1].contains(graded.status), "\(graded.stderr)")
        #expect(try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", ws.ledger, "--key", ws.key]).status == 0)
        let other = ws.path("other.vkey")
        try SigningKeyFile.writeVerifier(try NoteSigner(name: "other.example/ledger", seed: [UInt8](repeating: 9, count: 32)).verifier, to: other)
        let english = try AgriTraceBinary.run(["ledger", "verify", "--ledger", ws.ledger, "--vkey", other])
        #expect(english.status == 3)
        #expect(english.stdout.contains("NOT SIGNED BY THE GIVEN KEY"), "\(english.stdout)")
        #expect(!english.stdout.contains("TAMPERED"), "\(english.stdout)")
        let vietnamese = try AgriTraceBinary.run(["--lang", "vi", "ledger", "verify", "--ledger", ws.ledger, "--vkey", other])
        #expect(vietnamese.stdout.contains("KHÔNG ĐƯỢC KÝ BẰNG KHÓA ĐÃ CHO"), "\(vietnamese.stdout)")
        #expect(!vietnamese.stdout.contains("BỊ SỬA ĐỔI"), "\(vietnamese.stdout)")
        try Self.expectVietnamese(vietnamese, "ledger verify --vkey other")
        let json = try AgriTraceBinary.run(["ledger", "verify", "--ledger", ws.ledger, "--vkey", other, "--json"])
        #expect(json.stdout.contains("\"verdict\":\"not-signed-by-given-keys\""), "\(json.stdout)")
        let audit = try AgriTraceBinary.run(["audit", "--ledger", ws.ledger, "--vkey", other, "--out", ws.path("audit.html")])
        #expect(audit.status == 3)
        #expect(audit.stdout.contains("NOT SIGNED BY THE GIVEN KEY") && !audit.stdout.contains("FAILED"), "\(audit.stdout)")

        let lot = try #require(try ws.openLedger().entries(type: .lot).first { $0.body.fields["lot_code"]?.stringValue == "DT-LV-261103-01" }).seq
        try SQLiteShell.editKeepingTriggers(ws.ledger, """
            UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '"quantity_g":850000', '"quantity_g":950000') AS BLOB) WHERE seq = \(lot);
            """)
        let both = try AgriTraceBinary.run(["ledger", "verify", "--ledger", ws.ledger, "--vkey", other])
        #expect(both.status == 3)
        #expect(both.stdout.contains("TAMPERED: first bad entry: \(lot)"), "\(both.stdout)")
        #expect(both.stdout.contains("also: NOT SIGNED BY THE GIVEN KEY"), "\(both.stdout)")
    }

    /// Files that are not what they claim: a damaged zip upload, a cut proof file, a key file
    /// holding a verifier key, a ledger that is not a database.
    @Test func refusedFilesAreExplainedInVietnamese() throws {
        let ws = try GradeWorkspace()
        defer { ws.remove() }
        let zip = try AgriTraceBinary.run(["--lang", "vi", "grade", FixtureFiles.url("uploads/zip-slip.zip").path,
                                           "--ledger", ws.ledger, "--key", ws.key, "--model", ws.model])
        #expect(zip.status == 2, "\(zip.stderr)")
        #expect(zip.stderr.contains("đường dẫn ra ngoài bộ tải lên"), "\(zip.stderr)")
        try Self.expectVietnamese(zip, "grade zip-slip.zip")

        let graded = try ws.grade(FixtureFiles.url("uploads/sample").path, ["--register-origins"])
        #expect([0, 1].contains(graded.status), "\(graded.stderr)")
        #expect(try AgriTraceBinary.run(["label", "DT-LV-261103-01", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("labels")]).status == 0)
        let vkey = ws.path("coop.vkey")
        try SigningKeyFile.writeVerifier(try SigningKeyFile.load(ws.key).verifier, to: vkey)
        let proof = try String(contentsOfFile: ws.path("labels/DT-LV-261103-01.proof"), encoding: .utf8)
        let cut = ws.path("cut.proof")
        try String(proof.prefix(proof.count / 2)).write(toFile: cut, atomically: true, encoding: .utf8)
        let label = try AgriTraceBinary.run(["--lang", "vi", "verify-label", cut, "--vkey", vkey])
        #expect(label.status == 3, "\(label.stdout) \(label.stderr)")
        try Self.expectVietnamese(label, "verify-label cut.proof")

        let key = try AgriTraceBinary.run(["--lang", "vi", "ledger", "checkpoint", "--ledger", ws.ledger, "--key", vkey])
        #expect(key.status == 2, "\(key.stderr)")
        try Self.expectVietnamese(key, "--key coop.vkey")

        let notALedger = ws.path("notes.db")
        try Data("not a database, just text\n".utf8).write(to: URL(fileURLWithPath: notALedger))
        let trace = try AgriTraceBinary.run(["--lang", "vi", "trace", "DT-LV-261103-01", "--ledger", notALedger])
        #expect(trace.status != 0)
        #expect(trace.stderr.contains("tệp không phải là cơ sở dữ liệu"), "\(trace.stderr)")
        try Self.expectVietnamese(trace, "trace --ledger notes.db")
    }

    /// The detector these tests rely on finds the English details they guard against.
    @Test func detectorFindsLibraryEnglish() throws {
        let englishOnly = try LocalizedJourneyTests.englishOnlyWords()
        for line in ["a.jpg (lô X): truncated JPEG data", "BỊ SỬA ĐỔI: mục hỏng đầu tiên: 3 (quy tắc nghiệp vụ): field \"farm_id\" must be a string",
                     "notes.db: SQLite error 26: file is not a database"] {
            #expect(LocalizedJourneyTests.untranslated(line, englishOnly) == [line], "\(line)")
        }
        // A codec library's own words, quoted as such after the Vietnamese reason, are not ours.
        #expect(LocalizedJourneyTests.untranslated("a.jpg: dữ liệu JPEG bị cắt cụt (thông báo gốc của libjpeg: Premature end of JPEG file)",
                                                   englishOnly).isEmpty)
    }
}
