import MerkleLog
import Localization
import ServerSupport

/// One log a witness follows: checkpoints with this origin line must carry a valid signature by
/// one of `keys` (plain Ed25519 note keys).
public struct WitnessedLog: Sendable, Equatable {
    public let origin: String
    public let keys: [NoteVerifier]

    public init(origin: String, keys: [NoteVerifier]) {
        self.origin = origin
        self.keys = keys
    }
}

/// The answer to an `add-checkpoint` request, as the C2SP tlog-witness spec fixes it.
public struct WitnessReply: Sendable, Equatable {
    public let status: Int
    public let contentType: String
    public let body: String

    /// A refusal for people reading a log or a client's error: English, then Vietnamese.
    static func text(_ status: Int, _ message: Message) -> WitnessReply {
        WitnessReply(status: status, contentType: "text/plain; charset=utf-8", body: RequestTarget.inBothLanguages(message))
    }

    /// 409 with the size the witness last cosigned, so the client can retry with a proof from it.
    static func conflict(knownSize: Int) -> WitnessReply {
        WitnessReply(status: 409, contentType: "text/x.tlog.size", body: "\(knownSize)\n")
    }
}

/// A C2SP tlog-witness (https://c2sp.org/tlog-witness) without transport: `addCheckpoint` takes
/// the request body and returns the reply. The check of the old size against the stored state
/// and the write of the new state are one atomic step of the `WitnessStateStore`, and the state
/// is durable before a cosignature leaves: a witness that answered never forgets it did.
/// `agritrace witness serve` puts it behind HTTP; an aggregator can call it from its own routes.
public final class TlogWitness: Sendable {
    public let signer: NoteSigner
    public let logs: [WitnessedLog]
    let store: any WitnessStateStore
    private let witnesses: [String: Witness]

    /// Refuses a signer that is not a cosignature/v1 key, a log key that is not an Ed25519 note
    /// key or is the witness's own key (`Witness.init`), and an origin listed twice.
    public init(signer: NoteSigner, logs: [WitnessedLog], store: any WitnessStateStore) throws {
        var witnesses = [String: Witness]()
        for log in logs {
            guard witnesses[log.origin] == nil else { throw NoteError.malformedKey(Message("log {origin} is listed twice", ["origin": .text("\(log.origin)")])) }
            guard !log.keys.isEmpty else { throw NoteError.malformedKey(Message("log {origin} has no key", ["origin": .text("\(log.origin)")])) }
            witnesses[log.origin] = try Witness(signer: signer, origin: log.origin, logKeys: log.keys)
        }
        self.signer = signer
        self.logs = logs
        self.store = store
        self.witnesses = witnesses
    }

    /// Handles one `add-checkpoint` body. `timestamp` (POSIX seconds) goes into the cosignature.
    public func addCheckpoint(_ body: [UInt8], timestamp: UInt64) async -> WitnessReply {
        let request: AddCheckpointRequest
        do { request = try AddCheckpointRequest(parsing: body) } catch {
            return .text(400, .describing(error))
        }
        // The origin first (404 for an unknown log), then the log's signature (403).
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(text: try SignedNote(parsing: request.signedCheckpoint).text)
        } catch {
            return .text(400, .describing(error))
        }
        guard let witness = witnesses[checkpoint.origin] else {
            return .text(404, Message("this witness does not follow the log {origin}", ["origin": .text(checkpoint.origin)]))
        }
        do { _ = try Checkpoint.open(request.signedCheckpoint, origin: checkpoint.origin, trusting: witness.logKeys) } catch {
            return .text(403, Message("the checkpoint carries no valid signature by a key of {origin}: {reason}",
                                      ["origin": .text(checkpoint.origin), "reason": .message(.describing(error))]))
        }
        guard request.oldSize <= checkpoint.size else {
            return .text(400, Message("old size {old} is larger than the checkpoint's size {size}",
                                      ["old": .text(String(request.oldSize)), "size": .text(String(checkpoint.size))]))
        }
        do {
            return try await store.update(origin: checkpoint.origin) { stored in
                try Self.decide(request, checkpoint: checkpoint, stored: stored, witness: witness, timestamp: timestamp)
            }
        } catch {
            return .text(500, Message("the witness state could not be read or written: {reason}", ["reason": .message(.describing(error))]))
        }
    }

    /// The spec's checks against the stored state, in its order; cosigns and returns the new
    /// state only when all pass.
    static func decide(_ request: AddCheckpointRequest, checkpoint: Checkpoint, stored: String?, witness: Witness,
                       timestamp: UInt64) throws -> (newState: String?, reply: WitnessReply) {
        // A stored state this witness did not cosign is not trusted (a swapped or damaged file): fail closed.
        let previous = try stored.map { try witness.openState($0) }
        let knownSize = previous?.size ?? 0
        guard request.oldSize == knownSize else { return (nil, .conflict(knownSize: knownSize)) }
        if let previous {
            if previous.size == checkpoint.size {
                guard previous.root == checkpoint.root else {
                    return (nil, .conflict(knownSize: knownSize))   // a fork: same size, another tree
                }
                guard request.consistencyProof.isEmpty else {
                    return (nil, .text(422, Message("the consistency proof between equal sizes must be empty")))
                }
            } else {
                do {
                    try MerkleTree.verifyConsistency(oldSize: previous.size, newSize: checkpoint.size, oldRoot: previous.root,
                                                     newRoot: checkpoint.root, proof: request.consistencyProof)
                } catch {
                    return (nil, .text(422, Message("the consistency proof from size {old} to {size} does not verify: {reason}",
                                                    ["old": .text(String(previous.size)), "size": .text(String(checkpoint.size)),
                                                     "reason": .message(.describing(error))])))
                }
            }
        } else if !request.consistencyProof.isEmpty {
            return (nil, .text(422, Message("the consistency proof from size 0 must be empty")))
        }
        // `Witness.cosign` repeats the log-signature and consistency checks; the state above is the one it compares with.
        let cosigned = try witness.cosign(request.signedCheckpoint, previous: stored, timestamp: timestamp) { _, _ in request.consistencyProof }
        let lines = cosigned.note.signatures.filter { $0.name == witness.signer.name && $0.keyID == witness.signer.keyID }.map(\.line)
        return (cosigned.note.serialized, WitnessReply(status: 200, contentType: "text/plain; charset=utf-8", body: lines.joined()))
    }
}

/// Where a witness keeps, per log origin, the signed note of the checkpoint it cosigned last.
public protocol WitnessStateStore: Sendable {
    /// Runs `decide` with `origin`'s stored note (nil: never cosigned) and, when it returns a new
    /// note, stores it durably before returning; atomic against every other update of that origin
    /// in any process sharing the store (else two requests could both pass the old-size check and
    /// the later write could roll the state back).
    func update(origin: String, _ decide: @Sendable (String?) throws -> (newState: String?, reply: WitnessReply)) async throws -> WitnessReply
}
