import Localization
import Markup

/// Inline SVG stacked bar charts for the audit report (no scripts, no external resources).
enum SVGBarChart {
    struct Bar {
        let label: String
        let segments: [(name: String, value: Int)]
    }

    /// Vertical stacked bars, one per `bars` element, with a y axis in whole units and a legend.
    /// Bar labels (harvest dates) are turned 45° so neighbours never overlap, and when bars are
    /// narrower than a turned label's line height only every k-th label is written (each bar
    /// still names its date in its tooltip).
    static func vertical(_ bars: [Bar], series: [String], title: String, xTitle: String, yTitle: String,
                         _ p: Presentation = .english) -> String {
        let labelLength = bars.map(\.label.count).max() ?? 0
        // A turned label needs about 0.71 × 6.5 px per character of depth below the axis.
        let labelDepth = labelLength * 5 + 8
        let width = max(480, 90 + bars.count * 56), height = 236 + labelDepth
        let left = 56, right = 16, top = 36, bottom = labelDepth + 28
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maxTotal = max(1, bars.map { $0.segments.reduce(0) { $0 + $1.value } }.max() ?? 1)
        let step = niceStep(maxTotal)
        let axisMax = ((maxTotal + step - 1) / step) * step
        func y(_ value: Int) -> Int { top + plotHeight - value * plotHeight / axisMax }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height + 24)\" viewBox=\"0 0 \(width) \(height + 24)\">"
        svg += "<title>\(Markup.escapeHTML(title))</title>"
        for tick in stride(from: 0, through: axisMax, by: step) {
            svg += "<line x1=\"\(left)\" y1=\"\(y(tick))\" x2=\"\(width - right)\" y2=\"\(y(tick))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\" font-size=\"11\">\(p.localizer.number(tick))</text>"
        }
        let slot = plotWidth / max(1, bars.count)
        let barWidth = min(40, slot * 2 / 3)
        // Turned labels sit ~14 px apart measured along the axis; write every k-th when slots are narrower.
        let labelEvery = max(1, (14 + slot - 1) / max(1, slot))
        for (i, bar) in bars.enumerated() {
            let x = left + i * slot + (slot - barWidth) / 2
            var base = 0
            for segment in bar.segments where segment.value > 0 {
                let colour = GradePalette.colour(for: segment.name, among: series)
                svg += "<rect x=\"\(x)\" y=\"\(y(base + segment.value))\" width=\"\(barWidth)\" height=\"\(y(base) - y(base + segment.value))\" fill=\"\(colour)\">"
                svg += "<title>\(Markup.escapeHTML("\(bar.label): \(p.grade(segment.name)) \(p.localizer.number(segment.value))"))</title></rect>"
                base += segment.value
            }
            if i % labelEvery == 0 {
                let labelX = x + barWidth / 2, labelY = top + plotHeight + 12
                svg += "<text x=\"\(labelX)\" y=\"\(labelY)\" text-anchor=\"end\" font-size=\"11\" transform=\"rotate(-45 \(labelX) \(labelY))\">\(Markup.escapeHTML(bar.label))</text>"
            }
        }
        svg += "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(width - right)\" y2=\"\(top + plotHeight)\" stroke=\"#333\"/>"
        svg += "<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\" font-size=\"12\">\(Markup.escapeHTML(xTitle))</text>"
        svg += "<text x=\"14\" y=\"\(top + plotHeight / 2)\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 \(top + plotHeight / 2))\">\(Markup.escapeHTML(yTitle))</text>"
        svg += legend(series, x: left, y: height + 6, p)
        svg += "</svg>"
        return svg
    }

    /// One horizontal bar split by share, for table rows (e.g. photo grades of one origin).
    static func shareBar(_ segments: [(name: String, value: Int)], series: [String], _ p: Presentation = .english, width: Int = 220) -> String {
        let total = segments.reduce(0) { $0 + $1.value }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"14\" viewBox=\"0 0 \(width) 14\">"
        guard total > 0 else { return svg + "<rect width=\"\(width)\" height=\"14\" fill=\"#eee\"/></svg>" }
        var x = 0, running = 0
        for segment in segments where segment.value > 0 {
            running += segment.value
            let end = running * width / total
            svg += "<rect x=\"\(x)\" y=\"0\" width=\"\(end - x)\" height=\"14\" fill=\"\(GradePalette.colour(for: segment.name, among: series))\">"
            svg += "<title>\(Markup.escapeHTML(p(Message("{grade}: {count} of {total}", ["grade": .text(p.grade(segment.name)), "count": .integer(segment.value), "total": .integer(total)]))))</title></rect>"
            x = end
        }
        return svg + "</svg>"
    }

    static func legend(_ series: [String], x: Int, y: Int, _ p: Presentation = .english) -> String {
        var svg = "", penX = x
        for code in series {
            let name = p.grade(code)
            svg += "<rect x=\"\(penX)\" y=\"\(y)\" width=\"12\" height=\"12\" fill=\"\(GradePalette.colour(for: code, among: series))\"/>"
            svg += "<text x=\"\(penX + 16)\" y=\"\(y + 10)\" font-size=\"11\">\(Markup.escapeHTML(name))</text>"
            penX += 28 + name.count * 7
        }
        return svg
    }

    /// 1, 2 or 5 times a power of ten, giving at most about six gridlines.
    static func niceStep(_ maxValue: Int) -> Int {
        var magnitude = 1
        while true {
            for factor in [1, 2, 5] where maxValue / (factor * magnitude) <= 6 { return factor * magnitude }
            magnitude *= 10
        }
    }
}
