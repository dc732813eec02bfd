/// `{name}` placeholders: `name` is 1-32 of `a-z`, `0-9`, `_`; `{{` and `}}` are literal braces.
enum Placeholders {
    enum Problem: Error, Equatable {
        case unmatchedOpen, unmatchedClose, badName(String)
    }

    enum Piece: Equatable {
        case literal(String), placeholder(String)
    }

    /// The template cut into literal text and placeholders; throws on a stray brace or a bad name.
    static func pieces(_ template: String) throws(Problem) -> [Piece] {
        var pieces: [Piece] = []
        var literal = String.UnicodeScalarView()
        let scalars = Array(template.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "{" || scalar == "}" {
                if index + 1 < scalars.count, scalars[index + 1] == scalar {
                    literal.append(scalar)
                    index += 2
                    continue
                }
                guard scalar == "{" else { throw .unmatchedClose }
                guard let close = scalars[(index + 1)...].firstIndex(of: "}") else { throw .unmatchedOpen }
                let name = String(String.UnicodeScalarView(scalars[(index + 1)..<close]))
                guard (1...32).contains(name.unicodeScalars.count),
                      name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
                else { throw .badName(name) }
                if !literal.isEmpty { pieces.append(.literal(String(literal))); literal = .init() }
                pieces.append(.placeholder(name))
                index = close + 1
            } else {
                literal.append(scalar)
                index += 1
            }
        }
        if !literal.isEmpty { pieces.append(.literal(String(literal))) }
        return pieces
    }

    /// The placeholder names used in `template`.
    static func names(_ template: String) throws(Problem) -> Set<String> {
        Set(try pieces(template).compactMap { if case .placeholder(let name) = $0 { name } else { nil } })
    }
}

extension Placeholders.Problem: CustomStringConvertible {
    var description: String {
        switch self {
        case .unmatchedOpen: return "'{' without '}' (write '{{' for a literal brace)"
        case .unmatchedClose: return "'}' without '{' (write '}}' for a literal brace)"
        case .badName(let name): return "placeholder '{\(Quoting.printable(name))}' is not a name (a-z, 0-9, _)"
        }
    }
}
