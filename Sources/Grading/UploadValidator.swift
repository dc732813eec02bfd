import Foundation
import Localization

/// Checks an upload completely before anything is graded and groups its photos into lots.
///
/// Every problem is collected (file listing, manifest syntax, each row, cross-row agreement,
/// files missing from either side) so the farm can fix the upload in one round trip.
public enum UploadValidator {
    /// What the checks that need no ledger found: the lots, every problem, and what the ledger
    /// checks (`BatchGrader`) need to go on where rows were refused.
    public struct Report: Sendable {
        /// Lots in order of first appearance, built from the rows without problems.
        public let lots: [Lot]
        /// Every problem found, in report order (`UploadProblem.inReportOrder`).
        public let problems: [UploadProblem]
        /// Lot codes with a refused row, a duplicate row, a missing photo or disagreeing rows:
        /// such a lot is not compared with the ledger's recorded lots until it is fixed.
        public let incompleteLots: Set<String>
        /// Every data row's lot and origin code, refused rows included.
        public let mentions: [Manifest.Mention]
    }

    /// The upload's lots in order of first appearance in the manifest, or every problem found.
    public static func lots(of upload: Upload, limits: UploadLimits = .default) throws -> [Lot] {
        let report = check(upload, limits: limits)
        if !report.problems.isEmpty { throw UploadValidationError(upload: upload.name, problems: report.problems) }
        return report.lots
    }

    /// Checks the file listing, the manifest's syntax, each row, cross-row agreement and files
    /// missing from either side, all of them, without stopping at the first problem.
    public static func check(_ upload: Upload, limits: UploadLimits = .default) -> Report {
        var problems = upload.problems
        var rows: [Manifest.Row] = []
        var mentions: [Manifest.Mention] = []
        var listed: Set<String>?
        if let manifestFile = upload.manifest {
            do {
                let data = try upload.contents(of: manifestFile)
                let manifest = Manifest(data: data, maxRows: limits.maxManifestRows, problems: &problems)
                rows = manifest.rows
                mentions = manifest.mentions
                listed = manifest.listedFiles
            } catch {
                problems.append(UploadProblem(file: Upload.manifestName, Message("cannot be read: {reason}", ["reason": .message(.fileError(error))])))
            }
        }
        var incomplete = Set<String>()
        let goodLines = Set(rows.map(\.line))
        for mention in mentions where !goodLines.contains(mention.line) { incomplete.insert(mention.lotCode) }
        let lots = group(rows, listed: listed, in: upload, problems: &problems, incomplete: &incomplete)
        return Report(lots: lots, problems: UploadProblem.inReportOrder(problems), incompleteLots: incomplete, mentions: mentions)
    }

    static func group(_ rows: [Manifest.Row], listed: Set<String>?, in upload: Upload, problems: inout [UploadProblem],
                      incomplete: inout Set<String>) -> [Lot] {
        func problem(_ row: Manifest.Row, _ message: Message) {
            problems.append(UploadProblem(file: Upload.manifestName, line: row.line, message))
            incomplete.insert(row.lotCode)
        }
        var lineOfFile: [String: Int] = [:]
        var rowsOfLot: [String: [Manifest.Row]] = [:]
        var lotOrder: [String] = []
        for row in rows {
            let key = UploadPath.key(row.file)
            if let earlier = lineOfFile[key] {
                problem(row, Message("file '{file}' is listed twice (first on line {line})", ["file": .text(row.file), "line": .text(String(earlier))]))
                continue
            }
            lineOfFile[key] = row.line
            if upload.refused.contains(key) {
                incomplete.insert(row.lotCode)   // the file's own problem already says why
            } else if upload.files[key] == nil {
                problem(row, Message("file '{file}' is not in the upload", ["file": .text(row.file)]))
            }
            if rowsOfLot[row.lotCode] == nil { lotOrder.append(row.lotCode) }
            rowsOfLot[row.lotCode, default: []].append(row)
        }
        // Photos that nobody listed are reported too: a forgotten row would otherwise drop a photo.
        for (key, file) in upload.files.sorted(by: { $0.key < $1.key }) where listed.map({ !$0.contains(key) }) ?? false {
            problems.append(UploadProblem(unlisted: file.path))
        }
        var lots: [Lot] = []
        for code in lotOrder {
            let lotRows = rowsOfLot[code]!
            let first = lotRows[0]
            for row in lotRows.dropFirst() {
                for (column, field) in Lot.agreeingColumns where row[keyPath: field] != first[keyPath: field] {
                    problem(row, Message("lot {lot}: {column} '{value}' disagrees with '{first}' on line {line}",
                                        ["lot": .text(code), "column": .text(column), "value": .text(row[keyPath: field]),
                                         "first": .text(first[keyPath: field]), "line": .text(String(first.line))]))
                }
            }
            lots.append(Lot(rows: lotRows))
        }
        return lots
    }

    /// Origin codes must each describe one growing area: when the upload registers them, the
    /// lots naming one code must agree on its farm, crop and place.
    public static func originConflicts(in lots: [Lot]) -> [UploadProblem] {
        var problems: [UploadProblem] = []
        var firstLot: [String: Lot] = [:]
        let columns: [(String, KeyPath<Lot, String>)] = [("farm_id", \.farmID), ("crop", \.crop), ("farm_name", \.farmName),
                                                         ("commune", \.commune), ("district", \.district),
                                                         ("province", \.province)]
        for lot in lots {
            guard let first = firstLot[lot.originCode] else { firstLot[lot.originCode] = lot; continue }
            for (column, field) in columns where lot[keyPath: field] != first[keyPath: field] {
                problems.append(UploadProblem(file: Upload.manifestName, line: lot.photos[0].line,
                                              Message("origin {origin}: {column} '{value}' disagrees with '{first}' on line {line}",
                                                      ["origin": .text(lot.originCode), "column": .text(column), "value": .text(lot[keyPath: field]),
                                                       "first": .text(first[keyPath: field]), "line": .text(String(first.photos[0].line))])))
            }
        }
        return problems
    }
}
