import Localization

/// The witness side of C2SP tlog-witness, without storage or transport: given the log's new
/// signed checkpoint, the checkpoint this witness cosigned last (its state) and a consistency
/// proof between them, cosign (`cosignature/v1`) only a checkpoint that extends the old one.
/// The CLI, an HTTP witness or an aggregator supply the proof and keep the state.
public struct Witness: Sendable {
    public let signer: NoteSigner
    public let origin: String
    public let logKeys: [NoteVerifier]

    /// Refuses a signer that is not a `cosignature/v1` key and log keys that are not plain
    /// Ed25519 note keys or that are the witness's own key: a witness must never be able to
    /// stand in for the log, nor the log for a witness.
    public init(signer: NoteSigner, origin: String, logKeys: [NoteVerifier]) throws {
        guard signer.verifier.type == .cosignatureV1 else {
            throw NoteError.malformedKey(Message("{name} is not a witness (cosignature/v1) key", ["name": .text("\(signer.name)")]))
        }
        for key in logKeys {
            guard key.type == .ed25519 else { throw NoteError.malformedKey(Message("{name} is a witness key, not a log key", ["name": .text("\(key.name)")])) }
            guard key.publicKey != signer.publicKey else { throw NoteError.malformedKey(Message("the witness key is also the log's key")) }
        }
        self.signer = signer
        self.origin = origin
        self.logKeys = logKeys
    }

    /// What the witness cosigned and what it compared with.
    public struct Cosigned: Sendable {
        public let checkpoint: Checkpoint
        /// The new checkpoint with this witness's cosignature added: the next state.
        public let note: SignedNote
        /// The size of the previously cosigned checkpoint; nil on a first run.
        public let previousSize: Int?
    }

    /// The previously cosigned checkpoint as read back from the state: it must carry this
    /// witness's valid cosignature as well as the log's signature, so a swapped state file is
    /// caught instead of trusted.
    public func openState(_ signedText: String) throws -> Checkpoint {
        let (checkpoint, note) = try Checkpoint.open(signedText, origin: origin, trusting: logKeys)
        guard note.signatures.contains(where: {
            $0.name == signer.name && $0.keyID == signer.keyID && signer.verifier.isValidSignature($0.signature, noteText: note.text)
        }) else {
            throw WitnessError.stateNotCosigned(witness: signer.name)
        }
        return checkpoint
    }

    /// Checks `signedCheckpoint` (log signature, origin), then that it extends `previous` (the
    /// state; nil only on a first run) by `consistencyProof(oldSize, newSize)`, and cosigns it.
    public func cosign(_ signedCheckpoint: String, previous: String?, timestamp: UInt64,
                       consistencyProof: (_ oldSize: Int, _ newSize: Int) throws -> [TreeHash]) throws -> Cosigned {
        let (checkpoint, note) = try Checkpoint.open(signedCheckpoint, origin: origin, trusting: logKeys)
        var previousSize: Int?
        if let previous {
            let old = try openState(previous)
            guard old.size <= checkpoint.size else {
                throw WitnessError.rollback(cosignedSize: old.size, newSize: checkpoint.size)
            }
            do {
                let proof = try consistencyProof(old.size, checkpoint.size)
                try MerkleTree.verifyConsistency(oldSize: old.size, newSize: checkpoint.size, oldRoot: old.root,
                                                 newRoot: checkpoint.root, proof: proof)
            } catch {
                throw WitnessError.inconsistent(cosignedSize: old.size, newSize: checkpoint.size, reason: .describing(error))
            }
            previousSize = old.size
        }
        var cosigned = note
        cosigned.sign(with: signer, timestamp: timestamp)
        return Cosigned(checkpoint: checkpoint, note: cosigned, previousSize: previousSize)
    }
}

/// Why a witness refused to cosign or cannot trust its state.
public enum WitnessError: LocalizableError, Equatable {
    case rollback(cosignedSize: Int, newSize: Int)
    case inconsistent(cosignedSize: Int, newSize: Int, reason: Message)
    case stateNotCosigned(witness: String)

    public var message: Message {
        switch self {
        case .rollback(let old, let new):
            return Message("refusing to cosign size {new}: smaller than the cosigned size {old} (the log was rolled back)",
                           ["new": .text(String(new)), "old": .text(String(old))])
        case .inconsistent(let old, let new, let reason):
            return Message("refusing to cosign size {new}: not consistent with the cosigned size {old}: {reason}",
                           ["new": .text(String(new)), "old": .text(String(old)), "reason": .message(reason)])
        case .stateNotCosigned(let witness):
            return Message("the state checkpoint carries no valid cosignature by {witness}; it is not this witness's state", ["witness": .text(witness)])
        }
    }
}

/// Witness cosignatures on a checkpoint, counted the way a verifier must: only `cosignature/v1`
/// keys, never one of the log's own keys, each distinct key once.
public enum WitnessQuorum {
    /// Throws when a given witness key is not a witness key or is one of the log's keys.
    public static func checkKeys(_ witnesses: [NoteVerifier], logKeys: [NoteVerifier]) throws {
        for witness in witnesses {
            guard witness.type == .cosignatureV1 else {
                throw NoteError.malformedKey(Message("{key} is not a witness (cosignature/v1) key", ["key": .text("\(witness.name)+\(witness.keyIDHex)")]))
            }
            guard !logKeys.contains(where: { $0.publicKey == witness.publicKey }) else {
                throw NoteError.malformedKey(Message("witness key {name} is the log's own key", ["name": .text("\(witness.name)")]))
            }
        }
    }

    /// Refuses a witness key given twice by a person (`--witness`): counted once, it would make
    /// "all of them" a quorum no one can meet, and the refusal would not say why.
    public static func checkDistinct(_ witnesses: [NoteVerifier]) throws {
        for (index, witness) in witnesses.enumerated() where witnesses[..<index].contains(where: { $0.publicKey == witness.publicKey }) {
            throw NoteError.malformedKey(Message("witness key {name} is given twice", ["name": .text("\(witness.name)+\(witness.keyIDHex)")]))
        }
    }

    /// The distinct witness keys (by public key) with a valid cosignature on `note`.
    public static func cosigners(of note: SignedNote, witnesses: [NoteVerifier], logKeys: [NoteVerifier]) throws -> [NoteVerifier] {
        try checkKeys(witnesses, logKeys: logKeys)
        var found = [NoteVerifier]()
        for witness in witnesses where !found.contains(where: { $0.publicKey == witness.publicKey }) {
            if note.signatures.contains(where: {
                $0.name == witness.name && $0.keyID == witness.keyID && witness.isValidSignature($0.signature, noteText: note.text)
            }) {
                found.append(witness)
            }
        }
        return found
    }
}
