import Foundation
import MerkleLog

/// The cooperatives the aggregator follows, read from a text file:
///
/// ```
/// # name      base URL of its `agritrace serve`   its ledger key (vkey)
/// cooperative HTX-LAI-VUNG https://trace.htx-lai-vung.example htx-lai-vung.example/ledger+1a2b3c4d+AQ...
/// ```
///
/// One cooperative per line; `#` starts a comment. Names are unique (they key the database), as
/// are base URLs and keys.
public struct ProvinceConfig: Sendable, Equatable {
    public struct Cooperative: Sendable, Equatable {
        public let name: String
        /// Without a trailing slash.
        public let baseURL: String
        public let key: NoteVerifier
        /// The checkpoint origin line: the ledger key's name (as `agritrace ledger init` sets it).
        public var origin: String { key.name }

        public init(name: String, baseURL: String, key: NoteVerifier) throws(ProvinceConfigError) {
            guard Self.isName(name) else {
                throw ProvinceConfigError("cooperative name '\(name)' must be 1–64 of A–Z a–z 0–9 . _ -")
            }
            guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  url.host != nil, url.query == nil, url.fragment == nil else {
                throw ProvinceConfigError("base URL '\(baseURL)' of \(name) must be an http:// or https:// address without query")
            }
            guard key.type == .ed25519 else {
                throw ProvinceConfigError("the key of \(name) is not a ledger (Ed25519) key")
            }
            self.name = name
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.key = key
        }

        static func isName(_ text: String) -> Bool {
            (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
                (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) || (0x30...0x39).contains(byte)
                    || byte == 0x2e || byte == 0x5f || byte == 0x2d
            }
        }
    }

    public let cooperatives: [Cooperative]

    public static let maxBytes = 1 << 20

    public init(cooperatives: [Cooperative]) throws(ProvinceConfigError) {
        var names = Set<String>(), urls = Set<String>(), keys = Set<[UInt8]>()
        for cooperative in cooperatives {
            guard names.insert(cooperative.name).inserted else { throw ProvinceConfigError("cooperative \(cooperative.name) is listed twice") }
            guard urls.insert(cooperative.baseURL).inserted else { throw ProvinceConfigError("base URL \(cooperative.baseURL) is listed twice") }
            guard keys.insert(cooperative.key.publicKey).inserted else { throw ProvinceConfigError("the key of \(cooperative.name) is listed twice") }
        }
        self.cooperatives = cooperatives
    }

    /// Parses the file's text; errors name the file and line.
    public init(parsing text: String, file: String) throws(ProvinceConfigError) {
        var cooperatives = [Cooperative]()
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let content = line.prefix { $0 != "#" }
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.isEmpty { continue }
            let at = "\(file):\(number + 1)"
            guard words[0] == "cooperative" else {
                throw ProvinceConfigError("\(at): unknown line '\(words[0])' (expected: cooperative NAME BASE-URL VKEY)")
            }
            guard words.count == 4 else {
                throw ProvinceConfigError("\(at): expected 'cooperative NAME BASE-URL VKEY', found \(words.count - 1) values")
            }
            let key: NoteVerifier
            do { key = try NoteVerifier(vkey: String(words[3])) } catch {
                throw ProvinceConfigError("\(at): the key is not a verifier key: \(error)")
            }
            do { cooperatives.append(try Cooperative(name: String(words[1]), baseURL: String(words[2]), key: key)) } catch {
                throw ProvinceConfigError("\(at): \(error.description)")
            }
        }
        guard !cooperatives.isEmpty else { throw ProvinceConfigError("\(file): lists no cooperative") }
        do { try self.init(cooperatives: cooperatives) } catch { throw ProvinceConfigError("\(file): \(error.description)") }
    }

    public init(contentsOf path: String) throws(ProvinceConfigError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ProvinceConfigError("\(path): cannot be read") }
        guard data.count <= Self.maxBytes else { throw ProvinceConfigError("\(path): larger than \(Self.maxBytes) bytes") }
        guard let text = String(data: data, encoding: .utf8) else { throw ProvinceConfigError("\(path): not UTF-8 text") }
        try self.init(parsing: text, file: path)
    }
}

public struct ProvinceConfigError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
