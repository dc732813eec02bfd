/// A reader of the protocol buffers wire format (varint, 64-bit, length-delimited, 32-bit fields),
/// just enough to walk ONNX files without generated code. Sub-messages share the byte array.
struct ProtobufReader {
    enum WireType: Int {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    struct Failure: Error {
        var offset: Int
        var reason: String
    }

    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(bytes: [UInt8]) {
        self.init(bytes: bytes, range: 0..<bytes.count)
    }

    init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    var isAtEnd: Bool { position >= end }

    /// The next field's number and wire type, or nil at the end of the message.
    mutating func nextField() throws -> (number: Int, wireType: WireType)? {
        guard !isAtEnd else { return nil }
        let at = position
        let key = try varint()
        guard let wireType = WireType(rawValue: Int(key & 7)) else {
            throw Failure(offset: at, reason: "unsupported protobuf wire type \(key & 7)")
        }
        let number = Int(key >> 3)
        guard number > 0 else { throw Failure(offset: at, reason: "field number 0") }
        return (number, wireType)
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw Failure(offset: position, reason: "truncated varint") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw Failure(offset: position, reason: "varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func int64() throws -> Int64 { Int64(bitPattern: try varint()) }

    mutating func fixed32() throws -> UInt32 {
        guard end - position >= 4 else { throw Failure(offset: position, reason: "truncated 32-bit field") }
        let v = UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2]) << 16
            | UInt32(bytes[position + 3]) << 24
        position += 4
        return v
    }

    mutating func float() throws -> Float { Float(bitPattern: try fixed32()) }

    /// The byte range of a length-delimited field's payload; the reader moves past it.
    mutating func lengthDelimited() throws -> Range<Int> {
        let at = position
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw Failure(offset: at, reason: "length-delimited field of \(length) bytes runs past the end")
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    mutating func message() throws -> ProtobufReader {
        ProtobufReader(bytes: bytes, range: try lengthDelimited())
    }

    mutating func string() throws -> String {
        let range = try lengthDelimited()
        guard let s = String(validating: bytes[range], as: UTF8.self) else {
            throw Failure(offset: range.lowerBound, reason: "string is not valid UTF-8")
        }
        return s
    }

    mutating func skip(_ wireType: WireType) throws {
        switch wireType {
        case .varint: _ = try varint()
        case .fixed64:
            guard end - position >= 8 else { throw Failure(offset: position, reason: "truncated 64-bit field") }
            position += 8
        case .lengthDelimited: _ = try lengthDelimited()
        case .fixed32: _ = try fixed32()
        }
    }

    /// A repeated int64 field, packed (one length-delimited run) or not (one value per field).
    mutating func appendInt64s(_ wireType: WireType, to values: inout [Int64]) throws {
        if wireType == .lengthDelimited {
            var packed = try message()
            while !packed.isAtEnd { values.append(try packed.int64()) }
        } else {
            values.append(try int64())
        }
    }

    /// A repeated float field, packed or not.
    mutating func appendFloats(_ wireType: WireType, to values: inout [Float]) throws {
        if wireType == .lengthDelimited {
            let range = try lengthDelimited()
            guard range.count % 4 == 0 else { throw Failure(offset: range.lowerBound, reason: "packed floats not a multiple of 4 bytes") }
            var packed = ProtobufReader(bytes: bytes, range: range)
            while !packed.isAtEnd { values.append(try packed.float()) }
        } else {
            values.append(try float())
        }
    }
}
