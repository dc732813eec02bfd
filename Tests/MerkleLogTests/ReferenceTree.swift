import Crypto
import Foundation
import MerkleLog

/// RFC 9162 §2.1 written as literally as possible (recursive, on whole leaf arrays, with its own
/// hashing) to check the storage-based implementation against.
enum ReferenceTree {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
    static func leaf(_ data: [UInt8]) -> [UInt8] { sha256([0] + data) }
    static func node(_ l: [UInt8], _ r: [UInt8]) -> [UInt8] { sha256([1] + l + r) }

    static func k(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    /// MTH(D[n]).
    static func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
        if d.isEmpty { return sha256([]) }
        if d.count == 1 { return leaf(d.first!) }
        let split = d.startIndex + k(d.count)
        return node(mth(d[d.startIndex..<split]), mth(d[split...]))
    }

    /// PATH(m, D[n]).
    static func path(_ m: Int, _ d: ArraySlice<[UInt8]>) -> [[UInt8]] {
        if d.count <= 1 { return [] }
        let kk = k(d.count), split = d.startIndex + kk
        if m < kk { return path(m, d[d.startIndex..<split]) + [mth(d[split...])] }
        return path(m - kk, d[split...]) + [mth(d[d.startIndex..<split])]
    }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
    static func proof(_ m: Int, _ d: ArraySlice<[UInt8]>) -> [[UInt8]] {
        m == 0 || m == d.count ? [] : subproof(m, d, true)
    }

    static func subproof(_ m: Int, _ d: ArraySlice<[UInt8]>, _ b: Bool) -> [[UInt8]] {
        if m == d.count { return b ? [] : [mth(d)] }
        let kk = k(d.count), split = d.startIndex + kk
        if m <= kk { return subproof(m, d[d.startIndex..<split], b) + [mth(d[split...])] }
        return subproof(m - kk, d[split...], false) + [mth(d[d.startIndex..<split])]
    }
}
