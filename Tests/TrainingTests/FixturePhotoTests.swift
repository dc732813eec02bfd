import Foundation
import Testing
import Training
import TestSupport

/// Tests on the real FGrade fixture photos (3 tomatoes x 10 classes, see Fixtures/README.md).
@Suite struct FixturePhotoTests {
    static let folderURL = FixtureFiles.url("training/fgrade-mini")

    @Test func lossFallsWhenOverfittingOneBatch() throws {
        let folder = try LabelledFolder(root: Self.folderURL)
        let size = 24
        let cache = PhotoCache(photos: folder.photos, size: size, jobs: 2, decode: PhotoCache.imagingDecoder)
        #expect(cache.failures.isEmpty)
        let network = try Architecture.compact.build(inputSize: size, classes: 10, seed: 3)
        let (mean, std) = cache.channelStatistics(of: Array(folder.photos.indices))
        var batch = BatchTensor(zeros: BatchShape(n: folder.photos.count, h: size, w: size, c: 3))
        var random = SeededGenerator(seed: 1)
        batch.data.withUnsafeMutableBufferPointer { out in
            cache.pixels.withUnsafeBufferPointer { pixels in
                for i in folder.photos.indices {
                    Augmentation.none.apply(pixels.baseAddress! + i * cache.bytesPerPhoto, size: size, mean: mean, std: std,
                                            random: &random, into: out.baseAddress! + i * size * size * 3)
                }
            }
        }
        let labels = folder.photos.map(\.label)
        let loss = SoftmaxCrossEntropy()
        let optimizer = AdamW(weightDecay: 0)
        let context = ExecutionContext(isTraining: true, jobs: 2)
        var losses: [Float] = []
        var lastProbabilities: [[Float]] = []
        for _ in 0..<40 {
            network.zeroGradients()
            let result = loss.evaluate(logits: network.forward(batch, context: context), labels: labels)
            network.backward(result.gradient, context: context)
            optimizer.step(network.parameters, learningRate: 0.01)
            losses.append(result.loss)
            lastProbabilities = result.probabilities
        }
        #expect(losses[0] > 2, "initial loss \(losses[0]) should be near ln 10")
        #expect(losses.last! < 0.25 * losses[0], "loss went \(losses[0]) → \(losses.last!)")
        let correct = zip(lastProbabilities, labels).filter { $0.0.argmax == $0.1 }.count
        #expect(correct >= 27, "memorised \(correct) of 30 photos")
    }

    @Test func splitHoldsOutWholeTomatoesStratifiedByClass() throws {
        let folder = try LabelledFolder(root: Self.folderURL)
        #expect(Set(folder.photos.map(\.item)) == ["AAaa", "Aa", "Aaa"])
        let split = DatasetSplit.stratifiedByItem(folder, fraction: 1.0 / 3, seed: 9)
        let trainItems = Set(split.training.map { folder.photos[$0].item })
        let validationItems = Set(split.validation.map { folder.photos[$0].item })
        #expect(trainItems.isDisjoint(with: validationItems))
        #expect(validationItems.count == 1)
        for label in 0..<10 {
            #expect(split.validation.filter { folder.photos[$0].label == label }.count == 1)
        }
        #expect(split == DatasetSplit.stratifiedByItem(folder, fraction: 1.0 / 3, seed: 9))
    }

    @Test func splitFilesRoundTripAndBadLinesAreNamed() throws {
        let folder = try LabelledFolder(root: Self.folderURL)
        let split = DatasetSplit.stratifiedByItem(folder, fraction: 0.3, seed: 2)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("split.txt")
        try split.text(for: folder, header: ["test"]).write(to: url, atomically: true, encoding: .utf8)
        #expect(try DatasetSplit.read(from: url, for: folder) == split)

        try "# agritrace split v1\ntrain\t0/AAaa001.jpg\nvalidation\t4/Missing.jpg\n".write(to: url, atomically: true, encoding: .utf8)
        let error = #expect(throws: DatasetError.self) { try DatasetSplit.read(from: url, for: folder) }
        #expect(error?.description.contains("line 3") == true)
        #expect(error?.description.contains("4/Missing.jpg") == true)
    }

    @Test func numericNamesFormOneItemAndNoneGroupsEachPhoto() {
        #expect(ItemGrouping.byNamePrefix.item(forFileName: "061.jpg", relativePath: "2/061.jpg") == "#")
        #expect(ItemGrouping.byNamePrefix.item(forFileName: "QAaa017.jpg", relativePath: "0/QAaa017.jpg") == "QAaa")
        #expect(ItemGrouping.none.item(forFileName: "QAaa017.jpg", relativePath: "0/QAaa017.jpg") == "0/QAaa017.jpg")
    }

    @Test func missingOrFlatFoldersAreRejectedByName() throws {
        let missing = #expect(throws: DatasetError.self) {
            try LabelledFolder(root: Self.folderURL.appendingPathComponent("nope"))
        }
        #expect(missing?.description.contains("nope") == true)
        #expect(throws: DatasetError.self) { try LabelledFolder(root: Self.folderURL.appendingPathComponent("3")) }
    }
}
