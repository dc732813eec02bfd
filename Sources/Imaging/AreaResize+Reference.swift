extension AreaResize {
    /// The plain twin of `resize`: for every output pixel, integrates the covered source
    /// rectangle directly in Double with real-valued interval ends. Slow; for tests.
    public static func resizeReference(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        let scaleX = Double(image.width) / Double(width), scaleY = Double(image.height) / Double(height)
        var result = RGBImage(width: width, height: height)
        for oy in 0..<height {
            let top = Double(oy) * scaleY, bottom = Double(oy + 1) * scaleY
            for ox in 0..<width {
                let left = Double(ox) * scaleX, right = Double(ox + 1) * scaleX
                var sum = (0.0, 0.0, 0.0)
                for sy in 0..<image.height {
                    let coverY = min(bottom, Double(sy + 1)) - max(top, Double(sy))
                    if coverY <= 0 { continue }
                    for sx in 0..<image.width {
                        let coverX = min(right, Double(sx + 1)) - max(left, Double(sx))
                        if coverX <= 0 { continue }
                        let weight = coverX * coverY / (scaleX * scaleY)
                        let p = image[sx, sy]
                        sum.0 += weight * Double(p.r)
                        sum.1 += weight * Double(p.g)
                        sum.2 += weight * Double(p.b)
                    }
                }
                func byte(_ v: Double) -> UInt8 { UInt8(min(max(v.rounded(.toNearestOrEven), 0), 255)) }
                result[ox, oy] = (byte(sum.0), byte(sum.1), byte(sum.2))
            }
        }
        return result
    }
}
