import Foundation
import Localization

/// Converts an ONNX model (the operator subset below, opsets 7 to 21) into a `Graph`:
/// Conv, BatchNormalization (folded into the preceding Conv), Relu, Clip, LeakyRelu, PRelu (one
/// slope, or one per channel), Sigmoid, Tanh, HardSigmoid, HardSwish, MaxPool and AveragePool
/// (ceil_mode too), GlobalAveragePool, GlobalMaxPool, ReduceMean and ReduceMax (over height and
/// width, with or without keepdims), Add (of two tensors), Mul (of two tensors of one shape, or an image by per-channel values),
/// Sub, Div, Add and Mul with a scalar or per-channel constant (a scale-and-shift; x / c, not c / x;
/// a constant added after MatMul is its bias), Concat (along the channels), Flatten, Reshape (to
/// [batch, features] only), Squeeze (N×C×1×1 to N×C), Gemm, MatMul (by a constant), Softmax and
/// LogSoftmax (over the classes), Constant, and Identity and Dropout (inference: the value passes
/// through). Pad (zeros, height and width, non-negative) where a Conv alone reads it: it becomes
/// that convolution's padding. Shape, Gather, Unsqueeze, Squeeze, Concat, Slice, Cast, Reshape,
/// Transpose and ConstantOfShape on constants and shapes are computed at import
/// (`OnnxFoldedTensor.swift`), so `x.view(x.size(0), -1)` is a Flatten.
/// Anything else is refused, naming every unsupported node.
public enum OnnxImporter {
    /// Operator types the importer reads (a node may still be refused for its settings); `model import --help` lists them.
    public static let supportedOperators: Set<String> = [
        "Conv", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "MaxPool", "AveragePool", "GlobalAveragePool",
        "Add", "Flatten", "Reshape", "Gemm", "MatMul", "Softmax", "Constant", "Identity", "Dropout",
        "Sigmoid", "HardSigmoid", "HardSwish", "Mul", "ReduceMean", "ReduceMax", "Concat", "GlobalMaxPool", "Sub", "Div",
        "Tanh", "PRelu", "LogSoftmax", "Pad", "Shape", "Gather", "Unsqueeze", "Squeeze", "Slice", "Cast", "Transpose",
        "ConstantOfShape",
    ]

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
    /// Integer tensors computed at import (shapes, pads, axes), by ONNX name.
    var folded: [String: FoldedTensor<Int64?>] = [:]
    /// Pad outputs waiting for the Conv that alone reads them: the padded value and [top, left, bottom, right].
    var pendingPads: [String: (input: String, pads: [Int])] = [:]
    /// Index of the node being converted (a Pad looks at the nodes after it).
    var position = 0
    /// The ONNX rank of each graph value: 4 for images (N×C×H×W, C×1×1 after global pooling), 2 for
    /// feature vectors (N×F after Flatten, Reshape or Gemm). Broadcasting a constant depends on it.
    var ranks: [String: Int] = [Graph.inputName: 4]
    var readers: [String: Int] = [:]
    var unsupported: [Unsupported] = []
    /// Values computed by refused nodes: later nodes reading them are skipped, not reported twice.
    var poisoned: Set<String> = []

    struct Refusal: Error { var reason: String }
    /// A refused node; `supported` when its operator is one the engine has.
    struct Unsupported { var text: String; var supported: Bool }

    /// Default-domain opsets whose operator definitions the conversion follows.
    static let supportedOpsets: ClosedRange<Int64> = 7...21


    init(onnx: OnnxModel, file: String) throws {
        self.onnx = onnx
        self.file = file
        constants = onnx.initializers
        for node in onnx.nodes where node.opType == "Constant" {
            guard let out = node.outputs.first else { continue }
            let a = node.attributes
            // value, or (opset 12 on) one of the typed forms exporters also write.
            var t = a["value"]?.tensor ?? OnnxModel.Tensor()
            if let v = a["value_int"]?.int { t.dataType = OnnxModel.int64; t.int64s = [v] }
            if let v = a["value_ints"] { t.dataType = OnnxModel.int64; t.int64s = v.ints; t.dims = [Int64(v.ints.count)] }
            if let v = a["value_float"]?.float { t.dataType = OnnxModel.float32; t.floats = [v] }
            if let v = a["value_floats"] { t.dataType = OnnxModel.float32; t.floats = v.floats; t.dims = [Int64(v.floats.count)] }
            guard t.dataType != 0 else { continue }
            t.name = out
            constants[out] = t
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
        // The engine feeds float32 pixels scaled as --mean/--std say; a model built for uint8 or
        // float16 input (its Cast would be dropped) would silently see other values.
        guard let elementType = input.elementType else {
            throw OnnxImportError(file: file, Message("input '{name}' declares no element type; only float32 (FLOAT) input is supported", ["name": .text(input.name)]))
        }
        guard elementType == Int64(OnnxModel.float32) else {
            throw OnnxImportError(file: file, Message("input '{name}' holds {type} values; only float32 (FLOAT) input is supported",
                                                      ["name": .text(input.name), "type": .text(OnnxModel.typeName(elementType))]))
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
        for (index, node) in onnx.nodes.enumerated() where node.opType != "Constant" {
            position = index
            if node.inputs.contains(where: { poisoned.contains($0) }) {
                // Downstream of a refused node: report it only if it would be refused on its own too.
                if !OnnxImporter.supportedOperators.contains(node.opType) { unsupported.append(Unsupported(text: node.label, supported: false)) }
                node.outputs.forEach { poisoned.insert($0) }
                continue
            }
            do {
                guard node.domain.isEmpty || node.domain == "ai.onnx" else { throw Refusal(reason: "domain \(node.domain)") }
                // ONNX names each value once; a file that does not is refused rather than read one way or the other.
                if let out = node.outputs.first(where: { names[$0] != nil || folded[$0] != nil || pendingPads[$0] != nil || constants[$0] != nil }) {
                    throw Refusal(reason: "output '\(out)' is defined twice")
                }
                do {
                    if try !fold(node) { try add(node) }
                } catch let failure as FoldedTensor<Int64?>.Failure {
                    throw Refusal(reason: failure.reason)
                } catch let failure as FoldedTensor<Float>.Failure {
                    throw Refusal(reason: failure.reason)
                }
            } catch let refusal as Refusal {
                let supported = OnnxImporter.supportedOperators.contains(node.opType) && (node.domain.isEmpty || node.domain == "ai.onnx")
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
            if folded[onnxName] != nil {
                throw Refusal(reason: "'\(onnxName)' is computed from shapes or constants where an image is expected")
            }
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
        switch operation {
        case .flatten, .dense: ranks[name] = 2
        default: ranks[name] = ranks[inputs[0]] ?? 4
        }
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
            let source = try input(node, 0)
            let pad = pendingPads[source]
            let x = try pad?.input ?? value(source)
            let extra = pad?.pads ?? [0, 0, 0, 0]
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
            // auto_pad works out its padding for the image the Pad made.
            let s = shapes[x]!
            let padded = TensorShape(channels: s.channels, height: s.height + extra[0] + extra[2], width: s.width + extra[1] + extra[3])
            let pads = zip(try padding(node, shape: padded, kernel: kernel, strides: strides), extra).map(+)
            guard pads.allSatisfy({ $0 < GraphLimits.maxKernelExtent }) else {
                throw Refusal(reason: "padding \(pads) with the Pad before it (each side under \(GraphLimits.maxKernelExtent))")
            }
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
        case "Tanh":
            try emit(node, .activation(.tanh), inputs: [try value(try input(node, 0))])
        case "PRelu":
            let x = try value(try input(node, 0))
            let slopes = try channelValues(try input(node, 1), for: x)
            // One slope for every channel is a LeakyReLU, which kernels fuse.
            try emit(node, Set(slopes).count == 1 ? .activation(.leakyRelu(alpha: slopes[0])) : .prelu(slopes: slopes), inputs: [x])
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
            try reduceOverImage(node, .globalAveragePool)
        case "ReduceMax":
            try reduceOverImage(node, .globalMaxPool)
        case "Mul":
            let a = try input(node, 0), b = try input(node, 1)
            guard names[a] != nil, names[b] != nil else { return try constantArithmetic(node) }
            let x = try value(a), y = try value(b)
            try sameRank(x, y)
            let (p, q) = (shapes[x]!, shapes[y]!)
            guard p == q || p == .vector(q.channels) || q == .vector(p.channels) else {
                throw Refusal(reason: "multiplies \(p) by \(q) (only equal shapes, or an image by C×1×1 values of its channels)")
            }
            try emit(node, .mul, inputs: [x, y])
        case "Sub", "Div":
            try constantArithmetic(node)
        case "Pad":
            try pad(node)
        case "Squeeze":
            // N×C×1×1 without its last two axes is the feature vector N×C.
            let x = try value(try input(node, 0))
            let axes = try onnx.opsetVersion >= 13 ? optionalInput(node, 1).map { try knownIntegers($0, "axes") } : node.attributes["axes"]?.ints
            let rank = ranks[x] ?? 4
            guard let axes, rank == 4, shapes[x]!.pixels == 1,
                  Set(axes.map { $0 < 0 ? $0 + 4 : $0 }) == [2, 3], axes.count == 2 else {
                throw Refusal(reason: "axes \(axes.map { "\($0)" } ?? "missing") of \(shapes[x]!) (only [2, 3] of N×C×1×1)")
            }
            try emit(node, .flatten, inputs: [x])
        case "Cast":
            // Of a computed tensor (always float here): only to float, which changes nothing.
            let x = try value(try input(node, 0))
            guard int(node, "to", 0) == Int(OnnxModel.float32), let out = node.outputs.first, node.outputs.count == 1 else {
                throw Refusal(reason: "cast of a computed tensor to type \(int(node, "to", 0)) (only to float)")
            }
            names[out] = x
        case "Gather", "Unsqueeze", "Slice", "Transpose":
            _ = try value(try input(node, 0))  // names a missing input first
            throw Refusal(reason: "only on constants and shapes, not on a computed tensor")
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
            guard let shape = optionalInput(node, 1), let target = try integers(shape)?.values else {
                throw Refusal(reason: "shape must be a constant")
            }
            let features = Int64(shapes[x]!.elementCount)
            // The first dim: the batch size (nil, from Shape), 0 copying it (unless allowzero), 1, or −1.
            let batch: [Int64?] = int(node, "allowzero", 0) == 0 ? [nil, 0, 1, -1] : [nil, 1, -1]
            guard target.count == 2, batch.contains(target[0]), target[1] == -1 || target[1] == features,
                  !(target[0] == -1 && target[1] == -1) else {
                throw Refusal(reason: "only reshapes to [batch, \(features)] are supported, got \(target.map { $0.map(String.init) ?? "batch" })")
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
        case "Softmax", "LogSoftmax":
            let x = try value(try input(node, 0))
            let axis = int(node, "axis", onnx.opsetVersion >= 13 ? -1 : 1), rank = ranks[x] ?? 4
            // Axis 1 of N×C×1×1 or of N×F (before opset 13, "axis 1" flattens the rest: the same then).
            guard (axis < 0 ? axis + rank : axis) == 1, shapes[x]!.pixels == 1 else {
                throw Refusal(reason: "softmax over axis \(axis) of \(shapes[x]!)")
            }
            try emit(node, node.opType == "Softmax" ? .softmax : .logSoftmax, inputs: [x])
        default:
            throw Refusal(reason: "")
        }
    }

    /// ONNX broadcasting aligns trailing axes: N×C against N×C×H×W would pair channels with the
    /// width, not with the channels, so two computed tensors combine only at the same rank.
    private func sameRank(_ x: String, _ y: String) throws {
        let (p, q) = (ranks[x] ?? 4, ranks[y] ?? 4)
        guard p == q else { throw Refusal(reason: "combines a rank-\(p) value with a rank-\(q) one (only equal ranks)") }
    }

    /// Add of two computed tensors, of a constant bias to a bias-free Dense read only by this Add, or of
    /// another constant (a scale-and-shift).
    private mutating func addOperator(_ node: OnnxModel.Node) throws {
        let a = try input(node, 0), b = try input(node, 1)
        guard node.inputs.count == 2 else { throw Refusal(reason: "Add of \(node.inputs.count) inputs") }
        if names[a] != nil, names[b] != nil {
            try sameRank(try value(a), try value(b))
            try emit(node, .add, inputs: [try value(a), try value(b)])
            return
        }
        let (tensor, constant) = names[a] != nil ? (a, b) : (b, a)
        let x = try value(tensor)
        let bias = try channelValues(constant, for: x)
        if readers[tensor] == 1, names.values.count(where: { $0 == x }) == 1, let i = graph.nodes.firstIndex(where: { $0.name == x }),
           case .dense(var d) = graph.nodes[i].operation, d.bias == nil, let out = node.outputs.first {
            d.bias = bias
            graph.nodes[i].operation = .dense(d)
            names[out] = x
            return
        }
        try constantArithmetic(node)
    }

    /// Sub, Div, Mul or Add of a computed tensor and a scalar or per-channel constant, as one
    /// x·scale + shift per channel: x − c, c − x, x / c, x·c, c·x, x + c, c + x. c / x is refused.
    private mutating func constantArithmetic(_ node: OnnxModel.Node) throws {
        guard node.inputs.count == 2 else { throw Refusal(reason: "\(node.inputs.count) inputs") }
        let a = try input(node, 0), b = try input(node, 1)
        guard names[a] != nil || names[b] != nil else { throw Refusal(reason: "both inputs are constants") }
        guard names[a] == nil || names[b] == nil else {
            throw Refusal(reason: "both inputs are computed (only a computed tensor with a constant is supported)")
        }
        let constantFirst = names[a] == nil
        let x = try value(constantFirst ? b : a)
        let c = try channelValues(constantFirst ? a : b, for: x)
        var scale = [Float](repeating: 1, count: c.count), shift = [Float](repeating: 0, count: c.count)
        switch (node.opType, constantFirst) {
        case ("Add", _): shift = c
        case ("Mul", _): scale = c
        case ("Sub", false): shift = c.map { -$0 }
        case ("Sub", true): scale = scale.map { -$0 }; shift = c
        case ("Div", false):
            guard !c.contains(0) else { throw Refusal(reason: "divides by a constant that is zero") }
            scale = c.map { 1 / $0 }
        default: throw Refusal(reason: "divides a constant by a computed tensor (only x / c is supported)")
        }
        try emitScaleShift(node, ScaleShift(scale: scale, shift: shift), input: x)
    }

    /// A scale-and-shift; merged into the one producing `input` when that one has no other reader
    /// (normalisation as Sub then Div, or x·a + b, becomes a single step).
    private mutating func emitScaleShift(_ node: OnnxModel.Node, _ s: ScaleShift, input x: String) throws {
        let onnxInput = node.inputs.first { names[$0] == x } ?? ""
        if readers[onnxInput] == 1, names.values.count(where: { $0 == x }) == 1, let out = node.outputs.first, node.outputs.count == 1,
           let i = graph.nodes.firstIndex(where: { $0.name == x }), case .scaleShift(let first) = graph.nodes[i].operation {
            // y = (x·s1 + b1)·s2 + b2 = x·(s1·s2) + (b1·s2 + b2), in Double.
            let scale = first.scale.indices.map { Float(Double(first.scale[$0]) * Double(s.scale[$0])) }
            let shift = first.shift.indices.map { Float(Double(first.shift[$0]) * Double(s.scale[$0]) + Double(s.shift[$0])) }
            let merged = Node(name: x, operation: .scaleShift(ScaleShift(scale: scale, shift: shift)), inputs: graph.nodes[i].inputs)
            _ = try graph.outputShape(of: merged, inputs: merged.inputs.map { shapes[$0]! })  // finite values
            graph.nodes[i] = merged
            names[out] = x
            return
        }
        try emit(node, .scaleShift(s), inputs: [x])
    }

    /// A constant operand of an element-wise operator on `x` as one value per channel (a scalar
    /// repeated). ONNX broadcasting aligns dims from the right, so every dim must be 1 except the one
    /// on the channel axis, which may be the channel count: [C] on a feature vector, [C, 1, 1] or
    /// [1, C, 1, 1] on an image. Anything else ([W] on an image, a constant of higher rank, an
    /// image-shaped one) is refused.
    private func channelValues(_ constant: String, for x: String) throws -> [Float] {
        let (values, dims) = try floats(constant)
        let shape = shapes[x]!, rank = ranks[x] ?? 4
        let fits = dims.count <= rank && dims.enumerated().allSatisfy { i, d in
            d == 1 || (rank - dims.count + i == 1 && d == shape.channels)
        }
        guard fits else {
            throw Refusal(reason: "constant '\(constant)' of dims \(dims) is neither a scalar nor one value per channel of \(shape)")
        }
        return values.count == 1 ? Array(repeating: values[0], count: shape.channels) : values
    }

    // MARK: Shape arithmetic and Pad

    /// An integer tensor: computed at import, or a constant (its dims checked); nil for anything else.
    private func integers(_ onnxName: String) throws -> FoldedTensor<Int64?>? {
        if let f = folded[onnxName] { return f }
        guard names[onnxName] == nil, let t = constants[onnxName], !t.isExternal, let values = onnx.integerValues(t) else { return nil }
        try FoldedTensor<Int64?>.check(t.dims)
        return try FoldedTensor<Int64?>(values: values.map { Optional($0) }, dims: t.dims.map { Int($0) })
    }

    /// An integer input that must be known at import (no batch size in it).
    private func knownIntegers(_ onnxName: String, _ what: String) throws -> [Int64] {
        guard let values = try integers(onnxName)?.values, values.allSatisfy({ $0 != nil }) else {
            throw Refusal(reason: "\(what) must be integer constants")
        }
        return values.map { $0! }
    }

    /// A float constant as a tensor to fold (its dims checked); nil for anything else.
    private func floatConstant(_ onnxName: String) throws -> FoldedTensor<Float>? {
        guard names[onnxName] == nil, folded[onnxName] == nil, let t = constants[onnxName], t.dataType == OnnxModel.float32 else { return nil }
        try FoldedTensor<Float>.check(t.dims)
        let (values, dims) = try floats(onnxName)
        return try FoldedTensor<Float>(values: values, dims: dims)
    }

    /// Computes a shape-arithmetic node whose data are constants or shapes. False when the node
    /// reads a computed tensor (Shape aside), which the operator's own rules then handle.
    private mutating func fold(_ node: OnnxModel.Node) throws -> Bool {
        let foldable: Set = ["Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Reshape", "Transpose", "ConstantOfShape"]
        guard foldable.contains(node.opType) else { return false }
        let source = try input(node, 0)
        guard node.opType == "Shape" || node.opType == "ConstantOfShape" || names[source] == nil else { return false }
        guard node.outputs.count == 1, let out = node.outputs.first, !out.isEmpty else { throw Refusal(reason: "\(node.outputs.count) outputs") }
        switch node.opType {
        case "Shape":
            folded[out] = try shapeOf(node, source)
        case "ConstantOfShape":
            let dims = try knownIntegers(source, "the shape")
            try FoldedTensor<Int64?>.check(dims)
            let count = dims.reduce(1, *)
            let fill = node.attributes["value"]?.tensor
            if let fill, let v = onnx.integerValues(fill) {
                guard v.count == 1 else { throw Refusal(reason: "value has \(v.count) elements") }
                folded[out] = try FoldedTensor<Int64?>(values: Array(repeating: v[0], count: Int(count)), dims: dims.map { Int($0) })
            } else {
                // Float 0 when no value is given.
                let v = fill.map { onnx.floatValues($0) ?? [] } ?? [0]
                guard v.count == 1 else { throw Refusal(reason: "value must be one float or integer") }
                var t = OnnxModel.Tensor(name: out, dims: dims, dataType: OnnxModel.float32)
                t.floats = Array(repeating: v[0], count: Int(count))
                constants[out] = t
            }
        case "Concat":
            let axis = Int64(int(node, "axis", 0))
            let inputs = try node.inputs.indices.map { try input(node, $0) }
            if let parts = try? inputs.map({ name throws -> FoldedTensor<Int64?> in
                guard let part = try integers(name) else { throw Refusal(reason: "") }
                return part
            }) {
                folded[out] = try FoldedTensor.concatenating(parts, axis: axis)
            } else if let parts = try? inputs.map({ name throws -> FoldedTensor<Float> in
                guard let part = try floatConstant(name) else { throw Refusal(reason: "") }
                return part
            }) {
                try store(try FoldedTensor.concatenating(parts, axis: axis), as: out)
            } else {
                return false  // computed tensors (or a mix, which the Concat operator refuses)
            }
        case "Cast":
            let to = int(node, "to", 0)
            if let ints = try integers(source) {
                // Integer to integer (bool excluded, which would change values): the values stay.
                guard [2, 3, 4, 5, 6, 7, 12, 13].contains(to) else { throw Refusal(reason: "cast of integers to type \(to)") }
                folded[out] = ints
            } else if let floats = try floatConstant(source), to == Int(OnnxModel.float32) {
                try store(floats, as: out)
            } else {
                throw Refusal(reason: "cast of '\(source)' to type \(to) (integers to integers, floats to float)")
            }
        default:
            if let ints = try integers(source) {
                folded[out] = try reshaped(node, ints)
            } else if let floats = try floatConstant(source) {
                try store(try reshaped(node, floats), as: out)
            } else {
                return false
            }
        }
        return true
    }

    /// Gather, Unsqueeze, Squeeze, Slice, Transpose or Reshape of a folded tensor.
    private func reshaped<T>(_ node: OnnxModel.Node, _ data: FoldedTensor<T>) throws -> FoldedTensor<T> {
        let fromOpset13 = onnx.opsetVersion >= 13
        func list(_ index: Int, _ attribute: String) throws -> [Int64]? {
            if let name = optionalInput(node, index) { return try knownIntegers(name, attribute) }
            return node.attributes[attribute]?.ints
        }
        switch node.opType {
        case "Gather":
            guard let indices = try integers(try input(node, 1)), indices.values.allSatisfy({ $0 != nil }) else {
                throw Refusal(reason: "indices must be integer constants")
            }
            return try data.gathering(indices.values.map { $0! }, indexDims: indices.dims, axis: Int64(int(node, "axis", 0)))
        case "Unsqueeze":
            guard let axes = try fromOpset13 ? list(1, "axes") : node.attributes["axes"]?.ints else { throw Refusal(reason: "axes missing") }
            return try data.unsqueezing(axes: axes)
        case "Squeeze":
            return try data.squeezing(axes: fromOpset13 ? list(1, "axes") : node.attributes["axes"]?.ints)
        case "Slice":
            // Inputs from opset 10, attributes before.
            let attributes = onnx.opsetVersion < 10
            guard let starts = try attributes ? node.attributes["starts"]?.ints : list(1, "starts"),
                  let ends = try attributes ? node.attributes["ends"]?.ints : list(2, "ends") else {
                throw Refusal(reason: "starts and ends missing")
            }
            let axes = try attributes ? node.attributes["axes"]?.ints : list(3, "axes")
            let steps = try attributes ? nil : list(4, "steps")
            return try data.slicing(starts: starts, ends: ends, axes: axes, steps: steps)
        case "Transpose":
            return try data.transposing(perm: node.attributes["perm"]?.ints)
        case "Reshape":
            guard let shape = optionalInput(node, 1) else { throw Refusal(reason: "shape missing") }
            return try data.reshaping(to: try knownIntegers(shape, "shape"), allowZero: int(node, "allowzero", 0) != 0)
        default:
            throw Refusal(reason: "")
        }
    }

    /// A folded float tensor becomes a constant later nodes read like an initializer.
    private mutating func store(_ t: FoldedTensor<Float>, as name: String) throws {
        var tensor = OnnxModel.Tensor(name: name, dims: t.dims.map { Int64($0) }, dataType: OnnxModel.float32)
        tensor.floats = t.values
        constants[name] = tensor
    }

    /// Shape of a computed value ([batch, C, H, W], or [batch, F] for a feature vector), of a
    /// constant or of a folded tensor; `start` and `end` (opset 15) pick a part.
    private func shapeOf(_ node: OnnxModel.Node, _ source: String) throws -> FoldedTensor<Int64?> {
        var dims: [Int64?]
        if let x = names[source] {
            let s = shapes[x]!
            dims = ranks[x] == 2 ? [nil, Int64(s.channels)] : [nil, Int64(s.channels), Int64(s.height), Int64(s.width)]
        } else if let f = folded[source] {
            dims = f.dims.map { Optional(Int64($0)) }
        } else if let t = constants[source] {
            try FoldedTensor<Int64?>.check(t.dims)
            dims = t.dims.map { Optional($0) }
        } else {
            _ = try value(source)
            return try FoldedTensor<Int64?>(values: [], dims: [0])
        }
        let rank = Int64(dims.count)
        func clamp(_ v: Int64) -> Int { Int(min(max(v < 0 ? max(v, -rank) + rank : v, 0), rank)) }
        let start = clamp(node.attributes["start"]?.int ?? 0), end = clamp(node.attributes["end"]?.int ?? rank)
        let part = start < end ? Array(dims[start..<end]) : []
        return try FoldedTensor<Int64?>(values: part, dims: [part.count])
    }

    /// Pad with zeros of the height and width, read by one Conv alone: it becomes that convolution's
    /// padding (the engine pads each side on its own). Any other use would need a padded image.
    private mutating func pad(_ node: OnnxModel.Node) throws {
        let x = try value(try input(node, 0))
        let mode = node.attributes["mode"]?.string ?? "constant"
        guard mode == "constant" else { throw Refusal(reason: "mode \(mode) (only constant, with zeros)") }
        let fromOpset11 = onnx.opsetVersion >= 11
        let pads = try fromOpset11 ? knownIntegers(input(node, 1), "pads") : node.attributes["pads"]?.ints ?? []
        let fill = try fromOpset11 ? optionalInput(node, 2).map { try scalar($0) } ?? 0 : float(node, "value", 0)
        guard fill == 0 else { throw Refusal(reason: "constant value \(fill) (only 0, what a convolution pads with)") }
        let rank = ranks[x] ?? 4
        var axes = Array(0..<rank)
        if let name = optionalInput(node, 3) {
            axes = try knownIntegers(name, "axes").map { try FoldedTensor<Int64?>.axis($0, rank: rank) }
        }
        guard pads.count == 2 * axes.count, Set(axes).count == axes.count else { throw Refusal(reason: "\(pads.count) pads for \(axes.count) axes") }
        var begin = [Int64](repeating: 0, count: rank), end = begin
        for (i, axis) in axes.enumerated() { (begin[axis], end[axis]) = (pads[i], pads[i + axes.count]) }
        guard rank == 4, begin[..<2].allSatisfy({ $0 == 0 }), end[..<2].allSatisfy({ $0 == 0 }) else {
            throw Refusal(reason: "pads \(pads) (only the height and width of an image)")
        }
        let spatial = [begin[2], begin[3], end[2], end[3]]
        guard spatial.allSatisfy({ $0 >= 0 }) else { throw Refusal(reason: "negative pads \(pads) (cropping)") }
        guard spatial.allSatisfy({ $0 < GraphLimits.maxKernelExtent }) else {
            throw Refusal(reason: "pads \(pads) (each under \(GraphLimits.maxKernelExtent))")
        }
        let out = node.outputs.first ?? ""
        let later = onnx.nodes[(position + 1)...].filter { $0.inputs.contains(out) }
        guard node.outputs.count == 1, readers[out] == 1, later.count == 1, later[0].opType == "Conv", later[0].inputs.first == out,
              later[0].inputs.dropFirst().allSatisfy({ $0 != out }) else {
            throw Refusal(reason: "only a Pad read by one Conv alone is supported (it becomes the convolution's padding)")
        }
        pendingPads[out] = (x, spatial.map { Int($0) })
    }

    /// ReduceMean (ReduceMax) over height and width is a global average (max) pool: C×1×1 keeping
    /// the axes, read as N×C without them. The axes are an attribute before opset 18 and an
    /// optional constant input from it.
    private mutating func reduceOverImage(_ node: OnnxModel.Node, _ pooling: NodeOperation) throws {
        let x = try value(try input(node, 0))
        var axes = ints(node, "axes", [])
        if let name = optionalInput(node, 1) {
            axes = try knownIntegers(name, "axes").map { Int(clamping: $0) }
        }
        let keepDims = int(node, "keepdims", 1)
        guard Set(axes.map { $0 < 0 ? $0 + 4 : $0 }) == [2, 3], axes.count == 2 else {
            throw Refusal(reason: "axes \(axes) (only [2, 3], height and width)")
        }
        guard keepDims == 1 || keepDims == 0 else { throw Refusal(reason: "keepdims \(keepDims) (only 0 or 1)") }
        try emit(node, pooling, inputs: [x])
        // N×C×1×1 and N×C hold the same values in the same order; only the rank differs.
        if keepDims == 0, let out = node.outputs.first, let name = names[out] { ranks[name] = 2 }
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
