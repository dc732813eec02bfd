/// Every text the public pages and the browser verifier show, one table per language, until the
/// project's localisation catalogues take them over. Keys are shared by the Swift pages and
/// `verify.js` (which receives the table of the page's language as JSON).
enum PageLanguage: String, CaseIterable, Sendable {
    case vi, en

    /// The first of `Accept-Language`'s languages we have (quality values are not weighed:
    /// the header's order is the browser's preference order in practice); Vietnamese otherwise.
    static func from(acceptLanguage: String?, query: String?) -> PageLanguage {
        if let query, let language = PageLanguage(rawValue: query) { return language }
        for part in (acceptLanguage ?? "").split(separator: ",") {
            let tag = part.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
            if tag == "vi" || tag.hasPrefix("vi-") { return .vi }
            if tag == "en" || tag.hasPrefix("en-") { return .en }
        }
        return .vi
    }

    var text: [String: String] { self == .vi ? PageText.vietnamese : PageText.english }
}

enum PageText {
    static let english: [String: String] = [
        "title.lot": "Lot %1",
        "title.index": "Cooperative ledger",
        "title.verifier": "Check a lot's proof",
        "title.notFound": "Not found",
        "lang.other": "Tiếng Việt",
        "field.cooperative": "Cooperative",
        "field.farm": "Farm",
        "field.origin": "Growing area code",
        "field.region": "Region",
        "field.crop": "Crop",
        "field.harvest": "Harvest date",
        "field.quantity": "Quantity",
        "field.grade": "Grade",
        "field.graded": "Graded",
        "field.photos": "Photos graded",
        "field.model": "Grading model",
        "field.policy": "Grading policy",
        "field.gtin": "GTIN",
        "grade.held": "HELD FOR REVIEW: not cleared for sale",
        "grade.none": "not graded yet",
        "corrections": "Corrections",
        "corrections.none": "No corrections recorded.",
        "correction.item": "Entry #%1 corrected on %2: %3 (reason: %4)",
        "server.says": "The box above is your browser's own check of the cooperative's signed records; the facts below are what the cooperative's server says.",
        "facts": "The lot",
        "verify.heading": "Verification",
        "verify.running": "Checking the signed records in your browser…",
        "verify.noscript": "Turn on JavaScript to check the signatures in your browser, or download the proof and check it with agritrace verify-label.",
        "verify.proofLink": "Download the proof bundle",
        "verify.ok": "VERIFIED in your browser",
        "verify.okHeld": "VERIFIED in your browser: this lot is HELD FOR REVIEW and not cleared for sale",
        "verify.fail": "NOT VERIFIED",
        "verify.signedBy": "Signed by the cooperative's key %1.",
        "verify.witnessed": "Cosigned by %1 of the %2 witnesses this verifier trusts (%3 required): %4.",
        "verify.noWitnesses": "No witness is required by this verifier's trust list.",
        "verify.checkpoint": "The ledger's checkpoint of %1 entries (newest entry recorded %2) includes every record below.",
        "verify.proven": "Proven: lot %1 from farm %2 (growing area %3), %4, harvested %5; grade: %6.",
        "verify.notCovered": "Not covered: anything recorded after %1 (ask for a newer proof).",
        "verify.trustFrom": "Keys trusted here were configured by this page's host.",
        "fail.fetch": "the proof bundle could not be fetched (%1)",
        "fail.noTrust": "this page's host configured no trusted keys, so nothing can be verified",
        "fail.noCrypto": "this browser cannot check Ed25519 signatures (WebCrypto); use an up-to-date browser or agritrace verify-label",
        "fail.parse": "the proof bundle is malformed: %1",
        "fail.checkpointKey": "the checkpoint is not signed by a key this verifier trusts",
        "fail.checkpointSig": "the checkpoint's signature by %1 does not verify",
        "fail.quorum": "only %1 of the required %2 witnesses cosigned the checkpoint",
        "fail.entrySig": "entry #%1 (%2): its signature does not verify under a trusted key: the record was changed after signing",
        "fail.entrySigner": "entry #%1 is signed by %2, a key this verifier does not trust",
        "fail.inclusion": "entry #%1 (%2) is not included in the signed checkpoint: the record differs from what the ledger signed",
        "fail.statement": "the cooperative's signed list of the lot's records does not match the bundle: %1",
        "fail.lotMismatch": "the page shows %1 %2, but the signed records say %3",
        "fail.contents": "the bundle does not hold one lot's records: %1",
        "notFound.body": "Nothing is recorded at this address.",
        "index.body": "Scan a label's QR code, or open /lot/<lot code>, to see a lot and check its signed records in your browser.",
    ]

    static let vietnamese: [String: String] = [
        "title.lot": "Lô hàng %1",
        "title.index": "Sổ cái của hợp tác xã",
        "title.verifier": "Kiểm tra bằng chứng của lô hàng",
        "title.notFound": "Không tìm thấy",
        "lang.other": "English",
        "field.cooperative": "Hợp tác xã",
        "field.farm": "Nông hộ",
        "field.origin": "Mã vùng trồng",
        "field.region": "Địa phương",
        "field.crop": "Cây trồng",
        "field.harvest": "Ngày thu hoạch",
        "field.quantity": "Khối lượng",
        "field.grade": "Hạng",
        "field.graded": "Ngày phân hạng",
        "field.photos": "Số ảnh đã chấm",
        "field.model": "Mô hình phân hạng",
        "field.policy": "Quy tắc phân hạng",
        "field.gtin": "GTIN",
        "grade.held": "ĐANG CHỜ KIỂM TRA LẠI: chưa được phép bán",
        "grade.none": "chưa phân hạng",
        "corrections": "Đính chính",
        "corrections.none": "Không có đính chính nào.",
        "correction.item": "Mục #%1 được đính chính ngày %2: %3 (lý do: %4)",
        "server.says": "Ô phía trên là kết quả trình duyệt của bạn tự kiểm tra hồ sơ đã ký của hợp tác xã; thông tin bên dưới do máy chủ của hợp tác xã cung cấp.",
        "facts": "Thông tin lô hàng",
        "verify.heading": "Xác minh",
        "verify.running": "Đang kiểm tra hồ sơ đã ký trong trình duyệt của bạn…",
        "verify.noscript": "Hãy bật JavaScript để kiểm tra chữ ký trong trình duyệt, hoặc tải bằng chứng về và kiểm tra bằng agritrace verify-label.",
        "verify.proofLink": "Tải tệp bằng chứng",
        "verify.ok": "ĐÃ XÁC MINH trong trình duyệt của bạn",
        "verify.okHeld": "ĐÃ XÁC MINH trong trình duyệt của bạn: lô hàng này ĐANG CHỜ KIỂM TRA LẠI, chưa được phép bán",
        "verify.fail": "KHÔNG XÁC MINH ĐƯỢC",
        "verify.signedBy": "Được ký bằng khóa của hợp tác xã %1.",
        "verify.witnessed": "Được %1 trong số %2 bên chứng kiến mà trình kiểm tra này tin cậy đồng ký (cần %3): %4.",
        "verify.noWitnesses": "Danh sách khóa tin cậy của trình kiểm tra này không yêu cầu bên chứng kiến nào.",
        "verify.checkpoint": "Điểm kiểm tra của sổ cái gồm %1 mục (mục mới nhất ghi lúc %2) chứa mọi hồ sơ dưới đây.",
        "verify.proven": "Đã chứng minh: lô %1 của nông hộ %2 (vùng trồng %3), %4, thu hoạch ngày %5; hạng: %6.",
        "verify.notCovered": "Chưa bao gồm: mọi thứ được ghi sau %1 (hãy yêu cầu bằng chứng mới hơn).",
        "verify.trustFrom": "Các khóa tin cậy ở đây do nơi đăng trang này cấu hình.",
        "fail.fetch": "không tải được tệp bằng chứng (%1)",
        "fail.noTrust": "nơi đăng trang này chưa cấu hình khóa tin cậy nào, nên không thể xác minh",
        "fail.noCrypto": "trình duyệt này không kiểm tra được chữ ký Ed25519 (WebCrypto); hãy dùng trình duyệt mới hơn hoặc agritrace verify-label",
        "fail.parse": "tệp bằng chứng bị sai định dạng: %1",
        "fail.checkpointKey": "điểm kiểm tra không được ký bằng khóa mà trình kiểm tra này tin cậy",
        "fail.checkpointSig": "chữ ký của %1 trên điểm kiểm tra không hợp lệ",
        "fail.quorum": "chỉ %1 trong số %2 bên chứng kiến bắt buộc đã đồng ký điểm kiểm tra",
        "fail.entrySig": "mục #%1 (%2): chữ ký không hợp lệ với khóa tin cậy: hồ sơ đã bị sửa sau khi ký",
        "fail.entrySigner": "mục #%1 được ký bằng %2, một khóa mà trình kiểm tra này không tin cậy",
        "fail.inclusion": "mục #%1 (%2) không nằm trong điểm kiểm tra đã ký: hồ sơ khác với hồ sơ sổ cái đã ký",
        "fail.statement": "danh sách hồ sơ của lô do hợp tác xã ký không khớp với tệp bằng chứng: %1",
        "fail.lotMismatch": "trang hiển thị %1 %2, nhưng hồ sơ đã ký ghi %3",
        "fail.contents": "tệp bằng chứng không chứa đúng hồ sơ của một lô: %1",
        "notFound.body": "Không có hồ sơ nào ở địa chỉ này.",
        "index.body": "Hãy quét mã QR trên nhãn, hoặc mở /lot/<mã lô>, để xem lô hàng và kiểm tra hồ sơ đã ký ngay trong trình duyệt.",
    ]

    /// `key`'s text with `%1`, `%2`, … replaced by `arguments` (already plain text; the caller escapes).
    static func format(_ table: [String: String], _ key: String, _ arguments: String...) -> String {
        // One pass, so an argument that itself contains "%2" is never substituted again.
        let template = Array((table[key] ?? key).unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < template.count {
            if template[index] == "%", index + 1 < template.count, let digit = template[index + 1].properties.numericType != nil
                ? Int(String(template[index + 1])) : nil, digit >= 1, digit <= arguments.count {
                out.append(contentsOf: arguments[digit - 1].unicodeScalars)
                index += 2
            } else {
                out.append(template[index])
                index += 1
            }
        }
        return String(out)
    }
}
