import Localization

/// Failures of Merkle tree reads and proof checks. Verification failures carry the evidence.
public enum MerkleError: LocalizableError, Equatable {
    case missingNode(NodeID)
    case indexOutOfRange(index: Int, size: Int)
    case invalidSizes(old: Int, new: Int)
    case wrongProofLength(expected: Int, actual: Int)
    case rootMismatch(expected: TreeHash, calculated: TreeHash)
    case oldRootMismatch(expected: TreeHash, calculated: TreeHash)
    case nonEmptyProofForEqualSizes
    case equalSizesDifferentRoots(old: TreeHash, new: TreeHash)

    public var message: Message {
        switch self {
        case .missingNode(let node): return Message("stored hash missing for {node}", ["node": .message(node.message)])
        case .indexOutOfRange(let index, let size):
            return Message("leaf index {index} is not inside a tree of size {size}", ["index": .text(String(index)), "size": .text(String(size))])
        case .invalidSizes(let old, let new):
            return Message("consistency needs 0 <= old ({old}) <= new ({new})", ["old": .text(String(old)), "new": .text(String(new))])
        case .wrongProofLength(let expected, let actual):
            return Message("proof has {actual} hashes, expected {expected}", ["actual": .text(String(actual)), "expected": .text(String(expected))])
        case .rootMismatch(let expected, let calculated):
            return Message("root mismatch: expected {expected}, calculated {calculated}", ["expected": .text("\(expected)"), "calculated": .text("\(calculated)")])
        case .oldRootMismatch(let expected, let calculated):
            return Message("old root mismatch: expected {expected}, calculated {calculated}", ["expected": .text("\(expected)"), "calculated": .text("\(calculated)")])
        case .nonEmptyProofForEqualSizes: return Message("consistency proof between equal sizes must be empty")
        case .equalSizesDifferentRoots(let old, let new):
            return Message("same tree size with different roots {old} and {new}", ["old": .text("\(old)"), "new": .text("\(new)")])
        }
    }
}
