import Deterministic
import Foundation

/// Every usable photo decoded once, squashed to size×size RGB8, kept in memory for all epochs
/// (4,400 FGrade photos at 64×64 take 54 MB).
public struct PhotoCache: Sendable {
    public let size: Int
    /// Photo index (into the folder's photo list) → slot in `pixels`, nil when the photo failed.
    public let slots: [Int?]
    public let pixels: [UInt8]
    public let failures: [(path: String, message: String)]

    public var bytesPerPhoto: Int { size * size * 3 }

    /// Decodes `photos` with `decode` on `jobs` threads. Failures are collected (named by
    /// relative path), never fatal: the caller reports and skips them.
    public init(photos: [LabelledPhoto], size: Int, jobs: Int,
                decode: @Sendable (URL, Int) throws -> [UInt8]) {
        self.size = size
        let bytes = size * size * 3
        var buffer = [UInt8](repeating: 0, count: photos.count * bytes)
        var messages = [String?](repeating: nil, count: photos.count)
        buffer.withUnsafeMutableBufferPointer { out in
            messages.withUnsafeMutableBufferPointer { errors in
                parallelChunks(photos.count, jobs: jobs) { _, range in
                    for i in range {
                        do {
                            let rgb = try decode(photos[i].url, size)
                            guard rgb.count == bytes else {
                                errors[i] = "decoder returned \(rgb.count) bytes, expected \(bytes)"
                                continue
                            }
                            (out.baseAddress! + i * bytes).update(from: rgb, count: bytes)
                        } catch {
                            errors[i] = "\(error)"
                        }
                    }
                }
            }
        }
        // Compact away failed photos so the cache holds only usable ones.
        var slots = [Int?](repeating: nil, count: photos.count)
        var compact: [UInt8] = []
        compact.reserveCapacity(buffer.count)
        var failures: [(String, String)] = []
        for i in photos.indices {
            if let message = messages[i] {
                failures.append((photos[i].relativePath, message))
            } else {
                slots[i] = compact.count / bytes
                compact.append(contentsOf: buffer[(i * bytes)..<((i + 1) * bytes)])
            }
        }
        self.slots = slots
        self.pixels = compact
        self.failures = failures
    }

    /// Per-channel mean and standard deviation of pixel values in 0...1 over the given photos.
    public func channelStatistics(of photoIndices: [Int]) -> (mean: [Float], std: [Float]) {
        var sum = [Double](repeating: 0, count: 3), squares = [Double](repeating: 0, count: 3)
        var count = 0.0
        for index in photoIndices {
            guard let slot = slots[index] else { continue }
            let base = slot * bytesPerPhoto
            for p in 0..<(size * size) {
                for c in 0..<3 {
                    let v = Double(pixels[base + p * 3 + c]) / 255
                    sum[c] += v; squares[c] += v * v
                }
            }
            count += Double(size * size)
        }
        guard count > 0 else { return ([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]) }
        let mean = sum.map { $0 / count }
        let std = (0..<3).map { max((squares[$0] / count - mean[$0] * mean[$0]).squareRoot(), 1e-3) }
        return (mean.map(Float.init), std.map(Float.init))
    }
}
