import Exchange
import Foundation
import Imaging
import Geometry
import LabelStore
import MicroModel
import Pipeline
import enum ReviewRoom.TerminalRequirements

/// `microlabel demo`: the main job on the bundled Big Buck Bunny shot.
///
/// Makes (or reuses) a project in the user's cache folder, seeds the rabbit on two frames,
/// and runs the loop. Without a terminal on both ends it runs headless and reports each step.
enum DemoCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "demo",
            summary: "Run the labelling loop on the bundled sample video.",
            usage: "[--fresh] [--headless] [--project PATH] [--graphics MODE] [--theme NAME]",
            details: """
            In a terminal, the project opens in the review room: press t to train, r to review, ? for keys.
            Without a terminal (a script, CI), or with --headless, the loop runs by itself and reports
            each step: propagate from the seeds, accept what reaches expected precision \(UserInput.defaultPrecision), export COCO.
            The sample data is looked for in ./sample-data, next to the executable's package, or in
            $MICROLABEL_SAMPLE_DATA.
            """),
        options: Options.self, run: run)

    struct Options: RoomOptions {
        let fresh = Flag("fresh", "Start again from a new demo project.")
        let headless = Flag("headless", "Run the loop without the review room even in a terminal.")
        let graphics = GraphicsSelection.option
        let theme = Option<String>("theme", "NAME", "The review room's theme.")
        let project = Option<String>("project", "PATH", "Where the demo project lives (default: $XDG_CACHE_HOME/microlabel/demo/bigbuckbunny.microlabel).")
    }

    /// Seeds on the frames the seeded-propagation protocol picks for 132 frames (34 and 100),
    /// as fractions of the frame so they fit the video (1280x720) and the frames (640x360).
    static let seeds: [(frame: Int, box: (x: Double, y: Double, w: Double, h: Double))] = [
        (34, (0.125, 0.217, 0.398, 0.611)),
        (100, (0.122, 0.111, 0.3625, 0.764)),
    ]

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let sampleData = try locateSampleData()
        let projectURL = try arguments.value(\.project).map { ProjectPaths.resolve($0) } ?? defaultProjectURL()
        try FileManager.default.createDirectory(at: projectURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        if arguments.flag(\.fresh) { try removeProject(projectURL) }

        let project: Project
        if FileManager.default.fileExists(atPath: projectURL.path), let existing = try reusable(projectURL, sampleData: sampleData) {
            project = existing
            print("demo: reusing \(projectURL.path)")
        } else {
            project = try create(projectURL, sampleData: sampleData)
        }
        let source = try project.source()
        print("demo: source \(source.path): \(source.frameCount) frames, \(source.width)x\(source.height)")

        if try project.counts().seeds == 0 {
            for seed in seeds {
                let rect = BoxRect(x: seed.box.x * Double(source.width), y: seed.box.y * Double(source.height),
                                   width: seed.box.w * Double(source.width), height: seed.box.h * Double(source.height))
                let added = try SeedPlacement.add(to: project, frame: seed.frame - 1, rect: rect, labelName: "rabbit", objectID: nil)
                print("demo: seed on frame \(seed.frame): \(UserInput.format(rect)) (label '\(added.label.name)', object #\(added.object.id))")
            }
        }
        if OpenCommand.hasTerminal && !arguments.flag(\.headless) {
            if let problem = TerminalRequirements.problem(term: ProcessInfo.processInfo.environment["TERM"]) {
                try headlessLoop(project, projectURL: projectURL, why: "\(problem.prefix { $0 != ":" }): the review room cannot run here")
                return
            }
            try OpenCommand.openRoom(projectURL.path, arguments)
            return
        }
        try headlessLoop(project, projectURL: projectURL)
    }

    /// The loop a person runs in the review room, done by the program: train and propagate,
    /// accept what reaches the default expected precision, export.
    static func headlessLoop(_ project: Project, projectURL: URL,
                             why: String = "no terminal on both ends (or --headless)") throws {
        print("demo: \(why): running the loop headless")
        let frames = try ProjectPaths.frames(of: project)
        let progress = ProgressBox()
        let summary = try PropagationEngine(project: project, frames: frames).run(report: { event in
            if case let .progress(done, total) = event { progress.update(done: done, total: total) }
        })
        progress.finish()
        print(String(format: "demo: propagated: %d frames tracked in %.1f s, %d pending proposals", summary.framesTracked, summary.seconds, summary.proposals))
        print("demo: " + PropagateCommand.thresholdLine(summary))
        let selection = PrecisionTarget().select(try project.pendingProposals(orderedBy: .frame), confidence: \.confidence)
        if !selection.items.isEmpty {
            try project.perform("accept \(selection.items.count) proposals at expected precision \(UserInput.defaultPrecision)") { action in
                try action.setKind(ids: selection.items.map(\.id), to: .accepted)
            }
            try project.forgetScores(ids: selection.items.map(\.id))
        }
        print(String(format: "demo: accepted %d proposals at expected precision \(UserInput.defaultPrecision) (about %.1f expected wrong)", selection.items.count, selection.expectedWrong))
        let out = projectURL.deletingLastPathComponent().appendingPathComponent("bigbuckbunny-coco")
        let input = try DatasetBridge.exportInput(project, frames: frames, withImages: true)
        var options = ExportOptions()
        options.force = true
        options.protectedPaths = input.protectedPaths
        let exported = try DatasetExporter.export(input.dataset, format: .coco, to: out, options: options, writeImage: input.writeImage)
        print("demo: exported \(exported.boxCount) boxes on \(exported.frameCount) frames as COCO to \(exported.output.path)\(input.leftOutNote)")
        let counts = try project.counts()
        print("demo: \(counts.seeds) seeds, \(counts.proposals) pending proposals, \(counts.accepted) accepted, \(counts.rejected) rejected")
        print("demo: review the rest with 'microlabel open \(projectURL.path)'")
    }

    static func defaultProjectURL() -> URL {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return cache.appendingPathComponent("microlabel/demo/bigbuckbunny.microlabel")
    }

    static func locateSampleData() throws -> URL {
        var candidates: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["MICROLABEL_SAMPLE_DATA"] {
            candidates.append(URL(fileURLWithPath: explicit))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("sample-data"))
        // .build/<config>/microlabel sits three levels below the package root.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("sample-data"))
            directory.deleteLastPathComponent()
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("frames").path) {
            return candidate.standardizedFileURL
        }
        throw CommandError("cannot find the sample data (sample-data/ of the microlabel repository); run from the repository, or set MICROLABEL_SAMPLE_DATA")
    }

    /// The video when ffmpeg can read it, else the 640x360 frames.
    private static func create(_ url: URL, sampleData: URL) throws -> Project {
        let video = sampleData.appendingPathComponent("bigbuckbunny.mp4")
        var source: any FrameSource
        var sourceURL = video
        do {
            source = try VideoSource(url: video)
        } catch {
            print("demo: \(error); using the extracted frames instead")
            sourceURL = sampleData.appendingPathComponent("frames")
            source = try openFrameSource(at: sourceURL)
        }
        let info = SourceInfo(path: sourceURL.path, kind: source is VideoSource ? .video : .folder,
                              frameCount: source.frameCount, width: source.width, height: source.height, fps: source.fps)
        let project = try Project.create(at: url, source: info, labels: ["rabbit"])
        print("demo: created \(url.path)")
        return project
    }

    /// The existing demo project if it was made from this sample data and its frames still open;
    /// otherwise it is set aside, not deleted. A project made by another copy of the repository
    /// would show that copy's state (or break when that copy is removed), so it is not reused.
    private static func reusable(_ url: URL, sampleData: URL) throws -> Project? {
        let why: String
        do {
            let project = try Project.open(at: url)
            let sourcePath = URL(fileURLWithPath: try project.source().path).standardizedFileURL.path
            let ours = ["bigbuckbunny.mp4", "frames"].map { sampleData.appendingPathComponent($0).standardizedFileURL.path }
            if ours.contains(sourcePath) {
                _ = try openFrameSource(at: URL(fileURLWithPath: sourcePath))
                return project
            }
            why = "it was made from \(sourcePath), not from this sample data"
        } catch {
            why = "\(error)"
        }
        let aside = url.appendingPathExtension("old")
        for suffix in ["", "-wal", "-shm"] {
            let from = URL(fileURLWithPath: url.path + suffix), to = URL(fileURLWithPath: aside.path + suffix)
            try? FileManager.default.removeItem(at: to)
            if FileManager.default.fileExists(atPath: from.path) { try FileManager.default.moveItem(at: from, to: to) }
        }
        print("demo: not reusing the old demo project (\(why)); moved it to \(aside.path)")
        return nil
    }

    private static func removeProject(_ url: URL) throws {
        for suffix in ["", "-wal", "-shm"] {
            let file = URL(fileURLWithPath: url.path + suffix)
            if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        }
    }
}
