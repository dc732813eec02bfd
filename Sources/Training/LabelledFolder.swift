import Foundation

/// One photo of a labelled folder.
public struct LabelledPhoto: Sendable, Equatable {
    public var url: URL
    /// "<class folder>/<file name>": the photo's name in split files and reports.
    public var relativePath: String
    public var label: Int
    /// The physical item (e.g. one tomato) the photo shows; photos of one item stay on one side
    /// of a split.
    public var item: String
}

/// A training/evaluation folder: one sub-folder per class, folder names (sorted) are the labels.
public struct LabelledFolder: Sendable {
    public var root: URL
    public var labels: [String]
    public var photos: [LabelledPhoto]

    /// Photos are listed in a fixed order (label, then file name) so everything downstream is
    /// reproducible. Hidden files are ignored; unreadable photos are found later, at decode time.
    public init(root: URL, grouping: ItemGrouping = .byNamePrefix) throws {
        self.root = root
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError(path: root.path, reason: "not a folder")
        }
        let entries: [String]
        do {
            entries = try fileManager.contentsOfDirectory(atPath: root.path)
        } catch {
            throw DatasetError(path: root.path, reason: "cannot list: \(error.localizedDescription)")
        }
        labels = entries.filter { name in
            var folder: ObjCBool = false
            return !name.hasPrefix(".")
                && fileManager.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &folder)
                && folder.boolValue
        }.sorted()
        guard labels.count >= 2 else {
            throw DatasetError(path: root.path, reason: "needs at least two class folders, found \(labels.count)")
        }
        photos = []
        for (label, name) in labels.enumerated() {
            let folder = root.appendingPathComponent(name, isDirectory: true)
            let files = try fileManager.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
            for file in files {
                let url = folder.appendingPathComponent(file)
                var isFolder: ObjCBool = false
                guard fileManager.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
                photos.append(LabelledPhoto(url: url, relativePath: "\(name)/\(file)", label: label,
                                            item: grouping.item(forFileName: file, relativePath: "\(name)/\(file)")))
            }
        }
        for (label, name) in labels.enumerated() where !photos.contains(where: { $0.label == label }) {
            throw DatasetError(path: root.appendingPathComponent(name).path, reason: "class folder has no files")
        }
    }

    public func count(ofLabel label: Int) -> Int { photos.reduce(0) { $0 + ($1.label == label ? 1 : 0) } }
}

/// How photos are tied to physical items for the split.
public enum ItemGrouping: String, Sendable, CaseIterable {
    /// The leading letters of the file name name the item ("Bbb043.jpg" → "Bbb"; FGrade names a
    /// tomato by letters and the day by digits). Names with no letters ("061.jpg") share the item
    /// "#" — in FGrade they are one series of consecutive days (001…089 running through the
    /// grades) that behaves like one more tomato, so it is kept on one side.
    case byNamePrefix = "prefix"
    /// Every photo is its own item (a plain stratified split).
    case none

    public func item(forFileName fileName: String, relativePath: String) -> String {
        switch self {
        case .none: return relativePath
        case .byNamePrefix:
            let prefix = fileName.prefix { $0.isLetter }
            return prefix.isEmpty ? "#" : String(prefix)
        }
    }
}

/// A problem with a dataset folder or a split file, naming the path.
public struct DatasetError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
