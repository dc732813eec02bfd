/// Explicit size limits on an upload, checked before anything large is read or inflated.
///
/// The defaults fit a 5,000-photo upload of 12-megapixel phone JPEGs (3-8 MB each) with room to
/// spare, and refuse archives built to exhaust memory or disk (zip bombs).
public struct UploadLimits: Sendable, Equatable {
    /// Files (zip entries or folder files) in one upload, manifest included.
    public var maxEntries: Int
    /// Bytes of one photo (after inflating, for a zip); the same 50 MiB as `DecodeLimits.default`.
    public var maxFileBytes: Int
    /// Bytes of all files together (after inflating, for a zip).
    public var maxTotalBytes: Int
    /// Bytes of `manifest.csv`.
    public var maxManifestBytes: Int
    /// Data rows in `manifest.csv`.
    public var maxManifestRows: Int
    /// Largest uncompressed/compressed ratio of one zip entry; JPEGs barely compress and a CSV
    /// manifest compresses about 5-20x, so a ratio beyond this is a decompression bomb.
    public var maxCompressionRatio: Int

    public init(maxEntries: Int = 20_000,
                maxFileBytes: Int = 50 << 20,
                maxTotalBytes: Int = 64 << 30,
                maxManifestBytes: Int = 16 << 20,
                maxManifestRows: Int = 20_000,
                maxCompressionRatio: Int = 100) {
        self.maxEntries = maxEntries
        self.maxFileBytes = maxFileBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxManifestBytes = maxManifestBytes
        self.maxManifestRows = maxManifestRows
        self.maxCompressionRatio = maxCompressionRatio
    }

    public static let `default` = UploadLimits()
}
