import LedgerStore
import Localization

extension VerificationReport.Check {
    /// The check's name for people; `rawValue` stays the English name in JSON.
    public var title: Message {
        switch self {
        case .storage: Message("SQLite integrity")
        case .schema: Message("schema as agritrace creates it (tables, no views, append-only triggers)")
        case .canonicalBytes: Message("entry re-encodes to identical canonical bytes")
        case .seqContiguity: Message("seq contiguous from 0")
        case .prevChain: Message("prev chain")
        case .storedColumns: Message("stored leaf hash, type and index keys")
        case .treeHashes: Message("stored tree hashes")
        case .signerKey: Message("signer is an active key")
        case .entrySignature: Message("entry signature")
        case .timestamps: Message("timestamps non-decreasing")
        case .domainRules: Message("domain rules")
        case .checkpointSignature: Message("checkpoint signature")
        case .checkpointRoot: Message("checkpoint root matches the entries")
        case .checkpointConsistency: Message("checkpoints pairwise consistent")
        case .equivocation: Message("no two checkpoints of one size with different roots")
        case .statements: Message("stored statements signed by the ledger's key and true of the entries")
        case .outsideCheckpoints: Message("ledger extends the checkpoints given from outside (no rollback)")
        }
    }

    /// Why a check had nothing to check, for people (the reasons `VerificationReport` gives).
    public static func notCheckedReason(_ why: String) -> Message {
        switch why {
        case "no checkpoints stored": Message("no checkpoints stored")
        case "no statements stored": Message("no statements stored")
        case "fewer than two checkpoint sizes to compare": Message("fewer than two checkpoint sizes to compare")
        case "no checkpoint given from outside the ledger (--checkpoint, --witness-state, --province)":
            Message("no checkpoint given from outside the ledger (--checkpoint, --witness-state, --province)")
        default: .verbatim(why)
        }
    }
}

extension VerificationReport.Failure {
    /// "entry 3: domain rules failed: ..." with every part in the language of `p`.
    public func rendered(_ p: Presentation) -> String {
        let subject = seq.map { Message("entry {seq}", context: "failure subject", ["seq": .text(String($0))]) }
            ?? checkpointID.map { Message("checkpoint {id}", context: "failure subject", ["id": .text(String($0))]) }
            ?? Message("ledger", context: "failure subject")
        return p(Message("{subject}: {check} failed: {reason}", ["subject": .message(subject), "check": .message(check.title), "reason": .message(message)]))
    }
}
