import Foundation
import Synthetic
import TestSupport
import XCTest

/// Every parser of untrusted input against mutations of valid inputs, from a fixed seed so that a
/// failure replays: an error is the right answer to bad input; a trap kills the test run. The
/// libFuzzer harness in Tests/Fuzz drives the same targets for as long as one cares to run it.
final class RandomInputTests: XCTestCase {
    /// Cases per target; `MICROLABEL_FUZZ_CASES` raises it for a longer local run.
    private var cases: Int { Int(ProcessInfo.processInfo.environment["MICROLABEL_FUZZ_CASES"] ?? "") ?? 1500 }

    private func fuzz(_ target: FuzzTarget, seed: UInt64) throws {
        let scratch = try Fixtures.temporaryDirectory("fuzz-\(target.rawValue)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let seeds = target.seeds
        XCTAssertFalse(seeds.contains { $0.isEmpty }, "\(target): every seed input is made")
        var rng = SeededGenerator(seed: seed)
        for input in seeds { target.run(input, scratch: scratch) }
        target.run([], scratch: scratch)
        var current = seeds[0]
        for n in 0..<cases {
            // Mostly mutate a seed afresh; sometimes keep mutating the last input, to go deeper.
            let base = n % 4 == 3 ? current : seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            current = Mutator.mutate(base, using: &rng)
            if current.count > 1 << 16 { current = Array(current.prefix(1 << 16)) }
            target.run(current, scratch: scratch)
        }
    }

    func testCOCOImporter() throws { try fuzz(.coco, seed: 1) }
    func testYOLOImporter() throws { try fuzz(.yolo, seed: 2) }
    func testVOCImporter() throws { try fuzz(.voc, seed: 3) }
    func testMOTImporter() throws { try fuzz(.mot, seed: 4) }
    func testCVATImporter() throws { try fuzz(.cvat, seed: 5) }
    func testOTBImporter() throws { try fuzz(.otb, seed: 6) }
    func testProbeReplyParser() throws { try fuzz(.probe, seed: 7) }
    func testPNMDecoder() throws { try fuzz(.pnm, seed: 8) }
    func testPNGDecoder() throws { try fuzz(.png, seed: 9) }
    func testJPEGDecoder() throws { try fuzz(.jpeg, seed: 10) }
    func testConfigReader() throws { try fuzz(.config, seed: 11) }
    func testThemeReader() throws { try fuzz(.theme, seed: 12) }
}
