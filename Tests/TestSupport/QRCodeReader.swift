import Foundation

/// Decodes QR codes in image files with `zbarimg` (Debian zbar-tools), an implementation
/// independent of the encoder under test.
public enum QRCodeReader {
    public struct NoCodeFound: Error, CustomStringConvertible {
        public let path: String
        public let status: Int32
        public var description: String { "zbarimg found no code in \(path) (exit \(status))" }
    }

    /// The text of the code in `path`; throws when zbarimg finds none.
    public static func decode(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["zbarimg", "--raw", "-q", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw NoCodeFound(path: path, status: process.terminationStatus) }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .newlines)
    }
}
