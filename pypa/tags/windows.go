package tags

import "fmt"

// WindowsPlatforms returns the single platform tag of Windows on a CPU
// architecture: win_amd64 (for "amd64" or "x86_64"), win32 ("x86", "win32",
// "i386", "i686") or win_arm64 ("arm64", "aarch64"). Windows wheels are not
// compatible across these, so the list has one element.
func WindowsPlatforms(arch string) ([]string, error) {
	switch arch {
	case "amd64", "x86_64":
		return []string{"win_amd64"}, nil
	case "x86", "win32", "i386", "i686":
		return []string{"win32"}, nil
	case "arm64", "aarch64":
		return []string{"win_arm64"}, nil
	}
	return nil, fmt.Errorf("windows architecture %q: want amd64, x86 or arm64", arch)
}
