/// Counts of (true class, predicted class) and the metrics derived from them.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    /// counts[truth][prediction]
    public private(set) var counts: [[Int]]

    public init(classes: Int) {
        counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
    }

    public var classes: Int { counts.count }
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    public mutating func add(truth: Int, prediction: Int) { counts[truth][prediction] += 1 }

    public var accuracy: Double {
        total == 0 ? 0 : Double((0..<classes).reduce(0) { $0 + counts[$1][$1] }) / Double(total)
    }

    public func support(_ c: Int) -> Int { counts[c].reduce(0, +) }
    public func predicted(_ c: Int) -> Int { counts.reduce(0) { $0 + $1[c] } }

    /// Precision with 0 when the class was never predicted (scikit-learn's zero_division=0).
    public func precision(_ c: Int) -> Double { predicted(c) == 0 ? 0 : Double(counts[c][c]) / Double(predicted(c)) }
    public func recall(_ c: Int) -> Double { support(c) == 0 ? 0 : Double(counts[c][c]) / Double(support(c)) }
    public func f1(_ c: Int) -> Double {
        let p = precision(c), r = recall(c)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    /// Classes absent from the data (no support) are left out of the averages.
    private var presentClasses: [Int] { (0..<classes).filter { support($0) > 0 } }

    public var balancedAccuracy: Double {
        let present = presentClasses
        return present.isEmpty ? 0 : present.reduce(0) { $0 + recall($1) } / Double(present.count)
    }

    public var macroF1: Double {
        let present = presentClasses
        return present.isEmpty ? 0 : present.reduce(0) { $0 + f1($1) } / Double(present.count)
    }
}

/// Classes merged into coarser grades, e.g. "0-4,5-9" for two groups. Every class must belong to
/// exactly one group; a group's probability is the sum of its classes' probabilities.
public struct ClassGrouping: Sendable, Equatable, CustomStringConvertible {
    public var groups: [[Int]]
    public var text: String

    public init(parsing text: String, classes: Int) throws {
        self.text = text
        var groups: [[Int]] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!, low <= high else {
                throw GroupingError(text: text, reason: "'\(part)' is not a class or a range like 2-4")
            }
            guard low >= 0, high < classes else {
                throw GroupingError(text: text, reason: "'\(part)' is outside classes 0-\(classes - 1)")
            }
            groups.append(Array(low...high))
        }
        let all = groups.flatMap { $0 }
        guard all.sorted() == Array(0..<classes) else {
            throw GroupingError(text: text, reason: "every class 0-\(classes - 1) must be in exactly one group")
        }
        self.groups = groups
    }

    public var description: String { text }

    public func mergedProbabilities(_ probabilities: [Float]) -> [Float] {
        groups.map { $0.reduce(0) { $0 + probabilities[$1] } }
    }

    public func group(of c: Int) -> Int { groups.firstIndex { $0.contains(c) }! }
}

public struct GroupingError: Error, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "--groups '\(text)': \(reason)" }
}

extension Array where Element == Float {
    /// Index of the largest value; the first one on ties, so results are reproducible.
    public var argmax: Int {
        var best = 0
        for i in indices where self[i] > self[best] { best = i }
        return best
    }
}
