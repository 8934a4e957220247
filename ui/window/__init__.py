"""The main window, its menus and file actions, and the small widgets and layout helpers it uses."""
