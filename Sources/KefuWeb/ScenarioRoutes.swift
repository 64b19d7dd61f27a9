import Hummingbird

/// The scenario runs being played in this process, by run id.
actor LivePlays {}

extension WebRoutes {
    /// Scenario chat (pages and JSON API).
    func addScenarioRoutes(to router: Router<WebContext>) {}
}
