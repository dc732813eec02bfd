/// A C2SP tlog-tiles resource path below `tile/`: `<L>/<N>[.p/<W>]` (hashes) or
/// `entries/<N>[.p/<W>]` (entry bundle), parsed strictly: one spelling per resource, so a
/// cache or mirror never holds the same tile under two names.
enum TilePath: Hashable {
    /// Tile `index` at `level`; `width` nil for a full tile (256 hashes).
    case hashes(level: Int, index: Int, width: Int?)
    case entries(index: Int, width: Int?)

    static let width = 256
    /// Tile indexes above this cannot exist in a ledger (`Ledger.maxEntries` leaves).
    static let maxIndex = 1 << 40

    /// `segments` are the path elements after `tile`.
    init?(_ segments: [Substring]) {
        guard let first = segments.first else { return nil }
        var rest = Array(segments.dropFirst())
        var width: Int?
        if rest.count >= 2, rest[rest.count - 2].hasSuffix(".p") {
            guard let w = Self.decimal(rest[rest.count - 1]), (1...255).contains(w) else { return nil }
            width = w
            rest[rest.count - 2] = rest[rest.count - 2].dropLast(2)
            rest.removeLast()
        }
        guard let index = Self.index(rest) else { return nil }
        if first == "entries" {
            self = .entries(index: index, width: width)
        } else {
            guard let level = Self.decimal(first), level <= 63 else { return nil }
            self = .hashes(level: level, index: index, width: width)
        }
    }

    /// Decimal ASCII without leading zeroes (`0` itself is fine).
    static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 3, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              text == "0" || !text.hasPrefix("0") else { return nil }
        return Int(text)
    }

    /// Zero-padded 3-digit elements, all but the last prefixed `x`: 1234067 is `x001/x234/067`.
    /// The first element is never `x000` (that would be a second spelling of a smaller index).
    static func index(_ elements: [Substring]) -> Int? {
        guard !elements.isEmpty, elements.count <= 5 else { return nil }
        var value = 0
        for (position, element) in elements.enumerated() {
            let last = position == elements.count - 1
            var digits = element
            if !last {
                guard digits.hasPrefix("x") else { return nil }
                digits = digits.dropFirst()
                if position == 0, digits == "000" { return nil }
            }
            guard digits.count == 3, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let part = Int(digits) else { return nil }
            value = value * 1000 + part
        }
        return value <= maxIndex ? value : nil
    }

    /// The path below `tile/` for `index` (for tests and links).
    static func encode(index: Int) -> String {
        var parts = [String(index % 1000).leftPadded3]
        var rest = index / 1000
        while rest > 0 {
            parts.insert("x" + String(rest % 1000).leftPadded3, at: 0)
            rest /= 1000
        }
        return parts.joined(separator: "/")
    }
}

extension String {
    fileprivate var leftPadded3: String { String(repeating: "0", count: max(0, 3 - count)) + self }
}
