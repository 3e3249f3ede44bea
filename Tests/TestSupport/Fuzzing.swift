import Exchange
import Foundation
import Imaging
import ReviewRoom
import Synthetic
import TerminalGraphics

/// Byte-level mutations of valid inputs, in the spirit of libFuzzer's: flipped bits, bytes
/// replaced by awkward ones, tokens that parsers find hard (huge and negative numbers, NaN,
/// quotes, brackets, escapes), chunks inserted, dropped, repeated or cut off.
public enum Mutator {
    static let tokens: [[UInt8]] = [
        "0", "-1", "-0", "1e308", "-1e308", "1e19", "9223372036854775807", "99999999999999999999999", "nan", "inf",
        "-inf", "0.0000001", ",", ";", "\n", "\r\n", "\t", " ", "\"", "\\", "<", ">", "</", "/>", "{", "}", "[", "]",
        "&amp;", "&#0;", "&#x110000;", "<![CDATA[", "<!--", "null", "true", "\u{1b}[", "\u{1b}_G", "\u{1b}\\", "\u{1b}P",
        "\u{7}", "\u{3}", "\u{1c}", "?", "#", "\u{FEFF}", "é", "\u{0}",
    ].map { Array($0.utf8) }

    public static func mutate(_ input: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<9, using: &rng) {
            case 0 where !bytes.isEmpty:
                bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !bytes.isEmpty:
                bytes[position] = [0x00, 0xFF, 0x7F, 0x80, 0x0A, 0x1B, 0x30, 0x39, 0x2D][Int.random(in: 0..<9, using: &rng)]
            case 2:
                bytes.insert(contentsOf: tokens[Int.random(in: 0..<tokens.count, using: &rng)], at: position)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...32, using: &rng))
                bytes.removeSubrange(position..<end)
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...64, using: &rng))
                let chunk = Array(bytes[position..<end])
                bytes.insert(contentsOf: chunk, at: Int.random(in: 0...bytes.count, using: &rng))
            case 5 where !bytes.isEmpty:
                bytes.removeSubrange(position...)  // cut off
            case 6 where bytes.count > 1:
                // Replace a run of digits (or any byte) by a token.
                var end = position
                while end < bytes.count, (0x30...0x39).contains(bytes[end]) || bytes[end] == 0x2E { end += 1 }
                bytes.replaceSubrange(position..<max(end, position + 1), with: tokens[Int.random(in: 0..<tokens.count, using: &rng)])
            case 7 where bytes.count >= 4:
                // A big-endian 16- or 32-bit field set to an extreme (image headers hold sizes so).
                let values: [UInt8] = [0xFF, 0x00, 0x7F, 0x80]
                for k in 0..<min(4, bytes.count - position) { bytes[position + k] = values[Int.random(in: 0..<4, using: &rng)] }
            default:
                bytes.append(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            }
        }
        return bytes
    }
}

/// The parsers of untrusted input, each as one function of bytes: the fuzz targets that the
/// random-input test and the libFuzzer harness (`Tests/Fuzz`) both drive. Errors are the
/// expected answer to bad input; anything that traps is a bug.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case coco, yolo, voc, mot, cvat, otb, probe, pnm, png, jpeg, config, theme

    /// Feeds `bytes` to the parser. File-based readers get them in a file under `scratch`.
    public func run(_ bytes: [UInt8], scratch: URL) {
        switch self {
        case .coco: importing(.coco, bytes, name: "annotations.json", scratch: scratch)
        case .yolo: importing(.yolo, bytes, name: "000001.txt", scratch: scratch)
        case .voc: importing(.voc, bytes, name: "000001.xml", scratch: scratch)
        case .mot: importing(.mot, bytes, name: "gt.txt", scratch: scratch)
        case .cvat: importing(.cvatVideo, bytes, name: "annotations.xml", scratch: scratch)
        case .otb: importing(.otb, bytes, name: "groundtruth_rect.txt", scratch: scratch)
        case .probe:
            let replies = ProbeReplies.parse(bytes)
            _ = (replies.sixel, replies.complete, replies.cellSize?.description, replies.textAreaSize?.description)
        case .pnm, .png, .jpeg:
            let data = Data(bytes)
            if let info = try? ImageCodec.info(of: data, name: "fuzz") {
                precondition(ImageLimits.allows(width: info.width, height: info.height), "info passed an image over the limits")
            }
            for scale in [1, 8] {
                if let image = try? ImageCodec.decode(data, scale: scale, name: "fuzz") {
                    precondition(image.pixels.count == image.width * image.height * 3, "decoded pixel count")
                }
            }
        case .config:
            if let config = try? ReviewConfig.parse(String(decoding: bytes, as: UTF8.self)) {
                _ = Keymap.standard.applying(config)
            }
        case .theme:
            _ = try? Theme.parse(Data(bytes), path: "fuzz.json")
        }
    }

    private func importing(_ format: DatasetFormat, _ bytes: [UInt8], name: String, scratch: URL) {
        let file = scratch.appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: file.path, contents: Data(bytes)) else { return }
        let frames = (0..<5).map { DatasetFrame(index: $0, fileName: String(format: "%06d.jpg", $0 + 1), width: 640, height: 360) }
        let options = ImportOptions(frameCount: 5, width: 640, height: 360, frames: frames, labels: ["person", "car"])
        if let result = try? DatasetImporter.read(format, from: file, options: options) {
            for box in result.boxes {
                precondition(box.frame >= 0 && box.frame < 5, "an imported box lies on frame \(box.frame)")
                precondition([box.rect.x, box.rect.y, box.rect.width, box.rect.height].allSatisfy(\.isFinite), "a box is not finite")
            }
        }
    }

    /// Valid inputs to start mutating from.
    public var seeds: [[UInt8]] {
        switch self {
        case .coco:
            return [Array("""
                {"images": [{"id": 1, "file_name": "000001.jpg", "width": 640, "height": 360},
                            {"id": 2, "file_name": "images/000003.jpg", "width": 1280, "height": 720}],
                 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10.5, 20, 30, 40], "area": 1200, "iscrowd": 0},
                                 {"id": 2, "image_id": 2, "category_id": 2, "bbox": [100, 200, 50, 60], "score": 0.75}],
                 "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}]}
                """.utf8)]
        case .yolo:
            return [Array("0 0.5 0.5 0.25 0.25\n1 0.1 0.2 0.05 0.07 0.9\n".utf8)]
        case .voc:
            return [Array("""
                <annotation><folder>JPEGImages</folder><filename>000001.jpg</filename>
                <size><width>640</width><height>360</height><depth>3</depth></size>
                <object><name>person</name><pose>Unspecified</pose><truncated>0</truncated><difficult>0</difficult>
                <bndbox><xmin>10</xmin><ymin>20</ymin><xmax>110</xmax><ymax>220</ymax></bndbox></object>
                <object><name>car &amp; van</name><bndbox><xmin>1.5</xmin><ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox></object>
                </annotation>
                """.utf8)]
        case .mot:
            return [Array("1,1,10,20,30,40,1,-1,-1\n2,1,12,20,30,40,0.8,2,1\n5,2,100.5,50,20,20,1,1,0.5\n".utf8)]
        case .cvat:
            return [Array("""
                <?xml version="1.0" encoding="utf-8"?>
                <annotations><version>1.1</version>
                <meta><task><size>5</size><original_size><width>640</width><height>360</height></original_size>
                <labels><label><name>person</name></label></labels></task></meta>
                <track id="0" label="person" source="manual">
                <box frame="0" xtl="10" ytl="20" xbr="40" ybr="60" outside="0" occluded="0" keyframe="1"></box>
                <box frame="2" xtl="12.5" ytl="20" xbr="42" ybr="60" outside="0" occluded="1" keyframe="1"><attribute name="score">0.5</attribute></box>
                <box frame="3" xtl="12" ytl="20" xbr="42" ybr="60" outside="1" occluded="0" keyframe="1"></box>
                </track></annotations>
                """.utf8)]
        case .otb:
            return [Array("10,20,30,40\n11\t21\t30\t40\n12 22 30 40\n0,0,0,0\n".utf8)]
        case .probe:
            return [Array("\u{1b}[?1;0;256S\u{1b}[?2;0;1920;1080S\u{1b}[6;16;8t\u{1b}[4;720;1280t\u{1b}_Gi=31;OK\u{1b}\\\u{1b}[?62;4;22c".utf8),
                    Array("\u{1b}[?65;1;9c\u{1b}[?62;4c".utf8)]
        case .pnm:
            var gradient = RGBImage(width: 6, height: 4)
            for i in gradient.pixels.indices { gradient.pixels[i] = UInt8(i * 7 % 256) }
            return [Array(ImageCodec.encodePPM(gradient)), Array("P2\n3 2\n65535\n0 1 2\n65535 3 4\n".utf8),
                    Array("P5 2 2 255\n".utf8) + [1, 2, 3, 4], Array("P3\n# comment\n2 1\n255\n255 0 0 0 255 0\n".utf8)]
        case .png:
            return [Self.sampleImage.flatMap { try? ImageCodec.encodePNG($0) }.map(Array.init) ?? []]
        case .jpeg:
            return [Self.sampleImage.flatMap { try? ImageCodec.encodeJPEG($0, quality: 80) }.map(Array.init) ?? []]
        case .config:
            return [Array("# keys\ntheme light\nbind x quit\nbind # help\nunbind q\nbind ctrl-r redo\n".utf8)]
        case .theme:
            return [Array("""
                {"name": "t", "background": "#101014", "text": "#d8d8d8", "dim": "#7a7a80", "accent": "#5fafff",
                 "warning": "#ff5f5f", "status": {"foreground": "#101014", "background": "#5fafff"},
                 "boxes": {"seed": "#00e5ff", "pending": "#ffd000", "accepted": "#3ddc5a", "rejected": "#ff3b3b", "selected": "#ffffff"},
                 "timeline": {"seed": "#00e5ff", "pending": "#ffd000", "accepted": "#3ddc5a", "rejected": "#ff3b3b", "cut": "#c070ff", "cursor": "#ffffff"},
                 "objects": ["#ff8c42", "#4dabf7"]}
                """.utf8)]
        }
    }

    /// A small picture with structure (a gradient and a block) for the image seeds.
    private static let sampleImage: RGBImage? = {
        var image = RGBImage(width: 24, height: 16)
        for y in 0..<16 {
            for x in 0..<24 {
                let i = (y * 24 + x) * 3
                image.pixels[i] = UInt8(x * 10)
                image.pixels[i + 1] = UInt8(y * 15)
                image.pixels[i + 2] = (6..<14).contains(x) && (4..<10).contains(y) ? 255 : 40
            }
        }
        return image
    }()
}
