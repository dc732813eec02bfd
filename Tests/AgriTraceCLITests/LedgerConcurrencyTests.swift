import Foundation
import Testing
import TestSupport

/// Real processes: two appenders at once, and appenders killed with SIGKILL mid-append.
@Suite struct LedgerConcurrencyTests {
    @Test func twoProcessesAppendingConcurrentlyMakeOneLinearChain() throws {
        let setup = try LedgerCommandTests.Setup()
        defer { setup.directory.remove() }
        try setup.append(LedgerCommandTests.origin)
        let perWriter = 12
        let failures = LockedCounter()
        // Each writer is a loop of separate `agritrace ledger append` processes; the two loops
        // run at the same time, so appends interleave and contend for the write lock.
        let writers = (0..<2).map { writer in
            Thread {
                for index in 0..<perWriter {
                    let body = LedgerCommandTests.lot("W\(writer)-\(index)")
                    let result = try? AgriTraceBinary.run(["ledger", "append", "--ledger", setup.db, "--key", setup.key], stdin: Data(body.utf8))
                    if result?.status != 0 { failures.increment() }
                }
                failures.finished()
            }
        }
        writers.forEach { $0.start() }
        while failures.finishedCount < 2 { usleep(10_000) }
        #expect(failures.value == 0)
        let verified = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--vkey", setup.vkey, "--json"])
        #expect(verified.status == 0, "\(verified.stdout)")
        let report = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any]
        #expect(report?["entries"] as? Int == 2 + 2 * perWriter)
    }

    @Test func sigkillDuringAppendLeavesAValidLedger() throws {
        let setup = try LedgerCommandTests.Setup()
        defer { setup.directory.remove() }
        try setup.append(LedgerCommandTests.origin)
        var generator = SeededGenerator(seed: 9)
        var size = 2
        var interrupted = 0
        for round in 0..<5 {
            // One big atomic append (a few hundred lots), killed after a random delay.
            let batch = "[" + (0..<400).map { LedgerCommandTests.lot("K\(round)-\($0)") }.joined(separator: ",") + "]"
            let input = setup.path("batch.json")
            try batch.write(toFile: input, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = AgriTraceBinary.url
            process.arguments = ["ledger", "append", "--ledger", setup.db, "--key", setup.key, "--file", input]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 20_000...400_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let verified = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--vkey", setup.vkey, "--json"])
            #expect(verified.status == 0, "round \(round): \(verified.stdout)")
            let report = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any]
            let entries = report?["entries"] as? Int ?? -1
            // All or nothing.
            #expect(entries == size || entries == size + 400, "round \(round): \(entries) entries")
            if entries == size { interrupted += 1 }
            size = entries
            // The ledger still takes appends after the crash.
            try setup.append(LedgerCommandTests.lot("after-\(round)"))
            size += 1
        }
        // The kills must really land inside appends (a 400-entry append takes far longer than
        // the shortest delays), or this test would prove nothing.
        #expect(interrupted > 0)
    }
}

final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var done = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    func finished() { lock.lock(); done += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    var finishedCount: Int { lock.lock(); defer { lock.unlock() }; return done }
}
