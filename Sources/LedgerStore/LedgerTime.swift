/// `recorded_at` timestamps: RFC 3339 in UTC with milliseconds, `2026-03-01T08:15:30.250Z`.
/// Computed without Foundation's formatters, which are slow and locale-sensitive.
public enum LedgerTime {
    public static func format(millisecondsSinceEpoch ms: Int64) -> String {
        let days = floorDiv(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let (year, month, day) = civil(fromDays: days)
        let hour = msOfDay / 3_600_000, minute = msOfDay / 60_000 % 60, second = msOfDay / 1000 % 60, milli = msOfDay % 1000
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":"
            + pad(second, 2) + "." + pad(milli, 3) + "Z"
    }

    /// Parses exactly the form `format` writes; nil otherwise.
    public static func parse(_ text: String) -> Int64? {
        let u = Array(text.utf8)
        guard u.count == 24, u[10] == 0x54, u[19] == 0x2e, u[23] == 0x5a, let seconds = secondsOfDateTime(u),
              let milli = decimal(u, 20..<23) else { return nil }
        return seconds * 1000 + milli
    }

    /// Seconds since 1970 of an RFC 3339 date-time (`2026-11-03T08:00:00Z`, `…T15:00:00.5+07:00`):
    /// four-digit year, a real calendar day, hours 00-23, minutes and seconds 00-59, any number of
    /// fraction digits (kept below the millisecond), `Z` or an offset of at most ±23:59; nil for
    /// anything else, so a query's time is either exactly understood or refused.
    public static func parseRFC3339(_ text: String) -> Double? {
        let u = Array(text.utf8)
        guard u.count >= 20, u.count <= 64, u[10] == 0x54 || u[10] == 0x74, let seconds = secondsOfDateTime(u) else { return nil }
        var index = 19
        var fraction = 0.0
        if u[index] == 0x2e {
            index += 1
            var scale = 0.1
            let start = index
            while index < u.count, (0x30...0x39).contains(u[index]) {
                fraction += Double(u[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < u.count else { return nil }
        var offsetSeconds: Int64 = 0
        if u[index] == 0x5a || u[index] == 0x7a {
            index += 1
        } else if u[index] == 0x2b || u[index] == 0x2d {
            guard u.count == index + 6, u[index + 3] == 0x3a, let offsetHour = decimal(u, index + 1..<index + 3),
                  let offsetMinute = decimal(u, index + 4..<index + 6), offsetHour < 24, offsetMinute < 60 else { return nil }
            offsetSeconds = (offsetHour * 3600 + offsetMinute * 60) * (u[index] == 0x2d ? -1 : 1)
            index += 6
        }
        guard index == u.count else { return nil }
        return Double(seconds - offsetSeconds) + fraction
    }

    /// Seconds since 1970 of `YYYY-MM-DD?HH:MM:SS` in the first 19 bytes (the separator at 10 is
    /// the caller's to check), validated as a real day and time; nil otherwise.
    private static func secondsOfDateTime(_ u: [UInt8]) -> Int64? {
        guard u.count >= 19, u[4] == 0x2d, u[7] == 0x2d, u[13] == 0x3a, u[16] == 0x3a,
              let year = decimal(u, 0..<4), let month = decimal(u, 5..<7), let day = decimal(u, 8..<10), let hour = decimal(u, 11..<13),
              let minute = decimal(u, 14..<16), let second = decimal(u, 17..<19),
              (1...12).contains(month), day >= 1, day <= Int64(daysIn(month: Int(month), year: Int(year))),
              hour < 24, minute < 60, second < 60 else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// The ASCII decimal digits at `range`; nil if any is not one.
    private static func decimal(_ u: [UInt8], _ range: Range<Int>) -> Int64? {
        var value: Int64 = 0
        for k in range {
            guard (0x30...0x39).contains(u[k]) else { return nil }
            value = value * 10 + Int64(u[k] - 0x30)
        }
        return value
    }

    /// Days in `month` (1–12) of `year`, proleptic Gregorian.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }

    // Howard Hinnant's civil-calendar algorithms (proleptic Gregorian).
    private static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysFromCivil(year y0: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
