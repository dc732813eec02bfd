import Foundation
import NeuralNet
import Testing
import TestSupport

@Suite struct ClassifyCommandTests {
    static func photos() throws -> [String] {
        let folder = FixtureFiles.url("uploads/sample")
        let farms = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        var photos: [String] = []
        for farm in farms where !farm.hasSuffix(".csv") {
            let dir = folder.appendingPathComponent(farm)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { continue }
            photos += names.filter { $0.lowercased().hasSuffix(".jpg") }.sorted().prefix(2).map { dir.appendingPathComponent($0).path }
        }
        return Array(photos.prefix(5))
    }

    @Test func classifiesPhotosAsJSONLinesAndReportsBadFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = dir.url.appendingPathComponent("m.agmodel").path
        let imported = try AgriTraceBinary.run(["model", "import", FixtureFiles.url("onnx/mobile_block.onnx").path,
                                                "--labels", FixtureFiles.url("onnx/mobile_block.labels.txt").path, "--out", model])
        #expect(imported.status == 0)
        let photos = try Self.photos()
        #expect(photos.count >= 3)
        let notAPhoto = dir.url.appendingPathComponent("notes.jpg")
        try Data("not a photo".utf8).write(to: notAPhoto)

        let one = try AgriTraceBinary.run(["classify", "--json", "--model", model, "--jobs", "1"] + photos + [notAPhoto.path])
        let two = try AgriTraceBinary.run(["classify", "--json", "--model", model, "--jobs", "2"] + photos + [notAPhoto.path])
        #expect(one.status == 1 && two.status == 1)
        #expect(one.stdout == two.stdout, "results do not depend on the job count")
        let lines = one.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == photos.count + 1)
        for (i, line) in lines.prefix(photos.count).enumerated() {
            #expect(line?["file"] as? String == photos[i])
            let p = line?["probabilities"] as? [Double] ?? []
            #expect(p.count == 7 && abs(p.reduce(0, +) - 1) < 1e-4)
            let cls = line?["class"] as? Int ?? -1
            #expect(cls == p.indices.max { p[$0] < p[$1] })
            #expect(line?["label"] as? String == "class \(cls)")
        }
        #expect(lines.last??["file"] as? String == notAPhoto.path)
        #expect((lines.last??["error"] as? String)?.hasPrefix("not a JPEG or PNG file") == true, "\(one.stdout)")
    }

    @Test func allGoodFilesExitZeroAndMissingModelIsAUsageError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = dir.url.appendingPathComponent("m.agmodel").path
        _ = try AgriTraceBinary.run(["model", "import", FixtureFiles.url("onnx/mobile_block.onnx").path,
                                     "--labels", FixtureFiles.url("onnx/mobile_block.labels.txt").path, "--out", model])
        let ok = try AgriTraceBinary.run(["classify", "--model", model] + (try Self.photos()))
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.split(separator: "\n").allSatisfy { $0.contains(": ") && $0.contains(" class ") })
        let missing = try AgriTraceBinary.run(["classify", "--model", dir.url.appendingPathComponent("none.agmodel").path, "x.jpg"])
        #expect(missing.status == 2 && missing.stderr.contains("none.agmodel"), "\(missing.stderr)")
    }
    /// A model whose outputs overflow (finite weights, infinite logits) classifies nothing: each
    /// photo is an error naming it, plain and as JSON, never a NaN class or an encoder failure.
    @Test func aModelWithNonFiniteOutputsClassifiesNoPhoto() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var graph = Graph(input: TensorShape(channels: 3, height: 16, width: 16))
        let pooled = graph.flatten(graph.globalAveragePool(graph.input))
        graph.output = graph.dense(pooled, Dense(outputFeatures: 3, weights: [Float](repeating: .greatestFiniteMagnitude, count: 9)))
        let model = dir.url.appendingPathComponent("overflow.agmodel")
        try Model(graph: graph, normalization: .unit(channels: 3), labels: ["a", "b", "c"]).write(to: model)
        let photos = Array(try Self.photos().prefix(2))
        for format in [["--json"], []] {
            let run = try AgriTraceBinary.run(["classify", "--model", model.path, "--jobs", "1"] + format + photos)
            #expect(run.status == 1, "\(format): \(run.stdout)\(run.stderr)")
            #expect(!run.stdout.contains("-nan") && !run.stdout.contains(" nan") && !run.stdout.contains("[nan") && !run.stderr.contains("EncodingError"), "\(run.stdout)\(run.stderr)")
            let out = run.stdout + run.stderr
            for photo in photos { #expect(out.contains(photo), "\(photo) is named: \(out)") }
            #expect(out.contains("not a finite number"), "\(out)")
        }
        let json = try AgriTraceBinary.run(["classify", "--model", model.path, "--json"] + photos)
        let lines = json.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == photos.count && lines.allSatisfy { $0["error"] is String && $0["probabilities"] == nil }, "\(json.stdout)")
    }
    /// A model that cannot grade photos (one input channel) is named by its file, not its id.
    @Test func aModelThatCannotTakePhotosIsNamedByItsFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var graph = Graph(input: TensorShape(channels: 1, height: 8, width: 8))
        graph.output = graph.flatten(graph.globalAveragePool(graph.input))
        let model = dir.url.appendingPathComponent("grey.agmodel")
        try Model(graph: graph, normalization: .unit(channels: 1), labels: ["only"]).write(to: model)
        let run = try AgriTraceBinary.run(["classify", "--model", model.path] + Array(try Self.photos().prefix(1)))
        #expect(run.status == 2 && run.stderr.contains("grey.agmodel") && run.stderr.contains("3-channel"), "\(run.stderr)")
    }
}
