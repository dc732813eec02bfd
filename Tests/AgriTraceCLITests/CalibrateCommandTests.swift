import Foundation
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

    private func data(photo: String) -> String { FixtureFiles.url("training/fgrade-mini/\(photo)").path }
}
