import MerkleLog

/// Errors of ledger operations (as opposed to verification findings, which are reported in a
/// `VerificationReport`). Each carries the ledger file and, where one exists, the entry.
public enum LedgerError: Error, CustomStringConvertible {
    case database(LedgerDatabaseError)
    case notALedger(path: String, reason: String)
    case alreadyExists(path: String)
    case unsupportedSchema(path: String, version: Int, supported: Int)
    /// An appended body broke a rule; `index` is its position in the `append` call.
    case rejectedEntry(index: Int, type: String, reason: String)
    case signerNotActive(signer: String)
    case entryNotFound(seq: Int, size: Int)
    case corruptEntry(seq: Int, reason: String)
    case noCheckpoint(covering: Int)
    case merkle(MerkleError)
    /// A stored value of the wrong type, length or range (the file was edited).
    case storedValue(StoredValueError)

    public var description: String {
        switch self {
        case .database(let error): return error.description
        case .notALedger(let path, let reason): return "\(path) is not an AgriTrace ledger: \(reason)"
        case .alreadyExists(let path): return "\(path) already exists; refusing to overwrite a ledger"
        case .unsupportedSchema(let path, let version, let supported):
            return "\(path) has schema version \(version); this build supports up to \(supported)"
        case .rejectedEntry(let index, let type, let reason): return "entry \(index) (\(type)) rejected: \(reason)"
        case .signerNotActive(let signer): return "key \(signer) is not an active signer of this ledger"
        case .entryNotFound(let seq, let size): return "no entry \(seq) (the ledger has \(size) entries)"
        case .corruptEntry(let seq, let reason): return "entry \(seq) is corrupt: \(reason) (run `agritrace ledger verify`)"
        case .noCheckpoint(let seq): return "no stored checkpoint covers entry \(seq); sign one with `ledger checkpoint` or pass --key"
        case .merkle(let error): return error.description
        case .storedValue(let error): return "\(error) (run `agritrace ledger verify`)"
        }
    }
}
