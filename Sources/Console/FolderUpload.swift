import Foundation
import Grading
import Localization
#if canImport(Glibc)
import Glibc
#endif

/// A folder of photos as the console's page sends it: `multipart/form-data` where each file part
/// (`name="file"`) comes right after a `path` field holding its path inside the folder (a field of
/// its own, so no browser's file-name escaping touches it). The parts are written to disk as they
/// arrive, never held in memory.
///
/// Every path passes `UploadPath`'s rule (the one zip entries and manifest rows pass: no `..`, no
/// absolute path, no backslash or control character) before a byte of its file is written, and
/// files are created exclusively under `root`, so nothing lands outside it and no file is written
/// twice. The zip's limits apply: number of files, bytes per photo, and the console's upload limit
/// on the bytes of all files together. Every refused path is collected, so the clerk sees them all.
struct FolderReceiver {
    struct TooLarge: Error {}
    /// The body is not a folder upload as the page sends it (cut off, no boundary, a part without its path).
    struct Malformed: Error { let detail: Message }

    let root: URL
    let limits: UploadLimits
    /// Bytes of all files together (the console's upload limit).
    let maxBytes: Int
    private(set) var problems: [UploadProblem] = []
    private(set) var fileCount = 0
    private(set) var contentBytes = 0
    private(set) var paths: [String] = []

    private enum State {
        case preamble, headers, field([UInt8]), file(path: String, descriptor: Int32, bytes: Int), discard, afterBoundary, done
    }
    private var state = State.preamble
    private var pending: [UInt8] = []
    private let delimiter: [UInt8]
    private var pendingPath: String?
    private var tooManyReported = false

    /// Longest path and path component accepted; longer ones are refused (file systems refuse them anyway).
    static let maxPathBytes = 1024, maxComponentBytes = 255

    /// The boundary of a `multipart/form-data` content type, or nil.
    static func boundary(_ contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters.
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    init(root: URL, boundary: String, limits: UploadLimits, maxBytes: Int) {
        self.root = root
        self.limits = limits
        self.maxBytes = maxBytes
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary may open the body without the CRLF before it.
        pending = Array("\r\n".utf8)
    }

    /// Takes the next bytes of the body.
    mutating func feed<Bytes: Collection>(_ bytes: Bytes) throws where Bytes.Element == UInt8 {
        pending.append(contentsOf: bytes)
        try advance()
    }

    /// The body has ended; anything but the closing boundary means it was cut off.
    mutating func finish() throws {
        if case .file(_, let descriptor, _) = state { close(descriptor) }
        guard case .done = state else { throw Malformed(detail: Message("the upload ended before its last part")) }
    }

    /// Closes a file left open by an error (the folder is removed by the caller).
    mutating func abandon() {
        if case .file(_, let descriptor, _) = state { close(descriptor) }
        state = .done
    }

    private mutating func advance() throws {
        while true {
            switch state {
            case .done:
                pending.removeAll()   // the epilogue
                return
            case .preamble:
                guard let at = Self.find(delimiter, in: pending) else {
                    if pending.count > 4096 { throw Malformed(detail: Message("no multipart boundary")) }
                    return
                }
                pending.removeFirst(at + delimiter.count)
                state = .afterBoundary
            case .afterBoundary:
                guard pending.count >= 2 else { return }
                if pending[0] == 0x2D && pending[1] == 0x2D { state = .done; continue }
                guard pending[0] == 0x0D && pending[1] == 0x0A else { throw Malformed(detail: Message("bad multipart boundary line")) }
                pending.removeFirst(2)
                state = .headers
            case .headers:
                guard let end = Self.find(Array("\r\n\r\n".utf8), in: pending) else {
                    if pending.count > 16 << 10 { throw Malformed(detail: Message("part headers longer than 16 KiB")) }
                    return
                }
                let headers = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 4)
                try begin(partHeaders: headers)
            case .field(var value):
                let (body, found) = takeBody()
                value += body
                if value.count > 4096 { throw Malformed(detail: Message("a form field longer than 4 KiB")) }
                if found {
                    pendingPath = String(decoding: value, as: UTF8.self)
                    state = .afterBoundary
                } else {
                    state = .field(value)
                    return
                }
            case .file(let path, let descriptor, var bytes):
                let (body, found) = takeBody()
                bytes += body.count
                contentBytes += body.count
                if contentBytes > maxBytes { close(descriptor); throw TooLarge() }
                if bytes > limits.maxFileBytes {
                    close(descriptor)
                    unlink(root.appendingPathComponent(path).path)
                    problems.append(UploadProblem(file: path, Message("{n} bytes, more than the limit of {limit} per photo",
                                                                      ["n": .integer(bytes), "limit": .integer(limits.maxFileBytes)])))
                    state = found ? .afterBoundary : .discard
                    continue
                }
                try Self.write(body, to: descriptor, path: path)
                if found {
                    close(descriptor)
                    state = .afterBoundary
                } else {
                    state = .file(path: path, descriptor: descriptor, bytes: bytes)
                    return
                }
            case .discard:
                let (body, found) = takeBody()
                contentBytes += body.count
                if contentBytes > maxBytes { throw TooLarge() }
                if found { state = .afterBoundary } else { return }
            }
        }
    }

    /// The part's bytes available so far, and whether its closing delimiter was reached. Bytes that
    /// could be the start of the delimiter stay in `pending` until more arrive.
    private mutating func takeBody() -> ([UInt8], Bool) {
        if let at = Self.find(delimiter, in: pending) {
            let body = Array(pending[..<at])
            pending.removeFirst(at + delimiter.count)
            return (body, true)
        }
        let safe = max(0, pending.count - (delimiter.count - 1))
        let body = Array(pending[..<safe])
        pending.removeFirst(safe)
        return (body, false)
    }

    private mutating func begin(partHeaders: String) throws {
        var name = ""
        for line in partHeaders.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            name = Self.parameter("name", in: String(line)) ?? ""
        }
        switch name {
        case "path":
            state = .field([])
        case "file":
            guard let path = pendingPath else { throw Malformed(detail: Message("a file part without its path field")) }
            pendingPath = nil
            state = openFile(path).map { .file(path: path, descriptor: $0, bytes: 0) } ?? .discard
        default:
            state = .discard
        }
    }

    /// Creates the file for `path` under `root`, or records why not (and returns nil).
    private mutating func openFile(_ path: String) -> Int32? {
        if let problem = UploadPath.problem(with: path) {
            problems.append(UploadProblem(file: path, problem))
            return nil
        }
        if path.utf8.count > Self.maxPathBytes || path.split(separator: "/").contains(where: { $0.utf8.count > Self.maxComponentBytes }) {
            problems.append(UploadProblem(file: String(path.prefix(200)), Message("path too long (at most {limit} bytes, {part} per folder or file name)",
                                                                                  context: "console", ["limit": .integer(Self.maxPathBytes), "part": .integer(Self.maxComponentBytes)])))
            return nil
        }
        fileCount += 1
        guard fileCount <= limits.maxEntries else {
            if !tooManyReported {
                tooManyReported = true
                problems.append(UploadProblem(file: root.lastPathComponent, Message("{n} files, more than the limit of {limit}",
                                                                                   ["n": .text("> \(limits.maxEntries)"), "limit": .integer(limits.maxEntries)])))
            }
            return nil
        }
        let target = root.appendingPathComponent(path)
        do {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            problems.append(UploadProblem(file: path, Message("cannot be read: {reason}", ["reason": .message(.fileError(error))])))
            return nil
        }
        // O_EXCL: a path sent twice is refused rather than overwritten; O_NOFOLLOW: never through a link.
        let descriptor = open(target.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = errno
            if reason == EEXIST {
                problems.append(UploadProblem(file: path, Message("more than one file has this name ('{first}' and '{second}'; names must differ by more than case or Unicode normalisation)",
                                                                  ["first": .text(path), "second": .text(path)])))
            } else {
                problems.append(UploadProblem(file: path, Message("cannot be read: {reason}", ["reason": .message(.systemError(reason))])))
            }
            return nil
        }
        paths.append(path)
        return descriptor
    }

    private static func write(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Malformed(detail: Message("{path}: cannot write: {reason}", ["path": .text(path), "reason": .message(.systemError(errno))])) }
            offset += n
        }
    }

    /// `name="value"` in a Content-Disposition header (browsers escape `"` inside as %22).
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            return value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? String(value.dropFirst().dropLast()) : value
        }
        return nil
    }

    /// Offset of `needle` in `haystack`. The search runs over every byte of large uploads, so it
    /// leaves the scanning to memchr and memcmp (fast even in a debug build).
    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        return haystack.withUnsafeBytes { hay -> Int? in
            needle.withUnsafeBytes { pin -> Int? in
                let base = hay.baseAddress!
                let last = hay.count - pin.count
                var from = 0
                while from <= last {
                    guard let hit = memchr(base + from, Int32(first), last - from + 1) else { return nil }
                    let at = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                    if memcmp(base + at, pin.baseAddress!, pin.count) == 0 { return at }
                    from = at + 1
                }
                return nil
            }
        }
    }

    /// The folder to grade: `root` itself, or its one top-level folder when the files all sit
    /// in it (what a browser sends for a chosen or dropped folder: "harvest/manifest.csv").
    func gradingRoot() -> URL {
        if paths.contains(Upload.manifestName) { return root }
        let tops = Set(paths.map { $0.split(separator: "/", maxSplits: 1)[0] })
        guard tops.count == 1, let top = tops.first, paths.contains(top + "/" + Upload.manifestName) else { return root }
        return root.appendingPathComponent(String(top))
    }
}
