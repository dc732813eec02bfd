import ArgumentParser
import Foundation
import LedgerStore
import Localization
import MerkleLog
import Province
import Traceability

extension LedgerCommand {
    struct Verify: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: tr("Audit a whole ledger; names the first bad entry and the failed check (exit 3)."),
            discussion: tr("Checks every entry's canonical bytes, seq contiguity, the prev chain, stored leaf and tree hashes, signatures under the key active at that point, timestamps, domain rules, and every stored checkpoint (signature, root, pairwise consistency, equivocation), and every stored lot statement (signed under a stored checkpoint, listing exactly the lot's entries). With --vkey, the ledger's first key and the checkpoint signers must be among the given keys; without, the ledger's own key entries are trusted.")
                + "\n\n" + tr("A ledger alone cannot show that its newest entries were deleted together with their checkpoints (a rollback). Give a checkpoint saved earlier (--checkpoint, e.g. from a label's .proof, a .tlog-proof or `ledger checkpoint` output), a witness's state file (--witness-state) or a province that follows the cooperative (--province with --cooperative): the ledger must still contain and extend it, checked with a consistency proof. Checks with nothing to check say \"none\", never PASS.")
                + "\n\n" + ExitStatus.help(success: tr("INTACT", context: "verdict"), verificationFailed: tr("TAMPERED (the first bad entry is named), or NOT SIGNED BY THE GIVEN KEY (the ledger holds together under another key: --vkey is not this ledger's key)"))
                + "\n\n" + tr("Example:") + """

                  agritrace ledger verify --ledger coop.db --vkey coop.vkey
                  agritrace ledger verify --ledger coop.db --vkey coop.vkey --witness-state w1.state
                  agritrace ledger verify --ledger coop.db --vkey coop.vkey --province http://province.example:8090 --cooperative HTX-A
                """) }

        @OptionGroup var path: LedgerPathOption

        @Option(help: ArgumentHelp(tr("Trusted verifier key file of the cooperative (repeatable).")))
        var vkey: [String] = []

        @Option(help: ArgumentHelp(tr("A signed checkpoint note saved earlier, or its http(s) address; the ledger must still extend it (repeatable).")))
        var checkpoint: [String] = []

        @Option(name: .customLong("witness-state"), help: ArgumentHelp(tr("A witness's state file (its last cosigned checkpoint); the ledger must extend it (repeatable).")))
        var witnessState: [String] = []

        @OptionGroup var province: ProvinceCheckpointOptions

        @Flag(help: ArgumentHelp(tr("Print the report as JSON.")))
        var json = false

        func run() throws {
            let keys = try vkey.map { try KeyFiles.verifier($0) }
            let fromProvince = try province.checkpoints()
            let outside = try checkpoint.map { try Self.loadCheckpoint($0) } + fromProvince
                + witnessState.map { try Self.loadCheckpoint($0, tr("witness state file", context: "file kind")) }
            let report: VerificationReport
            do {
                let ledger = try LedgerCommand.openLedger(path.ledger, readOnly: true)
                try province.requireSameLog(fromProvince, ledgerOrigin: ledger.origin)
                report = try ledger.verify(trustedKeys: keys, outside: outside, statements: LotStatements.Rules())
            } catch where json && ExitStatus(for: error) == .verificationFailed {
                // A file too damaged to check still gets a verdict a script can read.
                FileHandleOutput.standardOutput.write(Self.damagedJSON(path: path.ledger, error))
                throw error
            }
            FileHandleOutput.standardOutput.write(json ? Self.json(report) : Self.text(report))
            if !report.isIntact { throw ExitStatus.verificationFailed }
        }

        static func text(_ report: VerificationReport) -> String {
            // The root in base64, as checkpoints print it, so the two can be compared by eye.
            var lines = [tr("ledger {file}: {entries}, {checkpoints}, root {root}", [
                "file": .text(report.path), "entries": .message(Message("{n} entry", plural: "{n} entries", count: report.entriesChecked)),
                "checkpoints": .message(Message("{n} checkpoint", plural: "{n} checkpoints", count: report.checkpointsChecked)),
                "root": .text(report.root.base64)])]
            lines.append(report.keysPinned ? tr("keys: checked against the given verifier keys")
                         : tr("keys: NOT pinned (no --vkey); the ledger's own key entries were trusted"))
            let localizer = Localizer.current
            for (check, status) in report.checkStatuses {
                switch status {
                case .passed: lines.append(tr("PASS", context: "check result") + " " + localizer(check.title))
                case .failed: lines.append(tr("FAIL", context: "check result") + " " + localizer(check.title))
                case .notChecked(let why):
                    // Its own sentence: in Vietnamese a bare "none" word ("không có") read like a failure.
                    lines.append(tr("none {check} ({reason})", context: "check result",
                                    ["check": .message(check.title), "reason": .message(VerificationReport.Check.notCheckedReason(why))]))
                }
            }
            let presentation = TraceabilitySupport.presentation
            switch report.verdict {
            case .intact:
                lines.append(tr("INTACT", context: "verdict"))
            case .notSignedByGivenKeys:
                lines.append(notSignedLine(report))
            case .tampered:
                let tampering = report.tamperingFailures
                let first = tampering[0]
                let subject = report.firstBadEntry.map { tr("first bad entry: {seq}", ["seq": .text(String($0))]) } ?? tr("first problem")
                lines.append(tr("TAMPERED: {subject} ({check}): {reason}", ["subject": .text(subject), "check": .message(first.check.title),
                                                                         "reason": .message(first.message)]))
                for failure in tampering.dropFirst().prefix(20) {
                    lines.append("  " + tr("also: {failure}", ["failure": .text(failure.rendered(presentation))]))
                }
                // Edited and checked with a key that is not the ledger's: say both, separately.
                if report.hasKeyMismatch { lines.append("  " + tr("also: {failure}", ["failure": .text(notSignedLine(report))])) }
            }
            return lines.joined(separator: "\n") + "\n"
        }

        /// The verdict when the ledger holds together but not under the given keys: not evidence
        /// of editing, so it must not read as TAMPERED.
        static func notSignedLine(_ report: VerificationReport) -> String {
            tr("NOT SIGNED BY THE GIVEN KEY: the entries and checkpoints are consistent, but the ledger's first key is {key}, which is not among the --vkey keys; check that you were given this cooperative's verifier key",
               ["key": .text(report.firstKey ?? "?")])
        }

        /// A checkpoint kept outside the ledger, from a file or an http(s) address (a province's evidence,
        /// the cooperative's published `/checkpoint`); the file or address is named in every error.
        static func loadCheckpoint(_ path: String, _ what: String = tr("checkpoint file", context: "file kind")) throws -> OutsideCheckpoint {
            let limit = max(SignedNote.maxBytes, TlogProof.maxBytes, LabelBundle.maxBytes)
            let data: Data
            if let url = remoteAddress(path) {
                do {
                    data = Data(try runBlocking { try await BoundedGet.body(of: url, limit: limit, timeout: .seconds(checkpointFetchSeconds)) })
                } catch {
                    throw CommandFailure(.usageError, tr("{what} {file}: {reason}", ["what": .text(what), "file": .text(path), "reason": .text(render(error))]))
                }
            } else {
                data = try InputFile.read(path, what)
            }
            guard data.count <= limit, let text = String(data: data, encoding: .utf8) else {
                throw CommandFailure(.usageError, tr("{what} {file}: not UTF-8 text of at most {size} bytes",
                                                     ["what": .text(what), "file": .text(path), "size": .integer(limit)]))
            }
            do {
                // A buyer's proof file carries the checkpoint it was made against; use that one.
                let note: String
                if text.hasPrefix(TlogProof.header + "\n") {
                    note = try TlogProof(parsing: text).signedCheckpoint
                } else if text.hasPrefix(LabelBundle.header + "\n") {
                    note = try LabelBundle(parsing: text).signedCheckpoint
                } else {
                    note = text
                }
                return try OutsideCheckpoint(source: path, signedNote: note)
            } catch {
                throw CommandFailure(.usageError, tr("{what} {file}: not a signed checkpoint, tlog-proof or label proof: {reason}",
                                                     ["what": .text(what), "file": .text(path), "reason": .text(render(error))]))
            }
        }

        /// How long fetching one checkpoint may take, connecting included.
        static let checkpointFetchSeconds: Int64 = 30

        /// `path` as an http or https address, or nil for a file name.
        static func remoteAddress(_ path: String) -> URL? {
            let lowered = path.lowercased()
            guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else { return nil }
            return URL(string: path)
        }

        static func verdictCode(_ verdict: VerificationReport.Verdict) -> String {
            switch verdict {
            case .intact: "intact"
            case .notSignedByGivenKeys: "not-signed-by-given-keys"
            case .tampered: "tampered"
            }
        }

        static func damagedJSON(path: String, _ error: any Error) -> String {
            let object: [String: JSONValue] = ["path": .string(path), "intact": .bool(false), "verdict": "damaged",
                                               "message": .string(render(error))]
            return String(decoding: (try? CanonicalJSON.encode(.object(object))) ?? [], as: UTF8.self) + "\n"
        }

        static func json(_ report: VerificationReport) -> String {
            var object: [String: JSONValue] = [
                "path": .string(report.path), "intact": .bool(report.isIntact), "entries": .integer(Int64(report.entriesChecked)),
                "verdict": .string(verdictCode(report.verdict)),
                "checkpoints": .integer(Int64(report.checkpointsChecked)), "tree_size": .integer(Int64(report.treeSize)),
                "root": .string(report.root.hex), "keys_pinned": .bool(report.keysPinned),
                "outside_checkpoints": .integer(Int64(report.outsideCheckpointsChecked)),
                "checks": .array(report.checkStatuses.map { check, status in
                    switch status {
                    case .passed: return ["check": .string(check.rawValue), "status": "pass", "passed": .bool(true)]
                    case .failed: return ["check": .string(check.rawValue), "status": "fail", "passed": .bool(false)]
                    case .notChecked(let why): return ["check": .string(check.rawValue), "status": "none", "reason": .string(why)]
                    }
                }),
                "failures": .array(report.failures.map { failure in
                    var item: [String: JSONValue] = ["check": .string(failure.check.rawValue), "message": .string(failure.message.description),
                                                     "key_mismatch": .bool(failure.isKeyMismatch)]
                    item["seq"] = failure.seq.map { .integer(Int64($0)) }
                    item["checkpoint"] = failure.checkpointID.map { .integer(Int64($0)) }
                    return .object(item)
                }),
            ]
            object["first_bad_entry"] = report.firstBadEntry.map { .integer(Int64($0)) }
            return String(decoding: (try? CanonicalJSON.encode(.object(object))) ?? [], as: UTF8.self) + "\n"
        }
    }
}

/// `--province URL --cooperative NAME`: every signed checkpoint of the cooperative that an
/// aggregator holds (its latest verified one and any halt's evidence), read from its `/status`,
/// checked as `--checkpoint` addresses are.
struct ProvinceCheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp(tr("Address of a province aggregator (`agritrace province --listen`): the ledger must extend every checkpoint of --cooperative it holds.")))
    var province: String?

    @Option(help: ArgumentHelp(tr("The cooperative's name at the province (with --province).")))
    var cooperative: String?

    func validate() throws {
        if (province == nil) != (cooperative == nil) {
            throw ValidationError(tr("--province and --cooperative go together"))
        }
    }

    /// The province's checkpoints of the cooperative (none without --province). A province that
    /// cannot say, or holds none (nothing could be checked), exits 2 naming it.
    func checkpoints() throws -> [OutsideCheckpoint] {
        guard let province, let cooperative else { return [] }
        guard ProvinceConfig.Cooperative.isName(cooperative) else {
            throw CommandFailure(.usageError, tr("--cooperative: {reason}", ["reason": .message(ProvinceConfig.Cooperative.notAName(cooperative))]))
        }
        guard let base = LedgerCommand.Verify.remoteAddress(province) else {
            throw CommandFailure(.usageError, tr("--province {url}: not an http(s) address", ["url": .text(province)]))
        }
        let addresses: [URL]
        do {
            addresses = try runBlocking {
                try await ProvinceCheckpoints.addresses(province: base, cooperative: cooperative,
                                                        timeout: .seconds(LedgerCommand.Verify.checkpointFetchSeconds))
            }
        } catch {
            throw CommandFailure(.usageError, tr("--province {url}: {reason}", ["url": .text(province), "reason": .text(render(error))]))
        }
        guard !addresses.isEmpty else {
            throw CommandFailure(.usageError, tr("--province {url}: the province holds no verified checkpoint of {name} yet, so nothing could be checked against it",
                                                 ["url": .text(province), "name": .text(cooperative)]))
        }
        FileHandleOutput.standardError.write(tr("the province at {url} holds {checkpoints} of {name}: {addresses}", [
            "url": .text(province), "name": .text(cooperative), "addresses": .text(addresses.map(\.absoluteString).joined(separator: " ")),
            "checkpoints": .message(Message("{n} checkpoint", plural: "{n} checkpoints", count: addresses.count))]) + "\n")
        return try addresses.map { try LedgerCommand.Verify.loadCheckpoint($0.absoluteString) }
    }

    /// A province checkpoint of another log means --cooperative names another cooperative (or the
    /// province serves the wrong one): not evidence against this ledger, so not a verdict on it.
    func requireSameLog(_ checkpoints: [OutsideCheckpoint], ledgerOrigin: String) throws {
        guard let province, let cooperative,
              let other = checkpoints.first(where: { $0.checkpoint.origin != ledgerOrigin }) else { return }
        throw CommandFailure(.usageError, tr("--province {url}: its {name} is another ledger ({found}), not this one ({expected}); check --cooperative", [
            "url": .text(province), "name": .text(cooperative), "found": .text(EntryValidator.printable(other.checkpoint.origin)),
            "expected": .text(ledgerOrigin)]))
    }
}
