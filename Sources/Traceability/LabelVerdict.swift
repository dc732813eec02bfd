import LedgerStore
import MerkleLog

/// The buyer's offline check of a box's proof bundle, in plain language.
public struct LabelVerdict: Sendable {
    public let isValid: Bool
    /// One sentence: what the buyer can rely on, or why not.
    public let headline: String
    /// The facts proven (or the individual problems), one per line.
    public let details: [String]

    public init(isValid: Bool, headline: String, details: [String]) {
        self.isValid = isValid
        self.headline = headline
        self.details = details
    }

    public var text: String {
        ([headline] + details.map { "  - " + $0 }).joined(separator: "\n") + "\n"
    }

    /// What the box says, to compare with the signed entries.
    public struct Printed: Sendable {
        public var lotCode: String?
        public var originCode: String?
        public init(lotCode: String? = nil, originCode: String? = nil) {
            self.lotCode = lotCode
            self.originCode = originCode
        }
    }

    static func refused(_ problems: [String]) -> LabelVerdict {
        LabelVerdict(isValid: false, headline: "NOT VERIFIED: do not rely on this label.", details: problems)
    }

    /// Checks a proof bundle (`LabelBundle`) and recomputes the lot's state from it:
    /// 1. the checkpoint is signed by a trusted key and cosigned by at least `quorum` of `witnesses`;
    /// 2. every member entry is signed by a trusted key and included in that checkpoint's tree;
    /// 3. the cooperative's signed statement names exactly these entries (ascending, no repeats)
    ///    under this checkpoint, so none was dropped, added or brought from another ledger;
    /// 4. the entries are one lot, its origin registration (matching farm and crop), its gradings
    ///    and their corrections; the state is the latest grading with corrections applied;
    /// 5. what the box says (`printed`) matches that state.
    /// Never throws: every failure becomes a verdict naming the reason.
    public static func check(bundle text: String, name: String, trustedKeys: [NoteVerifier],
                             witnesses: [NoteVerifier] = [], quorum: Int? = nil, printed: Printed) -> LabelVerdict {
        let bundle: LabelBundle
        do { bundle = try LabelBundle(parsing: text) } catch { return refused(["\(name): \(error)"]) }

        // Structure before cryptography, so the message says what is wrong with the file.
        var seen = Set<Int>()
        for (index, member) in bundle.members.enumerated() {
            guard seen.insert(member.seq).inserted else { return refused(["\(name): entry #\(member.seq) appears twice"]) }
            if index > 0, bundle.members[index - 1].seq > member.seq {
                return refused(["\(name): entries are not in ascending order (#\(bundle.members[index - 1].seq) before #\(member.seq)); the file was altered"])
            }
        }

        let required = quorum ?? witnesses.count
        var entries: [LedgerEntry] = []
        var checkpoint: Checkpoint?
        var cosigners: [NoteVerifier] = []
        for member in bundle.members {
            let proof = TlogProof(extra: member.entry, index: member.seq, inclusionProof: member.inclusionProof,
                                  signedCheckpoint: bundle.signedCheckpoint)
            do {
                let verified = try ProofFile.verify(proof.serialized, trustedKeys: trustedKeys, witnesses: witnesses,
                                                    requiredWitnesses: required)
                entries.append(verified.entry)
                checkpoint = verified.checkpoint
                cosigners = verified.witnesses
            } catch {
                return refused(["\(name): entry #\(member.seq) does not check out: \(explain(error)) (\(error))"])
            }
        }
        guard let checkpoint else { return refused(["\(name): no entries"]) }

        let statement: LabelBundle.Statement
        do {
            let note = try SignedNote(parsing: bundle.signedStatement)
            _ = try note.verify(trusting: trustedKeys)
            statement = try LabelBundle.Statement(text: note.text)
        } catch {
            return refused(["\(name): the cooperative's statement of which entries make up the lot does not check out: \(explain(error)) (\(error))"])
        }
        guard statement.origin == checkpoint.origin, statement.treeSize == checkpoint.size, statement.root == checkpoint.root else {
            return refused(["\(name): the statement is about another ledger state (\(statement.origin), \(statement.treeSize) entries) than the checkpoint (\(checkpoint.origin), \(checkpoint.size) entries)"])
        }
        let listed = statement.members.map { "#\($0.seq) \($0.leafHash.base64)" }
        let present = bundle.members.map { "#\($0.seq) \($0.leafHash.base64)" }
        guard listed == present else {
            let missing = Set(listed).subtracting(present).sorted(), extra = Set(present).subtracting(listed).sorted()
            var reasons: [String] = []
            if !missing.isEmpty { reasons.append("missing \(missing.joined(separator: ", "))") }
            if !extra.isEmpty { reasons.append("not listed by the cooperative: \(extra.joined(separator: ", "))") }
            return refused(["\(name): the entries are not the ones the cooperative listed for lot \(statement.lotCode) (\(reasons.joined(separator: "; "))); an entry was removed, added or taken from another ledger"])
        }

        let state: LotState
        do { state = try LotState(entries: entries) } catch {
            return refused(["\(name): the entries are not one lot's record: \(error)"])
        }
        guard state.lot.lotCode == statement.lotCode else {
            return refused(["\(name): the statement is for lot \(statement.lotCode), the entries for lot \(state.lot.lotCode)"])
        }
        return verdict(state: state, statement: statement, checkpoint: checkpoint, cosigners: cosigners, printed: printed)
    }

    /// What a proof failure means for a buyer, before the technical detail.
    static func explain(_ error: Error) -> String {
        switch error {
        case is MerkleError:
            return "the record or its proof was changed, so it is not the one in the cooperative's signed ledger"
        case NoteError.noVerifiedSignature, NoteError.invalidSignature, NoteError.witnessQuorum:
            return "it is not signed by the key you trust (or a required witness did not cosign it)"
        case NoteError.originMismatch:
            return "it comes from a different ledger"
        case is NoteError, is LabelBundleError:
            return "the file is damaged or not a proof file"
        case ProofFileError.entrySignature:
            return "the record is not signed by the cooperative's key"
        default:
            return "the record inside is not valid"
        }
    }

    private static func verdict(state: LotState, statement: LabelBundle.Statement, checkpoint: Checkpoint,
                                cosigners: [NoteVerifier], printed: Printed) -> LabelVerdict {
        let lot = state.lot, origin = state.origin
        var problems = state.originConflicts.map { "\($0) (entry #\(state.originEntry.seq)): the origin is not the registered one" }
        if let printedLot = printed.lotCode, printedLot != lot.lotCode {
            problems.append("the box says lot \(printedLot), but the signed record is for lot \(lot.lotCode)")
        }
        if let printedOrigin = printed.originCode, printedOrigin != lot.originCode {
            problems.append("the box says origin \(printedOrigin), but the signed lot record says \(lot.originCode)")
        }
        guard problems.isEmpty else {
            return LabelVerdict(isValid: false, headline: "NOT VERIFIED: the label does not match the signed records.",
                                details: problems)
        }
        guard let grading = state.latestGrading, let grade = state.currentGrade else {
            return LabelVerdict(isValid: false, headline: "NOT VERIFIED: lot \(lot.lotCode) has no grading in the signed records.",
                                details: ["no grade can be claimed for this lot"])
        }

        let asOf = "as of the cooperative's ledger \(checkpoint.origin) on \(statement.newestRecordedAt) (\(checkpoint.size) entries)"
        let headline = state.isHeld
            ? "VERIFIED: lot \(lot.lotCode) is HELD FOR REVIEW, not graded: no grade may be claimed for it yet (the grading suggested \"\(grading.record.lotGrade)\"), \(asOf)."
            : "VERIFIED: lot \(lot.lotCode), grade \(grade) \(asOf)."
        var details: [String] = []
        let place = origin.location.map { " at \($0)" } ?? ""
        details.append("origin \(lot.originCode): farm \(origin.farmDescription)\(place), crop \(origin.crop); the lot's farm and crop match this registration (entry #\(state.originEntry.seq))")
        details.append("lot \(lot.lotCode): \(lot.crop), harvested \(lot.harvestDate), cooperative \(lot.cooperative)\(lot.quantityKilogramsText.map { ", \($0) kg" } ?? "") (entry #\(state.lotEntry.seq))")
        let record = grading.record
        details.append("latest grading on \(grading.recordedAt): \(record.images.count) photos (\(record.distributionText)), model \(record.model.prefix(16))…, policy \(record.policy.prefix(16))… (entry #\(grading.seq))")
        if state.isHeld, let why = record.holdExplanation {
            details.append("held for review by the grading policy: \(why); a person has not decided its grade")
        } else if let decision = state.current?.decision {
            details.append("grade \(grade) decided by review: correction #\(decision.entry.seq) on \(decision.entry.recordedAt)\(decision.record.attributedReason)"
                           + (record.held ? " (the grading had held the lot and suggested \(record.lotGrade))" : " (the grading said \(record.lotGrade))"))
        }
        for older in state.gradings.dropLast() {
            details.append("superseded: grading of \(older.recordedAt) said \(older.record.lotGrade) (entry #\(older.seq))")
        }
        for correction in state.corrections {
            details.append("correction of entry #\(correction.record.corrects) on \(correction.recordedAt)\(correction.record.attributedReason) (\(correction.record.changesText)) — applied (entry #\(correction.seq))")
        }
        for change in state.unappliedChanges {
            details.append("\(change) was corrected in a way this check does not interpret; see `agritrace trace \(lot.lotCode)`")
        }
        var signed = "every entry is signed by the cooperative's key and included in its checkpoint of \(checkpoint.size) entries"
        if !cosigners.isEmpty { signed += ", cosigned by \(cosigners.map(\.name).joined(separator: ", "))" }
        details.append(signed + "; the cooperative signed that these are all of the lot's entries up to that checkpoint")
        if printed.lotCode != nil || printed.originCode != nil {
            let matched = [printed.lotCode.map { "lot \($0)" }, printed.originCode.map { "origin \($0)" }].compactMap { $0 }
            details.append("the box's \(matched.joined(separator: " and ")) \(matched.count == 1 ? "matches" : "match") the signed records")
        } else {
            details.append("no --lot or --origin given: compare the lot code and origin printed on the box with the ones above")
        }
        details.append("not covered: anything recorded after \(statement.newestRecordedAt) (entries from #\(checkpoint.size) on), such as a later grading or correction; ask for a newer label proof to see them")
        return LabelVerdict(isValid: true, headline: headline, details: details)
    }
}
