import Foundation

/// Writes a .zip of stored (uncompressed) entries, for tests that upload a folder as a zip.
public enum ZipWriter {
    /// Every regular file under `folder`, named by its path relative to it, sorted.
    public static func zip(folder: URL, only keep: (String) -> Bool = { _ in true }) throws -> [UInt8] {
        let base = folder.standardizedFileURL.path + "/"
        var files: [(String, [UInt8])] = []
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let name = String(url.standardizedFileURL.path.dropFirst(base.count))
            if keep(name) { files.append((name, Array(try Data(contentsOf: url)))) }
        }
        return zip(files.sorted { $0.0 < $1.0 })
    }

    public static func zip(_ files: [(name: String, bytes: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [], central: [UInt8] = []
        func u16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff)] }
        func u32(_ v: UInt32, _ a: inout [UInt8]) { a += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        for (name, bytes) in files {
            let offset = out.count, crc = Deflater.crc32(bytes), nameBytes = Array(name.utf8)
            u32(0x0403_4b50, &out); u16(20, &out); u16(0x0800, &out); u16(0, &out); u16(0, &out); u16(0x21, &out)
            u32(crc, &out); u32(UInt32(bytes.count), &out); u32(UInt32(bytes.count), &out); u16(nameBytes.count, &out); u16(0, &out)
            out += nameBytes + bytes
            u32(0x0201_4b50, &central); u16(20, &central); u16(20, &central); u16(0x0800, &central); u16(0, &central); u16(0, &central)
            u16(0x21, &central); u32(crc, &central); u32(UInt32(bytes.count), &central); u32(UInt32(bytes.count), &central)
            u16(nameBytes.count, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u32(0o100644 << 16, &central); u32(UInt32(offset), &central)
            central += nameBytes
        }
        let centralOffset = out.count
        out += central
        u32(0x0605_4b50, &out); u16(0, &out); u16(0, &out); u16(files.count, &out); u16(files.count, &out)
        u32(UInt32(central.count), &out); u32(UInt32(centralOffset), &out); u16(0, &out)
        return out
    }
}
