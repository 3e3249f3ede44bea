import Foundation
import XCTest
@testable import Imaging
import TestSupport

final class FolderSourceTests: XCTestCase {
    func testSampleFramesOpen() throws {
        let source = try FolderSource(folder: TestImages.sampleFrames)
        XCTAssertEqual(source.frameCount, 132)
        XCTAssertEqual(source.width, 640)
        XCTAssertEqual(source.height, 360)
        XCTAssertEqual(source.fps, 25)
        XCTAssertTrue(source.unreadableFrames.isEmpty)
        XCTAssertEqual(source.fileName(at: 0), "000001.jpg")
        XCTAssertEqual(source.fileName(at: 131), "000132.jpg")
        let frame = try source.frame(at: 131)
        XCTAssertEqual(frame.width, 640)
        XCTAssertEqual(frame, try ImageCodec.decode(contentsOf: source.url(at: 131)))
        let quarter = try source.frame(at: 5, scale: 4)
        XCTAssertEqual(quarter.width, 160)
        XCTAssertEqual(quarter.height, 90)
        XCTAssertEqual(source.frameSize(atScale: 8).height, 45)
        XCTAssertEqual(assertImagingError(try source.frame(at: 132)), .frameOutOfRange(index: 132, frameCount: 132))
        XCTAssertEqual(assertImagingError(try source.frame(at: 0, scale: 5)), .invalidScale(5))
    }

    func testFramesAreInNaturalOrderAndOtherFilesIgnored() throws {
        let folder = try temporaryFolder()
        let image = TestImages.noise(width: 8, height: 6)
        for name in ["f10.jpg", "f2.PNG", "F1.ppm", "f3.JPEG", "f11.pgm"] {
            try ImageCodec.write(image, to: folder.appendingPathComponent(name), format: ImageFormat(pathExtension: (name as NSString).pathExtension))
        }
        try Data("notes".utf8).write(to: folder.appendingPathComponent("readme.txt"))
        try ImageCodec.write(image, to: folder.appendingPathComponent(".hidden.png"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: false)
        var source = try FolderSource(folder: folder)
        XCTAssertEqual((0..<source.frameCount).map(source.fileName(at:)), ["F1.ppm", "f2.PNG", "f3.JPEG", "f10.jpg", "f11.pgm"])
        XCTAssertEqual(try source.frame(at: 0), image)
        XCTAssertEqual(try source.frame(at: 1), image)
        source.fps = 30
        XCTAssertEqual(source.fps, 30)
    }

    func testMixedSizesAreRefusedNamingTheFirstOddFrameAndBothSizes() throws {
        let folder = try temporaryFolder()
        for i in 1...4 {
            let image = i == 3 ? TestImages.noise(width: 10, height: 6) : TestImages.noise(width: 8, height: 6)
            try ImageCodec.write(image, to: folder.appendingPathComponent("\(i).png"))
        }
        try ImageCodec.write(TestImages.noise(width: 9, height: 9), to: folder.appendingPathComponent("5.png"))
        let error = assertImagingError(try FolderSource(folder: folder))
        let odd = folder.appendingPathComponent("3.png").path
        guard case let .badFrame(number, .sizeMismatch(path, width, height, expectedWidth, expectedHeight, reference))? = error else {
            return XCTFail("got \(String(describing: error))")
        }
        XCTAssertEqual(number, 3)
        XCTAssertEqual(path, odd)
        XCTAssertEqual([width, height, expectedWidth, expectedHeight], [10, 6, 8, 6])
        XCTAssertTrue(reference.contains("1.png"), reference)
        XCTAssertTrue(error!.description.contains("10x6") && error!.description.contains("8x6"), error!.description)
    }

    /// Copies the first `count` sample frames into a fresh folder.
    private func copySampleFrames(_ count: Int) throws -> URL {
        let folder = try temporaryFolder()
        for i in 1...count {
            let name = String(format: "%06d.jpg", i)
            try FileManager.default.copyItem(at: TestImages.sampleFrames.appendingPathComponent(name),
                                             to: folder.appendingPathComponent(name))
        }
        return folder
    }

    func testTruncatedAndCorruptFramesFailAloneNamingTheFileAndFrame() throws {
        let folder = try copySampleFrames(5)
        let truncated = folder.appendingPathComponent("000002.jpg")
        let corrupt = folder.appendingPathComponent("000004.jpg")
        let whole = try Data(contentsOf: truncated)
        try whole.prefix(whole.count / 3).write(to: truncated)
        var damaged = try Data(contentsOf: corrupt)
        let middle = damaged.count / 2
        damaged.replaceSubrange(middle..<(middle + 512), with: [UInt8](repeating: 0, count: 512))
        try damaged.write(to: corrupt)

        let source = try FolderSource(folder: folder)
        XCTAssertEqual(source.frameCount, 5)
        // The truncated JPEG has no end marker, so opening the folder already finds it; the
        // corrupt one has an intact header and end, so only decoding finds it.
        XCTAssertEqual(source.unreadableFrames.keys.sorted(), [1])

        let first = assertImagingError(try source.frame(at: 1))
        guard case .badFrame(number: 2, error: .truncated(path: truncated.path, _))? = first else {
            return XCTFail("got \(String(describing: first))")
        }
        XCTAssertTrue(first!.description.hasPrefix("frame 2: \(truncated.path) is truncated"), first!.description)

        let second = assertImagingError(try source.frame(at: 3, scale: 2))
        guard case .badFrame(number: 4, error: .corrupt(path: corrupt.path, _))? = second else {
            return XCTFail("got \(String(describing: second))")
        }
        for index in [0, 2, 4] {
            XCTAssertEqual(try source.frame(at: index).width, 640)
        }
    }

    /// The end-marker check finds a cut JPEG both when the header read took the whole file and
    /// when the file is longer (its last bytes read apart); bytes after a whole JPEG's end are harmless.
    func testCutJPEGsAreFoundWhateverTheirSizeAndBytesAfterTheEndAreHarmless() throws {
        let folder = try temporaryFolder()
        let large = try ImageCodec.encodeJPEG(TestImages.noise(width: 640, height: 480), quality: 95)
        let small = try ImageCodec.encodeJPEG(RGBImage(width: 640, height: 480), quality: 90)
        let padding = Data(repeating: 0, count: 512)
        XCTAssertGreaterThan(large.count * 2 / 3, ImageCodec.probePrefixSize)
        XCTAssertLessThan(small.count + padding.count, ImageCodec.probePrefixSize)
        let files = [large, large.prefix(large.count * 2 / 3), large + padding,
                     small, small.prefix(small.count * 2 / 3), small + padding]
        for (index, data) in files.enumerated() {
            try data.write(to: folder.appendingPathComponent("\(index + 1).jpg"))
        }
        let source = try FolderSource(folder: folder)
        XCTAssertEqual(source.unreadableFrames.keys.sorted(), [1, 4])
        for index in [1, 4] {
            guard case .badFrame(number: index + 1, error: .truncated)? = source.unreadableFrames[index] else {
                return XCTFail("frame \(index + 1): \(String(describing: source.unreadableFrames[index]))")
            }
        }
        for index in [0, 2, 3, 5] {
            XCTAssertEqual(try source.frame(at: index).height, 480, "frame \(index + 1)")
        }
    }

    func testAFrameWithAnUnreadableHeaderIsRecordedAndOthersStayUsable() throws {
        let folder = try copySampleFrames(3)
        let broken = folder.appendingPathComponent("000002.jpg")
        try Data([0xFF, 0xD8, 0xFF]).write(to: broken)
        let source = try FolderSource(folder: folder)
        XCTAssertEqual(Array(source.unreadableFrames.keys), [1])
        guard case .badFrame(number: 2, error: .truncated(path: broken.path, _))? = assertImagingError(try source.frame(at: 1)) else {
            return XCTFail("the broken frame must throw")
        }
        XCTAssertEqual(try source.frame(at: 2).height, 360)
    }

    func testMissingEmptyAndFrameLessFolders() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/microlabel-frames")
        XCTAssertEqual(assertImagingError(try FolderSource(folder: missing)),
                       .unreadableFolder(path: missing.path, reason: "no such folder"))
        let folder = try temporaryFolder()
        XCTAssertEqual(assertImagingError(try FolderSource(folder: folder)), .noFrames(folder: folder.path))
        try Data("x".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        XCTAssertEqual(assertImagingError(try FolderSource(folder: folder)), .noFrames(folder: folder.path))
        let file = folder.appendingPathComponent("notes.txt")
        guard case .unreadableFolder(path: file.path, _)? = assertImagingError(try FolderSource(folder: file)) else {
            return XCTFail("a file is not a folder")
        }
    }

    func testFolderSourceIsAFrameSource() throws {
        let source: any FrameSource = try FolderSource(folder: TestImages.sampleFrames)
        XCTAssertEqual(try source.frame(at: 0), try source.frame(at: 0, scale: 1))
    }
}
