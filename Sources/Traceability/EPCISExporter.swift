import LedgerStore
import Provenance

/// Builds a GS1 EPCIS 2.0 JSON-LD `EPCISDocument` from the ledger: one `ObjectEvent` per
/// grading entry (see `Sources/Traceability/README.md` for the field mapping).
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

    /// The gradings the options select, in ledger order.
    public func selectedGradings(in ledger: LedgerSnapshot) -> [Recorded<GradingRecord>] {
        ledger.gradings.filter { grading in
            if let lot = options.lotCode, grading.record.lotCode != lot { return false }
            if let since = options.sinceDate, String(grading.recordedAt.prefix(10)) < since { return false }
            return true
        }
    }

    /// `creationDate` is passed in so exports are reproducible in tests.
    public func document(for ledger: LedgerSnapshot, creationDate: String) -> OrderedJSON {
        // EPCIS allows ILMD only on action ADD: the first grading of a lot brings the lot into
        // the event record (ADD, with harvest date and origin); later re-gradings OBSERVE it.
        var seenLots = Set<String>()
        let firstGradings = Set(ledger.gradings.filter { seenLots.insert($0.record.lotCode).inserted }.map(\.seq))
        let events = selectedGradings(in: ledger).map {
            event(for: $0, in: ledger, isFirstOfLot: firstGradings.contains($0.seq))
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

    func event(for recorded: Recorded<GradingRecord>, in ledger: LedgerSnapshot, isFirstOfLot: Bool) -> OrderedJSON {
        let grading = recorded.record
        // A reviewer's correction of the lot grade releases a hold, as on the label.
        let corrections = ledger.corrections(of: [recorded.seq]).map(\.record)
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
            ("eventTime", .string(recorded.recordedAt)),
            ("eventTimeZoneOffset", .string(options.timeZoneOffset)),
            ("eventID", .string("urn:agritrace:leaf:\(recorded.leafHashHex)")),
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
            ("agritrace:seq", .int(recorded.seq)),
            ("agritrace:leafHash", .string(recorded.leafHashHex)),
            ("agritrace:lotGrade", .string(grading.lotGrade)),
            ("agritrace:photoCount", .int(grading.images.count)),
            ("agritrace:model", .string(grading.model)),
            ("agritrace:policy", .string(grading.policy)),
        ]
        return .object(members)
    }
}
