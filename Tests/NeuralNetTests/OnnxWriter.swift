/// Writes small ONNX ModelProto files (field numbers from onnx/onnx.proto3) so tests can craft
/// hostile models: the protobuf wire format by hand, nothing generated.
struct OnnxWriter {
    enum AttributeValue {
        case int(Int64)
        case ints([Int64])
        case float(Float)
        case string(String)
        /// An int64 tensor (ConstantOfShape's value).
        case int64Tensor(dims: [Int64], [Int64])
    }

    struct Node {
        var op: String
        var inputs: [String]
        var outputs: [String]
        var attributes: [(String, AttributeValue)] = []
    }

    struct Initializer {
        var name: String
        var dims: [Int64]
        var floats: [Float]
        /// Written as ONNX external data (a location entry and data_location EXTERNAL), no values inside.
        var external = false
        /// The external data's entries when `external`: location, and offset and length if given.
        var externalEntries: [(String, String)] = [("location", "weights.bin")]
        /// Written as an int64 tensor with these values instead of the floats.
        var ints: [Int64]?

        /// An int64 constant (shapes, pads, axes, indices).
        static func int64(_ name: String, dims: [Int64], _ values: [Int64]) -> Initializer {
            Initializer(name: name, dims: dims, floats: [], ints: values)
        }
    }

    var input = ("x", [Int64(1), 3, 8, 8])
    /// The input's TensorProto.DataType (1 = FLOAT); nil writes no element type.
    var inputElementType: UInt64? = 1
    var output = "y"
    var nodes: [Node] = []
    var initializers: [Initializer] = []
    var opset: Int64 = 13

    func bytes() -> [UInt8] {
        var graph: [UInt8] = []
        for node in nodes {
            var n: [UInt8] = []
            for i in node.inputs { n.field(1, string: i) }
            for o in node.outputs { n.field(2, string: o) }
            n.field(4, string: node.op)
            for (name, value) in node.attributes {
                var a: [UInt8] = []
                a.field(1, string: name)
                switch value {
                case .int(let v): a.key(3, wire: 0); a.varint(UInt64(bitPattern: v)); a.key(20, wire: 0); a.varint(2)
                case .ints(let vs): for v in vs { a.key(8, wire: 0); a.varint(UInt64(bitPattern: v)) }; a.key(20, wire: 0); a.varint(7)
                case .float(let v): a.key(2, wire: 5); a.fixed32(v.bitPattern); a.key(20, wire: 0); a.varint(1)
                case .string(let v): a.field(4, string: v); a.key(20, wire: 0); a.varint(3)
                case .int64Tensor(let dims, let values):
                    var t: [UInt8] = []
                    for d in dims { t.key(1, wire: 0); t.varint(UInt64(bitPattern: d)) }
                    t.key(2, wire: 0); t.varint(7)
                    for v in values { t.key(7, wire: 0); t.varint(UInt64(bitPattern: v)) }
                    a.field(5, message: t); a.key(20, wire: 0); a.varint(4)
                }
                n.field(5, message: a)
            }
            graph.field(1, message: n)
        }
        for t in initializers {
            var m: [UInt8] = []
            for d in t.dims { m.key(1, wire: 0); m.varint(UInt64(bitPattern: d)) }
            if let ints = t.ints {
                m.key(2, wire: 0); m.varint(7)
                for v in ints { m.key(7, wire: 0); m.varint(UInt64(bitPattern: v)) }
            } else {
                m.key(2, wire: 0); m.varint(1)
                for f in t.floats { m.key(4, wire: 5); m.fixed32(f.bitPattern) }
            }
            m.field(8, string: t.name)
            if t.external {
                for (key, value) in t.externalEntries {
                    var entry: [UInt8] = []
                    entry.field(1, string: key); entry.field(2, string: value)
                    m.field(13, message: entry)
                }
                m.key(14, wire: 0); m.varint(1)
            }
            graph.field(5, message: m)
        }
        graph.field(11, message: Self.valueInfo(input.0, dims: input.1, elementType: inputElementType))
        graph.field(12, message: Self.valueInfo(output, dims: []))
        var model: [UInt8] = []
        model.key(1, wire: 0); model.varint(8)   // ir_version
        model.field(7, message: graph)
        var opsetMessage: [UInt8] = []
        opsetMessage.key(2, wire: 0); opsetMessage.varint(UInt64(opset))
        model.field(8, message: opsetMessage)
        return model
    }

    static func valueInfo(_ name: String, dims: [Int64], elementType: UInt64? = 1) -> [UInt8] {
        var shape: [UInt8] = []
        for d in dims {
            var dim: [UInt8] = []
            dim.key(1, wire: 0); dim.varint(UInt64(bitPattern: d))
            shape.field(1, message: dim)
        }
        var tensorType: [UInt8] = []
        if let elementType { tensorType.key(1, wire: 0); tensorType.varint(elementType) }
        tensorType.field(2, message: shape)
        var type: [UInt8] = []
        type.field(1, message: tensorType)
        var info: [UInt8] = []
        info.field(1, string: name)
        info.field(2, message: type)
        return info
    }

    /// x (1x3x8x8) -> Conv(4 filters, 3x3, given attributes) -> GlobalAveragePool -> Flatten -> y.
    static func convolution(attributes: [(String, AttributeValue)], weightDims: [Int64] = [4, 3, 3, 3],
                            weights: [Float]? = nil, convInputs: [String] = ["x", "w", "b"]) -> OnnxWriter {
        var writer = OnnxWriter()
        let count = weightDims.reduce(Int64(1)) { $0.multipliedReportingOverflow(by: $1).partialValue }
        writer.initializers = [
            Initializer(name: "w", dims: weightDims, floats: weights ?? (0..<Int(max(0, min(count, 1 << 16)))).map { Float($0 % 7) * 0.01 }),
            Initializer(name: "b", dims: [4], floats: [0.1, 0.2, 0.3, 0.4]),
        ]
        writer.nodes = [
            Node(op: "Conv", inputs: convInputs, outputs: ["c"], attributes: attributes),
            Node(op: "GlobalAveragePool", inputs: ["c"], outputs: ["g"]),
            Node(op: "Flatten", inputs: ["g"], outputs: ["y"]),
        ]
        return writer
    }
}

private extension Array where Element == UInt8 {
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        append(UInt8(v))
    }
    mutating func key(_ field: Int, wire: Int) { varint(UInt64(field << 3 | wire)) }
    mutating func fixed32(_ v: UInt32) { for i in 0..<4 { append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func field(_ number: Int, message: [UInt8]) { key(number, wire: 2); varint(UInt64(message.count)); append(contentsOf: message) }
    mutating func field(_ number: Int, string: String) { field(number, message: Array(string.utf8)) }
}
