"""The headless command line: one parser, its subcommands and their argument types."""
