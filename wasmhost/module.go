package wasmhost

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"

	"github.com/aquanet/aquanet/wasmhost/internal/wasmbin"
)

// Kind is the ABI a module speaks.
type Kind uint8

const (
	// Marine is a module built with Fluence's marine-rs-sdk: it carries an interface-types
	// section, and its functions take and return interface types.
	Marine Kind = iota + 1
	// SDK is a module built with aquanet's own SDK (wasmhost/sdk): it exports aquanet_sdk_v1,
	// and its functions take and return JSON.
	SDK
)

func (k Kind) String() string {
	switch k {
	case Marine:
		return "marine"
	case SDK:
		return "aquanet-sdk"
	}
	return "unknown"
}

// ModuleID is a module's content identifier: a CIDv1 of codec raw and a sha2-256 multihash of
// its bytes, in base32 ("bafkrei…"). It names the same bytes on every node. (nox hashes a module
// over 256 KiB as an IPFS file of chunks, so its id of a large module differs from ours; the
// bytes are what matter, and any tool can check ours with one hash.)
type ModuleID string

var cidEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// IDOf returns the ModuleID of a module's bytes.
func IDOf(wasm []byte) ModuleID {
	sum := sha256.Sum256(wasm)
	b := append([]byte{0x01, 0x55, 0x12, 0x20}, sum[:]...)
	return ModuleID("b" + strings.ToLower(cidEncoding.EncodeToString(b)))
}

// Namespaces of the imports a module may have besides those of the modules it links to.
const (
	wasiNamespace = "wasi_snapshot_preview1"
	sdkNamespace  = "aquanet_host"
)

// marineHostNamespaces are Marine's host-API versions 0 to 3: every module may import
// log_utf8_string and get_call_parameters from them; any other name there is a mounted
// binary, an effector the node must grant.
var marineHostNamespaces = []string{"host", "__marine_host_api_v1", "__marine_host_api_v2", "__marine_host_api_v3"}

var sdkHostFunctions = []string{"log", "call"}

// ModuleInfo is what a module is, read before it is compiled.
type ModuleInfo struct {
	ID   ModuleID
	Kind Kind
	Size int
	// SDKVersion is Marine's __fluence_sdk_version section (marine-rs-sdk's version), if any.
	SDKVersion string
	// Effects are the host capabilities the module imports beyond WASI and the logger and call
	// parameters: Marine's mounted binaries, by name.
	Effects []string
	// Links are the import namespaces that must be modules loaded before this one (a facade's
	// dependencies, by name).
	Links []string
	// summary of the binary, for the back ends.
	summary *wasmbin.Summary
}

// UploadError is a module refused before compiling: too large, malformed, of no known ABI,
// or importing what no module may.
type UploadError struct {
	What string
}

func (e *UploadError) Error() string { return "module refused: " + e.What }

// Inspect reads a module's kind, effects and links without compiling it, and refuses what no
// node would run: more than maxSize bytes, a malformed binary, a module of neither ABI, an
// import of a kind other than a function (memories and tables are not shared between modules),
// an unknown WASI or SDK host function.
func Inspect(wasm []byte, maxSize int) (*ModuleInfo, error) {
	if maxSize > 0 && len(wasm) > maxSize {
		return nil, &UploadError{fmt.Sprintf("%d bytes, more than the limit of %d", len(wasm), maxSize)}
	}
	s, err := wasmbin.Scan(wasm)
	if err != nil {
		return nil, &UploadError{err.Error()}
	}
	info := &ModuleInfo{ID: IDOf(wasm), Size: len(wasm), summary: s}
	_, hasIT := s.CustomSection("interface-types")
	switch {
	case s.ExportsFunc("aquanet_sdk_v1"):
		info.Kind = SDK
	case hasIT:
		info.Kind = Marine
		if v, ok := s.CustomSection("__fluence_sdk_version"); ok && len(v) < 64 {
			info.SDKVersion = string(v)
		}
	default:
		return nil, &UploadError{"neither a Marine module (no interface-types section) nor one of aquanet's SDK (no aquanet_sdk_v1 export)"}
	}
	for _, im := range s.Imports {
		if im.Kind != wasmbin.KindFunc {
			return nil, &UploadError{fmt.Sprintf("it imports %s.%s, which is not a function: a module's memory, tables and globals are its own", im.Module, im.Name)}
		}
		switch {
		case im.Module == wasiNamespace:
			if !slices.Contains(wasiFunctions, im.Name) {
				return nil, &UploadError{fmt.Sprintf("it imports %s.%s, which WASI preview 1 does not have", im.Module, im.Name)}
			}
		case im.Module == sdkNamespace:
			if info.Kind != SDK || !slices.Contains(sdkHostFunctions, im.Name) {
				return nil, &UploadError{fmt.Sprintf("it imports %s.%s, which aquanet's host does not have", im.Module, im.Name)}
			}
		case slices.Contains(marineHostNamespaces, im.Module):
			if info.Kind != Marine {
				return nil, &UploadError{fmt.Sprintf("it imports %s.%s from Marine's host API but is not a Marine module", im.Module, im.Name)}
			}
			if im.Name != "log_utf8_string" && im.Name != "get_call_parameters" && !slices.Contains(info.Effects, im.Name) {
				info.Effects = append(info.Effects, im.Name)
			}
		default:
			if info.Kind == SDK {
				return nil, &UploadError{fmt.Sprintf("it imports %s.%s: a module of aquanet's SDK calls other modules through aquanet_host.call", im.Module, im.Name)}
			}
			if !slices.Contains(info.Links, im.Module) {
				info.Links = append(info.Links, im.Module)
			}
		}
	}
	slices.Sort(info.Effects)
	slices.Sort(info.Links)
	return info, nil
}

// wasiFunctions are WASI preview 1's functions (wazero implements them all).
var wasiFunctions = []string{
	"args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
	"fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
	"fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
	"fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
	"fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get", "path_filestat_set_times",
	"path_link", "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
	"path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get", "sock_accept",
	"sock_recv", "sock_send", "sock_shutdown",
}
