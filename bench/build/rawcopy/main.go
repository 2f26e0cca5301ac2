// Command rawcopy is the build benchmark's second floor: it reads every
// file named after OUT once and writes their bytes, in order, to OUT,
// hashing what it writes with sha256 (as clusterpack must, for the
// manifest and the upload), and prints the digest.
//
//	go run ./bench/build/rawcopy OUT FILE...
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: rawcopy OUT FILE...")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "rawcopy:", err)
		os.Exit(1)
	}
}

func run(out string, files []string) error {
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	h := sha256.New()
	w := io.MultiWriter(o, h)
	buf := make([]byte, 1<<20)
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			o.Close()
			return err
		}
		_, err = io.CopyBuffer(w, f, buf)
		f.Close()
		if err != nil {
			o.Close()
			return err
		}
	}
	if err := o.Close(); err != nil {
		return err
	}
	fmt.Println(hex.EncodeToString(h.Sum(nil)))
	return nil
}
