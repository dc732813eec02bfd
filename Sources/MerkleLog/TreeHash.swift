import Crypto

/// A SHA-256 value used as a Merkle tree node or root: 32 bytes held inline, so trees of millions
/// of nodes are built without one heap allocation per hash.
public struct TreeHash: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    private var storage: SIMD4<UInt64>

    /// Returns nil unless `bytes` holds exactly 32 bytes.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == Self.byteCount else { return nil }
        storage = .zero
        withUnsafeMutableBytes(of: &storage) { raw in
            // One copy for arrays and slices: the element loop below is not specialised across
            // modules, and ran at about a microsecond a hash (most of a served hash tile's cost).
            if bytes.withContiguousStorageIfAvailable({ raw.copyMemory(from: UnsafeRawBufferPointer($0)) }) == nil {
                for (offset, byte) in bytes.enumerated() { raw[offset] = byte }
            }
        }
    }

    init(digest: SHA256.Digest) {
        storage = .zero
        withUnsafeMutableBytes(of: &storage) { raw in
            digest.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
    }

    /// Parses 64 hex digits (either case).
    public init?(hex: String) {
        guard let bytes = HexEncoding.decode(hex), let hash = TreeHash(bytes: bytes) else { return nil }
        self = hash
    }

    /// Parses standard (RFC 4648 §4) base64 of 32 bytes.
    public init?(base64: String) {
        guard let bytes = Base64.decode(base64), let hash = TreeHash(bytes: bytes) else { return nil }
        self = hash
    }

    /// SHA-256 of the empty string: the root of an empty tree (RFC 9162 §2.1.1).
    public static let emptyTreeRoot = TreeHash(digest: SHA256.hash(data: [UInt8]()))

    /// All-zero value, used as `prev` of the first ledger entry.
    public static let zero: TreeHash = TreeHash(bytes: [UInt8](repeating: 0, count: 32))!

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage, body)
    }

    /// Lowercase hex, 64 digits.
    public var hex: String { HexEncoding.encode(bytes) }
    public var base64: String { Base64.encode(bytes) }
    public var description: String { hex }

    /// The value with bit `bit` (0 = most significant bit of byte 0) inverted; tests use it to
    /// damage proofs one bit at a time.
    public func flippingBit(_ bit: Int) -> TreeHash {
        var copy = self
        Swift.withUnsafeMutableBytes(of: &copy.storage) { $0[bit / 8] ^= UInt8(0x80) >> UInt8(bit % 8) }
        return copy
    }
}
