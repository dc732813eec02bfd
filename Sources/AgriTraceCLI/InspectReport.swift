import Foundation
import Imaging

/// One file's inspection result.
struct InspectReport {
    let file: String
    var bytes: Int?
    var header: ImageInfo?
    var status = "error"
    var error: ImageDecodingError?

    func textLine() -> String {
        var parts: [String] = []
        if let header {
            var description = "\(header.format.displayName) \(header.width)x\(header.height)"
            if header.orientation != .up {
                description += " (stored \(header.storedWidth)x\(header.storedHeight))"
            }
            description += ", orientation \(header.orientation.rawValue), \(header.colorModel.rawValue) \(header.bitDepth)-bit"
            if header.isProgressive { description += header.format == .png ? ", interlaced" : ", progressive" }
            parts.append(description)
            if let claimed = header.mislabelledAs {
                parts.append("mislabelled: content is \(header.format.displayName), name says \(claimed.displayName)")
            }
        }
        parts.append(status == "ok" ? "ok" : "error: \(error?.reasonText ?? "unknown")")
        return "\(file): " + parts.joined(separator: "; ")
    }

    func jsonLine() -> String {
        var object: [String: Any] = ["file": file, "status": status]
        if let bytes { object["bytes"] = bytes }
        if let header {
            object["format"] = header.format.rawValue
            object["width"] = header.width
            object["height"] = header.height
            object["stored_width"] = header.storedWidth
            object["stored_height"] = header.storedHeight
            object["orientation"] = header.orientation.rawValue
            object["color"] = header.colorModel.rawValue
            object["bit_depth"] = header.bitDepth
            object["progressive"] = header.isProgressive
            object["transparency"] = header.hasTransparency
            if let claimed = header.mislabelledAs { object["mislabelled_as"] = claimed.rawValue }
        }
        if let error {
            object["reason"] = error.reasonText
            object["error_kind"] = Self.kind(error.reason)
            if let message = error.libraryMessage { object["library_message"] = message }
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func kind(_ reason: ImageDecodingError.Reason) -> String {
        switch reason {
        case .emptyFile: "empty"
        case .fileTooLarge: "file_too_large"
        case .notFound: "not_found"
        case .unreadable: "unreadable"
        case .unrecognisedFormat: "unrecognised_format"
        case .tooManyPixels, .multiPassTooLarge: "too_many_pixels"
        case .truncated: "truncated"
        case .invalidData: "invalid_data"
        }
    }
}
