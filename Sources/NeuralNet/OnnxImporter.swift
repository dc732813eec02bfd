import Foundation
import Localization

/// Converts an ONNX model (the operator subset below, opsets 7 to 21) into a `Graph`:
/// Conv, BatchNormalization (folded into the preceding Conv), Relu, Clip, LeakyRelu, Sigmoid,
/// HardSigmoid, HardSwish, MaxPool and AveragePool (ceil_mode too), GlobalAveragePool,
/// GlobalMaxPool, ReduceMean (over height and width, keeping them), Add (of two tensors, or a bias
/// after MatMul), Mul (of two tensors of one shape, or an image by per-channel values), Concat
/// (along the channels), Flatten, Reshape (to [batch, features] only), Gemm, MatMul (by a constant),
/// Softmax, Constant, and Identity and Dropout (inference: the value passes through).
/// Anything else is refused, naming every unsupported node.
public enum OnnxImporter {
    /// Limits on what the importer reads.
    public static let maxFileSize = 512 << 20

    public static func importModel(contentsOf url: URL, labels: [String], normalization: InputNormalization? = nil,
                                   metadata: [String: String] = [:]) throws -> Model {
        let graph = try importGraph(contentsOf: url)
        do {
            return try Model(graph: graph, normalization: normalization ?? .unit(channels: graph.inputShape.channels),
                             labels: labels, metadata: metadata)
        } catch var error as ModelError {
            error.file = url.path
            throw error
        }
    }

    public static func importGraph(contentsOf url: URL) throws -> Graph {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        if let size = attributes?[.size] as? Int, size > maxFileSize {
            throw OnnxImportError(file: url.path, Message("the file is {size} bytes, above the limit of {limit} bytes", ["size": .integer(size), "limit": .integer(maxFileSize)]))
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw OnnxImportError(file: url.path, Message("cannot read: {reason}", ["reason": .message(.fileError(error, path: url.path))]))
        }
        var onnx = try parse([UInt8](data), fileName: url.path)
        do {
            try onnx.loadExternalData(directory: url.deletingLastPathComponent(), limit: maxFileSize - data.count)
        } catch {
            throw OnnxImportError(file: url.path, Message("constant '{name}' keeps its values in '{location}', which cannot be used: {reason}",
                                                          ["name": .text(error.tensor), "location": .text(error.location), "reason": .text(error.reason)]))
        }
        var converter = try OnnxConverter(onnx: onnx, file: url.path)
        return try converter.convert()
    }

    /// Imports a model held in memory; weights kept as external data are refused (there is no folder to read them from).
    public static func importGraph(bytes: [UInt8], fileName: String) throws -> Graph {
        var converter = try OnnxConverter(onnx: try parse(bytes, fileName: fileName), file: fileName)
        return try converter.convert()
    }

    private static func parse(_ bytes: [UInt8], fileName: String) throws -> OnnxModel {
        do { return try OnnxModel(bytes: bytes) } catch let failure as ProtobufReader.Failure {
            throw OnnxImportError(file: fileName, Message("not a readable ONNX file: {reason} at byte {offset}", ["reason": .text(failure.reason), "offset": .integer(failure.offset)]))
        }
    }
}

/// One conversion: walks the ONNX nodes in order, building the graph and collecting refusals.
private struct OnnxConverter {
    let onnx: OnnxModel
    let file: String
    var constants: [String: OnnxModel.Tensor]
    var graph: Graph
    var shapes: [String: TensorShape] = [:]
    /// ONNX value name → graph value name.
    var names: [String: String] = [:]
    var readers: [String: Int] = [:]
    var unsupported: [Unsupported] = []
    /// Values computed by refused nodes: later nodes reading them are skipped, not reported twice.
    var poisoned: Set<String> = []

    struct Refusal: Error { var reason: String }
    /// A refused node; `supported` when its operator is one the engine has.
    struct Unsupported { var text: String; var supported: Bool }

    /// Default-domain opsets whose operator definitions the conversion follows.
    static let supportedOpsets: ClosedRange<Int64> = 7...21

    static let supportedOperators: Set<String> = [
        "Conv", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "MaxPool", "AveragePool", "GlobalAveragePool",
        "Add", "Flatten", "Reshape", "Gemm", "MatMul", "Softmax", "Constant", "Identity", "Dropout",
        "Sigmoid", "HardSigmoid", "HardSwish", "Mul", "ReduceMean", "Concat", "GlobalMaxPool",
    ]

    init(onnx: OnnxModel, file: String) throws {
        self.onnx = onnx
        self.file = file
        constants = onnx.initializers
        for node in onnx.nodes where node.opType == "Constant" {
            if var t = node.attributes["value"]?.tensor, let out = node.outputs.first {
                t.name = out
                constants[out] = t
            }
        }
        guard Self.supportedOpsets.contains(onnx.opsetVersion) else {
            throw OnnxImportError(file: file, Message("ONNX opset {version} is not supported (opsets {first} to {last}); export the model again with one of them",
                                                      ["version": .text(String(onnx.opsetVersion)), "first": .integer(Int(Self.supportedOpsets.lowerBound)),
                                                       "last": .integer(Int(Self.supportedOpsets.upperBound))]))
        }
        let known = constants
        let imageInputs = onnx.inputs.filter { known[$0.name] == nil }
        guard imageInputs.count == 1, let input = imageInputs.first else {
            throw OnnxImportError(file: file, Message("expected one image input, found {count} ({names})",
                                                      ["count": .integer(imageInputs.count), "names": .text(imageInputs.map(\.name).joined(separator: ", "))]))
        }
        let dims = input.dims
        guard dims.count == 4, let c = dims[1], let h = dims[2], let w = dims[3], c > 0, h > 0, w > 0,
              dims[0] == nil || dims[0]! >= 1 else {
            throw OnnxImportError(file: file, Message("input '{name}' must be NCHW with known channels, height and width; got {dims}",
                                                      ["name": .text(input.name), "dims": .text("\(dims.map { $0.map(String.init) ?? "?" })")]))
        }
        // Checked here, before any node's shape arithmetic multiplies them.
        let shape = TensorShape(channels: Int(c), height: Int(h), width: Int(w))
        guard h <= GraphLimits.maxDimension, w <= GraphLimits.maxDimension,
              c <= GraphLimits.maxElementsPerValue / (shape.height * shape.width) else {
            throw OnnxImportError(file: file, Message("input '{name}' of {shape} exceeds the size limits", ["name": .text(input.name), "shape": .text("\(shape)")]))
        }
        graph = Graph(input: shape)
        names[input.name] = Graph.inputName
        shapes[Graph.inputName] = graph.inputShape
        for node in onnx.nodes { for i in node.inputs where !i.isEmpty { readers[i, default: 0] += 1 } }
        for o in onnx.outputs { readers[o.name, default: 0] += 1 }
    }

    mutating func convert() throws -> Graph {
        for node in onnx.nodes where node.opType != "Constant" {
            if node.inputs.contains(where: { poisoned.contains($0) }) {
                // Downstream of a refused node: report it only if it would be refused on its own too.
                if !Self.supportedOperators.contains(node.opType) { unsupported.append(Unsupported(text: node.label, supported: false)) }
                node.outputs.forEach { poisoned.insert($0) }
                continue
            }
            do {
                guard node.domain.isEmpty || node.domain == "ai.onnx" else { throw Refusal(reason: "domain \(node.domain)") }
                try add(node)
            } catch let refusal as Refusal {
                let supported = Self.supportedOperators.contains(node.opType) && (node.domain.isEmpty || node.domain == "ai.onnx")
                unsupported.append(Unsupported(text: refusal.reason.isEmpty ? node.label : "\(node.label): \(refusal.reason)", supported: supported))
                node.outputs.forEach { poisoned.insert($0) }
            } catch let error as GraphError {
                throw OnnxImportError(file: file, Message("node {node}: {reason}", ["node": .text(node.label), "reason": .text(error.reason)]))
            }
        }
        if !unsupported.isEmpty {
            // An operator the engine lacks is a different fix (another export) from a supported
            // operator used with settings it lacks, so the two are named apart.
            let operators = unsupported.filter { !$0.supported }.map(\.text)
            let uses = unsupported.filter(\.supported).map(\.text)
            var parts: [Message] = []
            if !operators.isEmpty { parts.append(Message("unsupported operators: {nodes}", ["nodes": .text(operators.joined(separator: "; "))])) }
            if !uses.isEmpty { parts.append(Message("nodes the engine cannot run as given: {nodes}", ["nodes": .text(uses.joined(separator: "; "))])) }
            let problem = parts.count == 1 ? parts[0] : Message("{first}; {second}", ["first": .message(parts[0]), "second": .message(parts[1])])
            throw OnnxImportError(file: file, problem, unsupportedNodes: unsupported.map(\.text))
        }
        guard onnx.outputs.count == 1, let out = onnx.outputs.first, let name = names[out.name], name != Graph.inputName else {
            throw OnnxImportError(file: file, Message("expected one graph output computed by a node, found {names}", ["names": .text("\(onnx.outputs.map(\.name))")]))
        }
        graph.output = name
        graph = graph.foldingBatchNormalization()
        do { _ = try graph.inferShapes() } catch let error as GraphError {
            throw OnnxImportError(file: file, Message("the converted graph is invalid: {reason}", ["reason": .text("\(error)")]))
        }
        return graph
    }

    // MARK: Helpers

    /// The name of input `index` of `node`, refusing a node that has fewer inputs or leaves it empty.
    private func input(_ node: OnnxModel.Node, _ index: Int) throws -> String {
        guard index < node.inputs.count, !node.inputs[index].isEmpty else {
            throw Refusal(reason: "input \(index + 1) is missing (\(node.inputs.count) given)")
        }
        return node.inputs[index]
    }

    /// An optional input: nil when absent or empty.
    private func optionalInput(_ node: OnnxModel.Node, _ index: Int) -> String? {
        index < node.inputs.count && !node.inputs[index].isEmpty ? node.inputs[index] : nil
    }

    /// A 2-D window's kernel and strides, checked before any arithmetic uses them.
    private func window(_ node: OnnxModel.Node, kernel: [Int], strides: [Int]) throws {
        guard kernel.count == 2, kernel.allSatisfy({ (1...GraphLimits.maxKernelExtent).contains($0) }) else {
            throw Refusal(reason: "kernel_shape \(kernel) (2 values in 1...\(GraphLimits.maxKernelExtent))")
        }
        guard strides.count == 2, strides.allSatisfy({ (1...GraphLimits.maxStride).contains($0) }) else {
            throw Refusal(reason: "strides \(strides) (2 values in 1...\(GraphLimits.maxStride))")
        }
        let dilations = ints(node, "dilations", [1, 1])
        guard dilations == [1, 1] else { throw Refusal(reason: "dilations \(dilations) (only 1 is supported)") }
    }

    private func value(_ onnxName: String) throws -> String {
        guard let name = names[onnxName] else {
            if constants[onnxName] != nil { throw Refusal(reason: "constant '\(onnxName)' where a computed tensor is expected") }
            throw Refusal(reason: "input '\(onnxName)' is not computed by an earlier node")
        }
        return name
    }

    private func floats(_ onnxName: String) throws -> (values: [Float], dims: [Int]) {
        guard let t = constants[onnxName] else { throw Refusal(reason: "'\(onnxName)' must be a constant (initializer)") }
        guard !t.isExternal else {
            throw Refusal(reason: "constant '\(onnxName)' keeps its values in a separate file (ONNX external data) that was not read; import the model from its file, with that file beside it")
        }
        guard let values = onnx.floatValues(t) else { throw Refusal(reason: "constant '\(onnxName)' is not float32") }
        let dims = t.dims.map(Int.init)
        // Declared dims are untrusted: negative ones or a product that overflows are refused, not multiplied.
        var product = 1
        for d in dims {
            let (next, overflow) = product.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow else { throw Refusal(reason: "constant '\(onnxName)' has impossible dims \(t.dims)") }
            product = next
        }
        guard values.count == product else { throw Refusal(reason: "constant '\(onnxName)' has \(values.count) values for dims \(dims)") }
        return (values, dims)
    }

    private func ints(_ node: OnnxModel.Node, _ name: String, _ fallback: [Int]) -> [Int] {
        node.attributes[name].map { $0.ints.map { Int(clamping: $0) } } ?? fallback
    }

    private func int(_ node: OnnxModel.Node, _ name: String, _ fallback: Int) -> Int {
        node.attributes[name]?.int.map { Int(clamping: $0) } ?? fallback
    }

    private func float(_ node: OnnxModel.Node, _ name: String, _ fallback: Float) -> Float {
        node.attributes[name]?.float ?? fallback
    }

    /// A graph name for the ONNX output (the reserved name "input" gets a suffix).
    private func graphName(_ onnxName: String) -> String {
        var name = onnxName.isEmpty ? "n\(graph.nodes.count)" : onnxName
        while name == Graph.inputName || graph.node(named: name) != nil { name += "_" }
        return name
    }

    private mutating func emit(_ node: OnnxModel.Node, _ operation: NodeOperation, inputs: [String]) throws {
        guard let out = node.outputs.first else { throw Refusal(reason: "no output") }
        let extraUsed = node.outputs.dropFirst().contains { !$0.isEmpty && readers[$0, default: 0] > 0 }
        guard !extraUsed else { throw Refusal(reason: "its optional outputs are used (training mode?)") }
        let name = graphName(out)
        let new = Node(name: name, operation: operation, inputs: inputs)
        let shape = try graph.outputShape(of: new, inputs: inputs.map { shapes[$0]! })
        graph.nodes.append(new)
        shapes[name] = shape
        names[out] = name
    }

    /// Explicit pads [top, left, bottom, right] from `pads`/`auto_pad` for a window over `shape`;
    /// `kernel` and `strides` have passed `window`.
    private func padding(_ node: OnnxModel.Node, shape: TensorShape, kernel: [Int], strides: [Int]) throws -> [Int] {
        let autoPad = node.attributes["auto_pad"]?.string ?? "NOTSET"
        switch autoPad {
        case "NOTSET", "":
            let pads = ints(node, "pads", [0, 0, 0, 0])
            guard pads.count == 4, pads.allSatisfy({ (0..<GraphLimits.maxKernelExtent).contains($0) }) else {
                throw Refusal(reason: "pads \(pads) (4 values in 0..<\(GraphLimits.maxKernelExtent))")
            }
            return pads
        case "VALID":
            return [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            var pads = [0, 0, 0, 0]
            for (axis, size) in [shape.height, shape.width].enumerated() {
                let out = (size + strides[axis] - 1) / strides[axis]
                let total = max((out - 1) * strides[axis] + kernel[axis] - size, 0)
                let small = total / 2, large = total - small
                pads[axis] = autoPad == "SAME_UPPER" ? small : large
                pads[axis + 2] = autoPad == "SAME_UPPER" ? large : small
            }
            return pads
        default:
            throw Refusal(reason: "auto_pad \(autoPad)")
        }
    }

    // MARK: Operators

    private mutating func add(_ node: OnnxModel.Node) throws {
        switch node.opType {
        case "Conv":
            let x = try value(try input(node, 0))
            let (weights, dims) = try floats(try input(node, 1))
            guard dims.count == 4 else { throw Refusal(reason: "only 2-D convolutions (weights \(dims))") }
            let kernel = ints(node, "kernel_shape", [dims[2], dims[3]])
            let strides = ints(node, "strides", [1, 1])
            try window(node, kernel: kernel, strides: strides)
            guard kernel == [dims[2], dims[3]] else { throw Refusal(reason: "kernel_shape \(kernel) vs weights \(dims)") }
            let groups = int(node, "group", 1), channels = shapes[x]!.channels
            guard groups >= 1, channels % groups == 0, dims[0] % groups == 0, channels / groups == dims[1] else {
                throw Refusal(reason: "group \(groups) with weights \(dims) for \(channels) input channels")
            }
            let pads = try padding(node, shape: shapes[x]!, kernel: kernel, strides: strides)
            let bias = try optionalInput(node, 2).map { try floats($0).values }
            try emit(node, .convolution(Convolution(
                outputChannels: dims[0], kernelHeight: kernel[0], kernelWidth: kernel[1], strideY: strides[0], strideX: strides[1],
                padTop: pads[0], padLeft: pads[1], padBottom: pads[2], padRight: pads[3], groups: groups,
                weights: weights, bias: bias)), inputs: [x])
        case "BatchNormalization":
            guard int(node, "training_mode", 0) == 0 else { throw Refusal(reason: "training mode") }
            let x = try value(try input(node, 0))
            try emit(node, .batchNormalization(BatchNormalization(
                scale: try floats(try input(node, 1)).values, bias: try floats(try input(node, 2)).values,
                mean: try floats(try input(node, 3)).values, variance: try floats(try input(node, 4)).values,
                epsilon: float(node, "epsilon", 1e-5))), inputs: [x])
        case "Relu":
            try emit(node, .activation(.relu), inputs: [try value(try input(node, 0))])
        case "Sigmoid":
            try emit(node, .activation(.sigmoid), inputs: [try value(try input(node, 0))])
        case "HardSigmoid":
            let activation = Activation.hardSigmoid(alpha: float(node, "alpha", 0.2), beta: float(node, "beta", 0.5))
            try emit(node, .activation(activation), inputs: [try value(try input(node, 0))])
        case "HardSwish":
            try emit(node, .activation(.hardSwish), inputs: [try value(try input(node, 0))])
        case "LeakyRelu":
            try emit(node, .activation(.leakyRelu(alpha: float(node, "alpha", 0.01))), inputs: [try value(try input(node, 0))])
        case "Clip":
            var lower = node.attributes["min"]?.float ?? -.infinity, upper = node.attributes["max"]?.float ?? .infinity
            if let name = optionalInput(node, 1) { lower = try scalar(name) }
            if let name = optionalInput(node, 2) { upper = try scalar(name) }
            let activation: Activation = lower == 0 && upper == 6 ? .relu6
                : lower == 0 && upper == .infinity ? .relu : .clip(min: lower, max: upper)
            try emit(node, .activation(activation), inputs: [try value(try input(node, 0))])
        case "MaxPool", "AveragePool":
            let x = try value(try input(node, 0))
            let kernel = ints(node, "kernel_shape", [])
            let strides = ints(node, "strides", [1, 1])
            try window(node, kernel: kernel, strides: strides)
            guard int(node, "storage_order", 0) == 0 else { throw Refusal(reason: "storage_order") }
            var pads = try padding(node, shape: shapes[x]!, kernel: kernel, strides: strides)
            let countIncludePad = int(node, "count_include_pad", 0) != 0
            if int(node, "ceil_mode", 0) != 0 {
                pads = try ceilModePadding(node, shape: shapes[x]!, kernel: kernel, strides: strides, pads: pads,
                                           countIncludePad: countIncludePad && node.opType == "AveragePool")
            }
            let p = Pooling(kernelHeight: kernel[0], kernelWidth: kernel[1], strideY: strides[0], strideX: strides[1],
                            padTop: pads[0], padLeft: pads[1], padBottom: pads[2], padRight: pads[3],
                            countIncludePad: countIncludePad)
            try emit(node, node.opType == "MaxPool" ? .maxPool(p) : .averagePool(p), inputs: [x])
        case "Identity", "Dropout":
            try passThrough(node)
        case "GlobalAveragePool":
            try emit(node, .globalAveragePool, inputs: [try value(try input(node, 0))])
        case "GlobalMaxPool":
            try emit(node, .globalMaxPool, inputs: [try value(try input(node, 0))])
        case "ReduceMean":
            try reduceMean(node)
        case "Mul":
            let a = try input(node, 0), b = try input(node, 1)
            guard names[a] != nil, names[b] != nil else { throw Refusal(reason: "multiplying by a constant is not supported") }
            let x = try value(a), y = try value(b)
            let (p, q) = (shapes[x]!, shapes[y]!)
            guard p == q || p == .vector(q.channels) || q == .vector(p.channels) else {
                throw Refusal(reason: "multiplies \(p) by \(q) (only equal shapes, or an image by C×1×1 values of its channels)")
            }
            try emit(node, .mul, inputs: [x, y])
        case "Concat":
            let axis = int(node, "axis", Int.min)
            guard axis == 1 || axis == -3 else { throw Refusal(reason: "axis \(axis == Int.min ? "missing" : String(axis)) (only 1, the channels)") }
            guard (2...GraphLimits.maxConcatInputs).contains(node.inputs.count) else {
                throw Refusal(reason: "\(node.inputs.count) inputs (2 to \(GraphLimits.maxConcatInputs))")
            }
            let inputs = try node.inputs.indices.map { try value(try input(node, $0)) }
            let first = shapes[inputs[0]]!
            if let other = inputs.map({ shapes[$0]! }).first(where: { $0.height != first.height || $0.width != first.width }) {
                throw Refusal(reason: "joins \(first) and \(other) (height and width must be equal)")
            }
            try emit(node, .concat, inputs: inputs)
        case "Add":
            try addOperator(node)
        case "Flatten":
            guard int(node, "axis", 1) == 1 else { throw Refusal(reason: "axis \(int(node, "axis", 1)) (only 1 keeps the batch)") }
            try emit(node, .flatten, inputs: [try value(try input(node, 0))])
        case "Reshape":
            let x = try value(try input(node, 0))
            guard let shape = optionalInput(node, 1), let t = constants[shape], let target = onnx.integerValues(t) else {
                throw Refusal(reason: "shape must be a constant")
            }
            let features = Int64(shapes[x]!.elementCount)
            guard target.count == 2, [0, 1, -1].contains(target[0]), target[1] == -1 || target[1] == features,
                  !(target[0] == -1 && target[1] == -1) else {
                throw Refusal(reason: "only reshapes to [batch, \(features)] are supported, got \(target)")
            }
            try emit(node, .flatten, inputs: [x])
        case "Gemm":
            let x = try value(try input(node, 0))
            guard int(node, "transA", 0) == 0 else { throw Refusal(reason: "transA") }
            let (b, dims) = try floats(try input(node, 1))
            guard dims.count == 2 else { throw Refusal(reason: "B must be 2-D") }
            let alpha = float(node, "alpha", 1), beta = float(node, "beta", 1)
            let transB = int(node, "transB", 0) != 0
            let (outputs, inputs) = transB ? (dims[0], dims[1]) : (dims[1], dims[0])
            var weights = transB ? b : Self.transpose(b, rows: dims[0], columns: dims[1])
            if alpha != 1 { weights = weights.map { $0 * alpha } }
            var bias: [Float]?
            if let cName = optionalInput(node, 2) {
                let c = try floats(cName).values
                guard c.count == outputs || c.count == 1 else { throw Refusal(reason: "C broadcast of \(c.count) values") }
                bias = (0..<outputs).map { beta * c[c.count == 1 ? 0 : $0] }
            }
            guard shapes[x]!.elementCount == inputs else { throw Refusal(reason: "B has \(inputs) rows for \(shapes[x]!.elementCount) features") }
            try emit(node, .dense(Dense(outputFeatures: outputs, weights: weights, bias: bias)), inputs: [x])
        case "MatMul":
            let x = try value(try input(node, 0))
            let (b, dims) = try floats(try input(node, 1))
            guard dims.count == 2, shapes[x]!.pixels == 1, shapes[x]!.elementCount == dims[0] else {
                throw Refusal(reason: "only [batch, features] × constant [features, outputs]")
            }
            try emit(node, .dense(Dense(outputFeatures: dims[1], weights: Self.transpose(b, rows: dims[0], columns: dims[1]))),
                     inputs: [x])
        case "Softmax":
            let x = try value(try input(node, 0))
            let axis = int(node, "axis", onnx.opsetVersion >= 13 ? -1 : 1)
            guard axis == 1 || axis == -1, shapes[x]!.pixels == 1 else { throw Refusal(reason: "softmax over axis \(axis) of \(shapes[x]!)") }
            try emit(node, .softmax, inputs: [x])
        default:
            throw Refusal(reason: "")
        }
    }

    /// Add of two computed tensors, or of a constant bias to a bias-free Dense read only by this Add.
    private mutating func addOperator(_ node: OnnxModel.Node) throws {
        let a = try input(node, 0), b = try input(node, 1)
        guard node.inputs.count == 2 else { throw Refusal(reason: "Add of \(node.inputs.count) inputs") }
        if names[a] != nil, names[b] != nil {
            try emit(node, .add, inputs: [try value(a), try value(b)])
            return
        }
        let (tensor, constant) = names[a] != nil ? (a, b) : (b, a)
        let x = try value(tensor)
        let bias = try floats(constant).values
        guard readers[tensor] == 1, let i = graph.nodes.firstIndex(where: { $0.name == x }),
              case .dense(var d) = graph.nodes[i].operation, d.bias == nil, bias.count == d.outputFeatures,
              let out = node.outputs.first else {
            throw Refusal(reason: "adding a constant is supported only as the bias of a MatMul")
        }
        d.bias = bias
        graph.nodes[i].operation = .dense(d)
        names[out] = x
    }

    /// ReduceMean over height and width keeping them is a global average pool (C×1×1). The axes are an
    /// attribute before opset 18 and an optional constant input from it.
    private mutating func reduceMean(_ node: OnnxModel.Node) throws {
        let x = try value(try input(node, 0))
        var axes = ints(node, "axes", [])
        if let name = optionalInput(node, 1) {
            guard let t = constants[name], let values = onnx.integerValues(t) else { throw Refusal(reason: "axes must be a constant") }
            axes = values.map { Int(clamping: $0) }
        }
        let keepDims = int(node, "keepdims", 1)
        guard Set(axes.map { $0 < 0 ? $0 + 4 : $0 }) == [2, 3], axes.count == 2 else {
            throw Refusal(reason: "axes \(axes) (only [2, 3], height and width)")
        }
        guard keepDims == 1 else { throw Refusal(reason: "keepdims \(keepDims) (only 1)") }
        try emit(node, .globalAveragePool, inputs: [x])
    }

    /// Identity, or Dropout at inference: the output names the input's value (a constant stays a constant).
    private mutating func passThrough(_ node: OnnxModel.Node) throws {
        let x = try input(node, 0)
        guard let out = node.outputs.first, !out.isEmpty else { throw Refusal(reason: "no output") }
        if node.opType == "Dropout" {
            guard !node.outputs.dropFirst().contains(where: { !$0.isEmpty && readers[$0, default: 0] > 0 }) else {
                throw Refusal(reason: "its mask output is used")
            }
            // Opset 12 on: training_mode is an optional input; true (or not a constant) would drop values at random.
            if let mode = optionalInput(node, 2) {
                guard let t = constants[mode], let values = onnx.integerValues(t),
                      values.count == 1 else { throw Refusal(reason: "training_mode must be a constant") }
                guard values[0] == 0 else { throw Refusal(reason: "training_mode true") }
            }
        } else if node.outputs.count > 1 {
            throw Refusal(reason: "\(node.outputs.count) outputs")
        }
        if let constant = constants[x], names[x] == nil {
            constants[out] = constant
        } else {
            names[out] = try value(x)
        }
    }

    /// ceil_mode 1 as extra padding at the bottom and right: ONNX's output size, ⌈(in + pads − kernel) /
    /// stride⌉ + 1 less a last window that would start in the end padding, is the floor formula's with
    /// that padding. MaxPool and AveragePool without count_include_pad ignore padding, so the values
    /// match; AveragePool counting padding would divide by the added cells too, so it is refused then.
    private func ceilModePadding(_ node: OnnxModel.Node, shape: TensorShape, kernel: [Int], strides: [Int], pads: [Int],
                                 countIncludePad: Bool) throws -> [Int] {
        let autoPad = node.attributes["auto_pad"]?.string ?? "NOTSET"
        guard autoPad == "NOTSET" || autoPad.isEmpty else { throw Refusal(reason: "ceil_mode 1 with auto_pad \(autoPad)") }
        var result = pads
        for (axis, size) in [shape.height, shape.width].enumerated() {
            let span = size + pads[axis] + pads[axis + 2] - kernel[axis]
            guard span >= 0 else { return pads }  // the window does not fit: shape inference names the problem
            var out = (span + strides[axis] - 1) / strides[axis] + 1
            if (out - 1) * strides[axis] >= size + pads[axis] { out -= 1 }
            let extra = (out - 1) * strides[axis] + kernel[axis] - (size + pads[axis] + pads[axis + 2])
            guard extra > 0 else { continue }
            guard !countIncludePad else { throw Refusal(reason: "ceil_mode 1 with count_include_pad 1") }
            result[axis + 2] += extra
        }
        return result
    }

    private func scalar(_ onnxName: String) throws -> Float {
        let values = try floats(onnxName).values
        guard values.count == 1 else { throw Refusal(reason: "'\(onnxName)' must be a scalar") }
        return values[0]
    }

    private static func transpose(_ m: [Float], rows: Int, columns: Int) -> [Float] {
        var t = [Float](repeating: 0, count: m.count)
        for r in 0..<rows { for c in 0..<columns { t[c * rows + r] = m[r * columns + c] } }
        return t
    }
}
