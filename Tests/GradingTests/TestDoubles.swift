import Foundation
import LedgerStore
import NeuralNet
import Provenance
@testable import Grading

/// A classifier whose answer is a pure function of the photo bytes, so pipeline tests can check
/// ordering, batching and bookkeeping without a trained model (end-to-end tests use the real one).
struct ByteStatisticsClassifier: PhotoClassifier {
    let modelID = String(repeating: "ab", count: 32)
    let labels = (0..<10).map(String.init)
    /// The default policy's grouping and target, with a threshold between the two kinds of photo below.
    let calibration = try! ModelCalibration(
        temperature: 1, review: .init(classGroups: [0, 0, 1, 1, 1, 2, 2, 2, 3, 3], targetBP: 9000, thresholdBP: 6000), classCount: 10)

    func decode(_ data: Data, fileName: String) throws -> [UInt8] {
        // JPEG starts with FF D8 FF; anything else is "unreadable" like a real decoder would say.
        guard data.count > 3, data[data.startIndex] == 0xFF, data[data.startIndex + 1] == 0xD8 else {
            throw FakeDecodeError(file: fileName)
        }
        return Array(data.suffix(64))
    }

    func classify(_ batch: [[UInt8]]) throws -> [[Float]] {
        batch.map { pixels in
            let winner = Int(pixels.reduce(0) { $0 &+ UInt32($1) } % 10)
            // Every fourth class is uncertain so needs-review paths are exercised.
            let top: Float = winner % 4 == 3 ? 0.4 : 0.91
            return (0..<10).map { $0 == winner ? top : (1 - top) / 9 }
        }
    }
}

struct FakeDecodeError: Error, CustomStringConvertible {
    let file: String
    var description: String { "\(file): not a JPEG file" }
}

/// An in-memory ledger with the same idempotency rule as the real one.
final class MemoryLedger: GradingLedger {
    var originRecords: [OriginRecord] = []
    var origins: [String] { originRecords.map(\.originCode) }
    var lots: [LotRecord] = []
    var gradings: [GradingRecord] = []
    var size = 0
    var cooperative: String? = "HTX-LAI-VUNG"

    func configuredCooperative() throws -> String? { cooperative }
    func originRegistration(_ code: String) throws -> OriginRecord? { originRecords.first { $0.originCode == code } }
    func register(origins new: [OriginRecord]) throws -> Int {
        let fresh = new.filter { !origins.contains($0.originCode) }
        originRecords += fresh
        size += fresh.count
        return fresh.count
    }
    func isLotRecorded(_ lotCode: String) throws -> Bool { lots.contains { $0.lotCode == lotCode } }
    func recordedUpload(lotCode: String, uploadDigest: String) throws -> RecordedUpload? {
        guard let index = gradings.firstIndex(where: { $0.lotCode == lotCode && $0.uploadDigest == uploadDigest }) else { return nil }
        return RecordedUpload(lotSeq: nil, gradingSeq: index, grading: gradings[index])
    }
    func append(lot: LotRecord, grading: GradingRecord) throws -> LotAppendOutcome {
        if try recordedUpload(lotCode: lot.lotCode, uploadDigest: grading.uploadDigest!) != nil { return .alreadyRecorded }
        lots.append(lot)
        gradings.append(grading)
        size += 2
        return .appended(lotSeq: size - 2, gradingSeq: size - 1)
    }
    func treeSize() throws -> Int { size }
}

final class RecordingObserver: GradingObserver {
    var results: [PhotoResult] = []
    var phases: [String] = []
    var lastProgress = 0
    func begin(phase: String, total: Int) { phases.append("\(phase):\(total)") }
    func progress(done: Int) { lastProgress = done }
    func record(_ result: PhotoResult) { results.append(result) }
    func end(phase: String) {}
}
