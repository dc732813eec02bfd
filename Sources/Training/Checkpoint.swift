import Foundation

/// A training run's full state after an epoch, for `--resume`.
///
/// Layout: the 8 bytes "AGTCKPT1", a little-endian UInt32 header length, the JSON header, then
/// float32 little-endian arrays in order: every network parameter/buffer (see
/// `TrainableNetwork.parameters`), then every optimiser state array. Array lengths are in the header.
struct Checkpoint {
    struct Header: Codable {
        var options: TrainingOptions
        var labels: [String]
        var completedEpochs: Int
        var bestMacroF1: Double
        var bestEpoch: Int
        var optimizerSteps: Int
        var history: [EpochReport]
        var parameterCounts: [Int]
        var optimizerStateCounts: [Int]
    }

    static let magic = Array("AGTCKPT1".utf8)

    var header: Header
    var parameters: [[Float]]
    var optimizerState: [[Float]]

    init(trainer: Trainer) {
        parameters = trainer.network.parameters.map(\.value)
        optimizerState = trainer.optimizer.state
        header = Header(options: trainer.options, labels: trainer.folder.labels, completedEpochs: trainer.completedEpochs,
                        bestMacroF1: trainer.bestScore, bestEpoch: trainer.bestEpoch,
                        optimizerSteps: trainer.optimizer.stepCount, history: trainer.history,
                        parameterCounts: parameters.map(\.count), optimizerStateCounts: optimizerState.map(\.count))
    }

    func write(to url: URL) throws {
        let json = try JSONEncoder().encode(header)
        var data = Data(Self.magic)
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for array in parameters + optimizerState {
            for value in array { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        // Write beside and rename, so an interrupted write never leaves a half checkpoint.
        let temporary = url.appendingPathExtension("partial")
        do {
            try data.write(to: temporary)
            _ = try? FileManager.default.removeItem(at: url)
            try FileManager.default.moveItem(at: temporary, to: url)
        } catch {
            throw CheckpointError(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    init(contentsOf url: URL) throws {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: url)) } catch {
            throw CheckpointError(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard bytes.count >= 12, Array(bytes[0..<8]) == Self.magic else {
            throw CheckpointError(path: url.path, reason: "not an agritrace training checkpoint")
        }
        let headerLength = Int(UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24)
        guard 12 + headerLength <= bytes.count else { throw CheckpointError(path: url.path, reason: "truncated header") }
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[12..<(12 + headerLength)]))
        } catch {
            throw CheckpointError(path: url.path, reason: "unreadable header: \(error)")
        }
        var offset = 12 + headerLength
        func readArray(_ count: Int) throws -> [Float] {
            guard count >= 0, offset + count * 4 <= bytes.count else {
                throw CheckpointError(path: url.path, reason: "truncated weights")
            }
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count {
                let b = offset + i * 4
                values[i] = Float(bitPattern: UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24)
            }
            offset += count * 4
            return values
        }
        parameters = try header.parameterCounts.map(readArray)
        optimizerState = try header.optimizerStateCounts.map(readArray)
        guard offset == bytes.count else { throw CheckpointError(path: url.path, reason: "trailing bytes") }
    }
}

/// A checkpoint that cannot be read, written or resumed from.
public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "checkpoint \(path): \(reason)" }
}
