/// What one epoch achieved; printed as a progress line and kept in checkpoints.
public struct EpochReport: Codable, Sendable, Equatable {
    public var epoch: Int
    public var loss: Double
    public var trainingAccuracy: Double
    public var validationAccuracy: Double
    public var validationMacroF1: Double
    public var seconds: Double

    /// The progress line; `best` is the kept epoch's validation macro-F1 and number, nil when
    /// there is no validation split (then no validation figure is printed at all).
    public func line(totalEpochs: Int, best: (macroF1: Double, epoch: Int)?, etaSeconds: Double) -> String {
        func percent(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
        var text = "epoch \(epoch)/\(totalEpochs)  loss \(String(format: "%.4f", loss))  train acc \(percent(trainingAccuracy))"
        if let best {
            text += "  val acc \(percent(validationAccuracy))  val macro-F1 \(String(format: "%.4f", validationMacroF1))"
                + "  best \(String(format: "%.4f", best.macroF1)) (epoch \(best.epoch))"
        } else {
            text += "  (no validation split)"
        }
        return text + "  time \(String(format: "%.1f", seconds))s  ETA \(Self.duration(etaSeconds))"
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}

import Foundation
