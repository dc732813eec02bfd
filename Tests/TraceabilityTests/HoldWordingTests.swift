import Localization
import Provenance
import Testing
import Traceability

/// How a held lot's confidence and an accepted review read to people.
@Suite struct HoldWordingTests {
    static func heldGrading(confidence: Int) -> GradingRecord {
        let hex = String(repeating: "ab", count: 32)
        return GradingRecord(lotCode: "L1", model: hex, policy: hex, uploadDigest: nil, images: [], lotGrade: "Grade I",
                             distribution: ["Grade I": 0], needsReview: 0, holdReason: .lotGradeUncertain, lotConfidenceBP: confidence)
    }

    /// The percentage is rounded down, so a lot held below a whole-percent limit never reads as at it.
    @Test func confidenceIsShownRoundedDown() throws {
        let vietnamese = Presentation(localizer: try Localizer.bundled(.vietnamese))
        for (bp, percent) in [(5_999, "59%"), (9_973, "99%"), (6_917, "69%"), (0, "0%"), (100, "1%")] {
            let english = try #require(Self.heldGrading(confidence: bp).holdExplanation(.english))
            #expect(english == "the grading was only \(percent) sure of the lot's grade, less than the grading policy requires", "\(bp)")
            let vi = try #require(Self.heldGrading(confidence: bp).holdExplanation(vietnamese))
            #expect(vi.contains("chỉ chắc chắn \(percent.dropLast())") && vi.contains("về hạng của lô"), "\(bp): \(vi)")
        }
    }

    /// `review --accept` records a fixed English reason; a Vietnamese reader sees it in Vietnamese.
    @Test func anAcceptedReviewReadsInTheReadersLanguage() throws {
        let accepted = CorrectionRecord(corrects: 3, correctsLeafHash: String(repeating: "ab", count: 32), reason: LotReview.acceptedReason,
                                        reviewer: "Trần Văn Nam", lotCode: "L1", changes: ["lot_grade": .string("Grade I")])
        #expect(accepted.attributedReason(.english) == " by Trần Văn Nam: reviewed: the suggested grade is confirmed")
        let vi = accepted.attributedReason(Presentation(localizer: try Localizer.bundled(.vietnamese)))
        #expect(vi.contains("Trần Văn Nam") && vi.contains("đã xem xét: hạng đề xuất được xác nhận"), "\(vi)")
        var own = accepted
        own.reason = "bruises are shallow"
        #expect(own.attributedReason(Presentation(localizer: try Localizer.bundled(.vietnamese))).contains("bruises are shallow"), "a person's own words stay as written")
    }
}
