"""The app shell's screens (the builder and attach screens live in ui/builder and ui/attach)."""
