import Foundation
import Testing
import TestSupport
@testable import Grading

@Suite struct ZipArchiveTests {
    @Test func readsStoredAndDeflatedEntriesUnderATopLevelFolder() throws {
        let archive = try ZipArchive(url: FixtureFiles.url("uploads/good.zip"))
        #expect(archive.problems.isEmpty)
        #expect(archive.entries.map(\.name).sorted() == [
            "upload-2026-11-05/manifest.csv",
            "upload-2026-11-05/nguyen-van-ba/IMG_20261103_4101.jpg",
            "upload-2026-11-05/nguyen-van-ba/IMG_20261103_4102.jpg",
            "upload-2026-11-05/nguyen-van-ba/IMG_20261103_4103.jpg",
        ])
        for entry in archive.entries where entry.name.hasSuffix(".jpg") {
            let original = try FixtureFiles.data("uploads/sample/" + entry.name.replacingOccurrences(of: "upload-2026-11-05/", with: ""))
            #expect(try archive.contents(of: entry) == original)
        }
        let manifest = try archive.contents(of: archive.entries.first { $0.name.hasSuffix("manifest.csv") }!)
        #expect(manifest.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(String(decoding: manifest, as: UTF8.self).contains("DT-LV-261103-01"))
    }

    @Test func refusesEveryEscapingEntryAndKeepsTheSafeOnes() throws {
        let archive = try ZipArchive(url: FixtureFiles.url("uploads/zip-slip.zip"))
        let refused = Dictionary(uniqueKeysWithValues: archive.problems.map { ($0.entry!, $0.kind) })
        #expect(refused == [
            "../../etc/cron.d/evil.jpg": .unsafePath,
            "/tmp/absolute.jpg": .unsafePath,
            "nguyen-van-ba\\..\\..\\windows.jpg": .unsafePath,
            "nguyen-van-ba/link.jpg": .symlink,
        ])
        #expect(archive.entries.count == 4)
        #expect(archive.entries.allSatisfy { UploadPath.problem(with: $0.name) == nil })
    }

    @Test func refusesADecompressionBombBeforeInflatingIt() throws {
        let archive = try ZipArchive(url: FixtureFiles.url("uploads/bomb.zip"))
        #expect(archive.problems.count == 1)
        #expect(archive.problems[0].kind == .limitExceeded)
        #expect(archive.problems[0].detail.contains("compression ratio"))
        // With a file-size limit below the bomb's size, the size limit names it first.
        let strict = try ZipArchive(url: FixtureFiles.url("uploads/bomb.zip"),
                                    limits: UploadLimits(maxFileBytes: 1 << 20, maxCompressionRatio: 100_000))
        #expect(strict.problems.map(\.kind) == [.limitExceeded])
        #expect(strict.problems[0].detail.contains("20971520 bytes"))
    }

    @Test func detectsACorruptedByteThroughTheCRC() throws {
        let archive = try ZipArchive(url: FixtureFiles.url("uploads/crc-mismatch.zip"))
        var failures: [ZipError] = []
        for entry in archive.entries {
            do { _ = try archive.contents(of: entry) } catch let error as ZipError { failures.append(error) }
        }
        #expect(failures.count == 1)
        #expect(failures.first?.kind == .corruptData)
        #expect(failures.first?.entry == "upload-2026-11-05/nguyen-van-ba/IMG_20261103_4102.jpg")
        #expect(failures.first?.description.contains("CRC-32 mismatch") == true)
    }

    @Test func refusesDataLongerThanTheDeclaredSize() throws {
        let archive = try ZipArchive(url: FixtureFiles.url("uploads/lying-size.zip"))
        let manifest = archive.entries.first { $0.name.hasSuffix("manifest.csv") }!
        #expect(throws: ZipError.self) { try archive.contents(of: manifest) }
        do {
            _ = try archive.contents(of: manifest)
        } catch let error as ZipError {
            #expect(error.detail.contains("more than its declared"))
        }
    }

    @Test func entryCountLimitIsChecked() throws {
        #expect(throws: ZipError.self) {
            try ZipArchive(url: FixtureFiles.url("uploads/good.zip"), limits: UploadLimits(maxEntries: 3))
        }
    }

    @Test func malformedArchivesThrowWithoutCrashing() throws {
        let good = try FixtureFiles.data("uploads/good.zip")
        #expect(throws: ZipError.self) { try ZipArchive(data: Data("not a zip".utf8), fileName: "x.zip") }
        #expect(throws: ZipError.self) { try ZipArchive(data: Data(), fileName: "empty.zip") }
        // Every truncation and many single-byte flips either throw or read consistently.
        var generator = SeededGenerator(seed: 7)
        var mutants: [Data] = stride(from: 0, to: good.count, by: 97).map { good.prefix($0) }
        for _ in 0..<200 {
            var copy = good
            let at = Int.random(in: 0..<copy.count, using: &generator)
            copy[at] ^= UInt8.random(in: 1...255, using: &generator)
            mutants.append(copy)
        }
        for mutant in mutants {
            guard let archive = try? ZipArchive(data: mutant, fileName: "mutant.zip") else { continue }
            for entry in archive.entries {
                if let bytes = try? archive.contents(of: entry) { #expect(bytes.count == entry.uncompressedSize) }
            }
        }
    }
}
