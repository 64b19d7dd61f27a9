import Foundation
import Testing

@Suite("kefu account, token and role", .serialized)
struct AccountCLITests {
    /// A fresh database holding the sample team.
    static func team() throws -> (folder: URL, db: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("kefu.sqlite").path
        #expect(try KefuProcess.run(["people", "import", "Samples/people.csv", "--db", db]).status == 0)
        return (folder, db)
    }

    @Test("account invite prints a link once; set-password reads the password from stdin; login works")
    func inviteAndSetPassword() throws {
        let (folder, db) = try Self.team()
        defer { try? FileManager.default.removeItem(at: folder) }
        let invite = try KefuProcess.run([
            "account", "invite", "E001", "--db", db, "--base-url", "https://kefu.example",
        ])
        #expect(invite.status == 0, "\(invite.stderr)")
        let link = try #require(invite.stdout.split(separator: "\n").first { $0.hasPrefix("https://kefu.example/") })
        let token = String(try #require(link.split(separator: "=").last))
        #expect(token.count == 43)

        let password = "a long enough password"
        let set = try KefuProcess.run(
            ["account", "set-password", "--token", token, "--password-stdin", "--db", db], stdin: password + "\n")
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout == "password set for E001\n")
        let again = try KefuProcess.run(
            ["account", "set-password", "--token", String(link), "--password-stdin", "--db", db], stdin: password)
        #expect(again.status == 2)
        #expect(again.stderr.contains("already used"))
        #expect(!again.stderr.contains(token) && !again.stderr.contains(password))

        let noFlag = try KefuProcess.run(["account", "set-password", "--token", token, "--db", db], stdin: password)
        #expect(noFlag.status == 64)

        let wrong = try KefuProcess.run(
            ["account", "login", "E001", "--password-stdin", "--db", db], stdin: "nope nope nope")
        #expect(wrong.status == 2)
        #expect(wrong.stderr == "error: person id or password is wrong\n")
        let login = try KefuProcess.run(["account", "login", "E001", "--password-stdin", "--db", db], stdin: password)
        #expect(login.status == 0, "\(login.stderr)")
        #expect(!login.stdout.contains(password))

        let show = try KefuProcess.run(["account", "show", "E001", "--db", db, "--format", "json"])
        let status = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(status["state"] as? String == "active")
        #expect(status["active_sessions"] as? Int == 1)
        #expect(status["failed_attempts"] as? Int == 0)
        #expect(!show.stdout.contains(token))
    }

    @Test("role grant adds a role that --as then carries; a trainee may not grant; an API token acts with its scopes")
    func roleGrantAndToken() throws {
        let (folder, db) = try Self.team()
        defer { try? FileManager.default.removeItem(at: folder) }
        let grant = try KefuProcess.run(["role", "grant", "Q001", "qa-reviewer", "--db", db])
        #expect(grant.status == 0, "\(grant.stderr)")
        #expect(grant.stdout == "Q001 now holds qa-reviewer\n")
        let list = try KefuProcess.run(["role", "list", "Q001", "--db", db])
        #expect(list.stdout.hasPrefix("Q001: trainee, mentor, qa-reviewer\n"))
        let twice = try KefuProcess.run(["role", "grant", "Q001", "qa-reviewer", "--db", db])
        #expect(twice.status == 2)
        let byTrainee = try KefuProcess.run(["role", "grant", "E002", "qa-reviewer", "--db", db, "--as", "E001"])
        #expect(byTrainee.status == 2)
        #expect(byTrainee.stderr.contains("may not grant roles"))
        #expect(try KefuProcess.run(["role", "grant", "Q001", "boss", "--db", db]).status == 2)

        let created = try KefuProcess.run([
            "token", "create", "Q001", "--name", "nightly", "--scope", "qa-reviewer", "--db", db, "--format", "json",
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let token = try #require(object["token"] as? String)
        let tokenFile = folder.appendingPathComponent("token").path
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let listed = try KefuProcess.run(["token", "list", "--db", db])
        #expect(listed.stdout.contains("nightly") && !listed.stdout.contains(token))
        let own = try KefuProcess.run(["token", "list", "Q001", "--db", db, "--token-file", tokenFile])
        #expect(own.status == 0, "a token works for read-only commands too: \(own.stderr)")
        #expect(own.stdout.contains("nightly"))
        let others = try KefuProcess.run(["token", "list", "--db", db, "--token-file", tokenFile])
        #expect(others.status == 2, "a token without admin cannot list everyone's tokens")

        // Through the token, Q001 holds only qa-reviewer: administering is refused.
        let viaToken = try KefuProcess.run([
            "role", "grant", "Q002", "qa-reviewer", "--db", db, "--token-file", tokenFile,
        ])
        #expect(viaToken.status == 2)
        #expect(viaToken.stderr.contains("Q001 (qa-reviewer) may not grant roles"))
        let id = String(token.split(separator: "_")[1])
        #expect(try KefuProcess.run(["token", "revoke", id, "--db", db]).status == 0)
        let revoked = try KefuProcess.run(["role", "list", "--db", db, "--token-file", tokenFile])
        #expect(revoked.status == 0, "reading needs no actor")
        let refused = try KefuProcess.run(["account", "show", "Q001", "--db", db, "--token-file", tokenFile])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("revoked"))
    }
}
