import LedgerStore
import MerkleLog

/// A signed checkpoint stored in the ledger (C2SP tlog-checkpoint in a signed note).
public struct CheckpointRecord: Sendable {
    /// Storage order, 1-based.
    public let number: Int
    public let origin: String
    public let treeSize: Int
    /// Base64 of the root hash, as in the checkpoint body.
    public let rootHash: String
    /// `name+keyid` of every signature line (the cooperative's and any witnesses' cosignatures).
    public let signers: [String]

    public init(number: Int, origin: String, treeSize: Int, rootHash: String, signers: [String]) {
        self.number = number
        self.origin = origin
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.signers = signers
    }

    init(_ stored: StoredCheckpoint) {
        let signatures = (try? SignedNote(parsing: stored.signedNote))?.signatures ?? []
        self.init(number: stored.id, origin: stored.checkpoint.origin, treeSize: stored.checkpoint.size,
                  rootHash: stored.checkpoint.root.base64,
                  signers: signatures.map { "\($0.name)+\(String($0.keyID, radix: 16).leftPadded(to: 8))" })
    }
}
