import LedgerStore
import Localization

/// `origin` entry: registers a growing-area code, with its farm, place and crop.
/// Lots may only name registered origin codes.
public struct OriginRecord: Sendable, Equatable {
    public var originCode: String
    public var farmID: String
    public var farmName: String?
    public var commune: String?
    public var district: String?
    public var province: String?
    public var crop: String
    public var areaSquareMetres: Int?

    public init(originCode: String, farmID: String, farmName: String? = nil, commune: String? = nil,
                district: String? = nil, province: String? = nil, crop: String, areaSquareMetres: Int? = nil) {
        self.originCode = originCode
        self.farmID = farmID
        self.farmName = farmName
        self.commune = commune
        self.district = district
        self.province = province
        self.crop = crop
        self.areaSquareMetres = areaSquareMetres
    }

    var fields: [String: JSONValue] {
        var fields: [String: JSONValue] = ["origin_code": .string(originCode), "farm_id": .string(farmID), "crop": .string(crop)]
        fields["farm_name"] = farmName.map(JSONValue.string)
        fields["commune"] = commune.map(JSONValue.string)
        fields["district"] = district.map(JSONValue.string)
        fields["province"] = province.map(JSONValue.string)
        fields["area_m2"] = areaSquareMetres.map { .integer(Int64($0)) }
        return fields
    }

    init(reading reader: inout FieldReader) throws {
        originCode = try reader.string("origin_code")
        try Identifiers.checkOriginCode(originCode, field: "origin_code")
        farmID = try reader.text("farm_id")
        farmName = try reader.optionalText("farm_name")
        commune = try reader.optionalText("commune")
        district = try reader.optionalText("district")
        province = try reader.optionalText("province")
        crop = try reader.text("crop")
        areaSquareMetres = try reader.optionalInteger("area_m2")
        if let area = areaSquareMetres, area < 0 { throw EntryError.invalidField(field: "area_m2", reason: Message("must not be negative")) }
    }
}

extension OriginRecord {
    /// Why a lot of `farmID` and `crop` may not be recorded under this origin code: an origin code
    /// stands for one registered growing area, so its lots come from that farm and that crop
    /// (exact, after the ledger's NFC normalisation). Empty when the lot fits. One rule for the
    /// append hook, the grading pre-flight and `verify-label`.
    public func conflicts(farmID lotFarm: String, crop lotCrop: String) -> [Message] {
        var problems: [Message] = []
        if lotFarm != farmID {
            problems.append(Message("origin {origin_code} is registered to farm {farm_id}, not farm {lot_farm}", ["origin_code": .text("\(originCode)"), "farm_id": .text("\(farmID)"), "lot_farm": .text("\(lotFarm)")]))
        }
        if lotCrop != crop {
            problems.append(Message("origin {origin_code} is registered for {crop}, not {lot_crop}", ["origin_code": .text("\(originCode)"), "crop": .text("\(crop)"), "lot_crop": .text("\(lotCrop)")]))
        }
        return problems
    }
}
