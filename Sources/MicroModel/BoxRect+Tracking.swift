import LabelStore

extension BoxRect {
    init(centerX: Double, centerY: Double, width: Double, height: Double) {
        self.init(x: centerX - width / 2, y: centerY - height / 2, width: width, height: height)
    }

    /// The part inside the image; a box wholly outside shrinks to nothing at the nearest edge,
    /// so a track keeps a position even where it left the frame.
    func clamped(width imageWidth: Int, height imageHeight: Int) -> BoxRect {
        clipped(toWidth: imageWidth, height: imageHeight)
            ?? BoxRect(x: min(max(x, 0), Double(imageWidth)), y: min(max(y, 0), Double(imageHeight)), width: 0, height: 0)
    }
}
