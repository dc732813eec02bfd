/// A grading policy file that cannot be used, with the file name and the reason.
public struct GradingPolicyError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let message: String
    init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "grading policy \(file): \(message)" }
}
