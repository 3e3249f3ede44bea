import Foundation

extension Project {
    /// Writes a complete, consistent copy of the project as this connection sees it to
    /// `destination`, which must not exist yet (SQLite's VACUUM INTO). Works while the
    /// project's own file has been deleted or replaced: the copy is made from the open file.
    public func saveCopy(to destination: URL) throws {
        try locked {
            try connection.run("VACUUM INTO ?", [.text(destination.path)])
        }
    }
}
