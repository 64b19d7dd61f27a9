public import Crypto
import Foundation
public import KefuContent
public import KefuCore
public import KefuLedger
import KefuPostgres
public import KefuStorage
import KefuStore
public import Logging

/// Where Kefu's content, data and keys are, resolved once per process from options and the
/// environment. Services never read environment variables: the edge builds this and passes it in.
public struct Configuration: Sendable, Hashable {
    /// Folder holding `Rubrics/`, `Scenarios/`, `QuestionBanks/`, `Policies/`, `Tracks/`.
    public var root: String
    /// The database: a SQLite file path.
    public var database: String
    /// An explicit ledger signing key file (nil: the key of ``ledgerOrigin`` in ``keyDirectory``).
    public var keyPath: String?
    /// The folder holding the ledger's keys (one per origin), outside the database's folder by default.
    public var keyDirectory: String
    /// The ledger's name in checkpoints and credential ids.
    public var ledgerOrigin: String
    /// Worker threads for CPU-bound scoring.
    public var workers: Int
    /// The lowest level logged: `trace`, `debug`, `info`, `notice`, `warning` (default), `error`, `critical`.
    public var logLevel: String = "warning"
    /// Where people reach Kefu's web app: invitation and reset links start with it.
    public var baseURL: String = Configuration.defaultBaseURL
    /// The API token the CLI acts through instead of the operator, when one is given.
    public var apiToken: Secret?

    /// The environment variables read by ``resolve(root:database:key:environment:currentDirectory:processors:)``.
    public enum Variable: String, CaseIterable, Sendable {
        /// Content root.
        case root = "KEFU_ROOT"
        /// Database.
        case database = "KEFU_DB"
        /// An explicit signing key file.
        case key = "KEFU_KEY"
        /// The key directory.
        case keyDirectory = "KEFU_KEY_DIR"
        /// The XDG configuration folder (the key directory defaults to `$XDG_CONFIG_HOME/kefu/keys`).
        case configHome = "XDG_CONFIG_HOME"
        /// The home folder (the key directory defaults to `~/.config/kefu/keys` without `XDG_CONFIG_HOME`).
        case home = "HOME"
        /// Ledger origin.
        case ledgerOrigin = "KEFU_LEDGER_ORIGIN"
        /// Log level.
        case logLevel = "KEFU_LOG_LEVEL"
        /// The web app's base URL (invitation and reset links).
        case baseURL = "KEFU_BASE_URL"
        /// An API token to act through (`kefu_<id>_<secret>`).
        case token = "KEFU_TOKEN"
    }

    /// The default database file name, in the working directory.
    public static let defaultDatabase = "kefu.sqlite"
    /// The default ledger origin.
    public static let defaultLedgerOrigin = "kefu.local/ledger"
    /// The default base URL of the web app.
    public static let defaultBaseURL = "http://127.0.0.1:8080"

    /// Creates a configuration. Without `keyPath` or `keyDirectory` the keys go to `<database>.keys/`:
    /// meant for throwaway databases (tests, benchmarks); ``resolve(root:database:key:environment:currentDirectory:processors:)``
    /// gives the CLI's default outside the database's folder.
    public init(
        root: String, database: String, keyPath: String? = nil, keyDirectory: String? = nil,
        ledgerOrigin: String = Configuration.defaultLedgerOrigin, workers: Int = 1
    ) {
        self.root = root
        self.database = database
        self.keyPath = keyPath
        self.keyDirectory = keyDirectory ?? database + ".keys"
        self.ledgerOrigin = ledgerOrigin
        self.workers = max(1, workers)
    }

    /// The default key directory: `$KEFU_KEY_DIR`, else `$XDG_CONFIG_HOME/kefu/keys`, else
    /// `$HOME/.config/kefu/keys` (`./.kefu-keys` when not even `HOME` is set).
    public static func defaultKeyDirectory(environment: [String: String]) -> String {
        func value(_ variable: Variable) -> String? {
            environment[variable.rawValue].flatMap { $0.isEmpty ? nil : $0 }
        }
        if let directory = value(.keyDirectory) { return directory }
        if let config = value(.configHome) { return config + "/kefu/keys" }
        if let home = value(.home) { return home + "/.config/kefu/keys" }
        return ".kefu-keys"
    }

    /// Explicit options first, then the environment, then defaults (current folder, `./kefu.sqlite`,
    /// the key directory of ``defaultKeyDirectory(environment:)``, all processors, no API token).
    public static func resolve(
        root: String? = nil, database: String? = nil, key: String? = nil, token: String? = nil,
        environment: [String: String], currentDirectory: String, processors: Int
    ) -> Configuration {
        func value(_ explicit: String?, _ variable: Variable) -> String? {
            if let explicit, !explicit.isEmpty { return explicit }
            if let text = environment[variable.rawValue], !text.isEmpty { return text }
            return nil
        }
        let database = value(database, .database) ?? defaultDatabase
        var configuration = Configuration(
            root: value(root, .root) ?? currentDirectory, database: database, keyPath: value(key, .key),
            keyDirectory: defaultKeyDirectory(environment: environment),
            ledgerOrigin: value(nil, .ledgerOrigin) ?? defaultLedgerOrigin, workers: processors)
        if let level = value(nil, .logLevel) { configuration.logLevel = level }
        if let base = value(nil, .baseURL) { configuration.baseURL = base }
        configuration.apiToken = value(token, .token).map(Secret.init)
        return configuration
    }
}

/// A secret (an API token) that never shows in descriptions, logs or dumps.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself; read it only to use it.
    public let value: String

    /// Wraps `value`.
    public init(_ value: String) { self.value = value }

    /// Redacted.
    public var description: String { "<redacted>" }

    /// Redacted.
    public var debugDescription: String { "<redacted>" }

    /// No children: `dump` shows nothing of the secret.
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// How a process uses storage.
public enum StorageAccess: Sendable, Hashable {
    /// Not at all (content-only commands: lint, score, coverage).
    case none
    /// Reads only: a missing database is an error and nothing is created or migrated.
    case readOnly
    /// Reads and writes: the database is created and migrated on first use.
    case readWrite
}

/// The signing keys of the ledger, kept by a provider so services never handle key files.
public protocol SigningKeyProvider: Sendable {
    /// The current public key, or nil when no key exists yet (never creates one).
    func existingPublicKey() throws -> Curve25519.Signing.PublicKey?
    /// Every public key of the issuer: the current one and the retired ones (never creates one).
    func publicKeys() throws -> [Curve25519.Signing.PublicKey]
    /// The current private key, created on first use.
    func signingKey() throws -> Curve25519.Signing.PrivateKey
    /// A new current key; the old one's public key is kept. Returns the retired and the new key ids.
    func rotate() throws -> (retired: String?, current: String)
    /// The secret keying the QA erasure index (created on first use when `create`), or nil.
    func indexKey(create: Bool) throws -> SymmetricKey?
    /// Where that secret is kept (for messages).
    var indexKeyPath: String { get }
}

extension SigningKeyProvider {
    /// A signer with the current key (created on first use).
    public func signer() throws -> LedgerSigner { LedgerSigner(key: try signingKey()) }
}

extension KeyStore: SigningKeyProvider {}

/// Everything a service needs, built once per process: configuration, storage, content, calendar
/// clock, logger and the signing-key provider.
public struct KefuEnvironment: Sendable {
    /// Where things are.
    public let configuration: Configuration
    /// The content (rubrics, scenarios, banks, tracks), resolved only inside ``Configuration/root``.
    public let content: ContentRepository
    /// "Now" for records.
    public let clock: WallClock
    /// Where services log (no personal data).
    public let logger: Logger
    /// The ledger's signing key.
    public let keys: any SigningKeyProvider
    private let openedStorage: (any Storage)?

    /// Builds an environment over already-open storage (tests, the web app).
    public init(
        configuration: Configuration, storage: (any Storage)?, clock: WallClock = .system,
        logger: Logger = Logger(label: "kefu"), keys: (any SigningKeyProvider)? = nil
    ) {
        self.configuration = configuration
        self.content = ContentRepository(root: URL(fileURLWithPath: configuration.root, isDirectory: true))
        self.clock = clock
        self.logger = logger
        self.keys = keys ?? KeyStore(configuration: configuration)
        self.openedStorage = storage
    }

    /// Opens storage as `access` says and builds the environment.
    public static func open(
        _ configuration: Configuration, access: StorageAccess, clock: WallClock = .system, logger: Logger? = nil
    ) throws -> KefuEnvironment {
        var logger = logger ?? Logger(label: "kefu")
        if logger.logLevel == .info, let level = Logger.Level(rawValue: configuration.logLevel) {
            logger.logLevel = level
        }
        let storage: (any Storage)?
        switch access {
        case .none: storage = nil
        case .readOnly: storage = try openStorage(configuration.database, readOnly: true)
        case .readWrite: storage = try openStorage(configuration.database, readOnly: false)
        }
        return KefuEnvironment(configuration: configuration, storage: storage, clock: clock, logger: logger)
    }

    static func openStorage(_ location: String, readOnly: Bool) throws -> any Storage {
        do {
            if PostgresLocation.isPostgres(location) { return try PostgresStorage(url: location, readOnly: readOnly) }
            return try SQLiteStorage(path: location, readOnly: readOnly)
        } catch let error as StorageError {
            throw ServiceError(error)
        }
    }

    /// The storage; an error when the process opened none.
    public var storage: any Storage {
        get throws {
            guard let openedStorage else {
                throw ServiceError(.unavailable, "this command was started without a database")
            }
            return openedStorage
        }
    }
}

extension KefuEnvironment {
    /// The identity of an operator (whoever can open the database: the OS user `osUser`) acting as
    /// `person`. The person must exist and be active; roles follow from their level and their active grants.
    public func operatorIdentity(as person: PersonID, osUser: String) async throws -> Identity {
        guard !person.isEmpty else { throw ServiceError(.invalidInput, "say who is acting: the person id is empty") }
        let found = try await translatingStorageErrors { try await self.storage.people.person(person) }
        guard let found else {
            throw ServiceError(.notFound, "no person `\(person)` to act as", hint: .init("people.import"))
        }
        guard found.isActive else { throw ServiceError(.forbidden, "\(person) has left and can no longer act") }
        return Identity(person: person, roles: try await roles(of: found), channel: .operator(osUser: osUser))
    }
}
