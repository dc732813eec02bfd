import Foundation
import Localization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MerkleLog

/// A witness to ask for a cosignature: its `add-checkpoint` URL and the key it cosigns with.
public struct WitnessEndpoint: Sendable {
    public let url: URL
    public let key: NoteVerifier

    /// `url` is the witness's submission prefix or its full `.../add-checkpoint` URL.
    public init(url: URL, key: NoteVerifier) {
        let text = url.absoluteString
        self.url = text.hasSuffix("/add-checkpoint") ? url
            : URL(string: (text.hasSuffix("/") ? String(text.dropLast()) : text) + "/add-checkpoint")!
        self.key = key
    }
}

/// What one witness answered.
public enum WitnessOutcome: Sendable, Equatable {
    case cosigned(NoteSignature)
    /// The witness answered and would not cosign (a fork, a rollback, a bad proof, an unknown log or key).
    case refused(Message)
    /// No usable answer: unreachable, timed out, a server error; worth trying again later.
    case unreachable(Message)
}

/// The client side of C2SP tlog-witness: asks each witness to cosign a checkpoint, supplying the
/// consistency proof from whatever size the witness last cosigned (learnt from its 409 answer),
/// and keeps only cosignatures that verify under the witness's configured key.
public enum WitnessClient {
    /// Asks the witnesses whose valid cosignature `signedCheckpoint` does not carry yet (each is sent the
    /// note with its first signature only, the log's), and gives an outcome for every witness in order:
    /// `.cosigned` with the signature already on the note for those not asked. `cosigned` is the note
    /// with the new cosignatures added, or nil when none was added: a checkpoint signed again with
    /// nothing appended comes back with the cosignatures it has, and asking their witnesses again
    /// would store a second copy of it with a second cosignature of each.
    public static func completeCosignatures(of signedCheckpoint: String, witnesses: [WitnessEndpoint], timeoutSeconds: Double,
                                            consistencyProof: @escaping @Sendable (_ oldSize: Int, _ newSize: Int) throws -> [TreeHash])
        async throws -> (outcomes: [WitnessOutcome], cosigned: SignedNote?) {
        let note = try SignedNote(parsing: signedCheckpoint)
        let present = witnesses.map { witness in note.signatures.first { signature in
            signature.name == witness.key.name && signature.keyID == witness.key.keyID
                && witness.key.isValidSignature(signature.signature, noteText: note.text)
        } }
        let missing = zip(witnesses, present).filter { $0.1 == nil }.map(\.0)
        var asked: [WitnessOutcome] = []
        if !missing.isEmpty {
            let request = try SignedNote(text: note.text, signatures: Array(note.signatures.prefix(1))).serialized
            asked = await collect(signedCheckpoint: request, witnesses: missing, timeoutSeconds: timeoutSeconds,
                                  consistencyProof: consistencyProof)
        }
        var answers = asked.makeIterator()
        let outcomes = present.map { signature -> WitnessOutcome in
            if let signature { return .cosigned(signature) }
            return answers.next()!  // `collect` answers once for every witness asked
        }
        let added = asked.compactMap { if case .cosigned(let signature) = $0 { signature } else { nil } }
        guard !added.isEmpty else { return (outcomes, nil) }
        return (outcomes, try SignedNote(text: note.text, signatures: note.signatures + added))
    }

    /// Asks every witness at once; each gets `timeoutSeconds` per HTTP request. Never throws:
    /// each witness's failure is reported in its outcome, in the order of `witnesses`.
    public static func collect(signedCheckpoint: String, witnesses: [WitnessEndpoint], timeoutSeconds: Double,
                               consistencyProof: @escaping @Sendable (_ oldSize: Int, _ newSize: Int) throws -> [TreeHash]) async -> [WitnessOutcome] {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        return await withTaskGroup(of: (Int, WitnessOutcome).self) { group in
            for (index, witness) in witnesses.enumerated() {
                group.addTask {
                    (index, await cosign(signedCheckpoint, by: witness, session: session, consistencyProof: consistencyProof))
                }
            }
            var outcomes = [WitnessOutcome](repeating: .unreachable(Message("not asked")), count: witnesses.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
    }

    static func cosign(_ signedCheckpoint: String, by witness: WitnessEndpoint, session: URLSession,
                       consistencyProof: (Int, Int) throws -> [TreeHash]) async -> WitnessOutcome {
        let note: SignedNote, checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: signedCheckpoint)
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            return .refused(Message("the checkpoint to cosign is malformed: {reason}", ["reason": .message(.describing(error))]))
        }
        // First as if the witness knew nothing; a witness that knows the log answers 409 with its size.
        var oldSize = 0
        for _ in 0..<3 {
            let proof: [TreeHash]
            do { proof = oldSize == 0 ? [] : try consistencyProof(oldSize, checkpoint.size) } catch {
                return .refused(Message("no consistency proof from size {old} to {size}: {reason}",
                                        ["old": .text(String(oldSize)), "size": .text(String(checkpoint.size)), "reason": .message(.describing(error))]))
            }
            let body = AddCheckpointRequest(oldSize: oldSize, consistencyProof: proof, signedCheckpoint: signedCheckpoint).serialized
            var request = URLRequest(url: witness.url)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("text/plain; charset=utf-8", forHTTPHeaderField: "Content-Type")
            let data: Data, response: URLResponse
            do { (data, response) = try await session.data(for: request) } catch {
                return .unreachable(Message("no answer: {reason}", ["reason": .message(.networkError(error))]))
            }
            guard let http = response as? HTTPURLResponse else { return .unreachable(Message("the answer is not HTTP")) }
            let text = String(decoding: data.prefix(4096), as: UTF8.self)
            switch http.statusCode {
            case 200:
                return verifyCosignature(text, note: note, key: witness.key)
            case 409:
                let line = text.hasSuffix("\n") ? String(text.dropLast()) : text
                guard let known = AddCheckpointRequest.decimal(Substring(line)) else {
                    return .refused(Message("refused with 409 Conflict without a tree size ({answer})", ["answer": .text(Self.quote(text))]))
                }
                guard known != oldSize else {
                    return .refused(Message("refused with 409 Conflict at size {size}: the witness cosigned another tree of that size (a fork)",
                                            ["size": .text(String(known))]))
                }
                guard known <= checkpoint.size else {
                    return .refused(Message("the witness has cosigned size {known}, larger than this checkpoint's {size}: the log went back (rolled back or forked)",
                                            ["known": .text(String(known)), "size": .text(String(checkpoint.size))]))
                }
                oldSize = known
            case 500...:
                return .unreachable(Message("HTTP {status}: {answer}", ["status": .text(String(http.statusCode)), "answer": .text(Self.quote(text))]))
            default:
                return .refused(Message("refused with HTTP {status}: {answer}", ["status": .text(String(http.statusCode)), "answer": .text(Self.quote(text))]))
            }
        }
        return .unreachable(Message("the witness's cosigned size kept changing; try again"))
    }

    /// The witness key's valid cosignatures among the answer's signature lines; others are ignored, as the spec says.
    static func verifyCosignature(_ answer: String, note: SignedNote, key: NoteVerifier) -> WitnessOutcome {
        guard let lines = try? SignedNote(parsing: note.text + "\n" + answer) else {
            return .refused(Message("the answer is not note signature lines ({answer})", ["answer": .text(quote(answer))]))
        }
        guard let mine = lines.signatures.first(where: {
            $0.name == key.name && $0.keyID == key.keyID && key.isValidSignature($0.signature, noteText: note.text)
        }) else {
            return .refused(Message("the answer carries no valid cosignature by {key}", ["key": .text("\(key.name)+\(key.keyIDHex)")]))
        }
        return .cosigned(mine)
    }

    /// The witness's own words, shortened: its first two lines, since AgriTrace witnesses answer in
    /// English and then Vietnamese, one line each (`RequestTarget.inBothLanguages`).
    static func quote(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).prefix(2).joined(separator: " / ")
        return lines.count > 400 ? String(lines.prefix(400)) + "…" : lines
    }
}
