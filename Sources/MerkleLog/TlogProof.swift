import Foundation
import Localization

/// A C2SP `tlog-proof@v1` file: optional opaque `extra`, the entry index, the inclusion proof
/// and the signed checkpoint, verifiable offline.
public struct TlogProof: Sendable, Equatable {
    public static let header = "c2sp.org/tlog-proof@v1"
    public static let maxBytes = 4 << 20

    public let extra: [UInt8]?
    public let index: Int
    public let inclusionProof: [TreeHash]
    /// The signed checkpoint note, verbatim.
    public let signedCheckpoint: String

    public init(extra: [UInt8]?, index: Int, inclusionProof: [TreeHash], signedCheckpoint: String) {
        self.extra = extra
        self.index = index
        self.inclusionProof = inclusionProof
        self.signedCheckpoint = signedCheckpoint
    }

    public var serialized: String {
        var out = TlogProof.header + "\n"
        if let extra { out += "extra \(Base64.encode(extra))\n" }
        out += "index \(index)\n"
        for hash in inclusionProof { out += hash.base64 + "\n" }
        return out + "\n" + signedCheckpoint
    }

    public init(parsing text: String) throws {
        guard text.utf8.count <= TlogProof.maxBytes else { throw NoteError.malformedProof(Message("larger than {max_bytes} bytes", ["max_bytes": .text("\(TlogProof.maxBytes)")])) }
        guard let blank = text.range(of: "\n\n") else { throw NoteError.malformedProof(Message("no blank line before the checkpoint")) }
        let head = text[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard head.first == Substring(TlogProof.header) else { throw NoteError.malformedProof(Message("first line must be {header}", ["header": .text("\(TlogProof.header)")])) }
        var cursor = 1
        var extra: [UInt8]?
        if cursor < head.count, head[cursor].hasPrefix("extra ") {
            guard let bytes = Base64.decode(head[cursor].dropFirst(6)) else { throw NoteError.malformedProof(Message("extra is not base64")) }
            extra = bytes
            cursor += 1
        }
        guard cursor < head.count, head[cursor].hasPrefix("index ") else { throw NoteError.malformedProof(Message("missing index line")) }
        let indexText = head[cursor].dropFirst(6)
        guard let index = Int(indexText), index >= 0, String(index) == indexText else {
            throw NoteError.malformedProof(Message("index '{index}' is not a decimal without leading zeroes", ["index": .text("\(indexText)")]))
        }
        cursor += 1
        var proof = [TreeHash]()
        for line in head[cursor...] {
            guard let hash = TreeHash(base64: String(line)) else { throw NoteError.malformedProof(Message("proof line '{line}' is not base64 of 32 bytes", ["line": .text("\(line)")])) }
            proof.append(hash)
        }
        self.init(extra: extra, index: index, inclusionProof: proof, signedCheckpoint: String(text[blank.upperBound...]))
    }

    /// Offline verification: the checkpoint is signed by a trusted log key for `origin`, optionally
    /// cosigned by at least `requiredWitnesses` of `witnesses`, and the leaf is included in it.
    public func verify(leafHash: TreeHash, origin: String?, logKeys: [NoteVerifier],
                       witnesses: [NoteVerifier] = [], requiredWitnesses: Int = 0) throws -> Checkpoint {
        let (checkpoint, note) = try Checkpoint.open(signedCheckpoint, origin: origin, trusting: logKeys)
        let cosigners = try WitnessQuorum.cosigners(of: note, witnesses: witnesses, logKeys: logKeys)
        guard cosigners.count >= requiredWitnesses else {
            throw NoteError.witnessQuorum(required: requiredWitnesses, cosigned: cosigners.map(\.name))
        }
        try MerkleTree.verifyInclusion(index: index, size: checkpoint.size, leafHash: leafHash,
                                       proof: inclusionProof, root: checkpoint.root)
        return checkpoint
    }
}
