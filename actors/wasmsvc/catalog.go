package wasmsvc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/wasmhost"
	"github.com/aquanet/aquanet/wasmhost/api"
)

// ModuleRecord is what the node keeps of a module besides its bytes.
type ModuleRecord struct {
	ID   wasmhost.ModuleID `json:"id"`
	Name string            `json:"name"` // how other modules import from it
	Kind string            `json:"kind"`
	Size int               `json:"size"`
	// Config is the module config it was added with, kept to be shown (nox ignores all of it
	// but the name, and so does aquanet).
	Config    json.RawMessage `json:"config,omitempty"`
	Interface api.Interface   `json:"interface"`
	Effects   []string        `json:"effects,omitempty"`
}

// Blueprint is a service's recipe: modules by id in link order, the last the facade.
type Blueprint struct {
	ID           string              `json:"id"`
	Name         string              `json:"name"`
	Dependencies []wasmhost.ModuleID `json:"dependencies"`
}

// ServiceRecord is a service made of a blueprint, kept so that a restarted node brings it back.
type ServiceRecord struct {
	ID          string   `json:"id"`
	BlueprintID string   `json:"blueprint_id"`
	Owner       string   `json:"owner_id"`
	Aliases     []string `json:"aliases,omitempty"`
	// App is the application whose perimeter the service is under (srv.create's second
	// argument); empty: none.
	App string `json:"app,omitempty"`
}

// Catalog is a node's modules, blueprints and Wasm services, kept in its pebble database. It
// is safe for concurrent use: the dist service adds to it while the registry makes services
// of it.
type Catalog struct {
	db   *pebble.DB
	host *wasmhost.Host

	// The bytes of the modules services run, read once and shared by every service of them
	// (a module is immutable: its id is its hash), and the blueprints known to link. A node
	// bringing back 100 services of one 3 MB module reads and checks it once, and holds it
	// once.
	mu      sync.Mutex
	wasm    map[wasmhost.ModuleID][]byte
	linking map[string]bool
}

// NewCatalog returns the catalog kept in db, whose modules host runs.
func NewCatalog(db *pebble.DB, host *wasmhost.Host) *Catalog {
	return &Catalog{db: db, host: host, wasm: map[wasmhost.ModuleID][]byte{}, linking: map[string]bool{}}
}

// Host is the host the catalog's modules run on.
func (c *Catalog) Host() *wasmhost.Host { return c.host }

func key(space byte, id string) []byte { return append([]byte{space}, id...) }

// moduleBytesKey and moduleRecordKey keep a module's bytes and record apart, so that listing
// records reads no module bytes.
func moduleBytesKey(id wasmhost.ModuleID) []byte {
	return append(key(store.WasmModules, string(id)), 0, 'w')
}
func moduleRecordKey(id wasmhost.ModuleID) []byte {
	return append(key(store.WasmModules, string(id)), 0, 'r')
}

// AddModule checks a module (what it is, what it imports, that it compiles and what it
// exports), and keeps it under its id with name as the name others import it by. Adding the
// same bytes again is not an error: it returns the same id.
func (c *Catalog) AddModule(ctx context.Context, wasm []byte, name string, config json.RawMessage) (*ModuleRecord, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	info, err := c.host.Inspect(wasm)
	if err != nil {
		return nil, err
	}
	iface, err := c.host.ModuleInterface(ctx, name, wasm)
	if err != nil {
		return nil, err
	}
	rec := &ModuleRecord{ID: info.ID, Name: name, Kind: info.Kind.String(), Size: len(wasm), Config: config, Interface: iface, Effects: info.Effects}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	batch := c.db.NewBatch()
	defer batch.Close()
	batch.Set(moduleBytesKey(info.ID), wasm, nil)
	batch.Set(moduleRecordKey(info.ID), b, nil)
	if err := batch.Commit(store.Sync(c.db)); err != nil {
		return nil, fmt.Errorf("saving module %s: %w", info.ID, err)
	}
	return rec, nil
}

// checkName refuses a module name that cannot be an import namespace or a file name.
func checkName(name string) error {
	if name == "" || len(name) > 128 || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." {
		return fmt.Errorf("module name %q: want 1 to 128 characters, no slashes", name)
	}
	return nil
}

// ErrNotFound is a module, blueprint or service the node does not have.
var ErrNotFound = errors.New("not found")

// Module returns a module's record and bytes.
func (c *Catalog) Module(id wasmhost.ModuleID) (*ModuleRecord, []byte, error) {
	rec, err := c.moduleRecord(id)
	if err != nil {
		return nil, nil, err
	}
	wasm, closer, err := c.db.Get(moduleBytesKey(id))
	if err != nil {
		return nil, nil, fmt.Errorf("module %s: reading its bytes: %w", id, err)
	}
	defer closer.Close()
	return rec, bytes.Clone(wasm), nil
}

func (c *Catalog) moduleRecord(id wasmhost.ModuleID) (*ModuleRecord, error) {
	var rec ModuleRecord
	if err := c.get(moduleRecordKey(id), &rec); err != nil {
		return nil, fmt.Errorf("module %s: %w", id, err)
	}
	return &rec, nil
}

// sharedModule returns a module's record and its bytes as every service of it shares them:
// the caller must not change them.
func (c *Catalog) sharedModule(id wasmhost.ModuleID) (*ModuleRecord, []byte, error) {
	c.mu.Lock()
	wasm, ok := c.wasm[id]
	c.mu.Unlock()
	if !ok {
		return c.Module(id)
	}
	rec, err := c.moduleRecord(id)
	return rec, wasm, err
}

// StoredModuleBytes is the size of all modules kept.
func (c *Catalog) StoredModuleBytes() (int64, error) {
	recs, err := c.Modules()
	var n int64
	for _, r := range recs {
		n += int64(r.Size)
	}
	return n, err
}

// Modules returns the records of every module, by id.
func (c *Catalog) Modules() ([]ModuleRecord, error) {
	var out []ModuleRecord
	err := c.scan(store.WasmModules, func(k, v []byte) error {
		if !bytes.HasSuffix(k, []byte{0, 'r'}) {
			return nil
		}
		var rec ModuleRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("module record %q: %w", k, err)
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

// blueprintJSON is a blueprint as DAG-JSON (keys in byte order, CIDs as links), the form nox's
// make_blueprint returns and its add_blueprint takes; the blueprint's id is its CID.
type blueprintJSON struct {
	Dependencies []cidLink `json:"dependencies"`
	Name         string    `json:"name"`
}

type cidLink struct {
	CID string `json:"/"`
}

// MakeBlueprint encodes a blueprint of name over modules deps, as dist.make_blueprint does.
func MakeBlueprint(name string, deps []string) (string, error) {
	if name == "" {
		return "", errors.New("a blueprint needs a name")
	}
	if len(deps) == 0 {
		return "", errors.New("a blueprint needs at least one module")
	}
	bj := blueprintJSON{Name: name}
	for _, d := range deps {
		bj.Dependencies = append(bj.Dependencies, cidLink{d})
	}
	b, err := json.Marshal(bj)
	return string(b), err
}

// AddBlueprint keeps a blueprint given as MakeBlueprint encodes it, once every module it names
// is on the node and the modules link (each import from another module names one before it,
// all of one ABI, every effector granted); it returns the blueprint's id.
func (c *Catalog) AddBlueprint(encoded string) (*Blueprint, error) {
	var bj blueprintJSON
	dec := json.NewDecoder(strings.NewReader(encoded))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&bj); err != nil {
		return nil, fmt.Errorf("blueprint: %w (want {\"dependencies\":[{\"/\":MODULE_ID}...],\"name\":NAME}, as make_blueprint returns)", err)
	}
	canonical, err := MakeBlueprint(bj.Name, linkCIDs(bj.Dependencies))
	if err != nil {
		return nil, fmt.Errorf("blueprint: %w", err)
	}
	bp := &Blueprint{ID: dagJSONCID([]byte(canonical)), Name: bj.Name}
	for _, d := range bj.Dependencies {
		bp.Dependencies = append(bp.Dependencies, wasmhost.ModuleID(d.CID))
	}
	if _, err := c.spec(bp, "check", "", ""); err != nil {
		return nil, err
	}
	if err := c.put(key(store.WasmBlueprints, bp.ID), bp); err != nil {
		return nil, err
	}
	return bp, nil
}

func linkCIDs(ls []cidLink) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.CID
	}
	return out
}

// dagJSONCID is the CIDv1 (codec dag-json, sha2-256) of b, in base32.
func dagJSONCID(b []byte) string {
	sum := sha256.Sum256(b)
	raw := append([]byte{0x01, 0xa9, 0x02, 0x12, 0x20}, sum[:]...)
	return "b" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
}

// Blueprint returns the blueprint of id.
func (c *Catalog) Blueprint(id string) (*Blueprint, error) {
	var bp Blueprint
	if err := c.get(key(store.WasmBlueprints, id), &bp); err != nil {
		return nil, fmt.Errorf("blueprint %s: %w", id, err)
	}
	return &bp, nil
}

// Blueprints returns every blueprint, by id.
func (c *Catalog) Blueprints() ([]Blueprint, error) {
	var out []Blueprint
	err := c.scan(store.WasmBlueprints, func(k, v []byte) error {
		var bp Blueprint
		if err := json.Unmarshal(v, &bp); err != nil {
			return fmt.Errorf("blueprint record %q: %w", k, err)
		}
		out = append(out, bp)
		return nil
	})
	return out, err
}

// Spec returns what a service of blueprint id needs to run: its modules in order, named, and
// its dirs. It checks that they link, without compiling anything.
func (c *Catalog) Spec(blueprintID, serviceID, storageDir, tmpDir string) (wasmhost.ServiceSpec, error) {
	bp, err := c.Blueprint(blueprintID)
	if err != nil {
		return wasmhost.ServiceSpec{}, err
	}
	return c.spec(bp, serviceID, storageDir, tmpDir)
}

func (c *Catalog) spec(bp *Blueprint, serviceID, storageDir, tmpDir string) (wasmhost.ServiceSpec, error) {
	spec := wasmhost.ServiceSpec{ServiceID: serviceID, StorageDir: storageDir, TmpDir: tmpDir}
	for _, id := range bp.Dependencies {
		rec, wasm, err := c.sharedModule(id)
		if err != nil {
			return spec, err
		}
		spec.Modules = append(spec.Modules, wasmhost.ModuleSource{Name: rec.Name, Wasm: wasm})
	}
	c.mu.Lock()
	linked := c.linking[bp.ID]
	c.mu.Unlock()
	if !linked {
		if err := c.host.Check(spec); err != nil {
			return spec, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.linking[bp.ID] = true
	for i, id := range bp.Dependencies {
		if _, ok := c.wasm[id]; !ok {
			c.wasm[id] = spec.Modules[i].Wasm
		}
	}
	return spec, nil
}

// Interface is the interface of a blueprint's services: its facade's.
func (c *Catalog) Interface(blueprintID string) (api.Interface, error) {
	bp, err := c.Blueprint(blueprintID)
	if err != nil {
		return api.Interface{}, err
	}
	rec, err := c.moduleRecord(bp.Dependencies[len(bp.Dependencies)-1])
	if err != nil {
		return api.Interface{}, err
	}
	return rec.Interface, nil
}

// SaveService keeps a service's record (a new one, or its aliases changed).
func (c *Catalog) SaveService(rec ServiceRecord) error {
	return c.put(key(store.WasmServices, rec.ID), rec)
}

// DeleteService forgets a service.
func (c *Catalog) DeleteService(id string) error {
	if err := c.db.Delete(key(store.WasmServices, id), store.Sync(c.db)); err != nil {
		return fmt.Errorf("forgetting service %s: %w", id, err)
	}
	return nil
}

// Services returns every service's record, by id.
func (c *Catalog) Services() ([]ServiceRecord, error) {
	var out []ServiceRecord
	err := c.scan(store.WasmServices, func(k, v []byte) error {
		var rec ServiceRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("service record %q: %w", k, err)
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

func (c *Catalog) put(k []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := c.db.Set(k, b, store.Sync(c.db)); err != nil {
		return fmt.Errorf("saving %q: %w", k, err)
	}
	return nil
}

func (c *Catalog) get(k []byte, v any) error {
	b, closer, err := c.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	defer closer.Close()
	return json.Unmarshal(b, v)
}

func (c *Catalog) scan(space byte, f func(k, v []byte) error) error {
	it, err := c.db.NewIter(&pebble.IterOptions{LowerBound: []byte{space}, UpperBound: []byte{space + 1}})
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		if err := f(it.Key(), it.Value()); err != nil {
			it.Close()
			return err
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return err
	}
	return it.Close()
}
