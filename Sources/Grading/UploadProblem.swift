/// One thing wrong with an upload, located as precisely as possible (file, manifest line).
public struct UploadProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file concerned: `manifest.csv`, a photo's path, or the upload itself.
    public let file: String
    /// 1-based line of `manifest.csv`, when the problem is a manifest row.
    public let line: Int?
    public let message: String

    public init(file: String, line: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// An upload that must not be graded; `problems` lists everything found, not just the first.
public struct UploadValidationError: Error, Sendable, CustomStringConvertible {
    public let upload: String
    public let problems: [UploadProblem]

    public init(upload: String, problems: [UploadProblem]) {
        self.upload = upload
        self.problems = problems
    }

    public var description: String {
        let noun = problems.count == 1 ? "problem" : "problems"
        return "\(upload): \(problems.count) \(noun), nothing was graded or recorded:\n"
            + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
