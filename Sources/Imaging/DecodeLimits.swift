/// Upper bounds checked before any large allocation. File size is checked before reading a
/// file; pixel count (stored width x height from the header) before any pixel buffer exists.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest accepted file, in bytes.
    public var maxBytes: Int
    /// Largest accepted stored width x height.
    public var maxPixels: Int

    public init(maxBytes: Int, maxPixels: Int) {
        precondition(maxBytes > 0 && maxPixels > 0, "limits must be positive")
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
    }

    /// 50 MiB and 64 megapixels: room for any phone photo (12-50 MP JPEGs are 2-20 MB), while a
    /// full RGB decode stays under 200 MB.
    public static let `default` = DecodeLimits(maxBytes: 50 << 20, maxPixels: 64_000_000)
}
