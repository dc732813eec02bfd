import Foundation
import Testing
import TestSupport

/// `agritrace train` and `agritrace eval` end to end on the FGrade fixture photos
/// (3 tomatoes x 10 grades), with a tiny network so each run takes a second or two.
@Suite struct TrainEvalCommandTests {
    /// A writable copy of the fixture folder (tests add broken files to it).
    func copyOfFixturePhotos(_ directory: TemporaryDirectory) throws -> URL {
        let data = directory.url.appendingPathComponent("photos")
        try FileManager.default.copyItem(at: FixtureFiles.url("training/fgrade-mini"), to: data)
        return data
    }

    func trainArguments(_ data: URL, _ directory: TemporaryDirectory) -> [String] {
        ["train", data.path, "--out", directory.url.appendingPathComponent("m.agmodel").path,
         "--arch", "tiny", "--input-size", "24", "--epochs", "2", "--val-split", "0.34", "--seed", "5", "--jobs", "2",
         "--write-split", directory.url.appendingPathComponent("split.txt").path]
    }

    @Test func trainWritesModelSplitAndCheckpointAndEvalReproducesItsScore() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = try copyOfFixturePhotos(directory)
        let train = try AgriTraceBinary.run(trainArguments(data, directory))
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("30 photos in 10 classes"))
        #expect(train.stderr.contains("epoch 1/2") && train.stderr.contains("epoch 2/2"))
        #expect(train.stderr.contains("ETA"))
        let model = directory.url.appendingPathComponent("m.agmodel")
        #expect(FileManager.default.fileExists(atPath: model.path))
        #expect(FileManager.default.fileExists(atPath: model.path + ".checkpoint"))
        let split = try String(contentsOf: directory.url.appendingPathComponent("split.txt"), encoding: .utf8)
        let validation = split.split(separator: "\n").filter { $0.hasPrefix("validation\t") }
        #expect(validation.count == 10, "one tomato of three held out: \(validation.count) photos")

        let eval = try AgriTraceBinary.run(["eval", data.path, "--model", model.path, "--split",
                                            directory.url.appendingPathComponent("split.txt").path,
                                            "--groups", "0-4,5-9", "--groups", "0-1,2-4,5-7,8-9", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        #expect(object["photos"] as? Int == 10)
        let classes = object["classes"] as! [String: Any]
        let macroF1 = classes["macro_f1"] as! Double
        // The trainer reports the kept model's validation macro-F1; eval must reproduce it.
        #expect(train.stderr.contains("validation macro-F1 \(String(format: "%.4f", macroF1))"), "\(train.stderr)")
        #expect((classes["confusion"] as! [[Int]]).count == 10)
        let groupings = object["groupings"] as! [[String: Any]]
        #expect(groupings.map { $0["groups"] as! String } == ["0-4,5-9", "0-1,2-4,5-7,8-9"])
        #expect((groupings[1]["per_class"] as! [Any]).count == 4)

        let text = try AgriTraceBinary.run(["eval", data.path, "--model", model.path, "--groups", "0-4,5-9"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("30 photos evaluated"))
        #expect(text.stdout.contains("confusion matrix"))
        #expect(text.stdout.contains("2 groups (0-4,5-9)"))
    }

    /// Without a validation split nothing is measured, so no score may be printed or recorded
    /// (the epoch number once appeared as "validation macro-F1 2.0000").
    @Test func withoutAValidationSplitNoScoreIsClaimed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = try copyOfFixturePhotos(directory)
        let model = directory.url.appendingPathComponent("m.agmodel").path
        let train = try AgriTraceBinary.run(["train", data.path, "--out", model, "--arch", "tiny", "--input-size", "24",
                                             "--epochs", "2", "--val-split", "0", "--seed", "5"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(!train.stderr.contains("macro-F1") && !train.stderr.contains("nan"), "\(train.stderr)")
        #expect(train.stderr.contains("kept the last epoch, 2 (no validation split"), "\(train.stderr)")
        let info = try AgriTraceBinary.run(["model", "info", model])
        #expect(info.status == 0 && info.stdout.contains("metadata epoch: 2"), "\(info.stdout)")
        #expect(!info.stdout.contains("validation_macro_f1"), "\(info.stdout)")
    }

    @Test func unreadablePhotosAreReportedAndSkipped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = try copyOfFixturePhotos(directory)
        try Data("not a photo".utf8).write(to: data.appendingPathComponent("5/Zz001.jpg"))
        var arguments = trainArguments(data, directory)
        arguments.removeLast(2)   // no split file
        let train = try AgriTraceBinary.run(arguments)
        #expect(train.status == 1)
        #expect(train.stderr.contains("skipped 5/Zz001.jpg"))
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("m.agmodel").path))
        let eval = try AgriTraceBinary.run(["eval", data.path, "--model", directory.url.appendingPathComponent("m.agmodel").path])
        #expect(eval.status == 1)
        #expect(eval.stderr.contains("skipped 5/Zz001.jpg"))
        #expect(eval.stdout.contains("30 photos evaluated, 1 unreadable"))
    }

    @Test func resumeContinuesFromTheCheckpoint() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = try copyOfFixturePhotos(directory)
        #expect(try AgriTraceBinary.run(trainArguments(data, directory)).status == 0)
        let resumed = try AgriTraceBinary.run(trainArguments(data, directory) + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed after epoch 2"))
        let other = try AgriTraceBinary.run(trainArguments(data, directory) + ["--resume", "--learning-rate", "0.5"])
        #expect(other.status == 2)
        #expect(other.stderr.contains("different training options"))
    }

    /// `train --from` fine-tunes an imported ONNX model (stem, residual block, depthwise head) on the
    /// fixture photos; the result is a normal model file that eval reads; bad --from uses exit 2.
    @Test func fineTunesAnImportedModel() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = try copyOfFixturePhotos(directory)
        let backbone = directory.url.appendingPathComponent("backbone.agmodel").path
        let imported = try AgriTraceBinary.run(["model", "import", FixtureFiles.url("onnx/mobile_block.onnx").path,
                                                "--labels", FixtureFiles.url("onnx/mobile_block.labels.txt").path,
                                                "--out", backbone, "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let model = directory.url.appendingPathComponent("tuned.agmodel").path
        let train = try AgriTraceBinary.run(["train", data.path, "--out", model, "--from", backbone, "--freeze-blocks", "1",
                                             "--input-size", "32", "--epochs", "2", "--val-split", "0.34", "--seed", "5", "--jobs", "2"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("block 1 (frozen): conv3x3 3->16 s2 p1, relu6, residual["), "\(train.stderr)")
        #expect(train.stderr.contains("epoch 2/2"), "\(train.stderr)")
        let info = try AgriTraceBinary.run(["model", "info", model])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("labels (10): 0, 1, 2"), "\(info.stdout)")
        #expect(info.stdout.contains("fine-tuned") && info.stdout.contains("first 1 blocks frozen, input 32"), "\(info.stdout)")
        let eval = try AgriTraceBinary.run(["eval", data.path, "--model", model])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains("30 photos evaluated"))

        let tooMany = try AgriTraceBinary.run(["train", data.path, "--out", model, "--from", backbone, "--freeze-blocks", "2",
                                               "--input-size", "32", "--epochs", "1"])
        #expect(tooMany.status == 2)
        #expect(tooMany.stderr.contains("backbone.agmodel") && tooMany.stderr.contains("it has 1 blocks"), "\(tooMany.stderr)")
        let both = try AgriTraceBinary.run(["train", data.path, "--out", model, "--from", backbone, "--arch", "tiny"])
        #expect(both.status == 2)
        let missing = try AgriTraceBinary.run(["train", data.path, "--out", model, "--from", directory.url.appendingPathComponent("none.agmodel").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("none.agmodel: not found"), "\(missing.stderr)")
    }

    /// An imported model using an operation training has no layer for is refused naming the node (exit 2).
    @Test func fineTuningRefusesOperationsItCannotTrain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = try copyOfFixturePhotos(directory)
        let backbone = directory.url.appendingPathComponent("se.agmodel").path
        let imported = try AgriTraceBinary.run(["model", "import", FixtureFiles.url("onnx/se_block_opset18.onnx").path,
                                                "--labels", FixtureFiles.url("onnx/se_block_opset18.labels.txt").path, "--out", backbone])
        #expect(imported.status == 0, "\(imported.stderr)")
        let train = try AgriTraceBinary.run(["train", data.path, "--out", directory.url.appendingPathComponent("t.agmodel").path,
                                             "--from", backbone, "--input-size", "32", "--epochs", "1"])
        #expect(train.status == 2)
        #expect(train.stderr.contains("se.agmodel") && train.stderr.contains("(HardSwish): this activation cannot be trained"), "\(train.stderr)")
    }

    /// `--keep last` writes the run's last epoch whatever its validation score, the same model
    /// whether the run goes through or a finished run's checkpoint is resumed; eval reproduces
    /// the score the last epoch's line reported.
    @Test func keepLastWritesTheLastEpochAlsoFromAFinishedCheckpoint() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = try copyOfFixturePhotos(directory)
        let file = { (name: String) in directory.url.appendingPathComponent(name).path }
        func arguments(_ out: String) -> [String] {
            ["train", data.path, "--out", file(out), "--arch", "tiny", "--input-size", "24", "--epochs", "3", "--val-split", "0.34",
             "--seed", "5", "--jobs", "2", "--write-split", file("split.txt")]
        }
        let best = try AgriTraceBinary.run(arguments("best.agmodel"))
        #expect(best.status == 0, "\(best.stderr)")
        let last = try AgriTraceBinary.run(arguments("last.agmodel") + ["--keep", "last"])
        #expect(last.status == 0 && last.stderr.contains("kept the last epoch, 3"), "\(last.stderr)")
        let lastLine = try #require(last.stderr.split(separator: "\n").first { $0.hasPrefix("epoch 3/3") })
        let reported = try #require(lastLine.components(separatedBy: "val macro-F1 ").last?.prefix(6))
        let eval = try AgriTraceBinary.run(["eval", data.path, "--model", file("last.agmodel"), "--split", file("split.txt"), "--json"])
        let classes = try #require((try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])?["classes"] as? [String: Any])
        #expect(String(format: "%.4f", try #require(classes["macro_f1"] as? Double)) == String(reported), "\(lastLine)")
        // The finished keep-best run's checkpoint holds its last epoch: resumed with --keep last, it writes that same model.
        let resumed = try AgriTraceBinary.run(arguments("resumed.agmodel") + ["--resume", "--checkpoint", file("best.agmodel.checkpoint"), "--keep", "last"])
        #expect(resumed.status == 0 && resumed.stderr.contains("resumed after epoch 3"), "\(resumed.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file("resumed.agmodel"))) == Data(contentsOf: URL(fileURLWithPath: file("last.agmodel"))))
        #expect(try AgriTraceBinary.run(arguments("x.agmodel") + ["--keep", "first"]).status == 2)
    }

    /// A run stopped with --stop-after-epoch and resumed gives the same model file, byte for byte,
    /// as the uninterrupted run (the schedule spans --epochs either way).
    @Test func stoppedAndResumedRunEqualsTheUninterruptedRun() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = try copyOfFixturePhotos(directory)
        func arguments(_ out: String) -> [String] {
            ["train", data.path, "--out", directory.url.appendingPathComponent(out).path, "--arch", "tiny", "--input-size", "24",
             "--epochs", "3", "--val-split", "0", "--seed", "5", "--jobs", "2"]
        }
        #expect(try AgriTraceBinary.run(arguments("full.agmodel")).status == 0)
        let stopped = try AgriTraceBinary.run(arguments("part.agmodel") + ["--stop-after-epoch", "1"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("epoch 1/3") && !stopped.stderr.contains("epoch 2/3"), "\(stopped.stderr)")
        let resumed = try AgriTraceBinary.run(arguments("part.agmodel") + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed after epoch 1") && resumed.stderr.contains("epoch 3/3"), "\(resumed.stderr)")
        let full = try Data(contentsOf: directory.url.appendingPathComponent("full.agmodel"))
        let part = try Data(contentsOf: directory.url.appendingPathComponent("part.agmodel"))
        #expect(full == part)
    }

    /// The same for fine-tuning with frozen blocks: the checkpoint holds the frozen weights and the
    /// optimiser state of the trained ones only, and resuming needs the same --from model.
    @Test func fineTuningResumesToTheUninterruptedModel() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = try copyOfFixturePhotos(directory)
        let backbone = directory.url.appendingPathComponent("backbone.agmodel").path
        #expect(try AgriTraceBinary.run(["model", "import", FixtureFiles.url("onnx/mobile_block.onnx").path, "--labels",
                                         FixtureFiles.url("onnx/mobile_block.labels.txt").path, "--out", backbone]).status == 0)
        func arguments(_ out: String) -> [String] {
            ["train", data.path, "--out", directory.url.appendingPathComponent(out).path, "--from", backbone, "--freeze-blocks", "1",
             "--input-size", "32", "--epochs", "3", "--val-split", "0.34", "--seed", "5", "--jobs", "2"]
        }
        #expect(try AgriTraceBinary.run(arguments("full.agmodel")).status == 0)
        #expect(try AgriTraceBinary.run(arguments("part.agmodel") + ["--stop-after-epoch", "2"]).status == 0)
        let other = try AgriTraceBinary.run(["train", data.path, "--out", directory.url.appendingPathComponent("part.agmodel").path,
                                             "--arch", "tiny", "--input-size", "32", "--epochs", "3", "--val-split", "0.34",
                                             "--seed", "5", "--jobs", "2", "--resume"])
        #expect(other.status == 2 && other.stderr.contains("different training options"), "\(other.stderr)")
        let resumed = try AgriTraceBinary.run(arguments("part.agmodel") + ["--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("resumed after epoch 2"), "\(resumed.stderr)")
        let full = try Data(contentsOf: directory.url.appendingPathComponent("full.agmodel"))
        let part = try Data(contentsOf: directory.url.appendingPathComponent("part.agmodel"))
        #expect(full == part)
    }

    @Test func usageAndInputErrorsExitWithStatus2() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = try AgriTraceBinary.run(["train", directory.url.appendingPathComponent("none").path, "--out", "x.agmodel"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("none: not found"))
        let arch = try AgriTraceBinary.run(["train", directory.url.path, "--out", "x.agmodel", "--arch", "huge"])
        #expect(arch.status == 2)
        let data = try copyOfFixturePhotos(directory)
        let noModel = try AgriTraceBinary.run(["eval", data.path, "--model", directory.url.appendingPathComponent("none.agmodel").path])
        #expect(noModel.status == 2)
        #expect(noModel.stderr.contains("none.agmodel"))
        #expect(try AgriTraceBinary.run(trainArguments(data, directory)).status == 0)
        let groups = try AgriTraceBinary.run(["eval", data.path, "--model", directory.url.appendingPathComponent("m.agmodel").path,
                                              "--groups", "0-4,4-9"])
        #expect(groups.status == 2)
        #expect(groups.stderr.contains("--groups '0-4,4-9'"))
    }
}
