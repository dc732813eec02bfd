import Foundation
import Localization
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Where a cooperative's log is read from: its `agritrace serve` (c2sp.org/tlog-tiles), or anything
/// that answers the same two requests.
public protocol TileSource: Sendable {
    /// The latest signed checkpoint (the `/checkpoint` resource).
    func checkpoint() async throws -> String
    /// Entry bundle `index` (`/tile/entries/<N>`), or its first `width` entries (`.p/<W>`).
    func entryBundle(index: Int, width: Int?) async throws -> [UInt8]
}

/// A fetch that did not give a usable answer: the server is down, slow, or answered with an
/// error status, too many bytes or data that does not verify. The cooperative is retried in the
/// next round. `code` is for machines (the status endpoint's `last_error_code`), `message` for people.
public struct FetchError: LocalizableError, Equatable {
    public enum Kind: Equatable, Sendable {
        case notAURL
        /// Nothing listens at the address.
        case refused
        /// The host name is not known.
        case unknownHost(String)
        /// The server's certificate did not verify against the system's trusted roots and its name.
        case certificateNotTrusted
        /// The secure connection could not be set up otherwise (protocol).
        case tls(String)
        /// Any other failure to connect or read (the system's words).
        case cannotConnect(String)
        /// The answer was not complete within the time given (connecting included).
        case noCompleteAnswer(seconds: Int64)
        /// More bytes than any valid answer holds: the transfer was stopped there.
        case tooLarge(limit: Int)
        case httpStatus(Int)
        /// The server closed the connection in the middle of its answer.
        case closedEarly
        /// Not an HTTP answer at all.
        case notHTTP(String)
        /// An answer that arrived but is not usable: not a checkpoint, a broken bundle, an entry
        /// that does not verify.
        case invalidAnswer(Message)
    }

    public let kind: Kind
    /// The address asked (empty for an answer's content).
    public let url: String

    public init(_ kind: Kind, url: String) {
        self.kind = kind
        self.url = url
    }

    /// An answer's content that is not usable (the address is in the words, or not needed).
    public init(_ message: Message) { self.init(.invalidAnswer(message), url: "") }

    public var code: String {
        switch kind {
        case .notAURL: return "not_a_url"
        case .refused: return "refused"
        case .unknownHost: return "unknown_host"
        case .certificateNotTrusted: return "certificate"
        case .tls: return "tls"
        case .cannotConnect: return "cannot_connect"
        case .noCompleteAnswer: return "timeout"
        case .tooLarge: return "too_large"
        case .httpStatus: return "http_status"
        case .closedEarly: return "closed_early"
        case .notHTTP: return "not_http"
        case .invalidAnswer: return "invalid_answer"
        }
    }

    public var message: Message {
        let url = MessageArgument.text(self.url)
        switch kind {
        case .notAURL:
            return Message("{url} is not an http:// or https:// address", ["url": url])
        case .refused:
            return Message("{url}: the server refused the connection (it is not running, or not on this port)", ["url": url])
        case .unknownHost(let host):
            return Message("{url}: the host name {host} is not known", ["url": url, "host": .text(host)])
        case .certificateNotTrusted:
            return Message("{url}: the server's certificate is not trusted (not issued by an authority this system trusts, expired, or for another name)", ["url": url])
        case .tls(let reason):
            return Message("{url}: the secure connection (TLS) failed: {reason}", ["url": url, "reason": .text(reason)])
        case .cannotConnect(let reason):
            return Message("{url}: the server cannot be reached: {reason}", ["url": url, "reason": .text(reason)])
        case .noCompleteAnswer(let seconds):
            return Message("{url}: no complete answer within {seconds} s; the transfer was stopped", ["url": url, "seconds": .integer(Int(seconds))])
        case .tooLarge(let limit):
            return Message("{url}: the answer is larger than {limit} bytes, more than any valid answer; the transfer was stopped",
                           ["url": url, "limit": .integer(limit)])
        case .httpStatus(let status):
            return Message("{url}: the server answered HTTP {status} instead of the data", ["url": url, "status": .integer(status)])
        case .closedEarly:
            return Message("{url}: the server closed the connection before its answer was complete", ["url": url])
        case .notHTTP(let reason):
            return Message("{url}: not a valid HTTP answer ({reason})", ["url": url, "reason": .text(reason)])
        case .invalidAnswer(let message):
            return message
        }
    }

    /// A connection's failure in these words (NIO's own errors describe themselves for programmers).
    static func connecting(_ error: any Error, url: String) -> FetchError {
        switch error {
        case let error as FetchError:
            return error
        case let error as NIOConnectionError:
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty {
                return FetchError(.unknownHost(error.host), url: url)
            }
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return FetchError(.refused, url: url)
            }
            return FetchError(.cannotConnect(error.connectionErrors.map { "\($0.error)" }.joined(separator: "; ")), url: url)
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return FetchError(.refused, url: url)
        case let error as IOError:
            return FetchError(.cannotConnect(String(cString: strerror(error.errnoCode))), url: url)
        case ChannelError.connectTimeout(let amount):
            return FetchError(.noCompleteAnswer(seconds: max(1, amount.nanoseconds / 1_000_000_000)), url: url)
        case let error as NIOSSLError where "\(error)".contains("CERTIFICATE_VERIFY_FAILED"):
            return FetchError(.certificateNotTrusted, url: url)
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return FetchError(.certificateNotTrusted, url: url)
        case let error as NIOSSLError:
            return FetchError(.tls("\(error)"), url: url)
        case let error as BoringSSLError:
            return FetchError(.tls("\(error)"), url: url)
        case HTTPParserError.invalidEOFState:
            return FetchError(.closedEarly, url: url)
        case let error as HTTPParserError:
            return FetchError(.notHTTP("\(error)"), url: url)
        default:
            return FetchError(.cannotConnect("\(error)"), url: url)
        }
    }
}

/// c2sp.org/tlog-tiles over HTTP(S), each answer bounded in bytes and time (`BoundedGet`).
public struct HTTPTileSource: TileSource {
    public let baseURL: String
    /// Longest a request may take, connecting included.
    public let timeout: Duration
    /// Largest answers read: a checkpoint is a short signed note (C2SP tlog-checkpoint: a few
    /// lines and signatures); a full entry bundle is 256 entries, each a 16-bit length and at most
    /// 65,535 bytes (C2SP tlog-tiles).
    static let maxCheckpointBytes = 1 << 16
    static let maxBundleBytes = EntryBundle.width * (2 + 65_535)

    public init(baseURL: String, timeoutSeconds: Double = 10) {
        self.baseURL = baseURL
        timeout = .milliseconds(Int64((timeoutSeconds * 1000).rounded()))
    }

    public func checkpoint() async throws -> String {
        let bytes = try await get("/checkpoint", limit: Self.maxCheckpointBytes)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FetchError(Message("{url}: the checkpoint is not UTF-8 text", ["url": .text(baseURL + "/checkpoint")])) }
        return text
    }

    public func entryBundle(index: Int, width: Int?) async throws -> [UInt8] {
        // A partial bundle of W entries is at most W of the largest entries.
        let limit = width.map { $0 * (2 + 65_535) } ?? Self.maxBundleBytes
        return try await get("/tile/entries/" + EntryBundle.path(index: index, width: width), limit: limit)
    }

    private func get(_ path: String, limit: Int) async throws -> [UInt8] {
        guard let url = URL(string: baseURL + path) else { throw FetchError(.notAURL, url: baseURL + path) }
        return try await BoundedGet.body(of: url, limit: limit, timeout: timeout)
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
            guard bytes.count - offset >= 2 else { throw FetchError(Message("the entry bundle ends inside a length prefix")) }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            offset += 2
            guard bytes.count - offset >= length else {
                throw FetchError(Message("the entry bundle is truncated: entry {index} needs {length} bytes, {left} are left",
                                         ["index": .integer(entries.count), "length": .integer(length), "left": .integer(bytes.count - offset)]))
            }
            entries.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        guard entries.count == count else {
            throw FetchError(Message("the entry bundle holds {count} entries instead of {expected}",
                                     ["count": .integer(entries.count), "expected": .integer(count)]))
        }
        return entries
    }
}
