import Foundation
import Logging
import MerkleLog
import PostgresNIO
import Witnessing

/// The aggregator as a witness: every checkpoint it has verified (signature, entries, root, and
/// consistency with what it verified before) is cosigned by `TlogWitness`, the same C2SP
/// tlog-witness code `agritrace witness serve` runs, with its state in PostgreSQL
/// (`PostgresWitnessState`), so the witness never cosigns a smaller tree or a second tree of one
/// size whatever process asks. The cosigned checkpoint is kept with the verified one.
public final class ProvinceWitness: Sendable {
    public let witness: TlogWitness
    let state: PostgresWitnessState

    public init(signer: NoteSigner, cooperatives: [ProvinceConfig.Cooperative], store: ProvinceStore) throws {
        state = PostgresWitnessState(store: store)
        witness = try TlogWitness(signer: signer, logs: cooperatives.map { WitnessedLog(origin: $0.origin, keys: [$0.key]) }, store: state)
    }

    /// Asks the witness to cosign `note` (verified, of `size` leaves whose tree `known` holds) as
    /// a client would: with the consistency proof from the size it cosigned last. Returns the
    /// cosigned note, or nil when it already cosigned this size or a larger one.
    func cosign(note: String, size: Int, origin: String, known: KnownEntries, now: Date = Date()) async throws -> String? {
        var oldSize = try await state.cosignedSize(origin: origin)
        // The second try follows the witness's 409 (its state moved between the read and the request).
        for _ in 0..<2 {
            guard oldSize < size else { return nil }
            let proof = oldSize == 0 ? [] : try known.consistencyProof(oldSize: oldSize, newSize: size)
            let request = AddCheckpointRequest(oldSize: oldSize, consistencyProof: proof, signedCheckpoint: note)
            let reply = await witness.addCheckpoint(Array(request.serialized.utf8), timestamp: UInt64(max(0, now.timeIntervalSince1970)))
            switch reply.status {
            case 200:
                guard let cosigned = try await state.note(origin: origin) else {
                    throw CosignError(description: "the witness answered 200 but kept no state for \(origin)")
                }
                return cosigned
            case 409 where reply.contentType == "text/x.tlog.size":
                guard let known = Int(reply.body.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw CosignError(description: "the witness answered 409 without a size")
                }
                oldSize = known
            default:
                throw CosignError(description: "the witness refused the checkpoint of size \(size): \(reply.status) \(reply.body.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
        }
        throw CosignError(description: "the witness's cosigned size for \(origin) kept moving")
    }
}

struct CosignError: Error, CustomStringConvertible {
    let description: String
}

/// `WitnessStateStore` in PostgreSQL: each origin's last cosigned note in `witness_state`, read and
/// replaced in one transaction that holds a per-origin advisory lock, so concurrent requests for
/// one log (from any process on the database) are serialised and a cosignature leaves only after
/// the new state is committed.
final class PostgresWitnessState: WitnessStateStore {
    let store: ProvinceStore

    init(store: ProvinceStore) { self.store = store }

    func update(origin: String, _ decide: @Sendable (String?) throws -> (newState: String?, reply: WitnessReply)) async throws -> WitnessReply {
        let logger = store.logger
        return try await store.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(4102, hashtext(\(origin)))", logger: logger)
            let rows = try await connection.query("SELECT note FROM witness_state WHERE origin = \(origin)", logger: logger)
            var stored: String?
            for try await note in rows.decode(String.self) { stored = note }
            let (newState, reply) = try decide(stored)
            if let newState {
                try await connection.query("""
                    INSERT INTO witness_state (origin, note) VALUES (\(origin), \(newState))
                    ON CONFLICT (origin) DO UPDATE SET note = excluded.note, updated_at = now()
                    """, logger: logger)
            }
            return reply
        }
    }

    func note(origin: String) async throws -> String? {
        let rows = try await store.client.query("SELECT note FROM witness_state WHERE origin = \(origin)", logger: store.logger)
        for try await note in rows.decode(String.self) { return note }
        return nil
    }

    /// The size of the tree last cosigned for `origin` (0: never).
    func cosignedSize(origin: String) async throws -> Int {
        guard let note = try await note(origin: origin) else { return 0 }
        return try Checkpoint(text: try SignedNote(parsing: note).text).size
    }
}
