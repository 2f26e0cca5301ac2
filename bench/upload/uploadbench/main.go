// Command uploadbench is the helper of bench/upload.sh: a TCP proxy that
// counts the bytes each way between S3 clients and the local S3 server,
// and a timed store.Put of one file, the upload path of `clusterpack
// upload` without the lock and the build around it.
//
//	uploadbench proxy -upstream 127.0.0.1:PORT -addr-file F -control-file C
//	uploadbench stats -control ADDR      # prints "UP DOWN CONNS" (totals so far)
//	uploadbench put -to s3://BUCKET/PREFIX -s3-endpoint URL -name NAME [-sha256 HEX] FILE
//
// The proxy copies bytes unchanged (SigV4 signs the Host header, which the
// client sets to the proxy's address and the server checks as sent), so
// what it counts is what went over the wire, headers included.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/backends"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: uploadbench proxy|stats|put ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "proxy":
		err = proxy(os.Args[2:])
	case "stats":
		err = stats(os.Args[2:])
	case "put":
		err = put(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uploadbench:", err)
		os.Exit(1)
	}
}

type counters struct {
	Up     atomic.Int64 // client -> server
	Down   atomic.Int64 // server -> client
	Conns  atomic.Int64 // connections accepted
	Active atomic.Int64 // connections open
}

type snapshot struct {
	Up, Down, Conns, Active int64
}

func proxy(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ExitOnError)
	upstream := fs.String("upstream", "", "server address host:port")
	addrFile := fs.String("addr-file", "", "write the proxy's address here")
	controlFile := fs.String("control-file", "", "write the control (stats) address here")
	fs.Parse(args)
	if *upstream == "" || *addrFile == "" || *controlFile == "" {
		return errors.New("proxy: -upstream, -addr-file and -control-file are required")
	}
	var c counters
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(cl, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(snapshot{c.Up.Load(), c.Down.Load(), c.Conns.Load(), c.Active.Load()})
	}))
	// Addresses are written last, to temporary names renamed into place,
	// so that a reader that sees the file sees a proxy that is listening.
	for _, f := range []struct{ path, addr string }{{*controlFile, cl.Addr().String()}, {*addrFile, l.Addr().String()}} {
		if err := os.WriteFile(f.path+".tmp", []byte(f.addr+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.Rename(f.path+".tmp", f.path); err != nil {
			return err
		}
	}
	for {
		conn, err := l.Accept()
		if err != nil {
			return err
		}
		c.Conns.Add(1)
		c.Active.Add(1)
		go func() {
			defer c.Active.Add(-1)
			defer conn.Close()
			up, err := net.Dial("tcp", *upstream)
			if err != nil {
				return
			}
			defer up.Close()
			done := make(chan struct{}, 2)
			go func() { copyCount(up, conn, &c.Up); closeWrite(up); done <- struct{}{} }()
			go func() { copyCount(conn, up, &c.Down); closeWrite(conn); done <- struct{}{} }()
			<-done
			<-done
		}()
	}
}

func closeWrite(c net.Conn) {
	if t, ok := c.(*net.TCPConn); ok {
		t.CloseWrite()
	}
}

func copyCount(dst io.Writer, src io.Reader, n *atomic.Int64) {
	buf := make([]byte, 256<<10)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			n.Add(int64(k))
			if _, werr := dst.Write(buf[:k]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// stats prints the proxy's totals once no connection is open (a client
// that has exited has had all its bytes counted), or after 3 s.
func stats(args []string) error {
	fs := flag.NewFlagSet("stats", flag.ExitOnError)
	control := fs.String("control", "", "the proxy's control address")
	fs.Parse(args)
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(3 * time.Second)
	for {
		resp, err := client.Get("http://" + *control + "/")
		if err != nil {
			return err
		}
		var s snapshot
		err = json.NewDecoder(resp.Body).Decode(&s)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if s.Active == 0 || time.Now().After(deadline) {
			fmt.Printf("%d %d %d %d\n", s.Up, s.Down, s.Conns, s.Active)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// put uploads FILE as NAME with store.Put and the store's defaults (16 MiB
// parts, 4 at a time), as `clusterpack upload` does once it has built the
// archive, which knows the archive's sha256 from the build's manifest
// (-sha256; else it is computed before the timed part). It prints the
// seconds of the Put.
func put(args []string) error {
	fs := flag.NewFlagSet("put", flag.ExitOnError)
	to := fs.String("to", "", "store URL")
	endpoint := fs.String("s3-endpoint", "", "S3 endpoint URL")
	name := fs.String("name", "", "object name")
	sum := fs.String("sha256", "", "the file's sha256 (computed here when not given)")
	fs.Parse(args)
	if *to == "" || *name == "" || fs.NArg() != 1 {
		return errors.New("put: -to, -name and one FILE are required")
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if *sum == "" {
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		*sum = hex.EncodeToString(h.Sum(nil))
	}
	ctx := context.Background()
	st, err := store.Open(ctx, *to, store.Options{Openers: backends.Openers(), S3Endpoint: *endpoint})
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	if _, err := st.Put(ctx, *name, f, fi.Size(), store.PutOptions{SHA256: *sum}); err != nil {
		return err
	}
	fmt.Printf("%.3f\n", time.Since(start).Seconds())
	return nil
}
