import ArgumentParser
import Foundation
import Localization
import Imaging

/// `agritrace inspect FILE...`: header facts and full-decode status per file; the batch goes on
/// past bad files.
struct InspectCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "inspect",
        abstract: tr("Decode photos and print their format, size, orientation and decode status."),
        discussion: tr("Formats are recognised by content (JPEG, PNG), not by file name; a file whose name claims another format is decoded and flagged as mislabelled. Limits: {bytes} bytes per file, {pixels} pixels per image. The report lines are in English (a developer's tool); --json is the same in every language.",
                       ["bytes": .integer(DecodeLimits.default.maxBytes), "pixels": .integer(DecodeLimits.default.maxPixels)])
            + "\n\n" + ExitStatus.help(success: tr("every file decoded"), needsAttention: tr("some files could not be decoded (each is reported)"))
            + "\n\n" + tr("Example:") + """

              agritrace inspect photos/*.jpg --json
            """) }

    @Flag(name: .long, help: ArgumentHelp(tr("Print one JSON object per file (JSON lines).")))
    var json = false

    @Argument(help: ArgumentHelp(tr("Image files to inspect.")))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError(tr("give at least one image file")) }
    }

    func run() throws {
        var failures = 0
        for file in files {
            let report = Self.inspect(file)
            if report.status != "ok" { failures += 1 }
            FileHandleOutput.standardOutput.write((json ? report.jsonLine() : report.textLine()) + "\n")
        }
        if failures > 0 {
            FileHandleOutput.standardError.write(tr("{failed} of {n} file could not be decoded", plural: "{failed} of {n} files could not be decoded", count: files.count,
                                                    ["failed": .integer(failures)]) + "\n")
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
            report.error = ImageDecodingError(fileName: path, format: nil, reason: .unreadable(.fileError(error, path: path)))
        }
        return report
    }
}
