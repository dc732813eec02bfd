import Foundation
import LedgerStore
import Localization
import Testing
import TestSupport

/// The main journeys (grade, checkpoint, label, verify-label, trace, audit, ledger verify, an
/// error) run in Vietnamese, chosen by --lang and by LANG, and in English. In Vietnamese no line
/// may carry an untranslated message: words that occur only in the English texts of the
/// catalogue (never in a Vietnamese translation, nor in the sample data) must not appear.
@Suite struct LocalizedJourneyTests {
    struct Run {
        var outputs: [String] = []
        var html = ""
    }

    static func journey(_ language: [String], environment: [String: String]) throws -> Run {
        let ws = try GradeWorkspace()
        defer { ws.remove() }
        var run = Run()
        func agritrace(_ arguments: [String], statuses: Set<Int32> = [0]) throws {
            let result = try AgriTraceBinary.run(language + arguments, environment: environment)
            #expect(statuses.contains(result.status), "\(arguments): \(result.status) \(result.stderr)")
            run.outputs.append(result.stdout + result.stderr)
        }
        let graded = try AgriTraceBinary.run(language + ["grade", FixtureFiles.url("uploads/sample").path, "--ledger", ws.ledger,
                                                         "--key", ws.key, "--model", ws.model, "--register-origins"],
                                             environment: environment)
        #expect([0, 1].contains(graded.status), "\(graded.stderr)")
        run.outputs.append(graded.stdout + graded.stderr)
        try agritrace(["ledger", "checkpoint", "--ledger", ws.ledger, "--key", ws.key])
        run.outputs.removeLast()   // a signed note: machine text
        let vkey = ws.path("coop.vkey")
        try SigningKeyFile.writeVerifier(try SigningKeyFile.load(ws.key).verifier, to: vkey)
        try agritrace(["label", "DT-LV-261103-01", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("labels")])
        try agritrace(["verify-label", ws.path("labels/DT-LV-261103-01.proof"), "--vkey", vkey, "--lot", "DT-LV-261103-01",
                       "--origin", "VN-DTOR-0141"])
        try agritrace(["trace", "DT-LV-261103-02", "--ledger", ws.ledger])
        // Held lots of the sample upload, if any: listed with their photos (status 1), else "none held" (0).
        try agritrace(["review", "--ledger", ws.ledger], statuses: [0, 1])
        try agritrace(["export", "epcis", "--ledger", ws.ledger, "--out", ws.path("events.jsonld")])
        try agritrace(["audit", "--ledger", ws.ledger, "--vkey", vkey, "--out", ws.path("report.html")])
        run.html = try String(contentsOfFile: ws.path("report.html"), encoding: .utf8)
        try agritrace(["ledger", "verify", "--ledger", ws.ledger, "--vkey", vkey])
        try agritrace(["trace", "DT-XX-000000-99", "--ledger", ws.ledger], statuses: [1])
        try agritrace(["label", "DT-XX-000000-99", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("labels")], statuses: [1])
        // The longest base address allowed makes a QR code too dense for the small label: said in the user's language.
        try agritrace(["label", "DT-LV-261103-01", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("small"), "--size", "50x30",
                       "--base-url", "https://trace.example/" + String(repeating: "q", count: 106)], statuses: [2])
        try agritrace(["grade", ws.path("missing-upload"), "--ledger", ws.ledger, "--key", ws.key], statuses: [2])
        try agritrace(["grade", "--help"])
        try agritrace(["grade", "--ledger", ws.ledger], statuses: [2])   // ArgumentParser's "Missing expected argument"
        try agritrace(["--help"])
        try agritrace(["review", "DT-XX-000000-99", "--grade", "Premium", "--ledger", ws.ledger], statuses: [2])
        try agritrace(["keys", "generate", "--name", "bad name", "--out", ws.path("k.key")], statuses: [2])
        return run
    }

    /// Lowercase ASCII words of 4+ letters in `text`.
    static func words(_ text: String) -> Set<String> {
        Set(text.lowercased().split { !($0.isASCII && $0.isLetter) }.map(String.init).filter { $0.count >= 4 })
    }

    /// Words only English messages use: in some msgid, in no msgstr, not in the sample data.
    static func englishOnlyWords() throws -> Set<String> {
        let catalogue = try Catalogue.load(path: FixtureFiles.root.deletingLastPathComponent()
            .appendingPathComponent("Sources/Localization/Resources/vi.po").path)
        var english = Set<String>(), vietnamese = Set<String>()
        // Placeholder names ({usage}, {file}) are neither language's words.
        func text(_ template: String) -> String { template.replacingOccurrences(of: #"\{[a-z0-9_]+\}"#, with: " ", options: .regularExpression) }
        for entry in catalogue.allEntries {
            english.formUnion(words(text(entry.msgid + " " + (entry.plural ?? ""))))
            for translation in entry.translations { vietnamese.formUnion(words(text(translation))) }
        }
        let data = words(try String(contentsOf: FixtureFiles.url("uploads/sample/manifest.csv"), encoding: .utf8) + " sample")
        return english.subtracting(vietnamese).subtracting(data)
    }

    /// Command names ("verify-label", "ledger"): words of the command line, not of messages.
    static let commandNames = Set(HelpTests.commands().flatMap { $0.path.split(separator: " ").map(String.init) } + ["help"])

    /// English function words: no Vietnamese text has them, and a sentence of library English
    /// nearly always does, even when its other words are not in the catalogue.
    static let englishFunctionWords: Set<String> = ["the", "is", "of", "and", "not", "was", "are", "has", "must", "with", "from"]

    static func untranslated(_ text: String, _ englishOnly: Set<String>) -> [String] {
        text.split(separator: "\n").map(String.init).filter { line in
            var text = line.trimmingCharacters(in: .whitespaces)
            // A C library's own words (libjpeg, libpng, SQLite), quoted as such after the
            // Vietnamese sentence, are evidence, not our text (README, Known limits).
            text = text.replacingOccurrences(of: #"\(thông báo gốc của [A-Za-z]+: [^)]*\)"#, with: " ", options: .regularExpression)
            // Examples' command lines are not prose. (ArgumentParser's own words are translated too:
            // "USAGE:", "Show help information." or "Error: Missing expected argument" fail here.)
            if text.hasPrefix("agritrace ") { return false }
            // Paths, file names, hashes, keys, URLs, command names and option syntax (--results <results>) are not prose.
            let prose = text.split(separator: " ").filter {
                !$0.contains("/") && !$0.contains("+") && !$0.contains("=") && !$0.dropLast().contains(".") && !$0.hasPrefix("-")
                    && !$0.hasPrefix("<") && !$0.hasPrefix("[") && !Self.commandNames.contains(String($0))
            }.joined(separator: " ")
            let functionWords = Set(prose.lowercased().split { !($0.isASCII && $0.isLetter) }.map(String.init))
            return !words(prose).isDisjoint(with: englishOnly) || !functionWords.isDisjoint(with: englishFunctionWords)
        }
    }

    /// Text of the page for people: tags, the style sheet and attribute values left out.
    static func pageText(_ html: String) -> String {
        var text = html
        if let start = text.range(of: "<style>"), let end = text.range(of: "</style>") { text.removeSubrange(start.lowerBound..<end.upperBound) }
        return text.replacingOccurrences(of: "<[^>]*>", with: "\n", options: .regularExpression)
    }

    @Test(arguments: [(["--lang", "vi"], [String: String]()), ([], ["LANG": "vi_VN.UTF-8"])])
    func vietnameseJourneyHasNoUntranslatedMessage(language: [String], environment: [String: String]) throws {
        let englishOnly = try Self.englishOnlyWords()
        #expect(englishOnly.contains("provenance") && englishOnly.contains("verified"), "the check must know English words")
        let run = try Self.journey(language, environment: environment)
        let all = run.outputs.joined(separator: "\n")
        #expect(all.contains("ĐÃ XÁC MINH: lô DT-LV-261103-01"), "\(all)")
        #expect(all.contains("Nguồn gốc của lô DT-LV-261103-02"))
        #expect(all.contains("NGUYÊN VẸN"))
        #expect(all.contains("thu hoạch ngày 03/11/2026"), "Vietnamese dates dd/MM/yyyy")
        #expect(all.contains("Nguyễn Văn Ba"), "farm names, not only farm ids")
        #expect(all.contains("hạng lô: Hạng") || all.contains("hạng lô: Loại bỏ"), "grade names, not codes: \(all)")
        #expect(all.contains("ObjectEvent vào"), "export's summary line: \(all)")
        #expect(all.range(of: #"\{[a-z0-9_]+\}"#, options: .regularExpression) == nil, "a placeholder left unfilled")
        let bad = Self.untranslated(all, englishOnly)
        #expect(bad.isEmpty, "untranslated lines:\n\(bad.joined(separator: "\n"))")
        #expect(run.html.contains("<html lang=\"vi\">"))
        let badHTML = Self.untranslated(Self.pageText(run.html), englishOnly)
        #expect(badHTML.isEmpty, "untranslated report text:\n\(badHTML.joined(separator: "\n"))")
    }

    @Test func englishJourneyStaysEnglish() throws {
        let run = try Self.journey([], environment: [:])
        let all = run.outputs.joined(separator: "\n")
        #expect(all.contains("VERIFIED: lot DT-LV-261103-01"), "\(all)")
        #expect(all.contains("Provenance of lot DT-LV-261103-02"))
        #expect(all.contains("harvested 2026-11-03"))
        #expect(!all.contains("ĐÃ XÁC MINH") && !all.contains("Nguồn gốc"))
        #expect(run.html.contains("<html lang=\"en\">"))
    }

    /// Every command's --help, walked through the command tree, in Vietnamese.
    @Test func everyCommandsHelpIsInVietnamese() throws {
        let englishOnly = try Self.englishOnlyWords()
        var untranslated: [String] = []
        for (path, _) in HelpTests.commands() {
            let words = path.split(separator: " ").dropFirst().map(String.init)
            let result = try AgriTraceBinary.run(["--lang", "vi"] + words + ["--help"], environment: [:])
            #expect(result.status == 0, "\(path) --help: \(result.status) \(result.stderr)")
            untranslated += Self.untranslated(result.stdout, englishOnly).map { "\(path): \($0)" }
        }
        #expect(untranslated.isEmpty, "untranslated help lines:\n\(untranslated.joined(separator: "\n"))")
    }

    /// The detector itself: an English message in Vietnamese output is found.
    @Test func detectorFindsAnEnglishLine() throws {
        let englishOnly = try Self.englishOnlyWords()
        #expect(Self.untranslated("Provenance of lot DT-1\nNguồn gốc của lô DT-1 /tmp/x/report.html", englishOnly)
                == ["Provenance of lot DT-1"])
        // An option's help in English is found, and so are ArgumentParser's own words; an example's command line is not.
        #expect(Self.untranslated("  --out <out>   Where to write the trained model (.agmodel).", englishOnly).count == 1)
        #expect(Self.untranslated("  agritrace review --ledger coop.db", englishOnly).isEmpty)
        #expect(Self.untranslated("Usage: agritrace review [<lot>]\n  -h, --help   Show help information.\nError: Missing expected argument '<upload>'",
                                  englishOnly).count == 3)
        #expect(Self.untranslated("Cách dùng: agritrace review [<lot>]\n  -h, --help   Hiện hướng dẫn sử dụng.\nLỗi: Thiếu tham số bắt buộc '<upload>'",
                                  englishOnly).isEmpty)
    }
}
