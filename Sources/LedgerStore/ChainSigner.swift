import Deterministic
import Foundation
import MerkleLog

/// Signs a run of entries in chain order on a helper thread while the caller consumes (stores)
/// the ones already signed: entry n+1 names entry n's leaf hash, so signing cannot be spread
/// over cores, but storing can overlap with it.
enum ChainSigner {
    /// Below this many entries the hand-off costs more than it saves.
    static let pipelineThreshold = 32

    static func sign(_ encoded: [EncodedBody], firstSeq: Int, prev first: TreeHash, recordedAt: String, signer: NoteSigner,
                     consume: (LedgerEntry) throws -> Void) throws {
        if encoded.count < pipelineThreshold || ProcessInfo.processInfo.activeProcessorCount < 2 {
            var prev = first
            for (offset, body) in encoded.enumerated() {
                let entry = try LedgerEntry(seq: firstSeq + offset, prev: prev, recordedAt: recordedAt, encoded: body, signer: signer)
                try consume(entry)
                prev = entry.leafHash
            }
            return
        }
        let queue = SignedQueue()
        let job = UncheckedSendable((encoded, queue))
        let thread = Thread {
            let (encoded, queue) = job.value
            var prev = first
            for (offset, body) in encoded.enumerated() {
                if queue.isCancelled { break }
                do {
                    let entry = try LedgerEntry(seq: firstSeq + offset, prev: prev, recordedAt: recordedAt, encoded: body, signer: signer)
                    prev = entry.leafHash
                    queue.push(.success(entry))
                } catch {
                    queue.push(.failure(error))
                    break
                }
            }
        }
        thread.start()
        defer { queue.cancel() }
        var received = 0
        while received < encoded.count {
            for item in queue.popAll() {
                try consume(try item.get())
                received += 1
            }
        }
    }
}

/// A single-producer, single-consumer hand-off of signed entries. The consumer takes everything
/// ready at once and the producer only signals a waiting consumer, so a batch costs a few thread
/// wake-ups rather than one per entry.
private final class SignedQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Result<LedgerEntry, Error>] = []
    private var consumerWaiting = false
    private var cancelled = false

    func push(_ item: Result<LedgerEntry, Error>) {
        condition.lock()
        items.append(item)
        if consumerWaiting { condition.signal() }
        condition.unlock()
    }

    func popAll() -> [Result<LedgerEntry, Error>] {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty {
            consumerWaiting = true
            condition.wait()
            consumerWaiting = false
        }
        let ready = items
        items.removeAll(keepingCapacity: true)
        return ready
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.unlock()
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }
}
