import Foundation
import Imaging
import TestSupport
import XCTest
@testable import ReviewRoom

final class ThemeTests: XCTestCase {
    let themes = Fixtures.repositoryRoot.appendingPathComponent("themes")

    func testRepositoryThemesLoad() throws {
        let names = Theme.available(folders: [themes])
        for required in ["default", "light", "high-contrast", "okabe-ito"] {
            XCTAssertTrue(names.contains(required), "themes/\(required).json is missing")
        }
        for name in names {
            let theme = try Theme.load(name: name, folders: [themes])
            XCTAssertEqual(theme.name, name)
            XCTAssertEqual(Set(theme.boxes.keys), Set(ReviewKind.allCases))
            XCTAssertGreaterThanOrEqual(theme.objects.count, 6, "\(name) needs object colours")
            // Kinds must be told apart: distinct colours, each far from the background.
            let kinds = ReviewKind.allCases.map(theme.color(for:))
            XCTAssertEqual(Set(kinds).count, 4, name)
            for c in kinds + [theme.text] {
                XCTAssertGreaterThan(Palette.distance(c, theme.background), 40_000, "\(name): a colour too close to the background")
            }
        }
    }

    func testBuiltInMatchesTheDefaultFile() throws {
        let file = try Theme.load(name: "default", folders: [themes])
        XCTAssertEqual(file.boxes, Theme.builtIn.boxes)
        XCTAssertEqual(file.background, Theme.builtIn.background)
        XCTAssertEqual(try Theme.load(name: "default", folders: []).name, "default", "default works without files")
    }

    func testUserFolderComesFirstAndMissingThemesAreNamed() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let user = dir.appendingPathComponent("microlabel/themes")
        try FileManager.default.createDirectory(at: user, withIntermediateDirectories: true)
        var json = try String(contentsOf: themes.appendingPathComponent("light.json"), encoding: .utf8)
        json = json.replacingOccurrences(of: "\"#f7f7f2\"", with: "\"#ffffff\"")
        try json.write(to: user.appendingPathComponent("light.json"), atomically: true, encoding: .utf8)
        let folders = Theme.searchFolders(environment: ["XDG_CONFIG_HOME": dir.path]) + [themes]
        XCTAssertEqual(folders.first?.path, user.path)
        XCTAssertEqual(try Theme.load(name: "light", folders: folders).background, RGB(255, 255, 255))
        XCTAssertThrowsError(try Theme.load(name: "neon", folders: [user])) { error in
            XCTAssertTrue("\(error)".contains("neon"))
            XCTAssertTrue("\(error)".contains(user.path))
        }
    }

    func testInvalidThemesExplainWhatIsWrong() {
        XCTAssertThrowsError(try Theme.parse(Data("{".utf8), path: "/t/bad.json")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/t/bad.json: not a valid theme"))
        }
        let missing = ##"{"background":"#000000","text":"#ffffff","dim":"#888888","accent":"#ff0000"}"##
        XCTAssertThrowsError(try Theme.parse(Data(missing.utf8), path: "x.json")) { error in
            XCTAssertTrue("\(error)".contains("status"), "\(error)")
        }
        XCTAssertNil(Theme.hex("#12345"))
        XCTAssertNil(Theme.hex("123456"))
        XCTAssertEqual(Theme.hex("#ff8000"), RGB(255, 128, 0))
    }

    func testObjectColoursAreStablePerObject() {
        let t = Theme.builtIn
        XCTAssertEqual(t.color(forObject: 3), t.color(forObject: 3))
        XCTAssertNotEqual(t.color(forObject: 1), t.color(forObject: 2))
        _ = t.color(forObject: -5)
    }

    func testOptionsReadConfigAndThemeOverride() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("microlabel")
        try FileManager.default.createDirectory(at: config.appendingPathComponent("themes"), withIntermediateDirectories: true)
        for name in ["light", "okabe-ito"] {
            try FileManager.default.copyItem(at: themes.appendingPathComponent("\(name).json"), to: config.appendingPathComponent("themes/\(name).json"))
        }
        try "theme light\nbind f next-frame\n".write(to: config.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        let env = ["XDG_CONFIG_HOME": dir.path, "NO_COLOR": "1"]
        let options = try ReviewRoomOptions.load(environment: env)
        XCTAssertEqual(options.theme.name, "light")
        XCTAssertEqual(options.keymap.command(for: .char("f"), in: .navigate), .nextFrame)
        XCTAssertTrue(options.noColor)
        XCTAssertEqual(try ReviewRoomOptions.load(themeName: "okabe-ito", environment: env).theme.name, "okabe-ito")
        XCTAssertFalse(ReviewRoomOptions.noColorRequested(environment: ["NO_COLOR": ""]))
    }
}
