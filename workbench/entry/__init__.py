"""Starting the application: the launcher, the pre-flight checks and the desktop entry."""
