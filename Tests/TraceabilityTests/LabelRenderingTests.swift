import Foundation
import Imaging
import Localization
import Testing
import TestSupport
import Typesetting
@testable import Traceability

@Suite struct LabelRenderingTests {
    static let uri = "https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01"
    static let content = LabelContent(qrPayload: uri, cooperative: "Hợp tác xã Tân Thuận", farmName: "Nguyễn Văn Ba, Đồng Tháp",
                                      originCode: "VN-DTOR-0141", lotCode: "DT-LV-261103-01", crop: "xoài cát Hòa Lộc",
                                      harvestDate: "2026-11-03", grade: "Loại 1", isHeld: false)

    /// Grade names as a policy's `grade_names` gives them, grade → language → name (written here by hand).
    static let gradeNames = ["Premium": ["vi": "Hạng đặc biệt", "en": "Premium"], "Grade I": ["vi": "Hạng I", "en": "Grade I"]]

    static func words(_ language: String) throws -> LabelWords {
        LabelWords(Presentation(localizer: language == "vi" ? try Localizer.bundled(.vietnamese) : .english, policyGradeNames: gradeNames))
    }

    @Test func gradesPrintByTheirNameInTheLanguageAndUnknownCodesAsThemselves() throws {
        let vi = try Self.words("vi")
        #expect(vi.grade("Premium") == "Hạng: Hạng đặc biệt")
        #expect(vi.grade("Grade I") == "Hạng: Hạng I")
        #expect(vi.grade("Loại 1") == "Hạng: Loại 1")
        #expect(vi.grade(nil) != vi.grade("Premium") && !vi.grade(nil).contains("graded"))
        #expect(try Self.words("en").grade("Premium") == "Grade: Premium")
        var content = Self.content
        content.grade = "Grade I"
        let label = try LabelRenderer.render(content, stock: .small, words: vi)
        #expect(label.fields.first { $0.name == .grade }?.text.requested == "Hạng: Hạng I")
    }

    static func writePNG(_ label: RenderedLabel, _ directory: TemporaryDirectory, _ name: String) throws -> String {
        let file = directory.url.appendingPathComponent(name + ".png")
        try PNGEncoder.write(label.image, to: file)
        return file.path
    }

    @Test(arguments: LabelStock.allCases)
    func pagesAreTheStockAt300DPI(stock: LabelStock) throws {
        let label = try LabelRenderer.render(Self.content, stock: stock, words: .english)
        let expected = stock == .small ? (591, 354) : (1181, 709)
        #expect(label.raster.width == expected.0 && label.raster.height == expected.1)
        #expect(label.notes.isEmpty, "\(label.notes)")
        #expect(label.fields.map(\.name) == [.footer, .cooperative, .farm, .crop, .origin, .lot, .harvest, .grade])
    }

    @Test(arguments: LabelStock.allCases, ["https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01", "urn:agritrace:lot:DT-TM-261104-02",
                                           "https://id.gs1.org/01/08936045120019/10/A%2FB%201%25",
                                           "https://truy-xuat.htx-tan-thuan.example/01/08936045120019/10/DT-LV-261103-01"])
    func theQRCodeDecodesBackToItsPayloadWithZbarimg(stock: LabelStock, payload: String) throws {
        var content = Self.content
        content.qrPayload = payload
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let label = try LabelRenderer.render(content, stock: stock, words: Self.words("vi"))
        #expect(try QRCodeReader.decode(Self.writePNG(label, directory, "label")) == payload)
    }

    @Test func aPayloadTooDenseToScanAtTheStocksSizeIsRefused() throws {
        var content = Self.content
        content.qrPayload = "https://truy-xuat.example/" + String(repeating: "x", count: 300)
        #expect(throws: QRCodeError.self) { try LabelRenderer.render(content, stock: .small, words: .english) }
        _ = try LabelRenderer.render(content, stock: .large, words: .english)
    }

    @Test func aHeldLotPrintsHeldInsteadOfAGrade() throws {
        var content = Self.content
        content.isHeld = true
        for words in [LabelWords.english, try Self.words("vi")] {
            let label = try LabelRenderer.render(content, stock: .small, words: words)
            let grade = try #require(label.fields.first { $0.name == .grade })
            #expect(grade.text.requested == words.held)
        }
    }

    @Test func labelWordsComeFromTheCatalogueWithVietnameseDatesDayFirst() throws {
        let vi = try Self.words("vi"), en = LabelWords.english
        #expect(vi.harvest("2026-11-03") == "Ngày thu hoạch: 03/11/2026" && en.harvest("2026-11-03") == "Harvest: 2026-11-03")
        #expect(vi.grade("Loại 1") == "Hạng: Loại 1" && en.grade(nil) == "Grade: not graded" && vi.grade(nil) == "Hạng: chưa phân hạng")
        #expect(vi.held == "TẠM GIỮ CHỜ XEM XÉT" && en.held == "HELD FOR REVIEW")
        #expect(vi.lot("A") == "Lô: A" && vi.origin("B") == "Mã vùng trồng: B" && vi.farm("C") == "Nông hộ: C" && vi.crop("D") == "Nông sản: D")
    }

    /// The class of bug: text clipped or drawn over something else. Every inked pixel of the page
    /// lies in the QR code's square or in one field's box, and the boxes do not overlap.
    @Test(arguments: LabelStock.allCases, ["vi", "en"])
    func longVietnameseNamesStayInsideTheirBoxes(stock: LabelStock, language: String) throws {
        let words = try Self.words(language)
        let long = LabelContent(qrPayload: Self.uri,
                                cooperative: "Hợp tác xã Nông nghiệp Dịch vụ Thương mại Xoài Cát Hòa Lộc Tân Thuận Đông Ấp Bình Hòa",
                                farmName: "Nguyễn Thị Ngọc Huyền Trân (Ấp Thạnh Phú, xã Mỹ Xương, huyện Cao Lãnh, tỉnh Đồng Tháp)",
                                originCode: "VN-DTOR-0141", lotCode: "DT-LV-261103-01",
                                crop: "xoài cát Hòa Lộc loại xuất khẩu, ẪẪẪ ỄỄỄ ỖỖỖ, đóng thùng carton 10 kg",
                                harvestDate: "2026-11-03", grade: "Loại 1 (xuất khẩu)", isHeld: false)
        let label = try LabelRenderer.render(long, stock: stock, words: words)
        let boxes = [label.qrBox] + label.fields.map(\.box)
        for (i, a) in boxes.enumerated() {
            for b in boxes[(i + 1)...] {
                #expect(a.maxX <= b.minX || b.maxX <= a.minX || a.maxY <= b.minY || b.maxY <= a.minY, "\(a) overlaps \(b)")
            }
        }
        var stray = 0
        for y in 0..<label.raster.height {
            for x in 0..<label.raster.width where label.raster[x, y] < 255 {
                if !boxes.contains(where: { $0.contains(x: x, y: y) }) { stray += 1 }
            }
        }
        #expect(stray == 0, "\(stray) inked pixels outside every box")
        for field in label.fields {
            let ink = try #require(field.text.ink)
            #expect(PixelBox(x: 0, y: 0, width: field.box.width, height: field.box.height).contains(ink), "\(field.name)")
        }
        // What did not fit is said, and only that.
        let truncated = label.fields.filter(\.text.truncated).map(\.name)
        #expect(truncated.contains(.farm) && truncated.contains(.cooperative), "\(truncated)")
        #expect(label.notes.count == truncated.count)
        #expect(label.notes.allSatisfy { $0.description.contains("does not fit the \(stock.rawValue) mm label") })
        let vietnamese = try Localizer.bundled(.vietnamese)
        #expect(label.notes.allSatisfy { vietnamese.render($0).contains("không vừa nhãn \(stock.rawValue) mm") })
        #expect(!truncated.contains(.lot) && !truncated.contains(.origin) && !truncated.contains(.harvest))
    }

    @Test func charactersTheFontLacksAreNamedInANote() throws {
        var content = Self.content
        content.crop = "苹果"
        let label = try LabelRenderer.render(content, stock: .large, words: .english)
        #expect(label.notes.count == 1 && label.notes[0].description.contains("U+82F9 U+679C"))
    }
}
