import Foundation
import Geometry
import LabelStore
import TestSupport
import XCTest

/// A fresh folder holding `frames/` (the source) and the path for `project.microlabel`, not yet created.
struct ProjectFolder {
    let root: URL
    var projectURL: URL { root.appendingPathComponent("project.microlabel") }
    var framesURL: URL { root.appendingPathComponent("frames") }

    init() throws {
        root = try Fixtures.temporaryDirectory("labelstore")
        try FileManager.default.createDirectory(at: framesURL, withIntermediateDirectories: true)
    }

    var source: SourceInfo {
        SourceInfo(path: framesURL.path, kind: .folder, frameCount: 100, width: 640, height: 360, fps: 25)
    }

    func create(labels: [String] = ["person", "car"]) throws -> Project {
        try Project.create(at: projectURL, source: source, labels: labels)
    }
}

func rect(_ x: Double, _ y: Double, _ w: Double = 20, _ h: Double = 30) -> BoxRect {
    BoxRect(x: x, y: y, width: w, height: h)
}

/// Runs `body`, expecting it to throw a `StoreError`, and returns that error.
func storeError<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> StoreError? {
    do {
        _ = try body()
        XCTFail("expected a StoreError", file: file, line: line)
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        XCTFail("expected a StoreError, got \(error)", file: file, line: line)
        return nil
    }
}
