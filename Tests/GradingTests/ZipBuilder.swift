import TestSupport

/// Writes zip archives byte by byte for tests, recording where every header lies so a test can
/// then overwrite any size, offset or count field with a hostile value.
struct ZipBuilder {
    struct Item {
        var name: String
        var data: [UInt8]
        var deflated = false
        /// Write sizes and the local header offset through ZIP64 extra fields (32-bit slots saturated).
        var zip64 = false
    }

    /// Where each structure starts in the built archive.
    struct Layout {
        var local: [Int] = []
        var central: [Int] = []
        /// Offset of the compressed data of each entry.
        var data: [Int] = []
        var directory = 0
        var zip64Record: Int?
        var zip64Locator: Int?
        var end = 0
    }

    var items: [Item]
    /// Add a ZIP64 end record and locator (count and directory offset saturated in the plain end record).
    var zip64Directory = false

    func build() -> (bytes: [UInt8], layout: Layout) {
        var out: [UInt8] = []
        var layout = Layout()
        var central: [UInt8] = []
        var centralStarts: [Int] = []
        for item in items {
            let name = Array(item.name.utf8)
            let payload = item.deflated ? Deflater.compress(item.data, .raw) : item.data
            let crc = Deflater.crc32(item.data)
            let localOffset = out.count
            layout.local.append(localOffset)
            // Local header.
            out.u32(0x0403_4B50); out.u16(item.zip64 ? 45 : 20); out.u16(0x0800); out.u16(item.deflated ? 8 : 0)
            out.u16(0); out.u16(0x21); out.u32(crc)
            if item.zip64 {
                out.u32(0xFFFF_FFFF); out.u32(0xFFFF_FFFF)
            } else {
                out.u32(UInt32(payload.count)); out.u32(UInt32(item.data.count))
            }
            out.u16(UInt16(name.count)); out.u16(item.zip64 ? 20 : 0)
            out += name
            if item.zip64 { out.u16(1); out.u16(16); out.u64(UInt64(item.data.count)); out.u64(UInt64(payload.count)) }
            layout.data.append(out.count)
            out += payload
            // Central header, kept until every entry is written.
            centralStarts.append(central.count)
            central.u32(0x0201_4B50); central.u16(0x0314); central.u16(item.zip64 ? 45 : 20); central.u16(0x0800)
            central.u16(item.deflated ? 8 : 0); central.u16(0); central.u16(0x21); central.u32(crc)
            if item.zip64 {
                central.u32(0xFFFF_FFFF); central.u32(0xFFFF_FFFF)
            } else {
                central.u32(UInt32(payload.count)); central.u32(UInt32(item.data.count))
            }
            central.u16(UInt16(name.count)); central.u16(item.zip64 ? 28 : 0); central.u16(0)
            central.u16(0); central.u16(0); central.u32(0o100644 << 16)
            central.u32(item.zip64 ? 0xFFFF_FFFF : UInt32(localOffset))
            central += name
            if item.zip64 {
                central.u16(1); central.u16(24)
                central.u64(UInt64(item.data.count)); central.u64(UInt64(payload.count)); central.u64(UInt64(localOffset))
            }
        }
        layout.directory = out.count
        layout.central = centralStarts.map { $0 + out.count }
        out += central
        if zip64Directory {
            let record = out.count
            layout.zip64Record = record
            out.u32(0x0606_4B50); out.u64(44); out.u16(45); out.u16(45); out.u32(0); out.u32(0)
            out.u64(UInt64(items.count)); out.u64(UInt64(items.count)); out.u64(UInt64(central.count))
            out.u64(UInt64(layout.directory))
            layout.zip64Locator = out.count
            out.u32(0x0706_4B50); out.u32(0); out.u64(UInt64(record)); out.u32(1)
        }
        layout.end = out.count
        out.u32(0x0605_4B50); out.u16(0); out.u16(0)
        out.u16(zip64Directory ? 0xFFFF : UInt16(items.count)); out.u16(zip64Directory ? 0xFFFF : UInt16(items.count))
        out.u32(UInt32(central.count)); out.u32(zip64Directory ? 0xFFFF_FFFF : UInt32(layout.directory)); out.u16(0)
        return (out, layout)
    }
}

extension Array where Element == UInt8 {
    mutating func u16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func u32(_ v: UInt32) { u16(UInt16(v & 0xFFFF)); u16(UInt16(v >> 16)) }
    mutating func u64(_ v: UInt64) { u32(UInt32(v & 0xFFFF_FFFF)); u32(UInt32(v >> 32)) }

    /// Overwrites `width` bytes (2, 4 or 8) at `offset` with `value`, little-endian, truncated to the width.
    mutating func patch(_ offset: Int, width: Int, _ value: UInt64) {
        for i in 0..<width { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
}
