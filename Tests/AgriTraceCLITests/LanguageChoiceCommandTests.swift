import Foundation
import Testing
import TestSupport

/// The language is chosen once, before parsing: --lang, else LC_ALL / LC_MESSAGES / LANG.
@Suite struct LanguageChoiceCommandTests {
    static let englishAbstract = "Grade produce photos, record results in a tamper-evident ledger"
    static let vietnameseAbstract = "Phân hạng nông sản qua ảnh chụp"

    @Test func helpFollowsLangOptionThenEnvironment() throws {
        let cases: [([String], [String: String], String)] = [
            (["--help"], [:], Self.englishAbstract),
            (["--lang", "vi", "--help"], [:], Self.vietnameseAbstract),
            (["--help", "--lang=vi"], [:], Self.vietnameseAbstract),
            (["--help"], ["LANG": "vi_VN.UTF-8"], Self.vietnameseAbstract),
            (["--help"], ["LC_MESSAGES": "vi_VN.UTF-8", "LANG": "en_US.UTF-8"], Self.vietnameseAbstract),
            (["--help"], ["LC_ALL": "C.UTF-8", "LANG": "vi_VN.UTF-8"], Self.englishAbstract),
            (["--lang", "en", "--help"], ["LANG": "vi_VN.UTF-8"], Self.englishAbstract),
        ]
        for (arguments, environment, expected) in cases {
            let result = try AgriTraceBinary.run(arguments, environment: environment)
            #expect(result.status == 0, "\(arguments) \(environment): \(result.stderr)")
            #expect(result.stdout.contains(expected), "\(arguments) \(environment): \(result.stdout.prefix(200))")
        }
    }

    @Test func badLangValueIsAUsageErrorInBothLanguages() throws {
        for arguments in [["--lang", "fr", "trace", "X"], ["trace", "X", "--lang=vn"], ["trace", "--lang"]] {
            let result = try AgriTraceBinary.run(arguments, environment: ["LANG": "vi_VN.UTF-8"])
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains("--lang") && result.stderr.contains("vi") && result.stderr.contains("en"))
            #expect(result.stderr.contains("tiếng Việt") || result.stderr.contains("cần một giá trị"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }
}
