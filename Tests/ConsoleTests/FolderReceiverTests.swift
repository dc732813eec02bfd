import Foundation
import Grading
import Testing
import TestSupport
@testable import Console

/// The folder upload's multipart reader: files land under the root with their paths, whatever
/// the chunking of the body; every refused path is reported and nothing is written for it.
@Suite struct FolderReceiverTests {
    static let boundary = "----AgriTraceTestBoundary7MA4YWxkTrZu0gW"

    /// A body as Chromium builds it from the page's FormData: `path` field, then the file part.
    static func body(_ files: [(path: String, bytes: [UInt8])], close: Bool = true) -> [UInt8] {
        var body: [UInt8] = []
        for file in files {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\n\(file.path)\r\n".utf8)
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        if close { body += Array("--\(boundary)--\r\n".utf8) }
        return body
    }

    static func receive(_ body: [UInt8], chunk: Int, root: URL, maxBytes: Int = 1 << 20,
                        limits: UploadLimits = .default) throws -> FolderReceiver {
        var receiver = FolderReceiver(root: root, boundary: boundary, limits: limits, maxBytes: maxBytes)
        var offset = 0
        while offset < body.count {
            try receiver.feed(body[offset..<min(body.count, offset + chunk)])
            offset += chunk
        }
        try receiver.finish()
        return receiver
    }

    @Test func theBoundaryIsReadFromTheContentType() {
        #expect(FolderReceiver.boundary("multipart/form-data; boundary=----WebKitFormBoundaryAbC") == "----WebKitFormBoundaryAbC")
        #expect(FolderReceiver.boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == "a b")
        #expect(FolderReceiver.boundary("application/zip") == nil)
        #expect(FolderReceiver.boundary("multipart/form-data") == nil)
        #expect(FolderReceiver.boundary("multipart/form-data; boundary=" + String(repeating: "x", count: 71)) == nil)
    }

    /// Files whose bytes hold CRLFs, dashes and most of the delimiter, cut into chunks of every
    /// size from 1 byte up: the delimiter split across chunks must still be found, and a near
    /// miss must stay file content.
    @Test func filesArriveWholeWhateverTheChunking() throws {
        var generator = SeededGenerator(seed: 14)
        let tricky = Array("\r\n--\(Self.boundary.dropLast())x\r\n--\r\n-".utf8)
        let files: [(path: String, bytes: [UInt8])] = [
            ("harvest/manifest.csv", Array("file,lot_code\r\nnguyễn/ảnh 1.jpg,DT-1\r\n".utf8)),
            ("harvest/nguyễn/ảnh 1.jpg", (0..<3000).map { _ in UInt8.random(in: 0...255, using: &generator) } + tricky),
            ("harvest/empty.jpg", []),
            ("harvest/b.jpg", tricky + tricky),
        ]
        let body = Self.body(files)
        for chunk in [1, 2, 3, 7, 41, 42, 43, 1000, body.count] {
            let root = try TemporaryDirectory(prefix: "folder-receiver")
            defer { root.remove() }
            let receiver = try Self.receive(body, chunk: chunk, root: root.url)
            #expect(receiver.problems.isEmpty, "chunk \(chunk): \(receiver.problems)")
            for file in files {
                let stored = try Data(contentsOf: root.url.appendingPathComponent(file.path))
                #expect(Array(stored) == file.bytes, "chunk \(chunk): \(file.path) differs (\(stored.count) bytes, sent \(file.bytes.count))")
            }
            #expect(receiver.gradingRoot() == root.url.appendingPathComponent("harvest"))
        }
    }

    /// Zip slip and its relatives, sent as folder paths: each one reported, none written anywhere.
    @Test func everyUnsafePathIsReportedAndNothingIsWrittenForIt() throws {
        let outside = try TemporaryDirectory(prefix: "folder-receiver-outside")
        defer { outside.remove() }
        let root = outside.url.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: false)
        let bad = ["../escaped.jpg", "a/../../escaped.jpg", outside.url.path + "/absolute.jpg", "C:evil.jpg", "a\\..\\b.jpg",
                   "a//b.jpg", "./a.jpg", "line\nbreak.jpg", String(repeating: "x", count: 300) + ".jpg"]
        let body = Self.body([("manifest.csv", Array("file\n".utf8))] + bad.map { ($0, Array("bytes".utf8)) } + [("manifest.csv", [])])
        let receiver = try Self.receive(body, chunk: 64, root: root)
        let reported = receiver.problems.map(\.description)
        #expect(receiver.problems.count == bad.count + 1, "\(reported)")
        #expect(reported.contains { $0.contains("../escaped.jpg: path escapes the upload") })
        #expect(reported.contains { $0.contains("absolute.jpg: absolute path") })
        #expect(reported.contains { $0.contains("more than one file has this name") }, "a path sent twice")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.url.path) == ["root"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["manifest.csv"])
        #expect(try Data(contentsOf: root.appendingPathComponent("manifest.csv")) == Data("file\n".utf8), "the first one stays")
    }

    @Test func theLimitsOfAZipApply() throws {
        let root = try TemporaryDirectory(prefix: "folder-receiver-limits")
        defer { root.remove() }
        // Bytes of all files together: the console's limit (413, not a problem list).
        #expect(throws: FolderReceiver.TooLarge.self) {
            _ = try Self.receive(Self.body([("a.jpg", [UInt8](repeating: 1, count: 600)), ("b.jpg", [UInt8](repeating: 2, count: 600))]),
                                 chunk: 100, root: root.url.appendingPathComponent("total"), maxBytes: 1000)
        }
        // Per photo and number of files: listed like a zip's.
        let limits = UploadLimits(maxEntries: 3, maxFileBytes: 100)
        let sub = root.url.appendingPathComponent("each")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: false)
        let receiver = try Self.receive(Self.body([("big.jpg", [UInt8](repeating: 1, count: 101)), ("a.jpg", [1]), ("b.jpg", [2]), ("c.jpg", [3])]),
                                        chunk: 17, root: sub, limits: limits)
        let reported = receiver.problems.map(\.description)
        #expect(reported.contains("big.jpg: 101 bytes, more than the limit of 100 per photo"), "\(reported)")
        #expect(reported.contains { $0.contains("more than the limit of 3") }, "\(reported)")
        #expect(!FileManager.default.fileExists(atPath: sub.appendingPathComponent("big.jpg").path))
    }

    @Test func aBodyCutOffOrWithoutPathsIsRefused() throws {
        let root = try TemporaryDirectory(prefix: "folder-receiver-cut")
        defer { root.remove() }
        #expect(throws: FolderReceiver.Malformed.self) {
            _ = try Self.receive(Self.body([("a.jpg", [1, 2, 3])], close: false), chunk: 10, root: root.url)
        }
        let noPath = Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\nxyz\r\n--\(Self.boundary)--\r\n".utf8)
        #expect(throws: FolderReceiver.Malformed.self) { _ = try Self.receive(noPath, chunk: 5, root: root.url) }
    }
}
