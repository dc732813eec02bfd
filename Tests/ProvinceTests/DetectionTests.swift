import Foundation
import LedgerStore
import Localization
import Markup
import MerkleLog
import Province
import Provenance
import ProvenanceTestSupport
import Testing
import TestSupport

/// A cooperative that rewrites its history is halted, with both signed checkpoints kept, while
/// an honest one next to it goes on.
@Suite struct DetectionTests {
    enum Rewrite: String, CaseIterable {
        /// A smaller checkpoint than one already verified.
        case rollback
        /// A checkpoint of the same size with another root.
        case equivocation
        /// A larger checkpoint over a different history.
        case fork
        /// Entries that extend the history but a checkpoint whose root they do not give.
        case forkedCheckpoint
    }

    @Test(arguments: Rewrite.allCases)
    func aRewrittenHistoryHaltsTheCooperative(_ rewrite: Rewrite) async throws {
        let honest = try CooperativeLedger(name: "HTX-HONEST", number: 41)
        defer { honest.directory.remove() }
        let faulty = try CooperativeLedger(name: "HTX-FAULTY", number: 42)
        defer { faulty.directory.remove() }
        try honest.addLots(3, prefix: "H")
        try honest.checkpoint()
        try faulty.addLots(4, prefix: "F")
        let verified = try faulty.checkpoint()

        // The other history, signed with the same key.
        let other = try CooperativeLedger(sameKeyAs: faulty, file: "other.db")
        switch rewrite {
        case .rollback: try other.addLots(2, prefix: "F")
        case .equivocation: try other.addLots(4, prefix: "X")
        case .fork: try other.addLots(6, prefix: "X")
        case .forkedCheckpoint: try faulty.addLots(2, prefix: "F2")
        }
        let conflicting: String
        if rewrite == .forkedCheckpoint {
            // A checkpoint the faulty cooperative signs for its real size with another tree's root.
            try other.addLots(6, prefix: "X")
            let size = try faulty.size()
            #expect(try other.size() == size)
            conflicting = try Checkpoint(origin: faulty.signer.name, size: size, root: other.ledger.treeHead().root)
                .signed(by: faulty.signer).serialized
        } else {
            conflicting = try other.checkpoint().signedNote
        }

        let honestSource = LedgerTileSource(path: honest.path)
        let faultySource = ScriptedCheckpointSource(ledger: LedgerTileSource(path: faulty.path))
        let config = try ProvinceConfig(cooperatives: [honest.cooperative, faulty.cooperative])
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) {
                    $0.name == honest.name ? honestSource as any TileSource : faultySource
                }
                #expect(await aggregator.runOnce() == ["HTX-HONEST": .ingested(from: 0, to: 10), "HTX-FAULTY": .ingested(from: 0, to: 13)])

                if rewrite == .forkedCheckpoint {
                    faultySource.note = conflicting
                } else {
                    faultySource.ledger.serve(path: other.path)
                }
                try honest.addLots(1, prefix: "H2")
                try honest.checkpoint()
                let outcomes = await aggregator.runOnce()
                #expect(outcomes["HTX-HONEST"] == .ingested(from: 10, to: 13))
                #expect(outcomes["HTX-FAULTY"]?.isHalted == true, "\(outcomes)")
                // Halted for good: even the original history is not taken up again.
                faultySource.note = nil
                faultySource.ledger.serve(path: faulty.path)
                let again = await aggregator.runOnce()["HTX-FAULTY"]

                let status = try await store.status()
                let faultyStatus = try #require(status.first { $0.name == "HTX-FAULTY" })
                #expect(faultyStatus.status == "halted")
                let evidence = try #require(faultyStatus.evidence.first)
                #expect(faultyStatus.evidence.count == 1)
                let expectedKind = [Rewrite.rollback: "rollback", .equivocation: "equivocation", .fork: "fork", .forkedCheckpoint: "fork"][rewrite]
                #expect(evidence.kind == expectedKind)
                #expect(evidence.earlierNote == verified.signedNote)
                #expect(evidence.laterNote == conflicting)
                // Both are checkpoints signed by the cooperative's key.
                for note in [evidence.earlierNote ?? "", evidence.laterNote] {
                    #expect(throws: Never.self) { try Checkpoint.open(note, origin: faulty.signer.name, trusting: [faulty.signer.verifier]) }
                }
                #expect(status.first { $0.name == "HTX-HONEST" }?.status == "following")
                // The province's own audit page of each cooperative, in the reader's language, the evidence verbatim.
                let site = ProvinceSite(store: store, cooperatives: config.cooperatives)
                let haltedPage = await site.reply(method: "GET", path: "/audit/HTX-FAULTY", query: nil, acceptLanguage: "vi")
                #expect(haltedPage.status == 200 && haltedPage.contentSecurityPolicy != nil)
                #expect(haltedPage.body.contains("data-status=\"halted\"") && haltedPage.body.contains("ĐÃ DỪNG"), "\(haltedPage.body)")
                #expect(haltedPage.body.contains("data-kind=\"\(expectedKind ?? "")\""))
                // The checker's words too are in the reader's language, kept in both when the halt happened.
                let vietnameseStart = [Rewrite.rollback: "quay lui: hợp tác xã nay ký", .equivocation: "hai điểm kiểm tra cùng kích thước",
                                       .fork: "rẽ nhánh: ", .forkedCheckpoint: "rẽ nhánh: điểm kiểm tra kích thước"][rewrite] ?? "?"
                let vietnameseDetail = try #require(evidence.detailVietnamese)
                // A later round says why it stays halted, in the reader's language.
                guard case .halted(let reason) = again else { Issue.record("\(String(describing: again))"); return }
                #expect(Localizer.english.render(reason) == "halted earlier: " + evidence.detail)
                #expect(try Localizer.bundled(.vietnamese).render(reason) == "đã dừng từ trước: " + vietnameseDetail)
                #expect(faultyStatus.lastError == nil, "a halt clears the error of an earlier round: \(faultyStatus.lastError ?? "")")
                #expect(vietnameseDetail.hasPrefix(vietnameseStart), "\(vietnameseDetail)")
                #expect(faultyStatus.haltReasonVietnamese == vietnameseDetail && faultyStatus.haltReason == evidence.detail)
                #expect(haltedPage.body.contains(Markup.escapeHTML(vietnameseDetail)) && !haltedPage.body.contains(Markup.escapeHTML(evidence.detail)))
                let statusReply = await site.reply(method: "GET", path: "/status", query: nil)
                let statusJSON = try JSONSerialization.jsonObject(with: Data(statusReply.body.utf8)) as? [String: Any]
                let listed = (statusJSON?["cooperatives"] as? [[String: Any]])?.first { $0["name"] as? String == "HTX-FAULTY" }
                #expect(listed?["halt_reason_vi"] as? String == vietnameseDetail)
                #expect(((listed?["evidence"] as? [[String: Any]])?.first?["detail_vi"] as? String) == vietnameseDetail)
                let englishPage = await site.reply(method: "GET", path: "/audit/HTX-FAULTY", query: "lang=en", acceptLanguage: "vi")
                #expect(englishPage.body.contains(Markup.escapeHTML(evidence.detail)) && !englishPage.body.contains(Markup.escapeHTML(vietnameseDetail)))
                // Checkpoint notes hold no character HTML escapes (base64, names, digits, "—"), so they appear as they are.
                for note in [evidence.earlierNote ?? "", evidence.laterNote] { #expect(haltedPage.body.contains(note)) }
                let followingPage = await site.reply(method: "GET", path: "/audit/HTX-HONEST", query: "lang=en", acceptLanguage: "vi")
                #expect(followingPage.body.contains("data-status=\"following\"") && followingPage.body.contains("Following:"), "\(followingPage.body)")
                #expect(await site.reply(method: "GET", path: "/audit/HTX-NOBODY", query: nil).status == 404)
                if let keep = ProcessInfo.processInfo.environment["AGRITRACE_SCREENSHOTS"], rewrite == .fork {
                    let html = faulty.directory.url.appendingPathComponent("audit.html")
                    try haltedPage.body.write(to: html, atomically: true, encoding: .utf8)
                    try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                    _ = try await chromiumOffThePool(["--window-size=360,1400", "--screenshot=\(keep)/province-audit-halted.png", html.absoluteString],
                                                     in: faulty.directory.url)
                }

                // The inspector's audit report of the cooperative, given the province's evidence as the
                // province serves it for saving, fails on the ledger the cooperative now presents.
                let file = { (name: String) in faulty.directory.url.appendingPathComponent(name).path }
                for side in ["earlier", "later"] {
                    let served = await site.reply(method: "GET", path: "/audit/HTX-FAULTY/evidence/1/\(side)", query: nil)
                    #expect(served.status == 200 && served.contentType.hasPrefix("text/plain"), "\(served.body)")
                    #expect(served.body == (side == "earlier" ? evidence.earlierNote : evidence.laterNote))
                    try served.body.write(toFile: file("\(side).txt"), atomically: true, encoding: .utf8)
                }
                for missing in ["/audit/HTX-FAULTY/evidence/2/later", "/audit/HTX-FAULTY/evidence/0/later", "/audit/HTX-FAULTY/evidence/1/other",
                                "/audit/HTX-HONEST/evidence/1/later", "/audit/HTX-NOBODY/evidence/1/later"] {
                    let reply = await site.reply(method: "GET", path: missing, query: nil, acceptLanguage: "vi")
                    #expect(reply.status == 404 && reply.body.contains("no such evidence: see /audit/"), "\(missing): \(reply.body)")
                }
                try (faulty.signer.verifier.vkey + "\n").write(toFile: file("coop.vkey"), atomically: true, encoding: .utf8)
                let presented = rewrite == .forkedCheckpoint ? faulty.path : other.path
                let audit = try await runOffThePool(["audit", "--ledger", presented, "--vkey", file("coop.vkey"), "--checkpoint", file("earlier.txt"),
                                                     "--checkpoint", file("later.txt"), "--out", file("report.html")], timeout: 120)
                #expect(audit.status == 3, "\(rewrite): \(audit.stdout) \(audit.stderr)")
                #expect(try String(contentsOfFile: file("report.html"), encoding: .utf8).contains("FAILED verification"))

                // The same without saving anything: --province reads the evidence's addresses from /status.
                let (listening, port) = AsyncStream.makeStream(of: Int.self)
                let server = Task { try await ProvinceServer.run(site: site, host: "127.0.0.1", port: 0, logger: ProvinceTest.logger) { port.yield($0) } }
                defer { server.cancel() }
                var ports = listening.makeAsyncIterator()
                let base = "http://127.0.0.1:\(try #require(await ports.next()))"
                let fetched = try await runOffThePool(["audit", "--ledger", presented, "--vkey", file("coop.vkey"), "--province", base,
                                                       "--cooperative", "HTX-FAULTY", "--out", file("report2.html")], timeout: 120)
                #expect(fetched.status == 3 && fetched.stdout.contains("FAILED verification"), "\(rewrite): \(fetched.stdout) \(fetched.stderr)")
                #expect(fetched.stderr.contains("\(base)/checkpoint/HTX-FAULTY \(base)/audit/HTX-FAULTY/evidence/1/earlier \(base)/audit/HTX-FAULTY/evidence/1/later"),
                        "\(fetched.stderr)")
                // An honest cooperative's ledger extends the province's latest verified checkpoint of it.
                try (honest.signer.verifier.vkey + "\n").write(toFile: file("honest.vkey"), atomically: true, encoding: .utf8)
                let honestCheck = try await runOffThePool(["ledger", "verify", "--ledger", honest.path, "--vkey", file("honest.vkey"),
                                                        "--province", base + "/", "--cooperative", "HTX-HONEST"], timeout: 120)
                #expect(honestCheck.status == 0 && honestCheck.stdout.contains("INTACT"), "\(honestCheck.stdout) \(honestCheck.stderr)")
                #expect(honestCheck.stderr.contains("holds 1 checkpoint of HTX-HONEST: \(base)/checkpoint/HTX-HONEST\n"), "\(honestCheck.stderr)")
                // Another cooperative's name: its checkpoints are of another log, which says nothing about this ledger.
                let mixedUp = try await runOffThePool(["ledger", "verify", "--ledger", honest.path, "--vkey", file("honest.vkey"),
                                                       "--province", base, "--cooperative", "HTX-FAULTY"], timeout: 120)
                #expect(mixedUp.status == 2 && mixedUp.stderr.contains("its HTX-FAULTY is another ledger (htx-faulty.example/ledger), not this one (htx-honest.example/ledger)"),
                        "\(mixedUp.stdout) \(mixedUp.stderr)")
                // Not a province (the cooperative's own server): its /status is no answer, and the message says what may be wrong.
                let notAProvince = try await runOffThePool(["ledger", "verify", "--ledger", honest.path, "--province", base + "/nowhere",
                                                            "--cooperative", "HTX-HONEST"], timeout: 120)
                #expect(notAProvince.status == 2 && notAProvince.stderr.contains("the address of a province's `agritrace province --listen`?"),
                        "\(notAProvince.stderr)")
                let unknown = try await runOffThePool(["ledger", "verify", "--ledger", honest.path, "--province", base, "--cooperative", "HTX-NOBODY"], timeout: 120)
                #expect(unknown.status == 2 && unknown.stderr.contains("follows no cooperative named HTX-NOBODY")
                        && unknown.stderr.contains("HTX-FAULTY, HTX-HONEST"), "\(unknown.stderr)")
            }
            try expectStored(database, cooperative: "HTX-HONEST", ledger: honest)
            // Nothing of the rewritten history was stored (a forked checkpoint's entries extend
            // the verified chain, so those are kept; its root is what was refused).
            let stored = try ProvinceTest.count(database, "SELECT count(*) FROM entries e JOIN cooperatives c ON c.id = e.cooperative_id WHERE c.name = 'HTX-FAULTY'")
            #expect(stored == (rewrite == .forkedCheckpoint ? 19 : 13))
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM lots WHERE lot_code LIKE 'X-%'") == 0)
        }
    }

    /// A province that follows the cooperative but has verified nothing of it (its server has been
    /// down since the province began) gives `--province` nothing to check the ledger against: the
    /// commands say so and exit 2 instead of a verdict.
    @Test func aProvinceHoldingNothingOfTheCooperativeGivesNoVerdict() async throws {
        let silent = try CooperativeLedger(name: "HTX-SILENT", number: 43)
        defer { silent.directory.remove() }
        try silent.addLots(2, prefix: "S")
        try silent.checkpoint()
        let source = LedgerTileSource(path: silent.path)
        source.inject(.down)
        let config = try ProvinceConfig(cooperatives: [silent.cooperative])
        let vkey = silent.directory.url.appendingPathComponent("coop.vkey").path
        try (silent.signer.verifier.vkey + "\n").write(toFile: vkey, atomically: true, encoding: .utf8)
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) { _ in source }
                guard case .failed = await aggregator.runOnce()["HTX-SILENT"] else { Issue.record("the round should fail"); return }
                let site = ProvinceSite(store: store, cooperatives: config.cooperatives)
                let (listening, port) = AsyncStream.makeStream(of: Int.self)
                let server = Task { try await ProvinceServer.run(site: site, host: "127.0.0.1", port: 0, logger: ProvinceTest.logger) { port.yield($0) } }
                defer { server.cancel() }
                var ports = listening.makeAsyncIterator()
                let base = "http://127.0.0.1:\(try #require(await ports.next()))"
                for command in [["ledger", "verify"], ["audit", "--out", silent.directory.url.appendingPathComponent("report.html").path]] {
                    let run = try await runOffThePool(command + ["--ledger", silent.path, "--vkey", vkey, "--province", base, "--cooperative", "HTX-SILENT"],
                                                      timeout: 120)
                    #expect(run.status == 2, "\(command): \(run.stdout) \(run.stderr)")
                    #expect(run.stderr.contains("the province holds no verified checkpoint of HTX-SILENT yet, so nothing could be checked against it"),
                            "\(run.stderr)")
                    #expect(!run.stdout.contains("INTACT"), "\(run.stdout)")
                }
                let vietnamese = try await runOffThePool(["--lang", "vi", "ledger", "verify", "--ledger", silent.path, "--vkey", vkey,
                                                          "--province", base, "--cooperative", "HTX-SILENT"], timeout: 120)
                #expect(vietnamese.status == 2 && vietnamese.stderr.contains("HTX-SILENT"), "\(vietnamese.stderr)")
                #expect(!vietnamese.stderr.contains("nothing could be checked"), "\(vietnamese.stderr)")
            }
        }
    }

    /// An entry the cooperative signed and chained that breaks the ledger rules (here a grading
    /// of a lot it never registered) halts it; the entry is named in the evidence.
    @Test func aSignedEntryBreakingTheRulesHaltsTheCooperative() async throws {
        let faulty = try CooperativeLedger(name: "HTX-FAULTY", number: 43)
        defer { faulty.directory.remove() }
        try faulty.addLots(1, prefix: "F")
        try faulty.checkpoint()
        // Written around the rules: an opaque ledger with the same key takes any body.
        let opaque = try Ledger(path: faulty.path, rules: AnyBodyRules())
        _ = try opaque.append([ProvenanceFixture.grading("NEVER-REGISTERED").body], signer: faulty.signer)
        let note = try opaque.signCheckpoint(signer: faulty.signer).signedNote
        let source = LedgerTileSource(path: faulty.path)
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: ProvinceConfig(cooperatives: [faulty.cooperative]), store: store,
                                                      logger: ProvinceTest.logger) { _ in source }
                let outcome = await aggregator.runOnce()["HTX-FAULTY"]
                #expect(outcome?.description.hasPrefix("HALTED: the cooperative signed entry #4, which breaks the ledger rules") == true, "\(String(describing: outcome))")
                let evidence = try #require(try await store.status().first?.evidence.first)
                #expect(evidence.kind == "invalid_entry")
                #expect(evidence.laterNote == note)
                #expect(evidence.detail.contains("NEVER-REGISTERED"))
                let vietnamese = try #require(evidence.detailVietnamese)
                #expect(vietnamese.hasPrefix("hợp tác xã đã ký mục #4, vi phạm quy tắc của sổ cái: ") && vietnamese.contains("NEVER-REGISTERED"), "\(vietnamese)")
            }
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM entries") == 4)
        }
    }
}

/// Serves a scripted checkpoint note when set, else the ledger's.
final class ScriptedCheckpointSource: TileSource, @unchecked Sendable {
    let ledger: LedgerTileSource
    private let lock = NSLock()
    private var scripted: String?
    var note: String? {
        get { lock.withLock { scripted } }
        set { lock.withLock { scripted = newValue } }
    }

    init(ledger: LedgerTileSource) { self.ledger = ledger }

    func checkpoint() async throws -> String {
        if let note { return note }
        return try await ledger.checkpoint()
    }

    func entryBundle(index: Int, width: Int?) async throws -> [UInt8] { try await ledger.entryBundle(index: index, width: width) }
}

/// Rules that accept any body of the provenance types (to write a ledger the real rules refuse).
struct AnyBodyRules: EntryRules {
    var types: Set<String> { ProvenanceRules().types }
    func validate(_ body: EntryBody) throws -> [IndexKey] { try ProvenanceRules().validate(body) }
    func violation(of body: EntryBody, seq: Int, keys: [IndexKey], earlier: any EarlierEntries) throws -> Message? { nil }
}
