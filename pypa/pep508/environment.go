package pep508

import (
	"fmt"
	"sort"
	"strings"
)

// Environment holds the values of the PEP 508 marker variables for the
// Python a requirement is evaluated for, keyed by variable name
// ("python_version", "sys_platform", ...), as
// packaging.markers.default_environment() returns them. The key "extra" is
// set by Evaluate and need not be present.
type Environment map[string]string

// EnvironmentKeys are the variables a complete Environment defines.
var EnvironmentKeys = []string{
	"implementation_name",
	"implementation_version",
	"os_name",
	"platform_machine",
	"platform_python_implementation",
	"platform_release",
	"platform_system",
	"platform_version",
	"python_full_version",
	"python_version",
	"sys_platform",
}

// Validate returns an error naming every key of EnvironmentKeys that env
// lacks. Values may be empty, as packaging's are when the platform module
// cannot tell.
func (env Environment) Validate() error {
	var missing []string
	for _, k := range EnvironmentKeys {
		if _, ok := env[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return fmt.Errorf("marker environment lacks %s", strings.Join(missing, ", "))
}
