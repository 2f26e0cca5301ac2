package runner

// purego loads libpython at run time without cgo.
import _ "github.com/ebitengine/purego"
