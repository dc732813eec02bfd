import Foundation
import Localization
import Grading

/// Progress of `agritrace grade` on stderr, and the results file: a redrawn bar on a terminal
/// (photos done/total, photos/s, ETA), a plain line every few seconds otherwise (logs, CI),
/// nothing with `--quiet`.
final class GradeProgress: GradingObserver {
    enum Style { case bar, lines, quiet }

    private let style: Style
    private let results: ResultsWriter?
    private var phase = ""
    private var total = 0
    private var done = 0
    private var started = 0.0
    private var lastDrawn = 0.0
    private let lineInterval: Double

    init(style: Style, results: ResultsWriter?, lineInterval: Double = 5) {
        self.style = style
        self.results = results
        self.lineInterval = lineInterval
    }

    static func style(quiet: Bool) -> Style {
        quiet ? .quiet : (isatty(STDERR_FILENO) == 1 ? .bar : .lines)
    }

    func begin(phase: String, total: Int) {
        self.phase = phase == "hashing" ? tr("hashing", context: "progress phase") : tr("grading", context: "progress phase")
        self.total = total
        done = 0
        started = Self.now()
        lastDrawn = style == .lines ? started : 0   // the first plain line comes after one interval
        if style == .lines { FileHandleOutput.standardError.write("\(self.phase): " + tr("{n} photo", plural: "{n} photos", count: total) + "\n") }
    }

    func progress(done: Int) {
        self.done = done
        let now = Self.now()
        switch style {
        case .quiet: return
        case .bar:
            if now - lastDrawn >= 0.1 || done == total { draw(now: now) }
        case .lines:
            if now - lastDrawn >= lineInterval && done < total {
                lastDrawn = now
                FileHandleOutput.standardError.write("\(phase): \(status(now: now))\n")
            }
        }
    }

    func record(_ result: PhotoResult) { results?.write(result) }

    func end(phase: String) {
        results?.flush()
        let now = Self.now()
        switch style {
        case .quiet: return
        case .bar:
            draw(now: now)
            FileHandleOutput.standardError.write("\n")
        case .lines:
            FileHandleOutput.standardError.write("\(self.phase): \(status(now: now)), " + tr("done", context: "progress") + "\n")
        }
    }

    private func draw(now: Double) {
        lastDrawn = now
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        // \r and "erase to end of line" redraw in place.
        FileHandleOutput.standardError.write("\(phase) [\(bar)] \(status(now: now))", between: "\r", and: "\u{1B}[K")
    }

    private func status(now: Double) -> String {
        let elapsed = max(now - started, 1e-9)
        let rate = Double(done) / elapsed
        var text = tr("{done}/{total} photos, {rate} photos/s", ["done": .integer(done), "total": .integer(total),
                                                                  "rate": .decimal(rate, digits: 1)])
        if done < total && rate > 0 {
            text += ", " + tr("{time} left", ["time": .text(Self.duration(Double(total - done) / rate))])
        }

        return text
    }

    private static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
