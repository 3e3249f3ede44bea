// Stand-in until the imaging branch lands its FrameSource protocol.
public protocol FrameSource: Sendable {
    var frameCount: Int { get }
    var width: Int { get }
    var height: Int { get }
    var fps: Double { get }
    func frame(at index: Int) throws -> RGBImage
    func frame(at index: Int, scale: Int) throws -> RGBImage
}
