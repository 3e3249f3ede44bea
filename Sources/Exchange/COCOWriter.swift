import Foundation

/// COCO instances JSON in the layout CVAT and datumaro write and detect:
/// `annotations/instances_<subset>.json` for the images in `images/<subset>/`, with the subset
/// `default` when there is no split. pycocotools, detectron2 and mmdetection take the two paths
/// explicitly. Image ids are 1-based frame numbers (1-based positions in the file
/// when several videos are exported); category ids are 1-based label indices;
/// pending proposals carry a `score`; the object id is in `attributes.track_id` as CVAT writes it.
enum COCOWriter {
    static let defaultSubset = "default"

    static func write(_ plan: ExportPlan, into root: URL, writeImage: VideoImageWriter?, progress: ExportProgress?) throws {
        let images = root.appendingPathComponent("images")
        let annotations = root.appendingPathComponent("annotations")
        let subsets = plan.splitNames.isEmpty ? [defaultSubset] : plan.splitNames
        try writeImages(plan, folder: { frame in
            images.appendingPathComponent(frame.split.map { plan.splitNames[$0] } ?? defaultSubset)
        }, writeImage: writeImage, progress: progress)
        try makeDirectory(annotations)
        for (index, name) in subsets.enumerated() {
            let frames = plan.splitNames.isEmpty ? plan.frames : plan.frames(inSplit: index)
            try writeFile(json(plan, frames: frames), to: annotations.appendingPathComponent("instances_\(name).json"))
        }
    }

    static func json(_ plan: ExportPlan, frames: [ExportPlan.Frame]) -> TextBuffer {
        var out = TextBuffer(capacity: 256 + frames.count * 300)
        out.append("{\n\"info\": {\"description\": ")
        out.appendJSONString(plan.name)
        out.append(", \"version\": \"1.0\", \"contributor\": \"microlabel\"},\n\"licenses\": [],\n\"categories\": [")
        for (index, label) in plan.labels.enumerated() {
            out.append(index == 0 ? "\n  {\"id\": " : ",\n  {\"id\": ")
            out.append(index + 1)
            out.append(", \"name\": ")
            out.appendJSONString(label)
            out.append(", \"supercategory\": \"\"}")
        }
        out.append("\n],\n\"images\": [")
        for (position, frame) in frames.enumerated() {
            out.append(position == 0 ? "\n  {\"id\": " : ",\n  {\"id\": ")
            out.append(imageID(plan, frame, position))
            out.append(", \"file_name\": ")
            out.appendJSONString(plan.imageName(frame))
            out.append(", \"width\": ")
            out.append(frame.width)
            out.append(", \"height\": ")
            out.append(frame.height)
            out.append("}")
        }
        out.append("\n],\n\"annotations\": [")
        var annotationID = 0
        for (position, frame) in frames.enumerated() {
            for box in frame.boxes {
                annotationID += 1
                out.append(annotationID == 1 ? "\n  {\"id\": " : ",\n  {\"id\": ")
                out.append(annotationID)
                out.append(", \"image_id\": ")
                out.append(imageID(plan, frame, position))
                out.append(", \"category_id\": ")
                out.append(box.classIndex + 1)
                out.append(", \"bbox\": [")
                out.append(box.rect.x, decimals: 3)
                out.append(", ")
                out.append(box.rect.y, decimals: 3)
                out.append(", ")
                out.append(box.rect.width, decimals: 3)
                out.append(", ")
                out.append(box.rect.height, decimals: 3)
                out.append("], \"area\": ")
                out.append(box.rect.width * box.rect.height, decimals: 3)
                out.append(", \"iscrowd\": 0, \"segmentation\": []")
                if let track = box.trackID {
                    out.append(", \"attributes\": {\"track_id\": ")
                    out.append(track)
                    out.append("}")
                }
                if box.isPending {
                    out.append(", \"score\": ")
                    out.append(box.confidence, decimals: 6)
                }
                out.append("}")
            }
        }
        out.append("\n]\n}\n")
        return out
    }

    private static func imageID(_ plan: ExportPlan, _ frame: ExportPlan.Frame, _ position: Int) -> Int {
        plan.videos.count == 1 ? frame.index + 1 : position + 1
    }
}
