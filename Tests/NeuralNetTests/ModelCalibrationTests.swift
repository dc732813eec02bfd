import Foundation
import Kernels
import Testing
import NeuralNet
import TestSupport

/// The temperature and review rule stored in a model file: round trips, applied to every output,
/// and hostile values refused naming the file.
@Suite struct ModelCalibrationTests {
    let model = try! ModelFormatTests.sampleModel()
    let rule = ModelCalibration.ReviewRule(classGroups: [0, 0, 1, 1, 2], targetBP: 9000, thresholdBP: 7250)

    @Test func aCalibrationRoundTripsThroughTheFile() throws {
        let calibrated = try model.calibrated(try ModelCalibration(temperature: 1.375, review: rule, classCount: 5))
        #expect(calibrated.id != model.id)
        #expect(calibrated.metadata["architecture"] == "sample")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent("c.agmodel")
        try calibrated.write(to: url)
        let loaded = try Model.load(contentsOf: url)
        #expect(loaded.calibration.temperature == 1.375)
        #expect(loaded.calibration.review == rule)
        #expect(loaded.id == calibrated.id && loaded.encoded() == calibrated.encoded())
        // Calibrating again replaces the stored values; uncalibrated writes none of the keys.
        let back = try loaded.calibrated(.uncalibrated)
        #expect(back.id == model.id)
        #expect(model.calibration == .uncalibrated)
    }

    @Test func probabilitiesAreSoftmaxOfLogitsOverTheTemperature() throws {
        // Graph output of a softmax model: probabilities; the calibrated ones are softmax(log p / T).
        let p: [Float] = [0.7, 0.2, 0.05, 0.04, 0.01]
        for temperature: Float in [0.5, 1, 1.5, 4] {
            let calibrated = try model.calibrated(try ModelCalibration(temperature: temperature, review: nil, classCount: 5))
            let got = calibrated.probabilities(fromOutput: p)
            let weights = p.map { pow(Double($0), 1 / Double(temperature)) }
            let expected = weights.map { $0 / weights.reduce(0, +) }
            for (g, e) in zip(got, expected) { #expect(abs(Double(g) - e) < 1e-6, "T \(temperature): \(got) vs \(expected)") }
            // A temperature never changes the most likely class.
            #expect(got.indices.max { got[$0] < got[$1] } == 0)
        }
        // T > 1 softens, T < 1 sharpens.
        let soft = try model.calibrated(try ModelCalibration(temperature: 2, review: nil, classCount: 5)).probabilities(fromOutput: p)
        #expect(soft[0] < 0.7 && soft[4] > 0.01)
        // An underflowed probability stays a (tiny) probability, never NaN.
        let zeros = try model.calibrated(try ModelCalibration(temperature: 3, review: nil, classCount: 5))
            .probabilities(fromOutput: [1, 0, 0, 0, 0])
        #expect(zeros.allSatisfy { $0.isFinite && $0 >= 0 } && zeros[0] > 0.99)
    }

    @Test func theNetworkOutputOfACalibratedModelIsCalibratedByEveryConsumer() throws {
        // The path grading, classify and eval share: Network output, then Model.probabilities.
        let calibrated = try model.calibrated(try ModelCalibration(temperature: 2.5, review: nil, classCount: 5))
        let network = try Network(model: calibrated)
        var rng = SeededGenerator(seed: 7)
        let input = rng.floats(calibrated.inputShape.elementCount)
        let raw = network.run(batch: input, count: 1, jobs: 1)
        let uncalibrated = model.probabilities(fromOutput: raw)
        let got = calibrated.probabilities(fromOutput: raw)
        #expect(uncalibrated == raw)
        #expect(got != raw)
        let manual = calibrated.probabilities(fromOutput: raw, temperature: 2.5)
        #expect(got == manual)
    }

    @Test func hostileCalibrationValuesAreRefusedNamingTheFile() throws {
        let bad: [([String: String], String)] = [
            ([ModelCalibration.temperatureKey: "nan"], "not a finite number"),
            ([ModelCalibration.temperatureKey: "inf"], "not a finite number"),
            ([ModelCalibration.temperatureKey: "-inf"], "not a finite number"),
            ([ModelCalibration.temperatureKey: "0x1p0"], "not a finite number"),
            ([ModelCalibration.temperatureKey: "1.50"], "shortest form"),
            ([ModelCalibration.temperatureKey: " 1.5"], "shortest form"),
            ([ModelCalibration.temperatureKey: ""], "shortest form"),
            ([ModelCalibration.temperatureKey: "0.0"], "outside 0.05...20"),
            ([ModelCalibration.temperatureKey: "-1.0"], "outside"),
            ([ModelCalibration.temperatureKey: "0.04"], "outside"),
            ([ModelCalibration.temperatureKey: "20.5"], "outside"),
            ([ModelCalibration.temperatureKey: "1e+30"], "outside"),
            ([ModelCalibration.reviewThresholdKey: "7000"], "but not all of"),
            (reviewKeys(groups: "0,0,1,1", target: "9000", threshold: "7000"), "one group number"),
            (reviewKeys(groups: "0,0,1,1,5", target: "9000", threshold: "7000"), "one group number"),
            (reviewKeys(groups: "0,0,2,2,2", target: "9000", threshold: "7000"), "every group number"),
            (reviewKeys(groups: "0,0,0,0,0", target: "9000", threshold: "7000"), "at least two groups"),
            (reviewKeys(groups: "0,0,1,1,-1", target: "9000", threshold: "7000"), "one group number"),
            (reviewKeys(groups: "0,0,1,1,01", target: "9000", threshold: "7000"), "one group number"),
            (reviewKeys(groups: "0,0,1,1,1", target: "0", threshold: "7000"), "review_target_bp"),
            (reviewKeys(groups: "0,0,1,1,1", target: "9000", threshold: "10001"), "review_threshold_bp"),
            (reviewKeys(groups: "0,0,1,1,1", target: "9000", threshold: "+7000"), "review_threshold_bp"),
            (reviewKeys(groups: "0,0,1,1,1", target: "9000", threshold: "99999999999999999999"), "review_threshold_bp"),
        ]
        for (metadata, expected) in bad {
            // Encoded without validation, as a hostile file would be, then read.
            let bytes = try hostileFile(metadata: metadata)
            do {
                _ = try Model.decode(bytes, fileName: "hostile.agmodel")
                Issue.record("accepted \(metadata)")
            } catch let error as ModelError {
                #expect(error.file == "hostile.agmodel")
                #expect(error.description.contains(expected), "\(metadata): \(error)")
            }
            // The writer refuses the same values before writing anything.
            #expect(throws: ModelError.self) {
                try Model(graph: model.graph, normalization: model.normalization, labels: model.labels, metadata: metadata)
            }
        }
    }

    private func reviewKeys(groups: String, target: String, threshold: String) -> [String: String] {
        [ModelCalibration.reviewClassGroupsKey: groups, ModelCalibration.reviewTargetKey: target,
         ModelCalibration.reviewThresholdKey: threshold]
    }

    /// The sample model's bytes with its metadata section replaced by `metadata`, written without
    /// any validation (the section starts after the labels; the sample model has two entries).
    private func hostileFile(metadata: [String: String]) throws -> [UInt8] {
        let plain = try Model(graph: model.graph, normalization: model.normalization, labels: model.labels)
        let bytes = plain.encoded()
        var offset = 8 + 4 + 12 + 6 * 4
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        let labels = u32(offset)
        offset += 4
        for _ in 0..<labels { offset += 4 + u32(offset) }
        precondition(u32(offset) == 0, "the plain model has no metadata")
        func le(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        var section = le(metadata.count)
        for key in metadata.keys.sorted() {
            section += le(key.utf8.count) + Array(key.utf8) + le(metadata[key]!.utf8.count) + Array(metadata[key]!.utf8)
        }
        return Array(bytes[..<offset]) + section + Array(bytes[(offset + 4)...])
    }
}
