/// A lot of produce (`lot` entry): where and when it was harvested and who holds it.
public struct LotRecord: Sendable {
    public let entry: RecordedEntry
    public var lotCode: String { entry.string("lot_code", "lot") ?? "?" }
    public var originCode: String? { entry.string("origin_code", "origin") }
    public var farmID: String? { entry.string("farm_id", "farm") }
    public var farmName: String? { entry.string("farm_name") }
    public var cooperative: String? { entry.string("cooperative", "cooperative_id") }
    public var crop: String? { entry.string("crop") }
    public var harvestDate: String? { entry.string("harvest_date") }
    public var gtin: String? { entry.string("gtin") }
    /// Quantity in kilograms; the ledger stores integers only, in kilograms or grams.
    public var quantityKilograms: Int? {
        if let kg = entry.int("quantity_kg") { return kg }
        if let grams = entry.int("quantity_g") { return grams / 1000 }
        return nil
    }

    public init?(_ entry: RecordedEntry) {
        guard entry.type == "lot" else { return nil }
        self.entry = entry
    }

    /// The recorded Digital Link URI when the ledger holds one, else the one derived from the GTIN.
    public var identifier: LotIdentifier {
        if let stored = entry.string("digital_link", "gs1_digital_link", "uri"), let parsed = LotIdentifier(uri: stored) {
            return parsed
        }
        return LotIdentifier(lot: lotCode, gtin: gtin)
    }

    public var farmDescription: String? { FarmName.describe(id: farmID, name: farmName) }
}
