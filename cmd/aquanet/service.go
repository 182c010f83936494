package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/actors/wasmsvc"
	"github.com/aquanet/aquanet/client"
	"github.com/aquanet/aquanet/internal/keyfile"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost"
)

const serviceLong = `Deploy Wasm services to a node and manage them.

A service is one or more Wasm modules: modules built with Fluence's marine-rs-sdk run
unchanged, and Go modules built with aquanet's SDK (wasmhost/sdk; see examples/). The last
module given is the facade, whose functions the service exports; the others are libraries it
imports from, each named by its file name without .wasm (or FILE.wasm:NAME).

Deploying needs a key the node lets deploy: by default the node's own (DATA_DIR/node.key) or
its management peer's (--management-peer of "aquanet node"); give it with --key. A node run
with wasm_open_deploy = true lets anyone deploy.`

func newServiceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "service",
		Short: "Deploy and manage Wasm services",
		Long:  serviceLong,
	}
	cmd.AddCommand(newServiceInspectCmd(), newServiceDeployCmd(), newServiceListCmd(), newServiceInterfaceCmd(), newServiceRemoveCmd())
	return cmd
}

func newServiceInspectCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "inspect FILE.wasm",
		Short: "Print a module's kind, id, imports and interface, without a node",
		Args:  usageArgs(1, "one module file"),
		RunE: func(c *cobra.Command, args []string) error {
			wasm, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			host, err := wasmhost.New(wasmhost.NewConfig())
			if err != nil {
				return err
			}
			defer host.Close(c.Context())
			info, err := host.Inspect(wasm)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			out := c.OutOrStdout()
			fprintf(out, "module  %s\nid      %s\nkind    %s\nsize    %d bytes\n", args[0], info.ID, info.Kind, info.Size)
			if info.SDKVersion != "" {
				fprintf(out, "sdk     marine-rs-sdk %s\n", info.SDKVersion)
			}
			if len(info.Links) > 0 {
				fprintf(out, "imports from modules: %s\n", strings.Join(info.Links, ", "))
			}
			if len(info.Effects) > 0 {
				fprintf(out, "host capabilities (need a grant): %s\n", strings.Join(info.Effects, ", "))
			}
			iface, err := host.ModuleInterface(c.Context(), strings.TrimSuffix(filepath.Base(args[0]), ".wasm"), wasm)
			if err != nil {
				return fmt.Errorf("%s: reading its interface: %w", args[0], err)
			}
			if iface.Stateless {
				fprintf(out, "stateless: its calls may run on several instances at once\n")
			}
			printInterface(out, wasmsvc.InterfaceValue(iface))
			return nil
		},
	}
}

// serviceFlags are the flags every command that talks to a node takes.
type serviceFlags struct {
	relay, keyFile string
	ttl            time.Duration
}

func (f *serviceFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.relay, "relay", "", "the node: a multiaddr ending in /p2p/<peer id>")
	cmd.Flags().StringVar(&f.keyFile, "key", "", "the key to sign with (a file of \"aquanet key gen\"; default an ephemeral one)")
	cmd.Flags().DurationVar(&f.ttl, "ttl", 2*time.Minute, "the time to live of each particle sent")
}

// dial connects to the node with the flags' key.
func (f *serviceFlags) dial(c *cobra.Command) (*client.Client, error) {
	if f.relay == "" {
		return nil, errors.New("needs --relay MULTIADDR (the node's address, ending in /p2p/<peer id>)")
	}
	opts := []client.Option{client.WithLogger(slog.New(slog.NewTextHandler(c.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelError})))}
	if f.keyFile != "" {
		k, err := keyfile.Read(f.keyFile)
		if err != nil {
			return nil, fmt.Errorf("--key: %w", err)
		}
		raw, err := k.Raw()
		if err != nil || len(raw) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("--key %s: not an ed25519 key", f.keyFile)
		}
		opts = append(opts, client.WithKey(ed25519.PrivateKey(raw)))
	}
	ctx, cancel := context.WithTimeout(c.Context(), 10*time.Second)
	defer cancel()
	return client.Dial(ctx, f.relay, opts...)
}

// call dials the node, calls one function of a service on it and hangs up.
func (f *serviceFlags) call(c *cobra.Command, service, function string, args ...value.Value) (value.Value, error) {
	cl, err := f.dial(c)
	if err != nil {
		return value.Value{}, err
	}
	defer cl.Close()
	return callRelay(c.Context(), cl, f.ttl, service, function, args...)
}

// callRelay calls one function of a service on the relay and returns its result; a failed call
// is an error with the service's message.
func callRelay(ctx context.Context, cl *client.Client, ttl time.Duration, service, function string, args ...value.Value) (value.Value, error) {
	names := make([]string, len(args))
	data := map[string]value.Value{}
	steps := []string{`(call %init_peer_id% ("getDataSrv" "-relay-") [] relay)`}
	for i, a := range args {
		names[i] = "a" + strconv.Itoa(i)
		data[names[i]] = a
		steps = append(steps, fmt.Sprintf(`(call %%init_peer_id%% ("getDataSrv" %q) [] %s)`, names[i], names[i]))
	}
	steps = append(steps,
		fmt.Sprintf(`(call relay (%q %q) [%s] r)`, service, function, strings.Join(names, " ")),
		`(call %init_peer_id% ("callbackSrv" "response") [r])`)
	script := fmt.Sprintf(`(xor %s (call %%init_peer_id%% ("errorHandlingSrv" "error") [%%last_error%%.$.message]))`, seqOf(steps))
	res, err := cl.Run(ctx, script, data, client.WithTTL(ttl))
	if res != nil {
		for _, ev := range res.Events {
			if ev.Error && len(ev.Args) > 0 {
				msg, _ := ev.Args[0].Str()
				return value.Value{}, fmt.Errorf("%s.%s: %s", service, function, msg)
			}
		}
	}
	if err != nil {
		return value.Value{}, err
	}
	out, ok := res.Response()
	if !ok || len(out) == 0 {
		return value.Value{}, fmt.Errorf("%s.%s: no answer", service, function)
	}
	return out[0], nil
}

// seqOf chains instructions in nested seqs, in order.
func seqOf(instrs []string) string {
	s := instrs[len(instrs)-1]
	for i := len(instrs) - 2; i >= 0; i-- {
		s = "(seq " + instrs[i] + " " + s + ")"
	}
	return s
}

func newServiceDeployCmd() *cobra.Command {
	var f serviceFlags
	var name, alias, app string
	cmd := &cobra.Command{
		Use:   "deploy --relay MULTIADDR [--key FILE] [--name NAME] [--alias ALIAS] [--perimeter APP] FILE.wasm[:MODULE]...",
		Short: "Upload modules, make a blueprint of them and create a service; print its id",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, files []string) error {
			type module struct{ file, name string }
			mods := make([]module, len(files))
			for i, arg := range files {
				file, modName, ok := strings.Cut(arg, ".wasm:")
				if ok {
					file += ".wasm"
				} else {
					file, modName = arg, strings.TrimSuffix(filepath.Base(arg), ".wasm")
				}
				mods[i] = module{file, modName}
			}
			if name == "" {
				name = mods[len(mods)-1].name
			}
			cl, err := f.dial(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx := c.Context()
			var ids []value.Value
			for _, m := range mods {
				wasm, err := os.ReadFile(m.file)
				if err != nil {
					return err
				}
				// Read before sending: a module the node would refuse is refused here, with the
				// same words.
				if _, err := wasmhost.Inspect(wasm, wasmhost.DefaultMaxModuleSize); err != nil {
					return fmt.Errorf("%s: %w", m.file, err)
				}
				id, err := uploadModule(ctx, cl, f.ttl, wasm, m.name)
				if err != nil {
					return fmt.Errorf("%s: %w", m.file, err)
				}
				fprintf(c.ErrOrStderr(), "module %s (%s): %s\n", m.name, m.file, id)
				ids = append(ids, value.String(id))
			}
			bp, err := callRelay(ctx, cl, f.ttl, "dist", "make_blueprint", value.String(name), value.Array(ids...))
			if err != nil {
				return err
			}
			bpID, err := callRelay(ctx, cl, f.ttl, "dist", "add_blueprint", bp)
			if err != nil {
				return err
			}
			bpStr, _ := bpID.Str()
			fprintf(c.ErrOrStderr(), "blueprint %s: %s\n", name, bpStr)
			create := []value.Value{bpID}
			if app != "" {
				create = append(create, value.String(app))
			}
			sid, err := callRelay(ctx, cl, f.ttl, "srv", "create", create...)
			if err != nil {
				return err
			}
			if alias != "" {
				if _, err := callRelay(ctx, cl, f.ttl, "srv", "add_alias", value.String(alias), sid); err != nil {
					return fmt.Errorf("service %s created, but: %w", sid, err)
				}
			}
			s, _ := sid.Str()
			fprintf(c.OutOrStdout(), "%s\n", s)
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&name, "name", "", "the blueprint's name (default the facade's module name)")
	cmd.Flags().StringVar(&alias, "alias", "", "an alias for the service (needs the host's or management key)")
	cmd.Flags().StringVar(&app, "perimeter", "", "put the service under the perimeter of this application: the node checks every call to it against the perimeter the ledger holds for the application (README, \"Securing an application\")")
	return cmd
}

// chunkSize is how many bytes of a module one particle carries: its base64 is a third more,
// well under a node's default particle limit of 4 MiB.
const chunkSize = 1 << 20

// uploadModule adds a module to the node: in one call if it is small, in chunks if not.
func uploadModule(ctx context.Context, cl *client.Client, ttl time.Duration, wasm []byte, name string) (string, error) {
	config := value.Object([]string{"name"}, []value.Value{value.String(name)})
	var id value.Value
	var err error
	if len(wasm) <= chunkSize {
		id, err = callRelay(ctx, cl, ttl, "dist", "add_module", value.String(base64.StdEncoding.EncodeToString(wasm)), config)
	} else {
		upload := string(wasmhost.IDOf(wasm))
		for i := 0; i*chunkSize < len(wasm); i++ {
			chunk := wasm[i*chunkSize : min(len(wasm), (i+1)*chunkSize)]
			if _, err := callRelay(ctx, cl, ttl, "dist", "add_module_chunk", value.String(upload), value.Int(int64(i)), value.String(base64.StdEncoding.EncodeToString(chunk))); err != nil {
				return "", err
			}
		}
		id, err = callRelay(ctx, cl, ttl, "dist", "add_module_upload", value.String(upload), config)
	}
	if err != nil {
		return "", err
	}
	s, _ := id.Str()
	return s, nil
}

func newServiceListCmd() *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   "list --relay MULTIADDR",
		Short: "List the services of a node",
		Args:  usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			list, err := f.call(c, "srv", "list")
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			for i := range list.Len() {
				s := list.Index(i)
				str := func(k string) string { v, _ := s.Get(k); t, _ := v.Str(); return t }
				aliases, _ := s.Get("aliases")
				fprintf(out, "%s  blueprint %s  owner %s  aliases %s\n", str("id"), orDash(str("blueprint_id")), str("owner_id"), aliases)
			}
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newServiceInterfaceCmd() *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   "interface --relay MULTIADDR SERVICE",
		Short: "Print a Wasm service's functions",
		Args:  usageArgs(1, "a service id or alias"),
		RunE: func(c *cobra.Command, args []string) error {
			iface, err := f.call(c, "srv", "get_interface", value.String(args[0]))
			if err != nil {
				return err
			}
			printInterface(c.OutOrStdout(), iface)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func newServiceRemoveCmd() *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   "remove --relay MULTIADDR SERVICE",
		Short: "Remove a service (the host or the management peer may)",
		Args:  usageArgs(1, "a service id or alias"),
		RunE: func(c *cobra.Command, args []string) error {
			_, err := f.call(c, "srv", "remove", value.String(args[0]))
			return err
		},
	}
	f.add(cmd)
	return cmd
}

// printInterface prints an interface as srv.get_interface returns it, one function a line:
// name(arg: type, ...) -> type, then the records.
func printInterface(w io.Writer, iface value.Value) {
	fns, _ := iface.Get("function_signatures")
	for i := range fns.Len() {
		fn := fns.Index(i)
		name, _ := fn.Get("name")
		n, _ := name.Str()
		args, _ := fn.Get("arguments")
		line := n + "(" + namesAndTypes(args) + ")"
		outs, _ := fn.Get("output_types")
		if outs.Len() > 0 {
			o, _ := outs.Index(0).Str()
			line += " -> " + o
		}
		fprintf(w, "%s\n", line)
	}
	recs, _ := iface.Get("record_types")
	for i := range recs.Len() {
		r := recs.Index(i)
		name, _ := r.Get("name")
		n, _ := name.Str()
		fields, _ := r.Get("fields")
		fprintf(w, "record %s { %s }\n", n, namesAndTypes(fields))
	}
}

// namesAndTypes prints a list of [name, type] pairs as "name: type, ...".
func namesAndTypes(pairs value.Value) string {
	parts := make([]string, pairs.Len())
	for i := range parts {
		name, _ := pairs.Index(i).Index(0).Str()
		typ, _ := pairs.Index(i).Index(1).Str()
		parts[i] = name + ": " + typ
	}
	return strings.Join(parts, ", ")
}
