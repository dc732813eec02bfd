/// The languages every user-facing text comes in. English is the source language: message ids
/// are the English texts, so English needs no catalogue.
public enum Language: String, CaseIterable, Sendable {
    case vietnamese = "vi"
    case english = "en"

    /// The BCP 47 tag, for `<html lang=...>`.
    public var tag: String { rawValue }

    /// The language named by a POSIX locale value (`vi_VN.UTF-8`, `vi`, `en_US`, `C`): `vi*` is
    /// Vietnamese, anything else English.
    public init(localeValue: String) {
        self = localeValue.lowercased().hasPrefix("vi") ? .vietnamese : .english
    }
}
