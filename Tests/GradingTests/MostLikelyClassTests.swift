import Grading
import Testing

/// Grading and `classify` pick a class the same way, so the same photo gets the same class.
@Suite struct MostLikelyClassTests {
    @Test func highestProbabilityWinsAndTiesGoToTheLowestClass() {
        #expect(mostLikelyClass([0.1, 0.7, 0.2]) == 1)
        #expect(mostLikelyClass([0.4, 0.2, 0.4]) == 0)
        #expect(mostLikelyClass([0.2, 0.4, 0.4]) == 1)
        #expect(mostLikelyClass([0.5]) == 0)
        #expect(mostLikelyClass([-3, -1, -2]) == 1)
    }
}
