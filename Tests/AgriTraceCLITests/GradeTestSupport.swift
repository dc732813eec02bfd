import Foundation
import LedgerStore
import MerkleLog
import Provenance
import NeuralNet
import TestSupport

/// A small deterministic grading model for end-to-end tests, independent of the trained default
/// model: the photo's average colour -> 10 classes by its red-minus-green value x (lowest for
/// most FGrade class 0-1 photos of the sample upload). Scores are tangent lines of -(x - c_k)^2,
/// so the class whose centre c_k is nearest wins, with confidences that vary from photo to photo
/// (some fall below the review threshold). Its review rule is set by hand (threshold 60 % for the
/// default policy's grouping and target), not chosen on validation photos: this model is not trained.
enum ToneModel {
    /// Class centres in normalised red-minus-green units, calibrated on the sample upload.
    static let centres: [Float] = [0.80, 1.00, 1.12, 1.20, 1.30, 1.45, 1.55, 1.62, 1.70, 1.80]
    static let sharpness: Float = 150

    static func make() throws -> Model {
        var graph = Graph(input: TensorShape(channels: 3, height: 32, width: 32))
        var x = graph.globalAveragePool(graph.input)
        x = graph.flatten(x)
        let weights: [Float] = centres.flatMap { c -> [Float] in [2 * sharpness * c, -2 * sharpness * c, 0] }
        let bias = centres.map { c in -sharpness * c * c }
        x = graph.dense(x, Dense(outputFeatures: 10, weights: weights, bias: bias))
        graph.output = graph.softmax(x)
        return try Model(graph: graph, normalization: InputNormalization(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]),
                         labels: (0..<10).map { "class-\($0)" }, metadata: ["purpose": "end-to-end tests"])
            .calibrated(try ModelCalibration(temperature: 1, review: reviewRule, classCount: 10))
    }

    static let reviewRule = ModelCalibration.ReviewRule(classGroups: [0, 0, 1, 1, 1, 2, 2, 2, 3, 3], targetBP: 9000, thresholdBP: 6000)

    /// The lot grade and the exact probability that it is right, from the photos' recorded scores,
    /// as the default policy specifies them (Sources/Grading/README.md), computed here without the
    /// grading code: grade shares are the mean of each photo's grade probability, and the
    /// probability comes from the exact distribution of grade counts, not from simulation.
    static func lotDecision(scoresBasisPoints photos: [[Int]]) -> (grade: String, confidence: Double) {
        let grades = ["Premium", "Grade I", "Grade II", "Reject"]
        let group = reviewRule.classGroups
        let perGrade = photos.map { scores in (0..<4).map { g in scores.indices.filter { group[$0] == g }.reduce(0) { $0 + scores[$1] } } }
        func rule(_ amounts: [Int], _ total: Int) -> Int {
            // Premium: >= 90 % Premium and <= 2 % Reject; Grade I: >= 85 % at or above, <= 5 %; Grade II: 70 %, 10 %.
            for (g, least, most) in [(0, 9000, 200), (1, 8500, 500), (2, 7000, 1000)]
            where amounts[...g].reduce(0, +) * 10_000 >= least * total && amounts[3] * 10_000 <= most * total { return g }
            return 3
        }
        let grade = rule((0..<4).map { g in perGrade.reduce(0) { $0 + $1[g] } }, 10_000 * photos.count)
        var distribution: [[Int]: Double] = [[0, 0, 0, 0]: 1]
        for photo in perGrade {
            let total = Double(photo.reduce(0, +))
            var next: [[Int]: Double] = [:]
            for (counts, p) in distribution {
                for g in 0..<4 where photo[g] > 0 {
                    var c = counts
                    c[g] += 1
                    next[c, default: 0] += p * Double(photo[g]) / total
                }
            }
            distribution = next
        }
        let confidence = distribution.filter { rule($0.key, photos.count) == grade }.values.reduce(0, +)
        return (grades[grade], confidence)
    }
}

/// A fresh ledger, signing key and tone model in a temporary folder.
struct GradeWorkspace {
    let directory: TemporaryDirectory
    var ledger: String { directory.url.appendingPathComponent("coop.db").path }
    var key: String { directory.url.appendingPathComponent("coop.key").path }
    var model: String { directory.url.appendingPathComponent("tone.agmodel").path }
    var results: String { directory.url.appendingPathComponent("results.jsonl").path }

    init() throws {
        directory = try TemporaryDirectory(prefix: "grade-e2e")
        do {
            // A fixed seed keeps runs reproducible (the worked example's seed in LedgerStore's README).
            let signer = try NoteSigner(name: "htx-lai-vung.example/ledger", seed: [UInt8](repeating: 7, count: 32))
            try SigningKeyFile.write(signer, to: key)
            try Ledger.createProvenance(at: ledger, signer: signer)
            try ToneModel.make().write(to: URL(fileURLWithPath: model))
        } catch {
            remove()
            throw error
        }
    }

    func path(_ name: String) -> String { directory.url.appendingPathComponent(name).path }

    /// `agritrace grade UPLOAD` against this workspace, with `extra` arguments.
    func grade(_ upload: String, _ extra: [String] = []) throws -> CommandResult {
        try AgriTraceBinary.run(["grade", upload, "--ledger", ledger, "--key", key, "--model", model] + extra)
    }

    /// The bundled policy with `hold_when_lot_confidence_below_bp` raised to `holdBelowBP`, written
    /// into the workspace. At 9990 (the default): the tone model is sure enough of the sample lots'
    /// grades that only a policy this strict holds some of them (DT-LV-261103-01, DT-LV-261103-02
    /// and DT-TM-261104-02).
    func strictPolicy(holdBelowBP: Int = 9990) throws -> String {
        let bundled = try String(contentsOf: FixtureFiles.root.deletingLastPathComponent()
            .appendingPathComponent("Sources/Grading/Resources/default-policy.json"), encoding: .utf8)
        let strict = bundled.replacingOccurrences(of: "\"hold_when_lot_confidence_below_bp\": 6000",
                                                  with: "\"hold_when_lot_confidence_below_bp\": \(holdBelowBP)")
        precondition(strict != bundled, "the bundled policy's hold limit moved")
        let file = path("strict-policy-\(holdBelowBP).json")
        try strict.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func openLedger() throws -> Ledger { try Ledger(provenanceAt: ledger, readOnly: true) }

    func remove() { directory.remove() }
}
