import Localization
import MerkleLog

/// The result of `Ledger.verify`: what was checked and every problem found, earliest entry first.
public struct VerificationReport: Sendable {
    /// The checks `verify` runs, in the order an inspector reads them.
    public enum Check: String, Sendable, CaseIterable {
        case storage = "SQLite integrity"
        case schema = "schema as agritrace creates it (tables, no views, append-only triggers)"
        case canonicalBytes = "entry re-encodes to identical canonical bytes"
        case seqContiguity = "seq contiguous from 0"
        case prevChain = "prev chain"
        case storedColumns = "stored leaf hash, type and index keys"
        case treeHashes = "stored tree hashes"
        case signerKey = "signer is an active key"
        case entrySignature = "entry signature"
        case timestamps = "timestamps non-decreasing"
        case domainRules = "domain rules"
        case checkpointSignature = "checkpoint signature"
        case checkpointRoot = "checkpoint root matches the entries"
        case checkpointConsistency = "checkpoints pairwise consistent"
        case equivocation = "no two checkpoints of one size with different roots"
        case statements = "stored statements signed by the ledger's key and true of the entries"
        case outsideCheckpoints = "ledger extends the checkpoints given from outside (no rollback)"
    }

    /// What became of one check.
    public enum Status: Sendable, Equatable {
        case passed
        case failed
        /// Nothing to check (no checkpoints, nothing given); the reason says what was missing.
        case notChecked(String)
    }

    public struct Failure: Sendable, CustomStringConvertible {
        public let check: Check
        /// The entry at fault, when the failure is about one entry.
        public let seq: Int?
        /// The stored checkpoint at fault, when it is about a checkpoint.
        public let checkpointID: Int?
        /// What is wrong, with its evidence; `message.description` is the English the JSON report carries.
        public let message: Message
        /// Says only that something is signed by a key the inspector did not give (the ledger's
        /// first key, a checkpoint's signer): true of an untouched ledger checked with another
        /// cooperative's key, so on its own it is not evidence of editing.
        public var isKeyMismatch = false

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
    /// Signed checkpoints given from outside the ledger (saved by the inspector, a label, a
    /// witness's state) that were checked against it.
    public let outsideCheckpointsChecked: Int
    /// Distinct tree sizes among the stored checkpoints (pairwise consistency needs two).
    public let distinctCheckpointSizes: Int
    /// Stored statements (signed claims about a subject, e.g. a lot's entries) checked.
    public let statementsChecked: Int

    public var isIntact: Bool { failures.isEmpty }

    /// What the findings add up to.
    public enum Verdict: Sendable, Equatable {
        case intact
        /// Every finding is a key mismatch: the entries and checkpoints hold together, but not
        /// under the keys given (`--vkey` names another ledger's key, or an old one).
        case notSignedByGivenKeys
        /// Something was changed, removed or is inconsistent.
        case tampered
    }

    public var verdict: Verdict {
        if failures.isEmpty { return .intact }
        return failures.allSatisfy(\.isKeyMismatch) ? .notSignedByGivenKeys : .tampered
    }

    /// The failures that are evidence of a change, not only of a key mismatch.
    public var tamperingFailures: [Failure] { failures.filter { !$0.isKeyMismatch } }

    /// Whether some finding says the ledger is not signed by the given keys.
    public var hasKeyMismatch: Bool { failures.contains(where: \.isKeyMismatch) }

    /// The key of the ledger's first entry (its root of trust), when it could be read.
    public let firstKey: String?

    /// The earliest entry with a problem (a key mismatch alone does not make entry 0 bad).
    public var firstBadEntry: Int? { tamperingFailures.compactMap(\.seq).min() }

    /// The first failure: the earliest bad entry's first failed check, else the first checkpoint
    /// problem; a key mismatch only when there is nothing else.
    public var firstFailure: Failure? { tamperingFailures.first ?? failures.first }

    /// Per check: failed when a failure names it, not checked when there was nothing to check,
    /// else passed. A ledger alone cannot show a rollback, so without outside checkpoints that
    /// check is reported as not done rather than passed.
    public var checkStatuses: [(check: Check, status: Status)] {
        Check.allCases.map { check in
            if failures.contains(where: { $0.check == check }) { return (check, .failed) }
            switch check {
            case .checkpointSignature, .checkpointRoot, .equivocation:
                if checkpointsChecked == 0 { return (check, .notChecked("no checkpoints stored")) }
            case .checkpointConsistency:
                if checkpointsChecked == 0 { return (check, .notChecked("no checkpoints stored")) }
                if distinctCheckpointSizes < 2 { return (check, .notChecked("fewer than two checkpoint sizes to compare")) }
            case .statements:
                if statementsChecked == 0 { return (check, .notChecked("no statements stored")) }
            case .outsideCheckpoints:
                if outsideCheckpointsChecked == 0 {
                    return (check, .notChecked("no checkpoint given from outside the ledger (--checkpoint, --witness-state, --province)"))
                }
            default:
                break
            }
            return (check, .passed)
        }
    }

    /// Pass/fail per check; checks with nothing to check count as not failed. Prefer `checkStatuses`.
    public var checkResults: [(check: Check, passed: Bool)] {
        checkStatuses.map { ($0.check, $0.status != .failed) }
    }
}
