import CZlib
import Foundation

/// Why label PNG bytes could not be produced.
public struct LabelPNGError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { "cannot write label PNG: \(reason)" }
}

/// Stopgap PNG writer for label canvases (8-bit RGB, filter 0, one zlib IDAT), until Imaging's
/// `PNGEncoder` is available to this module; labels are small, so compression ratio barely matters.
enum LabelPNG {
    static func encode(_ canvas: LabelCanvas) throws -> Data {
        let rowBytes = canvas.width * 3
        var raw = [UInt8]()
        raw.reserveCapacity((rowBytes + 1) * canvas.height)
        for y in 0..<canvas.height {
            raw.append(0)   // filter type None
            raw.append(contentsOf: canvas.pixels[(y * rowBytes)..<((y + 1) * rowBytes)])
        }
        var compressedLength = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        let status = compress2(&compressed, &compressedLength, raw, uLong(raw.count), 9)
        guard status == Z_OK else { throw LabelPNGError(reason: "zlib compress2 returned \(status)") }

        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = [UInt8]()
        header.appendBigEndian(UInt32(canvas.width))
        header.appendBigEndian(UInt32(canvas.height))
        header += [8, 2, 0, 0, 0]   // 8-bit depth, colour type RGB, deflate, filter 0, no interlace
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", Array(compressed[0..<Int(compressedLength)]), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    private static func appendChunk(_ type: String, _ payload: [UInt8], to png: inout Data) {
        var length = [UInt8]()
        length.appendBigEndian(UInt32(payload.count))
        let typed = Array(type.utf8) + payload
        var crc = [UInt8]()
        crc.appendBigEndian(UInt32(crc32(0, typed, uInt(typed.count))))
        png.append(contentsOf: length + typed + crc)
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
    }
}
