/// A gettext `Plural-Forms` formula: the C-expression subset gettext documents (`n`, integers,
/// `! * / % + - < > <= >= == != && || ?:`, parentheses), parsed once and evaluated per count.
/// Division by zero evaluates to 0; `Catalogue` rejects a formula that does so for 0...1000.
struct PluralRule: Sendable {
    indirect enum Node: Sendable {
        case n, constant(Int)
        case not(Node)
        case binary(String, Node, Node)
        case choice(Node, Node, Node)
    }

    let root: Node

    static let maxLength = 256
    static let maxDepth = 24

    init(_ text: String) throws(PluralRuleError) {
        guard text.utf8.count <= Self.maxLength else { throw .init("formula longer than \(Self.maxLength) bytes") }
        var parser = Parser(bytes: Array(text.utf8))
        root = try parser.expression(depth: 0)
        parser.skipSpaces()
        guard parser.index == parser.bytes.count else { throw .init("unexpected '\(parser.rest)' in formula") }
    }

    func evaluate(_ n: Int) -> Int { Self.evaluate(root, n) ?? 0 }

    /// nil: division by zero.
    static func evaluate(_ node: Node, _ n: Int) -> Int? {
        switch node {
        case .n: return n
        case .constant(let value): return value
        case .not(let operand): return evaluate(operand, n).map { $0 == 0 ? 1 : 0 }
        case .choice(let condition, let then, let otherwise):
            guard let value = evaluate(condition, n) else { return nil }
            return evaluate(value != 0 ? then : otherwise, n)
        case .binary(let op, let left, let right):
            guard let a = evaluate(left, n), let b = evaluate(right, n) else { return nil }
            switch op {
            case "*": return a &* b
            case "/": return b == 0 ? nil : a / b
            case "%": return b == 0 ? nil : a % b
            case "+": return a &+ b
            case "-": return a &- b
            case "<": return a < b ? 1 : 0
            case ">": return a > b ? 1 : 0
            case "<=": return a <= b ? 1 : 0
            case ">=": return a >= b ? 1 : 0
            case "==": return a == b ? 1 : 0
            case "!=": return a != b ? 1 : 0
            case "&&": return a != 0 && b != 0 ? 1 : 0
            default: return a != 0 || b != 0 ? 1 : 0   // "||"
            }
        }
    }

    /// Precedence climbing over the binary operators; C's levels, lowest first.
    private static let levels: [[String]] = [["||"], ["&&"], ["==", "!="], ["<=", ">=", "<", ">"], ["+", "-"], ["*", "/", "%"]]

    struct Parser {
        let bytes: [UInt8]
        var index = 0

        var rest: String { String(decoding: bytes[index...].prefix(20), as: UTF8.self) }

        mutating func skipSpaces() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        }

        mutating func take(_ token: String) -> Bool {
            skipSpaces()
            let utf8 = Array(token.utf8)
            guard bytes[index...].starts(with: utf8) else { return false }
            // `<` must not take the first half of `<=`, nor `!` of `!=`.
            if utf8.count == 1, index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "="),
               "<>!=".utf8.contains(utf8[0]) { return false }
            index += utf8.count
            return true
        }

        mutating func expression(depth: Int) throws(PluralRuleError) -> Node {
            guard depth < PluralRule.maxDepth else { throw .init("formula nested deeper than \(PluralRule.maxDepth)") }
            let condition = try binary(level: 0, depth: depth)
            guard take("?") else { return condition }
            let then = try expression(depth: depth + 1)
            guard take(":") else { throw .init("'?' without ':' in formula") }
            let otherwise = try expression(depth: depth + 1)
            return .choice(condition, then, otherwise)
        }

        mutating func binary(level: Int, depth: Int) throws(PluralRuleError) -> Node {
            guard level < PluralRule.levels.count else { return try unary(depth: depth) }
            var left = try binary(level: level + 1, depth: depth)
            while let op = PluralRule.levels[level].first(where: { take($0) }) {
                let right = try binary(level: level + 1, depth: depth)
                left = .binary(op, left, right)
            }
            return left
        }

        mutating func unary(depth: Int) throws(PluralRuleError) -> Node {
            guard depth < PluralRule.maxDepth else { throw .init("formula nested deeper than \(PluralRule.maxDepth)") }
            if take("!") { return .not(try unary(depth: depth + 1)) }
            if take("(") {
                let inner = try expression(depth: depth + 1)
                guard take(")") else { throw .init("'(' without ')' in formula") }
                return inner
            }
            skipSpaces()
            if take("n") { return .n }
            var value = 0, digits = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]), digits < 9 {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
                digits += 1
            }
            guard digits > 0 else {
                throw .init(index < bytes.count ? "unexpected '\(rest)' in formula" : "formula ends too early")
            }
            return .constant(value)
        }
    }
}

struct PluralRuleError: Error {
    let problem: String
    init(_ problem: String) { self.problem = problem }
}
