import Foundation

/// Reads the text in an image with `tesseract` (Debian tesseract-ocr, with tesseract-ocr-vie and
/// -eng), an OCR engine independent of the renderer under test. Throws when tesseract or the
/// language's data is missing: tests that need it fail rather than skip.
public enum TextRecognizer {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let status: Int32
        public let message: String
        public var description: String {
            "tesseract could not read \(path) (exit \(status)): \(message) (install tesseract-ocr, tesseract-ocr-vie, tesseract-ocr-eng: scripts/install-deps.sh)"
        }
    }

    /// The text tesseract finds in `path`, read as `language` ("vie", "eng"), automatic page segmentation.
    public static func read(_ path: String, language: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tesseract", path, "stdout", "-l", language, "--psm", "3"]
        // One thread: tests run side by side on a small machine.
        process.environment = ProcessInfo.processInfo.environment.merging(["OMP_THREAD_LIMIT": "1"]) { $1 }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(path: path, status: process.terminationStatus, message: String(decoding: message, as: UTF8.self))
        }
        return String(decoding: text, as: UTF8.self)
    }
}
