import Foundation
import LedgerStore
import Provenance
import Testing
import TestSupport

/// `agritrace keys` and `agritrace ledger ...` run as separate processes, as a cooperative,
/// a buyer, a witness and an inspector would run them.
@Suite struct LedgerCommandTests {
    /// A key pair and an initialised ledger in a fresh directory.
    struct Setup {
        let directory: TemporaryDirectory
        var db: String { path("ledger.db") }
        var key: String { path("coop.key") }
        var vkey: String { path("coop.vkey") }

        func path(_ name: String) -> String { directory.url.appendingPathComponent(name).path }

        init() throws {
            directory = try TemporaryDirectory(prefix: "ledger-cli")
            do {
                let generated = try AgriTraceBinary.run(["keys", "generate", "--name", "coop.example/ledger", "--out", directory.url.appendingPathComponent("coop.key").path])
                #expect(generated.status == 0, "\(generated.stderr)")
                try generated.stdout.write(toFile: directory.url.appendingPathComponent("coop.vkey").path, atomically: true, encoding: .utf8)
                let initialised = try AgriTraceBinary.run(["ledger", "init", "--ledger", directory.url.appendingPathComponent("ledger.db").path,
                                                           "--key", directory.url.appendingPathComponent("coop.key").path])
                #expect(initialised.status == 0, "\(initialised.stderr)")
            } catch {
                directory.remove()
                throw error
            }
        }

        @discardableResult
        func append(_ json: String, expect status: Int32 = 0) throws -> CommandResult {
            let result = try AgriTraceBinary.run(["ledger", "append", "--ledger", db, "--key", key], stdin: Data(json.utf8))
            #expect(result.status == status, "append \(json.prefix(60)): \(result.stderr)")
            return result
        }
    }

    static let origin = #"{"type":"origin","origin_code":"VN-DT-001","farm_id":"farm-1","farm_name":"Nguyễn Văn Bình","crop":"tomato"}"#
    static func lot(_ code: String) -> String {
        #"{"type":"lot","lot_code":"\#(code)","origin_code":"VN-DT-001","farm_id":"farm-1","cooperative":"coop-1","crop":"tomato","harvest_date":"2026-03-01","gtin":"09506000134352"}"#
    }

    /// SOURCE_DATE_EPOCH fixes entry times, but never in the future: times never decrease, so one
    /// run with a wrong value would have pinned every later entry of the ledger to it.
    @Test func aFutureSourceDateEpochIsTakenAsNow() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let before = LedgerTime.format(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000) - 1000)
        for epoch in ["4102444800", "99999999999999"] {
            let result = try AgriTraceBinary.run(["ledger", "append", "--ledger", setup.db, "--key", setup.key], stdin: Data((epoch == "4102444800" ? Self.origin : Self.lot("L-\(epoch.count)")).utf8),
                                                 environment: ["SOURCE_DATE_EPOCH": epoch])
            #expect(result.status == 0, "\(epoch): \(result.stderr)")
        }
        try setup.append(Self.lot("L-LATER"))
        let after = LedgerTime.format(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000) + 1000)
        let ledger = try Ledger(provenanceAt: setup.db, readOnly: true)
        for seq in 1..<(try ledger.size()) {
            let time = try #require(try ledger.entry(seq: seq)).recordedAt
            #expect(time >= before && time <= after, "entry \(seq) recorded at \(time)")
        }
    }

    @Test func keyFileIsPrivateAndVkeyIsPrinted() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let attributes = try FileManager.default.attributesOfItem(atPath: setup.key)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: setup.key, encoding: .utf8)
        #expect(text.hasPrefix("PRIVATE+KEY+coop.example/ledger+"))
        let vkey = try String(contentsOfFile: setup.vkey, encoding: .utf8)
        #expect(vkey.hasPrefix("coop.example/ledger+") && !vkey.contains("PRIVATE"))
        // Never overwrites a key.
        let again = try AgriTraceBinary.run(["keys", "generate", "--name", "x", "--out", setup.key])
        #expect(again.status != 0)
        #expect(try String(contentsOfFile: setup.key, encoding: .utf8) == text)
        // Refuses a readable private key.
        chmod(setup.key, 0o644)
        let refused = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("chmod 600"))
    }

    @Test func appendCheckpointProveAndVerifyProof() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let appended = try setup.append("[\(Self.origin),\(Self.lot("LOT-A"))]")
        #expect(appended.stdout.split(separator: "\n").map { $0.split(separator: " ")[0] } == ["1", "2"])
        let checkpoint = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key])
        #expect(checkpoint.status == 0)
        let lines = checkpoint.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "coop.example/ledger" && lines[1] == "3")

        let proofPath = setup.path("lot.tlog-proof")
        let proved = try AgriTraceBinary.run(["ledger", "prove", "--ledger", setup.db, "--entry", "2", "--out", proofPath])
        #expect(proved.status == 0, "\(proved.stderr)")
        let good = try AgriTraceBinary.run(["ledger", "verify-proof", proofPath, "--vkey", setup.vkey])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("entry 2 (lot, lot LOT-A, origin VN-DT-001)"))

        // A proof with one flipped character in a proof hash is refused.
        var text = try String(contentsOfFile: proofPath, encoding: .utf8)
        let hashLine = text.split(separator: "\n")[3]
        let damaged = (hashLine.first == "A" ? "B" : "A") + hashLine.dropFirst()
        text = text.replacingOccurrences(of: String(hashLine), with: damaged)
        try text.write(toFile: proofPath, atomically: true, encoding: .utf8)
        let bad = try AgriTraceBinary.run(["ledger", "verify-proof", proofPath, "--vkey", setup.vkey])
        #expect(bad.status == 3)
        #expect(bad.stderr.contains("INVALID"))
    }

    @Test func badInputsAndRuleBreaksAreInputErrors() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let float = try setup.append(#"{"type":"origin","origin_code":"X","farm_id":"f","crop":"c","area_m2":1.5}"#, expect: 2)
        #expect(float.stderr.contains("fractions"))
        let unknown = try setup.append(#"{"type":"origin","origin_code":"X","farm_id":"f","crop":"c","colour":"red"}"#, expect: 2)
        #expect(unknown.stderr.contains("unknown field \"colour\""))
        let reserved = try setup.append(#"{"type":"origin","seq":5,"origin_code":"X","farm_id":"f","crop":"c"}"#, expect: 2)
        #expect(reserved.stderr.contains("\"seq\""))
        let unregistered = try setup.append(Self.lot("LOT-B"), expect: 2)
        #expect(unregistered.stderr.contains("origin code 'VN-DT-001' is not registered"))
        // A rule's refusal names the input, as a field's does.
        #expect(unregistered.stderr.hasPrefix("agritrace: standard input: entry 0 (lot) rejected: "), "\(unregistered.stderr)")
        #expect(float.stderr.hasPrefix("agritrace: standard input: "), "\(float.stderr)")
        let verified = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--vkey", setup.vkey])
        #expect(verified.status == 0)
        #expect(verified.stdout.contains(" 1 entry, ") && verified.stdout.hasSuffix("INTACT\n"))
    }

    @Test func witnessCosignsOnlyConsistentCheckpoints() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let witnessKey = setup.path("witness.key")
        let witnessVkey = try AgriTraceBinary.run(["keys", "generate", "--name", "witness.example/w1", "--out", witnessKey, "--witness"])
        try witnessVkey.stdout.write(toFile: setup.path("witness.vkey"), atomically: true, encoding: .utf8)
        let witness = ["ledger", "witness", "--ledger", setup.db, "--key", witnessKey, "--log-vkey", setup.vkey, "--state", setup.path("w.state")]
        try setup.append(Self.origin)
        #expect(try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key]).status == 0)
        // Without a state file and without --first-run the witness refuses: a deleted state must
        // not reset it.
        let noState = try AgriTraceBinary.run(witness)
        #expect(noState.status == 2 && noState.stderr.contains("--first-run"), "\(noState.stderr)")
        let first = try AgriTraceBinary.run(witness + ["--first-run"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try AgriTraceBinary.run(witness + ["--first-run"]).status == 2, "a second first run must be refused")
        #expect(first.stdout.contains("\u{2014} witness.example/w1 "))
        try setup.append(Self.lot("LOT-C"))
        #expect(try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key]).status == 0)
        let second = try AgriTraceBinary.run(witness)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("consistent with the previously cosigned size 2"))

        // The buyer can require the witness.
        let proofPath = setup.path("p.tlog-proof")
        #expect(try AgriTraceBinary.run(["ledger", "prove", "--ledger", setup.db, "--entry", "2", "--out", proofPath]).status == 0)
        let cosigned = try AgriTraceBinary.run(["ledger", "verify-proof", proofPath, "--vkey", setup.vkey,
                                                "--witness-vkey", setup.path("witness.vkey"), "--witnesses", "1"])
        #expect(cosigned.status == 0, "\(cosigned.stderr)")
        #expect(cosigned.stdout.contains("cosigned by witness.example/w1"))

        // A forked history: the witness's remembered checkpoint is for a different tree of the same
        // origin and key (another ledger file). It must refuse.
        let fork = setup.path("fork.db")
        #expect(try AgriTraceBinary.run(["ledger", "init", "--ledger", fork, "--key", setup.key]).status == 0)
        let forkOrigin = #"{"type":"origin","origin_code":"VN-DT-999","farm_id":"farm-9","crop":"tomato"}"#
        #expect(try AgriTraceBinary.run(["ledger", "append", "--ledger", fork, "--key", setup.key], stdin: Data("[\(forkOrigin),\(Self.origin)]".utf8)).status == 0)
        #expect(try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", fork, "--key", setup.key]).status == 0)
        let refused = try AgriTraceBinary.run(["ledger", "witness", "--ledger", fork, "--key", witnessKey, "--log-vkey", setup.vkey, "--state", setup.path("w.state")])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("refusing to cosign"))
    }

    /// Only a missing state file can be a first run: a state that cannot be read, is not a note,
    /// or is not this witness's own cosigned checkpoint stops the witness before it cosigns.
    @Test func witnessRefusesUnreadableOrForeignState() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let witnessKey = setup.path("witness.key")
        #expect(try AgriTraceBinary.run(["keys", "generate", "--name", "witness.example/w1", "--out", witnessKey, "--witness"]).status == 0)
        try setup.append(Self.origin)
        #expect(try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key]).status == 0)
        let checkpoints = { try SQLiteShell.query(setup.db, "SELECT COUNT(*) FROM checkpoints").first }
        let before = try checkpoints()

        let directoryState = setup.path("state-dir")
        try FileManager.default.createDirectory(atPath: directoryState, withIntermediateDirectories: true)
        let garbage = setup.path("garbage.state")
        try Data([0xff, 0xfe, 0x00]).write(to: URL(fileURLWithPath: garbage))
        // The log's own signed checkpoint, without the witness's cosignature: not its state.
        let foreign = setup.path("foreign.state")
        let note = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key]).stdout
        try note.write(toFile: foreign, atomically: true, encoding: .utf8)
        let afterCheckpoint = try checkpoints()

        for (state, status) in [(directoryState, Int32(2)), (garbage, 2), (foreign, 2)] {
            let result = try AgriTraceBinary.run(["ledger", "witness", "--ledger", setup.db, "--key", witnessKey,
                                                  "--log-vkey", setup.vkey, "--state", state])
            #expect(result.status == status, "\(state): \(result.stderr)")
            #expect(!result.stdout.contains("\u{2014} witness.example/w1 "), "\(state): cosigned anyway")
            #expect(result.stderr.contains(state), "\(state): the message must name the state file: \(result.stderr)")
        }
        #expect(before == afterCheckpoint, "signing the same tree again stored a copy of its checkpoint")
        #expect(try checkpoints() == afterCheckpoint, "a refused run stored a cosigned checkpoint")
    }

    /// While another run holds the state's lock, a witness run refuses instead of racing it.
    @Test func witnessRefusesWhileAnotherRunHoldsTheState() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let witnessKey = setup.path("witness.key"), state = setup.path("w.state")
        #expect(try AgriTraceBinary.run(["keys", "generate", "--name", "witness.example/w1", "--out", witnessKey, "--witness"]).status == 0)
        #expect(try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key]).status == 0)
        let witness = ["ledger", "witness", "--ledger", setup.db, "--key", witnessKey, "--log-vkey", setup.vkey, "--state", state, "--first-run"]
        let fd = open(state + ".lock", O_RDWR | O_CREAT, 0o600)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let busy = try AgriTraceBinary.run(witness, timeout: 60)
        close(fd)
        #expect(busy.status == 2 && busy.stderr.contains("in use by another witness run"), "\(busy.stdout)\(busy.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state))
        #expect(try AgriTraceBinary.run(witness).status == 0, "the lock is free again")
    }

    /// A witness key must be a cosignature/v1 key and not the log's: otherwise the cooperative's
    /// own checkpoint signature fills the buyer's witness quorum.
    @Test func logKeyCannotStandInForAWitness() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        try setup.append(Self.origin)
        #expect(try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key]).status == 0)
        let proofPath = setup.path("p.tlog-proof")
        #expect(try AgriTraceBinary.run(["ledger", "prove", "--ledger", setup.db, "--entry", "1", "--out", proofPath]).status == 0)
        let asWitness = try AgriTraceBinary.run(["ledger", "verify-proof", proofPath, "--vkey", setup.vkey,
                                                 "--witness-vkey", setup.vkey, "--witnesses", "1"])
        #expect(asWitness.status == 2 && asWitness.stderr.contains("not a witness"), "\(asWitness.stdout)\(asWitness.stderr)")
        // Another plain signing key is no witness either.
        let other = try AgriTraceBinary.run(["keys", "generate", "--name", "coop.example/ledger", "--out", setup.path("other.key")])
        try other.stdout.write(toFile: setup.path("other.vkey"), atomically: true, encoding: .utf8)
        let plain = try AgriTraceBinary.run(["ledger", "verify-proof", proofPath, "--vkey", setup.vkey,
                                             "--witness-vkey", setup.path("other.vkey"), "--witnesses", "1"])
        #expect(plain.status == 2, "\(plain.stdout)\(plain.stderr)")
        // One witness listed twice is one cosignature, not two.
        let witnessKey = setup.path("witness.key")
        let witnessVkey = try AgriTraceBinary.run(["keys", "generate", "--name", "witness.example/w1", "--out", witnessKey, "--witness"])
        try witnessVkey.stdout.write(toFile: setup.path("witness.vkey"), atomically: true, encoding: .utf8)
        #expect(try AgriTraceBinary.run(["ledger", "witness", "--ledger", setup.db, "--key", witnessKey, "--log-vkey", setup.vkey,
                                         "--state", setup.path("w.state"), "--first-run"]).status == 0)
        #expect(try AgriTraceBinary.run(["ledger", "prove", "--ledger", setup.db, "--entry", "1", "--out", proofPath]).status == 0)
        let twice = try AgriTraceBinary.run(["ledger", "verify-proof", proofPath, "--vkey", setup.vkey, "--witness-vkey", setup.path("witness.vkey"),
                                             "--witness-vkey", setup.path("witness.vkey"), "--witnesses", "2"])
        #expect(twice.status == 3, "\(twice.stdout)\(twice.stderr)")
        let once = try AgriTraceBinary.run(["ledger", "verify-proof", proofPath, "--vkey", setup.vkey, "--witness-vkey", setup.path("witness.vkey"), "--witnesses", "1"])
        #expect(once.status == 0, "\(once.stdout)\(once.stderr)")
        // The witness key cannot be given as the log's key.
        let witnessAsLog = try AgriTraceBinary.run(["ledger", "verify-proof", proofPath, "--vkey", setup.path("witness.vkey")])
        #expect(witnessAsLog.status == 2, "\(witnessAsLog.stdout)\(witnessAsLog.stderr)")
    }

    @Test func verifyExitsThreeAndNamesTheEntry() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        try setup.append("[\(Self.origin),\(Self.lot("LOT-D")),\(Self.lot("LOT-E"))]")
        try SQLiteShell.tamper(setup.db, "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), 'LOT-D', 'LOT-X') AS BLOB) WHERE seq = 2;")
        let result = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--vkey", setup.vkey])
        #expect(result.status == 3)
        #expect(result.stdout.contains("TAMPERED: first bad entry: 2"))
        let json = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--json"])
        #expect(json.status == 3)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["first_bad_entry"] as? Int == 2)
        #expect(report?["intact"] as? Bool == false)
    }
}
