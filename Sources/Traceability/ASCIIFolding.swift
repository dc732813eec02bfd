import Foundation

/// Folds text to printable ASCII for the label's bitmap font.
///
/// Vietnamese letters keep their base letter ("Bến Tre" → "Ben Tre", "Đồng Tháp" → "Dong Thap"):
/// canonical decomposition, combining marks dropped, and đ/Đ (which do not decompose) mapped
/// by hand. Anything still outside ASCII becomes '?'. The exact text stays in the ledger
/// entry and the proof file; the label says so when it had to fold.
public enum ASCIIFolding {
    public static func fold(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.value {
            case 0x20...0x7E: out.append(scalar)
            case 0x0300...0x036F: continue   // combining diacritical marks
            case 0x0110: out.append("D")     // Đ
            case 0x0111: out.append("d")     // đ
            case 0x09, 0x0A, 0x0D: out.append(" ")
            default: out.append("?")
            }
        }
        return String(out)
    }

    /// Whether `fold` changes the text.
    public static func needsFolding(_ text: String) -> Bool {
        !text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) }
    }
}
