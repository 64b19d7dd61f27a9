import Hummingbird

extension WebRoutes {
    /// Public verification, the issuer's keys, the latest checkpoint, credential downloads.
    func addVerifyRoutes(to router: Router<WebContext>) {}
}
