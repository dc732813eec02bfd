/// Upper bounds checked before any large allocation. File size is checked before reading a
/// file; pixel count (stored width x height from the header) before any pixel buffer exists.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest accepted file, in bytes.
    public var maxBytes: Int
    /// Largest accepted stored width x height.
    public var maxPixels: Int
    /// Largest accepted width x height of an interlaced PNG. Its rows arrive in seven passes, so it
    /// is decoded whole (RGB plus an RGBA copy when it has alpha: up to 7 bytes a pixel) instead of
    /// row by row; 4 megapixels keep that under 30 MB per decode. Cameras do not write interlaced PNGs.
    public var maxInterlacedPixels: Int

    public init(maxBytes: Int, maxPixels: Int, maxInterlacedPixels: Int = 4 << 20) {
        precondition(maxBytes > 0 && maxPixels > 0 && maxInterlacedPixels > 0, "limits must be positive")
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
        self.maxInterlacedPixels = maxInterlacedPixels
    }

    /// 50 MiB and 64 megapixels: room for any phone photo (12-50 MP JPEGs are 2-20 MB), while a
    /// full RGB decode stays under 200 MB (the network-input path holds far less: see `ImageDecoder`).
    public static let `default` = DecodeLimits(maxBytes: 50 << 20, maxPixels: 64_000_000)
}
