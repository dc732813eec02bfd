import Foundation
import Testing
import TestSupport
@testable import Console

/// What an outside tester found in the sign-in: unknown names told apart from accounts (never
/// locked, and checked against a decoy of another cost), parallel wrong tries getting past the
/// limit, and a flood of made-up names slowing real sign-ins and growing memory.
@Suite struct SignInLimitsTests {
    static func accounts(cost: UInt8 = 4, lockoutCapacity: Int = Accounts.lockoutNames) throws -> (Accounts, TemporaryDirectory) {
        let directory = try TemporaryDirectory(prefix: "console-sign-in")
        do {
            let accounts = try Accounts(path: directory.url.appendingPathComponent("coop.console.db").path, cost: cost,
                                        lockoutCapacity: lockoutCapacity)
            try accounts.add(name: "lan", role: .clerk, password: "correct horse battery")
            return (accounts, directory)
        } catch {
            directory.remove()
            throw error
        }
    }

    @Test func anUnknownNameIsAnsweredAndLockedExactlyLikeAnAccount() throws {
        let (accounts, directory) = try Self.accounts()
        defer { directory.remove() }
        let now = 1_800_000_000
        func answers(_ name: String) throws -> [Accounts.SignIn] {
            var answers: [Accounts.SignIn] = []
            for _ in 0..<Accounts.lockAfterFailures { answers.append(try accounts.signIn(name: name, password: "guess", now: now)) }
            answers.append(try accounts.signIn(name: name, password: "correct horse battery", now: now + 60))
            answers.append(try accounts.signIn(name: name, password: "guess", now: now + Accounts.lockSeconds + 1))
            return answers
        }
        let account = try answers("lan"), unknown = try answers("nobody")
        #expect(account == unknown)
        #expect(account == Array(repeating: .refused, count: Accounts.lockAfterFailures - 1)
                + Array(repeating: .locked(until: now + Accounts.lockSeconds), count: 2) + [.refused])
    }

    /// bcrypt's time is set by the hash's cost: an unknown name must be checked at the store's
    /// cost, not a fixed one (it was 12 whatever the store used).
    @Test func anUnknownNameTakesAsLongAsAnAccount() throws {
        let (accounts, directory) = try Self.accounts(cost: 9)
        defer { directory.remove() }
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        _ = try accounts.signIn(name: "warm-up", password: "guess")
        var account: [Double] = [], unknown: [Double] = []
        for round in 0..<7 {
            account.append(try seconds { _ = try accounts.signIn(name: "lan", password: "guess") })
            unknown.append(try seconds { _ = try accounts.signIn(name: "nobody\(round)", password: "guess") })
            // A success clears lan's count, so no try above meets a lock (which answers at once).
            #expect(try accounts.signIn(name: "lan", password: "correct horse battery") == .signedIn(ConsoleUser(name: "lan", role: .clerk)))
        }
        let median = { (times: [Double]) in times.sorted()[times.count / 2] }
        let ratio = median(unknown) / median(account)
        #expect(ratio > 0.5 && ratio < 2, "unknown name \(median(unknown)) s, account \(median(account)) s")
    }

    /// Many wrong tries at once: exactly the limit's worth have their passwords checked (all but
    /// the last answered "wrong", the last locking); every other is answered "locked" unchecked.
    @Test(arguments: ["lan", "nobody"]) func parallelWrongTriesNeverPassTheLimit(name: String) throws {
        let (accounts, directory) = try Self.accounts(cost: 6)
        defer { directory.remove() }
        let tries = 32
        let answers = ParallelAnswers()
        let group = DispatchGroup()
        for _ in 0..<tries {
            group.enter()
            Thread.detachNewThread {
                answers.add(Result { try accounts.signIn(name: name, password: "guess") })
                group.leave()
            }
        }
        group.wait()
        let all = try answers.values.map { try $0.get() }
        #expect(all.count == tries)
        #expect(all.filter { $0 == .refused }.count == Accounts.lockAfterFailures - 1, "\(all)")
        #expect(all.allSatisfy { if case .locked = $0 { return true }; return $0 == .refused })
        #expect(try accounts.signIn(name: name, password: "correct horse battery") != .signedIn(ConsoleUser(name: "lan", role: .clerk)))
        if case .locked = try accounts.signIn(name: name, password: "correct horse battery") {} else { Issue.record("\(name) is not locked") }
    }

    @Test func aFloodOfMadeUpNamesKeepsBoundedStateAndRealSignInsWork() throws {
        let capacity = 32
        let (accounts, directory) = try Self.accounts(lockoutCapacity: capacity)
        defer { directory.remove() }
        var random = SeededGenerator(seed: 7)
        var most = 0
        for _ in 0..<400 {
            let name = "n" + String(UInt64.random(in: 0...UInt64.max, using: &random), radix: 36)
            #expect(try accounts.signIn(name: name, password: "guess") == .refused)
            most = max(most, accounts.rememberedNames)
        }
        #expect(most == capacity)
        #expect(try accounts.signIn(name: "lan", password: "correct horse battery") == .signedIn(ConsoleUser(name: "lan", role: .clerk)))
    }

    /// Names no account can have (too long, spaces, capitals) share one lock-out entry: a flood of
    /// long made-up names keeps nothing per name, and they are answered and locked like others.
    /// "lan" with a NUL after it must not reach lan's account (SQLite's text compare stops at NUL).
    @Test func namesNoAccountCanHaveShareOneEntry() throws {
        let (accounts, directory) = try Self.accounts(lockoutCapacity: 32)
        defer { directory.remove() }
        let names = [String(repeating: "x", count: 10_000), "Lan", "l an", "lan\u{0}"]  // one fewer than the lock-out limit
        for (index, name) in names.enumerated() {
            let answer = try accounts.signIn(name: name, password: "guess")
            #expect(answer == .refused, "try \(index + 1): \(answer)")
            #expect(accounts.rememberedNames == 1)
        }
        let fifth = try accounts.signIn(name: "Z Z", password: "guess")
        if case .locked = fifth {} else { Issue.record("the shared entry is not locked at the fifth try: \(fifth)") }
        #expect(try accounts.signIn(name: "lan\u{0}", password: "correct horse battery", now: Int(Date().timeIntervalSince1970) + Accounts.lockSeconds + 1) == .refused)
        #expect(try accounts.signIn(name: "lan", password: "correct horse battery") == .signedIn(ConsoleUser(name: "lan", role: .clerk)))
    }

    @Test func theLockoutTableNeverOutgrowsItsCapacityNorForgetsATryInProgress() {
        var lockouts = Lockouts(capacity: 100)
        #expect(lockouts.begin(name: "lan", stamp: "s", now: 0) == .check)
        for index in 0..<10_000 {
            #expect(lockouts.begin(name: "n\(index)", stamp: "", now: index) == .check)
            _ = lockouts.finish(name: "n\(index)", matched: false, now: index)
        }
        #expect(lockouts.entries.count == 100)
        // lan's check was still running: it is kept, and its failure counts.
        #expect(lockouts.entries["lan"]?.pending == 1)
        #expect(lockouts.finish(name: "lan", matched: false, now: 10_000) == nil)
        #expect(lockouts.entries["lan"]?.failed == 1)
    }

    /// At most `slots` checks run and `waiting` wait; the rest are refused at once; a freed slot
    /// goes to a waiting try.
    @Test func theGateRunsAFewChecksQueuesAFewAndRefusesTheRestAtOnce() async throws {
        let gate = SignInGate(slots: 2, waiting: 3)
        let release = DispatchSemaphore(value: 0)
        let started = ParallelAnswers()
        let results = try await withThrowingTaskGroup(of: Bool?.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    let start = DispatchTime.now().uptimeNanoseconds
                    let answer = try await gate.run { started.add(.success(.refused)); release.wait(); return true }
                    return answer ?? (DispatchTime.now().uptimeNanoseconds - start < 1_000_000_000 ? false : nil)
                }
            }
            var results: [Bool?] = []
            // The refusals come back while two checks are held; then the held ones are let go.
            for _ in 0..<15 { results.append(try await group.next()!) }
            let deadline = Date().addingTimeInterval(10)
            while started.values.count < 2 && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
            try await Task.sleep(nanoseconds: 100_000_000)
            #expect(started.values.count == 2)
            for _ in 0..<5 { release.signal() }
            while let result = try await group.next() { results.append(result) }
            return results
        }
        #expect(results.filter { $0 == false }.count == 15, "refused at once: \(results)")
        #expect(results.filter { $0 == true }.count == 5)
        #expect(started.values.count == 5)
        #expect(try await gate.run { 1 } == 1)
    }
}

/// Answers collected from several threads.
final class ParallelAnswers: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [Result<Accounts.SignIn, any Error>] = []
    func add(_ answer: Result<Accounts.SignIn, any Error>) { lock.withLock { collected.append(answer) } }
    var values: [Result<Accounts.SignIn, any Error>] { lock.withLock { collected } }
}
