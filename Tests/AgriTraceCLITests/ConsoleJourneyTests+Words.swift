import Foundation
import Grading
import Imaging
import Testing
import TestSupport

/// What the console says, in the page's language: grades by the policy's names (lots table,
/// review page, labels), the review form's refusals by the form's own fields, unreadable photos
/// as `agritrace grade` reports them, and a refused upload by the name the clerk gave it.
extension ConsoleJourneyTests {
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    /// The text of the page's notice (`<section class="error|ok" role="status">`), or "" if none.
    static func notice(_ page: String) -> String {
        guard let start = page.range(of: "role=\"status\"><p>"), let end = page.range(of: "</p>", range: start.upperBound..<page.endIndex) else { return "" }
        return String(page[start.upperBound..<end.lowerBound])
    }

    /// A query parameter's value as the page's script sends it (`encodeURIComponent`).
    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"))!
    }

    /// Whether `condition` holds within 10 seconds (the worker removes an upload just after its
    /// job reads as ended).
    static func eventually(_ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    static func jobID(_ answer: HTTPProbe.Answer) throws -> String {
        try #require((try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])?["job"] as? String, "\(answer.status) \(answer.text)")
    }

    /// A reviewer sets the lot to each of the policy's grades in turn; after each, in both
    /// languages, the lots table, the review page and the label printed from the console name
    /// the grade as the policy does in that language, and the label is the one `agritrace label
    /// --lang` prints (one rule for both). Then every refusal of the review form names the
    /// form's fields, never a command-line option.
    @Test func everyGradeIsNamedInThePageLanguageAndReviewRefusalsNameTheFormsFields() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        var clerk = ConsoleClient(port: server.consolePort)
        #expect(try clerk.signIn("lan", Self.password).status == 303)
        let job = try Self.jobID(try clerk.upload(Array(try FixtureFiles.data("uploads/good.zip")), name: "good.zip"))
        #expect(try clerk.waitForJob(job)["state"] as? String == "finished")
        var reviewer = ConsoleClient(port: server.consolePort)
        #expect(try reviewer.signIn("minh", Self.password).status == 303)
        let policy = try GradingPolicy.bundledDefault()
        let lot = "DT-LV-261103-01"
        let labels = site.workspace.path("labels")
        #expect(policy.grades.contains { policy.displayName(of: $0, language: "vi") != $0 }, "the policy names no grade in Vietnamese: nothing to test")

        for (index, grade) in policy.grades.enumerated() {
            let decided = try reviewer.post("/console/review", [("lot", lot), try reviewer.seen("/console/review?lot=\(lot)"), ("decision", "grade"),
                                                                ("grade", grade), ("reason", "xem lại lần \(index)")])
            #expect(decided.status == 200, "\(grade): \(Self.notice(decided.text))")
            for language in ["vi", "en"] {
                func name(_ code: String) -> String { policy.displayName(of: code, language: language) }
                let home = try clerk.get("/console/?lang=\(language)").text
                #expect(home.contains("<td>\(Self.escaped(name(grade)))</td>"), "\(language) \(grade): lots table")
                let review = try reviewer.get("/console/review?lot=\(lot)&lang=\(language)").text
                for choice in policy.grades {
                    #expect(review.contains("<option value=\"\(Self.escaped(choice))\">\(Self.escaped(name(choice)))</option>"), "\(language) \(choice): choices")
                }
                let status = review.components(separatedBy: "<section><p>").dropFirst().first?.components(separatedBy: "</p>").first ?? ""
                #expect(status.contains(Self.escaped(name(grade))), "\(language) \(grade): \(status)")
                if name(grade) != grade {
                    #expect(!home.contains("<td>\(Self.escaped(grade))</td>") && !status.contains(grade), "\(language) \(grade) shown as its code")
                }

                let sheet = try clerk.post("/console/labels", [("lot", lot), ("stock", "50x30"), ("format", "png")])
                #expect(sheet.status == 200 && sheet.headers["content-type"] == "image/png")
                let printed = try AgriTraceBinary.run(["label", lot, "--ledger", site.workspace.ledger, "--key", site.workspace.key, "--out", labels,
                                                       "--size", "50x30", "--lang", language, "--replace"])
                #expect(printed.status == 0, "\(printed.stderr)")
                let file = try #require(try FileManager.default.contentsOfDirectory(atPath: labels).first { $0.hasSuffix(".png") })
                let fromConsole = try ImageDecoder.decode(data: Data(sheet.body), fileName: "labels.png")
                let fromCommand = try ImageDecoder.decode(data: Data(contentsOf: URL(fileURLWithPath: labels).appendingPathComponent(file)), fileName: file)
                #expect(fromConsole.width == fromCommand.width && fromConsole.height == fromCommand.height && fromConsole.pixels == fromCommand.pixels,
                        "\(language) \(grade): the console's label differs from `agritrace label --lang \(language)`")
            }
        }

        // The lot now stands at the policy's last grade, decided by review: not held.
        let current = try #require(policy.grades.last)
        let refusals: [(fields: [(String, String)], vi: String, en: String)] = [
            ([("decision", "grade"), ("grade", current), ("reason", " ")],
             "lựa chọn “Đổi sang hạng” cần ô “Lý do”", "the choice “Change the grade to” needs the field “Reason”"),
            ([("decision", "grade"), ("grade", current), ("reason", "quả\tdập")], "ô “Lý do”: ", "the field “Reason”: "),
            ([("decision", "accept")], "muốn đổi hạng thì chọn “Đổi sang hạng”, chọn một hạng và ghi “Lý do”",
             "to change its grade, choose “Change the grade to”, a grade, and write the “Reason”"),
        ]
        let before = try site.ledgerSize()
        for refusal in refusals {
            for language in ["vi", "en"] {
                _ = try reviewer.get("/console/?lang=\(language)")
                let answer = try reviewer.post("/console/review", [("lot", lot), try reviewer.seen("/console/review?lot=\(lot)&lang=\(language)")] + refusal.fields)
                let text = Self.notice(answer.text)
                #expect(answer.status == 400, "\(refusal.fields): \(text)")
                #expect(text.contains(language == "vi" ? refusal.vi : refusal.en), "\(language) \(refusal.fields): \(text)")
                #expect(!text.contains("--"), "a command-line option named to a web user: \(text)")
                if language == "vi" { #expect(!text.contains("Not recorded") && !text.contains(current), "\(text)") }
            }
        }
        #expect(try site.ledgerSize() == before)

        // A decision made on a page drawn before someone else's decision is refused, saying so.
        let page = try reviewer.get("/console/review?lot=\(lot)&lang=en").text
        let seen = try #require(page.components(separatedBy: "name=\"seen\" value=\"").dropFirst().first?.split(separator: "\"").first.map(String.init))
        #expect(page.contains("name=\"seen\""))
        let other = try #require(policy.grades.first { $0 != current })
        let firstDecision = try reviewer.post("/console/review", [("lot", lot), ("seen", seen), ("decision", "grade"), ("grade", other), ("reason", "xem lại")])
        #expect(firstDecision.status == 200, "\(Self.notice(firstDecision.text))")
        let decidedSize = try site.ledgerSize()
        for language in ["vi", "en"] {
            _ = try reviewer.get("/console/?lang=\(language)")
            let stale = try reviewer.post("/console/review", [("lot", lot), ("seen", seen), ("decision", "grade"), ("grade", current), ("reason", "xem lại")])
            let text = Self.notice(stale.text)
            #expect(stale.status == 400, "\(language): \(text)")
            #expect(text.contains(language == "vi" ? "mục #\(decidedSize - 1) về nội dung này đã được ghi sau khi trang này hiện ra"
                                                   : "entry #\(decidedSize - 1) about this was recorded after this page was shown"), "\(language): \(text)")
        }
        // A form whose state is missing, unreadable or ahead of the ledger was not drawn by this console: refused too.
        for forged in [[], [("seen", "")], [("seen", "abc")], [("seen", "999999")], [("seen", "-1")]] {
            _ = try reviewer.get("/console/?lang=en")
            let answer = try reviewer.post("/console/review", [("lot", lot)] + forged + [("decision", "grade"), ("grade", current), ("reason", "xem lại")])
            #expect(answer.status == 400 && Self.notice(answer.text).contains("this page is out of date or incomplete"), "\(forged): \(Self.notice(answer.text))")
        }
        #expect(try site.ledgerSize() == decidedSize)
    }

    /// Photos that cannot be read are recorded as rejected-unreadable; the job says the upload
    /// needs attention and lists each (the file as named in the upload, the reason in the page's
    /// language, the words `agritrace grade` prints), and the lot is marked in the lots table.
    /// A refused upload is named as the clerk named it; no upload stays in the work folder once
    /// its job has ended, nor one left by a server stopped before removing it.
    @Test func unreadablePhotosAreListedAndMarkedAndEndedUploadsAreNotKept() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        let work = site.workspace.path("coop.console-work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let leftover = (work as NSString).appendingPathComponent("0123456789abcdef01234567.zip")
        try Data("left by a server stopped mid-way".utf8).write(to: URL(fileURLWithPath: leftover))
        let server = try site.serve()
        defer { _ = server.stop() }
        #expect(!FileManager.default.fileExists(atPath: leftover), "an upload no job needs is kept")
        let uploads = { try FileManager.default.contentsOfDirectory(atPath: work).filter { $0 != "thumbnails" } }

        var files = try Self.sampleFiles(lots: ["DT-LV-261103-01"], folder: "thu-hoạch")
        // Split by scalars: the manifest's lines end in CRLF, one Character to Swift.
        let row = try #require(String(decoding: files[0].bytes, as: UTF8.self).unicodeScalars.split(separator: "\n").dropFirst().first
            .map { String(String.UnicodeScalarView($0)) })
        let broken = [("nguyen-van-ba/ảnh hỏng.jpg", [UInt8]()), ("nguyen-van-ba/ghi chú.jpg", Array("không phải ảnh".utf8))]
        for (path, bytes) in broken {
            files[0].bytes += Array((path + row.drop(while: { $0 != "," }) + "\n").utf8)
            files.append(("thu-hoạch/" + path, bytes))
        }
        let zip = ZipWriter.zip(files.map { (name: $0.path, bytes: $0.bytes) })
        let zipFile = site.workspace.path("thu-hoạch.zip")
        try Data(zip).write(to: URL(fileURLWithPath: zipFile))

        // What `agritrace grade` says of the same upload, in Vietnamese and English (a ledger each:
        // a second run would find the lot already recorded).
        var expected: [String: [String]] = [:]
        for language in ["vi", "en"] {
            let other = try GradeWorkspace()
            defer { other.remove() }
            let graded = try AgriTraceBinary.run(["grade", zipFile, "--ledger", other.ledger, "--key", other.key, "--register-origins", "--lang", language])
            #expect(graded.status == 1, "\(graded.stdout)\(graded.stderr)")
            let lines = graded.stdout.components(separatedBy: "\n")
            let start = try #require(lines.firstIndex { $0.hasSuffix(":") && $0.contains(language == "vi" ? "Ảnh không đọc được" : "Unreadable photos") }, "\(graded.stdout)")
            expected[language] = lines[(start + 1)...].prefix { $0.hasPrefix("  ") }.map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(expected[language]?.count == broken.count, "\(graded.stdout)")
            // Read back from the ledger, by a re-run and by `review`, the reasons keep the reader's language.
            let rerun = try AgriTraceBinary.run(["grade", zipFile, "--ledger", other.ledger, "--key", other.key, "--lang", language])
            let rerunLines = rerun.stdout.components(separatedBy: "\n")
            let rerunStart = try #require(rerunLines.firstIndex { $0.hasSuffix(":") && $0.contains(language == "vi" ? "Ảnh không đọc được" : "Unreadable photos") }, "\(rerun.stdout)")
            #expect(rerunLines[(rerunStart + 1)...].prefix { $0.hasPrefix("  ") }.map { $0.trimmingCharacters(in: .whitespaces) } == expected[language] ?? [], "\(rerun.stdout)")
            let review = try AgriTraceBinary.run(["review", "DT-LV-261103-01", "--ledger", other.ledger, "--lang", language])
            for line in expected[language] ?? [] {
                let reason = try #require(line.range(of: "): ").map { String(line[$0.upperBound...]) })
                #expect(review.stdout.contains(reason), "\(language): \(reason) not in\n\(review.stdout)")
            }
        }
        #expect(expected["vi"] != expected["en"])

        var clerk = ConsoleClient(port: server.consolePort)
        #expect(try clerk.signIn("lan", Self.password).status == 303)
        let job = try Self.jobID(try clerk.upload(zip, name: Self.queryValue("thu-hoạch.zip")))
        for language in ["vi", "en"] {
            _ = try clerk.get("/console/?lang=\(language)")
            let end = try clerk.waitForJob(job)
            #expect(end["state"] as? String == "finished")
            #expect((end["text"] as? String)?.contains(language == "vi" ? "Cần xem lại: 2 ảnh không đọc được" : "Needs attention: 2 photos could not be read") == true, "\(end)")
            let page = try clerk.get("/console/jobs/\(job)").text
            #expect(page.contains("class=\"attention\""), "a job with unreadable photos reads as all well")
            for line in expected[language] ?? [] {
                #expect(page.contains("<li>\(Self.escaped(line))</li>"), "\(language): \(line) not on the job page")
            }
            let home = try clerk.get("/console/").text
            #expect(home.contains(language == "vi" ? "2 ảnh không đọc được" : "2 photos unreadable"), "\(language): the lot row does not say so")
        }
        #expect(try Self.eventually { try uploads().isEmpty }, "a graded upload is kept")

        // Not a zip: refused, named as uploaded, not by the server's file name; nothing kept.
        let refused = try Self.jobID(try clerk.upload(Array("không phải zip".utf8), name: Self.queryValue("ảnh-sáng-nay.zip")))
        #expect(try clerk.waitForJob(refused)["state"] as? String == "refused")
        let page = try clerk.get("/console/jobs/\(refused)?lang=en").text
        #expect(page.contains("<li>ảnh-sáng-nay.zip: ") && !page.contains("\(refused).zip"), "\(page)")
        #expect(try Self.eventually { try uploads().isEmpty }, "a refused upload is kept")
    }
}
