/// What a lot label shows. Text fields are printed as given (after ASCII folding).
public struct LabelContent: Sendable, Equatable {
    public var uri: String
    public var lotCode: String
    public var originCode: String
    public var crop: String
    public var harvestDate: String
    public var grade: String

    public init(uri: String, lotCode: String, originCode: String, crop: String, harvestDate: String, grade: String) {
        self.uri = uri
        self.lotCode = lotCode
        self.originCode = originCode
        self.crop = crop
        self.harvestDate = harvestDate
        self.grade = grade
    }
}
