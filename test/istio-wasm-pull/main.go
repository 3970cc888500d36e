// istio-wasm-pull fetches a WasmPlugin's module the way istio-agent does, with Istio's own
// pkg/wasm: the OCI image is pulled, its manifest digest checked against the WasmPlugin's sha256,
// the module extracted by Istio's rules for the compat and oci image variants, checked to be Wasm,
// and written to a local cache file. It prints that file's path, which is what Envoy then loads.
//
//	istio-wasm-pull -url oci://127.0.0.1:5000/shadowdiff/filter:0.1.0 -sha256 HEX -dir CACHE
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"istio.io/istio/pkg/wasm"
)

func main() {
	url := flag.String("url", "", "the WasmPlugin's url (oci://registry/repository:tag)")
	sha := flag.String("sha256", "", "the WasmPlugin's sha256 (hex); empty: whatever the tag holds")
	dir := flag.String("dir", "", "cache folder for the extracted module")
	flag.Parse()
	if *url == "" || *dir == "" {
		flag.Usage()
		os.Exit(2)
	}

	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "istio-wasm-pull: %v\n", err)
		os.Exit(1)
	}
	cache := wasm.NewLocalFileCache(*dir, wasm.Options{})
	defer cache.Cleanup()
	path, err := cache.Get(*url, wasm.GetOptions{
		Checksum:        *sha,
		ResourceName:    "shadowdiff",
		ResourceVersion: "1",
		RequestTimeout:  30 * time.Second,
		PullPolicy:      wasm.IfNotPresent,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "istio-wasm-pull: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(path)
}
