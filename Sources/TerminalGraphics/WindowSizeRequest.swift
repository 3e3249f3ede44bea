#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ioctl request that reads a terminal's size (TIOCGWINSZ). glibc defines it as a plain
/// number, which Swift imports; Darwin builds it with a macro Swift cannot import, so its value
/// (_IOR('t', 104, struct winsize)) is spelled out there.
#if os(Linux)
public let windowSizeRequest = UInt(TIOCGWINSZ)
#else
public let windowSizeRequest: UInt = 0x4008_7468
#endif
