import Testing
import Training

@Suite struct MetricsTests {
    @Test func confusionMatrixMetricsMatchHandComputedValues() {
        var m = ConfusionMatrix(classes: 3)
        // truth 0: 3 right, 1 called 1; truth 1: 2 right; truth 2: 1 right, 1 called 0, class never... 
        for (t, p) in [(0, 0), (0, 0), (0, 0), (0, 1), (1, 1), (1, 1), (2, 2), (2, 0)] { m.add(truth: t, prediction: p) }
        #expect(m.total == 8)
        #expect(m.accuracy == 6.0 / 8)
        #expect(m.precision(0) == 3.0 / 4 && m.recall(0) == 3.0 / 4)
        #expect(m.precision(1) == 2.0 / 3 && m.recall(1) == 1)
        #expect(m.precision(2) == 1 && m.recall(2) == 0.5)
        #expect(abs(m.balancedAccuracy - (0.75 + 1 + 0.5) / 3) < 1e-12)
        let f1 = [0.75, 0.8, 2.0 / 3]
        #expect(abs(m.macroF1 - f1.reduce(0, +) / 3) < 1e-12)
    }

    @Test func absentClassesAreLeftOutOfAveragesAndNeverPredictedScoresZero() {
        var m = ConfusionMatrix(classes: 3)
        m.add(truth: 0, prediction: 0)
        m.add(truth: 1, prediction: 0)
        #expect(m.precision(1) == 0 && m.f1(1) == 0)
        #expect(m.balancedAccuracy == 0.5)
    }

    @Test func groupingsParseMergeAndReject() throws {
        let g = try ClassGrouping(parsing: "0-1,2-4,5-7,8-9", classes: 10)
        #expect(g.groups == [[0, 1], [2, 3, 4], [5, 6, 7], [8, 9]])
        #expect(g.group(of: 6) == 2)
        let probabilities: [Float] = [0.1, 0.1, 0.05, 0.05, 0.05, 0.2, 0.1, 0.05, 0.2, 0.1]
        let merged = g.mergedProbabilities(probabilities)
        #expect(merged.argmax == 1 || merged.argmax == 2)
        #expect(abs(merged[2] - 0.35) < 1e-6 && abs(merged[3] - 0.3) < 1e-6)
        #expect(try ClassGrouping(parsing: "0,1-2,3-4,5-6,7-8,9", classes: 10).groups.count == 6)
        for bad in ["0-4,4-9", "0-4", "0-4,5-10", "a-b,5-9", "4-0,5-9", ""] {
            #expect(throws: GroupingError.self, "'\(bad)'") { try ClassGrouping(parsing: bad, classes: 10) }
        }
    }

    @Test func scheduleWarmsUpThenDecaysToTheFloor() {
        let s = LearningRateSchedule(peak: 1, warmupSteps: 4, totalSteps: 14, floor: 0.1)
        #expect(s.rate(atStep: 0) == 0.25)
        #expect(s.rate(atStep: 3) == 1)
        #expect(abs(s.rate(atStep: 4) - 1) < 1e-6)
        #expect(abs(s.rate(atStep: 9) - 0.55) < 1e-6)
        #expect(abs(s.rate(atStep: 14) - 0.1) < 1e-6)
        #expect(s.rate(atStep: 7) > s.rate(atStep: 8))
    }

    @Test func adamWAndSGDMoveAgainstTheGradientAndDecayOnlyWeights() {
        let weight = Parameter(name: "w", value: [1, -1], decays: true)
        let bias = Parameter(name: "b", value: [1, 1])
        weight.gradient = [0.5, -0.5]
        bias.gradient = [0, 0]
        AdamW(weightDecay: 0.1).step([weight, bias], learningRate: 0.1)
        // First Adam step moves each weight by lr·sign(g) plus decoupled decay lr·wd·w.
        #expect(abs(weight.value[0] - (1 - 0.1 - 0.01)) < 1e-5)
        #expect(abs(weight.value[1] - (-1 + 0.1 + 0.01)) < 1e-5)
        #expect(bias.value == [1, 1])
        let sgd = SGDMomentum(momentum: 0.9, weightDecay: 0)
        let p = Parameter(name: "p", value: [0], decays: true)
        p.gradient = [1]
        sgd.step([p], learningRate: 0.1)
        sgd.step([p], learningRate: 0.1)
        #expect(abs(p.value[0] - (-0.1 - 0.19)) < 1e-6)
    }
}
