import Crypto
import Foundation
import Imaging
import Kernels
import LedgerStore
import Localization
import NeuralNet
import Provenance

/// Where `registerOrigins` is set: the refusal of an unknown origin code tells which.
public enum RegisterOriginsSwitch: Sendable {
    case commandLineFlag
    case consoleCheckbox
}

/// Grades an upload and records it: validate everything, skip lots already recorded, grade the
/// rest on `jobs` threads with bounded memory, and append one `lot` + one `grading` entry per lot
/// in one transaction as soon as the lot's last photo is graded.
///
/// Safe to re-run and to kill: a lot is recorded whole or not at all, and a lot whose manifest
/// rows and photos (its `UploadDigest`) are already in the ledger is not recorded again.
public final class BatchGrader {
    public struct Options: Sendable {
        /// Worker threads decoding and classifying.
        public var jobs: Int
        /// Photos decoded and classified together by one worker.
        public var batchSize: Int
        /// Photos taken by workers but not yet recorded; bounds memory (see `WorkQueue`).
        public var maxInFlight: Int
        /// Register origin codes the ledger does not know instead of refusing the upload.
        public var registerOrigins: Bool
        /// How the person uploading turns `registerOrigins` on, named when an unknown code is refused.
        public var registerOriginsSwitch: RegisterOriginsSwitch = .commandLineFlag
        /// The cooperative's id; nil uses the ledger's configuration.
        public var cooperative: String?
        public var limits: UploadLimits

        public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, batchSize: Int = 4,
                    maxInFlight: Int = 32, registerOrigins: Bool = false, cooperative: String? = nil,
                    limits: UploadLimits = .default) {
            self.jobs = max(1, jobs)
            self.batchSize = max(1, batchSize)
            self.maxInFlight = max(maxInFlight, self.batchSize * self.jobs)
            self.registerOrigins = registerOrigins
            self.cooperative = cooperative
            self.limits = limits
        }
    }

    let classifier: any PhotoClassifier
    let policy: GradingPolicy
    let ledger: any GradingLedger
    let options: Options

    public init(classifier: any PhotoClassifier, policy: GradingPolicy, ledger: any GradingLedger, options: Options = Options()) {
        self.classifier = classifier
        self.policy = policy
        self.ledger = ledger
        self.options = options
    }

    /// Throws `UploadValidationError` (nothing recorded), `GradingPolicyError`, or the ledger's
    /// errors; a photo that cannot be read is a result, never an error.
    public func grade(_ upload: Upload, observer: GradingObserver? = nil) throws -> GradingSummary {
        let started = Date()
        try policy.check(classCount: classifier.labels.count, modelName: String(classifier.modelID.prefix(16)))
        let (lots, cooperative, missingOrigins, alreadyRecorded, knownHashes) = try validate(upload, observer: observer)
        let originsRegistered = missingOrigins.isEmpty ? 0 : try ledger.register(origins: missingOrigins)
        let validated = Date()

        var lotSummaries: [String: GradingSummary.LotSummary] = [:]
        for lot in lots {
            guard let (digest, record) = alreadyRecorded[lot.code] else { continue }
            lotSummaries[lot.code] = recordedSummary(of: lot, digest: digest, record: record)
        }
        let toGrade = lots.filter { alreadyRecorded[$0.code] == nil }
        var entriesWritten = originsRegistered
        var unreadable: [GradingSummary.UnreadablePhoto] = []
        let photoCount = toGrade.reduce(0) { $0 + $1.photos.count }
        // A re-run names the photos an earlier run could not read, as recorded, not just their count.
        var unreadableEarlier: [GradingSummary.UnreadablePhoto] = []
        for lot in lots {
            guard let (_, record) = alreadyRecorded[lot.code] else { continue }
            for case let .unreadable(file, _, reason) in record.grading.images {
                unreadableEarlier.append(.init(file: file, lot: lot.code, reason: reason, reasonMessage: ImageDecodingError.recordedReason(reason)))
            }
        }
        for lot in lots where alreadyRecorded[lot.code] != nil {
            for row in lot.photos {
                observer?.record(PhotoResult(file: row.file, lot: lot.code, sha256: knownHashes[row.file] ?? "", outcome: .alreadyRecorded))
            }
        }
        try gradePhotos(of: toGrade, in: upload, observer: observer) { lot, results in
            let summary = try record(lot, results: results, cooperative: cooperative)
            if summary.status == .recorded { entriesWritten += 2 }
            lotSummaries[lot.code] = summary
            for result in results {
                if case .unreadable(let reason) = result.outcome {
                    unreadable.append(.init(file: result.file, lot: lot.code, reason: reason.description, reasonMessage: reason))
                }
            }
        }
        let finished = Date()
        let gradeSeconds = finished.timeIntervalSince(validated)
        return GradingSummary(
            upload: upload.name, model: classifier.modelID, policy: policy.sha256, cooperative: cooperative,
            lots: lots.map { lot in
                // Every lot was either found already recorded or graded just above.
                guard let summary = lotSummaries[lot.code] else { preconditionFailure("lot \(lot.code) has no summary") }
                return summary
            }, photosGraded: photoCount - unreadable.count,
            unreadable: unreadableEarlier + unreadable,
            ledger: .init(entriesWritten: entriesWritten, originsRegistered: originsRegistered, treeSize: try ledger.treeSize()),
            timings: .init(validateSeconds: validated.timeIntervalSince(started), gradeSeconds: gradeSeconds,
                           totalSeconds: finished.timeIntervalSince(started),
                           photosPerSecond: gradeSeconds > 0 ? Double(photoCount) / gradeSeconds : 0))
    }

    /// The summary of a lot an earlier run recorded, from its grading entry; its grade and hold
    /// are the lot's now (a reviewer's correction may have decided it since), so a re-run exits
    /// as the first run would on the same ledger.
    private func recordedSummary(of lot: Lot, digest: String, record: RecordedUpload) -> GradingSummary.LotSummary {
        let grading = record.grading
        let unreadable = grading.images.filter { if case .unreadable = $0 { return true } else { return false } }.count
        // Grades in the policy's order, then any the recording policy had that this one lacks.
        let grades = policy.grades + grading.distribution.keys.filter { !policy.grades.contains($0) }.sorted()
        return GradingSummary.LotSummary(
            lot: lot.code, farmID: lot.farmID, originCode: lot.originCode, status: .alreadyRecorded,
            photos: lot.photos.count, grade: record.currentGrade,
            distribution: grades.map { .init(grade: $0, count: grading.distribution[$0, default: 0]) },
            needsReview: grading.needsReview, unreadable: unreadable,
            // The hold recorded with the grading, unless a reviewer released it since.
            held: record.currentlyHeld,
            uploadDigest: digest, lotSeq: record.lotSeq, gradingSeq: record.gradingSeq, farmName: lot.farmName)
    }

    /// SHA-256 of each photo of `lots`, by manifest file name, computed on `jobs` threads.
    func hashPhotos(of lots: [Lot], in upload: Upload, observer: GradingObserver?) throws -> [String: String] {
        let rows = lots.flatMap(\.photos)
        guard !rows.isEmpty else { return [:] }
        observer?.begin(phase: "hashing", total: rows.count)
        defer { observer?.end(phase: "hashing") }
        var hashes: [String: String] = [:]
        let queue = WorkQueue<String>(count: rows.count, chunkSize: 1, window: max(options.maxInFlight, options.jobs))
        try queue.run(threads: options.jobs, work: { range in
            range.map { index in
                // Unreadable bytes hash as zero bytes, exactly as grading records them.
                let data = (try? upload.contents(ofPath: rows[index].file)) ?? Data()
                return UploadDigest.sha256Hex(data)
            }
        }, consume: { index, hash in
            hashes[rows[index].file] = hash
            observer?.progress(done: index + 1)
        })
        return hashes
    }

    /// Decodes, classifies and hands over each lot's results as soon as its last photo is done.
    private func gradePhotos(of lots: [Lot], in upload: Upload, observer: GradingObserver?,
                             lotDone: (Lot, [PhotoResult]) throws -> Void) throws {
        let work = lots.flatMap { lot in lot.photos.map { (lot: lot.code, row: $0) } }
        guard !work.isEmpty else { return }
        observer?.begin(phase: "grading", total: work.count)
        defer { observer?.end(phase: "grading") }
        let classifier = self.classifier
        let policy = self.policy
        let queue = WorkQueue<PhotoResult>(count: work.count, chunkSize: options.batchSize, window: options.maxInFlight)
        var lotIndex = 0
        var pending: [PhotoResult] = []
        try queue.run(threads: options.jobs, work: { range in
            try BatchGrader.gradeChunk(work[range].map { ($0.lot, $0.row.file) }, upload: upload,
                                       classifier: classifier, policy: policy)
        }, consume: { index, result in
            observer?.record(result)
            observer?.progress(done: index + 1)
            pending.append(result)
            if pending.count == lots[lotIndex].photos.count {
                try lotDone(lots[lotIndex], pending)
                pending.removeAll()
                lotIndex += 1
            }
        })
    }

    /// One worker step: read, hash and decode each photo (keeping only the small decoded image),
    /// then classify the readable ones as one batch.
    private static func gradeChunk(_ photos: [(lot: String, file: String)], upload: Upload,
                                   classifier: any PhotoClassifier, policy: GradingPolicy) throws -> [PhotoResult] {
        var hashes: [String] = []
        var decoded: [[UInt8]] = []
        var failures: [Int: Message] = [:]
        for (index, photo) in photos.enumerated() {
            let data: Data
            do {
                data = try upload.contents(of: upload.files[UploadPath.key(photo.file)]!)
            } catch {
                // Validation saw the file, so this is damage (a corrupt zip entry) or a file
                // removed meanwhile; the hash recorded is that of zero bytes and the reason says so.
                hashes.append(UploadDigest.sha256Hex(Data()))
                failures[index] = Message("cannot be read (content hash is of zero bytes): {reason}", ["reason": .message(.describing(error))])
                continue
            }
            hashes.append(UploadDigest.sha256Hex(data))
            do {
                decoded.append(try classifier.decode(data, fileName: photo.file))
            } catch {
                // The results line and the ledger's image entry name the file already.
                failures[index] = (error as? ImageDecodingError)?.reasonMessage ?? .describing(error)
            }
        }
        let probabilities = decoded.isEmpty ? [] : try classifier.classify(decoded)
        let classes = classifier.labels.count
        guard classes > 0, probabilities.count == decoded.count, probabilities.allSatisfy({ $0.count == classes }) else {
            throw PhotoClassifierError("the classifier returned \(probabilities.map(\.count)) scores for \(decoded.count) photos of \(classes) classes")
        }
        let rule = policy.reviewRule(of: classifier.calibration)
        var next = 0
        return photos.enumerated().map { index, photo in
            if let reason = failures[index] {
                return PhotoResult(file: photo.file, lot: photo.lot, sha256: hashes[index], outcome: .unreadable(reason: reason))
            }
            let scores = probabilities[next]
            next += 1
            // Highest score, the lowest class index on ties; `scores` has `classes` > 0 entries.
            let best = mostLikelyClass(scores)
            // The probability that the photo's grade is right: its classes' scores as recorded (basis points), summed.
            let gradeBP = policy.gradeBasisPoints(scores.map(ModelCalibration.basisPoints))[policy.classGroups[best]]
            return PhotoResult(file: photo.file, lot: photo.lot, sha256: hashes[index],
                               outcome: .graded(classIndex: best, label: classifier.labels[best], probabilities: scores,
                                                grade: policy.grade(ofClass: best),
                                                needsReview: rule.map { gradeBP < $0.thresholdBP } ?? true))
        }
    }

    /// Builds the lot's two entries and appends them in one transaction.
    private func record(_ lot: Lot, results: [PhotoResult], cooperative: String) throws -> GradingSummary.LotSummary {
        var counts: [String: Int] = [:]
        var review = 0, unreadableCount = 0
        var images: [GradedImage] = []
        var gradeBasisPoints: [[Int]] = []
        var hashes: [String: String] = [:]
        var contents = Set<String>(), repeated = 0
        for result in results {
            hashes[result.file] = result.sha256
            switch result.outcome {
            case let .graded(classIndex, label, probabilities, grade, needsReview):
                counts[grade, default: 0] += 1
                if needsReview { review += 1 }
                let scores = probabilities.map(ModelCalibration.basisPoints)
                // The same photo under a second name is no second tomato.
                if contents.insert(result.sha256).inserted { gradeBasisPoints.append(policy.gradeBasisPoints(scores)) } else { repeated += 1 }
                images.append(.graded(GradedPhoto(file: result.file, sha256: result.sha256, classIndex: classIndex, label: label,
                                                  scoresBasisPoints: scores, grade: grade, needsReview: needsReview)))
            case .unreadable(let reason):
                unreadableCount += 1
                // Decoder messages may span lines; entries hold no control characters.
                let oneLine = String(String.UnicodeScalarView(reason.description.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
                images.append(.unreadable(file: result.file, sha256: result.sha256, reason: oneLine.isEmpty ? "unreadable" : oneLine))
            case .alreadyRecorded:
                preconditionFailure("a lot being graded has no already-recorded photos")
            }
        }
        // From the recorded scores, so the decision can be recomputed from the grading entry.
        let decision = policy.decideLot(gradeBasisPoints: gradeBasisPoints, reviewRule: policy.reviewRule(of: classifier.calibration),
                                        unreadable: unreadableCount, repeated: repeated)
        let lotGrade = decision.grade
        // No readable photo: no estimate, so no confidence (not 0 %), in the entry and in --json alike.
        let confidence = gradeBasisPoints.isEmpty ? nil : Optional(decision.confidenceBP)
        let held = decision.held
        let holdReason = decision.hold
        let distribution = policy.grades.map { GradingSummary.GradeCount(grade: $0, count: counts[$0, default: 0]) }
        let digest = UploadDigest.of(lot, photoHashes: hashes)
        let lotRecord = LotRecord(lotCode: lot.code, originCode: lot.originCode, farmID: lot.farmID, cooperative: cooperative,
                                  crop: lot.crop, harvestDate: lot.harvestDate, quantityGrams: Manifest.quantityGrams(lot.quantityKg),
                                  gtin: lot.gtin.nonEmpty, uploadDigest: digest)
        let grading = GradingRecord(lotCode: lot.code, model: classifier.modelID, policy: policy.sha256, uploadDigest: digest,
                                    images: images, lotGrade: lotGrade,
                                    distribution: Dictionary(uniqueKeysWithValues: distribution.map { ($0.grade, $0.count) }),
                                    needsReview: review, held: held, holdReason: holdReason,
                                    kernels: KernelISA.active.rawValue,
                                    lotConfidenceBP: confidence)
        let outcome: LotAppendOutcome
        do {
            outcome = try ledger.append(lot: lotRecord, grading: grading)
        } catch LedgerError.rejectedEntry(_, let type, let reason) {
            // The ledger checks each entry as its readers will, before signing; a lot it refuses
            // (e.g. too many photos for one entry) is reported and the batch goes on.
            let refusal = Message("its {type} entry was refused before signing: {reason}", ["type": .text(type), "reason": .message(reason)])
            return GradingSummary.LotSummary(
                lot: lot.code, farmID: lot.farmID, originCode: lot.originCode, status: .refused, photos: results.count,
                grade: lotGrade, distribution: distribution, needsReview: review, unreadable: unreadableCount, held: held,
                uploadDigest: digest, lotSeq: nil, gradingSeq: nil, refusal: refusal.description, refusalMessage: refusal,
                lotConfidenceBP: confidence, farmName: lot.farmName)
        }
        var lotSeq: Int?, gradingSeq: Int?
        if case let .appended(l, g) = outcome { lotSeq = l; gradingSeq = g }
        return GradingSummary.LotSummary(
            lot: lot.code, farmID: lot.farmID, originCode: lot.originCode,
            status: outcome == .alreadyRecorded ? .alreadyRecorded : .recorded, photos: results.count,
            grade: lotGrade, distribution: distribution, needsReview: review, unreadable: unreadableCount, held: held,
            uploadDigest: digest, lotSeq: lotSeq, gradingSeq: gradingSeq, lotConfidenceBP: confidence, farmName: lot.farmName)
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
