import Foundation
import Testing
import Training
import TestSupport

@Suite struct TrainerTests {
    func options(epochs: Int, jobs: Int = 1) -> TrainingOptions {
        var o = TrainingOptions()
        o.architecture = .tiny
        o.inputSize = 16
        o.epochs = epochs
        o.batchSize = 8
        o.seed = 42
        o.jobs = jobs
        o.learningRate = 0.01
        return o
    }

    func makeTrainer(_ photos: SyntheticPhotos, _ options: TrainingOptions) throws -> Trainer {
        let split = DatasetSplit.stratifiedByItem(photos.folder, fraction: 0.25, seed: options.seed)
        let cache = PhotoCache(photos: photos.folder.photos, size: options.inputSize, jobs: options.jobs,
                               decode: SyntheticPhotos.decode(classes: photos.folder.labels.count))
        return try Trainer(folder: photos.folder, split: split, cache: cache, options: options)
    }

    @Test func learnsSeparableClassesAndReportsEachEpoch() throws {
        let photos = try SyntheticPhotos(classes: 3, itemsPerClass: 12)
        defer { photos.directory.remove() }
        let trainer = try makeTrainer(photos, options(epochs: 6))
        var lines: [String] = []
        trainer.log = { lines.append($0) }
        var improvements = 0
        try trainer.run(checkpoint: nil) { _ in improvements += 1 }
        #expect(lines.count == 6)
        #expect(lines.allSatisfy { $0.contains("loss") && $0.contains("val macro-F1") && $0.contains("ETA") })
        #expect(improvements >= 1)
        #expect(trainer.history.last!.loss < trainer.history.first!.loss)
        let macroF1 = try #require(trainer.bestMacroF1)
        #expect(macroF1 > 0.9, "validation macro-F1 \(macroF1) on trivially separable colours")
    }

    @Test func sameSeedAndJobsGiveIdenticalWeights() throws {
        let photos = try SyntheticPhotos(classes: 3, itemsPerClass: 8)
        defer { photos.directory.remove() }
        let first = try makeTrainer(photos, options(epochs: 2, jobs: 2))
        let second = try makeTrainer(photos, options(epochs: 2, jobs: 2))
        try first.run(checkpoint: nil) { _ in }
        try second.run(checkpoint: nil) { _ in }
        #expect(first.network.parameters.map(\.value) == second.network.parameters.map(\.value))
    }

    @Test func resumingFromACheckpointMatchesAnUninterruptedRun() throws {
        let photos = try SyntheticPhotos(classes: 3, itemsPerClass: 8)
        defer { photos.directory.remove() }
        let checkpoint = photos.directory.url.appendingPathComponent("run.checkpoint")
        let uninterrupted = try makeTrainer(photos, options(epochs: 3))
        try uninterrupted.run(checkpoint: nil) { _ in }

        // A run cut short after epoch 1 (as if killed), then resumed from its checkpoint.
        try makeTrainer(photos, options(epochs: 3)).run(checkpoint: checkpoint, stoppingAfterEpoch: 1) { _ in }
        let resumed = try makeTrainer(photos, options(epochs: 3))
        try resumed.resume(from: checkpoint)
        #expect(resumed.completedEpochs == 1)
        try resumed.run(checkpoint: nil) { _ in }
        #expect(resumed.network.parameters.map(\.value) == uninterrupted.network.parameters.map(\.value))
        #expect(resumed.history.map(\.loss) == uninterrupted.history.map(\.loss))
    }

    @Test func balancedSamplingDrawsEveryClassEquallyOften() throws {
        let photos = try SyntheticPhotos(classes: 3, itemsPerClass: 9)
        defer { photos.directory.remove() }
        let trainer = try makeTrainer(photos, options(epochs: 1))
        let samples = trainer.epochSamples(1)
        let counts = (0..<3).map { c in samples.filter { photos.folder.photos[$0].label == c }.count }
        #expect(counts.max()! - counts.min()! <= 1, "per-class draws \(counts)")
    }

    @Test func rejectsACheckpointFromOtherOptions() throws {
        let photos = try SyntheticPhotos(classes: 3, itemsPerClass: 6)
        defer { photos.directory.remove() }
        let checkpoint = photos.directory.url.appendingPathComponent("run.checkpoint")
        try makeTrainer(photos, options(epochs: 2)).run(checkpoint: checkpoint, stoppingAfterEpoch: 1) { _ in }
        var other = options(epochs: 2)
        other.seed = 7
        let trainer = try makeTrainer(photos, other)
        #expect(throws: CheckpointError.self) { try trainer.resume(from: checkpoint) }
    }

    @Test func augmentationOptionsScaleTheRanges() throws {
        let photos = try SyntheticPhotos(classes: 3, itemsPerClass: 4)
        defer { photos.directory.remove() }
        var o = options(epochs: 1)
        o.geometricAugmentation = 0
        o.colorJitter = 0.1
        let flipsOnly = try makeTrainer(photos, o).augmentation
        #expect(flipsOnly.horizontalFlip && flipsOnly.verticalFlip)
        #expect(flipsOnly.maxRotationDegrees == 0 && flipsOnly.maxShift == 0 && flipsOnly.scaleRange == 1...1)
        #expect(flipsOnly.brightness == 0.1 && flipsOnly.saturation == 0.1)
        o.geometricAugmentation = 0.5
        let half = try makeTrainer(photos, o).augmentation
        #expect(half.maxRotationDegrees == 7.5 && abs(half.scaleRange.upperBound - 1.05) < 1e-6)
        o.augmentation = false
        #expect(try makeTrainer(photos, o).augmentation == .none)
    }
}
