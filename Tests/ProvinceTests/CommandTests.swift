import Foundation
import LedgerStore
import MerkleLog
import Province
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `agritrace province` as a process: killed with SIGKILL mid-ingest and started again, it stores
/// every entry exactly once.
@Suite struct ProvinceCommandTests {
    @Test func sigkillMidIngestThenRestartStoresEveryEntryOnce() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 61)
        defer { a.directory.remove() }
        let b = try CooperativeLedger(name: "HTX-B", number: 62)
        defer { b.directory.remove() }
        try a.addLots(1500, prefix: "A")    // 4,501 entries
        try a.checkpoint()
        try b.addLots(1500, prefix: "B")
        try b.checkpoint()
        let servers = try await [a, b].asyncMap { try await InProcessServer(ledgerPath: $0.path) }
        defer { servers.forEach { $0.stop() } }
        let configPath = a.directory.url.appendingPathComponent("province.conf").path
        try """
            cooperative \(a.name) \(servers[0].baseURL) \(a.signer.verifier.vkey)
            cooperative \(b.name) \(servers[1].baseURL) \(b.signer.verifier.vkey)
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        try await ProvinceTest.withDatabase { database in
            let arguments = ["province", "--config", configPath, "--database", database.url, "--once", "--timeout", "120"]
            let process = Process()
            process.executableURL = AgriTraceBinary.url
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Kill it once some entries are stored (the schema exists by then).
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                if let stored = try? ProvinceTest.count(database, "SELECT coalesce(sum(tree_size), 0) FROM cooperatives"), stored > 0 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            let partial = try ProvinceTest.count(database, "SELECT sum(tree_size) FROM cooperatives")
            #expect(partial > 0 && partial < 9002, "killed after \(partial) entries")

            let rerun = try await runOffThePool(arguments, timeout: 300)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.stdout.contains("HTX-A: entries "), "\(rerun.stdout)")
            try expectStored(database, cooperative: "HTX-A", ledger: a)
            try expectStored(database, cooperative: "HTX-B", ledger: b)
        }
    }

    /// `--witness-key`: one round cosigns the verified checkpoint; a cooperative's signing key is refused as a witness key.
    @Test func onceWithAWitnessKeyCosigns() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 63)
        defer { a.directory.remove() }
        try a.addLots(2, prefix: "A")
        try a.checkpoint()
        let server = try await InProcessServer(ledgerPath: a.path)
        defer { server.stop() }
        let path = { @Sendable (name: String) in a.directory.url.appendingPathComponent(name).path }
        try "cooperative \(a.name) \(server.baseURL) \(a.signer.verifier.vkey)\n".write(toFile: path("province.conf"), atomically: true, encoding: .utf8)
        let witness = try NoteSigner(name: "province.example/witness", type: .cosignatureV1, seed: [UInt8](repeating: 8, count: 32))
        try SigningKeyFile.write(witness, to: path("w.key"))
        try SigningKeyFile.write(a.signer, to: path("coop.key"))
        try await ProvinceTest.withDatabase { database in
            let notWitness = try AgriTraceBinary.run(["province", "--config", path("province.conf"), "--database", database.url, "--once",
                                                      "--witness-key", path("coop.key")])
            #expect(notWitness.status == 2 && notWitness.stderr.contains("not a witness key"), "\(notWitness.stderr)")
            // A long --timeout: the serving test process may be slow to answer under the parallel suite.
            let run = try await runOffThePool(["province", "--config", path("province.conf"), "--database", database.url, "--once",
                                               "--witness-key", path("w.key"), "--timeout", "120"], timeout: 300)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout == "HTX-A: entries 0..<7 verified and stored\n")
            let note = try SignedNote(parsing: String(try database.psql("SELECT cosigned_note FROM checkpoints WHERE tree_size = 7")
                .dropLast()))   // psql's newline after the value
            #expect(try WitnessQuorum.cosigners(of: note, witnesses: [witness.verifier], logKeys: [a.signer.verifier]).count == 1)
        }
    }

    /// `--listen` on an address in use is a usage error naming the option, before any round starts.
    @Test func aListenAddressInUseIsAUsageError() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 64)
        defer { a.directory.remove() }
        let config = a.directory.url.appendingPathComponent("province.conf").path
        try "cooperative \(a.name) http://127.0.0.1:9 \(a.signer.verifier.vkey)\n".write(toFile: config, atomically: true, encoding: .utf8)
        let busy = try SilentServer()
        defer { busy.close() }
        try await ProvinceTest.withDatabase { database in
            let run = try await runOffThePool(["--lang", "vi", "province", "--config", config, "--database", database.url,
                                               "--listen", "127.0.0.1:\(busy.port)"], timeout: 120)
            #expect(run.status == 2, "\(run.status): \(run.stderr)")
            #expect(run.stderr.contains("--listen") && run.stderr.contains("127.0.0.1:\(busy.port)") && !run.stderr.contains("errno"), "\(run.stderr)")
        }
    }

    /// A database that cannot be used is reported at once, naming it and the reason, not after the pool's retries.
    @Test func anUnusableDatabaseIsReportedAtOnce() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 65)
        defer { a.directory.remove() }
        let config = a.directory.url.appendingPathComponent("province.conf").path
        try "cooperative \(a.name) http://127.0.0.1:9 \(a.signer.verifier.vkey)\n".write(toFile: config, atomically: true, encoding: .utf8)
        try await ProvinceTest.withDatabase { database in
            let missing = database.url.replacingOccurrences(of: #"/[a-z0-9_]+$"#, with: "/no_such_db", options: .regularExpression)
            let refused = try SilentServer(listening: false)    // bound, not listening: connections refused
            defer { refused.close() }
            let refusedPort = refused.port
            for (url, says) in [(missing, "no_such_db"), ("postgres://u@127.0.0.1:\(refusedPort)/db", "127.0.0.1:\(refusedPort)")] {
                let started = ContinuousClock.now
                let run = try await runOffThePool(["--lang", "vi", "province", "--config", config, "--database", url, "--once"], timeout: 120)
                // "At once": well before the run's own 10-minute wait for a database; the bound
                // leaves room for a loaded machine (a whole test process once stalled 31 s).
                #expect(ContinuousClock.now - started < .seconds(90), "\(url)")
                #expect(run.status == 4 && run.stderr.contains("không dùng được cơ sở dữ liệu") && run.stderr.contains(says), "\(url): \(run.stderr)")
                #expect(!run.stderr.contains("ConnectionPoolError") && !run.stderr.contains("[PostgresNIO]"), "\(run.stderr)")
            }
        }
    }

    /// `--once` says how each cooperative's round went in the operator's language, reasons included.
    @Test func aRoundsReasonIsInTheOperatorsLanguage() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 66)
        defer { a.directory.remove() }
        let refused = try SilentServer(listening: false)    // bound, not listening: connections refused
        defer { refused.close() }
        let config = a.directory.url.appendingPathComponent("province.conf").path
        try "cooperative \(a.name) http://127.0.0.1:\(refused.port) \(a.signer.verifier.vkey)\n".write(toFile: config, atomically: true, encoding: .utf8)
        try await ProvinceTest.withDatabase { database in
            let vietnamese = try await runOffThePool(["--lang", "vi", "province", "--config", config, "--database", database.url, "--once"], timeout: 120)
            #expect(vietnamese.status == 1, "\(vietnamese.stdout) \(vietnamese.stderr)")
            // The round's line (stdout); the log lines on stderr are the operator's log, in English.
            let said = vietnamese.stdout
            #expect(said.contains("HTX-A: vòng này thất bại: http://127.0.0.1:\(refused.port)/checkpoint: máy chủ từ chối kết nối")
                    && !said.contains("refused the connection"), "\(said)")
            let english = try await runOffThePool(["--lang", "en", "province", "--config", config, "--database", database.url, "--once"], timeout: 120)
            #expect((english.stdout + english.stderr).contains("HTX-A: failed this round: http://127.0.0.1:\(refused.port)/checkpoint: the server refused the connection"),
                    "\(english.stdout) \(english.stderr)")
        }
    }

    @Test func usageErrorsExit2() throws {
        let directory = try TemporaryDirectory(prefix: "province-cli")
        defer { directory.remove() }
        let config = directory.url.appendingPathComponent("bad.conf").path
        try "cooperative only-a-name".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try AgriTraceBinary.run(["province", "--config", config, "--database", "postgres://u@127.0.0.1:1/db", "--once"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.conf:1:"), "\(bad.stderr)")
        let missing = try AgriTraceBinary.run(["province", "--config", config + ".none", "--database", "postgres://u@127.0.0.1:1/db", "--once"])
        #expect(missing.status == 2)
        // In the operator's language, naming the file and what it is.
        let vietnamese = try AgriTraceBinary.run(["--lang", "vi", "province", "--config", config, "--database", "postgres://u@127.0.0.1:1/db", "--once"])
        #expect(vietnamese.status == 2 && vietnamese.stderr.contains("bad.conf:1: cần 'cooperative TÊN URL-GỐC VKEY', nhưng có 1 giá trị"), "\(vietnamese.stderr)")
        let folder = try AgriTraceBinary.run(["--lang", "vi", "province", "--config", directory.url.path, "--database", "postgres://u@127.0.0.1:1/db", "--once"])
        #expect(folder.status == 2 && folder.stderr.contains("không đọc được: là một thư mục, không phải tệp"), "\(folder.stderr)")
        let good = directory.url.appendingPathComponent("good.conf").path
        let key = try NoteSigner(name: "a.example/ledger", seed: [UInt8](repeating: 9, count: 32)).verifier.vkey
        try "cooperative HTX-A http://127.0.0.1:1 \(key)".write(toFile: good, atomically: true, encoding: .utf8)
        let url = try AgriTraceBinary.run(["province", "--config", good, "--database", "mysql://x", "--once"])
        #expect(url.status == 2)
        #expect(url.stderr.contains("postgres://USER"), "\(url.stderr)")
    }
}

/// `AgriTraceBinary.run` on a thread of its own: the tiles the command reads are served by this
/// test process, whose request handlers need Swift's cooperative threads (two on two cores);
/// waiting for the command on one of them could leave none to answer it.
func runOffThePool(_ arguments: [String], timeout: Double) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try AgriTraceBinary.run(arguments, timeout: timeout) }) }
    }
}
