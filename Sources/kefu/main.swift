import KefuCLI

Kefu.main()
