import LedgerStore

/// The one definition of the identifiers provenance records carry: the upload checks (Grading),
/// the ledger rules (on append and on verify) and the labels (Traceability) all call these.
public enum Identifiers {
    /// GS1 AI (10) batch/lot: 1–20 characters of GS1's 82-character set.
    public static let gs1Characters = Set("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)
    public static let lotCodeRule = "1–20 characters of GS1's AI (10) character set (A–Z a–z 0–9 and !\"%&'()*+,-./:;<=>?_)"
    public static let originCodeRule = "1–64 of A–Z a–z 0–9 . _ -"
    public static let dateRule = "a date YYYY-MM-DD (digits only, year 1900 or later)"
    public static let gtinRule = "a GTIN-14 (14 digits with a valid GS1 check digit)"

    public static func isLotCode(_ code: String) -> Bool {
        (1...20).contains(code.utf8.count) && code.utf8.allSatisfy(gs1Characters.contains)
    }

    /// Growing-area codes.
    public static func isOriginCode(_ code: String) -> Bool {
        (1...64).contains(code.utf8.count) && code.utf8.allSatisfy { unit in
            (0x30...0x39).contains(unit) || (0x41...0x5a).contains(unit) || (0x61...0x7a).contains(unit)
                || unit == 0x2e || unit == 0x5f || unit == 0x2d
        }
    }

    /// A calendar date `YYYY-MM-DD` of ASCII digits only (`Int("+1")` parses, so digits are
    /// checked byte by byte), year 1900 or later.
    public static func isDate(_ date: String) -> Bool {
        let bytes = Array(date.utf8)
        guard bytes.count == 10, bytes[4] == 0x2d, bytes[7] == 0x2d else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard (0x30...0x39).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return false }
        return year >= 1900 && (1...12).contains(month) && day >= 1 && day <= LedgerTime.daysIn(month: month, year: year)
    }

    /// 14 ASCII digits with a valid GS1 check digit.
    public static func isGTIN14(_ gtin: String) -> Bool {
        gtin.utf8.count == 14 && normalisedGTIN(gtin) == gtin
    }

    /// GTIN-8/12/13/14 digits with a valid GS1 mod-10 check digit, left-padded to 14 digits; nil otherwise.
    public static func normalisedGTIN(_ text: String) -> String? {
        let digits = Array(text.utf8)
        guard [8, 12, 13, 14].contains(digits.count), digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let padded = Array(repeating: UInt8(0x30), count: 14 - digits.count) + digits
        let values = padded.map { Int($0 - 0x30) }
        // Weights 3, 1, 3, 1, ... from the rightmost data digit.
        var sum = 0
        for (index, value) in values.dropLast().reversed().enumerated() { sum += value * (index % 2 == 0 ? 3 : 1) }
        guard (10 - sum % 10) % 10 == values[13] else { return nil }
        return String(decoding: padded, as: UTF8.self)
    }

    /// `https://id.gs1.org/01/<GTIN-14>/10/<lot>`, the lot percent-encoded.
    public static func digitalLinkURI(gtin: String, lotCode: String) -> String {
        "https://id.gs1.org/01/\(gtin)/10/\(percentEncoded(lotCode))"
    }

    /// RFC 3986 unreserved characters stay; every other UTF-8 byte becomes `%XX`, as GS1 Digital
    /// Link requires for lot values.
    public static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for unit in text.utf8 {
            let isUnreserved = (0x30...0x39).contains(unit) || (0x41...0x5a).contains(unit) || (0x61...0x7a).contains(unit)
                || unit == 0x2d || unit == 0x2e || unit == 0x5f || unit == 0x7e
            if isUnreserved {
                encoded.unicodeScalars.append(Unicode.Scalar(unit))
            } else {
                let hex = String(unit, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }

    /// Why `text` cannot be a free-text field (farm id, names, crop, photo file names), or nil:
    /// the same rule entries are held to (non-empty, no control characters).
    public static func textProblem(_ text: String) -> String? {
        do { try FieldReader.checkText(text, field: "text") } catch EntryError.invalidField(_, let reason) {
            return reason
        } catch {
            return "\(error)"
        }
        return nil
    }

    // Throwing forms for entry fields.

    public static func checkLotCode(_ code: String, field: String) throws {
        guard isLotCode(code) else {
            throw EntryError.invalidField(field: field, reason: "lot code '\(EntryValidator.printable(code))' must be \(lotCodeRule)")
        }
    }

    public static func checkOriginCode(_ code: String, field: String) throws {
        guard isOriginCode(code) else {
            throw EntryError.invalidField(field: field, reason: "origin code '\(EntryValidator.printable(code))' must be \(originCodeRule)")
        }
    }

    public static func checkDate(_ date: String, field: String) throws {
        guard isDate(date) else {
            throw EntryError.invalidField(field: field, reason: "'\(EntryValidator.printable(date))' is not \(dateRule)")
        }
    }

    public static func checkGTIN14(_ gtin: String, field: String) throws {
        guard isGTIN14(gtin) else {
            throw EntryError.invalidField(field: field, reason: "'\(EntryValidator.printable(gtin))' is not \(gtinRule)")
        }
    }
}
