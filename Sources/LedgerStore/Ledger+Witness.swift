import Foundation
import MerkleLog

/// A witness's state file: the last checkpoint it cosigned, as a signed note.
public enum WitnessState {
    /// What is in the state file. Only a file that does not exist means "never cosigned".
    public enum Contents: Sendable, Equatable {
        case missing
        case note(String)
    }

    /// Reads the state; a file that exists but cannot be read, or is not a UTF-8 note of
    /// reasonable size, is an error, never a first run (that would skip the consistency check).
    public static func read(_ path: String) throws -> Contents {
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == ENOENT { return .missing }
            throw WitnessStateError(path: path, reason: String(cString: strerror(errno)))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw WitnessStateError(path: path, reason: "exists but cannot be opened for reading")
        }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: SignedNote.maxBytes + 1) ?? Data() } catch {
            throw WitnessStateError(path: path, reason: "cannot be read: \(error.localizedDescription)")
        }
        guard data.count <= SignedNote.maxBytes, let text = String(data: data, encoding: .utf8), !text.isEmpty else {
            throw WitnessStateError(path: path, reason: "is not a signed checkpoint note (empty, not UTF-8 or too large)")
        }
        return .note(text)
    }

    /// Holds `<state>.lock` exclusively until `body` returns. Two runs over one state would each
    /// check against the same old checkpoint, and the one writing last could leave the state at
    /// the smaller size, letting a later rollback pass; so a second run is refused, not queued.
    public static func withLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WitnessStateError(path: path, reason: "cannot open its lock file \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }   // closing releases the lock
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw WitnessStateError(path: path, reason: "is in use by another witness run (\(lockPath) is locked)")
        }
        return try body()
    }

    /// Replaces the state atomically (a crash leaves the old or the new state, never half).
    public static func write(_ note: SignedNote, to path: String) throws {
        do { try Data(note.serialized.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw WitnessStateError(path: path, reason: "cannot be written: \(error.localizedDescription)")
        }
    }
}

/// A witness state file that is unreadable, malformed, or missing when it must exist.
public struct WitnessStateError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "witness state \(path) \(reason)" }
}

extension Ledger {
    /// One witness run over this ledger: cosigns the latest stored checkpoint if it extends the
    /// one in `statePath` (consistency proof from the stored hashes, checked by `Witness`), stores
    /// the cosigned checkpoint and replaces the state. A missing state file is accepted only with
    /// `firstRun` (and `firstRun` with an existing state is refused), so deleting the state
    /// cannot silently reset the witness.
    public func witness(_ witness: Witness, statePath: String, firstRun: Bool, timestamp: UInt64) throws -> Witness.Cosigned {
        try WitnessState.withLock(statePath) { try witnessLocked(witness, statePath: statePath, firstRun: firstRun, timestamp: timestamp) }
    }

    private func witnessLocked(_ witness: Witness, statePath: String, firstRun: Bool, timestamp: UInt64) throws -> Witness.Cosigned {
        let previous: String?
        switch try WitnessState.read(statePath) {
        case .missing:
            guard firstRun else {
                throw WitnessStateError(path: statePath, reason: "does not exist; if this witness has never cosigned this log, say so with --first-run")
            }
            previous = nil
        case .note(let text):
            guard !firstRun else {
                throw WitnessStateError(path: statePath, reason: "exists; a first run would forget what this witness cosigned")
            }
            do { _ = try witness.openState(text) } catch {
                throw WitnessStateError(path: statePath, reason: "is not a checkpoint of this log cosigned by this witness: \(error)")
            }
            previous = text
        }
        guard let latest = try latestCheckpoint() else { throw LedgerError.noCheckpoint(covering: 0) }
        let cosigned = try witness.cosign(latest.signedNote, previous: previous, timestamp: timestamp) { old, new in
            try consistencyProof(oldSize: old, newSize: new)
        }
        try storeCosignedCheckpoint(cosigned.note.serialized)
        try WitnessState.write(cosigned.note, to: statePath)
        return cosigned
    }
}
