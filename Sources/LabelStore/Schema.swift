import Foundation

/// The project file's schema: a fixed application id and a list of migration steps.
///
/// `PRAGMA user_version` holds the number of steps applied. To change the schema, append a step;
/// never edit one that has shipped.
enum Schema {
    /// "MLBL" in ASCII, stored in the SQLite header so other programs' databases are recognised and left alone.
    static let applicationID: Int32 = 0x4D4C_424C

    /// `steps[n]` migrates a file from version n to n + 1.
    static let steps: [String] = [version1, version2, version3]

    static var currentVersion: Int { steps.count }

    /// Brings the schema from `version` to `currentVersion`. Call inside a write transaction.
    static func migrate(_ connection: Connection, from version: Int) throws {
        for step in steps[version...] { try connection.execute(step) }
        try connection.execute("PRAGMA user_version = \(currentVersion)")
    }

    // The review queue reads pending proposals through partial indexes: a plain index on kind would
    // look selective to the planner (no ANALYZE statistics) and cost a sort of every proposal.
    // Times are seconds since 1970 (REAL). Ids are AUTOINCREMENT so an id is never reused:
    // undo can put a deleted row back under its old id.
    private static let version1 = """
        CREATE TABLE source (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            relative_path TEXT,
            absolute_path TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('folder', 'video')),
            frame_count INTEGER NOT NULL CHECK (frame_count >= 0),
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            fps REAL NOT NULL
        );
        CREATE TABLE labels (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL
        );
        CREATE TABLE objects (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            label_id INTEGER NOT NULL REFERENCES labels (id),
            number INTEGER NOT NULL,
            name TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX objects_label ON objects (label_id);
        CREATE TABLE models (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            object_id INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
            seed_box_ids TEXT NOT NULL,
            parameters TEXT NOT NULL,
            metrics TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX models_object ON models (object_id);
        CREATE TABLE boxes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            frame INTEGER NOT NULL CHECK (frame >= 0),
            object_id INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
            x REAL NOT NULL,
            y REAL NOT NULL,
            w REAL NOT NULL,
            h REAL NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('seed', 'proposal', 'accepted', 'rejected')),
            confidence REAL NOT NULL,
            model_id INTEGER REFERENCES models (id) ON DELETE SET NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX boxes_frame ON boxes (frame);
        CREATE INDEX boxes_object_frame ON boxes (object_id, frame, kind);
        CREATE INDEX boxes_pending_confidence ON boxes (confidence) WHERE kind = 'proposal';
        CREATE INDEX boxes_pending_frame ON boxes (frame, object_id) WHERE kind = 'proposal';
        CREATE INDEX boxes_model ON boxes (model_id);
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE actions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            description TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        );
        CREATE INDEX actions_undone ON actions (undone, id);
        CREATE TABLE action_changes (
            action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            table_name TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            before TEXT,
            after TEXT,
            PRIMARY KEY (action_id, seq)
        ) WITHOUT ROWID;
        """

    // What the engine knows of each stretch of an object's timeline (from one decided frame to the
    // next, or to either end of the video) at its last pass: the fingerprint of its inputs and
    // the held-out checks its runs made. Version 1 kept these as JSON in settings under
    // `engine.segments.<object id>`, with fingerprints the engine no longer makes: they are
    // dropped, and the next pass computes each stretch once more.
    private static let version2 = """
        CREATE TABLE stretch_records (
            object_id INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
            first_frame INTEGER NOT NULL CHECK (first_frame >= 0),
            last_frame INTEGER NOT NULL CHECK (last_frame >= first_frame),
            fingerprint TEXT NOT NULL,
            checks INTEGER NOT NULL CHECK (checks >= 0),
            checks_passed INTEGER NOT NULL CHECK (checks_passed >= 0 AND checks_passed <= checks),
            PRIMARY KEY (object_id, first_frame, last_frame)
        ) WITHOUT ROWID;
        DELETE FROM settings WHERE key LIKE 'engine.segments.%';
        """

    // The engine's raw score of each proposal, before calibration: what the project's calibration is
    // fitted on, kept on a box when it is accepted or rejected (a review decision is evidence).
    // NULL for drawn boxes and for boxes accepted without a human look. Not in the undo log.
    private static let version3 = """
        ALTER TABLE boxes ADD COLUMN score REAL;
        """
}
