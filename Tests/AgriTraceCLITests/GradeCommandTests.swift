import Foundation
import Kernels
import LedgerStore
import Provenance
import NeuralNet
import Testing
import TestSupport
import Traceability

@Suite struct GradeCommandTests {
    let sample = FixtureFiles.url("uploads/sample").path

    /// The tone model's photo grades of the sample upload: counts per grade Premium/Grade I/Grade II/Reject.
    /// A change here means classification changed.
    static let toneModelCounts: [String: [Int]] = [
        "DT-LV-261103-01": [1, 5, 2, 0],
        "DT-LV-261103-02": [0, 1, 4, 3],
        "DT-CT-261104-01": [0, 1, 4, 3],
        "DT-TM-261104-02": [1, 2, 2, 1],
        "DT-LV-261105-03": [2, 3, 0, 5],
    ]

    @Test func gradesTheSampleUploadAsExpectedAndReRunningRecordsNothingNew() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let first = try workspace.grade(sample, ["--register-origins", "--cooperative", "HTX-LAI-VUNG",
                                                 "--results", workspace.results, "--jobs", "2"])
        #expect(first.stdout.contains("Ledger: 14 entries written (4 origins registered), tree size 15."))

        let ledger = try workspace.openLedger()
        #expect(try ledger.verify().isIntact)
        let lots = try ledger.entries(type: .lot)
        let gradings = try ledger.entries(type: .grading)
        #expect(lots.count == 5 && gradings.count == 5)
        // Review flags, lot grades and holds follow from the recorded scores as the policy says,
        // recomputed here independently (the hold exactly where the simulated confidence cannot
        // straddle the 50 % limit).
        var held: [String] = []
        for entry in gradings {
            guard case .grading(let grading) = try entry.record(), let counts = Self.toneModelCounts[grading.lotCode] else {
                Issue.record("unexpected entry \(entry.seq)"); continue
            }
            #expect(["Premium", "Grade I", "Grade II", "Reject"].map { grading.distribution[$0] ?? -1 } == counts, "\(grading.lotCode)")
            let scores = grading.images.compactMap { image -> GradedPhoto? in if case .graded(let p) = image { p } else { nil } }
            let review = scores.filter { photo in
                photo.scoresBasisPoints.indices.filter { ToneModel.reviewRule.classGroups[$0] == ToneModel.reviewRule.classGroups[photo.classIndex] }
                    .reduce(0) { $0 + photo.scoresBasisPoints[$1] } < ToneModel.reviewRule.thresholdBP
            }
            #expect(scores.map(\.needsReview) == scores.map { photo in review.contains { $0.file == photo.file } }, "\(grading.lotCode)")
            #expect(grading.needsReview == review.count)
            let decision = ToneModel.lotDecision(scoresBasisPoints: scores.map(\.scoresBasisPoints))
            #expect(grading.lotGrade == decision.grade, "\(grading.lotCode)")
            if abs(decision.confidence - 0.5) > 0.03 { #expect(grading.held == (decision.confidence < 0.5), "\(grading.lotCode): \(decision)") }
            if grading.held { held.append(grading.lotCode) }
            // Which compiled kernels computed the probabilities (the test process and the CLI choose alike).
            #expect(grading.kernels == KernelISA.active.rawValue, "\(grading.lotCode)")
        }
        #expect(first.status == (held.isEmpty ? 0 : 1), "\(first.stderr)")
        if !held.isEmpty { #expect(first.stdout.contains("Held for review: " + held.joined(separator: ", "))) }
        guard case .lot(let lot) = try lots[0].record() else { Issue.record("not a lot"); return }
        #expect(lot.cooperative == "HTX-LAI-VUNG" && lot.quantityGrams == 850_000 && lot.gtin == "08936045120019")
        guard case .origin(let origin) = try ledger.entries(type: .origin)[1].record() else { Issue.record("not an origin"); return }
        // Registered from NFD manifest fields, stored NFC.
        #expect(origin.farmName == "Trần Thị Hồng" && origin.commune == "Long Hậu" && origin.province == "Đồng Tháp")

        // The results file: one line per photo, agreeing with the ledger's images.
        let lines = try String(contentsOfFile: workspace.results, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 40)
        let recorded = try gradings.flatMap { entry -> [GradedImage] in
            guard case .grading(let grading) = try entry.record() else { return [] }
            return grading.images
        }
        for (line, image) in zip(lines, recorded) {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard case .graded(let photo) = image else { Issue.record("unreadable \(image.file)"); continue }
            #expect(object["file"] as? String == photo.file && object["sha256"] as? String == photo.sha256)
            #expect(object["class"] as? Int == photo.classIndex && object["grade"] as? String == photo.grade)
            let probabilities = (object["probabilities"] as! [Double]).map { Int(($0 * 10_000).rounded()) }
            #expect(probabilities == photo.scoresBasisPoints)
        }

        let again = try workspace.grade(sample, ["--cooperative", "HTX-LAI-VUNG", "--json", "--jobs", "1"])
        // The same status as the first run: the same lots are still held.
        #expect(again.status == first.status, "\(again.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [String: Any]
        let changes = summary["ledger"] as! [String: Any]
        #expect(changes["entries_written"] as? Int == 0)
        #expect(changes["tree_size"] as? Int == 15)
        #expect((summary["lots"] as! [[String: Any]]).allSatisfy { $0["status"] as? String == "already-recorded" })
        #expect((summary["lots"] as! [[String: Any]]).filter { $0["held"] as? Bool == true }.map { $0["lot"] as! String } == held)
        let human = try workspace.grade(sample, ["--cooperative", "HTX-LAI-VUNG", "--quiet"])
        #expect(human.stdout.contains("Nothing new: every lot of this upload is already recorded in the ledger."))
        guard case .grading(let firstGrading) = try gradings[0].record() else { Issue.record("not a grading"); return }
        #expect(human.stdout.contains(firstGrading.lotGrade + (firstGrading.held ? " (held)" : "")))
        #expect(human.stdout.contains("already recorded #5,#6"))
        #expect(human.stderr.isEmpty)
        #expect(try Ledger(provenanceAt: workspace.ledger).size() == 15)
    }

    @Test func aCorruptedPhotoIsRecordedAsUnreadableAndTheRestIsGraded() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let upload = workspace.directory.url.appendingPathComponent("upload")
        try FileManager.default.copyItem(at: FixtureFiles.url("uploads/sample"), to: upload)
        let photo = "tran-thi-hong/IMG_20261103_4110.jpg"
        let original = try Data(contentsOf: upload.appendingPathComponent(photo))
        let corrupted = original.prefix(300) + Data(repeating: 0x5A, count: 200)   // header intact, scan garbage
        try corrupted.write(to: upload.appendingPathComponent(photo))

        let result = try workspace.grade(upload.path, ["--register-origins", "--results", workspace.results])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Unreadable photos (recorded as rejected-unreadable):"))
        #expect(result.stdout.contains("  \(photo) (lot DT-LV-261103-02): "))
        let ledger = try workspace.openLedger()
        #expect(try ledger.entries(type: .grading).count == 5)
        let images = try ledger.entries(lotCode: "DT-LV-261103-02").compactMap { entry -> [GradedImage]? in
            if case .grading(let grading) = try entry.record() { return grading.images }
            return nil
        }.flatMap { $0 }
        let unreadable = images.filter { if case .unreadable = $0 { return true } else { return false } }
        #expect(unreadable.map(\.file) == [photo])
        #expect(unreadable.first?.sha256 == sha256Hex(corrupted))
        let line = try String(contentsOfFile: workspace.results, encoding: .utf8).split(separator: "\n")
            .first { $0.contains(photo) }!
        #expect(line.contains("\"error\":"))
        #expect(try ledger.verify().isIntact)
        // The lot's grade speaks for its readable photos only, so a person decides it.
        guard case .grading(let grading) = try ledger.entries(lotCode: "DT-LV-261103-02").last?.record() else { Issue.record("no grading"); return }
        #expect(grading.held && grading.holdReason == .unreadablePhotos)
        let review = try AgriTraceBinary.run(["review", "DT-LV-261103-02", "--ledger", workspace.ledger])
        #expect(review.stdout.contains("1 of its 8 photos could not be read, so its grade speaks for the readable ones only"), "\(review.stdout)")
        // A re-run records nothing, exits as the first run did and names the photo again, from the ledger.
        let again = try workspace.grade(upload.path, [])
        #expect(again.status == 1 && again.stdout.contains("  \(photo) (lot DT-LV-261103-02): "), "\(again.stdout)")
        #expect(try ledger.entries(type: .grading).count == 5)
    }

    /// One photo under two names is one tomato: it counts once in the grade, and the lot is held.
    @Test func aRepeatedPhotoCountsOnceAndHoldsTheLot() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let upload = workspace.directory.url.appendingPathComponent("upload")
        try FileManager.default.copyItem(at: FixtureFiles.url("uploads/sample"), to: upload)
        let copies = ["nguyen-van-ba/IMG_20261103_4102.jpg", "nguyen-van-ba/IMG_20261103_4103.jpg", "nguyen-van-ba/IMG_20261103_4104.jpg"]
        for copy in copies {
            try FileManager.default.removeItem(at: upload.appendingPathComponent(copy))
            try FileManager.default.copyItem(at: upload.appendingPathComponent("nguyen-van-ba/IMG_20261103_4101.jpg"), to: upload.appendingPathComponent(copy))
        }
        let result = try workspace.grade(upload.path, ["--register-origins", "--quiet"])
        #expect(result.status == 1, "\(result.stderr)")
        let ledger = try workspace.openLedger()
        guard case .grading(let grading) = try ledger.entries(lotCode: "DT-LV-261103-01").last?.record() else { Issue.record("no grading"); return }
        #expect(grading.held && grading.holdReason == .repeatedPhotos && grading.repeatedCount == 3)
        #expect(grading.images.count == 8, "every photo is still recorded")
        let trace = try AgriTraceBinary.run(["--lang", "vi", "review", "DT-LV-261103-01", "--ledger", workspace.ledger])
        #expect(trace.stdout.contains("3 trong 8 ảnh của lô trùng với một ảnh khác của lô"), "\(trace.stdout)")
    }

    @Test func aMalformedManifestIsRefusedWithEveryProblemAndNothingRecorded() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let upload = workspace.directory.url.appendingPathComponent("upload")
        try FileManager.default.copyItem(at: FixtureFiles.url("uploads/sample"), to: upload)
        let manifestURL = upload.appendingPathComponent("manifest.csv")
        var lines = try String(contentsOf: manifestURL, encoding: .utf8).components(separatedBy: "\r\n")
        lines[3] = lines[3].replacingOccurrences(of: "2026-11-03", with: "2026-11-31")     // line 4: bad date
        lines[18] = lines[18].replacingOccurrences(of: "VN-DTOR-0203", with: "VN-DTOR-9999")  // line 19: lot disagrees
        lines.remove(at: 20)                                                                   // a photo left unlisted
        try lines.joined(separator: "\r\n").write(to: manifestURL, atomically: true, encoding: .utf8)

        let result = try workspace.grade(upload.path, ["--register-origins"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("3 problems, nothing was graded or recorded"))
        #expect(result.stderr.contains("manifest.csv:4: harvest_date '2026-11-31': no such day, November 2026 has 30 days"))
        #expect(result.stderr.contains("manifest.csv:19: lot DT-CT-261104-01: origin_code 'VN-DTOR-9999' disagrees with 'VN-DTOR-0203' on line 18"))
        #expect(result.stderr.contains("le-van-tam/IMG_20261104_4120.jpg: not listed in manifest.csv"))
        #expect(try workspace.openLedger().size() == 1)
    }

    /// The manifest as plain "CSV" from Excel on a Vietnamese Windows (Windows-1258, `;`): one
    /// problem, in the clerk's language, naming the encoding and Excel's menu words; nothing recorded.
    @Test(arguments: [
        (["--lang", "vi"], "manifest.csv: không phải văn bản UTF-8: tệp có vẻ ở bảng mã Windows-1258 (tiếng Việt)",
         "Tệp > Lưu Như > \"CSV UTF-8 (Phân cách bằng dấu phẩy) (*.csv)\"", "1 lỗi, chưa phân hạng và chưa ghi gì"),
        (["--lang", "en"], "manifest.csv: is not UTF-8 text: it looks like Windows-1258 (Vietnamese)",
         "File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\"", "1 problem, nothing was graded or recorded"),
    ])
    func aWindows1258ManifestGetsOneTranslatedProblem(language: [String], problem: String, menu: String, head: String) throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let upload = workspace.directory.url.appendingPathComponent("upload")
        try FileManager.default.copyItem(at: FixtureFiles.url("uploads/sample"), to: upload)
        try Data(contentsOf: FixtureFiles.url("manifests/excel-vi-csv-cp1258.csv")).write(to: upload.appendingPathComponent("manifest.csv"))
        let result = try workspace.grade(upload.path, ["--register-origins"] + language)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(head), "\(result.stderr)")
        #expect(result.stderr.contains(problem), "\(result.stderr)")
        #expect(result.stderr.contains(menu), "\(result.stderr)")
        #expect(result.stderr.components(separatedBy: "manifest.csv").count == 2, "one problem: \(result.stderr)")
        #expect(try workspace.openLedger().size() == 1)
    }

    @Test func aZipWithEscapingEntriesIsRefused() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let result = try workspace.grade(FixtureFiles.url("uploads/zip-slip.zip").path, ["--register-origins"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("../../etc/cron.d/evil.jpg: path escapes the upload ('..')"))
        #expect(result.stderr.contains("/tmp/absolute.jpg: absolute path"))
        #expect(result.stderr.contains("nguyen-van-ba/link.jpg: symbolic links are not allowed in uploads"))
        #expect(try workspace.openLedger().size() == 1)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/absolute.jpg"))
    }

    @Test func aZipUploadIsGraded() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let result = try workspace.grade(FixtureFiles.url("uploads/good.zip").path, ["--register-origins", "--json"])
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let held = (summary["lots"] as! [[String: Any]])[0]["held"] as! Bool
        #expect(result.status == (held ? 1 : 0), "\(result.stderr)")
        #expect(summary["photos_graded"] as? Int == 3)
        #expect(summary["upload"] as? String == "good.zip")
        #expect(try workspace.openLedger().entries(type: .grading).count == 1)
        // The lot's confidence is reported, and the hold follows it (the bundled policy: below 60 %).
        let confidence = try #require((summary["lots"] as! [[String: Any]])[0]["lot_confidence_bp"] as? Int)
        #expect((0...10_000).contains(confidence) && held == (confidence < 6000), "\(confidence) \(held)")
        // A re-run grades nothing again, so it reports no confidence.
        let again = try workspace.grade(FixtureFiles.url("uploads/good.zip").path, ["--json"])
        let lots = (try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [String: Any])["lots"] as! [[String: Any]]
        #expect(lots.count == 1 && lots[0]["status"] as? String == "already-recorded" && lots[0]["lot_confidence_bp"] == nil)
    }

    @Test func unregisteredOriginsAndLedgerProblemsHaveTheirOwnStatus() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let unregistered = try workspace.grade(sample)
        #expect(unregistered.status == 2)
        #expect(unregistered.stderr.contains("manifest.csv:2: origin code VN-DTOR-0141 is not registered in the ledger"))

        let missingLedger = try AgriTraceBinary.run(["grade", sample, "--ledger", workspace.path("none.db"),
                                                     "--key", workspace.key, "--model", workspace.model])
        #expect(missingLedger.status == 2)
        #expect(missingLedger.stderr.contains("none.db: not found"))

        let badPolicy = workspace.path("policy.json")
        try Data("{\"format\": \"agritrace-grading-policy\"}".utf8).write(to: URL(fileURLWithPath: badPolicy))
        let policy = try workspace.grade(sample, ["--policy", badPolicy])
        #expect(policy.status == 2)
        #expect(policy.stderr.contains("grading policy \(badPolicy): not a valid grading policy: missing key 'version'"), "\(policy.stderr)")

        let usage = try workspace.grade(sample, ["--jobs", "0"])
        #expect(usage.status == 2)
    }

    @Test func progressIsABarOnATerminal() throws {
        // `script` (bsdutils, installed by scripts/install-deps.sh) gives the command a pseudo-terminal.
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/script"),
                     "/usr/bin/script is missing: run scripts/install-deps.sh")
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let command = ([AgriTraceBinary.url.path, "grade", sample, "--ledger", workspace.ledger, "--key", workspace.key,
                        "--model", workspace.model, "--register-origins"]).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("\rgrading [##############################] 40/40 photos, "))
        #expect(text.contains("lot grade"))
    }

    @Test func progressIsPrintedAsPlainLinesWhenNotATerminal() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let result = try workspace.grade(sample, ["--register-origins"])
        #expect(result.stderr.hasPrefix("grading: 40 photos\n"))
        #expect(result.stderr.contains("grading: 40/40 photos, "))
        #expect(result.stderr.hasSuffix(", done\n"))
        #expect(!result.stderr.contains("\r"))
    }
}

/// Lowercase hex SHA-256 (the model id function is exactly that).
func sha256Hex(_ data: Data) -> String { Model.identifier(ofFileBytes: [UInt8](data)) }
