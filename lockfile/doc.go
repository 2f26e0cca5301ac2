// Package lockfile is the PEP 751 pylock.toml model: read, write
// deterministically, and export as a pip requirements file with hashes.
package lockfile
