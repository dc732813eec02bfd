import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where a cooperative's log is read from: its `agritrace serve` (c2sp.org/tlog-tiles), or anything
/// that answers the same two requests.
public protocol TileSource: Sendable {
    /// The latest signed checkpoint (the `/checkpoint` resource).
    func checkpoint() async throws -> String
    /// Entry bundle `index` (`/tile/entries/<N>`), or its first `width` entries (`.p/<W>`).
    func entryBundle(index: Int, width: Int?) async throws -> [UInt8]
}

/// A fetch that did not give a usable answer: the server is down, slow, or answered with an
/// error status or too many bytes. The cooperative is retried in the next round.
public struct FetchError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(description: String) { self.description = description }
}

/// c2sp.org/tlog-tiles over HTTP(S).
public struct HTTPTileSource: TileSource {
    public let baseURL: String
    let session: URLSession
    /// Largest answer read: a checkpoint is a short note; a bundle holds 256 entries of at most 64 KiB.
    static let maxCheckpointBytes = 1 << 16
    static let maxBundleBytes = 256 * (2 + 65_535)

    public init(baseURL: String, timeoutSeconds: Double = 10) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds * 3
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    public func checkpoint() async throws -> String {
        let bytes = try await get("/checkpoint", limit: Self.maxCheckpointBytes)
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw FetchError(description: "\(baseURL)/checkpoint is not UTF-8") }
        return text
    }

    public func entryBundle(index: Int, width: Int?) async throws -> [UInt8] {
        try await get("/tile/entries/" + EntryBundle.path(index: index, width: width), limit: Self.maxBundleBytes)
    }

    private func get(_ path: String, limit: Int) async throws -> [UInt8] {
        guard let url = URL(string: baseURL + path) else { throw FetchError(description: "\(baseURL)\(path) is not a URL") }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await session.data(from: url)
        } catch {
            throw FetchError(description: "\(url.absoluteString): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw FetchError(description: "\(url.absoluteString): not an HTTP answer") }
        guard http.statusCode == 200 else { throw FetchError(description: "\(url.absoluteString): HTTP \(http.statusCode)") }
        guard data.count <= limit else { throw FetchError(description: "\(url.absoluteString): answer over \(limit) bytes") }
        return [UInt8](data)
    }
}

/// c2sp.org/tlog-tiles entry bundles: each entry prefixed by its length as a big-endian 16-bit number.
public enum EntryBundle {
    public static let width = 256

    /// The path below `tile/entries/`: zero-padded 3-digit elements, all but the last prefixed `x`.
    public static func path(index: Int, width: Int?) -> String {
        var parts = [pad3(index % 1000)]
        var rest = index / 1000
        while rest > 0 {
            parts.insert("x" + pad3(rest % 1000), at: 0)
            rest /= 1000
        }
        let path = parts.joined(separator: "/")
        if let width, width < Self.width { return path + ".p/\(width)" }
        return path
    }

    private static func pad3(_ value: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: 3 - digits.count) + digits
    }

    /// Splits a bundle into exactly `count` entries; a truncated bundle, a short one or trailing bytes is an error.
    public static func entries(in bytes: [UInt8], count: Int) throws -> [[UInt8]] {
        var entries = [[UInt8]]()
        entries.reserveCapacity(count)
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 2 else { throw FetchError(description: "entry bundle ends inside a length prefix") }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            offset += 2
            guard bytes.count - offset >= length else {
                throw FetchError(description: "entry bundle is truncated: entry \(entries.count) needs \(length) bytes, \(bytes.count - offset) left")
            }
            entries.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        guard entries.count == count else {
            throw FetchError(description: "entry bundle holds \(entries.count) entries, expected \(count)")
        }
        return entries
    }
}
