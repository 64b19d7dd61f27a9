/// An error of the storage module, written for the person who must act.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What failed and what to do.
    public let description: String

    init(_ description: String) { self.description = description }

    static func tooNew(_ path: String) -> StoreError {
        StoreError("\(path) was written by a newer Kefu (it has migrations this version does not know); "
            + "upgrade Kefu to open it — this version will not touch it")
    }
}
