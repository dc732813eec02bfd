import Foundation
import Crypto

/// RFC 9162 §2.1.1 hashing: `leaf = SHA-256(0x00 || data)`, `node = SHA-256(0x01 || left || right)`.
/// The distinct prefixes keep a leaf from ever being mistaken for an interior node.
public enum MerkleHasher {
    public static func leafHash<Bytes: ContiguousBytes>(_ data: Bytes) -> TreeHash {
        var hasher = SHA256()
        hasher.update(data: [UInt8(0)])
        data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return TreeHash(digest: hasher.finalize())
    }

    public static func nodeHash(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        var buffer = [UInt8](repeating: 1, count: 65)
        buffer.withUnsafeMutableBytes { out in
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[1..<33]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[33..<65]).copyMemory(from: $0) }
        }
        return TreeHash(digest: SHA256.hash(data: buffer))
    }
}
