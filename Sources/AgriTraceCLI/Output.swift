import Foundation
import Localization

/// Unbuffered writes to stdout/stderr that work from any thread. Standard error is for people
/// (messages quoting hostile input), so its control characters are made visible; standard output
/// may be data a script reads (JSON, proofs) and is written as it is.
enum FileHandleOutput {
    case standardOutput, standardError

    func write(_ text: String) {
        switch self {
        case .standardOutput: FileHandle.standardOutput.write(Data(text.utf8))
        case .standardError: FileHandle.standardError.write(Data(TerminalText.escapingControls(text).utf8))
        }
    }

    /// `text` made safe as above between the program's own terminal controls (`before`, `after`).
    func write(_ text: String, between before: String, and after: String) {
        let handle = self == .standardOutput ? FileHandle.standardOutput : FileHandle.standardError
        handle.write(Data((before + TerminalText.escapingControls(text) + after).utf8))
    }
}
