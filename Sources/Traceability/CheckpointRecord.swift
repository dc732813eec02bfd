/// A signed checkpoint stored in the ledger (C2SP tlog-checkpoint in a signed note).
public struct CheckpointRecord: Sendable {
    public let origin: String
    public let treeSize: Int
    /// Base64 of the root hash, as in the checkpoint body.
    public let rootHash: String
    /// When it was stored, RFC 3339 UTC (empty when unknown).
    public let createdAt: String
    /// Names of the keys whose signatures the note carries (the cooperative's and witnesses').
    public let signers: [String]

    public init(origin: String, treeSize: Int, rootHash: String, createdAt: String, signers: [String]) {
        self.origin = origin
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.createdAt = createdAt
        self.signers = signers
    }

    /// Whether this checkpoint's tree contains entry `seq`.
    public func covers(seq: Int) -> Bool { seq < treeSize }
}
