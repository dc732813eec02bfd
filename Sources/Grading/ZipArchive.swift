import CZlib
import Foundation
import Localization

/// A read-only zip archive (PKWARE APPNOTE 6.3): stored and deflated entries, ZIP64 sizes.
///
/// Every number in the archive is untrusted: sizes, offsets and counts are checked as 64-bit
/// values against the archive's own length and `UploadLimits` before any arithmetic or
/// allocation. Names and sizes come from the central directory; each entry's local header must
/// agree with it, lie before the central directory, and no two entries' headers and data may
/// overlap (an archive whose many entries point at one compressed stream would otherwise inflate
/// far beyond the per-entry ratio). Entries that fail a per-entry check are listed in `problems`
/// (all of them, so a bad upload is reported at once) and left out of `entries`; a damaged
/// structure refuses the whole archive. Inflating writes into a buffer of exactly the declared
/// size and fails on any excess. Encryption, multi-disk archives and methods other than stored
/// (0) and deflate (8) are refused. Why this reader and not libarchive: `Sources/Grading/README.md`.
public final class ZipArchive: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let compressedSize: Int
        public let uncompressedSize: Int
        let crc32: UInt32
        let method: UInt16
        /// Where the entry's compressed bytes start in the archive.
        let dataOffset: Int
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
            throw ZipError(.malformed, archive: url.lastPathComponent, Message("cannot read: {reason}", ["reason": .message(.fileError(error))]))
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
                           Message("{entry_count} entries, more than the limit of {max_entries}", ["entry_count": .text("\(directory.entryCount)"), "max_entries": .text("\(limits.maxEntries)")]))
        }
        var headers: [ByteReader.CentralHeader] = []
        var offset = directory.offset
        for _ in 0..<directory.entryCount {
            let header = try reader.centralHeader(at: offset, directoryEnd: directory.end)
            headers.append(header)
            offset = header.next
        }
        // The headers must fill the directory exactly: a count lowered to hide entries is a lie too.
        guard offset == directory.end else {
            throw ZipError(.malformed, archive: fileName,
                           Message("the central directory holds more than its {entry_count} entries", ["entry_count": .text("\(directory.entryCount)")]))
        }
        let locals = try headers.map { try reader.localRecord(of: $0, dataEnd: directory.offset) }
        try Self.refuseOverlaps(zip(headers.map(\.name), locals).map { ($0, $1.start..<$1.dataEnd) }, archive: fileName)

        var accepted: [Entry] = []
        var refused: [ZipError] = []
        var totalBytes = 0
        for (header, local) in zip(headers, locals) {
            let name = header.name
            func refuse(_ kind: ZipError.Kind, _ detail: Message) {
                refused.append(ZipError(kind, archive: fileName, entry: name, detail))
            }
            if let pathProblem = UploadPath.problem(with: name.hasSuffix("/") ? String(name.dropLast()) : name) {
                refuse(.unsafePath, pathProblem)
                continue
            }
            if header.isSymlink { refuse(.symlink, Message("symbolic links are not allowed in uploads")); continue }
            if name.hasSuffix("/") { continue }   // a folder: its files are listed on their own
            if UploadPath.isSystemClutter(name) { continue }
            if header.flags & 0x1 != 0 { refuse(.unsupported, Message("encrypted entries are not supported")); continue }
            if header.method != 0 && header.method != 8 {
                refuse(.unsupported, Message("compression method {method} is not supported (only stored and deflate)", ["method": .text("\(header.method)")]))
                continue
            }
            if let disagreement = local.disagreement(with: header) {
                refuse(.malformed, Message("local header disagrees with the central directory ({disagreement})", ["disagreement": .message(disagreement)]))
                continue
            }
            // Sizes are still untrusted 64-bit values here; compare before converting or multiplying.
            if header.uncompressedSize > UInt64(limits.maxFileBytes) {
                refuse(.limitExceeded, Message("{uncompressed_size} bytes uncompressed, more than the limit of {max_file_bytes}", ["uncompressed_size": .text("\(header.uncompressedSize)"), "max_file_bytes": .text("\(limits.maxFileBytes)")]))
                continue
            }
            if header.method == 0 && header.compressedSize != header.uncompressedSize {
                refuse(.malformed, Message("stored entry with different compressed and uncompressed sizes"))
                continue
            }
            let (allowed, overflow) = UInt64(limits.maxCompressionRatio).multipliedReportingOverflow(by: max(header.compressedSize, 1))
            if !overflow && header.uncompressedSize > allowed {
                refuse(.limitExceeded, Message("compression ratio above {max_compression_ratio}:1 ({compressed_size} -> {uncompressed_size} bytes)", ["max_compression_ratio": .text("\(limits.maxCompressionRatio)"), "compressed_size": .text("\(header.compressedSize)"), "uncompressed_size": .text("\(header.uncompressedSize)")]))
                continue
            }
            // Both sizes now fit: the compressed one inside the archive, the other under maxFileBytes.
            let size = Int(header.uncompressedSize)
            totalBytes += size
            accepted.append(Entry(name: name, compressedSize: local.dataEnd - local.dataStart, uncompressedSize: size,
                                  crc32: header.crc32, method: header.method, dataOffset: local.dataStart))
        }
        if totalBytes > limits.maxTotalBytes {
            throw ZipError(.limitExceeded, archive: fileName,
                           Message("{total_bytes} bytes uncompressed in total, more than the limit of {max_total_bytes}", ["total_bytes": .text("\(totalBytes)"), "max_total_bytes": .text("\(limits.maxTotalBytes)")]))
        }
        entries = accepted
        problems = refused
    }

    /// Refuses the archive when two entries' local headers and data share a byte: with the
    /// per-entry ratio, the whole archive then inflates to at most ratio x its own size.
    private static func refuseOverlaps(_ spans: [(name: String, range: Range<Int>)], archive: String) throws {
        let sorted = spans.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.range.lowerBound < previous.range.upperBound {
            throw ZipError(.malformed, archive: archive, entry: next.name,
                           Message("overlaps entry '{name}' (bytes {start}..<{end} and {other_start}..<{other_end}): entries must not share data", ["name": .text("\(previous.name)"), "start": .text("\(next.range.lowerBound)"), "end": .text("\(next.range.upperBound)"), "other_start": .text("\(previous.range.lowerBound)"), "other_end": .text("\(previous.range.upperBound)")]))
        }
    }

    /// The entry's uncompressed bytes, checked against its declared size and CRC-32.
    public func contents(of entry: Entry) throws -> Data {
        let start = entry.dataOffset
        guard start >= 0, start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw ZipError(.malformed, archive: fileName, entry: entry.name, Message("entry data runs past the end of the archive"))
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
                           Message("CRC-32 mismatch (expected {crc32}, got {crc})", ["crc32": .text("\(hex(entry.crc32))"), "crc": .text("\(hex(crc))")]))
        }
        return output
    }

    private enum InflateOutcome { case complete, shorter, longer, truncated, corrupt(Int32) }

    private func inflate(_ entry: Entry, from start: Int) throws -> Data {
        var output = Data(count: entry.uncompressedSize)
        var stream = z_stream()
        // Negative window bits: raw deflate data, as zip stores it (no zlib header).
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZipError(.corruptData, archive: fileName, entry: entry.name, Message("zlib could not start inflating"))
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
            throw ZipError(.corruptData, archive: fileName, entry: entry.name, Message("inflates to more than its declared {uncompressed_size} bytes", ["uncompressed_size": .text("\(entry.uncompressedSize)")]))
        case .shorter:
            throw ZipError(.corruptData, archive: fileName, entry: entry.name, Message("inflates to fewer than its declared {uncompressed_size} bytes", ["uncompressed_size": .text("\(entry.uncompressedSize)")]))
        case .truncated:
            throw ZipError(.corruptData, archive: fileName, entry: entry.name, Message("deflate data ends early"))
        case .corrupt(let status):
            let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw ZipError(.corruptData, archive: fileName, entry: entry.name, Message("deflate data is corrupt: {message}", ["message": .text("\(message)")]))
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}

/// Little-endian reads of the zip structures, every one bounds-checked; offsets and sizes read
/// from the archive stay UInt64 until checked against its length.
private struct ByteReader {
    let data: Data
    let archive: String

    struct Directory {
        let entryCount: Int
        /// Where the central directory starts and where it must end (the ZIP64 or plain end record).
        let offset: Int
        let end: Int
    }

    struct CentralHeader {
        let name: String
        let nameBytes: Data
        let flags: UInt16
        let method: UInt16
        let crc32: UInt32
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        let localHeaderOffset: UInt64
        let isSymlink: Bool
        let next: Int
    }

    /// An entry's local header and where its data lies.
    struct LocalRecord {
        let start: Int
        let dataStart: Int
        let dataEnd: Int
        let nameBytes: Data
        let flags: UInt16
        let method: UInt16
        let crc32: UInt32
        let compressedSize: UInt64
        let uncompressedSize: UInt64

        /// What the local header says differently from the central directory, if anything. With
        /// a data descriptor (flag bit 3) the local CRC and sizes are placeholders and not compared.
        func disagreement(with header: CentralHeader) -> Message? {
            if nameBytes != header.nameBytes { return Message("name", context: "zip header field") }
            if method != header.method { return Message("compression method {method} vs {central_method}", ["method": .text("\(method)"), "central_method": .text("\(header.method)")]) }
            if flags & 0x1 != header.flags & 0x1 { return Message("encryption flag") }
            if flags & 0x8 != 0 { return nil }
            if crc32 != header.crc32 { return Message("CRC-32 {crc32} vs {central_crc32}", ["crc32": .text("\(hex(crc32))"), "central_crc32": .text("\(hex(header.crc32))")]) }
            if compressedSize != header.compressedSize { return Message("compressed size {compressed_size} vs {central_compressed_size}", ["compressed_size": .text("\(compressedSize)"), "central_compressed_size": .text("\(header.compressedSize)")]) }
            if uncompressedSize != header.uncompressedSize { return Message("uncompressed size {uncompressed_size} vs {central_uncompressed_size}", ["uncompressed_size": .text("\(uncompressedSize)"), "central_uncompressed_size": .text("\(header.uncompressedSize)")]) }
            return nil
        }
    }

    func fail(_ detail: Message) -> ZipError { ZipError(.malformed, archive: archive, detail) }

    /// Whether `length` bytes from `start` lie within the first `limit` bytes, without overflow.
    static func fits(_ start: UInt64, _ length: UInt64, within limit: Int) -> Bool {
        start <= UInt64(limit) && length <= UInt64(limit) - start
    }

    func u16(_ at: Int) throws -> UInt16 {
        guard at >= 0, at <= data.count - 2 else { throw fail(Message("truncated structure at offset {at}", ["at": .text("\(at)")])) }
        let i = data.startIndex + at
        return UInt16(data[i]) | UInt16(data[i + 1]) << 8
    }

    func u32(_ at: Int) throws -> UInt32 {
        UInt32(try u16(at)) | UInt32(try u16(at + 2)) << 16
    }

    func u64(_ at: Int) throws -> UInt64 {
        UInt64(try u32(at)) | UInt64(try u32(at + 4)) << 32
    }

    func bytes(_ range: Range<Int>) -> Data {
        data.subdata(in: data.startIndex + range.lowerBound ..< data.startIndex + range.upperBound)
    }

    /// Finds the end-of-central-directory record (the last one whose comment reaches exactly to
    /// the end of the file, searching back over a comment of up to 64 KiB) and, when present, its
    /// ZIP64 counterpart.
    func centralDirectory() throws -> Directory {
        let minimum = 22
        guard data.count >= minimum else { throw fail(Message("too short to be a zip archive ({data_count} bytes)", ["data_count": .text("\(data.count)")])) }
        var eocd = -1
        var position = data.count - minimum
        let lowest = max(0, data.count - minimum - 0xFFFF)
        while position >= lowest {
            if try u32(position) == 0x0605_4B50, position + minimum + Int(try u16(position + 20)) == data.count {
                eocd = position
                break
            }
            position -= 1
        }
        guard eocd >= 0 else { throw fail(Message("not a zip archive (no end of central directory record)")) }
        var disks = (UInt32(try u16(eocd + 4)), UInt32(try u16(eocd + 6)))
        var count = UInt64(try u16(eocd + 10))
        var offset = UInt64(try u32(eocd + 16))
        var end = eocd
        let needsZip64 = count == 0xFFFF || offset == 0xFFFF_FFFF || disks.0 == 0xFFFF || disks.1 == 0xFFFF
        if eocd >= 20, try u32(eocd - 20) == 0x0706_4B50 {
            // The ZIP64 record (56 bytes without its extensible data) sits before the locator.
            let locator = eocd - 20
            let record = try u64(locator + 8)
            guard Self.fits(record, 56, within: locator) else {
                throw fail(Message("ZIP64 end of central directory record offset {record} is outside the archive", ["record": .text("\(record)")]))
            }
            end = Int(record)
            guard try u32(end) == 0x0606_4B50 else { throw fail(Message("ZIP64 end of central directory record not found")) }
            disks = (try u32(end + 16), try u32(end + 20))
            count = try u64(end + 32)
            offset = try u64(end + 48)
        } else if needsZip64 {
            throw fail(Message("ZIP64 sizes announced but no ZIP64 locator"))
        }
        guard disks == (0, 0) else { throw ZipError(.unsupported, archive: archive, Message("multi-disk archives are not supported")) }
        guard offset <= UInt64(end) else { throw fail(Message("central directory offset {offset} is past its end record", ["offset": .text("\(offset)")])) }
        // Each central header is at least 46 bytes: a count that cannot fit is a lie.
        guard count <= UInt64((end - Int(offset)) / 46) else { throw fail(Message("entry count {count} does not fit in the archive", ["count": .text("\(count)")])) }
        return Directory(entryCount: Int(count), offset: Int(offset), end: end)
    }

    func centralHeader(at offset: Int, directoryEnd: Int) throws -> CentralHeader {
        guard offset <= directoryEnd - 46, try u32(offset) == 0x0201_4B50 else {
            throw fail(Message("bad central directory header at offset {offset}", ["offset": .text("\(offset)")]))
        }
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
        guard next <= directoryEnd else { throw fail(Message("central directory header at offset {offset} runs past the directory", ["offset": .text("\(offset)")])) }
        let nameBytes = bytes(nameStart..<extraStart)
        // Bit 11 marks UTF-8 names; many tools write UTF-8 without it, so any valid UTF-8 is taken.
        guard let name = String(data: nameBytes, encoding: .utf8) else {
            throw fail(Message("entry name at offset {offset} is not UTF-8", ["offset": .text("\(offset)")]))
        }
        // ZIP64 extended information: only the fields whose 32-bit slot is saturated, in order.
        try forEachExtraField(extraStart..<extraStart + extraLength, id: 0x0001, entry: name) { field in
            var at = field.lowerBound
            func next64() throws -> UInt64 {
                guard at + 8 <= field.upperBound else {
                    throw ZipError(.malformed, archive: archive, entry: name, Message("ZIP64 extra field too short"))
                }
                defer { at += 8 }
                return try u64(at)
            }
            if uncompressed == 0xFFFF_FFFF { uncompressed = try next64() }
            if compressed == 0xFFFF_FFFF { compressed = try next64() }
            if localOffset == 0xFFFF_FFFF { localOffset = try next64() }
        }
        // Unix "made by" hosts keep the file mode in the high half of the external attributes.
        let unixMode = externalAttributes >> 16
        let isSymlink = (madeBy >> 8) == 3 && (unixMode & 0o170000) == 0o120000
        return CentralHeader(name: name, nameBytes: nameBytes, flags: flags, method: method, crc32: crc,
                             compressedSize: compressed, uncompressedSize: uncompressed,
                             localHeaderOffset: localOffset, isSymlink: isSymlink, next: next)
    }

    /// The local header of a central directory entry, with its data range, which must end before
    /// `dataEnd` (the central directory).
    func localRecord(of header: CentralHeader, dataEnd limit: Int) throws -> LocalRecord {
        func fail(_ detail: Message) -> ZipError { ZipError(.malformed, archive: archive, entry: header.name, detail) }
        guard Self.fits(header.localHeaderOffset, 30, within: limit) else {
            throw fail(Message("local header offset {local_header_offset} is outside the entries' area (0..<{limit})", ["local_header_offset": .text("\(header.localHeaderOffset)"), "limit": .text("\(limit)")]))
        }
        let start = Int(header.localHeaderOffset)
        guard try u32(start) == 0x0403_4B50 else { throw fail(Message("bad local header at offset {start}", ["start": .text("\(start)")])) }
        let flags = try u16(start + 6)
        let method = try u16(start + 8)
        let crc = try u32(start + 14)
        var compressed = UInt64(try u32(start + 18))
        var uncompressed = UInt64(try u32(start + 22))
        let nameLength = Int(try u16(start + 26)), extraLength = Int(try u16(start + 28))
        let dataStart = start + 30 + nameLength + extraLength
        guard dataStart <= limit else { throw fail(Message("local header at offset {start} runs into the central directory", ["start": .text("\(start)")])) }
        let nameBytes = bytes(start + 30 ..< start + 30 + nameLength)
        // A local ZIP64 field holds both sizes whenever either 32-bit slot is saturated.
        if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF {
            try forEachExtraField(start + 30 + nameLength ..< dataStart, id: 0x0001, entry: header.name) { field in
                guard field.count >= 16 else { throw fail(Message("local ZIP64 extra field too short")) }
                uncompressed = try u64(field.lowerBound)
                compressed = try u64(field.lowerBound + 8)
            }
        }
        guard Self.fits(UInt64(dataStart), header.compressedSize, within: limit) else {
            throw fail(Message("{compressed_size} compressed bytes from offset {data_start} run past the entries' area (0..<{limit})", ["compressed_size": .text("\(header.compressedSize)"), "data_start": .text("\(dataStart)"), "limit": .text("\(limit)")]))
        }
        return LocalRecord(start: start, dataStart: dataStart, dataEnd: dataStart + Int(header.compressedSize),
                           nameBytes: nameBytes, flags: flags, method: method, crc32: crc,
                           compressedSize: compressed, uncompressedSize: uncompressed)
    }

    /// Calls `body` with the data range of each extra field `id` in `area`.
    private func forEachExtraField(_ area: Range<Int>, id wanted: UInt16, entry: String,
                                   _ body: (Range<Int>) throws -> Void) throws {
        var at = area.lowerBound
        while at + 4 <= area.upperBound {
            let id = try u16(at), length = Int(try u16(at + 2))
            let field = at + 4 ..< at + 4 + length
            guard field.upperBound <= area.upperBound else {
                // Some tools pad the extra area; only a cut-off field we need is an error.
                if id == wanted { throw ZipError(.malformed, archive: archive, entry: entry, Message("ZIP64 extra field runs past its area")) }
                return
            }
            if id == wanted { try body(field) }
            at = field.upperBound
        }
    }
}
