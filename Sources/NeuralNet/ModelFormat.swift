import Localization

/// The `.agmodel` binary format, version 1. The byte-exact specification is in this module's README.md;
/// this file is its only implementation. Everything is little-endian; strings are u32 length + UTF-8.
enum ModelFormat {
    static let magic: [UInt8] = Array("AGMODEL".utf8) + [0]
    static let version: UInt32 = 1
    static let maxFileSize = 512 << 20
    static let maxStringBytes = 1024
    static let maxLabels = 10_000
    static let maxMetadataEntries = 256
    static let maxMetadataValueBytes = 65_536
    /// Input channels (one mean and one standard deviation each); layers inside the graph may have more.
    static let maxInputChannels = 4096

    enum OpCode: UInt32 {
        case convolution = 1, batchNormalization = 2, relu = 3, relu6 = 4, clip = 5, leakyRelu = 6
        case maxPool = 7, averagePool = 8, globalAveragePool = 9, add = 10, flatten = 11, dense = 12, softmax = 13
        case sigmoid = 14, hardSigmoid = 15, hardSwish = 16, mul = 17, concat = 18, globalMaxPool = 19
        case scaleShift = 20, tanh = 21, prelu = 22, logSoftmax = 23
    }

    // MARK: Validation shared by encode and decode

    static func validate(graph: Graph, normalization: InputNormalization, labels: [String],
                         metadata: [String: String], file: String) throws {
        let shapes: [String: TensorShape]
        do { shapes = try graph.inferShapes() } catch let error as GraphError {
            throw ModelError(file: file, reason: "invalid graph: \(error)")
        }
        let channels = graph.inputShape.channels
        // Checked here, on writing as on reading: a limit only the reader knew let `model import` write a
        // file that no command could load.
        guard channels <= maxInputChannels else {
            throw ModelError(file: file, reason: "input channels is \(channels), above the limit of \(maxInputChannels)")
        }
        guard normalization.mean.count == channels, normalization.std.count == channels else {
            throw ModelError(file: file, reason: "shape mismatch: normalisation has \(normalization.mean.count) means and "
                             + "\(normalization.std.count) standard deviations for \(channels) input channels")
        }
        if let problem = normalization.problem { throw ModelError(file: file, reason: problem) }
        let outputs = shapes[graph.output]!.elementCount
        guard labels.count == outputs else {
            throw ModelError(file: file, reason: "shape mismatch: \(labels.count) class labels for \(outputs) network outputs")
        }
        guard labels.count <= maxLabels else { throw ModelError(file: file, reason: "more than \(maxLabels) labels") }
        var seen = Set<String>()
        for label in labels {
            if let problem = Model.labelProblem(label) { throw ModelError(file: file, reason: problem) }
            guard seen.insert(label).inserted else { throw ModelError(file: file, reason: "label '\(Quoting.printable(label))' is listed twice") }
        }
        guard metadata.count <= maxMetadataEntries else {
            throw ModelError(file: file, reason: "more than \(maxMetadataEntries) metadata entries")
        }
        for (key, value) in metadata {
            guard !key.isEmpty, key.utf8.count <= maxStringBytes, value.utf8.count <= maxMetadataValueBytes else {
                throw ModelError(file: file, reason: "metadata key '\(key.prefix(40))' or its value is empty or too long")
            }
        }
        _ = try ModelCalibration(metadata: metadata, classCount: labels.count, file: file)
        for node in graph.nodes where node.name.utf8.count > maxStringBytes {
            throw ModelError(file: file, reason: "node name longer than \(maxStringBytes) bytes")
        }
    }

    // MARK: Encoding

    static func encode(graph: Graph, normalization: InputNormalization, labels: [String],
                       metadata: [String: String]) throws -> [UInt8] {
        try validate(graph: graph, normalization: normalization, labels: labels, metadata: metadata, file: "<model>")
        var w = ByteWriter()
        w.bytes(magic)
        w.u32(version)
        w.u32(graph.inputShape.channels)
        w.u32(graph.inputShape.height)
        w.u32(graph.inputShape.width)
        normalization.mean.forEach { w.f32($0) }
        normalization.std.forEach { w.f32($0) }
        w.u32(labels.count)
        labels.forEach { w.string($0) }
        let keys = metadata.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        w.u32(keys.count)
        for key in keys {
            w.string(key)
            w.string(metadata[key]!)
        }
        w.u32(graph.nodes.count)
        for node in graph.nodes { encode(node, into: &w) }
        w.string(graph.output)
        guard w.buffer.count <= maxFileSize else {  // the reader's first check
            throw ModelError(file: "<model>", reason: "the model is \(w.buffer.count) bytes, larger than the \(maxFileSize)-byte limit")
        }
        return w.buffer
    }

    private static func encode(_ node: Node, into w: inout ByteWriter) {
        w.string(node.name)
        let code: OpCode
        switch node.operation {
        case .convolution: code = .convolution
        case .batchNormalization: code = .batchNormalization
        case .scaleShift: code = .scaleShift
        case .activation(.relu): code = .relu
        case .activation(.relu6): code = .relu6
        case .activation(.clip): code = .clip
        case .activation(.leakyRelu): code = .leakyRelu
        case .activation(.sigmoid): code = .sigmoid
        case .activation(.hardSigmoid): code = .hardSigmoid
        case .activation(.hardSwish): code = .hardSwish
        case .activation(.tanh): code = .tanh
        case .prelu: code = .prelu
        case .logSoftmax: code = .logSoftmax
        case .maxPool: code = .maxPool
        case .averagePool: code = .averagePool
        case .globalAveragePool: code = .globalAveragePool
        case .globalMaxPool: code = .globalMaxPool
        case .add: code = .add
        case .mul: code = .mul
        case .concat: code = .concat
        case .flatten: code = .flatten
        case .dense: code = .dense
        case .softmax: code = .softmax
        }
        w.u32(code.rawValue)
        w.u32(node.inputs.count)
        node.inputs.forEach { w.string($0) }
        switch node.operation {
        case .convolution(let c):
            for v in [c.outputChannels, c.kernelHeight, c.kernelWidth, c.strideY, c.strideX,
                      c.padTop, c.padLeft, c.padBottom, c.padRight, c.groups] { w.u32(v) }
            w.tensor(c.weights)
            w.tensor(c.bias ?? [])
        case .batchNormalization(let b):
            w.f32(b.epsilon)
            w.tensor(b.scale); w.tensor(b.bias); w.tensor(b.mean); w.tensor(b.variance)
        case .scaleShift(let s):
            w.tensor(s.scale); w.tensor(s.shift)
        case .activation(.clip(let lower, let upper)):
            w.f32(lower); w.f32(upper)
        case .activation(.leakyRelu(let alpha)):
            w.f32(alpha)
        case .activation(.hardSigmoid(let alpha, let beta)):
            w.f32(alpha); w.f32(beta)
        case .maxPool(let p), .averagePool(let p):
            for v in [p.kernelHeight, p.kernelWidth, p.strideY, p.strideX, p.padTop, p.padLeft, p.padBottom, p.padRight] { w.u32(v) }
            if case .averagePool = node.operation { w.u32(p.countIncludePad ? 1 : 0) }
        case .dense(let d):
            w.u32(d.outputFeatures)
            w.tensor(d.weights)
            w.tensor(d.bias ?? [])
        case .prelu(let slopes):
            w.tensor(slopes)
        case .activation(.relu), .activation(.relu6), .activation(.sigmoid), .activation(.hardSwish), .activation(.tanh),
             .globalAveragePool, .globalMaxPool, .add, .mul, .concat, .flatten, .softmax, .logSoftmax:
            break
        }
    }

    // MARK: Decoding

    static func decode(_ bytes: [UInt8], fileName: String) throws -> Model {
        guard bytes.count <= maxFileSize else {
            throw ModelError(file: fileName, reason: "file is \(bytes.count) bytes, larger than the \(maxFileSize)-byte limit")
        }
        var r = ByteReader(bytes: bytes, file: fileName)
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw ModelError(file: fileName, offset: 0, reason: "wrong magic: not an .agmodel file")
        }
        r.offset = magic.count
        let version = try r.u32()
        guard version == self.version else {
            throw ModelError(file: fileName, offset: 8, reason: "unknown format version \(version) (this build reads version \(self.version))")
        }
        let channels = try r.count(max: maxInputChannels, "input channels")
        let height = try r.count(max: GraphLimits.maxDimension, "input height")
        let width = try r.count(max: GraphLimits.maxDimension, "input width")
        let mean = try (0..<channels).map { _ in try r.f32() }
        let std = try (0..<channels).map { _ in try r.f32() }
        let labelCount = try r.count(max: maxLabels, "label count")
        let labels = try (0..<labelCount).map { _ in try r.string(maxBytes: maxStringBytes) }
        let metadataCount = try r.count(max: maxMetadataEntries, "metadata count")
        var metadata: [String: String] = [:]
        var previousKey: [UInt8]?
        for _ in 0..<metadataCount {
            let keyOffset = r.offset
            let key = try r.string(maxBytes: maxStringBytes)
            if let previousKey, !previousKey.lexicographicallyPrecedes(Array(key.utf8)) {
                throw ModelError(file: fileName, offset: keyOffset, reason: "metadata keys are not in strictly ascending order")
            }
            previousKey = Array(key.utf8)
            metadata[key] = try r.string(maxBytes: maxMetadataValueBytes)
        }
        let nodeCount = try r.count(max: GraphLimits.maxNodes, "node count")
        var nodes: [Node] = []
        nodes.reserveCapacity(nodeCount)
        for _ in 0..<nodeCount { nodes.append(try decodeNode(&r)) }
        let output = try r.string(maxBytes: maxStringBytes)
        guard r.offset == bytes.count else {
            throw ModelError(file: fileName, offset: r.offset, reason: "\(bytes.count - r.offset) unexpected bytes after the end of the model")
        }
        let graph = Graph(input: TensorShape(channels: channels, height: height, width: width), nodes: nodes, output: output)
        let normalization = InputNormalization(mean: mean, std: std)
        do {
            try validate(graph: graph, normalization: normalization, labels: labels, metadata: metadata, file: fileName)
            return try Model(graph: graph, normalization: normalization, labels: labels, metadata: metadata)
        } catch var error as ModelError {
            error.file = fileName
            throw error
        }
    }

    private static func decodeNode(_ r: inout ByteReader) throws -> Node {
        let name = try r.string(maxBytes: maxStringBytes)
        let codeOffset = r.offset
        let rawCode = try r.u32()
        guard let code = OpCode(rawValue: rawCode) else {
            throw ModelError(file: r.file, offset: codeOffset, reason: "node '\(name)': unknown operation code \(rawCode)")
        }
        let inputCount = try r.count(max: GraphLimits.maxConcatInputs, "input count of node '\(name)'")
        let inputs = try (0..<inputCount).map { _ in try r.string(maxBytes: maxStringBytes) }
        let operation: NodeOperation
        switch code {
        case .convolution:
            let v = try (0..<10).map { _ in try r.count(max: GraphLimits.maxElementsPerValue, "convolution field of '\(name)'") }
            let weights = try r.tensor()
            let bias = try r.tensor()
            operation = .convolution(Convolution(outputChannels: v[0], kernelHeight: v[1], kernelWidth: v[2], strideY: v[3],
                                                 strideX: v[4], padTop: v[5], padLeft: v[6], padBottom: v[7], padRight: v[8],
                                                 groups: v[9], weights: weights, bias: bias.isEmpty ? nil : bias))
        case .batchNormalization:
            let epsilon = try r.f32()
            let scale = try r.tensor(), bias = try r.tensor(), mean = try r.tensor(), variance = try r.tensor()
            operation = .batchNormalization(BatchNormalization(scale: scale, bias: bias, mean: mean, variance: variance, epsilon: epsilon))
        case .scaleShift:
            let scale = try r.tensor(), shift = try r.tensor()
            operation = .scaleShift(ScaleShift(scale: scale, shift: shift))
        case .relu: operation = .activation(.relu)
        case .relu6: operation = .activation(.relu6)
        case .clip:
            let lower = try r.f32(), upper = try r.f32()
            operation = .activation(.clip(min: lower, max: upper))
        case .leakyRelu: operation = .activation(.leakyRelu(alpha: try r.f32()))
        case .sigmoid: operation = .activation(.sigmoid)
        case .hardSigmoid:
            let alpha = try r.f32(), beta = try r.f32()
            operation = .activation(.hardSigmoid(alpha: alpha, beta: beta))
        case .hardSwish: operation = .activation(.hardSwish)
        case .tanh: operation = .activation(.tanh)
        case .prelu: operation = .prelu(slopes: try r.tensor())
        case .logSoftmax: operation = .logSoftmax
        case .maxPool, .averagePool:
            let v = try (0..<8).map { _ in try r.count(max: GraphLimits.maxDimension, "pooling field of '\(name)'") }
            var p = Pooling(kernelHeight: v[0], kernelWidth: v[1], strideY: v[2], strideX: v[3],
                            padTop: v[4], padLeft: v[5], padBottom: v[6], padRight: v[7])
            if code == .averagePool {
                let flagOffset = r.offset
                let flag = try r.u32()
                guard flag <= 1 else { throw ModelError(file: r.file, offset: flagOffset, reason: "node '\(name)': count_include_pad flag is \(flag)") }
                p.countIncludePad = flag == 1
                operation = .averagePool(p)
            } else {
                operation = .maxPool(p)
            }
        case .globalAveragePool: operation = .globalAveragePool
        case .globalMaxPool: operation = .globalMaxPool
        case .add: operation = .add
        case .mul: operation = .mul
        case .concat: operation = .concat
        case .flatten: operation = .flatten
        case .dense:
            let outputs = try r.count(max: GraphLimits.maxElementsPerValue, "output count of '\(name)'")
            let weights = try r.tensor()
            let bias = try r.tensor()
            operation = .dense(Dense(outputFeatures: outputs, weights: weights, bias: bias.isEmpty ? nil : bias))
        case .softmax: operation = .softmax
        }
        return Node(name: name, operation: operation, inputs: inputs)
    }
}

/// Appends little-endian values to a byte buffer.
struct ByteWriter {
    var buffer: [UInt8] = []

    mutating func bytes(_ b: [UInt8]) { buffer += b }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { buffer += $0 } }
    mutating func u32(_ v: Int) { u32(UInt32(v)) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func string(_ s: String) {
        u32(s.utf8.count)
        buffer += s.utf8
    }
    mutating func tensor(_ values: [Float]) {
        u32(values.count)
        buffer.reserveCapacity(buffer.count + 4 * values.count)
        for v in values { f32(v) }
    }
}

/// Reads little-endian values, turning every overrun into a "truncated" `ModelError`.
struct ByteReader {
    let bytes: [UInt8]
    let file: String
    var offset = 0

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private func need(_ n: Int) throws {
        guard n <= bytes.count - offset else {
            throw ModelError(file: file, offset: offset, reason: "truncated file: needs \(n) more bytes, \(bytes.count - offset) left")
        }
    }

    mutating func u32() throws -> UInt32 {
        try need(4)
        let v = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        offset += 4
        return v
    }

    mutating func f32() throws -> Float { Float(bitPattern: try u32()) }

    /// A u32 that must be at most `max`, as an Int.
    mutating func count(max: Int, _ what: String) throws -> Int {
        let at = offset
        let v = Int(try u32())
        guard v <= max else { throw ModelError(file: file, offset: at, reason: "\(what) is \(v), above the limit of \(max)") }
        return v
    }

    mutating func string(maxBytes: Int) throws -> String {
        let length = try count(max: maxBytes, "string length")
        try need(length)
        let slice = bytes[offset..<(offset + length)]
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw ModelError(file: file, offset: offset, reason: "string is not valid UTF-8")
        }
        offset += length
        return s
    }

    mutating func tensor() throws -> [Float] {
        let count = try self.count(max: (bytes.count - offset) / 4, "tensor length (truncated file?)")
        try need(4 * count)
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { raw in
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 4 * count)]))
            }
        }
        #if _endian(big)
        for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
        #endif
        offset += 4 * count
        return values
    }
}

extension Model {
    /// Why `label` cannot name a class (empty, over 256 bytes, or holding a control character), or nil.
    public static func labelProblem(_ label: String) -> String? {
        guard !label.isEmpty, label.utf8.count <= 256, !label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return "label '\(Quoting.printable(label))' must be 1 to 256 bytes without control characters"
        }
        return nil
    }
}
