/// What a lot label shows: the lot's facts as recorded (printed in full Unicode, NFC) and the QR
/// code's text, which the caller chooses (the lot URI, or a URL of the cooperative's lot page).
public struct LabelContent: Sendable, Equatable {
    public var qrPayload: String
    public var cooperative: String
    public var farmName: String
    public var originCode: String
    public var lotCode: String
    public var crop: String
    /// As recorded, `YYYY-MM-DD`; printed in the words' date style.
    public var harvestDate: String
    /// The lot's grade now, nil before any grading.
    public var grade: String?
    /// Held for review: the label says so instead of a grade.
    public var isHeld: Bool

    public init(qrPayload: String, cooperative: String, farmName: String, originCode: String, lotCode: String,
                crop: String, harvestDate: String, grade: String?, isHeld: Bool) {
        self.qrPayload = qrPayload
        self.cooperative = cooperative
        self.farmName = farmName
        self.originCode = originCode
        self.lotCode = lotCode
        self.crop = crop
        self.harvestDate = harvestDate
        self.grade = grade
        self.isHeld = isHeld
    }
}
