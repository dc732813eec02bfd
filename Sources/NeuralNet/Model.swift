import Crypto
import Foundation
import Localization

/// A complete, validated classifier: the graph, what its input is, and its class labels.
/// Every `Model` value has passed validation, so it can always be encoded and compiled.
/// `id` is the lowercase hex SHA-256 of the model's `.agmodel` file bytes (the encoding is canonical:
/// loading a file and encoding it again gives the same bytes).
public struct Model: Sendable, Equatable {
    public let graph: Graph
    public let normalization: InputNormalization
    public let labels: [String]
    /// Free-form provenance (architecture name, training command, ...), stored sorted by key.
    public let metadata: [String: String]
    /// The temperature and review rule stored under reserved metadata keys.
    public let calibration: ModelCalibration
    public let id: String

    public init(graph: Graph, normalization: InputNormalization, labels: [String], metadata: [String: String] = [:]) throws {
        self.graph = graph
        self.normalization = normalization
        self.labels = labels
        self.metadata = metadata
        let bytes = try ModelFormat.encode(graph: graph, normalization: normalization, labels: labels, metadata: metadata)
        calibration = try ModelCalibration(metadata: metadata, classCount: labels.count, file: "<model>")
        id = Model.identifier(ofFileBytes: bytes)
    }

    /// The same network with `calibration` stored in place of the current one (a new model id);
    /// `copiedFrom` names the model it was fitted on when that is another model.
    public func calibrated(_ calibration: ModelCalibration, copiedFrom sourceID: String? = nil) throws -> Model {
        var kept = metadata.filter { !ModelCalibration.reservedKeys.contains($0.key) && $0.key != ModelCalibration.copiedFromKey }
        if let sourceID { kept[ModelCalibration.copiedFromKey] = sourceID }
        return try Model(graph: graph, normalization: normalization, labels: labels,
                         metadata: kept.merging(calibration.metadata) { $1 })
    }

    public var inputShape: TensorShape { graph.inputShape }

    /// The `.agmodel` file bytes.
    public func encoded() -> [UInt8] {
        // Cannot fail: the same encoding succeeded in init.
        try! ModelFormat.encode(graph: graph, normalization: normalization, labels: labels, metadata: metadata)
    }

    public func write(to url: URL) throws {
        do {
            try OutputFile.write(Data(encoded()), to: url.path)
        } catch {
            throw ModelError(file: url.path, reason: "cannot write the model: \(Message.fileError(error, path: url.path))")
        }
    }

    /// Reads and validates a `.agmodel` file; every problem becomes a `ModelError` naming the file.
    public static func load(contentsOf url: URL) throws -> Model {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        if let size = attributes?[.size] as? Int, size > ModelFormat.maxFileSize {
            throw ModelError(file: url.path, reason: "file is \(size) bytes, larger than the \(ModelFormat.maxFileSize)-byte limit")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError(file: url.path, reason: "cannot read: \(Message.fileError(error, path: url.path).description)")
        }
        return try decode([UInt8](data), fileName: url.path)
    }

    public static func decode(_ bytes: [UInt8], fileName: String = "<model>") throws -> Model {
        try ModelFormat.decode(bytes, fileName: fileName)
    }

    public static func identifier(ofFileBytes bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
