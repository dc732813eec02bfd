import CQRencode
import Foundation
import Localization

/// A QR code symbol as a square grid of modules (no quiet zone), encoded by libqrencode.
public struct QRCode: Sendable {
    /// Modules per side.
    public let size: Int
    /// Row-major, `true` = dark module.
    public let modules: [Bool]

    /// Longest input accepted: a version-40 symbol at level M holds 2,331 bytes; a label URI
    /// is far shorter, and anything near the limit would not scan at label size anyway.
    public static let maxBytes = 1_024

    /// Encodes `text` as UTF-8 bytes in 8-bit mode at error-correction level M (15 % damage),
    /// the usual choice for printed labels that get handled. The smallest version that fits is used.
    public init(encoding text: String) throws {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw QRCodeError(text: text, reason: Message("the text is empty")) }
        guard bytes.count <= Self.maxBytes else {
            throw QRCodeError(text: text, reason: Message("{n} bytes, over the limit of {max} bytes", ["n": .integer(bytes.count), "max": .integer(Self.maxBytes)]))
        }
        let symbol = bytes.withUnsafeBufferPointer {
            QRcode_encodeData(Int32($0.count), $0.baseAddress, 0, QR_ECLEVEL_M)
        }
        guard let symbol else {
            throw QRCodeError(text: text, reason: Message("libqrencode failed: {reason}", ["reason": .message(.systemError(errno))]))
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        // libqrencode sets bit 0 of each byte for a dark module; other bits are internal flags.
        let buffer = UnsafeBufferPointer(start: symbol.pointee.data, count: width * width)
        size = width
        modules = buffer.map { $0 & 1 == 1 }
    }

    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }
}
