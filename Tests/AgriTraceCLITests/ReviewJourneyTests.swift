import Foundation
import LedgerStore
import MerkleLog
import Provenance
import Testing
import TestSupport

/// Deciding held lots through the binary: `grade` holds lots, `review` lists them and records
/// signed decisions, and grade's status, label, verify-label, trace, export and audit all follow
/// the lot's state now while the original grading stays visible. Refusals record nothing.
/// The tone model is sure enough of the sample lots' grades that the bundled policy holds none;
/// `GradeWorkspace.strictPolicy()` (held unless 99.9 % sure) holds three.
@Suite struct ReviewJourneyTests {
    let sample = FixtureFiles.url("uploads/sample").path
    static let held = ["DT-LV-261103-01", "DT-LV-261103-02", "DT-TM-261104-02"]
    static let reviewer = "Trần Văn Nam"

    /// A decision (`--accept`, `--grade`) is signed with the workspace's key and names `reviewer`
    /// unless the arguments name someone else or `named` is false.
    func review(_ ws: GradeWorkspace, _ arguments: [String], key: Bool = true, named: Bool = true) throws -> CommandResult {
        let decides = arguments.contains("--accept") || arguments.contains("--grade")
        let name = decides && named && !arguments.contains("--reviewer") ? ["--reviewer", Self.reviewer] : []
        return try AgriTraceBinary.run(["review"] + arguments + name + ["--ledger", ws.ledger] + (key ? ["--key", ws.key] : []))
    }

    func size(_ ws: GradeWorkspace) throws -> Int { try ws.openLedger().size() }

    func grading(_ ws: GradeWorkspace, _ lot: String) throws -> (LedgerEntry, GradingRecord) {
        let entry = try #require(try ws.openLedger().entries(lotCode: lot).last { $0.type == "grading" })
        guard case .grading(let grading) = try entry.record() else { throw EntryError.unknownType(entry.type) }
        return (entry, grading)
    }

    /// Reviewers deciding one held lot at the same moment, as separate processes: one decision is
    /// recorded; the other is refused because the lot changed (status 1) or finds it already
    /// stands so. The check runs inside the append's transaction, so no timing records both.
    @Test func concurrentDecisionsAboutOneLotRecordOne() throws {
        let ws = try GradeWorkspace()
        defer { ws.remove() }
        let graded = try ws.grade(sample, ["--register-origins", "--cooperative", "HTX-LAI-VUNG", "--quiet", "--policy", try ws.strictPolicy()])
        #expect(graded.status == 1, "\(graded.stdout)\(graded.stderr)")
        for lot in Self.held {
            let before = try size(ws)
            let results = LockedResults()
            let reviewers = ["Reviewer A", "Reviewer B"].map { name in
                Thread {
                    results.add(try? self.review(ws, [lot, "--accept", "--reviewer", name]))
                }
            }
            reviewers.forEach { $0.start() }
            let outcomes = results.waitFor(reviewers.count)
            #expect(try size(ws) == before + 1, "\(lot): \(outcomes.map { "\($0.status) \($0.stdout)\($0.stderr)" })")
            #expect(outcomes.filter { $0.status == 0 && $0.stdout.contains("Recorded correction") }.count == 1, "\(lot)")
            for other in outcomes where !other.stdout.contains("Recorded correction") {
                #expect((other.status == 0 && other.stdout.contains("already stands so"))
                        || (other.status == 1 && other.stderr.contains("changed while this decision was being made")), "\(lot): \(other.status) \(other.stdout)\(other.stderr)")
            }
        }
    }

    @Test func heldLotsAreListedDecidedBySignedCorrectionsAndShownSoEverywhere() throws {
        let ws = try GradeWorkspace()
        defer { ws.remove() }
        let policy = try ws.strictPolicy()
        let first = try ws.grade(sample, ["--register-origins", "--cooperative", "HTX-LAI-VUNG", "--quiet", "--policy", policy])
        #expect(first.status == 1, "\(first.stdout)\(first.stderr)")
        // The grading entries record the hold and why, for exactly the held lots.
        for lot in Self.held + ["DT-CT-261104-01", "DT-LV-261105-03"] {
            let (_, grading) = try grading(ws, lot)
            #expect(grading.held == Self.held.contains(lot), "\(lot)")
            #expect(grading.holdReason == (Self.held.contains(lot) ? .lotGradeUncertain : nil), "\(lot)")
        }
        // A re-run of the same upload exits as the first did: nothing was decided.
        #expect(try ws.grade(sample, ["--quiet", "--policy", policy]).status == 1)

        // The list: held lots only, each photo with its recorded grade and confidence.
        let list = try review(ws, [], key: false)
        #expect(list.status == 1, "\(list.stderr)")
        for lot in Self.held { #expect(list.stdout.contains("Lot \(lot): HELD FOR REVIEW, not graded"), "\(lot)") }
        #expect(!list.stdout.contains("Lot DT-CT-261104-01"))
        let (_, heldGrading) = try grading(ws, "DT-LV-261103-02")
        for case .graded(let photo) in heldGrading.images {
            let confidence = String(format: "%.2f %%", Double(photo.scoresBasisPoints[photo.classIndex]) / 100)
            let line = try #require(list.stdout.split(separator: "\n").first { $0.contains(photo.file) }, "\(photo.file)")
            #expect(line.contains(photo.grade) && line.contains(confidence) && line.contains("needs review") == photo.needsReview, "\(line)")
        }
        let one = try review(ws, ["DT-CT-261104-01"], key: false)
        #expect(one.status == 0 && one.stdout.contains("Lot DT-CT-261104-01: grade Reject (grading #"), "\(one.stdout)\(one.stderr)")

        // Refusals: a clear message and nothing recorded.
        let before = try size(ws)
        let other = ws.path("other.key")
        try SigningKeyFile.write(try NoteSigner(name: "someone-else.example/ledger", seed: [UInt8](repeating: 9, count: 32)), to: other)
        let refusals: [([String], Int32, String)] = [
            (["NO-SUCH-LOT", "--accept"], 1, "has no lot \"NO-SUCH-LOT\""),
            (["DT-CT-261104-01", "--accept"], 2, "DT-CT-261104-01 is not held for review"),
            (["DT-LV-261103-02", "--grade", "Grade III", "--reason", "x"], 2, "not one of the grading policy's grades: Premium, Grade I, Grade II, Reject"),
            (["DT-LV-261103-02", "--grade", "Grade II"], 2, "--grade needs --reason"),
            (["DT-LV-261103-02", "--grade", "Grade II", "--reason", "  "], 2, "--reason is empty"),
            (["DT-LV-261103-02", "--grade", "Grade II", "--reason", "ok\u{1B}[31m"], 2, "--reason: contains the control character U+001B"),
            (["DT-LV-261103-02", "--accept", "--reviewer", "Nam\nHoa"], 2, "--reviewer: contains the control character U+000A"),
            (["DT-LV-261103-02", "--accept", "--reviewer", " "], 2, "--reviewer is empty"),
            // Invisible text is empty too: a byte order mark, a zero-width space, a lone combining accent.
            (["DT-LV-261103-02", "--accept", "--reviewer", "\u{FEFF}"], 2, "--reviewer is empty"),
            (["DT-LV-261103-02", "--grade", "Grade II", "--reason", "\u{200B}\u{2028}"], 2, "--reason is empty"),
            (["DT-LV-261103-02", "--grade", "Grade II", "--reason", "\u{301}"], 2, "--reason is empty"),
            (["DT-LV-261103-02", "--accept", "--grade", "Reject"], 2, "either --accept or --grade"),
            // No lot can have these codes: a usage error, not "no such lot".
            (["LOT C", "--accept"], 2, "lot code 'LOT C' must be 1–20 characters"),
            ([""], 2, "lot code '' must be"),
        ]
        for (arguments, status, message) in refusals {
            let result = try review(ws, arguments)
            #expect(result.status == status && result.stderr.contains(message), "\(arguments): \(result.status) \(result.stderr)")
        }
        let wrongKey = try AgriTraceBinary.run(["review", "DT-LV-261103-02", "--accept", "--reviewer", Self.reviewer, "--ledger", ws.ledger, "--key", other])
        #expect(wrongKey.status == 2 && wrongKey.stderr.contains("not an active signer"), "\(wrongKey.stderr)")
        let noKey = try review(ws, ["DT-LV-261103-02", "--accept"], key: false)
        #expect(noKey.status == 2 && noKey.stderr.contains("needs --key"), "\(noKey.stderr)")
        for decision in [["--accept"], ["--grade", "Grade II", "--reason", "bruised"]] {
            let nobody = try review(ws, ["DT-LV-261103-02"] + decision, named: false)
            #expect(nobody.status == 2 && nobody.stderr.contains("needs --reviewer"), "\(decision): \(nobody.stderr)")
        }
        #expect(try size(ws) == before)

        // Decisions: a re-grade with reason and reviewer, and an accepted suggestion.
        let (gradingEntry, _) = try grading(ws, "DT-LV-261103-02")
        let decide = ["DT-LV-261103-02", "--grade", "Grade II", "--reason", "sorted again by hand: the bruises are shallow",
                      "--reviewer", Self.reviewer]
        let decided = try review(ws, decide)
        #expect(decided.status == 0 && decided.stdout.contains("grade Grade II, decided by review"), "\(decided.stdout)\(decided.stderr)")
        let correctionEntry = try #require(try ws.openLedger().entry(seq: before))
        guard case .correction(let correction) = try correctionEntry.record() else { Issue.record("not a correction"); return }
        #expect(correction.corrects == gradingEntry.seq && correction.correctsLeafHash == gradingEntry.leafHash.hex)
        #expect(correction.changes == ["lot_grade": .string("Grade II")] && correction.reviewer == Self.reviewer)
        #expect(correction.lotCode == "DT-LV-261103-02")
        // The same decision again records nothing and says so.
        let again = try review(ws, decide)
        #expect(again.status == 0 && again.stdout.contains("nothing recorded"), "\(again.stdout)\(again.stderr)")
        #expect(try size(ws) == before + 1)
        let accepted = try review(ws, ["DT-LV-261103-01", "--accept"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(try review(ws, ["DT-LV-261103-01", "--accept"]).stdout.contains("nothing recorded"))
        #expect(try size(ws) == before + 2)
        let vkey = ws.path("coop.vkey")
        try SigningKeyFile.writeVerifier(try SigningKeyFile.load(ws.key).verifier, to: vkey)
        let verified = try AgriTraceBinary.run(["ledger", "verify", "--ledger", ws.ledger, "--vkey", vkey])
        #expect(verified.status == 0, "\(verified.stdout)")

        // One lot is still held: grade still says so.
        let rerun = try ws.grade(sample, ["--quiet", "--policy", policy])
        #expect(rerun.status == 1 && rerun.stdout.contains("Held for review: DT-TM-261104-02\n"), "\(rerun.stdout)")
        #expect(rerun.stdout.components(separatedBy: "(held)").count == 2, "\(rerun.stdout)")

        // Label and buyer's check: the decided grade, the held state in plain words.
        #expect(try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", ws.ledger, "--key", ws.key]).status == 0)
        let out = ws.path("labels")
        let decidedLabel = try AgriTraceBinary.run(["label", "DT-LV-261103-02", "--ledger", ws.ledger, "--key", ws.key, "--out", out])
        #expect(decidedLabel.status == 0 && decidedLabel.stdout.contains("grade Grade II,"), "\(decidedLabel.stdout)\(decidedLabel.stderr)")
        let heldLabel = try AgriTraceBinary.run(["label", "DT-TM-261104-02", "--ledger", ws.ledger, "--key", ws.key, "--out", out])
        #expect(heldLabel.status == 0 && heldLabel.stdout.contains("mm): HELD FOR REVIEW, QR "), "\(heldLabel.stdout)\(heldLabel.stderr)")
        let buyerDecided = try AgriTraceBinary.run(["verify-label", out + "/DT-LV-261103-02.proof", "--vkey", vkey])
        #expect(buyerDecided.status == 0 && buyerDecided.stdout.hasPrefix("VERIFIED: lot DT-LV-261103-02, grade Grade II as of"), "\(buyerDecided.stdout)")
        #expect(buyerDecided.stdout.contains("grade Grade II decided by review: correction #\(correctionEntry.seq)"), "\(buyerDecided.stdout)")
        #expect(buyerDecided.stdout.contains("by \(Self.reviewer): sorted again by hand"), "\(buyerDecided.stdout)")
        let buyerHeld = try AgriTraceBinary.run(["verify-label", out + "/DT-TM-261104-02.proof", "--vkey", vkey])
        #expect(buyerHeld.status == 0, "\(buyerHeld.stdout)")
        #expect(buyerHeld.stdout.hasPrefix("VERIFIED: lot DT-TM-261104-02 is HELD FOR REVIEW, not graded: no grade may be claimed"), "\(buyerHeld.stdout)")
        #expect(buyerHeld.stdout.contains("held for review by the grading policy: the grading was only ")
                && buyerHeld.stdout.contains("% sure of the lot's grade, less than the grading policy requires"), "\(buyerHeld.stdout)")

        // trace: the state now first, the original grading still listed.
        let trace = try AgriTraceBinary.run(["trace", "DT-LV-261103-02", "--ledger", ws.ledger])
        #expect(trace.stdout.contains("Now: lot DT-LV-261103-02: grade Grade II, decided by review: correction #\(correctionEntry.seq) on "), "\(trace.stdout)")
        #expect(trace.stdout.contains("by \(Self.reviewer): sorted again by hand: the bruises are shallow (grading #\(gradingEntry.seq) on "), "\(trace.stdout)")
        #expect(trace.stdout.contains("#\(gradingEntry.seq)  ") && trace.stdout.contains("lot grade Reject, HELD FOR REVIEW by the grading policy: the grading was only "), "\(trace.stdout)")
        for (lot, held, grade) in [("DT-LV-261103-02", false, "Grade II" as String?), ("DT-TM-261104-02", true, nil)] {
            let json = try AgriTraceBinary.run(["trace", lot, "--ledger", ws.ledger, "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let state = try #require((object["lots"] as? [[String: Any]])?.first)
            #expect(state["held"] as? Bool == held && state["grade"] as? String == grade && state["suggested_grade"] as? String == "Reject", "\(state)")
        }

        // EPCIS: the grading's event as graded, then the decision's event with the lot's state after it.
        let events = ws.path("events.jsonld")
        #expect(try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--out", events]).status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: events))) as? [String: Any])
        let eventList = try #require((document["epcisBody"] as? [String: Any])?["eventList"] as? [[String: Any]])
        func lotEvents(_ lot: String) -> [[String: Any]] {
            // The lot's GS1 Digital Link, or urn:agritrace:lot:<lot> without a GTIN.
            eventList.filter { event in
                let uri = ((event["quantityList"] as? [[String: Any]])?.first?["epcClass"] as? String) ?? ""
                return uri.hasSuffix("/" + lot) || uri.hasSuffix(":" + lot)
            }
        }
        let decidedEvents = lotEvents("DT-LV-261103-02")
        #expect(decidedEvents.map { $0["disposition"] as? String } == ["non_conformant", "conformant"])
        #expect(decidedEvents.map { $0["agritrace:heldForReview"] as? Bool } == [true, false])
        #expect(decidedEvents.map { $0["action"] as? String } == ["ADD", "OBSERVE"])
        #expect(decidedEvents.last?["agritrace:lotGrade"] as? String == "Grade II" && decidedEvents.last?["agritrace:reviewer"] as? String == Self.reviewer)
        #expect(decidedEvents.first?["agritrace:holdReason"] as? String == "lot_grade_uncertain")
        #expect(lotEvents("DT-TM-261104-02").map { $0["disposition"] as? String } == ["non_conformant"])
        #expect(lotEvents("DT-LV-261103-01").map { $0["agritrace:lotGrade"] as? String } == ["Grade II", "Grade II"])
        #expect(lotEvents("DT-CT-261104-01").map { $0["disposition"] as? String } == ["non_conformant"])

        // The audit report names held and decided lots.
        let report = ws.path("report.html")
        let audit = try AgriTraceBinary.run(["audit", "--ledger", ws.ledger, "--vkey", vkey, "--out", report])
        #expect(audit.status == 0, "\(audit.stderr)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("held for review: the grading was only ") && html.contains("% sure of the lot&#39;s grade"), "\(html)")
        #expect(html.contains("grade decided by review (correction #\(correctionEntry.seq) by \(Self.reviewer))"))

        // Decide the rest: the upload no longer needs attention.
        #expect(try review(ws, ["DT-TM-261104-02", "--accept"]).status == 0)
        #expect(try review(ws, [], key: false).stdout == "No lot is held for review.\n")
        let done = try ws.grade(sample, ["--quiet", "--policy", policy])
        #expect(done.status == 0 && !done.stdout.contains("Held for review"), "\(done.stdout)")
    }
}

/// Results of commands run on several threads, collected for the test's thread.
final class LockedResults: @unchecked Sendable {
    private let condition = NSCondition()
    private var results = [CommandResult?]()

    func add(_ result: CommandResult?) {
        condition.lock()
        results.append(result)
        condition.signal()
        condition.unlock()
    }

    /// Waits until `count` results have arrived; a command that failed to run counts as missing.
    func waitFor(_ count: Int) -> [CommandResult] {
        condition.lock()
        defer { condition.unlock() }
        while results.count < count { condition.wait() }
        return results.compactMap { $0 }
    }
}
