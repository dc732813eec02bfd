import Foundation

extension Message {
    /// An `errno` value in words: the common ones as messages (so they are translated), any other
    /// as the C library's own text.
    public static func systemError(_ code: Int32) -> Message {
        switch code {
        case ENOENT: Message("no such file or directory")
        case EACCES, EPERM: Message("permission denied")
        case EEXIST: Message("the file already exists")
        case EISDIR: Message("is a directory, not a file")
        case ENOTDIR: Message("a part of the path is not a directory")
        case ENOSPC: Message("no space left on the device")
        case EROFS: Message("the file system is read-only")
        case EFBIG: Message("the file would exceed the size limit for files")
        default: .verbatim(String(cString: strerror(code)))
        }
    }
}

extension Message {
    /// Why a URL request got no answer: the usual network failures as messages (the HTTP
    /// library's own text is English), anything else in the library's words.
    public static func networkError(_ error: any Error) -> Message {
        switch (error as? URLError)?.code {
        case .cannotConnectToHost?: Message("the connection was refused (nothing listens there)")
        case .timedOut?: Message("no answer within the time limit")
        case .cannotFindHost?, .dnsLookupFailed?: Message("the host name could not be found")
        case .networkConnectionLost?: Message("the connection was lost")
        case .notConnectedToInternet?: Message("this machine has no network connection")
        default: .verbatim((error as NSError).localizedDescription)
        }
    }
}

extension Message {
    /// A Foundation file error (reading or writing a file) in words: the usual causes as messages,
    /// anything else as Foundation's own text.
    /// `path`, when given, is the file that was being read: Foundation on Linux reports reading a
    /// folder as the bare "error 256", so the folder is recognised by looking at the path.
    public static func fileError(_ error: any Error, path: String? = nil) -> Message {
        // Our own readers (zip entries, decoders) say what is wrong themselves; bridged to NSError they would say "error 1".
        if let described = error as? any LocalizableError { return described.message }
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return systemError(Int32(error.code)) }
        let path = path ?? error.userInfo[NSFilePathErrorKey] as? String ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
        var info = stat()
        if error.domain == NSCocoaErrorDomain, error.code == CocoaError.fileReadUnknown.rawValue,
           let path, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            return systemError(EISDIR)
        }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return systemError(Int32(underlying.code))
        }
        if error.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: error.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: return systemError(ENOENT)
            case .fileReadNoPermission, .fileWriteNoPermission: return systemError(EACCES)
            case .fileWriteFileExists: return systemError(EEXIST)
            case .fileWriteOutOfSpace: return systemError(ENOSPC)
            case .fileWriteVolumeReadOnly: return systemError(EROFS)
            default: break
            }
        }
        return .verbatim(error.localizedDescription)
    }
}

extension Message {
    /// Why `path` cannot be read as a regular file, or nil when it is one. Readers check this first:
    /// Foundation calls a device or pipe "permission denied", SQLite calls a folder "disk I/O
    /// error", and opening a fifo nobody writes to blocks for ever.
    public static func notRegularFile(_ path: String) -> Message? {
        var info = stat()
        guard stat(path, &info) == 0 else { return systemError(errno) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return systemError(EISDIR)
        default: return Message("not a regular file (a device, pipe or socket)")
        }
    }
}
