import Foundation
import TestSupport
@testable import Grading

/// A writable upload folder for tests: some sample photos plus a manifest written by the test.
struct UploadFixture {
    let directory: TemporaryDirectory
    var url: URL { directory.url.appendingPathComponent("upload") }

    /// The whole sample upload, copied.
    static func sample() throws -> UploadFixture {
        let fixture = UploadFixture(directory: try TemporaryDirectory(prefix: "grading-upload"))
        do {
            try FileManager.default.copyItem(at: FixtureFiles.url("uploads/sample"), to: fixture.url)
            return fixture
        } catch {
            fixture.remove()
            throw error
        }
    }

    /// An upload holding `photos` (relative path -> sample photo path) and the given manifest text.
    static func with(photos: [String: String], manifest: String) throws -> UploadFixture {
        let fixture = UploadFixture(directory: try TemporaryDirectory(prefix: "grading-upload"))
        do {
            for (path, source) in photos {
                let target = fixture.url.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: FixtureFiles.url("uploads/sample/" + source), to: target)
            }
            try fixture.write(manifest: manifest)
            return fixture
        } catch {
            fixture.remove()
            throw error
        }
    }

    func write(manifest: String) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Data(manifest.utf8).write(to: url.appendingPathComponent("manifest.csv"))
    }

    func remove() { directory.remove() }

    static let samplePhoto1 = "nguyen-van-ba/IMG_20261103_4101.jpg"
    static let samplePhoto2 = "nguyen-van-ba/IMG_20261103_4102.jpg"
    static let samplePhoto3 = "tran-thi-hong/IMG_20261103_4109.jpg"
    static let samplePhoto4 = "le-van-tam/IMG_20261104_4117.jpg"
    static let samplePhoto5 = "pham-thi-thu-ha/IMG_20261104_4125.jpg"
}
