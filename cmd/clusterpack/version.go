package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/clusterpack/clusterpack/internal/version"
)

// buildVersion describes this binary (version.FromBuildInfo): the
// wheels of `make dist` read the same build information for theirs.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return version.FromBuildInfo(info)
}

func newVersionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of clusterpack",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := struct {
				Version   string `json:"version"`
				GoVersion string `json:"go_version"`
				Platform  string `json:"platform"`
			}{buildVersion(), runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			return writeString(cmd.OutOrStdout(), fmt.Sprintf("clusterpack %s (%s, %s)\n", v.Version, v.GoVersion, v.Platform))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
