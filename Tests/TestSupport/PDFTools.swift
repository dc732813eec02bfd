import Foundation

/// Checks PDFs with tools independent of the writer under test: `qpdf --check` (Debian qpdf) for
/// the file's structure and streams, `pdfinfo` and `pdftoppm` (poppler-utils) for pages, sizes
/// and what a viewer draws. A missing tool fails the test (the tool's absence is an error).
public enum PDFTools {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `tool` with `arguments`; returns its status and output (stdout then stderr).
    public static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 { throw Failure(description: "\(tool) is not installed (scripts/install-deps.sh installs it)") }
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// `qpdf --check`: throws with qpdf's report unless the file has no errors or warnings.
    public static func check(_ path: String) throws {
        let (status, output) = try run("qpdf", ["--check", path])
        guard status == 0, output.contains("No syntax or stream encoding errors found") else {
            throw Failure(description: "qpdf --check \(path): exit \(status): \(output)")
        }
    }

    /// `pdfinfo -f 1 -l N`: the number of pages and each page's size in points ("141.84 x 84.96").
    public static func pages(_ path: String) throws -> (count: Int, sizes: [String]) {
        let (status, output) = try run("pdfinfo", ["-f", "1", "-l", "1000", path])
        guard status == 0 else { throw Failure(description: "pdfinfo \(path): exit \(status): \(output)") }
        var count = 0, sizes: [String] = []
        for line in output.split(separator: "\n") {
            if line.hasPrefix("Pages:") { count = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0 }
            if line.hasPrefix("Page"), line.contains("size:"), let range = line.range(of: "size:") {
                sizes.append(line[range.upperBound...].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " pts", with: ""))
            }
        }
        return (count, sizes)
    }

    /// Page `page` (1-based) drawn by poppler at `width` x `height` pixels as a PNG file next to
    /// the PDF. (An exact size rather than a resolution: poppler rounds a page of 170.16 pt at
    /// 300 dpi up to 710 px, one more than its 709.)
    public static func render(_ path: String, page: Int, width: Int, height: Int) throws -> URL {
        let prefix = path + "-page\(page)"
        let (status, output) = try run("pdftoppm", ["-scale-to-x", "\(width)", "-scale-to-y", "\(height)", "-f", "\(page)", "-l", "\(page)",
                                                    "-singlefile", "-png", path, prefix])
        guard status == 0 else { throw Failure(description: "pdftoppm \(path): exit \(status): \(output)") }
        return URL(fileURLWithPath: prefix + ".png")
    }
}
