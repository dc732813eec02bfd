import Foundation
import Imaging
#if canImport(Glibc)
import Glibc
#endif

/// Small PNG pictures of graded photos, for the lot list and the review page. The grading job
/// makes them after grading, from the uploaded bytes (never on a request), and keeps them in the
/// work folder named by the photo's SHA-256, which the grading entry records; the console serves
/// them to signed-in users only. Photo bytes come from farms' phones and are treated as hostile:
/// the decoder's limits apply, a JPEG is decoded at a reduced DCT scale, and a photo that does not
/// decode simply has no thumbnail.
struct Thumbnails: Sendable {
    /// Longest edge in pixels: sharp at twice the size the pages show them.
    static let edge = 160
    /// A thumbnail is never worth decoding more than this: the grader's own limits.
    static let limits = DecodeLimits.default

    let directory: URL

    init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// A photo's SHA-256 as entries write it: 64 lowercase hex digits (the only names served).
    static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    func file(sha256: String) -> URL {
        precondition(Self.isDigest(sha256), "thumbnails are named by SHA-256 digests")
        return directory.appendingPathComponent(sha256 + ".png")
    }

    func has(sha256: String) -> Bool {
        Self.isDigest(sha256) && FileManager.default.fileExists(atPath: file(sha256: sha256).path)
    }

    /// Makes the thumbnail of a photo unless it exists. Returns false when the bytes do not
    /// decode within the limits (no thumbnail then; the grading entry says why the photo was unreadable).
    @discardableResult
    func make(sha256: String, data: Data, fileName: String) -> Bool {
        guard Self.isDigest(sha256) else { return false }
        if has(sha256: sha256) { return true }
        do {
            let info = try ImageDecoder.probe(data: data, fileName: fileName, limits: Self.limits)
            guard info.width > 0, info.height > 0 else { return false }
            let scale = min(1, Double(Self.edge) / Double(max(info.width, info.height)))
            let width = max(1, Int((Double(info.width) * scale).rounded()))
            let height = max(1, Int((Double(info.height) * scale).rounded()))
            let image = try ImageDecoder.decode(data: data, fileName: fileName, targetWidth: width, targetHeight: height, limits: Self.limits)
            let target = file(sha256: sha256)
            // Written aside and renamed: a reader never sees half a file.
            let partial = directory.appendingPathComponent(sha256 + ".partial")
            try Data(try PNGEncoder.encode(image)).write(to: partial)
            return rename(partial.path, target.path) == 0
        } catch {
            return false
        }
    }
}
