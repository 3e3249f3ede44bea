import Foundation
import LabelStore
import TestSupport
import XCTest

/// Every edit the program has acknowledged survives a kill -9, and the project stays readable.
final class DurabilityTests: XCTestCase {
    func testKillNineLosesNoAcknowledgedWrite() throws {
        let directory = try Fixtures.temporaryDirectory("kill9")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("p.microlabel").path
        let frames = Fixtures.sampleData.appendingPathComponent("frames").path
        XCTAssertEqual(try runMicrolabel(["init", path, "--source", frames]).status, 0)

        for round in 0..<3 {
            let before = try Project.open(at: URL(fileURLWithPath: path)).counts().seeds
            let process = Process()
            process.executableURL = Fixtures.microlabelExecutable
            process.arguments = ["_write-stress", path, "--count", "100000"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Read acknowledgements until a varying number have arrived, then kill mid-stream.
            let stopAfter = 150 + round * 97
            var acknowledged = 0
            var pending = Data()
            let handle = out.fileHandleForReading
            while acknowledged < stopAfter {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    if line.hasPrefix("ack "), let n = Int(line.dropFirst(4)) { acknowledged = n }
                }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
            XCTAssertGreaterThanOrEqual(acknowledged, stopAfter)

            let reopened = try Project.open(at: URL(fileURLWithPath: path))
            let seeds = try reopened.counts().seeds
            XCTAssertGreaterThanOrEqual(seeds - before, acknowledged, "round \(round): acknowledged writes were lost")
            XCTAssertEqual(try reopened.boxes().count, seeds)
        }
        let info = try runMicrolabel(["info", path, "--json"])
        XCTAssertEqual(info.status, 0, info.stderr)
    }
}
