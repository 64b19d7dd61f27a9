import Hummingbird

extension WebRoutes {
    /// Exam taking (pages and JSON API).
    func addExamRoutes(to router: Router<WebContext>) {}
}
