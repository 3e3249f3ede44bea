import Foundation
import LabelStore
import XCTest

/// Every write a process was told had succeeded survives a kill -9 of that process.
///
/// The writer is this test binary run again as a child process with only `testChildWriter` selected and
/// the project path in its environment; it prints "ACK <id>" after each acknowledged action and is killed
/// without warning while it keeps writing.
final class KillTests: XCTestCase {
    private static let projectVariable = "MICROLABEL_KILL_TEST_PROJECT"

    func testAcknowledgedWritesSurviveKill9() throws {
        #if os(Linux)
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #else
        throw XCTSkip("needs /proc/self/exe to re-run the test binary")
        #endif
        let folder = try ProjectFolder()
        do {
            let project = try folder.create()
            _ = try project.addObject(labelID: try project.labels()[0].id)
        }

        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["LabelStoreTests.KillTests/testChildWriter"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.projectVariable: folder.projectURL.path]) { $1 }
        let output = Pipe()
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        try child.run()

        var acknowledged: [Int64] = []
        var pending = ""
        let deadline = Date().addingTimeInterval(60)
        while acknowledged.count < 150, Date() < deadline {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }  // the child ended
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[..<newline]
                if line.hasPrefix("ACK "), let id = Int64(line.dropFirst(4)) { acknowledged.append(id) }
                pending = String(pending[pending.index(after: newline)...])
            }
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        XCTAssertEqual(child.terminationReason, .uncaughtSignal, "the writer should have been killed, not have ended")
        XCTAssertGreaterThanOrEqual(acknowledged.count, 150, "the writer did not get going")

        let project = try Project.open(at: folder.projectURL)
        XCTAssertEqual(try project.integrityProblems(), [])
        let stored = Set(try project.boxes(kinds: [.seed]).map(\.id))
        let lost = acknowledged.filter { !stored.contains($0) }
        XCTAssertEqual(lost, [], "acknowledged seeds are missing after kill -9")
        // Undo still works on what the killed process wrote.
        XCTAssertEqual(try project.undo()?.hasPrefix("undo: add seed box"), true)
    }

    /// The child side of `testAcknowledgedWritesSurviveKill9`; skipped unless that test started it.
    func testChildWriter() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.projectVariable] else {
            throw XCTSkip("runs only as the writer process of testAcknowledgedWritesSurviveKill9")
        }
        let project = try Project.open(at: URL(fileURLWithPath: path))
        let object = try XCTUnwrap(project.objects().first)
        let frames = try project.source().frameCount
        for step in 0..<1_000_000 {
            let box = try project.addBox(NewBox(frame: step % frames, objectID: object.id, rect: rect(Double(step % 500), 1)))
            FileHandle.standardOutput.write(Data("ACK \(box.id)\n".utf8))
            // Engine batches in between, so the kill may also land inside one of them.
            let window = (step % frames)...min(step % frames + 20, frames - 1)
            try project.replaceProposals(objectID: object.id, frames: window, with: window.map {
                ProposedBox(frame: $0, rect: rect(Double($0), 2), confidence: 0.5)
            })
        }
    }
}
