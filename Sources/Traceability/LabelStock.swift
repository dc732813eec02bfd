/// Label stock the renderer lays out for, at 300 dpi (thermal label printers' usual resolution).
///
/// Each stock fixes the page, the QR code's square (symbol plus its 4-module quiet zone) on the
/// left, the text column on the right and the type sizes: text shrinks from the largest size to
/// the smallest before it wraps or is shortened. The smallest sizes keep an x-height of at least
/// 1 mm (50x30) and 1.4 mm (100x60); Noto Sans's x-height is 0.536 em.
public enum LabelStock: String, CaseIterable, Sendable {
    case small = "50x30"
    case large = "100x60"

    public static let dotsPerInch = 300

    public var millimetres: (width: Int, height: Int) {
        switch self {
        case .small: return (50, 30)
        case .large: return (100, 60)
        }
    }

    /// Page size in pixels at 300 dpi, rounded to the nearest pixel (50 mm = 591 px).
    public var pixelWidth: Int { Self.pixels(millimetres: millimetres.width) }
    public var pixelHeight: Int { Self.pixels(millimetres: millimetres.height) }

    public static func pixels(millimetres: Int) -> Int { (millimetres * Self.dotsPerInch * 10 + 127) / 254 }

    /// White border on every side (thermal printers do not print to the edge).
    var margin: Int { self == .small ? 14 : 28 }
    /// Side of the QR code's square, quiet zone included.
    var qrSide: Int { self == .small ? 236 : 472 }
    /// Smallest QR module that phones still scan from a box (about 0.34 mm); a longer URI needs a
    /// denser code than that and is refused rather than printed unscannable.
    var minimumModule: Int { self == .small ? 4 : 6 }

    /// Type sizes in pixels per em: (largest, smallest).
    var headingSizes: (max: Int, min: Int) { self == .small ? (30, 22) : (56, 30) }
    var bodySizes: (max: Int, min: Int) { self == .small ? (28, 22) : (50, 30) }
    var footerSizes: (max: Int, min: Int) { self == .small ? (20, 18) : (34, 26) }
}
