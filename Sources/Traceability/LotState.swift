import LedgerStore
import Localization
import Provenance

/// A lot's state from a set of its entries: the lot and its origin registration with their
/// corrections applied, and the grade of its latest grading with that grading's corrections
/// applied. `label` prints it and `verify-label` recomputes it from the proof bundle, so both
/// read the same rules.
public struct LotState: Sendable {
    public let lotEntry: LedgerEntry
    /// The lot record with corrections applied.
    public let lot: LotRecord
    public let originEntry: LedgerEntry
    /// The origin registration with corrections applied.
    public let origin: OriginRecord
    /// Every grading of the lot, oldest first; the last one is the lot's grading now.
    public let gradings: [Recorded<GradingRecord>]
    /// The latest grading with its corrections: the lot's grade and hold now.
    public let current: CurrentGrading?
    /// The latest grading's lot grade with corrections of that grading applied.
    public var currentGrade: String? { current?.grade }
    public let corrections: [Recorded<CorrectionRecord>]
    /// Corrected fields this code does not know how to apply ("entry #7: field x"), shown to the
    /// reader rather than silently ignored.
    public let unappliedChanges: [Message]
    /// Where the lot contradicts its origin registration (farm or crop).
    public let originConflicts: [Message]

    public var latestGrading: Recorded<GradingRecord>? { gradings.last }

    /// Held for review by the latest grading's policy and not released by a correction of its
    /// lot grade (`GradingRecord.isHeld(correctedBy:)`).
    public var isHeld: Bool { current?.isHeld ?? false }

    /// Builds the state from exactly the lot's entries: one lot entry, the origin registration
    /// its (corrected) origin code names, its gradings, and corrections of any of these.
    /// Throws when the set is not that, naming the entry.
    public init(entries: [LedgerEntry]) throws(LotStateError) {
        let sorted = entries.sorted { $0.seq < $1.seq }
        var lots: [LedgerEntry] = [], origins: [(LedgerEntry, OriginRecord)] = []
        var gradings: [Recorded<GradingRecord>] = [], corrections: [Recorded<CorrectionRecord>] = []
        var lotRecord: LotRecord?
        for entry in sorted {
            // An entry the rules refuse is no part of a lot's record (verify reports it).
            switch try? entry.record() {
            case .lot(let lot): lots.append(entry); lotRecord = lot
            case .origin(let origin): origins.append((entry, origin))
            case .grading(let grading): gradings.append(Recorded(entry: entry, record: grading))
            case .correction(let correction): corrections.append(Recorded(entry: entry, record: correction))
            default: throw .unexpected("entry #\(entry.seq) is a \(entry.type) entry, not part of a lot's record")
            }
        }
        guard lots.count == 1, let lotEntry = lots.first, var lot = lotRecord else {
            throw .unexpected(lots.isEmpty ? "there is no lot entry" : "there are \(lots.count) lot entries (#\(lots.map { String($0.seq) }.joined(separator: ", #")))")
        }
        let bySeq = Dictionary(uniqueKeysWithValues: sorted.map { ($0.seq, $0) })
        var unapplied: [Message] = []
        var lotChanges: [[String: JSONValue]] = [], originChanges: [Int: [[String: JSONValue]]] = [:]
        for correction in corrections {
            let record = correction.record
            guard let target = bySeq[record.corrects], target.leafHash.hex == record.correctsLeafHash else {
                throw .unexpected("correction #\(correction.seq) amends entry #\(record.corrects), which is not among the lot's entries")
            }
            if let code = record.lotCode, code != lot.lotCode {
                throw .unexpected("correction #\(correction.seq) names lot \(code), not \(lot.lotCode)")
            }
            switch try? target.record() {
            case .lot: lotChanges.append(record.changes)
            case .origin: originChanges[target.seq, default: []].append(record.changes)
            case .grading: break   // the latest grading's corrections are applied by `CurrentGrading`
            default: unapplied.append(Message("correction #{seq} amends correction #{target}", ["seq": .text("\(correction.seq)"), "target": .text("\(target.seq)")]))
            }
        }
        for grading in gradings where grading.record.lotCode != lot.lotCode {
            throw .unexpected("grading #\(grading.seq) is of lot \(grading.record.lotCode), not \(lot.lotCode)")
        }

        for changes in lotChanges {
            for (key, value) in changes.sorted(by: { $0.key < $1.key }) {
                switch (key, value) {
                case ("origin_code", .string(let v)): lot.originCode = v
                case ("farm_id", .string(let v)): lot.farmID = v
                case ("crop", .string(let v)): lot.crop = v
                case ("harvest_date", .string(let v)): lot.harvestDate = v
                case ("cooperative", .string(let v)): lot.cooperative = v
                case ("gtin", .string(let v)): lot.gtin = v
                case ("quantity_g", .integer(let v)): lot.quantityGrams = Int(v)
                default: unapplied.append(Message("lot entry #{seq}: field {key}", ["seq": .text("\(lotEntry.seq)"), "key": .text("\(key)")]))
                }
            }
        }
        let matching = origins.filter { $0.1.originCode == lot.originCode }
        guard matching.count == 1, let (originEntry, signedOrigin) = matching.first else {
            throw .unexpected(matching.isEmpty ? "the registration of origin \(lot.originCode) is missing"
                                               : "origin \(lot.originCode) is registered \(matching.count) times")
        }
        if let stray = origins.first(where: { $0.1.originCode != lot.originCode }) {
            throw .unexpected("entry #\(stray.0.seq) registers origin \(stray.1.originCode), which the lot does not name")
        }
        var origin = signedOrigin
        for changes in originChanges[originEntry.seq] ?? [] {
            let (changed, skipped) = origin.applying(changes)
            origin = changed
            unapplied += skipped.map { Message("origin entry #{seq}: field {key}", ["seq": .text("\(originEntry.seq)"), "key": .text($0)]) }
        }
        let current = CurrentGrading(lotEntries: sorted)
        for amendment in current?.amendments ?? [] {
            for (key, value) in amendment.record.changes.sorted(by: { $0.key < $1.key }) where !(key == "lot_grade" && value.stringValue != nil) {
                unapplied.append(Message("grading entry #{corrects}: field {key}", ["corrects": .text("\(amendment.record.corrects)"), "key": .text("\(key)")]))
            }
        }
        let conflicts = origin.conflicts(farmID: lot.farmID, crop: lot.crop)
        self.lotEntry = lotEntry
        self.lot = lot
        self.originEntry = originEntry
        self.origin = origin
        self.gradings = gradings
        self.current = current
        self.corrections = corrections
        self.unappliedChanges = unapplied
        self.originConflicts = conflicts
    }
}

public enum LotStateError: Error, Equatable, CustomStringConvertible {
    case unexpected(String)

    public var description: String {
        switch self { case .unexpected(let reason): return reason }
    }
}
