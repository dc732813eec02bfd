import Foundation
import LedgerStore
import Localization
import Provenance
import ProvenanceTestSupport
import MerkleLog
import Testing
import TestSupport
@testable import Traceability

/// Label proof bundles: the buyer sees the lot's current state as of one checkpoint, or is refused.
@Suite struct LabelBundleTests {
    struct Setup {
        let directory: TemporaryDirectory
        let ledger: Ledger
        let signer: NoteSigner
        var vkey: NoteVerifier { signer.verifier }

        init(checkpoint: Bool = true) throws {
            let directory = try TemporaryDirectory()
            self.directory = directory
            do {
                (ledger, signer) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path, checkpoint: checkpoint)
            } catch {
                directory.remove()
                throw error
            }
        }

        func package(_ lot: String) throws -> LabelPackage { try LabelPackage.make(lotCode: lot, ledger: ledger, signer: signer) }

        func verify(_ bundle: String, lot: String? = nil, origin: String? = nil) -> LabelVerdict {
            LabelVerdict.check(bundle: bundle, name: "box.proof", trustedKeys: [vkey], printed: .init(lotCode: lot, originCode: origin))
        }

        /// Appends a re-grading of `lot` with the given lot grade.
        func regrade(_ lot: String, to grade: String, held: Bool = false) throws {
            let photo = GradedPhoto(file: "again.jpg", sha256: String(repeating: "0f", count: 32), classIndex: 0,
                                    scoresBasisPoints: [9_000, 1_000], grade: grade, needsReview: false)
            try ledger.append([.grading(GradingRecord(lotCode: lot, model: SampleLedger.modelID, policy: SampleLedger.policyID,
                                                      uploadDigest: nil, images: [.graded(photo)], lotGrade: grade,
                                                      distribution: ["Premium": 0, "Grade I": 0, "Grade II": 0, "Reject": 0].merging([grade: 1]) { $1 },
                                                      needsReview: 0, held: held))], signer: signer)
        }

        /// Appends a correction of the lot's latest grading to `grade`.
        func correctGrade(_ lot: String, to grade: String) throws {
            let grading = try #require(try ledger.entries(lotCode: lot).last { $0.type == "grading" })
            try ledger.append([.correction(CorrectionRecord(corrects: grading.seq, correctsLeafHash: grading.leafHash.hex,
                                                            reason: "bruising found at dispatch", lotCode: lot,
                                                            changes: ["lot_grade": .string(grade)]))], signer: signer)
        }
    }

    /// Splits a bundle into its header, member blocks (entry line + hashes) and the rest.
    static func blocks(_ bundle: String) -> (header: String, members: [String], tail: String) {
        let parts = bundle.components(separatedBy: "\n\n")
        let head = parts[0].components(separatedBy: "\nentry ")
        return (head[0], head.dropFirst().map { "entry " + $0 }, parts.dropFirst().joined(separator: "\n\n"))
    }

    static func assemble(_ header: String, _ members: [String], _ tail: String) -> String {
        ([header] + members).joined(separator: "\n") + "\n\n" + tail
    }

    /// The policy's hold recorded in the grading reaches the label, the buyer's verdict and the
    /// EPCIS disposition under every grade name; a correction of the lot grade releases it.
    @Test(arguments: ["Premium", "Grade II"])
    func aLotHeldByThePolicyIsHeldEverywhereUntilAReviewerGradesIt(grade: String) throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let lot = "DT-LV-261103-01"
        try setup.regrade(lot, to: grade, held: true)
        func disposition() throws -> String? {
            let snapshot = try LedgerSnapshot(reading: setup.ledger)
            let exporter = EPCISExporter(options: .init(lotCode: lot))
            // The lot's latest event is its state now: the grading's, or the latest decision's.
            let latest = try #require(exporter.selectedInspections(in: snapshot).last)
            let event = exporter.event(for: latest, in: snapshot, isFirstOfLot: false)
            guard case .object(let members) = event, case .string(let value)? = members.first(where: { $0.0 == "disposition" })?.1 else { return nil }
            return value
        }
        let held = try setup.package(lot)
        #expect(held.state.isHeld)
        #expect(held.content.isHeld)
        let heldVerdict = setup.verify(held.bundle, lot: lot)
        #expect(heldVerdict.isValid && heldVerdict.headline.contains("HELD FOR REVIEW"), "\(heldVerdict.text)")
        #expect(try disposition() == "non_conformant")

        try setup.correctGrade(lot, to: grade)
        let released = try setup.package(lot)
        #expect(!released.state.isHeld)
        #expect(released.content.grade == grade)
        let releasedVerdict = setup.verify(released.bundle, lot: lot)
        #expect(releasedVerdict.headline.hasPrefix("VERIFIED: lot \(lot), grade \(grade) as of"), "\(releasedVerdict.text)")
        #expect(try disposition() == "conformant")
    }

    @Test func aGradingWithoutTheHeldFieldIsNotHeld() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        try setup.regrade("DT-LV-261103-01", to: "Grade I")
        let entry = try #require(try setup.ledger.entries(lotCode: "DT-LV-261103-01").last { $0.type == "grading" })
        #expect(entry.body.fields["held"] == nil)
        let package = try setup.package("DT-LV-261103-01")
        #expect(!package.state.isHeld && package.content.grade == "Grade I")
    }

    @Test func aGenuineBundleVerifiesAndSaysWhatItCannotKnow() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let package = try setup.package("DT-LV-261103-01")
        #expect(package.content.grade == "Premium")
        let verdict = setup.verify(package.bundle, lot: "DT-LV-261103-01", origin: "VN-DTOR-0141")
        #expect(verdict.isValid, "\(verdict.text)")
        #expect(verdict.headline.hasPrefix("VERIFIED: lot DT-LV-261103-01, grade Premium as of"))
        #expect(verdict.headline.contains("(\(package.checkpoint.size) entries)"))
        #expect(verdict.text.contains("not covered: anything recorded after"))
        #expect(verdict.text.contains("the box's lot DT-LV-261103-01 and origin VN-DTOR-0141 match"))
    }

    /// Instance of item 3: a newer grading supersedes the older one, on the label and in the check;
    /// the old bundle only speaks for its own, older checkpoint.
    @Test func aNewerGradingSupersedesTheOldOne() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let old = try setup.package("DT-LV-261103-01")
        try setup.regrade("DT-LV-261103-01", to: "Grade II")
        let new = try setup.package("DT-LV-261103-01")
        #expect(new.signedNewCheckpoint && new.content.grade == "Grade II")
        let verdict = setup.verify(new.bundle)
        #expect(verdict.headline.hasPrefix("VERIFIED: lot DT-LV-261103-01, grade Grade II"), "\(verdict.text)")
        #expect(verdict.text.contains("superseded: grading of") && verdict.text.contains("said Premium"))
        let oldVerdict = setup.verify(old.bundle)
        #expect(oldVerdict.headline.contains("(\(old.checkpoint.size) entries)") && old.checkpoint.size < new.checkpoint.size)
        #expect(oldVerdict.text.contains("not covered: anything recorded after"))
    }

    @Test func aCorrectionToRejectIsApplied() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        try setup.correctGrade("DT-LV-261103-01", to: "Reject")
        let package = try setup.package("DT-LV-261103-01")
        #expect(package.content.grade == "Reject")
        let verdict = setup.verify(package.bundle)
        #expect(verdict.headline.hasPrefix("VERIFIED: lot DT-LV-261103-01, grade Reject"), "\(verdict.text)")
        #expect(verdict.text.contains("bruising found at dispatch"))
        #expect(!verdict.headline.contains("Premium"))
    }

    /// The writer refuses corrections of fields no reader applies; forced into a ledger anyway (a
    /// writer with laxer rules), such a correction leaves the lot's state unknown: a "recall"
    /// written as `held: true` must not verify as the grade it did not change.
    @Test func aCorrectionNoReaderAppliesIsNotVerified() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let lot = "DT-LV-261103-01"
        let grading = try #require(try setup.ledger.entries(lotCode: lot).last { $0.type == "grading" })
        let recall = ProvenanceRecord.correction(CorrectionRecord(corrects: grading.seq, correctsLeafHash: grading.leafHash.hex, reason: "recalled: hold this lot",
                                                                  lotCode: lot, changes: ["held": .bool(true)]))
        #expect(throws: LedgerError.self) { try setup.ledger.append([recall], signer: setup.signer) }
        let lax = try Ledger(path: setup.ledger.path, rules: FieldRulesOnly())
        let forced = try #require(try lax.append([recall], signer: setup.signer).appended.first)
        let verdict = setup.verify(try setup.package(lot).bundle, lot: lot)
        #expect(!verdict.isValid, "\(verdict.text)")
        #expect(verdict.headline == "NOT VERIFIED: lot \(lot)'s signed records hold a correction this check cannot interpret, so its state is not proven.",
                "\(verdict.text)")
        #expect(verdict.text.contains("grading entry #\(grading.seq): field held") && !verdict.text.contains("Premium"), "\(verdict.text)")
        #expect(try setup.ledger.verify().failures.contains { $0.seq == forced.seq && $0.check == .domainRules })
    }

    @Test func aHeldLotSaysHeld() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        try setup.regrade("DT-LV-261103-01", to: "review")
        let package = try setup.package("DT-LV-261103-01")
        let verdict = setup.verify(package.bundle)
        #expect(verdict.isValid && verdict.headline.contains("HELD FOR REVIEW"), "\(verdict.text)")
        #expect(package.content.isHeld)
    }

    /// Two gradings recorded in either order: the later entry decides, whatever order the
    /// members are listed in; a reordered file is refused rather than read differently.
    @Test func twoGradingsInAnyOrder() throws {
        for (first, second) in [("Grade I", "Premium"), ("Premium", "Grade I")] {
            let setup = try Setup()
            defer { setup.directory.remove() }
            try setup.regrade("DT-LV-261103-01", to: first)
            try setup.regrade("DT-LV-261103-01", to: second)
            let package = try setup.package("DT-LV-261103-01")
            let verdict = setup.verify(package.bundle)
            #expect(verdict.headline.hasPrefix("VERIFIED: lot DT-LV-261103-01, grade \(second) as of"), "\(verdict.text)")
            let (header, members, tail) = Self.blocks(package.bundle)
            #expect(members.count == 5)   // lot, origin, 3 gradings
            var swapped = members
            swapped.swapAt(members.count - 1, members.count - 2)
            let reordered = setup.verify(Self.assemble(header, swapped, tail))
            #expect(!reordered.isValid && reordered.text.contains("not in ascending order"), "\(reordered.text)")
        }
    }

    @Test func duplicatedOrMissingMembersAreRefused() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        try setup.correctGrade("DT-LV-261103-01", to: "Reject")
        let package = try setup.package("DT-LV-261103-01")
        let (header, members, tail) = Self.blocks(package.bundle)
        #expect(Self.assemble(header, members, tail) == package.bundle)

        var duplicated = members
        duplicated.insert(members[2], at: 3)
        let dup = setup.verify(Self.assemble(header, duplicated, tail))
        #expect(!dup.isValid && dup.text.contains("appears twice"), "\(dup.text)")

        // Dropping any member (the correction to Reject, the grading, the origin) is caught.
        for index in members.indices {
            var dropped = members
            dropped.remove(at: index)
            let verdict = setup.verify(Self.assemble(header, dropped, tail))
            #expect(!verdict.isValid && verdict.text.contains("missing #"), "dropping member \(index): \(verdict.text)")
        }
        // Only the lot entry (item 4): refused, never VERIFIED for a grade it did not check.
        let lotOnly = setup.verify(Self.assemble(header, [members[1]], tail))
        #expect(!lotOnly.isValid && lotOnly.headline.hasPrefix("NOT VERIFIED"))
    }

    /// Item 5: the same key and origin line, a different ledger state.
    @Test func aMemberFromAnotherLedgerIsRefused() throws {
        let a = try Setup()
        defer { a.directory.remove() }
        let b = try Setup()
        defer { b.directory.remove() }
        try b.regrade("DT-LV-261103-01", to: "Premium")
        let bundleA = try a.package("DT-LV-261103-01").bundle, bundleB = try b.package("DT-LV-261103-01").bundle
        let (headerA, membersA, tailA) = Self.blocks(bundleA)
        let (_, membersB, tailB) = Self.blocks(bundleB)
        // B's newer grading in A's bundle: not included in A's checkpoint, not in A's statement.
        let mixed = a.verify(Self.assemble(headerA, membersA + [membersB.last!], tailA))
        #expect(!mixed.isValid && mixed.headline.hasPrefix("NOT VERIFIED"), "\(mixed.text)")
        // A's members under B's checkpoint and statement.
        let foreign = a.verify(Self.assemble(headerA, membersA, tailB))
        #expect(!foreign.isValid, "\(foreign.text)")
        // A's checkpoint with B's statement.
        let checkpointA = tailA.components(separatedBy: "\n\n").prefix(2).joined(separator: "\n\n")
        let statementB = tailB.components(separatedBy: "\n\n").dropFirst(2).joined(separator: "\n\n")
        let swappedStatement = a.verify(Self.assemble(headerA, membersA, checkpointA + "\n\n" + statementB))
        #expect(!swappedStatement.isValid, "\(swappedStatement.text)")
    }

    @Test func oldSingleEntryProofsAreRefusedWithAClearMessage() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let seq = try #require(try setup.ledger.lotRegistration("DT-LV-261103-01")).seq
        let old = try setup.ledger.proof(seq: seq).serialized
        let verdict = setup.verify(old)
        #expect(!verdict.isValid && verdict.text.contains("old single-entry proof file"), "\(verdict.text)")
    }

    @Test func anEmptyOrTruncatedBundleSaysWhatIsWrong() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        #expect(setup.verify("").text.contains("the file is empty"), "\(setup.verify("").text)")
        #expect(!setup.verify("").text.contains("newline"))
        #expect(setup.verify("agritrace-label-bundle").text.contains("does not end with a newline"))
    }

    @Test func aBoxClaimingAnotherLotOrOriginFails() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let bundle = try setup.package("DT-LV-261103-01").bundle
        let wrongLot = setup.verify(bundle, lot: "DT-LV-261103-02")
        #expect(!wrongLot.isValid && wrongLot.text.contains("the box says lot DT-LV-261103-02"))
        let wrongOrigin = setup.verify(bundle, origin: "VN-DTOR-0157")
        #expect(!wrongOrigin.isValid && wrongOrigin.text.contains("signed lot record says VN-DTOR-0141"))
    }

    @Test func aTamperedEntryOrAnotherKeyIsRefused() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let bundle = try setup.package("DT-TM-261104-02").bundle
        let (header, members, tail) = Self.blocks(bundle)
        let gradingIndex = try #require(members.lastIndex { line in
            let base64 = line.split(separator: "\n")[0].split(separator: " ")[2]
            return String(decoding: Data(base64Encoded: String(base64)) ?? Data(), as: UTF8.self).contains("\"lot_grade\":\"Reject\"")
        })
        var lines = members[gradingIndex].split(separator: "\n").map(String.init)
        let fields = lines[0].split(separator: " ").map(String.init)
        let forged = String(decoding: Data(base64Encoded: fields[2])!, as: UTF8.self)
            .replacingOccurrences(of: "\"lot_grade\":\"Reject\"", with: "\"lot_grade\":\"Premium\"")
        lines[0] = "entry \(fields[1]) " + Data(forged.utf8).base64EncodedString()
        var tampered = members
        tampered[gradingIndex] = lines.joined(separator: "\n")
        let verdict = setup.verify(Self.assemble(header, tampered, tail))
        #expect(!verdict.isValid && verdict.text.contains("does not check out"), "\(verdict.text)")

        let stranger = try NoteSigner(name: SampleLedger.keyName, seed: [UInt8](repeating: 0x01, count: 32)).verifier
        let other = LabelVerdict.check(bundle: bundle, name: "p", trustedKeys: [stranger], printed: .init())
        #expect(!other.isValid && other.text.contains("not signed by the key you trust"))
        // The checkpoint is what fails with another key, not the first entry proven under it.
        #expect(other.text.contains("p: the checkpoint does not check out") && !other.text.contains("entry #"), "\(other.text)")
    }

    @Test func witnessQuorumIsChecked() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let w1 = try NoteSigner(name: "witness.example/w1", type: .cosignatureV1, seed: [UInt8](repeating: 0x05, count: 32))
        let w2 = try NoteSigner(name: "witness.example/w2", type: .cosignatureV1, seed: [UInt8](repeating: 0x06, count: 32))
        var note = try SignedNote(parsing: try #require(try setup.ledger.latestCheckpoint()).signedNote)
        note.sign(with: w1, timestamp: 1_794_400_000)
        try setup.ledger.storeCosignedCheckpoint(note.serialized)
        let bundle = try setup.package("DT-LV-261103-01").bundle
        func check(_ witnesses: [NoteSigner], quorum: Int?) -> LabelVerdict {
            LabelVerdict.check(bundle: bundle, name: "p", trustedKeys: [setup.vkey], witnesses: witnesses.map(\.verifier),
                               quorum: quorum, printed: .init())
        }
        #expect(check([w1], quorum: nil).isValid)
        #expect(check([w1], quorum: nil).text.contains("cosigned by witness.example/w1"))
        #expect(!check([w1, w2], quorum: nil).isValid)
        #expect(check([w1, w2], quorum: 1).isValid)
        #expect(!check([w2], quorum: 1).isValid)
    }

    @Test func withoutACheckpointTheKeySignsOneAndUnknownLotsAreRefused() throws {
        let setup = try Setup(checkpoint: false)
        defer { setup.directory.remove() }
        let package = try setup.package("DT-LV-261105-03")
        #expect(package.signedNewCheckpoint)
        #expect(setup.verify(package.bundle, lot: "DT-LV-261105-03").isValid)
        // The next label reuses the checkpoint while it covers the lot's newest entry.
        #expect(!(try setup.package("DT-LV-261105-03")).signedNewCheckpoint)
        #expect(throws: LabelError.self) { try setup.package("NO-SUCH-LOT") }
    }

    @Test func theLabelShowsTheLotWithoutAGTINByItsURN() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let package = try setup.package("DT-CT-261104-01")
        #expect(package.content.qrPayload == "urn:agritrace:lot:DT-CT-261104-01")
        #expect(package.png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(package.baseFileName == "DT-CT-261104-01")
        // The sample's reweighing correction is applied to the lot's state.
        let corrected = try setup.package("DT-LV-261103-02")
        #expect(corrected.state.corrections.map(\.record.corrects) == [corrected.state.lotEntry.seq])
        #expect(corrected.state.lot.quantityGrams == 605_000)
    }

    /// The members of one lot with the statement of another: refused.
    @Test func entriesOfTwoLotsDoNotMakeOneLabel() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let first = Self.blocks(try setup.package("DT-LV-261103-01").bundle)
        let second = Self.blocks(try setup.package("DT-LV-261103-02").bundle)
        let verdict = setup.verify(Self.assemble(first.header, first.members, second.tail))
        #expect(!verdict.isValid, "\(verdict.text)")
        let mixed = setup.verify(Self.assemble(first.header, first.members + [second.members.last!], first.tail))
        #expect(!mixed.isValid, "\(mixed.text)")
    }
}

/// Ledgers written before the origin rule may hold a lot under another farm's origin code:
/// the lot's state carries the conflict, and `verify-label` refuses such a lot.
@Suite struct LotStateOriginTests {
    @Test func aLotThatContradictsItsOriginRegistrationIsFlagged() throws {
        let signer = try SampleLedger.signer()
        func entry(_ seq: Int, _ record: ProvenanceRecord) throws -> LedgerEntry {
            try LedgerEntry(seq: seq, prev: .zero, recordedAt: "2026-11-11T02:00:00.000Z", body: record.body, signer: signer)
        }
        let origin = ProvenanceRecord.origin(OriginRecord(originCode: "VN-DTOR-0141", farmID: "F-LV-014", crop: "cà chua"))
        func state(farm: String, crop: String) throws -> LotState {
            let lot = ProvenanceRecord.lot(LotRecord(lotCode: "X-1", originCode: "VN-DTOR-0141", farmID: farm, cooperative: "C",
                                                     crop: crop, harvestDate: "2026-11-03"))
            let grading = ProvenanceRecord.grading(GradingRecord(lotCode: "X-1", model: SampleLedger.modelID, policy: SampleLedger.policyID,
                                                                 uploadDigest: nil, images: [], lotGrade: "Premium", distribution: [:],
                                                                 needsReview: 0))
            return try LotState(entries: [try entry(1, origin), try entry(2, lot), try entry(3, grading)])
        }
        #expect(try state(farm: "F-LV-014", crop: "cà chua").originConflicts.isEmpty)
        #expect(try state(farm: "F-XX-999", crop: "xoài").originConflicts.map(\.description)
                == ["origin VN-DTOR-0141 is registered to farm F-LV-014, not farm F-XX-999",
                    "origin VN-DTOR-0141 is registered for cà chua, not xoài"])
    }
}

