import Foundation
import LedgerStore
import Localization
import NIOCore
import PostgresNIO
import Provenance
import Traceability

/// The EPCIS 2.0 REST query interface's `GET /events`, over every cooperative: the inspecting
/// events `EPCISExporter` makes of gradings and reviewers' decisions (the same events
/// `agritrace export epcis` writes), selected by the standard's query parameters.
public struct EventQuery: Sendable, Equatable {
    /// `GE_eventTime` / `LT_eventTime`: RFC 3339 instants.
    public var fromTime: Date?
    public var beforeTime: Date?
    /// `EQ_bizStep`: `inspecting` or its CBV URI.
    public var bizStep: String?
    /// `MATCH_epc`: our events name classes (lots), not instances, so an EPC matches nothing.
    public var epc: String?
    /// `MATCH_epcClass` / `MATCH_anyEPCClass`: a lot's GS1 Digital Link, `urn:epc:class:lgtin:` or
    /// `urn:agritrace:lot:` URI, or the pattern `urn:epc:idpat:sgtin:<company prefix>.<indicator
    /// digit and item reference>.*` of every lot of one GTIN (EPCIS matches a class-level
    /// identifier against an SGTIN pattern by its GTIN).
    public var epcClass: String? {
        didSet {
            wantedLot = epcClass.flatMap { LotIdentifier(uri: $0) }
            wantedGTIN = epcClass.flatMap(Self.gtinOfPattern)
        }
    }
    /// `epcClass`'s lot (nil: none asked for, or not a lot's URI), read once: parsing the URI was
    /// about a twentieth of a fresh one-lot answer's CPU when every event's class was parsed too.
    public private(set) var wantedLot: LotIdentifier?
    /// `epcClass`'s GTIN-14 when it is a GTIN's pattern.
    public private(set) var wantedGTIN: String?
    /// `EQ_bizLocation`: `urn:agritrace:cooperative:<id>`.
    public var bizLocation: String?
    /// `eventType`: `ObjectEvent` is the only kind recorded.
    public var eventType: String?

    public static let parameters: Set<String> = ["GE_eventTime", "LT_eventTime", "EQ_bizStep", "MATCH_epc", "MATCH_epcClass",
                                                 "MATCH_anyEPCClass", "EQ_bizLocation", "eventType"]
    /// Most events in one answer; the query says when it was cut.
    public static let maxEvents = 10_000
    /// Longest value of one parameter, in UTF-8 bytes (decoded). Over twice the longest value that
    /// can match: a lot's Digital Link, about 210 bytes with the longest base URL (`PublicBaseURL`)
    /// and a 20-character lot code percent-encoded. Below the request's own bound
    /// (`RequestTarget.defaultMaxBytes`), so a long value is refused naming its parameter.
    public static let maxValueBytes = 512
    /// `eventType`'s values: the EPCIS 2.0 event types (only `ObjectEvent` is recorded here).
    public static let eventTypes: Set<String> = ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"]

    public init() {}

    /// Parses a URL query (`name=value&…`, percent-encoded); an unknown or repeated parameter or a bad value is an error.
    public init(query: String?) throws(EventQueryError) {
        var seen = Set<String>()
        for pair in (query ?? "").split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            // What the client sent is quoted escaped and cut short (`printable`): it may hold anything.
            guard parts.count == 2, let name = LotIdentifier.percentDecoded(String(parts[0])),
                  // Foundation's replacingOccurrences cost more than the rest of the parsing: most values hold no '+'.
                  let value = LotIdentifier.percentDecoded(parts[1].contains("+") ? parts[1].replacingOccurrences(of: "+", with: "%20") : String(parts[1])) else {
                throw EventQueryError(Message("query parameter '{pair}' is not name=value with valid percent-encoding", ["pair": .text(EntryValidator.printable(String(pair)))]))
            }
            guard Self.parameters.contains(name) else {
                throw EventQueryError(Message("unknown query parameter '{name}' (known: {known})",
                                               ["name": .text(EntryValidator.printable(name)), "known": .text(Self.parameters.sorted().joined(separator: ", "))]))
            }
            guard seen.insert(name).inserted else { throw EventQueryError(Message("query parameter '{name}' is given twice", ["name": .text(name)])) }
            guard !value.isEmpty, value.utf8.count <= Self.maxValueBytes else {
                throw EventQueryError(Message("query parameter '{name}' needs a value of 1 to {max_bytes} bytes", ["name": .text(name), "max_bytes": .integer(Self.maxValueBytes)]))
            }
            // Every value is compared with text from ledger entries, which hold no control or
            // bidirectional formatting character (EntryValidator): such a value is a mistake or a
            // probe, and is said to be one rather than answered with no events.
            if let scalar = value.unicodeScalars.first(where: { TerminalText.isControl($0) || TerminalText.isBidiControl($0) }) {
                throw EventQueryError(Message("query parameter '{name}' holds the control character U+{scalar}, which no recorded value holds",
                                              ["name": .text(name), "scalar": .text(Self.hex4(scalar.value))]))
            }
            switch name {
            case "GE_eventTime", "LT_eventTime":
                guard let date = Self.instant(value) else {
                    throw EventQueryError(Message("{name} '{value}' is not an RFC 3339 date-time such as 2026-11-03T00:00:00Z",
                                                  ["name": .text(name), "value": .text(EntryValidator.printable(value))]))
                }
                if name == "GE_eventTime" { fromTime = date } else { beforeTime = date }
            case "EQ_bizStep": bizStep = value
            case "MATCH_epc": epc = value
            case "MATCH_epcClass", "MATCH_anyEPCClass":
                guard epcClass == nil else { throw EventQueryError(Message("give MATCH_epcClass or MATCH_anyEPCClass, not both")) }
                // A pattern this interface cannot match is said to be one, not answered with no
                // events. A '*' may also be part of a lot code (GS1's character set has it).
                // Per scalar: a '*' followed by a combining mark is one Character that is not "*".
                let unmatchable = value.hasPrefix("urn:epc:idpat:") ? Self.gtinOfPattern(value) == nil
                    : value.unicodeScalars.contains("*") && LotIdentifier(uri: value) == nil
                if value.hasPrefix(LotIdentifier.lgtinPrefix), LotIdentifier(uri: value) == nil {
                    throw EventQueryError(Message("{name} '{value}' is not an EPC class URI urn:epc:class:lgtin:<company prefix>.<indicator digit and item reference>.<lot> (13 digits in all, a company prefix of 6 to 12)",
                                                  ["name": .text(name), "value": .text(EntryValidator.printable(value))]))
                }
                if unmatchable {
                    throw EventQueryError(Message("{name} '{value}': of EPC patterns only urn:epc:idpat:sgtin:<company prefix>.<indicator digit and item reference>.* (every lot of one GTIN) can be matched",
                                                  ["name": .text(name), "value": .text(EntryValidator.printable(value))]))
                }
                epcClass = value
            case "EQ_bizLocation": bizLocation = value
            default:
                guard Self.eventTypes.contains(value) else {
                    throw EventQueryError(Message("eventType '{value}' is not an EPCIS event type: use one of {types}",
                                                  ["value": .text(EntryValidator.printable(value)),
                                                   "types": .text(Self.eventTypes.sorted().joined(separator: ", "))]))
                }
                eventType = value
            }
        }
        // Observers do not run in an initializer.
        wantedLot = epcClass.flatMap { LotIdentifier(uri: $0) }
        wantedGTIN = epcClass.flatMap(Self.gtinOfPattern)
    }

    static let sgtinPatternPrefix = "urn:epc:idpat:sgtin:"

    /// The GTIN-14 of `urn:epc:idpat:sgtin:<company prefix>.<indicator digit and item reference>.*`.
    static func gtinOfPattern(_ value: String) -> String? {
        guard value.hasPrefix(sgtinPatternPrefix) else { return nil }
        let parts = value.dropFirst(sgtinPatternPrefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2] == "*" else { return nil }
        return Identifiers.gtin14(companyPrefix: parts[0], indicatorAndItemReference: parts[1])
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// An RFC 3339 date-time, strictly: Foundation's ISO 8601 formatters read signed and longer
    /// years (a time before year 1 made PostgreSQL's driver trap while encoding it: one request
    /// ended the aggregator), days that do not exist (29 February 2026), 24:00 and offsets past
    /// ±23:59, cut fractions to the millisecond, and cost 130-370 us per parse.
    static func instant(_ text: String) -> Date? {
        // The ledger's own form first: every event's time is in it.
        if let milliseconds = LedgerTime.parse(text) { return Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
        return LedgerTime.parseRFC3339(text).map { Date(timeIntervalSince1970: $0) }
    }

    /// Whether the parameters can match anything we record at all.
    var canMatch: Bool {
        if epc != nil { return false }
        if let eventType, eventType != "ObjectEvent" { return false }
        if let bizStep, bizStep != "inspecting", bizStep != "urn:epcglobal:cbv:bizstep:inspecting",
           bizStep != "https://ref.gs1.org/cbv/BizStep-inspecting" { return false }
        if let bizLocation, !bizLocation.hasPrefix(Self.locationPrefix) { return false }
        if epcClass != nil, wantedLot == nil, wantedGTIN == nil { return false }
        return true
    }

    static let locationPrefix = "urn:agritrace:cooperative:"

    /// Whether one exported event passes every parameter (the SQL selects candidates; this decides).
    func matches(_ event: OrderedJSON) -> Bool {
        if let bizLocation, event["bizLocation"]?["id"]?.stringValue != bizLocation { return false }
        if epcClass != nil {
            let classes = event["quantityList"]?.arrayValue?.compactMap { $0["epcClass"]?.stringValue } ?? []
            if let wantedGTIN {
                guard classes.contains(where: { LotIdentifier(uri: $0)?.gtin == wantedGTIN }) else { return false }
            } else {
                // The exporter writes a lot's URI in its one spelling (`uri`); another spelling is parsed.
                guard let wantedLot else { return false }
                let spelled = wantedLot.uri
                guard classes.contains(where: { $0 == spelled || LotIdentifier(uri: $0) == wantedLot }) else { return false }
            }
        }
        guard let time = event["eventTime"]?.stringValue.flatMap(Self.instant) else { return false }
        if let fromTime, time < fromTime { return false }
        if let beforeTime, time >= beforeTime { return false }
        return true
    }
}

extension ProvinceStore {
    /// Per cooperative (by id), the entries whose events may match `query`: its lots' entries and
    /// their origins' registrations (`matches` then decides on each event).
    func candidates(_ query: EventQuery, wanted: LotIdentifier?) async throws -> [[LedgerEntry]] {
        if let wanted {
            // One lot: the lot trace's prepared statement (a lot has a handful of entries; the time
            // window is checked on its events).
            return try await trace(lotCode: wanted.lot, gtin: wanted.gtin).sorted { $0.cooperativeID < $1.cooperativeID }.map(\.entries)
        }
        let from = query.fromTime, before = query.beforeTime
        // Candidates: lots with a grading or correction in the time window (a decision's event has
        // the correction's time), of the GTIN when one is asked for.
        let rows: PostgresRowSequence
        if let gtin = query.wantedGTIN {
            rows = try await client.query("""
                SELECT l.cooperative_id, l.lot_code FROM lots l
                WHERE l.gtin = \(gtin) AND EXISTS (
                    SELECT 1 FROM entry_keys k JOIN entries e ON e.cooperative_id = k.cooperative_id AND e.seq = k.seq
                    WHERE k.cooperative_id = l.cooperative_id AND k.name = 'lot_code' AND k.value = l.lot_code
                      AND e.type IN ('grading', 'correction')
                      AND (\(from)::timestamptz IS NULL OR e.recorded_at >= \(from))
                      AND (\(before)::timestamptz IS NULL OR e.recorded_at < \(before)))
                ORDER BY l.lot_code, l.cooperative_id LIMIT \(EventQuery.maxEvents)
                """, logger: logger)
        } else {
            rows = try await client.query("""
                SELECT DISTINCT e.cooperative_id, k.value FROM entries e
                JOIN entry_keys k ON k.cooperative_id = e.cooperative_id AND k.seq = e.seq AND k.name = 'lot_code'
                WHERE e.type IN ('grading', 'correction')
                  AND (\(from)::timestamptz IS NULL OR e.recorded_at >= \(from))
                  AND (\(before)::timestamptz IS NULL OR e.recorded_at < \(before))
                ORDER BY e.cooperative_id, k.value LIMIT \(EventQuery.maxEvents)
                """, logger: logger)
        }
        var lots = [Int: [String]]()
        for try await (id, lot) in rows.decode((Int, String).self) { lots[id, default: []].append(lot) }
        var result = [[LedgerEntry]]()
        for (id, codes) in lots.sorted(by: { $0.key < $1.key }) {
            result.append(try await entries(cooperativeID: id, keys: codes.map { ("lot_code", $0) }, types: nil, originRegistrationOnly: true))
        }
        return result
    }

    /// The events `query` selects, oldest first, as an EPCIS 2.0 `EPCISQueryDocument`.
    public func events(_ query: EventQuery, creationDate: String) async throws -> OrderedJSON {
        var events = [(time: Date, event: OrderedJSON)]()
        if query.canMatch {
            for entries in try await candidates(query, wanted: query.wantedLot) {
                let snapshot = LedgerSnapshot(entries: entries, checkpoints: [])
                let document = EPCISExporter().document(for: snapshot, creationDate: creationDate)
                for event in document["epcisBody"]?["eventList"]?.arrayValue ?? [] where query.matches(event) {
                    if let time = event["eventTime"]?.stringValue.flatMap(EventQuery.instant) { events.append((time, event)) }
                }
            }
        }
        // Oldest first; events of one instant keep cooperative and ledger order.
        events = events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        return .object([
            ("@context", .array([
                .string(EPCISExporter.contextURL),
                .object([(EPCISExporter.namespacePrefix, .string(EPCISExporter.namespaceIRI))]),
            ])),
            ("type", .string("EPCISQueryDocument")),
            ("schemaVersion", .string("2.0")),
            ("creationDate", .string(creationDate)),
            ("epcisBody", .object([("queryResults", .object([
                ("queryName", .string("SimpleEventQuery")),
                ("resultsBody", .object([("eventList", .array(events.prefix(EventQuery.maxEvents).map(\.event)))])),
            ]))])),
        ])
    }
}

/// A query the EPCIS interface cannot answer, said in words people read in either language.
public struct EventQueryError: LocalizableError, Equatable {
    public let message: Message
    public init(_ message: Message) { self.message = message }
}
