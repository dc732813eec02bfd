import Foundation
import Testing
import TestSupport

/// `agritrace inspect`, run as a user would run it.
@Suite struct InspectCommandTests {
    private func fixture(_ path: String) -> String { FixtureFiles.url(path).path }

    @Test func goodFilesExitZeroWithOneLineEach() throws {
        let result = try AgriTraceBinary.run(["inspect", fixture("images/photo.jpg"), fixture("images/orientation-6.jpg"),
                                              fixture("pngsuite/basi3p02.png")])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasSuffix("photo.jpg: JPEG 279x200, orientation 1, rgb 8-bit; ok"))
        #expect(lines[1].hasSuffix("orientation-6.jpg: JPEG 80x60 (stored 60x80), orientation 6, rgb 8-bit; ok"))
        #expect(lines[2].hasSuffix("basi3p02.png: PNG 32x32, orientation 1, palette 2-bit, interlaced; ok"))
    }

    @Test func badFilesExitOneAndTheBatchGoesOn() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let photo = try FixtureFiles.data("images/photo.jpg")
        let truncated = directory.url.appendingPathComponent("cut.jpg")
        try photo.prefix(4000).write(to: truncated)
        let empty = directory.url.appendingPathComponent("empty.jpg")
        try Data().write(to: empty)
        let mislabelled = directory.url.appendingPathComponent("really-png.jpg")
        try FixtureFiles.data("pngsuite/basn2c08.png").write(to: mislabelled)
        let missing = directory.url.appendingPathComponent("missing.jpg").path

        let result = try AgriTraceBinary.run(["inspect", truncated.path, fixture("pngsuite/xcsn0g01.png"), empty.path,
                                              missing, mislabelled.path, fixture("images/photo.jpg")])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines[0].hasSuffix("cut.jpg: JPEG 279x200, orientation 1, rgb 8-bit; error: truncated JPEG data (libjpeg: Premature end of JPEG file)"))
        #expect(lines[1].contains("xcsn0g01.png: PNG 32x32") && lines[1].contains("error: invalid PNG data (libpng: IDAT: CRC error)"))
        #expect(lines[2].hasSuffix("empty.jpg: error: empty file"))
        #expect(lines[3].hasSuffix("missing.jpg: error: not found"))
        #expect(lines[4].hasSuffix("really-png.jpg: PNG 32x32, orientation 1, rgb 8-bit; mislabelled: content is PNG, name says JPEG; ok"))
        #expect(lines[5].hasSuffix("photo.jpg: JPEG 279x200, orientation 1, rgb 8-bit; ok"))
        #expect(result.stderr.contains("4 of 6 files could not be decoded"))
    }

    @Test func jsonLines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let truncated = directory.url.appendingPathComponent("cut.png")
        try FixtureFiles.data("pngsuite/basn2c08.png").prefix(60).write(to: truncated)
        let result = try AgriTraceBinary.run(["inspect", "--json", fixture("images/orientation-8.jpg"), truncated.path])
        #expect(result.status == 1)
        let objects = try result.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.count == 2)
        let good = objects[0]
        #expect(good["status"] as? String == "ok")
        #expect(good["format"] as? String == "jpeg")
        #expect(good["width"] as? Int == 80 && good["height"] as? Int == 60)
        #expect(good["stored_width"] as? Int == 60 && good["orientation"] as? Int == 8)
        #expect(good["progressive"] as? Bool == false)
        let bad = objects[1]
        #expect(bad["status"] as? String == "error")
        #expect(bad["error_kind"] as? String == "truncated")
        #expect((bad["file"] as? String)?.hasSuffix("cut.png") == true)
        #expect(bad["library_message"] as? String == "read beyond end of data")
    }

    @Test func noFilesIsAUsageError() throws {
        let result = try AgriTraceBinary.run(["inspect"])
        #expect(result.status == 2)
        #expect(try AgriTraceBinary.run(["inspect", "--no-such-flag", fixture("images/photo.jpg")]).status == 2)
    }
}
