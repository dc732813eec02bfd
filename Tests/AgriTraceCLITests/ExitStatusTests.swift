import Foundation
import LedgerStore
import Testing
import TestSupport

/// Every command's exit statuses, run through the binary as a user would. The numbers are the
/// documented convention (README "Exit statuses"): 0 success / VERIFIED / INTACT, 1 finished
/// but needs attention, 2 usage or input error, 3 verification failed, 4 internal or storage failure.
@Suite struct ExitStatusTests {
    struct Row: CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        /// Text that must appear on stderr (or stdout, for verdicts).
        let says: String?
        init(_ arguments: [String], _ status: Int32, says: String? = nil) {
            self.arguments = arguments
            self.status = status
            self.says = says
        }
        var description: String { "agritrace " + arguments.joined(separator: " ") }
    }

    /// A ledger graded from the sample upload, a checkpoint, a label, proofs, a tampered proof
    /// and a tampered copy of the ledger; keys of the cooperative, of a stranger and of a witness.
    struct Setup {
        let workspace: GradeWorkspace
        func path(_ name: String) -> String { workspace.path(name) }
        var ledger: String { workspace.ledger }
        var key: String { workspace.key }
        var model: String { workspace.model }

        init() throws {
            workspace = try GradeWorkspace()
            do {
                let path = workspace.path
                try Self.run(["keys", "generate", "--name", "coop.example/ledger", "--out", path("spare.key")])
                try Self.run(["keys", "generate", "--name", "stranger.example/ledger", "--out", path("stranger.key")])
                let witness = try Self.run(["keys", "generate", "--name", "witness.example/w1", "--out", path("w1.key"), "--witness"])
                try Data(witness.stdout.utf8).write(to: URL(fileURLWithPath: path("w1.vkey")))
                try SigningKeyFile.writeVerifier(try SigningKeyFile.load(workspace.key).verifier, to: path("coop.vkey"))

                let sample = FixtureFiles.url("uploads/sample").path
                // A policy strict enough that the tone model's grading holds lots (for `review`).
                let graded = try workspace.grade(sample, ["--register-origins", "--quiet", "--policy", try workspace.strictPolicy()])
                try #require(graded.status <= 1, "setup: \(graded.stderr)")
                try Self.run(["ledger", "checkpoint", "--ledger", workspace.ledger, "--key", workspace.key])
                try Self.run(["label", "DT-LV-261103-01", "--ledger", workspace.ledger, "--key", workspace.key, "--out", path("labels")])
                try Self.run(["ledger", "prove", "--ledger", workspace.ledger, "--entry", "5", "--out", path("e5.tlog-proof")])
                try Self.tamper(proof: path("e5.tlog-proof"), into: path("e5-tampered.tlog-proof"))
                try Self.tamper(proof: path("labels/DT-LV-261103-01.proof"), into: path("tampered-label.proof"))
                try FileManager.default.copyItem(atPath: workspace.ledger, toPath: path("tampered.db"))
                // An attacker with the database file: the sqlite3 shell, not the ledger's API.
                try SQLiteShell.tamper(path("tampered.db"),
                                       "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), 'DT-LV-261103-01', 'DT-LV-261103-09') AS BLOB) WHERE seq = 5;")
                // A stored entry that no longer decodes: every command reading it must refuse (3).
                try FileManager.default.copyItem(atPath: workspace.ledger, toPath: path("corrupt.db"))
                try SQLiteShell.tamper(path("corrupt.db"), "UPDATE entries SET body = CAST('{\"type\":' AS BLOB) WHERE seq = 5;")
                try Data("not a photo".utf8).write(to: URL(fileURLWithPath: path("broken.jpg")))
            } catch {
                workspace.remove()
                throw error
            }
        }

        @discardableResult
        static func run(_ arguments: [String]) throws -> CommandResult {
            let result = try AgriTraceBinary.run(arguments)
            try #require(result.status == 0, "setup: agritrace \(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }

        /// The proof with one base64 character of its last hash line changed.
        static func tamper(proof: String, into copy: String) throws {
            var lines = try String(contentsOfFile: proof, encoding: .utf8).components(separatedBy: "\n")
            let index = try #require(lines.lastIndex { $0.count == 44 && $0.hasSuffix("=") })
            var characters = Array(lines[index])
            characters[0] = characters[0] == "A" ? "B" : "A"
            lines[index] = String(characters)
            try lines.joined(separator: "\n").write(toFile: copy, atomically: true, encoding: .utf8)
        }
    }

    @Test func everyCommandExitsWithTheDocumentedStatus() throws {
        let s = try Setup()
        defer { s.workspace.remove() }
        let sample = FixtureFiles.url("uploads/sample").path
        let photo = FixtureFiles.url("images/photo.jpg").path
        // A path whose parent is a regular file: no one, not even root, can write there.
        let unwritable = s.path("coop.vkey") + "/out"
        // Proof files that are not proofs: verifying them answers "not proven" (3), like a tampered one.
        try Data([0xff, 0xfe, 0x41, 0x0a]).write(to: URL(fileURLWithPath: s.path("latin1.proof")))
        try Data().write(to: URL(fileURLWithPath: s.path("empty.proof")))
        let bundle = try String(contentsOfFile: s.path("labels/DT-LV-261103-01.proof"), encoding: .utf8)
        try bundle.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: s.path("crlf.proof"), atomically: true, encoding: .utf8)
        try "fresh\nrotten\n".write(toFile: s.path("two-labels.txt"), atomically: true, encoding: .utf8)
        let rows: [Row] = [
            Row(["--version"], 0),
            Row(["no-such-command"], 2),
            Row(["grade", "--version"], 2),

            Row(["keys", "generate", "--name", "x.example/l", "--out", s.path("new.key")], 0),
            Row(["keys", "generate", "--name", "x.example/l", "--out", s.path("new.key")], 2, says: "new.key"),
            Row(["keys", "generate", "--name", "bad name", "--out", s.path("new2.key")], 2),

            Row(["ledger", "init", "--ledger", s.path("fresh.db"), "--key", s.key], 0),
            Row(["ledger", "init", "--ledger", s.path("fresh.db"), "--key", s.key], 2, says: "fresh.db"),
            Row(["ledger", "init", "--ledger", s.path("other.db"), "--key", s.path("nope.key")], 2, says: "nope.key: not found"),
            Row(["ledger", "init", "--ledger", s.path("other.db"), "--key", s.path("w1.key")], 2, says: "witness key"),
            Row(["ledger", "append", "--ledger", s.ledger, "--key", s.key, "--file", s.path("nope.json")], 2, says: "nope.json: not found"),
            Row(["ledger", "append", "--ledger", s.ledger, "--key", s.path("stranger.key"), "--file", s.path("broken.jpg")], 2,
                says: "not an active signer"),
            Row(["ledger", "append", "--ledger", s.ledger, "--key", s.key, "--file", s.path("broken.jpg")], 2, says: "broken.jpg"),
            Row(["ledger", "checkpoint", "--ledger", s.ledger, "--key", s.key], 0),
            Row(["ledger", "checkpoint", "--ledger", s.ledger, "--key", s.path("stranger.key")], 2, says: "not an active signer"),
            Row(["ledger", "checkpoint", "--ledger", s.ledger, "--key", s.path("w1.key")], 2, says: "witness key"),
            Row(["ledger", "checkpoint", "--ledger", s.path("nope.db"), "--key", s.key], 2, says: "nope.db: not found"),
            Row(["ledger", "prove", "--ledger", s.ledger, "--entry", "5"], 0),
            Row(["ledger", "prove", "--ledger", s.ledger, "--entry", "999"], 2, says: "999"),
            Row(["ledger", "prove", "--ledger", s.ledger, "--entry", "5", "--out", unwritable], 2, says: unwritable),
            Row(["ledger", "verify", "--ledger", s.ledger, "--vkey", s.path("coop.vkey")], 0, says: "INTACT"),
            Row(["ledger", "verify", "--ledger", s.path("tampered.db")], 3, says: "TAMPERED"),
            // An altered ledger is refused by every command that reads it (their help lists 3).
            Row(["ledger", "prove", "--ledger", s.path("corrupt.db"), "--entry", "5"], 3),
            Row(["grade", sample, "--ledger", s.path("corrupt.db"), "--key", s.key, "--model", s.model, "--quiet"], 3),
            Row(["label", "DT-LV-261103-01", "--ledger", s.path("corrupt.db"), "--key", s.key, "--out", s.path("labels4")], 3),
            Row(["ledger", "prove", "--ledger", s.ledger, "--consistency", "2", "1"], 2, says: "OLD"),
            Row(["ledger", "prove", "--ledger", s.ledger, "--entry", "9999"], 2, says: "does not exist"),
            Row(["label", "DT-LV-261103-01", "--ledger", s.ledger, "--key", s.key, "--out", s.path("broken.jpg")], 2,
                says: "\(s.path("broken.jpg")) is a file, not a folder"),
            Row(["grade", sample, "--ledger", s.ledger, "--key", s.path("coop.vkey")], 2, says: "public (verifier) key"),
            Row(["export", "epcis", "--ledger", s.ledger, "--since", "2026-13-01", "--out", s.path("events2.jsonld")], 2, says: "2026-13-01"),
            Row(["export", "epcis", "--ledger", s.ledger, "--since", "2026-02-30", "--out", s.path("events2.jsonld")], 2, says: "2026-02-30"),
            Row(["ledger", "verify", "--ledger", s.ledger, "--witness-state", s.path("nope.state")], 2,
                says: "witness state file \(s.path("nope.state")): not found"),
            Row(["audit", "--ledger", s.ledger, "--witness-state", s.path("nope.state"), "--out", s.path("report2.html")], 2,
                says: "witness state file \(s.path("nope.state")): not found"),
            Row(["ledger", "verify", "--ledger", s.path("nope.db")], 2, says: "nope.db: not found"),
            Row(["ledger", "verify", "--ledger", s.ledger, "--vkey", s.path("nope.vkey")], 2, says: "nope.vkey: not found"),
            Row(["ledger", "verify-proof", s.path("e5.tlog-proof"), "--vkey", s.path("coop.vkey")], 0, says: "VALID"),
            Row(["ledger", "verify-proof", s.path("e5-tampered.tlog-proof"), "--vkey", s.path("coop.vkey")], 3),
            Row(["ledger", "verify-proof", s.path("nope.tlog-proof"), "--vkey", s.path("coop.vkey")], 2, says: "nope.tlog-proof: not found"),
            Row(["ledger", "witness", "--ledger", s.ledger, "--key", s.key, "--log-vkey", s.path("coop.vkey"),
                 "--state", s.path("w1.state")], 2, says: "not a witness key"),

            // Already recorded, and lots of it are still held for review: as on the first run.
            Row(["grade", sample, "--ledger", s.ledger, "--key", s.key, "--model", s.model, "--quiet"], 1),
            Row(["review", "--ledger", s.ledger], 1, says: "HELD FOR REVIEW"),
            Row(["review", "--ledger", s.path("corrupt.db")], 3),
            Row(["review", "NO-SUCH-LOT", "--accept", "--reviewer", "Nam", "--ledger", s.ledger, "--key", s.key], 1, says: "no lot \"NO-SUCH-LOT\""),
            Row(["review", "DT-LV-261103-02", "--grade", "Compost", "--reason", "x", "--reviewer", "Nam", "--ledger", s.ledger, "--key", s.key], 2,
                says: "not one of the grading policy's grades"),
            Row(["review", "DT-LV-261103-02", "--accept", "--ledger", s.ledger], 2, says: "needs --key"),
            Row(["review", "DT-LV-261103-02", "--accept", "--reviewer", "Nam", "--ledger", s.path("nope.db"), "--key", s.key], 2, says: "nope.db: not found"),
            Row(["grade", FixtureFiles.url("uploads/zip-slip.zip").path, "--ledger", s.ledger, "--key", s.key, "--model", s.model], 2),
            Row(["grade", s.path("nope.zip"), "--ledger", s.ledger, "--key", s.key], 2, says: "nope.zip: not found"),
            Row(["grade", sample, "--ledger", s.path("nope.db"), "--key", s.key], 2, says: "nope.db: not found"),
            Row(["grade", sample, "--ledger", s.ledger, "--key", s.path("nope.key")], 2, says: "nope.key: not found"),
            Row(["grade", sample, "--ledger", s.ledger, "--key", s.key, "--model", s.path("nope.agmodel")], 2, says: "nope.agmodel: not found"),
            Row(["grade", sample, "--ledger", s.ledger, "--key", s.key, "--policy", s.path("nope.json")], 2, says: "nope.json: not found"),
            Row(["grade", sample, "--ledger", s.ledger, "--key", s.path("stranger.key")], 2, says: "not an active signer"),
            Row(["grade", sample, "--ledger", s.ledger, "--key", s.path("w1.key")], 2, says: "witness key"),
            Row(["grade", sample, "--ledger", s.ledger, "--key", s.key, "--jobs", "0"], 2),
            Row(["grade", sample, "--ledger", s.ledger, "--key", s.key, "--results", s.path("nodir/r.jsonl")], 2,
                says: "the folder \(s.path("nodir")) does not exist"),

            Row(["label", "DT-LV-261103-01", "--ledger", s.ledger, "--key", s.key, "--out", s.path("labels2")], 0),
            Row(["label", "DT-LV-261103-01", "--ledger", s.ledger, "--key", s.key, "--out", s.path("labels2")], 2, says: "--replace"),
            Row(["label", "DT-LV-261103-01", "--ledger", s.ledger, "--out", s.path("labels3")], 2, says: "--key"),
            Row(["label", "NOPE", "--ledger", s.ledger, "--key", s.key, "--out", s.path("labels3")], 1, says: "NOPE"),
            Row(["label", "DT-LV-261103-01", "--ledger", s.path("nope.db"), "--key", s.key, "--out", s.path("labels3")], 2, says: "nope.db: not found"),
            Row(["label", "DT-LV-261103-01", "--ledger", s.ledger, "--key", s.path("stranger.key"), "--out", s.path("labels3")], 2,
                says: "not an active signer"),
            Row(["verify-label", s.path("labels/DT-LV-261103-01.proof"), "--vkey", s.path("coop.vkey")], 0, says: "VERIFIED"),
            Row(["verify-label", s.path("tampered-label.proof"), "--vkey", s.path("coop.vkey")], 3, says: "NOT VERIFIED"),
            Row(["verify-label", s.path("lost.proof"), "--vkey", s.path("coop.vkey")], 2, says: "lost.proof: not found"),
            Row(["verify-label", s.path("latin1.proof"), "--vkey", s.path("coop.vkey")], 3, says: "NOT VERIFIED"),
            Row(["verify-label", s.path("empty.proof"), "--vkey", s.path("coop.vkey")], 3, says: "NOT VERIFIED"),
            Row(["verify-label", s.path("crlf.proof"), "--vkey", s.path("coop.vkey")], 3, says: "Windows (CRLF) line ends"),
            Row(["verify-label", s.path("labels"), "--vkey", s.path("coop.vkey")], 2, says: "cannot read"),
            Row(["ledger", "verify-proof", s.path("latin1.proof"), "--vkey", s.path("coop.vkey")], 3, says: "INVALID"),
            Row(["ledger", "verify-proof", s.path("empty.proof"), "--vkey", s.path("coop.vkey")], 3, says: "INVALID"),
            Row(["ledger", "verify-proof", s.path("broken.jpg"), "--vkey", s.path("coop.vkey")], 3, says: "INVALID"),
            Row(["ledger", "verify-proof", s.path("labels"), "--vkey", s.path("coop.vkey")], 2, says: "cannot read"),
            Row(["verify-label", s.path("e5.tlog-proof"), "--vkey", s.path("coop.vkey")], 3, says: "old single-entry proof"),
            Row(["verify-label", s.path("labels/DT-LV-261103-01.proof"), s.path("e5.tlog-proof"), "--vkey", s.path("coop.vkey")], 2,
                says: "one proof bundle"),
            Row(["verify-label", s.path("labels/DT-LV-261103-01.proof"), "--vkey", s.path("nope.vkey")], 2, says: "nope.vkey: not found"),
            Row(["trace", "DT-LV-261103-01", "--ledger", s.ledger], 0),
            Row(["trace", "DT-XX-000000-00", "--ledger", s.ledger], 1, says: "DT-XX-000000-00"),
            Row(["trace", "DT-LV-261103-01", "--ledger", s.path("nope.db")], 2, says: "nope.db: not found"),
            Row(["export", "epcis", "--ledger", s.ledger, "--out", s.path("events.jsonld")], 0),
            Row(["export", "epcis", "--ledger", s.ledger, "--lot", "NOPE", "--out", s.path("events.jsonld")], 1, says: "NOPE"),
            Row(["export", "epcis", "--ledger", s.ledger, "--out", unwritable], 2, says: unwritable),
            Row(["audit", "--ledger", s.ledger, "--vkey", s.path("coop.vkey"), "--out", s.path("report.html")], 0),
            Row(["audit", "--ledger", s.path("tampered.db"), "--out", s.path("report.html")], 3),
            Row(["audit", "--ledger", s.ledger, "--out", unwritable], 2, says: unwritable),

            Row(["inspect", photo], 0),
            Row(["inspect", photo, s.path("broken.jpg")], 1),
            Row(["inspect", s.path("nope.jpg")], 1, says: "nope.jpg: error: not found"),
            Row(["classify", photo, "--model", s.model], 0),
            Row(["classify", photo, s.path("broken.jpg"), "--model", s.model], 1),
            Row(["classify", s.path("nope.jpg"), "--model", s.model], 1, says: "\(s.path("nope.jpg")): error: not found\n"),
            Row(["classify", photo, "--model", s.path("nope.agmodel")], 2, says: "nope.agmodel: not found"),
            Row(["classify", photo, "--model", s.path("broken.jpg")], 2, says: "broken.jpg"),
            Row(["model", "info", s.model], 0),
            Row(["model", "info", s.path("nope.agmodel")], 2, says: "nope.agmodel: not found"),
            Row(["model", "run", s.model, "--input", s.path("broken.jpg"), "--output", s.path("out.f32")], 2, says: "broken.jpg"),
            Row(["model", "run", s.model, "--input", s.path("nope.f32"), "--output", s.path("out.f32")], 2, says: "nope.f32: not found"),
            Row(["model", "bench", s.path("nope.agmodel")], 2, says: "nope.agmodel: not found"),
            Row(["model", "import", s.path("nope.onnx"), "--labels", s.path("labels.txt"), "--out", s.path("x.agmodel")], 2,
                says: "nope.onnx: not found"),
            // A folder where a file belongs is named as such, whatever the option.
            Row(["inspect", s.path("labels")], 1, says: "is a directory, not a file"),
            Row(["classify", photo, "--model", s.path("labels")], 2, says: "is a directory, not a file"),
            Row(["model", "info", s.path("labels")], 2, says: "is a directory, not a file"),
            Row(["model", "import", s.path("labels"), "--labels", s.path("two-labels.txt"), "--out", s.path("x.agmodel")], 2,
                says: "is a directory, not a file"),
            Row(["grade", sample, "--ledger", s.ledger, "--key", s.path("labels")], 2, says: "labels: is a directory, not a file"),
            Row(["ledger", "checkpoint", "--ledger", s.ledger, "--key", s.path("labels")], 2, says: "labels: is a directory, not a file"),
            Row(["ledger", "verify", "--ledger", s.ledger, "--vkey", s.path("labels")], 2, says: "labels: is a directory, not a file"),
            Row(["verify-label", s.path("labels/DT-LV-261103-01.proof"), "--vkey", s.path("labels")], 2, says: "is a directory, not a file"),
            Row(["ledger", "verify", "--ledger", s.path("labels")], 2, says: "labels is not an AgriTrace ledger: is a directory, not a file"),
            Row(["audit", "--ledger", s.ledger, "--out", s.path("labels")], 2, says: "labels: is a directory, not a file"),
            Row(["verify-label", "/dev/zero", "--vkey", s.path("coop.vkey")], 2, says: "/dev/zero: cannot read: not a regular file"),
            // An output that is a device is written to, never replaced by a file (checked after the loop).
            Row(["audit", "--ledger", s.ledger, "--out", "/dev/null"], 0),
            Row(["export", "epcis", "--ledger", s.ledger, "--out", "/dev/null"], 0),
            Row(["trace", "DT-LV-261103-01", "--ledger", "/dev/zero"], 2, says: "not a regular file"),
            Row(["train", s.path("nope-photos"), "--out", s.path("x.agmodel")], 2, says: "nope-photos: not found"),
            Row(["eval", s.path("nope-photos"), "--model", s.model], 2, says: "nope-photos: not found"),
        ]
        for row in rows {
            let result = try AgriTraceBinary.run(row.arguments)
            #expect(result.status == row.status, "\(row): exit \(result.status), stderr: \(result.stderr)")
            if let says = row.says {
                #expect(result.stderr.contains(says) || result.stdout.contains(says), "\(row) should say \(says): \(result.stderr)")
            }
            // Raw platform error text is not for people (e.g. "The operation could not be completed. (NSCocoaErrorDomain error 256.)").
            // Every key here is private to its owner, so no row may advise chmod either.
            for raw in ["NSCocoaErrorDomain", "NSPOSIXErrorDomain", "errno", "chmod", "The operation could not be completed"] {
                #expect(!result.stderr.contains(raw), "\(row) prints raw \(raw): \(result.stderr)")
            }
        }
        var null = stat()
        #expect(stat("/dev/null", &null) == 0 && null.st_mode & S_IFMT == S_IFCHR, "/dev/null was replaced by a file")
    }

    /// Keys may come through pipes (`--key <(...)` keeps a key off the disk), but a fifo that nobody
    /// writes to is an empty key file, said at once: opening it used to block for ever.
    @Test func keysThroughPipes() throws {
        let s = try Setup()
        defer { s.workspace.remove() }
        let fifo = s.path("nobody-writes")
        try #require(mkfifo(fifo, 0o600) == 0)
        let rows: [[String]] = [
            ["ledger", "verify", "--ledger", s.ledger, "--vkey", fifo],
            ["ledger", "checkpoint", "--ledger", s.ledger, "--key", fifo],
            ["ledger", "witness", "--ledger", s.ledger, "--key", fifo, "--log-vkey", s.path("coop.vkey"), "--state", s.path("w.state"), "--first-run"],
            ["ledger", "checkpoint", "--ledger", s.ledger, "--key", s.key, "--witness", "http://127.0.0.1:9/", "--witness-vkey", fifo],
        ]
        for arguments in rows {
            let result = try AgriTraceBinary.run(arguments, timeout: 60)
            #expect(!result.timedOut, "\(arguments) hung on a fifo nobody writes to")
            #expect(result.status == 2 && result.stderr.contains("\(fifo): the file is empty"), "\(arguments): \(result.status) \(result.stderr)")
        }
        // A pipe that carries the key, as bash's process substitution gives it, is read once and used.
        let viaPipes = try AgriTraceBinary.run(["-c", #"exec "$0" ledger checkpoint --ledger "$1" --key <(cat "$2") && exec "$0" ledger verify --ledger "$1" --vkey <(cat "$3")"#,
                                                AgriTraceBinary.url.path, s.ledger, s.key, s.path("coop.vkey")],
                                               timeout: 120, executable: "/bin/bash")
        #expect(viaPipes.status == 0, "\(viaPipes.stderr)")
    }

    /// An output option never replaces the ledger, a private key or one of the command's inputs,
    /// whatever the spelling (a symlink, a copy of a ledger elsewhere): status 2, the file untouched.
    @Test func outputsNeverReplaceLedgersKeysOrInputs() throws {
        let s = try Setup()
        defer { s.workspace.remove() }
        // The upload as a copy, so a manifest that got replaced would show.
        let upload = s.path("upload")
        try FileManager.default.copyItem(atPath: FixtureFiles.url("uploads/sample").path, toPath: upload)
        try FileManager.default.copyItem(atPath: s.ledger, toPath: s.path("other-ledger.db"))
        try FileManager.default.createSymbolicLink(atPath: s.path("link.db"), withDestinationPath: s.ledger)
        let protected = [s.ledger, s.key, s.path("spare.key"), s.path("coop.vkey"), s.path("other-ledger.db"), upload + "/manifest.csv"]
        func digests() throws -> [String: Data] {
            try Dictionary(uniqueKeysWithValues: protected.map { ($0, try Data(contentsOf: URL(fileURLWithPath: $0))) })
        }
        let before = try digests()
        let rows: [([String], String)] = [
            (["grade", upload, "--ledger", s.ledger, "--key", s.key, "--model", s.model, "--results", s.ledger], "is one of this command's inputs"),
            (["grade", upload, "--ledger", s.ledger, "--key", s.key, "--model", s.model, "--results", s.key], "is one of this command's inputs"),
            (["grade", upload, "--ledger", s.ledger, "--key", s.key, "--model", s.model, "--results", upload + "/manifest.csv"], "is one of this command's inputs"),
            (["grade", upload, "--ledger", s.ledger, "--key", s.key, "--model", s.model, "--results", s.path("spare.key")], "is a private key file"),
            (["audit", "--ledger", s.ledger, "--out", s.path("link.db")], "is one of this command's inputs"),
            (["audit", "--ledger", s.ledger, "--vkey", s.path("coop.vkey"), "--out", s.path("coop.vkey")], "is one of this command's inputs"),
            (["audit", "--ledger", s.ledger, "--out", s.path("other-ledger.db")], "is a database"),
            (["audit", "--ledger", s.ledger, "--out", s.path("spare.key")], "is a private key file"),
            (["export", "epcis", "--ledger", s.ledger, "--out", s.ledger], "is one of this command's inputs"),
            (["ledger", "prove", "--ledger", s.ledger, "--entry", "1", "--out", s.ledger], "is one of this command's inputs"),
            (["ledger", "prove", "--ledger", s.ledger, "--entry", "1", "--out", s.path("spare.key")], "is a private key file"),
        ]
        for (arguments, says) in rows {
            let result = try AgriTraceBinary.run(arguments)
            #expect(result.status == 2 && result.stderr.contains(says), "\(arguments): \(result.status) \(result.stderr)")
        }
        #expect(try digests() == before, "an output replaced a ledger, key or input")
        // An earlier output of the same kind is replaced as before.
        for _ in 0..<2 {
            let again = try AgriTraceBinary.run(["audit", "--ledger", s.ledger, "--out", s.path("report.html")])
            #expect(again.status == 0, "\(again.stderr)")
        }
        let vietnamese = try AgriTraceBinary.run(["--lang", "vi", "audit", "--ledger", s.ledger, "--out", s.key])
        #expect(vietnamese.status == 2 && vietnamese.stderr.contains("là tệp khóa bí mật"), "\(vietnamese.stderr)")
    }

    /// A write that fails part-way (a file size limit here; a full disk fails the same way) leaves
    /// no truncated file and no temporary file, says why in the user's language and exits 4; for a
    /// label, neither its picture nor its proof is left alone. Outputs to other commands alike.
    @Test func failedWritesLeaveNothingBehind() throws {
        let s = try Setup()
        defer { s.workspace.remove() }
        let out = s.path("limited")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // `ulimit -f` counts KiB. 48 KiB leaves room for the ledger's 32 KiB shared-memory file
        // (label opens the ledger for writing) but not for a label's picture (about 68 KiB);
        // 4 KiB is less than the audit report.
        let rows: [(String, [String], String)] = [
            ("48", ["en", "label", "DT-LV-261103-01", "--ledger", s.ledger, "--key", s.key, "--out", out], "exceed the size limit"),
            ("48", ["vi", "label", "DT-LV-261103-01", "--ledger", s.ledger, "--key", s.key, "--out", out], "vượt quá giới hạn kích thước"),
            ("4", ["en", "audit", "--ledger", s.ledger, "--out", out + "/audit.html"], "exceed the size limit"),
        ]
        for (limit, arguments, says) in rows {
            let result = try AgriTraceBinary.run(["-c", #"ulimit -f "$1" && exec "$0" --lang "${@:2}""#, AgriTraceBinary.url.path, limit] + arguments,
                                                 timeout: 120, executable: "/bin/bash")
            #expect(result.status == 4 && result.stderr.contains(says), "\(arguments): \(result.status) \(result.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: out) == [], "\(arguments) left files behind")
        }
        // Too small even for the ledger's shared-memory file: a storage failure (4) naming the
        // ledger, not "not an AgriTrace ledger" (the file is a fine ledger).
        let cramped = try AgriTraceBinary.run(["-c", #"ulimit -f 4 && exec "$0" "$@""#, AgriTraceBinary.url.path,
                                               "label", "DT-LV-261103-01", "--ledger", s.ledger, "--key", s.key, "--out", out],
                                              timeout: 120, executable: "/bin/bash")
        #expect(cramped.status == 4 && cramped.stderr.contains(s.ledger) && !cramped.stderr.contains("not an AgriTrace ledger"), "\(cramped.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == [])
        // Without the limit the same label is written whole.
        let label = try AgriTraceBinary.run(["label", "DT-LV-261103-01", "--ledger", s.ledger, "--key", s.key, "--out", out])
        #expect(label.status == 0, "\(label.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["DT-LV-261103-01.png", "DT-LV-261103-01.proof"])
    }

    /// `ledger verify --json` gives a script a verdict for every ledger it could open, however
    /// damaged: altered entries, pages overwritten, the file cut short. Status 3, intact false.
    @Test func verifyJSONHasAVerdictForEveryDamagedLedger() throws {
        let s = try Setup()
        defer { s.workspace.remove() }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: s.ledger))
        var overwritten = bytes
        overwritten.replaceSubrange(4096..<min(bytes.count, 4096 * 4), with: Data(repeating: 0x55, count: min(bytes.count, 4096 * 4) - 4096))
        try overwritten.write(to: URL(fileURLWithPath: s.path("overwritten.db")))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: s.path("cut.db")))
        // Pages in the middle overwritten: SQLite opens the file and finds the damage while reading.
        var middle = bytes
        var generator = SeededGenerator(seed: 11)
        let start = (bytes.count / 2) / 4096 * 4096
        middle.replaceSubrange(start..<min(bytes.count, start + 4096), with: (0..<min(4096, bytes.count - start)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try middle.write(to: URL(fileURLWithPath: s.path("middle.db")))
        for damaged in ["corrupt.db", "tampered.db", "overwritten.db", "cut.db", "middle.db"] {
            let result = try AgriTraceBinary.run(["ledger", "verify", "--ledger", s.path(damaged), "--json"])
            let verdict = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(result.status == 3, "\(damaged): \(result.status) \(result.stderr)")
            #expect(verdict?["intact"] as? Bool == false && ["tampered", "damaged"].contains(verdict?["verdict"] as? String),
                    "\(damaged): stdout \(result.stdout) stderr \(result.stderr)")
            // Every reader gives the same verdict (3), not a storage failure (4).
            for reader in [["trace", "DT-LV-261103-01"], ["audit", "--out", s.path("\(damaged).html")], ["export", "epcis", "--out", s.path("\(damaged).jsonld")]] {
                let read = try AgriTraceBinary.run(reader + ["--ledger", s.path(damaged)])
                #expect(read.status == 3, "\(damaged) \(reader[0]): \(read.status) \(read.stderr)")
            }
        }
    }

    /// A command refusing an altered ledger points to `ledger verify` once, not once per layer.
    @Test func anAlteredLedgerPointsToLedgerVerifyOnce() throws {
        let s = try Setup()
        defer { s.workspace.remove() }
        for lot in ["DT-LV-261103-01", "VN-DTOR-0141"] {
            let result = try AgriTraceBinary.run(["trace", lot, "--ledger", s.path("corrupt.db")])
            #expect(result.status == 3, "\(lot): \(result.stderr)")
            #expect(result.stderr.components(separatedBy: "ledger verify").count == 2, "\(lot): \(result.stderr)")
        }
    }

    /// A key that cannot sign the ledger costs nothing: refused before the upload is even read.
    @Test func aWrongKeyIsRefusedBeforeAnyPhotoIsGraded() throws {
        let s = try Setup()
        defer { s.workspace.remove() }
        let before = try s.workspace.openLedger().size()
        for key in ["stranger.key", "w1.key"] {
            let result = try AgriTraceBinary.run(["grade", FixtureFiles.url("uploads/sample").path, "--ledger", s.ledger,
                                                  "--key", s.path(key), "--model", s.model, "--results", s.path("r.jsonl")])
            #expect(result.status == 2, "\(key): \(result.stderr)")
            #expect(result.stdout.isEmpty && !result.stderr.contains("photos"), "\(key): grading started: \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: s.path("r.jsonl")), "\(key): a results file was started")
        }
        #expect(try s.workspace.openLedger().size() == before)
    }
}
