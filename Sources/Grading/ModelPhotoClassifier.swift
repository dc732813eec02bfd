import Foundation
import Imaging
import NeuralNet

/// `PhotoClassifier` over a `.agmodel`: Imaging's decode-to-size fast path (the same function
/// training uses), the model's normalisation, and NeuralNet's fast executor on the caller's thread.
public final class ModelPhotoClassifier: PhotoClassifier, @unchecked Sendable {
    public let model: Model
    public var modelID: String { model.id }
    public var labels: [String] { model.labels }
    public var calibration: ModelCalibration { model.calibration }
    private let network: Network
    private let decodeLimits: DecodeLimits
    // Workspaces are reused across calls (one per concurrent caller) so no batch allocates them.
    private let lock = NSLock()
    private var idleWorkspaces: [Workspace] = []

    public init(model: Model, decodeLimits: DecodeLimits = .default) throws {
        guard model.inputShape.channels == 3 else {
            throw ModelError(file: model.id, reason: "the grading model must take 3-channel RGB input, not \(model.inputShape.channels)")
        }
        self.model = model
        self.network = try Network(model: model)
        self.decodeLimits = decodeLimits
    }

    /// A model file that cannot grade is named by its path, not by its id.
    public convenience init(contentsOf url: URL) throws {
        let model = try Model.load(contentsOf: url)
        do { try self.init(model: model) } catch var error as ModelError {
            error.file = url.path
            throw error
        }
    }

    /// The default model shipped with AgriTrace.
    public static func bundledDefault() throws -> ModelPhotoClassifier {
        try ModelPhotoClassifier(contentsOf: BundledResources.defaultModelURL)
    }

    public func decode(_ data: Data, fileName: String) throws -> [UInt8] {
        try ImageDecoder.decode(data: data, fileName: fileName, targetWidth: model.inputShape.width,
                                targetHeight: model.inputShape.height, limits: decodeLimits).pixels
    }

    public func classify(_ batch: [[UInt8]]) throws -> [[Float]] {
        let workspace = takeWorkspace()
        defer { giveBack(workspace) }
        let shape = model.inputShape
        var output = [Float](repeating: 0, count: network.outputShape.elementCount)
        return try batch.map { pixels in
            let input = try model.preprocess(rgb: pixels, width: shape.width, height: shape.height)
            input.withUnsafeBufferPointer { network.run(input: $0.baseAddress!, output: &output, workspace: workspace) }
            return model.probabilities(fromOutput: try model.checkedOutput(output))
        }
    }

    private func takeWorkspace() -> Workspace {
        lock.lock()
        defer { lock.unlock() }
        return idleWorkspaces.popLast() ?? network.makeWorkspace()
    }

    private func giveBack(_ workspace: Workspace) {
        lock.lock()
        idleWorkspaces.append(workspace)
        lock.unlock()
    }
}
