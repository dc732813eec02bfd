/// An ONNX file the importer cannot turn into a graph: names the file and the problem; for
/// unsupported operators, every offending node by name and operator type.
public struct OnnxImportError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var unsupportedNodes: [String]

    public init(file: String, reason: String, unsupportedNodes: [String] = []) {
        self.file = file
        self.reason = reason
        self.unsupportedNodes = unsupportedNodes
    }

    public var description: String { "\(file): \(reason)" }
}
