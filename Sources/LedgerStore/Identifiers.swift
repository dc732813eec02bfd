/// Validation of the identifiers entries carry, and the GS1 Digital Link URI of a lot.
public enum Identifiers {
    /// GS1 AI (10) batch/lot: 1–20 characters of GS1's 82-character set.
    public static let gs1Characters = Set("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)

    public static func checkLotCode(_ code: String, field: String) throws {
        guard (1...20).contains(code.utf8.count), code.utf8.allSatisfy(gs1Characters.contains) else {
            throw EntryError.invalidField(field: field, reason: "lot code '\(code)' must be 1–20 characters of GS1's AI (10) character set")
        }
    }

    /// Growing-area codes: 1–64 of `A–Z a–z 0–9 . _ -`.
    public static func checkOriginCode(_ code: String, field: String) throws {
        let allowed = { (unit: UInt8) in
            (0x30...0x39).contains(unit) || (0x41...0x5a).contains(unit) || (0x61...0x7a).contains(unit)
                || unit == 0x2e || unit == 0x5f || unit == 0x2d
        }
        guard (1...64).contains(code.utf8.count), code.utf8.allSatisfy(allowed) else {
            throw EntryError.invalidField(field: field, reason: "origin code '\(code)' must be 1–64 of A–Z a–z 0–9 . _ -")
        }
    }

    /// A calendar date `YYYY-MM-DD`.
    public static func checkDate(_ date: String, field: String) throws {
        let parts = date.split(separator: "-", omittingEmptySubsequences: false)
        guard date.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else {
            throw EntryError.invalidField(field: field, reason: "'\(date)' is not a date YYYY-MM-DD")
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// 14 digits with a valid GS1 check digit.
    public static func checkGTIN14(_ gtin: String, field: String) throws {
        let digits = gtin.utf8.map { Int($0) - 0x30 }
        guard digits.count == 14, digits.allSatisfy({ (0...9).contains($0) }) else {
            throw EntryError.invalidField(field: field, reason: "GTIN '\(gtin)' must be 14 digits")
        }
        var sum = 0
        for (index, digit) in digits.dropLast().enumerated() { sum += digit * (index % 2 == 0 ? 3 : 1) }
        guard (10 - sum % 10) % 10 == digits[13] else {
            throw EntryError.invalidField(field: field, reason: "GTIN '\(gtin)' has a wrong check digit")
        }
    }

    /// `https://id.gs1.org/01/<GTIN-14>/10/<lot>`, the lot percent-encoded outside RFC 3986's
    /// unreserved characters.
    public static func digitalLinkURI(gtin: String, lotCode: String) -> String {
        var encoded = ""
        for unit in lotCode.utf8 {
            let isUnreserved = (0x30...0x39).contains(unit) || (0x41...0x5a).contains(unit) || (0x61...0x7a).contains(unit)
                || unit == 0x2d || unit == 0x2e || unit == 0x5f || unit == 0x7e
            if isUnreserved {
                encoded.unicodeScalars.append(Unicode.Scalar(unit))
            } else {
                let hex = String(unit, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return "https://id.gs1.org/01/\(gtin)/10/\(encoded)"
    }
}
