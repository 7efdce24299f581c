"""How everything reaches a cluster (real or sandbox): kubeconfig, API calls, list-then-watch,
an in-memory store. Uses the official kubernetes client; never imports textual."""
