import Foundation
import LedgerStore
import Localization
import Provenance

/// `manifest.csv`: one row per photo naming its lot, growing area and farm.
///
/// Required columns `file,lot_code,origin_code,farm_id,crop,harvest_date`; optional
/// `gtin,quantity_kg,notes,farm_name,commune,district,province`. Column order is free, names are
/// case-sensitive, other columns are refused (a misspelt optional column would otherwise be
/// silently ignored). Every string is normalised to Unicode NFC and trimmed of surrounding spaces.
public struct Manifest: Sendable {
    public static let requiredColumns = ["file", "lot_code", "origin_code", "farm_id", "crop", "harvest_date"]
    public static let optionalColumns = ["gtin", "quantity_kg", "notes", "farm_name", "commune", "district", "province"]

    public struct Row: Sendable, Equatable {
        /// 1-based line in the file (the header is line 1).
        public let line: Int
        public let file: String
        public let lotCode: String
        public let originCode: String
        public let farmID: String
        public let crop: String
        public let harvestDate: String
        public let gtin: String
        public let quantityKg: String
        public let notes: String
        public let farmName: String
        public let commune: String
        public let district: String
        public let province: String

        func with(harvestDate: String) -> Row {
            Row(line: line, file: file, lotCode: lotCode, originCode: originCode, farmID: farmID, crop: crop,
                harvestDate: harvestDate, gtin: gtin, quantityKg: quantityKg, notes: notes, farmName: farmName,
                commune: commune, district: district, province: province)
        }
    }

    /// The rows without a problem of their own, dates as ISO.
    public let rows: [Row]
    /// Lot and origin code of every data row that has the header's number of fields, with or
    /// without problems: the ledger checks (unregistered origins) reach rows refused for other
    /// reasons too, so a manifest's problems all come out in one report.
    public let mentions: [Mention]

    public struct Mention: Sendable, Equatable {
        public let line: Int
        public let lotCode: String
        public let originCode: String
    }
    /// `UploadPath.key` of every file named by a data row, valid or not: a photo whose row has a
    /// problem is reported once (for the row), not a second time as "not listed". Nil when the
    /// header is unusable, so no row could be read.
    public let listedFiles: Set<String>?

    /// Parses and checks each row on its own; cross-row and cross-file checks are
    /// `UploadValidator`'s. Problems are appended to `problems`, never thrown.
    public init(data: Data, fileName: String = Upload.manifestName, maxRows: Int, problems: inout [UploadProblem]) {
        func problem(_ line: Int?, _ message: Message) {
            problems.append(UploadProblem(file: fileName, line: line, message))
        }
        let csv = CSVReader(data: data)
        if let guess = csv.foreignEncoding {
            // One problem for the whole file: every field of it would be wrong in the same way.
            problem(nil, ManifestText.notUTF8(guess))
            rows = []
            mentions = []
            listedFiles = nil
            return
        }
        let names = csv.records.first?.fields.map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        for issue in csv.problems {
            problem(issue.line, ManifestText.csvProblem(issue.kind, field: issue.field, columns: issue.line == 1 ? [] : names))
        }
        guard let header = csv.records.first else {
            problem(nil, Message("empty: expected a header row and one row per photo"))
            rows = []
            mentions = []
            listedFiles = nil
            return
        }
        if names.contains(where: { $0.contains("\t") }) {
            problem(header.line, ManifestText.tabSeparated)
            rows = []
            mentions = []
            listedFiles = nil
            return
        }
        var columnIndex: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            if columnIndex[name] != nil {
                problem(header.line, Message("column '{name}' appears twice", ["name": .text(name)]))
            } else if !(Manifest.requiredColumns + Manifest.optionalColumns).contains(name) {
                problem(header.line, Message("unknown column '{name}' (expected {columns})",
                                             ["name": .text(name), "columns": .text((Manifest.requiredColumns + Manifest.optionalColumns).joined(separator: ","))]))
            }
            columnIndex[name] = columnIndex[name] ?? index
        }
        let missing = Manifest.requiredColumns.filter { columnIndex[$0] == nil }
        if !missing.isEmpty {
            problem(header.line, Message("missing required column {columns}", plural: "missing required columns {columns}", count: missing.count,
                                         ["columns": .text(missing.joined(separator: ", "))]))
            rows = []
            mentions = []
            listedFiles = nil
            return
        }
        let body = csv.records.dropFirst()
        if body.isEmpty { problem(nil, Message("no photo rows after the header")) }
        if body.count > maxRows {
            problem(nil, Message("{n} rows, more than the limit of {limit}", ["n": .integer(body.count), "limit": .integer(maxRows)]))
            rows = []
            mentions = []
            listedFiles = nil
            return
        }
        var parsed: [Row] = []
        var mentioned: [Mention] = []
        var listed = Set<String>()
        for record in body {
            if let fileIndex = columnIndex["file"], fileIndex < record.fields.count {
                listed.insert(UploadPath.key(record.fields[fileIndex].trimmingCharacters(in: .whitespaces)))
            }
            if record.fields.count != names.count {
                problem(record.line, Message("{n} fields, but the header has {columns}", ["n": .integer(record.fields.count), "columns": .integer(names.count)]))
                continue
            }
            func value(_ column: String) -> String {
                guard let index = columnIndex[column] else { return "" }
                return record.fields[index].trimmingCharacters(in: .whitespaces).precomposedStringWithCanonicalMapping
            }
            let row = Row(line: record.line, file: value("file"), lotCode: value("lot_code"),
                          originCode: value("origin_code"), farmID: value("farm_id"), crop: value("crop"),
                          harvestDate: value("harvest_date"), gtin: value("gtin"), quantityKg: value("quantity_kg"),
                          notes: value("notes"), farmName: value("farm_name"), commune: value("commune"),
                          district: value("district"), province: value("province"))
            mentioned.append(Mention(line: row.line, lotCode: row.lotCode, originCode: row.originCode))
            let before = problems.count
            Manifest.check(row) { problem(row.line, $0) }
            // Dates are stored as ISO whichever accepted form the row used.
            if problems.count == before, case .date(let iso) = Identifiers.readDate(row.harvestDate) {
                parsed.append(row.with(harvestDate: iso))
            }
        }
        rows = parsed
        mentions = mentioned
        listedFiles = listed
    }

    /// Checks of one row's own fields.
    /// `latestHarvestDate`: ISO date after which a harvest date is refused as in the future.
    static func check(_ row: Row, latestHarvestDate: String = latestHarvestDate(), report: (Message) -> Void) {
        let required: [(String, String)] = [("file", row.file), ("lot_code", row.lotCode), ("origin_code", row.originCode),
                                            ("farm_id", row.farmID), ("crop", row.crop), ("harvest_date", row.harvestDate)]
        for (column, value) in required where value.isEmpty { report(Message("{column} is empty", ["column": .text(column)])) }
        if !row.file.isEmpty, let pathProblem = UploadPath.problem(with: row.file) {
            report(Message("file '{file}': {reason}", ["file": .text(row.file), "reason": .message(pathProblem)]))
        }
        // Every text the ledger records from a row is held to the entries' text rule here, so an
        // upload is refused up front instead of one lot failing at signing.
        let texts: [(String, String)] = [("file", row.file), ("farm_id", row.farmID), ("crop", row.crop), ("notes", row.notes),
                                         ("farm_name", row.farmName), ("commune", row.commune), ("district", row.district),
                                         ("province", row.province)]
        for (column, value) in texts where !value.isEmpty {
            if let problem = Identifiers.textProblem(value) {
                report(Message("{column} '{value}': {reason}",
                               ["column": .text(column), "value": .text(EntryValidator.printable(value)), "reason": .message(problem)]))
            }
        }
        if !row.lotCode.isEmpty && !Identifiers.isLotCode(row.lotCode) {
            report(Message("lot_code '{value}' must be {lot_code_rule}",
                           ["value": .text(EntryValidator.printable(row.lotCode)), "lot_code_rule": .message(Identifiers.lotCodeRule)]))
        }
        if !row.originCode.isEmpty && !Identifiers.isOriginCode(row.originCode) {
            report(Message("origin_code '{value}' must be 1–64 of A–Z a–z 0–9 . _ -", ["value": .text(EntryValidator.printable(row.originCode))]))
        }
        if !row.harvestDate.isEmpty,
           let problem = ManifestText.dateProblem(column: "harvest_date", value: row.harvestDate,
                                                  reading: Identifiers.readDate(row.harvestDate)) {
            report(problem)
        } else if case .date(let iso) = Identifiers.readDate(row.harvestDate), iso > latestHarvestDate {
            // A typo (2062 for 2026) would otherwise be signed into the ledger and printed on labels for ever.
            report(Message("harvest_date '{value}' is in the future: produce is graded after it is harvested",
                           ["value": .text(EntryValidator.printable(row.harvestDate))]))
        }
        if !row.gtin.isEmpty && !Identifiers.isGTIN14(row.gtin) {
            report(Message("gtin '{value}' is not a GTIN-14 (14 digits with a valid GS1 check digit)", ["value": .text(EntryValidator.printable(row.gtin))]))
        }
        if !row.quantityKg.isEmpty && quantityGrams(row.quantityKg) == nil {
            report(Message("quantity_kg '{value}' is not a positive number of kilograms with at most 3 decimals",
                           ["value": .text(EntryValidator.printable(row.quantityKg))]))
        }
    }

    /// Tomorrow in UTC, as an ISO date: whatever the cooperative's time zone, today's harvest is
    /// not later than that.
    static func latestHarvestDate(now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let tomorrow = calendar.dateComponents([.year, .month, .day], from: now.addingTimeInterval(86_400))
        return String(format: "%04d-%02d-%02d", tomorrow.year!, tomorrow.month!, tomorrow.day!)
    }

    /// "850", "12.5", "0.250" -> grams; nil unless positive with at most 3 decimals.
    public static func quantityGrams(_ text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty, whole.count <= 9,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var grams = Int(whole)! * 1000
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...3).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            grams += Int(fraction + String(repeating: "0", count: 3 - fraction.count))!
        }
        return grams > 0 ? grams : nil
    }
}
