/// Failures parsing or verifying keys, signed notes, checkpoints, cosignatures and proof files.
/// Messages never include private key material.
public enum NoteError: Error, Equatable, CustomStringConvertible {
    case malformedKey(String)
    case malformedNote(String)
    case malformedCheckpoint(String)
    case malformedProof(String)
    case invalidSignature(keyName: String, keyID: UInt32)
    case noVerifiedSignature(known: [String])
    case originMismatch(expected: String, found: String)
    /// Fewer distinct witness keys cosigned than required.
    case witnessQuorum(required: Int, cosigned: [String])

    public var description: String {
        switch self {
        case .malformedKey(let reason): return "malformed key: \(reason)"
        case .malformedNote(let reason): return "malformed signed note: \(reason)"
        case .malformedCheckpoint(let reason): return "malformed checkpoint: \(reason)"
        case .malformedProof(let reason): return "malformed tlog-proof: \(reason)"
        case .invalidSignature(let name, let keyID):
            return "invalid signature for key \(name)+\(KeyID.hex(keyID))"
        case .noVerifiedSignature(let known):
            return known.isEmpty ? "note has no signature from a trusted key"
                : "note has no signature from a trusted key (trusted: \(known.joined(separator: ", ")))"
        case .originMismatch(let expected, let found): return "checkpoint origin is '\(found)', expected '\(expected)'"
        case .witnessQuorum(let required, let cosigned):
            return "\(required) witness cosignatures required, \(cosigned.count) found"
                + (cosigned.isEmpty ? "" : " (\(cosigned.joined(separator: ", ")))")
        }
    }
}

enum KeyID {
    static func hex(_ id: UInt32) -> String {
        let digits = String(id, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
