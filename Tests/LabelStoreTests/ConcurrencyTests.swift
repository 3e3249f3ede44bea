import Dispatch
import Foundation
import LabelStore
import XCTest

final class ConcurrencyTests: XCTestCase {
    /// Two connections (as a TUI and a CLI command would have) writing at once lose nothing.
    func testTwoProjectsOnOneFileWritingFromTwoThreadsLoseNoWrite() throws {
        let folder = try ProjectFolder()
        let setup = try folder.create()
        let label = try setup.labels()[0].id
        let objects = [try setup.addObject(labelID: label), try setup.addObject(labelID: label)]
        let projects = [setup, try Project.open(at: folder.projectURL)]
        let perWriter = 60
        let failures = Failures()

        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            let project = projects[writer]
            let object = objects[writer]
            do {
                for frame in 0..<perWriter {
                    _ = try project.addBox(NewBox(frame: frame, objectID: object.id, rect: rect(Double(writer), Double(frame))))
                    // Engine writes from the same connection interleave with user actions.
                    try project.replaceProposals(objectID: object.id, frames: frame...frame,
                                                 with: [ProposedBox(frame: frame, rect: rect(0, 0), confidence: 0.5)])
                    if frame % 10 == 0 { try project.setSetting("writer\(writer)", "\(frame)") }
                }
            } catch {
                failures.append("writer \(writer): \(error)")
            }
        }
        XCTAssertEqual(failures.all, [])

        let reopened = try Project.open(at: folder.projectURL)
        for (writer, object) in objects.enumerated() {
            let seeds = try reopened.boxes(objectID: object.id, kinds: [.seed])
            XCTAssertEqual(seeds.map(\.frame), Array(0..<perWriter))
            XCTAssertTrue(seeds.allSatisfy { $0.rect.x == Double(writer) })
            XCTAssertEqual(try reopened.setting("writer\(writer)"), "\((perWriter - 1) / 10 * 10)")
        }
        // Every seed was its own undo step; undoing all of them, across both writers, empties the seeds.
        var undone = 0
        while let message = try reopened.undo(), message.contains("seed") { undone += 1 }
        XCTAssertEqual(undone, 2 * perWriter)
        XCTAssertEqual(try reopened.counts().seeds, 0)
    }

    /// One `Project` shared by several threads serialises its calls.
    func testOneProjectSharedBetweenThreads() throws {
        let project = try ProjectFolder().create()
        let object = try project.addObject(labelID: try project.labels()[0].id)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                for index in 0..<15 {
                    _ = try project.addBox(NewBox(frame: worker * 20 + index, objectID: object.id, rect: rect(1, 1)))
                    _ = try project.counts()
                }
            } catch {
                failures.append("\(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
        XCTAssertEqual(try project.counts().seeds, 60)
    }
}

/// Errors collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    func append(_ message: String) {
        lock.lock()
        messages.append(message)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return messages
    }
}
