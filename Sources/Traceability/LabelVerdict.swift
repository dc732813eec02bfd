import LedgerStore
import Localization
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

    static func refused(_ problems: [String], _ p: Presentation) -> LabelVerdict {
        LabelVerdict(isValid: false, headline: p(Message("NOT VERIFIED: do not rely on this label.")), details: problems)
    }

    /// Checks a proof bundle (`LabelBundle`) and recomputes the lot's state from it:
    /// 1. the checkpoint is signed by a trusted key and cosigned by at least `quorum` of `witnesses`;
    /// 2. every member entry is signed by a trusted key and included in that checkpoint's tree;
    /// 3. the cooperative's signed statement names exactly these entries (ascending, no repeats)
    ///    under this checkpoint, so none was dropped, added or brought from another ledger;
    /// 4. the entries are one lot, its origin registration (matching farm and crop), its gradings
    ///    and their corrections; the state is the latest grading with corrections applied;
    /// 5. what the box says (`printed`) matches that state.
    /// Never throws: every failure becomes a verdict naming the reason, in `p`'s language.
    public static func check(bundle text: String, name: String, trustedKeys: [NoteVerifier],
                             witnesses: [NoteVerifier] = [], quorum: Int? = nil, printed: Printed,
                             presentation p: Presentation = .english) -> LabelVerdict {
        func refused(_ problems: [String]) -> LabelVerdict { Self.refused(problems, p) }
        func explain(_ error: Error) -> String { p(Self.explain(error)) }
        let bundle: LabelBundle
        do { bundle = try LabelBundle(parsing: text) } catch { return refused(["\(name): \(p.describe(error))"]) }

        // Structure before cryptography, so the message says what is wrong with the file.
        var seen = Set<Int>()
        for (index, member) in bundle.members.enumerated() {
            guard seen.insert(member.seq).inserted else { return refused([p(Message("{file}: entry #{seq} appears twice", ["file": .text(name), "seq": .text(String(member.seq))]))]) }
            if index > 0, bundle.members[index - 1].seq > member.seq {
                return refused([p(Message("{file}: entries are not in ascending order (#{before} before #{seq}); the file was altered",
                                          ["file": .text(name), "before": .text(String(bundle.members[index - 1].seq)), "seq": .text(String(member.seq))]))])
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
            } catch let error as NoteError where Self.isCheckpointFailure(error) {
                // The checkpoint every entry is proven under, not this entry, failed.
                return refused([p(Message("{file}: the checkpoint does not check out: {reason} ({detail})", [
                    "file": .text(name), "reason": .text(explain(error)), "detail": .text(p.describe(error))]))])
            } catch {
                return refused([p(Message("{file}: entry #{seq} does not check out: {reason} ({detail})", [
                    "file": .text(name), "seq": .text(String(member.seq)), "reason": .text(explain(error)), "detail": .text(p.describe(error))]))])
            }
        }
        guard let checkpoint else { return refused([p(Message("{file}: no entries", ["file": .text(name)]))]) }

        let statement: LabelBundle.Statement
        do {
            let note = try SignedNote(parsing: bundle.signedStatement)
            _ = try note.verify(trusting: trustedKeys)
            statement = try LabelBundle.Statement(text: note.text)
        } catch {
            return refused([p(Message("{file}: the cooperative's statement of which entries make up the lot does not check out: {reason} ({detail})",
                                      ["file": .text(name), "reason": .text(explain(error)), "detail": .text(p.describe(error))]))])
        }
        guard statement.origin == checkpoint.origin, statement.treeSize == checkpoint.size, statement.root == checkpoint.root else {
            return refused([p(Message("{file}: the statement is about another ledger state ({origin}, {size} entries) than the checkpoint ({checkpoint_origin}, {checkpoint_size} entries)", [
                "file": .text(name), "origin": .text(statement.origin), "size": .integer(statement.treeSize),
                "checkpoint_origin": .text(checkpoint.origin), "checkpoint_size": .integer(checkpoint.size)]))])
        }
        let listed = statement.members.map { "#\($0.seq) \($0.leafHash.base64)" }
        let present = bundle.members.map { "#\($0.seq) \($0.leafHash.base64)" }
        guard listed == present else {
            let missing = Set(listed).subtracting(present).sorted(), extra = Set(present).subtracting(listed).sorted()
            var reasons: [String] = []
            if !missing.isEmpty { reasons.append(p(Message("missing {entries}", ["entries": .text(missing.joined(separator: ", "))]))) }
            if !extra.isEmpty {
                reasons.append(p(Message("not listed by the cooperative: {entries}", ["entries": .text(extra.joined(separator: ", "))])))
            }
            return refused([p(Message("{file}: the entries are not the ones the cooperative listed for lot {lot} ({reasons}); an entry was removed, added or taken from another ledger",
                                      ["file": .text(name), "lot": .text(statement.lotCode), "reasons": .text(reasons.joined(separator: "; "))]))])
        }

        let state: LotState
        do { state = try LotState(entries: entries) } catch {
            return refused([p(Message("{file}: the entries are not one lot's record: {reason}", ["file": .text(name), "reason": .text(p.describe(error))]))])
        }
        guard state.lot.lotCode == statement.lotCode else {
            return refused([p(Message("{file}: the statement is for lot {lot}, the entries for lot {entries_lot}",
                                      ["file": .text(name), "lot": .text(statement.lotCode), "entries_lot": .text(state.lot.lotCode)]))])
        }
        return verdict(state: state, statement: statement, checkpoint: checkpoint, cosigners: cosigners, printed: printed, p)
    }

    /// A failure of the checkpoint's signatures (the cooperative's, the witnesses' quorum) or
    /// origin: about the checkpoint every entry is proven under, not about one entry.
    static func isCheckpointFailure(_ error: NoteError) -> Bool {
        switch error {
        case .invalidSignature, .noVerifiedSignature, .witnessQuorum, .originMismatch: return true
        default: return false
        }
    }

    /// What a proof failure means for a buyer, before the technical detail.
    static func explain(_ error: Error) -> Message {
        switch error {
        case is MerkleError:
            return Message("the record or its proof was changed, so it is not the one in the cooperative's signed ledger")
        case NoteError.noVerifiedSignature, NoteError.invalidSignature, NoteError.witnessQuorum:
            return Message("it is not signed by the key you trust (or a required witness did not cosign it)")
        case NoteError.originMismatch:
            return Message("it comes from a different ledger")
        case is NoteError, is LabelBundleError:
            return Message("the file is damaged or not a proof file")
        case ProofFileError.entrySignature:
            return Message("the record is not signed by the cooperative's key")
        default:
            return Message("the record inside is not valid")
        }
    }

    private static func verdict(state: LotState, statement: LabelBundle.Statement, checkpoint: Checkpoint,
                                cosigners: [NoteVerifier], printed: Printed, _ p: Presentation) -> LabelVerdict {
        let lot = state.lot, origin = state.origin
        var problems = state.originConflicts.map {
            p(Message("{conflict} (entry #{seq}): the origin is not the registered one", ["conflict": .message($0), "seq": .text(String(state.originEntry.seq))]))
        }
        if let printedLot = printed.lotCode, printedLot != lot.lotCode {
            problems.append(p(Message("the box says lot {printed}, but the signed record is for lot {lot}", ["printed": .text(printedLot), "lot": .text(lot.lotCode)])))
        }
        if let printedOrigin = printed.originCode, printedOrigin != lot.originCode {
            problems.append(p(Message("the box says origin {printed}, but the signed lot record says {origin}",
                                      ["printed": .text(printedOrigin), "origin": .text(lot.originCode)])))
        }
        guard problems.isEmpty else {
            return LabelVerdict(isValid: false, headline: p(Message("NOT VERIFIED: the label does not match the signed records.")),
                                details: problems)
        }
        // A signed correction no reader applies (the writer refuses them; a ledger may still hold
        // one) leaves the lot's state unknown: a grade shown beside it would not be proven.
        guard state.unappliedChanges.isEmpty else {
            return LabelVerdict(isValid: false, headline: p(Message("NOT VERIFIED: lot {lot}'s signed records hold a correction this check cannot interpret, so its state is not proven.", ["lot": .text(lot.lotCode)])),
                                details: state.unappliedChanges.map {
                                    p(Message("{change} was corrected in a way this check does not interpret; see `agritrace trace {lot}`",
                                              ["change": .message($0), "lot": .text(Quoting.shellOperand(lot.lotCode))]))
                                })
        }
        guard let grading = state.latestGrading, let grade = state.currentGrade else {
            return LabelVerdict(isValid: false, headline: p(Message("NOT VERIFIED: lot {lot} has no grading in the signed records.", ["lot": .text(lot.lotCode)])),
                                details: [p(Message("no grade can be claimed for this lot"))])
        }

        let asOf = p(Message("as of the cooperative's ledger {ledger} on {time} ({size} entries)", [
            "ledger": .text(checkpoint.origin), "time": .timestamp(statement.newestRecordedAt), "size": .integer(checkpoint.size)]))
        let headline = state.isHeld
            ? p(Message("VERIFIED: lot {lot} is HELD FOR REVIEW, not graded: no grade may be claimed for it yet (the grading suggested \"{grade}\"), {as_of}.",
                        ["lot": .text(lot.lotCode), "grade": .text(p.grade(grading.record.lotGrade)), "as_of": .text(asOf)]))
            : p(Message("VERIFIED: lot {lot}, grade {grade} {as_of}.", ["lot": .text(lot.lotCode), "grade": .text(p.grade(grade)), "as_of": .text(asOf)]))
        var details: [String] = []
        let farm = origin.location.map {
            p(Message("farm {farm} at {place}", ["farm": .text(origin.farmDescription), "place": .text($0)]))
        } ?? p(Message("farm {farm}", ["farm": .text(origin.farmDescription)]))
        details.append(p(Message("origin {origin}: {farm}, crop {crop}; the lot's farm and crop match this registration (entry #{seq})", [
            "origin": .text(lot.originCode), "farm": .text(farm), "crop": .text(origin.crop), "seq": .text(String(state.originEntry.seq))])))
        let quantity = lot.quantityGrams.map { ", " + p(Message("{kg} kg", ["kg": .decimal(Double($0) / 1000, digits: EntrySummary.fractionDigits($0))])) } ?? ""
        details.append(p(Message("lot {lot}: {crop}, harvested {day}, cooperative {cooperative}{quantity} (entry #{seq})", [
            "lot": .text(lot.lotCode), "crop": .text(lot.crop), "day": .day(lot.harvestDate), "cooperative": .text(lot.cooperative),
            "quantity": .text(quantity), "seq": .text(String(state.lotEntry.seq))])))
        let record = grading.record
        details.append(p(Message("latest grading on {time}: {photos} ({distribution}), model {model}…, policy {policy}… (entry #{seq})", [
            "time": .timestamp(grading.recordedAt), "photos": .message(Message("{n} photo", plural: "{n} photos", count: record.images.count)),
            "distribution": .text(record.distributionText(p)), "model": .text(String(record.model.prefix(16))),
            "policy": .text(String(record.policy.prefix(16))), "seq": .text(String(grading.seq))])))
        if state.isHeld, let why = record.holdExplanation(p) {
            details.append(p(Message("held for review by the grading policy: {why}; a person has not decided its grade", ["why": .text(why)])))
        } else if let decision = state.current?.decision {
            let decided = p(Message("grade {grade} decided by review: correction #{seq} on {time}{reason}", [
                "grade": .text(p.grade(grade)), "seq": .text(String(decision.entry.seq)), "time": .timestamp(decision.entry.recordedAt),
                "reason": .text(decision.record.attributedReason(p))]))
            let original = record.held
                ? p(Message("the grading had held the lot and suggested {grade}", ["grade": .text(p.grade(record.lotGrade))]))
                : p(Message("the grading said {grade}", ["grade": .text(p.grade(record.lotGrade))]))
            details.append("\(decided) (\(original))")
        }
        for older in state.gradings.dropLast() {
            details.append(p(Message("superseded: grading of {time} said {grade} (entry #{seq})", [
                "time": .timestamp(older.recordedAt), "grade": .text(p.grade(older.record.lotGrade)), "seq": .text(String(older.seq))])))
        }
        for correction in state.corrections {
            details.append(p(Message("correction of entry #{corrects} on {time}{reason} ({changes}) — applied (entry #{seq})", [
                "corrects": .text(String(correction.record.corrects)), "time": .timestamp(correction.recordedAt),
                "reason": .text(correction.record.attributedReason(p)), "changes": .text(correction.record.changesText(p)), "seq": .text(String(correction.seq))])))
        }
        var signed = p(Message("every entry is signed by the cooperative's key and included in its checkpoint of {size} entries", ["size": .integer(checkpoint.size)]))
        if !cosigners.isEmpty { signed += ", " + p(Message("cosigned by {witnesses}", ["witnesses": .text(cosigners.map(\.name).joined(separator: ", "))])) }
        details.append(signed + "; " + p(Message("the cooperative signed that these are all of the lot's entries up to that checkpoint")))
        switch (printed.lotCode, printed.originCode) {
        case (let printedLot?, let printedOrigin?):
            details.append(p(Message("the box's lot {lot} and origin {origin} match the signed records", ["lot": .text(printedLot), "origin": .text(printedOrigin)])))
        case (let printedLot?, nil):
            details.append(p(Message("the box's lot {lot} matches the signed records", ["lot": .text(printedLot)])))
        case (nil, let printedOrigin?):
            details.append(p(Message("the box's origin {origin} matches the signed records", ["origin": .text(printedOrigin)])))
        case (nil, nil):
            details.append(p(Message("no --lot or --origin given: compare the lot code and origin printed on the box with the ones above")))
        }
        details.append(p(Message("not covered: anything recorded after {time} (entries from #{size} on), such as a later grading or correction; ask for a newer label proof to see them",
                                 ["time": .timestamp(statement.newestRecordedAt), "size": .text(String(checkpoint.size))])))
        return LabelVerdict(isValid: true, headline: headline, details: details)
    }
}
