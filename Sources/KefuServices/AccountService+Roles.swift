import Foundation
public import KefuCore
public import KefuStorage

extension KefuEnvironment {
    /// The roles `person` holds: those their level implies and their active grants.
    public func roles(of person: Person) async throws -> Set<Role> {
        let id = PersonID(person.id)
        let grants = try await translatingStorageErrors {
            try await storage.accounts.grants(of: id, includingWithdrawn: false)
        }
        return Role.implied(by: person.level).union(grants.map(\.role))
    }
}

extension AccountService {
    /// The roles `person` holds: those their level implies and their active grants.
    public func roles(of person: PersonID) async throws -> Set<Role> {
        let found = try await translatingStorageErrors { try await environment.storage.people.person(person) }
        guard let found else { throw ServiceError.notFound(person) }
        return try await environment.roles(of: found)
    }

    /// Active grants of `person` (everyone's when nil), oldest first; withdrawn ones too when asked for.
    public func grants(of person: PersonID?, includingWithdrawn: Bool = false) async throws -> [RoleGrant] {
        try await translatingStorageErrors {
            try await accounts.grants(of: person, includingWithdrawn: includingWithdrawn)
        }
    }

    /// One person's roles and grants, or every grant when `person` is nil.
    public func roleListing(of person: PersonID?, includingWithdrawn: Bool = false) async throws -> RoleListing {
        let grants = try await grants(of: person, includingWithdrawn: includingWithdrawn)
        var held: [Role]?
        if let person { held = try await roles(of: person).sorted() }
        return RoleListing(person: person, roles: held, grants: grants)
    }

    /// Grants `role` to `person` (administrators only; nobody grants to themselves). A role the
    /// person's level already carries needs no grant.
    @discardableResult
    public func grant(_ role: Role, to person: PersonID, by actor: Identity) async throws -> RoleGrant {
        try AccessPolicy.require(actor, .grantRoles, on: .person(person))
        guard actor.person != person else {
            throw ServiceError(.forbidden, "nobody may grant roles to themselves; ask another administrator")
        }
        let found = try await translatingStorageErrors { try await environment.storage.people.person(person) }
        guard let found else { throw ServiceError(.notFound, "no person `\(person)`", hint: .init("people.import")) }
        guard found.isActive else { throw ServiceError(.precondition, "\(person) has left; roles are not granted") }
        if Role.implied(by: found.level).contains(role) {
            throw ServiceError(
                .conflict, "\(person) already holds \(role.rawValue) through their level (\(found.level.rawValue))")
        }
        let grant = RoleGrant(person: person, role: role, grantedBy: actor.person, grantedAt: now().text)
        let stored = try await translatingStorageErrors { try await accounts.addGrant(grant) }
        try await environment.audit(
            actor, "role.grant", subject: "role grant \(stored.id)",
            detail: ["person": person.rawValue, "role": role.rawValue])
        return stored
    }

    /// Withdraws the grant of `role` from `person` (administrators only). Roles the level carries
    /// cannot be withdrawn; they change with the level.
    @discardableResult
    public func withdraw(_ role: Role, from person: PersonID, by actor: Identity) async throws -> RoleGrant {
        try AccessPolicy.require(actor, .grantRoles, on: .person(person))
        let time = now().text
        let withdrawn = try await translatingStorageErrors {
            try await accounts.withdrawGrant(role, from: person, by: actor.person, at: time)
        }
        try await environment.audit(
            actor, "role.withdraw", subject: "role grant \(withdrawn.id)",
            detail: ["person": person.rawValue, "role": role.rawValue])
        return withdrawn
    }

    /// Parses a role name as people type it (`qa-reviewer`, `team-lead`, …).
    public static func role(named name: String) throws -> Role {
        guard let role = Role(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw ServiceError(
                .invalidInput,
                "unknown role `\(name)`; roles: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }
}

extension AccountService {
    /// Locks `person`'s account until an administrator unlocks it, ending their sessions
    /// (administrators only). API tokens stop working while it is locked.
    public func lock(_ person: PersonID, by actor: Identity) async throws {
        try AccessPolicy.require(actor, .manageAccounts, on: .person(person))
        let time = now().text
        _ = try await translatingStorageErrors {
            try await accounts.updateAccount(person, endSessionsAt: time) { account in
                account.isDisabled = true
                account.updatedAt = time
            }
        }
        try await environment.audit(actor, "account.lock", subject: "account \(person)")
    }

    /// Unlocks `person`'s account: clears an administrator's lock, a lockout after failed sign-ins and
    /// the failure count (administrators only).
    public func unlock(_ person: PersonID, by actor: Identity) async throws {
        try AccessPolicy.require(actor, .manageAccounts, on: .person(person))
        let time = now().text
        _ = try await translatingStorageErrors {
            try await accounts.updateAccount(person, endSessionsAt: nil) { account in
                account.isDisabled = false
                account.lockedUntil = nil
                account.failedAttempts = 0
                account.lockouts = 0
                account.updatedAt = time
            }
        }
        try await environment.audit(actor, "account.unlock", subject: "account \(person)")
    }

    /// `person`'s account: state, lockout, sessions, tokens and roles (one's own, or anyone's for an
    /// administrator).
    public func status(of person: PersonID, by actor: Identity) async throws -> AccountStatus {
        try requireOwnOrAdmin(actor, person)
        let storage = try environment.storage
        let (date, time) = now()
        let found = try await translatingStorageErrors { try await storage.people.person(person) }
        guard let found else { throw ServiceError.notFound(person) }
        let (account, pending, sessions, tokens, grants) = try await translatingStorageErrors {
            (
                try await storage.accounts.account(person), try await storage.accounts.oneTimeTokens(of: person),
                try await storage.accounts.sessions(of: person), try await storage.accounts.tokens(of: person),
                try await storage.accounts.grants(of: person, includingWithdrawn: false)
            )
        }
        let open = pending.last { $0.usedAt == nil && $0.revokedAt == nil && $0.expiresAt > time }
        let state: String
        switch account {
        case nil: state = "none"
        case let account? where account.isDisabled: state = "disabled"
        case let account? where (account.lockedUntil ?? "") > time: state = "locked"
        case let account? where account.passwordHash == nil: state = "invited"
        default: state = "active"
        }
        return AccountStatus(
            person: person, state: state, lockedUntil: account?.lockedUntil.flatMap { $0 > time ? $0 : nil },
            failedAttempts: account?.failedAttempts ?? 0, lockouts: account?.lockouts ?? 0,
            createdAt: account?.createdAt, updatedAt: account?.updatedAt, pendingTokenExpiresAt: open?.expiresAt,
            activeSessions: sessions.filter { SessionInfo($0, now: time, idleLimit: idleLimit(date)).isActive }.count,
            tokens: tokens.map { APITokenInfo($0, now: time) },
            roles: Role.implied(by: found.level).union(grants.map(\.role)).sorted(), grants: grants)
    }
}
