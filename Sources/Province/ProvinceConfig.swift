import Foundation
import Localization
import MerkleLog
import Traceability

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
                throw ProvinceConfigError(Self.notAName(name))
            }
            guard let validated = try? PublicBaseURL.validated(baseURL) else {
                throw ProvinceConfigError(Message("base URL '{url}' of {name} must be an http:// or https:// address without query, fragment, user or password",
                                                  ["url": .text(baseURL), "name": .text(name)]))
            }
            guard key.type == .ed25519 else {
                throw ProvinceConfigError(Message("the key of {name} is not a ledger (Ed25519) key", ["name": .text(name)]))
            }
            self.name = name
            self.baseURL = validated
            self.key = key
        }

        public static func notAName(_ text: String) -> Message {
            Message("cooperative name '{name}' must be 1–64 of A–Z a–z 0–9 . _ -, not . or ..", ["name": .text(text)])
        }

        /// A name is a path segment of the province's routes (`/audit/<name>`), so "." and ".."
        /// (which clients resolve away) are not names.
        public static func isName(_ text: String) -> Bool {
            (1...64).contains(text.utf8.count) && text != "." && text != ".." && text.utf8.allSatisfy { byte in
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
            guard names.insert(cooperative.name).inserted else { throw ProvinceConfigError(Message("cooperative {name} is listed twice", ["name": .text(cooperative.name)])) }
            guard urls.insert(cooperative.baseURL).inserted else { throw ProvinceConfigError(Message("base URL {url} is listed twice", ["url": .text(cooperative.baseURL)])) }
            guard keys.insert(cooperative.key.publicKey).inserted else { throw ProvinceConfigError(Message("the key of {name} is listed twice", ["name": .text(cooperative.name)])) }
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
            let at = MessageArgument.text("\(file):\(number + 1)")
            guard words[0] == "cooperative" else {
                throw ProvinceConfigError(Message("{where}: unknown line '{word}' (expected: cooperative NAME BASE-URL VKEY)", ["where": at, "word": .text(String(words[0]))]))
            }
            guard words.count == 4 else {
                throw ProvinceConfigError(Message("{where}: expected 'cooperative NAME BASE-URL VKEY', found {count} values", ["where": at, "count": .integer(words.count - 1)]))
            }
            let key: NoteVerifier
            do { key = try NoteVerifier(vkey: String(words[3])) } catch {
                throw ProvinceConfigError(Message("{where}: the key is not a verifier key: {reason}", ["where": at, "reason": .message(.describing(error))]))
            }
            do { cooperatives.append(try Cooperative(name: String(words[1]), baseURL: String(words[2]), key: key)) } catch {
                throw ProvinceConfigError(Message("{where}: {reason}", ["where": at, "reason": .message(error.message)]))
            }
        }
        guard !cooperatives.isEmpty else { throw ProvinceConfigError(Message("{file}: lists no cooperative", ["file": .text(file)])) }
        do { try self.init(cooperatives: cooperatives) } catch { throw ProvinceConfigError(Message("{file}: {reason}", ["file": .text(file), "reason": .message(error.message)])) }
    }

    public init(contentsOf path: String) throws(ProvinceConfigError) {
        func refused(_ reason: Message) -> ProvinceConfigError {
            ProvinceConfigError(Message("{file}: cannot be read: {reason}", ["file": .text(path), "reason": .message(reason)]))
        }
        if let problem = Message.notRegularFile(path) { throw refused(problem) }
        var info = stat()
        guard stat(path, &info) == 0 else { throw refused(.systemError(errno)) }
        guard Int(info.st_size) <= Self.maxBytes else {
            throw ProvinceConfigError(Message("{file}: larger than {max_bytes} bytes", ["file": .text(path), "max_bytes": .integer(Self.maxBytes)]))
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw refused(.systemError(EACCES)) }
        guard let text = String(data: data, encoding: .utf8) else { throw ProvinceConfigError(Message("{file}: not UTF-8 text", ["file": .text(path)])) }
        try self.init(parsing: text, file: path)
    }
}

public struct ProvinceConfigError: LocalizableError, Equatable {
    public let message: Message
    init(_ message: Message) { self.message = message }
}
