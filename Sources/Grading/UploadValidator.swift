import Foundation

/// Checks an upload completely before anything is graded and groups its photos into lots.
///
/// Every problem is collected (file listing, manifest syntax, each row, cross-row agreement,
/// files missing from either side) so the farm can fix the upload in one round trip.
public enum UploadValidator {
    /// The upload's lots in order of first appearance in the manifest, or every problem found.
    public static func lots(of upload: Upload, limits: UploadLimits = .default) throws -> [Lot] {
        var problems = upload.problems
        var rows: [Manifest.Row] = []
        var listed: Set<String>?
        if let manifestFile = upload.manifest {
            do {
                let data = try upload.contents(of: manifestFile)
                let manifest = Manifest(data: data, maxRows: limits.maxManifestRows, problems: &problems)
                rows = manifest.rows
                listed = manifest.listedFiles
            } catch {
                problems.append(UploadProblem(file: Upload.manifestName, "cannot be read: \(error)"))
            }
        }
        let lots = group(rows, listed: listed, in: upload, problems: &problems)
        if !problems.isEmpty { throw UploadValidationError(upload: upload.name, problems: problems) }
        return lots
    }

    static func group(_ rows: [Manifest.Row], listed: Set<String>?, in upload: Upload, problems: inout [UploadProblem]) -> [Lot] {
        func problem(_ line: Int?, _ message: String) {
            problems.append(UploadProblem(file: Upload.manifestName, line: line, message))
        }
        var lineOfFile: [String: Int] = [:]
        var rowsOfLot: [String: [Manifest.Row]] = [:]
        var lotOrder: [String] = []
        for row in rows {
            let key = UploadPath.key(row.file)
            if let earlier = lineOfFile[key] {
                problem(row.line, "file '\(row.file)' is listed twice (first on line \(earlier))")
                continue
            }
            lineOfFile[key] = row.line
            if upload.files[key] == nil {
                problem(row.line, "file '\(row.file)' is not in the upload")
            }
            if rowsOfLot[row.lotCode] == nil { lotOrder.append(row.lotCode) }
            rowsOfLot[row.lotCode, default: []].append(row)
        }
        // Photos that nobody listed are reported too: a forgotten row would otherwise drop a photo.
        for (key, file) in upload.files.sorted(by: { $0.key < $1.key }) where listed.map({ !$0.contains(key) }) ?? false {
            problems.append(UploadProblem(file: file.path, "not listed in manifest.csv"))
        }
        var lots: [Lot] = []
        for code in lotOrder {
            let lotRows = rowsOfLot[code]!
            let first = lotRows[0]
            for row in lotRows.dropFirst() {
                for (column, field) in Lot.agreeingColumns where row[keyPath: field] != first[keyPath: field] {
                    problem(row.line, "lot \(code): \(column) '\(row[keyPath: field])' disagrees with '\(first[keyPath: field])' on line \(first.line)")
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
                                              "origin \(lot.originCode): \(column) '\(lot[keyPath: field])' disagrees with '\(first[keyPath: field])' on line \(first.photos[0].line)"))
            }
        }
        return problems
    }
}
