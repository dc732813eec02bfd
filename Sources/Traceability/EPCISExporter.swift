import LedgerStore
import Provenance

/// Builds a GS1 EPCIS 2.0 JSON-LD `EPCISDocument` from the ledger: one `ObjectEvent` per
/// grading entry, and one per reviewer's decision (a correction setting a grading's lot grade),
/// so the original grading stays visible and the latest event of a lot is its state now (see
/// `Sources/Traceability/README.md` for the field mapping).
public struct EPCISExporter: Sendable {
    /// JSON-LD prefix for our extension fields (ledger seq, leaf hash, origin code, grade).
    public static let namespacePrefix = "agritrace"
    public static let namespaceIRI = "urn:agritrace:epcis:"
    public static let contextURL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

    public struct Options: Sendable {
        /// Only gradings of this lot.
        public var lotCode: String?
        /// Only gradings recorded on or after this UTC date (`YYYY-MM-DD`).
        public var sinceDate: String?
        /// `readPoint`/`bizLocation` id for every event, e.g. the cooperative's SGLN
        /// or any URI. By default `urn:agritrace:cooperative:<id>` from the lot entry.
        public var locationURI: String?
        /// Where the gradings happen; the ledger records UTC instants, EPCIS also wants the
        /// local offset. Default: Vietnam (+07:00, no daylight saving).
        public var timeZoneOffset: String = "+07:00"

        public init(lotCode: String? = nil, sinceDate: String? = nil, locationURI: String? = nil) {
            self.lotCode = lotCode
            self.sinceDate = sinceDate
            self.locationURI = locationURI
        }
    }

    public let options: Options

    public init(options: Options = Options()) { self.options = options }

    /// What becomes an event: a grading, or a decision about one (a correction setting its lot grade).
    public enum Inspection: Sendable {
        case grading(Recorded<GradingRecord>)
        case decision(Recorded<CorrectionRecord>, of: Recorded<GradingRecord>)

        var entry: LedgerEntry {
            switch self {
            case .grading(let grading): return grading.entry
            case .decision(let correction, _): return correction.entry
            }
        }
        var grading: Recorded<GradingRecord> {
            switch self {
            case .grading(let grading), .decision(_, of: let grading): return grading
            }
        }
    }

    /// The gradings and decisions the options select, in ledger order.
    public func selectedInspections(in ledger: LedgerSnapshot) -> [Inspection] {
        var inspections: [Inspection] = []
        for grading in ledger.gradings {
            inspections.append(.grading(grading))
            // A decision about a grading that a later grading of the lot had already replaced
            // changes nothing now (every reader applies only the latest grading's corrections),
            // so it is no event: the lot's latest event stays its state now.
            let replacedAt = ledger.gradings(lotCode: grading.record.lotCode).first { $0.seq > grading.seq }?.seq ?? .max
            for correction in ledger.corrections(of: [grading.seq])
            where correction.record.correctsLeafHash == grading.leafHashHex && correction.record.changes["lot_grade"]?.stringValue != nil
                && correction.seq < replacedAt {
                inspections.append(.decision(correction, of: grading))
            }
        }
        return inspections.filter { inspection in
            if let lot = options.lotCode, inspection.grading.record.lotCode != lot { return false }
            if let since = options.sinceDate, String(inspection.entry.recordedAt.prefix(10)) < since { return false }
            return true
        }.sorted { $0.entry.seq < $1.entry.seq }
    }

    /// `creationDate` is passed in so exports are reproducible in tests.
    public func document(for ledger: LedgerSnapshot, creationDate: String) -> OrderedJSON {
        // EPCIS allows ILMD only on action ADD: the first grading of a lot brings the lot into
        // the event record (ADD, with harvest date and origin); later re-gradings OBSERVE it.
        var seenLots = Set<String>()
        let firstGradings = Set(ledger.gradings.filter { seenLots.insert($0.record.lotCode).inserted }.map(\.seq))
        let events = selectedInspections(in: ledger).map { inspection in
            event(for: inspection, in: ledger, isFirstOfLot: { if case .grading(let g) = inspection { firstGradings.contains(g.seq) } else { false } }())
        }
        return .object([
            ("@context", .array([
                .string(Self.contextURL),
                .object([(Self.namespacePrefix, .string(Self.namespaceIRI))]),
            ])),
            ("type", .string("EPCISDocument")),
            ("schemaVersion", .string("2.0")),
            ("creationDate", .string(creationDate)),
            ("epcisBody", .object([("eventList", .array(events))])),
        ])
    }

    func event(for inspection: Inspection, in ledger: LedgerSnapshot, isFirstOfLot: Bool) -> OrderedJSON {
        let recorded = inspection.grading
        let grading = recorded.record
        let entry = inspection.entry
        // A grading's event says what the grading decided; a decision's event, the lot's state
        // after the corrections of that grading up to it (a reviewer's lot grade releases a hold).
        let corrections: [CorrectionRecord]
        switch inspection {
        case .grading: corrections = []
        case .decision(let decision, _):
            corrections = ledger.corrections(of: [recorded.seq]).filter { $0.seq <= decision.seq }.map(\.record)
        }
        // The ledger refuses a grading of an unregistered lot, so the lot is normally there.
        let lot = ledger.lot(code: grading.lotCode)?.record
        let identifier = lot?.identifier ?? LotIdentifier(lot: grading.lotCode, gtin: nil)
        var quantity: [(String, OrderedJSON)] = [("epcClass", .string(identifier.uri))]
        if let kg = lot?.quantityKilogramsText {
            quantity += [("quantity", .decimal(kg)), ("uom", .string("KGM"))]
        }
        let location = options.locationURI
            ?? lot.map { "urn:agritrace:cooperative:" + LotIdentifier.percentEncoded($0.cooperative) }
            ?? "urn:agritrace:cooperative:unknown"

        var members: [(String, OrderedJSON)] = [
            ("type", .string("ObjectEvent")),
            ("eventTime", .string(entry.recordedAt)),
            ("eventTimeZoneOffset", .string(options.timeZoneOffset)),
            ("eventID", .string("urn:agritrace:leaf:\(entry.leafHash.hex)")),
            ("quantityList", .array([.object(quantity)])),
            ("action", .string(isFirstOfLot ? "ADD" : "OBSERVE")),
            ("bizStep", .string("inspecting")),
            ("disposition", .string(grading.isConformant(correctedBy: corrections) ? "conformant" : "non_conformant")),
            ("readPoint", .object([("id", .string(location))])),
            ("bizLocation", .object([("id", .string(location))])),
        ]
        if isFirstOfLot, let lot {
            members.append(("ilmd", .object([
                ("cbvmda:harvestStartDate", .string(lot.harvestDate)),
                ("cbvmda:harvestEndDate", .string(lot.harvestDate)),
                ("agritrace:originCode", .string(lot.originCode)),
                ("agritrace:farmID", .string(lot.farmID)),
                ("agritrace:crop", .string(lot.crop)),
            ])))
        }
        if let lot { members.append(("agritrace:originCode", .string(lot.originCode))) }
        members += [
            ("agritrace:seq", .int(entry.seq)),
            ("agritrace:leafHash", .string(entry.leafHash.hex)),
            ("agritrace:lotGrade", .string(grading.lotGrade(correctedBy: corrections))),
            ("agritrace:heldForReview", .bool(grading.isHeld(correctedBy: corrections))),
        ]
        switch inspection {
        case .grading:
            if let reason = grading.holdReason { members.append(("agritrace:holdReason", .string(reason.rawValue))) }
            members += [
                ("agritrace:photoCount", .int(grading.images.count)),
                ("agritrace:model", .string(grading.model)),
                ("agritrace:policy", .string(grading.policy)),
            ]
        case .decision(let decision, _):
            members += [("agritrace:corrects", .int(recorded.seq)), ("agritrace:reason", .string(decision.record.reason))]
            if let reviewer = decision.record.reviewer { members.append(("agritrace:reviewer", .string(reviewer))) }
        }
        return .object(members)
    }
}
