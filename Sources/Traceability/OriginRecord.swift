/// A registered growing area (`origin` entry).
public struct OriginRecord: Sendable {
    public let entry: RecordedEntry
    public var originCode: String { entry.string("origin_code", "code") ?? "?" }
    public var farmID: String? { entry.string("farm_id", "farm") }
    public var farmName: String? { entry.string("farm_name") }
    public var commune: String? { entry.string("commune") }
    public var district: String? { entry.string("district") }
    public var province: String? { entry.string("province") }
    public var crop: String? { entry.string("crop") }

    public init?(_ entry: RecordedEntry) {
        guard entry.type == "origin" else { return nil }
        self.entry = entry
    }

    /// "Tân Thành, Lai Vung" style location from whichever parts are recorded.
    public var location: String? {
        let parts = [commune, district, province].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// "F-LV-014 (Nguyễn Văn Ba)" or whichever part is known.
    public var farmDescription: String? { FarmName.describe(id: farmID, name: farmName) }
}

enum FarmName {
    static func describe(id: String?, name: String?) -> String? {
        switch (id, name) {
        case let (id?, name?): return "\(id) (\(name))"
        case let (id?, nil): return id
        case let (nil, name?): return name
        case (nil, nil): return nil
        }
    }
}
