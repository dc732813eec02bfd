/// A JSON value whose objects keep their keys in insertion order, so documents we write
/// (EPCIS, `trace --json`, the grading results file) read top-down the way a person expects and
/// are byte-for-byte reproducible. Strings are escaped by `CanonicalJSON`, the one JSON string
/// writer of the package.
public indirect enum OrderedJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// A decimal number written exactly as given (e.g. "850.25"), so quantities are never rounded.
    case decimal(String)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    public static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.decimal(a), .decimal(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// A float written in its shortest round-tripping form; not-a-number and infinities, which
    /// JSON cannot hold, become null.
    public static func number(_ value: Float) -> OrderedJSON {
        value.isFinite ? .decimal("\(value)") : .null
    }

    /// Pretty-printed with two-space indentation and a trailing newline.
    public func rendered() -> String {
        var out = [UInt8]()
        write(to: &out, indent: 0)
        out.append(0x0a)
        return String(decoding: out, as: UTF8.self)
    }

    /// On one line, without spaces (for JSON-lines files).
    public func renderedCompact() -> String {
        var out = [UInt8]()
        write(to: &out, indent: nil)
        return String(decoding: out, as: UTF8.self)
    }

    /// `indent` nil writes compactly.
    private func write(to out: inout [UInt8], indent: Int?) {
        func newline(_ level: Int) {
            guard indent != nil else { return }
            out.append(0x0a)
            out.append(contentsOf: repeatElement(0x20, count: 2 * level))
        }
        let level = indent ?? 0
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .decimal(let text): out.append(contentsOf: text.utf8)
        case .string(let s): CanonicalJSON.writeString(s, to: &out)
        case .array(let items):
            out.append(0x5b)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x2c) }
                newline(level + 1)
                item.write(to: &out, indent: indent.map { $0 + 1 })
            }
            if !items.isEmpty { newline(level) }
            out.append(0x5d)
        case .object(let members):
            out.append(0x7b)
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(0x2c) }
                newline(level + 1)
                CanonicalJSON.writeString(key, to: &out)
                out.append(0x3a)
                if indent != nil { out.append(0x20) }
                value.write(to: &out, indent: indent.map { $0 + 1 })
            }
            if !members.isEmpty { newline(level) }
            out.append(0x7d)
        }
    }
}

extension OrderedJSON {
    /// Looks up a member of an object (nil for other values or a missing key).
    public subscript(key: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
    public var arrayValue: [OrderedJSON]? { if case .array(let a) = self { return a }; return nil }

    /// A ledger entry's JSON, with object keys in canonical (sorted) order.
    public init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .integer(let i): self = .int(Int(i))
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items.map(OrderedJSON.init))
        case .object(let members): self = .object(members.keys.sorted().map { ($0, OrderedJSON(members[$0]!)) })
        }
    }
}
