import Foundation
import Localization

/// The parts of an ONNX ModelProto the importer reads (field numbers from onnx/onnx.proto3).
struct OnnxModel {
    struct Tensor {
        var name = ""
        var dims: [Int64] = []
        var dataType: Int32 = 0
        var floats: [Float] = []
        var int64s: [Int64] = []
        var rawData: Range<Int>?
        /// Values stored outside the model file (TensorProto data_location EXTERNAL or external_data
        /// entries): `importGraph(contentsOf:)` reads them from beside the model
        /// (`loadExternalData`); a tensor still external after that is refused, not taken as empty.
        var isExternal = false
        /// The external_data entries (location, offset, length, ...), as written.
        var externalData: [String: String] = [:]

        init() {}

        /// A tensor made at import (folded constants): values are then set in `floats` or `int64s`.
        init(name: String, dims: [Int64], dataType: Int32) {
            self.name = name
            self.dims = dims
            self.dataType = dataType
        }
    }

    struct Attribute {
        var name = ""
        var float: Float?
        var int: Int64?
        var floats: [Float] = []
        var ints: [Int64] = []
        var string: String?
        var tensor: Tensor?
    }

    struct Node {
        var name = ""
        var opType = ""
        var domain = ""
        var inputs: [String] = []
        var outputs: [String] = []
        var attributes: [String: Attribute] = [:]

        /// The node as messages name it; names and types come from the file, so they are quoted short
        /// with control characters (a newline could fake a line of output) replaced.
        var label: String { "'\(Quoting.printable(name.isEmpty ? (outputs.first ?? "?") : name))' (\(Quoting.printable(opType)))" }
    }

    struct ValueInfo {
        var name = ""
        /// Dimension sizes; nil where the dimension is symbolic ("N") or missing.
        var dims: [Int64?] = []
        /// TensorProto.DataType of the elements (1 = FLOAT); nil when the type is missing.
        var elementType: Int64?
    }

    var nodes: [Node] = []
    var initializers: [String: Tensor] = [:]
    var inputs: [ValueInfo] = []
    var outputs: [ValueInfo] = []
    var opsetVersion: Int64 = 1
    /// The model file, followed by any external data `loadExternalData` appended.
    private(set) var bytes: [UInt8]

    /// ONNX tensor data types the importer can read.
    static let float32: Int32 = 1, int32: Int32 = 6, int64: Int32 = 7, bool: Int32 = 9

    /// A TensorProto.DataType's name, for messages.
    static func typeName(_ type: Int64) -> String {
        let names: [Int64: String] = [1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
                                      9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 16: "BFLOAT16"]
        return names[type] ?? "type \(type)"
    }

    init(bytes: [UInt8]) throws {
        self.bytes = bytes
        var r = ProtobufReader(bytes: bytes)
        var sawGraph = false
        while let (field, wire) = try r.nextField() {
            switch (field, wire) {
            case (7, .lengthDelimited):
                var g = try r.message()
                try readGraph(&g)
                sawGraph = true
            case (8, .lengthDelimited):
                var opset = try r.message()
                var domain = "", version: Int64 = 0
                while let (f, w) = try opset.nextField() {
                    switch (f, w) {
                    case (1, .lengthDelimited): domain = try opset.string()
                    case (2, .varint): version = try opset.int64()
                    default: try opset.skip(w)
                    }
                }
                if domain.isEmpty || domain == "ai.onnx" { opsetVersion = version }
            default: try r.skip(wire)
            }
        }
        guard sawGraph else { throw ProtobufReader.Failure(offset: 0, reason: "no graph in the model (is this an ONNX file?)") }
    }

    private mutating func readGraph(_ r: inout ProtobufReader) throws {
        while let (field, wire) = try r.nextField() {
            switch (field, wire) {
            case (1, .lengthDelimited): var m = try r.message(); nodes.append(try Self.readNode(&m))
            case (5, .lengthDelimited):
                var m = try r.message()
                let t = try Self.readTensor(&m)
                initializers[t.name] = t
            case (11, .lengthDelimited): var m = try r.message(); inputs.append(try Self.readValueInfo(&m))
            case (12, .lengthDelimited): var m = try r.message(); outputs.append(try Self.readValueInfo(&m))
            default: try r.skip(wire)
            }
        }
    }

    private static func readNode(_ r: inout ProtobufReader) throws -> Node {
        var n = Node()
        while let (field, wire) = try r.nextField() {
            switch (field, wire) {
            case (1, .lengthDelimited): n.inputs.append(try r.string())
            case (2, .lengthDelimited): n.outputs.append(try r.string())
            case (3, .lengthDelimited): n.name = try r.string()
            case (4, .lengthDelimited): n.opType = try r.string()
            case (5, .lengthDelimited):
                var m = try r.message()
                let a = try readAttribute(&m)
                n.attributes[a.name] = a
            case (7, .lengthDelimited): n.domain = try r.string()
            default: try r.skip(wire)
            }
        }
        return n
    }

    private static func readAttribute(_ r: inout ProtobufReader) throws -> Attribute {
        var a = Attribute()
        while let (field, wire) = try r.nextField() {
            switch (field, wire) {
            case (1, .lengthDelimited): a.name = try r.string()
            case (2, .fixed32): a.float = try r.float()
            case (3, .varint): a.int = try r.int64()
            case (4, .lengthDelimited): a.string = String(decoding: r.bytes[try r.lengthDelimited()], as: UTF8.self)
            case (5, .lengthDelimited): var m = try r.message(); a.tensor = try readTensor(&m)
            case (7, _): try r.appendFloats(wire, to: &a.floats)
            case (8, _): try r.appendInt64s(wire, to: &a.ints)
            default: try r.skip(wire)
            }
        }
        return a
    }

    private static func readTensor(_ r: inout ProtobufReader) throws -> Tensor {
        var t = Tensor()
        var int32s: [Int64] = []
        while let (field, wire) = try r.nextField() {
            switch (field, wire) {
            case (1, _): try r.appendInt64s(wire, to: &t.dims)
            case (2, .varint): t.dataType = Int32(truncatingIfNeeded: try r.int64())
            case (4, _): try r.appendFloats(wire, to: &t.floats)
            case (5, _): try r.appendInt64s(wire, to: &int32s)
            case (7, _): try r.appendInt64s(wire, to: &t.int64s)
            case (8, .lengthDelimited): t.name = try r.string()
            case (9, .lengthDelimited): t.rawData = try r.lengthDelimited()
            case (13, .lengthDelimited):
                var entry = try r.message()
                var key = "", value = ""
                while let (f, w) = try entry.nextField() {
                    switch (f, w) {
                    case (1, .lengthDelimited): key = try entry.string()
                    case (2, .lengthDelimited): value = try entry.string()
                    default: try entry.skip(w)
                    }
                }
                t.externalData[key] = value
                t.isExternal = true
            case (14, .varint): if try r.int64() == 1 { t.isExternal = true }
            default: try r.skip(wire)
            }
        }
        if t.dataType == int32 || t.dataType == bool { t.int64s = int32s }
        return t
    }

    private static func readValueInfo(_ r: inout ProtobufReader) throws -> ValueInfo {
        var v = ValueInfo()
        while let (field, wire) = try r.nextField() {
            switch (field, wire) {
            case (1, .lengthDelimited): v.name = try r.string()
            case (2, .lengthDelimited):
                // TypeProto.tensor_type (1) → shape (2) → dim (1) → dim_value (1) | dim_param (2)
                var type = try r.message()
                while let (f, w) = try type.nextField() {
                    guard f == 1, w == .lengthDelimited else { try type.skip(w); continue }
                    var tensorType = try type.message()
                    while let (f2, w2) = try tensorType.nextField() {
                        if f2 == 1, w2 == .varint { v.elementType = try tensorType.int64(); continue }
                        guard f2 == 2, w2 == .lengthDelimited else { try tensorType.skip(w2); continue }
                        var shape = try tensorType.message()
                        while let (f3, w3) = try shape.nextField() {
                            guard f3 == 1, w3 == .lengthDelimited else { try shape.skip(w3); continue }
                            var dim = try shape.message()
                            var value: Int64?
                            while let (f4, w4) = try dim.nextField() {
                                if f4 == 1, w4 == .varint { value = try dim.int64() } else { try dim.skip(w4) }
                            }
                            v.dims.append(value)
                        }
                    }
                }
            default: try r.skip(wire)
            }
        }
        return v
    }

    /// Reads every external initializer's bytes from its file in `directory` (as exporters
    /// write big models, and torch.onnx.export by default) and appends them to `bytes`. The
    /// locations are untrusted: only a plain relative name inside `directory`, a regular file,
    /// an offset and length inside it, and at most `limit` bytes in all are read.
    mutating func loadExternalData(directory: URL, limit: Int) throws(ExternalDataFailure) {
        var total = 0
        for name in initializers.keys.sorted() {
            guard var t = initializers[name], t.isExternal else { continue }
            func fail(_ reason: String) -> ExternalDataFailure {
                ExternalDataFailure(tensor: name, location: t.externalData["location"] ?? "", reason: reason)
            }
            guard let location = t.externalData["location"], !location.isEmpty else { throw fail("no location is given") }
            let parts = location.split(separator: "/", omittingEmptySubsequences: false)
            guard !location.hasPrefix("/"), !location.contains("\\"), !location.unicodeScalars.contains(where: { $0.value < 0x20 }),
                  parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
                throw fail("only a relative path inside the model's folder is read")
            }
            let path = directory.appendingPathComponent(location).path
            var info = stat()
            guard lstat(path, &info) == 0 else { throw fail("the file does not exist") }
            guard (info.st_mode & S_IFMT) == S_IFREG else { throw fail("not a regular file") }
            let fileSize = Int(info.st_size)
            guard let offset = Int(t.externalData["offset"] ?? "0"), offset >= 0, offset <= fileSize else {
                throw fail("offset \(t.externalData["offset"] ?? "") is outside the file's \(fileSize) bytes")
            }
            let length: Int
            if let text = t.externalData["length"] {
                guard let value = Int(text), value >= 0, value <= fileSize - offset else {
                    throw fail("length \(text) at offset \(offset) is outside the file's \(fileSize) bytes")
                }
                length = value
            } else {
                length = fileSize - offset
            }
            total += length
            guard total <= limit else { throw fail("external data above the limit of \(limit) bytes in all") }
            guard let handle = FileHandle(forReadingAtPath: path) else { throw fail("cannot be opened") }
            defer { try? handle.close() }
            let data: Data
            do {
                try handle.seek(toOffset: UInt64(offset))
                data = try handle.read(upToCount: length) ?? Data()
            } catch {
                throw fail("cannot be read")
            }
            guard data.count == length else { throw fail("the file ends before \(length) bytes at offset \(offset)") }
            let start = bytes.count
            bytes.append(contentsOf: data)
            t.rawData = start..<bytes.count
            t.isExternal = false
            initializers[name] = t
        }
    }

    /// A float tensor's values, from float_data or raw_data (little-endian).
    func floatValues(_ t: Tensor) -> [Float]? {
        guard t.dataType == Self.float32 else { return nil }
        if let raw = t.rawData {
            guard raw.count % 4 == 0 else { return nil }
            return stride(from: raw.lowerBound, to: raw.upperBound, by: 4).map { i in
                Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
            }
        }
        return t.floats
    }

    /// An integer (or boolean, as 0 and 1) tensor's values, from int64_data/int32_data or raw_data.
    func integerValues(_ t: Tensor) -> [Int64]? {
        guard [Self.int64, Self.int32, Self.bool].contains(t.dataType) else { return nil }
        if let raw = t.rawData {
            let width = t.dataType == Self.int64 ? 8 : t.dataType == Self.int32 ? 4 : 1
            guard raw.count % width == 0 else { return nil }
            return stride(from: raw.lowerBound, to: raw.upperBound, by: width).map { i in
                var v: UInt64 = 0
                for b in 0..<width { v |= UInt64(bytes[i + b]) << (8 * UInt64(b)) }
                return width == 8 ? Int64(bitPattern: v) : width == 4 ? Int64(Int32(bitPattern: UInt32(v))) : Int64(v)
            }
        }
        return t.int64s
    }
}

/// Why an initializer's external data could not be read.
struct ExternalDataFailure: Error {
    var tensor: String
    var location: String
    var reason: String
}
