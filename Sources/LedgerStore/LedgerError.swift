import Localization
import MerkleLog

/// Errors of ledger operations (as opposed to verification findings, which are reported in a
/// `VerificationReport`). Each carries the ledger file and, where one exists, the entry.
public enum LedgerError: LocalizableError {
    case database(LedgerDatabaseError)
    case notALedger(path: String, reason: Message)
    /// An AgriTrace ledger file SQLite can no longer read (truncated or overwritten in part).
    case damaged(path: String, reason: Message)
    case alreadyExists(path: String)
    case unsupportedSchema(path: String, version: Int, supported: Int)
    /// An appended body broke a rule; `index` is its position in the `append` call.
    case rejectedEntry(index: Int, type: String, reason: Message)
    case signerNotActive(signer: String)
    /// A decision's basis changed before it was recorded (`DecisionBasis`): entry `seq`, carrying
    /// `key`, was recorded meanwhile.
    case changedMeanwhile(seq: Int, key: IndexKey)
    case entryNotFound(seq: Int, size: Int)
    case corruptEntry(seq: Int, reason: Message)
    case noCheckpoint(covering: Int)
    case merkle(MerkleError)
    /// A stored value of the wrong type, length or range (the file was edited).
    case storedValue(StoredValueError)

    /// What is wrong, without the entry's place in its batch: for a caller that appended one entry
    /// (the console), where "entry 0 (origin)" means nothing to the person who sent it.
    public var reasonForOneEntry: Message {
        if case .rejectedEntry(_, _, let reason) = self { return reason }
        return message
    }

    /// Reasons from SQLite, the entry rules and the Merkle code are messages too: a clerk reads
    /// the whole sentence in their language.
    public var message: Message {
        switch self {
        case .database(let error): return error.message
        case .notALedger(let path, let reason):
            return Message("{file} is not an AgriTrace ledger: {reason}", ["file": .text(path), "reason": .message(reason)])
        case .damaged(let path, let reason):
            return Message("the ledger {file} is damaged and cannot be read: {reason}; its records cannot be trusted (restore a copy, and compare it with checkpoints kept elsewhere)",
                           ["file": .text(path), "reason": .message(reason)])
        case .alreadyExists(let path): return Message("{file} already exists; refusing to overwrite a ledger", ["file": .text(path)])
        case .unsupportedSchema(let path, let version, let supported):
            return Message("{file} has schema version {version}; this build supports up to {supported}",
                           ["file": .text(path), "version": .text(String(version)), "supported": .text(String(supported))])
        case .rejectedEntry(let index, let type, let reason):
            return Message("entry {index} ({type}) rejected: {reason}", ["index": .text(String(index)), "type": .text(type), "reason": .message(reason)])
        case .signerNotActive(let signer): return Message("key {key} is not an active signer of this ledger", ["key": .text(signer)])
        case .changedMeanwhile(let seq, let key):
            return Message("entry {seq} about {name} {value} was recorded while this was being decided; nothing recorded",
                           ["seq": .text(String(seq)), "name": .text(key.name), "value": .text(EntryValidator.printable(key.value))])
        case .entryNotFound(let seq, let size):
            return Message("no entry {seq} (the ledger has {n} entry)", plural: "no entry {seq} (the ledger has {n} entries)", count: size,
                           ["seq": .text(String(seq))])
        case .corruptEntry(let seq, let reason):
            return Message("entry {seq} is corrupt: {reason} (run `agritrace ledger verify`)", ["seq": .text(String(seq)), "reason": .message(reason)])
        case .noCheckpoint(let seq):
            return Message("no stored checkpoint covers entry {seq}; sign one with `ledger checkpoint` or pass --key", ["seq": .text(String(seq))])
        case .merkle(let error): return error.message
        case .storedValue(let error): return Message("{error} (run `agritrace ledger verify`)", ["error": .message(error.message)])
        }
    }
}
