import Localization

/// The body of a C2SP tlog-witness `add-checkpoint` request (https://c2sp.org/tlog-witness):
/// `old <size>\n`, zero to 63 base64 consistency-proof hashes one per line, an empty line, then
/// the signed checkpoint. Parsed strictly: one spelling per request.
public struct AddCheckpointRequest: Sendable, Equatable {
    public let oldSize: Int
    public let consistencyProof: [TreeHash]
    /// The signed checkpoint note as sent (log signature, maybe others).
    public let signedCheckpoint: String

    /// The spec's limit on proof lines (a consistency proof in a tree of 2^63 leaves).
    public static let maxProofHashes = 63
    /// A checkpoint with up to `SignedNote.maxSignatures` signature lines fits well within this.
    public static let maxBytes = 64 << 10

    public init(oldSize: Int, consistencyProof: [TreeHash], signedCheckpoint: String) {
        self.oldSize = oldSize
        self.consistencyProof = consistencyProof
        self.signedCheckpoint = signedCheckpoint
    }

    public var serialized: String {
        "old \(oldSize)\n" + consistencyProof.map { $0.base64 + "\n" }.joined() + "\n" + signedCheckpoint
    }

    public init(parsing bytes: [UInt8]) throws(NoteError) {
        guard bytes.count <= Self.maxBytes else { throw .malformedNote(Message("add-checkpoint body is larger than {max_bytes} bytes", ["max_bytes": .text("\(Self.maxBytes)")])) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformedNote(Message("add-checkpoint body is not UTF-8")) }
        // Walk the lines by byte offset so the checkpoint after the empty line is taken exactly as sent.
        let utf8 = Array(text.utf8)
        var cursor = 0
        func nextLine() -> Substring? {
            guard let newline = utf8[cursor...].firstIndex(of: 0x0a) else { return nil }
            defer { cursor = newline + 1 }
            return Substring(String(decoding: utf8[cursor..<newline], as: UTF8.self))
        }
        guard let first = nextLine(), first.hasPrefix("old "), let oldSize = Self.decimal(first.dropFirst(4)) else {
            throw .malformedNote(Message("add-checkpoint body must start with 'old <size>' (a decimal without leading zeroes) and a newline"))
        }
        var proof = [TreeHash]()
        while let line = nextLine() {
            if line.isEmpty {
                guard cursor < utf8.count else { throw .malformedNote(Message("add-checkpoint body has no checkpoint after the empty line")) }
                self.init(oldSize: oldSize, consistencyProof: proof, signedCheckpoint: String(decoding: utf8[cursor...], as: UTF8.self))
                return
            }
            guard proof.count < Self.maxProofHashes else {
                throw .malformedNote(Message("add-checkpoint body has more than {max_proof_hashes} consistency proof lines", ["max_proof_hashes": .text("\(Self.maxProofHashes)")]))
            }
            guard let hash = TreeHash(base64: String(line)) else {
                throw .malformedNote(Message("add-checkpoint proof line {line} is not base64 of a 32-byte hash", ["line": .text("\(proof.count + 1)")]))
            }
            proof.append(hash)
        }
        throw .malformedNote(Message("add-checkpoint body has no empty line before the checkpoint"))
    }

    /// ASCII decimal without leading zeroes (`0` itself is fine), at most 2^63 - 1.
    public static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              text == "0" || !text.hasPrefix("0") else { return nil }
        return Int(text)
    }
}
