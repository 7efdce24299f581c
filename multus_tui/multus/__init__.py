"""The pure domain: NAD model, plugin and IPAM field specs, selection and network-status
formats, validation and diagnosis. Imports neither textual nor kubernetes."""
