"""The embedded sandbox cluster: a kube-apiserver stand-in with a simulated kubelet and Multus.
Never imports textual or multus_tui.cluster."""
