import Foundation
import NeuralNet

/// A model's raw graph outputs on labelled photos (decoded with the grading decoder), the input of
/// evaluation and calibration.
public struct ModelOutputs {
    /// The graph output of each readable photo, in the order of the photos asked for.
    public var outputs: [[Float]]
    /// The model class index of each readable photo's folder label.
    public var truth: [Int]
    public var failures: [(path: String, message: String)]

    /// Runs `model` on the given photos of `folder` on `jobs` threads. Folder labels must all be
    /// model labels; they are matched by name.
    public init(model: Model, folder: LabelledFolder, photos: [Int], jobs: Int) throws {
        let size = model.inputShape.width
        guard model.inputShape.height == size, model.inputShape.channels == 3 else {
            throw EvaluationError(reason: "the model's input \(model.inputShape) is not a square RGB image")
        }
        var modelIndexOfFolderLabel: [Int] = []
        for label in folder.labels {
            guard let index = model.labels.firstIndex(of: label) else {
                throw EvaluationError(reason: "class folder '\(label)' is not a label of the model (\(model.labels.joined(separator: ", ")))")
            }
            modelIndexOfFolderLabel.append(index)
        }
        let selected = photos.map { folder.photos[$0] }
        let cache = PhotoCache(photos: selected, size: size, jobs: jobs, decode: PhotoCache.imagingDecoder)
        let network = try Network(model: model)
        let usable = selected.indices.filter { cache.slots[$0] != nil }
        let perImage = 3 * size * size
        var inputs = [Float](repeating: 0, count: usable.count * perImage)
        for (row, i) in usable.enumerated() {
            let slot = cache.slots[i]!
            let pixels = Array(cache.pixels[(slot * cache.bytesPerPhoto)..<((slot + 1) * cache.bytesPerPhoto)])
            let tensor = try model.preprocess(rgb: pixels, width: size, height: size)
            inputs.replaceSubrange((row * perImage)..<((row + 1) * perImage), with: tensor)
        }
        let flat = usable.isEmpty ? [] : network.run(batch: inputs, count: usable.count, jobs: jobs)
        let width = model.labels.count
        var outputs: [[Float]] = [], truth: [Int] = [], failures = cache.failures
        for (row, i) in usable.enumerated() {
            do {
                outputs.append(try model.checkedOutput(Array(flat[(row * width)..<((row + 1) * width)])))
                truth.append(modelIndexOfFolderLabel[selected[i].label])
            } catch {
                failures.append((path: selected[i].relativePath, message: "\(error)"))
            }
        }
        self.outputs = outputs
        self.truth = truth
        self.failures = failures
    }
}
