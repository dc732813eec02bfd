/// Failures of Merkle tree reads and proof checks. Verification failures carry the evidence.
public enum MerkleError: Error, Equatable, CustomStringConvertible {
    case missingNode(NodeID)
    case indexOutOfRange(index: Int, size: Int)
    case invalidSizes(old: Int, new: Int)
    case wrongProofLength(expected: Int, actual: Int)
    case rootMismatch(expected: TreeHash, calculated: TreeHash)
    case oldRootMismatch(expected: TreeHash, calculated: TreeHash)
    case nonEmptyProofForEqualSizes
    case equalSizesDifferentRoots(old: TreeHash, new: TreeHash)

    public var description: String {
        switch self {
        case .missingNode(let node): return "stored hash missing for \(node)"
        case .indexOutOfRange(let index, let size): return "leaf index \(index) is not inside a tree of size \(size)"
        case .invalidSizes(let old, let new): return "consistency needs 0 <= old (\(old)) <= new (\(new))"
        case .wrongProofLength(let expected, let actual): return "proof has \(actual) hashes, expected \(expected)"
        case .rootMismatch(let expected, let calculated): return "root mismatch: expected \(expected), calculated \(calculated)"
        case .oldRootMismatch(let expected, let calculated): return "old root mismatch: expected \(expected), calculated \(calculated)"
        case .nonEmptyProofForEqualSizes: return "consistency proof between equal sizes must be empty"
        case .equalSizesDifferentRoots(let old, let new): return "same tree size with different roots \(old) and \(new)"
        }
    }
}
