import Foundation

/// One ledger entry as the traceability tools see it: its position, leaf hash and decoded body.
///
/// Built from the ledger's canonical entry bytes, so these tools read exactly what was signed
/// and hashed, and keep working when entry types gain fields.
public struct RecordedEntry: Sendable {
    public let seq: Int
    /// Lowercase hex of the RFC 9162 leaf hash.
    public let leafHash: String
    public let type: String
    /// RFC 3339 UTC timestamp with milliseconds, as recorded.
    public let recordedAt: String
    public let body: JSONValue

    public init(seq: Int, leafHash: String, type: String, recordedAt: String, body: JSONValue) {
        self.seq = seq
        self.leafHash = leafHash
        self.type = type
        self.recordedAt = recordedAt
        self.body = body
    }

    /// Decodes canonical entry bytes; `seq`, `type` and `recorded_at` come from the entry itself.
    public init(canonicalBytes: [UInt8], leafHash: String) throws {
        let body = try JSONValue.parse(Data(canonicalBytes))
        guard let seq = body["seq"]?.intValue, let type = body["type"]?.stringValue else {
            throw JSONParseError(offset: 0, reason: "entry has no integer 'seq' or string 'type'")
        }
        self.init(seq: seq, leafHash: leafHash, type: type,
                  recordedAt: body["recorded_at"]?.stringValue ?? "", body: body)
    }

    /// The first present string field among `keys` (entry schemas name a few fields differently
    /// across types, e.g. `farm_id` in lots and `farm` in origins).
    public func string(_ keys: String...) -> String? {
        for key in keys { if let value = body[key]?.stringValue, !value.isEmpty { return value } }
        return nil
    }

    public func int(_ keys: String...) -> Int? {
        for key in keys { if let value = body[key]?.intValue { return value } }
        return nil
    }
}

