import Deterministic
import Foundation

/// Random photometric and geometric changes applied to each training sample, drawn from a
/// per-sample seeded stream so a batch is the same whichever thread builds it.
///
/// Hue is deliberately never changed: colour is what tells ripeness grades apart.
public struct Augmentation: Sendable, Equatable {
    public var horizontalFlip = true
    /// Photos are taken from above, so upside-down is as plausible as mirrored.
    public var verticalFlip = true
    public var maxRotationDegrees: Float = 15
    public var scaleRange: ClosedRange<Float> = 0.9...1.1
    /// As a fraction of the image size.
    public var maxShift: Float = 0.06
    public var brightness: Float = 0.12
    public var contrast: Float = 0.12
    public var saturation: Float = 0.12

    public init() {}

    /// No change: the validation/inference path.
    public static let none: Augmentation = {
        var a = Augmentation()
        a.horizontalFlip = false; a.verticalFlip = false; a.maxRotationDegrees = 0
        a.scaleRange = 1...1; a.maxShift = 0; a.brightness = 0; a.contrast = 0; a.saturation = 0
        return a
    }()

    /// Writes one normalised NHWC image (size×size×3 floats) from an RGB8 source of the same size.
    /// Pixels mapped from outside the photo become white, the FGrade background.
    public func apply(_ source: UnsafePointer<UInt8>, size: Int, mean: [Float], std: [Float],
                      random: inout SeededRandom, into destination: UnsafeMutablePointer<Float>) {
        let flipX: Float = horizontalFlip && random.nextUnit() < 0.5 ? -1 : 1
        let flipY: Float = verticalFlip && random.nextUnit() < 0.5 ? -1 : 1
        let angle = random.uniform(-maxRotationDegrees, maxRotationDegrees) * .pi / 180
        let scale = random.uniform(scaleRange.lowerBound, scaleRange.upperBound)
        let shiftX = random.uniform(-maxShift, maxShift) * Float(size)
        let shiftY = random.uniform(-maxShift, maxShift) * Float(size)
        let brightnessFactor = 1 + random.uniform(-brightness, brightness)
        let contrastFactor = 1 + random.uniform(-contrast, contrast)
        let saturationFactor = 1 + random.uniform(-saturation, saturation)
        let isIdentity = flipX == 1 && flipY == 1 && angle == 0 && scale == 1 && shiftX == 0 && shiftY == 0

        let pixels = size * size
        var rgb = [Float](repeating: 1, count: pixels * 3)
        if isIdentity {
            for i in 0..<(pixels * 3) { rgb[i] = Float(source[i]) / 255 }
        } else {
            // Inverse map: destination pixel → source position (rotate, scale, shift about the centre).
            let centre = Float(size - 1) / 2
            let cosA = cos(angle) / scale, sinA = sin(angle) / scale
            for y in 0..<size {
                for x in 0..<size {
                    let u = (Float(x) - centre) * flipX - shiftX, v = (Float(y) - centre) * flipY - shiftY
                    let sx = cosA * u + sinA * v + centre, sy = -sinA * u + cosA * v + centre
                    sampleBilinear(source, size: size, x: sx, y: sy, into: &rgb, at: (y * size + x) * 3)
                }
            }
        }
        if contrast > 0 || brightness > 0 || saturation > 0 {
            var meanLuma: Float = 0
            for p in 0..<pixels { meanLuma += 0.299 * rgb[p * 3] + 0.587 * rgb[p * 3 + 1] + 0.114 * rgb[p * 3 + 2] }
            meanLuma /= Float(pixels)
            for p in 0..<pixels {
                var r = rgb[p * 3] * brightnessFactor, g = rgb[p * 3 + 1] * brightnessFactor, b = rgb[p * 3 + 2] * brightnessFactor
                r = (r - meanLuma * brightnessFactor) * contrastFactor + meanLuma * brightnessFactor
                g = (g - meanLuma * brightnessFactor) * contrastFactor + meanLuma * brightnessFactor
                b = (b - meanLuma * brightnessFactor) * contrastFactor + meanLuma * brightnessFactor
                let luma = 0.299 * r + 0.587 * g + 0.114 * b
                rgb[p * 3] = luma + (r - luma) * saturationFactor
                rgb[p * 3 + 1] = luma + (g - luma) * saturationFactor
                rgb[p * 3 + 2] = luma + (b - luma) * saturationFactor
            }
            for i in rgb.indices { rgb[i] = min(max(rgb[i], 0), 1) }
        }
        for p in 0..<pixels {
            for c in 0..<3 { destination[p * 3 + c] = (rgb[p * 3 + c] - mean[c]) / std[c] }
        }
    }

    private func sampleBilinear(_ source: UnsafePointer<UInt8>, size: Int, x: Float, y: Float,
                                into rgb: inout [Float], at offset: Int) {
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = x - Float(x0), fy = y - Float(y0)
        for c in 0..<3 {
            func pixel(_ px: Int, _ py: Int) -> Float {
                px < 0 || py < 0 || px >= size || py >= size ? 1 : Float(source[(py * size + px) * 3 + c]) / 255
            }
            let top = pixel(x0, y0) * (1 - fx) + pixel(x0 + 1, y0) * fx
            let bottom = pixel(x0, y0 + 1) * (1 - fx) + pixel(x0 + 1, y0 + 1) * fx
            rgb[offset + c] = top * (1 - fy) + bottom * fy
        }
    }
}
