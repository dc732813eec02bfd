import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerStore
import Province
import ProvenanceTestSupport
import Testing
import TestSupport

/// Province-wide queries over two cooperatives that share a lot code and an origin code.
@Suite struct QueryTests {
    static let dayA = ProvenanceFixture.startTime                     // 2026-01-01
    static let dayB = ProvenanceFixture.startTime + 86_400_000        // 2026-01-02

    /// Runs `body` with both cooperatives ingested.
    func withProvince(before: @escaping @Sendable (TestDatabase) throws -> Void = { _ in },
                      answerCacheBytes: Int = ProvinceSite.defaultAnswerCacheBytes,
                      _ body: @escaping @Sendable (ProvinceSite, TestDatabase) async throws -> Void) async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 71, time: Self.dayA)
        defer { a.directory.remove() }
        let b = try CooperativeLedger(name: "HTX-B", number: 72, time: Self.dayB)
        defer { b.directory.remove() }
        try a.addLots(2, prefix: "S")
        try b.addLots(1, prefix: "S")
        try b.addLots(1, prefix: "B")
        for coop in [a, b] { try coop.checkpoint() }
        let sources = [a.name: LedgerTileSource(path: a.path), b.name: LedgerTileSource(path: b.path)]
        let config = try ProvinceConfig(cooperatives: [a.cooperative, b.cooperative])
        try await ProvinceTest.withDatabase { database in
            try before(database)
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) { sources[$0.name]! }
                await aggregator.runOnce()
                try await body(ProvinceSite(store: store, answerCacheBytes: answerCacheBytes, now: { Date(timeIntervalSince1970: 1_800_000_000) }), database)
            }
        }
    }

    func json(_ reply: ProvinceSite.Reply) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
    }

    @Test func traceByLotAndByGTINAndLotAcrossCooperatives() async throws {
        try await withProvince { site, _ in
            for path in ["/lot/S-L0", "/01/09506000134352/10/S-L0", "/01/9506000134352/10/S-L0"] {
                let reply = await site.reply(method: "GET", path: path, query: nil)
                #expect(reply.status == 200, "\(path): \(reply.body)")
                let cooperatives = try #require(try json(reply)["cooperatives"] as? [[String: Any]])
                #expect(cooperatives.map { $0["cooperative"] as? String } == ["HTX-A", "HTX-B"])
                for cooperative in cooperatives {
                    let types = (cooperative["entries"] as? [[String: Any]])?.map { $0["type"] as? String }
                    #expect(types == ["origin", "lot", "grading"], "\(path)")
                    #expect(cooperative["origin_code"] as? String == "S-O0")
                    #expect((cooperative["checkpoint"] as? String)?.contains(".example/ledger\n") == true)
                }
            }
            #expect(await site.reply(method: "GET", path: "/lot/B-L0", query: nil).body.contains("HTX-B"))
            #expect(await site.reply(method: "GET", path: "/lot/NOPE", query: nil).status == 404)
            #expect(await site.reply(method: "GET", path: "/01/09506000134345/10/S-L0", query: nil).status == 404)   // another GTIN
            #expect(await site.reply(method: "GET", path: "/01/123/10/S-L0", query: nil).status == 400)
            #expect(await site.reply(method: "GET", path: "/lot/%ZZ", query: nil).status == 400)
            #expect(await site.reply(method: "POST", path: "/lot/S-L0", query: nil).status == 405)
        }
    }

    @Test func traceByOriginAcrossCooperatives() async throws {
        try await withProvince { site, _ in
            let reply = await site.reply(method: "GET", path: "/origin/S-O0", query: nil)
            #expect(reply.status == 200, "\(reply.body)")
            let cooperatives = try #require(try json(reply)["cooperatives"] as? [[String: Any]])
            #expect(cooperatives.map { $0["cooperative"] as? String } == ["HTX-A", "HTX-B"])
            for cooperative in cooperatives {
                #expect((cooperative["entries"] as? [[String: Any]])?.map { $0["type"] as? String } == ["origin", "lot"])
            }
            #expect(await site.reply(method: "GET", path: "/origin/S-O1", query: nil).body.contains("HTX-B") == false)
            #expect(await site.reply(method: "GET", path: "/origin/NOPE", query: nil).status == 404)
        }
    }

    /// EPCIS 2.0 queries: each parameter selects what it should, and every answer validates
    /// against GS1's EPCIS 2.0 JSON schema.
    @Test func epcisEventsByTimeBizStepEPCClassAndLocation() async throws {
        try await withProvince { site, _ in
            let cases: [(query: String?, lots: [String])] = [
                (nil, ["HTX-A S-L0", "HTX-A S-L1", "HTX-B S-L0", "HTX-B B-L0"]),
                ("GE_eventTime=2026-01-01T12:00:00Z", ["HTX-B S-L0", "HTX-B B-L0"]),
                ("LT_eventTime=2026-01-01T12:00:00.000%2B07:00", ["HTX-A S-L0", "HTX-A S-L1"]),
                ("GE_eventTime=2026-01-01T00:00:00.000Z&LT_eventTime=2026-01-01T00:00:00.001Z", ["HTX-A S-L0", "HTX-A S-L1"]),
                // A fraction below the millisecond counts: A's events are at 00:00:00.000.
                ("GE_eventTime=2026-01-01T00:00:00.0001Z", ["HTX-B S-L0", "HTX-B B-L0"]),
                ("LT_eventTime=2026-01-01T00:00:00.0001Z", ["HTX-A S-L0", "HTX-A S-L1"]),
                ("EQ_bizStep=inspecting", ["HTX-A S-L0", "HTX-A S-L1", "HTX-B S-L0", "HTX-B B-L0"]),
                ("EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping", []),
                ("MATCH_epcClass=https://id.gs1.org/01/09506000134352/10/S-L0", ["HTX-A S-L0", "HTX-B S-L0"]),
                ("MATCH_epcClass=urn:agritrace:lot:S-L0", []),
                // Other spellings of the same lot: a GTIN-13, another Digital Link host, a query after the path.
                ("MATCH_epcClass=https://id.gs1.org/01/9506000134352/10/S-L0", ["HTX-A S-L0", "HTX-B S-L0"]),
                ("MATCH_epcClass=http://trace.example/01/09506000134352/10/S-L0%3Fx=1", ["HTX-A S-L0", "HTX-B S-L0"]),
                ("EQ_bizLocation=urn:agritrace:cooperative:HTX-B", ["HTX-B S-L0", "HTX-B B-L0"]),
                ("EQ_bizLocation=urn:agritrace:cooperative:HTX-B&MATCH_epcClass=https://id.gs1.org/01/09506000134352/10/S-L0", ["HTX-B S-L0"]),
                ("MATCH_epc=urn:epc:id:sgtin:0614141.107346.2017", []),
                // The EPC class URI of the lot, and the pattern of every lot of its GTIN (two lengths of company prefix).
                ("MATCH_epcClass=urn:epc:class:lgtin:9506000.013435.S-L0", ["HTX-A S-L0", "HTX-B S-L0"]),
                ("MATCH_epcClass=urn:epc:idpat:sgtin:9506000.013435.*", ["HTX-A S-L0", "HTX-A S-L1", "HTX-B S-L0", "HTX-B B-L0"]),
                ("MATCH_anyEPCClass=urn:epc:idpat:sgtin:950600.0013435.*&GE_eventTime=2026-01-01T12:00:00Z", ["HTX-B S-L0", "HTX-B B-L0"]),
                ("MATCH_epcClass=urn:epc:idpat:sgtin:9506000.013434.*", []),
                // '*' is also a lot code's character: this is the Digital Link of lot "*", not a pattern.
                ("MATCH_epcClass=https://id.gs1.org/01/09506000134352/10/*", []),
                ("eventType=ObjectEvent", ["HTX-A S-L0", "HTX-A S-L1", "HTX-B S-L0", "HTX-B B-L0"]),
                ("eventType=AggregationEvent", []),
            ]
            let directory = try TemporaryDirectory(prefix: "province-epcis")
            defer { directory.remove() }
            var files = [String]()
            for (index, item) in cases.enumerated() {
                let reply = await site.reply(method: "GET", path: "/events", query: item.query)
                #expect(reply.status == 200, "\(item.query ?? ""): \(reply.body)")
                let document = try json(reply)
                #expect(document["type"] as? String == "EPCISQueryDocument")
                let events = try #require(((document["epcisBody"] as? [String: Any])?["queryResults"] as? [String: Any])
                    .flatMap { ($0["resultsBody"] as? [String: Any])?["eventList"] as? [[String: Any]] })
                let lots = events.map { event -> String in
                    let location = ((event["bizLocation"] as? [String: Any])?["id"] as? String ?? "").replacingOccurrences(of: "urn:agritrace:cooperative:", with: "")
                    let epcClass = ((event["quantityList"] as? [[String: Any]])?.first?["epcClass"] as? String ?? "")
                    return location + " " + (epcClass.split(separator: "/").last.map(String.init) ?? "")
                }
                #expect(lots == item.lots, "\(item.query ?? "no parameters")")
                let file = directory.url.appendingPathComponent("answer-\(index).json").path
                try reply.body.write(toFile: file, atomically: true, encoding: .utf8)
                files.append(file)
            }
            let check = try runPython(["Tests/tools/epcis_schema_check.py", "Fixtures/epcis/EPCIS-JSON-Schema.json"] + files)
            #expect(check.status == 0, "\(check.output)")

            // Signed and five-digit years are not RFC 3339; far-past ones used to crash the process.
            let badTimes = ["GE_eventTime=-999999-01-01T00:00:00Z", "LT_eventTime=-292277022-01-01T00:00:00Z",
                            "GE_eventTime=-000001-01-01T00:00:00Z", "LT_eventTime=%2B10000-01-01T00:00:00Z", "GE_eventTime=12026-01-01T00:00:00Z",
                            "GE_eventTime=2026-02-29T00:00:00Z", "LT_eventTime=2026-01-01T24:00:00Z", "GE_eventTime=2026-01-01T00:00:00%2B24:00",
                            "LT_eventTime=2026-01-01T00:00:00-00:60"]
            // Patterns this interface cannot match are refused, not answered with no events.
            let badPatterns = ["MATCH_epcClass=urn:epc:idpat:sgtin:9506000.*.*", "MATCH_epcClass=https://id.gs1.org/01/*/10/S-L0",
                               "MATCH_epcClass=urn:epc:idpat:sgtin:95060.0013435.*", "MATCH_anyEPCClass=urn:epc:idpat:sscc:9506000.*"]
            for bad in ["GE_eventTime=yesterday", "EQ_bizStep=a&EQ_bizStep=b", "nonsense=1", "MATCH_epcClass=%ZZ"] + badTimes + badPatterns {
                #expect(await site.reply(method: "GET", path: "/events", query: bad).status == 400, "\(bad)")
            }
        }
    }

    /// The validator rejects a document that breaks the schema (so the check above can fail).
    @Test func theSchemaCheckRejectsAnInvalidDocument() throws {
        let directory = try TemporaryDirectory(prefix: "province-epcis-bad")
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("bad.json").path
        try #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISQueryDocument","schemaVersion":"2.0","creationDate":"yesterday","epcisBody":{"queryResults":{"queryName":"SimpleEventQuery","resultsBody":{"eventList":[{"type":"ObjectEvent","action":"LOOK","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+07:00"}]}}}}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let check = try runPython(["Tests/tools/epcis_schema_check.py", "Fixtures/epcis/EPCIS-JSON-Schema.json", file])
        #expect(check.status == 1, "\(check.output)")
        #expect(check.output.contains("creationDate") || check.output.contains("yesterday"), "\(check.output)")
    }

    /// Request targets outside testers sent to the servers, over a real socket: each is refused
    /// (400, 414) or not found with a JSON reason in both languages, never answered as a route.
    @Test func hostileTargetsAreRefusedOrNotFound() async throws {
        try await withProvince { site, _ in
            let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
            let server = Task { try await ProvinceServer.run(site: site, host: "127.0.0.1", port: 0, logger: ProvinceTest.logger) { continuation.yield($0) } }
            defer { server.cancel() }
            var iterator = stream.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let status = try await HTTPProbe.requestOffPool("GET", "/status", port: port)
            #expect(status.status == 200)
            #expect(try await HTTPProbe.requestOffPool("GET", "/lot/S-L0", port: port).status == 200)
            let targets: [(target: String, status: Int)] = [
                ("//", 400), ("//status", 400), ("//lot/S-L0", 400), ("//evil.example/", 400), ("/lot//S-L0", 400), ("/status//", 400),
                ("/./status", 400), ("/status/.", 400), ("/x/../status", 400), ("/%2e%2e/status", 400), ("/lot/%2E%2E", 400),
                ("/lot/%00", 400), ("/events%00", 400), ("/%zz", 400), ("*", 400), ("?a=b", 400),
                ("/lot/" + String(repeating: "A", count: 3000), 414), ("/events?" + String(repeating: "a", count: 3000), 414),
                // An encoded slash is part of its segment (GS1 lot codes may hold "/"): these name nothing.
                ("/%2Fstatus", 404), ("/lot%2FS-L0", 404),
                ("/status/", 404), ("/lot/S-L0/", 404), ("/", 404), ("/nothing", 404),
            ]
            for (target, expected) in targets {
                let answer = try await HTTPProbe.requestOffPool("GET", target, port: port)
                #expect(answer.status == expected, "\(target.prefix(40)) answered \(answer.status): \(answer.text.prefix(200))")
                #expect(answer.body != status.body, "\(target.prefix(40)) answered with /status")
                if answer.status != 200 && answer.headers["content-type"]?.hasPrefix("application/json") == true {
                    let reason = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: String]
                    #expect(reason?["error"]?.isEmpty == false && reason?["error_vi"]?.isEmpty == false && reason?["error"] != reason?["error_vi"],
                            "\(target.prefix(40)): \(answer.text.prefix(200))")
                }
            }
        }
    }

    /// `/events` with values no recorded event can hold is refused with a reason that names the
    /// parameter, in both languages, not answered with an empty event list.
    @Test func eventsRefuseHostileValuesNamingTheParameter() async throws {
        try await withProvince { site, _ in
            let hostile: [(query: String, parameter: String)] = [
                ("eventType=%3Cscript%3E", "eventType"), ("eventType=<script>", "eventType"), ("eventType=objectevent", "eventType"),
                ("eventType=ObjectEvent%00", "eventType"), ("EQ_bizStep=%00", "EQ_bizStep"), ("EQ_bizStep=inspecting%0A", "EQ_bizStep"),
                ("EQ_bizLocation=urn:agritrace:cooperative:HTX-B%1B[2J", "EQ_bizLocation"), ("MATCH_epc=%7F", "MATCH_epc"),
                ("MATCH_epcClass=urn:agritrace:lot:S-L0%E2%80%AE", "MATCH_epcClass"), ("MATCH_anyEPCClass=%C2%9B", "MATCH_anyEPCClass"),
                ("EQ_bizStep=", "EQ_bizStep"), ("EQ_bizStep=" + String(repeating: "a", count: EventQuery.maxValueBytes + 1), "EQ_bizStep"),
                ("eventtype=ObjectEvent", "eventtype"), ("lang=vi", "lang"),
            ]
            for (query, parameter) in hostile {
                let reply = await site.reply(method: "GET", path: "/events", query: query)
                #expect(reply.status == 400, "\(query.prefix(60)): \(reply.status) \(reply.body.prefix(200))")
                let reason = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: String]
                #expect(reason?["error"]?.contains(parameter) == true && reason?["error_vi"]?.contains(parameter) == true
                        && reason?["error"] != reason?["error_vi"], "\(query.prefix(60)): \(reply.body.prefix(300))")
            }
            // Every EPCIS event type is a question the aggregator answers, with none but ObjectEvent recorded.
            for type in EventQuery.eventTypes.sorted() {
                let reply = await site.reply(method: "GET", path: "/events", query: "eventType=" + type)
                #expect(reply.status == 200 && reply.body.contains("urn:agritrace:cooperative:") == (type == "ObjectEvent"), "\(type): \(reply.status)")
            }
        }
    }

    /// The status endpoint over a real socket, as `agritrace province --listen` serves it.
    @Test func statusOverHTTP() async throws {
        try await withProvince { site, _ in
            let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
            let server = Task { try await ProvinceServer.run(site: site, host: "127.0.0.1", port: 0, logger: ProvinceTest.logger) { continuation.yield($0) } }
            defer { server.cancel() }
            var iterator = stream.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/status")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            let status = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let cooperatives = try #require(status["cooperatives"] as? [[String: Any]])
            #expect(cooperatives.map { $0["name"] as? String } == ["HTX-A", "HTX-B"])
            #expect(cooperatives.map { $0["status"] as? String } == ["following", "following"])
            #expect(cooperatives.map { $0["entries"] as? Int } == [7, 7])
        }
    }
}

extension QueryTests {
    /// The tests that count statements in the cluster's log, which every test database shares:
    /// one at a time, so neither counts the other's.
    @Suite(.serialized) struct StatementLog {
        /// A lot answer (and an EPCIS query for one lot) is one statement, prepared once per
        /// connection: planning took more of PostgreSQL's time than running these lookups, and each
        /// further statement cost a round trip. The same answer again, with nothing stored since, is
        /// kept in memory and runs none. Counted in the server's statement log.
        @Test func aLotAnswerIsOnePreparedStatement() async throws {
            try await QueryTests().withProvince(before: { database in
                _ = try database.psql("ALTER DATABASE \(database.name) SET log_statement = 'all'")
            }) { site, database in
                let log = database.cluster.directory.appendingPathComponent("server.log").path
                let paths = [("/lot/S-L0", nil), ("/01/09506000134352/10/S-L0", nil), ("/lot/S-L0", nil),
                             ("/events", "MATCH_epcClass=https://id.gs1.org/01/09506000134352/10/S-L0")]
                for (index, (path, query)) in paths.enumerated() {
                    let before = try Data(contentsOf: URL(fileURLWithPath: log)).count
                    let reply = await site.reply(method: "GET", path: path, query: query)
                    #expect(reply.status == 200 && reply.body.contains("HTX-B"), "\(path): \(reply.body)")
                    // Only this test's database logs statements; the shared cluster's other tests write no such lines.
                    let written = String(decoding: try Data(contentsOf: URL(fileURLWithPath: log)).dropFirst(before), as: UTF8.self)
                    // Less the look at the database's change stamp (`AnswerCache.watch`), at most once a second.
                    let statements = written.split(separator: "\n").filter { $0.contains("LOG:  execute ") || $0.contains("LOG:  statement: ") }
                        .filter { !$0.contains("sum(tree_size)") }
                    #expect(statements.count == (index == 2 ? 0 : 1), "\(path): \(statements)")
                    #expect(statements.allSatisfy { !$0.contains("<unnamed>") && !$0.contains("statement: ") }, "\(path): \(statements)")
                }
            }
        }

        /// Lot lookups asked together share statements (`LotLookups`), and each still gets the answer
        /// it gets alone: the same lot with and without a GTIN, another GTIN, unknown lots and EPCIS
        /// queries for a lot, many at once, with no answers kept.
        @Test func lookupsAskedTogetherShareStatementsAndKeepTheirOwnAnswers() async throws {
            try await QueryTests().withProvince(before: { database in
                _ = try database.psql("ALTER DATABASE \(database.name) SET log_statement = 'all'")
            }, answerCacheBytes: 0) { site, database in
                let targets: [(String, String?)] = [
                    ("/lot/S-L0", nil), ("/lot/S-L1", nil), ("/lot/B-L0", nil), ("/lot/NOPE", nil), ("/lot/s-l0", nil),
                    ("/01/09506000134352/10/S-L0", nil), ("/01/09506000134345/10/S-L0", nil), ("/01/09506000134352/10/B-L0", nil),
                    ("/events", "MATCH_epcClass=https://id.gs1.org/01/09506000134352/10/S-L1"),
                    ("/events", "MATCH_epcClass=https://id.gs1.org/01/09506000134345/10/S-L1"),
                    // Not a lot code (a NUL once decoded): PostgreSQL refuses such a value, which must not fail the others' statement.
                    ("/events", "MATCH_epcClass=urn:agritrace:lot:%2500"),
                ]
                var alone = [ProvinceSite.Reply]()
                for (path, query) in targets { alone.append(await site.reply(method: "GET", path: path, query: query)) }
                #expect(alone.map(\.status) == [200, 200, 200, 404, 404, 200, 404, 200, 200, 200, 200])
                let log = database.cluster.directory.appendingPathComponent("server.log").path
                let before = try Data(contentsOf: URL(fileURLWithPath: log)).count
                let picks = (0..<200).map { ($0 * 7 + $0 / 10) % targets.count }
                let together = await withTaskGroup(of: (Int, ProvinceSite.Reply).self) { group in
                    for (request, pick) in picks.enumerated() {
                        group.addTask { (request, await site.reply(method: "GET", path: targets[pick].0, query: targets[pick].1)) }
                    }
                    var replies = [Int: ProvinceSite.Reply]()
                    for await (request, reply) in group { replies[request] = reply }
                    return replies
                }
                for (request, pick) in picks.enumerated() {
                    #expect(together[request] == alone[pick], "request \(request): \(targets[pick])")
                }
                let written = String(decoding: try Data(contentsOf: URL(fileURLWithPath: log)).dropFirst(before), as: UTF8.self)
                let lookups = written.split(separator: "\n").filter { $0.contains("LOG:  execute ") && $0.contains("array_position") }
                #expect(!lookups.isEmpty && lookups.count < picks.count / 4, "\(lookups.count) statements for \(picks.count) lookups")

                // A lot whose stored entry no longer decodes (the database is hostile input too) fails
                // alone; the lots sharing its statements are answered as before.
                _ = try database.psql("UPDATE entries SET body = '\\x7b'::bytea WHERE (cooperative_id, seq) IN (SELECT cooperative_id, seq FROM lots WHERE lot_code = 'B-L0')")
                let mixed = await withTaskGroup(of: (Bool, ProvinceSite.Reply).self) { group in
                    for request in 0..<60 {
                        let damaged = request % 3 == 0
                        group.addTask { (damaged, await site.reply(method: "GET", path: damaged ? "/lot/B-L0" : "/lot/S-L1", query: nil)) }
                    }
                    return await group.reduce(into: [(Bool, ProvinceSite.Reply)]()) { $0.append($1) }
                }
                #expect(mixed.filter(\.0).allSatisfy { $0.1.status == 503 })
                #expect(mixed.filter { !$0.0 }.allSatisfy { $0.1 == alone[1] })
            }
        }
    }
}

/// Runs Debian's python3 (the one python3-jsonschema is installed for, whatever python3 comes
/// first on PATH) from the package root.
func runPython(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = arguments
    process.currentDirectoryURL = FixtureFiles.root.deletingLastPathComponent()
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}
