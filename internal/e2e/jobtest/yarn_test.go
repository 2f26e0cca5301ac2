package jobtest

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/hdfstest"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/backends"
)

// yarnCluster is the package's HDFS and YARN minicluster (one
// NodeManager), shared by the YARN tests: it takes 10-20 s to start, and
// its NodeManager keeps the archives it localized for the next job.
func yarnCluster(t *testing.T) *hdfstest.Cluster {
	t.Helper()
	c := hdfstest.Shared(t, hdfstest.Config{YARN: true})
	t.Logf("YARN minicluster (started in %v): namenode %s, ResourceManager %s", c.Started.Round(100*time.Millisecond), c.Addr, c.RM)
	return c
}

// yarnEnv is spark-submit's environment for the cluster: its client
// configuration (the ResourceManager's addresses, HDFS as the default
// file system, where Spark stages the job's files).
func yarnEnv(t *testing.T, venv string, c *hdfstest.Cluster, extra ...string) []string {
	return append(append(sparkEnv(t, venv), "HADOOP_CONF_DIR="+c.ConfDir, "YARN_CONF_DIR="+c.ConfDir), extra...)
}

// yarnFlags are what a job on this cluster needs besides spark-args'
// output: resource sizes that fit one 4 GB NodeManager, loopback for the
// driver and the containers, Spark's jars from this machine (local:, as
// on nodes that have Spark installed) instead of 440 MB uploaded with
// every job, and where a cluster-mode driver writes the result.
func yarnFlags(venv, mode string) string {
	flags := []string{
		"--num-executors 1", "--executor-cores 1", "--executor-memory 512m", "--driver-memory 512m",
		"--conf spark.yarn.am.memory=384m",
		"--conf spark.yarn.maxAppAttempts=1",
		"--conf spark.sql.shuffle.partitions=2",
		"--conf spark.ui.enabled=false",
		"--conf spark.driver.host=127.0.0.1", "--conf spark.driver.bindAddress=127.0.0.1",
		"--conf spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1", "--conf spark.yarn.appMasterEnv.SPARK_LOCAL_IP=127.0.0.1",
		"--conf 'spark.yarn.jars=local:" + filepath.Join(sparkVenvSite(venv), "pyspark", "jars") + "/*'",
	}
	if mode == "cluster" {
		flags = append(flags,
			`--conf "spark.yarn.appMasterEnv.JOBTEST_RESULT_FILE=$JOBTEST_RESULT_FILE"`,
			"--conf spark.yarn.appMasterEnv.JOBTEST_DRIVER=shipped")
	}
	return strings.Join(flags, " ")
}

func sparkVenvSite(venv string) string {
	return filepath.Join(venv, "lib", "python"+Python, "site-packages")
}

// checkYARN checks that the executors' UDFs (and in cluster mode the
// driver) ran in a container of the NodeManager on the environment it
// localized: ./environment, a link into the NodeManager's cache of
// unpacked archives, or the pex in the container directory with its
// PEX_ROOT ./.pex; and in client mode that the driver ran driverPython.
// archive is the name of the shipped file.
func checkYARN(t *testing.T, rows []row, c *hdfstest.Cluster, format, mode, archive, driverPython string) {
	t.Helper()
	check := func(who string, w where) {
		t.Helper()
		cwd := w.Cwd
		if !strings.HasPrefix(cwd, c.WorkDir+string(filepath.Separator)) || !strings.Contains(cwd, "/appcache/application_") ||
			!strings.HasPrefix(filepath.Base(cwd), "container_") {
			t.Errorf("the %s ran in %s, not in a container directory of the NodeManager (under %s)", who, cwd, c.WorkDir)
		}
		if format == "pex" {
			checkShipped(t, []row{{Where: w}}, format, filepath.Join(cwd, ".pex"))
			if filepath.Dir(w.Executable) != cwd || filepath.Base(w.Executable) != archive {
				t.Errorf("the %s's sys.executable is %s, want %s in the container directory %s", who, w.Executable, archive, cwd)
			}
			return
		}
		// filecache/N/ARCHIVE (public) or usercache/USER/filecache/N/ARCHIVE.
		root := w.EnvRoot
		if !strings.HasPrefix(root, c.WorkDir+string(filepath.Separator)) || !strings.Contains(root, "/filecache/") || filepath.Base(root) != archive {
			t.Errorf("the %s's ./environment leads to %q, not to %s unpacked in the NodeManager's cache", who, root, archive)
		}
		checkShipped(t, []row{{Where: w}}, format, root)
		checkLocalizedModes(t, w)
	}
	for _, r := range rows {
		check("UDF", r.Where)
	}
	d := rows[0].Driver
	if mode == "cluster" {
		check("driver", d)
		if d.Cwd == rows[0].Where.Cwd {
			t.Errorf("the driver and the executor ran in the same container %s", d.Cwd)
		}
		return
	}
	if d.Tabulate != "" || d.Executable != driverPython {
		t.Errorf("the client-mode driver ran %s (tabulate %q), want %s without tabulate", d.Executable, d.Tabulate, driverPython)
	}
}

// checkLocalizedModes checks the modes YARN's localizer gives an
// unpacked archive, whatever the archive's entries say (Hadoop's
// FSDownload.changePermissions, after the unpack): a public resource (the
// file and its ancestors readable by all, as the stores' objects are)
// gets 0555 files and 0755 directories in the NodeManager's filecache/; a
// private one (Spark's staged copy of an s3a:// archive, 0644 in a 0700
// staging directory) 0500 and 0700 in usercache/USER/filecache/.
func checkLocalizedModes(t *testing.T, w where) {
	t.Helper()
	file, dir := "0555", "0755"
	if strings.Contains(w.EnvRoot, "/usercache/") {
		file, dir = "0500", "0700"
	}
	want := map[string]string{"environment": dir, "environment/bin/python": file, "environment/pyvenv.cfg": file}
	for k, v := range want {
		if w.Modes[k] != v {
			t.Errorf("%s has mode %q in %s, want %s (YARN's localizer sets the modes of what it unpacks)", k, w.Modes[k], w.EnvRoot, v)
		}
	}
}

// TestSparkYARN runs the talk's job on the YARN minicluster with what
// spark-args prints for --master yarn: client and cluster mode, venv
// zip, tar.gz and pex, from the minicluster's HDFS and from an S3 server
// (through s3a://: spark-submit reads the archive with hadoop-aws on its
// class path and stages it in HDFS, from where the NodeManager localizes
// it, so the NodeManager needs no S3A classes).
func TestSparkYARN(t *testing.T) {
	heavy(t)
	venv := sparkVenvDir(t)
	c := yarnCluster(t)
	driverPython := filepath.Join(venv, "bin", "python")
	begin := time.Now()
	for _, tc := range []struct {
		format, mode, store string
	}{
		{"zip", "client", "hdfs"},
		{"tar.gz", "cluster", "hdfs"},
		{"pex", "cluster", "hdfs"},
		{"tar.gz", "client", "s3"},
	} {
		t.Run(tc.format+"-"+tc.mode+"-"+tc.store, func(t *testing.T) {
			var env []string
			spargsExtra := []string{"--master", "yarn", "--deploy-mode", tc.mode}
			var manifest string
			if tc.store == "s3" {
				jars := s3aJars(t, venv)
				srv, s3env := s3Env(t)
				env = s3env
				manifest = uploadPkgs(t, env, shipped, tc.format, srv.URL("envs"), "--s3-endpoint", srv.Endpoint)
				spargsExtra = append(spargsExtra, "--s3-endpoint", srv.Endpoint, "--s3-region", srv.Region, "--class-path", strings.Join(jars, ","))
			} else {
				manifest = uploadEnv(t, tc.format, c.URL("/envs"))
			}
			if tc.mode == "client" {
				spargsExtra = append(spargsExtra, "--driver-python", driverPython)
			}
			flags := spargs(t, manifest, spargsExtra...)
			if want := map[string]string{"hdfs": "hdfs://" + c.Addr + "/envs/", "s3": "s3a://"}[tc.store]; !strings.Contains(flags, want) {
				t.Fatalf("spark-args printed no %s URL: %s", want, flags)
			}
			rows := submit(t, venv, strings.TrimSpace(flags)+" "+yarnFlags(venv, tc.mode), yarnEnv(t, venv, c, env...)...)
			checkMeans(t, rows)
			checkYARN(t, rows, c, tc.format, tc.mode, archiveName(t, manifest), driverPython)
		})
	}
	t.Logf("the YARN jobs took %v", time.Since(begin).Round(time.Second))
}

// TestSparkYARNZipModes checks what YARN's localizer (Hadoop 3.3's
// FSDownload) makes of a zip archive: a venv zip with no Unix modes at
// all (every entry made on "FAT", external attributes 0, as some zip
// tools write) still runs environment/bin/python, because the localizer
// unpacks with its own modes, not the entries'. The modes the job sees
// are checked against the ones clusterpack's docs state.
func TestSparkYARNZipModes(t *testing.T) {
	heavy(t)
	venv := sparkVenvDir(t)
	c := yarnCluster(t)
	store := t.TempDir()
	manifest := uploadEnv(t, "zip", store)
	var m map[string]any
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	src, _ := m["url"].(string)
	stripped := filepath.Join(t.TempDir(), "env-nomodes.zip")
	if n := stripModes(t, strings.TrimPrefix(src, "file://"), stripped); n == 0 {
		t.Fatalf("%s has no entries", src)
	}
	// The stripped copy goes up to HDFS as the archive of the manifest.
	m["url"] = c.URL("/envs-nomodes/env-nomodes.zip")
	putHDFS(t, c, stripped, "/envs-nomodes/env-nomodes.zip")
	data, _ = json.Marshal(m)
	manifest = filepath.Join(t.TempDir(), "nomodes.json")
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	driverPython := filepath.Join(venv, "bin", "python")
	flags := spargs(t, manifest, "--master", "yarn", "--driver-python", driverPython)
	rows := submit(t, venv, strings.TrimSpace(flags)+" "+yarnFlags(venv, "client"), yarnEnv(t, venv, c)...)
	checkMeans(t, rows)
	// checkYARN checks the modes too: those of a public resource.
	checkYARN(t, rows, c, "zip", "client", "env-nomodes.zip", driverPython)
	if !strings.Contains(rows[0].Where.EnvRoot, "/filecache/") || strings.Contains(rows[0].Where.EnvRoot, "/usercache/") {
		t.Errorf("the archive was localized as %s, want a public resource (world-readable in HDFS)", rows[0].Where.EnvRoot)
	}
	t.Logf("modes of the unpacked mode-less zip: %v", rows[0].Where.Modes)
}

// archiveName is the file name of a manifest's environment.
func archiveName(t *testing.T, manifest string) string {
	t.Helper()
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return path.Base(m.URL)
}

// stripModes copies the zip at src to dst with every entry's Unix modes
// removed (creator FAT, external attributes 0), keeping the compressed
// bytes, and returns the number of entries.
func stripModes(t *testing.T, src, dst string) int {
	t.Helper()
	r, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(f)
	for _, e := range r.File {
		h := e.FileHeader
		h.CreatorVersion = 20 // 2.0, made on FAT (the high byte 0)
		h.ExternalAttrs = 0
		if e.FileInfo().Mode()&os.ModeSymlink != 0 {
			t.Fatalf("%s: %s is a symlink: a zip without modes cannot carry it", src, e.Name)
		}
		rc, err := e.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		ew, err := w.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(ew, rc); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return len(r.File)
}

// putHDFS copies the local file src to path p of the cluster's HDFS.
func putHDFS(t *testing.T, c *hdfstest.Cluster, src, p string) {
	t.Helper()
	// Through the project's HDFS store, as upload writes: it waits while
	// the namenode says the last block is still replicating, and the
	// object is readable by all, as uploaded environments are.
	st, err := store.Open(context.Background(), c.URL(path.Dir(p)), store.Options{Openers: backends.Openers()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(context.Background(), path.Base(p), f, fi.Size(), store.PutOptions{}); err != nil {
		t.Fatalf("copying %s to hdfs://%s%s: %v", src, c.Addr, p, err)
	}
}

// TestSparkYARNLayers is the proof of node-side reuse: a layered venv
// uploaded to HDFS by the project's store (objects 0644, directories
// 0755), two Spark applications on YARN with spark-args' flags, and the
// second application's containers on the very layers the first one's
// localized PUBLIC: after both, each layer is in the NodeManager's public
// cache (filecache/) once, the same directory as after the first, and in
// no user's private cache. pandas and pyarrow, each only in a layer of
// its own, are imported from there by the UDFs. Then six, a small
// dependency, is bumped (1.16.0 to 1.17.0): the upload sends the new base
// and its manifest and no layer, and a third application runs the new
// base on the layers the node has already.
func TestSparkYARNLayers(t *testing.T) {
	heavy(t)
	venv := sparkVenvDir(t)
	c := yarnCluster(t)
	localDirs, err := c.NMLocalDirs()
	if err != nil {
		t.Fatal(err)
	}
	to := c.URL("/envs-layered")
	manifest := uploadPkgs(t, nil, append(shipped, "six==1.16.0"), "zip", to, "--layers")
	m := readLayered(t, manifest)
	layerOf := map[string]string{} // package -> layer directory
	for _, l := range m.Layers {
		if !l.Uploaded {
			t.Errorf("the first upload did not send %s", l.Name)
		}
		for _, p := range l.Packages {
			layerOf[strings.ToLower(p.Name)] = l.Dir
		}
	}
	if layerOf["pandas"] == "" || layerOf["pyarrow"] == "" || layerOf["tabulate"] != "" || layerOf["six"] != "" {
		t.Fatalf("the layers %+v: want pandas and pyarrow in layers, tabulate and six in the base", m.Layers)
	}
	driverPython := filepath.Join(venv, "bin", "python")
	var firstCopies map[string]localized
	runApp := func(app int, m layeredManifest, manifest string) {
		t.Helper()
		flags := spargs(t, manifest, "--master", "yarn", "--driver-python", driverPython)
		for _, l := range m.Layers {
			if !strings.Contains(flags, l.URL+"#"+l.Dir) {
				t.Fatalf("spark-args printed no %s#%s: %s", l.URL, l.Dir, flags)
			}
		}
		rows := submit(t, venv, strings.TrimSpace(flags)+" "+yarnFlags(venv, "client"), yarnEnv(t, venv, c)...)
		checkMeans(t, rows)
		for _, r := range rows {
			checkLayeredContainer(t, r.Where, c, localDirs, path.Base(m.URL), m, layerOf)
		}
		if d := rows[0].Driver; d.Executable != driverPython {
			t.Errorf("the client-mode driver ran %s, want %s", d.Executable, driverPython)
		}
		copies := map[string]localized{}
		for _, l := range m.Layers {
			public, private := localizedCopies(t, localDirs, l.Name)
			if len(public) != 1 || len(private) != 0 {
				t.Fatalf("after application %d, %s is in the public cache %d times (%v) and in private caches %d times (%v); want once, PUBLIC",
					app, l.Name, len(public), public, len(private), private)
			}
			copies[l.Name] = public[0]
		}
		if firstCopies == nil {
			firstCopies = copies
			return
		}
		for name, got := range copies {
			if first := firstCopies[name]; got != first {
				t.Errorf("%s was localized again by application %d: %+v, after the first %+v", name, app, got, first)
			}
		}
	}
	runApp(1, m, manifest)
	runApp(2, m, manifest)

	// A one-package change: six bumped. Only the base and its manifest go.
	bumpedManifest := uploadPkgs(t, nil, append(shipped, "six==1.17.0"), "zip", to, "--layers")
	bumped := readLayered(t, bumpedManifest)
	if bumped.URL == m.URL || !bumped.Uploaded {
		t.Fatalf("the bumped environment's base %s (uploaded %v): want a new one, sent", bumped.URL, bumped.Uploaded)
	}
	var total int64
	for i, l := range bumped.Layers {
		if i >= len(m.Layers) || l.Name != m.Layers[i].Name || l.Uploaded {
			t.Errorf("the bumped environment's layer %s (uploaded %v): want the first's %s, not sent again", l.Name, l.Uploaded, m.Layers[min(i, len(m.Layers)-1)].Name)
		}
		total += l.Size
	}
	if len(bumped.Layers) != len(m.Layers) {
		t.Fatalf("the bumped environment has %d layers, the first %d", len(bumped.Layers), len(m.Layers))
	}
	t.Logf("six bumped: the upload sent the %d-byte base of a %d-byte environment (%.1f%%)", bumped.Size, total+bumped.Size, 100*float64(bumped.Size)/float64(total+bumped.Size))
	runApp(3, bumped, bumpedManifest)
}

// layeredManifest is what the layers tests read of an upload manifest.
type layeredManifest struct {
	URL      string `json:"url"`
	Size     int64  `json:"size"`
	Uploaded bool   `json:"uploaded"`
	Layers   []struct {
		Name        string `json:"name"`
		Dir         string `json:"dir"`
		ContentHash string `json:"content_hash"`
		URL         string `json:"url"`
		Size        int64  `json:"size"`
		Uploaded    bool   `json:"uploaded"`
		Packages    []struct {
			Name string `json:"name"`
		} `json:"packages"`
	} `json:"layers"`
}

func readLayered(t *testing.T, manifest string) layeredManifest {
	t.Helper()
	var m layeredManifest
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// localized is one localized copy of a resource: its directory in a
// NodeManager's cache and when it was made.
type localized struct {
	Dir     string
	ModTime time.Time
}

// localizedCopies finds the copies of the resource called name in the
// NodeManagers' public caches (<local-dir>/filecache/<n>/<name>) and in
// the users' private ones (<local-dir>/usercache/<user>/filecache/<n>/<name>).
func localizedCopies(t *testing.T, localDirs []string, name string) (public, private []localized) {
	t.Helper()
	find := func(pattern string) []localized {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		var out []localized
		for _, d := range matches {
			fi, err := os.Stat(d)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, localized{d, fi.ModTime()})
		}
		return out
	}
	for _, ld := range localDirs {
		public = append(public, find(filepath.Join(ld, "filecache", "*", name))...)
		private = append(private, find(filepath.Join(ld, "usercache", "*", "filecache", "*", name))...)
	}
	return public, private
}

// checkLayeredContainer checks a UDF of the layered environment: it ran in
// a container directory on the base unpacked in the NodeManager's public
// cache, with every layer-<hash> beside ./environment leading into the
// public cache too, and pandas and pyarrow imported from their layers.
func checkLayeredContainer(t *testing.T, w where, c *hdfstest.Cluster, localDirs []string, base string, m layeredManifest, layerOf map[string]string) {
	t.Helper()
	if !strings.HasPrefix(w.Cwd, c.WorkDir+string(filepath.Separator)) || !strings.Contains(w.Cwd, "/appcache/application_") {
		t.Errorf("the UDF ran in %s, not in a container directory of the NodeManager (under %s)", w.Cwd, c.WorkDir)
	}
	public := func(p string) bool {
		for _, ld := range localDirs {
			if strings.HasPrefix(p, filepath.Join(ld, "filecache")+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	if !public(w.EnvRoot) || filepath.Base(w.EnvRoot) != base {
		t.Errorf("./environment leads to %s, not to %s in the NodeManager's public cache", w.EnvRoot, base)
	}
	if !strings.HasPrefix(w.Tabulate, w.Cwd+"/environment/") && !strings.HasPrefix(w.Tabulate, w.EnvRoot+"/") {
		t.Errorf("tabulate comes from %s, not from the base", w.Tabulate)
	}
	for _, l := range m.Layers {
		root, ok := w.Layers[l.Dir]
		if !ok {
			t.Errorf("the container directory %s has no %s (it has %v)", w.Cwd, l.Dir, w.Layers)
			continue
		}
		if !public(root) || filepath.Base(root) != l.Name {
			t.Errorf("%s leads to %s, not to %s in the NodeManager's public cache", l.Dir, root, l.Name)
		}
	}
	for _, pkg := range []string{"pandas", "pyarrow"} {
		root := w.Layers[layerOf[pkg]]
		if got := w.Real[pkg]; root == "" || !strings.HasPrefix(got, root+string(filepath.Separator)) {
			t.Errorf("%s comes from %s, not from its layer %s (%s)", pkg, got, layerOf[pkg], root)
		}
	}
}
