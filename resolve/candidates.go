package resolve

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/pypa/distfilename"
	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/tags"
)

// candidate is one version of a project and the files the target can use.
type candidate struct {
	version pep440.Version
	// usable files, best first: wheels by tag rank, then the sdist.
	files []candidateFile
	// yanked is set when every usable file is yanked: the version is then
	// chosen only by an exact pin (PEP 592).
	yanked bool
	// unusable says why no file fits, when files is empty.
	unusable string
	// direct is the direct reference this candidate stands for.
	direct *Direct
}

type candidateFile struct {
	file  index.File
	wheel bool
	rank  int // tag rank for wheels
}

func (c *candidate) wheels() []index.File {
	var out []index.File
	for _, f := range c.files {
		if f.wheel {
			out = append(out, f.file)
		}
	}
	return out
}

func (c *candidate) sdistFile() *index.File {
	for _, f := range c.files {
		if !f.wheel {
			ff := f.file
			return &ff
		}
	}
	return nil
}

// projectInfo is what the resolver knows of a project.
type projectInfo struct {
	name       string
	candidates []*candidate // oldest first
	// newer counts the versions left out as uploaded after the cutoff
	// (Options.ExcludeNewer), for "available:" lists.
	newer int
}

// classify groups a project's files by version and decides, for each
// version, which files the target can install and why not when none.
func classify(p *index.Project, opts *Options, ranking tags.Ranking) *projectInfo {
	type acc struct {
		version            pep440.Version
		usable, usableLive []candidateFile
		wheelTags          []string
		pythonReasons      []string
		sdistOnly          bool
		formatExcluded     bool
		// files counts the version's files before the cutoff; noUploadTime
		// says one was left out for want of an upload time.
		files        int
		noUploadTime bool
	}
	byVersion := map[string]*acc{}
	var order []string
	target := opts.Target
	pyFull, _ := pep440.Parse(target.PythonFullVersion)
	onlyBinary := opts.OnlyBinary.Applies(p.Name)
	noBinary := opts.NoBinary.Applies(p.Name)
	for _, f := range p.Files {
		d, err := distfilename.Parse(f.Filename)
		if err != nil || (d.Kind != distfilename.KindWheel && d.Kind != distfilename.KindSdist) {
			continue
		}
		var v pep440.Version
		cf := candidateFile{file: f}
		switch d.Kind {
		case distfilename.KindWheel:
			if d.Wheel.Name != p.Name {
				continue
			}
			v, cf.wheel = d.Wheel.Version, true
		case distfilename.KindSdist:
			s, err := distfilename.ParseSdistFor(f.Filename, p.Name)
			if err != nil {
				continue
			}
			v = s.Version
		}
		key := v.String()
		a := byVersion[key]
		if a == nil {
			// "1.0" and "1.0.0" are one version: find it under its first spelling.
			for _, k := range order {
				if byVersion[k].version.Compare(v) == 0 {
					a = byVersion[k]
					byVersion[key] = a
					break
				}
			}
		}
		if a == nil {
			a = &acc{version: v}
			byVersion[key] = a
			order = append(order, key)
		}
		if !opts.ExcludeNewer.IsZero() && !strings.HasPrefix(f.URL, "file:") {
			if f.UploadTime.IsZero() {
				a.noUploadTime = true
				continue
			}
			if !f.UploadTime.Before(opts.ExcludeNewer) {
				continue
			}
		}
		a.files++
		if f.RequiresPython != "" {
			if rp, err := pep440.ParseSpecifierSet(f.RequiresPython); err == nil && !rp.Contains(pyFull, pep440.PrereleasesAllow) {
				a.pythonReasons = append(a.pythonReasons, f.RequiresPython)
				continue
			}
		}
		if cf.wheel {
			if noBinary {
				a.formatExcluded = true
				continue
			}
			rank, ok := ranking.BestOf(d.Wheel.Tags)
			if !ok {
				for _, t := range d.Wheel.Tags {
					a.wheelTags = append(a.wheelTags, t.String())
				}
				continue
			}
			cf.rank = rank
		} else if onlyBinary {
			a.formatExcluded = true
			a.sdistOnly = true
			continue
		}
		a.usable = append(a.usable, cf)
		if !f.Yanked {
			a.usableLive = append(a.usableLive, cf)
		}
	}
	info := &projectInfo{name: p.Name}
	for _, key := range order {
		a := byVersion[key]
		if a.files == 0 && !a.noUploadTime {
			info.newer++ // uploaded after the cutoff: it did not exist yet
			continue
		}
		c := &candidate{version: a.version}
		files := a.usableLive
		if len(files) == 0 {
			files = a.usable
			c.yanked = len(files) > 0
		}
		sort.SliceStable(files, func(i, j int) bool {
			fi, fj := files[i], files[j]
			if fi.wheel != fj.wheel {
				return fi.wheel
			}
			if fi.rank != fj.rank {
				return fi.rank < fj.rank
			}
			return fi.file.Filename < fj.file.Filename
		})
		if len(files) > 0 && !files[0].wheel && opts.SdistMetadata == nil {
			// Without a way to build metadata, a source-only version cannot
			// be resolved: say so once for all such versions.
			c.unusable = "has only a source distribution (its metadata needs a PEP 517 build)"
			files = nil
		}
		c.files = files
		if len(files) == 0 && c.unusable == "" && a.files == 0 {
			c.unusable = fmt.Sprintf("has no upload time on its index, so whether it existed before the cutoff (%s) is unknown", opts.ExcludeNewer.UTC().Format(time.RFC3339))
		}
		if len(files) == 0 && c.unusable == "" {
			c.unusable = unusableReason(a.wheelTags, a.pythonReasons, a.formatExcluded, a.sdistOnly, target.PythonFullVersion, acceptedExample(target.Tags))
		}
		info.candidates = append(info.candidates, c)
	}
	sort.SliceStable(info.candidates, func(i, j int) bool {
		return info.candidates[i].version.Compare(info.candidates[j].version) < 0
	})
	return info
}

// unusableReason phrases why a version has no file for the target; it
// completes "numpy==2.0.0 ...".
func unusableReason(wheelTags, pythonReasons []string, formatExcluded, sdistOnly bool, pyFull, accepted string) string {
	switch {
	case len(pythonReasons) > 0 && len(wheelTags) == 0 && !formatExcluded:
		return fmt.Sprintf("requires Python %s (the target has %s)", uniqueJoin(pythonReasons), pyFull)
	case sdistOnly && len(wheelTags) == 0:
		return "has only a source distribution (only-binary is set for it)"
	case formatExcluded && len(wheelTags) == 0:
		return "has only wheels (no-binary is set for it)"
	case len(wheelTags) > 0:
		return "has no wheel for the target and no source distribution (its wheels are " + summarizeTags(wheelTags) + "; the target accepts " + accepted + ")"
	}
	return "has no installable file"
}

func uniqueJoin(items []string) string {
	seen := map[string]bool{}
	var out []string
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return strings.Join(out, " or ")
}

// summarizeTags shortens a long list of available wheel tags.
func summarizeTags(ts []string) string {
	seen := map[string]bool{}
	var out []string
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Strings(out)
	if len(out) > 6 {
		return strings.Join(out[:6], ", ") + fmt.Sprintf(" and %d more", len(out)-6)
	}
	return strings.Join(out, ", ")
}

// directInfo is the one-candidate project of a direct reference.
func directInfo(name string, d *Direct) *projectInfo {
	c := &candidate{version: d.Metadata.ParsedVersion, direct: d}
	if d.File != nil {
		c.files = []candidateFile{{file: *d.File, wheel: strings.HasSuffix(d.File.Filename, ".whl")}}
	}
	return &projectInfo{name: name, candidates: []*candidate{c}}
}

// acceptedExample names a few tags the target accepts, for messages: the
// best two with a specific platform and the pure-Python one.
func acceptedExample(ts []tags.Tag) string {
	var out []string
	for _, t := range ts {
		if len(out) < 2 && t.Platform != "any" && !strings.HasPrefix(t.Platform, "linux_") {
			out = append(out, t.String())
		}
	}
	for _, t := range ts {
		if t.ABI == "none" && t.Platform == "any" {
			out = append(out, t.String())
			break
		}
	}
	return strings.Join(out, ", ") + fmt.Sprintf(" and %d more: clusterpack target lists them", len(ts)-len(out))
}
