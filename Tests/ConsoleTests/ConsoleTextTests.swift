import Localization
import Testing
@testable import Console

@Suite struct ConsoleTextTests {
    /// A new ledger's first checkpoint signs one entry: the notice must not say "1 entries".
    @Test func checkpointNoticeCountsEntriesInBothLanguages() throws {
        let vietnamese = try Localizer.bundled(.vietnamese)
        #expect(Localizer.english.render(ConsoleText.checkpointSigned(size: 1)) == "Signed a checkpoint of 1 entry.")
        #expect(Localizer.english.render(ConsoleText.checkpointSigned(size: 12_345)) == "Signed a checkpoint of 12,345 entries.")
        #expect(vietnamese.render(ConsoleText.checkpointSigned(size: 1)) == "Đã ký điểm kiểm tra gồm 1 mục.")
        #expect(vietnamese.render(ConsoleText.checkpointSigned(size: 12_345)) == "Đã ký điểm kiểm tra gồm 12.345 mục.")
    }
}
