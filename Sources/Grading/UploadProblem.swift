import Localization

/// One thing wrong with an upload, located as precisely as possible (file, manifest line).
public struct UploadProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file concerned: `manifest.csv`, a photo's path, or the upload itself.
    public let file: String
    /// 1-based line of `manifest.csv`, when the problem is a manifest row.
    public let line: Int?
    /// What is wrong, in any language.
    public let text: Message
    /// A photo in the upload that the manifest does not list (reported after the manifest's lines).
    let isUnlisted: Bool

    public init(file: String, line: Int? = nil, _ text: Message) {
        self.init(file: file, line: line, text, isUnlisted: false)
    }

    init(unlisted file: String) {
        self.init(file: file, line: nil, Message("not listed in manifest.csv"), isUnlisted: true)
    }

    private init(file: String, line: Int?, _ text: Message, isUnlisted: Bool) {
        self.file = file
        self.line = line
        self.text = text
        self.isUnlisted = isUnlisted
    }

    /// What is wrong, in English.
    public var message: String { text.description }

    public var description: String { rendered(by: .english) }

    /// `file:line: message` with the message in `localizer`'s language.
    public func rendered(by localizer: Localizer) -> String {
        if let line { return "\(file):\(line): \(localizer.render(text))" }
        return "\(file): \(localizer.render(text))"
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
}

/// An upload that must not be graded; `problems` lists everything found, not just the first.
public struct UploadValidationError: LocalizableError, Sendable {
    public let upload: String
    public let problems: [UploadProblem]

    public init(upload: String, problems: [UploadProblem]) {
        self.upload = upload
        self.problems = problems
    }

    /// The report in the current language (`Localizer.current`), one problem per line.
    public var message: Message { message(by: Localizer.current) }

    public var description: String { Localizer.english.render(message(by: .english)) }

    private func message(by localizer: Localizer) -> Message {
        Message("{upload}: {n} problem, nothing was graded or recorded:", plural: "{upload}: {n} problems, nothing was graded or recorded:",
                count: problems.count, ["upload": .text(upload)])
            .followed(by: problems.map { "  " + $0.rendered(by: localizer) })
    }
}

private extension Message {
    /// This message, then `lines` as they are, each on its own line.
    func followed(by lines: [String]) -> Message {
        Message("{head}\n{lines}", ["head": .message(self), "lines": .text(lines.joined(separator: "\n"))])
    }
}
