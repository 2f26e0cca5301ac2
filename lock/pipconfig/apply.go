package pipconfig

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// optionNames are the pip options Load interprets, aliases included, in
// the order their environment variables are applied.
var optionNames = []string{
	"index-url", "pypi-url", "extra-index-url", "find-links", "no-index",
	"cert", "client-cert", "trusted-host", "timeout", "default-timeout",
	"retries", "proxy", "pre", "prefer-binary", "no-binary", "only-binary",
}

// canonicalOption maps an alias to the option it sets.
var canonicalOption = map[string]string{
	"pypi-url":        "index-url",
	"default-timeout": "timeout",
}

// apply interprets the settings pip's way: [global], then the command's
// section, then the environment, skipping empty values.
func apply(cfg *Config, all *orderedSettings, command string, p platform, home string) error {
	cfg.IndexURL = DefaultIndexURL
	cfg.Timeout = DefaultTimeout
	cfg.Retries = DefaultRetries
	sections := []string{"global"}
	if command != "" && command != "global" && command != envSection {
		sections = append(sections, command)
	}
	sections = append(sections, envSection)

	fc := formatControl{}
	lastSource := map[string]int{} // option → index in cfg.Sources
	for _, section := range sections {
		for _, key := range all.keys {
			s := all.byKey[key]
			if s.section != section || s.value == "" || !slices.Contains(optionNames, s.name) {
				continue
			}
			option := s.name
			if c, ok := canonicalOption[option]; ok {
				option = c
			}
			src := s.source
			src.Option = option
			src.Value = redactFields(s.value)
			if err := setOption(cfg, &fc, option, s.value, p, home); err != nil {
				return fmt.Errorf("%s: %s: %w", src.where(), s.name, err)
			}
			if i, ok := lastSource[option]; ok && option != "no-binary" && option != "only-binary" {
				cfg.Sources[i].Overridden = true
			}
			lastSource[option] = len(cfg.Sources)
			cfg.Sources = append(cfg.Sources, src)
		}
	}
	cfg.NoBinary = fc.noBinary.sorted()
	cfg.OnlyBinary = fc.onlyBinary.sorted()
	return nil
}

// setOption converts one value and stores it in cfg.
func setOption(cfg *Config, fc *formatControl, option, value string, p platform, home string) error {
	var err error
	switch option {
	case "index-url":
		cfg.IndexURL = strings.TrimSpace(value)
	case "extra-index-url":
		cfg.ExtraIndexURLs = strings.Fields(value)
	case "find-links":
		cfg.FindLinks = nil
		for _, f := range strings.Fields(value) {
			cfg.FindLinks = append(cfg.FindLinks, p.expandUser(f, home))
		}
	case "trusted-host":
		cfg.TrustedHosts = strings.Fields(value)
	case "no-index":
		cfg.NoIndex, err = parseBool(value)
	case "pre":
		cfg.Pre, err = parseBool(value)
	case "prefer-binary":
		cfg.PreferBinary, err = parseBool(value)
	case "cert":
		cfg.Cert = p.expandUser(strings.TrimSpace(value), home)
	case "client-cert":
		cfg.ClientCert = p.expandUser(strings.TrimSpace(value), home)
	case "proxy":
		cfg.Proxy = strings.TrimSpace(value)
	case "timeout":
		cfg.Timeout, err = parseSeconds(value)
	case "retries":
		cfg.Retries, err = strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			err = fmt.Errorf("%q is not an integer", value)
		}
	case "no-binary":
		err = fc.add(value, &fc.noBinary, &fc.onlyBinary)
	case "only-binary":
		err = fc.add(value, &fc.onlyBinary, &fc.noBinary)
	}
	return err
}

// parseBool reads a boolean as pip's strtobool does.
func parseBool(value string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "y", "yes", "t", "true", "on", "1":
		return true, nil
	case "n", "no", "f", "false", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (use yes/no, true/false, on/off or 1/0)", value)
}

// parseSeconds reads a non-negative number of seconds, as pip's float
// timeout option.
func parseSeconds(value string) (time.Duration, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > math.MaxInt64/float64(time.Second) {
		return 0, fmt.Errorf("%q is not a number of seconds", value)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// nameSet is a set of canonical project names or ":all:".
type nameSet map[string]bool

func (s nameSet) sorted() []string {
	if len(s) == 0 {
		return nil
	}
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// formatControl is pip's FormatControl: which projects must or must not
// use binary distributions.
type formatControl struct {
	noBinary, onlyBinary nameSet
}

// add applies one comma-separated value to target, removing its names
// from other, as pip's FormatControl.handle_mutual_excludes does.
func (fc *formatControl) add(value string, target, other *nameSet) error {
	if *target == nil {
		*target = nameSet{}
	}
	if *other == nil {
		*other = nameSet{}
	}
	if strings.HasPrefix(value, "-") {
		return fmt.Errorf("%q is not a list of project names", value)
	}
	names := strings.Split(value, ",")
	for {
		i := slices.Index(names, ":all:")
		if i < 0 {
			break
		}
		clear(*other)
		clear(*target)
		(*target)[":all:"] = true
		names = names[i+1:]
		if !slices.Contains(names, ":none:") {
			return nil
		}
	}
	for _, name := range names {
		if name == ":none:" {
			clear(*target)
			continue
		}
		if name == "" {
			continue
		}
		name = pep503.Normalize(name)
		delete(*other, name)
		(*target)[name] = true
	}
	return nil
}

// redactFields redacts the password of every URL in a whitespace-separated
// value, keeping the layout.
func redactFields(value string) string {
	fields := strings.Fields(value)
	for i, f := range fields {
		fields[i] = redact.Mask(f)
	}
	return strings.Join(fields, " ")
}
