import Foundation
import Synchronization

/// One running `ffmpeg` that writes raw RGB frames of a video to a pipe, from a given frame on.
///
/// Not thread-safe, and not a lock: one reader uses it at a time. `VideoSource` hands it from
/// thread to thread through its pool, under the pool's lock; that hand-over is why it is Sendable.
final class FFmpegFrameReader: @unchecked Sendable {
    /// Index of the frame the next `readFrame()` returns.
    private(set) var nextIndex: Int
    private let video: URL
    private let width: Int
    private let height: Int
    private let process: Process
    private let output: FileHandle
    private let errors: StderrTail
    private var stopped = false

    init(video: URL, firstIndex: Int, fps: Double, width: Int, height: Int, scaled: Bool) throws {
        self.video = video
        self.width = width
        self.height = height
        nextIndex = firstIndex
        let ffmpeg = try ExternalTool.locate("ffmpeg")
        var arguments = ["-nostdin", "-hide_banner", "-v", "error"]
        if firstIndex > 0 {
            // An input seek is frame-accurate when transcoding: ffmpeg decodes from the keyframe
            // before and drops frames until the time. Aim half a frame early so rounding of
            // timestamps never skips the frame asked for.
            let seconds = (Double(firstIndex) - 0.5) / fps
            arguments += ["-ss", String(format: "%.6f", seconds)]
        }
        arguments += ["-i", video.path, "-map", "0:v:0", "-an", "-sn", "-fps_mode", "passthrough"]
        if scaled { arguments += ["-vf", "scale=\(width):\(height):flags=area"] }
        arguments += ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
        process = Process()
        process.executableURL = ffmpeg
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        // A pipe as large as the system allows (1 MB by default) lets ffmpeg write most of a frame,
        // or several small ones, before it waits for us: far fewer switches between the processes.
        #if os(Linux)
        _ = fcntl(stdout.fileHandleForReading.fileDescriptor, Self.setPipeSize, Self.pipeSize)
        #endif
        do {
            try process.run()
        } catch {
            throw ImagingError.toolFailed(tool: "ffmpeg", reason: "\(error)")
        }
        output = stdout.fileHandleForReading
        errors = StderrTail(stderr.fileHandleForReading)
    }

    deinit { stop() }

    /// F_SETPIPE_SZ (Linux: F_LINUX_SPECIFIC_BASE + 7); glibc declares it only with _GNU_SOURCE.
    private static let setPipeSize: Int32 = 1031

    private static let pipeSize: Int32 = {
        let text = (try? String(contentsOfFile: "/proc/sys/fs/pipe-max-size", encoding: .utf8)) ?? ""
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? (1 << 20)
    }()

    func readFrame() throws -> RGBImage {
        var complete = false
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { buffer, initialized in
            complete = readFully(into: UnsafeMutableRawBufferPointer(buffer))
            initialized = complete ? buffer.count : 0
        }
        guard complete else {
            let frame = nextIndex + 1
            stop()
            let reason = errors.finalText.split(separator: "\n").last.map(String.init)
                ?? "the video ends before this frame"
            throw ImagingError.badFrame(number: frame, error: .corrupt(path: video.path, detail: reason))
        }
        nextIndex += 1
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    func skipFrame() throws {
        _ = try readFrame()
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        try? output.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    private func readFully(into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard !stopped, let base = buffer.baseAddress else { return false }
        let fd = output.fileDescriptor
        var done = 0
        while done < buffer.count {
            let n = read(fd, base + done, buffer.count - done)
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}

/// Keeps the last few kilobytes a child process writes to standard error, read on a thread of
/// its own so the child never blocks on a full pipe.
final class StderrTail: Sendable {
    private let tail = Mutex(Data())
    private let limit = 4096
    private let ended = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                tail.withLock { tail in
                    tail.append(chunk)
                    if tail.count > limit { tail.removeFirst(tail.count - limit) }
                }
            }
            try? handle.close()
            ended.signal()
        }
        thread.start()
    }

    /// The text once the writer has closed its end (or after a short wait if it has not).
    var finalText: String {
        if ended.wait(timeout: .now() + 1) == .success { ended.signal() }
        return text
    }

    var text: String {
        String(decoding: tail.withLock { $0 }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Finding and running the external programs microlabel relies on (ffmpeg, ffprobe).
enum ExternalTool {
    struct Result {
        var status: Int32
        var output: Data
        var errorText: String
        var firstErrorLine: String? {
            errorText.split(separator: "\n").first.map { String($0) }
        }
    }

    /// The program's path on PATH, or an error that says how to install it.
    static func locate(_ name: String) throws -> URL {
        guard let url = findProgram(name) else { throw ImagingError.toolMissing(tool: name) }
        return url
    }

    /// Runs a program to completion and collects its output.
    static func run(_ executable: URL, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ImagingError.toolFailed(tool: executable.lastPathComponent, reason: "\(error)")
        }
        let errors = StderrTail(stderr.fileHandleForReading)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: output, errorText: errors.finalText)
    }
}

/// The path of an executable `name` on PATH, if there is one.
public func findProgram(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}
