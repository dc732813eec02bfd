/// The words a label prints around the lot's facts, in one language. Every word on a label comes
/// from here, so a translation is one value.
public struct LabelWords: Sendable, Equatable {
    public var farm: String
    public var crop: String
    public var origin: String
    public var lot: String
    public var harvest: String
    public var grade: String
    /// Printed instead of the grade while the lot is held for review.
    public var held: String
    public var notGraded: String
    public var scanToVerify: String
    /// Whether dates print day first (`03/11/2026`) rather than as recorded (`2026-11-03`).
    public var dayFirstDates: Bool

    public init(farm: String, crop: String, origin: String, lot: String, harvest: String, grade: String,
                held: String, notGraded: String, scanToVerify: String, dayFirstDates: Bool) {
        self.farm = farm; self.crop = crop; self.origin = origin; self.lot = lot; self.harvest = harvest
        self.grade = grade; self.held = held; self.notGraded = notGraded; self.scanToVerify = scanToVerify
        self.dayFirstDates = dayFirstDates
    }

    public static let english = LabelWords(farm: "Farm", crop: "Crop", origin: "Origin", lot: "Lot", harvest: "Harvest",
                                           grade: "Grade", held: "HELD FOR REVIEW", notGraded: "not graded",
                                           scanToVerify: "Scan to verify", dayFirstDates: false)
    public static let vietnamese = LabelWords(farm: "Nông hộ", crop: "Nông sản", origin: "Mã vùng trồng", lot: "Lô",
                                              harvest: "Ngày thu hoạch", grade: "Hạng", held: "TẠM GIỮ CHỜ XEM XÉT",
                                              notGraded: "chưa phân hạng", scanToVerify: "Quét mã để kiểm tra",
                                              dayFirstDates: true)

    /// A recorded `YYYY-MM-DD` date as this language writes it; anything else as recorded.
    public func date(_ recorded: String) -> String {
        let parts = recorded.split(separator: "-", omittingEmptySubsequences: false)
        guard dayFirstDates, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return recorded }
        return "\(parts[2])/\(parts[1])/\(parts[0])"
    }
}
