import ArgumentParser
import Foundation
import Imaging

/// `agritrace inspect FILE...`: header facts and full-decode status per file; the batch goes on
/// past bad files.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decode photos and print their format, size, orientation and decode status.",
        discussion: """
            Formats are recognised by content (JPEG, PNG), not by file name; a file whose name \
            claims another format is decoded and flagged as mislabelled. Limits: \
            \(DecodeLimits.default.maxBytes) bytes per file, \(DecodeLimits.default.maxPixels) pixels per image.

            \(ExitStatus.help(success: "every file decoded", needsAttention: "some files could not be decoded (each is reported)"))

            Example:
              agritrace inspect photos/*.jpg --json
            """)

    @Flag(name: .long, help: "Print one JSON object per file (JSON lines).")
    var json = false

    @Argument(help: "Image files to inspect.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one image file") }
    }

    func run() throws {
        var failures = 0
        for file in files {
            let report = Self.inspect(file)
            if report.status != "ok" { failures += 1 }
            FileHandleOutput.standardOutput.write((json ? report.jsonLine() : report.textLine()) + "\n")
        }
        if failures > 0 {
            FileHandleOutput.standardError.write("\(failures) of \(files.count) files could not be decoded\n")
            throw ExitStatus.needsAttention
        }
    }

    static func inspect(_ path: String) -> InspectReport {
        var report = InspectReport(file: path)
        do {
            let data = try ImageDecoder.readFile(at: URL(fileURLWithPath: path))
            report.bytes = data.count
            let info = try ImageDecoder.probe(data: data, fileName: path)
            report.header = info
            _ = try ImageDecoder.decode(data: data, fileName: path)
            report.status = "ok"
        } catch let error as ImageDecodingError {
            report.status = "error"
            report.error = error
        } catch {
            report.status = "error"
            report.error = ImageDecodingError(fileName: path, format: nil, reason: .unreadable,
                                              libraryMessage: String(describing: error))
        }
        return report
    }
}
