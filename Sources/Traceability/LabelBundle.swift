import LedgerStore
import MerkleLog
import Localization

/// The buyer's proof file for one lot (`<lot>.proof`): one signed checkpoint, the entries that
/// make up the lot's state (lot, origin registration, every grading, every correction of them)
/// each with its inclusion proof under that checkpoint, and the cooperative's signed statement
/// that these are all of them. Byte format: Sources/Traceability/README.md, "Label proof bundle".
public struct LabelBundle: Sendable, Equatable {
    public static let header = "agritrace-label-bundle/v1"
    /// Bounds that keep a hostile file cheap to reject.
    public static let maxBytes = 4 << 20
    public static let maxMembers = 10_000

    public struct Member: Sendable, Equatable {
        public let seq: Int
        /// The entry's canonical bytes (its leaf is their RFC 9162 leaf hash).
        public let entry: [UInt8]
        public let inclusionProof: [TreeHash]

        public init(seq: Int, entry: [UInt8], inclusionProof: [TreeHash]) {
            self.seq = seq
            self.entry = entry
            self.inclusionProof = inclusionProof
        }

        public var leafHash: TreeHash { MerkleHasher.leafHash(entry) }
    }

    public let members: [Member]
    /// The signed checkpoint note, verbatim (ends with a newline).
    public let signedCheckpoint: String
    /// The signed `Statement` note, verbatim (ends with a newline).
    public let signedStatement: String

    public init(members: [Member], signedCheckpoint: String, signedStatement: String) {
        self.members = members
        self.signedCheckpoint = signedCheckpoint
        self.signedStatement = signedStatement
    }

    public var serialized: String {
        var out = Self.header + "\n"
        for member in members {
            out += "entry \(member.seq) \(Base64.encode(member.entry))\n"
            for hash in member.inclusionProof { out += hash.base64 + "\n" }
        }
        return out + "\n" + signedCheckpoint + "\n" + signedStatement
    }

    /// Strict parse: every line accounted for, decimal numbers without leading zeroes, base64
    /// hashes of 32 bytes. Says so plainly when handed an old single-entry proof file.
    public init(parsing text: String) throws(LabelBundleError) {
        guard text.utf8.count <= Self.maxBytes else { throw .malformed(Message("larger than {max_bytes} bytes", ["max_bytes": .text("\(Self.maxBytes)")])) }
        guard !text.isEmpty else { throw .malformed(Message("the file is empty")) }
        if text.hasPrefix(TlogProof.header + "\n") { throw .oldSingleEntryProof }
        // Refused, not converted: the signed statement's bytes are checked exactly, and a CRLF
        // copy usually means the file went through a text-mode transfer.
        if text.utf8.contains(0x0d) {
            throw .malformed(Message("has Windows (CRLF) line ends; use the file exactly as `agritrace label` wrote it (LF line ends)"))
        }
        guard text.hasSuffix("\n") else { throw .malformed(Message("does not end with a newline")) }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(Self.header) else { throw .malformed(Message("first line must be {header}", ["header": .text("\(Self.header)")])) }
        var cursor = 1
        func lineError(_ reason: Message) -> LabelBundleError {
            .malformed(Message("line {line}: {reason}", context: "proof file", ["line": .text(String(cursor + 1)), "reason": .message(reason)]))
        }

        var members: [Member] = []
        while cursor < lines.count, !lines[cursor].isEmpty {
            let fields = lines[cursor].split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == "entry" else { throw lineError(Message("expected 'entry <seq> <base64>'")) }
            guard let seq = Self.decimal(fields[1]) else { throw lineError(Message("seq '{seq}' is not a decimal without leading zeroes", ["seq": .text("\(fields[1])")])) }
            guard let bytes = Base64.decode(fields[2]), !bytes.isEmpty else { throw lineError(Message("entry is not base64")) }
            guard members.count < Self.maxMembers else { throw lineError(Message("more than {max_members} entries", ["max_members": .text("\(Self.maxMembers)")])) }
            cursor += 1
            var hashes: [TreeHash] = []
            while cursor < lines.count, !lines[cursor].isEmpty, !lines[cursor].hasPrefix("entry ") {
                guard hashes.count < 64, let hash = TreeHash(base64: String(lines[cursor])) else {
                    throw lineError(Message("expected a base64 SHA-256 hash of the inclusion proof (at most 64)"))
                }
                hashes.append(hash)
                cursor += 1
            }
            members.append(Member(seq: seq, entry: bytes, inclusionProof: hashes))
        }
        guard !members.isEmpty else { throw lineError(Message("no entries")) }
        guard cursor < lines.count else { throw .malformed(Message("no blank line before the checkpoint")) }
        cursor += 1

        // Checkpoint note: text lines, a blank line, then one or more signature lines.
        let checkpointStart = cursor
        while cursor < lines.count, !lines[cursor].isEmpty { cursor += 1 }
        guard cursor > checkpointStart, cursor < lines.count else { throw .malformed(Message("the checkpoint is missing or cut short")) }
        cursor += 1
        let signaturesStart = cursor
        while cursor < lines.count, lines[cursor].hasPrefix("\u{2014} ") { cursor += 1 }
        guard cursor > signaturesStart else { throw lineError(Message("the checkpoint has no signature line")) }
        let checkpoint = lines[checkpointStart..<cursor].joined(separator: "\n") + "\n"
        guard cursor < lines.count, lines[cursor].isEmpty, cursor + 1 < lines.count else {
            throw .malformed(Message("no blank line and statement after the checkpoint"))
        }
        let statement = lines[(cursor + 1)...].joined(separator: "\n") + "\n"
        self.init(members: members, signedCheckpoint: checkpoint, signedStatement: statement)
    }

    static func decimal(_ text: Substring) -> Int? {
        guard let value = Int(text), value >= 0, String(value) == text else { return nil }
        return value
    }
}

extension LabelBundle {
    /// The cooperative's signed claim binding the members to the checkpoint: which ledger state,
    /// when its newest entry was recorded, which lot, and exactly which entries (seq and leaf hash,
    /// ascending). A member dropped, added, swapped or taken from another ledger breaks it.
    public struct Statement: Sendable, Equatable {
        public static let header = "agritrace-label-statement/v1"

        public let origin: String
        public let treeSize: Int
        public let root: TreeHash
        /// `recorded_at` of the newest entry under the checkpoint (entry `treeSize - 1`).
        public let newestRecordedAt: String
        public let lotCode: String
        public let members: [(seq: Int, leafHash: TreeHash)]

        public init(origin: String, treeSize: Int, root: TreeHash, newestRecordedAt: String, lotCode: String,
                    members: [(seq: Int, leafHash: TreeHash)]) {
            self.origin = origin
            self.treeSize = treeSize
            self.root = root
            self.newestRecordedAt = newestRecordedAt
            self.lotCode = lotCode
            self.members = members
        }

        public static func == (a: Statement, b: Statement) -> Bool { a.text == b.text }

        public var text: String {
            var out = "\(Self.header)\nledger \(origin)\nsize \(treeSize)\nroot \(root.base64)\n"
            out += "time \(newestRecordedAt)\nlot \(lotCode)\n"
            for member in members { out += "entry \(member.seq) \(member.leafHash.base64)\n" }
            return out
        }

        public init(text: String) throws(LabelBundleError) {
            guard text.hasSuffix("\n") else { throw .malformed(Message("statement does not end with a newline")) }
            let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
            func value(_ index: Int, _ key: String) throws(LabelBundleError) -> String {
                guard index < lines.count, lines[index].hasPrefix(key + " "), lines[index].count > key.count + 1 else {
                    throw .malformed(Message("statement line {index} must be '{key} ...'", ["index": .text("\(index + 1)"), "key": .text("\(key)")]))
                }
                return String(lines[index].dropFirst(key.count + 1))
            }
            guard lines.first == Substring(Self.header) else { throw .malformed(Message("statement must start with {header}", ["header": .text("\(Self.header)")])) }
            origin = try value(1, "ledger")
            guard let size = LabelBundle.decimal(Substring(try value(2, "size"))) else { throw .malformed(Message("statement size is not a decimal")) }
            treeSize = size
            guard let root = TreeHash(base64: try value(3, "root")) else { throw .malformed(Message("statement root is not a base64 hash")) }
            self.root = root
            newestRecordedAt = try value(4, "time")
            lotCode = try value(5, "lot")
            var members: [(seq: Int, leafHash: TreeHash)] = []
            for index in 6..<max(6, lines.count) {
                let fields = try value(index, "entry").split(separator: " ", omittingEmptySubsequences: false)
                guard fields.count == 2, let seq = LabelBundle.decimal(fields[0]), let hash = TreeHash(base64: String(fields[1])) else {
                    throw .malformed(Message("statement line {index} must be 'entry <seq> <leaf hash base64>'", ["index": .text("\(index + 1)")]))
                }
                members.append((seq, hash))
            }
            self.members = members
        }
    }
}

public enum LabelBundleError: LocalizableError, Equatable {
    case oldSingleEntryProof
    case malformed(Message)

    public var message: Message {
        switch self {
        case .oldSingleEntryProof:
            return Message("this is an old single-entry proof file (tlog-proof@v1), which cannot show corrections or newer gradings; ask the seller for the lot's current label proof (one .proof bundle per lot, written by `agritrace label`)")
        case .malformed(let reason):
            return Message("not a label proof bundle: {reason}", ["reason": .message(reason)])
        }
    }
}
