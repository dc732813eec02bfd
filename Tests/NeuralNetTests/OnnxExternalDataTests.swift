import Foundation
import NeuralNet
import Testing
import TestSupport

/// Weights kept as ONNX external data (what torch.onnx.export writes by default) are read from
/// beside the model file, and only from there: the locations are untrusted.
@Suite struct OnnxExternalDataTests {
    /// The convolution model with its weights `w` in `weights.bin` at `offset`, after `padding` other bytes.
    func write(_ directory: URL, entries: (Int) -> [(String, String)], padding: Int = 16) throws -> (model: URL, inline: [UInt8]) {
        var writer = OnnxWriter.convolution(attributes: [("pads", .ints([1, 1, 1, 1]))])
        let inline = writer.bytes()
        let weights = writer.initializers[0].floats
        var file = [UInt8](repeating: 0xEE, count: padding)
        for w in weights { withUnsafeBytes(of: w.bitPattern.littleEndian) { file.append(contentsOf: $0) } }
        try Data(file).write(to: directory.appendingPathComponent("weights.bin"))
        writer.initializers[0].floats = []
        writer.initializers[0].external = true
        writer.initializers[0].externalEntries = entries(weights.count * 4)
        let model = directory.appendingPathComponent("model.onnx")
        try Data(writer.bytes()).write(to: model)
        return (model, inline)
    }

    @Test func weightsBesideTheModelGiveTheSameNetworkAsWeightsInside() throws {
        let directory = try TemporaryDirectory(prefix: "onnx-external")
        defer { directory.remove() }
        let (model, inline) = try write(directory.url, entries: { [("location", "weights.bin"), ("offset", "16"), ("length", "\($0)")] })
        let external = try Network(graph: try OnnxImporter.importGraph(contentsOf: model))
        let inside = try Network(graph: try OnnxImporter.importGraph(bytes: inline, fileName: "inline.onnx"))
        let input = (0..<external.inputShape.elementCount).map { Float($0 % 13) * 0.1 - 0.5 }
        #expect(external.run(input) == inside.run(input))
        // Held in memory there is no folder to read from: refused, not taken as empty.
        #expect(throws: OnnxImportError.self) { try OnnxImporter.importGraph(bytes: [UInt8](try Data(contentsOf: model)), fileName: "m.onnx") }
    }

    @Test func untrustedLocationsAndRangesAreRefusedWithTheReason() throws {
        let directory = try TemporaryDirectory(prefix: "onnx-external-hostile")
        defer { directory.remove() }
        try Data("secret".utf8).write(to: directory.url.appendingPathComponent("outside.bin"))
        let inner = directory.url.appendingPathComponent("inner")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: inner.appendingPathComponent("link.bin").path, withDestinationPath: "/etc/passwd")
        try FileManager.default.createDirectory(at: inner.appendingPathComponent("folder.bin"), withIntermediateDirectories: true)
        let cases: [([(String, String)], String)] = [
            ([("location", "../outside.bin")], "only a relative path inside the model's folder"),
            ([("location", "/etc/passwd")], "only a relative path inside the model's folder"),
            ([("location", "a/./weights.bin")], "only a relative path inside the model's folder"),
            ([("location", "")], "no location"),
            ([("offset", "0")], "no location"),
            ([("location", "missing.bin")], "does not exist"),
            ([("location", "link.bin")], "not a regular file"),
            ([("location", "folder.bin")], "not a regular file"),
            ([("location", "weights.bin"), ("offset", "-1")], "offset -1 is outside"),
            ([("location", "weights.bin"), ("offset", "999999")], "offset 999999 is outside"),
            ([("location", "weights.bin"), ("offset", "16"), ("length", "99999999999999999999")], "length 99999999999999999999"),
            ([("location", "weights.bin"), ("offset", "400"), ("length", "100")], "is outside the file's"),
            // A length that reads fewer values than the dims say is the converter's refusal.
            ([("location", "weights.bin"), ("offset", "16"), ("length", "8")], "values for dims"),
        ]
        for (entries, reason) in cases {
            let (model, _) = try write(inner, entries: { _ in entries })
            do {
                _ = try OnnxImporter.importGraph(contentsOf: model)
                Issue.record("\(entries) was imported")
            } catch let error as OnnxImportError {
                #expect(error.description.contains(reason), "\(entries): \(error.description)")
            }
        }
    }
}
