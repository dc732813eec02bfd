import Foundation
import Training
import TestSupport

/// A labelled folder of placeholder files whose "decoded" pixels are made up from the file name:
/// class k is a disc whose colour moves from green (class 0) to red (last class), with noise.
/// Lets trainer tests run without image decoding.
struct SyntheticPhotos {
    let directory: TemporaryDirectory
    let folder: LabelledFolder

    init(classes: Int, itemsPerClass: Int) throws {
        let directory = try TemporaryDirectory(prefix: "training-synthetic")
        self.directory = directory
        do {
            for c in 0..<classes {
                let classFolder = directory.url.appendingPathComponent("\(c)")
                try FileManager.default.createDirectory(at: classFolder, withIntermediateDirectories: true)
                for item in 0..<itemsPerClass {
                    let name = String(UnicodeScalar(UInt8(65 + item))) + String(format: "%03d.jpg", c * 10 + item)
                    try Data([UInt8(c)]).write(to: classFolder.appendingPathComponent(name))
                }
            }
            folder = try LabelledFolder(root: directory.url)
        } catch {
            directory.remove()
            throw error
        }
    }

    /// The decode closure for `PhotoCache`.
    static func decode(classes: Int) -> @Sendable (URL, Int) throws -> [UInt8] {
        { url, size in
            let label = Int(url.deletingLastPathComponent().lastPathComponent)!
            var generator = SeededGenerator(seed: url.lastPathComponent.utf8.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) })
            let redness = Float(label) / Float(max(classes - 1, 1))
            var pixels = [UInt8](repeating: 255, count: size * size * 3)
            let centre = Float(size - 1) / 2, radius = Float(size) * 0.35
            for y in 0..<size {
                for x in 0..<size where hypot(Float(x) - centre, Float(y) - centre) < radius {
                    let noise = Float.random(in: -20...20, using: &generator)
                    pixels[(y * size + x) * 3] = UInt8(max(0, min(255, 40 + 200 * redness + noise)))
                    pixels[(y * size + x) * 3 + 1] = UInt8(max(0, min(255, 220 - 180 * redness + noise)))
                    pixels[(y * size + x) * 3 + 2] = UInt8(max(0, min(255, 40 + noise)))
                }
            }
            return pixels
        }
    }
}
