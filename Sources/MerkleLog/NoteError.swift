import Localization

/// Failures parsing or verifying keys, signed notes, checkpoints, cosignatures and proof files.
/// Messages never include private key material.
public enum NoteError: LocalizableError, Equatable {
    case malformedKey(Message)
    case malformedNote(Message)
    case malformedCheckpoint(Message)
    case malformedProof(Message)
    case invalidSignature(keyName: String, keyID: UInt32)
    case noVerifiedSignature(known: [String])
    case originMismatch(expected: String, found: String)
    /// Fewer distinct witness keys cosigned than required.
    case witnessQuorum(required: Int, cosigned: [String])

    public var message: Message {
        switch self {
        case .malformedKey(let reason): return Message("malformed key: {reason}", ["reason": .message(reason)])
        case .malformedNote(let reason): return Message("malformed signed note: {reason}", ["reason": .message(reason)])
        case .malformedCheckpoint(let reason): return Message("malformed checkpoint: {reason}", ["reason": .message(reason)])
        case .malformedProof(let reason): return Message("malformed tlog-proof: {reason}", ["reason": .message(reason)])
        case .invalidSignature(let name, let keyID):
            return Message("invalid signature for key {key}", ["key": .text("\(name)+\(KeyID.hex(keyID))")])
        case .noVerifiedSignature(let known):
            return known.isEmpty ? Message("note has no signature from a trusted key")
                : Message("note has no signature from a trusted key (trusted: {keys})", ["keys": .text(known.joined(separator: ", "))])
        case .originMismatch(let expected, let found):
            return Message("checkpoint origin is '{found}', expected '{expected}'", ["found": .text(found), "expected": .text(expected)])
        case .witnessQuorum(let required, let cosigned):
            let found = Message("{required} witness cosignatures required, {found} found",
                                ["required": .text(String(required)), "found": .text(String(cosigned.count))])
            return cosigned.isEmpty ? found : Message("{required_found} ({witnesses})", context: "witness quorum",
                                                      ["required_found": .message(found), "witnesses": .text(cosigned.joined(separator: ", "))])
        }
    }
}

enum KeyID {
    static func hex(_ id: UInt32) -> String {
        let digits = String(id, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
