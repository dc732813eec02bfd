/// A lot of an upload: the manifest rows sharing a `lot_code`, which agree on everything but the
/// photo (and free-text notes).
public struct Lot: Sendable, Equatable {
    public let code: String
    public let originCode: String
    public let farmID: String
    public let crop: String
    public let harvestDate: String
    public let gtin: String
    public let quantityKg: String
    public let farmName: String
    public let commune: String
    public let district: String
    public let province: String
    /// The rows' distinct non-empty notes, in manifest order.
    public let notes: [String]
    /// The lot's photos in manifest order.
    public let photos: [Manifest.Row]

    init(rows: [Manifest.Row]) {
        let first = rows[0]
        code = first.lotCode
        originCode = first.originCode
        farmID = first.farmID
        crop = first.crop
        harvestDate = first.harvestDate
        gtin = first.gtin
        quantityKg = first.quantityKg
        farmName = first.farmName
        commune = first.commune
        district = first.district
        province = first.province
        var seen = Set<String>()
        notes = rows.map(\.notes).filter { !$0.isEmpty && seen.insert($0).inserted }
        photos = rows
    }

    /// The fields every row of one lot must agree on, by manifest column name.
    static var agreeingColumns: [(String, KeyPath<Manifest.Row, String>)] { [
        ("origin_code", \.originCode), ("farm_id", \.farmID), ("crop", \.crop), ("harvest_date", \.harvestDate),
        ("gtin", \.gtin), ("quantity_kg", \.quantityKg), ("farm_name", \.farmName), ("commune", \.commune),
        ("district", \.district), ("province", \.province),
    ] }
}
