import Foundation
import LedgerStore
import Localization
import Logging
import NIOCore
import PostgresNIO
import Provenance
import Traceability

/// Province-wide questions, answered from PostgreSQL: a lot (by code, or GTIN + lot), an origin
/// code, the cooperatives' status, and EPCIS 2.0 events.
extension ProvinceStore {
    /// Most entries one answer lists (a lot has a handful; an origin code, its lots).
    static let maxEntriesPerAnswer = 10_000

    public struct CooperativeStatus: Sendable, Equatable {
        public let name: String
        public let baseURL: String
        public let status: String
        public let treeSize: Int
        public let checkpointSize: Int
        /// In English; `haltReasonVietnamese` in Vietnamese (nil for halts recorded before schema version 6).
        public let haltReason: String?
        public let haltReasonVietnamese: String?
        /// In English; `lastErrorVietnamese` in Vietnamese; `lastErrorCode` its kind for machines (`FetchError.code`,
        /// or `database`, `store_conflict`, `internal`).
        public let lastError: String?
        public let lastErrorVietnamese: String?
        public let lastErrorCode: String?
        /// The largest checkpoint this aggregator's witness cosigned (nil: none, or no witness key).
        public let cosignedSize: Int?
        public let evidence: [Evidence]
    }

    public struct Evidence: Sendable, Equatable {
        public let kind: String
        public let earlierNote: String?
        public let laterNote: String
        public let detail: String
        /// nil for evidence kept before schema version 6.
        public let detailVietnamese: String?
    }

    public func status() async throws -> [CooperativeStatus] {
        var evidence = [Int: [Evidence]]()
        let evidenceRows = try await client.query(
            "SELECT cooperative_id, kind, earlier_note, later_note, detail, detail_vi FROM evidence ORDER BY id", logger: logger)
        for try await (id, kind, earlier, later, detail, vietnamese) in evidenceRows.decode((Int, String, String?, String, String, String?).self) {
            evidence[id, default: []].append(Evidence(kind: kind, earlierNote: earlier, laterNote: later, detail: detail, detailVietnamese: vietnamese))
        }
        let rows = try await client.query("""
            SELECT c.id, c.name, c.base_url, c.status, c.tree_size, c.checkpoint_size, c.halt_reason, c.halt_reason_vi, c.last_error, c.last_error_vi, c.last_error_code,
                   (SELECT max(tree_size) FROM checkpoints k WHERE k.cooperative_id = c.id AND k.cosigned_note IS NOT NULL)
            FROM cooperatives c ORDER BY c.name
            """, logger: logger)
        var result = [CooperativeStatus]()
        for try await (id, name, url, status, size, checkpointSize, halt, haltVietnamese, error, errorVietnamese, errorCode, cosigned)
                in rows.decode((Int, String, String, String, Int, Int, String?, String?, String?, String?, String?, Int?).self) {
            result.append(CooperativeStatus(name: name, baseURL: url, status: status, treeSize: size, checkpointSize: checkpointSize,
                                            haltReason: halt, haltReasonVietnamese: haltVietnamese, lastError: error, lastErrorVietnamese: errorVietnamese, lastErrorCode: errorCode,
                                            cosignedSize: cosigned, evidence: evidence[id] ?? []))
        }
        return result
    }

    /// One cooperative's entries about one lot (its registration, gradings, corrections) and the
    /// origin registration the lot names.
    public struct LotTrace: Sendable {
        public let cooperative: String
        public let lotCode: String
        public let gtin: String?
        public let originCode: String
        public let entries: [LedgerEntry]
        public let checkpointNote: String?
        let cooperativeID: Int
    }

    /// Every cooperative's lot with this code (and this GTIN, when given). Lookups asked while
    /// others run are answered together, by one prepared statement for all their lot codes
    /// (`LotLookups`): under load, each statement's round trip, pool lease and executor start cost
    /// PostgreSQL and this process more than finding the lots did.
    public func trace(lotCode: String, gtin: String? = nil) async throws -> [LotTrace] {
        // Ingest stores only valid lot codes, so another text matches nothing; and it must not
        // reach a shared statement, where one value PostgreSQL refuses (a NUL) fails every lookup in it.
        guard Identifiers.isLotCode(lotCode) else { return [] }
        return try await lotLookups.trace(LotLookups.Wanted(lotCode: lotCode, gtin: gtin), in: self)
    }

    /// The traces of each of `lotCodes` (distinct), in their order, in one prepared statement: a
    /// lot query is sub-millisecond work for PostgreSQL once planned, but planning it took more
    /// (about 1.5 ms of the server's CPU per statement), so it is planned once per connection.
    /// A lot whose stored entries do not decode fails alone.
    func traces(lotCodes: [String]) async throws -> [Result<[LotTrace], any Error>] {
        var rowsByCode = Array(repeating: [LotTraceRow](), count: lotCodes.count)
        for try await row in try await client.execute(LotTraces(lotCodes: lotCodes), logger: logger) {
            // array_position names the code the row is for; anything else is not an answer to this statement.
            guard rowsByCode.indices.contains(row.position - 1) else {
                throw ProvinceError.schema(Message("a lot row for position {position} of {count} lot codes",
                                                   ["position": .integer(row.position), "count": .integer(lotCodes.count)]))
            }
            rowsByCode[row.position - 1].append(row)
        }
        return zip(lotCodes, rowsByCode).map { code, rows in Result { try Self.traces(rows, lotCode: code) } }
    }

    /// `LotTraceRow`s of one lot code (ordered by cooperative, then seq) grouped into one trace per cooperative.
    static func traces(_ rows: [LotTraceRow], lotCode: String) throws -> [LotTrace] {
        var traces = [LotTrace]()
        var current: (row: LotTraceRow, entries: [LedgerEntry])?
        func close() {
            guard let (row, entries) = current else { return }
            traces.append(LotTrace(cooperative: row.cooperative, lotCode: lotCode, gtin: row.gtin, originCode: row.originCode,
                                   entries: entries, checkpointNote: row.note, cooperativeID: row.cooperativeID))
        }
        for row in rows {
            if current?.row.cooperativeID != row.cooperativeID {
                close()
                current = (row, [])
            }
            current?.entries.append(try LedgerEntry(canonicalBytes: Array(buffer: row.body)))
        }
        close()
        return traces
    }

    struct LotTraceRow: Sendable {
        /// 1-based position of the row's lot code among the statement's.
        let position: Int
        let cooperativeID: Int
        let cooperative: String
        let gtin: String?
        let originCode: String
        let note: String?
        let body: ByteBuffer
    }

    /// The rows of every lot whose code is in `$1` (distinct codes), each with its code's position
    /// there: per lot, its cooperative's latest verified (cosigned when there is one) checkpoint,
    /// then the entries carrying the lot's code and its origin's registration, in seq order.
    struct LotTraces: PostgresPreparedStatement {
        static let sql = """
            SELECT array_position($1::text[], l.lot_code), c.id, c.name, l.gtin, l.origin_code,
                   coalesce((SELECT k.cosigned_note FROM checkpoints k WHERE k.cooperative_id = c.id AND k.tree_size = c.checkpoint_size),
                            c.checkpoint_note),
                   e.body
            FROM lots l
            JOIN cooperatives c ON c.id = l.cooperative_id
            CROSS JOIN LATERAL (
                SELECT e.seq, e.body FROM entries e
                WHERE e.cooperative_id = l.cooperative_id
                  AND e.seq IN (SELECT k.seq FROM entry_keys k
                                WHERE k.name = 'lot_code' AND k.value = l.lot_code AND k.cooperative_id = l.cooperative_id
                                UNION ALL
                                SELECT o.seq FROM origins o WHERE o.cooperative_id = l.cooperative_id AND o.origin_code = l.origin_code)
                ORDER BY e.seq LIMIT \(maxEntriesPerAnswer)) e
            WHERE l.lot_code = ANY($1::text[])
            ORDER BY 1, c.name, c.id, e.seq
            """
        let lotCodes: [String]
        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(lotCodes)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> LotTraceRow {
            let (position, id, name, gtin, origin, note, body) = try row.decode((Int, Int, String, String?, String, String?, ByteBuffer).self)
            return LotTraceRow(position: position, cooperativeID: id, cooperative: name, gtin: gtin, originCode: origin, note: note, body: body)
        }
    }

    /// Moves whenever any process stores entries, a checkpoint or a cosignature, or halts a
    /// cooperative: every cooperative's sizes and status, and the cosignatures kept.
    func changeStamp() async throws -> [Int64] {
        let rows = try await client.query("""
            SELECT coalesce(sum(tree_size), 0)::bigint, coalesce(sum(checkpoint_size), 0)::bigint,
                   count(*) FILTER (WHERE status = 'halted'),
                   (SELECT count(*) FROM checkpoints WHERE cosigned_note IS NOT NULL)
            FROM cooperatives
            """, logger: logger)
        for try await (entries, checkpoints, halted, cosigned) in rows.decode((Int64, Int64, Int64, Int64).self) {
            return [entries, checkpoints, halted, cosigned]
        }
        return []
    }

    /// A cooperative's latest verified checkpoint, cosigned by this aggregator's witness when it has
    /// a key (nil: unknown cooperative or nothing verified yet).
    public func latestCheckpoint(cooperative name: String) async throws -> String? {
        let rows = try await client.query("""
            SELECT coalesce((SELECT k.cosigned_note FROM checkpoints k WHERE k.cooperative_id = c.id AND k.tree_size = c.checkpoint_size),
                            c.checkpoint_note)
            FROM cooperatives c WHERE c.name = \(name)
            """, logger: logger)
        for try await note in rows.decode(String?.self) { return note }
        return nil
    }

    public struct OriginTrace: Sendable {
        public let cooperative: String
        public let originCode: String
        /// The registration, the lots naming it and corrections carrying the code.
        public let entries: [LedgerEntry]
    }

    /// Every cooperative's entries about an origin code.
    public func trace(originCode: String) async throws -> [OriginTrace] {
        let rows = try await client.query("""
            SELECT DISTINCT k.cooperative_id, c.name FROM entry_keys k JOIN cooperatives c ON c.id = k.cooperative_id
            WHERE k.name = 'origin_code' AND k.value = \(originCode) ORDER BY c.name
            """, logger: logger)
        var found = [(Int, String)]()
        for try await row in rows.decode((Int, String).self) { found.append(row) }
        var traces = [OriginTrace]()
        for (id, name) in found {
            let entries = try await entries(cooperativeID: id, keys: [("origin_code", originCode)], types: nil, originRegistrationOnly: false)
            traces.append(OriginTrace(cooperative: name, originCode: originCode, entries: entries))
        }
        return traces
    }

    /// Entries of one cooperative carrying any of `keys`, in seq order. With
    /// `originRegistrationOnly`, an `origin_code` key selects only the origin's registration.
    func entries(cooperativeID id: Int, keys: [(String, String)], types: [String]?, originRegistrationOnly: Bool) async throws -> [LedgerEntry] {
        let names = keys.map(\.0), values = keys.map(\.1)
        let rows = try await client.query("""
            SELECT DISTINCT e.seq, e.body FROM entries e JOIN entry_keys k ON k.cooperative_id = e.cooperative_id AND k.seq = e.seq
            JOIN unnest(\(names)::text[], \(values)::text[]) AS w(n, v) ON k.name = w.n AND k.value = w.v
            WHERE e.cooperative_id = \(id) AND (NOT \(originRegistrationOnly) OR k.name <> 'origin_code' OR e.type = 'origin')
            ORDER BY e.seq LIMIT \(Self.maxEntriesPerAnswer)
            """, logger: logger)
        var result = [LedgerEntry]()
        for try await (_, body) in rows.decode((Int, ByteBuffer).self) {
            result.append(try LedgerEntry(canonicalBytes: Array(buffer: body)))
        }
        return result
    }
}
