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
        /// `readPoint`/`bizLocation` id when a lot has no cooperative: the cooperative's SGLN
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
    public func selectedGradings(in ledger: LedgerSnapshot) -> [GradingRecord] {
        ledger.gradings.filter { grading in
            if let lot = options.lotCode, grading.lotCode != lot { return false }
            if let since = options.sinceDate, String(grading.entry.recordedAt.prefix(10)) < since { return false }
            return true
        }
    }

    /// `creationDate` is passed in so exports are reproducible in tests.
    public func document(for ledger: LedgerSnapshot, creationDate: String) -> JSONValue {
        // EPCIS allows ILMD only on action ADD: the first grading of a lot brings the lot into
        // the event record (ADD, with harvest date and origin); later re-gradings OBSERVE it.
        var seenLots = Set<String>()
        let firstGradings = Set(ledger.gradings.filter { seenLots.insert($0.lotCode).inserted }.map(\.entry.seq))
        let events = selectedGradings(in: ledger).map {
            event(for: $0, in: ledger, isFirstOfLot: firstGradings.contains($0.entry.seq))
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

    func event(for grading: GradingRecord, in ledger: LedgerSnapshot, isFirstOfLot: Bool) -> JSONValue {
        // The lot entry recorded before this grading describes the lot as graded.
        let lot = ledger.lots(code: grading.lotCode).last { $0.entry.seq < grading.entry.seq }
            ?? ledger.lots(code: grading.lotCode).first
        let identifier = lot?.identifier ?? LotIdentifier(lot: grading.lotCode, gtin: nil)
        var quantity: [(String, JSONValue)] = [("epcClass", .string(identifier.uri))]
        if let kg = lot?.quantityKilograms {
            quantity += [("quantity", .int(kg)), ("uom", .string("KGM"))]
        }
        let location = options.locationURI
            ?? lot?.cooperative.map { "urn:agritrace:cooperative:" + LotIdentifier.percentEncoded($0) }
            ?? "urn:agritrace:cooperative:unknown"

        var ilmd: [(String, JSONValue)] = []
        if let date = lot?.harvestDate {
            ilmd += [("cbvmda:harvestStartDate", .string(date)), ("cbvmda:harvestEndDate", .string(date))]
        }
        let originCode = lot?.originCode ?? grading.originCode
        if let originCode { ilmd.append(("agritrace:originCode", .string(originCode))) }
        if let farm = lot?.farmID { ilmd.append(("agritrace:farmID", .string(farm))) }
        if let crop = lot?.crop { ilmd.append(("agritrace:crop", .string(crop))) }

        var members: [(String, JSONValue)] = [
            ("type", .string("ObjectEvent")),
            ("eventTime", .string(grading.entry.recordedAt)),
            ("eventTimeZoneOffset", .string(options.timeZoneOffset)),
            ("eventID", .string("urn:agritrace:leaf:\(grading.entry.leafHash)")),
            ("quantityList", .array([.object(quantity)])),
            ("action", .string(isFirstOfLot ? "ADD" : "OBSERVE")),
            ("bizStep", .string("inspecting")),
            ("disposition", .string(grading.isConformant ? "conformant" : "non_conformant")),
            ("readPoint", .object([("id", .string(location))])),
            ("bizLocation", .object([("id", .string(location))])),
        ]
        if isFirstOfLot, !ilmd.isEmpty { members.append(("ilmd", .object(ilmd))) }
        if let originCode { members.append(("agritrace:originCode", .string(originCode))) }
        members += [
            ("agritrace:seq", .int(grading.entry.seq)),
            ("agritrace:leafHash", .string(grading.entry.leafHash)),
            ("agritrace:lotGrade", .string(grading.lotGrade)),
            ("agritrace:photoCount", .int(grading.photoCount)),
        ]
        if let model = grading.modelID { members.append(("agritrace:model", .string(model))) }
        if let policy = grading.policyID { members.append(("agritrace:policy", .string(policy))) }
        return .object(members)
    }
}
