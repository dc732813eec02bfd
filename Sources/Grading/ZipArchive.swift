import CZlib
import Foundation

/// A read-only zip archive (PKWARE APPNOTE 6.3): stored and deflated entries, ZIP64 sizes.
///
/// Only the central directory is trusted for names and sizes. Every entry is checked against
/// `UploadLimits` and `UploadPath` before any byte is inflated; entries that fail are listed in
/// `problems` (all of them, so a bad upload is reported at once) and left out of `entries`.
/// Inflating writes into a buffer of exactly the declared size and fails on any excess, so a
/// lying header cannot make it allocate more. Encryption, multi-disk archives and methods other
/// than stored (0) and deflate (8) are refused.
public final class ZipArchive: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let compressedSize: Int
        public let uncompressedSize: Int
        let crc32: UInt32
        let method: UInt16
        let localHeaderOffset: Int
    }

    public let fileName: String
    /// The files of the archive that passed every check (folders are not listed).
    public let entries: [Entry]
    /// Every entry refused, with the reason.
    public let problems: [ZipError]
    private let bytes: Data

    public convenience init(url: URL, limits: UploadLimits = .default) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw ZipError(.malformed, archive: url.lastPathComponent, "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, fileName: url.lastPathComponent, limits: limits)
    }

    public init(data: Data, fileName: String, limits: UploadLimits = .default) throws {
        self.fileName = fileName
        self.bytes = data
        let reader = ByteReader(data: data, archive: fileName)
        let directory = try reader.centralDirectory()
        if directory.entryCount > limits.maxEntries {
            throw ZipError(.limitExceeded, archive: fileName,
                           "\(directory.entryCount) entries, more than the limit of \(limits.maxEntries)")
        }
        var accepted: [Entry] = []
        var refused: [ZipError] = []
        var totalBytes = 0
        var offset = directory.offset
        for _ in 0..<directory.entryCount {
            let header = try reader.centralHeader(at: offset)
            offset = header.next
            let name = header.name
            func refuse(_ kind: ZipError.Kind, _ detail: String) {
                refused.append(ZipError(kind, archive: fileName, entry: name, detail))
            }
            if let pathProblem = UploadPath.problem(with: name.hasSuffix("/") ? String(name.dropLast()) : name) {
                refuse(.unsafePath, pathProblem)
                continue
            }
            if header.isSymlink { refuse(.symlink, "symbolic links are not allowed in uploads"); continue }
            if name.hasSuffix("/") { continue }   // a folder: its files are listed on their own
            if UploadPath.isSystemClutter(name) { continue }
            if header.flags & 0x1 != 0 { refuse(.unsupported, "encrypted entries are not supported"); continue }
            if header.method != 0 && header.method != 8 {
                refuse(.unsupported, "compression method \(header.method) is not supported (only stored and deflate)")
                continue
            }
            if header.uncompressedSize > limits.maxFileBytes {
                refuse(.limitExceeded, "\(header.uncompressedSize) bytes uncompressed, more than the limit of \(limits.maxFileBytes)")
                continue
            }
            if header.method == 0 && header.compressedSize != header.uncompressedSize {
                refuse(.malformed, "stored entry with different compressed and uncompressed sizes")
                continue
            }
            if header.uncompressedSize > limits.maxCompressionRatio * max(header.compressedSize, 1) {
                refuse(.limitExceeded, "compression ratio above \(limits.maxCompressionRatio):1 (\(header.compressedSize) -> \(header.uncompressedSize) bytes)")
                continue
            }
            totalBytes += header.uncompressedSize
            accepted.append(Entry(name: name, compressedSize: header.compressedSize,
                                  uncompressedSize: header.uncompressedSize, crc32: header.crc32,
                                  method: header.method, localHeaderOffset: header.localHeaderOffset))
        }
        if totalBytes > limits.maxTotalBytes {
            throw ZipError(.limitExceeded, archive: fileName,
                           "\(totalBytes) bytes uncompressed in total, more than the limit of \(limits.maxTotalBytes)")
        }
        entries = accepted
        problems = refused
    }

    /// The entry's uncompressed bytes, checked against its declared size and CRC-32.
    public func contents(of entry: Entry) throws -> Data {
        let reader = ByteReader(data: bytes, archive: fileName)
        let start = try reader.dataStart(localHeaderOffset: entry.localHeaderOffset, entry: entry.name)
        guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw ZipError(.malformed, archive: fileName, entry: entry.name, "entry data runs past the end of the archive")
        }
        let output: Data
        if entry.method == 0 {
            output = bytes.subdata(in: bytes.startIndex + start ..< bytes.startIndex + start + entry.compressedSize)
        } else {
            output = try inflate(entry, from: start)
        }
        let crc = output.withUnsafeBytes { raw -> UInt32 in
            var value: UInt = crc32(0, nil, 0)
            var offset = 0
            // zlib's length argument is 32-bit: feed large entries in chunks.
            while offset < raw.count {
                let chunk = min(raw.count - offset, 1 << 30)
                value = crc32(value, raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(chunk))
                offset += chunk
            }
            return UInt32(truncatingIfNeeded: value)
        }
        guard crc == entry.crc32 else {
            throw ZipError(.corruptData, archive: fileName, entry: entry.name,
                           "CRC-32 mismatch (expected \(hex(entry.crc32)), got \(hex(crc)))")
        }
        return output
    }

    private enum InflateOutcome { case complete, shorter, longer, truncated, corrupt(Int32) }

    private func inflate(_ entry: Entry, from start: Int) throws -> Data {
        var output = Data(count: entry.uncompressedSize)
        var stream = z_stream()
        // Negative window bits: raw deflate data, as zip stores it (no zlib header).
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZipError(.corruptData, archive: fileName, entry: entry.name, "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        let chunkLimit = 1 << 30   // zlib's counters are 32-bit
        let outcome: InflateOutcome = bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out -> InflateOutcome in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: start)
                    .assumingMemoryBound(to: Bytef.self))
                stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                var inRemaining = entry.compressedSize
                var outRemaining = entry.uncompressedSize
                while true {
                    let inChunk = min(inRemaining, chunkLimit), outChunk = min(outRemaining, chunkLimit)
                    stream.avail_in = uInt(inChunk)
                    stream.avail_out = uInt(outChunk)
                    let result = CZlib.inflate(&stream, Z_NO_FLUSH)
                    inRemaining -= inChunk - Int(stream.avail_in)
                    outRemaining -= outChunk - Int(stream.avail_out)
                    if result == Z_STREAM_END { return outRemaining == 0 ? .complete : .shorter }
                    if result != Z_OK && result != Z_BUF_ERROR { return .corrupt(result) }
                    if outRemaining == 0 {
                        // The declared size is reached but the stream has not ended: offer one
                        // spare byte; real data beyond the declared size means a lying header.
                        var probe: UInt8 = 0
                        let ended = withUnsafeMutablePointer(to: &probe) { spare -> Bool in
                            stream.next_out = spare
                            stream.avail_out = 1
                            stream.avail_in = uInt(min(inRemaining, chunkLimit))
                            return CZlib.inflate(&stream, Z_NO_FLUSH) == Z_STREAM_END && stream.avail_out == 1
                        }
                        return ended ? .complete : .longer
                    }
                    if inRemaining == 0 { return .truncated }
                }
            }
        }
        switch outcome {
        case .complete: return output
        case .longer:
            throw ZipError(.corruptData, archive: fileName, entry: entry.name, "inflates to more than its declared \(entry.uncompressedSize) bytes")
        case .shorter:
            throw ZipError(.corruptData, archive: fileName, entry: entry.name, "inflates to fewer than its declared \(entry.uncompressedSize) bytes")
        case .truncated:
            throw ZipError(.corruptData, archive: fileName, entry: entry.name, "deflate data ends early")
        case .corrupt(let status):
            let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw ZipError(.corruptData, archive: fileName, entry: entry.name, "deflate data is corrupt: \(message)")
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}

/// Little-endian reads of the zip structures, every one bounds-checked.
private struct ByteReader {
    let data: Data
    let archive: String

    struct Directory { let entryCount: Int; let offset: Int }

    struct CentralHeader {
        let name: String
        let flags: UInt16
        let method: UInt16
        let crc32: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
        let isSymlink: Bool
        let next: Int
    }

    func fail(_ detail: String) -> ZipError { ZipError(.malformed, archive: archive, detail) }

    func u16(_ at: Int) throws -> UInt16 {
        guard at >= 0, at + 2 <= data.count else { throw fail("truncated structure at offset \(at)") }
        let i = data.startIndex + at
        return UInt16(data[i]) | UInt16(data[i + 1]) << 8
    }

    func u32(_ at: Int) throws -> UInt32 {
        UInt32(try u16(at)) | UInt32(try u16(at + 2)) << 16
    }

    func u64(_ at: Int) throws -> UInt64 {
        UInt64(try u32(at)) | UInt64(try u32(at + 4)) << 32
    }

    func size(_ value: UInt64, _ what: String) throws -> Int {
        guard value <= UInt64(Int.max >> 1) else { throw fail("\(what) \(value) is out of range") }
        return Int(value)
    }

    /// Finds the end-of-central-directory record (searching back over a comment of up to 64 KiB)
    /// and, when present, its ZIP64 counterpart.
    func centralDirectory() throws -> Directory {
        let minimum = 22
        guard data.count >= minimum else { throw fail("too short to be a zip archive (\(data.count) bytes)") }
        var eocd = -1
        var position = data.count - minimum
        let lowest = max(0, data.count - minimum - 0xFFFF)
        while position >= lowest {
            if try u32(position) == 0x0605_4B50 { eocd = position; break }
            position -= 1
        }
        guard eocd >= 0 else { throw fail("not a zip archive (no end of central directory record)") }
        let disk = try u16(eocd + 4), directoryDisk = try u16(eocd + 6)
        var count = Int(try u16(eocd + 10))
        var offset = Int(try u32(eocd + 16))
        if (disk != 0 || directoryDisk != 0) && disk != 0xFFFF { throw ZipError(.unsupported, archive: archive, "multi-disk archives are not supported") }
        let needsZip64 = count == 0xFFFF || offset == 0xFFFF_FFFF
        if eocd >= 20, try u32(eocd - 20) == 0x0706_4B50 {
            let record = try size(try u64(eocd - 20 + 8), "ZIP64 record offset")
            guard try u32(record) == 0x0606_4B50 else { throw fail("ZIP64 end of central directory record not found") }
            count = try size(try u64(record + 32), "entry count")
            offset = try size(try u64(record + 48), "central directory offset")
        } else if needsZip64 {
            throw fail("ZIP64 sizes announced but no ZIP64 locator")
        }
        guard offset <= data.count else { throw fail("central directory offset \(offset) is past the end of the archive") }
        // Each central header is at least 46 bytes: a count that cannot fit is a lie.
        guard count <= (data.count - offset) / 46 else { throw fail("entry count \(count) does not fit in the archive") }
        return Directory(entryCount: count, offset: offset)
    }

    func centralHeader(at offset: Int) throws -> CentralHeader {
        guard try u32(offset) == 0x0201_4B50 else { throw fail("bad central directory header at offset \(offset)") }
        let madeBy = try u16(offset + 4)
        let flags = try u16(offset + 8)
        let method = try u16(offset + 10)
        let crc = try u32(offset + 16)
        var compressed = UInt64(try u32(offset + 20))
        var uncompressed = UInt64(try u32(offset + 24))
        let nameLength = Int(try u16(offset + 28))
        let extraLength = Int(try u16(offset + 30))
        let commentLength = Int(try u16(offset + 32))
        let externalAttributes = try u32(offset + 38)
        var localOffset = UInt64(try u32(offset + 42))
        let nameStart = offset + 46
        let extraStart = nameStart + nameLength
        let next = extraStart + extraLength + commentLength
        guard next <= data.count else { throw fail("central directory header at offset \(offset) runs past the end") }
        let nameBytes = data.subdata(in: data.startIndex + nameStart ..< data.startIndex + extraStart)
        // Bit 11 marks UTF-8 names; many tools write UTF-8 without it, so any valid UTF-8 is taken.
        guard let name = String(data: nameBytes, encoding: .utf8) else {
            throw fail("entry name at offset \(offset) is not UTF-8")
        }
        // ZIP64 extended information: only the fields whose 32-bit slot is saturated, in order.
        var extra = extraStart
        while extra + 4 <= extraStart + extraLength {
            let id = try u16(extra), length = Int(try u16(extra + 2))
            if id == 0x0001 {
                var field = extra + 4
                if uncompressed == 0xFFFF_FFFF { uncompressed = try u64(field); field += 8 }
                if compressed == 0xFFFF_FFFF { compressed = try u64(field); field += 8 }
                if localOffset == 0xFFFF_FFFF { localOffset = try u64(field); field += 8 }
            }
            extra += 4 + length
        }
        // Unix "made by" hosts keep the file mode in the high half of the external attributes.
        let unixMode = externalAttributes >> 16
        let isSymlink = (madeBy >> 8) == 3 && (unixMode & 0o170000) == 0o120000
        return CentralHeader(name: name, flags: flags, method: method, crc32: crc,
                             compressedSize: try size(compressed, "compressed size"),
                             uncompressedSize: try size(uncompressed, "uncompressed size"),
                             localHeaderOffset: try size(localOffset, "local header offset"),
                             isSymlink: isSymlink, next: next)
    }

    func dataStart(localHeaderOffset offset: Int, entry: String) throws -> Int {
        guard (try? u32(offset)) == 0x0403_4B50 else {
            throw ZipError(.malformed, archive: archive, entry: entry, "bad local header at offset \(offset)")
        }
        return offset + 30 + Int(try u16(offset + 26)) + Int(try u16(offset + 28))
    }
}
