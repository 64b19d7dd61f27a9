import KefuCLI

await Kefu.runAsync()
