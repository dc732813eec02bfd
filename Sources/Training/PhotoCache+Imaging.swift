import Foundation
import Imaging

extension PhotoCache {
    /// Decodes with Imaging's network-input fast path, the same function grading uses at run
    /// time, so training sees exactly the pixels the graded photos will produce.
    public static let imagingDecoder: @Sendable (URL, Int) throws -> [UInt8] = { url, size in
        let data = try ImageDecoder.readFile(at: url)
        return try ImageDecoder.decode(data: data, fileName: url.lastPathComponent,
                                       targetWidth: size, targetHeight: size).pixels
    }
}
