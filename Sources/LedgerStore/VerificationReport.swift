import MerkleLog

/// The result of `Ledger.verify`: what was checked and every problem found, earliest entry first.
public struct VerificationReport: Sendable {
    /// The checks `verify` runs, in the order an inspector reads them.
    public enum Check: String, Sendable, CaseIterable {
        case storage = "SQLite integrity"
        case canonicalBytes = "entry re-encodes to identical canonical bytes"
        case seqContiguity = "seq contiguous from 0"
        case prevChain = "prev chain"
        case storedColumns = "stored leaf hash and index columns"
        case treeHashes = "stored tree hashes"
        case signerKey = "signer is an active key"
        case entrySignature = "entry signature"
        case timestamps = "timestamps non-decreasing"
        case domainRules = "domain rules"
        case checkpointSignature = "checkpoint signature"
        case checkpointRoot = "checkpoint root matches the entries"
        case checkpointConsistency = "checkpoints pairwise consistent"
        case equivocation = "no two checkpoints of one size with different roots"
    }

    public struct Failure: Sendable, CustomStringConvertible {
        public let check: Check
        /// The entry at fault, when the failure is about one entry.
        public let seq: Int?
        /// The stored checkpoint at fault, when it is about a checkpoint.
        public let checkpointID: Int?
        public let message: String

        public var description: String {
            let subject = seq.map { "entry \($0)" } ?? checkpointID.map { "checkpoint \($0)" } ?? "ledger"
            return "\(subject): \(check.rawValue) failed: \(message)"
        }
    }

    public let path: String
    public let entriesChecked: Int
    public let checkpointsChecked: Int
    public let treeSize: Int
    /// Root recomputed from the entries themselves (not from stored hashes).
    public let root: TreeHash
    /// Whether entry 0's key and the checkpoint keys were checked against keys the inspector gave.
    public let keysPinned: Bool
    /// At most `maxFailures`, sorted by entry then checkpoint.
    public let failures: [Failure]
    public static let maxFailures = 100

    public var isIntact: Bool { failures.isEmpty }

    /// The earliest entry with a problem.
    public var firstBadEntry: Int? { failures.compactMap(\.seq).min() }

    /// The first failure: the earliest bad entry's first failed check, else the first checkpoint problem.
    public var firstFailure: Failure? { failures.first }

    /// Pass/fail per check (a check passes when no failure names it).
    public var checkResults: [(check: Check, passed: Bool)] {
        Check.allCases.map { check in (check, !failures.contains { $0.check == check }) }
    }
}
