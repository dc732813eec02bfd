import Foundation
import NeuralNet
import Testing
import TestSupport

/// End-to-end: `model calibrate` on real photos writes a model whose probabilities every consumer
/// sees calibrated, and a hostile calibration in a model file is refused naming the file.
@Suite struct CalibrateCommandTests {
    static let bundled = FixtureFiles.root.deletingLastPathComponent().appendingPathComponent("Sources/Grading/Resources/default.agmodel").path

    @Test func calibrateWritesATemperatureAndThresholdThatClassifyAndEvalUse() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Validation: the 20 photos of tomatoes Aa and Aaa; the other tomato is listed for training.
        let data = FixtureFiles.url("training/fgrade-mini")
        var lines = ["# agritrace split v1"]
        for grade in 0..<10 {
            for name in try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent(String(grade)).path).sorted() {
                lines.append("\(name.hasPrefix("AAaa") ? "train" : "validation")\t\(grade)/\(name)")
            }
        }
        let split = dir.url.appendingPathComponent("split.txt").path
        try lines.joined(separator: "\n").write(toFile: split, atomically: true, encoding: .utf8)
        let out = dir.url.appendingPathComponent("calibrated.agmodel").path
        let report = dir.url.appendingPathComponent("report.md").path
        let run = try AgriTraceBinary.run(["model", "calibrate", Self.bundled, "--data", data.path, "--split", split,
                                           "--out", out, "--report", report, "--jobs", "2"])
        #expect(run.status <= 1, "\(run.stderr)")
        #expect(run.stdout.contains("20 validation photos"), "\(run.stdout)")
        #expect(run.stdout.contains("| before (T = 1) |") && run.stdout.contains("ECE"))
        #expect(run.stdout.contains("Reliability after calibration"))
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("| confidence | photos |"))
        let info = try AgriTraceBinary.run(["model", "info", out])
        #expect(info.status == 0)
        let temperature = try #require(info.stdout.split(separator: "\n").first { $0.hasPrefix("metadata calibration_temperature: ") })
            .split(separator: " ").last.flatMap { Float($0) }
        #expect(temperature != nil && temperature != 1)
        #expect(info.stdout.contains("metadata review_class_groups: 0,0,1,1,1,2,2,2,3,3") == (run.status == 0))

        // classify: the same classes, other (calibrated) probabilities.
        let photo = data.appendingPathComponent("5/Aa028.jpg").path
        func classify(_ model: String) throws -> (Int, [Double]) {
            let result = try AgriTraceBinary.run(["classify", "--json", "--model", model, photo])
            let line = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            return (line["class"] as! Int, line["probabilities"] as! [Double])
        }
        let (plainClass, plain) = try classify(Self.bundled)
        let (calibratedClass, calibrated) = try classify(out)
        #expect(plainClass == calibratedClass)
        #expect(plain != calibrated)

        // Calibrating a calibrated model starts from the network's own probabilities: same file.
        let again = dir.url.appendingPathComponent("again.agmodel").path
        let rerun = try AgriTraceBinary.run(["model", "calibrate", out, "--data", data.path, "--split", split, "--out", again])
        #expect(rerun.status == run.status)
        #expect(FileManager.default.contents(atPath: again) == FileManager.default.contents(atPath: out))
    }

    @Test func aModelFileWithAHostileTemperatureIsRefusedNamingTheFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // The bundled model's bytes with its temperature text replaced by one of the same length.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.bundled)))
        let key = Array("calibration_temperature".utf8)
        let at = try #require((0...(bytes.count - key.count)).first { Array(bytes[$0..<($0 + key.count)]) == key })
        let valueLength = Int(bytes[at + key.count]) // u32 little-endian; the value is short
        for hostile in ["nan", "inf", "99.0", "0.0", "-1.0"] {
            var text = Array(hostile.utf8)
            text += Array(repeating: UInt8(ascii: " "), count: max(0, valueLength - text.count))
            guard text.count == valueLength else { continue }
            var damaged = bytes
            damaged.replaceSubrange((at + key.count + 4)..<(at + key.count + 4 + valueLength), with: text)
            let path = dir.url.appendingPathComponent("hostile.agmodel").path
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            for command in [["model", "info", path], ["classify", "--model", path, data(photo: "0/Aa002.jpg")]] {
                let result = try AgriTraceBinary.run(command)
                #expect(result.status == 2, "\(hostile): \(result.stderr)")
                #expect(result.stderr.contains("hostile.agmodel") && result.stderr.contains("calibration_temperature"), "\(result.stderr)")
            }
        }
    }

    /// A model trained on every photo has none left to fit on: it takes the calibration of a model
    /// of the same recipe, and only one whose probabilities mean the same classes of the same input.
    @Test func copyFromStoresAnotherModelsCalibrationOnlyWhenItsClassesAndInputMatch() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bundled = try Model.load(contentsOf: URL(fileURLWithPath: Self.bundled))
        let plain = dir.url.appendingPathComponent("plain.agmodel").path
        try bundled.calibrated(.uncalibrated).write(to: URL(fileURLWithPath: plain))
        let out = dir.url.appendingPathComponent("copied.agmodel").path
        let run = try AgriTraceBinary.run(["model", "calibrate", plain, "--copy-from", Self.bundled, "--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(bundled.id), "\(run.stdout)")
        let copied = try Model.load(contentsOf: URL(fileURLWithPath: out))
        #expect(copied.calibration == bundled.calibration)
        #expect(copied.metadata[ModelCalibration.copiedFromKey] == bundled.id)
        #expect(copied.graph == bundled.graph)
        // Fitting again on photos replaces the copied calibration and drops where it came from.
        let refit = try copied.calibrated(try ModelCalibration(temperature: 2, review: nil, classCount: 10))
        #expect(refit.metadata[ModelCalibration.copiedFromKey] == nil)

        var reordered = bundled.labels
        reordered.swapAt(0, 9)
        let otherLabels = dir.url.appendingPathComponent("other-labels.agmodel").path
        try Model(graph: bundled.graph, normalization: bundled.normalization, labels: reordered, metadata: bundled.metadata)
            .write(to: URL(fileURLWithPath: otherLabels))
        let refusals: [([String], String)] = [
            (["--copy-from", otherLabels], "other-labels.agmodel"),
            (["--copy-from", plain], "plain.agmodel"),
            (["--copy-from", Self.bundled, "--data", data(photo: "0")], "--data"),
            ([], "--copy-from"),
        ]
        for (arguments, named) in refusals {
            let refused = dir.url.appendingPathComponent("refused.agmodel").path
            let result = try AgriTraceBinary.run(["model", "calibrate", plain, "--out", refused] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(named), "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: refused), "\(arguments)")
        }
    }

    private func data(photo: String) -> String { FixtureFiles.url("training/fgrade-mini/\(photo)").path }
}
