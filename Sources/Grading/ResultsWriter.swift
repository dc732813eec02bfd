import Foundation

/// Writes the JSON-lines results file: one `PhotoResult.jsonLine` per photo, flushed in blocks
/// so a killed run leaves every finished line readable.
public final class ResultsWriter {
    private let handle: FileHandle
    private var buffer = Data()
    public let url: URL

    /// Creates (or truncates) `url`.
    public init(url: URL) throws {
        self.url = url
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
    }

    public func write(_ result: PhotoResult) {
        buffer.append(contentsOf: Array(result.jsonLine.utf8))
        buffer.append(0x0A)
        if buffer.count >= 64 << 10 { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() throws {
        flush()
        try handle.close()
    }
}
