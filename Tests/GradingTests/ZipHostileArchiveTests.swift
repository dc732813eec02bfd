import Foundation
import Testing
import TestSupport
@testable import Grading

/// Archives built to break the reader: every size, offset and count field at its extremes,
/// entries sharing data, local headers that disagree with the central directory, repeated names.
/// Whatever the input, the reader must throw a `ZipError` or read exactly what was written,
/// within the limits, and never trap.
@Suite struct ZipHostileArchiveTests {
    /// Photo-like bytes (barely compressible) and a compressible manifest.
    static let photo: [UInt8] = {
        var generator = SeededGenerator(seed: 11)
        return (0..<3000).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }()
    static let manifest = Array(String(repeating: "a/1.jpg,L1,VN-1,F1,tomato,2026-11-03\r\n", count: 40).utf8)

    static func sample(zip64: Bool) -> ZipBuilder {
        ZipBuilder(items: [
            .init(name: "manifest.csv", data: manifest, deflated: true, zip64: zip64),
            .init(name: "a/1.jpg", data: photo, deflated: false, zip64: zip64),
            .init(name: "a/2.jpg", data: photo.reversed(), deflated: true),
        ], zip64Directory: zip64)
    }

    static let limits = UploadLimits()

    /// Opens `bytes` and reads every entry, checking the reader's promises. Returns the archive-level
    /// error, if any, and the problems and read failures of the entries.
    @discardableResult
    func expectSafe(_ bytes: [UInt8], original: [String: [UInt8]], limits: UploadLimits = limits,
                    sourceLocation: SourceLocation = #_sourceLocation) -> (thrown: ZipError?, refused: [ZipError], failed: [ZipError]) {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(data: Data(bytes), fileName: "hostile.zip", limits: limits)
        } catch let error as ZipError {
            #expect(!error.detail.isEmpty, sourceLocation: sourceLocation)
            return (error, [], [])
        } catch {
            Issue.record("not a ZipError: \(error)", sourceLocation: sourceLocation)
            return (nil, [], [])
        }
        var failed: [ZipError] = []
        var inflated = 0
        #expect(archive.entries.reduce(0) { $0 + $1.uncompressedSize } <= limits.maxTotalBytes, sourceLocation: sourceLocation)
        for entry in archive.entries {
            #expect(entry.uncompressedSize <= limits.maxFileBytes, sourceLocation: sourceLocation)
            do {
                let data = try archive.contents(of: entry)
                inflated += data.count
                #expect(data.count == entry.uncompressedSize, sourceLocation: sourceLocation)
                // A lying field must never make the reader return other bytes than were written.
                #expect(original[entry.name].map { Data($0) == data } ?? false,
                        "entry '\(entry.name)' read back different bytes", sourceLocation: sourceLocation)
            } catch let error as ZipError {
                failed.append(error)
            } catch {
                Issue.record("not a ZipError: \(error)", sourceLocation: sourceLocation)
            }
        }
        // Counted across entries: the whole archive never inflates beyond the ratio times its size.
        #expect(inflated <= limits.maxCompressionRatio * bytes.count, sourceLocation: sourceLocation)
        #expect(inflated <= limits.maxTotalBytes, sourceLocation: sourceLocation)
        return (nil, archive.problems, failed)
    }

    static func original(_ builder: ZipBuilder) -> [String: [UInt8]] {
        Dictionary(builder.items.map { ($0.name, $0.data) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func theBuiltArchivesReadBackExactly() throws {
        for zip64 in [false, true] {
            let builder = Self.sample(zip64: zip64)
            let result = expectSafe(builder.build().bytes, original: Self.original(builder))
            #expect(result.thrown == nil && result.refused.isEmpty && result.failed.isEmpty)
            let archive = try ZipArchive(data: Data(builder.build().bytes), fileName: "x.zip")
            #expect(archive.entries.map(\.name) == ["manifest.csv", "a/1.jpg", "a/2.jpg"])
        }
    }

    /// The release binary trapped on this one (arithmetic overflow in the ratio check).
    @Test func aZip64CompressedSizeOf2To62Minus1IsAClearError() throws {
        let builder = Self.sample(zip64: true)
        var (bytes, layout) = builder.build()
        // The deflated manifest: its ratio check multiplied the compressed size by 100.
        let zip64Field = layout.central[0] + 46 + "manifest.csv".utf8.count + 4
        bytes.patch(zip64Field + 8, width: 8, (1 << 62) - 1)
        let result = expectSafe(bytes, original: Self.original(builder))
        let error = try #require(result.thrown)
        #expect(error.entry == "manifest.csv")
        #expect(error.detail.contains("4611686018427387903 compressed bytes"))
    }

    static let zip64Extremes: [UInt64] = [0, 1, 0xFFFF_FFFF, 1 << 32, UInt64(Int64.max), .max]

    /// Every ZIP64 field (central sizes and offset, local sizes, end record count/size/offset, locator).
    @Test(arguments: ["central uncompressed", "central compressed", "central local offset", "local uncompressed",
                      "local compressed", "record entries on disk", "record entries", "record directory size",
                      "record directory offset", "locator record offset"])
    func everyZip64FieldAtItsExtremes(field: String) throws {
        let builder = Self.sample(zip64: true)
        let (clean, layout) = builder.build()
        let centralZip64 = layout.central[1] + 46 + "a/1.jpg".utf8.count + 4
        let localZip64 = layout.local[1] + 30 + "a/1.jpg".utf8.count + 4
        let record = try #require(layout.zip64Record), locator = try #require(layout.zip64Locator)
        let offset = [
            "central uncompressed": centralZip64, "central compressed": centralZip64 + 8,
            "central local offset": centralZip64 + 16, "local uncompressed": localZip64,
            "local compressed": localZip64 + 8, "record entries on disk": record + 24, "record entries": record + 32,
            "record directory size": record + 40, "record directory offset": record + 48, "locator record offset": locator + 8,
        ][field]!
        for value in Self.zip64Extremes {
            var bytes = clean
            bytes.patch(offset, width: 8, value)
            let result = expectSafe(bytes, original: Self.original(builder))
            let unchanged = Array(bytes[offset..<offset + 8]) == Array(clean[offset..<offset + 8])
            // Fields the reader does not rely on may change freely; every other change is noticed.
            let ignored = ["record entries on disk", "record directory size"].contains(field)
            if !unchanged && !ignored {
                #expect(result.thrown != nil || !result.refused.isEmpty || !result.failed.isEmpty,
                        "\(field) = \(value) went unnoticed")
            }
        }
    }

    /// Every plain (16/32-bit) field of the central header, the local header and the end record.
    @Test func everyPlainFieldAtItsExtremes() throws {
        let builder = Self.sample(zip64: false)
        let (clean, layout) = builder.build()
        let c = layout.central[2], l = layout.local[2], e = layout.end
        let fields: [(String, Int, Int)] = [
            ("central compressed", c + 20, 4), ("central uncompressed", c + 24, 4), ("central name length", c + 28, 2),
            ("central extra length", c + 30, 2), ("central comment length", c + 32, 2), ("central local offset", c + 42, 4),
            ("central crc", c + 16, 4), ("central method", c + 10, 2), ("central flags", c + 8, 2),
            ("local compressed", l + 18, 4), ("local uncompressed", l + 22, 4), ("local name length", l + 26, 2),
            ("local extra length", l + 28, 2), ("local crc", l + 14, 4), ("local method", l + 8, 2),
            ("end disk", e + 4, 2), ("end entries on disk", e + 8, 2), ("end entries", e + 10, 2),
            ("end directory size", e + 12, 4), ("end directory offset", e + 16, 4), ("end comment length", e + 20, 2),
        ]
        for (name, offset, width) in fields {
            let maximum: UInt64 = width == 2 ? 0xFFFF : 0xFFFF_FFFF
            for value in [0, 1, maximum - 1, maximum] {
                var bytes = clean
                bytes.patch(offset, width: width, value)
                let result = expectSafe(bytes, original: Self.original(builder))
                let changed = bytes != clean
                let ignored = ["end entries on disk", "end directory size", "central flags"].contains(name)
                if changed && !ignored {
                    #expect(result.thrown != nil || !result.refused.isEmpty || !result.failed.isEmpty,
                            "\(name) = \(value) went unnoticed")
                }
            }
        }
    }

    /// Many central-directory entries pointing at one compressed stream: each entry alone is within
    /// the ratio limit, together they would inflate the archive ~20,000 times over.
    @Test func entriesSharingOneStreamAreRefused() throws {
        let stream = [UInt8](repeating: 0, count: 1 << 20)   // deflates about 1000:1, within this test's 2000:1
        let single = ZipBuilder(items: [.init(name: "p.jpg", data: stream, deflated: true)]).build()
        let central = Array(single.bytes[single.layout.directory ..< single.layout.end])
        let count = 200
        var bytes = Array(single.bytes[..<single.layout.directory])
        for _ in 0..<count { bytes += central }
        let end = bytes.count
        bytes += single.bytes[single.layout.end...]
        bytes.patch(end + 8, width: 2, UInt64(count))
        bytes.patch(end + 10, width: 2, UInt64(count))
        bytes.patch(end + 12, width: 4, UInt64(count * central.count))
        let limits = UploadLimits(maxCompressionRatio: 2_000)
        let result = expectSafe(bytes, original: ["p.jpg": stream], limits: limits)
        let error = try #require(result.thrown)
        #expect(error.detail.contains("overlaps entry 'p.jpg'"))
    }

    @Test func partialOverlapsAreRefused() throws {
        let builder = ZipBuilder(items: [
            .init(name: "a.jpg", data: Self.photo), .init(name: "b.jpg", data: Array(Self.photo.prefix(500))),
        ])
        let (clean, layout) = builder.build()
        // b's local header copied into the middle of a's data, and b's central entry pointed at it.
        var inside = clean
        let header = Array(clean[layout.local[1] ..< layout.data[1] + 500])
        let at = layout.data[0] + 100
        inside.replaceSubrange(at ..< at + header.count, with: header)
        inside.patch(layout.central[1] + 42, width: 4, UInt64(at))
        #expect(expectSafe(inside, original: Self.original(builder)).thrown?.detail.contains("overlaps entry") == true)
        // a's sizes stretched (in both headers) over b's local header.
        var stretched = clean
        for offset in [layout.central[0] + 20, layout.central[0] + 24, layout.local[0] + 18, layout.local[0] + 22] {
            stretched.patch(offset, width: 4, UInt64(Self.photo.count + 10))
        }
        #expect(expectSafe(stretched, original: Self.original(builder)).thrown?.detail.contains("overlaps entry") == true)
    }

    @Test func entriesReachingIntoTheCentralDirectoryAreRefused() throws {
        let builder = ZipBuilder(items: [.init(name: "a.jpg", data: Self.photo), .init(name: "b.jpg", data: Self.photo)])
        let (clean, layout) = builder.build()
        var longer = clean
        for offset in [layout.central[1] + 20, layout.central[1] + 24, layout.local[1] + 18, layout.local[1] + 22] {
            longer.patch(offset, width: 4, UInt64(Self.photo.count + 1))
        }
        #expect(expectSafe(longer, original: Self.original(builder)).thrown?.detail.contains("run past the entries' area") == true)
        var pointing = clean
        pointing.patch(layout.central[1] + 42, width: 4, UInt64(layout.directory))
        #expect(expectSafe(pointing, original: Self.original(builder)).thrown?.detail.contains("outside the entries' area") == true)
    }

    @Test func aLocalHeaderDisagreeingWithTheCentralDirectoryIsRefused() throws {
        let builder = Self.sample(zip64: false)
        let (clean, layout) = builder.build()
        let l = layout.local[1]
        let edits: [(String, (inout [UInt8]) -> Void)] = [
            ("name", { $0[l + 30] = UInt8(ascii: "b") }),
            ("compression method", { $0.patch(l + 8, width: 2, 8) }),
            ("CRC-32", { $0.patch(l + 14, width: 4, 0xDEAD_BEEF) }),
            ("compressed size", { $0.patch(l + 18, width: 4, 10) }),
            ("uncompressed size", { $0.patch(l + 22, width: 4, 10) }),
        ]
        for (what, edit) in edits {
            var bytes = clean
            edit(&bytes)
            let result = expectSafe(bytes, original: Self.original(builder))
            #expect(result.refused.map(\.entry) == ["a/1.jpg"], "\(what)")
            #expect(result.refused.first?.detail.contains("local header disagrees with the central directory (\(what)") == true, "\(what)")
        }
    }

    /// Structure-aware random mutation: known fields set to extreme values, random bytes, cuts.
    @Test func randomMutationsNeverTrap() {
        var generator = SeededGenerator(seed: 2026)
        let builders = [Self.sample(zip64: false), Self.sample(zip64: true)]
        let extremes: [UInt64] = [0, 1, 2, 45, 46, 0xFFFF, 0x1_0000, 0xFFFF_FFFF, 1 << 32, 1 << 62, UInt64(Int64.max), .max]
        for iteration in 0..<3_000 {
            let builder = builders[iteration % 2]
            var (bytes, layout) = builder.build()
            let anchors = layout.local + layout.central + layout.data + [layout.end, layout.directory]
                + [layout.zip64Record, layout.zip64Locator].compactMap { $0 }
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                switch Int.random(in: 0..<4, using: &generator) {
                case 0, 1:
                    let width = [2, 4, 8].randomElement(using: &generator)!
                    let at = anchors.randomElement(using: &generator)! + Int.random(in: 0..<60, using: &generator)
                    guard at + width <= bytes.count else { continue }
                    bytes.patch(at, width: width, extremes.randomElement(using: &generator)!)
                case 2:
                    let at = Int.random(in: 0..<bytes.count, using: &generator)
                    bytes[at] ^= UInt8.random(in: 1...255, using: &generator)
                default:
                    bytes.removeLast(Int.random(in: 0...min(64, bytes.count), using: &generator))
                }
            }
            expectSafe(bytes, original: Self.original(builder))
        }
    }
}

/// Names that collide: the same name twice in a zip, or names equal up to Unicode normalisation or case.
@Suite struct UploadDuplicateNameTests {
    func upload(_ items: [ZipBuilder.Item]) throws -> Upload {
        let directory = try TemporaryDirectory(prefix: "zip-duplicates")
        // Opening lists the zip's entries, all these tests look at: the file is not needed after.
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("upload.zip")
        try Data(ZipBuilder(items: items).build().bytes).write(to: url)
        return try Upload(url: url)
    }

    static let manifest = Array("file,lot_code,origin_code,farm_id,crop,harvest_date\r\na/1.jpg,L1,VN-1,F1,tomato,2026-11-03\r\n".utf8)

    /// A line break in an entry name used to be graded and then make the ledger entry unreadable.
    @Test func namesWithControlCharactersAreRefused() throws {
        for name in ["a/new\nline.jpg", "a/tab\t.jpg", "a/del\u{7F}.jpg", "a/\r.jpg"] {
            let upload = try upload([.init(name: "manifest.csv", data: Self.manifest), .init(name: name, data: [1])])
            #expect(upload.problems.map(\.file) == [name])
            #expect(upload.problems.first?.message.contains("control character") == true, "\(upload.problems)")
            #expect(upload.files.isEmpty)
        }
    }

    @Test func twoManifestsAreRefusedNotLastOneWins() throws {
        let other = Array("file,lot_code,origin_code,farm_id,crop,harvest_date\r\na/1.jpg,L9,VN-9,F9,tomato,2026-11-03\r\n".utf8)
        let upload = try upload([
            .init(name: "manifest.csv", data: Self.manifest), .init(name: "a/1.jpg", data: [1, 2, 3]),
            .init(name: "manifest.csv", data: other),
        ])
        #expect(upload.manifest == nil)
        #expect(upload.problems.map(\.file) == ["manifest.csv"])
        #expect(upload.problems.first?.description.contains("more than one file has this name") == true)
    }

    @Test func namesEqualUpToNormalisationOrCaseAreRefused() throws {
        let nfc = "a/cà.jpg".precomposedStringWithCanonicalMapping, nfd = "a/cà.jpg".decomposedStringWithCanonicalMapping
        for (first, second) in [("a/1.jpg", "a/1.jpg"), (nfc, nfd), ("a/IMG.jpg", "a/img.JPG"), ("manifest.csv", "Manifest.CSV")] {
            var items: [ZipBuilder.Item] = [.init(name: first, data: [1]), .init(name: second, data: [2])]
            if first != "manifest.csv" { items.insert(.init(name: "manifest.csv", data: Self.manifest), at: 0) }
            let upload = try upload(items)
            #expect(upload.problems.count == 1, "\(first) / \(second): \(upload.problems)")
            #expect(upload.problems.first?.file == second)
            #expect(!upload.files.keys.contains(UploadPath.key(first)) && !upload.files.keys.contains(UploadPath.key(second)))
        }
    }
}
