/// The command line: parses arguments, runs one command, maps its errors to exit codes.
public enum Microlabel {
    public static func main(_ arguments: [String]) -> Int32 { 0 }
}
