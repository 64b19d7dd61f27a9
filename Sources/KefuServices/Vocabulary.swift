// The domain vocabulary the services' results are made of — scores and verdicts (KefuRubrics), questions and
// papers (KefuExams), scenario reports (KefuScenarios), ledger entries (KefuLedger), levels and steps
// (KefuTracks), stored records (KefuStorage) and loaded content (KefuContent) — comes with KefuServices, so
// an edge (the CLI, the web app) imports KefuServices alone and still reads every field of a result.
// Engines stay behind the services: nothing here exposes storage implementations or GRDB.
@_exported public import KefuContent
@_exported public import KefuExams
@_exported public import KefuLedger
@_exported public import KefuRubrics
@_exported public import KefuScenarios
@_exported public import KefuStorage
@_exported public import KefuTracks
