import Crypto
import Foundation
import Imaging
import TestSupport

/// Helpers shared by the imaging tests.
enum ImageFixtures {
    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try FixtureFiles.data(path)) }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Parses "x,y=rrggbb x,y=rrggbb ..." sample lists.
    static func samples(_ text: Substring) -> [(x: Int, y: Int, rgb: (UInt8, UInt8, UInt8))] {
        text.split(separator: " ").map { item in
            let parts = item.split(separator: "=")
            let xy = parts[0].split(separator: ",").map { Int($0)! }
            let hex = Array(parts[1])
            func byte(_ i: Int) -> UInt8 { UInt8(String(hex[i..<(i + 2)]), radix: 16)! }
            return (xy[0], xy[1], (byte(0), byte(2), byte(4)))
        }
    }

    /// Rows of a tab-separated fixture table, comments skipped.
    static func table(_ path: String) throws -> [[Substring]] {
        let text = String(decoding: try FixtureFiles.data(path), as: UTF8.self)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t") }
    }

    /// Mean and maximum absolute difference between two same-sized images.
    static func difference(_ a: RGBImage, _ b: RGBImage) -> (mean: Double, max: Int) {
        precondition(a.width == b.width && a.height == b.height)
        var sum = 0, worst = 0
        for i in a.pixels.indices {
            let d = abs(Int(a.pixels[i]) - Int(b.pixels[i]))
            sum += d
            worst = max(worst, d)
        }
        return (Double(sum) / Double(a.pixels.count), worst)
    }

    /// A deterministic pseudo-random image with smooth regions and sharp edges.
    static func randomImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var generator = SeededGenerator(seed: seed)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in pixels.indices { pixels[i] = UInt8.random(in: 0...255, using: &generator) }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

/// CRC-32 (ISO-HDLC, as in PNG chunks) so tests can forge chunks that pass libpng's CRC check.
func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}
