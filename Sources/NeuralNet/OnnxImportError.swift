import Localization

/// An ONNX file the importer cannot turn into a graph: names the file and the problem; for
/// nodes it cannot convert, every one by name and operator type. The framing is a `Message`
/// (translated); a node's own detail (attribute names and values) is ONNX's vocabulary, kept as is.
public struct OnnxImportError: LocalizableError, Equatable {
    public var file: String
    public var problem: Message
    /// Nodes refused, each as "'name' (OpType)" or "'name' (OpType): why".
    public var unsupportedNodes: [String]

    public init(file: String, _ problem: Message, unsupportedNodes: [String] = []) {
        self.file = file
        self.problem = problem
        self.unsupportedNodes = unsupportedNodes
    }

    public var reason: String { problem.description }
    public var message: Message { Message("{file}: {reason}", ["file": .text(file), "reason": .message(problem)]) }
}
