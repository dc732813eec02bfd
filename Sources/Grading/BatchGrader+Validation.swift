import Foundation
import LedgerStore
import Localization
import Provenance

extension BatchGrader {
    /// What validation hands to grading: the lots, the cooperative id, the origins to register,
    /// the lots a previous run recorded (by code) and the photo hashes computed to find them.
    typealias Validated = (lots: [Lot], cooperative: String, missingOrigins: [OriginRecord],
                           alreadyRecorded: [String: (digest: String, record: RecordedUpload)], knownHashes: [String: String])

    /// Every check before grading, the upload's own and the ledger's, reported together in one
    /// `UploadValidationError` in line order: a clerk fixes the manifest once, not in rounds.
    /// Throws before anything is recorded; the ledger is only read here.
    func validate(_ upload: Upload, observer: GradingObserver?) throws -> Validated {
        let report = UploadValidator.check(upload, limits: options.limits)
        let lots = report.lots
        var problems = report.problems
        let cooperative = try options.cooperative ?? ledger.configuredCooperative() ?? ""
        if cooperative.isEmpty {
            problems.append(UploadProblem(file: upload.name, Message("no cooperative id: pass --cooperative or configure it in the ledger")))
        } else if let problem = Identifiers.textProblem(cooperative) {
            problems.append(UploadProblem(file: upload.name, Message("cooperative id '{id}': {reason}",
                                                                     ["id": .text(EntryValidator.printable(cooperative)), "reason": .message(problem)])))
        }

        // Origins: every row naming a well-formed code counts, refused rows included, each code
        // reported once at its first line.
        var registered: [String: OriginRecord] = [:]
        var missingOrigins: [OriginRecord] = []
        var seenOrigins = Set<String>()
        for mention in report.mentions where Identifiers.isOriginCode(mention.originCode) {
            guard seenOrigins.insert(mention.originCode).inserted else { continue }
            if let record = try ledger.originRegistration(mention.originCode) {
                registered[mention.originCode] = record
            } else if options.registerOrigins {
                // Registered from the first complete lot naming it; if none is complete the
                // upload has problems and nothing is registered.
                if let lot = lots.first(where: { $0.originCode == mention.originCode }) {
                    missingOrigins.append(OriginRecord(originCode: lot.originCode, farmID: lot.farmID, farmName: lot.farmName.nonEmpty,
                                                       commune: lot.commune.nonEmpty, district: lot.district.nonEmpty,
                                                       province: lot.province.nonEmpty, crop: lot.crop))
                }
            } else {
                let origin: [String: MessageArgument] = ["origin": .text(mention.originCode)]
                problems.append(UploadProblem(file: Upload.manifestName, line: mention.line, options.registerOriginsSwitch == .commandLineFlag
                    ? Message("origin code {origin} is not registered in the ledger (register it, or pass --register-origins)", origin)
                    : Message("origin code {origin} is not registered in the ledger (register it on the origins page, or tick \"Register origin codes that are new, from the manifest\" when uploading)", origin)))
            }
        }
        // A registered origin code stands for one farm and crop; no lot may borrow it.
        for lot in lots {
            guard let record = registered[lot.originCode] else { continue }
            for conflict in record.conflicts(farmID: lot.farmID, crop: lot.crop) {
                problems.append(UploadProblem(file: Upload.manifestName, line: lot.photos[0].line,
                                              Message("lot {lot}: {reason}", ["lot": .text(lot.code), "reason": .message(conflict)])))
            }
        }
        if options.registerOrigins { problems += UploadValidator.originConflicts(in: lots) }

        // Lots whose code is already in the ledger: a re-run (same rows and photos) is skipped,
        // anything else is refused. Lots with problems of their own are compared once fixed.
        let candidates = try lots.filter { lot in
            guard !report.incompleteLots.contains(lot.code) else { return false }
            return try ledger.isLotRecorded(lot.code)
        }
        let knownHashes = try hashPhotos(of: candidates, in: upload, observer: observer)
        var alreadyRecorded: [String: (digest: String, record: RecordedUpload)] = [:]
        for lot in candidates {
            let digest = UploadDigest.of(lot, photoHashes: knownHashes)
            if let record = try ledger.recordedUpload(lotCode: lot.code, uploadDigest: digest) {
                alreadyRecorded[lot.code] = (digest, record)
            } else {
                problems.append(UploadProblem(file: Upload.manifestName, line: lot.photos[0].line,
                                              Message("lot {lot} is already recorded in the ledger with other photos or rows; record a correction instead of re-grading it",
                                                      ["lot": .text(lot.code)])))
            }
        }
        if !problems.isEmpty { throw UploadValidationError(upload: upload.name, problems: UploadProblem.inReportOrder(problems)) }
        return (lots, cooperative, missingOrigins, alreadyRecorded, knownHashes)
    }
}
