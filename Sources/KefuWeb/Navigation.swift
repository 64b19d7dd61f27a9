import KefuCore
import KefuServices

/// The main navigation: one link per area of the app the signed-in person may use, decided by the access policy
/// (the same rules the services apply), so nobody is shown a link that would only answer "forbidden".
enum Navigation {
    /// One link of the navigation bar.
    struct Link: Equatable {
        /// Where it goes.
        let href: String
        /// The locale key of its text.
        let label: String
        /// True when the current page is in this area (`aria-current="page"`).
        let current: Bool
    }

    /// The areas: path prefix, locale key, and the action that opens it.
    static let areas: [(href: String, label: String, action: Action)] = [
        ("/mentor", "nav_mentor", .reviewTranscript),
        ("/qa", "nav_qa", .viewQA),
        ("/team", "nav_team", .viewPerformance),
        ("/people", "nav_people", .manageAccounts),
        ("/audit", "nav_audit", .viewAudit),
    ]

    /// The links `identity` gets on a page at `path`, the home page first.
    static func links(for identity: Identity, path: String) -> [Link] {
        var links = [Link(href: "/", label: "nav_home", current: path == "/")]
        for area in areas where visible(area.action, to: identity) {
            let current = path == area.href || path.hasPrefix(area.href + "/")
            links.append(Link(href: area.href, label: area.label, current: current))
        }
        if !visible(.viewQA, to: identity) {
            // Agents see their own reviewed interactions (and open disputes) there.
            links.append(Link(href: "/qa/mine", label: "nav_my_qa", current: path.hasPrefix("/qa/mine")))
        }
        return links
    }

    /// True when the area opened by `action` is for `identity`: the policy allows it on no one in particular, or
    /// (for the mentor's area) they hold the mentor role and so may review their own apprentices.
    static func visible(_ action: Action, to identity: Identity) -> Bool {
        if action == .reviewTranscript, identity.has(.mentor) { return true }
        return AccessPolicy.decide(identity, action, on: .none).allowed
    }
}
