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
    /// Largest accepted width x height of a progressive JPEG. libjpeg keeps every DCT coefficient
    /// of a multi-scan file until its last scan, even when decoding at 1/8 scale: 3 bytes a pixel
    /// for 4:2:0 colour, up to 8 for CMYK, so 16 megapixels cost 48-128 MB per decode. Phone
    /// cameras write baseline JPEGs, which libjpeg decodes a few rows at a time.
    public var maxProgressiveJPEGPixels: Int

    public init(maxBytes: Int, maxPixels: Int, maxInterlacedPixels: Int = 4 << 20, maxProgressiveJPEGPixels: Int = 16 << 20) {
        precondition(maxBytes > 0 && maxPixels > 0 && maxInterlacedPixels > 0 && maxProgressiveJPEGPixels > 0,
                     "limits must be positive")
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
        self.maxInterlacedPixels = maxInterlacedPixels
        self.maxProgressiveJPEGPixels = maxProgressiveJPEGPixels
    }

    /// 50 MiB and 64 megapixels: room for any phone photo (12-50 MP JPEGs are 2-20 MB), while a
    /// full RGB decode stays under 200 MB (the network-input path holds far less: see `ImageDecoder`).
    public static let `default` = DecodeLimits(maxBytes: 50 << 20, maxPixels: 64_000_000)
}
