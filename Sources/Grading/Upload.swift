import Foundation
import Localization

/// A farm upload: a folder or a `.zip` holding `manifest.csv` and the photos it lists.
///
/// Opening lists the files and applies `UploadLimits` and `UploadPath`; everything refused is
/// collected in `problems` so validation can report it together with the manifest's problems.
/// A zip whose entries all sit under one top-level folder (what "compress folder" makes) is read
/// as if that folder were the root.
public final class Upload: Sendable {
    public static let manifestName = "manifest.csv"

    public struct File: Sendable, Equatable {
        /// Path inside the upload, as stored.
        public let path: String
        public let size: Int
        fileprivate let zipEntry: ZipArchive.Entry?
    }

    private enum Storage: Sendable {
        case folder(URL)
        case zip(ZipArchive, prefix: String)
    }

    public let name: String
    /// Photos and other files by `UploadPath.key` (NFC) path, manifest excluded.
    public let files: [String: File]
    public let manifest: File?
    public let problems: [UploadProblem]
    /// `UploadPath.key`s of files the upload holds but refused (a symbolic link, over the size
    /// limit, a name shared with another file...): each is already one of `problems`, so a
    /// manifest row naming it is not also "not in the upload".
    public let refused: Set<String>
    private let storage: Storage

    public init(url: URL, limits: UploadLimits = .default) throws {
        let name = url.lastPathComponent
        self.name = name
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw UploadValidationError(upload: name, problems: [UploadProblem(file: name, Message("no such file or folder"))])
        }
        var listed: [File] = []
        var problems: [UploadProblem] = []
        var refusedPaths: [String] = []
        if isDirectory.boolValue {
            storage = .folder(url)
            listed = Upload.listFolder(url, limits: limits, problems: &problems)
            refusedPaths = problems.map(\.file)
        } else {
            // A pipe or device would block or be called "permission denied" by the zip reader.
            if let problem = Message.notRegularFile(url.path) {
                throw UploadValidationError(upload: name, problems: [UploadProblem(file: name, problem)])
            }
            let archive: ZipArchive
            do {
                archive = try ZipArchive(url: url, limits: limits)
            } catch let error as ZipError {
                throw UploadValidationError(upload: name, problems: [UploadProblem(file: error.entry ?? name, error.detailMessage)])
            }
            problems += archive.problems.map { UploadProblem(file: $0.entry ?? name, $0.detailMessage) }
            let prefix = Upload.commonFolderPrefix(archive.entries.map(\.name))
            refusedPaths = archive.problems.compactMap(\.entry).map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
            storage = .zip(archive, prefix: prefix)
            listed = archive.entries.map {
                File(path: String($0.name.dropFirst(prefix.count)), size: $0.uncompressedSize, zipEntry: $0)
            }
        }
        if listed.count > limits.maxEntries {
            problems.append(UploadProblem(file: name, Message("{n} files, more than the limit of {limit}", ["n": .integer(listed.count), "limit": .integer(limits.maxEntries)])))
        }
        let total = listed.reduce(0) { $0 + $1.size }
        if total > limits.maxTotalBytes {
            problems.append(UploadProblem(file: name, Message("{n} bytes in total, more than the limit of {limit}", ["n": .integer(total), "limit": .integer(limits.maxTotalBytes)])))
        }
        // Names equal up to Unicode normalisation or case are one file to macOS and Windows, and a
        // zip can simply repeat a name: which one was meant is unknown, so none of them is used.
        var firstByName: [String: String] = [:]
        var ambiguous: Set<String> = []
        for file in listed {
            let key = UploadPath.collisionKey(file.path)
            if let first = firstByName[key] {
                problems.append(UploadProblem(file: file.path, Message("more than one file has this name ('{first}' and '{second}'; names must differ by more than case or Unicode normalisation)",
                                                                       ["first": .text(first), "second": .text(file.path)])))
                ambiguous.insert(key)
                refusedPaths += [first, file.path]
            } else {
                firstByName[key] = file.path
            }
        }
        var byKey: [String: File] = [:]
        var manifest: File?
        for file in listed where !ambiguous.contains(UploadPath.collisionKey(file.path)) {
            if file.path == Upload.manifestName {
                if file.size > limits.maxManifestBytes {
                    problems.append(UploadProblem(file: file.path, Message("{n} bytes, more than the limit of {limit}", ["n": .integer(file.size), "limit": .integer(limits.maxManifestBytes)])))
                } else {
                    manifest = file
                }
                continue
            }
            if file.size > limits.maxFileBytes {
                problems.append(UploadProblem(file: file.path, Message("{n} bytes, more than the limit of {limit} per photo", ["n": .integer(file.size), "limit": .integer(limits.maxFileBytes)])))
                refusedPaths.append(file.path)
                continue
            }
            byKey[UploadPath.key(file.path)] = file
        }
        let manifestKey = UploadPath.collisionKey(Upload.manifestName)
        if manifest == nil && !problems.contains(where: { UploadPath.collisionKey($0.file) == manifestKey }) {
            problems.append(UploadProblem(file: Upload.manifestName, Message("missing: the upload must hold manifest.csv at its top level")))
        }
        self.files = byKey
        self.refused = Set(refusedPaths.map(UploadPath.key))
        self.manifest = manifest
        self.problems = problems
    }

    /// The bytes of a file of the upload (inflated and CRC-checked for a zip).
    public func contents(of file: File) throws -> Data {
        switch (storage, file.zipEntry) {
        case (.folder(let root), nil):
            return try Data(contentsOf: root.appendingPathComponent(file.path), options: .uncached)
        case (.zip(let archive, _), let entry?):
            return try archive.contents(of: entry)
        default:
            throw UploadValidationError(upload: name, problems: [UploadProblem(file: file.path, Message("is not a file of this upload"))])
        }
    }

    /// The bytes of the file a manifest row names (matched by `UploadPath.key`).
    public func contents(ofPath path: String) throws -> Data {
        guard let file = files[UploadPath.key(path)] else {
            throw UploadValidationError(upload: name, problems: [UploadProblem(file: path, Message("not in the upload"))])
        }
        return try contents(of: file)
    }

    /// Regular files under `root`, without following symbolic links (each one is a problem).
    private static func listFolder(_ root: URL, limits: UploadLimits, problems: inout [UploadProblem]) -> [File] {
        var files: [File] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let folder = relative.isEmpty ? root : root.appendingPathComponent(relative)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
                problems.append(UploadProblem(file: relative.isEmpty ? root.lastPathComponent : relative, Message("folder cannot be read")))
                continue
            }
            for name in names.sorted() {
                let path = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(folder.appendingPathComponent(name).path, &info) == 0 else {
                    problems.append(UploadProblem(file: path, Message("cannot be read: {reason}", ["reason": .text(String(cString: strerror(errno)))])))
                    continue
                }
                switch info.st_mode & S_IFMT {
                case S_IFLNK:
                    problems.append(UploadProblem(file: path, Message("symbolic links are not allowed in uploads")))
                case S_IFDIR:
                    pending.append(path)
                case S_IFREG:
                    if !UploadPath.isSystemClutter(path) { files.append(File(path: path, size: Int(info.st_size), zipEntry: nil)) }
                default:
                    problems.append(UploadProblem(file: path, Message("not a regular file")))
                }
                if files.count > limits.maxEntries { return files }   // stop walking a runaway tree
            }
        }
        return files
    }

    /// "folder/" when every entry sits under that one folder and there is no top-level manifest.
    private static func commonFolderPrefix(_ names: [String]) -> String {
        if names.contains(manifestName) { return "" }
        guard let first = names.first, let slash = first.firstIndex(of: "/") else { return "" }
        let prefix = String(first[...slash])
        return names.allSatisfy({ $0.hasPrefix(prefix) }) && names.contains(prefix + manifestName) ? prefix : ""
    }
}
