/// A correction (`correction` entry): names an earlier entry it corrects; nothing is rewritten.
public struct CorrectionRecord: Sendable {
    public let entry: RecordedEntry

    public init?(_ entry: RecordedEntry) {
        guard entry.type == "correction" else { return nil }
        self.entry = entry
    }

    public var correctedSeq: Int? { entry.int("corrects", "corrects_seq", "target_seq") }
    public var reason: String { entry.string("reason", "note") ?? "(no reason recorded)" }

    /// The corrected values as "field = value" text, whatever shape the entry gives them.
    public var changesText: String? {
        guard let changes = entry.body["changes"] ?? entry.body["fields"] ?? entry.body["set"] else { return nil }
        if case .object(let members) = changes {
            return members.map { "\($0.0) = \(Self.inline($0.1))" }.joined(separator: ", ")
        }
        return Self.inline(changes)
    }

    private static func inline(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return String(b)
        case .null: return "null"
        default: return value.rendered().replacingOccurrences(of: "\n", with: " ")
        }
    }
}

import Foundation
