/// One thing wrong with an upload, located as precisely as possible (file, manifest line).
public struct UploadProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file concerned: `manifest.csv`, a photo's path, or the upload itself.
    public let file: String
    /// 1-based line of `manifest.csv`, when the problem is a manifest row.
    public let line: Int?
    public let message: String
    /// A photo in the upload that the manifest does not list (reported after the manifest's lines).
    let isUnlisted: Bool

    public init(file: String, line: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
        isUnlisted = false
    }

    init(unlisted file: String) {
        self.init(file: file, "not listed in \(Upload.manifestName)", isUnlisted: true)
    }

    private init(file: String, _ message: String, isUnlisted: Bool) {
        self.file = file
        line = nil
        self.message = message
        self.isUnlisted = isUnlisted
    }

    /// The order a report lists problems in: the upload's own (its files, sizes, archive), then
    /// the manifest's, those of the whole file first and then by line (problems of one line in
    /// the order found), then photos the manifest does not list.
    public static func inReportOrder(_ problems: [UploadProblem]) -> [UploadProblem] {
        func rank(_ problem: UploadProblem) -> (Int, Int) {
            if problem.isUnlisted { return (2, 0) }
            if problem.file == Upload.manifestName { return (1, problem.line ?? 0) }
            return (0, 0)
        }
        return problems.enumerated().sorted { a, b in
            let (ra, rb) = (rank(a.element), rank(b.element))
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
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
