import Foundation
import Imaging

/// `microlabel bench`: speed figures, measured in-process on a release build.
enum BenchCommand {
    static let command = Command(
        spec: CommandSpec(
            name: "bench",
            summary: "Measure speed: bench decode DIR.",
            usage: "decode DIR [--runs N]",
            positionals: [("WHAT", "decode"), ("DIR", "A folder of JPEG frames.")],
            options: [.value("runs", "N", "Timed runs; the median is reported (default 5).")],
            details: """
            decode: decodes every JPEG in DIR with microlabel's decoder and with libjpeg-turbo's own
            djpeg (one process per file, output to /dev/null), and prints the time per frame of each
            and their ratio. djpeg's process start is measured on a 1x1 JPEG and shown apart.
            Build with -c release for meaningful figures.
            """),
        run: run)

    static func run(_ arguments: ParsedArguments) throws {
        let what = try arguments.positional(0, "WHAT (decode)")
        let runs = try arguments.int("runs", range: 1...100) ?? 5
        switch what {
        case "decode":
            try DecodeBenchmark(directory: URL(fileURLWithPath: try arguments.positional(1, "DIR")), runs: runs).run()
        default:
            throw UsageError(command: "bench", message: "unknown benchmark '\(what)' (decode)")
        }
    }
}

/// Times in seconds, and their median.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Seconds since an arbitrary start, from the monotonic clock.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

struct DecodeBenchmark {
    var directory: URL
    var runs: Int

    func run() throws {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { ["jpg", "jpeg"].contains($0.pathExtension.lowercased()) }
            .sorted { NaturalOrder.areInIncreasingOrder($0.lastPathComponent, $1.lastPathComponent) }
        guard let first = files.first else {
            throw CommandError("\(directory.path): no JPEG files to decode")
        }
        let probe = try ImageCodec.decode(contentsOf: first)
        print("decoding \(files.count) JPEG files of \(probe.width)x\(probe.height) from \(directory.path), median of \(runs) runs")

        var ours: [Double] = []
        for _ in 0..<runs {
            let start = monotonicSeconds()
            var checksum = 0
            for file in files { checksum &+= Int(try ImageCodec.decode(contentsOf: file).pixels[0]) }
            ours.append((monotonicSeconds() - start) / Double(files.count))
            if checksum == -1 { print("") }  // keeps the decode from being optimised away
        }
        let oursPerFrame = median(ours)
        print(String(format: "microlabel  %6.2f ms/frame  (%.0f frames/s)", oursPerFrame * 1000, 1 / oursPerFrame))

        guard let djpeg = try? locateProgram("djpeg") else {
            print("djpeg       not installed (Debian/Ubuntu: apt-get install libjpeg-turbo-progs); no ratio")
            return
        }
        let tiny = FileManager.default.temporaryDirectory.appendingPathComponent("microlabel-bench-1x1-\(getpid()).jpg")
        try ImageCodec.encodeJPEG(RGBImage(width: 1, height: 1), quality: 90).write(to: tiny)
        defer { try? FileManager.default.removeItem(at: tiny) }
        var theirs: [Double] = []
        var starts: [Double] = []
        for _ in 0..<runs {
            let start = monotonicSeconds()
            for file in files { try runQuietly(djpeg, ["-outfile", "/dev/null", file.path]) }
            theirs.append((monotonicSeconds() - start) / Double(files.count))
            let startupStart = monotonicSeconds()
            for _ in files { try runQuietly(djpeg, ["-outfile", "/dev/null", tiny.path]) }
            starts.append((monotonicSeconds() - startupStart) / Double(files.count))
        }
        let theirsPerFrame = median(theirs)
        let startup = median(starts)
        let theirsDecode = max(theirsPerFrame - startup, 1e-9)
        print(String(format: "djpeg       %6.2f ms/frame whole process; %.2f ms less its %.2f ms process start", theirsPerFrame * 1000, theirsDecode * 1000, startup * 1000))
        print(String(format: "ratio       %.2fx djpeg's decode time (%.2fx its whole-process time)", oursPerFrame / theirsDecode, oursPerFrame / theirsPerFrame))
    }
}

func locateProgram(_ name: String) throws -> URL {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw CommandError("\(name) is not installed (not found on PATH)")
}

/// Runs a program with its output discarded; fails when it does.
func runQuietly(_ program: URL, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CommandError("\(program.lastPathComponent) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
    }
}
