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
/// (some fall below the review threshold).
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
        // A fixed seed keeps runs reproducible (the worked example's seed in LedgerStore's README).
        let signer = try NoteSigner(name: "htx-lai-vung.example/ledger", seed: [UInt8](repeating: 7, count: 32))
        try SigningKeyFile.write(signer, to: key)
        try Ledger.createProvenance(at: ledger, signer: signer)
        try ToneModel.make().write(to: URL(fileURLWithPath: model))
    }

    func path(_ name: String) -> String { directory.url.appendingPathComponent(name).path }

    /// `agritrace grade UPLOAD` against this workspace, with `extra` arguments.
    func grade(_ upload: String, _ extra: [String] = []) throws -> CommandResult {
        try AgriTraceBinary.run(["grade", upload, "--ledger", ledger, "--key", key, "--model", model] + extra)
    }

    func openLedger() throws -> Ledger { try Ledger(provenanceAt: ledger, readOnly: true) }

    func remove() { directory.remove() }
}
