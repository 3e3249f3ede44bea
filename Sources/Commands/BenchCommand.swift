import Foundation
import Imaging
import Synthetic

/// `microlabel bench`: speed figures, measured in-process on a release build.
enum BenchCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "bench",
            summary: "Measure speed: bench decode DIR, video FILE, render [PNG...], propagate SEQ_DIR, export, tui, scale.",
            usage: "(decode DIR | video FILE | render [PNG...] | propagate SEQ_DIR [--threads N] [--mot FILE] [--video FILE] [--scores FILE] | export | tui [--graphics MODE] [--frames N] | scale [--frame-counts LIST] [--seed-counts LIST] [--threads N]) [--runs N]",
            positionals: [("WHAT", "decode, video, render, propagate, export, tui or scale"), ("PATH", "A folder of JPEG frames (decode), a video file (video), PNG files (render).")],
            details: """
            decode: decodes every JPEG in DIR with microlabel's decoder and with libjpeg-turbo's own
            djpeg (one process per file, output to /dev/null), and prints the time per frame of each
            and their ratio. djpeg's process start is measured on a 1x1 JPEG and shown apart.
            video: times the ffprobe probe, random access to frames, the next frame after one
            (the warm decoder), and a whole-video pass against ffmpeg decoding to /dev/null.
            render: in process, the sixel encode of a 640x360 sample frame with overlays and Unicode
            blocks for 160x45 cells; with PNG files, also whole-process sixel against chafa (time,
            PSNR after decoding with sixel2png, bytes).
            propagate: seeds SEQ_DIR (img/ and groundtruth_rect.txt) on the seeded-propagation
            protocol's frames, propagates, and prints per-stage times, frames per second including
            decode, the time to train one micro-model, peak memory, and the protocol's scores.
            export: the annotations of 10,000 frames (30,000 boxes) in every format, no images.
            scale: propagate passes on generated videos of 1,000 to 10,000 frames with 10 to 100 seeds
            (a full pass, one with nothing changed, one after one more seed), and 'next' on each.
            Build with -c release for meaningful figures.
            """,
            repeatsLastPositional: true),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let runs = Option.integer("runs", "N", range: 1...100, "Timed runs; the median is reported (default 5).")
        let threads = Option.integer("threads", "N", range: 1...256, "Worker threads for propagate (default 2).")
        let mot = Option<String>("mot", "FILE", "propagate: also write every box (pending included) as MOT lines to FILE, for seedeval.py.")
        let video = Option<String>("video", "FILE", "propagate: read the sequence's frames from this video instead of SEQ_DIR/img.")
        let scores = Option<String>("scores", "FILE", "propagate: also write each proposal's raw score and whether it is right (score,0|1 lines), to fit the calibration's prior.")
        let graphics = Option<String>("graphics", "MODE", "tui: sixel (default), kitty, blocks or ascii.")
        let frames = Option.integer("frames", "N", range: 1...100_000, "tui: frames to step through (default 100).")
        let frameCounts = Option.list("frame-counts", "LIST", "scale: video lengths in frames (default 1000,5000,10000).")
        let seedCounts = Option.list("seed-counts", "LIST", "scale: seeds per video (default 10,50,100).")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let what = try arguments.positional(0, "WHAT (decode)")
        let runs = try arguments.value(\.runs) ?? 5
        switch what {
        case "decode":
            try DecodeBenchmark(directory: URL(fileURLWithPath: try arguments.positional(1, "DIR")), runs: runs).run()
        case "export":
            try ExportBenchmark(frames: 10_000, runs: runs).run()
        case "propagate":
            try PropagationBenchmark(sequence: URL(fileURLWithPath: try arguments.positional(1, "SEQ_DIR")),
                                     threads: try arguments.value(\.threads) ?? 2,
                                     motOutput: try arguments.value(\.mot).map { URL(fileURLWithPath: $0) },
                                     video: try arguments.value(\.video).map { URL(fileURLWithPath: $0) },
                                     rawOutput: try arguments.value(\.scores).map { URL(fileURLWithPath: $0) }).run()
        case "render":
            try RenderBenchmark(images: arguments.positionals.dropFirst().map { URL(fileURLWithPath: $0) }, runs: runs,
                                sampleFrame: try DemoCommand.locateSampleData().appendingPathComponent("frames/000040.jpg")).run()
        case "video":
            try VideoBenchmark(video: URL(fileURLWithPath: try arguments.positional(1, "FILE")), runs: runs).run()
        case "tui": try TUIBench.run(arguments)
        case "scale": try ScaleBenchmark.make(arguments, threads: try arguments.value(\.threads) ?? 2, runs: runs).run()
        default:
            throw UsageError(command: "bench", message: "unknown benchmark '\(what)' (decode, video, render, propagate, export, tui, scale)")
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

    /// Wall time and CPU time, per frame, in seconds.
    struct Timing { var wall: Double; var cpu: Double }

    func run() throws {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { ["jpg", "jpeg"].contains($0.pathExtension.lowercased()) }
            .sorted { NaturalOrder.areInIncreasingOrder($0.lastPathComponent, $1.lastPathComponent) }
        guard let first = files.first else {
            throw CommandError("\(directory.path): no JPEG files to decode")
        }
        let probe = try ImageCodec.decode(contentsOf: first)
        print("decoding \(files.count) JPEG files of \(probe.width)x\(probe.height) from \(directory.path), median of \(runs) runs")

        var ours: [Timing] = []
        for _ in 0..<runs {
            let wall = monotonicSeconds(), cpu = threadCPUSeconds()
            var checksum = 0
            for file in files { checksum &+= Int(try ImageCodec.decode(contentsOf: file).pixels[0]) }
            ours.append(Timing(wall: (monotonicSeconds() - wall) / Double(files.count), cpu: (threadCPUSeconds() - cpu) / Double(files.count)))
            if checksum == -1 { print("") }  // keeps the decode from being optimised away
        }
        let our = Timing(wall: median(ours.map(\.wall)), cpu: median(ours.map(\.cpu)))
        print(String(format: "microlabel  %6.2f ms/frame wall, %6.2f ms CPU  (%.0f frames/s)", our.wall * 1000, our.cpu * 1000, 1 / our.wall))

        guard let djpeg = try? locateProgram("djpeg") else {
            print("djpeg       not installed (Debian/Ubuntu: apt-get install libjpeg-turbo-progs); no ratio")
            return
        }
        // djpeg decodes one file per process; its process start is measured on a 1x1 JPEG and
        // taken off, so the ratio compares decoding with decoding.
        let tiny = FileManager.default.temporaryDirectory.appendingPathComponent("microlabel-bench-1x1-\(getpid()).jpg")
        try ImageCodec.encodeJPEG(RGBImage(width: 1, height: 1), quality: 90).write(to: tiny)
        defer { try? FileManager.default.removeItem(at: tiny) }
        var whole: [Timing] = []
        var starts: [Timing] = []
        for _ in 0..<runs {
            whole.append(try timeChildren(files.count) { try spawnAndWait(djpeg, ["-outfile", "/dev/null", files[$0].path]) })
            starts.append(try timeChildren(files.count) { _ in try spawnAndWait(djpeg, ["-outfile", "/dev/null", tiny.path]) })
        }
        let theirs = Timing(wall: median(whole.map(\.wall)), cpu: median(whole.map(\.cpu)))
        let start = Timing(wall: median(starts.map(\.wall)), cpu: median(starts.map(\.cpu)))
        let decode = Timing(wall: max(theirs.wall - start.wall, 1e-9), cpu: max(theirs.cpu - start.cpu, 1e-9))
        print(String(format: "djpeg       %6.2f ms/frame wall, %6.2f ms CPU  whole process", theirs.wall * 1000, theirs.cpu * 1000))
        print(String(format: "            %6.2f ms/frame wall, %6.2f ms CPU  less process start (%.2f ms wall, %.2f ms CPU on a 1x1 JPEG)",
                     decode.wall * 1000, decode.cpu * 1000, start.wall * 1000, start.cpu * 1000))
        print(String(format: "ratio       %.2fx djpeg's decode time by wall clock, %.2fx by CPU time (lower is faster)", our.wall / decode.wall, our.cpu / decode.cpu))
    }

    /// Runs `body` `count` times and returns the wall and child-CPU time per run.
    private func timeChildren(_ count: Int, _ body: (Int) throws -> Void) throws -> Timing {
        let wall = monotonicSeconds(), cpu = childrenCPUSeconds()
        for i in 0..<count { try body(i) }
        return Timing(wall: (monotonicSeconds() - wall) / Double(count), cpu: (childrenCPUSeconds() - cpu) / Double(count))
    }
}

func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// getrusage of this process, or of its waited-for children. glibc types the first argument
/// as its own integer type; Darwin takes the constant as it is.
func resourceUsage(ofChildren children: Bool) -> rusage {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t((children ? RUSAGE_CHILDREN : RUSAGE_SELF).rawValue), &usage)
    #else
    getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &usage)
    #endif
    return usage
}

/// User plus system time of all waited-for child processes.
func childrenCPUSeconds() -> Double {
    let usage = resourceUsage(ofChildren: true)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Starts a program with posix_spawn (much cheaper than Foundation's Process, which matters
/// when the program's own run is a few milliseconds), with output to /dev/null, and waits.
func spawnAndWait(_ program: URL, _ arguments: [String], stdout: URL? = nil) throws {
    #if os(Linux)
    var actions = posix_spawn_file_actions_t()
    #else
    var actions: posix_spawn_file_actions_t?  // an opaque pointer on Darwin
    #endif
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stdout?.path ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([program.path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    let status = posix_spawn(&pid, program.path, &actions, nil, argv, environ)
    guard status == 0 else { throw CommandError("cannot start \(program.path): \(String(cString: strerror(status)))") }
    var exitStatus: Int32 = 0
    while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
    guard exitStatus == 0 else {
        throw CommandError("\(program.lastPathComponent) \(arguments.joined(separator: " ")) failed (status \(exitStatus))")
    }
}

func locateProgram(_ name: String) throws -> URL {
    guard let url = findProgram(name) else { throw CommandError("\(name) is not installed (not found on PATH)") }
    return url
}

/// How quickly frames come out of a video: what stepping and seeking in the TUI, and the
/// engine's whole-video passes, will feel.
struct VideoBenchmark {
    var video: URL
    var runs: Int

    func run() throws {
        let probeStart = monotonicSeconds()
        let source = try VideoSource(url: video)
        let probe = monotonicSeconds() - probeStart
        print("\(video.path): \(source.frameCount) frames, \(source.width)x\(source.height), \(UserInput.number(source.fps)) fps, \(source.codec)")
        print(String(format: "probe         %7.1f ms", probe * 1000))

        // Random access: frames spread over the video, visited in a shuffled but fixed order.
        var generator = SeededGenerator(seed: 42)
        let count = min(source.frameCount, 5 * runs)
        let targets = (0..<count).map { _ in Int(generator.next() % UInt64(source.frameCount)) }
        var seeks: [Double] = []
        var nexts: [Double] = []
        for target in targets {
            let start = monotonicSeconds()
            _ = try source.frame(at: target)
            seeks.append(monotonicSeconds() - start)
            if target + 1 < source.frameCount {
                let next = monotonicSeconds()
                _ = try source.frame(at: target + 1)
                nexts.append(monotonicSeconds() - next)
            }
        }
        print(String(format: "any frame     %7.1f ms median, %.1f ms worst of %d", median(seeks) * 1000, (seeks.max() ?? 0) * 1000, seeks.count))
        print(String(format: "next frame    %7.1f ms median, %.1f ms worst of %d", median(nexts) * 1000, (nexts.max() ?? 0) * 1000, nexts.count))

        // Stepping backwards through the frame cache, as the Left key does.
        let cached = CachedFrameSource(try VideoSource(url: video))
        var backs: [Double] = []
        for index in stride(from: source.frameCount - 1, through: max(0, source.frameCount - 60), by: -1) {
            let start = monotonicSeconds()
            _ = try cached.frame(at: index)
            backs.append(monotonicSeconds() - start)
        }
        print(String(format: "previous frame%7.1f ms median, %.1f ms worst of %d (through the frame cache)", median(backs) * 1000, (backs.max() ?? 0) * 1000, backs.count))

        // Two references: ffmpeg decoding to /dev/null (no transfer at all), and ffmpeg writing
        // its frames into a pipe that `cat` empties (the transfer any reader of ffmpeg pays).
        var ours: [Double] = [], toNull: [Double] = [], throughPipe: [Double] = []
        let ffmpeg = try locateProgram("ffmpeg")
        let decode = ["-nostdin", "-v", "error", "-i", video.path, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24"]
        let quoted = ([ffmpeg.path] + decode + ["pipe:1"]).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        for _ in 0..<runs {
            var start = monotonicSeconds()
            try source.forEachFrame(in: 0..<source.frameCount) { _, _ in true }
            ours.append(monotonicSeconds() - start)
            start = monotonicSeconds()
            try spawnAndWait(ffmpeg, decode + ["-y", "/dev/null"])
            toNull.append(monotonicSeconds() - start)
            start = monotonicSeconds()
            try spawnAndWait(URL(fileURLWithPath: "/bin/sh"), ["-c", quoted + " | cat > /dev/null"])
            throughPipe.append(monotonicSeconds() - start)
        }
        let frames = Double(source.frameCount)
        print(String(format: "whole video   %7.1f frames/s through microlabel; ffmpeg %.1f frames/s to /dev/null (%.2fx), %.1f frames/s into a pipe (%.2fx); median of %d",
                     frames / median(ours), frames / median(toNull), median(toNull) / median(ours),
                     frames / median(throughPipe), median(throughPipe) / median(ours), runs))
    }
}
