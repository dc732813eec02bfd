import Crypto
import Foundation

/// The idempotency key of one lot of an upload: SHA-256 over its manifest rows and photo hashes.
///
/// Text hashed (UTF-8, every field NFC, `\`, tab and line feed escaped as `\\`, `\t`, `\n`):
///
///     agritrace-upload-digest v1\n
///     <lot_code>\n
///     then one line per photo, sorted by file path (byte order):
///     <file>\t<photo sha256>\t<origin_code>\t<farm_id>\t<crop>\t<harvest_date>\t<gtin>\t<quantity_kg>\t<notes>\t<farm_name>\t<commune>\t<district>\t<province>\n
///
/// Sorting makes the digest independent of row order; the same photos and rows re-uploaded
/// (also re-zipped) give the same digest, any changed byte or field gives another.
public enum UploadDigest {
    public static func of(_ lot: Lot, photoHashes: [String: String]) -> String {
        var text = "agritrace-upload-digest v1\n" + escape(lot.code) + "\n"
        for row in lot.photos.sorted(by: { Array($0.file.utf8).lexicographicallyPrecedes($1.file.utf8) }) {
            let fields = [row.file, photoHashes[row.file] ?? "", row.originCode, row.farmID, row.crop, row.harvestDate,
                          row.gtin, row.quantityKg, row.notes, row.farmName, row.commune, row.district, row.province]
            text += fields.map(escape).joined(separator: "\t") + "\n"
        }
        return hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// Lowercase hex SHA-256 of `data`: the content hash recorded for every photo.
    public static func sha256Hex(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    private static func escape(_ field: String) -> String {
        field.precomposedStringWithCanonicalMapping
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
