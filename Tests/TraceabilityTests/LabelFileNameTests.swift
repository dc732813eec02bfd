import Testing
import TestSupport
@testable import Traceability

@Suite struct LabelFileNameTests {
    static let gs1 = Array("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")

    /// A name that is harmless in a folder on any common file system.
    static func expectSafe(_ name: String, for lot: String) {
        #expect(!name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x2D || $0 == 0x5F },
                "\(lot) -> \(name)")
        #expect(!name.hasPrefix(".") && !name.hasPrefix("-"), "\(lot) -> \(name)")
    }

    @Test func theReportedCollisionsAndHiddenFilesAreGone() {
        #expect(LabelFileName.encode("A/B") != LabelFileName.encode("A_B"))
        #expect(LabelFileName.encode("A/B") == "A_2FB")
        #expect(LabelFileName.encode(".hidden").hasPrefix("_2E"))
        #expect(LabelFileName.encode("..") == "_2E_2E")
        #expect(LabelFileName.encode("-rf") == "_2D_72_66")
        #expect(LabelFileName.encode("DT-LV-261103-01") == "DT-LV-261103-01")
    }

    /// Every pair of one- and two-character GS1 lot codes gets its own name, also when the file
    /// system ignores case, and every name decodes back to its lot code.
    @Test func everyShortGS1LotCodeHasItsOwnSafeName() {
        var seen: [String: String] = [:]
        var codes = Self.gs1.map { String($0) }
        for a in Self.gs1 { for b in Self.gs1 { codes.append(String([a, b])) } }
        for code in codes {
            let name = LabelFileName.encode(code)
            Self.expectSafe(name, for: code)
            #expect(LabelFileName.decode(name) == code)
            if let other = seen.updateValue(code, forKey: name.lowercased()) {
                Issue.record("\(code) and \(other) share \(name) on a case-insensitive file system")
            }
        }
        #expect(seen.count == codes.count)
    }

    @Test func longRandomLotCodesRoundTripAndFitTheLimit() {
        var random = SeededGenerator(seed: 12)
        for _ in 0..<2_000 {
            let code = String((0..<Int.random(in: 1...20, using: &random)).map { _ in Self.gs1.randomElement(using: &random)! })
            let name = LabelFileName.encode(code)
            Self.expectSafe(name, for: code)
            #expect(LabelFileName.decode(name) == code)
            #expect(name.utf8.count <= 3 * 20)
        }
    }

    @Test func namesEncodeNeverWritesDoNotDecode() {
        for name in ["a", "_2e", "_41", "_", "_4", "_ZZ", "_2FB/", "A_5"] {
            #expect(LabelFileName.decode(name) == nil, "\(name)")
        }
    }
}
