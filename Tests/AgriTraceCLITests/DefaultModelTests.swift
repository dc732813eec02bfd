import Foundation
import Testing
import TestSupport

/// The default grading model shipped in Sources/Grading/Resources and its model card.
@Suite struct DefaultModelTests {
    static let resources = FixtureFiles.root.deletingLastPathComponent().appendingPathComponent("Sources/Grading/Resources")

    @Test func classifyUsesTheBundledModelWhenNoneIsGiven() throws {
        let photo = FixtureFiles.url("training/fgrade-mini/9/Aa044.jpg").path
        let result = try AgriTraceBinary.run(["classify", "--json", photo])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let probabilities = line["probabilities"] as! [Double]
        #expect(probabilities.count == 10)
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-4)
        #expect(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"].contains(line["label"] as! String))
    }

    @Test func modelCardNamesTheShippedModelAndItsNumbers() throws {
        let info = try AgriTraceBinary.run(["model", "info", Self.resources.appendingPathComponent("default.agmodel").path])
        #expect(info.status == 0, "\(info.stderr)")
        let id = info.stdout.split(separator: "\n").first { $0.hasPrefix("id ") }.map { String($0.dropFirst(3)) } ?? "?"
        let card = try String(contentsOf: Self.resources.appendingPathComponent("MODEL_CARD.md"), encoding: .utf8)
        #expect(card.contains(id), "the card must name the shipped model's id \(id)")
        for section in ["Data", "Split", "Preprocessing", "Architecture", "Training", "Validation", "Known limits"] {
            #expect(card.contains("## " + section), "card section \(section)")
        }
        let size = try FileManager.default.attributesOfItem(atPath: Self.resources.appendingPathComponent("default.agmodel").path)[.size] as! Int
        // Fine-tuned EfficientNet-Lite0 in float32 is about 13 MB; the bound keeps an accidental
        // larger network (or a 1000-class head) out of the repository.
        #expect(size < 16_000_000)
    }
}
