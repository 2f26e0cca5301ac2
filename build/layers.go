package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// The grouping rule (see the package documentation) and its bounds.
const (
	// layerMinSize is the smallest artifact that gets a layer. Below it a
	// layer's own cost (one more object to stat, download and unpack per
	// container) outweighs what re-uploading it with the base costs.
	layerMinSize = 2 << 20
	// maxLayers bounds the layers of an environment.
	maxLayers = 15
)

// PlannedLayer is one layer of a layered plan: a deterministic archive
// of one large distribution, named by its own content hash, so the same
// wheel gives the same layer (name and bytes) in every environment of
// every user for that Python and format.
type PlannedLayer struct {
	// ContentHash is the layer's hash (20 hex characters): the layout
	// version, the format, the target Python and the artifact's name,
	// version, file name and sha256 (and the lock's platforms for an
	// sdist, built here into a wheel for them). Nothing of the
	// environment around it.
	ContentHash string
	// Name is the layer's file name, "layer-<hash>.<ext>".
	Name string
	// Dir is where a venv layer is unpacked beside the base,
	// "layer-<hash>"; for a pex, the file name.
	Dir string
	// Artifacts are what the layer holds (one today).
	Artifacts []Artifact
}

// InLayer reports whether the artifact of that name is in a layer rather
// than in the base.
func (p *Plan) InLayer(name string) bool {
	for _, l := range p.Layers {
		for _, a := range l.Artifacts {
			if a.Name == name {
				return true
			}
		}
	}
	return false
}

// planLayers chooses the layers of arts and names them.
func planLayers(arts []Artifact, format Format, python [2]int, platforms []string) []PlannedLayer {
	var big []Artifact
	for _, a := range arts {
		if a.Size >= layerMinSize {
			big = append(big, a)
		}
	}
	sort.Slice(big, func(i, j int) bool {
		if big[i].Size != big[j].Size {
			return big[i].Size > big[j].Size
		}
		return big[i].Name < big[j].Name
	})
	if len(big) > maxLayers {
		big = big[:maxLayers]
	}
	sort.Slice(big, func(i, j int) bool { return big[i].Name < big[j].Name })
	layers := make([]PlannedLayer, 0, len(big))
	for _, a := range big {
		h := layerHash(a, format, python, platforms)
		name := "layer-" + h + "." + string(format)
		dir := "layer-" + h
		if format == FormatPex {
			dir = name
		}
		layers = append(layers, PlannedLayer{ContentHash: h, Name: name, Dir: dir, Artifacts: []Artifact{a}})
	}
	return layers
}

// layerHash is a layer's content hash. A wheel's sha256 pins its
// platform, so the lock's platform list enters only for an sdist.
func layerHash(a Artifact, format Format, python [2]int, platforms []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "clusterpack layer %s\n", LayoutVersion)
	fmt.Fprintf(h, "format %s\npython %d.%d\n", format, python[0], python[1])
	if !a.Wheel {
		fmt.Fprintf(h, "platforms %s\n", strings.Join(platforms, " "))
	}
	fmt.Fprintf(h, "artifact %s %s %s sha256:%s\n", a.Name, a.Version, a.Filename, a.SHA256)
	return hex.EncodeToString(h.Sum(nil))[:20]
}
