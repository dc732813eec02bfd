import Foundation
import LedgerStore
import NeuralNet
import Provenance
import Testing
import TestSupport
@testable import Grading

@Suite struct BatchGraderTests {
    let policy = try! GradingPolicy.bundledDefault()

    func grader(_ ledger: MemoryLedger, jobs: Int = 2, batchSize: Int = 3, register: Bool = true) -> BatchGrader {
        BatchGrader(classifier: ByteStatisticsClassifier(), policy: policy, ledger: ledger,
                    options: .init(jobs: jobs, batchSize: batchSize, maxInFlight: 8, registerOrigins: register))
    }

    @Test func gradesEveryLotAndRecordsOneLotAndOneGradingEach() throws {
        let ledger = MemoryLedger()
        let observer = RecordingObserver()
        let summary = try grader(ledger).grade(try Upload(url: FixtureFiles.url("uploads/sample")), observer: observer)
        #expect(ledger.origins == ["VN-DTOR-0141", "VN-DTOR-0157", "VN-DTOR-0203", "VN-DTOR-0318"])
        #expect(ledger.lots.map(\.lotCode) == summary.lots.map(\.lot))
        #expect(ledger.gradings.map(\.images.count) == [8, 8, 8, 6, 10])
        #expect(summary.ledger == .init(entriesWritten: 14, originsRegistered: 4, treeSize: 14))
        #expect(summary.photosGraded == 40)
        #expect(observer.results.map(\.file) == ledger.gradings.flatMap { $0.images.map(\.file) })
        #expect(observer.phases == ["grading:40"])
        #expect(ledger.lots[0].quantityGrams == 850_000)
        #expect(ledger.lots[0].cooperative == "HTX-LAI-VUNG")
        #expect(ledger.gradings.allSatisfy { $0.policy == policy.sha256 && $0.model == String(repeating: "ab", count: 32) })
        #expect(zip(ledger.lots, ledger.gradings).allSatisfy { lot, grading in lot.uploadDigest != nil && lot.uploadDigest == grading.uploadDigest })
        // Each photo's recorded grade is the policy's grade of its class; distributions add up; a photo
        // needs review exactly when its grade's recorded probability is under the model's threshold; the
        // lot's grade and hold follow from the recorded scores alone.
        let rule = try #require(policy.reviewRule(of: ByteStatisticsClassifier().calibration))
        for grading in ledger.gradings {
            var counts: [String: Int] = [:]
            var gradeBasisPoints: [[Int]] = []
            for image in grading.images {
                guard case let .graded(photo) = image else { Issue.record("unreadable"); continue }
                #expect(photo.grade == policy.classGrades[photo.classIndex])
                #expect(photo.scoresBasisPoints.count == 10)
                #expect(photo.label == String(photo.classIndex))
                counts[photo.grade, default: 0] += 1
                let grades = policy.gradeBasisPoints(photo.scoresBasisPoints)
                gradeBasisPoints.append(grades)
                #expect(photo.needsReview == (grades[policy.classGroups[photo.classIndex]] < rule.thresholdBP))
            }
            #expect(grading.distribution == Dictionary(uniqueKeysWithValues: policy.grades.map { ($0, counts[$0, default: 0]) }))
            let decision = policy.decideLot(gradeBasisPoints: gradeBasisPoints, reviewRule: rule)
            // The grade, the hold and its reason are the policy's decision for exactly this lot's photos.
            #expect(grading.lotGrade == decision.grade && grading.held == decision.held && grading.holdReason == decision.hold,
                    "\(grading.lotCode)")
        }
        #expect(ledger.gradings.contains { $0.needsReview > 0 } && ledger.gradings.contains { $0.needsReview < $0.images.count })
    }

    /// A model without a review threshold chosen on validation decides nothing on its own.
    @Test func anUncalibratedModelSendsEveryPhotoToReviewAndHoldsEveryLot() throws {
        struct Uncalibrated: PhotoClassifier {
            let inner = ByteStatisticsClassifier()
            var modelID: String { inner.modelID }
            var labels: [String] { inner.labels }
            var calibration: ModelCalibration { .uncalibrated }
            func decode(_ data: Data, fileName: String) throws -> [UInt8] { try inner.decode(data, fileName: fileName) }
            func classify(_ batch: [[UInt8]]) throws -> [[Float]] { try inner.classify(batch) }
        }
        let ledger = MemoryLedger()
        let summary = try BatchGrader(classifier: Uncalibrated(), policy: policy, ledger: ledger, options: .init(jobs: 2, registerOrigins: true))
            .grade(try Upload(url: FixtureFiles.url("uploads/sample")))
        #expect(ledger.gradings.count == 5 && ledger.gradings.allSatisfy {
            $0.held && $0.holdReason == .modelNotCalibrated && $0.needsReview == $0.images.count
        })
        #expect(summary.lots.allSatisfy(\.held) && !summary.isClean)
    }

    @Test func resultsDoNotDependOnJobsOrBatchSize() throws {
        let upload = try Upload(url: FixtureFiles.url("uploads/sample"))
        var outputs: [[GradingRecord]] = []
        for (jobs, batch) in [(1, 1), (2, 3), (3, 7)] {
            let ledger = MemoryLedger()
            _ = try grader(ledger, jobs: jobs, batchSize: batch).grade(upload)
            outputs.append(ledger.gradings)
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[1] == outputs[2])
    }

    @Test func reRunningTheSameUploadRecordsNothingNew() throws {
        let ledger = MemoryLedger()
        let upload = try Upload(url: FixtureFiles.url("uploads/sample"))
        let first = try grader(ledger).grade(upload)
        let observer = RecordingObserver()
        let again = try grader(ledger).grade(upload, observer: observer)
        // The re-run reports what the ledger holds for each lot.
        #expect(again.lots.map(\.grade) == first.lots.map(\.grade))
        #expect(again.lots.map(\.distribution) == first.lots.map(\.distribution))
        #expect(again.lots.map(\.needsReview) == first.lots.map(\.needsReview))
        #expect(again.lots.map(\.gradingSeq) == [0, 1, 2, 3, 4])
        // The same verdict as the first run, lot by lot: nothing was decided in between.
        #expect(again.isClean == first.isClean)
        #expect(again.lots.map(\.held) == first.lots.map(\.held))
        #expect(ledger.lots.count == 5)
        #expect(again.ledger.entriesWritten == 0)
        #expect(again.lots.allSatisfy { $0.status == .alreadyRecorded })
        #expect(again.humanReport().contains("Nothing new"))
        #expect(observer.phases == ["hashing:40"])
        #expect(observer.results.count == 40)
        #expect(observer.results.allSatisfy { $0.outcome == .alreadyRecorded && $0.sha256.count == 64 })
    }

    @Test func aZippedUploadIsRecognisedAsTheSameUploadAsItsFolder() throws {
        let ledger = MemoryLedger()
        let zip = try Upload(url: FixtureFiles.url("uploads/good.zip"))
        let first = try grader(ledger).grade(zip)
        #expect(first.lots.map(\.status) == [.recorded])
        // The same three photos and manifest rows as a folder.
        let manifest = try zip.contents(of: zip.manifest!)
        let photos = [UploadFixture.samplePhoto1, UploadFixture.samplePhoto2, "nguyen-van-ba/IMG_20261103_4103.jpg"]
        let fixture = try UploadFixture.with(photos: Dictionary(uniqueKeysWithValues: photos.map { ($0, $0) }),
                                             manifest: String(decoding: manifest, as: UTF8.self))
        defer { fixture.remove() }
        let again = try grader(ledger).grade(try Upload(url: fixture.url))
        #expect(again.lots.map(\.status) == [.alreadyRecorded])
        #expect(again.lots[0].uploadDigest == first.lots[0].uploadDigest)
        #expect(ledger.lots.count == 1)
    }

    @Test func aChangedLotWithARecordedCodeIsRefused() throws {
        let fixture = try UploadFixture.sample()
        defer { fixture.remove() }
        let ledger = MemoryLedger()
        _ = try grader(ledger).grade(try Upload(url: fixture.url))
        // Swap two photos' bytes: same manifest, different content in two lots.
        let a = fixture.url.appendingPathComponent(UploadFixture.samplePhoto1)
        let b = fixture.url.appendingPathComponent(UploadFixture.samplePhoto3)
        let bytesA = try Data(contentsOf: a)
        try Data(contentsOf: b).write(to: a)
        try bytesA.write(to: b)
        let error = try #require(throws: UploadValidationError.self) {
            try grader(ledger).grade(try Upload(url: fixture.url))
        }
        #expect(error.problems.map(\.line) == [2, 10])
        #expect(error.problems.allSatisfy { $0.message.contains("already recorded in the ledger with other photos") })
        #expect(ledger.lots.count == 5)
    }

    /// An origin code registered for another farm or crop is refused before any photo is graded,
    /// also when registering origins (it is registered already, just not for this lot).
    @Test func aLotCannotBorrowTheRegisteredOriginOfAnotherFarmOrCrop() throws {
        for register in [false, true] {
            let ledger = MemoryLedger()
            ledger.originRecords = [OriginRecord(originCode: "VN-DTOR-0141", farmID: "F-OTHER", crop: "xoài")]
            let error = try #require(throws: UploadValidationError.self) {
                try grader(ledger, register: register).grade(try Upload(url: FixtureFiles.url("uploads/sample")))
            }
            let messages = error.problems.map(\.message)
            for lot in ["DT-LV-261103-01", "DT-LV-261105-03"] {
                #expect(messages.contains("lot \(lot): origin VN-DTOR-0141 is registered to farm F-OTHER, not farm F-LV-014"), "\(messages)")
                #expect(messages.contains("lot \(lot): origin VN-DTOR-0141 is registered for xoài, not cà chua"), "\(messages)")
            }
            #expect(ledger.size == 0 && ledger.lots.isEmpty)
        }
    }

    @Test func unregisteredOriginsAreRefusedUnlessRegistering() throws {
        let ledger = MemoryLedger()
        let error = try #require(throws: UploadValidationError.self) {
            try grader(ledger, register: false).grade(try Upload(url: FixtureFiles.url("uploads/sample")))
        }
        #expect(error.problems.count == 4)
        #expect(error.problems[0].description == "manifest.csv:2: origin code VN-DTOR-0141 is not registered in the ledger (register it, or pass --register-origins)")
        #expect(ledger.size == 0)
    }

    @Test func anUnreadablePhotoIsRecordedWithItsHashAndTheRestIsGraded() throws {
        let fixture = try UploadFixture.sample()
        defer { fixture.remove() }
        let broken = Data("this is not a photo".utf8)
        try broken.write(to: fixture.url.appendingPathComponent(UploadFixture.samplePhoto2))
        let ledger = MemoryLedger()
        let summary = try grader(ledger).grade(try Upload(url: fixture.url))
        #expect(summary.unreadable.map(\.file) == [UploadFixture.samplePhoto2])
        #expect(summary.photosGraded == 39)
        #expect(!summary.isClean)
        let image = try #require(ledger.gradings[0].images.first { $0.file == UploadFixture.samplePhoto2 })
        #expect(image == .unreadable(file: UploadFixture.samplePhoto2, sha256: UploadDigest.sha256Hex(broken),
                                     reason: "\(UploadFixture.samplePhoto2): not a JPEG file"))
        #expect(summary.lots[0].unreadable == 1)
        #expect(ledger.gradings[0].distribution.values.reduce(0, +) == 7)
        #expect(ledger.lots.count == 5)
    }

    @Test func aMissingCooperativeIsAnUploadProblem() throws {
        let ledger = MemoryLedger()
        ledger.cooperative = nil
        let error = try #require(throws: UploadValidationError.self) {
            try grader(ledger).grade(try Upload(url: FixtureFiles.url("uploads/good.zip")))
        }
        #expect(error.problems.map(\.message) == ["no cooperative id: pass --cooperative or configure it in the ledger"])
    }
}
