import LedgerStore
import Localization

/// The one definition of the identifiers provenance records carry: the upload checks (Grading),
/// the ledger rules (on append and on verify) and the labels (Traceability) all call these.
public enum Identifiers {
    /// GS1 AI (10) batch/lot: 1–20 characters of GS1's 82-character set.
    public static let gs1Characters = Set("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)
    public static let lotCodeRule = Message("1–20 characters of GS1's AI (10) character set (A–Z a–z 0–9 and !\"%&'()*+,-./:;<=>?_), other than '.' and '..' (no web address can carry those)")
    public static let originCodeRule = Message("1–64 of A–Z a–z 0–9 . _ -")
    public static let dateRule = Message("a date YYYY-MM-DD (digits only, year 1900 or later)")
    public static let gtinRule = Message("a GTIN-14 (14 digits with a valid GS1 check digit)")
    public static let userNameRule = Message("1–32 of a–z 0–9 . _ -, starting with a letter or digit")

    /// A console account's name, as entries record it in `recorded_by`: lower case, so one person
    /// cannot hold two accounts differing in case, and plain ASCII, so it reads the same everywhere.
    public static func isUserName(_ name: String) -> Bool {
        guard (1...32).contains(name.utf8.count), let first = name.utf8.first,
              (0x30...0x39).contains(first) || (0x61...0x7a).contains(first) else { return false }
        return name.utf8.allSatisfy { unit in
            (0x30...0x39).contains(unit) || (0x61...0x7a).contains(unit) || unit == 0x2e || unit == 0x5f || unit == 0x2d
        }
    }

    public static func isLotCode(_ code: String) -> Bool {
        // Browsers resolve a path segment "." or ".." (even percent-encoded) away, so such a lot's label would open another page.
        (1...20).contains(code.utf8.count) && code.utf8.allSatisfy(gs1Characters.contains) && code != "." && code != ".."
    }

    /// Growing-area codes.
    public static func isOriginCode(_ code: String) -> Bool {
        (1...64).contains(code.utf8.count) && code.utf8.allSatisfy { unit in
            (0x30...0x39).contains(unit) || (0x41...0x5a).contains(unit) || (0x61...0x7a).contains(unit)
                || unit == 0x2e || unit == 0x5f || unit == 0x2d
        }
    }

    /// A calendar date `YYYY-MM-DD` (the only form entries hold): `readDate` read it as itself.
    public static func isDate(_ date: String) -> Bool {
        readDate(date) == .date(date)
    }

    /// What a date as people write it turned out to be.
    public enum DateReading: Sendable, Equatable {
        /// A real calendar date, year 1900 or later, as ISO `YYYY-MM-DD`.
        case date(String)
        /// Written in an accepted form, but no such day exists.
        case noSuchDay(NoSuchDay)
        /// Not written in an accepted form at all ("10/11", "abc", "2026-1-5", "10.11.2026").
        case notADate
    }

    /// Why a date in an accepted form names no day.
    public enum NoSuchDay: Sendable, Equatable {
        /// Month outside 1–12; `dayFirst` when written DD/MM/YYYY with a second number over 12,
        /// i.e. most likely month/day order, which is not accepted.
        case month(Int, dayFirst: Bool)
        /// Day 0, or past the end of the month (`days` in that month).
        case day(Int, month: Int, year: Int, days: Int)
        case yearBefore1900(Int)
    }

    /// The date forms a person may write (manifests): `YYYY-MM-DD` and `DD/MM/YYYY` (day first,
    /// as Vietnamese and European spreadsheets write it; day and month may have one digit).
    /// Month/day order (`MM/DD/YYYY`) is not accepted: `10/11/2026` is 10 November. ASCII digits
    /// only, checked byte by byte (`Int("+1")` parses, and fullwidth digits are `isNumber`).
    public static func readDate(_ text: String) -> DateReading {
        let bytes = Array(text.utf8)
        func number(_ part: ArraySlice<UInt8>) -> Int? {
            guard !part.isEmpty, part.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            return part.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        let year: Int, month: Int, day: Int, dayFirst: Bool
        let dashes = bytes.split(separator: 0x2d, omittingEmptySubsequences: false)
        let slashes = bytes.split(separator: 0x2f, omittingEmptySubsequences: false)
        if dashes.count == 3, dashes.map(\.count) == [4, 2, 2],
           let y = number(dashes[0]), let m = number(dashes[1]), let d = number(dashes[2]) {
            (year, month, day, dayFirst) = (y, m, d, false)
        } else if slashes.count == 3, (1...2).contains(slashes[0].count), (1...2).contains(slashes[1].count),
                  slashes[2].count == 4, let d = number(slashes[0]), let m = number(slashes[1]), let y = number(slashes[2]) {
            (year, month, day, dayFirst) = (y, m, d, true)
        } else {
            return .notADate
        }
        guard (1...12).contains(month) else { return .noSuchDay(.month(month, dayFirst: dayFirst)) }
        guard year >= 1900 else { return .noSuchDay(.yearBefore1900(year)) }
        let days = LedgerTime.daysIn(month: month, year: year)
        guard (1...days).contains(day) else { return .noSuchDay(.day(day, month: month, year: year, days: days)) }
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return .date("\(year)-\(twoDigits(month))-\(twoDigits(day))")
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

    /// The GTIN-14 of an EPC URI's `<company prefix>.<indicator digit and item reference>` (GS1
    /// Tag Data Standard, as in `urn:epc:class:lgtin:`): 13 digits in all, a company prefix of 6
    /// to 12; the indicator digit moves to the front and the check digit is computed.
    public static func gtin14(companyPrefix: Substring, indicatorAndItemReference: Substring) -> String? {
        let prefix = Array(companyPrefix.utf8), rest = Array(indicatorAndItemReference.utf8)
        guard (6...12).contains(prefix.count), prefix.count + rest.count == 13,
              (prefix + rest).allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let data = [rest[0]] + prefix + rest.dropFirst()
        var sum = 0
        for (index, digit) in data.reversed().enumerated() { sum += Int(digit - 0x30) * (index % 2 == 0 ? 3 : 1) }
        return String(decoding: data + [UInt8(0x30 + (10 - sum % 10) % 10)], as: UTF8.self)
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

    /// Text a person would read as empty: only spaces, separators, format characters (zero-width
    /// space, byte order mark), default-ignorable or combining marks with nothing to combine with.
    /// A reason or a reviewer's name must say something.
    public static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            let properties = scalar.properties
            switch properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator, .format, .nonspacingMark, .enclosingMark: return true
            default: return properties.isWhitespace || properties.isDefaultIgnorableCodePoint
            }
        }
    }

    /// Why `text` cannot be a free-text field (farm id, names, crop, photo file names), or nil:
    /// the same rule entries are held to (non-empty, no control characters).
    public static func textProblem(_ text: String) -> Message? {
        do { try FieldReader.checkText(text, field: "text") } catch EntryError.invalidField(_, let reason) {
            return reason
        } catch {
            return .describing(error)
        }
        return nil
    }

    // Throwing forms for entry fields.

    public static func checkLotCode(_ code: String, field: String) throws {
        guard isLotCode(code) else {
            throw EntryError.invalidField(field: field, reason: Message("lot code '{code}' must be {lot_code_rule}", ["code": .text("\(EntryValidator.printable(code))"), "lot_code_rule": .message(lotCodeRule)]))
        }
    }

    public static func checkOriginCode(_ code: String, field: String) throws {
        guard isOriginCode(code) else {
            throw EntryError.invalidField(field: field, reason: Message("origin code '{code}' must be {origin_code_rule}", ["code": .text("\(EntryValidator.printable(code))"), "origin_code_rule": .message(originCodeRule)]))
        }
    }

    public static func checkUserName(_ name: String, field: String) throws {
        guard isUserName(name) else {
            throw EntryError.invalidField(field: field, reason: Message("user name '{name}' must be {user_name_rule}", ["name": .text("\(EntryValidator.printable(name))"), "user_name_rule": .message(userNameRule)]))
        }
    }

    public static func checkDate(_ date: String, field: String) throws {
        guard isDate(date) else {
            throw EntryError.invalidField(field: field, reason: Message("'{date}' is not {date_rule}", ["date": .text("\(EntryValidator.printable(date))"), "date_rule": .message(dateRule)]))
        }
    }

    public static func checkGTIN14(_ gtin: String, field: String) throws {
        guard isGTIN14(gtin) else {
            throw EntryError.invalidField(field: field, reason: Message("'{gtin}' is not {gtin_rule}", ["gtin": .text("\(EntryValidator.printable(gtin))"), "gtin_rule": .message(gtinRule)]))
        }
    }
}
