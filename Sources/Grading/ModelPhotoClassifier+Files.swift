import Deterministic
import Foundation
import Imaging

/// One photo file's classification, or why it has none.
public struct FileClassification: Sendable, Equatable, Encodable {
    public var file: String
    /// The most likely class (the lowest index among equal probabilities).
    public var classIndex: Int?
    public var label: String?
    public var probabilities: [Float]?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case file, label, probabilities, error
        case classIndex = "class"
    }
}

extension ModelPhotoClassifier {
    /// Reads, decodes (straight to the model's input size, as grading does) and classifies each
    /// file on up to `jobs` threads. Results are in input order and identical for any `jobs`;
    /// a file that cannot be read or decoded gets an error naming it, and the rest go on.
    public func classify(files: [String], jobs: Int) -> [FileClassification] {
        var results = [FileClassification?](repeating: nil, count: files.count)
        results.withUnsafeMutableBufferPointer { out in
            // Each chunk writes only its own files' slots.
            let output = UncheckedSendable(out)
            parallelChunks(files.count, jobs: jobs) { _, range in
                for index in range { output.value[index] = classify(file: files[index]) }
            }
        }
        return results.map { $0! }
    }

    private func classify(file: String) -> FileClassification {
        do {
            let data = try ImageDecoder.readFile(at: URL(fileURLWithPath: file))
            let probabilities = try classify([try decode(data, fileName: file)])[0]
            let best = mostLikelyClass(probabilities)
            return FileClassification(file: file, classIndex: best, label: labels[best], probabilities: probabilities)
        } catch let error as ImageDecodingError {
            return FileClassification(file: file, error: error.reasonText)   // `file` already names it
        } catch {
            return FileClassification(file: file, error: "\(error)")
        }
    }
}
