import Testing
@testable import Traceability

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
}
