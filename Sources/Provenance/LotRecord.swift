import LedgerStore
import Localization

/// `lot` entry: a harvested lot from a registered origin, delivered to a cooperative.
public struct LotRecord: Sendable, Equatable {
    public var lotCode: String
    public var originCode: String
    public var farmID: String
    public var cooperative: String
    public var crop: String
    /// `YYYY-MM-DD`.
    public var harvestDate: String
    /// Integer grams (entries hold no fractions).
    public var quantityGrams: Int?
    /// GTIN-14; when present the lot's GS1 Digital Link URI is recorded too.
    public var gtin: String?
    /// The upload that recorded the lot (hex SHA-256, see `IdempotencyKey`).
    public var uploadDigest: String?

    public init(lotCode: String, originCode: String, farmID: String, cooperative: String, crop: String,
                harvestDate: String, quantityGrams: Int? = nil, gtin: String? = nil, uploadDigest: String? = nil) {
        self.lotCode = lotCode
        self.originCode = originCode
        self.farmID = farmID
        self.cooperative = cooperative
        self.crop = crop
        self.harvestDate = harvestDate
        self.quantityGrams = quantityGrams
        self.gtin = gtin
        self.uploadDigest = uploadDigest
    }

    /// `https://id.gs1.org/01/<GTIN-14>/10/<lot>` when a GTIN is known.
    public var digitalLinkURI: String? {
        gtin.map { Identifiers.digitalLinkURI(gtin: $0, lotCode: lotCode) }
    }

    var fields: [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "lot_code": .string(lotCode), "origin_code": .string(originCode), "farm_id": .string(farmID),
            "cooperative": .string(cooperative), "crop": .string(crop), "harvest_date": .string(harvestDate),
        ]
        fields["quantity_g"] = quantityGrams.map { .integer(Int64($0)) }
        fields["gtin"] = gtin.map(JSONValue.string)
        fields["gs1_uri"] = digitalLinkURI.map(JSONValue.string)
        fields["upload_digest"] = uploadDigest.map(JSONValue.string)
        return fields
    }

    init(reading reader: inout FieldReader) throws {
        lotCode = try reader.string("lot_code")
        try Identifiers.checkLotCode(lotCode, field: "lot_code")
        originCode = try reader.string("origin_code")
        try Identifiers.checkOriginCode(originCode, field: "origin_code")
        farmID = try reader.text("farm_id")
        cooperative = try reader.text("cooperative")
        crop = try reader.text("crop")
        harvestDate = try reader.string("harvest_date")
        try Identifiers.checkDate(harvestDate, field: "harvest_date")
        quantityGrams = try reader.optionalInteger("quantity_g")
        if let quantity = quantityGrams, quantity < 0 { throw EntryError.invalidField(field: "quantity_g", reason: Message("must not be negative")) }
        gtin = try reader.optionalString("gtin")
        if let gtin { try Identifiers.checkGTIN14(gtin, field: "gtin") }
        // Derived from gtin and lot_code: callers may omit it; when given it must agree.
        let uri = try reader.optionalString("gs1_uri")
        // Stored entries always carry the derived URI next to a GTIN.
        if reader.strict, uri == nil, gtin != nil { throw EntryError.notCanonical }
        guard uri == nil || uri == digitalLinkURI else {
            throw EntryError.invalidField(field: "gs1_uri", reason: gtin == nil ? Message("only present with a gtin")
                                          : Message("must be {uri}", ["uri": .text(digitalLinkURI ?? "")]))
        }
        uploadDigest = try reader.optionalSHA256Hex("upload_digest")
    }
}
