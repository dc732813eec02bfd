import Localization
@testable import Province
import Testing

/// `/events`' parameters as they are parsed, before any database is asked (no PostgreSQL needed).
@Suite struct EventQueryTests {
    /// A value no recorded event can hold is refused, naming the parameter and what is wrong with
    /// it, in both languages (outside testers got 200 and no events for these).
    @Test func hostileValuesAreRefusedNamingTheParameter() throws {
        let vietnamese = try Localizer.bundled(.vietnamese)
        let cases: [(query: String, parameter: String, english: String)] = [
            ("eventType=%3Cscript%3E", "eventType", "'<script>' is not an EPCIS event type"),
            ("eventType=objectEvent", "eventType", "not an EPCIS event type"),
            ("eventType=ObjectEvent%20", "eventType", "not an EPCIS event type"),
            ("EQ_bizStep=%00", "EQ_bizStep", "control character U+0000"),
            ("EQ_bizStep=inspecting%0D%0A", "EQ_bizStep", "control character U+000D"),
            ("EQ_bizLocation=urn%1B[31m", "EQ_bizLocation", "control character U+001B"),
            ("MATCH_epc=%C2%85", "MATCH_epc", "control character U+0085"),
            ("MATCH_epcClass=urn:agritrace:lot:%E2%80%AEL0-S", "MATCH_epcClass", "control character U+202E"),
            ("MATCH_anyEPCClass=%7F", "MATCH_anyEPCClass", "control character U+007F"),
            ("eventType=%00", "eventType", "control character U+0000"),
            ("EQ_bizStep=" + String(repeating: "x", count: EventQuery.maxValueBytes + 1), "EQ_bizStep", "1 to 512 bytes"),
            ("EQ_bizStep=", "EQ_bizStep", "1 to 512 bytes"),
            ("EQ_bizstep=inspecting", "EQ_bizstep", "unknown query parameter"),
            ("%00=1", "\\u{0}", "unknown query parameter"),
            ("MATCH_epcClass=urn:epc:idpat:sgtin:9506000.*.*", "MATCH_epcClass", "of EPC patterns only urn:epc:idpat:sgtin:"),
            ("MATCH_anyEPCClass=https://id.gs1.org/01/0950600013435*/10/X", "MATCH_anyEPCClass", "of EPC patterns only"),
            ("MATCH_epcClass=urn:foo:*%CC%81", "MATCH_epcClass", "of EPC patterns only"),
            ("MATCH_epcClass=urn:epc:class:lgtin:89360.45012001.X", "MATCH_epcClass", "is not an EPC class URI urn:epc:class:lgtin:"),
            ("MATCH_epcClass=urn:epc:class:lgtin:8936045120019.0.X", "MATCH_epcClass", "is not an EPC class URI"),
            ("MATCH_epcClass=urn:epc:class:lgtin:8936045.012001.", "MATCH_epcClass", "is not an EPC class URI"),
            ("MATCH_epcClass=urn:epc:class:lgtin:8936045.012001", "MATCH_epcClass", "is not an EPC class URI"),
            ("MATCH_epcClass=urn:epc:class:lgtin:89360.45012001.*", "MATCH_epcClass", "is not an EPC class URI"),
        ]
        for item in cases {
            do {
                let parsed = try EventQuery(query: item.query)
                Issue.record("\(item.query.prefix(60)) was accepted: \(parsed)")
            } catch {
                let english = Localizer.english.render(error.message), vi = vietnamese.render(error.message)
                #expect(english.contains(item.parameter) && english.contains(item.english), "\(item.query.prefix(60)): \(english)")
                #expect(vi.contains(item.parameter) && vi != english, "\(item.query.prefix(60)): \(vi)")
                #expect(!english.unicodeScalars.contains(where: { TerminalText.isControl($0) || TerminalText.isBidiControl($0) }),
                        "the reason quotes the value escaped: \(english.debugDescription)")
            }
        }
    }

    /// The value classes accept what the standard and the recorded events use.
    @Test func wellFormedValuesAreAccepted() throws {
        for type in ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"] {
            #expect(try EventQuery(query: "eventType=" + type).eventType == type)
        }
        let query = try EventQuery(query: "EQ_bizStep=https://ref.gs1.org/cbv/BizStep-inspecting&EQ_bizLocation=urn:agritrace:cooperative:H%E1%BB%A2P+T%C3%81C"
                                        + "&MATCH_epcClass=https://id.gs1.org/01/09506000134352/10/A%252FB-7")
        #expect(query.bizStep == "https://ref.gs1.org/cbv/BizStep-inspecting")
        #expect(query.bizLocation == "urn:agritrace:cooperative:HỢP TÁC")
        #expect(query.epcClass == "https://id.gs1.org/01/09506000134352/10/A%2FB-7")
        #expect(try EventQuery(query: "EQ_bizStep=" + String(repeating: "x", count: EventQuery.maxValueBytes)).bizStep?.utf8.count == EventQuery.maxValueBytes)
        // '*' belongs to GS1's character set for lot codes: a lot's URI holding one is a lot, not a pattern.
        #expect(try EventQuery(query: "MATCH_epcClass=https://id.gs1.org/01/09506000134352/10/A*1").wantedLot == .digitalLink(gtin: "09506000134352", lot: "A*1"))
        #expect(try EventQuery(query: "MATCH_epcClass=urn:epc:class:lgtin:9506000.013435.*").wantedLot == .digitalLink(gtin: "09506000134352", lot: "*"))
        #expect(try EventQuery(query: "MATCH_epcClass=urn:epc:idpat:sgtin:950600013435.0.*").wantedGTIN == "09506000134352")
    }
}
