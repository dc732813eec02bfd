import Localization

/// The body of a C2SP tlog-checkpoint: origin line, decimal tree size, base64 root hash, and
/// optional extension lines.
public struct Checkpoint: Sendable, Equatable {
    public let origin: String
    public let size: Int
    public let root: TreeHash
    public let extensions: [String]

    public init(origin: String, size: Int, root: TreeHash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// The note text, ending in a newline.
    public var text: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// Strict parse of note text.
    public init(text: String) throws {
        guard text.hasSuffix("\n") else { throw NoteError.malformedCheckpoint(Message("text must end with a newline")) }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else { throw NoteError.malformedCheckpoint(Message("needs origin, size and root lines")) }
        guard !lines[0].isEmpty else { throw NoteError.malformedCheckpoint(Message("origin is empty")) }
        guard let size = Int(lines[1]), size >= 0, String(size) == lines[1] else {
            throw NoteError.malformedCheckpoint(Message("tree size '{size}' is not a decimal without leading zeroes", ["size": .text("\(lines[1])")]))
        }
        guard let root = TreeHash(base64: lines[2]) else { throw NoteError.malformedCheckpoint(Message("root is not base64 of 32 bytes")) }
        guard lines[3...].allSatisfy({ !$0.isEmpty }) else { throw NoteError.malformedCheckpoint(Message("extension lines must be non-empty")) }
        self.init(origin: lines[0], size: size, root: root, extensions: Array(lines[3...]))
    }

    /// Signs this checkpoint as a signed note.
    public func signed(by signer: NoteSigner) throws -> SignedNote {
        var note = try SignedNote(text: text)
        note.sign(with: signer)
        return note
    }

    /// Parses a signed checkpoint, checks the origin and that a trusted log key signed it.
    /// Returns the checkpoint and the note (whose other signatures may be cosignatures).
    /// A witness (`cosignature/v1`) key is refused as a log key: its cosignature is no log signature.
    public static func open(_ signedText: String, origin: String?, trusting verifiers: [NoteVerifier]) throws -> (Checkpoint, SignedNote) {
        if let witness = verifiers.first(where: { $0.type != .ed25519 }) {
            throw NoteError.malformedKey(Message("{key} is a witness key, not the log's signing key", ["key": .text("\(witness.name)+\(witness.keyIDHex)")]))
        }
        let note = try SignedNote(parsing: signedText)
        let checkpoint = try Checkpoint(text: note.text)
        if let origin, origin != checkpoint.origin { throw NoteError.originMismatch(expected: origin, found: checkpoint.origin) }
        _ = try note.verify(trusting: verifiers)
        return (checkpoint, note)
    }
}
