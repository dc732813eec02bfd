import Foundation

/// Sets a piece of text inside a box, never beyond it: the largest size from `maxPixelSize`
/// down to `minPixelSize` at which it fits on one line; below that, wrapped at spaces (a word
/// wider than the box is broken between characters) at `minPixelSize` into at most `maxLines`
/// lines; if still too long, the last line ends in "…" and the result says `truncated`.
///
/// Fitting is checked against the rasterised ink of every line, not font metrics, so accents
/// stacked above Vietnamese capitals ("Ấ", "Ễ") count.
public struct TextFitter {
    public let typeface: Typeface

    public init(typeface: Typeface) { self.typeface = typeface }

    public static let ellipsis = "…"

    public func fit(_ text: String, width: Int, height: Int, maxPixelSize: Int, minPixelSize: Int,
                    maxLines: Int) throws(TypesettingError) -> FittedText {
        precondition(minPixelSize > 0 && minPixelSize <= maxPixelSize && maxLines > 0, "bad fitting limits")
        let requested = text.precomposedStringWithCanonicalMapping
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        for size in stride(from: maxPixelSize, through: minPixelSize, by: -1) {
            if let fitted = arrange([typeface.line(requested, pixelSize: size)], requested: requested, width: width,
                                    height: height, truncated: false) {
                return fitted
            }
        }
        let size = minPixelSize
        let wrapped = wrap(requested, size: size, width: width)
        let lineLimit = min(maxLines, max(1, height / typeface.lineHeight(pixelSize: size)))
        if wrapped.count <= lineLimit,
           let fitted = arrange(wrapped, requested: requested, width: width, height: height, truncated: false) {
            return fitted
        }
        // Too long even wrapped: keep as many whole lines as fit, the last one cut with "…".
        for count in stride(from: min(lineLimit, wrapped.count), through: 1, by: -1) {
            let rest = wrapped[(count - 1)...].map(\.text).joined(separator: " ")
            guard let last = shortened(rest, size: size, width: width) else { continue }
            if let fitted = arrange(Array(wrapped[..<(count - 1)]) + [last], requested: requested, width: width,
                                    height: height, truncated: true) {
                return fitted
            }
        }
        throw .boxTooSmall(text: requested, width: width, height: height, minPixelSize: minPixelSize)
    }

    /// Greedy line breaking at spaces; a word wider than the box is split between characters.
    private func wrap(_ text: String, size: Int, width: Int) -> [TextLine] {
        var lines: [TextLine] = []
        var current: TextLine?
        for word in text.split(separator: " ").map(String.init) {
            if let line = current {
                let joined = typeface.line(line.text + " " + word, pixelSize: size)
                if joined.width <= width { current = joined; continue }
                lines.append(line)
                current = nil
            }
            var remaining = Substring(word)
            while !remaining.isEmpty {
                let whole = typeface.line(String(remaining), pixelSize: size)
                if whole.width <= width { current = whole; break }
                // The longest prefix that fits, at least one character so the loop always ends.
                var cut = remaining.index(after: remaining.startIndex)
                var best = typeface.line(String(remaining[..<cut]), pixelSize: size)
                while cut < remaining.endIndex {
                    let next = remaining.index(after: cut)
                    let candidate = typeface.line(String(remaining[..<next]), pixelSize: size)
                    if candidate.width > width { break }
                    best = candidate
                    cut = next
                }
                if cut == remaining.endIndex { current = best; break }
                lines.append(best)
                remaining = remaining[cut...]
            }
        }
        if let current { lines.append(current) }
        return lines
    }

    /// The longest start of `text` (whole characters, trailing spaces dropped) that fits with "…" after it.
    private func shortened(_ text: String, size: Int, width: Int) -> TextLine? {
        let characters = Array(text)
        var low = 0, high = characters.count
        var best: TextLine?
        while low <= high {
            let mid = (low + high) / 2
            let prefix = String(characters[..<mid]).trimmingCharacters(in: .whitespaces)
            let candidate = typeface.line(prefix + Self.ellipsis, pixelSize: size)
            if candidate.width <= width { best = candidate; low = mid + 1 } else { high = mid - 1 }
        }
        return best
    }

    /// Stacks lines one line-height apart, the first as high as its ink allows; nil when any ink
    /// would leave the box.
    private func arrange(_ lines: [TextLine], requested: String, width: Int, height: Int, truncated: Bool) -> FittedText? {
        guard let first = lines.first, lines.allSatisfy({ $0.width <= width }) else { return nil }
        let pitch = typeface.lineHeight(pixelSize: first.pixelSize)
        var firstBaseline = first.ascent
        for (index, line) in lines.enumerated() {
            if let ink = line.ink { firstBaseline = max(firstBaseline, -ink.minY - index * pitch) }
        }
        var bottom = 0
        var origins: [(x: Int, baseline: Int)] = []
        for (index, line) in lines.enumerated() {
            let baseline = firstBaseline + index * pitch
            origins.append((x: -line.left, baseline: baseline))
            bottom = max(bottom, baseline + max(line.descent, line.ink?.maxY ?? 0))
        }
        guard bottom <= height else { return nil }
        return FittedText(requested: requested, lines: lines, origins: origins, pixelSize: first.pixelSize,
                          height: bottom, truncated: truncated)
    }
}
