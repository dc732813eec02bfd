import Deterministic
import Foundation

/// Which photos train and which validate, as indices into `LabelledFolder.photos`.
///
/// Split files are text, one photo per line: `train<TAB><class>/<file>` or
/// `validation<TAB><class>/<file>`, after `#` comment lines; `agritrace eval --split` reads them.
public struct DatasetSplit: Sendable, Equatable {
    public var training: [Int]
    public var validation: [Int]

    public init(training: [Int], validation: [Int]) {
        self.training = training
        self.validation = validation
    }

    /// Holds out whole items, about `fraction` of the photos of every class.
    ///
    /// Items are visited in a seeded random order; an item goes to validation when that brings
    /// the per-class validation counts closer (in total absolute difference) to
    /// `fraction × class size`. Each FGrade tomato appears in all grades, so whole-tomato hold-out
    /// stays close to stratified.
    public static func stratifiedByItem(_ folder: LabelledFolder, fraction: Double, seed: UInt64) -> DatasetSplit {
        let classes = folder.labels.count
        var photosOfItem: [String: [Int]] = [:]
        for (index, photo) in folder.photos.enumerated() { photosOfItem[photo.item, default: []].append(index) }
        var items = photosOfItem.keys.sorted()
        var random = SeededRandom(seed: seed, stream: 0x5117)
        items.shuffle(using: &random)
        let targets = (0..<classes).map { Double(folder.count(ofLabel: $0)) * fraction }
        var held = [Double](repeating: 0, count: classes)
        var validation = Set<Int>()
        for item in items {
            var counts = [Double](repeating: 0, count: classes)
            for index in photosOfItem[item]! { counts[folder.photos[index].label] += 1 }
            let before = zip(held, targets).reduce(0) { $0 + abs($1.0 - $1.1) }
            let after = (0..<classes).reduce(0) { $0 + abs(held[$1] + counts[$1] - targets[$1]) }
            if after < before {
                for c in 0..<classes { held[c] += counts[c] }
                validation.formUnion(photosOfItem[item]!)
            }
        }
        let all = Array(folder.photos.indices)
        return DatasetSplit(training: all.filter { !validation.contains($0) }, validation: all.filter { validation.contains($0) })
    }

    public func text(for folder: LabelledFolder, header: [String]) -> String {
        var lines = ["# agritrace split v1"] + header.map { "# " + $0 }
        let side = Dictionary(uniqueKeysWithValues: training.map { ($0, "train") } + validation.map { ($0, "validation") })
        for index in folder.photos.indices {
            if let name = side[index] { lines.append("\(name)\t\(folder.photos[index].relativePath)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a split file against `folder`. Every listed photo must exist in the folder; photos of
    /// the folder that the file does not list are left out of both sides.
    public static func read(from url: URL, for folder: LabelledFolder) throws -> DatasetSplit {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw DatasetError(path: url.path, reason: "cannot read split file: \(error.localizedDescription)")
        }
        let indexOfPath = Dictionary(uniqueKeysWithValues: folder.photos.enumerated().map { ($1.relativePath, $0) })
        var training: [Int] = [], validation: [Int] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard fields.count == 2, fields[0] == "train" || fields[0] == "validation" else {
                throw DatasetError(path: url.path, reason: "line \(number + 1): expected 'train' or 'validation', a tab and a photo path")
            }
            guard let index = indexOfPath[fields[1]] else {
                throw DatasetError(path: url.path, reason: "line \(number + 1): \(fields[1]) is not in \(folder.root.path)")
            }
            if fields[0] == "train" { training.append(index) } else { validation.append(index) }
        }
        return DatasetSplit(training: training.sorted(), validation: validation.sorted())
    }
}
