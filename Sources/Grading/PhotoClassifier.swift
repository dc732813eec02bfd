import Foundation
import NeuralNet

/// Decodes photo bytes and classifies them; `ModelPhotoClassifier` implements it over Imaging and
/// NeuralNet. The pipeline calls it from several worker threads at once, one batch per call, and
/// each call must use only its own thread (the pipeline provides the parallelism).
public protocol PhotoClassifier: Sendable {
    /// Lowercase hex SHA-256 of the model file.
    var modelID: String { get }
    var labels: [String] { get }
    /// The model's temperature and review rule (its probabilities are already calibrated).
    var calibration: ModelCalibration { get }

    /// A photo's RGB8 pixels scaled to the model's input size; throws a decoding error naming
    /// the file when the bytes are not a readable image.
    func decode(_ data: Data, fileName: String) throws -> [UInt8]

    /// Class probabilities for each decoded photo of `batch`, in order.
    func classify(_ batch: [[UInt8]]) throws -> [[Float]]
}

/// A classifier that broke its contract (wrong number of results or scores): a bug or a damaged
/// model, not a problem with the photos.
public struct PhotoClassifierError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The index of the highest probability, the lowest such index on ties: the one class choice of
/// grading and of `classify`. An empty list gives 0.
public func mostLikelyClass(_ probabilities: [Float]) -> Int {
    var best = 0
    for index in probabilities.indices where probabilities[index] > probabilities[best] { best = index }
    return best
}
