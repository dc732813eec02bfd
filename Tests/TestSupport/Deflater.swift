import CZlib

/// zlib compression for tests that build their own hostile inputs (zip entries, PNG image data)
/// instead of committing large fixtures. Streaming, so a test can compress hundreds of megabytes
/// of pixel rows while holding one row.
public final class Deflater {
    public enum Format { case raw, zlib }

    private var stream = z_stream()
    public private(set) var output: [UInt8] = []

    public init(_ format: Format, level: Int32 = 6) {
        // Negative window bits: raw deflate, as zip stores it; positive: zlib wrapper, as PNG's IDAT.
        let status = deflateInit2_(&stream, level, Z_DEFLATED, format == .raw ? -MAX_WBITS : MAX_WBITS, 8,
                                   Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
    }

    deinit { deflateEnd(&stream) }

    public func append(_ bytes: [UInt8]) { run(bytes, flush: Z_NO_FLUSH) }

    /// Ends the stream and returns everything compressed.
    public func finish() -> [UInt8] {
        run([], flush: Z_FINISH)
        return output
    }

    /// One-shot compression.
    public static func compress(_ bytes: [UInt8], _ format: Format, level: Int32 = 6) -> [UInt8] {
        let deflater = Deflater(format, level: level)
        deflater.append(bytes)
        return deflater.finish()
    }

    private func run(_ bytes: [UInt8], flush: Int32) {
        var input = bytes
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return deflate(&stream, flush)
                }
                precondition(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR, "deflate failed: \(status)")
                output += chunk[0..<(chunk.count - Int(stream.avail_out))]
                if flush == Z_FINISH ? status == Z_STREAM_END : (stream.avail_in == 0 && stream.avail_out != 0) { break }
            }
        }
    }

    /// zlib's CRC-32 (zip entries, PNG chunks).
    public static func crc32(_ bytes: [UInt8], continuing value: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { b in
            UInt32(truncatingIfNeeded: CZlib.crc32(UInt(value), b.baseAddress, uInt(b.count)))
        }
    }
}
