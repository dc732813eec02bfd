import LedgerStore
import Localization
import MerkleLog

/// The keys a verifier trusts, configured by whoever hosts it (`serve --trust FILE`): the
/// cooperative's log keys, witness keys, and how many witnesses must have cosigned a checkpoint.
///
/// File format, UTF-8, one item per line, `#` starts a comment line:
///
///     log <vkey>          one or more: Ed25519 (type 0x01) keys that sign checkpoints, entries and statements
///     witness <vkey>      zero or more: cosignature/v1 (type 0x04) witness keys
///     quorum <n>          optional: distinct witnesses that must cosign (default: all of them)
public struct TrustList: Sendable, Equatable {
    public let logKeys: [NoteVerifier]
    public let witnesses: [NoteVerifier]
    public let quorum: Int

    public static let maxBytes = 64 << 10

    public init(logKeys: [NoteVerifier], witnesses: [NoteVerifier] = [], quorum: Int? = nil) {
        self.logKeys = logKeys
        self.witnesses = witnesses
        self.quorum = quorum ?? witnesses.count
    }

    /// Strict parse; errors say `<file>:<line>: <problem>`.
    public init(parsing text: String, file: String) throws(TrustListError) {
        guard text.utf8.count <= Self.maxBytes else { throw .init(Message("{file}: larger than {max_bytes} bytes", ["file": .text(file), "max_bytes": .integer(Self.maxBytes)])) }
        var logKeys: [NoteVerifier] = [], witnesses: [NoteVerifier] = [], quorum: Int?
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let where_ = MessageArgument.text("\(file):\(number + 1)")
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw .init(Message("{where}: expected 'log <vkey>', 'witness <vkey>' or 'quorum <n>'", ["where": where_])) }
            switch parts[0] {
            case "log", "witness":
                let key: NoteVerifier
                do { key = try NoteVerifier(vkey: parts[1]) } catch { throw .init(Message("{where}: {reason}", ["where": where_, "reason": .message(.describing(error))])) }
                if parts[0] == "log" {
                    guard key.type == .ed25519 else { throw .init(Message("{where}: a log key must be an Ed25519 (type 0x01) key, not a witness key", ["where": where_])) }
                    logKeys.append(key)
                } else {
                    guard key.type == .cosignatureV1 else { throw .init(Message("{where}: a witness key must be a cosignature/v1 (type 0x04) key", ["where": where_])) }
                    guard !witnesses.contains(key) else { throw .init(Message("{where}: witness {name} is listed twice", ["where": where_, "name": .text(key.name)])) }
                    witnesses.append(key)
                }
            case "quorum":
                guard quorum == nil else { throw .init(Message("{where}: quorum is given twice", ["where": where_])) }
                guard let n = Int(parts[1]), n >= 0, String(n) == parts[1] else { throw .init(Message("{where}: quorum '{value}' is not a whole number", ["where": where_, "value": .text(parts[1])])) }
                quorum = n
            default:
                throw .init(Message("{where}: unknown item '{item}' (expected log, witness or quorum)", ["where": where_, "item": .text(parts[0])]))
            }
        }
        guard !logKeys.isEmpty else { throw .init(Message("{file}: no 'log <vkey>' line: a verifier needs the cooperative's key", ["file": .text(file)])) }
        if let quorum, quorum > witnesses.count {
            throw .init(Message("{file}: quorum {quorum} is more than the {count} witness keys listed", ["file": .text(file), "quorum": .integer(quorum), "count": .integer(witnesses.count)]))
        }
        self.init(logKeys: logKeys, witnesses: witnesses, quorum: quorum)
    }

    /// `{"log":[vkey...],"witnesses":[vkey...],"quorum":n}`, for the browser verifier.
    public var json: OrderedJSON {
        .object([("log", .array(logKeys.map { .string($0.vkey) })),
                 ("witnesses", .array(witnesses.map { .string($0.vkey) })),
                 ("quorum", .int(quorum))])
    }
}

public struct TrustListError: LocalizableError {
    public let message: Message
    init(_ message: Message) { self.message = message }
}
