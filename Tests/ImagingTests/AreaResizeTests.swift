import Imaging
import Testing
import TestSupport

/// The fast area resize against its plain Double twin, and the scaled-decode fast path against
/// a full decode plus the plain resize.
@Suite struct AreaResizeTests {
    /// Odd, prime, tiny, equal and upscaling shapes. The fast version accumulates in Float with
    /// rational tap weights; the twin in Double. Sums of at most ~50 terms of 255 * weight differ by
    /// < 1e-3, so results differ by at most 1 where a value sits on a .5 rounding boundary.
    @Test(arguments: [(1, 1, 1, 1), (7, 5, 3, 2), (97, 61, 96, 96), (13, 17, 5, 7), (2, 3, 7, 11),
                      (64, 64, 64, 64), (101, 37, 1, 1), (31, 29, 30, 28), (500, 375, 96, 96), (9, 1, 4, 1),
                      (300, 1001, 3, 1), (2, 999, 5, 3)])
    func matchesReference(_ shape: (Int, Int, Int, Int)) {
        let (sw, sh, dw, dh) = shape
        let source = ImageFixtures.randomImage(width: sw, height: sh, seed: UInt64(sw * 1000 + sh))
        let fast = AreaResize.resize(source, width: dw, height: dh)
        let reference = AreaResize.resizeReference(source, width: dw, height: dh)
        #expect(fast.width == dw && fast.height == dh)
        for i in fast.pixels.indices where abs(Int(fast.pixels[i]) - Int(reference.pixels[i])) > 1 {
            Issue.record("\(sw)x\(sh)->\(dw)x\(dh): byte \(i) (pixel \(i / 3)) fast \(fast.pixels[i]) reference \(reference.pixels[i])")
            return
        }
    }

    @Test func constantImageStaysConstant() {
        var source = RGBImage(width: 37, height: 23)
        for i in stride(from: 0, to: source.pixels.count, by: 3) {
            source.pixels[i] = 255; source.pixels[i + 1] = 0; source.pixels[i + 2] = 77
        }
        let resized = AreaResize.resize(source, width: 10, height: 9)
        for y in 0..<9 { for x in 0..<10 { #expect(resized[x, y] == (255, 0, 77)) } }
    }

    @Test func integerFactorIsThePlainBlockMean() {
        let source = ImageFixtures.randomImage(width: 8, height: 6, seed: 9)
        let resized = AreaResize.resize(source, width: 4, height: 3)
        for y in 0..<3 {
            for x in 0..<4 {
                var sum = 0
                for dy in 0..<2 { for dx in 0..<2 { sum += Int(source[2 * x + dx, 2 * y + dy].g) } }
                // Round to nearest, ties to even: the mean is exact in Float (quarters).
                let mean = (Double(sum) / 4).rounded(.toNearestOrEven)
                #expect(Double(resized[x, y].g) == mean, "block (\(x), \(y)): \(resized[x, y].g) vs \(mean)")
            }
        }
    }

    /// Decoding at a DCT scale then resizing must match a full decode plus the plain resize up to
    /// the scaled IDCT's error. libjpeg's scaled IDCT reconstructs from the low-frequency
    /// coefficients, which is sharper than a box filter and rings at hard edges (this photo is a
    /// fruit on a white background), so single samples can differ by up to ~100. Measured on these
    /// fixtures: mean difference 0-1.9, at most 2.4 % of samples off by more than 16. The bounds
    /// (mean < 2.5, < 5 % off by > 16) still catch a misaligned, mis-scaled or mirrored result:
    /// the same photo shifted by one output pixel already gives a mean difference above 4.
    @Test(arguments: [(96, 96), (64, 48), (139, 100), (35, 25), (279, 200), (300, 10)])
    func scaledDecodeMatchesFullDecodePlusResize(_ target: (Int, Int)) throws {
        for name in ["photo.jpg", "photo-progressive.jpg", "photo-gray.jpg", "photo-cmyk.jpg"] {
            let data = try ImageFixtures.bytes("images/\(name)")
            let fast = try ImageDecoder.decode(data: data, fileName: name, targetWidth: target.0, targetHeight: target.1)
            let full = try ImageDecoder.decode(data: data, fileName: name)
            let reference = AreaResize.resizeReference(full, width: target.0, height: target.1)
            #expect(fast.width == target.0 && fast.height == target.1)
            let (mean, _) = ImageFixtures.difference(fast, reference)
            let far = zip(fast.pixels, reference.pixels).filter { abs(Int($0) - Int($1)) > 16 }.count
            let farFraction = Double(far) / Double(fast.pixels.count)
            #expect(mean < 2.5 && farFraction < 0.05, "\(name) -> \(target): mean \(mean), \(farFraction * 100) % off by > 16")
        }
    }

    /// The negative control behind the bounds above.
    @Test func oneOutputPixelShiftExceedsTheScaledDecodeBounds() throws {
        let full = try ImageDecoder.decode(data: ImageFixtures.bytes("images/photo.jpg"), fileName: "p.jpg")
        let reference = AreaResize.resizeReference(full, width: 96, height: 96)
        var shifted = reference
        for y in 0..<96 { for x in 1..<96 { shifted[x, y] = reference[x - 1, y] } }
        #expect(ImageFixtures.difference(shifted, reference).mean > 4)
    }

    @Test func pngFastPathIsFullDecodePlusResize() throws {
        let data = try ImageFixtures.bytes("pngsuite/basn2c08.png")
        let fast = try ImageDecoder.decode(data: data, fileName: "p.png", targetWidth: 12, targetHeight: 7)
        let full = try ImageDecoder.decode(data: data, fileName: "p.png")
        #expect(fast == AreaResize.resize(full, width: 12, height: 7))
    }
}
