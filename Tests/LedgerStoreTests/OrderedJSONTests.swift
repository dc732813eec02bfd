import Testing
import LedgerStore

@Suite struct OrderedJSONTests {
    @Test func keepsKeyOrderAndEscapesStrings() {
        let value = OrderedJSON.object([
            ("z", .int(1)), ("a", .string("quote \" slash \\ tab \t nl \n bell \u{07} cà")),
            ("list", .array([.bool(true), .null, .decimal("850.25")])), ("empty", .object([])),
        ])
        #expect(value.rendered() == """
            {
              "z": 1,
              "a": "quote \\" slash \\\\ tab \\t nl \\n bell \\u0007 cà",
              "list": [
                true,
                null,
                850.25
              ],
              "empty": {}
            }

            """)
    }

    @Test func compactFormHasNoWhitespaceAndFloatsRoundTrip() {
        let value = OrderedJSON.object([
            ("file", .string("a\tb.jpg")), ("p", .array([.number(0.1), .number(Float.nan), .number(1)])), ("o", .object([])),
        ])
        #expect(value.renderedCompact() == #"{"file":"a\tb.jpg","p":[0.1,null,1.0],"o":{}}"#)
    }
}
