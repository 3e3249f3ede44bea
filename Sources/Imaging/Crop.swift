extension RGBImage {
    /// The pixels of `rect` clipped to the image; nil when nothing of it lies inside.
    public func cropped(to rect: PixelRect) -> RGBImage? {
        let area = rect.intersection(PixelRect(x: 0, y: 0, width: width, height: height))
        guard !area.isEmpty else { return nil }
        if area.width == width && area.height == height { return self }
        return RGBImage(width: area.width, height: area.height,
                        pixels: copyRows(pixels, width: width, area: area, channels: 3))
    }
}

extension GrayImage {
    /// The pixels of `rect` clipped to the image; nil when nothing of it lies inside.
    public func cropped(to rect: PixelRect) -> GrayImage? {
        let area = rect.intersection(PixelRect(x: 0, y: 0, width: width, height: height))
        guard !area.isEmpty else { return nil }
        if area.width == width && area.height == height { return self }
        return GrayImage(width: area.width, height: area.height,
                         pixels: copyRows(pixels, width: width, area: area, channels: 1))
    }
}

/// Copies `area` (already inside the image) row by row.
private func copyRows<Element>(_ source: [Element], width: Int, area: PixelRect, channels: Int) -> [Element] {
    let rowLength = area.width * channels
    return [Element](unsafeUninitializedCapacity: rowLength * area.height) { out, initialized in
        source.withUnsafeBufferPointer { source in
            for row in 0..<area.height {
                let from = ((area.y + row) * width + area.x) * channels
                (out.baseAddress! + row * rowLength).initialize(from: source.baseAddress! + from, count: rowLength)
            }
        }
        initialized = rowLength * area.height
    }
}
