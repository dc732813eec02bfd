import Foundation

/// The one way output files are written. A regular file (or a new one) is written atomically,
/// so no reader sees half of it; a device or pipe the user names (`/dev/stdout`, `/dev/null`, a
/// fifo) is written in place, because an atomic write renames a new file over the name and would
/// replace the device itself; a folder is refused as such.
public enum OutputFile {
    public static func write(_ data: Data, to path: String, replacing: Bool = true) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                throw POSIXError(.EISDIR)
            case S_IFREG:
                if !replacing { throw POSIXError(.EEXIST) }
            default:
                guard let handle = FileHandle(forWritingAtPath: path) else { throw POSIXError(.EACCES) }
                defer { try? handle.close() }
                try handle.write(contentsOf: data)
                return
            }
        }
        try data.write(to: URL(fileURLWithPath: path), options: replacing ? .atomic : .withoutOverwriting)
    }
}
