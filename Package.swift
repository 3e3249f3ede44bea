// swift-tools-version: 6.0
// microlabel: propagate a few hand-drawn boxes through a video with small, overfit models,
// and review the proposals in the terminal. No third-party packages: the toolchain and C
// system libraries only.
import PackageDescription

// ncursesw on Linux: Debian's ncursesw.pc holds only -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600 and the
// libraries; SwiftPM refuses the -D flags (a warning on every build) and the module map links the
// library itself (libncursesw.so pulls in tinfo). Homebrew's ncurses is keg-only: its .pc file's
// -I and -L are needed there.
#if os(Linux)
let ncursesw = Target.systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"]), .brew(["ncurses"])])
#else
let ncursesw = Target.systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"]), .brew(["ncurses"])])
#endif

let package = Package(
    name: "microlabel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "microlabel", targets: ["microlabel"]),
    ],
    targets: [
        // C system libraries, one module each.
        ncursesw,
        .systemLibrary(name: "CSQLite3", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // The only C we write: libjpeg and libpng report errors by longjmp, which Swift cannot catch.
        .target(
            name: "CCodecs",
            dependencies: ["CJPEG", "CPNG"],
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("z")]
        ),

        // The core, one concern per target.
        .target(name: "Geometry"),
        .target(name: "Imaging", dependencies: ["CCodecs"]),
        .target(name: "LabelStore", dependencies: ["Geometry", "CSQLite3"]),
        .target(name: "TerminalGraphics", dependencies: ["Imaging", "CZlib"]),
        .target(name: "MicroModel", dependencies: ["Imaging", "Geometry"]),
        .target(name: "Exchange", dependencies: ["Imaging", "Geometry"]),
        .target(name: "ReviewRoom", dependencies: ["Imaging", "Geometry", "TerminalGraphics", "CNcursesw"]),
        // Orchestration: reads seeds from the store, runs the micro-models, writes proposals; and
        // the review room's training engine over it, with the room's adapters to the store and frames.
        .target(name: "Pipeline", dependencies: ["Geometry", "Imaging", "LabelStore", "MicroModel", "ReviewRoom", "TerminalGraphics"]),
        // Generated videos with known boxes, for the benchmarks and the tests.
        .target(name: "Synthetic", dependencies: ["Imaging", "Geometry"]),
        .target(name: "Commands", dependencies: ["Imaging", "Geometry", "LabelStore", "TerminalGraphics", "MicroModel", "Pipeline", "Exchange", "ReviewRoom", "Synthetic"]),
        .executableTarget(name: "microlabel", dependencies: ["Commands"]),

        // Tests.
        .target(name: "TestSupport", dependencies: ["Imaging", "Geometry", "LabelStore", "Exchange", "TerminalGraphics", "ReviewRoom", "Synthetic"], path: "Tests/TestSupport"),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LabelStoreTests", dependencies: ["Geometry", "LabelStore", "TestSupport"]),
        .testTarget(name: "TerminalGraphicsTests", dependencies: ["TerminalGraphics", "TestSupport"], exclude: ["Golden", "Fixtures"]),
        .testTarget(name: "MicroModelTests", dependencies: ["Geometry", "MicroModel", "Synthetic", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Geometry", "Imaging", "LabelStore", "MicroModel", "ReviewRoom", "TerminalGraphics", "Synthetic", "TestSupport"]),
        .testTarget(name: "ExchangeTests", dependencies: ["Geometry", "Exchange", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ReviewRoomTests", dependencies: ["Geometry", "ReviewRoom", "Pipeline", "LabelStore", "Synthetic", "TestSupport"]),
        .testTarget(name: "CommandsTests", dependencies: ["Geometry", "Commands", "Synthetic", "TestSupport"]),
        .testTarget(name: "SyntheticTests", dependencies: ["Synthetic"]),
    ]
)

// The libFuzzer harness over the same targets as the random-input test; only when asked for,
// so that the normal build and `swift test` never see it. Tests/Fuzz/fuzz.sh builds and runs it.
if Context.environment["MICROLABEL_FUZZ"] == "1" {
    package.targets.append(.executableTarget(
        name: "microlabel-fuzz", dependencies: ["TestSupport"], path: "Tests/Fuzz/Harness",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
    package.products.append(.executable(name: "microlabel-fuzz", targets: ["microlabel-fuzz"]))
}
