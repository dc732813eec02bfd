import Foundation

/// The one way output files are written. A regular file (or a new one) is written atomically,
/// so no reader sees half of it and a failed write leaves nothing behind; a device or pipe the user names (`/dev/stdout`, `/dev/null`, a
/// fifo) is written in place, because an atomic write renames a new file over the name and would
/// replace the device itself; a folder is refused as such.
/// An output never replaces a ledger, a private key or one of the command's inputs
/// (`OutputFile.refusal`): a slip such as `--out coop.db` must not destroy what it was reading.
public enum OutputFile {
    /// `inputs`: files (or folders, meaning every file inside them) the command reads.
    public static func write(_ data: Data, to path: String, replacing: Bool = true, inputs: [String] = []) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                throw POSIXError(.EISDIR)
            case S_IFREG:
                if !replacing { throw POSIXError(.EEXIST) }
                if let refusal = refusal(replacing: path, inputs: inputs) { throw refusal }
            default:
                guard let handle = FileHandle(forWritingAtPath: path) else { throw POSIXError(.EACCES) }
                defer { try? handle.close() }
                try handle.write(contentsOf: data)
                return
            }
        }
        try writeThroughTemporaryFile(data, to: path, replacing: replacing)
    }

    /// Writes a temporary file beside `path` and moves it into place only once it is complete, so
    /// a failed write (a full disk, a size limit) leaves no truncated output and no temporary file.
    /// Without `replacing`, the move is a hard link, which fails if `path` appeared meanwhile.
    /// Errors are `POSIXError`s, so callers can say what went wrong in the user's language.
    private static func writeThroughTemporaryFile(_ data: Data, to path: String, replacing: Bool) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw posixError() }
        var written = false
        defer { if !written { unlink(temporary) } }
        do {
            defer { close(descriptor) }
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let count = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw posixError()
                    }
                    offset += count
                }
            }
            guard fsync(descriptor) == 0 else { throw posixError() }
        }
        if replacing {
            guard rename(temporary, path) == 0 else { throw posixError() }
            written = true
        } else {
            guard link(temporary, path) == 0 else { throw posixError() }
        }
    }

    private static func posixError() -> POSIXError { POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }

    /// Why the existing regular file at `path` must not be replaced by an output, or nil when it may be.
    /// Files are compared by device and inode, so a symlink or another spelling of an input is
    /// recognised; a ledger and a private key are recognised by their first bytes.
    public static func refusal(replacing path: String, inputs: [String] = []) -> OutputRefusal? {
        var target = stat()
        guard stat(path, &target) == 0, target.st_mode & S_IFMT == S_IFREG else { return nil }
        for input in inputs {
            var info = stat()
            guard stat(input, &info) == 0 else { continue }
            if info.st_dev == target.st_dev, info.st_ino == target.st_ino { return OutputRefusal(path: path, kind: .input) }
            if info.st_mode & S_IFMT == S_IFDIR, let folder = realpath(input), let file = realpath(path), file.hasPrefix(folder + "/") {
                return OutputRefusal(path: path, kind: .input)
            }
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        if head.starts(with: Array("SQLite format 3\u{0}".utf8)) { return OutputRefusal(path: path, kind: .database) }
        if head.starts(with: Array("PRIVATE+KEY+".utf8)) { return OutputRefusal(path: path, kind: .privateKey) }
        return nil
    }

    private static func realpath(_ path: String) -> String? {
        guard let resolved = Foundation.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// An output that would have replaced something it must not (a usage error: nothing was written).
public struct OutputRefusal: LocalizableError, Equatable {
    public enum Kind: Sendable, Equatable { case input, database, privateKey }
    public let path: String
    public let kind: Kind

    public var message: Message {
        switch kind {
        case .input: Message("{file} is one of this command's inputs; an output never replaces it: choose another file", ["file": .text(path)])
        case .database: Message("{file} is a database (a ledger?); an output never replaces one: choose another file", ["file": .text(path)])
        case .privateKey: Message("{file} is a private key file; an output never replaces one: choose another file", ["file": .text(path)])
        }
    }
}
