/// What one epoch achieved; printed as a progress line and kept in checkpoints.
public struct EpochReport: Codable, Sendable, Equatable {
    public var epoch: Int
    public var loss: Double
    public var trainingAccuracy: Double
    public var validationAccuracy: Double
    public var validationMacroF1: Double
    public var seconds: Double

    public func line(totalEpochs: Int, bestMacroF1: Double, bestEpoch: Int, etaSeconds: Double) -> String {
        func percent(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
        return "epoch \(epoch)/\(totalEpochs)  loss \(String(format: "%.4f", loss))  train acc \(percent(trainingAccuracy))"
            + "  val acc \(percent(validationAccuracy))  val macro-F1 \(String(format: "%.4f", validationMacroF1))"
            + "  best \(String(format: "%.4f", bestMacroF1)) (epoch \(bestEpoch))"
            + "  time \(String(format: "%.1f", seconds))s  ETA \(Self.duration(etaSeconds))"
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}

import Foundation
